#!/usr/bin/env bats
# rl-stats: summaries and error patterns of the metrics log
# (lib/rl_stats.c), and the error events every command logs
# (lib/rl_metrics.c).

load helpers/common

# a state directory holding the fixture log (its last line torn)
fixture() {
	mkdir -p "$RL_HOME"
	cp "$FIX/stats/metrics.ndjson" "$RL_HOME/metrics.ndjson"
	export RL_METRICS=0     # rl-stats's own events stay out of the answers
}

# a state directory holding a log with the shapes that used to be drawn
# and told wrong: four commands on one provider and model, two providers
# alike in their first 12 characters, latencies and CPU times whose sums
# carry float noise, a queue whose mean depth peaks at 2.5, runs that
# FINISH, FAIL and end on errors, tasks alike in their first 40
# characters, errors logged once
dash_fixture() {
	mkdir -p "$RL_HOME"
	cp "$FIX/stats/dash.ndjson" "$RL_HOME/metrics.ndjson"
	export RL_METRICS=0
}

@test "summary per command, provider and model, with exact percentiles" {
	fixture
	run --separate-stderr rl-stats
	[ "$status" -eq 0 ]
	jqo -c '[.cmd, .provider, .model, .events, .requests, .failed_requests, .retries, .errors, .prompt_tokens, .completion_tokens, .latency_ms]'
	expect '["rl-provider","ollama","qwen",4,4,1,1,0,300,60,{"p50":20,"p95":40,"p99":40,"max":40}]
["rl-provider","openai","gpt",1,1,0,0,0,50,5,{"p50":1000,"p95":1000,"p99":1000,"max":1000}]
["rl-provider","-","-",2,0,0,0,1,0,0,null]
["rl-act","-","-",3,0,0,0,0,0,0,{"p50":5,"p95":700,"p99":700,"max":700}]
["rl-validate","-","-",4,0,0,0,8,0,0,null]'
	run --separate-stderr rl-stats -J
	jqo -c 'select(.cmd == "rl-act") | [.cpu_ms, .max_rss_kb, .bytes_in, .bytes_out]'
	expect '[3,3000,512,1124]'
	# the torn last line is skipped, and said so
	[ "$stderr" = "rl-stats: $RL_HOME/metrics.ndjson: input.not_json: skipped 1 line that is not an event (a torn last line, or damage)" ]
}

@test "--by a field, --since and --until" {
	fixture
	run --separate-stderr rl-stats --by tool
	jqo -c '[.tool, .events]'
	expect '["-",12]
["search",1]
["run_tests",1]'
	run --separate-stderr rl-stats --since 2026-11-20T11:00 --until 2026-11-20T13:00
	jqo -c '[.cmd, .events]'
	expect '["rl-act",3]
["rl-validate",1]'
	run --separate-stderr rl-stats --since yesterday
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"usage.bad_value: --since yesterday: not a time"* ]]
}

@test "errors: grouped by code and command, most frequent first, with trend and a sample" {
	fixture
	run --separate-stderr rl-stats errors
	[ "$status" -eq 0 ]
	jqo -c '[.code, .cmd, .count, .trend, .first, .last, .message]'
	expect '["input.not_json","rl-validate",7,"rising","2026-11-20T12:00:00.000Z","2026-11-20T13:00:00.000Z","unexpected '"'"'y'"'"' at column 1"]
["provider.http_500","rl-provider",1,"once","2026-11-20T10:00:05.000Z","2026-11-20T10:00:05.000Z","server error"]
["validate.schema","rl-validate",1,"once","2026-11-20T13:30:00.000Z","2026-11-20T13:30:00.000Z","'"'"'id'"'"' is required"]'
	run --separate-stderr rl-stats errors --top 1
	jqo -r .code
	expect input.not_json
}

@test "options go before the form's name as well as after; one the form does not take is refused" {
	fixture
	run --separate-stderr rl-stats --since 2026-11-20T12:30 --top 1 errors
	[ "$status" -eq 0 ]
	jqo -c '[.code, .count]'
	expect '["input.not_json",5]'
	run --separate-stderr rl-stats errors --since 2026-11-20T12:30 --top 1
	jqo -c '[.code, .count]'
	expect '["input.not_json",5]'
	run --separate-stderr rl-stats -J check
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "rl-stats: usage.bad_value: --ndjson does not go with check" ]
	run --separate-stderr rl-stats --top 3
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "rl-stats: usage.bad_value: --top does not go with rl-stats alone" ]
}

@test "an empty or absent log is an empty summary, not an error" {
	run --separate-stderr env RL_METRICS=0 rl-stats
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	mkdir -p "$RL_HOME" && : > "$RL_HOME/metrics.ndjson"
	run --separate-stderr env RL_METRICS=0 rl-stats errors
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "every command logs its errors once per code, with a count" {
	printf '%s\n' 'nope' 'nada' '{"rl":1}' | rl-validate > /dev/null 2>&1 || true
	run jq -c 'select(.kind == "error") | [.cmd, .code, .count]' "$RL_HOME/metrics.ndjson"
	expect '["rl-validate","input.not_json",2]
["rl-validate","validate.schema",1]'
	run --separate-stderr env RL_METRICS=0 rl-stats errors
	jqo -c '[.code, .count]'
	expect '["input.not_json",2]
["validate.schema",1]'
}

@test "on a terminal, tables" {
	fixture
	run command script -qc "rl-stats; rl-stats errors" /dev/null
	[[ "$output" == *"CMD "*"PROVIDER"*"P50/P95/P99 MS"* ]]
	[[ "$output" == *"ollama"*"20/40/40"* ]]
	[[ "$output" == *"COUNT CODE"* && "$output" == *"input.not_json"*"rising"* ]]
}

@test "check: each gate over the window, for cron: exit 1 and which failed" {
	fixture
	run --separate-stderr rl-stats check --since 2026-11-20
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	RL_GATE_P95_MS=500 RL_GATE_RSS_KB=3500 RL_GATE_IO_BYTES=1000 \
	    run --separate-stderr rl-stats check --since 2026-11-20
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$stderr" | grep stats.gate)" = "rl-stats: stats.gate: rl-provider openai gpt: p95 latency 1000 ms is over gates.p95_ms (500)
rl-stats: stats.gate: rl-provider: memory 4000 KiB is over gates.rss_kb (3500)
rl-stats: stats.gate: rl-act: p95 latency 700 ms is over gates.p95_ms (500)
rl-stats: stats.gate: rl-act: I/O 1636 bytes is over gates.io_bytes (1000)" ]
	# by default the last hour, which holds none of these old events
	RL_GATE_P95_MS=500 run --separate-stderr rl-stats check
	[ "$status" -eq 0 ]
	RL_GATE_CPU_MS=5 run --separate-stderr rl-stats check --since 2026-11-20
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"stats.gate: rl-provider: CPU time of a run 12 ms is over gates.cpu_ms (5)"* ]]
}

@test "errors: a pattern logged at one time only has no trend: once" {
	printf '%s\n' 'not json' | rl-validate > /dev/null 2>&1 || true
	run --separate-stderr env RL_METRICS=0 rl-stats errors
	jqo -c '[.code, .count, .trend]'
	expect '["input.not_json",1,"once"]'
	# one run's many errors are one event: still once, whatever the count
	dash_fixture
	run --separate-stderr rl-stats errors
	jqo -c '[.code, .count, .trend]'
	expect '["input.not_json",4,"rising"]
["validate.reply",1,"once"]
["provider.http_503",1,"once"]'
	run --separate-stderr rl-stats errors --since 2026-11-22T10:08
	jqo -c '[.code, .count, .trend]'
	expect '["input.not_json",3,"once"]'
}

# a state directory holding a log of runs of redline run
runs_fixture() {
	mkdir -p "$RL_HOME"
	cp "$FIX/stats/runs.ndjson" "$RL_HOME/metrics.ndjson"
	export RL_METRICS=0
}

@test "runs: one row per task as it ended, with tokens, offset and reward" {
	runs_fixture
	run --separate-stderr rl-stats runs
	[ "$status" -eq 0 ]
	jqo -c '[.id, .status, .iter, .prompt_tokens + .completion_tokens, .offset, .reward_k, .duration_ms]'
	expect '["t2","BUDGET",4,62000,null,null,11000]
["t1","FINISH",1,1680,0.6,0.126,30000]'
	command -v script > /dev/null || skip "script(1) is needed"
	command script -qec "rl-stats runs --since 2026-11-21T09:00:15" /dev/null > tty
	grep -aq '^t2 *BUDGET *4 *62000 *- *- *11.0  remove the markers' tty
	grep -aq '^t1 *FINISH *1 *1680 *60.0% *0.126 *30.0  split count() <in> wordstat.c' tty
}

# shot HTML PNG: a headless Chromium screenshot of the page
shot() {
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
	    --window-size=1280,1600 --screenshot="$2" "file://$1" > /dev/null 2>&1
}

@test "the dashboard: one page, no scripts, every chart, drawn by Chromium" {
	runs_fixture
	run --separate-stderr rl-stats --html "$S/dash.html"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# self-contained: nothing fetched, no script
	run ! grep -Eqi '<script|src=|href=|@import|url\(' "$S/dash.html"
	for id in summary requests latency tokens reward queue resources memory runs errors; do
		grep -q "<h2 id=\"$id\">" "$S/dash.html" || { echo "no section $id"; false; }
	done
	# text is escaped; charts are drawn from the log
	grep -q 'split count() &lt;in&gt; wordstat.c' "$S/dash.html"
	[ "$(grep -o '<svg' "$S/dash.html" | wc -l)" -eq 7 ]
	grep -q 'aria-label="mean reward_k per agent and model"' "$S/dash.html"
	command -v chromium > /dev/null || skip "chromium is not installed (make deps installs it)"
	chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$S/dash.html" 2> /dev/null > dom
	for t in "Requests and errors over time" "Latency percentiles by command and model" \
	    "Tokens per task" "Reward per model and agent" "Queue depth" \
	    "Resource usage per stage" "Error patterns"; do
		grep -q "$t" dom || { echo "no '$t' in the DOM"; false; }
	done
	[ "$(grep -o '<rect' dom | wc -l)" -gt 20 ]
	# not blank: far more to compress than an empty page of the same size
	shot "$S/dash.html" dash.png
	echo '<!DOCTYPE html><html><body></body></html>' > "$S/blank.html"
	shot "$S/blank.html" blank.png
	[ "$(head -c 8 dash.png | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ]
	[ "$(stat -c %s dash.png)" -gt "$((3 * $(stat -c %s blank.png)))" ]
}

# measure HTML: the page as Chromium draws it, measured by
# tests/helpers/dash-geometry.js (added to a copy: the page has no
# script), into the file geometry, one finding per line
measure() {
	{
		sed 's#</body></html>$##' "$1"
		echo '<script>'
		cat "$TOP/tests/helpers/dash-geometry.js"
		echo '</script></body></html>'
	} > "$S/measured.html"
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
	    --window-size=1280,2400 --virtual-time-budget=2000 \
	    --dump-dom "file://$S/measured.html" 2> /dev/null |
	    sed -n '/<pre id="geometry">/,/<\/pre>/p' |
	    sed 's#.*<pre id="geometry">##; s#</pre>.*##' > geometry
	grep -q '^charts ' geometry
}

@test "the dashboard's charts as Chromium draws them: marks within their axes, labels within their cards, whole ticks for counts" {
	command -v chromium > /dev/null || skip "chromium is not installed (make deps installs it)"
	dash_fixture
	rl-stats --html "$S/dash.html"
	measure "$S/dash.html"
	# nothing outside: every bar and line within its axes, every text
	# within its chart and its card
	grep '^bad' geometry || true
	run ! grep -q '^bad' geometry
	grep -qx 'charts 7' geometry
	# counts on whole ticks: the queue's mean depth peaks at 2.5
	[ "$(grep '^tick queue ' geometry | cut -d' ' -f3 | paste -sd' ')" = "0 1 2 3" ]
	[ "$(grep '^tick requests ' geometry | cut -d' ' -f3 | paste -sd' ')" = "0 1 2 3" ]
	[ "$(grep '^tick tokens ' geometry | cut -d' ' -f3 | paste -sd' ')" = "0 5000 10k 15k" ]
	# bars named by command, provider and model, as far as they differ
	grep '^label latency ' geometry | cut -d' ' -f3- > labels
	run cat labels
	expect 'rl-reason mock gpt-5.2
rl-plan mock gpt-5.2
rl-act mock gpt-5.2
rl-feedback mock gpt-5.2
rl-reason http://127.0.0.1:8081/v1 qwen
rl-reason http://127.0.0.1:8082/v1 qwen'
	# tokens by task, two alike in their first 40 characters told apart
	grep '^label tokens ' geometry | cut -d' ' -f3- > labels
	run cat labels
	expect 'remove the markers
…t_words and count_lines in wordstat.c
…t_words and count_chars in wordstat.c
inline the helpers of sum.c'
	# four commands on one provider and model: named by command, the
	# rest said once
	rl-stats --html "$S/dash.html" --until 2026-11-22T10:05
	measure "$S/dash.html"
	run ! grep -q '^bad' geometry
	grep '^label latency ' geometry | cut -d' ' -f3- > labels
	run cat labels
	expect 'rl-reason
rl-plan
rl-act
rl-feedback'
	grep -qx 'caption latency provider mock, model gpt-5.2' geometry
}

@test "the dashboard of an empty log says so in every section" {
	mkdir -p "$RL_HOME"
	export RL_METRICS=0
	run --separate-stderr rl-stats --html "$S/empty.html"
	[ "$status" -eq 0 ]
	[ "$(grep -o 'class="none"' "$S/empty.html" | wc -l)" -eq 8 ]
	grep -q '<b>0</b>runs' "$S/empty.html"
	run --separate-stderr rl-stats --html x --by cmd
	[ "$status" -eq 2 ]
}

# compressed: gzip runs in the background; wait for it (bounded)
compressed() {
	for _ in $(seq 200); do
		ls "$RL_HOME"/metrics-*.ndjson 2> /dev/null | grep -q . || return 0
		sleep 0.05
	done
	return 1
}

@test "a command's exit never waits for the compression of the rotated log" {
	fixture
	unset RL_METRICS
	# a gzip that takes its time, and says it is running
	mkdir -p "$S/bin"
	printf '#!/bin/sh\necho $$ > %s\nexec sleep 60\n' "$S/gzip.pid" > "$S/bin/gzip"
	chmod +x "$S/bin/gzip"
	echo '{}' > any.json
	echo '{"a":1}' | PATH="$S/bin:$PATH" RL_METRICS_MAX_BYTES=500 rl-validate -s any.json | cat > out
	[ "$(cat out)" = '{"a":1}' ]
	for _ in $(seq 100); do [ -s "$S/gzip.pid" ] && break; sleep 0.05; done
	pid=$(cat "$S/gzip.pid")
	# the pipeline ended while gzip still runs
	kill -0 "$pid"
	kill "$pid"
	# and the history is read meanwhile, without the unfinished .gz
	: > "$(ls "$RL_HOME"/metrics-*.ndjson).gz"
	run --separate-stderr env RL_METRICS=0 rl-stats -J
	[ "$status" -eq 0 ]
	[[ "$stderr" != *"cannot unpack"* ]]
}

@test "the log rotates by size and age into compressed history that is still read; retention" {
	fixture
	unset RL_METRICS
	# over its size: the next command to end rotates it, compressed
	RL_METRICS_MAX_BYTES=500 rl-mem -n t ls > /dev/null
	compressed
	ls "$RL_HOME"/metrics-*.ndjson.gz > rotated
	[ "$(wc -l < rotated)" -eq 1 ]
	[[ "$(basename "$(cat rotated)")" =~ ^metrics-[0-9]{8}T[0-9]{6}Z-[0-9]+\.ndjson\.gz$ ]]
	gzip -t "$(cat rotated)"
	# the history is read with the live log: the fixture's requests are all there
	export RL_METRICS=0
	run --separate-stderr rl-stats -J
	jqo -c 'select(.provider == "ollama") | [.events, .requests, .failed_requests]'
	expect '[4,4,1]'
	run --separate-stderr rl-stats errors -J
	[[ "$output" == *'"code":"input.not_json"'* ]]
	# over its age: the first event is days old
	unset RL_METRICS
	cp "$FIX/stats/runs.ndjson" "$RL_HOME/metrics.ndjson"
	RL_METRICS_MAX_AGE=3600 rl-mem -n t ls > /dev/null
	compressed
	[ "$(ls "$RL_HOME"/metrics-*.ndjson.gz | wc -l)" -eq 2 ]
	[ "$(RL_METRICS=0 rl-stats runs | jq -s length)" -eq 2 ]
	# retention: old history goes, and history beyond keep_files
	printf '{"at":"2020-01-01T00:00:00.000Z","kind":"stage","cmd":"x"}\n' | gzip > "$RL_HOME/metrics-20200101T000000Z-1.ndjson.gz"
	cp "$FIX/stats/runs.ndjson" "$RL_HOME/metrics.ndjson"
	RL_METRICS_MAX_AGE=3600 rl-mem -n t ls > /dev/null
	compressed
	[ ! -e "$RL_HOME/metrics-20200101T000000Z-1.ndjson.gz" ]
	[ "$(ls "$RL_HOME"/metrics-*.ndjson.gz | wc -l)" -eq 3 ]
	cp "$FIX/stats/runs.ndjson" "$RL_HOME/metrics.ndjson"
	RL_METRICS_MAX_AGE=3600 RL_METRICS_KEEP_FILES=2 rl-mem -n t ls > /dev/null
	compressed
	[ "$(ls "$RL_HOME"/metrics-*.ndjson.gz | wc -l)" -eq 2 ]
	# a history rotated before --since is not needed, and not read
	: > "$RL_HOME/metrics.ndjson"
	mv "$(ls "$RL_HOME"/metrics-*.ndjson.gz | head -1)" "$RL_HOME/metrics-20261101T000000Z-9.ndjson.gz"
	printf 'not gzip' > "$RL_HOME/metrics-20261102T000000Z-9.ndjson.gz"
	run --separate-stderr env RL_METRICS=0 rl-stats --since 2026-11-03
	[ "$status" -eq 0 ]
	[[ "$stderr" != *"cannot unpack"* ]]
	run --separate-stderr env RL_METRICS=0 rl-stats --since 2026-11-01
	[[ "$stderr" == *"metrics-20261102T000000Z-9.ndjson.gz: io.read: cannot unpack it: gzip failed"* ]]
}

@test "a line torn by a crash stays apart: the next event is not glued to it" {
	mkdir -p "$RL_HOME"
	now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)   # recent: no rotation by age
	good="{\"at\":\"$now\",\"cmd\":\"rl-act\",\"pid\":1,\"kind\":\"tool\",\"ms\":3}"
	torn="{\"at\":\"$now\",\"cmd\":\"rl-act\",\"pid\":1,\"kind\":\"stage\",\"wall_ms\":0.195"
	printf '%s\n%s' "$good" "$torn" > "$RL_HOME/metrics.ndjson"
	echo '{}' | rl-queue push
	run sed -n 2p "$RL_HOME/metrics.ndjson"
	expect "$torn"
	# every line but the torn one is an event of its own
	run sh -c "sed 2d '$RL_HOME/metrics.ndjson' | jq -c '[.cmd, .kind]'"
	[ "$status" -eq 0 ]
	expect '["rl-act","tool"]
["rl-queue","queue"]
["rl-queue","stage"]'
	run --separate-stderr env RL_METRICS=0 rl-stats -J
	jqo -c '[.cmd, .events]'
	expect '["rl-act",1]
["rl-queue",2]'
	[ "$stderr" = "rl-stats: $RL_HOME/metrics.ndjson: input.not_json: skipped 1 line that is not an event (a torn last line, or damage)" ]
}

@test "an event cut by a full disk is cut back: no torn line is left" {
	mkdir -p "$RL_HOME"
	# 1000 bytes of events; the next one crosses a 1 KiB file size limit
	jq -nc --arg at "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" \
	    '{at: $at, cmd: "x", pid: 1, kind: "pad", pad: ("y" * (1000 - 74))}' \
	    > "$RL_HOME/metrics.ndjson"
	[ "$(stat -c %s "$RL_HOME/metrics.ndjson")" -eq 1000 ]
	cp "$RL_HOME/metrics.ndjson" before
	run --separate-stderr bash -c 'ulimit -f 1; echo "{}" | exec rl-queue push'
	[ "$status" -eq 0 ]
	[[ "$stderr" == "rl-queue: $RL_HOME/metrics.ndjson: io.write: cannot log metrics: File too large" ]]
	cmp before "$RL_HOME/metrics.ndjson"
	# space again: the next events are whole lines
	echo '{}' | rl-queue push
	run jq -c '[.cmd, .kind]' "$RL_HOME/metrics.ndjson"
	[ "$status" -eq 0 ]
	expect '["x","pad"]
["rl-queue","queue"]
["rl-queue","stage"]'
}

@test "a metrics event with a number beyond a double: its value is ignored, not infinity" {
	mkdir -p "$RL_HOME"
	export RL_METRICS=0
	now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
	for ms in 10 1e400 30; do
		echo "{\"at\":\"$now\",\"cmd\":\"rl-provider\",\"pid\":1,\"kind\":\"request\",\"provider\":\"p\",\"model\":\"m\",\"ms\":$ms,\"prompt_tokens\":5}"
	done > "$RL_HOME/metrics.ndjson"
	run --separate-stderr rl-stats -J
	[ -z "$stderr" ]
	jqo -c '[.requests, .prompt_tokens, .latency_ms]'
	expect '[3,15,{"p50":10,"p95":30,"p99":30,"max":30}]'
	RL_GATE_P95_MS=500 run --separate-stderr rl-stats check
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	rl-stats --html dash.html
	run grep -Eci 'nan|inf[^o]' dash.html
	expect 0
}

@test "errors: grouped by provider and by tool too" {
	git_repo
	echo '{"error":{"status":503,"message":"overloaded"},"times":0}' > down
	echo '{"rl":1,"id":"e1","next":"reason","task":"t"}' |
	    RL_MAX_RETRIES=0 rl-reason -p script:down > /dev/null 2>&1 || true
	echo '{"rl":1,"id":"e2","next":"act","iter":1,"repo":"'"$S/repo"'","plan":{"steps":[{"tool":"read_file","args":{"path":7}}]}}' |
	    rl-act --no-sandbox > /dev/null 2>&1 || true
	export RL_METRICS=0
	run --separate-stderr rl-stats errors -J
	[ "$status" -eq 0 ]
	jqo -c '[.code, .cmd, .provider, .tool, .count]'
	[[ "$output" == *'["provider.http_503","rl-reason","script:down","-",1]'* ]]
	[[ "$output" == *'["tool.bad_args","rl-act","-","read_file",1]'* ]]
}

@test "cost, where a model has a price" {
	fixture
	mkdir -p .redline
	echo '{"version":1,"prices":{"qwen":{"prompt":1,"completion":2},"gpt":{"prompt":2.5,"completion":10}}}' > .redline/config.json
	trust_repo
	run --separate-stderr rl-stats -J
	[ "$status" -eq 0 ]
	jqo -c '[.model, .cost]'
	[[ "$output" == *'["qwen",0.00042]'* ]]
	[[ "$output" == *'["gpt",0.000175]'* ]]
	[[ "$output" == *'["-",null]'* ]]
	command -v script > /dev/null || skip "script(1) is needed"
	command script -qec "rl-stats" /dev/null > tty
	grep -aq 'COST' tty
	grep -aq 'qwen .* 0.0004.$' tty
}

@test "numbers in JSON are rounded to what they mean: ms to 0.1, offset and reward short" {
	dash_fixture
	rl-stats -J > summary
	rl-stats runs -J > runs
	# 84.197 + 0.1 CPU ms, a request of 0.1 + 0.2 ms, an offset of 27/29: no noise
	run ! grep -Eq '[0-9]\.[0-9]{6}' summary runs
	run jq -c 'select(.cmd == "rl-reason" and .provider == "-") | .cpu_ms' summary
	expect 84.3
	run jq -c 'select(.cmd == "rl-plan") | .latency_ms' summary
	expect '{"p50":0.3,"p95":0.3,"p99":0.3,"max":0.3}'
	run jq -c 'select(.status == "FINISH") | [.offset, .reward, .reward_k, .duration_ms]' runs
	expect '[0.931,1.371e-11,0.01371,40586]'
}

@test "the terminal table never cuts two names to one" {
	dash_fixture
	command -v script > /dev/null || skip "script(1) is needed"
	command script -qec "rl-stats" /dev/null | tr -d '\r' > tty
	# the two providers are alike in their first 12 characters
	grep -aq '^rl-reason  *\.\.\.1:8081/v1 qwen ' tty
	grep -aq '^rl-reason  *\.\.\.1:8082/v1 qwen ' tty
	run ! grep -aq 'http://127.0 ' tty
	# a name no cut tells apart is kept whole: the row runs wider
	sed 's/127.0.0.1:808\([12]\)\/v1/10.0.0.\1:8080\/api\/v1/' "$FIX/stats/dash.ndjson" > "$RL_HOME/metrics.ndjson"
	command script -qec "rl-stats" /dev/null | tr -d '\r' > tty
	grep -aq '^rl-reason  *http://10.0.0.1:8080/api/v1 qwen ' tty
	grep -aq '^rl-reason  *http://10.0.0.2:8080/api/v1 qwen ' tty
	# the other tables alike
	command script -qec "rl-stats errors" /dev/null | tr -d '\r' > tty
	grep -aq 'provider.http_503  *rl-reason  *\.\.080/api/v1  *-  *once ' tty
}

@test "runs: every task that ended counts, FAILED and ERROR included, once each" {
	fixture_repo
	echo '{"match":{"system":"reasoning agent"},"reply":"no JSON here","times":0}' > bad
	echo '{"match":{"system":"reasoning agent"},"error":{"status":503,"message":"overloaded"},"times":0}' > down
	# a reply refused: the task ends on its error in redline run
	run --separate-stderr redline run --no-sandbox -p script:bad "a reply refused"
	[ "$status" -eq 1 ]
	# the provider down: the task goes to the dead letters
	RL_MAX_RETRIES=0 RL_QUEUE_MAX_ATTEMPTS=2 RL_QUEUE_BACKOFF_BASE=0.01 \
	    run --separate-stderr redline run --no-sandbox -p script:down "a provider down"
	[ "$status" -eq 1 ]
	# a finished task is logged by rl-complete alone
	run --separate-stderr redline run --no-sandbox -p "script:$FIX/agents/ring.cassette" \
	    "merge the duplicated loops in sum.c"
	[ "$status" -eq 0 ]
	# in a plain pipeline, the error baton ends its task at rl-complete
	rl-task "a pipeline's refused reply" | rl-reason -p script:bad 2> /dev/null |
	    rl-plan | rl-act --no-sandbox | rl-feedback | rl-complete --no-sandbox > out || true
	[ "$(jq -r .error.code out)" = validate.reply ]
	# a task left by a run that did not finish, dropped by --discard
	rl-task "left behind" | rl-queue -q redline-ring push > /dev/null
	run --separate-stderr redline run --discard --no-sandbox -p script:bad "after the discard"
	[ "$status" -eq 1 ]
	# each ended once: one run event per task
	run jq -r 'select(.kind == "run") | .id' "$RL_HOME/metrics.ndjson"
	[ "${#lines[@]}" -eq 6 ]
	[ -z "$(printf '%s\n' "${lines[@]}" | sort | uniq -d)" ]
	RL_METRICS=0 rl-stats runs -J > runs
	run jq -c '[.task, .status, .code]' runs
	expect '["a reply refused","ERROR","validate.reply"]
["a provider down","ERROR","provider.http_503"]
["merge the duplicated loops in sum.c","FINISH",null]
["a pipeline'"'"'s refused reply","ERROR","validate.reply"]
["left behind","ERROR","internal.discarded"]
["after the discard","ERROR","validate.reply"]'
	# back from the dead letters, they end again: each counts once, as it ended last
	rl-queue -q redline-ring requeue --all-dead > /dev/null
	run --separate-stderr redline run --resume --no-sandbox -p script:bad < /dev/null
	[ "$status" -eq 1 ]
	RL_METRICS=0 rl-stats runs -J > runs
	run sh -c "jq -c '[.task, .status, .code]' runs | tail -n 2 | sort"
	expect '["a provider down","ERROR","validate.reply"]
["left behind","ERROR","validate.reply"]'
	[ "$(wc -l < runs)" -eq 6 ]
	# the dashboard counts them all
	RL_METRICS=0 rl-stats --html dash.html
	grep -q '<b>6</b>runs' dash.html
	grep -q '<b>1</b>finished' dash.html
	grep -q 'class="ERROR">ERROR<small>validate.reply</small>' dash.html
}
