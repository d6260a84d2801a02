#!/usr/bin/env bats
# rl-validate: the baton schema, custom schemas, -q, -S.

load helpers/common

@test "a baton that breaks the schema: validate.schema with every error listed" {
	run --separate-stderr rl-validate <<< '{"rl":2,"id":"b1","next":"later","usage":{"prompt_tokens":-3,"extra":1}}'
	[ "$status" -eq 1 ]
	jqo '[.id, .error.code, .error.message, [.error.errors[] | [.path, .keyword]], (.raw | fromjson | .rl)]'
	expect '["b1","validate.schema","/rl: must be 1 (and 3 more)",[["/rl","const"],["/next","enum"],["/usage/prompt_tokens","minimum"],["/usage/extra","additionalProperties"]],2]'
	[ "$stderr" = "rl-validate: stdin:1: validate.schema: /rl: must be 1 (and 3 more)" ]
}

@test "required fields of a baton" {
	run --separate-stderr rl-validate <<< '{"task":"no id"}'
	[ "$status" -eq 1 ]
	jqo '[.error.errors[].message]'
	expect "[\"'rl' is required\",\"'id' is required\",\"'next' is required\"]"
}

@test "an error baton is itself a valid baton" {
	printf 'junk\n{"rl":1}\n' | rl-validate 2>/dev/null > errs || true
	[ "$(wc -l < errs)" -eq 2 ]
	run rl-validate errs
	[ "$status" -eq 0 ]
	cmp errs <(printf '%s\n' "$output")
}

@test "unknown fields are kept and passed on" {
	line='{"rl":1,"id":"k","next":"plan","mine":{"anything":[1,2]}}'
	run rl-validate <<< "$line"
	[ "$status" -eq 0 ]
	expect "$line"
}

@test "--quiet: no diagnostics, the error batons still come" {
	run --separate-stderr rl-validate --quiet <<< 'nope'
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	jqo -r '.error.code'
	expect input.not_json
}

@test "the old -q still means --quiet, with a warning" {
	run --separate-stderr rl-validate -q <<< 'nope'
	[ "$status" -eq 1 ]
	[ "$stderr" = "rl-validate: warning: -q is now --quiet: -q is the queue everywhere else" ]
	jqo -r '.error.code'
	expect input.not_json
}

@test "-s: any JSON value may be a record" {
	echo '{"type":"number","minimum":0}' > num.json
	run --separate-stderr rl-validate -s num.json <<-EOF
	5
	-1
	"x"
	EOF
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = 5 ]
	output="${lines[1]}"; jqo '[.raw, .error.errors[0].keyword]'; expect '["-1","minimum"]'
	[ "${stderr_lines[1]}" = 'rl-validate: stdin:3: validate.schema: (record): must be number, not string' ]
}

@test "a schema that is not a valid schema: exit 2, its path named" {
	echo '{"properties":{"a":{"type":"strnig"}}}' > bad.json
	run --separate-stderr rl-validate -s bad.json <<< '1'
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "rl-validate: validate.bad_schema: bad.json: /properties/a/type: unknown type 'strnig'" ]
}

@test "a schema file that is not JSON: exit 2 with line and column" {
	printf '{\n  "type": "object",,\n}\n' > broken.json
	run --separate-stderr rl-validate -s broken.json <<< '1'
	[ "$status" -eq 2 ]
	[ "$stderr" = "rl-validate: validate.bad_schema: broken.json:2:20: unexpected ','" ]
}

@test "a missing schema file: exit 2" {
	run --separate-stderr rl-validate -s nowhere.json <<< '1'
	[ "$status" -eq 2 ]
	[ "$stderr" = "rl-validate: validate.bad_schema: nowhere.json: No such file or directory" ]
}

@test "-S strips control characters and says so" {
	run --separate-stderr rl-validate -S <<< '{"rl":1,"id":"s","next":"plan","task":"a\u0007b\tc\u001bd"}'
	[ "$status" -eq 0 ]
	jqo '[.task, .sanitized]'
	expect '["ab\tcd",[{"path":"/task","action":"stripped"}]]'
}

@test "-S repairs invalid UTF-8" {
	printf '{"rl":1,"id":"u","next":"plan","task":"caf\xe9"}\n' > in
	run rl-validate -S in
	[ "$status" -eq 0 ]
	jqo '[.task, .sanitized[0].action]'
	expect '["caf�","repaired"]'
}

@test "-S truncates to maxLength and drops forbidden members" {
	cat > s.json <<-'EOF'
	{"type":"object","additionalProperties":false,
	 "properties":{"name":{"type":"string","maxLength":4},"n":{"type":"integer"}}}
	EOF
	run rl-validate -S -s s.json <<< '{"name":"éèêëx","n":1,"junk":true}'
	[ "$status" -eq 0 ]
	expect '{"name":"éèêë","n":1,"sanitized":[{"path":"/name","action":"truncated"},{"path":"/junk","action":"removed"}]}'
}

@test "-S cannot fix a wrong type: still an error baton" {
	echo '{"properties":{"n":{"type":"integer"}}}' > s.json
	run --separate-stderr rl-validate -S -s s.json <<< '{"n":"one"}'
	[ "$status" -eq 1 ]
	jqo -r '.error.code'
	expect validate.schema
}

@test "-S leaves a clean record byte for byte" {
	line='{"rl":1, "id":"c","next":"plan"}'
	run rl-validate -S <<< "$line"
	expect "$line"
}

@test "-h prints the usage on stdout, a bad option on stderr with exit 2" {
	run --separate-stderr rl-validate -h
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: rl-validate [-S] [-s schema] [--quiet] [file ...]" ]
	run --separate-stderr rl-validate -Z
	[ "$status" -eq 2 ]
	[ "${stderr_lines[1]}" = "usage: rl-validate [-S] [-s schema] [--quiet] [file ...]" ]
}

@test "each run logs one stage event with its counts" {
	printf '{"rl":1,"id":"a","next":"plan"}\nbad\n' | rl-validate --quiet > /dev/null || true
	run jq -c '[.cmd, .kind, .records, .failed, .status, (.cpu_ms >= 0), (.max_rss_kb > 0), (.wall_ms >= 0)]' "$RL_HOME/metrics.ndjson"
	expect '["rl-validate","stage",2,1,1,true,true,true]'
}

@test "RL_METRICS=0 logs nothing" {
	echo '{"rl":1,"id":"a","next":"plan"}' | RL_METRICS=0 rl-validate > /dev/null
	[ ! -e "$RL_HOME/metrics.ndjson" ]
}

@test "rl-validate does not link libcurl" {
	[ -z "${RL_VALGRIND:-}" ] || skip "the command is a valgrind wrapper here"
	run ldd "$RL_BIN/rl-validate"
	[ "$status" -eq 0 ]
	[[ "$output" != *libcurl* ]]
}

@test "without RL_SHARE the share directory is found beside the program" {
	[ -z "${RL_VALGRIND:-}" ] || skip "the command is a valgrind wrapper here"
	mkdir -p "$S/prefix/bin" "$S/prefix/share"
	cp "$RL_BIN/rl-validate" "$S/prefix/bin/"
	ln -s "$RL_SHARE" "$S/prefix/share/redline"
	run --separate-stderr env -u RL_SHARE "$S/prefix/bin/rl-validate" <<< '{"rl":1,"id":"a","next":"nowhere"}'
	[ "$status" -eq 1 ]
	jqo -r '.error.errors[0].keyword'
	expect enum
}

@test "a keyword repeated in one schema object: exit 2, named, no crash" {
	echo '{"patternProperties":{"a":true,"b":true},"patternProperties":{"c":true}}' > pp.json
	run --separate-stderr rl-validate -s pp.json <<< '{"x":1}'
	[ "$status" -eq 2 ]
	[ "$stderr" = "rl-validate: validate.bad_schema: pp.json: /patternProperties: appears twice in its object (a name may appear once)" ]
	echo '{"dependentRequired":{"a":["b"],"c":["d"]},"dependentRequired":{"e":["f"]}}' > dr.json
	run --separate-stderr rl-validate -s dr.json <<< '{"a":1}'
	[ "$status" -eq 2 ]
	[ "$stderr" = "rl-validate: validate.bad_schema: dr.json: /dependentRequired: appears twice in its object (a name may appear once)" ]
}

@test "a \$ref cycle is a bad schema; recursion through members is fine" {
	echo '{"$ref":"#"}' > self.json
	run --separate-stderr rl-validate -s self.json <<< '1'
	[ "$status" -eq 2 ]
	[ "$stderr" = "rl-validate: validate.bad_schema: self.json: /: this schema applies itself again to the same value (through \$ref, allOf, anyOf, oneOf, not or if/then/else), which would never end" ]
	cat > tree.json <<-'EOF'
	{"type":"object","required":["name"],
	 "properties":{"name":{"type":"string"},"children":{"type":"array","items":{"$ref":"#"}}}}
	EOF
	run --separate-stderr rl-validate -s tree.json <<-'EOF'
	{"name":"a","children":[{"name":"b","children":[{"name":"c"}]},{"name":"d"}]}
	{"name":"a","children":[{"name":"b","children":[{"nom":"c"}]}]}
	EOF
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = '{"name":"a","children":[{"name":"b","children":[{"name":"c"}]},{"name":"d"}]}' ]
	output=${lines[1]}
	jqo '[.error.errors[] | [.path, .keyword]]'
	expect '[["/children/0/children/0","required"]]'
}

@test "a pattern of 25 plus signs is refused at once, not compiled for minutes" {
	echo '{"type":"string","pattern":"a+++++++++++++++++++++++++b"}' > plus.json
	run --separate-stderr rl-validate -s plus.json <<< '"aab"'
	[ "$status" -eq 2 ]
	[ "$stderr" = "rl-validate: validate.bad_schema: plus.json: /pattern: bad pattern 'a+++++++++++++++++++++++++b': quantifier does not follow a repeatable item" ]
}

@test "a pattern that backtracks without end gives up: an error baton, not a hang" {
	echo '{"type":"string","pattern":"^(a|aa)+$"}' > slow.json
	printf '"%s!"\n"aaaa"\n' "$(printf 'a%.0s' $(seq 3000))" > in
	run --separate-stderr rl-validate -s slow.json in
	[ "$status" -eq 1 ]
	[ "${lines[1]}" = '"aaaa"' ]
	output=${lines[0]}
	jqo -r '.error.errors[0] | [.keyword, .message] | @tsv'
	expect "$(printf 'pattern\tgave up matching the pattern '\''^(a|aa)+$'\'': match limit exceeded')"
}

@test "patterns are ECMA-262's: \\p{Letter}, Unicode \\s, ASCII \\d and \\w" {
	echo '{"type":"string","pattern":"^\\p{Letter}+\\s\\d\\w$"}' > p.json
	run --separate-stderr rl-validate -s p.json <<-EOF
	"école 1a"
	"école\u00a01a"
	"école ١a"
	"école 1é"
	"e1 1a"
	EOF
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = '"école 1a"' ]
	[ "${lines[1]}" = '"école\u00a01a"' ]
	[ "${#stderr_lines[@]}" -eq 3 ]
	[[ "${stderr_lines[0]}" == "rl-validate: stdin:3: validate.schema: (record): must match the pattern "* ]]
	[[ "${stderr_lines[1]}" == "rl-validate: stdin:4: "* ]]
	[[ "${stderr_lines[2]}" == "rl-validate: stdin:5: "* ]]
}

@test "const and enum compare large integers exactly" {
	echo '{"const":9007199254740992}' > big.json
	run --separate-stderr rl-validate -s big.json <<-EOF
	9007199254740992
	9007199254740992.0
	9007199254740991
	9007199254740990.0
	EOF
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = 9007199254740992 ]
	[ "${lines[1]}" = 9007199254740992.0 ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	[ "${stderr_lines[0]}" = "rl-validate: stdin:3: validate.schema: (record): must be 9007199254740992" ]
	[ "${stderr_lines[1]}" = "rl-validate: stdin:4: validate.schema: (record): must be 9007199254740992" ]
}
