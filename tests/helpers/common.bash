# tests/helpers/common.bash - what every bats file loads.
#
# Each test runs in its own scratch directory with its own state, config
# and home, so no test sees another's files or the user's; the commands
# come from $RL_BIN (the build under test).
bats_require_minimum_version 1.5.0

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
export RL_BIN="${RL_BIN:-$TOP/bin}"
export PATH="$RL_BIN:$PATH"
export RL_SHARE="$TOP/share/redline"
FIX="$TOP/tests/fixtures"

setup() {
	S="$BATS_TEST_TMPDIR"
	export HOME="$S/home" RL_HOME="$S/state"
	export XDG_CONFIG_HOME="$S/config" RL_SYSCONFDIR="$S/etc"
	unset XDG_STATE_HOME REDLINE_ENV RL_MAX_DEPTH RL_MAX_RECORD_BYTES RL_METRICS
	mkdir -p "$HOME" "$S/work"
	cd "$S/work"
}

# expect TEXT: $output must be exactly TEXT (a diff is shown if not).
expect() {
	if [ "$output" != "$1" ]; then
		diff -u <(printf '%s\n' "$1") <(printf '%s\n' "$output") >&2
		return 1
	fi
}

# jqo FILTER: run jq on $output and set $output to the result.
jqo() {
	output=$(printf '%s\n' "$output" | jq -c "$@")
}
