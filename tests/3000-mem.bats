#!/usr/bin/env bats
# rl-mem: the memory store (lib/rl_mem*.c) from the shell.
#
# This file runs twice: as itself, on the directory backend, and as
# tests/3010-mem-redis.bats (a link to it), on a Redis server of its
# own that setup_file starts (mem.backend a URL), each test with the
# server emptied.  The few tests about one backend alone skip on the
# other, saying why.

load helpers/common

setup_file() {
	case "$BATS_TEST_FILENAME" in
	*-redis.bats)
		export BATS_TEST_NAME_PREFIX="redis: "
		redis_file_start
		export RL_MEM_BACKEND=$REDIS_URL FILE_REDIS_PID=$REDIS_PID ;;
	esac
}

teardown_file() {
	redis_stop
}

setup() {
	if [[ "$BATS_TEST_FILENAME" == *-redis.bats ]]; then
		redis_test_setup
	else
		rl_setup
	fi
}

eval "common_$(declare -f teardown)"
teardown() {
	common_teardown
	# a server a test started for itself (not the file's) goes with it
	if [ "${REDIS_PID:-}" != "${FILE_REDIS_PID:-}" ]; then redis_stop; fi
}

on_redis() {
	[[ "${RL_MEM_BACKEND:-dir}" != dir ]]
}

dir_only() {
	if on_redis; then skip "directory backend only: $1"; fi
}

redis_only() {
	on_redis || skip "Redis backend only: $1"
}

# corrupt NS KEY: damage an entry as a crash or a hand could
corrupt() {
	if on_redis; then
		redis_cli hdel "rl:mem:$1:e:$2" c > /dev/null
	else
		printf 'garbage' > "$RL_HOME/mem/$1/$2"
	fi
}

@test "put, get, del; get of an absent key exits 1 with no output" {
	run rl-mem put greeting hello
	[ "$status" -eq 0 ]
	run rl-mem get greeting
	[ "$status" -eq 0 ]
	expect hello
	run rl-mem del greeting
	[ "$status" -eq 0 ]
	run rl-mem get greeting
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	run rl-mem del greeting
	[ "$status" -eq 1 ]
}

@test "a value from stdin keeps every byte, NULs and all" {
	printf 'a\0b\377\n' | rl-mem put bin -
	rl-mem get bin > out
	cmp out <(printf 'a\0b\377\n')
	printf 'plain' | rl-mem put fromstdin
	run rl-mem get fromstdin
	expect plain
}

@test "a value of 0 bytes is a value, not an absence" {
	rl-mem put empty ''
	run rl-mem get empty
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "namespaces are separate, and each agent may have one" {
	rl-mem -n plan put bias 'one small patch'
	rl-mem -n act put bias 'run the tests first'
	run rl-mem -n plan get bias
	expect 'one small patch'
	run rl-mem get bias
	[ "$status" -eq 1 ]
	run rl-mem stats -J
	jqo -s 'map(.ns)'
	expect '["act","plan"]'
}

@test "keys of any bytes are stored under safe file names" {
	for k in 'a/b' '..' '.hidden' 'sp ace' 'é' '%41' 'x:y|z*'; do
		rl-mem put "$k" "v-$k"
	done
	for k in 'a/b' '..' '.hidden' 'sp ace' 'é' '%41' 'x:y|z*'; do
		run rl-mem get "$k"
		expect "v-$k"
	done
	run rl-mem ls
	expect "%41
..
.hidden
a/b
sp ace
x:y|z*
é"
	if ! on_redis; then
		run find "$RL_HOME/mem/default" -name '*/*' -o -name '..?*' -not -name '.lock' -not -name '.usage'
		[ -z "$output" ]
	fi
}

@test "bad keys and namespaces are refused" {
	run --separate-stderr rl-mem put '' v
	[ "$status" -eq 1 ]
	[ "$stderr" = "rl-mem: mem.bad_key: the key is empty" ]
	run --separate-stderr rl-mem put "$(head -c 201 /dev/zero | tr '\0' k)" v
	[ "$stderr" = "rl-mem: mem.bad_key: the key is 201 bytes, more than 200" ]
	run --separate-stderr rl-mem put "$(head -c 70 /dev/zero | tr '\0' '/')" v
	if on_redis; then
		# a Redis key holds any bytes: only the directory's names are short
		[ "$status" -eq 0 ]
	else
		[ "$status" -eq 1 ]
		[ "$stderr" = "rl-mem: mem.bad_key: default: the key is 210 bytes once encoded for a file name, more than 200 (bytes other than A-Z a-z 0-9 _ . - count three)" ]
	fi
	run rl-mem put "$(head -c 66 /dev/zero | tr '\0' '/')" v
	[ "$status" -eq 0 ]
	run --separate-stderr rl-mem -n ../etc put k v
	[ "$status" -eq 2 ]
	[[ "$stderr" == "rl-mem: mem.bad_key: '../etc': a namespace is"* ]]
	[ ! -e "$RL_HOME/etc" ]
}

@test "a value over mem.max_value_bytes fails and changes nothing" {
	rl-mem put k old
	run --separate-stderr env RL_MEM_MAX_VALUE_BYTES=10 rl-mem put k 0123456789X
	[ "$status" -eq 1 ]
	[ "$stderr" = "rl-mem: mem.too_large: the value is 11 bytes, more than mem.max_value_bytes (10)" ]
	run rl-mem get k
	expect old
}

@test "a namespace over mem.max_namespace_bytes refuses the put" {
	export RL_MEM_MAX_NAMESPACE_BYTES=10
	rl-mem put a 12345
	rl-mem put b 1234
	run --separate-stderr rl-mem put c 12
	[ "$status" -eq 1 ]
	[ "$stderr" = "rl-mem: mem.full: default: the namespace would hold 11 bytes, more than mem.max_namespace_bytes (10)" ]
	run rl-mem get c
	[ "$status" -eq 1 ]
	# replacing a value counts the difference only
	run rl-mem put a 123456
	[ "$status" -eq 0 ]
}

@test "8 processes putting at once never take a namespace over mem.max_namespace_bytes" {
	export RL_MEM_MAX_NAMESPACE_BYTES=1000
	for p in 1 2 3 4 5 6 7 8; do
		for i in $(seq 20); do printf '{"op":"put","key":"%s-%s","value":"0123456789"}\n' "$p" "$i"; done > "ops$p"
	done
	for p in 1 2 3 4 5 6 7 8; do rl-mem batch "ops$p" > "out$p" & done
	wait || true
	# 160 puts of 10 bytes, room for 100: exactly 100 taken, 60 refused
	run jq -s 'map(select(.ok)) | length' out1 out2 out3 out4 out5 out6 out7 out8
	expect 100
	run jq -s 'map(select(.error.code == "mem.full")) | length' out1 out2 out3 out4 out5 out6 out7 out8
	expect 60
	run rl-mem stats -J
	jqo '[.entries, .bytes]'
	expect '[100,1000]'
}

@test "--ttl: an expired entry is absent, and gc removes it" {
	rl-mem put soon v --ttl 1ms
	rl-mem put later v --ttl 1h
	sleep 0.05
	run rl-mem get soon
	[ "$status" -eq 1 ]
	run rl-mem get later
	[ "$status" -eq 0 ]
	run rl-mem gc
	jqo '[.expired, .evicted]'
	expect '[1,0]'
	run rl-mem ls
	expect later
	run --separate-stderr rl-mem put x v --ttl soonish
	[ "$status" -eq 2 ]
}

@test "gc evicts the least recently read first" {
	for k in a b c d; do rl-mem put "$k" 12345; sleep 0.01; done
	rl-mem get a > /dev/null
	run rl-mem gc --max-entries 2
	jqo '[.evicted, .bytes]'
	expect '[2,10]'
	run rl-mem ls
	expect "a
d"
	run rl-mem gc --max-bytes 5
	run rl-mem ls
	expect a
}

@test "gc per namespace leaves the others alone" {
	rl-mem -n one put a 1; rl-mem -n one put b 2
	rl-mem -n two put a 1; rl-mem -n two put b 2
	rl-mem -n one gc --max-entries 0 > /dev/null
	run rl-mem -n one ls
	[ -z "$output" ]
	run rl-mem -n two ls
	expect "a
b"
}

@test "gc --max-age removes entries not read for that long" {
	# RL_CLOCK_SKEW_MS moves the clock ten minutes on instead of waiting
	rl-mem put old v
	RL_CLOCK_SKEW_MS=600000 rl-mem put new v
	run env RL_CLOCK_SKEW_MS=600000 rl-mem gc --max-age 5m
	jqo '.aged'
	expect 1
	run rl-mem ls
	expect new
}

@test "ls -l shows sizes and ages; ls takes a prefix" {
	rl-mem put apple 12345
	rl-mem put apricot 1
	rl-mem put banana 12
	run rl-mem ls ap
	expect "apple
apricot"
	run rl-mem ls -l b
	[[ "$output" =~ ^2$'\t'[0-9]+s$'\t'banana$ ]]
}

@test "stats: entries, bytes, hits and misses per namespace" {
	rl-mem -n a put k1 123
	rl-mem -n a put k2 45
	rl-mem -n a get k1 > /dev/null
	rl-mem -n a get nope || true
	rl-mem -n b put k 1
	run rl-mem stats
	jqo -s 'map([.ns, .entries, .bytes, .hits, .misses, .corrupt, (.oldest | test("^20"))])'
	expect '[["a",2,5,1,1,0,true],["b",1,1,0,0,0,true]]'
	run rl-mem -n b stats -J
	jqo '.ns'
	expect '"b"'
}

@test "clear empties a namespace; clear --all every one" {
	rl-mem -n a put k 1; rl-mem -n b put k 1; rl-mem put k 1
	run rl-mem -n a clear
	expect 1
	run rl-mem -n b get k
	[ "$status" -eq 0 ]
	run rl-mem clear --all
	expect 2
	run rl-mem -n b get k
	[ "$status" -eq 1 ]
	run rl-mem -n b clear --all
	[ "$status" -eq 2 ]
}

@test "incr counts, and refuses a value that is not an integer" {
	run rl-mem incr n
	expect 1
	run rl-mem incr n 41
	expect 42
	run rl-mem incr n -50
	expect -8
	rl-mem put word hello
	run --separate-stderr rl-mem incr word
	[ "$status" -eq 1 ]
	[ "$stderr" = "rl-mem: mem.not_integer: default: 'word' does not hold a decimal integer" ]
	rl-mem put big 9223372036854775807
	run --separate-stderr rl-mem incr big
	[ "$stderr" = "rl-mem: mem.not_integer: default: 'big' would overflow" ]
}

@test "batch: NDJSON operations in, NDJSON results out, in one process" {
	run --separate-stderr rl-mem batch <<-'EOF'
	{"op":"put","key":"k","value":"v","id":1}
	{"op":"get","key":"k"}
	{"op":"get","key":"absent"}
	{"op":"put","key":"bytes","value_b64":"AAH/"}
	{"op":"get","key":"bytes"}
	{"op":"incr","key":"n","delta":3}
	{"op":"del","key":"k"}
	{"op":"ls","ns":"default"}
	{"op":"put","key":"x","value":"y","ns":"other","ttl":"1h"}
	{"op":"get","key":"x","ns":"other"}
	EOF
	[ "$status" -eq 0 ]
	jqo -s 'map([.op, .ok, .found, .value, .value_b64, .keys, .id] | map(select(. != null)))'
	expect '[["put",true,1],["get",true,true,"v"],["get",true,false],["put",true],["get",true,true,"AAH/"],["incr",true,3],["del",true,true],["ls",true,["bytes","n"]],["put",true],["get",true,true,"y"]]'
}

@test "batch: a malformed line or a bad operation gives an error and the batch goes on" {
	run --separate-stderr rl-mem batch <<-'EOF'
	not json
	{"op":"frob","key":"k"}
	{"op":"put","key":"","value":"v"}
	{"op":"put","key":"k"}
	{"op":"put","key":"n\u0000ul","value":"v"}
	{"op":"put","key":"k","value":"v","ttl":"never"}
	{"op":"put","key":"fine","value":"v"}
	EOF
	[ "$status" -eq 1 ]
	jqo -s 'map(.error.code // "ok")'
	expect '["input.not_json","mem.bad_op","mem.bad_key","mem.bad_op","mem.bad_value","mem.bad_op","ok"]'
	run rl-mem get fine
	expect v
}

@test "a corrupt entry is reported, skipped by ls and stats, and removable" {
	rl-mem put good v
	rl-mem put bad v
	corrupt default bad
	run --separate-stderr rl-mem get bad
	[ "$status" -eq 1 ]
	[ "$stderr" = "rl-mem: mem.corrupt: default: 'bad' is not a valid entry (fix: rl-mem -n default del 'bad')" ]
	run --separate-stderr rl-mem ls
	[ "$status" -eq 1 ]
	expect good
	[ "$stderr" = "rl-mem: default: mem.corrupt: 'bad' is not a valid entry (fix: rl-mem -n default del 'bad')" ]
	run rl-mem stats
	jqo '[.entries, .corrupt]'
	expect '[1,1]'
	run rl-mem del bad
	[ "$status" -eq 0 ]
	run rl-mem ls
	[ "$status" -eq 0 ]
}

@test "a missing state directory is created" {
	dir_only "the store is files in the state directory"
	export RL_HOME="$S/not/yet/there"
	run rl-mem put k v
	[ "$status" -eq 0 ]
	[ -f "$S/not/yet/there/mem/default/k" ]
}

@test "a full disk: the put fails, the old value stays, no temporary file" {
	dir_only "a file size limit is a directory's full disk"
	[ -z "${RL_VALGRIND:-}" ] || skip "valgrind itself trips over the file size limit"
	rl-mem put k old
	run --separate-stderr bash -c "ulimit -f 1; exec rl-mem put k \"\$(head -c 4096 /dev/zero | tr '\\0' x)\""
	[ "$status" -eq 111 ]
	# (a coverage build adds its own complaint about the limit after ours)
	[ "${stderr_lines[0]}" = "rl-mem: io.write: default: cannot write: File too large" ]
	run rl-mem get k
	expect old
	[ -z "$(find "$RL_HOME/mem" -name '.*.tmp.*')" ]
}

@test "a read-only store: gets work, puts fail cleanly" {
	dir_only "a read-only file system"
	rl-mem put k v
	run_read_only "$RL_HOME/mem" 'rl-mem get k && rl-mem put k w'
	[ "$status" -ne 0 ]
	expect v
	[[ "$stderr" == *"rl-mem: io."*"Read-only file system"* || "$stderr" == *"Permission denied"* ]]
	run rl-mem get k
	expect v
}

@test "a lock held by a dead process does not block anyone" {
	dir_only "Redis runs each change as one script; there is no lock to hold"
	rl-mem put k v
	flock "$RL_HOME/mem/default/.lock" sleep 600 &
	holder=$!
	sleep 0.2
	kill -9 "$holder"
	wait "$holder" 2> /dev/null || true
	pkill -9 -f "sleep 600" 2> /dev/null || true
	run timeout 10 rl-mem put k w
	[ "$status" -eq 0 ]
	run rl-mem get k
	expect w
}

@test "8 processes, mixed operations on the same keys: every get is a whole put" {
	for p in 1 2 3 4 5 6 7 8; do
		awk -v p="$p" 'BEGIN { srand(p); pad = sprintf("%300s", ""); gsub(/ /, "x", pad);
			for (i = 0; i < 1250; i++) { k = "k" int(rand() * 10); r = rand();
				if (r < 0.3) printf "{\"op\":\"put\",\"key\":\"%s\",\"value\":\"%d-%d-%s\"}\n", k, p, i, pad;
				else if (r < 0.9) printf "{\"op\":\"get\",\"key\":\"%s\"}\n", k;
				else printf "{\"op\":\"del\",\"key\":\"%s\"}\n", k } }' > "ops$p"
	done
	for p in 1 2 3 4 5 6 7 8; do rl-mem batch "ops$p" > "out$p" & done
	wait
	cat out? > all
	[ "$(wc -l < all)" -eq 10000 ]
	run jq -s '[.[] | select(.ok != true)] | length' all
	expect 0
	run jq -s '[.[] | select(.op == "get" and .found) | .value | select(test("^[1-8]-[0-9]+-x{300}$") | not)] | length' all
	expect 0
}

@test "8 processes incrementing one counter lose no increment" {
	for p in 1 2 3 4 5 6 7 8; do
		yes '{"op":"incr","key":"c"}' | head -200 > "inc$p"
	done
	for p in 1 2 3 4 5 6 7 8; do rl-mem batch "inc$p" > /dev/null & done
	wait
	run rl-mem get c
	expect 1600
}

@test "writers killed at random points leave old or new values, never torn" {
	run "$TOP/tests/stress/mem-kill" 40
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "mem-kill: 40 kills, every value whole" ]
}

@test "leftover temporary files are removed by gc, and the store opens as it is" {
	dir_only "Redis writes no temporary files"
	rl-mem put k v
	printf 'partial' > "$RL_HOME/mem/default/.k.tmp.deadbeef"
	run rl-mem get k
	expect v
	run rl-mem gc
	jqo .temp
	expect 1
	[ ! -e "$RL_HOME/mem/default/.k.tmp.deadbeef" ]
}

@test "a Redis that cannot be reached: exit 111, and nothing acknowledged is lost" {
	redis_only "a server to crash"
	# a server of this test's own, that keeps every acknowledged write
	redis_start --appendonly yes --appendfsync always
	export RL_MEM_BACKEND=$REDIS_URL RL_REDIS_RETRY=0
	rl-mem put k old
	# a batch that loses its server half way: what was answered is kept,
	# what comes after fails, retryable
	mkfifo ops
	rl-mem batch < ops > out 2> err &
	batch=$!
	exec 8> ops
	printf '{"op":"put","key":"b%d","value":"v"}\n' 1 2 3 >&8
	for _ in $(seq 100); do [ "$(wc -l < out)" -lt 3 ] || break; sleep 0.05; done
	redis_kill
	printf '{"op":"incr","key":"n"}\n' >&8
	exec 8>&-
	st=0
	wait "$batch" || st=$?
	[ "$st" -eq 111 ]
	run jq -c '[.op, .ok, .error.code, .error.retryable]' out
	expect '["put",true,null,null]
["put",true,null,null]
["put",true,null,null]
["incr",false,"redis.unreachable",true]'
	run --separate-stderr rl-mem put k new
	[ "$status" -eq 111 ]
	[[ "$stderr" == "rl-mem: redis.unreachable: $REDIS_URL: "* ]]
	redis_restart
	run rl-mem get k
	expect old
	run rl-mem ls
	expect "b1
b2
b3
k"
	run rl-mem get n
	[ "$status" -eq 1 ]
}

@test "batch: a block of operations is one round trip to Redis" {
	redis_only "the directory has no round trips"
	for i in $(seq 300); do
		printf '{"op":"put","key":"k%d","value":"v%d"}\n{"op":"get","key":"k%d"}\n' "$i" "$i" "$i"
	done > ops
	redis_cli config resetstat > /dev/null
	run --separate-stderr rl-mem batch ops
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 600 ]
	run jq -s 'map(select(.op == "get" and .value == "v\(.key[1:])")) | length' <<< "$output"
	expect 300
	run redis_cli info commandstats
	[[ "$output" == *"cmdstat_evalsha:calls=1,"* ]]
}

@test "a user with only the memory's ACL line of redline-redis(7) can do everything rl-mem does" {
	redis_only "a Redis user"
	line=$(grep -m1 "^redis-cli ACL SETUSER w1 '~rl:mem:\*'" "$TOP/man/man7/redline-redis.7")
	[ -n "$line" ]
	# every command the memory runs, in its scripts or not, is in it
	for c in $( { grep -oE "redis\.p?call\('[A-Z]+'" "$TOP/lib/rl_mem_redis.c"
	    grep -oE '(rl_redis_arg\(&a|cmd\(m, &e), "[A-Z]+"' "$TOP/lib/rl_mem_redis.c"; } |
	    grep -oE '[A-Z]+' | sort -u); do
		# (a word of the arguments, as LIMIT, is no command)
		[ "$(redis_cli command info "$c" | head -1)" != "" ] || continue
		[[ "$line" == *" +${c,,} "* || "$line" == *" +${c,,}" || "$line" == *"'+${c,,}|"* ]] ||
		    { echo "$c is not in the memory's ACL line of redline-redis(7)"; return 1; }
	done
	redis_cli ACL SETUSER w1 on '>s3cret' resetchannels -@all > /dev/null
	run sh -c "${line/redis-cli/redis-cli -p $REDIS_PORT}"
	expect OK
	export RL_MEM_BACKEND="redis://w1:s3cret@127.0.0.1:$REDIS_PORT/0"
	rl-mem put a 1 --ttl 1h
	rl-mem put gone v --ttl 1ms
	printf '{"op":"incr","key":"a"}\n{"op":"get","key":"a"}\n{"op":"del","key":"a"}\n' | rl-mem batch > out
	run jq -c '[.ok, .value]' out
	expect '[true,2]
[true,"2"]
[true,null]'
	run rl-mem ls -l
	[[ "$output" == *gone ]]
	run rl-mem gc
	jqo .expired
	expect 1
	run rl-mem stats -J
	jqo .entries
	expect 0
	run rl-mem clear --all
	expect 0
	run --separate-stderr rl-mem check
	[ "$status" -eq 1 ]
	jqo .appendonly
	expect '"no"'
	run --separate-stderr env RL_MEM_BACKEND="redis://w1:wrong@127.0.0.1:$REDIS_PORT/0" rl-mem get a
	[ "$status" -eq 2 ]
	[[ "$stderr" == "rl-mem: redis.auth: "* ]]
}

@test "check: the store, and nothing that can lose a write" {
	dir_only "the Redis server's settings are checked below"
	run --separate-stderr rl-mem check
	[ "$status" -eq 0 ]
	jqo -c '[.backend, .where, .safe]'
	expect "[\"dir\",\"$RL_HOME/mem\",true]"
	[ -z "$stderr" ]
}

@test "check: the server's version and persistence, each risk with a fix that works" {
	redis_only "the directory fsyncs every write"
	run --separate-stderr rl-mem check
	[ "$status" -eq 1 ]
	jqo -c '[.backend, .server, (.version | test("^[0-9]+[.]")), .appendonly, .appendfsync, .safe]'
	expect "[\"redis\",\"$REDIS_URL\",true,\"no\",\"everysec\",false]"
	[ "${#stderr_lines[@]}" -eq 2 ]
	[[ "${stderr_lines[0]}" == "rl-mem: warning: appendonly no: "*"(fix: redis-cli -h 127.0.0.1 -p $REDIS_PORT CONFIG SET appendonly yes)" ]]
	[[ "${stderr_lines[1]}" == "rl-mem: warning: appendfsync everysec: "*"(fix: redis-cli -h 127.0.0.1 -p $REDIS_PORT CONFIG SET appendfsync always)" ]]
	for line in "${stderr_lines[@]}"; do
		fix=${line##*(fix: }
		run sh -c "${fix%)}"
		expect OK
	done
	run --separate-stderr rl-mem check
	redis_cli config set appendonly no > /dev/null
	redis_cli config set appendfsync everysec > /dev/null
	[ "$status" -eq 0 ]
	jqo -c '[.appendonly, .appendfsync, .safe]'
	expect '["yes","always",true]'
	[ -z "$stderr" ]
}

@test "every run logs a memory event with its counts" {
	rl-mem put k v
	rl-mem get k > /dev/null
	rl-mem get nope || true
	run jq -s -c 'map(select(.kind == "memory")) | map([.puts, .gets, .hits, .misses])' "$RL_HOME/metrics.ndjson"
	expect '[[1,0,0,0],[0,1,1,0],[0,1,0,1]]'
}

@test "rl-mem does not link libcurl" {
	[ -z "${RL_VALGRIND:-}" ] || skip "the command is a valgrind wrapper here"
	run ldd "$RL_BIN/rl-mem"
	[[ "$output" != *libcurl* ]]
}

@test "usage errors exit 2" {
	run rl-mem
	[ "$status" -eq 2 ]
	run rl-mem frob
	[ "$status" -eq 2 ]
	run rl-mem get
	[ "$status" -eq 2 ]
	run rl-mem incr k notanumber
	[ "$status" -eq 2 ]
	run rl-mem -h
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: rl-mem [-b backend] [-n ns] put key"* ]]
}
