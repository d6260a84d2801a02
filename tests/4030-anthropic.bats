#!/usr/bin/env bats
# The anthropic kind: Anthropic's Messages API, natively, against the
# mock server in its Messages shape (-P anthropic checks the headers,
# max_tokens and the cache breakpoints it is sent).

load helpers/common

script() { printf '%s\n' "$@" > "$S/mock.script"; }
posts() { jq -c --arg key "$KEY" "select(.path | test(\"/messages\")) | $1" "$MOCK_LOG"; }

KEY=sk-ant-canary-7c1e94d2b6a8

@test "anthropic: x-api-key and anthropic-version, cache_control, usage with cache reads" {
	script '{"reply":"hello","usage":{"input_tokens":12,"cache_read_input_tokens":900,"cache_creation_input_tokens":0,"output_tokens":2}}' \
	    '{"reply":"again","usage":{"input_tokens":12,"cache_read_input_tokens":0,"cache_creation_input_tokens":900,"output_tokens":2}}'
	mock_start -P anthropic -s "$S/mock.script"
	export ANTHROPIC_API_KEY=$KEY RL_BASE_URL=$MOCK_URL
	run --separate-stderr rl-provider ask -J -p anthropic -s 'you review C' <<< '{"prompt":"the map\nthe task","head":8}
{"prompt":"x"}'
	[ "$status" -eq 0 ]
	jqo -c '[.reply, .usage.prompt_tokens, .usage.cached_tokens, .usage.cache_write_tokens, .usage.completion_tokens]'
	expect '["hello",912,900,null,2]
["again",912,null,900,2]'
	run posts '[.headers["x-api-key"] == $key, .headers["anthropic-version"], .headers.authorization]'
	expect '[true,"2023-06-01",null]
[true,"2023-06-01",null]'
	# the system prompt and the stable head each end with a breakpoint
	run posts '[.body.system, .body.messages[0].content, .body.max_tokens, .body.temperature]'
	expect '[[{"type":"text","text":"you review C","cache_control":{"type":"ephemeral"}}],[{"type":"text","text":"the map\n","cache_control":{"type":"ephemeral"}},{"type":"text","text":"the task"}],4096,0.2]
[[{"type":"text","text":"you review C","cache_control":{"type":"ephemeral"}}],[{"type":"text","text":"x"}],4096,0.2]'
	run jq -c 'select(.kind == "request") | .cached_tokens' "$RL_HOME/metrics.ndjson"
	expect '900
null'
	mock_stop
}

@test "anthropic: a streamed reply with a thinking block; usage from its events" {
	script '{"reply":"the answer is 42","reasoning":"six sevens","usage":{"input_tokens":30,"cache_read_input_tokens":70,"output_tokens":9}}'
	mock_start -P anthropic -s "$S/mock.script"
	ANTHROPIC_API_KEY=$KEY RL_BASE_URL=$MOCK_URL RL_STREAM=always \
	    run --separate-stderr rl-provider ask -J --thinking -p anthropic <<< '{"prompt":"q"}'
	[ "$status" -eq 0 ]
	jqo -c '[.reply, .reasoning, .usage.prompt_tokens, .usage.cached_tokens, .usage.completion_tokens]'
	expect '["the answer is 42","six sevens",100,70,9]'
	run posts '.body.stream'
	expect true
	mock_stop
}

@test "anthropic: 529 overloaded and an overloaded stream are retried; max_tokens is a cut" {
	script '{"status":529,"retry_after":"0"}' '{"reply":"after 529"}' \
	    '{"fault":"sse_error"}' '{"reply":"after the stream"}' '{"fault":"length"}'
	mock_start -s "$S/mock.script"
	export ANTHROPIC_API_KEY=$KEY RL_BASE_URL=$MOCK_URL
	run --separate-stderr rl-provider ask -J -p anthropic <<< '{"prompt":"a"}'
	jqo -c '[.reply, .attempts]'
	expect '["after 529",2]'
	RL_STREAM=always run --separate-stderr rl-provider ask -J -p anthropic <<< '{"prompt":"b"}'
	jqo -c '[.reply, .attempts]'
	expect '["after the stream",2]'
	run --separate-stderr rl-provider ask -p anthropic c
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"provider.truncated: the reply was cut at max_tokens (4096)"* ]]
	mock_stop
	# overloaded to the end: retryable, and said so
	script '{"status":529,"times":3}'
	mock_start -s "$S/mock.script"
	RL_BASE_URL=$MOCK_URL run --separate-stderr rl-provider ask -p anthropic d
	[ "$status" -eq 111 ]
	[[ "$stderr" == *"provider.http_5xx: anthropic is overloaded: Overloaded after 3 attempts" ]]
	mock_stop
}

@test "anthropic: check resolves the model; no key, no request" {
	mock_start -m mock-model
	export RL_BASE_URL=$MOCK_URL
	run --separate-stderr rl-provider ask -p anthropic hi
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"provider.no_key: no api key: set ANTHROPIC_API_KEY"* ]]
	export ANTHROPIC_API_KEY=$KEY
	run --separate-stderr rl-provider check -p anthropic -m mock-model
	[ "$status" -eq 0 ]
	jqo -c '[.ok, .kind, .health.model_listed]'
	expect '[true,"anthropic",true]'
	run --separate-stderr rl-provider check -p anthropic -m claude-nothing
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"provider.no_model: model 'claude-nothing' is not served by anthropic: model not found" ]]
	run jq -r '.path' "$MOCK_LOG"
	expect "/v1/models/mock-model
/v1/models/claude-nothing"
	mock_stop
}

@test "anthropic: a key echoed back is blanked everywhere; the header is never logged" {
	script '{"reply":"your key is {KEY}","times":2}' '{"status":401,"body":"{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"bad key {KEY}\"}}"}'
	mock_start -s "$S/mock.script"
	export ANTHROPIC_API_KEY=$KEY RL_BASE_URL=$MOCK_URL RL_RECORD=$S/work/rec.ndjson
	rl-provider ask -p anthropic one > out1 2> err1
	RL_STREAM=always rl-provider ask -J -p anthropic <<< '{"prompt":"two"}' > out2 2> err2
	rl-provider ask -p anthropic three > out3 2> err3 || true
	mock_stop
	run cat out1
	expect "your key is [redacted]"
	run cat err3
	expect "rl-provider: provider.http_401: anthropic refused the key from ANTHROPIC_API_KEY: bad key [redacted]"
	grep -q "$KEY" "$MOCK_LOG"       # it was sent
	run grep -rl -e "$KEY" -e 7c1e94d2b6a8 --exclude=mock.log "$S"
	[ "$status" -eq 1 ]
}

@test "anthropic: every stage of a task marks its system prompt and its head for the cache; cache reads are cached tokens" {
	fixture_repo
	printf '%s\n' '{"reply":"{\"explanation\":\"two loops alike\",\"gaps\":[],\"findings\":[\"main prints both sums\"]}","usage":{"input_tokens":40,"cache_creation_input_tokens":700,"output_tokens":20}}' \
	    '{"reply":"{\"steps\":[{\"tool\":\"search\",\"args\":{\"pattern\":\"sum_\"},\"goal\":\"look\"}]}","usage":{"input_tokens":60,"cache_read_input_tokens":500,"output_tokens":30}}' > "$S/mock.script"
	mock_start -P anthropic -s "$S/mock.script"
	export ANTHROPIC_API_KEY=$KEY RL_BASE_URL=$MOCK_URL
	rl-task "merge the duplicated loops in sum.c" | rl-reason -p anthropic | rl-plan -p anthropic > "$S/b2"
	mock_stop
	run jq -c '[.next, .usage.prompt_tokens]' "$S/b2"
	expect '["act",1300]'
	# the system block and the head block each end with a breakpoint
	run posts '[.body.system[-1].cache_control.type,
	    (.body.messages[0].content | map(.cache_control.type))]'
	expect '["ephemeral",["ephemeral",null]]
["ephemeral",["ephemeral",null]]'
	# the head: the task and the repository map, the same in both stages
	run posts '.body.messages[0].content[0].text'
	[ "$(printf '%s\n' "$output" | sort -u | wc -l)" -eq 1 ]
	[[ "${lines[0]}" == '"Task: merge the duplicated loops in sum.c\nRepository map (most relevant first):\nsum.c:'* ]]
	run posts '.body.messages[0].content[1].text | test("^reasoning: .*main prints both sums")'
	expect 'false
true'
	# cache reads are cached tokens in the metrics and in rl-stats
	run jq -c 'select(.kind == "request") | [.cmd, .prompt_tokens, .cached_tokens]' "$RL_HOME/metrics.ndjson"
	expect '["rl-reason",740,null]
["rl-plan",560,500]'
	run rl-stats -J --by provider
	jqo 'select(.provider == "anthropic") | [.requests, .prompt_tokens, .cached_tokens]'
	expect '[2,1300,500]'
}
