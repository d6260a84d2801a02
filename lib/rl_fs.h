/*
 * rl_fs.h - files the way redline's stores need them.
 *
 * Replacing a file is crash-safe: the new contents go to a temporary
 * file made with O_EXCL in the same directory, are written and fsync'ed,
 * renamed over the old name, and the directory is fsync'ed.  After a crash
 * at any moment the name holds the old contents or the new, never a mix;
 * a temporary file left behind is named ".NAME.tmp.*" so a cleaner can
 * find it.
 *
 * Locks are flock(2) on dedicated lock files, never fcntl locks: a lock
 * dies with its process, so a crashed holder never blocks anyone.
 *
 * All functions return 0 (or a descriptor) on success and -1 with errno
 * set on failure; none prints anything.
 */
#ifndef RL_FS_H
#define RL_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "rl_buf.h"

/* Append the whole file at path to out, which ends NUL-terminated;
 * EFBIG if it has over max bytes. */
int rl_fs_read(const char *path, struct rl_buf *out, size_t max);

/* The same for a file that must be a regular file: a FIFO, a device or a
 * directory is refused with EINVAL, without waiting on it (a FIFO put
 * where a configuration file is expected must not hang a command). */
int rl_fs_read_regular(const char *path, struct rl_buf *out, size_t max);

/* The same for name in the directory open as dirfd. */
int rl_fs_read_at(int dirfd, const char *name, struct rl_buf *out, size_t max);

/* The same from fd, read to its end and left open (for a file whose
 * descriptor was checked first, as a key file is). */
int rl_fs_read_fd(int fd, struct rl_buf *out, size_t max);

/* Replace path with the n bytes at data, crash-safely (see above). */
int rl_fs_replace(const char *path, const void *data, size_t n, mode_t mode);

/* The same for name in the directory open as dirfd (saves opening the
 * directory for each file of a store). */
int rl_fs_replace_at(int dirfd, const char *name, const void *data, size_t n,
	mode_t mode);

/*
 * 1 if name may name a directory of a store (a memory namespace, a
 * queue): 1 to 64 of [A-Za-z0-9._-], not starting with a dot, so it can
 * never be "..", a dot file, or a path.  RL_FS_NAME_RULE says so in
 * words for messages.
 */
int rl_fs_safe_name(const char *name);
#define RL_FS_NAME_RULE "1 to 64 of A-Z a-z 0-9 . _ - not starting with a dot"

/* 1 if name is a temporary file rl_fs_replace makes: ".NAME.tmp.*". */
int rl_fs_is_temp(const char *name);

/* Write all n bytes to fd, finishing short writes (errno from the
 * write that failed, e.g. ENOSPC or EFBIG). */
int rl_fs_write_all(int fd, const void *data, size_t n);

/* mkdir -p: make path and its missing parents with mode. */
int rl_fs_mkdirs(const char *path, mode_t mode);

/* rm -rf: remove path and, when it is a directory, everything under it,
 * never following a symbolic link.  A path that is not there is fine. */
int rl_fs_remove_tree(const char *path);

/*
 * Open (creating it if needed) the lock file path and take an exclusive
 * (excl != 0) or shared flock on it, waiting for it.  Returns the
 * descriptor; close it to release the lock.
 */
int rl_fs_lock(const char *path, int excl);

/*
 * Append the n bytes at data (one or more whole lines) to path (created
 * with mode 0600 if absent) with one write(2) under an exclusive lock on
 * path.lock, so concurrent appenders never interleave.  A line is never
 * torn by an append and never glued to one that was: a write that fails
 * part way (ENOSPC, EFBIG) is cut back to the old size, and when the file
 * does not end in a newline (a crash in the middle of a write) one goes
 * first, so the torn line stays a line of its own for readers to skip.
 */
int rl_fs_append(const char *path, const void *data, size_t n);

#endif
