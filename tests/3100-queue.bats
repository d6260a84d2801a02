#!/usr/bin/env bats
# rl-queue: the persistent queue (lib/rl_queue*.c) and its worker pool
# (lib/rl_queue_work.c).

load helpers/common

# tests/3110-queue-redis.bats is a link to this file: there the same
# tests run against a Redis server of the file's own (queue.backend a
# redis:// URL), each test on an empty database.
if [[ "$BATS_TEST_FILENAME" == *-redis.bats ]]; then
	setup_file() {
		export BATS_TEST_NAME_PREFIX="redis: "
		redis_file_start
		export RL_QUEUE_BACKEND="$REDIS_URL"
		# the drain's cost is mostly a command started per message,
		# which the spool's run pays in full already
		export QUEUE_DRAIN=2000
	}
	teardown_file() {
		redis_stop
	}
	setup() {
		redis_test_setup
	}
fi

# spool_only REASON: a test of the spool's own files
spool_only() {
	[ "${RL_QUEUE_BACKEND:-spool}" = spool ] || skip "the spool's own: $1"
}

bodies() { jq -c '.body' "$@"; }

@test "push, pop with a lease, ack; an empty queue pops nothing, exit 1" {
	printf '{"n":1}\n{"n":2}\n' | rl-queue push
	run rl-queue pop
	[ "$status" -eq 0 ]
	jqo '[.body, .attempts, .priority, (.lease | length > 0), (.lease_expires > .pushed)]'
	expect '[{"n":1},0,0,true,true]'
	lease=$(rl-queue pop | jq -r .lease)
	run rl-queue ack "$lease"
	[ "$status" -eq 0 ]
	run --separate-stderr rl-queue ack "$lease"
	[ "$status" -eq 1 ]
	[ "$stderr" = "rl-queue: queue.lease_expired: $lease: no such lease (expired, or acked already)" ]
	run rl-queue pop
	[ "$status" -eq 1 ]
	[ -z "$output" ]
}

@test "higher priority first, first in first out within a priority" {
	echo '{"n":"low1"}' | rl-queue push -P -5
	echo '{"n":"mid1"}' | rl-queue push
	echo '{"n":"high1"}' | rl-queue push -P 7
	echo '{"n":"mid2"}' | rl-queue push
	echo '{"n":"high2"}' | rl-queue push -P 7
	echo '{"n":"low2"}' | rl-queue push -P -5
	rl-queue pop -c 10 > out
	run jq -r .body.n out
	expect "high1
high2
mid1
mid2
low1
low2"
}

@test "a delayed message is not delivered before its time" {
	# RL_CLOCK_SKEW_MS moves the clock instead of sleeping through it
	echo '{"n":"later"}' | rl-queue push --delay 1h
	echo '{"n":"now"}' | rl-queue push
	run rl-queue pop -c 5
	rl-queue ack "$(jq -r .lease <<< "$output")"
	jqo -r .body.n
	expect now
	run env RL_CLOCK_SKEW_MS=3500000 rl-queue pop
	[ "$status" -eq 1 ]
	run env RL_CLOCK_SKEW_MS=3600500 rl-queue pop
	jqo -r .body.n
	expect later
}

@test "pop --wait waits for a message to arrive" {
	(sleep 0.3; echo '{"n":"late"}' | rl-queue push) &
	run rl-queue pop --wait 5s
	wait
	[ "$status" -eq 0 ]
	jqo -r .body.n
	expect late
}

@test "nack: attempts + 1, backoff, then the dead letters with the history" {
	export RL_QUEUE_MAX_ATTEMPTS=2 RL_QUEUE_BACKOFF_BASE=60
	echo '{"n":1}' | rl-queue push
	lease=$(rl-queue pop | jq -r .lease)
	rl-queue nack "$lease" --error '{"code":"tool.failed","message":"first"}'
	run rl-queue pop
	[ "$status" -eq 1 ]
	run rl-queue ls --state delayed
	jqo '[.attempts, .errors[0].code, .errors[0].message, (.not_before - .errors[0].at | . > 44000 and . <= 60000)]'
	expect '[1,"tool.failed","first",true]'
	lease=$(RL_CLOCK_SKEW_MS=61000 rl-queue pop | jq -r .lease)
	RL_CLOCK_SKEW_MS=61000 rl-queue nack "$lease" --error '{"code":"tool.timeout","message":"second"}'
	run rl-queue dead
	jqo '[.state, .attempts, [.errors[].message], .body]'
	expect '["dead",2,["first","second"],{"n":1}]'
	run rl-queue stats
	jqo '[.dead, .dead_by_code]'
	expect '[1,{"tool.timeout":1}]'
}

@test "nack --dead buries a message at once" {
	echo '{"n":1}' | rl-queue push
	lease=$(rl-queue pop | jq -r .lease)
	rl-queue nack "$lease" --dead
	run rl-queue stats
	jqo '[.ready, .delayed, .dead]'
	expect '[0,0,1]'
}

@test "an expired lease makes the message available again, attempts + 1" {
	echo '{"n":1}' | rl-queue push
	old=$(rl-queue pop --lease 1m | jq -r .lease)
	run rl-queue pop
	[ "$status" -eq 1 ]
	run env RL_CLOCK_SKEW_MS=61000 rl-queue pop
	jqo '[.body.n, .attempts, .errors[0].code]'
	expect '[1,1,"queue.lease_expired"]'
	run rl-queue ack "$old"
	[ "$status" -eq 1 ]
}

@test "requeue brings the dead back; purge empties a state" {
	export RL_QUEUE_MAX_ATTEMPTS=1
	printf '{"n":1}\n{"n":2}\n' | rl-queue push
	for l in $(rl-queue pop -c 2 | jq -r .lease); do rl-queue nack "$l"; done
	id=$(rl-queue dead | jq -r .id | head -1)
	run rl-queue requeue "$id"
	expect 1
	run rl-queue requeue nosuchid
	[ "$status" -eq 1 ]
	run rl-queue ls --state ready
	jqo '[.id, .attempts]'
	expect "[\"$id\",0]"
	run rl-queue requeue --all-dead
	expect 1
	run rl-queue purge --state ready
	expect 2
	run rl-queue stats
	jqo '[.ready, .dead]'
	expect '[0,0]'
	run rl-queue purge --state nowhere
	[ "$status" -eq 2 ]
}

@test "push --schema: invalid records become error batons and are never queued" {
	echo '{"type":"object","required":["task"]}' > s.json
	run --separate-stderr rl-queue push --schema s.json <<-'EOF'
	{"task":"ok"}
	{"nope":1}
	EOF
	[ "$status" -eq 1 ]
	jqo '[.error.code, .raw]'
	expect '["validate.schema","{\"nope\":1}"]'
	run rl-queue stats
	jqo .ready
	expect 1
	echo '{"type":"strnig"}' > bad.json
	run --separate-stderr rl-queue push --schema bad.json <<< '{}'
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"validate.bad_schema: bad.json: /type: unknown type 'strnig'" ]]
}

@test "bad input lines become error batons; the good ones are queued" {
	run --separate-stderr env RL_MAX_RECORD_BYTES=1024 rl-queue push <<-EOF
	{"n":1}
	not json
	{"big":"$(head -c 2000 /dev/zero | tr '\0' x)"}
	{"n":2}
	EOF
	[ "$status" -eq 1 ]
	jqo -s 'map(.error.code)'
	expect '["input.not_json","input.too_large"]'
	run rl-queue ls
	jqo -s 'map(.body.n)'
	expect '[1,2]'
}

@test "queue names with odd characters are refused" {
	for q in ../x 'a b' .hidden '' "$(head -c 65 /dev/zero | tr '\0' q)"; do
		run --separate-stderr rl-queue -q "$q" stats
		[ "$status" -eq 2 ]
		[[ "$stderr" == "rl-queue: queue.bad_name: "* ]]
	done
	[ ! -e "$RL_HOME/x" ]
}

@test "a corrupt message file goes to the dead letters with an input error" {
	spool_only "a message file written over"
	printf '{"n":1}\n{"n":2}\n' | rl-queue push
	f=$(find "$RL_HOME/queue/default/ready" -type f | sort | head -1)
	printf 'garbage' > "$f"
	run rl-queue pop -c 5
	jqo -s 'map(.body.n)'
	expect '[2]'
	run rl-queue dead
	jqo '[.errors[0].code, .state]'
	expect '["input.not_json","dead"]'
}

@test "a full disk on push: it fails, nothing half-written" {
	spool_only "a file size limit"
	echo '{"n":1}' | rl-queue push
	run --separate-stderr bash -c "ulimit -f 1; printf '{\"big\":\"%s\"}\n' \"\$(head -c 4096 /dev/zero | tr '\\0' x)\" | exec rl-queue push"
	[ "$status" -eq 111 ]
	[[ "${stderr_lines[0]}" == "rl-queue: io.write: default: cannot write a message: File too large" ]]
	run rl-queue stats
	jqo .ready
	expect 1
	[ -z "$(find "$RL_HOME/queue/default/tmp" -type f)" ]
}

@test "a read-only spool: stats work, a push fails cleanly" {
	spool_only "a read-only directory"
	echo '{"n":1}' | rl-queue push
	run_read_only "$RL_HOME/queue" "echo '{\"n\":2}' | rl-queue push"
	[ "$status" -eq 111 ]
	[[ "$stderr" == "rl-queue: io.write: default: cannot write a message: "* ]]
	run rl-queue stats
	jqo .ready
	expect 1
}

@test "the clock going back neither takes a live lease nor strands a delay" {
	spool_only "the machine's clock; Redis keeps its own"
	echo '{"n":"leased"}' | rl-queue push
	echo '{"n":"delayed"}' | rl-queue push --delay 1h
	lease=$(rl-queue pop --lease 1h | jq -r .lease)
	# two hours back: the lease is still live, the delay is cut to 1h
	run env RL_CLOCK_SKEW_MS=-7200000 rl-queue pop
	[ "$status" -eq 1 ]
	run rl-queue ack "$lease"
	[ "$status" -eq 0 ]
	name=$(ls "$RL_HOME/queue/default/delayed")
	nb=${name%%.*}
	now=$(($(date +%s) * 1000))
	[ "$nb" -lt "$((now - 7200000 + 3600000 + 60000))" ]
	# and forward: the delay is over
	run env RL_CLOCK_SKEW_MS=3700000 rl-queue pop
	jqo -r .body.n
	expect delayed
}

@test "work: exit 0 acks and passes the output on" {
	printf '{"x":1}\n{"x":2}\n{"x":3}\n' | rl-queue push
	run --separate-stderr rl-queue work -j 2 -- jq -c '{y: (.x * 10)}'
	[ "$status" -eq 0 ]
	run sort <<< "$output"
	expect '{"y":10}
{"y":20}
{"y":30}'
	run rl-queue stats
	jqo '[.ready, .done]'
	expect '[0,3]'
}

@test "work: 111 retries with backoff, 100 is dead at once, others retry until dead" {
	export RL_QUEUE_MAX_ATTEMPTS=2 RL_QUEUE_BACKOFF_BASE=0.05
	printf '{"code":111}\n{"code":100}\n{"code":3}\n' | rl-queue push
	run --separate-stderr rl-queue work --wait 1s -- sh -c 'c=$(jq .code); echo "out $c"; exit $c'
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	run rl-queue dead
	jqo -s 'map([.body.code, .attempts]) | sort'
	expect '[[3,2],[100,1],[111,2]]'
}

@test "work --out pushes the output to another queue" {
	echo '{"x":1}' | rl-queue push
	rl-queue work --out next -- jq -c '{y: .x}'
	run rl-queue -q next pop
	jqo -c .body
	expect '{"y":1}'
}

@test "work: a command that cannot run, or dies of a signal, is retried" {
	export RL_QUEUE_MAX_ATTEMPTS=1
	echo '{"x":1}' | rl-queue push
	run --separate-stderr rl-queue work -- /nonexistent/cmd
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"/nonexistent/cmd: No such file or directory"* ]]
	echo '{"x":2}' | rl-queue push
	run --separate-stderr rl-queue work -- sh -c 'kill -9 $$'
	[ "$status" -eq 1 ]
	run rl-queue dead
	jqo -s 'map(.errors[-1].message) | sort'
	expect '["exit 127","killed by signal 9"]'
}

@test "work --out: output that is not JSON is reported, the rest queued" {
	echo '{"x":1}' | rl-queue push
	run --separate-stderr rl-queue work --out next -- printf '{"a":1}\nnot json\n{"b":2}\n'
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"input.not_json: output not queued"* ]]
	run rl-queue -q next ls
	jqo -s -c 'map(.body)'
	expect '[{"a":1},{"b":2}]'
}

@test "work renews the lease of a long job, which runs once" {
	echo '{"x":1}' | rl-queue push
	run --separate-stderr rl-queue work --lease 1s -- sh -c 'sleep 2.5; echo ran'
	[ "$status" -eq 0 ]
	expect ran
	run rl-queue ls --state done
	jqo '[.attempts, (.errors | length)]'
	expect '[0,0]'
}

@test "work stops on SIGTERM after the job in flight, the rest stays queued" {
	printf '{"x":1}\n{"x":2}\n{"x":3}\n' | rl-queue push
	rl-queue work -- sh -c 'touch started; sleep 0.5; cat' > out &
	pid=$!
	for i in $(seq 100); do [ -e started ] && break; sleep 0.1; done
	kill -TERM "$pid"
	wait "$pid" || true
	run cat out
	expect '{"x":1}'
	run rl-queue stats
	jqo '[.ready, .leased, .done]'
	expect '[2,0,1]'
}

@test "8 workers drain 10,000 messages (2,000 on Redis), each processed once" {
	n=${QUEUE_DRAIN:-10000}
	# under valgrind every pop, start and ack runs many times slower:
	# 2,000 take the paths the 10,000 take, in a fifth of the time
	[ -z "${RL_VALGRIND:-}" ] || n=2000
	seq "$n" | jq -c '{k: .}' | rl-queue push
	for w in 1 2 3 4 5 6 7 8; do
		rl-queue work -- cat > "out$w" &
	done
	wait
	run sh -c 'cat out? | jq -r .k | sort -n | uniq | wc -l'
	expect "$n"
	run sh -c 'cat out? | wc -l'
	expect "$n"
	run rl-queue stats
	jqo -c '[.ready, .leased, .done]'
	expect "[0,0,$n]"
}

@test "pushers, poppers and workers killed at random points lose nothing" {
	run "$TOP/tests/stress/queue-kill" 60
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" == "queue-kill: 60 kills, "*"every message in one state, none lost, none back" ]]
}

@test "a nacked message is promoted even when .state lost its delay (no stranded task)" {
	spool_only "the .state hint"
	# a crash after the rename into delayed/ and before .state was
	# written looks like this: the .state of before the nack
	export RL_QUEUE_BACKOFF_BASE=0.2
	echo '{"a":1}' | rl-queue -q d push
	cp "$RL_HOME/queue/d/.state" s0
	lease=$(rl-queue -q d pop | jq -r .lease)
	rl-queue -q d nack "$lease" --error '{"code":"internal.stage_crash","message":"x"}'
	cp s0 "$RL_HOME/queue/d/.state"
	# RL_CLOCK_SKEW_MS: a second later, past the backoff, without sleeping
	run env RL_CLOCK_SKEW_MS=1000 rl-queue -q d pop
	[ "$status" -eq 0 ]
	jqo '[.body, .attempts]'
	expect '[{"a":1},1]'
}

@test "an old .state put back after delayed/ changed: delayed/ is read again" {
	spool_only "the .state hint"
	export RL_QUEUE_BACKOFF_BASE=0.2
	echo '{"a":1}' | rl-queue -q d push
	# an old time on delayed/, so the nack below surely changes it
	touch -d @1000000000 "$RL_HOME/queue/d/delayed"
	lease=$(rl-queue -q d pop | jq -r .lease)
	# this .state is recent: the minute's sweep is not due for a while
	cp "$RL_HOME/queue/d/.state" s1
	rl-queue -q d nack "$lease" --error '{"code":"tool.failed","message":"x"}'
	cp s1 "$RL_HOME/queue/d/.state"
	run env RL_CLOCK_SKEW_MS=1000 rl-queue -q d pop
	[ "$status" -eq 0 ]
	jqo '.body'
	expect '{"a":1}'
}

@test "a crash at any file operation of a nack or a delayed push strands nothing" {
	spool_only "file operations killed in turn"
	[ -z "${RL_VALGRIND:-}" ] || skip "the command is a valgrind wrapper here"
	# make stress runs every operation: push, pop, ack, requeue, expiry
	run env RL_FAULT_SO="$HELPERS/fault.so" "$TOP/tests/stress/queue-fault" nack push-delay push-batch
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" == "queue-fault: nack push-delay push-batch crashed at each of "*", every message found" ]]
}

@test "stats: counts by state and priority, and the age of the oldest" {
	echo '{}' | rl-queue push -P 3
	echo '{}' | rl-queue push -P 3
	echo '{}' | rl-queue push
	echo '{}' | rl-queue push --delay 1h
	rl-queue pop > /dev/null
	run rl-queue stats
	jqo '[.queue, .ready, .delayed, .leased, .ready_by_priority, (.oldest_ready_ms >= 0)]'
	expect '["default",2,1,1,{"3":1,"0":1},true]'
}

@test "each run logs a queue event" {
	echo '{}' | rl-queue -q m push
	run jq -s -c 'map(select(.kind == "queue")) | map([.queue, .ops])' "$RL_HOME/metrics.ndjson"
	expect '[["m",1]]'
}

@test "usage errors exit 2" {
	run rl-queue
	[ "$status" -eq 2 ]
	run rl-queue pop --lease soon
	[ "$status" -eq 2 ]
	run rl-queue push -P 5000
	[ "$status" -eq 2 ]
	run rl-queue work
	[ "$status" -eq 2 ]
	run rl-queue nack l --error '[1]'
	[ "$status" -eq 2 ]
	run rl-queue -h
	[ "$status" -eq 0 ]
}

@test "options go before or after the subcommand; one that does not fit is refused" {
	echo '{"n":1}' | rl-queue push -q other --priority 4
	echo '{"n":2}' | rl-queue -q other -P 9 push
	run --separate-stderr rl-queue --lease 1m pop -q other --count 5
	[ "$status" -eq 0 ]
	jqo -s 'map([.body.n, .priority])'
	expect '[[2,9],[1,4]]'
	run --separate-stderr rl-queue pop --state dead
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "rl-queue: usage.bad_value: --state does not go with pop" ]
}

@test "the old -p PRIORITY and pop -n COUNT still work, with a warning" {
	echo '{"n":1}' | rl-queue push -p 3
	echo '{"n":2}' | rl-queue push
	run --separate-stderr rl-queue pop -n 2
	[ "$status" -eq 0 ]
	[ "$stderr" = "rl-queue: warning: -n COUNT is now -c COUNT (--count): -n is rl-mem's namespace" ]
	jqo -s 'map([.body.n, .priority])'
	expect '[[1,3],[2,0]]'
	echo '{}' > in
	run --separate-stderr rl-queue push -p 3 in
	[ "$status" -eq 0 ]
	[ "$stderr" = "rl-queue: warning: -p PRIORITY is now -P PRIORITY (--priority): -p is the provider everywhere else" ]
}

@test "work stops reading options at --: the command's own options are its own" {
	echo '{"n":1}' | rl-queue push
	run --separate-stderr rl-queue work --wait 0 -j 1 -- sh -c 'jq -c .n >> "$0"' "$S/seen"
	[ "$status" -eq 0 ]
	run cat "$S/seen"
	expect 1
}
