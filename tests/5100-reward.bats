#!/usr/bin/env bats
# rl-reward: the debt measure (lib/rl_debt.c), scores, arms and the
# bandit (lib/rl_reward.c).

load helpers/common

# lines N TEXT: N numbered lines of TEXT
lines() {
	seq "$1" | awk -v t="$2" '{ print t " " $0 }'
}

# a tree with a known amount of every built-in kind of debt
known_tree() {
	mkdir -p t/src t/py
	{
		echo 'int long_one(int x)'
		echo '{'
		lines 43 '	x = x + 1; /*' | sed 's|$| */|'
		echo '}'
		echo 'int deep(int x)'
		echo '{'
		echo '	if (x) { if (x) { if (x) { if (x) { if (x) { if (x) { return 1; } } } } } }'
		echo '	return "{ not a brace }"[0] + 0; // { nor this'
		echo '}'
		echo 'struct s { int a; } v = { 1 };'
	} > t/src/a.c
	# 2 long lines, 4 markers (TODOS is not one)
	{
		printf '%0120d\n' 0
		printf '\t%0100d\n' 0
		echo 'TODO FIXME: XXX, HACK; TODOS'
	} > t/notes.txt
	# 8 significant lines, twice: the second time all 8 are duplicates
	for f in t/src/b.c t/src/c.c; do
		seq 8 | sed 's/.*/same_line_of_code(&);/' > "$f"
	done
	# a Python function of 42 lines
	{ echo 'def f():'; lines 41 '    y ='; echo 'x = 1'; } > t/py/m.py
	# a binary file is skipped
	printf 'TODO\0\001\002' > t/blob.bin
}

@test "measure: known counts for every kind, per kind and per file" {
	known_tree
	RL_REWARD_ANALYZERS=false run --separate-stderr rl-reward measure -J t
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" > m.json
	run jq -c '.kinds | to_entries | map([.key, .value.count, .value.debt])' m.json
	expect '[["long_function",2,2.175],["deep_nesting",1,2],["long_line",2,0.2],["duplicate",8,0.667],["marker",4,2],["oversized_file",0,0]]'
	run jq -c '[.total, .files_measured, (.files | map(.path))]' m.json
	expect '[7.042,5,["notes.txt","py/m.py","src/a.c","src/c.c"]]'
	run jq -c '.files[] | select(.path == "src/a.c") | [.lines, .kinds.long_function.count, .kinds.deep_nesting.debt]' m.json
	expect '[52,1,2]'
	# oversized, with a lower limit; thresholds come from the configuration
	RL_REWARD_ANALYZERS=false RL_REWARD_MAX_FILE_LINES=40 run rl-reward measure -J t
	jqo '.kinds.oversized_file'
	expect '{"count":2,"debt":2.375}'
}

@test "measure is deterministic, and a terminal gets a table" {
	known_tree
	rl-reward measure -J t > one
	rl-reward measure -J t > two
	cmp one two
	command -v script > /dev/null || skip "script(1) is needed"
	RL_REWARD_ANALYZERS=false command script -qec "rl-reward measure t" /dev/null > tty
	grep -aq '^long_function *2 *2.175' tty
	grep -aq '^src/a.c' tty
}

@test "analyzers: run when installed, skipped with a note when not" {
	known_tree
	mkdir -p "$S/share"
	cp -r "$RL_SHARE"/* "$S/share"
	echo '{"name":"nothere","kind":"nothere","command":["no-such-analyzer","{files}"],"extensions":["c"],"regex":"^(.*)$","file":1}' \
	    > "$S/share/debt.d/nothere.json"
	RL_SHARE="$S/share" run --separate-stderr rl-reward measure -J t
	[ "$status" -eq 0 ]
	jqo -c '.analyzers[] | select(.name == "nothere") | [.ran, .note]'
	expect '[false,"no-such-analyzer is not installed"]'
	command -v cppcheck > /dev/null || skip "cppcheck is not installed"
	printf 'int f(void)\n{\n\tint a[4];\n\ta[4] = 1;\n\treturn a[0];\n}\n' > t/src/bad.c
	run rl-reward measure -J t
	jqo -c '[(.analyzers[] | select(.name == "cppcheck") | [.ran, .findings > 0]),
	    (.files[] | select(.path == "src/bad.c") | .kinds.cppcheck.count)]'
	expect '[[true,true],1]'
}

# counting_analyzer: SHARE/debt.d holds one analyzer alone, fake-analyzer,
# which logs each run's files (their names) to $S/runs and reports "BAD N" lines, a
# finding over 10; it is killed by a signal while $S/crash exists
counting_analyzer() {
	mkdir -p "$S/share" "$S/bin"
	cp -r "$RL_SHARE"/* "$S/share"
	rm "$S/share/debt.d/"*.json
	cat > "$S/bin/fake-analyzer" <<-EOF
	#!/bin/sh
	echo \$(for f; do basename "\$f"; done) >> "$S/runs"
	[ ! -e "$S/crash" ] || kill -9 \$\$
	for f; do grep -n 'BAD [0-9]*' "\$f" | sed "s|^|\$f:|"; done
	EOF
	chmod +x "$S/bin/fake-analyzer"
	echo '{"name":"fake","kind":"fake","command":["fake-analyzer","{files}"],"extensions":["c"],"regex":"^(.+):[0-9]+:BAD ([0-9]+)","file":1,"value":2,"threshold":10}' \
	    > "$S/share/debt.d/fake.json"
	export RL_SHARE="$S/share" PATH="$S/bin:$PATH"
	mkdir -p t
	echo 'BAD 12' > t/a.c
	echo 'BAD 5' > t/b.c
	printf 'BAD 30\nx\nBAD 11\n' > t/c.c
	echo 'BAD 99' > t/notes.txt
}

@test "analyzers: findings kept per file by content; an unchanged tree runs no analyzer, a changed file alone is analyzed again" {
	counting_analyzer
	rl-reward measure -J t > cold
	run jq -c '[.kinds.fake, .analyzers, (.files | map([.path, .kinds.fake.debt]))]' cold
	expect '[{"count":3,"debt":23},[{"name":"fake","kind":"fake","ran":true,"findings":3}],[["a.c",2],["c.c",21]]]'
	run cat "$S/runs"
	expect "a.c b.c c.c"
	# the second measure of the tree runs nothing and says the same
	rl-reward measure -J t > warm
	run wc -l < "$S/runs"
	expect 1
	cmp cold warm
	# a changed file is analyzed again, alone; the rest comes from the cache
	echo 'BAD 20' > t/b.c
	rl-reward measure -J t > changed
	run tail -1 "$S/runs"
	expect "b.c"
	run jq -c '[.kinds.fake, (.files | map([.path, .kinds.fake.debt]))]' changed
	expect '[{"count":4,"debt":33},[["a.c",2],["b.c",10],["c.c",21]]]'
	# the same as without the cache
	RL_HOME="$S/empty" rl-reward measure -J t > nocache
	cmp changed nocache
	[ "$(wc -l < "$S/runs")" -eq 3 ]
	# the store is one file per repository, whole
	run ls "$RL_HOME/debt"
	[[ "$output" =~ ^[0-9a-f]{16}\.findings$ ]]
	run ls -a "$RL_HOME/debt"
	run ! grep -q '\.tmp\.' <<< "$output"
}

@test "analyzers: a changed analyzer, a torn store, a killed run: analyzed again, never a stale or half result" {
	counting_analyzer
	rl-reward measure -J t > first
	# the manifest changed: every file again
	jq -c '.threshold = 11' "$S/share/debt.d/fake.json" > m && mv m "$S/share/debt.d/fake.json"
	rl-reward measure -J t > other
	run tail -1 "$S/runs"
	expect "a.c b.c c.c"
	run jq -c '.kinds.fake' other
	expect '{"count":2,"debt":20}'
	# the program changed (an upgrade): every file again
	touch -d '2001-01-01' "$S/bin/fake-analyzer"
	rl-reward measure -J t > /dev/null
	[ "$(wc -l < "$S/runs")" -eq 3 ]
	# a torn store: what it lost is analyzed again, the result the same
	store=$(ls "$RL_HOME"/debt/*.findings)
	truncate -s -3 "$store"
	rl-reward measure -J t > torn
	[ "$(wc -l < "$S/runs")" -eq 4 ]
	run tail -1 "$S/runs"
	[ "$output" != "a.c b.c c.c" ]
	cmp other torn
	printf 'garbage\n' > "$store"
	rl-reward measure -J t > garbage
	run tail -1 "$S/runs"
	expect "a.c b.c c.c"
	cmp other garbage
	# a run killed by a signal keeps nothing: the next one runs again
	echo 'BAD 13' > t/a.c
	touch "$S/crash"
	rl-reward measure -J t > /dev/null
	rm "$S/crash"
	rl-reward measure -J t > after
	run tail -2 "$S/runs"
	expect "a.c
a.c"
	run jq -c '.files | map([.path, .kinds.fake.debt])' after
	expect '[["a.c",2],["c.c",19]]'
}

@test "measure: a tree of binary files, and a tree of 10,000 files" {
	mkdir bin
	for i in 1 2 3; do head -c 4096 /dev/urandom | tr -d '\n' | sed 's/^/\x00/' > "bin/$i.o"; done
	RL_REWARD_ANALYZERS=false run rl-reward measure -J bin
	[ "$status" -eq 0 ]
	jqo '[.total, .files_measured]'
	expect '[0,0]'
	mkdir -p big
	awk 'BEGIN { for (d = 0; d < 100; d++) system("mkdir -p big/d" d);
	    for (i = 0; i < 10000; i++) { f = sprintf("big/d%d/f%d.c", i % 100, i);
	    printf "int f%d(void)\n{\n\treturn %d; /* TODO */\n}\n", i, i > f; close(f) } }'
	RL_REWARD_ANALYZERS=false run rl-reward measure -J big
	[ "$status" -eq 0 ]
	jqo '[.files_measured, .lines, .kinds.marker.count, (.files | length)]'
	expect '[10000,40000,10000,10000]'
}

# scored BEFORE AFTER TOKENS: a finished baton through rl-reward
scored() {
	jq -cn --argjson b "$1" --argjson a "$2" --argjson t "$3" \
	    '{rl: 1, id: "s", next: "done", status: "FINISH", debt: {before: $b, after: $a},
	      usage: {prompt_tokens: $t, completion_tokens: 0},
	      trail: [{stage: "plan", model: "m", usage: {prompt_tokens: $t}}]}' |
	    rl-reward | jq -c '[.debt.offset, .reward, .reward_k]'
}

@test "scores: offset sign and zero, reward per token cubed, a run of 0 tokens" {
	[ "$(scored 10 5 2000)" = '[0.5,6.25e-11,0.0625]' ]
	[ "$(scored 10 12 1000)" = '[-0.2,-2e-10,-0.2]' ]
	[ "$(scored 0 3 1000)" = '[0,0,0]' ]
	[ "$(scored 4 3 0)" = '[0.25,0.25,250000000]' ]
	# what is not finished, or not measured, passes unchanged
	printf '%s\n' '{"rl":1,"id":"u","next":"plan","x":1.50}' '{"rl":1,"id":"v","status":"FINISH"}' > in
	run rl-reward in
	[ "$status" -eq 0 ]
	expect "$(cat in)"
}

@test "arms: each scored run updates its (agent, model) statistics" {
	for r in '10 5 1000' '10 8 1000'; do scored $r > /dev/null; done
	jq -cn '{rl: 1, id: "f", status: "FAILED", debt: {before: 10, after: 10},
	    usage: {prompt_tokens: 500}, trail: [{stage: "plan", model: "m", usage: {prompt_tokens: 500}},
	    {stage: "reason", model: "r", usage: {prompt_tokens: 100}}]}' | rl-reward > /dev/null
	run rl-reward stats -J
	[ "$status" -eq 0 ]
	jqo -c '[.agent, .model, .runs, .mean, .failures, .tokens]'
	expect '["plan","m",3,0.233333,1,2500]
["reason","r",1,0,1,100]' || {
		# means print with full precision
		[ "$(rl-reward stats -J | jq -c 'select(.agent == "plan") | [.runs, (.mean * 1e6 | round), .failures, .tokens]')" = '[3,233333,1,2500]' ]
	}
}

@test "pick: each variant its tries, then the better arm; the failing benched" {
	mkdir -p .redline
	echo '{"version":1,"reward":{"variants":{"plan":["weak","strong"]},"min_tries":3}}' > .redline/config.json
	trust_repo
	: > picks
	for _ in $(seq 60); do
		m=$(rl-reward pick plan 2> /dev/null)
		echo "$m" >> picks
		case $m in strong) after=2;; *) after=8;; esac
		jq -cn --arg m "$m" --argjson a "$after" '{rl: 1, id: "p", status: "FINISH",
		    debt: {before: 10, after: $a}, usage: {prompt_tokens: 1000},
		    trail: [{stage: "plan", model: $m, usage: {prompt_tokens: 1000}}]}' | rl-reward > /dev/null
	done
	# explored: three tries each, in the order configured
	[ "$(head -6 picks | tr '\n' ' ')" = "weak weak weak strong strong strong " ]
	# converged: the better arm, nearly always, at the end
	[ "$(tail -30 picks | grep -c strong)" -ge 27 ]
	run --separate-stderr rl-reward pick plan
	[[ "$stderr" == *"UCB1 over 2 variants (0 benched)"* ]]
	# a variant that fails is benched
	for _ in 1 2 3; do
		jq -cn '{rl: 1, id: "p", status: "FAILED", debt: {before: 10, after: 10},
		    usage: {prompt_tokens: 1000}, trail: [{stage: "plan", model: "strong"}]}' | rl-reward > /dev/null
	done
	echo '{"version":1,"reward":{"variants":{"plan":["weak","strong"]},"max_failure_rate":0.04}}' > .redline/config.json
	trust_repo
	run --separate-stderr rl-reward pick plan
	[ "$output" = weak ]
	[[ "$stderr" == *"(1 benched)"* ]]
	run --separate-stderr rl-reward pick reason
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"no variants are configured for the reason agent (reward.variants.reason)"* ]]
}

@test "redline run starts a stage with the model the bandit picks" {
	skip_without_sandbox
	fixture_repo
	mkdir -p .redline
	echo '{"version":1,"reward":{"variants":{"reason":["small","large"]}}}' > .redline/config.json
	trust_repo
	run --separate-stderr redline run -p "script:$FIX/agents/ring.cassette" "merge the duplicated loops in sum.c"
	[ "$status" -eq 0 ]
	jqo -c '[.status, .trail[0].stage, .trail[0].model, .debt.before, .debt.after, .reward_k]'
	expect '["FINISH","reason","small",0,0,0]'
	[ "$(rl-reward stats -J | jq -r 'select(.agent == "reason") | "\(.model) \(.runs)"')" = "small 1" ]
}

@test "measure in a git work tree leaves out what git ignores" {
	git_repo
	printf 'build/\n' > .gitignore
	mkdir -p build src
	echo '/* TODO */' > build/gen.c
	echo '/* TODO */' > src/kept.c
	echo '/* FIXME */' > untracked.c
	echo '/* XXX */' > src/gone.c
	git add .gitignore src && git commit -qm start
	# tracked, but deleted since: not there, not measured
	rm src/gone.c
	RL_REWARD_ANALYZERS=false run rl-reward measure -J .
	[ "$status" -eq 0 ]
	jqo -c '[.kinds.marker.count, (.files | map(.path))]'
	expect '[2,["src/kept.c","untracked.c"]]'
	# the agents' repository map holds the same files
	echo 'int kept(void) { return 0; }' > src/kept.c
	echo 'int untracked(void) { return 1; }' > untracked.c
	echo 'int gen(void) { return 2; }' > build/gen.c
	[ "$(printf '%s\n' '{"rl":1,"id":"x","next":"reason","task":"t"}' | rl-reason --dry-run |
	    jq -r .prompt | grep -E '^[^ ]+\.c:$' | tr '\n' ' ')" = "src/kept.c: untracked.c: " ]
}
