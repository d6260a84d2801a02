#!/usr/bin/env bats
# The record loop (lib/rl_loop.c), seen through rl-validate: every line is
# a record or an error baton, nothing is dropped, the stream goes on.

load helpers/common

ok1='{"rl":1,"id":"a1","next":"plan"}'
ok2='{"rl":1,"id":"a2","next":"act","task":"x"}'

@test "valid records pass through byte for byte" {
	printf '%s\n%s\n' '{"rl":1, "id":"a1" ,"next":"plan","n":1.50}' "$ok2" > in
	run rl-validate in
	[ "$status" -eq 0 ]
	cmp in <(printf '%s\n' "$output")
}

@test "CRLF line ends, blank lines and a last line without newline" {
	printf '%s\r\n\n   \n\t\n%s' "$ok1" "$ok2" > in
	run --separate-stderr rl-validate in
	[ "$status" -eq 0 ]
	expect "$ok1
$ok2"
	[ -z "$stderr" ]
}

@test "a line that is not JSON becomes an error baton and the stream goes on" {
	run --separate-stderr rl-validate <<-EOF
	$ok1
	this is not json
	$ok2
	EOF
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "$ok1" ]
	[ "${lines[2]}" = "$ok2" ]
	output=${lines[1]}
	jqo '[.rl, .next, .error.code, .error.category, .error.retryable, .error.stage, .raw]'
	expect '[1,"done","input.not_json","input",false,"validate","this is not json"]'
	[ "$stderr" = "rl-validate: stdin:2: input.not_json: unexpected 't' at column 1" ]
}

@test "truncated JSON says where input ended" {
	run --separate-stderr rl-validate <<< '{"rl":1,"id":"x","next":'
	[ "$status" -eq 1 ]
	[ "$stderr" = "rl-validate: stdin:1: input.not_json: unexpected end of input" ]
}

@test "diagnostics name the file and line of each input" {
	printf '%s\nbad\n' "$ok1" > one
	printf '\n\n[\n' > two
	run --separate-stderr rl-validate one two
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "rl-validate: one:2: input.not_json: unexpected 'b' at column 1" ]
	[ "${stderr_lines[1]}" = "rl-validate: two:3: input.not_json: unexpected end of input" ]
}

@test "a missing input file is reported and the others are read" {
	echo "$ok1" > there
	run --separate-stderr rl-validate nothere there
	[ "$status" -eq 1 ]
	expect "$ok1"
	[ "$stderr" = "rl-validate: nothere: io.open: No such file or directory" ]
}

@test "a 100 MB line is input.too_large and the stream goes on" {
	{
		echo "$ok1"
		printf '{"rl":1,"id":"big","task":"'
		head -c 100000000 /dev/zero | tr '\0' x
		printf '"}\n'
		echo "$ok2"
	} | rl-validate > out 2> err && status=0 || status=$?
	[ "$status" -eq 1 ]
	[ "$(wc -l < out)" -eq 3 ]
	[ "$(sed -n 1p out)" = "$ok1" ]
	[ "$(sed -n 3p out)" = "$ok2" ]
	output=$(sed -n 2p out)
	jqo '[.error.code, .error.raw_bytes, (.raw | length), (.raw | startswith("{\"rl\":1,\"id\":\"big\""))]'
	expect '["input.too_large",100000029,1024,true]'
	grep -q 'stdin:2: input.too_large: line of 100000029 bytes exceeds the limit of 16777216' err
}

@test "the record size limit comes from the configuration" {
	run --separate-stderr env RL_MAX_RECORD_BYTES=1024 rl-validate <<< "{\"rl\":1,\"id\":\"a\",\"next\":\"plan\",\"task\":\"$(head -c 2000 /dev/zero | tr '\0' y)\"}"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"input.too_large: line of 2041 bytes exceeds the limit of 1024"* ]]
}

@test "a cut in a kept raw prefix never splits a UTF-8 character" {
	line="\"$(head -c 1022 /dev/zero | tr '\0' a)é$(head -c 2000 /dev/zero | tr '\0' b)\""
	run env RL_MAX_RECORD_BYTES=1024 rl-validate --quiet <<< "$line"
	jqo '[(.raw | length), has("raw_b64")]'
	expect '[1023,false]'
}

@test "NUL bytes are not JSON; the raw line goes to raw_b64" {
	printf '{"a":"x\0y"}\n%s\n' "$ok1" > in
	run --separate-stderr rl-validate in
	[ "$status" -eq 1 ]
	[ "${lines[1]}" = "$ok1" ]
	output=${lines[0]}
	jqo '[.error.code, .raw_b64, has("raw")]'
	expect '["input.not_json","eyJhIjoieAB5In0=",false]'
	[ "$stderr" = "rl-validate: in:1: input.not_json: nul byte at column 8" ]
}

@test "invalid UTF-8 is input.bad_utf8 and is kept in base64" {
	printf '{"a":"caf\xe9"}\n' > in
	run --separate-stderr rl-validate in
	[ "$status" -eq 1 ]
	jqo '[.error.code, .raw_b64]'
	expect '["input.bad_utf8","eyJhIjoiY2Fm6SJ9"]'
	[ "$stderr" = "rl-validate: in:1: input.bad_utf8: invalid utf-8 byte 0xe9 at column 10" ]
}

@test "nesting deeper than the limit is input.too_deep" {
	deep=$(printf '[%.0s' $(seq 200))$(printf ']%.0s' $(seq 200))
	run --separate-stderr rl-validate -s "$FIX/any.json" <<< "$deep"
	[ "$status" -eq 1 ]
	[ "$stderr" = "rl-validate: stdin:1: input.too_deep: nesting deeper than 128 at column 129" ]
	run env RL_MAX_DEPTH=300 rl-validate -s "$FIX/any.json" <<< "$deep"
	[ "$status" -eq 0 ]
}

@test "duplicate member names are rejected (documented choice)" {
	run --separate-stderr rl-validate <<< '{"rl":1,"id":"a","next":"plan","usage":{"ms":1,"ms":2}}'
	[ "$status" -eq 1 ]
	jqo '[.id, .error.code]'
	expect '["a","input.duplicate_key"]'
	[ "$stderr" = "rl-validate: stdin:1: input.duplicate_key: duplicate member name at '/usage/ms'" ]
}

@test "huge numbers are accepted and passed on digit for digit" {
	line='{"rl":1,"id":"n","next":"plan","x":123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890,"y":1e400,"z":-1e-400}'
	run rl-validate <<< "$line"
	[ "$status" -eq 0 ]
	expect "$line"
}

@test "an empty file is zero records, exit 0" {
	: > empty
	run rl-validate empty
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "a closed stdout is an error, not silence" {
	run --separate-stderr bash -c 'yes "{\"rl\":1,\"id\":\"a\",\"next\":\"plan\"}" | head -200000 | { trap "" PIPE; exec rl-validate; } | head -1 >/dev/null; echo "${PIPESTATUS[2]}"'
	expect 111
	[ "$stderr" = "rl-validate: io.write: stdout: Broken pipe" ]
}
