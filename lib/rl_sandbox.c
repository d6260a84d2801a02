/*
 * rl_sandbox.c - the sandbox every tool runs in; see rl_sandbox.h.
 *
 * Three processes:
 *
 *   rl-act ---clone3(NEWUSER|NEWNS|NEWNET|NEWPID)---> keeper ---fork---> command
 *   (pumps stdin, stdout, stderr)   (PID 1 of the namespace: mounts,
 *                                    deadline, reaps, kills what is left)
 *
 * The keeper is the command's parent and the init of its PID namespace,
 * so every process the command starts, even one that left its session
 * with setsid, dies when the keeper does.  With --no-sandbox there are no
 * namespaces: the keeper is a plain child made a subreaper, and kills the
 * orphans that come to it; else namespaces are required.  The keeper
 * reports on a pipe: a setup failure, or the command's status.  The
 * command locks itself down last, in this order: session, descriptors,
 * directory, rlimits, capabilities, no_new_privs, Landlock, seccomp,
 * exec.  Any failure before exec is reported and nothing runs.
 *
 * Landlock governs data (write, make, remove, truncate) but has no right
 * for metadata: chmod, utime, xattrs.  So the keeper's mount namespace
 * holds the rest: the repository and the private directory are bound on
 * themselves, then every mount is made read-only with one recursive
 * mount_setattr on / (hidden mounts too; only the read-only flag is
 * touched, so the flags a user namespace may not clear stay), then those
 * two are made writable again, nosuid and nodev; the ro paths are bound
 * read-only inside them.  Outside, every change fails with EROFS before
 * any other check.  Pseudo file systems get the same: /sys, /sys/fs/cgroup
 * and /dev (with /dev/shm and /dev/pts) are read-only, so a root command
 * cannot chmod a device node or a sysfs file; a device node is still
 * written through a read-only mount, so /dev/null works, and Landlock
 * keeps every other device closed; the namespace's own /proc is mounted
 * read-only too.  If any of it fails, nothing runs (sandbox.setup).
 *
 * nosuid does not stop a setuid bit being written to disk, which a user
 * outside would then see: seccomp refuses every mode with S_ISUID or
 * S_ISGID.  And the fixed paths (.git and .redline, which stages outside
 * the sandbox trust) cannot be made where they are missing: no mount can
 * hold a name that does not exist, so rl-act looks after the run, once
 * every process of the sandbox is gone, and removes what was made.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/sched.h>
#include <linux/securebits.h>
#include <seccomp.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "rl_fs.h"
#include "rl_proc.h"
#include "rl_sandbox.h"

#ifdef RL_COVERAGE
void __gcov_dump(void);
#endif

/* Landlock beyond Debian 12's headers (ABI 2): the kernel's own values. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#define LL_NET_BIND_TCP (1ULL << 0)
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LL_SCOPE_SIGNAL (1ULL << 1)

struct ll_ruleset_attr {         /* struct landlock_ruleset_attr, ABI 6 */
	uint64_t handled_access_fs;
	uint64_t handled_access_net;    /* ABI 4 */
	uint64_t scoped;                /* ABI 6 */
};

#define FS_READ (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | \
	LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_WRITE (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR | \
	LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR | \
	LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | \
	LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SYM | \
	LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE)
/* handled, and so denied where no rule grants them: device files made */
#define FS_ALL (FS_READ | FS_WRITE | LANDLOCK_ACCESS_FS_MAKE_CHAR | \
	LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_IOCTL_DEV)

/* the low 32 bits of a syscall's first argument, in struct seccomp_data */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ARG0_LOW (offsetof(struct seccomp_data, args[0]) + 4)
#else
#define ARG0_LOW offsetof(struct seccomp_data, args[0])
#endif

#define NS_FLAGS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID)
/* What to do about it, after the reason, in every sandbox.unavailable. */
#define FIX "; fix: a kernel with Landlock ABI 3 or later (Linux 6.2+, such " \
	"as Debian's backports kernel) and user namespaces allowed, or " \
	"--no-sandbox, which runs tools as your own user with only limits, a " \
	"deadline and a clean environment"
#define NO_NS_MESSAGE "user and mount namespaces cannot be made here " \
	"(clone3: %s), and without them nothing outside the repository " \
	"is kept read-only" FIX

/* What the keeper tells rl-act, one write each (atomic on a pipe). */
enum { REP_SETUP = 1, REP_EXEC, REP_DONE };
struct report {
	int kind, err, status, timed_out, proc;
	char what[96];
};

/* The kernel's Landlock ABI; RL_SANDBOX_MAX_ABI may only lower it, so a
 * test can see the refusal of a kernel without it. */
static int
landlock_abi(void)
{
	int abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	const char *cap = getenv("RL_SANDBOX_MAX_ABI");

	if (cap && *cap && atoi(cap) < abi)
		abi = atoi(cap);
	return abi;
}

static int
probe(char *layers, size_t size, struct rl_error *e)
{
	int abi = landlock_abi();

	snprintf(layers, size, "none");
	if (abi < RL_SANDBOX_LANDLOCK_ABI)
		return rl_error_set(e, "sandbox.unavailable", "Landlock ABI %d is "
		    "needed and this kernel has %s" FIX, RL_SANDBOX_LANDLOCK_ABI,
		    abi < 0 ? "none (or it is disabled)" : "an older one");
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0)
		return rl_error_set(e, "sandbox.unavailable",
		    "seccomp is not available in this kernel" FIX);
	snprintf(layers, size, "landlock:%d seccomp", abi);
	return 0;
}

/* Whether this process can make the keeper's namespaces: a child made
 * in them exits at once. */
static int
namespaces_work(void)
{
	struct clone_args ca = {.flags = NS_FLAGS, .exit_signal = SIGCHLD};
	pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof ca);

	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return -1;
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return 0;
}

int
rl_sandbox_probe(char *layers, size_t size, struct rl_error *e)
{
	if (probe(layers, size, e) < 0)
		return -1;
	if (namespaces_work() < 0) {
		snprintf(layers, size, "none");
		return rl_error_set(e, "sandbox.unavailable", NO_NS_MESSAGE,
		    strerror(errno));
	}
	return 0;
}

/* --- in the keeper and the command: report and die ------------------- */

static void __attribute__((noreturn))
fail(int rep, int kind, const char *what)
{
	struct report m = {kind, errno, 0, 0, 0, ""};

	snprintf(m.what, sizeof m.what, "%s", what);
	if (write(rep, &m, sizeof m) < 0)
		_exit(127);
#ifdef RL_COVERAGE
	__gcov_dump();
#endif
	_exit(127);
}

static int
write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = rl_fs_write_all(fd, text, strlen(text));
	close(fd);
	return rc;
}

/* mount_setattr(2) on the mount at path: set and clear MOUNT_ATTR_*
 * flags, on the mounts below it too when flags has AT_RECURSIVE.  Only
 * the flags named change, so the ones a user namespace may not clear
 * (nosuid, nodev, noexec, the atime flags) stay as they are. */
static int
set_attr(const char *path, unsigned flags, uint64_t set, uint64_t clr)
{
	struct mount_attr a = {.attr_set = set, .attr_clr = clr};

	return mount_setattr(AT_FDCWD, path, flags, &a, sizeof a);
}

/* Bind path (and the mounts below it) onto itself, so that it is a mount
 * of its own; *ro says whether it was read-only already. */
static int
bind_self(const char *path, int *ro)
{
	struct statvfs v;

	if (statvfs(path, &v) < 0)
		return -1;
	*ro = (v.f_flag & ST_RDONLY) != 0;
	return mount(path, path, NULL, MS_BIND | MS_REC, NULL);
}

/* A tree the command may write, once everything is read-only: its own
 * mount made writable again (unless it was read-only before), setuid
 * bits and device files ignored in it and below. */
static int
writable(const char *path, int was_ro)
{
	if (set_attr(path, AT_RECURSIVE, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0) < 0)
		return -1;
	return was_ro ? 0 : set_attr(path, 0, 0, MOUNT_ATTR_RDONLY);
}

/* Bind path onto itself read-only; a path that does not exist is left. */
static int
read_only(const char *path)
{
	int was_ro;

	if (bind_self(path, &was_ro) < 0)
		return errno == ENOENT ? 0 : -1;
	return set_attr(path, AT_RECURSIVE, MOUNT_ATTR_RDONLY, 0);
}

static void
drop_caps(int rep)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	int cap;

	for (cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL &&
		    errno != EPERM)
			fail(rep, REP_SETUP, "dropping the capability bounding set");
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	/* root gets no capabilities back on exec */
	if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
	    SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
	    SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0) < 0 && errno != EPERM)
		fail(rep, REP_SETUP, "setting securebits");
	memset(d, 0, sizeof d);
	if (syscall(SYS_capset, &h, d) < 0)
		fail(rep, REP_SETUP, "dropping capabilities");
}

static int
ll_allow(int rs, const char *path, uint64_t access)
{
	struct landlock_path_beneath_attr pb = {access, -1};
	int rc;

	if ((pb.parent_fd = open(path, O_PATH | O_CLOEXEC)) < 0)
		return -1;
	rc = (int)syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH,
	    &pb, 0);
	close(pb.parent_fd);
	return rc;
}

/* The ruleset this kernel's ABI can hold: what it cannot handle stays
 * with the other layers (seccomp denies every socket, the PID namespace
 * keeps signals in). */
static void
landlock(int rep, const char *dir, const char *tmp)
{
	int abi = landlock_abi();
	struct ll_ruleset_attr a = {FS_ALL, LL_NET_BIND_TCP | LL_NET_CONNECT_TCP,
	    LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL};
	size_t size = abi >= 6 ? sizeof a : abi >= 4 ? 2 * sizeof(uint64_t) :
	    sizeof(uint64_t);
	int rs;

	if (abi < 5)
		a.handled_access_fs &= ~LANDLOCK_ACCESS_FS_IOCTL_DEV;
	rs = (int)syscall(SYS_landlock_create_ruleset, &a, size, 0);

	if (rs < 0)
		fail(rep, REP_SETUP, "creating the Landlock ruleset");
	if (ll_allow(rs, "/", FS_READ) < 0 ||
	    ll_allow(rs, dir, FS_READ | FS_WRITE) < 0 ||
	    ll_allow(rs, tmp, FS_READ | FS_WRITE) < 0 ||
	    ll_allow(rs, "/dev/null", LANDLOCK_ACCESS_FS_READ_FILE |
	    LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE) < 0)
		fail(rep, REP_SETUP, "adding Landlock rules");
#ifdef RL_COVERAGE_DIR
	/* the coverage build only: the command's own counters are written
	 * to the build tree before exec */
	if (ll_allow(rs, RL_COVERAGE_DIR, FS_READ | FS_WRITE) < 0)
		fail(rep, REP_SETUP, "adding Landlock rules");
#endif
	if (syscall(SYS_landlock_restrict_self, rs, 0) < 0)
		fail(rep, REP_SETUP, "enforcing Landlock");
	close(rs);
}

/*
 * No setuid or setgid bit is made: nosuid keeps it from working inside,
 * but it would be on disk for whoever runs the file outside.  Every call
 * that sets a mode with S_ISUID or S_ISGID fails with EPERM: the chmod
 * family and the calls that create a file with a mode (mkdir drops them
 * itself).  A mode given to open without O_CREAT is ignored by the
 * kernel and passed as 0 by libc, so it is checked whatever the flags.
 */
static int
no_setid_modes(scmp_filter_ctx f)
{
	static const struct {
		const char *name;
		unsigned arg;          /* which argument is the mode */
	} calls[] = {
		{"chmod", 1}, {"fchmod", 1}, {"fchmodat", 2}, {"fchmodat2", 2},
		{"open", 2}, {"openat", 3}, {"creat", 1}, {"mknod", 1},
		{"mknodat", 2},
	};
	static const scmp_datum_t bits[] = {S_ISUID, S_ISGID};
	size_t i, b;
	int nr, rc = 0;

	for (i = 0; rc == 0 && i < sizeof calls / sizeof *calls; i++) {
		nr = seccomp_syscall_resolve_name(calls[i].name);
		/* fchmodat2 (Linux 6.6) has the same number everywhere; an older
		 * libseccomp may not know it */
		if (nr == __NR_SCMP_ERROR && strcmp(calls[i].name, "fchmodat2") == 0)
			nr = 452;
		if (nr < 0)
			continue;      /* not on this architecture (open on arm64) */
		for (b = 0; rc == 0 && b < 2; b++)
			rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), nr, 1,
			    (struct scmp_arg_cmp){calls[i].arg, SCMP_CMP_MASKED_EQ,
			    bits[b], bits[b]});
	}
	return rc;
}

/*
 * personality(2) only with the default persona (PER_LINUX, 0) or the
 * query (0xffffffff): no turning off address space randomization
 * (setarch -R), no READ_IMPLIES_EXEC, no page zero.  A second filter,
 * in plain BPF, because libseccomp compares an argument once per rule
 * and this needs "neither 0 nor 0xffffffff".  The kernel reads the
 * persona as 32 bits; so does the filter.  Other architectures pass
 * here and are killed by the first filter.
 */
static int
personality_filter(void)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, seccomp_arch_native(), 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_personality, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LOW),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffU, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof code / sizeof *code, code};

	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

static void
seccomp(int rep)
{
	static const int deny[] = {
		SCMP_SYS(socket), SCMP_SYS(ptrace), SCMP_SYS(process_vm_readv),
		SCMP_SYS(process_vm_writev), SCMP_SYS(mount), SCMP_SYS(umount2),
		SCMP_SYS(pivot_root), SCMP_SYS(chroot), SCMP_SYS(unshare),
		SCMP_SYS(setns), SCMP_SYS(bpf), SCMP_SYS(io_uring_setup),
		SCMP_SYS(io_uring_enter), SCMP_SYS(io_uring_register),
		SCMP_SYS(init_module), SCMP_SYS(finit_module),
		SCMP_SYS(delete_module), SCMP_SYS(kexec_load),
		SCMP_SYS(kexec_file_load), SCMP_SYS(reboot), SCMP_SYS(add_key),
		SCMP_SYS(request_key), SCMP_SYS(keyctl), SCMP_SYS(perf_event_open),
		SCMP_SYS(userfaultfd), SCMP_SYS(open_by_handle_at),
		SCMP_SYS(fsopen), SCMP_SYS(fsmount), SCMP_SYS(move_mount),
		SCMP_SYS(open_tree), SCMP_SYS(mount_setattr), SCMP_SYS(swapon),
		SCMP_SYS(swapoff), SCMP_SYS(acct), SCMP_SYS(quotactl),
	};
	static const unsigned long ns[] = {CLONE_NEWUSER, CLONE_NEWNS,
	    CLONE_NEWNET, CLONE_NEWPID, CLONE_NEWIPC, CLONE_NEWUTS,
	    CLONE_NEWCGROUP};
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
	size_t i;
	int rc = f ? 0 : -1;

	/* other architectures' syscalls (x32, i386) kill: the default */
	for (i = 0; rc == 0 && i < sizeof deny / sizeof *deny; i++)
		rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), deny[i], 0);
	for (i = 0; rc == 0 && i < sizeof ns / sizeof *ns; i++)
		rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, ns[i], ns[i]));
	/* clone3's flags are behind a pointer: say it is not there, and libc
	 * falls back to clone, whose flags are checked above */
	if (rc == 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (rc == 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
		    SCMP_A1(SCMP_CMP_EQ, TIOCSTI));
	if (rc == 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
		    SCMP_A1(SCMP_CMP_EQ, TIOCLINUX));
	if (rc == 0)
		rc = no_setid_modes(f);
	/* openat2's mode is behind a pointer: as clone3 */
	if (rc == 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2), 0);
	if (rc == 0)
		rc = seccomp_load(f);
	seccomp_release(f);
	if (rc < 0) {
		errno = -rc;
		fail(rep, REP_SETUP, "loading the seccomp filter");
	}
	if (personality_filter() < 0)
		fail(rep, REP_SETUP, "loading the seccomp filter");
}

static void
limit(int rep, int res, long long v)
{
	struct rlimit r = {(rlim_t)v, (rlim_t)v};

	if (v > 0 && setrlimit(res, &r) < 0)
		fail(rep, REP_SETUP, "setting a resource limit");
}

/* Call fn with the pid (as text) of every process in /proc; the number
 * for which it returned nonzero. */
static long
each_process(int (*fn)(const char *pid, void *arg), void *arg)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	long n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9' &&
		    fn(de->d_name, arg))
			n++;
	closedir(d);
	return n;
}

static int
owned_by(const char *pid, void *uid)
{
	char path[300];
	struct stat st;

	snprintf(path, sizeof path, "/proc/%s", pid);
	return stat(path, &st) == 0 && st.st_uid == *(uid_t *)uid;
}

/* Kill pid if it is our child; 1 when it was. */
static int
kill_child(const char *pid, void *arg)
{
	char path[300], buf[512], *p;
	long ppid;
	ssize_t n;
	int fd;

	(void)arg;
	snprintf(path, sizeof path, "/proc/%s/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	/* "PID (COMM) S PPID ...": COMM may hold anything */
	if (!(p = strrchr(buf, ')')) || sscanf(p + 1, " %*c %ld", &ppid) != 1 ||
	    ppid != (long)getpid())
		return 0;
	kill((pid_t)atol(pid), SIGKILL);
	return 1;
}

struct plan {
	const struct rl_sandbox *sb;
	char *const *argv;
	char *const *envp;
	const char *dir, *tmp;      /* both absolute */
	const char *cwd;            /* rl-act's, where relative ro paths start */
	int in, out, err, rep;      /* the command's ends, and the report pipe */
	int theirs[5];              /* rl-act's ends, closed in the keeper */
	int ns;                     /* the keeper is in new namespaces */
	long nproc;                 /* RLIMIT_NPROC to set; 0: none */
	uid_t uid;
	gid_t gid;
};

static void __attribute__((noreturn))
command(const struct plan *pl)
{
	const struct rl_sandbox *sb = pl->sb;

	setsid();           /* no controlling terminal: nothing to inject into */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (dup2(pl->in, 0) < 0 || dup2(pl->out, 1) < 0 || dup2(pl->err, 2) < 0)
		fail(pl->rep, REP_SETUP, "connecting stdin, stdout and stderr");
	if (pl->rep != 3 && (dup2(pl->rep, 3) < 0 ||
	    fcntl(3, F_SETFD, FD_CLOEXEC) < 0))
		fail(pl->rep, REP_SETUP, "keeping the report pipe");
	syscall(SYS_close_range, 4, ~0U, 0);
	if (chdir(pl->dir) < 0)
		fail(3, REP_SETUP, "entering the directory");
	if (setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0}) < 0)
		fail(3, REP_SETUP, "setting a resource limit");
	limit(3, RLIMIT_CPU, sb->cpu_s);
	limit(3, RLIMIT_FSIZE, sb->file_bytes);
	limit(3, RLIMIT_NOFILE, sb->files);
	limit(3, RLIMIT_NPROC, pl->nproc);
	if (!sb->off) {
		drop_caps(3);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			fail(3, REP_SETUP, "setting no_new_privs");
		landlock(3, pl->dir, pl->tmp);
		seccomp(3);
	}
	/* last: the setup above allocates, and under a sanitizer this very
	 * process maps far more than a command may */
	limit(3, RLIMIT_AS, sb->mem_bytes);
#ifdef RL_COVERAGE
	__gcov_dump();      /* exec and _exit skip it */
#endif
	execvpe(pl->argv[0], pl->argv, pl->envp);
	fail(3, REP_EXEC, pl->argv[0]);
}

/* Kill every process the keeper is left with, and reap them all. */
static void
kill_rest(int ns)
{
	long found;

	if (ns) {
		kill(-1, SIGKILL);    /* from a namespace's init: all but itself */
		while (wait(NULL) > 0 || errno == EINTR)
			;
		return;
	}
	/* a subreaper: orphans come to us; kill our children until none */
	do {
		found = each_process(kill_child, NULL);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	} while (found);
}

static long long
left_ms(long long end)
{
	long long l = end - rl_proc_mono_ms();

	return l > 0 ? l : 0;
}

/* Wait for pid until end (0: forever), reaping others; 1 when it ended. */
static int
await(pid_t pid, long long end, int *status)
{
	sigset_t chld;
	struct timespec ts;
	long long l;
	pid_t w;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		while ((w = waitpid(-1, status, WNOHANG)) > 0)
			if (w == pid)
				return 1;
		if (w < 0 && errno == ECHILD)
			return 1;
		if (end && (l = left_ms(end)) == 0)
			return 0;
		l = end ? left_ms(end) : 1000;
		ts.tv_sec = l / 1000;
		ts.tv_nsec = (l % 1000) * 1000000;
		sigtimedwait(&chld, NULL, &ts);
	}
}

/* 1 when the directory outer holds inner, a real path below it. */
static int
holds(const char *outer, const char *inner)
{
	char real[PATH_MAX];
	size_t n;

	if (!realpath(outer, real))
		return 0;
	n = strlen(real);
	return n > 1 && strncmp(real, inner, n) == 0 && inner[n] == '/';
}

/*
 * The keeper's mount namespace: everything read-only but the repository
 * and the private directory, which are nosuid and nodev; the ro paths
 * read-only within them; a /proc of the namespace.  Returns whether that
 * /proc was mounted; on any other failure reports and dies.
 */
static int
mounts(const struct plan *pl)
{
	const char *const *ro;
	int dir_ro, tmp_ro;
#ifdef RL_COVERAGE_DIR
	int cov_ro;
#endif

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		fail(pl->rep, REP_SETUP, "making mounts private");
	if (bind_self(pl->dir, &dir_ro) < 0 || bind_self(pl->tmp, &tmp_ro) < 0)
		fail(pl->rep, REP_SETUP, "mounting the repository on itself");
#ifdef RL_COVERAGE_DIR
	if (bind_self(RL_COVERAGE_DIR, &cov_ro) < 0)
		fail(pl->rep, REP_SETUP, "mounting the coverage directory");
#endif
	/* into the mounts just made, should the cwd be under one: the ro
	 * paths may be relative */
	if (chdir(pl->cwd) < 0)
		fail(pl->rep, REP_SETUP, "entering the working directory");
	/* every mount, hidden ones too, in one call: chmod, utime, xattrs,
	 * rename and truncate outside fail with EROFS, whatever Landlock
	 * knows of them */
	if (set_attr("/", AT_RECURSIVE, MOUNT_ATTR_RDONLY, 0) < 0)
		fail(pl->rep, REP_SETUP, "making the file system read-only");
	/* a read-only path around the repository first (the state directory
	 * holds a git task's work tree): its recursive bind copies the
	 * repository's mount, which is then made writable; the paths inside
	 * the repository (.git, .redline) are made read-only after it */
	for (ro = pl->sb->ro; ro && *ro; ro++)
		if (holds(*ro, pl->dir) && read_only(*ro) < 0)
			fail(pl->rep, REP_SETUP, "mounting a path read-only");
	if (writable(pl->dir, dir_ro) < 0 || writable(pl->tmp, tmp_ro) < 0)
		fail(pl->rep, REP_SETUP, "making the repository writable");
#ifdef RL_COVERAGE_DIR
	if (writable(RL_COVERAGE_DIR, cov_ro) < 0)
		fail(pl->rep, REP_SETUP, "making the coverage directory writable");
#endif
	for (ro = pl->sb->ro; ro && *ro; ro++)
		if (!holds(*ro, pl->dir) && read_only(*ro) < 0)
			fail(pl->rep, REP_SETUP, "mounting a path read-only");
	/* a /proc of the namespace's processes only, read-only like the
	 * rest; a kernel may refuse it (an overmounted /proc), and the
	 * host's then stays, showing pids but no more: rl-act is not
	 * dumpable, its memory and environment are closed to the sandbox */
	return mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC |
	    MS_RDONLY, NULL) == 0;
}

static void __attribute__((noreturn))
keeper(const struct plan *pl, int go)
{
	const struct rl_sandbox *sb = pl->sb;
	struct report m = {REP_DONE, 0, 0, 0, 0, ""};
	char map[64], c;
	sigset_t chld;
	long long end;
	pid_t pid;
	int status = 0, i;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	for (i = 0; i < 5; i++)
		close(pl->theirs[i]);
	if (read(go, &c, 1) != 1)     /* rl-act gone, or put us in no cgroup */
		_exit(127);
	close(go);
	if (pl->ns) {
		snprintf(map, sizeof map, "%lu %lu 1", (unsigned long)pl->uid,
		    (unsigned long)pl->uid);
		if (write_file("/proc/self/setgroups", "deny") < 0 ||
		    write_file("/proc/self/uid_map", map) < 0)
			fail(pl->rep, REP_SETUP, "mapping the user namespace");
		snprintf(map, sizeof map, "%lu %lu 1", (unsigned long)pl->gid,
		    (unsigned long)pl->gid);
		if (write_file("/proc/self/gid_map", map) < 0)
			fail(pl->rep, REP_SETUP, "mapping the user namespace");
		m.proc = mounts(pl);
	} else {
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	}
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	end = sb->timeout_ms > 0 ? rl_proc_mono_ms() + sb->timeout_ms : 0;
	if ((pid = fork()) < 0)
		fail(pl->rep, REP_SETUP, "starting the command");
	if (pid == 0) {
		sigprocmask(SIG_UNBLOCK, &chld, NULL);
		command(pl);
	}
	close(pl->in);
	close(pl->out);
	close(pl->err);
	if (!await(pid, end, &status)) {
		m.timed_out = 1;
		kill(-pid, SIGTERM);
		if (!await(pid, rl_proc_mono_ms() + RL_SANDBOX_GRACE_MS, &status)) {
			kill(-pid, SIGKILL);
			await(pid, 0, &status);
		}
	}
	kill_rest(pl->ns);
	m.status = status;
	if (write(pl->rep, &m, sizeof m) < 0)
		_exit(127);
#ifdef RL_COVERAGE
	__gcov_dump();      /* _exit skips it, and the keeper's lines count */
#endif
	_exit(0);
}

/* --- in rl-act -------------------------------------------------------- */

/* The keeper, in new namespaces unless the sandbox is off: there is no
 * sandbox without them (-1, errno from clone3). */
static pid_t
start_keeper(struct plan *pl, int go)
{
	struct clone_args ca = {.flags = NS_FLAGS, .exit_signal = SIGCHLD};
	pid_t pid;

	pl->ns = !pl->sb->off;
	pid = pl->ns ? (pid_t)syscall(SYS_clone3, &ca, sizeof ca) : fork();
	if (pid == 0)
		keeper(pl, go);
	return pid;
}

/*
 * A pids cgroup for the keeper when we may make one: under cgroup v1's
 * pids hierarchy, or the cgroup v2 root when it offers pids (then enabled
 * for its children).  Its path goes to out.
 */
static int
cgroup_for(pid_t pid, long procs, char *out, size_t size)
{
	static const char *bases[] = {"/sys/fs/cgroup/pids", "/sys/fs/cgroup", NULL};
	char path[256], num[32];
	struct rl_buf ctl = {0};
	size_t i;
	int v2;

	for (i = 0; procs > 0 && bases[i]; i++) {
		snprintf(path, sizeof path, "%s/cgroup.controllers", bases[i]);
		rl_buf_reset(&ctl);
		v2 = rl_fs_read(path, &ctl, 4096) == 0;
		if (v2 && !strstr(ctl.data, "pids"))
			continue;
		snprintf(path, sizeof path, "%s/cgroup.procs", bases[i]);
		if (access(path, W_OK) < 0)
			continue;
		if (v2) {
			snprintf(path, sizeof path, "%s/cgroup.subtree_control", bases[i]);
			write_file(path, "+pids");
		}
		snprintf(out, size, "%s/redline.%ld", bases[i], (long)pid);
		if (mkdir(out, 0700) < 0)
			continue;
		snprintf(path, sizeof path, "%s/pids.max", out);
		snprintf(num, sizeof num, "%ld", procs);
		if (write_file(path, num) == 0) {
			snprintf(path, sizeof path, "%s/cgroup.procs", out);
			snprintf(num, sizeof num, "%ld", (long)pid);
			if (write_file(path, num) == 0) {
				rl_buf_free(&ctl);
				return 0;
			}
		}
		rmdir(out);
	}
	rl_buf_free(&ctl);
	return -1;
}

/* The environment the command gets: nothing of ours but these. */
static char **
environment(const char *tmp, struct rl_buf *b)
{
	static const char *keep[] = {"PATH", "LANG", "TERM", "LC_ALL", NULL};
	char **envp = rl_xcalloc(8, sizeof *envp);
	size_t offs[8], n = 0, i;
	const char *v;

	for (i = 0; keep[i]; i++)
		if ((v = getenv(keep[i]))) {
			offs[n++] = b->len;
			rl_buf_printf(b, "%s=%s", keep[i], v);
			rl_buf_addc(b, 0);
		}
	if (!getenv("PATH")) {
		offs[n++] = b->len;
		rl_buf_adds(b, "PATH=/usr/local/bin:/usr/bin:/bin");
		rl_buf_addc(b, 0);
	}
	offs[n++] = b->len;
	rl_buf_printf(b, "HOME=%s", tmp);
	rl_buf_addc(b, 0);
	offs[n++] = b->len;
	rl_buf_printf(b, "TMPDIR=%s", tmp);
	rl_buf_addc(b, 0);
	for (i = 0; i < n; i++)
		envp[i] = b->data + offs[i];
	return envp;
}

/* Remove name in at and all below it, never following a symbolic link;
 * a directory the command made unreadable is opened up first.  Depth is
 * bounded (so are descriptors): -1 when something is left. */
static int
remove_at(int at, const char *name, int depth)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, rc = 0;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(at, name, 0);
	if (depth > 128) {
		errno = ELOOP;
		return -1;
	}
	fchmodat(at, name, 0700, 0);
	if ((fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return -1;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    remove_at(dirfd(d), de->d_name, depth + 1) < 0)
			rc = -1;
	closedir(d);
	return unlinkat(at, name, AT_REMOVEDIR) < 0 ? -1 : rc;
}

/*
 * The fixed paths as they were before the run: missing, a symbolic link
 * (its target kept, to put it back), or anything else, which the keeper
 * holds with a read-only mount (a mount point cannot be removed or
 * renamed).  A link to nothing is refused: the command could make what
 * it names, and the link would not change.  One entry per path, then a
 * terminator, in *out; free with free_before.
 */
struct before {
	int link;         /* 1: a symbolic link, to target */
	int missing;
	char *target;
};

static int
look_before(const char *const *fixed, struct before **out, struct rl_error *e)
{
	struct before *b;
	struct stat st;
	char target[PATH_MAX];
	size_t n = 0, i;
	ssize_t len;

	while (fixed && fixed[n])
		n++;
	*out = b = rl_xcalloc(n + 1, sizeof *b);
	for (i = 0; i < n; i++) {
		if (lstat(fixed[i], &st) < 0) {
			b[i].missing = errno == ENOENT;    /* else: left alone */
			continue;
		}
		if (!S_ISLNK(st.st_mode) ||
		    (len = readlink(fixed[i], target, sizeof target - 1)) < 0)
			continue;
		if (stat(fixed[i], &st) < 0)
			return rl_error_set(e, "sandbox.setup", "%s is a symbolic link "
			    "to nothing, which the sandbox cannot keep as it is; nothing "
			    "was run: remove it (rm %s) or make what it names", fixed[i],
			    fixed[i]);
		target[len] = 0;
		b[i].link = 1;
		b[i].target = rl_xmalloc((size_t)len + 1);
		memcpy(b[i].target, target, (size_t)len + 1);
	}
	return 0;
}

static void
free_before(struct before *b, const char *const *fixed)
{
	size_t i;

	for (i = 0; fixed && fixed[i]; i++)
		free(b[i].target);
	free(b);
}

/* Whether fixed path i is as it was. */
static int
same(const char *path, const struct before *b)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t len;

	if (lstat(path, &st) < 0)
		return b->missing || !b->link;   /* a held one cannot go */
	if (b->missing)
		return 0;
	if (!b->link)
		return 1;
	if (!S_ISLNK(st.st_mode) ||
	    (len = readlink(path, target, sizeof target - 1)) < 0)
		return 0;
	target[len] = 0;
	return strcmp(target, b->target) == 0;
}

/* After the run: each fixed path the command made, or whose symbolic
 * link it replaced, is put back as it was; -1 with tool.denied in e when
 * one had to be. */
static int
put_back(const char *const *fixed, const struct before *b, struct rl_error *e)
{
	size_t i;
	int rc = 0;

	for (i = 0; fixed && fixed[i]; i++) {
		if (same(fixed[i], &b[i]))
			continue;
		if (remove_at(AT_FDCWD, fixed[i], 0) < 0 ||
		    (b[i].link && symlink(b[i].target, fixed[i]) < 0))
			rc = rl_error_set(e, "tool.denied", "the command changed %s, "
			    "which is trusted outside the sandbox, and it cannot be put "
			    "back (%s): look at it before anything else runs here",
			    fixed[i], strerror(errno));
		else if (rc == 0)
			rc = rl_error_set(e, "tool.denied", "the command %s %s, which "
			    "is trusted outside the sandbox and must not change; %s",
			    b[i].missing ? "made" : "replaced", fixed[i],
			    b[i].missing ? "it was removed" : "it was put back");
	}
	return rc;
}

static void
add_layers(char *out, size_t size, const struct plan *pl, int proc, int cgroup)
{
	size_t n = strlen(out);

	snprintf(out + n, size - n, "%s%s%s rlimits%s",
	    pl->ns ? " userns mountns netns pidns" : "", proc ? " proc" : "",
	    pl->sb->off ? "" : " caps", cgroup ? " cgroup" : "");
}

int
rl_sandbox_run(const struct rl_sandbox *sb, char *const argv[],
	struct rl_sandbox_result *r, struct rl_error *e)
{
	int fd[4][2] = {{-1, -1}, {-1, -1}, {-1, -1}, {-1, -1}}, gop[2] = {-1, -1};
	char tmp[] = "/tmp/rl-act.XXXXXX", cg[128], cwd[PATH_MAX], *dir = NULL;
	struct rl_buf envb = {0};
	struct rl_error e2;
	struct before *before = NULL;
	struct plan pl = {0};
	struct report m = {0, 0, 0, 0, 0, ""};
	struct rl_pump pump;
	long long t0 = rl_proc_mono_ms();
	int status = 0, i, rc = -1, cgroup = 0, pumped;
	char **envp = NULL;
	pid_t pid;
	ssize_t n;

	memset(r, 0, sizeof *r);
	r->exit_code = -1;
	/* /proc/PID/environ and mem of this process: closed to what it runs */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	snprintf(r->layers, sizeof r->layers, "none");
	if (!sb->off && probe(r->layers, sizeof r->layers, e) < 0)
		return -1;
	if (!getcwd(cwd, sizeof cwd))
		return rl_error_set(e, "sandbox.setup", "cannot tell the current "
		    "directory: %s", strerror(errno));
	if (!(dir = realpath(sb->dir, NULL)))
		return rl_error_set(e, "sandbox.setup", "%s: %s", sb->dir,
		    strerror(errno));
	if (!mkdtemp(tmp)) {
		free(dir);
		return rl_error_set(e, "sandbox.setup", "cannot make a private "
		    "directory in /tmp: %s", strerror(errno));
	}
	envp = environment(tmp, &envb);
	pl = (struct plan){.sb = sb, .argv = argv, .envp = envp, .dir = dir,
	    .tmp = tmp, .cwd = cwd, .uid = getuid(), .gid = getgid()};
	if (sb->procs > 0 && getuid() != 0)
		/* RLIMIT_NPROC counts all of the user's processes */
		pl.nproc = each_process(owned_by, &pl.uid) + sb->procs;
	for (i = 0; i < 4; i++)
		if (pipe2(fd[i], O_CLOEXEC) < 0)
			goto out_sys;
	if (pipe2(gop, O_CLOEXEC) < 0)
		goto out_sys;
	pl.in = fd[0][0];
	pl.out = fd[1][1];
	pl.err = fd[2][1];
	pl.rep = fd[3][1];
	pl.theirs[0] = fd[0][1];
	pl.theirs[1] = fd[1][0];
	pl.theirs[2] = fd[2][0];
	pl.theirs[3] = fd[3][0];
	pl.theirs[4] = gop[1];
	if (look_before(sb->off ? NULL : sb->fixed, &before, e) < 0)
		goto out;
	if ((pid = start_keeper(&pl, gop[0])) < 0 && pl.ns) {
		rc = rl_error_set(e, "sandbox.unavailable", NO_NS_MESSAGE,
		    strerror(errno));
		goto out;
	}
	if (pid < 0)
		goto out_sys;
	cgroup = cgroup_for(pid, sb->off ? 0 : sb->procs, cg, sizeof cg) == 0;
	if (write(gop[1], "g", 1) != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto out_sys;
	}
	for (i = 0; i < 4; i++) {
		close(fd[i][i == 0 ? 0 : 1]);
		fd[i][i == 0 ? 0 : 1] = -1;
	}
	pump = (struct rl_pump){.in = fd[0][1], .out = fd[1][0], .err = fd[2][0],
	    .text = sb->input, .len = sb->input ? sb->input_len : 0,
	    .end_ms = sb->timeout_ms > 0 ? t0 + sb->timeout_ms +
	    RL_SANDBOX_GRACE_MS + 10000 : 0,
	    .obuf = &r->out, .ebuf = &r->err, .ocap = sb->out_cap,
	    .ecap = sb->out_cap};
	fd[0][1] = fd[1][0] = fd[2][0] = -1;
	pumped = rl_proc_pump(&pump);
	if (pumped == RL_PROC_TIMEOUT)
		kill(pid, SIGKILL);     /* the keeper hung: its namespace dies */
	n = read(fd[3][0], &m, sizeof m);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (cgroup)
		rmdir(cg);
	r->out_bytes = pump.obytes;
	r->err_bytes = pump.ebytes;
	r->ms = rl_proc_mono_ms() - t0;
	if (sb->off)
		snprintf(r->layers, sizeof r->layers, "none");
	add_layers(r->layers, sizeof r->layers, &pl, m.proc, cgroup);
	if (n != (ssize_t)sizeof m) {
		rc = rl_error_set(e, "sandbox.setup", "the sandbox's keeper ended "
		    "without a report");
	} else if (m.kind == REP_SETUP) {
		rc = rl_error_set(e, "sandbox.setup", "%s: %s; nothing was run",
		    m.what, strerror(m.err));
	} else if (m.kind == REP_EXEC) {
		rc = rl_error_set(e, m.err == ENOENT ? "tool.not_found" :
		    "tool.exec", "cannot run %s: %s", m.what, strerror(m.err));
	} else {
		r->timed_out = m.timed_out;
		if (WIFEXITED(m.status))
			r->exit_code = WEXITSTATUS(m.status);
		else if (WIFSIGNALED(m.status))
			r->signal = WTERMSIG(m.status);
		rc = 0;
	}
	/* every process of the sandbox is gone: what it left is final */
	if (put_back(sb->off ? NULL : sb->fixed, before, &e2) < 0 && rc == 0)
		rc = (*e = e2, -1);
	goto out;
out_sys:
	rc = rl_error_set(e, "sandbox.setup", "cannot start the sandbox: %s",
	    strerror(errno));
out:
	for (i = 0; i < 8; i++)
		if (fd[i / 2][i % 2] >= 0)
			close(fd[i / 2][i % 2]);
	if (gop[0] >= 0)
		close(gop[0]);
	if (gop[1] >= 0)
		close(gop[1]);
	if (remove_at(AT_FDCWD, tmp, 0) < 0)
		fprintf(stderr, "%s: warning: %s: cannot remove all of it: %s\n",
		    rl_prog, tmp, strerror(errno));
	if (before)
		free_before(before, sb->off ? NULL : sb->fixed);
	free(dir);
	free(envp);
	rl_buf_free(&envb);
	return rc;
}

int
rl_sandbox_status(const struct rl_sandbox_result *r)
{
	if (r->timed_out)
		return 124;
	if (r->signal)
		return 128 + r->signal;
	return r->exit_code < 0 ? 127 : r->exit_code;
}

void
rl_sandbox_result_free(struct rl_sandbox_result *r)
{
	rl_buf_free(&r->out);
	rl_buf_free(&r->err);
}

/* --- the limits the configuration sets -------------------------------- */

void
rl_sandbox_limits(const struct rl_config *cfg, struct rl_sandbox *sb)
{
	sb->timeout_ms = (long long)(rl_config_num(cfg, "sandbox.timeout", 120) * 1000);
	sb->cpu_s = (long)rl_config_num(cfg, "sandbox.cpu_seconds", 300);
	sb->mem_bytes = (long long)rl_config_num(cfg, "sandbox.memory_bytes",
	    4294967296.0);
	sb->file_bytes = (long long)rl_config_num(cfg, "sandbox.file_bytes",
	    1073741824.0);
	sb->files = (long)rl_config_num(cfg, "sandbox.open_files", 1024);
	sb->procs = (long)rl_config_num(cfg, "sandbox.processes", 512);
	sb->out_cap = (size_t)rl_config_num(cfg, "sandbox.output_bytes", 1048576);
}
