#!/usr/bin/env bats
# Edits: `rl-act edit` and the edit tools (edit_file, write_file,
# apply_patch) run through rl-act with batons, in the sandbox
# (lib/rl_edit*.c).  Each rule of the matcher and each refusal has a case
# that fails if the rule or the refusal is gone.

load helpers/common

# a repository for a test that runs the sandbox
repo() {
	sandbox_repo
	printf 'one\ntwo\n' > a.txt
	git add a.txt && git commit -qm start
}

# baton STEPS-JSON: a baton addressed to act with those steps
baton() {
	jq -nc --arg r "$S/repo" --argjson s "$1" '{rl:1,id:"t1",iter:1,next:"act",repo:$r,plan:{steps:$s}}'
}

# edit PATH SEARCH REPLACE: an edit_file step
edit() {
	jq -nc --arg p "$1" --arg s "$2" --arg r "$3" '{tool:"edit_file",args:{path:$p,search:$s,replace:$r}}'
}

@test "a reply's blocks, among prose and fences, apply by their rules: trailing white space, four spaces of indentation" {
	repo
	printf 'int\nf(int x)\n{\n    if (x)   \n        return 1;  \n    while (x > 9)\n        x--;\n    return 0;\n}\n' > f.c
	cat > reply <<-'EOF'
	The test wants f to say 2.

	```c
	f.c
	<<<<<<< SEARCH
	    if (x)
	        return 1;
	=======
	    if (x)
	        return 2;
	>>>>>>> REPLACE
	```

	and the loop, shown four spaces less indented:

	`f.c`
	<<<<<<< SEARCH
	while (x > 9)
	    x--;
	=======
	while (x > 9)
	    x -= 2;
	>>>>>>> REPLACE
	EOF
	run --separate-stderr rl-act edit < reply
	[ "$status" -eq 0 ]
	jqo -c '[.block, .path, .status, .how, .line]'
	expect '[1,"f.c","applied","trailing whitespace",4]
[2,"f.c","applied","indentation",6]'
	[ "$(cat f.c)" = "$(printf 'int\nf(int x)\n{\n    if (x)\n        return 2;\n    while (x > 9)\n        x -= 2;\n    return 0;\n}')" ]
	# lines that are SEARCH's but for their indentation, line to line
	printf 'f.c\n<<<<<<< SEARCH\nwhile (x > 9)\n        x -= 2;\n=======\nfor (;;)\n>>>>>>> REPLACE\n' > reply
	run --separate-stderr rl-act edit < reply
	[ "$status" -eq 1 ]
	jqo -r .message
	[[ "$output" == *"(similarity 1.00)"*"They differ from SEARCH in white space alone, and not by one indentation for every line"* ]]
}

@test "edit_file in a plan: re-indented by four spaces, curly quotes, each step in the sandbox" {
	repo
	printf '#include <stdio.h>\nint\nmain(void)\n{\n        puts("hi");\n        return 0;\n}\n' > m.c
	git add m.c && git commit -qm m
	steps=$(jq -sc . <(edit m.c $'    puts(\xe2\x80\x9chi\xe2\x80\x9d);\n' $'    puts(\xe2\x80\x9chello\xe2\x80\x9d);\n    fflush(stdout);\n'))
	run --separate-stderr rl-act <<< "$(baton "$steps")"
	[ "$status" -eq 0 ]
	jqo -c '.observations[0] | [.exit, (.stdout | fromjson | .how), .changed, (.sandbox | startswith("landlock:"))]'
	expect '[0,"unicode",true,true]'
	[ "$(sed -n 5,6p m.c)" = "$(printf '        puts("hello");\n        fflush(stdout);')" ]
}

@test "apply_patch: a diff with wrong line numbers and counts applies; the same again changes nothing" {
	repo
	seq 1 20 > n.txt
	printf -- '--- a/n.txt\n+++ b/n.txt\n@@ -2,3 +2,3 @@\n 11\n-12\n+twelve\n 13\n' > p
	jq -nc --rawfile p p '[{tool:"apply_patch",args:{patch:$p}}]' > steps
	baton "$(cat steps)" | rl-act > out
	jq -e '.observations[0] | .exit == 0 and .changed == true' out
	[ "$(sed -n 12p n.txt)" = twelve ]
	cp n.txt before
	run rl-act < <(baton "$(cat steps)")
	[ "$status" -eq 1 ]
	jqo -r '.observations[0].stdout | fromjson | .message'
	[[ "$output" == *"The REPLACE lines are already in the file (at line 11)"* ]]
	cmp n.txt before
}

@test "a SEARCH that fits twice is refused, naming both lines; a longer one applies" {
	repo
	printf 'x = 0;\nf();\nx = 0;\ng();\n' > t.c
	run rl-act <<< "$(baton "[$(edit t.c $'x = 0;\n' $'x = 1;\n')]")"
	[ "$status" -eq 1 ]
	jqo -r '.observations[0].stdout | fromjson | [.code, .message] | @tsv'
	[[ "$output" == "edit.ambiguous	the SEARCH lines: found at 2 places, lines 1 and 3 (rule: exact); nothing was changed."* ]]
	[ "$(cat t.c)" = "$(printf 'x = 0;\nf();\nx = 0;\ng();')" ]
	run rl-act <<< "$(baton "[$(edit t.c $'x = 0;\ng();\n' $'x = 1;\ng();\n')]")"
	[ "$status" -eq 0 ]
	[ "$(cat t.c)" = "$(printf 'x = 0;\nf();\nx = 1;\ng();')" ]
}

@test "an invented SEARCH is refused with the closest lines; a second try built from them applies" {
	repo
	printf '#include <stdio.h>\n\nstatic int total = 0;\n\nint\nmain(void)\n{\n\treturn total;\n}\n' > a.c
	run --separate-stderr rl-act edit --path a.c --search 'static int sum = 0;' --replace 'static long sum = 0;'
	[ "$status" -eq 1 ]
	[ "$stderr" = "rl-act: a.c: edit.no_match: the SEARCH lines: not in the file; nothing was changed." ]
	jqo -r .message
	expect 'the SEARCH lines: not in the file; nothing was changed.
The closest lines are 3-3 (similarity 0.80); the file there:
     1 | #include <stdio.h>
     2 |
     3 | static int total = 0;
     4 |
     5 | int
     6 | main(void)
     7 | {
     8 | 	return total;
Copy SEARCH from these lines exactly as they are, without the numbers.'
	# the second try: line 3 as the message shows it, without its number
	line=$(printf '%s\n' "$output" | sed -n 's/^     3 | //p')
	run rl-act edit --path a.c --search "$line" --replace 'static long total = 0;'
	[ "$status" -eq 0 ]
	[ "$(sed -n 3p a.c)" = 'static long total = 0;' ]
}

@test "an edit that breaks the syntax is reverted: the edit, the errors, NOT applied" {
	repo
	command -v cc > /dev/null || skip "no C compiler"
	printf 'int\nmain(void)\n{\n\treturn 0;\n}\n' > m.c
	cp m.c before
	run rl-act <<< "$(baton "[$(edit m.c $'\treturn 0;\n' $'\treturn 0\n')]")"
	[ "$status" -eq 1 ]
	# put back as it was, times included: the step changed nothing
	jq -e '.observations[0].changed == false' <<< "$output"
	output=$(printf '%s\n' "$output" | jq -r '.observations[0].stdout | fromjson | .status, .code, .message')
	[[ "$output" == "reverted
edit.syntax
the edit was NOT applied: the check \`cc -fsyntax-only -I. -Iinclude -Isrc -Ilib {file}\` finds errors in m.c with it"* ]]
	[[ "$output" == *"<<<<<<< SEARCH
	return 0;
=======
	return 0
>>>>>>> REPLACE"* ]]
	[[ "$output" == *"m.c:4:"*"error:"* ]]
	cmp m.c before
	# a file with errors before the edit keeps an edit that adds none
	printf 'int\nmain(void)\n{\n\treturn undeclared;\n}\n' > m.c
	run rl-act <<< "$(baton "[$(edit m.c $'main(void)\n' $'main(int argc)\n')]")"
	[ "$status" -eq 0 ]
	jqo -r '.observations[0].stdout | fromjson | .note'
	[[ "$output" == *"as it did before this edit: the edit adds none" ]]
	[ "$(sed -n 2p m.c)" = 'main(int argc)' ]
}

@test "write_file makes a file; a path out of the repository, into .git or .redline, or through a link out writes nothing" {
	repo
	ln -s "$S" out
	for p in ../escape.txt "$S/escape.txt" .git/config .redline/config.json out/escape.txt; do
		run --separate-stderr rl-act edit --path "$p" --content 'x'
		[ "$status" -eq 1 ]
		jqo -r .code
		expect edit.path
	done
	[ ! -e "$S/escape.txt" ]
	[ ! -e .redline ]
	grep -q repositoryformatversion .git/config
	run rl-act <<< "$(baton '[{"tool":"write_file","args":{"path":"src/new.sh","content":"echo hi\n"}},
	    {"tool":"write_file","args":{"path":"../escape.txt","content":"x"}}]')"
	[ "$status" -eq 1 ]
	[ "$(cat src/new.sh)" = "echo hi" ]
	jqo -r '.observations[1].stdout | fromjson | .code'
	expect edit.path
	[ ! -e "$S/escape.txt" ]
}

@test "a binary file, an empty SEARCH on a file that exists, an enormous reply: refused, nothing written" {
	repo
	printf 'a\000b\n' > bin.dat
	cp bin.dat bin.before
	run --separate-stderr rl-act edit --path bin.dat --content 'text'
	[ "$status" -eq 1 ]
	jqo -r .code
	expect edit.binary
	cmp bin.dat bin.before
	run --separate-stderr rl-act edit --path a.txt --search '' --replace 'zero'
	[ "$status" -eq 1 ]
	jqo -r .code
	expect edit.empty_search
	[ "$(cat a.txt)" = "$(printf 'one\ntwo')" ]
	{ printf 'a.txt\n<<<<<<< SEARCH\none\n=======\n'; head -c 2000000 /dev/zero | tr '\0' x; printf '\n>>>>>>> REPLACE\n'; } > huge
	run --separate-stderr rl-act edit < huge
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == "rl-act: stdin: edit.too_large: over 1048576 bytes"* ]]
	[ "$(cat a.txt)" = "$(printf 'one\ntwo')" ]
}

@test "an edit is matched against the file as it is now, never a copy shown before" {
	repo
	# the first step changes the line the second was written against
	run rl-act <<< "$(baton "[$(edit a.txt $'two\n' $'two 2\n'), $(edit a.txt $'one\ntwo\n' $'1\n2\n')]")"
	[ "$status" -eq 1 ]
	jqo -r '.observations[1].stdout | fromjson | .message'
	[[ "$output" == *"     2 | two 2"* ]]
	[ "$(cat a.txt)" = "$(printf 'one\ntwo 2')" ]
}

@test "a patch applies whole or not at all; blocks of a reply apply one by one" {
	repo
	printf 'b\n' > b.txt
	printf -- '--- a/a.txt\n+++ b/a.txt\n@@ @@\n-one\n+1\n--- a/b.txt\n+++ b/b.txt\n@@ @@\n-nope\n+x\n' > p
	run --separate-stderr rl-act edit --patch < p
	[ "$status" -eq 1 ]
	jqo -c '[.status, .code]'
	expect '["skipped","edit.skipped"]
["failed","edit.no_match"]'
	[ "$(cat a.txt)" = "$(printf 'one\ntwo')" ]
	printf 'a.txt\n<<<<<<< SEARCH\none\n=======\n1\n>>>>>>> REPLACE\nb.txt\n<<<<<<< SEARCH\nnope\n=======\nx\n>>>>>>> REPLACE\n' > reply
	run --separate-stderr rl-act edit < reply
	[ "$status" -eq 1 ]
	jqo -c '[.status, .code]'
	expect '["applied",null]
["failed","edit.no_match"]'
	[ "$(cat a.txt)" = "$(printf '1\ntwo')" ]
}

@test "by hand the check runs in the sandbox; from rl-act exec's shell, in that one" {
	repo
	# a check that tries to write outside the repository
	checks='{"txt": "touch ran; echo x > '"$S"'/escaped; true"}'
	run rl-act edit --checks "$checks" --path a.txt --search one --replace 1
	[ "$status" -eq 0 ]
	[ -e ran ]
	[ ! -e "$S/escaped" ]
	# a check that cannot run leaves the edit, and says so
	run --separate-stderr rl-act edit --checks '{"txt": "no-such-checker"}' --path a.txt --search 1 --replace one
	[ "$status" -eq 0 ]
	[[ "$stderr" == "rl-act: a.txt: warning: the check \`no-such-checker\` could not run, so the edit was not checked"* ]]
	[ "$(cat a.txt)" = "$(printf 'one\ntwo')" ]
	# without the sandbox, the first check writes where it likes
	run --separate-stderr rl-act edit --no-sandbox --checks "$checks" --path a.txt --search one --replace 1
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"warning: --no-sandbox: a file's check runs with only limits"* ]]
	[ -e "$S/escaped" ]
	rm ran "$S/escaped"
	run --separate-stderr rl-act exec -- rl-act edit --checks "$checks" --path a.txt --search 1 --replace one
	[ "$status" -eq 0 ]
	jqo -r .status
	expect applied
	[ -e ran ]
	[ ! -e "$S/escaped" ]
	[ "$(cat a.txt)" = "$(printf 'one\ntwo')" ]
}

@test "edit: options that do not go together are a usage error" {
	run --separate-stderr rl-act edit --search x --replace y
	[ "$status" -eq 2 ]
	[[ "$stderr" == "usage: rl-act"* ]]
	run --separate-stderr rl-act edit --patch --path a --content x
	[ "$status" -eq 2 ]
	run --separate-stderr rl-act edit --path a --search x
	[ "$status" -eq 2 ]
	run --separate-stderr rl-act edit --patch --json
	[ "$status" -eq 2 ]
}
