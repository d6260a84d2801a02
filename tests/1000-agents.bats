#!/usr/bin/env bats
# The agent engine (lib/rl_agent.c) and each agent alone: a baton in, a
# cassette for the model, the baton out.

load helpers/common

RING="$FIX/agents/ring.cassette"

# baton NEXT [JSON]: a task baton for $S/repo addressed to NEXT, with
# JSON's members added
baton() {
	jq -cn --arg repo "$S/repo" --arg next "$1" --argjson more "${2:-{\}}" \
	    '{rl: 1, id: "t1", task: "merge the duplicated loops in sum.c",
	      repo: $repo, next: $next, iter: 1,
	      usage: {prompt_tokens: 0, completion_tokens: 0, requests: 0, ms: 0}}
	     + $more'
}

# cassette FILE ENTRY...: write a cassette of the entries given
cassette() {
	local f=$1
	shift
	printf '%s\n' "$@" > "$f"
}

@test "rl-task makes a baton from words or from stdin lines, with its budget" {
	git_repo
	run --separate-stderr rl-task -P 5 --tokens 1000 "shorten" "main"
	[ "$status" -eq 0 ]
	jqo '[.rl, .task, .repo, .next, .iter, .priority, .budget.tokens, .budget.steps, (.id | test("^rl-")), (.created | test("^20"))]'
	expect "[1,\"shorten main\",\"$S/repo\",\"reason\",1,5,1000,20,true,true]"
	printf 'first task\n\n{"task":"second","priority":-3,"budget":{"steps":2}}\nnot {\n' |
	    rl-task > out
	[ "$(jq -s 'length' out)" -eq 3 ]
	[ "$(jq -sc 'map([.task, .priority, .budget.steps])' out)" = \
	    '[["first task",0,20],["second",-3,2],["not {",0,20]]' ]
	# ids are unique; bad input is a clear error
	[ "$(jq -r .id out | sort -u | wc -l)" -eq 3 ]
	run --separate-stderr rl-task -P 5000 x
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"-P 5000: give a whole number from -1000 to 1000"* ]]
	run --separate-stderr rl-task -C /nonexistent x
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"repository /nonexistent"* ]]
	echo '{"priority":1}' | { run --separate-stderr rl-task; [ "$status" -eq 1 ]; }
}

@test "rl-reason: the reply becomes reasoning, with usage and a trail entry" {
	fixture_repo
	baton reason | rl-reason -p "script:$RING" > out
	run jq -c '[.next, .reasoning.findings[0], .usage.prompt_tokens,
	    .usage.completion_tokens, .usage.requests, (.trail | length),
	    .trail[0].stage, .trail[0].provider, (.trail[0].at | test("Z$"))]' out
	expect "[\"plan\",\"sum.c: the loops of sum_positive (line 6) and sum_negative (line 18) differ only in > 0 and < 0\",454,89,1,1,\"reason\",\"script:$RING\",true]"
}

@test "--dry-run prints the prompt and what it costs, and calls nothing" {
	fixture_repo
	baton reason '{"budget":{"tokens":9},"trail":[{"stage":"x"}],"bias":{"plan":"p"}}' > "$S/in"
	run --separate-stderr env RL_CONTEXT_CTAGS=false rl-reason --dry-run -p script:/nonexistent < "$S/in"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" > out
	jqo -r '.prompt'
	# the task, the map of the repository, the code the task names, and
	# nothing a model does not need
	[[ "$output" == "Task: merge the duplicated loops in sum.c
Repository map (most relevant first):
sum.c:
  6 static long sum_positive(const long *v, int n)
  18 static long sum_negative(const long *v, int n)
  30 int main(int argc, char **argv)
Makefile
Code:
sum.c:
   1| /* sum.c - sums of the positive and of the negative numbers given. */
   2| #include <stdio.h>"* ]]
	[[ "$output" == *"  37| 	printf(\"%ld %ld\\n\", sum_positive(v, n), sum_negative(v, n));
  38| 	return 0;
  39| }" ]]
	[[ "$output" != *"Memory:"* ]]
	# the whole step, system prompt included, is this many tokens
	[ "$(jq '.tokens' out)" -eq "$(jq '(.system + .prompt | utf8bytelength + 3) / 4 | floor' out)" ]
	[ "$(jq '.tokens' out)" -lt 800 ]
	# the plan agent's prompt holds the reasoning and the tool catalog
	baton plan '{"reasoning":{"explanation":"e","gaps":[],"findings":[]}}' |
	    rl-plan --dry-run > out
	run jq -r .prompt out
	[[ "$output" == *'reasoning: {"explanation":"e","gaps":[],"findings":[]}'* ]]
	[[ "$output" == *"apply_patch(patch): "* ]]
	[[ "$output" == *"search(pattern, path?): "* ]]
	[[ "$output" != *"shell("* ]]
	[[ "$output" == *"Code:
sum.c:
   1| /* sum.c"* ]]
	[ "$(jq .tokens out)" -lt 1000 ]
}

@test "agents.NAME.provider and .model choose an agent's model; the flags win; a repository names no program" {
	fixture_repo
	cassette "$S/big" '{"match":{"model":"big"},"reply_json":{"explanation":"from big","gaps":[],"findings":[]},"times":0}'
	cassette "$S/small" '{"reply_json":{"explanation":"from small","gaps":[],"findings":[]},"times":0}'
	mkdir -p "$XDG_CONFIG_HOME/redline"
	jq -n --arg p "script:$S/big" '{version: 1, agents: {reason: {provider: $p, model: "big"}}}' \
	    > "$XDG_CONFIG_HOME/redline/config.json"
	baton reason | rl-reason > out
	run jq -c '[.reasoning.explanation, .trail[0].provider, .trail[0].model]' out
	expect "[\"from big\",\"script:$S/big\",\"big\"]"
	baton reason | rl-reason -p "script:$S/small" -m tiny > out
	run jq -c '[.reasoning.explanation, .trail[0].provider, .trail[0].model]' out
	expect "[\"from small\",\"script:$S/small\",\"tiny\"]"
	# a trusted repository's layer may not make an agent run a program
	mkdir -p .redline
	printf '{"version":1,"agents":{"reason":{"provider":"cmd:touch %s"}}}\n' "$S/pwned" > .redline/config.json
	trust_repo
	run --separate-stderr rl-reason <<< "$(baton reason)"
	[ "$status" -eq 0 ]
	[ "$(jq -r .reasoning.explanation <<< "$output")" = "from big" ]
	[ ! -e "$S/pwned" ]
	[[ "$stderr" == *"config.forbidden: agents.reason.provider: a repository's configuration cannot set this"* ]]
}

@test "a project's prompt file replaces the shipped one; a missing prompt is named" {
	fixture_repo
	mkdir -p .redline/prompts
	echo "Answer in JSON." > .redline/prompts/reason.md
	trust_repo
	baton reason | rl-reason --dry-run > out
	[ "$(jq -r .system out)" = "Answer in JSON." ]
	mkdir -p "$S/share"
	cp -r "$RL_SHARE/schemas" "$RL_SHARE/tools" "$RL_SHARE/config.json" "$S/share"
	run --separate-stderr env RL_SHARE="$S/share" rl-plan --dry-run < /dev/null
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"config.prompt: cannot read the plan agent's system prompt $S/share/prompts/plan.md"* ]]
}

@test "a reply that is not JSON gets one repair round quoting its errors" {
	fixture_repo
	cassette c \
	    '{"match":{"prompt":"It is not valid"},"reply_json":{"explanation":"fixed","gaps":[],"findings":[]},"usage":{"prompt_tokens":50,"completion_tokens":10}}' \
	    '{"reply":"Sure! Here is my analysis.","usage":{"prompt_tokens":40,"completion_tokens":7}}'
	RL_RECORD="$S/rec" run --separate-stderr rl-reason -p script:c <<< "$(baton reason)"
	[ "$status" -eq 0 ]
	jqo '[.reasoning.explanation, .usage.prompt_tokens, .usage.completion_tokens, .trail[0].repairs]'
	expect '["fixed",90,17,1]'
	# the second prompt quoted the reply and said what was wrong
	run jq -r 'select(.match.prompt | test("It is not valid")) | .match.prompt' "$S/rec"
	[[ "$output" == *"Your reply was:
Sure! Here is my analysis."* ]]
	[[ "$output" == *"- /: the reply holds no JSON object"* ]]
	# a fenced object with words around it is taken as it is
	cassette f '{"reply":"```json\n{\"explanation\":\"x\",\"gaps\":[],\"findings\":[]}\n```\nDone."}'
	run rl-reason -p script:f <<< "$(baton reason)"
	[ "$status" -eq 0 ]
	[ "$(jq -r .reasoning.explanation <<< "$output")" = x ]
}

# reply_counts: what replies needed, as the metrics counted it (over
# all providers), "code count" a line
reply_counts() {
	rl-stats errors -J | jq -rs 'map(select(.code | startswith("validate.reply_"))) |
	    group_by(.code) | .[] | "\(.[0].code) \(map(.count) | add)"'
}

@test "replies as models send them: JSON in a fence among prose, after a <think> block, after a lone </think>" {
	fixture_repo
	# as chat models answer: words, a ```json fence, more words
	cassette c "$(jq -cn '{reply: "Here is my analysis of the task.\n\n```json\n{\n  \"explanation\": \"the two loops differ in the comparison only\",\n  \"gaps\": [],\n  \"findings\": [\"sum.c: sum_positive and sum_negative\"]\n}\n```\n\nLet me know if you want the plan too.", usage: {prompt_tokens: 300, completion_tokens: 80}}')"
	run --separate-stderr rl-reason -p script:c <<< "$(baton reason)"
	[ "$status" -eq 0 ]
	jqo '[.next, .reasoning.explanation, .trail[0].repairs]'
	expect '["plan","the two loops differ in the comparison only",null]'
	# as reasoning models answer: their thinking first, with a draft
	# object in it that is not the answer
	cassette t "$(jq -cn '{reply: "<think>\nOkay, sum.c has two loops. A first draft: {\"explanation\": \"draft\"}. No: gaps and findings are needed too.\n</think>\n\n{\"explanation\": \"one loop written twice\", \"gaps\": [], \"findings\": [\"sum.c\"]}", usage: {prompt_tokens: 300, completion_tokens: 120}}')"
	run --separate-stderr rl-reason -p script:t <<< "$(baton reason)"
	[ "$status" -eq 0 ]
	jqo '[.reasoning.explanation, .trail[0].repairs]'
	expect '["one loop written twice",null]'
	# a template that eats the opening tag leaves a lone </think>
	cassette l "$(jq -cn '{reply: "The user wants {the loops} merged; I will say so.\n</think>\n{\"explanation\": \"merge them\", \"gaps\": [], \"findings\": []}"}')"
	run --separate-stderr rl-reason -p script:l <<< "$(baton reason)"
	[ "$status" -eq 0 ]
	[ "$(jq -r .reasoning.explanation <<< "$output")" = "merge them" ]
	# each is counted, for rl-stats errors to show how often a model needs it
	run reply_counts
	expect "validate.reply_fence 1
validate.reply_prose 1
validate.reply_think 2"
}

@test "a reply cut at the token limit is asked again once, shorter; cut twice, it is an error" {
	fixture_repo
	cassette c \
	    '{"match":{"prompt":"cut off at the token limit"},"reply_json":{"explanation":"short","gaps":[],"findings":[]},"usage":{"prompt_tokens":420,"completion_tokens":12}}' \
	    '{"reply":"{\"explanation\": \"The task asks to merge sum_positive and sum_negative, which","finish_reason":"length","usage":{"prompt_tokens":400,"completion_tokens":4096}}'
	RL_RECORD="$S/rec" run --separate-stderr rl-reason -p script:c <<< "$(baton reason)"
	[ "$status" -eq 0 ]
	jqo '[.reasoning.explanation, .usage.prompt_tokens, .usage.completion_tokens, .usage.requests, .trail[0].repairs]'
	expect '["short",820,4108,2,1]'
	# the second prompt is the first and a request to be brief
	run jq -r 'select(.match.prompt | test("cut off")) | .match.prompt' "$S/rec"
	[[ "$output" == "Task: merge the duplicated loops in sum.c"* ]]
	[[ "$output" == *"Your last reply was cut off at the token limit.  Reply again, much shorter: only the JSON object, with brief strings."* ]]
	run reply_counts
	expect "validate.reply_cut 1"
	# cut again: the baton as it came, with the provider's error
	cassette d '{"reply":"{\"explanation\": \"The task asks","finish_reason":"length","times":0}'
	run --separate-stderr rl-reason -p script:d <<< "$(baton reason)"
	[ "$status" -eq 1 ]
	jqo '[.next, .error.code, .error.retryable, (.reasoning == null), .usage.requests]'
	expect '["reason","provider.truncated",false,true,2]'
	[[ "$stderr" == *"provider.truncated: the reply was cut at max_tokens: raise provider.max_tokens"* ]]
}

@test "wrong shape, then empty: an error baton that keeps the reply; the stream goes on" {
	fixture_repo
	cassette c \
	    '{"match":{"prompt":"It is not valid"},"reply":""}' \
	    '{"reply_json":{"explanation":7,"gaps":"none"}}' \
	    '{"reply_json":{"explanation":"ok","gaps":[],"findings":[]}}'
	{ baton reason; baton reason '{"id":"t2"}'; } > in
	run --separate-stderr rl-reason -p script:c in
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 2 ]
	output=${lines[0]}
	jqo '[.id, .next, .error.code, .error.stage, .error.retryable, .error.detail.reply,
	    (.error.detail.errors | map(.message) | join("; ")), .usage.requests]'
	expect '["t1","reason","validate.reply","reason",false,"","the reply is empty",2]'
	output=${lines[1]}
	jqo '[.id, .next, .reasoning.explanation]'
	expect '["t2","plan","ok"]'
	[[ "$stderr" == *"t1: validate.reply: the model's reply is not valid after a repair round: the reply is empty; it began: \"\""* ]]
}

@test "a refused reply says on stderr why, and how the reply began" {
	fixture_repo
	printf '%s\n' '{"reply":"Sure! Here is my analysis:\n{\"explanation\": 7}","times":2}' > c
	run --separate-stderr rl-reason -p script:c <<< "$(baton reason)"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"t1: validate.reply: the model's reply is not valid after a repair round: /explanation: must be string, not number; it began: \"Sure! Here is my analysis: {\"explanation\": 7}\""* ]]
}

@test "batons not addressed to the agent, and batons with errors, pass on unchanged and in order (-j 4)" {
	fixture_repo
	cassette c '{"reply_json":{"explanation":"e","gaps":[],"findings":[]},"latency_ms":200,"times":0}'
	{
		baton reason '{"id":"a"}'
		printf '%s\n' '{"rl":1,"id":"b","next":"plan","x":1.50}'
		printf '%s\n' '{"rl":1,"id":"c","next":"reason","error":{"code":"tool.denied","category":"policy","message":"m","retryable":false}}'
		baton reason '{"id":"d"}'
		printf '%s\n' '{"rl":1,"id":"e","next":"frobnicate"}'
		echo 'not json'
	} > in
	run --separate-stderr rl-reason -j 4 -p script:c in
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | jq -r .id | head -5 | tr '\n' ' ')" = "a b c d e " ]
	[ "${lines[1]}" = "$(sed -n 2p in)" ]
	[ "$(jq -S . <<< "${lines[2]}")" = "$(sed -n 3p in | jq -S .)" ]
	[ "$(jq -r .reasoning.explanation <<< "${lines[3]}")" = e ]
	[ "$(jq -r .next <<< "${lines[4]}")" = frobnicate ]
	[ "$(jq -r .error.code <<< "${lines[5]}")" = input.not_json ]
}

@test "a provider that keeps failing: a retryable error baton, the baton otherwise as it came" {
	fixture_repo
	cassette c '{"error":{"status":503,"message":"overloaded"},"times":0}'
	RL_CLOCK_SKEW_MS=0 run --separate-stderr rl-reason -p script:c <<< "$(baton reason)"
	[ "$status" -eq 111 ]
	jqo '[.next, .error.code, .error.retryable, .error.attempts, (.reasoning == null), .usage.requests]'
	expect '["reason","provider.http_503",true,3,true,3]'
}

@test "a spent budget sends the baton to complete with status BUDGET, without a call" {
	fixture_repo
	: > none     # a cassette that answers nothing: a call would fail
	baton plan '{"budget":{"tokens":100},"usage":{"prompt_tokens":90,"completion_tokens":20}}' |
	    rl-plan -p script:none > out
	run jq -c '[.status, .next, .budget_spent]' out
	expect '["BUDGET","complete","tokens 110 of 100"]'
	baton reason '{"iter":5}' | RL_AGENT_MAX_ITER=4 rl-reason -p script:none > out
	[ "$(jq -r .budget_spent out)" = "iterations 5 of 4" ]
	baton reason '{"created":"2020-01-01T00:00:00Z","budget":{"seconds":60}}' |
	    rl-reason -p script:none > out
	[[ "$(jq -r .budget_spent out)" == "seconds "*" of 60" ]]
}

@test "rl-plan: a plan naming an unknown tool is repaired once, then an error" {
	fixture_repo
	cassette c \
	    '{"match":{"prompt":"unknown tool"},"reply_json":{"steps":[{"tool":"search","args":{"pattern":"sum_"},"goal":"find"}]}}' \
	    '{"reply_json":{"steps":[{"tool":"frobnicate","goal":"x"},{"tool":"read_file","args":{"path":"sum.c","lines":"x"},"goal":"y"}]}}'
	baton plan '{"iter":2}' | rl-plan -p script:c > out
	run jq -c '[.next, .plan.iter, .plan.steps[0].tool, .trail[0].repairs]' out
	expect '["act",2,"search",1]'
	cassette d '{"reply_json":{"steps":[{"tool":"shell","args":{"command":"rm -rf /"},"goal":"x"}]},"times":0}'
	run --separate-stderr rl-plan -p script:d <<< "$(baton plan)"
	[ "$status" -eq 1 ]
	jqo -r '.error.detail.errors[0] | [.path, .message] | @tsv'
	expect "/steps/0/tool	unknown tool 'shell': use one of the tools listed"
}

@test "rl-feedback: each verdict goes its way; a bias request moves to the baton" {
	fixture_repo
	obs='{"plan":{"steps":[{"tool":"run_tests","goal":"g"}],"iter":1},"observations":[{"step":0,"iter":1,"tool":"run_tests","exit":2,"stderr":"make: *** [check] Error 1"}]}'
	for v in continue:act:1 replan:plan:2 rethink:reason:2 done:complete:1 fail:complete:1; do
		cassette c "{\"reply_json\":{\"verdict\":\"${v%%:*}\",\"reason\":\"r\"}}"
		baton feedback "$obs" | rl-feedback -p script:c > out
		want=${v#*:}
		[ "$(jq -r '[.next, .iter, .feedback.verdict] | join(":")' out)" = "${want%%:*}:${want#*:}:${v%%:*}" ]
	done
	# the prompt shows this iteration's observations, cut short
	baton feedback "$obs" | rl-feedback --dry-run > out
	[[ "$(jq -r .prompt out)" == *"step 0 run_tests exit 2
 stderr: make: *** [check] Error 1"* ]]
	cassette c '{"reply_json":{"verdict":"replan","reason":"r","bias_request":{"agent":"plan","correction":"one small patch per step","reason":"the big patch failed"}}}'
	baton feedback "$obs" | rl-feedback -p script:c > out
	run jq -c '[.bias_request.agent, .bias_request.correction, (.feedback | has("bias_request"))]' out
	expect '["plan","one small patch per step",false]'
}

@test "rl-act asks the model only for a step that lacks arguments, then runs it" {
	fixture_repo
	skip_without_sandbox
	# an editing step's reply is text (here a diff), kept as JSON edits
	cassette c "$(jq -cn --rawfile p "$FIX/agents/sum-sign.diff" '{match: {system: "acting agent"}, reply: $p}')"
	baton act '{"plan":{"steps":[{"tool":"apply_patch","goal":"merge the sums"},{"tool":"run_tests","goal":"check"}]}}' |
	    rl-act -p script:c > out
	run jq -c '[.next, (.observations | map(.exit)), .trail[0].stage, .observations[0].tool, (.observations[0].edits[0].path)]' out
	expect '["feedback",[0,0],"act","edit_files","sum.c"]'
	grep -q sum_sign sum.c
	# complete steps ask nothing: no provider is even opened
	git checkout -q sum.c
	baton act '{"plan":{"steps":[{"tool":"search","args":{"pattern":"sum_"},"goal":"g"}]}}' |
	    rl-act -p script:/nonexistent > out
	[ "$(jq -c '[.observations[0].exit, .trail]' out)" = '[0,null]' ]
}

@test "rl-act runs only the steps not yet done in this iteration" {
	fixture_repo
	skip_without_sandbox
	baton act "$(jq -cn --rawfile p "$FIX/agents/sum-sign.diff" '{plan: {steps: [{tool: "apply_patch", args: {patch: $p}, goal: "g"}, {tool: "read_file", args: {path: "missing.c"}, goal: "h"}]}}')" |
	    rl-act > once || true
	[ "$(jq -c '.observations | map(.exit)' once)" = '[0,2]' ]
	# back to act (feedback said continue): the patch is not applied twice
	jq -c '.next = "act"' once | rl-act > twice || true
	[ "$(jq -c '.observations | map([.step, .tool, .exit])' twice)" = '[[0,"apply_patch",0],[1,"read_file",2],[1,"read_file",2]]' ]
}

@test "rl-complete: FINISH when feedback said done and the tests pass; FAILED; BUDGET; remembered" {
	fixture_repo
	skip_without_sandbox
	baton complete '{"feedback":{"verdict":"done","reason":"r"}}' > in
	run --separate-stderr rl-complete in
	[ "$status" -eq 0 ]
	jqo '[.status, .next, .verify.tool, .verify.exit, (.summary | test("^FINISH: .*tests pass"))]'
	expect '["FINISH","done","run_tests",0,true]'
	# the reason agent's memory holds the outcome for this repository
	key=$(rl-mem -n reason ls)
	[[ "$(rl-mem -n reason get "$key")" == "FINISH: merge the duplicated loops"* ]]
	[[ "$(baton reason | rl-reason --dry-run | jq -r .prompt)" == *"Memory:
FINISH: merge"* ]]
	# broken tests: FAILED
	echo 'int x = ;' >> sum.c
	run rl-complete in
	[ "$status" -eq 1 ]
	[ "$(jq -c '[.status, .verify.exit]' <<< "$output")" = '["FAILED",2]' ]
	baton complete '{"feedback":{"verdict":"fail","reason":"cannot"}}' | rl-complete > out || true
	[ "$(jq -r .summary out)" = "FAILED: merge the duplicated loops in sum.c; 0 steps observed in 1 iterations; tests not run; 0 tokens; cannot" ]
	baton complete '{"status":"BUDGET","budget_spent":"tokens 9 of 5"}' | rl-complete > out || true
	[ "$(jq -c '[.status, .next, (.summary | endswith("budget spent: tokens 9 of 5"))]' out)" = '["BUDGET","done",true]' ]
}

@test "the shell pipeline does a one-iteration task end to end" {
	fixture_repo
	skip_without_sandbox
	p="script:$RING"
	rl-task "merge the duplicated loops in sum.c" |
	    rl-reason -p "$p" | rl-plan -p "$p" | rl-act -p "$p" | rl-feedback -p "$p" |
	    rl-complete > out
	run jq -c '[.status, .next, (.trail | map(.stage)), .usage.prompt_tokens,
	    (.observations | map(.exit))]' out
	expect '["FINISH","done",["reason","plan","act","feedback"],2144,[0,0]]'
	grep -q 'sum_sign(v, n, -1)' sum.c
	make -s check
}

@test "rl-act --dry-run runs nothing: the prompt for missing arguments, or the baton as it came" {
	fixture_repo
	skip_without_sandbox
	baton act '{"plan":{"steps":[{"tool":"apply_patch","goal":"merge"},{"tool":"run_tests","goal":"t"}]}}' |
	    rl-act --dry-run > out
	[[ "$(jq -r .prompt out)" == *'Step 0: apply_patch, goal: merge, given: {}'* ]]
	# a step that is not an edit is asked for its arguments, as JSON
	baton act '{"plan":{"steps":[{"tool":"search","goal":"find"}]}}' | rl-act --dry-run > out
	[[ "$(jq -r .prompt out)" == *'Its tool'"'"'s argument schema: {"type":"object","required":["pattern"]'* ]]
	baton act '{"plan":{"steps":[{"tool":"read_file","args":{"path":"sum.c"},"goal":"g"}]}}' > in
	rl-act --dry-run < in > out
	cmp in out
	git diff --quiet
}
