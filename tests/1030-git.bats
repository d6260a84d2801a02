#!/usr/bin/env bats
# rl-task --git: a task whose repository is a git remote, so that any
# machine can take its baton (rl-task(1), redline-record(5)).  The remote
# is a bare repository the test makes, given as a file:// URL and as a
# path.  The change's trip through a baton to a second state directory,
# and the push, are in tests/unit/test_git.c (no command exposes them
# alone: redline run does, on a shared queue).

load helpers/common

setup() {
	rl_setup
	git init -q -b main "$S/src"
	printf 'int main(void)\n{\n\t/* TODO: parse the options */\n\treturn 0;\n}\n' \
	    > "$S/src/main.c"
	printf 'build/\n' > "$S/src/.gitignore"
	git -C "$S/src" add -A
	git -C "$S/src" -c user.name=t -c user.email=t@t commit -qm first
	git -C "$S/src" tag v1
	printf 'int x;\n' > "$S/src/later.c"
	git -C "$S/src" add -A
	git -C "$S/src" -c user.name=t -c user.email=t@t commit -qm second
	git clone -q --bare "$S/src" "$S/remote.git"
	V1=$(git -C "$S/src" rev-parse v1)
	MAIN=$(git -C "$S/src" rev-parse main)
}

@test "rl-task --git URL@REV: the full commit id, a work tree of it as repo, its debt" {
	run --separate-stderr rl-task --git "file://$S/remote.git@v1" "fix the options"
	[ "$status" -eq 0 ]
	jqo '.git'
	expect "{\"url\":\"file://$S/remote.git\",\"rev\":\"$V1\"}"
	baton=$(rl-task --git "file://$S/remote.git@v1" "fix the options")
	repo=$(jq -r .repo <<< "$baton")
	id=$(jq -r .id <<< "$baton")
	[ "$repo" = "$RL_HOME/work/$id" ]
	[ "$(git -C "$repo" rev-parse HEAD)" = "$V1" ]
	[ -f "$repo/main.c" ]
	[ ! -e "$repo/later.c" ]
	[ -z "$(git -C "$repo" status --porcelain)" ]
	# the debt is the one of the same files checked out by hand
	git clone -q "$S/remote.git" "$S/byhand"
	git -C "$S/byhand" checkout -q v1
	want=$(rl-task -C "$S/byhand" x | jq .debt.before)
	[ "$(jq .debt.before <<< "$baton")" = "$want" ]
	[ "$want" != 0 ]
	rl-validate <<< "$baton" > /dev/null
}

@test "rl-task --git PATH: a relative path becomes absolute, HEAD by default" {
	cd "$S"
	run --separate-stderr rl-task --git remote.git "a task"
	[ "$status" -eq 0 ]
	jqo -r '.git.url + " " + .git.rev'
	expect "$S/remote.git $MAIN"
	run --separate-stderr rl-task --git "remote.git@$V1" "a task"
	[ "$status" -eq 0 ]
	jqo -r '.git.rev'
	expect "$V1"
	run --separate-stderr rl-task --git "remote.git@${MAIN:0:10}" "a task"
	[ "$status" -eq 0 ]
	jqo -r '.git.rev'
	expect "$MAIN"
}

@test "a new commit on the remote: a branch resolves to it, fetched again" {
	rl-task --git "$S/remote.git@main" one > /dev/null
	git -C "$S/src" -c user.name=t -c user.email=t@t commit -q --allow-empty -m third
	git -C "$S/src" push -q "$S/remote.git" main
	now=$(git -C "$S/src" rev-parse main)
	run --separate-stderr rl-task --git "$S/remote.git@main" two
	[ "$status" -eq 0 ]
	jqo -r '.git.rev'
	expect "$now"
}

@test "lines of stdin may each name a remote, or give repo, not both" {
	run --separate-stderr rl-task <<-EOF
	{"task": "one", "git": "$S/remote.git@v1"}
	{"task": "two", "git": "$S/remote.git@v1"}
	three
	EOF
	[ "$status" -eq 0 ]
	jqo -r '.git.rev // "none"'
	expect "$V1
$V1
none"
	run --separate-stderr rl-task --git "$S/remote.git" <<-EOF
	{"task": "here", "repo": "$S/src"}
	{"task": "both", "repo": "$S/src", "git": "$S/remote.git"}
	EOF
	[ "$status" -eq 1 ]
	jqo -r '.repo + " " + (.git.rev // "none")'
	expect "$S/src none"
	[[ "$stderr" == *"stdin:2: validate.schema: a task gives repo or git, not both"* ]]
}

@test "a revision the remote lacks: git.rev naming it, exit 2, no baton" {
	run --separate-stderr rl-task --git "file://$S/remote.git@no-such-branch" x
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ "$stderr" == *"git.rev: revision no-such-branch is not in file://$S/remote.git"* ]]
	run --separate-stderr rl-task --git "$S/remote.git@0123456789abcdef0123456789abcdef01234567" x
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"git.rev"* ]]
	run --separate-stderr rl-task --git "$S/remote.git@" x
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"git.spec"* ]]
}

@test "a remote that cannot be reached: git.unreachable, exit 111" {
	run --separate-stderr rl-task --git "file://$S/nowhere.git" x
	[ "$status" -eq 111 ]
	[ -z "$output" ]
	[[ "$stderr" == *"git.unreachable: cannot fetch file://$S/nowhere.git"* ]]
	[[ "$stderr" == *"does not appear to be a git repository"* ]]
	run --separate-stderr rl-task --git "git://127.0.0.1:1/r.git" x
	[ "$status" -eq 111 ]
}

@test "ext:: and other transports that run programs are refused before git runs" {
	run --separate-stderr rl-task --git "ext::sh -c touch% $S/pwned" x
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"git.url"* ]]
	[ ! -e "$S/pwned" ]
	run --separate-stderr rl-task --git "fd::7" x
	[ "$status" -eq 2 ]
	run --separate-stderr rl-task --git "-uhack" x
	[ "$status" -eq 2 ]
	[ ! -e "$RL_HOME/git" ]
}

@test "the remote's hooks and the caller's git environment play no part" {
	# a hook in the remote, and GIT_DIR pointing elsewhere
	printf '#!/bin/sh\ntouch "%s/hooked"\n' "$S" > "$S/remote.git/hooks/post-checkout"
	chmod +x "$S/remote.git/hooks/post-checkout"
	mkdir -p "$HOME"
	printf '[core]\n\thooksPath = %s/remote.git/hooks\n' "$S" > "$HOME/.gitconfig"
	GIT_DIR="$S/src/.git" GIT_INDEX_FILE="$S/nope" run --separate-stderr \
	    rl-task --git "$S/remote.git@v1" x
	[ "$status" -eq 0 ]
	jqo -r .git.rev
	expect "$V1"
	[ ! -e "$S/hooked" ]
}

@test "the stages' sandbox may write the task's work tree, though it lies in the state directory" {
	skip_without_sandbox
	repo=$(rl-task --git "$S/remote.git@v1" x | jq -r .repo)
	run --separate-stderr rl-act exec -C "$repo" -- sh -c 'echo new > new.c'
	[ "$status" -eq 0 ]
	[ "$(cat "$repo/new.c")" = new ]
	# the rest of the state directory, the cache and .git stay read-only
	run --separate-stderr rl-act exec -C "$repo" -- touch "$RL_HOME/planted"
	[ "$status" -ne 0 ]
	[ ! -e "$RL_HOME/planted" ]
	run --separate-stderr rl-act exec -C "$repo" -- sh -c 'touch "$(git rev-parse --git-common-dir)/planted"'
	[ "$status" -ne 0 ]
	[ -z "$(ls "$RL_HOME"/git/*.git/planted 2> /dev/null)" ]
	run --separate-stderr rl-act exec -C "$repo" -- sh -c 'echo x > .git'
	[ "$status" -ne 0 ]
	[[ "$(cat "$repo/.git")" == gitdir:* ]]
}

@test "git runs without API keys, prompts or other transports in its environment" {
	# an ssh that only writes down the environment git gave it
	printf '#!/bin/sh\nenv > "%s/ssh-env"\nexit 1\n' "$S" > "$S/fake-ssh"
	chmod +x "$S/fake-ssh"
	OPENAI_API_KEY=sk-test-secret GIT_SSH_COMMAND="$S/fake-ssh" \
	    run --separate-stderr rl-task --git "ssh://git@example.invalid/r.git" x
	[ "$status" -eq 111 ]
	[[ "$stderr" == *"git.unreachable"* ]]
	run grep -c sk-test-secret "$S/ssh-env"
	[ "$output" = 0 ]
	grep -qx 'GIT_TERMINAL_PROMPT=0' "$S/ssh-env"
	grep -qx 'GIT_ALLOW_PROTOCOL=file:git:http:https:ssh' "$S/ssh-env"
}
