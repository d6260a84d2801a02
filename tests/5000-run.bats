#!/usr/bin/env bats
# redline: the front command, and `redline run`, the supervisor of the
# ring with its journal.

load helpers/common
load helpers/ring
load helpers/flow


# ring_repo: the fixture project, for a test whose ring runs the sandbox
ring_repo() {
	skip_without_sandbox
	fixture_repo
}

# patched_once: sum.c holds the patch exactly once, and its tests pass
patched_once() {
	[ "$(grep -o 'sum_sign(' sum.c | wc -l)" -eq 3 ] && make -s check > /dev/null
}

@test "redline CMD runs rl-CMD; anything else is an error" {
	run --separate-stderr redline task -P 3 "a task"
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.task, .priority] | @tsv' <<< "$output")" = "a task	3" ]
	run --separate-stderr redline frobnicate
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"'frobnicate' is not a redline command (no rl-frobnicate)"* ]]
	run --separate-stderr redline ../bin/sh
	[ "$status" -eq 2 ]
	run --separate-stderr redline
	[ "$status" -eq 2 ]
	[[ "$stderr" == "usage: redline run"* ]]
	[[ "$stderr" == *"
  queue      a persistent priority queue with leases, retries and dead letters
"* ]]
	run --separate-stderr redline help
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ "$output" == "usage: redline run"* ]]
	[[ "$output" == *"
  run        supervise the agent ring, with a journal (redline(1))
"* ]]
	run --separate-stderr redline help queue
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: rl-queue "* ]]
}

@test "redline run: a task goes round the ring on a real C repository and finishes" {
	ring_repo
	RL_RECORD="$S/rec" run --separate-stderr redline run -p "script:$RING" "merge the duplicated loops in sum.c"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	jqo '[.status, .next, (.trail | map(.stage)), (.observations | map([.tool, .exit])),
	    .verify.exit, .usage.prompt_tokens + .usage.completion_tokens]'
	expect '["FINISH","done",["reason","plan","act","feedback"],[["edit_files",0],["run_tests",0]],0,2486]'
	patched_once
	# the edit was written from what its request showed
	flow_check "$S/rec"
	# nothing is left in the journal; stdout held data alone
	[ "$(journal_left)" -eq 0 ]
	[ -z "$stderr" ]
}

@test "upstream handoff: feedback sends the baton back to plan, and the second plan differs" {
	ring_repo
	{
		entry "reasoning agent"
		echo '{"match":{"system":"planning agent"},"reply_json":{"steps":[{"tool":"search","args":{"pattern":"sum_negative"},"goal":"look first"}]}}'
		entry "planning agent" '{"times":1}'
		entry "acting agent"
		echo '{"match":{"system":"feedback agent"},"reply_json":{"verdict":"replan","reason":"nothing changed yet"}}'
		entry "feedback agent" '{"times":1}'
	} > c
	run --separate-stderr redline run -p script:c "merge the duplicated loops in sum.c"
	[ "$status" -eq 0 ]
	jqo '[.status, .iter, (.trail | map(.stage)), (.observations | map([.iter, .tool])), .feedback.verdict]'
	expect '["FINISH",2,["reason","plan","feedback","plan","act","feedback"],[[1,"search"],[2,"edit_files"],[2,"run_tests"]],"done"]'
	patched_once
}

@test "a bias request is granted, kept in the agent's memory, and shapes the next run" {
	ring_repo
	{
		entry "reasoning agent"
		entry "planning agent"
		entry "acting agent"
		echo '{"match":{"system":"feedback agent"},"reply_json":{"verdict":"done","reason":"ok","bias_request":{"agent":"plan","correction":"one small patch per step","reason":"a big patch is hard to review"}}}'
	} > c
	run --separate-stderr redline run -p script:c "merge the duplicated loops in sum.c"
	[ "$status" -eq 0 ]
	jqo '[.bias.plan, .bias_log[0].granted, .bias_log[0].reason, has("bias_request")]'
	expect '["one small patch per step",true,"a big patch is hard to review",false]'
	[ "$(rl-mem -n plan get bias)" = "one small patch per step" ]
	[ "$(rl-mem -n plan get bias-decision | jq -r .granted)" = true ]
	# the next run's planner is told; its cassette answers only if it was
	git checkout -q sum.c
	{
		entry "reasoning agent"
		entry "planning agent" '{"match":{"system":"Corrective bias: one small patch per step"}}'
		entry "acting agent"
		entry "feedback agent"
	} > d
	run --separate-stderr redline run -p script:d "merge the duplicated loops in sum.c"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<< "$output")" = FINISH ]
	# refused, with the reason recorded
	git checkout -q sum.c
	sed 's/"agent":"plan"/"agent":"complete"/' c > e
	RL_RUN_ACCEPT_BIAS=false run --separate-stderr redline run -p script:e "again"
	jqo '[.bias_log[0].granted, .bias_log[0].why]'
	expect '[false,"run.accept_bias is false"]'
	[[ "$stderr" == *"bias for complete refused: run.accept_bias is false"* ]]
}

@test "a feedback loop that never converges ends with status BUDGET" {
	ring_repo
	{
		entry "reasoning agent"
		echo '{"match":{"system":"planning agent"},"reply_json":{"steps":[{"tool":"search","args":{"pattern":"x"},"goal":"g"}]},"usage":{"prompt_tokens":100,"completion_tokens":10},"times":0}'
		echo '{"match":{"system":"feedback agent"},"reply_json":{"verdict":"replan","reason":"again"},"usage":{"prompt_tokens":100,"completion_tokens":10},"times":0}'
	} > c
	RL_AGENT_MAX_ITER=3 run --separate-stderr redline run -p script:c "never done"
	[ "$status" -eq 1 ]
	jqo '[.status, .next, .budget_spent, .iter, (.summary | test("^BUDGET"))]'
	expect '["BUDGET","done","iterations 4 of 3",4,true]'
	# and a token budget, spent on the way
	echo '{"task":"t","budget":{"tokens":600}}' | rl-task > in
	run --separate-stderr redline run -p script:c < in
	[ "$(jq -r .budget_spent <<< "$output")" = "tokens 653 of 600" ]
}

@test "bad input: a baton for an unknown stage, a baton with an error, a line that is not JSON" {
	ring_repo
	{
		echo '{"rl":1,"id":"u","next":"frobnicate"}'
		echo '{"rl":1,"id":"e","next":"plan","error":{"code":"tool.denied","category":"policy","message":"m","retryable":false}}'
		echo 'not json'
		echo '{"rl":1,"next":"plan"}'
	} > in
	run --separate-stderr redline run -p script:/nonexistent < in
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 4 ]
	printf '%s\n' "$output" | jq -c '[.id, .error.code]' | sort > got
	[ "$(grep -c input.not_json got)" -eq 1 ]
	[ "$(grep -c validate.schema got)" -eq 1 ]
	grep -q '\["u","input.unknown_stage"\]' got
	# the error baton came out untouched, but for the status every task ends with
	[ "$(printf '%s\n' "$output" | jq -cS 'select(.id == "e") | del(.status)')" = "$(sed -n 2p in | jq -cS .)" ]
	[ "$(printf '%s\n' "$output" | jq -r 'select(.id == "e") | .status')" = ERROR ]
	[[ "$stderr" == *"redline: e: ERROR: m"* ]]
	[[ "$stderr" == *'next is "frobnicate": no stage of the ring'* ]]
	[ "$(journal_left)" -eq 0 ]
}

@test "priority and -n: one task in the ring at a time, the highest first" {
	ring_repo
	{
		entry "reasoning agent"
		echo '{"match":{"system":"planning agent"},"reply_json":{"steps":[{"tool":"search","args":{"pattern":"x"},"goal":"g"}]},"times":0}'
		entry "feedback agent"
	} > c
	printf '%s\n' '{"task":"low"}' '{"task":"high","priority":9}' '{"task":"mid","priority":1}' |
	    rl-task > in
	run --separate-stderr redline run -j 1 -p script:c < in
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r .task | tr '\n' ' ')" = "high mid low " ]
	# the old -n TASKS, and options before run, still work
	run --separate-stderr redline -p script:c run -n 1 < in
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r .task | tr '\n' ' ')" = "high mid low " ]
	[ "$(printf '%s\n' "$stderr" | grep warning)" = "redline: warning: -n TASKS is now -j TASKS (--jobs)" ]
}

@test "resume: a journaled step shown done is not applied again" {
	ring_repo
	# a run died after act applied the edit and the journal took its
	# output, but before the tests step: the baton went back to act
	jq -r 'select(.match.system == "acting agent") | .reply' "$RING" > edit
	rl-act edit < edit > results
	jq -cn --arg repo "$S/repo" --slurpfile r results \
	    '{rl: 1, id: "j1", task: "merge", repo: $repo, next: "act", iter: 1,
	      usage: {prompt_tokens: 10, completion_tokens: 5},
	      plan: {iter: 1, steps: [{tool: "edit_file", args: {path: "sum.c"}, goal: "g"},
	                              {tool: "run_tests", goal: "t"}]},
	      observations: [{step: 0, iter: 1, tool: "edit_files", exit: 0,
	                      stdout: ($r | map(tojson) | join("\n"))}]}' |
	    rl-queue -q redline-ring push
	# no acting entry: were the edit asked for again, the run would fail
	entry "feedback agent" > c
	run --separate-stderr redline run -p script:c "a new task"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"redline: queue.unfinished: journal redline holds 1 baton of a run that did not finish (fix: redline run --resume finishes them; redline run --discard moves them to the dead letters, where rl-queue -q redline-ring dead lists them)"* ]]
	run --separate-stderr redline run --resume -p script:c < /dev/null
	[ "$status" -eq 0 ]
	jqo '[.id, .status, (.observations | map([.step, .tool, .exit]))]'
	expect '["j1","FINISH",[[0,"edit_files",0],[1,"run_tests",0]]]'
	patched_once
}

@test "resume after kill -9 at random points: every task finishes, nothing lost" {
	ring_repo
	ring_with '{"latency_ms":150,"times":0}' > c
	: > outs
	for round in 1 2 3; do
		git checkout -q sum.c
		rm -rf "$RL_HOME/queue"
		redline run -p script:c "merge the duplicated loops in sum.c" >> outs 2> /dev/null &
		pid=$!
		# from when the run has taken the task (rl-task measures first)
		for _ in $(seq 400); do
			[ "$(journal_left)" -gt 0 ] && break
			sleep 0.05
		done
		sleep "0.$((RANDOM % 9))"
		pkill -9 -P "$pid" || true
		kill -9 "$pid" 2> /dev/null || true
		wait "$pid" || true
		while [ "$(journal_left)" -gt 0 ]; do
			redline run --resume -p script:c < /dev/null >> outs 2> "$S/err" || {
				# a stage killed mid-step comes back with its retry delay
				grep -q 'internal.stage_crash\|provider' "$S/err" || { cat "$S/err"; false; }
			}
		done
		[ "$(jq -r 'select(.status == "FINISH") | .id' outs | sort -u | wc -l)" -eq "$round" ]
		patched_once || { git diff; false; }
	done
}

# doc_cassette [JSON]: a task of two editing requests, each adding a
# comment (a SEARCH that still matches once its edit is made: an edit
# made twice would show); the second acting entry gets JSON's members
doc_cassette() {
	entry "reasoning agent"
	echo '{"match":{"system":"planning agent"},"reply_json":{"steps":[
	    {"tool":"edit_file","args":{"path":"sum.c"},"goal":"say in a comment above sum_positive what it sums"},
	    {"tool":"edit_file","args":{"path":"sum.c"},"goal":"say in a comment above sum_negative what it sums"},
	    {"tool":"run_tests","goal":"it still builds and sums"}]},"times":0}' | jq -c .
	jq -cn '{match: {system: "acting agent", prompt: "Step 0: edit_file"}, times: 0,
	    reply: "sum.c\n<<<<<<< SEARCH\nstatic long\nsum_positive(const long *v, int n)\n=======\n/* The sum of the positive numbers of v. */\nstatic long\nsum_positive(const long *v, int n)\n>>>>>>> REPLACE\n"}'
	jq -cn --argjson more "${1:-{\}}" '{match: {system: "acting agent", prompt: "Step 1: edit_file"}, times: 0,
	    reply: "sum.c\n<<<<<<< SEARCH\nstatic long\nsum_negative(const long *v, int n)\n=======\n/* The sum of the negative numbers of v. */\nstatic long\nsum_negative(const long *v, int n)\n>>>>>>> REPLACE\n"} + $more'
	entry "feedback agent"
}

@test "kill -9 between two editing requests: --resume makes the second edit, and the first only once" {
	ring_repo
	# the second editing request is never answered: the run is killed
	# while act waits for it, the first edit applied and journaled
	doc_cassette '{"latency_ms":3600000}' > c1
	RL_RECORD="$S/rec" redline run -p script:c1 "say in comments what each sum of sum.c sums" > out 2> err &
	pid=$!
	for _ in $(seq 600); do
		rl-queue -q redline-ring ls --state leased | jq -se 'any(.[]; .body.next == "act" and
		    any(.body.observations[]?; .step == 0 and .exit == 0))' > /dev/null && break
		sleep 0.1
	done
	pkill -9 -P "$pid" || true
	kill -9 "$pid"
	wait "$pid" || true
	[ "$(grep -c 'The sum of the positive numbers of v' sum.c)" -eq 1 ]
	run ! grep -q 'The sum of the negative numbers of v' sum.c
	[ "$(journal_left)" -eq 1 ]
	# resumed with a model that answers both: asked again, the first edit
	# would be made twice
	doc_cassette > c2
	RL_RECORD="$S/rec" run --separate-stderr redline run --resume -p script:c2 < /dev/null
	[ "$status" -eq 0 ]
	jqo '[.status, (.trail | map(.stage)), (.observations | map([.step, .tool, .exit]))]'
	expect '["FINISH",["reason","plan","act","act","feedback"],[[0,"edit_files",0],[1,"edit_files",0],[2,"run_tests",0]]]'
	[ "$(grep -c 'The sum of the positive numbers of v' sum.c)" -eq 1 ]
	[ "$(grep -c 'The sum of the negative numbers of v' sum.c)" -eq 1 ]
	make -s check > /dev/null
	[ "$(journal_left)" -eq 0 ]
	# step 0 was asked for once, in the killed run; each edit was written
	# from what its request showed
	[ "$(jq -s 'map(select(.match.prompt | contains("Step 0: edit_file"))) | length' "$S/rec")" -eq 1 ]
	flow_check "$S/rec"
}

@test "a stage killed -9 is restarted and its baton retried" {
	ring_repo
	ring_with '{"latency_ms":400,"times":0}' > c
	RL_QUEUE_BACKOFF_BASE=0.05 redline run -p script:c "merge the duplicated loops in sum.c" > out 2> err &
	pid=$!
	for _ in $(seq 100); do pgrep -P "$pid" -f rl-plan > /dev/null && break; sleep 0.05; done
	pkill -9 -P "$pid" -f rl-plan
	wait "$pid"
	[ "$(jq -r .status out)" = FINISH ]
	grep -q 'internal.stage_crash: rl-plan killed by signal 9 holding 1 baton' err
	patched_once
}

@test "a baton that keeps crashing a stage goes to the dead letters with its cause" {
	ring_repo
	mkdir "$S/bin"
	printf '#!/bin/sh\nread line\nkill -9 $$\n' > "$S/bin/rl-reason"
	chmod +x "$S/bin/rl-reason"
	RL_EXEC_PATH="$S/bin" RL_QUEUE_MAX_ATTEMPTS=2 RL_QUEUE_BACKOFF_BASE=0.01 \
	    run --separate-stderr redline run -p "script:$RING" "crash it"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == *"after 2 attempts the baton is in the dead letters (rl-queue -q redline-ring dead)"* ]]
	run rl-queue -q redline-ring dead
	jqo '[.body.task, (.errors | map(.code) | unique), .errors[0].stage]'
	expect '["crash it",["internal.stage_crash"],"reason"]'
	# a stage that refuses its configuration stops the run at once
	printf '#!/bin/sh\necho "rl-reason: config.invalid: bad" >&2\nexit 2\n' > "$S/bin/rl-reason"
	RL_EXEC_PATH="$S/bin" run --separate-stderr redline run -p "script:$RING" "refused"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"internal.stage_refused: rl-reason refused to run (exit 2; why is said above); the journal redline-ring keeps every task: once that is mended, redline run --resume"* ]]
	[ "$(journal_left)" -eq 1 ]
}

@test "SIGTERM: work in flight finishes and is journaled; --resume finishes the rest" {
	ring_repo
	ring_with '{"latency_ms":300,"times":0}' > c
	redline run -p script:c "merge the duplicated loops in sum.c" > out 2> err &
	pid=$!
	# once the ring has the task (rl-task measures first), mid-stage
	for _ in $(seq 400); do
		[ "$(rl-queue -q redline-ring ls --state leased | wc -l)" -gt 0 ] && break
		sleep 0.05
	done
	sleep 0.1
	kill -TERM "$pid"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 111 ]
	grep -q 'stopped by signal 15: 1 tasks are journaled in redline-ring; redline run --resume finishes them' err
	[ ! -s out ]
	# the stages were let finish: nothing is left leased
	[ "$(rl-queue -q redline-ring ls --state leased | wc -l)" -eq 0 ]
	run --separate-stderr redline run --resume -p script:c < /dev/null
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<< "$output")" = FINISH ]
	patched_once
}

@test "SIGINT twice: the second is not waited for, and the journal still has it all" {
	ring_repo
	ring_with '{"latency_ms":1500,"times":0}' > c
	redline run -p script:c "merge the duplicated loops in sum.c" > out 2> err &
	pid=$!
	for _ in $(seq 100); do pgrep -P "$pid" -f rl-reason > /dev/null && break; sleep 0.05; done
	kill -INT "$pid"
	sleep 0.2
	kill -INT "$pid"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 111 ]
	grep -q 'stopped by signal 2: 1 tasks are journaled' err
	# the stage was killed holding the baton: it went back to the journal
	[ "$(journal_left)" -eq 1 ]
	grep -q 'rl-reason killed by signal 9 holding 1 baton' err
	run --separate-stderr redline run --resume -p script:c < /dev/null
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<< "$output")" = FINISH ]
}

@test "SIGTERM with a stage that never answers: the run ends after run.stop_seconds" {
	ring_repo
	entry "reasoning agent" '{"latency_ms":120000,"times":0}' > c
	RL_RUN_STOP_SECONDS=0.5 redline run -p script:c "merge the duplicated loops in sum.c" > out 2> err &
	pid=$!
	for _ in $(seq 100); do pgrep -P "$pid" -f rl-reason > /dev/null && break; sleep 0.05; done
	kill -TERM "$pid"
	# bounded: it ends on its own, long before the stage would answer
	for _ in $(seq 300); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
	run kill -0 "$pid"
	[ "$status" -ne 0 ]
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 111 ]
	grep -q 'rl-reason killed by signal 9 holding 1 baton' err
	[ "$(journal_left)" -eq 1 ]
}

@test "resume after the output was lost to a closed pipe: the task comes out, the run ends" {
	ring_repo
	run bash -c "redline run -p 'script:$RING' 'merge the duplicated loops in sum.c' | true"
	[ "$(journal_left)" -eq 1 ]
	run --separate-stderr timeout 60 redline run --resume -p "script:$RING" < /dev/null
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<< "$output")" = FINISH ]
	[ "$(journal_left)" -eq 0 ]
}

@test "a stage that answers with a line that is no baton: the baton is retried, then dead, never waited for" {
	fixture_repo
	mkdir -p "$S/fake"
	printf '#!/bin/sh\nwhile read -r l; do echo "not a baton"; done\n' > "$S/fake/rl-reason"
	chmod +x "$S/fake/rl-reason"
	RL_EXEC_PATH="$S/fake" RL_QUEUE_MAX_ATTEMPTS=2 RL_QUEUE_BACKOFF_BASE=0.1 \
	    run --separate-stderr timeout 60 redline run -p "script:$RING" "x"
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "not a baton" ]
	[[ "$stderr" == *"rl-reason wrote a line that is no baton it was given; passed on, in place of rl-"* ]]
	[[ "$stderr" == *"after 2 attempts the baton is in the dead letters (rl-queue -q redline-ring dead)"* ]]
	run rl-queue -q redline-ring dead
	[ "$(jq -r '.errors[-1].code' <<< "$output")" = internal.stage_crash ]
}

@test "a state directory that cannot be written is said so, not taken for a busy journal" {
	ring_repo
	mkdir -p "$RL_HOME"
	unshare -r -m true 2> /dev/null || skip "unshare -r -m cannot be used here"
	run --separate-stderr unshare -r -m sh -c 'mount --bind "$RL_HOME" "$RL_HOME" &&
	    mount -o remount,bind,ro "$RL_HOME" && exec redline run -p "script:$0" x' "$RING"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"redline: io.read_only: the state directory $RL_HOME cannot be written: Read-only file system (fix: make it writable, or set RL_HOME to a directory that is)"* ]]
}

@test "--discard: a failed run's batons go to the dead letters, the new task runs" {
	ring_repo
	# a run that failed: a typo in the provider's name
	run --separate-stderr redline run -p "scritp:$RING" "first"
	[ "$status" -ne 0 ]
	left=$(journal_left)
	[ "$left" -ge 1 ]
	run --separate-stderr redline run -p "script:$RING" "merge the duplicated loops in sum.c"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"queue.unfinished"*"redline run --discard"* ]]
	run --separate-stderr redline run --resume --discard -p "script:$RING"
	[ "$status" -eq 2 ]
	run --separate-stderr redline run --discard -p "script:$RING" "merge the duplicated loops in sum.c"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"redline: $left baton"*" of the unfinished run went to the dead letters: rl-queue -q redline-ring dead lists them, rl-queue -q redline-ring requeue --all-dead brings them back"* ]]
	[ "$(jq -r .status <<< "$output")" = FINISH ]
	# nothing deleted: the hints work
	run rl-queue -q redline-ring dead
	[ "$status" -eq 0 ]
	[ "$(jq -r '.errors[-1].code' <<< "$output" | sort -u)" = internal.discarded ]
	[ "$(jq -r .body.task <<< "$output" | sort -u)" = first ]
	run rl-queue -q redline-ring requeue --all-dead
	[ "$status" -eq 0 ]
	[ "$(journal_left)" -ge 1 ]
}

@test "one run holds a journal at a time" {
	ring_repo
	mkdir -p "$RL_HOME"
	flock "$RL_HOME/run-redline.lock" sleep 3 &
	sleep 0.3
	run --separate-stderr redline run -p "script:$RING" "x"
	[ "$status" -eq 111 ]
	[[ "$stderr" == *"journal redline is in use by another redline run"* ]]
	# another journal is free
	run --separate-stderr redline run --journal other -p "script:$RING" "merge the duplicated loops in sum.c"
	[ "$status" -eq 0 ]
	wait
}

@test "a provider that fails mid-run: retried, then kept in the queue until it is back" {
	ring_repo
	{
		entry "reasoning agent" '{"times":0}'
		echo '{"match":{"system":"planning agent"},"error":{"status":503,"message":"overloaded"},"times":0}'
	} > down
	RL_MAX_RETRIES=0 RL_QUEUE_MAX_ATTEMPTS=3 RL_QUEUE_BACKOFF_BASE=0.05 \
	    run --separate-stderr redline run -p script:down "merge the duplicated loops in sum.c"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == *"provider.http_503: overloaded; after 3 attempts the baton is in the dead letters"* ]]
	# kept at its last good state: the reasoning done, the plan to make
	run rl-queue -q redline-ring dead
	jqo '[.body.next, (.body.reasoning != null), (.errors | map(.code) | unique)]'
	expect '["plan",true,["provider.http_503"]]'
	# the provider is back: requeued and resumed, the task finishes
	rl-queue -q redline-ring requeue --all-dead > /dev/null
	run --separate-stderr redline run --resume -p "script:$RING" < /dev/null
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.status, (.trail | map(.stage))]' <<< "$output")" = '["FINISH",["reason","plan","act","feedback"]]' ]
	patched_once
}

@test "a provider nothing answers at: provider.unreachable with the command that checks it, the task kept" {
	fixture_repo
	mock_start; url=$MOCK_URL; mock_stop
	run --separate-stderr timeout 60 redline run -p "$url" -m m "merge the duplicated loops in sum.c"
	[ "$status" -eq 111 ]
	[ -z "$output" ]
	[[ "$stderr" == *"rl-reason: rl-"*": provider.unreachable: $url/chat/completions: "*" after 3 attempts: is the server running? rl-provider check -p $url -m m"* ]]
	[[ "$stderr" == *"redline: provider.unreachable: rl-reason cannot reach its provider: is the server running? rl-provider check -p $url -m m; the journal redline-ring keeps every task: once the provider answers, redline run --resume finishes them"* ]]
	# said once, by the stage and by the run; never taken for a crash
	[ "$(grep -c 'provider.unreachable' <<< "$stderr")" -eq 2 ]
	[[ "$stderr" != *internal.stage_crash* ]]
	[ "$(journal_left)" -eq 1 ]
	# the hint checks the provider: down, a temporary failure
	run --separate-stderr rl-provider check -p "$url" -m m
	[ "$status" -eq 111 ]
	# once it answers, --resume finishes the task (valgrind cannot run
	# the sandbox, nor set a child's RLIMIT_NOFILE)
	nosb=
	if [ -n "${RL_VALGRIND:-}" ]; then
		export RL_SANDBOX_OPEN_FILES=0
		nosb=--no-sandbox
	fi
	run --separate-stderr timeout 120 redline run --resume $nosb -p "script:$RING" < /dev/null
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<< "$output")" = FINISH ]
	patched_once
}
