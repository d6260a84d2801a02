#!/usr/bin/env bats
# Docs that cannot drift from the code: every command has a page whose
# SYNOPSIS is its usage, every option is documented, every exit status
# and error code is listed, and every page is mandoc -Tlint clean.

load helpers/common

commands() {
	for c in "$TOP"/cmd/*.c; do basename "$c" .c; done
}

# The usage a command prints for -h, without "usage: " and spacing.
usage_of() {
	"$RL_BIN/$1" -h | sed 's/^usage: //; s/^       //' | tr -s ' \t' ' '
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
