/*
 * fault.c - a preload that kills its process at the Nth file operation,
 * for the crash loops of tests/stress/queue-fault.
 *
 *     RL_FAULT_AT=7 LD_PRELOAD=build/default/helpers/fault.so rl-queue pop
 *
 * Every call that changes a file system or a file's contents counts as
 * one operation: open and openat with O_CREAT, O_TRUNC or write access,
 * write, writev, pwrite, rename, renameat, renameat2, link, linkat,
 * unlink, unlinkat, mkdir, mkdirat, fsync, fdatasync and ftruncate.
 * The Nth one is not made: the process sends itself SIGKILL instead, as
 * a crash at that moment would leave things.  RL_FAULT_AT unset or 0
 * counts nothing.  With RL_FAULT_LOG=path the count at exit is written
 * there, so a loop knows how many operations a command makes.
 *
 * Only the program's own calls are seen (libc's internal ones are not),
 * which is what the queue's crash safety rests on: its calls, in order.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static long at = -1, count;
static const char *log_path;

static void
save_count(void)
{
	FILE *f;

	if (log_path && (f = fopen(log_path, "w"))) {
		fprintf(f, "%ld\n", count);
		fclose(f);
	}
}

static void
tick(void)
{
	if (at < 0) {
		const char *s = getenv("RL_FAULT_AT");

		at = s ? atol(s) : 0;
		log_path = getenv("RL_FAULT_LOG");
		if (log_path)
			atexit(save_count);
	}
	if (++count == at)
		kill(getpid(), SIGKILL);
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

static int
writes(int flags)
{
	return (flags & (O_CREAT | O_TRUNC)) || (flags & O_ACCMODE) != O_RDONLY;
}

int
open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (writes(flags))
		tick();
	return NEXT(open)(path, flags, mode);
}

int
openat(int dir, const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (writes(flags))
		tick();
	return NEXT(openat)(dir, path, flags, mode);
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	tick();
	return NEXT(write)(fd, buf, n);
}

ssize_t
writev(int fd, const struct iovec *iov, int n)
{
	tick();
	return NEXT(writev)(fd, iov, n);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	tick();
	return NEXT(pwrite)(fd, buf, n, off);
}

int
rename(const char *from, const char *to)
{
	tick();
	return NEXT(rename)(from, to);
}

int
renameat(int fd1, const char *from, int fd2, const char *to)
{
	tick();
	return NEXT(renameat)(fd1, from, fd2, to);
}

int
renameat2(int fd1, const char *from, int fd2, const char *to, unsigned flags)
{
	tick();
	return NEXT(renameat2)(fd1, from, fd2, to, flags);
}

int
link(const char *from, const char *to)
{
	tick();
	return NEXT(link)(from, to);
}

int
linkat(int fd1, const char *from, int fd2, const char *to, int flags)
{
	tick();
	return NEXT(linkat)(fd1, from, fd2, to, flags);
}

int
unlink(const char *path)
{
	tick();
	return NEXT(unlink)(path);
}

int
unlinkat(int dir, const char *path, int flags)
{
	tick();
	return NEXT(unlinkat)(dir, path, flags);
}

int
mkdir(const char *path, mode_t mode)
{
	tick();
	return NEXT(mkdir)(path, mode);
}

int
mkdirat(int dir, const char *path, mode_t mode)
{
	tick();
	return NEXT(mkdirat)(dir, path, mode);
}

int
fsync(int fd)
{
	tick();
	return NEXT(fsync)(fd);
}

int
fdatasync(int fd)
{
	tick();
	return NEXT(fdatasync)(fd);
}

int
ftruncate(int fd, off_t len)
{
	tick();
	return NEXT(ftruncate)(fd, len);
}
