#!/usr/bin/env bats
# provider.rate_store: the rpm and tpm buckets on a Redis server, shared
# by every machine that names it (lib/rl_prov_ratelimit.c).  A "machine"
# is a state directory of its own, as two hosts would have.

load helpers/common

setup_file() {
	redis_file_start
}

teardown_file() {
	redis_stop
}

setup() {
	redis_test_setup
}

# machines N [env...]: run rl-provider ask on N machines at once, each
# with 10 prompts, its own state directory and its clock off by
# (i - 2) * $SKEW ms (default 0), with the environment given
machines() {
	local n=$1 i pids=
	shift
	for i in $(seq "$n"); do
		for j in $(seq 10); do printf '{"prompt":"%d-%d"}\n' "$i" "$j"; done > "in$i"
		env RL_HOME="$S/machine$i" RL_CLOCK_SKEW_MS=$(( (i - 2) * ${SKEW:-0} )) "$@" \
		    rl-provider ask -J -p "$MOCK_URL" -m m "in$i" > "out$i" 2> "err$i" &
		pids="$pids $!"
	done
	wait $pids
}

# over START: how many requests reached the mock server sooner than
# 1200 rpm (a bucket of 20, one more each 50 ms) started at START
# allows; 0 when the limit held for all of them together.  The k-th
# request to arrive was taken before it arrived, and the k-th take comes
# (k - 20) * 50 ms after the first at the soonest, whatever the delays.
over() {
	jq -s --argjson start "$1" \
	    'map(.at) | sort | to_entries | map(select(.value - $start < (.key + 1 - 20) * 50 - 5)) | length' \
	    "$MOCK_LOG"
}

@test "four machines sharing a rate limit through Redis never exceed it together, whatever their clocks say" {
	mock_start
	start=$(date +%s%3N)
	# each machine's clock is off by a different hour
	SKEW=3600000 machines 4 RL_RPM=1200 RL_RATE_STORE="$REDIS_URL"
	mock_stop
	[ "$(cat out* | jq -r 'select(.reply) | .reply' | wc -l)" -eq 40 ]
	run over "$start"
	expect 0
	# 40 requests, 20 at once, then 20 a second: the last came >= 1 s on
	run jq -s --argjson start "$start" '(map(.at) | max) - $start >= 995' "$MOCK_LOG"
	expect true
	[ -z "$(cat err*)" ]
	# one bucket, on the server: no machine kept one of its own
	run find "$S"/machine*/ratelimit -type f ! -name '*.lock' -size +0
	[ -z "$output" ]
}

@test "a rate store that cannot be reached is said once, and the work is done under this machine's limit" {
	mock_start
	for j in $(seq 12); do printf '{"prompt":"%d"}\n' "$j"; done > in
	RL_RPM=600 RL_RATE_STORE=redis://127.0.0.1:1 run --separate-stderr \
	    rl-provider ask -J -p "$MOCK_URL" -m m in
	mock_stop
	[ "$status" -eq 0 ]
	[ "$(jq -r 'select(.reply) | .reply' <<< "$output" | wc -l)" -eq 12 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "${stderr_lines[0]}" == "rl-provider: redis.unreachable: provider.rate_store: redis://127.0.0.1:1: "*"; until it answers, the rate limits hold for this machine alone" ]]
	# this machine's bucket stood in
	run find "$RL_HOME/ratelimit" -type f ! -name '*.lock' -size +0
	[ "${#lines[@]}" -eq 1 ]
}

@test "a repository's configuration cannot choose the rate store" {
	mock_start
	mkdir -p .redline
	printf '{"version":1,"provider":{"rate_store":"%s","rpm":600}}\n' "$REDIS_URL" > .redline/config.json
	trust_repo
	run --separate-stderr rl-provider ask -p "$MOCK_URL" -m m hello
	mock_stop
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"config.forbidden: provider.rate_store"* ]]
	run redis_cli --scan --pattern 'rl:ratelimit:*'
	[ -z "$output" ]
}

@test "a user with only the memory and rate limits' ACL line of redline-redis(7) shares the rate limit" {
	line=$(grep -m1 "^redis-cli ACL SETUSER w1 '~rl:mem:\*'" "$TOP/man/man7/redline-redis.7")
	[ -n "$line" ]
	for c in $(grep -oE "redis\.p?call\('[A-Z]+'" "$TOP/lib/rl_prov_ratelimit.c" | grep -oE '[A-Z]+' | sort -u) EVALSHA; do
		[[ "$line" == *" +${c,,} "* || "$line" == *" +${c,,}" ]] ||
		    { echo "$c is not in the ACL line of redline-redis(7)"; return 1; }
	done
	redis_cli ACL SETUSER w1 on '>s3cret' resetchannels -@all > /dev/null
	run sh -c "${line/redis-cli/redis-cli -p $REDIS_PORT}"
	expect OK
	mock_start
	RL_RPM=600 RL_RATE_STORE="redis://w1:s3cret@127.0.0.1:$REDIS_PORT/0" \
	    run --separate-stderr rl-provider ask -p "$MOCK_URL" -m m hello
	mock_stop
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	run redis_cli --scan --pattern 'rl:ratelimit:*'
	[ "${#lines[@]}" -eq 1 ]
}
