#!/usr/bin/env bats
# A person at a terminal is never left waiting in silence: a command that
# reads its batons from a terminal says so, a long measure says what it
# is doing, and a wait is one line that changes.  script(1) gives the
# command a pseudo-terminal; where the screen matters, tmux draws it
# (screen_start in helpers/common.bash).

load helpers/common

# on_tty CMD: run CMD with a terminal for stdin, stdout and stderr (its
# stdin ends at once), the screen's text in $output
on_tty() {
	command -v script > /dev/null || skip "script(1) is not installed"
	run script -qec "$1" /dev/null < /dev/null
	output=$(printf '%s' "$output" | tr -d '\r')
}

@test "reading batons from a terminal says so, and how to end" {
	echo '{}' > any.json
	on_tty "rl-validate -s any.json"
	[ "$output" = "rl-validate: reading batons from the terminal; ^D to end" ]
	# not in a pipe
	run --separate-stderr rl-validate -s any.json < /dev/null
	[ -z "$stderr" ]
}

@test "rl-task on a terminal says what it measures and how long it took" {
	fixture_repo
	on_tty "rl-task 'merge the duplicated loops in sum.c' > /dev/null"
	[[ "$output" == *"rl-task: measuring the debt of $PWD..."* ]]
	[[ "$output" =~ rl-task:\ debt\ [0-9.]+\ in\ [0-9]+\ files,\ measured\ in\ [0-9.]+\ s ]]
	run --separate-stderr rl-task "x"
	[ -z "$stderr" ]
}

@test "a stage alone on a terminal rewrites one line while its provider is down, then clears it" {
	fixture_repo
	{
		echo '{"status":503,"retry_after":2,"times":2}'
		jq -c 'select(.match.system == "reasoning agent") | {reply: (.reply_json | tojson), usage}' \
		    "$FIX/agents/ring.cassette"
	} > "$S/script"
	mock_start -s "$S/script"
	rl-task "merge the duplicated loops in sum.c" > "$S/task" 2> /dev/null
	screen_start "rl-reason -p $MOCK_URL -m m $S/task > $S/out"
	screen_wait "^rl-reason: rl-[0-9a-f]+: waiting for the provider \(attempt 1 of 3, next in [0-9.]+ s\)$"
	screen_wait "^rl-reason: rl-[0-9a-f]+: waiting for the provider \(attempt 2 of 3, next in [0-9.]+ s\)$"
	[ "$(screen_text | grep -c .)" -eq 1 ]
	screen_end
	[ "$status" -eq 0 ]
	# the line is gone
	[ -z "$output" ]
	[ "$(jq -r .next "$S/out")" = plan ]
	# not on a terminal: nothing but the batons
	run --separate-stderr rl-reason --dry-run "$S/task"
	[ -z "$stderr" ]
}
