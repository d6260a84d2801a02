/*
 * rl_queue.c - the queue's front: names, settings, message records,
 * backoff, counters; see rl_queue.h.  Backends see valid arguments only.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "rl_dur.h"
#include "rl_err.h"
#include "rl_fs.h"
#include "rl_json.h"
#include "rl_metrics.h"
#include "rl_queue.h"

static const struct rl_queue_backend *backends[] = {&rl_queue_spool,
	&rl_queue_redis};

/* The backend queue.backend names: by its name, or a URL it takes. */
static const struct rl_queue_backend *
backend(const char *setting, int *url)
{
	const char *const *s;
	size_t i;

	for (i = 0; i < sizeof backends / sizeof backends[0]; i++) {
		if (strcmp(backends[i]->name, setting) == 0 &&
		    !backends[i]->schemes) {
			*url = 0;
			return backends[i];
		}
		for (s = backends[i]->schemes; s && *s; s++)
			if (strncmp(setting, *s, strlen(*s)) == 0) {
				*url = 1;
				return backends[i];
			}
	}
	return NULL;
}

static unsigned long long
random64(void)
{
	unsigned long long r;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = (unsigned long long)rl_now_ms() * 6364136223846793005ULL +
		    (unsigned long long)(size_t)&r;
	return r;
}

struct rl_queue *
rl_queue_open(const struct rl_config *cfg, const char *name, int *status)
{
	const char *be = rl_config_str(cfg, "queue.backend", "spool");
	struct rl_buf where = {0};
	struct rl_queue *q;
	int url = 0, rc;

	if (status)
		*status = RL_EXIT_USAGE;
	if (!rl_fs_safe_name(name)) {
		rl_diag(NULL, 0, "queue.bad_name", "'%s': a queue name is "
		    RL_FS_NAME_RULE, name);
		return NULL;
	}
	q = rl_xcalloc(1, sizeof *q);
	if (!(q->be = backend(be, &url))) {
		rl_diag(NULL, 0, "config.invalid", "queue.backend: unknown "
		    "backend '%s' (fix: use \"spool\" or a redis:// URL)", be);
		free(q);
		return NULL;
	}
	q->cfg = cfg;
	snprintf(q->name, sizeof q->name, "%s", name);
	q->max_attempts = (int)rl_config_num(cfg, "queue.max_attempts", 5);
	q->backoff_base = (long long)(rl_config_num(cfg, "queue.backoff_base", 1) * 1000);
	q->backoff_cap = (long long)(rl_config_num(cfg, "queue.backoff_cap", 300) * 1000);
	q->done_keep = (long long)(rl_config_num(cfg, "queue.done_keep", 86400) * 1000);
	if (url) {
		rl_buf_adds(&where, be);
	} else {
		rl_config_state_dir(cfg, &where);
		rl_buf_printf(&where, "/queue/%s", name);
	}
	if (q->be->open(q, where.data) < 0) {
		/* a URL's messages name it, its password hidden */
		rc = rl_error_report(&q->err, url ? NULL : where.data);
		if (status)
			*status = rc;
		rl_buf_free(&where);
		free(q);
		return NULL;
	}
	rl_buf_free(&where);
	return q;
}

long long
rl_queue_backoff(const struct rl_queue *q, int attempts)
{
	long long d = q->backoff_base;
	double u = (double)(random64() >> 11) / 9007199254740992.0;

	while (attempts-- > 0 && d < q->backoff_cap)
		d *= 2;
	if (d > q->backoff_cap)
		d = q->backoff_cap;
	return (long long)((double)d * (1 - 0.25 * u));
}

int
rl_queue_push(struct rl_queue *q, cJSON **records, size_t n, int priority,
	long long delay_ms, char (*ids)[40])
{
	struct rl_qmsg *m = rl_xcalloc(n ? n : 1, sizeof *m);
	long long now = rl_now_ms();
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		snprintf(m[i].id, sizeof m[i].id, "q-%016llx", random64());
		m[i].priority = priority;
		m[i].pushed = now;
		m[i].not_before = delay_ms > 0 ? now + delay_ms : 0;
		m[i].errors = cJSON_CreateArray();
		m[i].body = records[i];
		records[i] = NULL;
		if (ids)
			memcpy(ids[i], m[i].id, sizeof ids[i]);
	}
	q->ops += n;
	rc = n ? q->be->push(q, m, n) : 0;
	for (i = 0; i < n; i++)
		rl_qmsg_free(&m[i]);
	free(m);
	return rc;
}

int
rl_queue_move(struct rl_queue *q, const char *lease, struct rl_queue *to,
	cJSON **record, int priority, int *found)
{
	struct rl_qmsg m = {0};
	int rc;

	*found = 0;
	if (to->be != q->be)
		return rl_error_set(&q->err, "queue.bad_name", "'%s' and '%s' are "
		    "on different backends: a message moves within one", q->name,
		    to->name);
	if (!q->be->move) {
		if (rl_queue_push(to, record, 1, priority, 0, NULL) < 0) {
			q->err = to->err;
			return -1;
		}
		return rl_queue_ack(q, &lease, 1, found);
	}
	snprintf(m.id, sizeof m.id, "q-%016llx", random64());
	m.priority = priority;
	m.pushed = rl_now_ms();
	m.errors = cJSON_CreateArray();
	m.body = *record;
	*record = NULL;
	q->ops++;
	to->ops++;
	rc = q->be->move(q, lease, to, &m, found);
	rl_qmsg_free(&m);
	return rc;
}

int
rl_queue_shared(const struct rl_queue *q)
{
	return q->be->shared;
}

int
rl_queue_pop(struct rl_queue *q, size_t max, long long lease_ms,
	struct rl_qmsg *out, size_t *n)
{
	q->ops++;
	*n = 0;
	return q->be->pop(q, max, lease_ms, out, n);
}

int
rl_queue_ack(struct rl_queue *q, const char **leases, size_t n, int *found)
{
	q->ops += n;
	return n ? q->be->ack(q, leases, n, found) : 0;
}

int
rl_queue_nack(struct rl_queue *q, const char *lease, const cJSON *error,
	int dead)
{
	q->ops++;
	return q->be->nack(q, lease, error, dead);
}

int
rl_queue_renew(struct rl_queue *q, const char *lease, long long lease_ms)
{
	return q->be->renew(q, lease, lease_ms);
}

int
rl_queue_list(struct rl_queue *q, const char *state,
	int (*fn)(const struct rl_qmsg *m, void *arg), void *arg)
{
	if (state && !strstr(" " RL_QUEUE_STATES " ", state))
		return rl_error_set(&q->err, "queue.bad_name", "'%s': a state is one "
		    "of " RL_QUEUE_STATES, state);
	return q->be->list(q, state, fn, arg);
}

int
rl_queue_stats(struct rl_queue *q, struct rl_queue_stats *s)
{
	memset(s, 0, sizeof *s);
	s->by_priority = cJSON_CreateObject();
	s->dead_by_code = cJSON_CreateObject();
	return q->be->stats(q, s);
}

int
rl_queue_requeue(struct rl_queue *q, const char *id, unsigned long *n)
{
	*n = 0;
	return q->be->requeue(q, id, n);
}

int
rl_queue_purge(struct rl_queue *q, const char *state, unsigned long *n)
{
	*n = 0;
	if (!state || !strstr(" " RL_QUEUE_STATES " ", state) || strchr(state, ' '))
		return rl_error_set(&q->err, "queue.bad_name", "'%s': a state is one "
		    "of " RL_QUEUE_STATES, state ? state : "");
	return q->be->purge(q, state, n);
}

int
rl_queue_bury(struct rl_queue *q, const char *state, const cJSON *error,
	unsigned long *n)
{
	*n = 0;
	if (!state || (strcmp(state, "ready") && strcmp(state, "delayed") &&
	    strcmp(state, "leased")))
		return rl_error_set(&q->err, "queue.bad_name", "'%s': only ready, "
		    "delayed or leased messages go to the dead letters",
		    state ? state : "");
	return q->be->bury(q, state, error, n);
}

int
rl_queue_check(struct rl_queue *q, cJSON *report, struct rl_buf *risks)
{
	cJSON_AddStringToObject(report, "queue", q->name);
	cJSON_AddStringToObject(report, "backend", q->be->name);
	return q->be->check(q, report, risks);
}

cJSON *
rl_qmsg_json(const struct rl_qmsg *m)
{
	cJSON *j = cJSON_CreateObject();

	if (m->lease[0]) {
		cJSON_AddStringToObject(j, "lease", m->lease);
		cJSON_AddNumberToObject(j, "lease_expires", (double)m->lease_expires);
	}
	if (m->state[0])
		cJSON_AddStringToObject(j, "state", m->state);
	cJSON_AddStringToObject(j, "id", m->id);
	cJSON_AddNumberToObject(j, "priority", m->priority);
	cJSON_AddNumberToObject(j, "attempts", m->attempts);
	cJSON_AddNumberToObject(j, "pushed", (double)m->pushed);
	cJSON_AddNumberToObject(j, "not_before", (double)m->not_before);
	cJSON_AddItemToObject(j, "errors", m->errors ?
	    cJSON_Duplicate(m->errors, 1) : cJSON_CreateArray());
	cJSON_AddItemToObject(j, "body", m->body ?
	    cJSON_Duplicate(m->body, 1) : cJSON_CreateNull());
	return j;
}

int
rl_qmsg_parse(const cJSON *j, struct rl_qmsg *m)
{
	const cJSON *v;
	const char *id = rl_json_str(j, "id");

	memset(m, 0, sizeof *m);
	if (!cJSON_IsObject(j) || !id || strlen(id) >= sizeof m->id ||
	    !cJSON_GetObjectItemCaseSensitive(j, "body"))
		return -1;
	snprintf(m->id, sizeof m->id, "%s", id);
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "priority")) && rl_json_is_integer(v))
		m->priority = (int)v->valuedouble;
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "attempts")) && rl_json_is_integer(v))
		m->attempts = (int)v->valuedouble;
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "pushed")) && cJSON_IsNumber(v))
		m->pushed = (long long)v->valuedouble;
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "not_before")) && cJSON_IsNumber(v))
		m->not_before = (long long)v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(j, "errors");
	m->errors = cJSON_IsArray(v) ? cJSON_Duplicate(v, 1) : cJSON_CreateArray();
	m->body = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(j, "body"), 1);
	return 0;
}

void
rl_qmsg_free(struct rl_qmsg *m)
{
	cJSON_Delete(m->errors);
	cJSON_Delete(m->body);
	m->errors = m->body = NULL;
}

void
rl_queue_close(struct rl_queue *q)
{
	cJSON *f;

	if (!q)
		return;
	if (q->ops) {
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "queue", q->name);
		cJSON_AddStringToObject(f, "backend", q->be->name);
		cJSON_AddNumberToObject(f, "ops", (double)q->ops);
		rl_metrics_event("queue", f);
	}
	q->be->close(q);
	free(q);
}
