/*
 * rl_prov_pool.c - ordered output over concurrent requests; see rl_prov_pool.h.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "rl_buf.h"
#include "rl_err.h"
#include "rl_json.h"
#include "rl_out.h"
#include "rl_prov_pool.h"

struct rl_prov_pool_item {
	cJSON *rec;
	struct rl_call call;
	char *prompt, *system;
	cJSON *schema;             /* the call's own, when it has one */
	char *raw;                 /* a record passed on as its bytes */
	size_t rawlen;
	int has_call, done, rounds;
	struct rl_usage prior;     /* of the rounds before this call */
	long long prior_ms;
	int prior_attempts;
};

void
rl_prov_pool_init(struct rl_prov_pool *P, struct rl_provider *p, int jobs,
	int unordered, rl_prov_pool_fn fn, void *arg)
{
	memset(P, 0, sizeof *P);
	P->p = p;
	P->fn = fn;
	P->arg = arg;
	P->unordered = unordered;
	P->autoj = jobs <= 0;
	P->limit = jobs > 0 ? jobs : 2;
}

/* Give the item to fn, or write its bytes; 1 when fn sent another
 * request for it (rl_prov_pool_follow): it stays, in its place. */
static int
emit_one(struct rl_prov_pool *P, struct rl_prov_pool_item *it)
{
	if (it->raw) {
		rl_out_line(it->raw, it->rawlen);
	} else {
		P->emitting = it;
		P->status = rl_exit_merge(P->status,
		    P->fn(it->rec, it->has_call ? &it->call : NULL, P->arg));
		P->emitting = NULL;
		if (!it->done)
			return 1;
	}
	free(it->raw);
	cJSON_Delete(it->rec);
	rl_call_clear(&it->call);
	free(it->prompt);
	free(it->system);
	cJSON_Delete(it->schema);
	free(it);
	return 0;
}

/* Emit what may go out now. */
static void
flush(struct rl_prov_pool *P)
{
	size_t i, k;

	if (!P->unordered) {
		while (P->n && P->q[P->head]->done) {
			if (emit_one(P, P->q[P->head]))
				return;     /* asked again: it keeps its place */
			P->head = (P->head + 1) % P->cap;
			P->n--;
		}
		return;
	}
	/* unordered: emit every finished item, keep the others in order */
	for (i = 0, k = 0; i < P->n; i++) {
		struct rl_prov_pool_item *it = P->q[(P->head + i) % P->cap];

		if (!it->done || emit_one(P, it))
			P->q[(P->head + k++) % P->cap] = it;
	}
	P->n = k;
}

static void
push(struct rl_prov_pool *P, struct rl_prov_pool_item *it)
{
	size_t i;
	struct rl_prov_pool_item **q;

	if (P->n == P->cap) {
		size_t cap = P->cap ? P->cap * 2 : 16;

		q = rl_xmalloc(cap * sizeof *q);
		for (i = 0; i < P->n; i++)
			q[i] = P->q[(P->head + i) % P->cap];
		free(P->q);
		P->q = q;
		P->cap = cap;
		P->head = 0;
	}
	P->q[(P->head + P->n) % P->cap] = it;
	P->n++;
}

/* Adjust -j auto after a finished call. */
static void
tune(struct rl_prov_pool *P, const struct rl_call *c)
{
	long long ms = c->ms - c->wait_ms;
	unsigned long limited = rl_provider_limited(P->p);

	if (!P->autoj)
		return;
	if (!c->err.code && (P->fastest == 0 || ms < P->fastest))
		P->fastest = ms > 0 ? ms : 1;
	if (limited != P->limited || (c->err.code &&
	    strcmp(c->err.code, "provider.http_429") == 0) ||
	    (c->retries && !c->err.code) || (P->fastest && ms > 3 * P->fastest)) {
		P->limited = limited;
		P->limit = P->limit > 1 ? P->limit / 2 : 1;
		P->streak = 0;
		return;
	}
	if (!c->err.code && ms < 2 * P->fastest && ++P->streak >= P->limit) {
		P->streak = 0;
		if (P->limit < RL_PROV_POOL_AUTO_MAX)
			P->limit++;
	}
}

static void
sum_usage(struct rl_usage *to, const struct rl_usage *u)
{
	to->prompt_tokens += u->prompt_tokens;
	to->completion_tokens += u->completion_tokens;
	to->cached_tokens += u->cached_tokens;
	to->cache_write_tokens += u->cache_write_tokens;
	to->reasoning_tokens += u->reasoning_tokens;
	to->estimated |= u->estimated;
}

/* Send the item's call again with the prompt in buf (a repair round);
 * what the earlier rounds cost is kept and added to the last. */
static void
resend(struct rl_prov_pool *P, struct rl_prov_pool_item *it, struct rl_buf *buf)
{
	struct rl_call *c = &it->call;

	sum_usage(&it->prior, &c->usage);
	it->prior_ms += c->ms;
	it->prior_attempts += c->attempts;
	it->rounds++;
	rl_call_clear(c);
	free(it->prompt);
	it->prompt = rl_buf_detach(buf);
	c->prompt = it->prompt;
	rl_provider_submit(P->p, c);
}

/* Let requests progress; collect those that ended. */
static void
step(struct rl_prov_pool *P, long long timeout_ms)
{
	struct rl_call *c;
	struct rl_prov_pool_item *it;
	struct rl_buf again = {0};

	if (!P->p || !rl_provider_busy(P->p))
		return;
	rl_provider_run(P->p, timeout_ms);
	while ((c = rl_provider_done(P->p))) {
		it = c->arg;
		tune(P, c);
		if (P->again && it->rounds < P->rounds &&
		    P->again(it->rec, c, P->arg, &again)) {
			resend(P, it, &again);
			continue;
		}
		rl_buf_free(&again);
		sum_usage(&c->usage, &it->prior);
		c->ms += it->prior_ms;
		c->attempts += it->prior_attempts;
		c->rounds = it->rounds;
		it->done = 1;
		P->inflight--;
	}
	flush(P);
}

/* Room for one more record: fewer than limit in flight, and not too
 * many held behind a slow one. */
static void
make_room(struct rl_prov_pool *P)
{
	while (P->inflight >= P->limit ||
	    P->n >= 4 * (size_t)(P->limit > 0 ? P->limit : 1))
		step(P, 1000);
}

void
rl_prov_pool_call(struct rl_prov_pool *P, const cJSON *rec, const char *prompt,
	const char *system, int json)
{
	struct rl_call req = {.prompt = prompt, .system = system, .json = json};

	rl_prov_pool_send(P, rec, &req);
}

/* Send the request req for the item, whose call is idle. */
static void
submit(struct rl_prov_pool *P, struct rl_prov_pool_item *it,
	const struct rl_call *req)
{
	it->prompt = rl_xstrdup(req->prompt ? req->prompt : "");
	it->system = req->system ? rl_xstrdup(req->system) : NULL;
	it->has_call = 1;
	it->call.prompt = it->prompt;
	it->call.system = it->system;
	it->call.json = req->json;
	if (req->json && req->schema)
		it->call.schema = it->schema = cJSON_Duplicate(req->schema, 1);
	else if (req->json)
		it->call.schema = P->schema;
	it->call.head = req->head;
	it->call.arg = it;
	it->call.tag = rl_json_str(it->rec, "id");
	P->inflight++;
	rl_provider_submit(P->p, &it->call);
}

void
rl_prov_pool_send(struct rl_prov_pool *P, const cJSON *rec,
	const struct rl_call *req)
{
	struct rl_prov_pool_item *it;

	make_room(P);
	it = rl_xcalloc(1, sizeof *it);
	it->rec = cJSON_Duplicate(rec, 1);
	push(P, it);
	submit(P, it, req);
}

void
rl_prov_pool_follow(struct rl_prov_pool *P, const cJSON *rec,
	const struct rl_call *req)
{
	struct rl_prov_pool_item *it = P->emitting;

	if (!it || it->rec != rec)
		rl_die(RL_EXIT_TEMP, "internal.bug", "rl_prov_pool_follow: not the "
		    "record being emitted");
	/* the request that ended was fn's: a new one starts from nothing */
	rl_call_clear(&it->call);
	memset(&it->call, 0, sizeof it->call);
	free(it->prompt);
	free(it->system);
	cJSON_Delete(it->schema);
	it->schema = NULL;
	memset(&it->prior, 0, sizeof it->prior);
	it->prior_ms = 0;
	it->prior_attempts = 0;
	it->rounds = 0;
	it->done = 0;
	submit(P, it, req);
}

static void
pass(struct rl_prov_pool *P, cJSON *rec)
{
	struct rl_prov_pool_item *it = rl_xcalloc(1, sizeof *it);

	it->rec = rec;
	it->done = 1;
	push(P, it);
	flush(P);
}

void
rl_prov_pool_pass(struct rl_prov_pool *P, const cJSON *rec)
{
	make_room(P);
	pass(P, cJSON_Duplicate(rec, 1));
}

void
rl_prov_pool_pass_raw(struct rl_prov_pool *P, const char *text, size_t len)
{
	struct rl_prov_pool_item *it;

	make_room(P);
	it = rl_xcalloc(1, sizeof *it);
	it->raw = rl_xstrndup(text, len);
	it->rawlen = len;
	it->done = 1;
	push(P, it);
	flush(P);
}

void
rl_prov_pool_emit(cJSON *baton, void *arg)
{
	/* made outside the loop's arena: it may be kept as it is */
	pass(arg, baton);
}

static int
readable(int fd)
{
	struct pollfd w = {fd, POLLIN, 0};

	return poll(&w, 1, 0) != 0;   /* an error is for the read to report */
}

void
rl_prov_pool_idle(int fd, void *arg)
{
	struct rl_prov_pool *P = arg;

	if (!P->n || !P->p || readable(fd))
		return;
	rl_provider_wake_on(P->p, fd);
	while (P->n && rl_provider_busy(P->p) && !readable(fd))
		step(P, 1000);
	rl_provider_wake_on(P->p, -1);
}

int
rl_prov_pool_drain(struct rl_prov_pool *P)
{
	while (P->n)
		step(P, 1000);
	free(P->q);
	P->q = NULL;
	P->cap = P->head = 0;
	return P->status;
}

int
rl_prov_pool_jobs(const char *s, int *jobs)
{
	char *end;
	long n;

	if (strcmp(s, "auto") == 0) {
		*jobs = 0;
		return 0;
	}
	n = strtol(s, &end, 10);
	if (*end || n < 1 || n > 1024) {
		rl_diag(NULL, 0, "config.invalid",
		    "-j %s: give a number of requests from 1 to 1024, or auto", s);
		return -1;
	}
	*jobs = (int)n;
	return 0;
}
