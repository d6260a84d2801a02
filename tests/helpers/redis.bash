# tests/helpers/redis.bash - a Redis server of the test's own (sourced by
# common.bash): Debian's redis-server on a free loopback port, with a
# temporary directory, started in the background and stopped by its PID.
#
#   redis_start [redis-server options]   start one (in a test: skip if
#       there is no redis-server, see skip_without_redis); sets REDIS_PID,
#       REDIS_PORT, REDIS_DIR (its files: log, AOF, socket), REDIS_URL
#       (redis://127.0.0.1:PORT) and REDIS_SOCK (its Unix socket).
#       Options go after the defaults (--save '' --appendonly no), so
#       `redis_start --appendonly yes --appendfsync always` asks for more.
#   redis_kill                           kill -9 it (a crash), by its PID
#   redis_restart                        start it again: same port,
#       directory and options (an AOF there is loaded)
#   redis_stop                           stop it by its PID
#   redis_cli ARGS...                    redis-cli on it
#   redis_file_start [options]           a file's one server, from its
#       setup_file (nothing where redis-server is not installed)
#   redis_test_setup                     a test of such a file: rl_setup,
#       a skip without redis-server, the server emptied
#
# A test that needs Redis skips, saying why, where redis-server is not
# installed (`make deps` installs it).

# redis_installed: 0 if redis-server and redis-cli are there
redis_installed() {
	command -v redis-server > /dev/null && command -v redis-cli > /dev/null
}

# redis_file_start [options]: start the server a file's tests share, in
# its setup_file; where redis-server is not installed each test skips in
# redis_test_setup instead (bats 1.8 cannot skip in setup_file)
redis_file_start() {
	redis_installed || return 0
	redis_start "$@"
}

# redis_test_setup: the setup of a test on the file's server
redis_test_setup() {
	rl_setup
	skip_without_redis
	redis_cli FLUSHALL > /dev/null
}

# skip_without_redis: skip the test, saying why (bats 1.8 cannot skip in
# setup_file: a file-wide server starts there only if redis_installed,
# and each test's setup calls this)
skip_without_redis() {
	redis_installed ||
	    skip "redis-server and redis-cli are not installed (make deps installs them)"
}

redis_cli() {
	redis-cli -p "$REDIS_PORT" "$@"
}

# _redis_run PORT: start redis-server with REDIS_OPTS on PORT in the
# background; 0 once it answers PING, 1 if it died (the port was taken)
_redis_run() {
	local port=$1 i
	redis-server --port "$port" --bind 127.0.0.1 --dir "$REDIS_DIR" \
	    --unixsocket "$REDIS_DIR/redis.sock" --unixsocketperm 700 \
	    --daemonize no --logfile "$REDIS_DIR/redis.log" \
	    --save '' --appendonly no "${REDIS_OPTS[@]}" \
	    > /dev/null 2>&1 3>&- &
	REDIS_PID=$!
	for i in $(seq 200); do
		if redis-cli -p "$port" ping 2> /dev/null | grep -q PONG; then
			return 0
		fi
		kill -0 "$REDIS_PID" 2> /dev/null || { REDIS_PID=; return 1; }
		sleep 0.05
	done
	kill -9 "$REDIS_PID" 2> /dev/null
	REDIS_PID=
	return 1
}

redis_start() {
	local try
	skip_without_redis
	REDIS_OPTS=("$@")
	REDIS_DIR=$(mktemp -d "${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}/redis.XXXXXX")
	for try in 1 2 3 4 5 6 7 8 9 10; do
		REDIS_PORT=$((20000 + RANDOM % 40000))
		_redis_run "$REDIS_PORT" && break
		REDIS_PORT=
	done
	[ -n "$REDIS_PORT" ] || { echo "redis-server would not start: $(tail -3 "$REDIS_DIR/redis.log")" >&2; return 1; }
	REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
	REDIS_SOCK="$REDIS_DIR/redis.sock"
	export REDIS_PID REDIS_PORT REDIS_DIR REDIS_URL REDIS_SOCK
}

redis_kill() {
	[ -n "${REDIS_PID:-}" ] || return 0
	kill -9 "$REDIS_PID" 2> /dev/null
	# reaped if it is this shell's child; gone from the port either way
	wait "$REDIS_PID" 2> /dev/null || true
	while redis-cli -p "$REDIS_PORT" ping > /dev/null 2>&1; do sleep 0.05; done
	REDIS_PID=
}

redis_restart() {
	_redis_run "$REDIS_PORT" || { echo "redis-server would not start again: $(tail -3 "$REDIS_DIR/redis.log")" >&2; return 1; }
	export REDIS_PID
}

redis_stop() {
	[ -n "${REDIS_PID:-}" ] || return 0
	kill "$REDIS_PID" 2> /dev/null
	wait "$REDIS_PID" 2> /dev/null || true
	REDIS_PID=
}
