/*
 * rl_cache.c - results kept by content hash; see rl_cache.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rl_cache.h"
#include "rl_fs.h"

#define STORE_MAX (256UL << 20)    /* bytes of a store read */
#define HEADER_MAX 96              /* "@ KEY LEN\n", at most */

struct rl_cache_entry {
	char key[RL_CACHE_KEY];
	size_t off, len;             /* the body, in text (or in fresh) */
	int used;
};

static int
cmp_entry(const void *a, const void *b)
{
	return memcmp(((const struct rl_cache_entry *)a)->key,
	    ((const struct rl_cache_entry *)b)->key, RL_CACHE_KEY - 1);
}

static int
hex_key(const char *s)
{
	int i;

	for (i = 0; i < RL_CACHE_KEY - 1; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* The entries of the store read into C->text, up to the first that is
 * malformed or runs past the end. */
static void
parse(struct rl_cache *C, size_t start)
{
	const char *t = C->text.data, *nl, *p;
	size_t at = start, cap = 0, len;
	char *end;

	while (at < C->text.len) {
		p = t + at;
		nl = memchr(p, '\n', C->text.len - at < HEADER_MAX ?
		    C->text.len - at : HEADER_MAX);
		if (!nl || p[0] != '@' || p[1] != ' ' || nl - p < RL_CACHE_KEY + 3 ||
		    !hex_key(p + 2) || p[RL_CACHE_KEY + 1] != ' ' ||
		    p[RL_CACHE_KEY + 2] < '0' || p[RL_CACHE_KEY + 2] > '9')
			break;
		errno = 0;
		len = strtoul(p + RL_CACHE_KEY + 2, &end, 10);
		if (errno || end != nl)
			break;
		at = (size_t)(nl - t) + 1;
		if (len > C->text.len - at)
			break;
		if (C->n == cap)
			C->v = rl_xrealloc(C->v, (cap = cap ? 2 * cap : 256) *
			    sizeof *C->v);
		memcpy(C->v[C->n].key, p + 2, RL_CACHE_KEY - 1);
		C->v[C->n].key[RL_CACHE_KEY - 1] = '\0';
		C->v[C->n].off = at;
		C->v[C->n].len = len;
		C->v[C->n++].used = 0;
		at += len;
	}
	if (C->n > 1)
		qsort(C->v, C->n, sizeof *C->v, cmp_entry);
}

void
rl_cache_open(struct rl_cache *C, const char *dir, const char *scope,
	const char *suffix, const char *magic)
{
	struct rl_buf path = {0};
	char hex[RL_CACHE_KEY];
	size_t m = strlen(magic);

	memset(C, 0, sizeof *C);
	C->magic = magic;
	if (!dir)
		return;
	rl_cache_key("", scope, strlen(scope), hex);
	rl_buf_printf(&path, "%s/%.16s.%s", dir, hex, suffix);
	C->path = rl_buf_detach(&path);
	if (rl_fs_read_regular(C->path, &C->text, STORE_MAX) < 0 ||
	    C->text.len <= m || memcmp(C->text.data, magic, m) != 0 ||
	    C->text.data[m] != '\n')
		return;
	parse(C, m + 1);
}

void
rl_cache_key(const char *tag, const void *data, size_t n,
	char key[RL_CACHE_KEY])
{
	struct rl_sha256 h;

	rl_sha256_init(&h);
	rl_sha256_add(&h, tag, strlen(tag) + 1);
	rl_sha256_add(&h, data, n);
	rl_sha256_hex(&h, key);
}

static struct rl_cache_entry *
find(const struct rl_cache *C, const char *key)
{
	struct rl_cache_entry k;

	if (!C->n || strlen(key) != RL_CACHE_KEY - 1)
		return NULL;
	memcpy(k.key, key, RL_CACHE_KEY);
	return bsearch(&k, C->v, C->n, sizeof *C->v, cmp_entry);
}

const char *
rl_cache_get(struct rl_cache *C, const char *key, size_t *len)
{
	struct rl_cache_entry *e = find(C, key);

	if (!e)
		return NULL;
	e->used = 1;
	*len = e->len;
	return C->text.data + e->off;
}

void
rl_cache_put(struct rl_cache *C, const char *key, const void *body,
	size_t len)
{
	struct rl_cache_entry *e;

	if (!C->path || strlen(key) != RL_CACHE_KEY - 1)
		return;
	if (C->nput == C->capput)
		C->put = rl_xrealloc(C->put, (C->capput = C->capput ?
		    2 * C->capput : 64) * sizeof *C->put);
	e = &C->put[C->nput++];
	memcpy(e->key, key, RL_CACHE_KEY);
	e->off = C->fresh.len;
	e->len = len;
	e->used = 1;
	rl_buf_add(&C->fresh, body, len);
}

static void
write_entry(struct rl_buf *out, const struct rl_cache_entry *e,
	const char *base)
{
	rl_buf_printf(out, "@ %s %zu\n", e->key, e->len);
	rl_buf_add(out, base + e->off, e->len);
}

int
rl_cache_save(struct rl_cache *C)
{
	struct rl_cache_entry *old;
	struct rl_buf out = {0};
	char *slash;
	size_t i;
	int rc = 0, err;

	if (!C->path || !C->nput)
		return 0;
	if (C->nput > 1)
		qsort(C->put, C->nput, sizeof *C->put, cmp_entry);
	/* a key put twice is kept once; one put again replaces the old */
	for (i = 0; i < C->nput; i++) {
		if (i && cmp_entry(&C->put[i - 1], &C->put[i]) == 0)
			C->put[i].used = 0;
		else if ((old = find(C, C->put[i].key)))
			old->used = 0;
	}
	rl_buf_printf(&out, "%s\n", C->magic);
	for (i = 0; i < C->n; i++)
		if (C->v[i].used)
			write_entry(&out, &C->v[i], C->text.data);
	for (i = 0; i < C->nput; i++)
		if (C->put[i].used)
			write_entry(&out, &C->put[i], C->fresh.data);
	slash = strrchr(C->path, '/');
	if (slash) {
		*slash = '\0';
		rc = rl_fs_mkdirs(C->path, 0700);
		*slash = '/';
	}
	if (rc == 0)
		rc = rl_fs_replace(C->path, out.data, out.len, 0600);
	err = errno;
	rl_buf_free(&out);
	errno = err;
	return rc;
}

void
rl_cache_close(struct rl_cache *C)
{
	free(C->path);
	rl_buf_free(&C->text);
	rl_buf_free(&C->fresh);
	free(C->v);
	free(C->put);
	memset(C, 0, sizeof *C);
}
