#!/usr/bin/env bats
# redline run on many machines: supervisors with state directories of
# their own ("machines") sharing one journal on a Redis server of the
# file's own (lib/rl_ring_share.c).

load helpers/common

RING="$FIX/agents/ring.cassette"

setup_file() {
	redis_installed || return 0     # each test skips, saying why
	redis_start
}

teardown_file() {
	redis_stop
}

setup() {
	rl_setup
	skip_without_redis
	redis_cli FLUSHALL > /dev/null
	export RL_QUEUE_BACKEND="$REDIS_URL" RL_RUN_LEASE_SECONDS=2
	PIDS=
}

teardown() {
	local p
	for p in $PIDS; do
		pkill -9 -P "$p" 2> /dev/null || true
		kill -9 "$p" 2> /dev/null || true
	done
	mock_stop
}

# entry STAGE JSON: the ring cassette's reply for that stage's agent,
# with JSON's members added (a latency, times)
entry() {
	jq -c --arg s "$1" --argjson more "${2:-{\}}" \
	    'select(.match.system == $s) + $more' "$RING"
}

# ring_with JSON: every entry of the ring cassette, with JSON's members
# added
ring_with() {
	local e
	for e in reasoning planning acting feedback; do entry "$e agent" "$1"; done
}

# leased: how many batons of the ring are leased, by any machine
leased() {
	rl-queue -q redline-ring ls --state leased | wc -l
}

# left: batons the shared journal holds ready, delayed or leased
left() {
	local n=0 q s
	for q in redline-ring redline-todo; do
		for s in ready delayed leased; do
			n=$((n + $(rl-queue -q "$q" ls --state "$s" | wc -l)))
		done
	done
	echo "$n"
}

# kill_machine PID: kill -9 a supervisor, then its stages (first: it
# would see a stage die)
kill_machine() {
	local kids
	kids=$(pgrep -P "$1" | tr '\n' ' ')
	kill -9 "$1" 2> /dev/null || true
	[ -z "$kids" ] || kill -9 $kids 2> /dev/null || true
	wait "$1" 2> /dev/null || true
}

@test "a machine id is made once, in the state directory, and differs between machines" {
	fixture_repo
	# the reasoning agent never answers: the run is stopped with a signal
	entry "reasoning agent" '{"latency_ms":3600000}' > slow
	RL_HOME="$S/a" RL_RUN_STOP_SECONDS=0 redline run --no-sandbox -p script:slow "a task" > /dev/null 2>&1 &
	PIDS=$!
	for _ in $(seq 200); do [ "$(leased)" -eq 1 ] && break; sleep 0.05; done
	run rl-queue -q redline-ring ls --state leased
	jqo -r .body.machine
	[ "$output" = "$(cat "$S/a/machine")" ]
	[[ "$output" =~ ^[A-Za-z0-9._-]+-[0-9a-f]{12}$ ]]
	kill_machine "$PIDS"
	first=$(cat "$S/a/machine")
	RL_HOME="$S/a" RL_RUN_STOP_SECONDS=0 timeout 60 redline run --no-sandbox -p script:slow < /dev/null > /dev/null 2>&1 &
	PIDS=$!
	sleep 0.5
	kill_machine "$PIDS"
	[ "$(cat "$S/a/machine")" = "$first" ]
}

@test "a local-path task taken over by another machine is refused with ring.elsewhere and is in the dead letters" {
	fixture_repo
	# machine a takes the task, and dies while the reasoning agent thinks
	entry "reasoning agent" '{"latency_ms":3600000}' > slow
	RL_HOME="$S/a" redline run --no-sandbox -p script:slow "merge the duplicated loops in sum.c" > outa 2> erra &
	PIDS=$!
	for _ in $(seq 200); do [ "$(leased)" -eq 1 ] && break; sleep 0.05; done
	[ "$(leased)" -eq 1 ]
	kill_machine "$PIDS"
	a=$(cat "$S/a/machine")
	# machine b waits for the lease to run out, takes the baton over and
	# refuses it: the repository is a's
	RL_HOME="$S/b" run --separate-stderr timeout 120 redline run --no-sandbox -p "script:$RING" < /dev/null
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	b=$(cat "$S/b/machine")
	[ "$a" != "$b" ]
	id=$(rl-queue -q redline-ring dead | jq -r .id)
	[[ "$stderr" == *"ring.elsewhere: the task's repository is a local path of machine $a, and this is $b: it went to the dead letters (fix: on $a, rl-queue -q redline-ring requeue $id, then redline run there; or give the task as rl-task --git URL, which any machine checks out)"* ]]
	run rl-queue -q redline-ring dead
	jqo '[.body.task, .body.machine == $a, (.errors | map(.code))]' --arg a "$a"
	expect '["merge the duplicated loops in sum.c",true,["queue.lease_expired","ring.elsewhere"]]'
	[ "$(left)" -eq 0 ]
	# on its own machine, requeued, it finishes
	RL_HOME="$S/a" rl-queue -q redline-ring requeue "$id"
	RL_HOME="$S/a" run --separate-stderr timeout 120 redline run --no-sandbox -p "script:$RING" < /dev/null
	[ "$status" -eq 0 ]
	jqo -r .status
	expect FINISH
	[ "$(grep -o 'sum_sign(' sum.c | wc -l)" -eq 3 ]
}
