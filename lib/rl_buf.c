/* rl_buf.c - growable byte buffers; see rl_buf.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rl_buf.h"
#include "rl_err.h"

static void
nomem(void)
{
	rl_diag(NULL, 0, "internal.nomem", "out of memory");
	exit(RL_EXIT_TEMP);
}

void *
rl_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		nomem();
	return p;
}

void *
rl_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		nomem();
	return p;
}

void *
rl_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		nomem();
	return q;
}

char *
rl_xstrndup(const char *s, size_t n)
{
	char *p = rl_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *
rl_xstrdup(const char *s)
{
	return rl_xstrndup(s, strlen(s));
}

void
rl_buf_grow(struct rl_buf *b, size_t n)
{
	size_t want;

	if (n > (size_t)-1 / 2 - b->len)
		nomem();
	want = b->len + n + 1;
	if (want <= b->cap)
		return;
	if (b->cap * 2 > want)
		want = b->cap * 2;
	if (want < 64)
		want = 64;
	b->data = rl_xrealloc(b->data, want);
	b->cap = want;
	b->data[b->len] = 0;
}

void
rl_buf_add(struct rl_buf *b, const void *p, size_t n)
{
	rl_buf_grow(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
}

void
rl_buf_adds(struct rl_buf *b, const char *s)
{
	rl_buf_add(b, s, strlen(s));
}

void
rl_buf_addc(struct rl_buf *b, int c)
{
	rl_buf_grow(b, 1);
	b->data[b->len++] = (char)c;
	b->data[b->len] = 0;
}

void
rl_buf_vprintf(struct rl_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	rl_buf_grow(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
rl_buf_printf(struct rl_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rl_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
rl_buf_reset(struct rl_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = 0;
}

void
rl_buf_free(struct rl_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *
rl_buf_detach(struct rl_buf *b)
{
	char *p = b->data ? b->data : rl_xstrdup("");

	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
