# tests/helpers/ring.bash - the ring cassette and the journal of
# `redline run`, for the tests of the supervisor (loaded after common).

RING="$FIX/agents/ring.cassette"

# entry STAGE JSON: the ring cassette's reply for that stage's agent,
# with JSON's members added (a later matcher, a latency, times)
entry() {
	jq -c --arg s "$1" --argjson more "${2:-{\}}" \
	    'select(.match.system == $s) + $more' "$RING"
}

# ring_with JSON: every entry of the ring cassette, with JSON's members
# added (a latency, times)
ring_with() {
	local e
	for e in reasoning planning acting feedback; do entry "$e agent" "$1"; done
}

# journal_left: batons the run's journal still holds (ready, delayed,
# leased), on whatever backend the queues are
journal_left() {
	local n=0 q s
	for q in redline-ring redline-todo; do
		for s in ready delayed leased; do
			n=$((n + $(rl-queue -q "$q" ls --state "$s" | wc -l)))
		done
	done
	echo "$n"
}
