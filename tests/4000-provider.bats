#!/usr/bin/env bats
# rl-provider and the providers under it: cassettes, the mock server (real
# HTTP on 127.0.0.1), every fault the issue lists, keys that never leak.

load helpers/common

script() { printf '%s\n' "$@" > "$S/mock.script"; }
attempts() { grep -c '"method":"POST"' "$MOCK_LOG"; }

@test "ask: a cassette's reply on stdout, from arguments or stdin" {
	printf '%s\n' '{"match":{"prompt":"hello"},"reply":"hi there","times":0}' > c.ndjson
	run rl-provider ask -p script:c.ndjson say hello
	[ "$status" -eq 0 ]
	expect "hi there"
	run --separate-stderr sh -c 'echo hello | rl-provider ask -p script:c.ndjson'
	expect "hi there"
	run --separate-stderr rl-provider ask -p script:c.ndjson other
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"provider.cassette: no entry of c.ndjson matches"* ]]
}

@test "ask -J: replies in input order with -j 8 though they finish out of order" {
	mock_start
	for i in $(seq 20); do printf '{"prompt":"p%d","id":%d}\n' "$i" "$i"; done > in.ndjson
	# the mock answers in arrival order, so slow early replies finish last
	for i in $(seq 20); do printf '{"delay_ms":%d}\n' $(( (20 - i) * 10 )); done > "$S/mock.script"
	mock_stop; mock_start -s "$S/mock.script"
	run --separate-stderr rl-provider ask -J -j 8 -p "$MOCK_URL" -m m in.ndjson
	[ "$status" -eq 0 ]
	jqo -r '.reply'
	expect "$(for i in $(seq 20); do echo "echo: p$i"; done)"
	mock_stop; mock_start
	run --separate-stderr rl-provider ask -J -j auto --unordered -p "$MOCK_URL" -m m in.ndjson
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r .reply | sort -V)" = "$(for i in $(seq 20); do echo "echo: p$i"; done)" ]
	mock_stop
}

@test "ask -J: a reply goes out while the next record has not come" {
	# a supervisor feeds a stage one baton and waits for it to come back
	mock_start
	mkfifo in
	rl-provider ask -J -j 4 -p "$MOCK_URL" -m m < in > out &
	pid=$!
	exec 7> in
	echo '{"prompt":"first"}' >&7
	for _ in $(seq 600); do [ -s out ] && break; sleep 0.05; done
	seen=$(wc -l < out)
	echo '{"prompt":"second"}' >&7
	exec 7>&-
	wait "$pid"
	mock_stop
	[ "$seen" -eq 1 ]
	run jq -r .reply out
	expect "echo: first
echo: second"
}

@test "ask -J: a bad line and a failed request become error batons in place" {
	mock_start -s <(printf '%s\n' '{"status":400}')
	printf '%s\n' '{"prompt":"a"}' 'not json' '{"prompt":"b"}' '{"no":"prompt"}' > in.ndjson
	run --separate-stderr rl-provider ask -J -p "$MOCK_URL" -m m in.ndjson
	[ "$status" -eq 1 ]
	jqo -c '[.prompt, .error.code, .error.retryable, .reply]'
	expect '["a","provider.http_400",false,null]
[null,"input.not_json",false,null]
["b",null,null,"echo: b"]
[null,"validate.schema",false,null]'
	mock_stop
}

@test "unknown provider, base URL without scheme, missing key: exit 2 with the fix" {
	run --separate-stderr rl-provider ask -p nosuch hi
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"provider.unknown: unknown provider 'nosuch' (known: openai, qwen, ollama, lmstudio, vllm, llamacpp, openrouter, xai"* ]]
	RL_BASE_URL=localhost:1234 run --separate-stderr rl-provider ask -p ollama hi
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"provider.bad_url: base URL 'localhost:1234' has no scheme"* ]]
	run --separate-stderr rl-provider ask -p openai hi
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"provider.no_key: no api key: set OPENAI_API_KEY"* ]]
	run --separate-stderr rl-provider ask -p qwen hi
	[[ "$stderr" == *"DASHSCOPE_API_KEY"* ]]
}

@test "a preset pointed elsewhere keeps its key variable and model" {
	mock_start
	RL_PROVIDER=openai RL_BASE_URL="$MOCK_URL" OPENAI_API_KEY=sk-test-1 run rl-provider ask hi
	[ "$status" -eq 0 ]
	expect "echo: hi"
	run jq -r '[.headers.authorization, .body.model] | @tsv' "$MOCK_LOG"
	expect "Bearer sk-test-1	gpt-4o-mini"
	mock_stop
}

@test "key file: refused when others may read it, used when 0600; api_key_cmd" {
	mock_start
	echo sk-from-file > key; chmod 644 key
	RL_API_KEY_FILE=$PWD/key run --separate-stderr rl-provider ask -p "$MOCK_URL" -m m hi
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"provider.key_file: key file $PWD/key may be read by others (mode 0644"*"chmod 600"* ]]
	chmod 600 key
	RL_API_KEY_FILE=$PWD/key run rl-provider ask -p "$MOCK_URL" -m m hi
	[ "$status" -eq 0 ]
	RL_API_KEY_CMD='echo sk-from-cmd' run rl-provider ask -p "$MOCK_URL" -m m hi
	[ "$status" -eq 0 ]
	run jq -r '.headers.authorization' "$MOCK_LOG"
	expect "Bearer sk-from-file
Bearer sk-from-cmd"
	mock_stop
}

@test "connection refused and a TLS error: clear errors, retryable or not" {
	mock_start; url=$MOCK_URL; port=$(cat "$S/mock.port"); mock_stop
	RL_MAX_RETRIES=1 run --separate-stderr rl-provider ask -p "$url" -m m hi
	[ "$status" -eq 111 ]
	[[ "$stderr" == *"provider.unreachable: "*"after 2 attempts: is the server running? rl-provider check -p $url -m m"* ]]
	mock_start
	run --separate-stderr rl-provider ask -p "https://127.0.0.1:$(cat "$S/mock.port")/v1" -m m hi
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"provider.tls: "* ]]
	[ "$(attempts)" -eq 0 ]
	mock_stop
}

@test "401 is final and names the key's variable, not the key" {
	script '{"status":401,"body":"{\"error\":{\"message\":\"Incorrect API key provided: sk-canary-0123456789abcdef\"}}"}'
	mock_start -s "$S/mock.script"
	OPENAI_API_KEY=sk-canary-0123456789abcdef RL_BASE_URL=$MOCK_URL run --separate-stderr rl-provider ask -p openai hi
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"provider.http_401: openai refused the key from OPENAI_API_KEY: Incorrect API key provided: [redacted]"* ]]
	[[ "$stderr" != *canary* ]]
	[ "$(attempts)" -eq 1 ]
	mock_stop
}

@test "404 names the model" {
	script '{"status":404}'
	mock_start -s "$S/mock.script"
	run --separate-stderr rl-provider ask -p "$MOCK_URL" -m no-such-model hi
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"provider.http_404: model 'no-such-model' or $MOCK_URL/chat/completions not found"* ]]
	mock_stop
}

@test "429 with retry-after-ms and Retry-After is retried; over 120 s fails at once" {
	script '{"status":429,"retry_after_ms":20}' '{"status":429,"retry_after":"0"}' '{"status":429}'
	mock_start -s "$S/mock.script"
	run rl-provider ask -p "$MOCK_URL" -m m hi
	[ "$status" -eq 1 ] || [ "$status" -eq 111 ]
	[ "$(attempts)" -eq 3 ]
	mock_stop
	script '{"status":429,"retry_after":"300"}'
	mock_start -s "$S/mock.script"
	run --separate-stderr rl-provider ask -p "$MOCK_URL" -m m hi
	[ "$status" -eq 111 ]
	[[ "$stderr" == *"provider.http_429: rate limited by"*"more than 120 s"* ]]
	[ "$(attempts)" -eq 1 ]
	mock_stop
	script '{"status":429}'
	mock_start -s "$S/mock.script"
	run rl-provider ask -p "$MOCK_URL" -m m hi
	[ "$status" -eq 0 ]
	expect "echo: hi"
	[ "$(attempts)" -eq 2 ]
	mock_stop
}

@test "500, 502, 503 are retried 1 + max_retries times; x-should-retry overrides" {
	script '{"status":500}' '{"status":502}' '{"status":503}'
	mock_start -s "$S/mock.script"
	run --separate-stderr rl-provider ask -J -p "$MOCK_URL" -m m <<< '{"prompt":"x"}'
	[ "$status" -eq 1 ]
	jqo -c '[.error.code, .error.retryable, .attempts]'
	expect '["provider.http_503",true,3]'
	mock_stop
	script '{"status":503,"should_retry":false}'
	mock_start -s "$S/mock.script"
	run rl-provider ask -p "$MOCK_URL" -m m hi
	[ "$status" -eq 111 ]
	[ "$(attempts)" -eq 1 ]
	mock_stop
	script '{"status":400,"should_retry":true,"retry_after_ms":1}'
	mock_start -s "$S/mock.script"
	run rl-provider ask -p "$MOCK_URL" -m m hi
	[ "$status" -eq 0 ]
	[ "$(attempts)" -eq 2 ]
	mock_stop
}

@test "timeout, reset mid-body, empty reply: retried, then a clear error" {
	script '{"fault":"trickle","delay_ms":200}' '{"fault":"truncate"}' '{"fault":"close"}'
	mock_start -s "$S/mock.script"
	RL_TIMEOUT=0.5 run --separate-stderr rl-provider ask -J -p "$MOCK_URL" -m m <<< '{"prompt":"x"}'
	[ "$status" -eq 1 ]
	jqo -c '[.error.code, .error.retryable, .attempts]'
	expect '["provider.empty_reply",true,3]'
	[[ "$stderr" == *"provider.empty_reply"* ]]
	run jq -r 'select(.kind == "request") | .code' "$RL_HOME/metrics.ndjson"
	expect "provider.timeout
provider.reset
provider.empty_reply"
	mock_stop
}

@test "malformed JSON, no choices, a reply cut by max_tokens" {
	script '{"fault":"malformed"}' '{"fault":"no_choices"}' '{"fault":"length"}'
	mock_start -s "$S/mock.script"
	run --separate-stderr rl-provider ask -J -p "$MOCK_URL" -m m <<< '{"prompt":"x"}
{"prompt":"y"}
{"prompt":"z"}'
	[ "$status" -eq 1 ]
	jqo -c '[.error.code, .error.retryable]'
	expect '["provider.bad_reply",true]
["provider.no_choices",true]
["provider.truncated",false]'
	[[ "$stderr" == *"the reply was cut at max_tokens (4096)"* ]]
	[ "$(attempts)" -eq 3 ]
	mock_stop
}

@test "streaming: SSE parsed; a stream cut before use is retried" {
	script '{"fault":"sse_cut","reply":"a long reply cut in the middle"}'
	mock_start -s "$S/mock.script"
	RL_STREAM=always run --separate-stderr rl-provider ask -J -p "$MOCK_URL" -m m <<< '{"prompt":"stream me please"}'
	[ "$status" -eq 0 ]
	jqo -c '[.reply, .attempts, .usage.prompt_tokens]'
	expect '["echo: stream me please",2,10]'
	run jq -r '.body.stream' "$MOCK_LOG"
	expect "true
true"
	mock_stop
}

@test "ask on a terminal streams the reply, and shows it whole when not streamed" {
	mock_start
	# util-linux script(1) gives ask a terminal (this file's script() writes
	# mock scripts)
	run command script -qc "rl-provider ask -p '$MOCK_URL' -m m on a tty" /dev/null
	[ "$status" -eq 0 ]
	[ "$(printf '%s' "$output" | tr -d '\r')" = "echo: on a tty" ]
	RL_STREAM=never run command script -qc "rl-provider ask -p '$MOCK_URL' -m m not streamed" /dev/null
	[ "$(printf '%s' "$output" | tr -d '\r')" = "echo: not streamed" ]
	run jq -c '.body.stream' "$MOCK_LOG"
	expect "true
null"
	mock_stop
}

@test "an empty prompt is an error, never a request" {
	mock_start
	run --separate-stderr rl-provider ask -p "$MOCK_URL" -m m ""
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"provider.empty_prompt: the prompt is empty"* ]]
	[ "$(attempts)" -eq 0 ]
	mock_stop
}

@test "json mode asks for JSON the way the preset's server can" {
	mock_start
	export RL_BASE_URL=$MOCK_URL OPENAI_API_KEY=k DASHSCOPE_API_KEY=k
	run rl-provider ask --json -p openai hi
	[ "$status" -eq 0 ]
	run rl-provider ask --json -p qwen hi
	[ "$status" -eq 0 ]
	unset RL_BASE_URL
	run rl-provider ask --json -p "$MOCK_URL" -m m hi
	[ "$status" -eq 0 ]
	RL_JSON_MODE=false run rl-provider ask --json -p "$MOCK_URL" -m m hi
	[ "$status" -eq 0 ]
	RL_STRUCTURED=json_object run rl-provider ask --json -p "$MOCK_URL" -m m hi
	[ "$status" -eq 0 ]
	run rl-provider ask -p "$MOCK_URL" -m m hi
	[ "$status" -eq 0 ]
	run jq -c 'select(.method == "POST") | .body.response_format.type' "$MOCK_LOG"
	expect '"json_schema"
"json_object"
null
null
"json_object"
null'
	mock_stop
}

@test "cmd: a program as a model, with a deadline and a clean environment" {
	run rl-provider ask -p 'cmd:tr a-z A-Z' --system 'be loud' hello
	[ "$status" -eq 0 ]
	expect "BE LOUD

HELLO"
	run --separate-stderr rl-provider ask hello -s 'be loud' -p 'cmd:tr a-z A-Z'
	[ "$status" -eq 0 ]
	expect "BE LOUD

HELLO"
	[ "$stderr" = "rl-provider: warning: -s SYSTEM is now --system SYSTEM: -s is a schema everywhere else" ]
	run --separate-stderr rl-provider ask -p "cmd:sh -c 'echo broken >&2; exit 3'" hi
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"provider.cmd: sh failed (exit 3): broken"* ]]
	RL_TIMEOUT=0.3 RL_MAX_RETRIES=0 run --separate-stderr rl-provider ask -p 'cmd:sleep 30' hi
	[ "$status" -eq 111 ]
	[[ "$stderr" == *"provider.timeout: sleep gave no reply within 0.3 s"* ]]
	OPENAI_API_KEY=sk-canary-env GITHUB_TOKEN=t run rl-provider ask -p 'cmd:env' hi
	[ "$status" -eq 0 ]
	[[ "$output" != *canary* && "$output" != *GITHUB_TOKEN* && "$output" == *PATH=* ]]
}

@test "record mode writes a cassette without keys that replays the same replies" {
	mock_start
	printf '%s\n' '{"prompt":"one"}' '{"prompt":"two","system":"sys"}' > in.ndjson
	OPENAI_API_KEY=sk-canary-rec RL_BASE_URL=$MOCK_URL RL_RECORD=$PWD/rec.ndjson \
	    run --separate-stderr rl-provider ask -J -p openai in.ndjson
	[ "$status" -eq 0 ]
	first=$(printf '%s\n' "$output" | jq -c .reply)
	mock_stop
	run ! grep -q canary rec.ndjson
	run ! grep -qi authorization rec.ndjson
	run --separate-stderr rl-provider ask -J -p script:rec.ndjson in.ndjson
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -c .reply)" = "$first" ]
}

@test "a canary key appears in no output, log, metrics, cassette or state" {
	script '{"status":503,"body":"{\"error\":{\"message\":\"key sk-canary-42-abcdefgh failed\"}}"}' '{"status":200}'
	mock_start -s "$S/mock.script"
	export OPENAI_API_KEY=sk-canary-42-abcdefgh RL_BASE_URL=$MOCK_URL RL_RECORD=$S/work/rec.ndjson
	rl-provider ask -p openai hello > out1 2> err1
	rl-provider ask -J -p openai <<< '{"prompt":"x"}' > out2 2> err2
	rl-provider check -p openai > out3 2> err3 || true
	rl-provider ls > out4 2> err4
	rl-provider ask -p 'cmd:env' hi > out5 2> err5
	mock_stop
	grep -q 'Bearer sk-canary-42-abcdefgh' "$MOCK_LOG"    # it was sent
	run grep -rl sk-canary-42 "$S/work" "$RL_HOME" "$HOME"
	[ "$status" -eq 1 ]
	expect ""
}

@test "check: health and metrics from the mock server and from a cassette" {
	mock_start -m 'mock-model,other'
	run rl-provider check -p "$MOCK_URL" -m mock-model
	[ "$status" -eq 0 ]
	jqo -c '[.ok, .health.models, .health.model_listed, .metrics.requests]'
	expect '[true,2,true,1]'
	run --separate-stderr rl-provider check -p "$MOCK_URL" -m absent
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"provider.no_model: model 'absent' is not among the 2 models"* ]]
	mock_stop
	mock_start -M 503
	run --separate-stderr rl-provider check -p "$MOCK_URL" -m m
	[ "$status" -eq 111 ]
	jqo -c '[.ok, .error.code]'
	expect '[false,"provider.http_503"]'
	mock_stop
	printf '%s\n' '{"reply":"x"}' > c.ndjson
	run rl-provider check -p script:c.ndjson
	[ "$status" -eq 0 ]
	jqo -c '[.ok, .health.entries, .kind]'
	expect '[true,1,"script"]'
}

@test "ls: presets and configured providers, with where each setting comes from" {
	mkdir -p "$XDG_CONFIG_HOME/redline"
	echo '{"version":1,"provider":{"name":"box"},"providers":{"box":{"preset":"vllm","model":"qwen3","base_url":"http://gpu:8000/v1"}}}' > "$XDG_CONFIG_HOME/redline/config.json"
	run rl-provider ls
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r .name | tr '\n' ' ')" = "openai qwen ollama lmstudio vllm llamacpp openrouter xai gemini deepseek groq mistral anthropic openai-compatible box " ]
	jqo -c 'select(.name == "box") | [.configured, .preset, .model, .origins.model, .origins.name]'
	expect "[true,\"vllm\",\"qwen3\",\"providers.box\",\"$XDG_CONFIG_HOME/redline/config.json\"]"
	RL_MODEL=other run rl-provider ls
	jqo -c 'select(.name == "box") | [.model, .origins.model]'
	expect '["other","env RL_MODEL"]'
}

@test "the rate limit holds across 8 processes sharing it" {
	mock_start
	export RL_RPM=600    # a bucket of 10 requests, 10 more each second
	start=$(date +%s%3N)
	for i in $(seq 8); do
		for j in $(seq 5); do printf '{"prompt":"%d-%d"}\n' "$i" "$j"; done > "in$i"
		rl-provider ask -J -p "$MOCK_URL" -m m "in$i" > "out$i" &
		pids="${pids:-} $!"
	done
	wait $pids
	mock_stop
	[ "$(cat out* | jq -r 'select(.reply) | .reply' | wc -l)" -eq 40 ]
	# 40 requests, 10 at once, then 10 a second: the last came >= 3 s
	# after the first could have been taken, which was after $start
	run jq -s --argjson start "$start" '(map(.at) | max) - $start >= 2990' "$MOCK_LOG"
	expect true
}
