#!/usr/bin/env bats
# What real model servers are sent and how their answers are read:
# structured output by capability with its fallback, sampling, thinking
# switches, reasoning kept apart, cached tokens, context windows.  The
# mock server plays each preset's server (-P checks what it is sent).

load helpers/common

script() { printf '%s\n' "$@" > "$S/mock.script"; }
# posts FILTER: jq FILTER over each chat request the mock got
posts() { jq -c "select(.path | test(\"/chat/|/messages\")) | $1" "$MOCK_LOG"; }

# baton NEXT [JSON]: a task baton for the fixture repository
baton() {
	jq -cn --arg repo "$S/repo" --arg next "$1" --argjson more "${2:-{\}}" \
	    '{rl: 1, id: "t1", task: "merge the duplicated loops in sum.c",
	      repo: $repo, next: $next, iter: 1} + $more'
}

@test "an agent's reply schema goes to the server in the portable strict form" {
	fixture_repo
	script '{"reply":"{\"explanation\":\"e\",\"gaps\":[],\"findings\":[\"f\"]}"}'
	mock_start -P vllm -s "$S/mock.script"
	RL_BASE_URL=$MOCK_URL run --separate-stderr rl-reason -p vllm -m m <<< "$(baton reason)"
	[ "$status" -eq 0 ]
	jqo -c '[.next, .reasoning.findings]'
	expect '["plan",["f"]]'
	run posts '.body.response_format | [.type, .json_schema.strict, .json_schema.schema.additionalProperties, .json_schema.schema.required]'
	expect '["json_schema",true,false,["explanation","gaps","findings"]]'
	# what servers refuse or enforce differently is dropped, and checked here
	run posts '.body.response_format.json_schema.schema.properties.explanation'
	expect '{"type":"string"}'
	mock_stop
}

@test "an optional member the model wrote as null is taken out before the agent checks it" {
	fixture_repo
	# plan's args are optional: the portable schema lets them be null, and
	# plan would refuse a null where it wants an object
	script '{"reply":"{\"steps\":[{\"tool\":\"run_tests\",\"args\":null,\"goal\":\"run them\"}]}"}'
	mock_start -P openai -s "$S/mock.script"
	OPENAI_API_KEY=k RL_BASE_URL=$MOCK_URL run --separate-stderr rl-plan -p openai <<< "$(baton plan '{"reasoning":{"explanation":"e","gaps":[],"findings":[]}}')"
	[ "$status" -eq 0 ]
	jqo -c '[.next, .plan.steps]'
	expect '["act",[{"tool":"run_tests","goal":"run them"}]]'
	# free-form args cannot be strict; optional args may be null
	run posts '.body.response_format.json_schema | [.strict, .schema.properties.steps.items.properties.args.type, .schema.properties.steps.items.required]'
	expect '[false,["object","null"],["tool","args","goal"]]'
	[ "$(posts '.n' | wc -l)" -eq 1 ]
	mock_stop
}

@test "a server that refuses json_schema gets json_object at once, and the next process knows" {
	mock_start -R json_schema
	export RL_BASE_URL=$MOCK_URL OPENAI_API_KEY=k
	run --separate-stderr rl-provider ask --json -p openai hi
	[ "$status" -eq 0 ]
	expect "echo: hi"
	run --separate-stderr rl-provider ask --json -p openai again
	[ "$status" -eq 0 ]
	run posts '.body.response_format.type'
	expect '"json_schema"
"json_object"
"json_object"'
	run jq -c . "$RL_HOME/structured.json"
	expect "{\"$MOCK_URL gpt-4o-mini\":\"json_object\"}"
	# the refused request is in the metrics as what it was
	run jq -r 'select(.kind == "request") | .code // "ok"' "$RL_HOME/metrics.ndjson"
	expect "provider.http_400
ok
ok"
	mock_stop
}

@test "a server that refuses both forms gets the prompt alone; a real 400 still fails" {
	mock_start -R json_schema,json_object
	export RL_BASE_URL=$MOCK_URL OPENAI_API_KEY=k
	run --separate-stderr rl-provider ask --json -p openai hi
	[ "$status" -eq 0 ]
	run posts '.body.response_format.type'
	expect '"json_schema"
"json_object"
null'
	run jq -r '.[]' "$RL_HOME/structured.json"
	expect none
	mock_stop
	# a 400 for another reason, on a call without JSON: no fallback, an error
	unset RL_BASE_URL
	script '{"status":400}'
	mock_start -s "$S/mock.script"
	run --separate-stderr rl-provider ask -p "$MOCK_URL" -m m hi
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"provider.http_400: "*"answered HTTP 400: injected failure" ]]
	[ "$(posts '.n' | wc -l)" -eq 1 ]
	mock_stop
}

@test "temperature on every request, per agent; seed where the server takes it" {
	fixture_repo
	mock_start
	export RL_BASE_URL=$MOCK_URL OPENAI_API_KEY=k DEEPSEEK_API_KEY=k
	rl-provider ask -p openai a > /dev/null
	rl-provider ask -p deepseek b > /dev/null
	RL_SEED=42 RL_TEMPERATURE=0.7 rl-provider ask -p openai c > /dev/null
	RL_SEED=-1 rl-provider ask -p openai d > /dev/null
	run posts '[.body.messages[-1].content, .body.temperature, .body.seed]'
	expect '["a",0.2,0]
["b",0.2,null]
["c",0.7,42]
["d",0.2,null]'
	mock_stop
	# agents.reason.temperature wins over the provider's for that agent alone
	mkdir -p "$XDG_CONFIG_HOME/redline"
	echo '{"version":1,"agents":{"reason":{"temperature":0.9}}}' > "$XDG_CONFIG_HOME/redline/config.json"
	script '{"reply":"{\"explanation\":\"e\",\"gaps\":[],\"findings\":[]}"}'
	mock_start -s "$S/mock.script"
	export RL_BASE_URL=$MOCK_URL
	rl-reason -p openai <<< "$(baton reason)" > /dev/null
	rl-provider ask -p openai e > /dev/null
	run posts '.body.temperature'
	expect '0.9
0.2'
	mock_stop
}

@test "thinking is off for a JSON reply where the server has a switch, and on when asked" {
	fixture_repo
	export RL_MODEL=m
	for p in vllm llamacpp ollama; do
		mock_start -P "$p"
		RL_BASE_URL=$MOCK_URL run --separate-stderr rl-provider ask --json -p "$p" hi
		[ "$status" -eq 0 ]
		mock_stop
	done
	mock_start -P qwen
	DASHSCOPE_API_KEY=k RL_BASE_URL=$MOCK_URL run --separate-stderr rl-provider ask --json -p qwen hi
	[ "$status" -eq 0 ]
	run posts '[.body.response_format.type, .body.enable_thinking, (.body.messages[0].content | test("JSON"))]'
	expect '["json_object",false,true]'
	mock_stop
	# a text reply leaves the server's default; the thinking setting too
	mock_start
	export RL_BASE_URL=$MOCK_URL
	rl-provider ask -p vllm hi > /dev/null
	RL_THINKING=true rl-provider ask --json -p vllm hi > /dev/null
	rl-provider ask --json -p vllm hi > /dev/null
	rl-provider ask --json -p ollama hi > /dev/null
	run posts '[.body.chat_template_kwargs, .body.reasoning_effort]'
	expect '[null,null]
[null,null]
[{"enable_thinking":false},null]
[null,"none"]'
	mock_stop
	# agents.NAME.thinking turns it on for that agent
	mkdir -p "$XDG_CONFIG_HOME/redline"
	echo '{"version":1,"agents":{"reason":{"thinking":true}}}' > "$XDG_CONFIG_HOME/redline/config.json"
	script '{"reply":"{\"explanation\":\"e\",\"gaps\":[],\"findings\":[]}"}'
	mock_start -s "$S/mock.script"
	export RL_BASE_URL=$MOCK_URL
	rl-reason -p vllm <<< "$(baton reason)" > /dev/null
	run posts '.body.chat_template_kwargs'
	expect null
	mock_stop
}

@test "reasoning sent apart is kept out of the reply and counted, whole or streamed" {
	script '{"reply":"42","reasoning":"six times seven","times":3}' \
	    '{"reply":"43","reasoning":"one more","reasoning_field":"reasoning","usage":{"prompt_tokens":9,"completion_tokens":30,"completion_tokens_details":{"reasoning_tokens":28}}}'
	mock_start -s "$S/mock.script"
	run --separate-stderr rl-provider ask -p "$MOCK_URL" -m m what
	[ "$status" -eq 0 ]
	expect 42
	[ -z "$stderr" ]
	run --separate-stderr rl-provider ask --thinking -p "$MOCK_URL" -m m what
	expect 42
	[ "$stderr" = "six times seven" ]
	RL_STREAM=always run --separate-stderr rl-provider ask -J --thinking -p "$MOCK_URL" -m m <<< '{"prompt":"what"}'
	jqo -c '[.reply, .reasoning, .usage.reasoning_tokens]'
	expect '["42","six times seven",4]'
	run --separate-stderr rl-provider ask -J -p "$MOCK_URL" -m m <<< '{"prompt":"what"}'
	jqo -c '[.reply, .reasoning, .usage.reasoning_tokens, .usage.completion_tokens]'
	expect '["43",null,28,30]'
	mock_stop
}

@test "ask drops inline <think> blocks unless --thinking, even cut across streamed pieces" {
	script '{"reply":"<think>let me see: 6*7</think>\n\nforty-two","times":4}'
	mock_start -s "$S/mock.script"
	run --separate-stderr rl-provider ask -p "$MOCK_URL" -m m q
	[ "$status" -eq 0 ]
	expect forty-two
	[ -z "$stderr" ]
	run --separate-stderr rl-provider ask --thinking -p "$MOCK_URL" -m m q
	expect forty-two
	[ "$stderr" = "let me see: 6*7" ]
	# on a terminal the reply streams in pieces of 8 bytes: the tags are cut
	run command script -qc "rl-provider ask -p '$MOCK_URL' -m m q" /dev/null
	[ "$(printf '%s' "$output" | tr -d '\r')" = forty-two ]
	run --separate-stderr rl-provider ask -J -p "$MOCK_URL" -m m <<< '{"prompt":"q"}'
	jqo -r .reply
	expect forty-two
	mock_stop
}

@test "a reply cut at max_tokens says whether reasoning took them" {
	script '{"fault":"length","reasoning":"on and on"}' '{"fault":"length"}'
	mock_start -s "$S/mock.script"
	run --separate-stderr rl-provider ask -p "$MOCK_URL" -m m q
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"provider.truncated: the reply was cut at max_tokens (4096), part spent reasoning: raise provider.max_tokens, or leave thinking off"* ]]
	run --separate-stderr rl-provider ask -p "$MOCK_URL" -m m q
	[[ "$stderr" == *"provider.truncated: the reply was cut at max_tokens (4096): raise provider.max_tokens" ]]
	mock_stop
}

@test "cached prompt tokens reach the record, the metrics, rl-stats and its cost" {
	script '{"usage":{"prompt_tokens":1000,"completion_tokens":10,"prompt_tokens_details":{"cached_tokens":800}}}' \
	    '{"usage":{"prompt_tokens":500,"completion_tokens":10,"prompt_cache_hit_tokens":100}}'
	mock_start -s "$S/mock.script"
	run --separate-stderr rl-provider ask -J -p "$MOCK_URL" -m qwen-plus <<< '{"prompt":"a"}
{"prompt":"b"}'
	[ "$status" -eq 0 ]
	jqo -c '[.usage.prompt_tokens, .usage.cached_tokens]'
	expect '[1000,800]
[500,100]'
	mock_stop
	run jq -c 'select(.kind == "request") | .cached_tokens' "$RL_HOME/metrics.ndjson"
	expect '800
100'
	mkdir -p "$XDG_CONFIG_HOME/redline"
	echo '{"version":1,"prices":{"qwen-plus":{"prompt":1,"cached":0.1,"completion":2}}}' > "$XDG_CONFIG_HOME/redline/config.json"
	RL_METRICS=0 run --separate-stderr rl-stats -J
	jqo -c 'select(.model == "qwen-plus") | [.prompt_tokens, .cached_tokens, .cost]'
	# 600 fresh at 1, 900 cached at 0.1, 20 out at 2, per million
	expect '[1500,900,0.00073]'
	command -v script > /dev/null || skip "script(1) is needed"
	RL_METRICS=0 command script -qec "rl-stats" /dev/null > tty
	grep -aq 'CACHED' tty
	grep -aq 'qwen-plus .* 1500 \+900 ' tty
	# and the task's baton, summed over its requests
	fixture_repo
	script '{"reply":"{\"explanation\":\"e\",\"gaps\":[],\"findings\":[]}","usage":{"prompt_tokens":900,"completion_tokens":10,"prompt_tokens_details":{"cached_tokens":700}}}'
	mock_start -s "$S/mock.script"
	run --separate-stderr rl-reason -p "$MOCK_URL" -m m <<< "$(baton reason '{"usage":{"prompt_tokens":100,"completion_tokens":5,"requests":1,"ms":3,"cached_tokens":50}}')"
	mock_stop
	[ "$status" -eq 0 ]
	jqo -c '[.usage.prompt_tokens, .usage.cached_tokens]'
	expect '[1000,750]'
}

@test "check reports the context window each server tells; a prompt that cannot fit is not sent" {
	export RL_MODEL=mock-model
	for p in llamacpp vllm ollama lmstudio; do
		mock_start -c 2048
		RL_BASE_URL=$MOCK_URL run --separate-stderr rl-provider check -p "$p"
		[ "$status" -eq 0 ]
		jqo -c '.health.context_length'
		expect 2048
		RL_BASE_URL=$MOCK_URL run --separate-stderr rl-provider ask -p "$p" hi
		[ "$status" -eq 1 ]
		[[ "$stderr" == *"provider.context: the prompt (about 1 tokens) and max_tokens (4096) do not fit the 2048-token context window of mock-model on $p: shorten the prompt, lower provider.max_tokens, or "* ]]
		[ "$(jq -c 'select(.path | test("chat")) | .n' "$MOCK_LOG" | wc -l)" -eq 0 ]
		RL_MAX_TOKENS=1000 RL_BASE_URL=$MOCK_URL run --separate-stderr rl-provider ask -p "$p" hi
		[ "$status" -eq 0 ]
		mock_stop
	done
	[[ "$stderr" != *provider.context* ]]
	# each error names the way to a larger window on that server
	mock_start -c 2048
	RL_BASE_URL=$MOCK_URL run --separate-stderr rl-provider ask -p ollama hi
	[[ "$stderr" == *"OLLAMA_CONTEXT_LENGTH=32768, or give the model PARAMETER num_ctx 32768 in a Modelfile" ]]
	RL_BASE_URL=$MOCK_URL run --separate-stderr rl-provider ask -p llamacpp hi
	[[ "$stderr" == *"start llama-server with -c 32768" ]]
	# provider.context says it where the server does not
	RL_CONTEXT=100 run --separate-stderr rl-provider ask -p "$MOCK_URL" hi
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"do not fit the 100-token context window of mock-model on $MOCK_URL: shorten the prompt, lower provider.max_tokens, or raise provider.context" ]]
	mock_stop
}
