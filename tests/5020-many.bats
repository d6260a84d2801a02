#!/usr/bin/env bats
# redline run on many machines: supervisors with state directories of
# their own ("machines") sharing one journal on a Redis server of the
# file's own (lib/rl_ring_share.c).

load helpers/common
load helpers/ring


setup_file() {
	redis_file_start
}

teardown_file() {
	redis_stop
}

setup() {
	redis_test_setup
	# a short lease, so that a takeover comes soon; not so short that a
	# supervisor starved of the two cores by nine stages at work misses
	# its renewals
	export RL_QUEUE_BACKEND="$REDIS_URL" RL_RUN_LEASE_SECONDS=4
	# the built-in debt measures alone: the analyzers take the cores
	export RL_REWARD_ANALYZERS=false
	PIDS=
	# the stages run in the sandbox, but under valgrind (which cannot
	# run its syscalls)
	NOSB=
	[ -z "${RL_VALGRIND:-}" ] || NOSB=--no-sandbox
}

teardown() {
	local p
	netns_clean
	for p in $PIDS; do
		pkill -9 -P "$p" 2> /dev/null || true
		kill -9 "$p" 2> /dev/null || true
	done
	mock_stop
}

# leased: how many batons of the ring are leased, by any machine
leased() {
	rl-queue -q redline-ring ls --state leased | wc -l
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
	RL_HOME="$S/a" RL_RUN_STOP_SECONDS=0 redline run $NOSB -p script:slow "a task" > /dev/null 2>&1 &
	PIDS=$!
	for _ in $(seq 200); do [ "$(leased)" -eq 1 ] && break; sleep 0.05; done
	run rl-queue -q redline-ring ls --state leased
	jqo -r .body.machine
	[ "$output" = "$(cat "$S/a/machine")" ]
	[[ "$output" =~ ^[A-Za-z0-9._-]+-[0-9a-f]{12}$ ]]
	kill_machine "$PIDS"
	first=$(cat "$S/a/machine")
	RL_HOME="$S/a" RL_RUN_STOP_SECONDS=0 timeout 60 redline run $NOSB -p script:slow < /dev/null > /dev/null 2>&1 &
	PIDS=$!
	sleep 0.5
	kill_machine "$PIDS"
	[ "$(cat "$S/a/machine")" = "$first" ]
}

@test "a local-path task taken over by another machine is refused with ring.elsewhere and is in the dead letters" {
	fixture_repo
	# machine a takes the task, and dies while the reasoning agent thinks
	entry "reasoning agent" '{"latency_ms":3600000}' > slow
	RL_HOME="$S/a" redline run $NOSB -p script:slow "merge the duplicated loops in sum.c" > outa 2> erra &
	PIDS=$!
	for _ in $(seq 200); do [ "$(leased)" -eq 1 ] && break; sleep 0.05; done
	[ "$(leased)" -eq 1 ]
	kill_machine "$PIDS"
	a=$(cat "$S/a/machine")
	# machine b waits for the lease to run out, takes the baton over and
	# refuses it: the repository is a's
	RL_HOME="$S/b" run --separate-stderr timeout 120 redline run $NOSB -p "script:$RING" < /dev/null
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	b=$(cat "$S/b/machine")
	[ "$a" != "$b" ]
	id=$(rl-queue -q redline-ring dead | jq -r .id)
	[[ "$stderr" == *"ring.elsewhere: the task's repository is a local path of machine $a, and this is $b: it went to the dead letters (fix: on $a, rl-queue -q redline-ring requeue $id, then redline run there; or give the task as rl-task --git URL, which any machine checks out)"* ]]
	run rl-queue -q redline-ring dead
	jqo '[.body.task, .body.machine == $a, (.errors | map(.code))]' --arg a "$a"
	expect '["merge the duplicated loops in sum.c",true,["queue.lease_expired","ring.elsewhere"]]'
	[ "$(journal_left)" -eq 0 ]
	# on its own machine, requeued, it finishes
	RL_HOME="$S/a" rl-queue -q redline-ring requeue "$id"
	RL_HOME="$S/a" run --separate-stderr timeout 120 redline run $NOSB -p "script:$RING" < /dev/null
	[ "$status" -eq 0 ]
	jqo -r .status
	expect FINISH
	[ "$(grep -o 'sum_sign(' sum.c | wc -l)" -eq 3 ]
}

# origin: the fixture project as a bare repository at $S/origin.git (its
# URL in $URL, its commit in $REV); the work tree stays at $S/repo
origin() {
	fixture_repo
	git clone -q --bare "$S/repo" "$S/origin.git"
	URL="file://$S/origin.git"
	REV=$(git rev-parse HEAD)
}

# git_tasks N: N tasks t01... on the remote, pushed to redline-todo
git_tasks() {
	local i
	for i in $(seq -w "$1"); do
		jq -cn --arg id "t$i" --arg url "$URL" --arg rev "$REV" \
		    '{rl: 1, id: $id, task: "merge the duplicated loops in sum.c",
		      git: {url: $url, rev: $rev}, next: "reason", iter: 1,
		      budget: {tokens: 60000, steps: 20, seconds: 900}}'
	done | rl-queue -q redline-todo push
}

# supervisor NAME [env...]: redline run on machine NAME (state directory
# $S/NAME), in the background, its output in out.NAME, its diagnostics
# in err.NAME; its PID added to PIDS and in PID_NAME
supervisor() {
	local name=$1
	shift
	env RL_HOME="$S/$name" "$@" redline run $NOSB -j 3 -p script:c \
	    --push 'fix/{id}' < /dev/null > "$S/out.$name" 2> "$S/err.$name" &
	PIDS="$PIDS $!"
	eval "PID_$name=$!"
}

# holds NAME: machine NAME is working on a task (a work tree of one, and
# a baton of the journal leased)
holds() {
	[ -n "$(ls "$S/$1/work" 2> /dev/null)" ] && [ "$(leased)" -gt 0 ]
}

# each_once N: every task finished at least once across the machines'
# outputs, and each one's final change, applied to a clean checkout of
# the revision, holds the edit exactly once, as the branch pushed does
each_once() {
	local ids id
	ids=$(cat "$S"/out.* | jq -r 'select(.status == "FINISH") | .id' | sort -u)
	[ "$(printf '%s\n' "$ids" | grep -c .)" -eq "$1" ] || {
		echo "finished: $(printf '%s\n' "$ids" | grep -c .) of $1"
		cat "$S"/out.* | jq -c 'select(.error) | [.id, .error.code, .error.message]'
		return 1; }
	rm -rf "$S/check"
	git clone -q "$S/origin.git" "$S/check"
	for id in $ids; do
		git -C "$S/check" checkout -q --detach "$REV"
		git -C "$S/check" reset -q --hard
		git -C "$S/check" clean -q -fdx
		# every copy of the final baton carries one change
		cat "$S"/out.* | jq -sje --arg id "$id" \
		    'map(select(.id == $id) | .change) | unique | if length == 1 then .[0] else false end' > "$S/change"
		git -C "$S/check" apply --check "$S/change"
		git -C "$S/check" apply "$S/change"
		[ "$(grep -o 'sum_sign(' "$S/check/sum.c" | wc -l)" -eq 3 ] || { echo "$id: the edit is not there once"; return 1; }
		# pushed: the branch holds the same tree
		git -C "$S/check" fetch -q origin "fix/$id"
		git -C "$S/check" diff --quiet FETCH_HEAD -- sum.c
		[ "$(cat "$S"/out.* | jq -r --arg id "$id" 'select(.id == $id) | .pushed.branch' | sort -u)" = "fix/$id" ]
	done
}

@test "three machines on one Redis finish 30 git tasks while one is killed -9: each once, no patch applied twice" {
	origin
	n=30
	# under valgrind every command runs many times slower: fewer tasks,
	# and leases long enough for a supervisor that is not dead
	[ -z "${RL_VALGRIND:-}" ] || { n=6; export RL_RUN_LEASE_SECONDS=15; }
	git_tasks "$n"
	ring_with '{"latency_ms":100,"times":0}' > c
	supervisor m1
	supervisor m2
	supervisor m3
	for _ in $(seq 1200); do holds m2 && break; sleep 0.05; done
	holds m2
	kill_machine "$PID_m2"
	timeout 600 sh -c "while kill -0 $PID_m1 2> /dev/null || kill -0 $PID_m3 2> /dev/null; do sleep 0.2; done"
	wait "$PID_m1" || { cat "$S/err.m1"; cat "$S"/out.* | jq -c 'select(.error) | [.id, .error.code, .error.message]'; false; }
	wait "$PID_m3" || { cat "$S/err.m3"; false; }
	each_once "$n"
	[ "$(journal_left)" -eq 0 ]
	# m2's batons were taken over after their leases
	cat "$S"/out.* | jq -e -s 'map(.trail | length) | min > 0' > /dev/null
	[ "$(rl-queue -q redline-ring dead | wc -l)" -eq 0 ]
	# the work trees went with their tasks
	[ -z "$(ls "$S/m1/work" "$S/m3/work" 2> /dev/null | grep '^t')" ]
}

# netns NAME N: a network namespace rl5020-PID-NAME joined to this one by
# a veth pair, 10.254.N.1 here and 10.254.N.2 there; in NETNS_CUT the
# command that cuts it off (this side's link down)
netns() {
	local ns="rl5020-$$-$1" here="rl$$h$2"
	ip netns add "$ns"
	NETNSES="$NETNSES $ns"
	ip link add "$here" type veth peer name "rl$$n$2"
	LINKS="$LINKS $here"
	ip link set "rl$$n$2" netns "$ns"
	ip addr add "10.254.$2.1/30" dev "$here"
	ip link set "$here" up
	ip netns exec "$ns" ip addr add "10.254.$2.2/30" dev "rl$$n$2"
	ip netns exec "$ns" ip link set "rl$$n$2" up
	ip netns exec "$ns" ip link set lo up
}

netns_clean() {
	local l n
	for l in ${LINKS:-}; do ip link del "$l" 2> /dev/null || true; done
	for n in ${NETNSES:-}; do ip netns del "$n" 2> /dev/null || true; done
	if [ -n "${REDIS_PORT:-}" ]; then
		redis_cli CONFIG SET bind 127.0.0.1 > /dev/null 2>&1 || true
		redis_cli CONFIG SET protected-mode yes > /dev/null 2>&1 || true
	fi
	LINKS= NETNSES=
}

@test "three machines in network namespaces; one cut off mid-run has its tasks taken over, and all finish" {
	[ "$(id -u)" -eq 0 ] || skip "network namespaces need root"
	command -v ip > /dev/null || skip "iproute2 is not installed (make deps installs it)"
	ip netns add "rl5020-$$-probe" 2> /dev/null || skip "no network namespaces here (ip netns add failed)"
	ip netns del "rl5020-$$-probe"
	origin
	n=12
	[ -z "${RL_VALGRIND:-}" ] || n=4
	git_tasks "$n"
	ring_with '{"latency_ms":100,"times":0}' > c
	LINKS= NETNSES=
	netns m1 1
	netns m2 2
	netns m3 3
	# the server listens on this side of each pair too, and answers
	# there (protected mode answers loopback alone); the pairs lead
	# nowhere else
	redis_cli CONFIG SET bind "127.0.0.1 10.254.1.1 10.254.2.1 10.254.3.1" > /dev/null
	redis_cli CONFIG SET protected-mode no > /dev/null
	for i in 1 2 3; do
		supervisor "m$i" RL_QUEUE_BACKEND="redis://10.254.$i.1:$REDIS_PORT" \
		    RL_REDIS_RETRY=3 RL_REDIS_COMMAND_TIMEOUT=2 RL_REDIS_CONNECT_TIMEOUT=1 \
		    ip netns exec "rl5020-$$-m$i"
	done
	for _ in $(seq 1200); do holds m2 && break; sleep 0.05; done
	holds m2
	ip link set "rl$$h2" down
	timeout 600 sh -c "while kill -0 $PID_m1 2> /dev/null || kill -0 $PID_m3 2> /dev/null; do sleep 0.2; done"
	wait "$PID_m1" || { cat "$S/err.m1"; false; }
	wait "$PID_m3" || { cat "$S/err.m3"; false; }
	# m2 cannot reach the server: it gives up (111), its work taken over
	timeout 120 sh -c "while kill -0 $PID_m2 2> /dev/null; do sleep 0.2; done"
	run wait "$PID_m2"
	[ "$status" -eq 111 ]
	grep -q 'redis' "$S/err.m2"
	netns_clean
	each_once "$n"
	[ "$(journal_left)" -eq 0 ]
}
