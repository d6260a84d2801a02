#!/usr/bin/env bats
# make demo: the agents end to end on the wordstat example, as the README
# shows it.

load helpers/common

@test "the demo finishes: real patches, tests passing, debt measured down, a reward" {
	[ -z "${RL_VALGRIND:-}" ] || skip "the demo runs the sandbox, which valgrind cannot"
	grep -q 'sh share/redline/examples/demo.sh' "$TOP/Makefile"
	export TMPDIR="$S"
	run --separate-stderr sh "$TOP/share/redline/examples/demo.sh" "$RL_BIN"
	[ "$status" -eq 0 ]
	[[ "$output" == *"status   FINISH"* ]]
	[[ "$output" == *"debt     11.6 -> 0.8   offset 93.1%"* ]]
	[[ "$output" == *"duplicate: 0.75 -> 0"* ]]
	[[ "$output" == *"cppcheck: 1 -> 0"* ]] || ! command -v cppcheck > /dev/null
	[[ "$stderr" == *": plan, iteration 1,"* ]]
	work=$(ls -d "$S"/redline-demo.*)
	# the patches are the ones that pay the debt, and the tests pass
	cd "$work/wordstat"
	grep -q 'note_word(st, word);' wordstat.c
	make -s check
	[ "$(jq -r '.observations | map(.exit) | @csv' "$work/batons.ndjson")" = '0,0,0' ]
	# the offset is measured, not written in the cassette
	! grep -q '"after"' "$TOP/share/redline/examples/wordstat.cassette"
}
