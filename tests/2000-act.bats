#!/usr/bin/env bats
# rl-act exec: the sandbox (lib/rl_sandbox.c).  Each protection has a
# case that fails if the protection is removed: the command tries the
# forbidden thing, and the test checks that it did not happen.

load helpers/common


@test "exec: the command's output and status are rl-act's; -v names the layers" {
	sandbox_repo
	run --separate-stderr rl-act exec -v -- sh -c 'echo out; echo err >&2; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = out ]
	[ "${stderr_lines[0]}" = err ]
	[[ "${stderr_lines[1]}" == "rl-act: sandbox: landlock:"*" seccomp userns mountns netns pidns"*" caps rlimits"* ]]
	printf 'in\n' | rl-act exec -- cat > got
	[ "$(cat got)" = in ]
	run -127 --separate-stderr rl-act exec -- no-such-program
	[ "$status" -eq 127 ]
	[[ "$stderr" == "rl-act: tool.not_found: cannot run no-such-program:"* ]]
}

@test "writes go to the repository and the private temp dir, nowhere else" {
	sandbox_repo
	run rl-act exec -- sh -c 'echo kept > inside; echo t > "$TMPDIR/t" && echo tmp-ok;
	    echo x > "$HOME/h" && echo home-is-private;
	    echo x > '"$S"'/outside; echo x > /tmp/rl-act-escape.$$; echo x > /etc/rl-act-escape;
	    echo x > /dev/null && echo devnull-ok; echo x > /dev/zero && echo devzero-open'
	[ "$(cat inside)" = kept ]
	[ ! -e "$S/outside" ]
	[ ! -e /etc/rl-act-escape ]
	[ -z "$(ls /tmp/rl-act-escape.* 2>/dev/null)" ]
	[[ "$output" == *tmp-ok* && "$output" == *home-is-private* && "$output" == *devnull-ok* ]]
	# the mount is read-only; a device, which that does not stop, Landlock does
	[[ "$output" == *"outside: Read-only file system"* ]]
	[[ "$output" == *"/dev/zero: Permission denied"* ]]
	[[ "$output" != *devzero-open* ]]
	# the private directory is gone after the run
	run rl-act exec -- sh -c 'echo "$TMPDIR"'
	[ "$status" -eq 0 ]
	[[ "$output" == /?* ]]
	[ ! -e "$output" ]
}

@test "no hook can be planted in .git, and the state directory is read-only" {
	sandbox_repo
	mkdir -p "$RL_HOME/mem"
	run rl-act exec -- sh -c 'echo "#!/bin/sh" > .git/hooks/pre-commit; chmod +x .git/hooks/pre-commit;
	    echo x > .git/config; echo x > "$1/mem/planted"' _ "$RL_HOME"
	[ ! -e .git/hooks/pre-commit ]
	[ ! -e "$RL_HOME/mem/planted" ]
	grep -q repositoryformatversion .git/config
	[[ "$output" == *"Read-only file system"* ]]
}

@test "nothing outside the repository changes, metadata included" {
	sandbox_repo
	echo keep > "$S/outside"
	chmod 644 "$S/outside"
	touch -d 2020-01-02 "$S/outside"
	before=$(stat -c '%a %Y %s' "$S/outside")
	home=$(stat -c %a "$S/home")
	run rl-act exec -- sh -c 'chmod 777 "$1"; chmod 700 "$2"; touch -d 2001-01-01 "$1";
	    truncate -s 0 "$1"; mv "$1" "$1.moved"' _ "$S/outside" "$S/home"
	[ "$(stat -c '%a %Y %s' "$S/outside")" = "$before" ]
	[ "$(stat -c %a "$S/home")" = "$home" ]
	[ ! -e "$S/outside.moved" ]
	[ "$(grep -c 'Read-only file system' <<< "$output")" -eq 5 ]
}

@test "no extended attribute is set outside the repository" {
	sandbox_repo
	command -v setfattr > /dev/null || skip "setfattr (Debian's attr) is not installed"
	echo keep > "$S/outside"
	setfattr -n user.probe -v 1 "$S/outside" 2> /dev/null ||
	    skip "this file system has no user extended attributes"
	setfattr -x user.probe "$S/outside"
	run rl-act exec -- setfattr -n user.planted -v 1 "$S/outside"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	run ! getfattr -n user.planted "$S/outside"
	# inside the repository they are the command's to set
	echo x > inside
	run rl-act exec -- setfattr -n user.kept -v 1 inside
	[ "$status" -eq 0 ]
	[ "$(getfattr --only-values -n user.kept inside)" = 1 ]
}

@test "no setuid or setgid bit is made; the repository is nosuid and nodev" {
	sandbox_repo
	cp /bin/true t
	chmod 755 t
	run rl-act exec -- sh -c 'chmod 4755 t; chmod g+s t; chmod u+s,g+s t;
	    perl -MFcntl -e "sysopen(my \$f, q(made), O_CREAT | O_WRONLY, 04755) or die qq(sysopen: \$!\n)";
	    chmod 700 t && echo plain-chmod-ok;
	    awk -v d="$(pwd -P)" "\$5 == d { print \$6 }" /proc/self/mountinfo'
	[ "$(grep -c 'Operation not permitted' <<< "$output")" -eq 4 ]
	[ ! -e made ]
	[ "$(stat -c %a t)" = 700 ]
	[ -z "$(find . -path ./.git -prune -o -perm /6000 -print)" ]
	[[ "$output" == *plain-chmod-ok* ]]
	[[ "$output" == *rw,nosuid,nodev* ]]
}

@test "no persona but the default: setarch -R fails" {
	sandbox_repo
	run rl-act exec -- setarch -R true
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	run rl-act exec -- setarch "$(uname -m)" -R true
	[ "$status" -ne 0 ]
	# the default persona, and asking which it is, stay allowed
	run rl-act exec -- setarch "$(uname -m)" true
	[ "$status" -eq 0 ]
}

@test ".redline is read-only where there is one, and cannot be made where there is none" {
	sandbox_repo
	mkdir .redline
	echo '{}' > .redline/config.json
	run rl-act exec -- sh -c 'echo "{\"sandbox\":{}}" > .redline/config.json;
	    mkdir .redline/tools; mv .redline gone; rmdir .redline'
	[ "$(cat .redline/config.json)" = '{}' ]
	[ ! -e .redline/tools ]
	[ ! -e gone ]
	[ "$(grep -c 'Read-only file system' <<< "$output")" -eq 2 ]
	[ "$(grep -c 'Device or resource busy' <<< "$output")" -eq 2 ]
	rm -r .redline
	run --separate-stderr rl-act exec -- sh -c 'mkdir -p .redline/tools && echo "{}" > .redline/config.json && echo made'
	[ "$status" -eq 1 ]
	[ "$output" = made ]
	[ ! -e .redline ]
	[ "$stderr" = "rl-act: tool.denied: the command made ./.redline, which is trusted outside the sandbox and must not change; it was removed" ]
	# nor a .git where there is none: git would run its hooks outside
	mkdir plain
	run --separate-stderr rl-act exec -C plain -- git init -q
	[ "$status" -eq 1 ]
	[ ! -e plain/.git ]
	[[ "$stderr" == *"the command made plain/.git"* ]]
	# a symbolic link, which no mount holds, is put back
	mkdir cfg
	ln -s cfg .redline
	run --separate-stderr rl-act exec -- sh -c 'rm .redline && mkdir .redline'
	[ "$status" -eq 1 ]
	[ "$(readlink .redline)" = cfg ]
	[[ "$stderr" == *"the command replaced ./.redline"*"it was put back" ]]
}

@test "symlinks in the repository do not lead out of it" {
	sandbox_repo
	echo secret > "$S/target"
	ln -s "$S/target" link
	ln -s "$S" up
	run rl-act exec -- sh -c 'echo changed > link; echo x > up/planted; cat link'
	[ "$(cat "$S/target")" = secret ]
	[ ! -e "$S/planted" ]
	[[ "$output" == *secret* ]]     # reading is allowed everywhere
}

@test "no network: TCP, UDP and Unix sockets all fail" {
	sandbox_repo
	mock_start
	port=${MOCK_URL#http://127.0.0.1:}
	port=${port%%/*}
	run rl-act exec -- bash -c "echo > /dev/tcp/127.0.0.1/$port && echo tcp-open;
	    echo > /dev/udp/127.0.0.1/53 && echo udp-open;
	    perl -MSocket -e 'socket(my \$s, AF_UNIX, SOCK_STREAM, 0) or die \"unix: \$!\\n\"; print \"unix-open\\n\"'"
	mock_stop
	[[ "$output" != *tcp-open* && "$output" != *udp-open* && "$output" != *unix-open* ]]
	[[ "$output" == *"unix: Operation not permitted"* ]]
	[[ "$output" == *"Operation not permitted"* ]]
	[ ! -s "$MOCK_LOG" ]
}

@test "a fork bomb is held to sandbox.processes and ends with the deadline" {
	sandbox_repo
	export RL_SANDBOX_PROCESSES=64
	run --separate-stderr rl-act exec -t 3 -- bash -c 'b() { b | b & }; b; sleep 30'
	[ "$status" -eq 124 ]
	[[ "$stderr" == *"Resource temporarily unavailable"* ]]
	[[ "$stderr" == *"rl-act: tool.timeout: bash ran past its deadline of 3.0 s"* ]]
}

@test "a memory bomb fails at sandbox.memory_bytes; a full disk at file_bytes" {
	sandbox_repo
	export RL_SANDBOX_MEMORY_BYTES=$((256 << 20)) RL_SANDBOX_FILE_BYTES=$((1 << 20))
	run rl-act exec -- perl -e '$b = "x" x (1 << 30); print "allocated\n"'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Out of memory"* && "$output" != *allocated* ]]
	run rl-act exec -- sh -c 'head -c 3000000 /dev/zero > big'
	[ "$status" -eq 153 ]     # 128 + SIGXFSZ
	[ "$(stat -c %s big)" -eq $((1 << 20)) ]
}

@test "an infinite loop ends at the deadline with 124; CPU time is limited" {
	sandbox_repo
	run --separate-stderr rl-act exec -t 1 -- sh -c 'while :; do :; done'
	[ "$status" -eq 124 ]
	export RL_SANDBOX_CPU_SECONDS=1
	run rl-act exec -t 30 -- sh -c 'while :; do :; done'
	[ "$status" -eq 137 ]     # SIGXCPU at the soft limit, then SIGKILL at the hard
}

@test "a process that escapes with setsid does not outlive the run" {
	sandbox_repo
	marker=$((7000 + RANDOM % 1000)).$$
	run rl-act exec -- sh -c "setsid sleep $marker & echo started"
	[ "$output" = started ]
	sleep 0.5
	run ! pgrep -f "sleep $marker"
	run rl-act exec -t 1 -- sh -c "setsid sleep $marker & sleep 60"
	[ "$status" -eq 124 ]
	sleep 0.5
	! pgrep -f "sleep $marker"
}

@test "the command cannot signal rl-act or see its processes" {
	sandbox_repo
	run --separate-stderr sh -c 'exec rl-act exec -- sh -c "kill -9 \$1 && echo killed; ls /proc | grep -c \"^[0-9]\"" _ $$'
	[ "$status" -eq 0 ]
	[[ "$output" != *killed* ]]
	# only the sandbox's own processes: the keeper, sh, ls, grep
	[ "${lines[-1]}" -le 5 ]
}

@test "a canary key is in neither the environment nor /proc" {
	sandbox_repo
	export OPENAI_API_KEY=sk-canary-4af1 RL_API_KEY_CMD="echo sk-canary-4af1"
	run rl-act exec -- sh -c 'env; cat /proc/*/environ /proc/*/cmdline 2>/dev/null | tr "\0" "\n"'
	[ "$status" -eq 0 ]
	[[ "$output" != *canary* ]]
	[[ "$output" == *"HOME=/tmp/rl-act."* ]]
	[ "$(printf '%s\n' "$output" | grep -c '^RL_')" -eq 0 ]
}

@test "no privilege: no capabilities as root, no setuid gain, no namespaces" {
	sandbox_repo
	run rl-act exec -- sh -c 'grep -E "^Cap(Prm|Eff|Bnd|Amb)|^NoNewPrivs|^Seccomp:" /proc/self/status;
	    unshare -r true && echo unshared; mount -t tmpfs x /mnt && echo mounted'
	[[ "$output" == *"CapEff:	0000000000000000"* ]]
	[[ "$output" == *"CapBnd:	0000000000000000"* ]]
	[[ "$output" == *"NoNewPrivs:	1"* ]]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" != *unshared* && "$output" != *mounted* ]]
}

@test "fail closed: without Landlock ABI 3, rl-act refuses unless --no-sandbox" {
	sandbox_repo
	run --separate-stderr env RL_SANDBOX_MAX_ABI=2 rl-act exec -- sh -c 'echo ran > ran'
	[ "$status" -eq 2 ]
	[ ! -e ran ]
	[[ "$stderr" == "rl-act: sandbox.unavailable: Landlock ABI 3 is needed and this kernel has an older one; fix: "*"--no-sandbox, which runs tools as your own user"* ]]
	run --separate-stderr env RL_SANDBOX_MAX_ABI=2 rl-act exec -v --no-sandbox -- sh -c 'echo ran > ran; env | grep ^RL_ | wc -l'
	[ "$status" -eq 0 ]
	[ -e ran ]
	[ "$output" = 0 ]
	[[ "$stderr" == *"warning: --no-sandbox"* && "$stderr" == *"sandbox: none rlimits"* ]]
}

@test "fail closed: without user namespaces, rl-act refuses unless --no-sandbox" {
	sandbox_repo
	# a user namespace that may make no more of them
	unshare -U -r sh -c 'echo 0 > /proc/sys/user/max_user_namespaces' 2> /dev/null ||
	    skip "unshare -U cannot be used here to take user namespaces away"
	run --separate-stderr unshare -U -r sh -c 'echo 0 > /proc/sys/user/max_user_namespaces &&
	    exec rl-act exec -- sh -c "echo ran > ran"'
	[ "$status" -eq 2 ]
	[ ! -e ran ]
	[[ "$stderr" == "rl-act: sandbox.unavailable: user and mount namespaces cannot be made here"* ]]
	run --separate-stderr unshare -U -r sh -c 'echo 0 > /proc/sys/user/max_user_namespaces &&
	    exec rl-act exec --no-sandbox -- sh -c "echo ran > ran"'
	[ "$status" -eq 0 ]
	[ "$(cat ran)" = ran ]
}

@test "the normal path: build and test a C project, apply a patch, git status" {
	sandbox_repo
	cat > add.c <<-'EOF'
	int add(int a, int b) { return a - b; }
	EOF
	cat > test.c <<-'EOF'
	#include <stdio.h>
	int add(int, int);
	int main(void) { if (add(2, 3) != 5) { puts("FAIL"); return 1; } puts("PASS"); return 0; }
	EOF
	git add . && git commit -qm start
	run rl-act exec -- sh -c 'cc -o t add.c test.c && ./t'
	[ "$status" -eq 1 ]
	[ "$output" = FAIL ]
	sed 's/a - b/a + b/' add.c > fixed.c
	diff -u add.c fixed.c | sed '1s|.*|--- a/add.c|; 2s|.*|+++ b/add.c|' > fix.patch || true
	rm fixed.c
	run rl-act exec -- sh -c 'git apply fix.patch && cc -o t add.c test.c && ./t && git status --short'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = PASS ]
	[[ "$output" == *" M add.c"* ]]
}

@test "a directory that does not exist is a setup error; nothing runs" {
	sandbox_repo
	run --separate-stderr rl-act exec -C "$S/nowhere" -- sh -c 'echo ran'
	[ "$status" -eq 111 ]
	[ -z "$output" ]
	[[ "$stderr" == "rl-act: sandbox.setup: $S/nowhere: No such file or directory" ]]
}
