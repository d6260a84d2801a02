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
# An ASan build's own commands run in the sandbox too (the edit tools run
# rl-act there), and ASan reserves terabytes of address space: under ASan
# the sandbox's address-space limit is lifted (a test of it sets its own).
if grep -q __asan_init "$RL_BIN/rl-act" 2> /dev/null; then
	export RL_SANDBOX_MEMORY_BYTES=0
fi
HELPERS="${RL_HELPERS:-$TOP/build/default/helpers}"
# redis_start, redis_stop...: a Redis server of the test's own
source "$(dirname "${BASH_SOURCE[0]}")/redis.bash"

# rl_setup: what every test's setup does; a file with a setup of its own
# calls it first
rl_setup() {
	S="$BATS_TEST_TMPDIR"
	export HOME="$S/home" RL_HOME="$S/state"
	export XDG_CONFIG_HOME="$S/config" RL_SYSCONFDIR="$S/etc"
	unset XDG_STATE_HOME REDLINE_ENV RL_MAX_DEPTH RL_MAX_RECORD_BYTES RL_METRICS \
	    RL_PROVIDER RL_MODEL RL_BASE_URL RL_RECORD OPENAI_API_KEY DASHSCOPE_API_KEY \
	    OPENROUTER_API_KEY XAI_API_KEY
	mkdir -p "$HOME" "$S/work"
	cd "$S/work"
}

setup() {
	rl_setup
}

# trust_repo [DIR]: the user trusts DIR's .redline/ as it is now (a
# repository's layer is ignored until then: rl-trust(1)).
trust_repo() {
	rl-trust "${1:-.}" > /dev/null 2>&1
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

# mock_start [mock-llm options]: start the mock model server on a free
# port; sets MOCK_PID, MOCK_URL (its /v1 base) and MOCK_LOG (its request
# log).  The test stops it with mock_stop, by its PID (teardown does it
# too, in case the test failed before).
mock_start() {
	MOCK_LOG="$S/mock.log"
	: > "$S/mock.port"
	: > "$MOCK_LOG"
	"$HELPERS/mock-llm" -l "$MOCK_LOG" "$@" > "$S/mock.port" &
	MOCK_PID=$!
	for _ in $(seq 100); do
		[ -s "$S/mock.port" ] && break
		sleep 0.05
	done
	MOCK_URL="http://127.0.0.1:$(cat "$S/mock.port")/v1"
}

mock_stop() {
	if [ -n "${MOCK_PID:-}" ]; then
		kill "$MOCK_PID" 2>/dev/null
		wait "$MOCK_PID" 2>/dev/null || true
		MOCK_PID=
	fi
	return 0
}

teardown() {
	mock_stop
}

# run_read_only DIR SCRIPT: `run --separate-stderr sh -c SCRIPT` with DIR
# read-only: a read-only bind mount in a mount namespace as root (whom
# permissions do not stop), chmod otherwise
run_read_only() {
	if [ "$(id -u)" -eq 0 ]; then
		command -v unshare > /dev/null || skip "unshare is needed as root"
		unshare -m true 2> /dev/null || skip "no mount namespaces here"
		run --separate-stderr unshare -m sh -c "mount --bind '$1' '$1' &&
		    mount -o remount,bind,ro '$1' && $2"
	else
		chmod -R a-w "$1"
		run --separate-stderr sh -c "$2"
		chmod -R u+w "$1"
	fi
}

# skip_without_sandbox: for a test that runs rl-act's sandbox, which
# valgrind 3.19 cannot (it knows neither Landlock's syscalls nor clone3)
skip_without_sandbox() {
	[ -z "${RL_VALGRIND:-}" ] || skip "valgrind cannot run the sandbox's syscalls"
}

# git_repo: a git repository at $S/repo, made the current directory, with
# the state directory beside it
git_repo() {
	mkdir -p "$S/repo" "$RL_HOME"
	cd "$S/repo"
	git init -q .
	git config user.email t@example.com
	git config user.name t
}

# fixture_repo: the small C project of tests/fixtures/agents/repo, with
# real tests, committed in a git_repo
fixture_repo() {
	git_repo
	cp "$FIX/agents/repo/"* .
	git add -A && git commit -qm start
}

# sandbox_repo: git_repo, for a test that runs the sandbox
sandbox_repo() {
	skip_without_sandbox
	git_repo
}
