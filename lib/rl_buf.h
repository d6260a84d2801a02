/*
 * rl_buf.h - growable byte buffers.
 *
 * A struct rl_buf owns a heap block of `cap` bytes of which `len` are used.
 * The contents are always NUL-terminated (data[len] == 0) once anything
 * has been added, so a buffer holding text can be passed as a C string;
 * the NUL is not counted in len.  A zeroed struct is an empty buffer.
 *
 * Allocation failure is fatal: these functions print
 * "PROG: internal.nomem: out of memory" and exit 111, so callers never
 * check for it.  That is the one place redline does not return an error,
 * because no caller could do anything useful with it.
 */
#ifndef RL_BUF_H
#define RL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct rl_buf {
	char *data;
	size_t len;
	size_t cap;
};

/* Make room for at least n more bytes (plus the terminating NUL). */
void rl_buf_grow(struct rl_buf *b, size_t n);

/* Append n bytes from p. */
void rl_buf_add(struct rl_buf *b, const void *p, size_t n);

/* Append the C string s. */
void rl_buf_adds(struct rl_buf *b, const char *s);

/* Append one byte. */
void rl_buf_addc(struct rl_buf *b, int c);

/* Append printf-style formatted text. */
void rl_buf_printf(struct rl_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void rl_buf_vprintf(struct rl_buf *b, const char *fmt, va_list ap);

/* Forget the contents but keep the allocation. */
void rl_buf_reset(struct rl_buf *b);

/* Free the allocation; the buffer is empty and reusable afterwards. */
void rl_buf_free(struct rl_buf *b);

/*
 * Hand the contents over to the caller: returns a NUL-terminated heap
 * string the caller must free(), and leaves the buffer empty.
 */
char *rl_buf_detach(struct rl_buf *b);

/* malloc/realloc/strdup that exit 111 on failure, like rl_buf. */
void *rl_xmalloc(size_t n);
void *rl_xcalloc(size_t n, size_t size);
void *rl_xrealloc(void *p, size_t n);
char *rl_xstrdup(const char *s);
char *rl_xstrndup(const char *s, size_t n);

#endif
