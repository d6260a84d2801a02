#!/usr/bin/env bats
# The step-by-step act: rl-act asks the model for one step when its turn
# comes, with what the steps before observed and the current text of the
# file it edits; what the model is told to change it has been shown.

load helpers/common
load helpers/flow

# baton NEXT [JSON]: a task baton for $S/repo addressed to NEXT
baton() {
	jq -cn --arg repo "$S/repo" --arg next "$1" --argjson more "${2:-{\}}" \
	    '{rl: 1, id: "t1", task: "merge the duplicated loops in sum.c",
	      repo: $repo, next: $next, iter: 1,
	      usage: {prompt_tokens: 0, completion_tokens: 0, requests: 0, ms: 0}}
	     + $more'
}

# block PATH SEARCH REPLACE: one SEARCH/REPLACE block
block() {
	printf '%s\n<<<<<<< SEARCH\n%s\n=======\n%s\n>>>>>>> REPLACE\n' "$1" "$2" "$3"
}

# acting STEP REPLY: a cassette entry answering the acting agent's
# request for step STEP with the text REPLY
acting() {
	jq -cn --arg p "Step $1: " --arg r "$2" \
	    '{match: {system: "acting agent", prompt: $p}, reply: $r, times: 0}'
}

@test "rl-act --dry-run: the editing prompt of the first step holds its goal and its file's text" {
	skip_without_sandbox
	fixture_repo
	baton act '{"plan":{"steps":[{"tool":"edit_file","args":{"path":"sum.c"},"goal":"merge the two sums"},{"tool":"run_tests","goal":"t"}]}}' |
	    rl-act --dry-run > out
	jq -r .prompt out > prompt
	grep -qF 'Step 0: edit_file, goal: merge the two sums, given: {"path":"sum.c"}' prompt
	grep -qF 'The current text of sum.c:' prompt
	# the file's exact text, whole
	awk '/^````$/ { f = !f; next } f' prompt > shown
	cmp shown sum.c
	grep -q 'SEARCH/REPLACE' prompt
	# nothing ran
	git diff --quiet
	[ "$(jq -r .stage out)" = act ]
}

@test "steps run in order; each editing request sees the earlier observations and the text after the earlier edits" {
	fixture_repo
	skip_without_sandbox
	{
		acting 1 "$(block sum.c 'sum_positive(const long *v, int n)' 'sum_pos(const long *v, int n)')"
		acting 2 "$(block sum.c 'sum_pos(const long *v, int n)' 'sum_plus(const long *v, int n)'
block sum.c '	printf("%ld %ld\n", sum_positive(v, n), sum_negative(v, n));' '	printf("%ld %ld\n", sum_plus(v, n), sum_negative(v, n));')"
	} > c
	baton act '{"plan":{"steps":[{"tool":"search","args":{"pattern":"sum_negative"},"goal":"find"},
	    {"tool":"edit_file","args":{"path":"sum.c"},"goal":"rename"},
	    {"tool":"edit_file","args":{"path":"sum.c"},"goal":"rename again"},
	    {"tool":"run_tests","goal":"t"}]}}' > b0
	# one editing request a turn, as the ring runs it: the baton comes
	# back to act between
	RL_RECORD="$S/rec" rl-act --hand-back -p script:c < b0 > b1
	[ "$(jq -r .next b1)" = act ]
	RL_RECORD="$S/rec" rl-act --hand-back -p script:c < b1 > b2
	run jq -c '[.next, (.observations | map([.step, .tool, .exit]))]' b2
	expect '["feedback",[[0,"search",0],[1,"edit_files",0],[2,"edit_files",0],[3,"run_tests",0]]]'
	grep -q 'sum_plus(v, n)' sum.c
	# the baton keeps the edits as JSON, in the step's observation
	[ "$(jq -r '.observations[2].edits | map(.path) | join(" ")' b2)" = "sum.c sum.c" ]
	# the second request saw the search's output and the first edit
	jq -rs '.[1].match.prompt' "$S/rec" > p2
	grep -qF 'step 0: search, exit 0' p2
	grep -qF 'sum_negative(const long *v, int n)' p2
	grep -qF 'sum_pos(const long *v, int n)' p2
	flow_check "$S/rec"
}

@test "an edit that does not apply is asked again with why and the fresh text, act.edit_retries times" {
	fixture_repo
	skip_without_sandbox
	acting 0 "$(block sum.c 'no such line' 'x')" > c
	baton act '{"plan":{"steps":[{"tool":"edit_file","args":{"path":"sum.c"},"goal":"g"}]}}' > b0
	rl-act --hand-back -p script:c < b0 > b1 || true
	run jq -c '[.next, (.observations | map([.tool, .exit != 0]))]' b1
	expect '["act",[["edit_files",true]]]'
	git diff --quiet
	# the repair prompt: the teaching message, and the file as it is now
	rl-act --dry-run < b1 > out
	jq -r .prompt out > prompt
	grep -qF 'Block 1 (sum.c) was not applied' prompt
	grep -qF 'Send again only the blocks that were not applied' prompt
	grep -qF 'The current text of sum.c:' prompt
	# the last try goes to feedback with the failed edits
	RL_ACT_EDIT_RETRIES=1 rl-act -p script:c < b1 > b2 || true
	run jq -c '[.next, (.observations | length)]' b2
	expect '["feedback",2]'
	# without --hand-back the tries follow at once: the first and three more
	rl-act -p script:c < b0 > b3 || true
	run jq -c '[.next, (.observations | map(.exit != 0) | unique), (.observations | length), (.trail | length)]' b3
	expect '["feedback",[true],4,4]'
	# a reply with no edit at all is a reply the engine repairs, then refuses
	acting 0 "I would rather not." > c
	run --separate-stderr rl-act -p script:c < b0
	[ "$status" -ne 0 ]
	[ "$(jq -r .error.code <<< "$output")" = validate.reply ]
}

@test "in a plain pipeline rl-act runs a plan to its end, asking for each step that waits for the model in turn" {
	fixture_repo
	skip_without_sandbox
	{
		acting 0 "$(block sum.c 'sum_positive(const long *v, int n)' 'sum_pos(const long *v, int n)')"
		acting 1 "$(block sum.c '	printf("%ld %ld\n", sum_positive(v, n), sum_negative(v, n));' \
		    '	printf("%ld %ld\n", sum_pos(v, n), sum_negative(v, n));')"
		echo '{"match":{"system":"feedback agent"},"reply_json":{"verdict":"done","reason":"renamed, and the tests pass"},"times":0}'
	} > c
	baton act '{"plan":{"steps":[{"tool":"edit_file","args":{"path":"sum.c"},"goal":"rename sum_positive to sum_pos"},
	    {"tool":"edit_file","args":{"path":"sum.c"},"goal":"call sum_pos in main"},
	    {"tool":"run_tests","goal":"t"}]}}' > b
	# a task behind it that asks no model keeps its place: after it
	jq -c '.id = "t2" | .plan.steps = [{tool: "search", args: {pattern: "sum_"}, goal: "look"}]' b >> b
	RL_RECORD="$S/rec" rl-act -j 2 -p script:c < b | rl-feedback -p script:c | rl-complete > out
	run jq -c '[.id, .status, (.trail | map(.stage))]' out
	expect '["t1","FINISH",["act","act","feedback"]]
["t2","FINISH",["feedback"]]'
	run jq -c 'select(.id == "t1") | .observations | map([.step, .tool, .exit])' out
	expect '[[0,"edit_files",0],[1,"edit_files",0],[2,"run_tests",0]]'
	# each change made once
	[ "$(grep -c 'sum_pos(' sum.c)" -eq 2 ]
	run ! grep -q sum_positive sum.c
	# the second request was shown the first edit
	jq -rs '.[1].match.prompt' "$S/rec" > p2
	grep -qF 'Step 1: edit_file' p2
	grep -qF 'sum_pos(const long *v, int n)' p2
	flow_check "$S/rec"
	# the budget is checked before each request, as for a new baton
	git checkout -q sum.c
	jq -c 'select(.id == "t1") | .budget = {tokens: 1}' b | rl-act -p script:c > out
	run jq -c '[.status, .next, .budget_spent, (.observations | length)]' out
	[[ "$output" == '["BUDGET","complete","tokens '*' of 1",1]' ]]
}

@test "each earlier observation the prompt shows is capped: head and tail, and how to read the rest" {
	skip_without_sandbox
	fixture_repo
	for i in $(seq 200); do echo "line $i of a long file"; done > long.txt
	baton act '{"plan":{"steps":[{"tool":"read_file","args":{"path":"long.txt"},"goal":"read"},{"tool":"edit_file","args":{"path":"sum.c"},"goal":"g"}]},
	    "observations":[{"step":0,"iter":1,"tool":"read_file","exit":0,"stdout":"'"$(tr '\n' ' ' < long.txt)"'"}]}' > b
	RL_ACT_OBSERVATION_CHARS=400 rl-act --dry-run < b | jq -r .prompt > prompt
	grep -qF 'line 1 of a long file' prompt
	grep -qF 'line 200 of a long file' prompt
	run ! grep -qF 'line 100 of a long file' prompt
	grep -qF 'characters left out: plan a read_file step with start and end' prompt
}

@test "the information flow: every line a reply changes, its prompt showed (the ring over the fixture, and the demo)" {
	fixture_repo
	skip_without_sandbox
	RL_RECORD="$S/rec" run --separate-stderr redline run -p "script:$FIX/agents/ring.cassette" "merge the duplicated loops in sum.c"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<< "$output")" = FINISH ]
	flow_check "$S/rec"
	# the planner wrote no code: the acting agent wrote it, from sum.c
	run jq -rs 'map(select(.match.system | startswith("You are redline\u0027s planning agent"))) | .[0].reply' "$S/rec"
	[[ "$output" != *SEARCH* ]]
	[[ "$output" != *"@@"* ]]
	grep -q 'sum_sign(v, n, -1)' sum.c
	# the demo, recorded
	[ -z "${RL_VALGRIND:-}" ] || skip "the demo runs the sandbox, which valgrind cannot"
	export TMPDIR="$S"
	RL_RECORD="$S/demo.rec" run --separate-stderr sh "$TOP/share/redline/examples/demo.sh" "$RL_BIN"
	[ "$status" -eq 0 ]
	[ "$(jq -rs 'map(select(.match.system | startswith("You are redline\u0027s acting agent"))) | length' "$S/demo.rec")" = 2 ]
	flow_check "$S/demo.rec"
}

# self_repo: this repository's tracked files as they are now, committed
# in a git_repo of their own
self_repo() {
	git -C "$TOP" rev-parse --is-inside-work-tree > /dev/null 2>&1 ||
	    skip "$TOP is not a git work tree: its tracked files are unknown"
	git_repo
	git -C "$TOP" ls-files -z |
	    tar -C "$TOP" --null --ignore-failed-read -T - -cf - 2> /dev/null | tar -xf -
	git add -A && git commit -qm start
}

@test "a task on this repository (20,000 lines of C): the ring finishes, each edit quoting what its request showed" {
	self_repo
	[ "$(cat cmd/*.c lib/*.c | wc -l)" -gt 20000 ]
	cas="$FIX/agents/sha256.cassette"
	# the acting reply quotes lib/rl_sha256.c as it was recorded
	jq -r 'select(.match.system == "acting agent") | .reply' "$cas" |
	    awk '/^<<<<<<< SEARCH/ { s = 1; next } /^=======/ { s = 0 } s && NF' > "$S/quoted"
	while IFS= read -r line; do
		grep -qxF -- "$line" lib/rl_sha256.c ||
		    { echo "lib/rl_sha256.c has no line '$line' any more: $cas, recorded on it, needs its edit written again"; return 1; }
	done < "$S/quoted"
	# the repository's tests of that file; the sandbox unless under valgrind
	export RL_TEST_COMMAND='cc -std=c11 -Wall -Wextra -Werror -Ilib -Itests/unit -o "$TMPDIR/sha256" tests/unit/test_sha256.c lib/rl_sha256.c && "$TMPDIR/sha256"'
	export RL_REWARD_MEASURE=false
	sandbox=
	[ -z "${RL_VALGRIND:-}" ] || sandbox=--no-sandbox
	RL_RECORD="$S/rec" run --separate-stderr redline run $sandbox -p "script:$cas" \
	    "in compress() of lib/rl_sha256.c, name the four functions of FIPS 180-4 as macros beside ROR"
	[ "$status" -eq 0 ]
	jqo '[.status, (.trail | map(.stage)), (.observations | map([.tool, .exit])), .verify.exit]'
	expect '["FINISH",["reason","plan","act","feedback"],[["edit_files",0],["run_tests",0]],0]'
	# the refactor is made, in that file alone, and its tests pass
	[ "$(git status --porcelain)" = " M lib/rl_sha256.c" ]
	[ "$(grep -c '^#define [BS]SIG[01](x)' lib/rl_sha256.c)" -eq 4 ]
	run ! grep -q 'ROR(w\[i - 2\], 17)' lib/rl_sha256.c
	cc -std=c11 -Wall -Wextra -Werror -Ilib -Itests/unit -o "$S/sha256" tests/unit/test_sha256.c lib/rl_sha256.c
	"$S/sha256" > /dev/null
	flow_check "$S/rec"
	# no prompt over context.max_prompt_tokens (bytes / 4, as estimated)
	jq -se --argjson max "$(rl-config get context.max_prompt_tokens)" \
	    'all(.[]; ((.match.system | length) + (.match.prompt | length) + 3) / 4 <= $max)' "$S/rec"
}

@test "the information-flow check fails when a reply edits a line its prompt never showed" {
	fixture_repo
	# the old flow: the planner writes a patch of a file it was never shown
	patch='diff --git a/sum.c b/sum.c
--- a/sum.c
+++ b/sum.c
@@ -5,3 +5,3 @@
 static long
-sum_positive(const long *v, int n)
+sum_pos(const long *v, int n)
 {'
	jq -cn --arg p "$patch" '{match: {prompt: "Task: merge the duplicated loops in sum.c\nRepository map:\nsum.c:\n  6 static long sum_positive(const long *v, int n)\n",
	    system: "You are redline\u0027s planning agent"},
	    reply: ({steps: [{tool: "apply_patch", args: {patch: $p}}]} | tojson)}' > rec
	run flow_check rec
	[ "$status" -ne 0 ]
	[[ "$output" == *"request 0: its reply edits a line its prompt never showed: sum_positive(const long *v, int n)"* ]]
	# an editing request shown the file, whose SEARCH quotes a line that
	# is not there, or only a part of one
	for search in '		if (v[i] >= 0)' 'v[i] > 0)'; do
		jq -cn --rawfile f "$FIX/agents/repo/sum.c" --arg r "$(block sum.c "$search" x)" \
		    '{match: {prompt: ("Step 0: edit_file\n````\n" + $f + "````\n"), system: "acting agent"}, reply: $r}' > rec
		run flow_check rec
		[ "$status" -ne 0 ]
		[[ "$output" == *"its reply edits a line its prompt never showed: $search" ]]
	done
	# the same request quoting whole lines passes; one that edits nothing
	# checks nothing, which fails too
	jq -cn --rawfile f "$FIX/agents/repo/sum.c" --arg r "$(block sum.c '		if (v[i] > 0)' x)" \
	    '{match: {prompt: ("Step 0: edit_file\n````\n" + $f + "````\n"), system: "acting agent"}, reply: $r}' > rec
	flow_check rec
	jq -cn '{match: {prompt: "p", system: "feedback agent"}, reply: "{\"verdict\":\"done\"}"}' > rec
	run flow_check rec
	[ "$status" -ne 0 ]
}

@test "feedback sees a failed edit and the tests' tail, and a continue carries them back to act" {
	fixture_repo
	skip_without_sandbox
	acting 0 "$(block sum.c 'no such line' 'x')" > c
	baton act '{"plan":{"steps":[{"tool":"edit_file","args":{"path":"sum.c"},"goal":"g"}]}}' |
	    RL_ACT_EDIT_RETRIES=0 rl-act -p script:c > b || true
	[ "$(jq -r .next b)" = feedback ]
	jq -c '.observations += [{step: 1, iter: 1, tool: "run_tests", exit: 2,
	    stdout: ("x" * 5000 + "\nFAIL: sum_test"), stderr: ""}]' b > b2
	rl-feedback --dry-run < b2 | jq -r .prompt > prompt
	grep -qF 'step 0 edit_files failed: edit 1 (sum.c) failed: ' prompt
	grep -qF 'FAIL: sum_test' prompt
	# continue: the failures go with the baton, and act's prompt says why
	echo '{"match":{"system":"feedback agent"},"reply_json":{"verdict":"continue","reason":"the edit did not apply"}}' > fc
	rl-feedback -p script:fc < b2 > b3
	run jq -c '[.next, (.feedback.failed | map([.step, .tool]))]' b3
	expect '["act",[[0,"edit_files"],[1,"run_tests"]]]'
	[[ "$(jq -r '.feedback.failed[1].said' b3)" == *"FAIL: sum_test" ]]
	rl-act --dry-run < b3 | jq -r .prompt > prompt
	grep -qF 'Feedback on the run before (continue): the edit did not apply' prompt
}

@test "a repair prompt tells every failed block, even when the baton holds only part of the edit's output" {
	fixture_repo
	skip_without_sandbox
	reply=
	for i in $(seq 12); do
		reply="$reply$(block sum.c "	for (i = 0; i < n; i++)
		if (v[i] > $i)
			s += v[i];" x)
"
	done
	acting 0 "$reply" > c
	baton act '{"plan":{"steps":[{"tool":"edit_file","args":{"path":"sum.c"},"goal":"g"}]}}' |
	    rl-act --hand-back -p script:c > b1 || true
	# the baton's stdout was cut, and the whole is in the memory store
	[ "$(jq -r '.observations[0].stdout_key != null' b1)" = true ]
	rl-act --dry-run < b1 | jq -r .prompt > prompt
	grep -qF 'Block 12 (sum.c) was not applied' prompt
}
