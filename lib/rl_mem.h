/*
 * rl_mem.h - the agents' persistent memory: a key-value store of
 * namespaces, with expiry, limits, counters and garbage collection.
 *
 *     struct rl_mem *m = rl_mem_open(&cfg);
 *     rl_mem_put(m, "plan", "bias", "one small patch", 15, 0, NULL);
 *     rl_mem_get(m, "plan", "bias", &value, &meta);   0 found, 1 absent
 *     rl_mem_close(m);
 *
 * Keys are non-empty strings of any bytes but NUL, at most
 * RL_MEM_KEY_MAX bytes; a backend may refuse (mem.bad_key) a key it
 * cannot name: the directory backend's file names hold 200 bytes, with
 * every byte outside [A-Za-z0-9_.-] counting three.  Namespaces are the
 * names rl_fs_safe_name allows.  Values are any bytes.
 *
 * The store is reached through a backend (struct rl_mem_backend below),
 * chosen by the config key mem.backend; the embedded one, "dir", keeps a
 * directory per namespace and a file per entry in STATE/mem
 * (rl_mem_dir.c).  Another backend (Redis) is one more file that fills in
 * the same table.
 *
 * Every function returns 0 on success, 1 for "absent" where that can
 * happen, and -1 on error with m->err telling the code
 * (mem.bad_key, mem.too_large, mem.full, mem.corrupt, mem.not_integer,
 * io.*) and a message.  Nothing is ever half-changed by a failed call.
 */
#ifndef RL_MEM_H
#define RL_MEM_H

#include <stddef.h>

#include "rl_buf.h"
#include "rl_config.h"
#include "rl_err.h"

#define RL_MEM_KEY_MAX 200

struct rl_mem_meta {
	long long created;       /* ms since the epoch */
	long long accessed;      /* last get, ms since the epoch */
	long long expires;       /* ms since the epoch; 0: never */
	unsigned long long size; /* bytes of the value */
	char type[64];           /* content type */
};

struct rl_mem_entry {
	const char *ns, *key;
	struct rl_mem_meta meta;
	int corrupt;             /* its file could not be read as an entry */
};

struct rl_mem_stats {
	const char *ns;
	unsigned long long entries, bytes, hits, misses, corrupt;
	long long oldest, newest;  /* created, ms; 0 when empty */
};

/* What gc removes: expired entries always, then entries not read for
 * max_age seconds, then the least recently read until the namespace (or,
 * for every namespace at once, the store) is within max_bytes and
 * max_entries.  A negative field is no limit. */
struct rl_mem_gc {
	double max_age;
	long long max_bytes, max_entries;
};

struct rl_mem_gc_result {
	unsigned long expired, aged, evicted, temp;
	unsigned long long bytes;   /* freed */
};

struct rl_mem;

/* The backend table; m->impl is the backend's own state. */
struct rl_mem_backend {
	const char *name;
	int (*open)(struct rl_mem *m, const char *where);
	int (*put)(struct rl_mem *m, const char *ns, const char *key,
	    const void *val, size_t n, const struct rl_mem_meta *meta);
	int (*get)(struct rl_mem *m, const char *ns, const char *key,
	    struct rl_buf *val, struct rl_mem_meta *meta);
	int (*del)(struct rl_mem *m, const char *ns, const char *key);
	int (*incr)(struct rl_mem *m, const char *ns, const char *key,
	    long long delta, long long *result);
	int (*list)(struct rl_mem *m, const char *ns, const char *prefix,
	    int (*fn)(const struct rl_mem_entry *e, void *arg), void *arg);
	int (*gc)(struct rl_mem *m, const char *ns, const struct rl_mem_gc *gc,
	    struct rl_mem_gc_result *res);
	int (*stats)(struct rl_mem *m, const char *ns,
	    int (*fn)(const struct rl_mem_stats *s, void *arg), void *arg);
	int (*clear)(struct rl_mem *m, const char *ns, unsigned long *removed);
	void (*close)(struct rl_mem *m);
};

/* Counters of what this process did, for the metrics log. */
struct rl_mem_counts {
	unsigned long puts, gets, hits, misses, dels, incrs, errors;
	unsigned long long bytes_in, bytes_out;
};

struct rl_mem {
	const struct rl_mem_backend *be;
	void *impl;
	unsigned long long max_value, max_ns_bytes;  /* limits from config */
	struct rl_mem_counts count;
	struct rl_error err;     /* of the last call that failed */
};

/*
 * Open the store that cfg names (mem.backend, state directory, limits).
 * Returns NULL after a diagnostic when it cannot be opened.
 */
struct rl_mem *rl_mem_open(const struct rl_config *cfg);

/* Put n bytes at val under ns/key; ttl in seconds (0: no expiry); type
 * NULL: text/plain when val is UTF-8, else application/octet-stream. */
int rl_mem_put(struct rl_mem *m, const char *ns, const char *key,
	const void *val, size_t n, double ttl, const char *type);

/* Append the value to val (and its metadata to meta, if not NULL).
 * Returns 1 when the key is absent or expired. */
int rl_mem_get(struct rl_mem *m, const char *ns, const char *key,
	struct rl_buf *val, struct rl_mem_meta *meta);

/* Delete a key (a corrupt entry too).  Returns 1 when it was absent. */
int rl_mem_del(struct rl_mem *m, const char *ns, const char *key);

/* Add delta to the decimal integer stored at key (absent: 0) under the
 * namespace's lock, so no concurrent increment is lost. */
int rl_mem_incr(struct rl_mem *m, const char *ns, const char *key,
	long long delta, long long *result);

/* Call fn for each entry of ns (NULL: every namespace) whose key starts
 * with prefix (NULL: all), in key order; corrupt entries are passed with
 * corrupt set.  fn returns 0 to go on. */
int rl_mem_list(struct rl_mem *m, const char *ns, const char *prefix,
	int (*fn)(const struct rl_mem_entry *e, void *arg), void *arg);

/* Collect garbage in ns (NULL: the whole store); see struct rl_mem_gc.
 * Also removes temporary files that crashed writers left. */
int rl_mem_gc(struct rl_mem *m, const char *ns, const struct rl_mem_gc *gc,
	struct rl_mem_gc_result *res);

/* Call fn once per namespace (ns, or all when NULL), in name order. */
int rl_mem_stats(struct rl_mem *m, const char *ns,
	int (*fn)(const struct rl_mem_stats *s, void *arg), void *arg);

/* Remove every entry of ns (NULL: of every namespace). */
int rl_mem_clear(struct rl_mem *m, const char *ns, unsigned long *removed);

/* Set the error of m, count it; returns -1.  For backends. */
int rl_mem_fail(struct rl_mem *m, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Log a "memory" metrics event with the counts, save the backend's own
 * counters and free m. */
void rl_mem_close(struct rl_mem *m);

/*
 * Batches: rl_mem_batch_op is a record-loop callback (rl_loop.h) that
 * runs one operation per record and writes one result per record:
 *
 *   {"op":"put","key":"k","value":"v","ttl":"1h","type":"text/plain"}
 *   {"op":"put","key":"k","value_b64":"AAE="}      bytes that are not text
 *   {"op":"get","key":"k"}   -> {"op":"get",...,"ok":true,"found":true,
 *                                "value":"v"}     (or "value_b64")
 *   {"op":"del","key":"k"}   -> {...,"ok":true,"found":false}
 *   {"op":"incr","key":"n","delta":5}  -> {...,"ok":true,"value":12}
 *   {"op":"ls","prefix":"a"} -> {...,"ok":true,"keys":["a1","a2"]}
 *
 * Each operation may name its "ns" (else the batch's); an "id" is echoed
 * back.  A failed operation answers "ok":false with an "error" object
 * and counts as a failed record; the batch goes on.
 */
struct rl_mem_batch {
	struct rl_mem *m;
	const char *ns;          /* the default namespace */
};

struct rl_rec;
int rl_mem_batch_op(struct rl_rec *r, void *arg);

/* The directory backend. */
extern const struct rl_mem_backend rl_mem_dir;

#endif
