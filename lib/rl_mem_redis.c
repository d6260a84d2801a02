/*
 * rl_mem_redis.c - the memory store on a Redis server (rl_mem.h), for
 * many machines at once: mem.backend is redis://... or unix://...
 *
 * The keys, for a namespace NS (a safe name: no ':' in it):
 *
 *     rl:mem:NS:e:KEY     a hash: v (the value), c (created), a (last
 *                         read), x (expires; 0 never), t (type); times
 *                         in ms since the epoch, as decimal text
 *     rl:mem:NS:keys      a sorted set of the namespace's keys, every
 *                         score 0, so ZRANGEBYLEX lists them by prefix
 *                         in byte order, never KEYS nor a SCAN of all
 *     rl:mem:NS:use       a hash: entries, bytes (what the limit
 *                         counts), hits, misses
 *     rl:mem:namespaces   a set of the namespaces
 *
 * Every change is one Lua script (OPS below), so the entry, the index
 * and the counts change together or not at all, and the namespace's
 * byte limit is checked and charged in the same step as the put: two
 * machines putting at once can never take a namespace over it.
 *
 * Expiry is the directory's: x is metadata, a get after it answers
 * "absent", and gc removes the entry and counts it expired.  Redis's
 * own expiry is not used, since a key Redis drops by itself would leave
 * the namespace's counts behind.  Times are the client's clock (with
 * RL_CLOCK_SKEW_MS), as the directory's are.
 *
 * A block of operations (rl_mem_run, which rl-mem batch uses) is one
 * EVALSHA of OPS with every operation in it (up to BLOCK): one round
 * trip, and run by the server as one step.  ls, stats, gc and clear walk a namespace
 * in chunks of CHUNK keys (ZRANGEBYLEX, then one OPS for their
 * metadata or their removal); gc removes an entry only if it is still
 * the one it read (created and last read unchanged), so a put or a get
 * racing with gc wins.
 */
#include <stdlib.h>
#include <string.h>

#include "rl_dur.h"
#include "rl_mem.h"
#include "rl_redis.h"

#define PREFIX "rl:mem:"
#define NSSET PREFIX "namespaces"
#define CHUNK 256          /* keys per step of a walk */
#define BLOCK 1024         /* operations per EVALSHA, at most */
#define KEYS_PER_OP 3      /* and seven arguments: see OPS */

/*
 * KEYS[1] the set of namespaces, then per operation: its entry, its
 * namespace's index and usage.  ARGV[1] mem.max_namespace_bytes, then
 * per operation seven: what, ns, key, a1, a2, a3, a4:
 *   put   value, now, expires, type   -> {0, bytes after} | {5, after}
 *   get   -, now                      -> {0, v, c, a, x, t} | {1} | {2}
 *   incr  delta, now                  -> {0, value} | {1..4} (2 corrupt,
 *                                        3 not an integer, 4 overflow)
 *   drop  created, accessed ("" for   -> {bytes freed} | {-1}: absent,
 *         any: del and clear)            or not the entry gc read
 *   meta  -                           -> {1, c, a, x, size, t} | {0}
 *                                        gone | {2} corrupt
 */
static const char ops_lua[] =
"local nsset, max = KEYS[1], tonumber(ARGV[1])\n"
"local function kind(e) return redis.call('TYPE', e)['ok'] end\n"
"-- the fields of a valid entry (v itself only if wanted), or nil\n"
"local function entry(e, want_v)\n"
"  local f = redis.call('HMGET', e, 'c', 'a', 'x', 't')\n"
"  if redis.call('HEXISTS', e, 'v') == 0 or not tonumber(f[1]) or\n"
"     not tonumber(f[2]) or not tonumber(f[3]) or not f[4] then return nil end\n"
"  if want_v then f[5] = redis.call('HGET', e, 'v') end\n"
"  return f\n"
"end\n"
"local function account(use, dn, db)\n"
"  local u = redis.call('HMGET', use, 'entries', 'bytes')\n"
"  local n = math.max(0, (tonumber(u[1]) or 0) + dn)\n"
"  local b = math.max(0, (tonumber(u[2]) or 0) + db)\n"
"  redis.call('HSET', use, 'entries', string.format('%d', n),\n"
"    'bytes', string.format('%d', b))\n"
"end\n"
"local function put(e, idx, use, ns, key, v, now, x, t)\n"
"  local ty, old = kind(e), 0\n"
"  if ty == 'hash' then old = redis.call('HSTRLEN', e, 'v')\n"
"  elseif ty ~= 'none' then redis.call('DEL', e) end\n"
"  local used = tonumber(redis.call('HGET', use, 'bytes') or '0')\n"
"  if old > used then old = used end\n"
"  local after = used - old + #v\n"
"  if after > max then return {5, after} end\n"
"  redis.call('HSET', e, 'v', v, 'c', now, 'a', now, 'x', x, 't', t)\n"
"  account(use, ty == 'none' and 1 or 0, #v - old)\n"
"  redis.call('ZADD', idx, 0, key)\n"
"  redis.call('SADD', nsset, ns)\n"
"  return {0, after}\n"
"end\n"
"local function get(e, use, now)\n"
"  local ty = kind(e)\n"
"  if ty ~= 'none' and ty ~= 'hash' then return {2} end\n"
"  local f = ty == 'hash' and entry(e, true)\n"
"  if ty == 'hash' and not f then return {2} end\n"
"  if not f or (tonumber(f[3]) ~= 0 and tonumber(f[3]) <= tonumber(now)) then\n"
"    redis.call('HINCRBY', use, 'misses', 1)\n"
"    return {1}\n"
"  end\n"
"  redis.call('HSET', e, 'a', now)\n"
"  redis.call('HINCRBY', use, 'hits', 1)\n"
"  return {0, f[5], f[1], now, f[3], f[4]}\n"
"end\n"
"local function incr(e, idx, use, ns, key, delta, now)\n"
"  local ty = kind(e)\n"
"  if ty ~= 'none' and ty ~= 'hash' then return {2} end\n"
"  local f = ty == 'hash' and entry(e, true)\n"
"  if ty == 'hash' and not f then return {2} end\n"
"  local c, x, old, cur = now, '0', 0, '0'\n"
"  if f then\n"
"    old = #f[5]\n"
"    if tonumber(f[3]) == 0 or tonumber(f[3]) > tonumber(now) then\n"
"      -- a decimal integer as strtoll reads it, spaces and all\n"
"      local s = string.match(f[5], '^%s*([+-]?%d+)[\\n ]*$')\n"
"      if not s then return {3} end\n"
"      local sign, digits = string.match(s, '^([+-]?)0*(%d*)$')\n"
"      if digits == '' then digits = '0' end\n"
"      if sign == '+' or digits == '0' then sign = '' end\n"
"      if #digits > 19 then return {3} end\n"
"      cur, c, x = sign .. digits, f[1], f[3]\n"
"    end\n"
"  end\n"
"  -- Redis adds in 64 bits and refuses an overflow; Lua's doubles cannot\n"
"  redis.call('HSET', e, 'v', cur)\n"
"  local r = redis.pcall('HINCRBY', e, 'v', delta)\n"
"  if type(r) == 'table' and r.err then\n"
"    if f then redis.call('HSET', e, 'v', f[5]) else redis.call('DEL', e) end\n"
"    if string.find(r.err, 'overflow') then return {4} end\n"
"    return {3}\n"
"  end\n"
"  local v = redis.call('HGET', e, 'v')\n"
"  redis.call('HSET', e, 'c', c, 'a', now, 'x', x,\n"
"    't', 'text/plain; charset=utf-8')\n"
"  account(use, f and 0 or 1, #v - old)\n"
"  redis.call('ZADD', idx, 0, key)\n"
"  redis.call('SADD', nsset, ns)\n"
"  return {0, v}\n"
"end\n"
"local function drop(e, idx, use, key, c, a)\n"
"  local ty = kind(e)\n"
"  if ty == 'none' then redis.call('ZREM', idx, key) return {-1} end\n"
"  if c ~= '' then\n"
"    if ty ~= 'hash' then return {-1} end\n"
"    local f = redis.call('HMGET', e, 'c', 'a')\n"
"    if f[1] ~= c or f[2] ~= a then return {-1} end\n"
"  end\n"
"  local size = 0\n"
"  if ty == 'hash' then size = redis.call('HSTRLEN', e, 'v') end\n"
"  redis.call('DEL', e)\n"
"  redis.call('ZREM', idx, key)\n"
"  account(use, -1, -size)\n"
"  return {size}\n"
"end\n"
"local function meta(e)\n"
"  local ty = kind(e)\n"
"  if ty == 'none' then return {0} end\n"
"  local f = ty == 'hash' and entry(e, false)\n"
"  if not f then return {2} end\n"
"  return {1, f[1], f[2], f[3], redis.call('HSTRLEN', e, 'v'), f[4]}\n"
"end\n"
"local out = {}\n"
"for i = 0, (#ARGV - 1) / 7 - 1 do\n"
"  local p, k = 2 + 7 * i, 2 + 3 * i\n"
"  local what, ns, key = ARGV[p], ARGV[p + 1], ARGV[p + 2]\n"
"  local a1, a2, a3, a4 = ARGV[p + 3], ARGV[p + 4], ARGV[p + 5], ARGV[p + 6]\n"
"  local e, idx, use = KEYS[k], KEYS[k + 1], KEYS[k + 2]\n"
"  if what == 'put' then out[i + 1] = put(e, idx, use, ns, key, a1, a2, a3, a4)\n"
"  elseif what == 'get' then out[i + 1] = get(e, use, a2)\n"
"  elseif what == 'incr' then out[i + 1] = incr(e, idx, use, ns, key, a1, a2)\n"
"  elseif what == 'drop' then out[i + 1] = drop(e, idx, use, key, a1, a2)\n"
"  else out[i + 1] = meta(e) end\n"
"end\n"
"return out\n";

static struct rl_redis_script OPS = {"memory operations", ops_lua, ""};

struct red {
	struct rl_redis *r;
};

/* One EVALSHA of OPS being made: its keys and its arguments apart,
 * since they interleave per operation. */
struct call {
	struct rl_redis_args keys, args;
	size_t n;
	int resend;              /* every operation may run twice */
};

static void
call_start(struct call *c, const struct rl_mem *m)
{
	memset(c, 0, sizeof *c);
	c->resend = 1;
	rl_redis_arg(&c->keys, NSSET);
	rl_redis_argf(&c->args, "%llu", m->max_ns_bytes);
}

/* Add one operation; a1 is n bytes (a value), the others text. */
static void
call_add(struct call *c, const char *what, const char *ns, const char *key,
	const void *a1, size_t n, const char *a2, const char *a3, const char *a4)
{
	rl_redis_argf(&c->keys, PREFIX "%s:e:%s", ns, key);
	rl_redis_argf(&c->keys, PREFIX "%s:keys", ns);
	rl_redis_argf(&c->keys, PREFIX "%s:use", ns);
	rl_redis_arg(&c->args, what);
	rl_redis_arg(&c->args, ns);
	rl_redis_arg(&c->args, key);
	rl_redis_argn(&c->args, a1 ? a1 : "", a1 ? n : 0);
	rl_redis_arg(&c->args, a2 ? a2 : "");
	rl_redis_arg(&c->args, a3 ? a3 : "");
	rl_redis_arg(&c->args, a4 ? a4 : "");
	/* a put, a get or a meta run twice does what it did once (but for
	 * a hit counted twice); an incr or a drop does not */
	if (strcmp(what, "put") && strcmp(what, "get") && strcmp(what, "meta"))
		c->resend = 0;
	c->n++;
}

/* Run the call: its reply, an array of one array per operation, or
 * NULL with e set. */
static redisReply *
call_run(struct rl_mem *m, struct call *c, struct rl_error *e)
{
	struct red *R = m->impl;
	redisReply *rep;
	size_t i;

	for (i = 0; i < c->args.n; i++)
		rl_redis_argn(&c->keys, c->args.data.data + c->args.off[i],
		    c->args.len[i]);
	rep = rl_redis_eval(R->r, &OPS, (int)(1 + KEYS_PER_OP * c->n), &c->keys,
	    c->resend ? RL_REDIS_RESEND : 0, e);
	rl_redis_args_free(&c->keys);
	rl_redis_args_free(&c->args);
	if (rep && (rep->type != REDIS_REPLY_ARRAY || rep->elements != c->n)) {
		freeReplyObject(rep);
		rl_error_set(e, "redis.reply", "%s: memory operations: a reply "
		    "of the wrong shape", rl_redis_name(R->r));
		return NULL;
	}
	if (rep)
		for (i = 0; i < c->n; i++)
			if (rep->element[i]->type != REDIS_REPLY_ARRAY ||
			    rep->element[i]->elements < 1 ||
			    rep->element[i]->element[0]->type != REDIS_REPLY_INTEGER) {
				freeReplyObject(rep);
				rl_error_set(e, "redis.reply", "%s: memory operations: "
				    "a reply of the wrong shape", rl_redis_name(R->r));
				return NULL;
			}
	return rep;
}

/* The i-th string of an operation's reply, or "". */
static const char *
str_at(const redisReply *o, size_t i, size_t *len)
{
	const redisReply *s = i < o->elements ? o->element[i] : NULL;

	if (s && (s->type == REDIS_REPLY_STRING || s->type == REDIS_REPLY_STATUS)) {
		if (len)
			*len = s->len;
		return s->str;
	}
	if (len)
		*len = 0;
	return "";
}

static long long
num_at(const redisReply *o, size_t i)
{
	const redisReply *s = i < o->elements ? o->element[i] : NULL;

	if (s && s->type == REDIS_REPLY_INTEGER)
		return s->integer;
	return s && s->type == REDIS_REPLY_STRING ? strtoll(s->str, NULL, 10) : 0;
}

/* --- put, get, del, incr: one block of operations ------------------ */

/* Take one operation's result out of its reply. */
static void
op_result(struct rl_mem *m, struct rl_mem_op *op, const redisReply *o)
{
	long long code = o->element[0]->integer;
	const char *s;
	size_t len;

	op->rc = 0;
	switch (op->kind) {
	case RL_MEM_PUT:
		if (code == 5)
			op->rc = rl_error_set(&op->err, "mem.full", "%s: the namespace "
			    "would hold %lld bytes, more than mem.max_namespace_bytes "
			    "(%llu)", op->ns, num_at(o, 1), m->max_ns_bytes);
		return;
	case RL_MEM_DEL:
		op->rc = code < 0 ? 1 : 0;
		return;
	case RL_MEM_GET:
		if (code == 0) {
			s = str_at(o, 1, &len);
			rl_buf_add(&op->value, s, len);
			op->meta.created = num_at(o, 2);
			op->meta.accessed = num_at(o, 3);
			op->meta.expires = num_at(o, 4);
			op->meta.size = len;
			snprintf(op->meta.type, sizeof op->meta.type, "%s",
			    str_at(o, 5, NULL));
		}
		break;
	case RL_MEM_INCR:
		if (code == 0)
			op->result = strtoll(str_at(o, 1, NULL), NULL, 10);
		else if (code == 3 || code == 4)
			op->rc = rl_error_set(&op->err, "mem.not_integer", "%s: '%s' "
			    "%s", op->ns, op->key, code == 3 ? "does not hold a "
			    "decimal integer" : "would overflow");
		break;
	}
	if (code == 1)
		op->rc = 1;
	else if (code == 2)
		op->rc = rl_error_set(&op->err, "mem.corrupt", "%s: '%s' is not a "
		    "valid entry (fix: rl-mem -n %s del '%s')", op->ns, op->key,
		    op->ns, op->key);
}

static void
run_block(struct rl_mem *m, struct rl_mem_op **ops, size_t n)
{
	char now[24], at[24], expires[24], delta[24];
	struct rl_error e;
	redisReply *rep;
	struct call c;
	size_t i;

	call_start(&c, m);
	snprintf(now, sizeof now, "%lld", rl_now_ms());
	for (i = 0; i < n; i++) {
		const struct rl_mem_op *op = ops[i];

		switch (op->kind) {
		case RL_MEM_PUT:
			snprintf(at, sizeof at, "%lld", op->meta.created);
			snprintf(expires, sizeof expires, "%lld", op->meta.expires);
			call_add(&c, "put", op->ns, op->key, op->val, op->n, at,
			    expires, op->meta.type);
			break;
		case RL_MEM_GET:
			call_add(&c, "get", op->ns, op->key, NULL, 0, now, NULL, NULL);
			break;
		case RL_MEM_DEL:
			call_add(&c, "drop", op->ns, op->key, NULL, 0, NULL, NULL, NULL);
			break;
		case RL_MEM_INCR:
			snprintf(delta, sizeof delta, "%lld", op->delta);
			call_add(&c, "incr", op->ns, op->key, delta, strlen(delta), now,
			    NULL, NULL);
			break;
		}
	}
	if (!(rep = call_run(m, &c, &e))) {
		for (i = 0; i < n; i++) {
			ops[i]->rc = -1;
			ops[i]->err = e;
		}
		return;
	}
	for (i = 0; i < n; i++)
		op_result(m, ops[i], rep->element[i]);
	freeReplyObject(rep);
}

static void
r_run(struct rl_mem *m, struct rl_mem_op **ops, size_t n)
{
	size_t i;

	for (i = 0; i < n; i += BLOCK)
		run_block(m, ops + i, n - i < BLOCK ? n - i : BLOCK);
}

/* One operation as a block of one; its error becomes m's. */
static int
one(struct rl_mem *m, struct rl_mem_op *op)
{
	struct rl_mem_op *p = op;

	run_block(m, &p, 1);
	if (op->rc < 0)
		return rl_mem_fail(m, op->err.code, "%s", op->err.message);
	return op->rc;
}

static int
r_put(struct rl_mem *m, const char *ns, const char *key, const void *val,
	size_t n, const struct rl_mem_meta *meta)
{
	struct rl_mem_op op = {.kind = RL_MEM_PUT, .ns = ns, .key = key,
	    .val = val, .n = n, .meta = *meta};

	return one(m, &op);
}

static int
r_get(struct rl_mem *m, const char *ns, const char *key, struct rl_buf *val,
	struct rl_mem_meta *meta)
{
	struct rl_mem_op op = {.kind = RL_MEM_GET, .ns = ns, .key = key};
	int rc = one(m, &op);

	if (rc == 0) {
		rl_buf_add(val, op.value.data ? op.value.data : "", op.value.len);
		*meta = op.meta;
	}
	rl_buf_free(&op.value);
	return rc;
}

static int
r_del(struct rl_mem *m, const char *ns, const char *key)
{
	struct rl_mem_op op = {.kind = RL_MEM_DEL, .ns = ns, .key = key};

	return one(m, &op);
}

static int
r_incr(struct rl_mem *m, const char *ns, const char *key, long long delta,
	long long *result)
{
	struct rl_mem_op op = {.kind = RL_MEM_INCR, .ns = ns, .key = key,
	    .delta = delta};
	int rc = one(m, &op);

	*result = op.result;
	return rc;
}

/* --- walking namespaces: ls, stats, gc, clear ------------------------ */

static int
fail_with(struct rl_mem *m, const struct rl_error *e)
{
	return rl_mem_fail(m, e->code, "%s", e->message);
}

/* A command of up to four words (NULL ends them). */
static redisReply *
cmd(struct rl_mem *m, struct rl_error *e, const char *w0, const char *w1,
	const char *w2, const char *w3)
{
	const char *w[] = {w0, w1, w2, w3};
	struct rl_redis_args a = {0};
	redisReply *rep;
	size_t i;

	for (i = 0; i < 4 && w[i]; i++)
		rl_redis_arg(&a, w[i]);
	rep = rl_redis_cmd(((struct red *)m->impl)->r, &a, RL_REDIS_RESEND, e);
	rl_redis_args_free(&a);
	return rep;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The namespaces to visit: ns alone, or every one, sorted. */
static int
namespaces(struct rl_mem *m, const char *ns, char ***out, size_t *n)
{
	struct rl_error e;
	redisReply *rep;
	size_t i;

	*n = 0;
	if (ns) {
		*out = rl_xmalloc(sizeof **out);
		(*out)[(*n)++] = rl_xstrdup(ns);
		return 0;
	}
	if (!(rep = cmd(m, &e, "SMEMBERS", NSSET, NULL, NULL)))
		return fail_with(m, &e);
	*out = rl_xcalloc(rep->elements + 1, sizeof **out);
	for (i = 0; i < rep->elements; i++)
		if (rep->element[i]->type == REDIS_REPLY_STRING)
			(*out)[(*n)++] = rl_xstrdup(rep->element[i]->str);
	freeReplyObject(rep);
	qsort(*out, *n, sizeof **out, cmp_str);
	return 0;
}

static void
free_names(char **v, size_t n)
{
	while (n-- > 0)
		free(v[n]);
	free(v);
}

/* An entry as a walk sees it. */
struct item {
	size_t nsi;
	char *key;
	struct rl_mem_meta meta;
	int state;               /* 1 an entry, 2 corrupt, 0 gone */
};

/* Up to CHUNK keys of ns from after (exclusive; NULL: from prefix on)
 * that start with prefix, with their metadata, appended to *items.
 * Returns how many keys the index gave (< CHUNK: the end), -1 on error. */
static long
chunk(struct rl_mem *m, const char *ns, size_t nsi, const char *prefix,
	const char *after, struct item **items, size_t *n)
{
	struct rl_redis_args a = {0};
	struct rl_error e;
	redisReply *keys, *rep;
	struct item *it;
	struct call c;
	size_t i, k = 0, plen = strlen(prefix);
	long got;

	rl_redis_arg(&a, "ZRANGEBYLEX");
	rl_redis_argf(&a, PREFIX "%s:keys", ns);
	if (after)
		rl_redis_argf(&a, "(%s", after);
	else if (*prefix)
		rl_redis_argf(&a, "[%s", prefix);
	else
		rl_redis_arg(&a, "-");
	rl_redis_arg(&a, "+");
	rl_redis_arg(&a, "LIMIT");
	rl_redis_arg(&a, "0");
	rl_redis_argf(&a, "%d", CHUNK);
	keys = rl_redis_cmd(((struct red *)m->impl)->r, &a, RL_REDIS_RESEND, &e);
	rl_redis_args_free(&a);
	if (!keys)
		return fail_with(m, &e);
	got = (long)keys->elements;
	call_start(&c, m);
	for (i = 0; i < keys->elements; i++) {
		if (keys->element[i]->type != REDIS_REPLY_STRING ||
		    strncmp(keys->element[i]->str, prefix, plen) != 0) {
			got = 0;     /* past the prefix: the end */
			break;
		}
		call_add(&c, "meta", ns, keys->element[i]->str, NULL, 0, NULL, NULL,
		    NULL);
	}
	if (!c.n) {
		rl_redis_args_free(&c.keys);
		rl_redis_args_free(&c.args);
		freeReplyObject(keys);
		return got;
	}
	if (!(rep = call_run(m, &c, &e))) {
		freeReplyObject(keys);
		return fail_with(m, &e);
	}
	*items = rl_xrealloc(*items, (*n + c.n) * sizeof **items);
	for (i = 0; i < c.n; i++) {
		const redisReply *o = rep->element[i];

		it = &(*items)[*n + k++];
		memset(it, 0, sizeof *it);
		it->nsi = nsi;
		it->key = rl_xstrdup(keys->element[i]->str);
		it->state = (int)o->element[0]->integer;
		if (it->state == 1) {
			it->meta.created = num_at(o, 1);
			it->meta.accessed = num_at(o, 2);
			it->meta.expires = num_at(o, 3);
			it->meta.size = (unsigned long long)num_at(o, 4);
			snprintf(it->meta.type, sizeof it->meta.type, "%s",
			    str_at(o, 5, NULL));
		}
	}
	*n += k;
	freeReplyObject(rep);
	freeReplyObject(keys);
	return got;
}

static void
free_items(struct item *v, size_t n)
{
	while (n-- > 0)
		free(v[n].key);
	free(v);
}

/* Every entry of ns starting with prefix into *items (appended). */
static int
walk(struct rl_mem *m, const char *ns, size_t nsi, const char *prefix,
	struct item **items, size_t *n)
{
	char *after = NULL;
	size_t before;
	long got;

	do {
		before = *n;
		got = chunk(m, ns, nsi, prefix, after, items, n);
		free(after);
		after = *n > before ? rl_xstrdup((*items)[*n - 1].key) : NULL;
	} while (got == CHUNK && after);
	free(after);
	return got < 0 ? -1 : 0;
}

static int
r_list(struct rl_mem *m, const char *ns, const char *prefix,
	int (*fn)(const struct rl_mem_entry *e, void *arg), void *arg)
{
	struct item *items = NULL;
	struct rl_mem_entry e;
	char **names;
	size_t nn, k, i, n;
	int stop = 0, rc = 0;

	if (namespaces(m, ns, &names, &nn) < 0)
		return -1;
	for (k = 0; k < nn && !stop && rc == 0; k++) {
		n = 0;
		items = NULL;
		rc = walk(m, names[k], k, prefix, &items, &n);
		for (i = 0; i < n && !stop && rc == 0; i++) {
			if (items[i].state == 0)
				continue;
			e.ns = names[k];
			e.key = items[i].key;
			e.meta = items[i].meta;
			e.corrupt = items[i].state == 2;
			stop = fn(&e, arg) != 0;
		}
		free_items(items, n);
	}
	free_names(names, nn);
	return rc;
}

static int
r_stats(struct rl_mem *m, const char *ns,
	int (*fn)(const struct rl_mem_stats *s, void *arg), void *arg)
{
	struct rl_mem_stats s;
	struct item *items;
	struct rl_buf use = {0};
	struct rl_error e;
	redisReply *rep;
	char **names;
	size_t nn, k, i, n;
	int rc = 0;

	if (namespaces(m, ns, &names, &nn) < 0)
		return -1;
	for (k = 0; k < nn && rc == 0; k++) {
		memset(&s, 0, sizeof s);
		s.ns = names[k];
		rl_buf_reset(&use);
		rl_buf_printf(&use, PREFIX "%s:use", names[k]);
		if (!(rep = cmd(m, &e, "HMGET", use.data, "hits", "misses"))) {
			rc = fail_with(m, &e);
			break;
		}
		if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2) {
			s.hits = (unsigned long long)num_at(rep, 0);
			s.misses = (unsigned long long)num_at(rep, 1);
		}
		freeReplyObject(rep);
		items = NULL;
		n = 0;
		if ((rc = walk(m, names[k], k, "", &items, &n)) < 0) {
			free_items(items, n);
			break;
		}
		for (i = 0; i < n; i++) {
			if (items[i].state == 2)
				s.corrupt++;
			if (items[i].state != 1)
				continue;
			rl_mem_stats_add(&s, &items[i].meta);
		}
		free_items(items, n);
		if (fn(&s, arg) != 0)
			break;
	}
	rl_buf_free(&use);
	free_names(names, nn);
	return rc;
}

/*
 * Remove the n items at v (each it->state set to -1 when gone), only
 * if unchanged when check is set; counts and bytes go into *count and
 * res.  Returns 0, or -1 on error.
 */
static int
drop_items(struct rl_mem *m, char **names, struct item **v, size_t n, int check,
	unsigned long *count, unsigned long long *bytes)
{
	char c_[24], a_[24];
	struct rl_error e;
	redisReply *rep;
	struct call c;
	size_t i, j, k;

	for (i = 0; i < n; i += CHUNK) {
		k = n - i < CHUNK ? n - i : CHUNK;
		call_start(&c, m);
		for (j = i; j < i + k; j++) {
			snprintf(c_, sizeof c_, "%lld", v[j]->meta.created);
			snprintf(a_, sizeof a_, "%lld", v[j]->meta.accessed);
			call_add(&c, "drop", names[v[j]->nsi], v[j]->key,
			    check ? c_ : "", check ? strlen(c_) : 0, a_, NULL, NULL);
		}
		if (!(rep = call_run(m, &c, &e)))
			return fail_with(m, &e);
		for (j = 0; j < k; j++) {
			long long size = rep->element[j]->element[0]->integer;

			if (size < 0)
				continue;
			v[i + j]->state = -1;
			(*count)++;
			if (bytes)
				*bytes += (unsigned long long)size;
		}
		freeReplyObject(rep);
	}
	return 0;
}

static int
cmp_lru(const void *a, const void *b)
{
	const struct item *x = *(struct item *const *)a;
	const struct item *y = *(struct item *const *)b;

	return (x->meta.accessed > y->meta.accessed) -
	    (x->meta.accessed < y->meta.accessed);
}

static int
r_gc(struct rl_mem *m, const char *ns, const struct rl_mem_gc *gc,
	struct rl_mem_gc_result *res)
{
	struct item *items = NULL, **exp, **aged, **lru, **evict;
	unsigned long long bytes = 0, entries = 0;
	long long now = rl_now_ms();
	size_t nn, k, i, n = 0, ne = 0, na = 0, nl = 0, nv = 0;
	char **names;
	int rc = 0;

	if (namespaces(m, ns, &names, &nn) < 0)
		return -1;
	for (k = 0; k < nn && rc == 0; k++)
		rc = walk(m, names[k], k, "", &items, &n);
	exp = rl_xcalloc(n + 1, sizeof *exp);
	aged = rl_xcalloc(n + 1, sizeof *aged);
	lru = rl_xcalloc(n + 1, sizeof *lru);
	evict = rl_xcalloc(n + 1, sizeof *evict);
	for (i = 0; i < n && rc == 0; i++) {
		struct item *it = &items[i];

		if (it->state != 1)
			continue;
		if (it->meta.expires && it->meta.expires <= now)
			exp[ne++] = it;
		else if (gc->max_age >= 0 &&
		    it->meta.accessed < now - (long long)(gc->max_age * 1000))
			aged[na++] = it;
		else
			lru[nl++] = it;
	}
	if (rc == 0)
		rc = drop_items(m, names, exp, ne, 1, &res->expired, &res->bytes);
	if (rc == 0)
		rc = drop_items(m, names, aged, na, 1, &res->aged, &res->bytes);
	/* what is left, least recently read first, until within the limits
	 * (an entry gc could not drop still counts, as it is still there) */
	for (i = 0; i < n; i++)
		if (items[i].state == 1) {
			bytes += items[i].meta.size;
			entries++;
		}
	if (nl)
		qsort(lru, nl, sizeof *lru, cmp_lru);
	for (i = 0; i < nl; i++) {
		if ((gc->max_bytes < 0 || bytes <= (unsigned long long)gc->max_bytes) &&
		    (gc->max_entries < 0 || entries <= (unsigned long long)gc->max_entries))
			break;
		bytes -= lru[i]->meta.size;
		entries--;
		evict[nv++] = lru[i];
	}
	if (rc == 0)
		rc = drop_items(m, names, evict, nv, 1, &res->evicted, &res->bytes);
	free(exp);
	free(aged);
	free(lru);
	free(evict);
	free_items(items, n);
	free_names(names, nn);
	return rc;
}

static int
r_clear(struct rl_mem *m, const char *ns, unsigned long *removed)
{
	struct item *items, **all;
	char **names;
	size_t nn, k, i, n;
	long got;
	int rc = 0;

	if (namespaces(m, ns, &names, &nn) < 0)
		return -1;
	for (k = 0; k < nn && rc == 0; k++) {
		/* a chunk at a time from the start: each drop takes its keys
		 * out of the index, so the next chunk is the next keys */
		do {
			items = NULL;
			n = 0;
			if ((got = chunk(m, names[k], k, "", NULL, &items, &n)) < 0)
				rc = -1;
			all = rl_xcalloc(n + 1, sizeof *all);
			for (i = 0; i < n; i++)
				all[i] = &items[i];
			if (rc == 0 && n)
				rc = drop_items(m, names, all, n, 0, removed, NULL);
			free(all);
			free_items(items, n);
		} while (rc == 0 && got == CHUNK);
	}
	free_names(names, nn);
	return rc;
}

/* --- open, check, close ---------------------------------------------- */

static int
r_open(struct rl_mem *m, const char *where)
{
	struct red *R = rl_xcalloc(1, sizeof *R);
	struct rl_error e;

	if (!(R->r = rl_redis_open(m->cfg, where, &e))) {
		free(R);
		return fail_with(m, &e);
	}
	m->impl = R;
	return 0;
}

static int
r_check(struct rl_mem *m, cJSON *report, struct rl_buf *risks)
{
	struct red *R = m->impl;
	struct rl_error e;
	int n = rl_redis_check(R->r, report, risks, &e);

	return n < 0 ? fail_with(m, &e) : n;
}

static void
r_close(struct rl_mem *m)
{
	struct red *R = m->impl;

	rl_redis_close(R->r);
	free(R);
}

const struct rl_mem_backend rl_mem_redis = {
	"redis", r_open, r_put, r_get, r_del, r_incr, r_list, r_gc, r_stats,
	r_clear, r_close, r_run, r_check,
};
