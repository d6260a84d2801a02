/*
 * rl_lines.c - incremental line splitting; see rl_lines.h.
 */
#include <string.h>

#include "rl_lines.h"

char *
rl_lines_space(struct rl_lines *L, size_t want)
{
	struct rl_buf *b = &L->buf;

	if (L->pos > 0 && L->pos == b->len) {
		b->len = L->pos = 0;
	} else if (L->pos > 0 && (L->pos > b->len / 2 ||
	    b->cap - b->len <= want)) {
		memmove(b->data, b->data + L->pos, b->len - L->pos);
		b->len -= L->pos;
		L->pos = 0;
	}
	rl_buf_grow(b, want);
	return b->data + b->len;
}

void
rl_lines_added(struct rl_lines *L, size_t n)
{
	L->buf.len += n;
	L->buf.data[L->buf.len] = 0;
}

void
rl_lines_add(struct rl_lines *L, const void *data, size_t n)
{
	if (!n)
		return;
	memcpy(rl_lines_space(L, n), data, n);
	rl_lines_added(L, n);
}

int
rl_lines_next(struct rl_lines *L, const char **line, size_t *len)
{
	const char *p;
	char *nl;

	if (L->pos >= L->buf.len)
		return 0;
	p = L->buf.data + L->pos;
	if (!(nl = memchr(p, '\n', L->buf.len - L->pos)))
		return 0;
	*line = p;
	*len = (size_t)(nl - p);
	L->pos += *len + 1;
	return 1;
}

const char *
rl_lines_pending(const struct rl_lines *L, size_t *len)
{
	*len = L->buf.len - L->pos;
	return L->buf.data ? L->buf.data + L->pos : "";
}

void
rl_lines_skip(struct rl_lines *L, size_t n)
{
	L->pos += n;
}

int
rl_lines_rest(struct rl_lines *L, const char **line, size_t *len)
{
	if (rl_lines_next(L, line, len))
		return 1;
	if (L->pos >= L->buf.len)
		return 0;
	*line = L->buf.data + L->pos;
	*len = L->buf.len - L->pos;
	L->pos = L->buf.len;
	return 1;
}

void
rl_lines_reset(struct rl_lines *L)
{
	L->buf.len = L->pos = 0;
}

void
rl_lines_free(struct rl_lines *L)
{
	rl_buf_free(&L->buf);
	L->pos = 0;
}
