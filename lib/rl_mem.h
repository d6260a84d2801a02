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
 * (rl_mem_dir.c); a redis:// or unix:// URL keeps the store in that
 * Redis server, for many machines at once (rl_mem_redis.c).  The
 * semantics are the directory's; the Redis backend adds one error: a
 * server it cannot reach is redis.unreachable, retryable (exit 111),
 * and the call changed nothing that was acknowledged.
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

/* One operation of rl_mem_run; see there. */
enum rl_mem_kind { RL_MEM_PUT, RL_MEM_GET, RL_MEM_DEL, RL_MEM_INCR };

struct rl_mem_op {
	enum rl_mem_kind kind;
	const char *ns, *key;        /* borrowed from the caller */
	const void *val;             /* put: n bytes, borrowed */
	size_t n;
	double ttl;                  /* put: seconds, 0: none */
	const char *type;            /* put: NULL as rl_mem_put */
	long long delta;             /* incr */
	/* the result, set by rl_mem_run */
	int rc;                      /* 0, 1 absent, -1 failed (err) */
	struct rl_mem_meta meta;     /* put: as stored; get: the entry's */
	struct rl_buf value;         /* get: the value; the caller frees it */
	long long result;            /* incr: the new value */
	struct rl_error err;         /* when rc is -1 */
};

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
	/* Optional.  run: the n operations (valid; put's meta filled in)
	 * with one round trip where the store has round trips, in order;
	 * each op's rc, result and err set.  NULL: the front calls put,
	 * get, del and incr one by one. */
	void (*run)(struct rl_mem *m, struct rl_mem_op **ops, size_t n);
	/* check: add to report what keeps entries across a crash (where,
	 * the server's version and persistence) and to risks a line for
	 * each setting that can lose an acknowledged write, with its fix.
	 * Returns how many lines, or -1 when the store cannot be reached
	 * (m->err). */
	int (*check)(struct rl_mem *m, cJSON *report, struct rl_buf *risks);
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
	const struct rl_config *cfg;  /* while the backend opens; then NULL */
	struct rl_mem_counts count;
	struct rl_error err;     /* of the last call that failed */
};

/*
 * Open the store that cfg names (mem.backend, state directory, limits).
 * Returns NULL with e set when it cannot be opened (config.invalid, a
 * URL's redis.bad_url, io.open, redis.unreachable...: rl_err_status
 * tells the exit status); nothing is printed.
 */
struct rl_mem *rl_mem_open(const struct rl_config *cfg, struct rl_error *e);

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

/*
 * Run n puts, gets, dels and incrs (ops[i].kind and its arguments set,
 * the rest zero) as the functions above would one by one, in order, each
 * with its own result in ops[i]: rc 0, 1 (absent) or -1 with err.  A
 * backend with round trips (Redis) sends them all before it reads a
 * reply.  A failed operation does not stop the others.  Returns how
 * many failed.
 */
size_t rl_mem_run(struct rl_mem *m, struct rl_mem_op *ops, size_t n);

/* What the store is and whether it keeps what it acknowledges: "backend"
 * and what the backend adds (struct rl_mem_backend's check) into
 * report, a line per risk into risks.  Returns how many risks, or -1
 * with m->err when the store cannot be reached. */
int rl_mem_check(struct rl_mem *m, cJSON *report, struct rl_buf *risks);

/* Set the error of m, count it; returns -1.  For backends. */
int rl_mem_fail(struct rl_mem *m, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Count one whole entry into s: entries, bytes, oldest and newest.  For
 * backends' stats. */
void rl_mem_stats_add(struct rl_mem_stats *s, const struct rl_mem_meta *meta);

/* Log a "memory" metrics event with the counts, save the backend's own
 * counters and free m. */
void rl_mem_close(struct rl_mem *m);

/*
 * Batches: rl_mem_batch_start makes L a record loop (rl_loop.h) that
 * runs one operation per record and writes one result per record, in
 * input order:
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
 * and counts as a failed record (status 1, or 111 for an error a retry
 * may mend); the batch goes on.
 *
 * Operations are gathered while the loop works through input it has
 * read and run together by rl_mem_run before it waits for more (or
 * before an ls, or when many are waiting), so a Redis store answers a
 * block of operations in one round trip.
 *
 *     struct rl_mem_batch B;
 *     struct rl_loop L = {.stage = "mem"};
 *     rl_mem_batch_start(&B, m, "default", &L);
 *     status = rl_exit_merge(rl_loop_run(&L, n, files),
 *         rl_mem_batch_finish(&B));
 */
struct rl_mem_batch_item;

struct rl_mem_batch {
	struct rl_mem *m;
	const char *ns;          /* the default namespace */
	/* private */
	struct rl_mem_batch_item *items;
	size_t n, cap, bytes;
	int status;
};

struct rl_loop;

/* Set L's callback, error-baton and idle hooks to run a batch on m. */
void rl_mem_batch_start(struct rl_mem_batch *B, struct rl_mem *m,
	const char *ns, struct rl_loop *L);

/* Run what is still waiting, write its results; returns the batch's
 * exit status (the loop's own is merged by the caller). */
int rl_mem_batch_finish(struct rl_mem_batch *B);

/* The backends: the directory, and Redis (mem.backend a URL). */
extern const struct rl_mem_backend rl_mem_dir;
extern const struct rl_mem_backend rl_mem_redis;

#endif
