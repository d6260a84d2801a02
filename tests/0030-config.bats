#!/usr/bin/env bats
# rl-config and the layered configuration (lib/rl_config.c).

load helpers/common

user_file() { mkdir -p "$XDG_CONFIG_HOME/redline"; printf '%s\n' "$1" > "$XDG_CONFIG_HOME/redline/config.json"; }
project_file() { mkdir -p .redline; printf '%s\n' "$1" > .redline/config.json; trust_repo; }
system_file() { mkdir -p "$RL_SYSCONFDIR"; printf '%s\n' "$1" > "$RL_SYSCONFDIR/config.json"; }

@test "defaults come from the share directory" {
	run rl-config get limits.max_depth
	[ "$status" -eq 0 ]
	expect 128
	run rl-config show --origin
	[[ "${lines[*]}" == *"limits.max_depth	128	$RL_SHARE/config.json"* ]]
}

@test "each layer overrides the one before, and says so" {
	system_file '{"version":1,"limits":{"max_depth":10,"max_record_bytes":4096}}'
	user_file '{"version":1,"limits":{"max_depth":20}}'
	project_file '{"version":1,"limits":{"max_depth":30},"env":{"ci":{"limits":{"max_depth":40}}}}'
	run rl-config show --origin
	[ "$status" -eq 0 ]
	[[ "$output" == *"limits.max_record_bytes	4096	$RL_SYSCONFDIR/config.json"* ]]
	[[ "$output" == *"limits.max_depth	30	.redline/config.json"* ]]
	run env REDLINE_ENV=ci rl-config show --origin
	[[ "$output" == *"limits.max_depth	40	.redline/config.json (env ci)"* ]]
	run env REDLINE_ENV=ci RL_MAX_DEPTH=50 rl-config show --origin
	[[ "$output" == *"limits.max_depth	50	env RL_MAX_DEPTH"* ]]
	[[ "$output" != *env.ci* ]]
}

@test "show prints the merged configuration as JSON" {
	user_file '{"metrics":{"enabled":false}}'
	run rl-config show
	[ "$status" -eq 0 ]
	jqo '[.metrics.enabled, .limits.max_depth, .version]'
	expect '[false,128,1]'
}

@test "RL_HOME sets the state directory" {
	run rl-config get state_dir
	expect "$RL_HOME"
	run rl-config path
	[ "${lines[4]}" = "state	$RL_HOME	absent" ]
}

@test "path lists the layers in order" {
	project_file '{}'
	run rl-config path
	[ "$status" -eq 0 ]
	expect "default	$RL_SHARE/config.json	present
system	$RL_SYSCONFDIR/config.json	absent
user	$XDG_CONFIG_HOME/redline/config.json	absent
project	.redline/config.json	present
state	$RL_HOME	present"
	echo '{"version":1}' > .redline/config.json
	run --separate-stderr rl-config path
	[ "${lines[3]}" = "project	.redline/config.json	untrusted" ]
}

@test "setting a key twice keeps its name (no crash)" {
	run rl-config set limits.max_depth 10
	[ "$status" -eq 0 ]
	run rl-config set limits.max_depth 20
	[ "$status" -eq 0 ]
	run rl-config get limits.max_depth
	expect 20
	run jq -c .limits "$XDG_CONFIG_HOME/redline/config.json"
	expect '{"max_depth":20}'
}

@test "an empty key, a key given twice, a FIFO: each a clear error, no crash, no wait" {
	mkdir -p "$XDG_CONFIG_HOME/redline"
	f="$XDG_CONFIG_HOME/redline/config.json"
	echo '{"":1}' > "$f"
	run --separate-stderr rl-validate < /dev/null
	[ "$status" -eq 2 ]
	[ "$stderr" = "rl-validate: $f: config.unknown_key: \"\" (an empty name): unknown key (see 'rl-config show' for the keys there are)" ]
	echo '{"version":1,"limits":{"max_depth":3,"max_depth":4}}' > "$f"
	run --separate-stderr rl-config get limits.max_depth
	[ "$status" -eq 2 ]
	[ "$stderr" = "rl-config: $f: config.syntax: limits.max_depth: the key is given twice (fix: keep the one you mean)" ]
	rm "$f"
	mkfifo "$f"
	run --separate-stderr timeout 10 rl-config get limits.max_depth
	[ "$status" -eq 2 ]
	[ "$stderr" = "rl-config: $f: config.invalid: not a regular file (fix: make it a file holding one JSON object, or remove it)" ]
}

@test "migrate exits 2 on a file that is not valid, and leaves it as it was" {
	mkdir -p "$XDG_CONFIG_HOME/redline"
	echo '{"limits":{"max_depth":"deep"}}' > "$XDG_CONFIG_HOME/redline/config.json"
	run --separate-stderr rl-config migrate
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"config.invalid: limits.max_depth: must be integer, not string"* ]]
	run jq -c . "$XDG_CONFIG_HOME/redline/config.json"
	expect '{"limits":{"max_depth":"deep"}}'
}

@test "set writes the user file and get reads it back" {
	run rl-config set limits.max_depth 64
	[ "$status" -eq 0 ]
	run rl-config get limits.max_depth
	expect 64
	run jq -c . "$XDG_CONFIG_HOME/redline/config.json"
	expect '{"version":1,"limits":{"max_depth":64}}'
}

@test "a Redis URL's password is never printed, and the file that holds it is the user's alone" {
	run rl-config set queue.backend 'redis://w1:s3cret@127.0.0.1:6379/2'
	[ "$status" -eq 0 ]
	run rl-config get queue.backend
	expect 'redis://w1:***@127.0.0.1:6379/2'
	run rl-config show
	[[ "$output" == *'"redis://w1:***@127.0.0.1:6379/2"'* ]]
	[[ "$output" != *s3cret* ]]
	run rl-config show --origin
	[[ "$output" == *'queue.backend	"redis://w1:***@127.0.0.1:6379/2"'* ]]
	[[ "$output" != *s3cret* ]]
	# the file keeps the password for the commands that connect
	run jq -r .queue.backend "$XDG_CONFIG_HOME/redline/config.json"
	expect 'redis://w1:s3cret@127.0.0.1:6379/2'
	run stat -c %a "$XDG_CONFIG_HOME/redline/config.json"
	expect 600
}

@test "keys under names the user chooses (providers.NAME, agents.NAME) are set and read like the others" {
	run rl-config set providers.mine.base_url http://127.0.0.1:9/v1
	[ "$status" -eq 0 ]
	run rl-config get providers.mine.base_url
	expect http://127.0.0.1:9/v1
	run rl-config set agents.plan.model qwen2.5-coder:32b
	[ "$status" -eq 0 ]
	run rl-config get agents.plan.model
	expect qwen2.5-coder:32b
	run jq -c '{providers, agents}' "$XDG_CONFIG_HOME/redline/config.json"
	expect '{"providers":{"mine":{"base_url":"http://127.0.0.1:9/v1"}},"agents":{"plan":{"model":"qwen2.5-coder:32b"}}}'
	# an agent that does not exist, a setting a provider does not have
	run --separate-stderr rl-config set agents.plann.model x
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"agents.plann.model: unknown key (did you mean 'agents.plan'?)"* ]]
	run --separate-stderr rl-config get providers.mine.bse_url
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"(did you mean 'providers.mine.base_url'?)"* ]]
}

@test "set --scope project writes ./.redline/config.json" {
	run rl-config set metrics.enabled false --scope project
	[ "$status" -eq 0 ]
	run jq -c . .redline/config.json
	expect '{"version":1,"metrics":{"enabled":false}}'
	run rl-config show --origin
	[[ "$output" == *"metrics.enabled	false	.redline/config.json"* ]]
}

@test "set refuses a value of the wrong type and changes nothing" {
	user_file '{"version":1}'
	run --separate-stderr rl-config set limits.max_depth deep
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"config.invalid: limits.max_depth: 'deep' is not an integer (fix: write the value as an integer)"* ]]
	run jq -c . "$XDG_CONFIG_HOME/redline/config.json"
	expect '{"version":1}'
}

@test "set refuses a value out of range, naming the file, key and fix" {
	run --separate-stderr rl-config set limits.max_depth 5000
	[ "$status" -eq 2 ]
	[ "$stderr" = "rl-config: $XDG_CONFIG_HOME/redline/config.json: config.invalid: limits.max_depth: must be <= 1000 (fix: give it a value within the limit; it is: the deepest nesting of arrays and objects in a record)" ]
	[ ! -e "$XDG_CONFIG_HOME/redline/config.json" ]
}

@test "an unknown key names the closest known one" {
	run --separate-stderr rl-config get limits.max_dept
	[ "$status" -eq 2 ]
	[ "$stderr" = "rl-config: config.unknown_key: limits.max_dept: unknown key (did you mean 'limits.max_depth'?)" ]
	project_file '{"limits":{"max_recrd_bytes":1}}'
	run --separate-stderr rl-config check
	[ "$status" -eq 2 ]
	[ "$stderr" = "rl-config: .redline/config.json: config.unknown_key: limits.max_recrd_bytes: unknown key (did you mean 'limits.max_record_bytes'?)" ]
}

@test "an unknown key with nothing close says where to look" {
	user_file '{"zzzzzz":1}'
	run --separate-stderr rl-config check
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"config.unknown_key: zzzzzz: unknown key (see 'rl-config show' for the keys there are)" ]]
}

@test "a config file with a syntax error names the file and line" {
	user_file '{
  "version": 1,
  "limits": { "max_depth": 12 ,}
}'
	run --separate-stderr rl-config check
	[ "$status" -eq 2 ]
	[[ "$stderr" == "rl-config: $XDG_CONFIG_HOME/redline/config.json:3: config.syntax: "*"(fix: correct the JSON there)" ]]
}

@test "every command refuses to run on an invalid configuration (exit 2)" {
	project_file '{"limits":{"max_depth":"deep"}}'
	run --separate-stderr rl-validate <<< '{"rl":1,"id":"a","next":"plan"}'
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "rl-validate: .redline/config.json: config.invalid: limits.max_depth: must be integer, not string (fix: give it a value of the type named; it is: the deepest nesting of arrays and objects in a record)" ]
}

@test "a bad environment variable is named" {
	run --separate-stderr env RL_METRICS=maybe rl-config check
	[ "$status" -eq 2 ]
	[ "$stderr" = "rl-config: env RL_METRICS: config.invalid: metrics.enabled: 'maybe' is not a boolean (fix: write the value as a boolean)" ]
}

@test "a file that is not an object is refused" {
	user_file '[1,2]'
	run --separate-stderr rl-config check
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"config.invalid: the file must hold one JSON object (fix: wrap the settings in { })" ]]
}

@test "validate is another name for check; options go before the subcommand too" {
	user_file '[1,2]'
	run --separate-stderr rl-config validate
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"config.invalid: the file must hold one JSON object (fix: wrap the settings in { })" ]]
	user_file '{"limits":{"max_depth":9}}'
	run --separate-stderr rl-config validate
	[ "$status" -eq 0 ]
	run rl-config --origin show
	[ "$status" -eq 0 ]
	[[ "$output" == *"limits.max_depth	9	$XDG_CONFIG_HOME/redline/config.json"* ]]
}

@test "migrate: an unversioned file is brought to version 1" {
	user_file '{"limits":{"max_depth":9}}'
	run rl-config migrate --dry-run
	[ "$status" -eq 0 ]
	expect "$XDG_CONFIG_HOME/redline/config.json: version 0 -> 1: add \"version\": 1"
	run jq -c . "$XDG_CONFIG_HOME/redline/config.json"
	expect '{"limits":{"max_depth":9}}'
	run rl-config migrate
	[ "$status" -eq 0 ]
	run jq -c . "$XDG_CONFIG_HOME/redline/config.json"
	expect '{"limits":{"max_depth":9},"version":1}'
	run rl-config migrate
	expect "$XDG_CONFIG_HOME/redline/config.json: version 1, up to date"
}

@test "a file from a newer redline is refused" {
	project_file '{"version":7}'
	run --separate-stderr rl-config check
	[ "$status" -eq 2 ]
	[[ "$stderr" == *".redline/config.json: config.version: version: must be an integer from 0 to 1 (fix: upgrade redline, or correct the version)" ]]
}

@test "get of a key that is known but unset exits 1" {
	run rl-config get state_dir
	[ "$status" -eq 0 ]
	unset RL_HOME
	run rl-config get state_dir
	[ "$status" -eq 1 ]
	[ -z "$output" ]
}

@test "usage errors exit 2" {
	run --separate-stderr rl-config frobnicate
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "usage: rl-config show [--origin]" ]
	run rl-config set onlykey
	[ "$status" -eq 2 ]
	run rl-config show --dry-run
	[ "$status" -eq 2 ]
	run rl-config set limits.max_depth 3 --scope galaxy
	[ "$status" -eq 2 ]
	run rl-config --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: rl-config show [--origin]" ]
}

@test "the configured state directory receives the metrics" {
	mkdir -p "$S/elsewhere"
	user_file "{\"state_dir\":\"$S/elsewhere\"}"
	unset RL_HOME
	echo '{"rl":1,"id":"a","next":"plan"}' | rl-validate > /dev/null
	[ -s "$S/elsewhere/metrics.ndjson" ]
}

@test "a syntax error names the line, the column and the character at fault" {
	mkdir -p "$XDG_CONFIG_HOME/redline"
	f="$XDG_CONFIG_HOME/redline/config.json"
	printf '{\n  "version": 1,\n  "provider": { "name": "mock", }\n}\n' > "$f"
	run --separate-stderr rl-config show
	[ "$status" -eq 2 ]
	[ "$stderr" = "rl-config: $f:3: config.syntax: trailing comma before '}' at column 33 (fix: correct the JSON there)" ]
	printf '{\n  "limits": {"max_depth": 3,, "max_record_bytes": 9}\n}\n' > "$f"
	run --separate-stderr rl-config show
	[ "$stderr" = "rl-config: $f:2: config.syntax: unexpected ',' at column 29 (fix: correct the JSON there)" ]
}
