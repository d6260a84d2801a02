/*
 * rl_lines.h - splitting a byte stream into lines, incrementally.
 *
 * The one line splitter of the library: the record loop (rl_loop.h), the
 * supervisor reading its stages (rl_ring.h) and the worker pool reading
 * its commands (rl_queue_work.h) all take lines this way.  Bytes are appended
 * as they are read; whole lines are taken out where they lie, without a
 * copy; what is left (a line still being written) stays for the next
 * read.  A low-level primitive: it knows nothing of records or JSON.
 *
 *     struct rl_lines L = {0};
 *     n = read(fd, rl_lines_space(&L, 65536), 65536);
 *     rl_lines_added(&L, n);
 *     while (rl_lines_next(&L, &line, &len))
 *         handle(line, len);          (valid until the next space call)
 *     ...at the end of input, rl_lines_rest gives a last unended line
 *     rl_lines_free(&L);
 */
#ifndef RL_LINES_H
#define RL_LINES_H

#include <stddef.h>

#include "rl_buf.h"

struct rl_lines {
	struct rl_buf buf;     /* unread bytes are buf.data[pos..len) */
	size_t pos;
};

/* Room for at least want more bytes at the end, moving what is unread to
 * the front when that frees room; returns where to put them.  Lines
 * taken before are no longer valid. */
char *rl_lines_space(struct rl_lines *L, size_t want);

/* Count n bytes written at the space given as added. */
void rl_lines_added(struct rl_lines *L, size_t n);

/* Append the n bytes at data (a copy). */
void rl_lines_add(struct rl_lines *L, const void *data, size_t n);

/* The next whole line, its newline not included: 1 with *line and *len
 * set (and the line consumed), or 0 when no newline is waiting. */
int rl_lines_next(struct rl_lines *L, const char **line, size_t *len);

/* The bytes waiting after the last whole line (a line without its
 * newline yet): their start, and their count in *len. */
const char *rl_lines_pending(const struct rl_lines *L, size_t *len);

/* Consume n of the pending bytes (n <= the count pending). */
void rl_lines_skip(struct rl_lines *L, size_t n);

/* At the end of input: the last line, which had no newline: 1 with *line
 * and *len set (and consumed), or 0 when nothing is left. */
int rl_lines_rest(struct rl_lines *L, const char **line, size_t *len);

/* Forget every byte (the buffer is kept for reuse). */
void rl_lines_reset(struct rl_lines *L);

void rl_lines_free(struct rl_lines *L);

#endif
