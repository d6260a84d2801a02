#!/usr/bin/env bats
# A service that echoes the key: in a 200 reply, streamed or not, in a 401
# or 500 body, as sent or JSON-escaped.  Whatever path the reply takes
# (stdout, stderr, a baton, the journal, memory, metrics, a recorded
# cassette), the key is blanked out of it.

load helpers/common

# The canary key: a "/" that JSON encoders may escape, and a secret part
# that no redline text holds.
KEY='sk-canary/4f3a9c2e7b1d8e6f'

# leaks PATH...: list the files that hold the key as sent, with "/"
# escaped, its secret part alone, or \u-escaped; the mock's request log
# and the key file hold it rightly
leaks() {
	grep -rlF -e "$KEY" -e 'sk-canary\/4f3a' -e 4f3a9c2e7b1d8e6f \
	    -e '\u0034\u0066\u0033\u0061' --exclude=mock.log --exclude=key.txt "$@"
}

# no_leak: nothing under the test's scratch directory (outputs, $RL_HOME
# with its memory, metrics and journal, $HOME, cassettes) holds the key
no_leak() {
	run leaks "$S"
	expect ""
	[ "$status" -eq 1 ]
}

script() { printf '%s\n' "$@" > "$S/mock.script"; }

ECHO='your key is {KEY}, or {KEY_SLASH}, or {KEY_U}'
SHOWN='your key is [redacted], or [redacted], or [redacted]'

@test "a key echoed in a 200 reply, whole or streamed, reaches no output, cassette or state" {
	script "{\"reply\":\"$ECHO\",\"times\":4}"
	mock_start -s "$S/mock.script"
	export OPENAI_API_KEY=$KEY RL_BASE_URL=$MOCK_URL RL_RECORD=$S/work/rec.ndjson
	run --separate-stderr rl-provider ask -p openai hello
	[ "$status" -eq 0 ]
	expect "$SHOWN"
	printf '%s\n' "$output" > ask.out
	printf '%s\n' "$stderr" > ask.err
	# streamed in pieces of 8 bytes: the key is cut across events
	RL_STREAM=always run --separate-stderr rl-provider ask -J -p openai <<< '{"prompt":"x"}'
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" > stream.out
	printf '%s\n' "$stderr" > stream.err
	jqo -r .reply
	expect "$SHOWN"
	# on a terminal the pieces go out as they come (script(1) gives one)
	run command script -qc "rl-provider ask -p openai on a tty" /dev/null
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" > tty.out
	[ "$(printf '%s' "$output" | tr -d '\r')" = "$SHOWN" ]
	RL_STREAM=never run command script -qc "rl-provider ask -p openai not streamed" /dev/null
	printf '%s\n' "$output" > tty2.out
	[ "$(printf '%s' "$output" | tr -d '\r')" = "$SHOWN" ]
	mock_stop
	grep -q "Bearer $KEY" "$MOCK_LOG"    # the key was sent, and echoed
	run jq -r .reply rec.ndjson
	expect "$SHOWN
$SHOWN
$SHOWN
$SHOWN"
	no_leak
}

@test "a key echoed in 401 and 500 bodies, as sent or escaped, reaches no message, baton or health check" {
	script '{"status":401,"body":"Unauthorized: key {KEY_SLASH} is not valid"}' \
	    '{"status":500,"body":"{\"error\":{\"message\":\"upstream refused {KEY}\"}}"}' \
	    '{"status":500,"body":"<html>upstream refused {KEY_U}</html>"}'
	mock_start -s "$S/mock.script" -m "$KEY,other"
	export OPENAI_API_KEY=$KEY RL_BASE_URL=$MOCK_URL RL_MAX_RETRIES=0 RL_RECORD=$S/work/rec.ndjson
	rl-provider ask -p openai hello > out1 2> err1 || true
	RL_STREAM=always rl-provider ask -J -p openai <<< '{"prompt":"x"}' > out2 2> err2 || true
	rl-provider ask -J -p openai <<< '{"prompt":"y"}' > out3 2> err3 || true
	rl-provider check -p openai -m absent > out4 2> err4 || true
	mock_stop
	[ "$(grep -c 'Bearer ' "$MOCK_LOG")" -eq 4 ]
	run cat err1
	expect "rl-provider: provider.http_401: openai refused the key from OPENAI_API_KEY: Unauthorized: key [redacted] is not valid"
	run jq -r .error.message out2 out3
	expect "openai answered HTTP 500: upstream refused [redacted]
openai answered HTTP 500: <html>upstream refused [redacted]</html>"
	run cat err4
	expect "rl-provider: provider.no_model: model 'absent' is not among the 2 models openai serves ([redacted], other)"
	no_leak
}

# baton: a task baton for the fixture repository, addressed to reason
baton() {
	jq -cn --arg repo "$S/repo" --arg id "$1" \
	    '{rl: 1, id: $id, task: "merge the loops", repo: $repo,
	      next: "reason", iter: 1}'
}

@test "an agent's batons, memory and metrics hold no key its service echoed" {
	fixture_repo
	echo "$KEY" > "$S/key.txt"
	chmod 600 "$S/key.txt"
	# a reply that is not JSON (kept in error.detail.reply), a reply whose
	# JSON \u-escapes the key, a 401 and a 500 that echo it
	script '{"reply":"no JSON here, only {KEY}","times":2}' \
	    '{"reply":"{\"explanation\":\"the key is {KEY_U}\",\"gaps\":[],\"findings\":[\"{KEY_SLASH}\"]}"}' \
	    '{"status":401,"body":"{\"error\":{\"message\":\"bad key {KEY}\"}}"}' \
	    '{"status":500,"body":"{\"error\":\"upstream saw {KEY}\"}"}'
	mock_start -s "$S/mock.script"
	for i in 1 2 3 4; do baton "t$i"; done > in.ndjson
	# the key comes from api_key_cmd: any configured source counts
	RL_API_KEY_CMD="cat $S/key.txt" RL_MAX_RETRIES=0 \
	    run --separate-stderr rl-reason -p "$MOCK_URL" -m m in.ndjson
	[ "$status" -eq 111 ]    # the 500 may pass on a retry
	printf '%s\n' "$output" > batons.out
	printf '%s\n' "$stderr" > batons.err
	mock_stop
	[ "$(grep -c "Bearer $KEY" "$MOCK_LOG")" -eq 5 ]
	jqo -c '[.id, .error.code, .error.detail.reply, .reasoning.explanation]'
	expect '["t1","validate.reply","no JSON here, only [redacted]",null]
["t2",null,null,"the key is [redacted]"]
["t3","provider.http_401",null,null]
["t4","provider.http_500",null,null]'
	# the repair round did not send the echoed key back either
	run jq -r 'select(.n == 1) | .body.messages[-1].content' "$MOCK_LOG"
	[[ "$output" == *"only [redacted]"* ]]
	[ -s "$RL_HOME/metrics.ndjson" ]
	no_leak
}

@test "redline run: the journal and the final baton hold no key a reply echoed" {
	skip_without_sandbox
	fixture_repo
	echo "$KEY" > "$S/key.txt"
	chmod 600 "$S/key.txt"
	# reason's reply echoes the key; plan then gets "echo: ..." of its
	# prompt, which is no plan, and the task fails at plan
	script '{"reply":"{\"explanation\":\"the key is {KEY}\",\"gaps\":[],\"findings\":[\"{KEY_U}\"]}"}'
	mock_start -s "$S/mock.script"
	RL_API_KEY_FILE=$S/key.txt run --separate-stderr redline run -p "$MOCK_URL" -m m "merge the loops"
	printf '%s\n' "$output" > run.out
	printf '%s\n' "$stderr" > run.err
	mock_stop
	grep -q "Bearer $KEY" "$MOCK_LOG"
	jqo -c '[.reasoning.explanation, .reasoning.findings[0], .error.stage]'
	expect '["the key is [redacted]","[redacted]","plan"]'
	[ -n "$(ls "$RL_HOME/queue/redline-ring/done")" ]
	no_leak
}
