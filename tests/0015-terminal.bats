#!/usr/bin/env bats
# A person at a terminal is never left waiting in silence: a command that
# reads its batons from a terminal says so, and a long measure says what
# it is doing.  script(1) gives the command a pseudo-terminal.

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
