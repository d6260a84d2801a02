#!/usr/bin/env bats
# Docs that cannot drift from the code: every command has a page whose
# SYNOPSIS is its usage, every option of its getopt tables is in its help
# and its page, each letter means one thing in every command, every exit
# status and error code is listed, every hint a message gives is a
# command that works, and every page is mandoc -Tlint clean.

load helpers/common

commands() {
	for c in "$TOP"/cmd/*.c; do basename "$c" .c; done
}

# The usage a command prints for -h (the lines before its list of long
# options), without "usage: " and spacing.
usage_of() {
	"$RL_BIN/$1" -h | sed '/^$/,$d' | sed 's/^usage: //; s/^       //' |
	    tr -s ' \t' ' '
}

# entries FILE [TABLE]: "name value" for each entry of FILE's struct
# option tables (of TABLE alone when named); old spellings, RL_OLD_OPT,
# are not entries
entries() {
	awk -v t="$2" '
		t != "" && index($0, " " t "[] = {") { on = 1; next }
		t != "" && on && /^};/ { on = 0 }
		(t == "" || on) && match($0, /\{"[a-z-]+", (no|required|optional)_argument, NULL, [^}]*\}/) {
			e = substr($0, RSTART + 2, RLENGTH - 3)
			split(e, f, /", |, NULL, /)
			print f[1], f[3]
		}' "$1"
}

# options_of CMD: "name value" for each option CMD takes: its file's
# tables, and for an agent the engine's (lib/rl_agent.c) that apply to it
options_of() {
	local src="$TOP/cmd/$1.c" agent="$TOP/lib/rl_agent.c"
	{
		entries "$src"
		if grep -q 'rl_agent_main(&' "$src"; then
			entries "$agent" agent_opts
			if grep -q '\.apply = ' "$src"; then entries "$agent" model_opts; fi
			if grep -q 'RL_AGENT_SANDBOX' "$src"; then entries "$agent" sandbox_opts; fi
			if grep -q 'RL_AGENT_AGAIN' "$src"; then entries "$agent" again_opts; fi
		fi
		echo "help 'h'"
		echo "version RL_OPT_VERSION"
	} | sort -u
}

# letters_of CMD: the letters of CMD's optstrings (and for an agent,
# those of the engine that apply to it), old spellings left out
letters_of() {
	local src="$TOP/cmd/$1.c" agent="$TOP/lib/rl_agent.c"
	{
		grep -h 'optstring = "' "$src"
		if grep -q 'rl_agent_main(&' "$src"; then
			grep -oE ' agent_letters\[\] = "[^"]*"' "$agent"
			if grep -q '\.apply = ' "$src"; then
				grep -oE ' model_letters\[\] = "[^"]*"' "$agent"
			fi
		fi
	} | sed 's/RL_OLD("[^"]*")//g' | grep -oE '"[^"]*"' | tr -d '":' |
	    grep -o . | sort -u
}

# The SYNOPSIS as text, one line per form (mandoc folds long ones).
synopsis_of() {
	mandoc -Tutf8 "$TOP/man/man1/$1.1" | col -b |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' |
	    sed 's/^ *//; /^$/d' | tr -s ' \t' ' ' |
	    awk -v c="$1" 'index($0, c " ") == 1 { if (l != "") print l; l = $0; next }
		{ l = l " " $0 } END { print l }' | tr -s ' '
}

@test "every command has a man page" {
	for c in $(commands); do
		[ -f "$TOP/man/man1/$c.1" ] || { echo "no page for $c"; return 1; }
	done
}

@test "every page is mandoc -Tlint clean" {
	run mandoc -Tlint -Wwarning "$TOP"/man/man*/*.[157]
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "every usage line is the page's SYNOPSIS" {
	for c in $(commands); do
		u=$(usage_of "$c"); s=$(synopsis_of "$c")
		[ "$u" = "$s" ] || { diff <(echo "$u") <(echo "$s"); return 1; }
	done
}

# The page without its SYNOPSIS: where an option must be explained.
body_of() {
	sed '/^\.Sh SYNOPSIS/,/^\.Sh DESCRIPTION/d' "$TOP/man/man1/$1.1"
}

@test "every option in a usage is explained in the page, beyond its SYNOPSIS" {
	for c in $(commands); do
		body=$(body_of "$c")
		for opt in $(usage_of "$c" | grep -oE -- '\[-[A-Za-z]+|-[a-z]\b|--[a-z-]+' | tr -d '['); do
			case "$opt" in
			--*) pat="Fl \\\\-$(echo "${opt#--}" | sed 's/-/\\\\?-/g')" ;;
			*) pat= ; for l in $(echo "${opt#-}" | grep -o .); do
				echo "$body" | grep -qE "Fl $l( |$)" ||
				    { echo "$c: -$l not explained in its page"; return 1; }
			   done; continue ;;
			esac
			echo "$body" | grep -qE "$pat" || { echo "$c: $opt not explained in its page"; return 1; }
		done
	done
}

@test "every long option of a command's tables is in its help and explained in its page" {
	for c in $(commands); do
		help=$("$RL_BIN/$c" -h)
		body=$(body_of "$c")
		for o in $(options_of "$c" | cut -d' ' -f1); do
			[[ "$help" == *"--$o"* ]] || { echo "$c: --$o is not in its -h"; return 1; }
			echo "$body" | grep -qE "Fl \\\\-$(echo "$o" | sed 's/-/\\\\?-/g')( |$)" ||
			    { echo "$c: --$o is not explained in its page"; return 1; }
		done
	done
}

@test "every letter has a long name, and means one thing in every command, as ARCHITECTURE.md says" {
	arch="$TOP/docs/ARCHITECTURE.md"
	: > "$BATS_TEST_TMPDIR/pairs"
	for c in $(commands); do
		pairs=$(options_of "$c" | awk "\$2 ~ /^'.'\$/ { print substr(\$2, 2, 1), \$1 }")
		for l in $(letters_of "$c"); do
			grep -q "^$l " <<< "$pairs" || { echo "$c: -$l has no long name in its table"; return 1; }
		done
		printf '%s\n' "$pairs" | sed "s/\$/ $c/" >> "$BATS_TEST_TMPDIR/pairs"
	done
	# one long name per letter, across every command
	clash=$(cut -d' ' -f1,2 "$BATS_TEST_TMPDIR/pairs" | sort -u | cut -d' ' -f1 | uniq -d)
	[ -z "$clash" ] || { grep -E "^($(echo $clash | tr ' ' '|')) " "$BATS_TEST_TMPDIR/pairs"; return 1; }
	# each in the table of ARCHITECTURE.md, which lists no other
	while read -r l o; do
		grep -qE "^\| \`-$l( [a-z]+)?\` \| \`--$o\` \|" "$arch" ||
		    { echo "-$l --$o is not in ARCHITECTURE.md's table of options"; return 1; }
	done < <(cut -d' ' -f1,2 "$BATS_TEST_TMPDIR/pairs" | sort -u)
	rows=$(grep -cE '^\| `-[A-Za-z]( [a-z]+)?` \| `--[a-z-]+` \|' "$arch")
	[ "$rows" -eq "$(cut -d' ' -f1 "$BATS_TEST_TMPDIR/pairs" | sort -u | wc -l)" ]
}

@test "every command answers -h and --help, and --version with the Makefile's version" {
	version=$(sed -n 's/^VERSION *= *//p' "$TOP/Makefile")
	[ -n "$version" ]
	for c in $(commands); do
		run --separate-stderr "$RL_BIN/$c" --version
		[ "$status" -eq 0 ] || { echo "$c --version: exit $status"; return 1; }
		[ "$output" = "$c $version" ] || { echo "$c --version: $output"; return 1; }
		run --separate-stderr "$RL_BIN/$c" --help
		[ "$status" -eq 0 ] || { echo "$c --help: exit $status"; return 1; }
		[[ "$output" == "usage: "* ]] || { echo "$c --help: $output"; return 1; }
		[ -z "$stderr" ]
	done
}

@test "redline help lists every command with its page's NAME line" {
	run --separate-stderr "$RL_BIN/redline" help
	[ "$status" -eq 0 ]
	for c in $(commands); do
		[ "$c" != redline ] || continue
		nd=$(sed -n 's/^\.Nd //p' "$TOP/man/man1/$c.1")
		printf '%s\n' "$output" | grep -qxF "  $(printf '%-10s' "${c#rl-}") $nd" ||
		    { echo "$c is not listed as: ${c#rl-} $nd"; return 1; }
	done
	help=$output
	run --separate-stderr "$RL_BIN/redline"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "$help" ]
}

# The hints of tests/fixtures/hints: the form in the source, the command
# run.
hints() {
	grep -v '^#' "$FIX/hints" | grep -v '^!' | grep .
}

@test "every command a message tells a person to run is listed in tests/fixtures/hints" {
	names=$(commands | grep -v '^redline$' | paste -sd'|')
	# string literals that name a command and go on, outside comments
	# and usage lines
	found=$(grep -nE "\"[^\"]*(($names)|redline) +[-a-z%']" "$TOP"/lib/*.c "$TOP"/cmd/*.c |
	    grep -vE ':[0-9]+:[[:space:]]*(/?\*|"usage: |"       )')
	[ -n "$found" ]
	while IFS= read -r line; do
		known=
		while IFS= read -r h; do
			h=${h#!}
			h=${h%%	*}
			[[ "$line" == *"$h"* ]] && known=1 && break
		done < <(grep -v '^#' "$FIX/hints" | grep .)
		[ -n "$known" ] || { echo "not in tests/fixtures/hints: $line"; return 1; }
	done <<< "$found"
	# and every hint listed is still in the sources
	while IFS=$'\t' read -r src _; do
		grep -qF -- "$src" "$TOP"/lib/*.c "$TOP"/cmd/*.c || { echo "no message gives: $src"; return 1; }
	done < <(hints)
}

@test "every hint is a command that works: exit 0 or 1, never a usage error" {
	[ "$(hints | wc -l)" -gt 5 ]
	while IFS=$'\t' read -r src cmd; do
		[ -n "$cmd" ] || { echo "no sample command for: $src"; return 1; }
		run --separate-stderr sh -c "$cmd" < /dev/null
		[ "$status" -le 1 ] || { echo "$cmd: exit $status: $stderr"; return 1; }
	done < <(hints)
}

@test "every page lists every exit status" {
	for p in "$TOP"/man/man1/*.1 "$TOP/man/man7/redline.7"; do
		section=$(sed -n '/^\.Sh EXIT STATUS/,/^\.Sh/p' "$p")
		for s in 0 1 2 111 124; do
			echo "$section" | grep -q "^\.It $s\$" || { echo "$p: exit $s missing"; return 1; }
		done
	done
}

@test "every command is in redline(7)" {
	for c in $(commands); do
		grep -q "^\.It Xr $c 1" "$TOP/man/man7/redline.7" || { echo "$c not in redline(7)"; return 1; }
	done
}

@test "every error code of the taxonomy is in redline(7)" {
	codes=$(grep -oE '^	\{"[a-z]+\.[a-z0-9_]+", ' "$TOP/lib/rl_err.c" | grep -oE '[a-z]+\.[a-z0-9_]+')
	[ -n "$codes" ]
	for code in $codes; do
		grep -q "$code" "$TOP/man/man7/redline.7" || { echo "$code not in redline(7)"; return 1; }
	done
}

@test "every configuration key is in redline-config(5)" {
	keys=$(jq -r 'paths(type == "object" and has("type")) | map(select(. != "properties" and . != "items")) |
	    map(if . == "additionalProperties" then "NAME" else . end) | join(".")' \
	    "$RL_SHARE/schemas/config.json" | grep -v '^$' | grep -v '^env\.')
	[ -n "$keys" ]
	for k in $keys; do
		grep -q "^\.It Cm $k" "$TOP/man/man5/redline-config.5" || { echo "$k not in redline-config(5)"; return 1; }
	done
}

@test "the README's test command is make check" {
	grep -q '^make check$' "$TOP/README.md" || grep -q '    make check' "$TOP/README.md"
}

# Assertions bats can never fail on: errexit ignores a command that starts
# with "!" and every command of an && list but the last, so inside a
# @test body a line "! cmd" or "[ a ] && [ b ]" is dead unless it is the
# test's last command.  Prints FILE:LINE: TEXT for each.
dead_assertions() {
	awk '
	function flush(   i) {
		for (i = 1; i < n; i++)
			if (text[i] ~ /^[ \t]*![ \t]/ || text[i] ~ /\][ \t]*&&[ \t]*\[/)
				printf "%s:%d: %s\n", FILENAME, line[i], text[i]
		n = 0
	}
	/^@test / { body = 1; n = 0; next }
	body && /^}[ \t]*$/ { flush(); body = 0; next }
	body && !/^[ \t]*(#|$)/ { n++; text[n] = $0; line[n] = FNR }
	' "$@"
}

@test "no test holds an assertion that cannot fail (a mid-test ! or [ ] && [ ])" {
	# the check itself finds them (octal escapes: this file stays clean)
	printf '@test "t" {\n\t\041 grep -q x f\n\t[ -e a ] \046\046 [ -e b ]\n\t[[ a == a \046\046 b == b ]]\n\n\t# the last one counts\n\t\041 grep -q y f\n}\n' > "$S/t.bats"
	run dead_assertions "$S/t.bats"
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == "$S/t.bats:2: "*"grep -q x f" ]]
	[[ "${lines[1]}" == "$S/t.bats:3: "*"[ -e b ]" ]]
	# and there are none in the suite
	run dead_assertions "$TOP"/tests/*.bats
	[ "$status" -eq 0 ]
	expect ""
}
