#!/usr/bin/env bats
# The tree keeps its shape: the layers of docs/ARCHITECTURE.md hold (no
# module includes one from a higher layer), and the recipes of
# docs/HACKING.md name the files that are there.

load helpers/common

# recipe TITLE: the file paths listed in the HACKING.md section TITLE
recipe() {
	sed -n "/^## $1\$/,/^## /p" "$TOP/docs/HACKING.md" |
	    grep -E '^    [a-z]' | awk '{print $1}'
}

@test "adding an agent: the recipe's files are there for every agent that asks a model" {
	files=$(recipe "Adding an agent")
	[ -n "$files" ]
	for name in reason plan feedback; do
		for f in $files; do
			case "$f" in tests/*) continue ;; esac
			p=${f//NAME/$name}
			[ -e "$TOP/$p" ] || { echo "HACKING.md names $p, which is not there"; return 1; }
		done
		grep -q "rl-$name" "$TOP/Makefile"
		grep -q "\"$name\"" "$TOP/lib/rl_ring.c"
	done
}

@test "adding a backend: the recipe's files are there for the backends there are" {
	files=$(recipe "Adding a backend")
	[ -n "$files" ]
	for f in $files; do
		p=${f//NAME/spool}
		[ -e "$TOP/$p" ] || { echo "HACKING.md names $p, which is not there"; return 1; }
	done
	grep -q '&rl_queue_spool' "$TOP/lib/rl_queue.c"
	grep -q '&rl_mem_dir' "$TOP/lib/rl_mem.c"
	jq -e '.properties.queue.properties.backend.pattern as $p |
	    ("spool" | test($p)) and ("redis://h" | test($p)) and ("nope" | test($p) | not)' \
	    "$RL_SHARE/schemas/config.json"
}

@test "layers: every module of lib/ has a layer, and none includes a higher one" {
	table=$(sed -n '/^| layer | modules |$/,/^$/p' "$TOP/docs/ARCHITECTURE.md" | grep -E '^\| [0-9]')
	[ -n "$table" ]
	declare -A layer
	while IFS='|' read -r _ l mods _; do
		n=${l// /}; n=${n%%[a-z]*}
		for m in $mods; do layer[$m]=$n; done
	done <<< "$table"
	for f in "$TOP"/lib/*.[ch]; do
		m=$(basename "$f"); m=${m%.*}
		[ -n "${layer[$m]:-}" ] || { echo "$m is in no layer of ARCHITECTURE.md"; return 1; }
		for inc in $(grep -oE '^#include "rl_[a-z0-9_]+\.h"' "$f" | grep -oE 'rl_[a-z0-9_]+'); do
			[ -n "${layer[$inc]:-}" ] || { echo "$m includes $inc, which is in no layer"; return 1; }
			[ "${layer[$inc]}" -le "${layer[$m]}" ] ||
			    { echo "$m (layer ${layer[$m]}) includes $inc (layer ${layer[$inc]})"; return 1; }
		done
	done
}
