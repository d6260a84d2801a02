/*
 * rl_cache.h - results kept under the content hash of what made them, one
 * file per store, replaced whole and crash-safely.
 *
 * A computation over the files of a tree (the definitions the repository
 * map shows, the findings of a debt analyzer) keeps each file's result
 * under a key that hashes everything the result depends on, so a later
 * run computes only what changed:
 *
 *     struct rl_cache C;
 *     char key[RL_CACHE_KEY];
 *     rl_cache_open(&C, "STATE/context", repo, "defs", "rl-context 3");
 *     rl_cache_key(tag, text, n, key);
 *     if ((body = rl_cache_get(&C, key, &len)))
 *         ... use the len bytes at body ...
 *     else
 *         ... compute it ..., rl_cache_put(&C, key, result, rlen);
 *     rl_cache_save(&C);
 *     rl_cache_close(&C);
 *
 * The store is the file DIR/HASH.SUFFIX, HASH being 16 hex digits of the
 * SHA-256 of the scope (a repository's absolute path): its first line is
 * the format, then each entry is a line "@ KEY LEN" and LEN bytes.  A
 * file that is missing, unreadable, of another format or over 256 MiB is
 * empty; an entry whose line is malformed or whose bytes run past the
 * end, and all after it, are misses.  So a torn file never yields a torn
 * result.
 *
 * rl_cache_save writes the entries got and put since the store was
 * opened (those of files gone from the tree are dropped), when anything
 * was put, with rl_fs_replace: temporary file, fsync, rename.  A crash
 * leaves the old store or the new.  Two processes that save one store at
 * once leave the entries of the last to rename; the others' are computed
 * again next time, so no lock is taken.
 */
#ifndef RL_CACHE_H
#define RL_CACHE_H
#include <stddef.h>

#include "rl_buf.h"
#include "rl_sha256.h"

#define RL_CACHE_KEY RL_SHA256_HEX    /* 64 hex digits and a NUL */

struct rl_cache_entry;

struct rl_cache {
	char *path;                  /* the store's file, or NULL: none */
	const char *magic;           /* its format line, without "\n" */
	struct rl_buf text;          /* the store as read */
	struct rl_cache_entry *v;    /* its entries, by key */
	size_t n;
	struct rl_buf fresh;         /* entries put, as they will be written */
	struct rl_cache_entry *put;  /* where they are in fresh */
	size_t nput, capput;
};

/*
 * Open the store of scope under dir (NULL: no store, every get misses
 * and save writes nothing) and read it.  magic names the format of its
 * entries and what made them: a change of either must change it.  Never
 * fails: a store that cannot be read is empty.
 */
void rl_cache_open(struct rl_cache *C, const char *dir, const char *scope,
	const char *suffix, const char *magic);

/* The key of n bytes of data made by tag (anything the result depends on
 * besides data: a scanner's name, an analyzer's identity and a path):
 * the SHA-256 of tag, a NUL and data, in hex. */
void rl_cache_key(const char *tag, const void *data, size_t n,
	char key[RL_CACHE_KEY]);

/* The result kept under key and its length in *len, or NULL; it lives
 * until rl_cache_close. */
const char *rl_cache_get(struct rl_cache *C, const char *key, size_t *len);

/* Keep the len bytes at body under key (copied). */
void rl_cache_put(struct rl_cache *C, const char *key, const void *body,
	size_t len);

/* Write the store when anything was put; 0, or -1 with errno set (the
 * caller may warn: the results are right, only not kept). */
int rl_cache_save(struct rl_cache *C);

void rl_cache_close(struct rl_cache *C);

#endif
