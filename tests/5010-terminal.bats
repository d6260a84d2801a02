#!/usr/bin/env bats
# redline run as a person sees it in a terminal: the screen, as a terminal
# emulator (tmux) draws the bytes, not the bytes themselves.  The status
# lines on stderr never touch what stdout printed, retries are one line
# that changes, and a summary per task ends the run.  Under valgrind,
# which cannot run the sandbox's system calls, the ring runs with
# --no-sandbox (and valgrind's rl-act cannot set a child's RLIMIT_NOFILE:
# left unset), so these run there too.

load helpers/common

RING="$FIX/agents/ring.cassette"
NOSB=
if [ -n "${RL_VALGRIND:-}" ]; then
	NOSB=--no-sandbox
	export RL_SANDBOX_OPEN_FILES=0
fi

# entry STAGE JSON: the ring cassette's reply for that stage's agent,
# with JSON's members added
entry() {
	jq -c --arg s "$1" --argjson more "${2:-{\}}" \
	    'select(.match.system == $s) + $more' "$RING"
}

# slow: a cassette whose plan takes 2 s, so that a line is there to see
slow() {
	entry "reasoning agent" '{"times":0}'
	entry "planning agent" '{"times":0,"latency_ms":2000}'
	entry "acting agent" '{"times":0}'
	entry "feedback agent" '{"times":0}'
}

# a status line of the ring, as rl_board draws it
STATUS_LINE='iter [0-9]+ +[0-9]+ tokens'

@test "on a terminal, | jq -r .status leaves FINISH on the screen, no status line, and a summary" {
	fixture_repo
	slow > "$S/c"
	screen_start "redline run $NOSB -p script:$S/c 'merge the duplicated loops in sum.c' | jq -r .status"
	screen_wait "^plan +iter 1 +543 tokens +[0-9]+s  merge the duplicated loops in sum.c$"
	screen_end
	[ "$status" -eq 0 ]
	screen=$output
	# what jq printed stays, on a line of its own
	grep -qx FINISH <<< "$screen"
	# the status lines are gone, and were never left behind
	run ! grep -E "$STATUS_LINE" <<< "$screen"
	# the summary of the task, on stderr
	grep -qE '^FINISH  merge the duplicated loops in sum.c   \(rl-[0-9a-f]+, [0-9]+s\)$' <<< "$screen"
	grep -qx '  changed  sum.c +4 -15' <<< "$screen"
	grep -qx '  tests    pass' <<< "$screen"
	grep -qx '  debt     0 -> 0' <<< "$screen"
	grep -qx '  tokens   2486 (2144 prompt, 342 completion)' <<< "$screen"
}

@test "on a terminal, the whole result stays on the screen, the summary below it" {
	fixture_repo
	slow > "$S/c"
	screen_start "redline run $NOSB -p script:$S/c 'merge the duplicated loops in sum.c'"
	screen_wait "^plan +iter 1 +543 tokens"
	screen_end
	[ "$status" -eq 0 ]
	screen=$output
	# the baton, whole: one line on the screen that is the JSON
	json=$(grep '^{"rl":1' <<< "$screen")
	[ "$(jq -c '[.status, .changes, .reward_k]' <<< "$json")" = '["FINISH",[{"path":"sum.c","added":4,"removed":15}],0]' ]
	# then the summary, and nothing of the status lines
	[ "$(grep -A1 '^{"rl":1' <<< "$screen" | tail -1 | cut -c1-43)" = "FINISH  merge the duplicated loops in sum.c" ]
	run ! grep -E "$STATUS_LINE" <<< "$screen"
}

@test "a provider that fails twice, then answers: one status line that says so, no pile of lines" {
	fixture_repo
	{
		echo '{"status":503,"retry_after":2,"times":2}'
		for a in reasoning planning acting feedback; do
			entry "$a agent" | jq -c '{reply: (.reply // (.reply_json | tojson)), usage}'
		done
	} > "$S/script"
	mock_start -s "$S/script"
	screen_start "redline run $NOSB -p $MOCK_URL -m m 'merge the duplicated loops in sum.c' | jq -r .status"
	screen_wait "^reason +iter 1 +0 tokens +[0-9]+s  waiting for the provider \(attempt 1 of 3, next in [0-9.]+ s\)"
	# the same line, later: the time goes on, the attempt changes
	screen_wait "^reason +iter 1 +0 tokens +[2-9]s  waiting for the provider \(attempt 2 of 3, next in [0-9.]+ s\)"
	[ "$(screen_text | grep -c 'waiting for the provider')" -eq 1 ]
	screen_end
	mock_stop
	[ "$status" -eq 0 ]
	screen=$output
	grep -qx FINISH <<< "$screen"
	run ! grep -E "waiting for the provider|http_503|$STATUS_LINE" <<< "$screen"
}

@test "stderr in a file: no status lines, no summary, nothing but what was said" {
	fixture_repo
	slow > "$S/c"
	on_screen "redline run $NOSB -p script:$S/c 'merge the duplicated loops in sum.c' 2> err | jq -r .status"
	[ "$status" -eq 0 ]
	expect FINISH
	run ! grep -e "$(printf '\033')" -e 'tests    pass' -e 'tokens' err
}
