# tests/helpers/flow.bash - the information-flow check: a model can only
# quote what its prompt showed it.  Load it after helpers/common.

# flow_check RECORD: RECORD is a cassette written with RL_RECORD.  For
# every recorded request whose reply edits a file (SEARCH/REPLACE blocks,
# or a diff, as text or inside the reply's JSON), every SEARCH line and
# every removed line of a diff must be a whole line of that request's
# prompt, as it is or after a code window's "  12| " number; blank lines
# aside.  Fails, naming the request and the line, when one is not; fails
# too when no request edited anything (nothing was checked).
flow_check() {
	local n=0 i count
	count=$(jq -s length "$1")
	for i in $(seq 0 $((count - 1))); do
		jq -rs --argjson i "$i" '.[$i].match.prompt' "$1" > "$BATS_TEST_TMPDIR/flow.prompt"
		jq -rs --argjson i "$i" '.[$i].reply | (fromjson? | [.. | strings] |
		    join("\n")) // .' "$1" > "$BATS_TEST_TMPDIR/flow.reply"
		awk '/^<<<<<<<+ SEARCH/ { s = 1; next } /^=======+$/ { s = 0 }
		    s { print } /^-/ && !/^---/ { print substr($0, 2) }' \
		    "$BATS_TEST_TMPDIR/flow.reply" > "$BATS_TEST_TMPDIR/flow.lines"
		[ -s "$BATS_TEST_TMPDIR/flow.lines" ] || continue
		n=$((n + 1))
		awk -v i="$i" '
		    FNR == NR { shown[$0] = 1; sub(/^ *[0-9]+\| /, ""); shown[$0] = 1; next }
		    $0 !~ /^[ \t]*$/ && !($0 in shown) {
			print "request " i ": its reply edits a line its prompt never showed: " $0
			bad = 1; exit
		    }
		    END { exit bad }' "$BATS_TEST_TMPDIR/flow.prompt" \
		    "$BATS_TEST_TMPDIR/flow.lines" >&2 || return 1
	done
	if [ "$n" -eq 0 ]; then
		echo "no recorded request edited a file: nothing was checked" >&2
		return 1
	fi
}
