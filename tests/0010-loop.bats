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
	line='{"rl":1,"id":"n","next":"plan","x":123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890,"y":1.7976931348623157e308,"z":-1e-400}'
	run rl-validate <<< "$line"
	[ "$status" -eq 0 ]
	expect "$line"
}

@test "a number beyond a double is input.number_range: no stage reads infinity" {
	run --separate-stderr rl-validate <<< '{"rl":1,"id":"n","next":"plan","y":1e400}'
	[ "$status" -eq 1 ]
	jqo -r .error.code
	expect input.number_range
	[ "$stderr" = "rl-validate: stdin:1: input.number_range: a number beyond the range of a double (about 1.8e308) at column 36" ]
	run --separate-stderr rl-validate -s "$FIX/any.json" <<< '[-1e400]'
	[ "$status" -eq 1 ]
	jqo -r .error.code
	expect input.number_range
}

@test "strict JSON is RFC 8259: what cJSON lets through becomes an error baton" {
	# JSONTestSuite's n_ cases that cJSON accepts; tests/unit/test_json.c
	# has every single-line n_ and every y_ case
	printf '%s\n' '[-01]' '[-2.]' '[0.e1]' '[2.e+3]' '[2.e-3]' '[2.e3]' \
	    '[-012]' '[-.123]' '[1.]' '[012]' '["\uqqqq"]' > in
	printf '["\t"]\n[\f]\n{"a":1}\n\xef\xbb\xbf{"a":2}\n' >> in
	run --separate-stderr rl-validate -s "$FIX/any.json" in
	[ "$status" -eq 1 ]
	# the output is JSON that jq reads whole, each bad line a baton
	run jq -r '.error.code // .a' <<< "$output"
	[ "$status" -eq 0 ]
	expect "$(printf 'input.not_json\n%.0s' $(seq 13))
1
input.bad_utf8"
	[ "${stderr_lines[0]}" = "rl-validate: in:1: input.not_json: leading zero in a number at column 4" ]
	[ "${stderr_lines[10]}" = "rl-validate: in:11: input.not_json: \\u must be followed by four hex digits at column 3" ]
	[ "${stderr_lines[11]}" = "rl-validate: in:12: input.not_json: unescaped control character 0x09 in a string (write \\u0009) at column 3" ]
	[ "${stderr_lines[12]}" = "rl-validate: in:13: input.not_json: unexpected byte 0x0c at column 2" ]
	[ "${stderr_lines[13]}" = "rl-validate: in:15: input.bad_utf8: byte order mark (U+FEFF) outside a string at column 1" ]
}

@test "every form RFC 8259 allows passes byte for byte" {
	printf '%s\n' '[-0]' '[0e+1]' '[1E22]' '[-0.5e-2]' '[123.456e78]' '" "' \
	    '["\"\\\/\b\f\n\r\t\u0000\uD834\uDd1e"]' '["a\u007fb\uFFFF"]' \
	    ' [ 1 , {} ] ' > in
	# DEL, and U+FEFF in a string, where it is a character
	printf '["a\x7fb"]\n{"\\ufeff":"\xef\xbb\xbf"}\n' >> in
	run --separate-stderr rl-validate -s "$FIX/any.json" in
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "$(cat in)" ]
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

@test "a reader that goes away is io.write, exit 111, not death by SIGPIPE" {
	# SIGPIPE at its default, as a shell starts commands
	run --separate-stderr bash -c 'yes "{\"rl\":1,\"id\":\"a\",\"next\":\"plan\"}" | head -200000 | env --default-signal=PIPE rl-validate | head -c1 >/dev/null; echo "${PIPESTATUS[2]}"'
	expect 111
	[ "$stderr" = "rl-validate: io.write: stdout: Broken pipe" ]
}

@test "a closed stdin, stdout or stderr gets no file opened onto it" {
	[ -z "${RL_VALGRIND:-}" ] || skip "valgrind opens descriptors of its own"
	# the queue's directory became stdin, and was read as input
	run --separate-stderr bash -c 'exec rl-queue push <&-'
	[ "$status" -eq 111 ]
	[ "$stderr" = "rl-queue: stdin: io.read: Bad file descriptor" ]
	echo '{"n":1}' | rl-queue push
	run --separate-stderr bash -c 'exec rl-queue pop >&-'
	[ "$status" -eq 111 ]
	[ "$stderr" = "rl-queue: io.write: stdout: Bad file descriptor" ]
	# with stderr closed, nothing is written into the queue's files
	run bash -c 'exec rl-queue ls 2>&-'
	[ "$status" -eq 0 ]
	jqo -c '[.state, .body]'
	expect '["leased",{"n":1}]'
	run bash -c 'exec rl-config show >&-'
	[ "$status" -eq 111 ]
	run jq -c . "$RL_HOME/metrics.ndjson"
	[ "$status" -eq 0 ]
}
