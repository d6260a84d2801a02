#!/usr/bin/env bats
# What reason and plan see of the code (lib/rl_context.c): a ranked
# repository map and numbered windows of the files and symbols the task
# and the reasoning name, under a token budget, cached by content.

load helpers/common

# wordstat: the demo's example as a git repository in $S/repo
wordstat() {
	git_repo
	cp "$RL_SHARE/examples/wordstat/"* .
	git add -A && git commit -qm start
}

# prompt AGENT TASK [JSON]: the --dry-run record of AGENT for a baton of
# TASK on this repository, with JSON's members added, into $S/out (out
# of the repository, whose files the prompt shows)
prompt() {
	rl-task "$2" | jq -c --arg next "$1" --argjson more "${3:-{\}}" \
	    '.next = $next | . + $more' | rl-"$1" --dry-run > "$S/out"
}

# fake_ctags MODE: a ctags first in PATH that logs the files it is given
# to $S/ctags.log and, MODE "ok", tags line 1 of each as fake_N, or,
# MODE "fail", fails
fake_ctags() {
	mkdir -p "$S/fakebin"
	cat > "$S/fakebin/ctags" <<-EOF
	#!/bin/sh
	[ "\$1" = --options=NONE ] || { echo "not first: --options=NONE" >&2; exit 2; }
	[ "$1" = ok ] || { echo "ctags: broken" >&2; exit 3; }
	n=0
	while read -r f; do
		echo "\$f" >> "$S/ctags.log"
		n=\$((n + 1))
		printf '{"_type": "tag", "name": "fake_%d", "path": "%s", "line": 1, "kind": "function"}\n' "\$n" "\$f"
	done
	EOF
	chmod +x "$S/fakebin/ctags"
	PATH="$S/fakebin:$PATH"
}

@test "the reason prompt shows the map and the code of the functions a task names (ctags, or the built-in scanner)" {
	wordstat
	for ctags in true false; do
		RL_CONTEXT_CTAGS=$ctags prompt reason "extract the digit branches of count() in wordstat.c into classify()"
		run jq -r .prompt "$S/out"
		[[ "$output" == "Task: extract the digit branches of count() in wordstat.c into classify()
Repository map (most relevant first):
wordstat.c:
  7 #define WORD_MAX 64
  9 struct stats {
  16 static void count(FILE *in, struct stats *st)
  77 int main(void)
Makefile"* ]]
		[[ "$output" == *"Code:
wordstat.c:
   1| /* wordstat.c - count the words"* ]]
		[[ "$output" == *"  15| static void
  16| count(FILE *in, struct stats *st)
  17| {"* ]]
		[[ "$output" == *"  86| }"* ]]
	done
}

@test "the plan prompt shows the code the reasoning names, which the task did not" {
	git_repo
	printf 'int\nalpha(void)\n{\n\treturn 1;\n}\n' > a.c
	printf 'int\nbeta(void)\n{\n\treturn 2;\n}\n' > b.c
	git add -A && git commit -qm start
	prompt reason "speed up alpha()"
	run jq -r .prompt "$S/out"
	[[ "$output" == *"Code:
a.c:
   1| int
   2| alpha(void)"* ]]
	[[ "$output" != *"b.c:
   1|"* ]]
	prompt plan "speed up alpha()" '{"reasoning":{"explanation":"alpha calls beta, which is slow","gaps":[],"findings":["beta() in b.c loops"]}}'
	run jq -r .prompt "$S/out"
	[[ "$output" == *"b.c:
   1| int
   2| beta(void)"* ]]
	[[ "$output" == *"a.c:
   1| int"* ]]
}

@test "a long file shows a window around the named definition, with the lines left out counted" {
	git_repo
	{
		for i in $(seq 1 299); do echo "/* filler $i */"; done
		printf 'static int\nneedle(int x)\n{\n\treturn x;\n}\n'
		for i in $(seq 305 400); do echo "/* filler $i */"; done
	} > big.c
	git add -A && git commit -qm start
	prompt reason "rename needle()"
	run jq -r .prompt "$S/out"
	[[ "$output" == *"big.c:
  301 static int needle(int x)"* ]]
	[[ "$output" == *"Code:
big.c:
(295 lines above)
 296| /* filler 296 */"* ]]
	[[ "$output" == *" 301| needle(int x)
 302| {
 303| 	return x;
 304| }
(96 lines below)"* ]]
	# a named file none of whose definitions is named: its first lines
	RL_CONTEXT_WINDOW_LINES=10 prompt reason "tidy big.c"
	run jq -r .prompt "$S/out"
	[[ "$output" == *"Code:
big.c:
   1| /* filler 1 */"* ]]
	[[ "$output" == *"  10| /* filler 10 */
(390 lines below)"* ]]
}

@test "no prompt over context.max_prompt_tokens: the windows are cut first, then the map" {
	git_repo
	for f in one two three; do
		for i in $(seq 1 120); do printf 'int %s_%d(int x) { return x + %d; }\n' "$f" "$i" "$i"; done > "$f.c"
	done
	git add -A && git commit -qm start
	task="make one_7() and two_9() and three_11() faster"
	prompt reason "$task"
	[ "$(jq .tokens "$S/out")" -le 8000 ]
	run jq -r .prompt "$S/out"
	[[ "$output" == *"Code:"* ]]
	RL_CONTEXT_MAX_PROMPT_TOKENS=2500 prompt reason "$task"
	[ "$(jq .tokens "$S/out")" -le 2500 ]
	run jq -r .prompt "$S/out"
	[[ "$output" == *"Repository map"* ]]
	[[ "$output" == *"lines below)"* ]]
	RL_CONTEXT_MAX_PROMPT_TOKENS=900 prompt reason "$task"
	[ "$(jq .tokens "$S/out")" -le 900 ]
	run jq -r .prompt "$S/out"
	[[ "$output" == *"Repository map"* ]]
	[[ "$output" != *"Code:"* ]]
	# the map alone has its own budget
	RL_CONTEXT_MAP_TOKENS=0 prompt reason "$task"
	run jq -r .prompt "$S/out"
	[[ "$output" != *"Repository map"* ]]
	[[ "$output" == *"Code:"* ]]
}

@test "ctags finds the definitions, run without option files on absolute paths; the cache spares unchanged files, not another ctags's" {
	wordstat
	fake_ctags ok
	prompt reason "tidy wordstat.c"
	run jq -r .prompt "$S/out"
	[[ "$output" == *"wordstat.c:
  1 /* wordstat.c - count the words, lines and characters of standard input,"* ]]
	[ "$(sort "$S/ctags.log")" = "$S/repo/Makefile
$S/repo/wordstat.c" ]
	# the same tree again: ctags is not run
	: > "$S/ctags.log"
	prompt plan "tidy wordstat.c"
	[ ! -s "$S/ctags.log" ]
	[[ "$(jq -r .prompt "$S/out")" == *"wordstat.c:
  1 /* wordstat.c"* ]]
	# one file changed: only it
	echo "/* more */" >> wordstat.c
	prompt reason "tidy wordstat.c"
	[ "$(cat "$S/ctags.log")" = "$S/repo/wordstat.c" ]
	# another ctags (an upgrade): what the old one found is not reused
	: > "$S/ctags.log"
	touch -d '2001-01-01' "$S/fakebin/ctags"
	prompt reason "tidy wordstat.c"
	[ "$(sort "$S/ctags.log")" = "$S/repo/Makefile
$S/repo/wordstat.c" ]
	# context.ctags false: the built-in scanner, no ctags
	: > "$S/ctags.log"
	RL_CONTEXT_CTAGS=false prompt reason "tidy wordstat.c"
	[ ! -s "$S/ctags.log" ]
	[[ "$(jq -r .prompt "$S/out")" == *"  16 static void count(FILE *in, struct stats *st)"* ]]
}

@test "a ctags that fails: a warning that says what to do, and the built-in scanner" {
	wordstat
	fake_ctags fail
	run --separate-stderr prompt reason "tidy wordstat.c"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"rl-reason: warning: ctags failed (exit 3: ctags: broken): the built-in scanner finds the definitions; set context.ctags to false to skip it"* ]]
	[[ "$(jq -r .prompt "$S/out")" == *"  16 static void count(FILE *in, struct stats *st)"* ]]
}

@test "the baton's per-file debt ranks a file the task does not name" {
	git_repo
	for f in a b c; do printf 'int\n%s_fn(void)\n{\n\treturn 0;\n}\n' "$f" > "$f.c"; done
	git add -A && git commit -qm start
	prompt reason "pay down the debt" '{"debt":{"before":3,"files":[{"path":"c.c","debt":3}]}}'
	run jq -r .prompt "$S/out"
	[[ "$output" == *"Repository map (most relevant first):
c.c:
  2 int c_fn(void)
a.c:"* ]]
	prompt reason "pay down the debt" '{"debt":{"files":{"b.c":1}}}'
	[[ "$(jq -r .prompt "$S/out")" == *"first):
b.c:"* ]]
}

@test "every stage's request of a task begins with the same head: the task and the map ranked for it" {
	fixture_repo
	printf '%s\n' '{"reply":"{\"explanation\":\"two loops alike\",\"gaps\":[],\"findings\":[\"main prints both sums\"]}"}' \
	    '{"reply":"{\"steps\":[{\"tool\":\"search\",\"args\":{\"pattern\":\"sum_\"},\"goal\":\"look\"}]}"}' > "$S/mock.script"
	mock_start -s "$S/mock.script"
	rl-task "merge the duplicated loops in sum.c" > "$S/b0"
	rl-reason --dry-run < "$S/b0" > "$S/dry"
	jq -j '.prompt[:.head]' "$S/dry" > "$S/head"
	run head -2 "$S/head"
	expect "Task: merge the duplicated loops in sum.c
Repository map (most relevant first):"
	# the reasoning names main, which the plan's windows show; its head is
	# the reason request's all the same, and so is the prefix a server sees
	export OPENAI_API_KEY=k RL_BASE_URL=$MOCK_URL
	rl-reason -p openai < "$S/b0" | rl-plan -p openai > "$S/b2"
	mock_stop
	run jq -r .next "$S/b2"
	expect act
	jq -j 'select(.path | test("/chat/completions")) | .body.messages[-1].content' \
	    "$MOCK_LOG" > "$S/both"
	[ "$(grep -c '^Task: ' "$S/both")" -eq 2 ]
	jq -j 'select(.path | test("/chat/completions")) | .body.messages[-1].content
	    | .[:'"$(wc -c < "$S/head")"']' "$MOCK_LOG" > "$S/heads"
	cat "$S/head" "$S/head" > "$S/want"
	cmp "$S/want" "$S/heads"
	grep -q '^reasoning: .*main prints both sums' "$S/both"
}
