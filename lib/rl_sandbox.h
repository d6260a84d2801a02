/*
 * rl_sandbox.h - run one command under redline's sandbox, fail closed.
 *
 * The only way redline runs anything a model proposed.  The command runs
 * from an argv array (no shell is added), in its own session and process
 * group, with:
 *   - Landlock: read and execute everywhere; write only under dir, a
 *     private temporary directory (made for the run, removed after) and
 *     /dev/null; no device files made; TCP bind and connect denied;
 *     signals and abstract Unix sockets scoped to the sandbox;
 *   - seccomp (libseccomp): socket(2) of every family, ptrace, mount,
 *     umount, unshare, setns, namespace flags to clone, bpf, io_uring,
 *     module loading, kexec, reboot, keyrings, perf events, userfaultfd,
 *     cross-process memory access, terminal input injection, a mode with
 *     a setuid or setgid bit (chmod, open, mknod) and any persona but
 *     the default fail with EPERM; syscalls of other architectures kill
 *     the process;
 *   - namespaces: user, mount, network and PID.  Every mount is
 *     read-only but dir and the private directory (nosuid and nodev), so
 *     nothing outside them changes, metadata included; the ro paths are
 *     bind-mounted read-only within them; /proc shows only the sandbox's
 *     processes; the network has no interface up;
 *   - the fixed paths: one missing before the run is removed if the
 *     command made it, a symbolic link is put back if it was replaced,
 *     and the run fails;
 *   - no capabilities, even when redline runs as root, and no_new_privs;
 *   - rlimits: CPU seconds, address space, file size, open files,
 *     processes, no core files; and a pids cgroup when one can be made;
 *   - an environment of PATH, LANG, TERM and HOME/TMPDIR set to the
 *     private directory, nothing else: no key, no RL_ variable;
 *   - a deadline: SIGTERM to the command's group, 2 s, then every process
 *     left is killed; processes that escaped with setsid are killed too
 *     (PID namespace, and a subreaper that reaps what was orphaned);
 *   - output: out_cap bytes kept of each of stdout and stderr, the rest
 *     read and counted.
 * Landlock (at RL_SANDBOX_LANDLOCK_ABI or later), seccomp and the
 * namespaces are required: when one cannot be had, the run is refused
 * with sandbox.unavailable unless off is set.
 */
#ifndef RL_SANDBOX_H
#define RL_SANDBOX_H
#include <stddef.h>
#include "rl_buf.h"
#include "rl_config.h"
#include "rl_err.h"

/*
 * The oldest Landlock ABI accepted (Linux 6.2): the first that controls
 * truncation, so that nothing outside the writable trees can be changed.
 * Later ABIs add TCP rules (4), device ioctls (5), signal and abstract
 * socket scoping (6), used when the kernel has them.
 */
#define RL_SANDBOX_LANDLOCK_ABI 3

/* Grace between SIGTERM and SIGKILL at the deadline. */
#define RL_SANDBOX_GRACE_MS 2000

struct rl_sandbox {
	const char *dir;           /* working directory, writable; required */
	const char *const *ro;     /* paths kept read-only; NULL-terminated,
	                              may be NULL; missing ones are skipped */
	const char *const *fixed;  /* paths in dir the command may not make,
	                              remove or replace, each also in ro;
	                              NULL-terminated, may be NULL; only for
	                              paths nothing else makes meanwhile;
	                              not looked at when off */
	const char *input;         /* stdin (input_len bytes); NULL: empty */
	size_t input_len;
	long long timeout_ms;      /* 0: no deadline */
	size_t out_cap;            /* bytes kept of stdout and of stderr */
	long cpu_s;                /* RLIMIT_CPU; 0: unlimited (all five) */
	long long mem_bytes;       /* RLIMIT_AS */
	long long file_bytes;      /* RLIMIT_FSIZE */
	long files;                /* RLIMIT_NOFILE */
	long procs;                /* processes the command may have at once */
	int off;                   /* --no-sandbox: limits, deadline and
	                              environment only */
};

/*
 * The limits config sandbox.* sets (timeout, cpu_seconds, memory_bytes,
 * file_bytes, open_files, processes, output_bytes) into sb; the other
 * members are left as they are.
 */
void rl_sandbox_limits(const struct rl_config *cfg, struct rl_sandbox *sb);

struct rl_sandbox_result {
	int exit_code;             /* when it exited; else -1 */
	int signal;                /* when a signal ended it; else 0 */
	int timed_out;             /* the deadline ended it */
	long long ms;
	struct rl_buf out, err;    /* up to out_cap bytes each */
	unsigned long long out_bytes, err_bytes;   /* all it wrote */
	char layers[160];          /* what was enforced: "landlock:7 seccomp
	                              userns mountns netns pidns caps rlimits
	                              cgroup", or "none" */
};

/*
 * What this kernel lets us enforce, in layers (as in the result), or -1
 * with sandbox.unavailable in e when Landlock (at the ABI above),
 * seccomp or the namespaces cannot be.
 */
int rl_sandbox_probe(char *layers, size_t size, struct rl_error *e);

/*
 * Run argv under sb.  Returns 0 with r filled (whatever the command's own
 * status), or -1 with e set: sandbox.unavailable (refused, nothing ran),
 * sandbox.setup (a layer failed while being applied: the command did not
 * run), tool.not_found (argv[0] cannot be executed), tool.denied (the
 * command ran, r is filled, and it changed a fixed path: e says which
 * and that it was put back).  r is zeroed first; free it with
 * rl_sandbox_result_free either way.
 */
int rl_sandbox_run(const struct rl_sandbox *sb, char *const argv[],
	struct rl_sandbox_result *r, struct rl_error *e);

void rl_sandbox_result_free(struct rl_sandbox_result *r);

/* The shell-style status: the exit code, 128 + the signal, or 124 when
 * the deadline ended it. */
int rl_sandbox_status(const struct rl_sandbox_result *r);

#endif
