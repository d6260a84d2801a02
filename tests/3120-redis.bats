#!/usr/bin/env bats
# The queue on Redis beyond the shared tests (3110-queue-redis.bats):
# URLs, users, what `check` says, and faults: a server that is down,
# killed and restarted, slow to answer; workers killed.  Each test
# starts a redis-server of its own (tests/helpers/redis.bash).

load helpers/common

setup() {
	rl_setup
	redis_start --enable-debug-command local
	export RL_QUEUE_BACKEND="$REDIS_URL"
}

teardown() {
	redis_stop
	mock_stop
}

# the ACL line of redline-redis(7), for user w1 with password s3cret
acl_line() {
	grep -m1 '^redis-cli ACL SETUSER w1 ' "$TOP/man/man7/redline-redis.7"
}

@test "a malformed URL is refused (exit 2), saying what is wrong, never the password" {
	run --separate-stderr rl-queue -b 'redis://u:s3cret@127.0.0.1:99999' stats
	[ "$status" -eq 2 ]
	[ "$stderr" = "rl-queue: redis.bad_url: redis://u:***@127.0.0.1:99999: the port is not a number from 1 to 65535" ]
	run --separate-stderr rl-queue -b 'rediss://u:s3cret@127.0.0.1' stats
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"TLS is not available"* ]]
	[[ "$stderr" != *s3cret* ]]
}

@test "-b chooses where the queue is for one run; a socket and a database keep apart" {
	echo '{"n":1}' | rl-queue push
	echo '{"n":2}' | rl-queue -b "unix://$REDIS_SOCK?db=3" push
	run rl-queue -b "$REDIS_URL/3" ls
	jqo -c '.body'
	expect '{"n":2}'
	run rl-queue ls
	jqo -c '.body'
	expect '{"n":1}'
	run rl-queue -b spool stats
	jqo '.ready'
	expect 0
}

@test "a user with the ACL of redline-redis(7) can do everything; a wrong password cannot (exit 2)" {
	line=$(acl_line)
	[ -n "$line" ]
	# every command the scripts call is in it
	for c in $(grep -oE "(redis\.p?call\(|\{)'[A-Z]+'" "$TOP/lib/rl_queue_redis.c" |
	    grep -oE '[A-Z]+' | sort -u); do
		[[ "$line" == *" +${c,,} "* || "$line" == *"'+${c,,}|"* ]] ||
		    { echo "$c is not in the ACL line of redline-redis(7)"; return 1; }
	done
	run sh -c "${line/redis-cli/redis-cli -p $REDIS_PORT}"
	expect OK
	export RL_QUEUE_BACKEND="redis://w1:s3cret@127.0.0.1:$REDIS_PORT/0" RL_QUEUE_MAX_ATTEMPTS=1
	printf '{"n":1}\n{"n":2}\n{"n":3}\n' | rl-queue push
	echo '{"n":4}' | rl-queue push --delay 1h
	lease=$(rl-queue pop | jq -r .lease)
	rl-queue ack "$lease"
	lease=$(rl-queue pop | jq -r .lease)
	rl-queue nack "$lease"
	run rl-queue requeue --all-dead
	expect 1
	# work renews its leases (every third of one)
	run rl-queue work --lease 1s -- sh -c 'sleep 0.5; cat'
	[ "$status" -eq 0 ]
	run rl-queue stats
	jqo -c '[.ready, .delayed, .done, .dead]'
	expect '[0,1,3,0]'
	run rl-queue purge --state done
	expect 3
	run rl-queue ls
	jqo -c '[.state, .body.n]'
	expect '["delayed",4]'
	run --separate-stderr rl-queue check
	jqo -c '[.appendonly, .safe]'
	expect '["no",false]'
	run --separate-stderr rl-queue -b "redis://w1:wrong@127.0.0.1:$REDIS_PORT/0" stats
	[ "$status" -eq 2 ]
	[[ "$stderr" == "rl-queue: redis.auth: redis://w1:***@127.0.0.1:$REDIS_PORT/0: AUTH: WRONGPASS"* ]]
}

@test "a user the ACL does not let run a command the queue needs: redis.denied, exit 2" {
	line=$(acl_line)
	run sh -c "${line/redis-cli/redis-cli -p $REDIS_PORT} -xautoclaim"
	expect OK
	export RL_QUEUE_BACKEND="redis://w1:s3cret@127.0.0.1:$REDIS_PORT/0"
	echo '{}' | rl-queue push
	run --separate-stderr rl-queue pop
	[ "$status" -eq 2 ]
	[[ "$stderr" == "rl-queue: redis.denied: "*"queue pop: "*"can't run this command"*"redline-redis(7))" ]]
	run rl-queue -b "$REDIS_URL" stats
	jqo '.ready'
	expect 1
}

@test "check: each setting that can lose an acked message is named with a fix that works" {
	run --separate-stderr rl-queue check
	[ "$status" -eq 1 ]
	jqo -c '[.backend, .version != "", .appendonly, .appendfsync, .safe]'
	expect '["redis",true,"no","everysec",false]'
	[ "${#stderr_lines[@]}" -eq 2 ]
	[[ "${stderr_lines[0]}" == "rl-queue: warning: appendonly no: "*"(fix: redis-cli -h 127.0.0.1 -p $REDIS_PORT CONFIG SET appendonly yes)" ]]
	[[ "${stderr_lines[1]}" == "rl-queue: warning: appendfsync everysec: "*"(fix: redis-cli -h 127.0.0.1 -p $REDIS_PORT CONFIG SET appendfsync always)" ]]
	redis_cli CONFIG SET maxmemory-policy allkeys-lru > /dev/null
	run --separate-stderr rl-queue check
	[[ "${stderr_lines[1]}" == "rl-queue: warning: maxmemory-policy allkeys-lru: "*"(fix: redis-cli -h 127.0.0.1 -p $REDIS_PORT CONFIG SET maxmemory-policy noeviction)" ]]
	# each fix, run as printed
	for l in "${stderr_lines[@]}"; do
		fix=${l##*(fix: }
		sh -c "${fix%)}" > /dev/null
	done
	run --separate-stderr rl-queue check
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	jqo -c '[.appendonly, .appendfsync, .maxmemory_policy, .safe]'
	expect '["yes","always","noeviction",true]'
}

@test "check: a user without CONFIG GET is told that appendfsync cannot be read" {
	line=$(acl_line)
	sh -c "${line/redis-cli/redis-cli -p $REDIS_PORT} '-config|get'" > /dev/null
	redis_cli CONFIG SET appendonly yes > /dev/null
	run --separate-stderr rl-queue -b "redis://w1:s3cret@127.0.0.1:$REDIS_PORT" check
	[ "$status" -eq 1 ]
	jqo -c '[.appendonly, .appendfsync, .safe]'
	expect '["yes",null,false]'
	[[ "$stderr" == "rl-queue: warning: appendfsync unknown: CONFIG GET was refused ("*"NOPERM"*"(fix: ask the server's administrator to run: redis-cli -h 127.0.0.1 -p $REDIS_PORT --user w1 --askpass CONFIG GET appendfsync)" ]]
	[[ "$stderr" != *s3cret* ]]
}

@test "Redis unreachable: exit 111 at once with redis.retry 0, and nothing is lost" {
	redis_stop
	redis_start --appendonly yes --appendfsync always
	export RL_QUEUE_BACKEND="$REDIS_URL"
	printf '{"n":1}\n{"n":2}\n' | rl-queue push
	lease=$(rl-queue pop | jq -r .lease)
	redis_stop
	export RL_REDIS_RETRY=0
	run --separate-stderr rl-queue ack "$lease"
	[ "$status" -eq 111 ]
	[ "$stderr" = "rl-queue: redis.unreachable: $REDIS_URL: cannot connect: Connection refused" ]
	run --separate-stderr sh -c 'echo "{\"n\":3}" | rl-queue push'
	[ "$status" -eq 111 ]
	run --separate-stderr rl-queue work -- cat
	[ "$status" -eq 111 ]
	redis_restart
	run rl-queue ls
	jqo -s -c 'map([.state, .body.n])'
	expect '[["ready",2],["leased",1]]'
	rl-queue ack "$lease"
}

@test "a server that comes back within redis.retry is waited for" {
	redis_stop
	redis_start --appendonly yes --appendfsync always
	export RL_QUEUE_BACKEND="$REDIS_URL"
	echo '{"n":1}' | rl-queue push
	redis_kill
	RL_REDIS_RETRY=20 rl-queue pop > out 2> err &
	pop=$!
	sleep 1
	redis_restart
	wait "$pop"
	run jq -c .body out
	expect '{"n":1}'
}

@test "a reply lost to a timeout is sent again and answered once: a pop leases once, an ack finds its lease" {
	printf '{"n":1}\n{"n":2}\n' | rl-queue push
	# the server sleeps; the command waits in its socket and runs after,
	# when the client has given up on it and sent it again
	redis_cli DEBUG SLEEP 1.5 > /dev/null &
	sleeper=$!
	sleep 0.3
	run --separate-stderr env RL_REDIS_COMMAND_TIMEOUT=0.5 rl-queue pop
	wait "$sleeper"
	[ "$status" -eq 0 ]
	lease=$(jq -r .lease <<< "$output")
	run rl-queue stats
	jqo -c '[.ready, .leased]'
	expect '[1,1]'
	redis_cli DEBUG SLEEP 1.5 > /dev/null &
	sleeper=$!
	sleep 0.3
	run --separate-stderr env RL_REDIS_COMMAND_TIMEOUT=0.5 rl-queue ack "$lease"
	wait "$sleeper"
	[ "$status" -eq 0 ]
	run rl-queue stats
	jqo -c '[.ready, .leased, .done]'
	expect '[1,0,1]'
}

@test "a message that is not one goes to the dead letters, which are a stream to follow" {
	printf '{"n":1}\n{"n":2}\n' | rl-queue push
	id=$(rl-queue ls | jq -r .id | head -1)
	redis_cli HSET 'rl:q:{default}:m' "$id" garbage > /dev/null
	run rl-queue pop -c 5
	jqo -s -c 'map(.body.n)'
	expect '[2]'
	run rl-queue dead
	jqo -c '[.id, .errors[-1].code]'
	expect "[\"$id\",\"input.not_json\"]"
	run redis_cli XRANGE 'rl:q:{default}:dead' - +
	[ "${lines[1]}" = i ]
	[ "${lines[2]}" = "$id" ]
	[ "${lines[4]}" = input.not_json ]
}

@test "leases of different lengths expire each at its own end" {
	printf '{"n":"short"}\n{"n":"long"}\n' | rl-queue push
	rl-queue pop --lease 1m > /dev/null
	rl-queue pop --lease 1h > /dev/null
	run env RL_CLOCK_SKEW_MS=61000 rl-queue pop -c 5
	rl-queue ack "$(jq -r .lease <<< "$output")"
	jqo -c '[.body.n, .attempts]'
	expect '["short",1]'
	run env RL_CLOCK_SKEW_MS=3601000 rl-queue pop -c 5
	jqo -c '[.body.n, .attempts]'
	expect '["long",1]'
}

@test "Redis killed -9 and restarted mid-run (appendonly, fsync always): nothing acked is lost, workers go on" {
	redis_stop
	redis_start --appendonly yes --appendfsync always
	export RL_QUEUE_BACKEND="$REDIS_URL" RL_QUEUE_MAX_ATTEMPTS=1000
	seq 150 | jq -c '{k: .}' | rl-queue push
	workers=()
	for w in 1 2; do
		rl-queue work -j 2 --lease 2s --wait 2s -- sh -c 'jq -r .k; sleep 0.01' > "out$w" 2> "err$w" &
		workers+=($!)
	done
	for _ in $(seq 200); do [ "$(cat out1 out2 | wc -l)" -ge 40 ] && break; sleep 0.05; done
	redis_kill
	sleep 0.5
	redis_restart
	wait "${workers[@]}"
	run rl-queue stats
	jqo -c '[.ready, .delayed, .leased, .done, .dead]'
	expect '[0,0,0,150,0]'
	run sh -c 'cat out1 out2 | sort -n | uniq | wc -l'
	expect 150
}

@test "workers killed -9 at random while draining: none lost, each acked message processed" {
	export RL_QUEUE_MAX_ATTEMPTS=1000
	# make stress drains 1,000
	run "$TOP/tests/stress/queue-redis-kill" 100 4
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" == "queue-redis-kill: 100 messages, "*" workers killed, none lost, every acked one processed ("* ]]
}
