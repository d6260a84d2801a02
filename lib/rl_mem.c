/*
 * rl_mem.c - the store's front: argument checks, limits, counters and
 * the choice of backend; see rl_mem.h.  Backends see only valid names
 * and values within the size limit.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rl_dur.h"
#include "rl_err.h"
#include "rl_fs.h"
#include "rl_mem.h"
#include "rl_metrics.h"
#include "rl_redis.h"
#include "rl_text.h"

static const struct rl_mem_backend *backends[] = {&rl_mem_dir};


void
rl_mem_stats_add(struct rl_mem_stats *s, const struct rl_mem_meta *meta)
{
	s->entries++;
	s->bytes += meta->size;
	if (!s->oldest || meta->created < s->oldest)
		s->oldest = meta->created;
	if (meta->created > s->newest)
		s->newest = meta->created;
}

int
rl_mem_fail(struct rl_mem *m, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->err.message, sizeof m->err.message, fmt, ap);
	va_end(ap);
	m->err.code = code;
	m->count.errors++;
	return -1;
}

static int
check_names(struct rl_mem *m, const char *ns, const char *key)
{
	if (ns && !rl_fs_safe_name(ns))
		return rl_mem_fail(m, "mem.bad_key", "'%s': a namespace is "
		    RL_FS_NAME_RULE, ns);
	if (key && !*key)
		return rl_mem_fail(m, "mem.bad_key", "the key is empty");
	if (key && strlen(key) > RL_MEM_KEY_MAX)
		return rl_mem_fail(m, "mem.bad_key", "the key is %zu bytes, "
		    "more than %d", strlen(key), RL_MEM_KEY_MAX);
	return 0;
}

struct rl_mem *
rl_mem_open(const struct rl_config *cfg, struct rl_error *e)
{
	const char *name = rl_config_str(cfg, "mem.backend", "dir");
	struct rl_buf where = {0};
	struct rl_mem *m;
	size_t i;
	int rc;

	m = rl_xcalloc(1, sizeof *m);
	for (i = 0; i < sizeof backends / sizeof backends[0]; i++)
		if (strcmp(backends[i]->name, name) == 0)
			m->be = backends[i];
	if (rl_redis_is_url(name))
		m->be = &rl_mem_redis;
	if (!m->be) {
		rl_error_set(e, "config.invalid", "mem.backend: unknown backend "
		    "'%s' (fix: use \"dir\" or a redis:// URL)", name);
		free(m);
		return NULL;
	}
	m->max_value = (unsigned long long)rl_config_num(cfg,
	    "mem.max_value_bytes", 16777216);
	m->max_ns_bytes = (unsigned long long)rl_config_num(cfg,
	    "mem.max_namespace_bytes", 1073741824.0);
	if (m->be == &rl_mem_redis) {
		rl_buf_adds(&where, name);
	} else {
		rl_config_state_dir(cfg, &where);
		rl_buf_adds(&where, "/mem");
	}
	m->cfg = cfg;
	rc = m->be->open(m, where.data);
	m->cfg = NULL;
	if (rc < 0) {
		if (m->be == &rl_mem_redis)
			*e = m->err;
		else
			rl_error_set(e, m->err.code, "%s: %s", where.data,
			    m->err.message);
		rl_buf_free(&where);
		free(m);
		return NULL;
	}
	rl_buf_free(&where);
	return m;
}

/* The checks of a put and the metadata it stores. */
static int
put_meta(struct rl_mem *m, const char *ns, const char *key, const void *val,
	size_t n, double ttl, const char *type, struct rl_mem_meta *meta)
{
	if (check_names(m, ns, key) < 0)
		return -1;
	if (n > m->max_value)
		return rl_mem_fail(m, "mem.too_large", "the value is %zu bytes, "
		    "more than mem.max_value_bytes (%llu)", n, m->max_value);
	memset(meta, 0, sizeof *meta);
	meta->created = meta->accessed = rl_now_ms();
	meta->expires = ttl > 0 ? meta->created + (long long)(ttl * 1000) : 0;
	meta->size = n;
	if (!type)
		type = rl_utf8_check(val, n) == n && !memchr(val, 0, n) ?
		    "text/plain; charset=utf-8" : "application/octet-stream";
	snprintf(meta->type, sizeof meta->type, "%s", type);
	return 0;
}

int
rl_mem_put(struct rl_mem *m, const char *ns, const char *key,
	const void *val, size_t n, double ttl, const char *type)
{
	struct rl_mem_meta meta;

	if (put_meta(m, ns, key, val, n, ttl, type, &meta) < 0)
		return -1;
	m->count.puts++;
	if (m->be->put(m, ns, key, val, n, &meta) < 0)
		return -1;
	m->count.bytes_in += n;
	return 0;
}

int
rl_mem_get(struct rl_mem *m, const char *ns, const char *key,
	struct rl_buf *val, struct rl_mem_meta *meta)
{
	struct rl_mem_meta mine;
	size_t before = val->len;
	int rc;

	if (check_names(m, ns, key) < 0)
		return -1;
	m->count.gets++;
	rc = m->be->get(m, ns, key, val, meta ? meta : &mine);
	if (rc == 0) {
		m->count.hits++;
		m->count.bytes_out += val->len - before;
	} else if (rc == 1) {
		m->count.misses++;
	}
	return rc;
}

int
rl_mem_del(struct rl_mem *m, const char *ns, const char *key)
{
	if (check_names(m, ns, key) < 0)
		return -1;
	m->count.dels++;
	return m->be->del(m, ns, key);
}

int
rl_mem_incr(struct rl_mem *m, const char *ns, const char *key,
	long long delta, long long *result)
{
	if (check_names(m, ns, key) < 0)
		return -1;
	m->count.incrs++;
	return m->be->incr(m, ns, key, delta, result);
}

int
rl_mem_list(struct rl_mem *m, const char *ns, const char *prefix,
	int (*fn)(const struct rl_mem_entry *e, void *arg), void *arg)
{
	if (check_names(m, ns, NULL) < 0)
		return -1;
	return m->be->list(m, ns, prefix ? prefix : "", fn, arg);
}

int
rl_mem_gc(struct rl_mem *m, const char *ns, const struct rl_mem_gc *gc,
	struct rl_mem_gc_result *res)
{
	memset(res, 0, sizeof *res);
	if (check_names(m, ns, NULL) < 0)
		return -1;
	return m->be->gc(m, ns, gc, res);
}

int
rl_mem_stats(struct rl_mem *m, const char *ns,
	int (*fn)(const struct rl_mem_stats *s, void *arg), void *arg)
{
	if (check_names(m, ns, NULL) < 0)
		return -1;
	return m->be->stats(m, ns, fn, arg);
}

int
rl_mem_clear(struct rl_mem *m, const char *ns, unsigned long *removed)
{
	*removed = 0;
	if (check_names(m, ns, NULL) < 0)
		return -1;
	return m->be->clear(m, ns, removed);
}

/* One operation through the backend's functions, one by one. */
static void
run_one(struct rl_mem *m, struct rl_mem_op *op)
{
	switch (op->kind) {
	case RL_MEM_PUT:
		op->rc = m->be->put(m, op->ns, op->key, op->val, op->n, &op->meta);
		break;
	case RL_MEM_GET:
		op->rc = m->be->get(m, op->ns, op->key, &op->value, &op->meta);
		break;
	case RL_MEM_DEL:
		op->rc = m->be->del(m, op->ns, op->key);
		break;
	case RL_MEM_INCR:
		op->rc = m->be->incr(m, op->ns, op->key, op->delta, &op->result);
		break;
	}
	if (op->rc < 0) {
		op->err = m->err;
		m->count.errors--;       /* counted once, below */
	}
}

/* Count what op did, as the one-by-one functions do. */
static void
count(struct rl_mem *m, const struct rl_mem_op *op)
{
	switch (op->kind) {
	case RL_MEM_PUT:
		m->count.puts++;
		m->count.bytes_in += op->rc == 0 ? op->n : 0;
		break;
	case RL_MEM_GET:
		m->count.gets++;
		m->count.hits += op->rc == 0;
		m->count.misses += op->rc == 1;
		m->count.bytes_out += op->rc == 0 ? op->value.len : 0;
		break;
	case RL_MEM_DEL:
		m->count.dels++;
		break;
	case RL_MEM_INCR:
		m->count.incrs++;
		break;
	}
	m->count.errors += op->rc < 0;
}

size_t
rl_mem_run(struct rl_mem *m, struct rl_mem_op *ops, size_t n)
{
	struct rl_mem_op **valid = rl_xcalloc(n + 1, sizeof *valid), *op;
	size_t i, k = 0, failed = 0;
	int rc;

	for (i = 0; i < n; i++) {
		op = &ops[i];
		op->rc = 0;
		if (op->kind == RL_MEM_PUT)
			rc = put_meta(m, op->ns, op->key, op->val, op->n, op->ttl,
			    op->type, &op->meta);
		else
			rc = check_names(m, op->ns, op->key);
		if (rc < 0) {            /* counted by rl_mem_fail */
			op->rc = -1;
			op->err = m->err;
			failed++;
			continue;
		}
		valid[k++] = op;
	}
	if (m->be->run && k)
		m->be->run(m, valid, k);
	else
		for (i = 0; i < k; i++)
			run_one(m, valid[i]);
	for (i = 0; i < k; i++) {
		count(m, valid[i]);
		failed += valid[i]->rc < 0;
	}
	free(valid);
	return failed;
}

int
rl_mem_check(struct rl_mem *m, cJSON *report, struct rl_buf *risks)
{
	cJSON_AddStringToObject(report, "backend", m->be->name);
	return m->be->check(m, report, risks);
}

void
rl_mem_close(struct rl_mem *m)
{
	const struct rl_mem_counts *c;
	cJSON *f;

	if (!m)
		return;
	c = &m->count;
	if (c->puts + c->gets + c->dels + c->incrs + c->errors) {
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "backend", m->be->name);
		cJSON_AddNumberToObject(f, "puts", c->puts);
		cJSON_AddNumberToObject(f, "gets", c->gets);
		cJSON_AddNumberToObject(f, "hits", c->hits);
		cJSON_AddNumberToObject(f, "misses", c->misses);
		cJSON_AddNumberToObject(f, "dels", c->dels);
		cJSON_AddNumberToObject(f, "incrs", c->incrs);
		cJSON_AddNumberToObject(f, "errors", c->errors);
		cJSON_AddNumberToObject(f, "bytes_in", (double)c->bytes_in);
		cJSON_AddNumberToObject(f, "bytes_out", (double)c->bytes_out);
		rl_metrics_event("memory", f);
	}
	m->be->close(m);
	free(m);
}
