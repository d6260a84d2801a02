#!/usr/bin/env bats
# rl-act's tools: manifests (lib/rl_tool.c) and a baton's steps run in the
# sandbox (lib/rl_act.c).

load helpers/common

# a repository with one committed file, for a test that runs tools (the
# catalog's tests run under valgrind too; the sandbox cannot)
repo() {
	sandbox_repo
	printf 'one\ntwo TODO\nthree\n' > a.txt
	git add a.txt && git commit -qm start
}

# baton STEPS-JSON: a baton addressed to act with those steps
baton() {
	printf '{"rl":1,"id":"t1","iter":1,"next":"act","repo":"%s","plan":{"steps":%s}}\n' \
	    "$S/repo" "$1"
}

@test "--tools lists every default tool with its version; --check-tools passes" {
	run rl-act --tools
	[ "$status" -eq 0 ]
	jqo -r '[.name, .version, .enabled] | @tsv'
	[[ "$output" == *"read_file	1.0.0	true"* ]]
	[[ "$output" == *"list_files	1.0.0	true"* ]]
	[[ "$output" == *"search	1.0.0	true"* ]]
	[[ "$output" == *"apply_patch	1.1.0	true"* ]]
	[[ "$output" == *"edit_file	1.0.0	true"* ]]
	[[ "$output" == *"write_file	1.0.0	true"* ]]
	[[ "$output" == *"run_tests	1.0.0	true"* ]]
	[[ "$output" == *"format	1.0.0	true"* ]]
	[[ "$output" == *"shell	1.0.0	false"* ]]
	command -v clang-format > /dev/null || export RL_TOOLS_DISABLE=format
	run --separate-stderr rl-act --check-tools
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"every manifest valid and every requirement met" ]]
}

@test "--check-tools: a bad manifest, a hidden shell, an argument in a script, a missing requirement" {
	mkdir -p .redline/tools
	echo '{"name":"broken","version":"1"}' > .redline/tools/broken.json
	echo '{"name":"sneaky","version":"1.0.0","description":"d","argv":["bash","-c","ls"],"args":{},"agents":["act"]}' > .redline/tools/sneaky.json
	echo '{"name":"inject","version":"1.0.0","description":"d","argv":["sh","-c","grep {pattern} ."],"shell":true,"args":{"properties":{"pattern":{"type":"string"}}},"agents":["act"]}' > .redline/tools/inject.json
	# a version check runs the program: only the user's own tools ask one
	mkdir -p "$XDG_CONFIG_HOME/redline/tools"
	echo '{"name":"future","version":"1.0.0","description":"d","argv":["sed","p"],"args":{},"agents":["act"],"requires":[{"command":"sed","version":"999"},{"command":"no-such-tool"}]}' > "$XDG_CONFIG_HOME/redline/tools/future.json"
	trust_repo
	run --separate-stderr rl-act --check-tools
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"broken.json: tool.bad_manifest: /version: "* ]]
	[[ "$stderr" == *"sneaky.json: tool.bad_manifest: argv runs bash: say \"shell\": true"* ]]
	[[ "$stderr" == *"inject.json: tool.bad_manifest: argv[2]: {pattern} may not be in a shell script"* ]]
	[[ "$stderr" == *"future.json: tool.missing: sed is version "*"; 999 or later is needed"* ]]
	[[ "$stderr" == *"future.json: tool.missing: no-such-tool is not installed"* ]]
	# a project's manifest of a name replaces the default one
	sed 's/"1.0.0"/"1.1.0"/' "$RL_SHARE/tools/search.json" > .redline/tools/search.json
	trust_repo
	run --separate-stderr rl-act --tools
	jqo -r 'select(.name == "search") | .version'
	expect 1.1.0
}

@test "steps run in order as observations; other batons pass unchanged" {
	repo
	{
		echo '{"rl":1,"id":"other","next":"plan"}'
		baton '[{"tool":"search","args":{"pattern":"TODO"},"goal":"find markers"},
		    {"tool":"read_file","args":{"path":"a.txt","start":2,"end":3}},
		    {"tool":"list_files"}]'
		echo '{"rl":1,"id":"failed","next":"act","error":{"code":"provider.http_500","category":"provider","message":"m","retryable":true}}'
	} | tr -d '\n\t' | sed 's/}{"rl"/}\n{"rl"/g' > "$S/in"
	echo >> "$S/in"
	run --separate-stderr rl-act "$S/in"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[0]}" = '{"rl":1,"id":"other","next":"plan"}' ]
	[[ "${lines[2]}" == *'"id":"failed"'* && "${lines[2]}" == *'"next":"act"'* ]]
	output=${lines[1]}
	jqo -c '[.next, (.observations | length)]'
	expect '["feedback",3]'
	output=${lines[1]}
	jqo -c '.observations[] | [.step, .tool, .exit, .stdout, .changed]'
	expect '[0,"search",0,"./a.txt:2:two TODO\n",false]
[1,"read_file",0,"two TODO\nthree\n",false]
[2,"list_files",0,"./a.txt\n",false]'
	output=${lines[1]}
	jqo -r '.observations[0] | [.goal, (.argv | join(" ")), (.sandbox | startswith("landlock:"))] | @tsv'
	expect "find markers	grep -rnI --exclude-dir=.git -e TODO -- .	true"
	# every run is a metrics event
	[ "$(jq -s 'map(select(.kind == "tool")) | length' "$RL_HOME/metrics.ndjson")" -eq 3 ]
}

@test "an unknown tool, a tool turned off, a tool of another agent, bad arguments: denied, nothing runs" {
	repo
	mkdir -p .redline/tools
	echo '{"name":"peek","version":"1.0.0","description":"d","argv":["touch","peeked"],"args":{},"agents":["reason"]}' > .redline/tools/peek.json
	trust_repo
	for step in '{"tool":"rm_rf"}' '{"tool":"shell","args":{"command":"touch ran"}}' \
	    '{"tool":"peek"}' '{"tool":"search","args":{"pattern":7}}' \
	    '{"tool":"read_file","args":{"path":"-e"}}'; do
		baton "[$step]"
	done > "$S/in"
	run --separate-stderr rl-act "$S/in"
	[ "$status" -eq 1 ]
	jqo -r '.observations[0].error | [.code, .message] | @tsv'
	expect "tool.denied	no tool is called 'rm_rf'
tool.denied	tool 'shell' is turned off (tools.enable turns it on)
tool.denied	the act agent may not use 'peek'
tool.bad_args	search: argument pattern: must be string, not number
tool.bad_args	read_file: argument path: must match the pattern '^[^-]'"
	[ ! -e ran ]
	[ ! -e peeked ]
	# turned on, the shell tool runs
	baton '[{"tool":"shell","args":{"command":"echo on > ran"}}]' | RL_TOOLS_ENABLE=shell rl-act > out
	[ "$(cat ran)" = on ]
	[ "$(jq -r '.observations[0].changed' out)" = true ]
}

@test "arguments cannot inject commands: each is one argv element" {
	repo
	baton '[{"tool":"search","args":{"pattern":"$(touch pwned1)","path":"a.txt; touch pwned2"}},
	    {"tool":"read_file","args":{"path":"`touch pwned3`"}}]' | tr -d '\n\t' > "$S/in"
	echo >> "$S/in"
	run rl-act "$S/in"
	[ ! -e pwned1 ]
	[ ! -e pwned2 ]
	[ ! -e pwned3 ]
	jqo -c '.observations[0].argv'
	expect '["grep","-rnI","--exclude-dir=.git","-e","$(touch pwned1)","--","a.txt; touch pwned2"]'
}

@test "apply_patch: a patch that applies changes the tree; one that does not changes nothing" {
	repo
	git diff > /dev/null
	sed 's/two TODO/two/' a.txt > b && diff -u a.txt b | sed '1s|.*|--- a/a.txt|; 2s|.*|+++ b/a.txt|' > good.patch || true
	rm b
	jq -nc --rawfile p good.patch '[{"tool":"apply_patch","args":{"patch":$p}}]' > steps
	baton "$(cat steps)" | rl-act > out
	jq -e '.observations[0] | .exit == 0 and .changed == true' out
	[ "$(sed -n 2p a.txt)" = two ]
	# the same patch again does not apply: nothing changes
	cp a.txt before
	run rl-act < <(baton "$(cat steps)")
	[ "$status" -eq 1 ]
	jqo -r '.observations[0] | [.exit, .changed, (.stderr | contains("nothing was changed"))] | @tsv'
	expect "1	false	true"
	cmp a.txt before
}

@test "apply_patch works outside a git repository" {
	skip_without_sandbox
	mkdir -p "$S/plain" && cd "$S/plain"
	printf 'one\ntwo TODO\n' > a.txt
	printf -- '--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n one\n-two TODO\n+two\n' > p
	jq -nc --rawfile p p --arg r "$S/plain" '{rl:1,id:"t",next:"act",repo:$r,plan:{steps:[{tool:"apply_patch",args:{patch:$p}}]}}' | rl-act > out
	jq -e '.observations[0].exit == 0' out
	[ "$(sed -n 2p a.txt)" = two ]
}

@test "run_tests runs tools.test_command; format runs clang-format" {
	repo
	baton '[{"tool":"run_tests"}]' | RL_TEST_COMMAND='echo tests ran; exit 3' rl-act > out || true
	[ "$(jq -c '.observations[0] | [.exit, .stdout]' out)" = '[3,"tests ran\n"]' ]
	command -v clang-format > /dev/null || skip "clang-format is not installed"
	printf 'int  main( void ){return 0;}\n' > m.c
	baton '[{"tool":"format","args":{"path":"m.c"}}]' | rl-act > out
	jq -e '.observations[0] | .exit == 0 and .changed == true' out
	[ "$(cat m.c)" != 'int  main( void ){return 0;}' ]
}

@test "long output is cut in the baton and kept whole in memory" {
	repo
	seq 20000 > long.txt
	baton '[{"tool":"read_file","args":{"path":"long.txt"}}]' | rl-act > out
	[ "$(jq -r '.observations[0].stdout | length' out)" -le 4096 ]
	[ "$(jq -r '.observations[0].stdout_bytes' out)" -eq "$(stat -c %s long.txt)" ]
	key=$(jq -r '.observations[0].stdout_key' out)
	[ "$key" = t1/1/0/stdout ]
	rl-mem -n act get "$key" | cmp - long.txt
}

@test "a baton without a plan becomes an error baton; without Landlock nothing is read" {
	repo
	run --separate-stderr rl-act <<< '{"rl":1,"id":"t","next":"act"}'
	[ "$status" -eq 1 ]
	jqo -r '.error.code'
	expect validate.schema
	run --separate-stderr env RL_SANDBOX_MAX_ABI=2 rl-act <<< "$(baton '[{"tool":"list_files"}]')"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ "$stderr" == "rl-act: sandbox.unavailable: "* ]]
}

@test "a step past its tool's timeout is killed: exit 124 in the observation" {
	repo
	mkdir -p .redline/tools
	echo '{"name":"nap","version":"1.0.0","description":"d","argv":["sleep","{seconds}"],"args":{"properties":{"seconds":{"type":"integer"}}},"timeout":1,"agents":["act"]}' > .redline/tools/nap.json
	trust_repo
	run rl-act <<< "$(baton '[{"tool":"nap","args":{"seconds":30}},{"tool":"list_files"}]')"
	[ "$status" -eq 1 ]
	jqo -c '[(.observations | length), .observations[0].exit, .observations[0].timed_out]'
	expect '[1,124,true]'
}

@test "--no-sandbox: steps run with limits alone, and the observation says so" {
	git_repo     # runs under valgrind too: no Landlock, no clone3
	printf 'x TODO\n' > a.txt
	baton '[{"tool":"search","args":{"pattern":"TODO"}},{"tool":"nope"}]' > "$S/in"
	# valgrind refuses a child's RLIMIT_NOFILE: leave that one unset
	RL_SANDBOX_OPEN_FILES=0 run --separate-stderr rl-act --no-sandbox "$S/in"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"warning: --no-sandbox: tools run with only limits"* ]]
	jqo -c '.observations | map([.tool, .exit, .stdout, .sandbox, .error.code])'
	expect '[["search",0,"./a.txt:1:x TODO\n","none rlimits",null],["nope",null,null,null,"tool.denied"]]'
}

@test "output that is not text keeps the baton valid, and is kept whole in memory" {
	repo
	printf 'a\377b\000c\n' > bin.dat
	baton '[{"tool":"read_file","args":{"path":"bin.dat"}}]' | rl-act > out
	rl-validate < out > /dev/null
	[ "$(jq -r '.observations[0].stdout' out)" = "a�b�c" ]
	key=$(jq -r '.observations[0].stdout_key' out)
	rl-mem -n act get "$key" | cmp - bin.dat
}

@test "a step that makes .redline is denied, what it made is removed, and the plan stops" {
	repo
	baton '[{"tool":"shell","args":{"command":"mkdir .redline && echo {} > .redline/config.json"}},{"tool":"list_files"}]' > "$S/in"
	RL_TOOLS_ENABLE=shell run --separate-stderr rl-act "$S/in"
	[ "$status" -eq 1 ]
	[ ! -e .redline ]
	jqo -r '.observations | length, .[0].error.code, .[0].error.message'
	expect "1
tool.denied
the command made $S/repo/.redline, which is trusted outside the sandbox and must not change; it was removed"
}

@test "a step killed mid-way: on the next try its half-written output is removed, a tracked file it changed is named" {
	repo
	# the step writes a program and a tracked file, then is killed with rl-act
	baton '[{"tool":"run_tests"}]' > in
	RL_TEST_COMMAND='printf half > prog; echo changed >> a.txt; sleep 60' rl-act in > /dev/null 2>&1 &
	pid=$!
	for _ in $(seq 200); do [ -e prog ] && grep -q changed a.txt && break; sleep 0.05; done
	kill -9 "$pid"
	wait "$pid" || true
	[ -e prog ]
	# the next try of the task's step: the program is gone before it runs
	run --separate-stderr env RL_TEST_COMMAND='test ! -e prog' rl-act in
	[ "$status" -eq 0 ]
	jqo -c '[.observations[0].exit, .observations[0].recovered.removed, .observations[0].recovered.changed]'
	expect '[0,["prog"],["a.txt"]]'
	# a step that ended leaves nothing to recover
	run --separate-stderr env RL_TEST_COMMAND='true' rl-act in
	jqo -c '.observations[0].recovered'
	expect null
}
