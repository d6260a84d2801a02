/* rl_fs.c - crash-safe files and flock; see rl_fs.h. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "rl_fs.h"

int
rl_fs_read_fd(int fd, struct rl_buf *out, size_t max)
{
	size_t total = 0;
	ssize_t n;

	for (;;) {
		rl_buf_grow(out, 65536);
		out->data[out->len] = 0;    /* terminated, even when empty */
		n = read(fd, out->data + out->len, out->cap - out->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if ((total += (size_t)n) > max) {
			errno = EFBIG;
			return -1;
		}
		out->len += (size_t)n;
		out->data[out->len] = 0;
	}
	return n < 0 ? -1 : 0;
}

int
rl_fs_read_at(int dirfd, const char *name, struct rl_buf *out, size_t max)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC), saved;

	if (fd < 0)
		return -1;
	if (rl_fs_read_fd(fd, out, max) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

int
rl_fs_read(const char *path, struct rl_buf *out, size_t max)
{
	return rl_fs_read_at(AT_FDCWD, path, out, max);
}

int
rl_fs_read_regular(const char *path, struct rl_buf *out, size_t max)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), saved;
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0) {
		if (S_ISREG(st.st_mode) && rl_fs_read_fd(fd, out, max) == 0)
			return close(fd);
		if (!S_ISREG(st.st_mode))
			errno = EINVAL;
	}
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int
rl_fs_write_all(int fd, const void *data, size_t n)
{
	const char *p = data;
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
rl_fs_replace_at(int dirfd, const char *name, const void *data, size_t n,
	mode_t mode)
{
	char tmp[512];
	unsigned long long r = 0;
	int fd, saved;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) < 0)
		r = (unsigned long long)getpid() << 16 ^ (unsigned long long)time(NULL);
	if (snprintf(tmp, sizeof tmp, ".%s.tmp.%llx", name, r) >= (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	if (rl_fs_write_all(fd, data, n) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, name) < 0)
		goto fail;
	return fsync(dirfd);
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmp, 0);
	errno = saved;
	return -1;
}

int
rl_fs_replace(const char *path, const void *data, size_t n, mode_t mode)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int dfd, rc, saved;

	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else if (snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path) >=
	    (int)sizeof dir) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	rc = rl_fs_replace_at(dfd, slash ? slash + 1 : path, data, n, mode);
	saved = errno;
	close(dfd);
	errno = saved;
	return rc;
}

int
rl_fs_safe_name(const char *name)
{
	size_t n;

	if (!name || !*name || name[0] == '.')
		return 0;
	for (n = 0; name[n]; n++)
		if (n >= 64 || !(strchr("._-", name[n]) ||
		    (name[n] >= 'a' && name[n] <= 'z') ||
		    (name[n] >= 'A' && name[n] <= 'Z') ||
		    (name[n] >= '0' && name[n] <= '9')))
			return 0;
	return 1;
}

int
rl_fs_is_temp(const char *name)
{
	return name[0] == '.' && strstr(name, ".tmp.") != NULL;
}

int
rl_fs_mkdirs(const char *path, mode_t mode)
{
	char p[4096];
	size_t i, n = strlen(path);

	if (n == 0 || n >= sizeof p) {
		errno = n ? ENAMETOOLONG : ENOENT;
		return -1;
	}
	memcpy(p, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != 0)
			continue;
		p[i] = 0;
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -1;
		p[i] = i < n ? '/' : 0;
	}
	return 0;
}

static int
remove_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)f;
	(void)type;
	if (remove(path) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

int
rl_fs_remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return remove(path);
	return nftw(path, remove_one, 32, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

int
rl_fs_lock(const char *path, int excl)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	while (flock(fd, excl ? LOCK_EX : LOCK_SH) < 0) {
		if (errno != EINTR) {
			int saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
	}
	return fd;
}

/* Write the n bytes at data to the end of fd, a regular file of size
 * old: after a newline if the file does not end in one (a line torn by a
 * crash stays a line of its own), and cut back to old if the write fails
 * part way (a full disk leaves no torn line). */
static int
append_line(int fd, off_t old, const void *data, size_t n)
{
	struct iovec v[2] = {{"\n", 1}, {(void *)data, n}};
	size_t want, off = 0;
	char last = '\n';
	ssize_t w;
	int i = 0, saved;

	if (old > 0 && pread(fd, &last, 1, old - 1) != 1)
		last = '\n';        /* opened for writing only: trust it */
	if (last == '\n')
		i = 1;
	want = (i == 0) + n;
	while (off < want) {
		w = writev(fd, v + i, 2 - i);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			saved = errno;
			if (off)         /* if this fails too, readers skip it */
				(void)!ftruncate(fd, old);
			errno = saved;
			return -1;
		}
		off += (size_t)w;
		/* step over what was written */
		while (i < 2 && (size_t)w >= v[i].iov_len) {
			w -= (ssize_t)v[i].iov_len;
			i++;
		}
		if (i < 2) {
			v[i].iov_base = (char *)v[i].iov_base + w;
			v[i].iov_len -= (size_t)w;
		}
	}
	return 0;
}

int
rl_fs_append(const char *path, const void *data, size_t n)
{
	char lock[4096];
	struct stat st;
	int lfd, fd, rc = -1, saved;

	if (snprintf(lock, sizeof lock, "%s.lock", path) >= (int)sizeof lock) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((lfd = rl_fs_lock(lock, 1)) < 0)
		return -1;
	/* for reading too: the last byte tells whether a line was torn */
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EACCES)
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			rc = append_line(fd, st.st_size, data, n);
		else
			rc = rl_fs_write_all(fd, data, n);
		saved = errno;
		close(fd);
		errno = saved;
	}
	saved = errno;
	close(lfd);
	errno = saved;
	return rc;
}
