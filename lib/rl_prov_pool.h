/*
 * rl_prov_pool.h - many model requests in flight while records stream
 * through, output in input order.
 *
 * A stage's record callback hands each record to the pool with the
 * prompt to send for it; the pool keeps up to N requests in flight on the
 * provider (over curl multi for HTTP services), and when a request ends
 * calls the stage's done function with the record and the call, in the
 * order the records came (or as they finish, when unordered):
 *
 *     rl_prov_pool_init(&P, prov, jobs, unordered, done, arg);
 *     L.emit = rl_prov_pool_emit; L.emit_arg = &P;
 *                                       error batons keep their place
 *     L.idle = rl_prov_pool_idle; L.idle_arg = &P;
 *                                       replies go out while input waits
 *     ... in the record callback:
 *         rl_prov_pool_call(&P, rec, prompt, system, 0);
 *     or, to pass a record on:
 *         rl_prov_pool_pass(&P, rec);
 *     status = rl_loop_run(&L, ...);
 *     status = rl_exit_merge(status, rl_prov_pool_drain(&P));
 *
 * Records are copied (the loop's arena is reset after each record), so
 * memory grows with N, not with the input.  Only N records wait: when the
 * oldest is slow, later finished ones are held, and reading stops once
 * 4 N records are held, until it ends.
 *
 * jobs 0 is -j auto: N starts at 2 and grows by one for each N requests
 * that finish in under twice the fastest latency seen, up to 64; a
 * request that was rate limited (HTTP 429, or the machine-wide limit) or
 * slower than three times the fastest halves it.
 */
#ifndef RL_PROV_POOL_H
#define RL_PROV_POOL_H
#include <cjson/cJSON.h>
#include "rl_provider.h"

#define RL_PROV_POOL_AUTO_MAX 64

/*
 * Called once per record, in order.  c is NULL for a record passed on
 * with rl_prov_pool_pass or an error baton; otherwise c->text or c->err is the
 * result.  The function writes what it wants and returns the record's
 * exit status.  rec is freed by the pool afterwards.
 */
typedef int (*rl_prov_pool_fn)(cJSON *rec, struct rl_call *c, void *arg);

struct rl_prov_pool_item;

struct rl_prov_pool {
	struct rl_provider *p;
	rl_prov_pool_fn fn;
	void *arg;
	int unordered;
	int limit;                /* requests in flight at most, now */
	int autoj;                /* -j auto */
	int status;               /* merged statuses of emitted records */
	/* private */
	struct rl_prov_pool_item **q;  /* records held, oldest first */
	struct rl_prov_pool_item *emitting;  /* the record fn has now */
	size_t head, n, cap;
	int inflight, streak;
	long long fastest;
	unsigned long limited;    /* the provider's rate-limit count, seen */
	/*
	 * Optional, set after rl_prov_pool_init: a repair round.  Called when a
	 * request ends, before fn, whether it failed or not (c->err.code
	 * says); returning 1 with a new prompt in buf sends the record's
	 * request again with it (at most rounds times), keeping its place.
	 * The call fn finally gets counts the usage, time and attempts of
	 * every round.
	 */
	int (*again)(const cJSON *rec, const struct rl_call *c, void *arg,
	    struct rl_buf *buf);
	int rounds;
	/* Optional: the JSON Schema of the replies of calls made with json
	 * (rl_call.schema); it must outlive the pool. */
	const cJSON *schema;
};

/* jobs: requests in flight (>= 1), or 0 for auto. */
void rl_prov_pool_init(struct rl_prov_pool *P, struct rl_provider *p, int jobs,
	int unordered, rl_prov_pool_fn fn, void *arg);

/*
 * Send prompt (and system, may be NULL) for rec; copies all three.  The
 * request goes out at the pool's next wait: when it needs room, when the
 * loop would wait for input (rl_prov_pool_idle), or in rl_prov_pool_drain;
 * so the idle hook is not optional for a stage that reads a pipe.
 */
void rl_prov_pool_call(struct rl_prov_pool *P, const cJSON *rec,
	const char *prompt, const char *system, int json);

/*
 * The same with the request's fields from req: prompt, system, json,
 * schema (NULL: the pool's) and head (rl_provider.h); all are copied.
 */
void rl_prov_pool_send(struct rl_prov_pool *P, const cJSON *rec,
	const struct rl_call *req);

/*
 * From fn, for the record it was given (rec, which fn may have changed):
 * send another request for it instead of letting it go, with the
 * request's fields from req as rl_prov_pool_send takes them.  The record
 * keeps its place, and comes back to fn when that request ends, as if it
 * were new: a stage whose record needs several requests in turn (rl-act,
 * one for each step that waits for the model) finishes it in one pass.
 * The status fn returns now is merged, as every status is.
 */
void rl_prov_pool_follow(struct rl_prov_pool *P, const cJSON *rec,
	const struct rl_call *req);

/* Pass rec on, in its place, without a request (copied). */
void rl_prov_pool_pass(struct rl_prov_pool *P, const cJSON *rec);

/* Pass a record on, in its place, as the bytes it came as (copied). */
void rl_prov_pool_pass_raw(struct rl_prov_pool *P, const char *text,
	size_t len);

/* The loop's emit hook: an error baton (owned) takes its place. */
void rl_prov_pool_emit(cJSON *baton, void *arg);

/* The loop's idle hook: until fd has input, let requests progress and
 * emit what is done. */
void rl_prov_pool_idle(int fd, void *arg);

/* Parse a -j argument: 1 to 1024, or "auto" (0).  -1 after a
 * diagnostic when it is neither. */
int rl_prov_pool_jobs(const char *s, int *jobs);

/* Wait for every request and emit every record; the merged status. */
int rl_prov_pool_drain(struct rl_prov_pool *P);
#endif
