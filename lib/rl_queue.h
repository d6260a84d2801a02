/*
 * rl_queue.h - a persistent priority queue with leases, retries with
 * backoff and dead letters.
 *
 *     struct rl_queue *q = rl_queue_open(&cfg, "jobs", NULL);
 *     rl_queue_push(q, &record, 1, priority, delay_ms, NULL);  (owns record)
 *     rl_queue_pop(q, 1, lease_ms, msgs, &n);
 *     ... work on msgs[0].body ...
 *     const char *l = msgs[0].lease;
 *     rl_queue_ack(q, &l, 1, NULL);     or rl_queue_nack(q, l, error, 0)
 *     rl_qmsg_free(&msgs[0]);
 *     rl_queue_close(q);
 *
 * A message is a JSON record plus its metadata.  Its life:
 *
 *   push -> ready (or delayed until not_before) -> pop: leased
 *        leased -> ack: done (kept queue.done_keep, then removed)
 *        leased -> nack or lease expiry: attempts + 1, then delayed by
 *                  min(base * 2^attempts, cap) minus up to a quarter at
 *                  random; after queue.max_attempts, dead
 *        dead -> requeue: ready again, attempts 0
 *
 * Delivery is at least once: a worker that dies holding a lease does not
 * lose the message, which comes back when the lease expires, so a
 * message can be processed twice; one that was acked never comes back.
 * Higher priority first, first in first out within a priority.
 *
 * Backends fill in struct rl_queue_backend; the embedded one is a spool
 * directory (rl_queue_spool.c), chosen by queue.backend "spool"; a
 * redis:// or unix:// URL there keeps the queue on a Redis server, in
 * streams (rl_queue_redis.c), shared by every machine that names it.
 *
 * Functions return 0, 1 for "not there" where that can happen (an
 * unknown lease), or -1 with q->err telling the code
 * (queue.bad_name, queue.corrupt, io.*) and a message.
 */
#ifndef RL_QUEUE_H
#define RL_QUEUE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "rl_config.h"
#include "rl_err.h"

#define RL_QUEUE_STATES "ready delayed leased done dead"

struct rl_qmsg {
	char id[40];
	int priority;
	int attempts;
	long long pushed, not_before;   /* ms since the epoch; 0: now */
	cJSON *errors;                  /* array of error objects, owned */
	cJSON *body;                    /* the record, owned */
	char lease[64];                 /* set by pop */
	long long lease_expires;
	char state[8];                  /* set by list */
};

struct rl_queue_stats {
	unsigned long count[5];         /* by state, in RL_QUEUE_STATES order */
	long long oldest_ready;         /* pushed, ms; 0: none ready */
	cJSON *by_priority;             /* {"5": n, ...} ready messages */
	cJSON *dead_by_code;            /* {"tool.timeout": n, ...} */
};

struct rl_queue;

struct rl_queue_backend {
	const char *name;
	/* queue.backend values that choose it beside its name: URLs that
	 * start so (NULL: none); where is then the URL */
	const char *const *schemes;
	/* where: a spool's directory, or the URL */
	int (*open)(struct rl_queue *q, const char *where);
	/* store messages durably; all or none of them become visible */
	int (*push)(struct rl_queue *q, struct rl_qmsg *m, size_t n);
	/* lease up to max ready messages for lease_ms */
	int (*pop)(struct rl_queue *q, size_t max, long long lease_ms,
	    struct rl_qmsg *out, size_t *n);
	/* settle n leases at once; found[i] says if leases[i] held */
	int (*ack)(struct rl_queue *q, const char **leases, size_t n,
	    int *found);
	/* error is appended to the history; dead: no more attempts */
	int (*nack)(struct rl_queue *q, const char *lease, const cJSON *error,
	    int dead);
	int (*renew)(struct rl_queue *q, const char *lease, long long lease_ms);
	int (*list)(struct rl_queue *q, const char *state,
	    int (*fn)(const struct rl_qmsg *m, void *arg), void *arg);
	int (*stats)(struct rl_queue *q, struct rl_queue_stats *s);
	int (*requeue)(struct rl_queue *q, const char *id, unsigned long *n);
	int (*purge)(struct rl_queue *q, const char *state, unsigned long *n);
	/* every message of state to the dead letters, error appended */
	int (*bury)(struct rl_queue *q, const char *state, const cJSON *error,
	    unsigned long *n);
	/* add what keeps messages across a crash to report; append a line
	 * to risks for each way an acked message could be lost; how many */
	int (*check)(struct rl_queue *q, cJSON *report, struct rl_buf *risks);
	void (*close)(struct rl_queue *q);
	/* 1: the store is a server that every machine naming it shares (so
	 * a lease may be taken over by another machine's pop) */
	int shared;
	/* ack lease in q and push m into to (a queue of the same store), as
	 * one step: *found 0 (and nothing pushed) when the lease no longer
	 * holds its message; NULL: the front pushes, then acks */
	int (*move)(struct rl_queue *q, const char *lease, struct rl_queue *to,
	    struct rl_qmsg *m, int *found);
};

struct rl_queue {
	const struct rl_queue_backend *be;
	void *impl;
	char name[65];
	int max_attempts;
	long long backoff_base, backoff_cap, done_keep;   /* ms */
	unsigned long ops;
	const struct rl_config *cfg;   /* its settings; the caller's, kept */
	struct rl_error err;     /* of the last call that failed */
};

/* Open queue name (a name rl_fs_safe_name allows) with the settings of
 * cfg (kept: it must outlive the queue); NULL after a diagnostic, with
 * *status (if status is not NULL) the exit status it calls for: 2 for a
 * bad name or setting, 111 for a store that cannot be reached now. */
struct rl_queue *rl_queue_open(const struct rl_config *cfg, const char *name,
	int *status);

/*
 * Push n records (each consumed: the queue owns them afterwards) with
 * the same priority (-1000 to 1000) and delay.  All are durable when it
 * returns 0.  ids, if not NULL, receives each message's id (n entries
 * of 40 bytes).
 */
int rl_queue_push(struct rl_queue *q, cJSON **records, size_t n,
	int priority, long long delay_ms, char (*ids)[40]);

/* Lease up to max messages into out (free each with rl_qmsg_free). */
int rl_queue_pop(struct rl_queue *q, size_t max, long long lease_ms,
	struct rl_qmsg *out, size_t *n);

/* Ack n leases, durably, in one go; found[i] is 0 for a lease that no
 * longer holds its message (expired and taken back, or acked). */
int rl_queue_ack(struct rl_queue *q, const char **leases, size_t n,
	int *found);

/* Give lease's message back: error (an error object, may be NULL) is
 * appended to its history and attempts counted; it is delayed by the
 * backoff, or dead after queue.max_attempts, or at once when dead is
 * not 0.  Returns 1 when the lease no longer holds its message. */
int rl_queue_nack(struct rl_queue *q, const char *lease, const cJSON *error,
	int dead);

/*
 * Hand a message on: ack lease in q and push record (consumed) into to,
 * a queue of the same backend (q itself, or another), with priority.
 * Where the backend moves atomically (Redis: one script), both happen or
 * neither: *found is 0 and nothing is pushed when the lease no longer
 * holds its message (it expired and another worker took it over).  The
 * spool pushes, then acks (one machine: a crash between the two leaves
 * both states, which the caller must tell apart, as redline run's resume
 * does); there *found is the ack's and the record is pushed either way.
 * Returns 0, or -1 with the failing queue's err set (q's, or to's).
 */
int rl_queue_move(struct rl_queue *q, const char *lease, struct rl_queue *to,
	cJSON **record, int priority, int *found);

/* 1 when q's store is shared by every machine that names it (a server):
 * another machine's pop may take over a lease that is not renewed. */
int rl_queue_shared(const struct rl_queue *q);

/* Keep lease's message for lease_ms more from now (a worker still at
 * it).  Returns 1 when the lease no longer holds its message. */
int rl_queue_renew(struct rl_queue *q, const char *lease, long long lease_ms);

/* Call fn for each message in state (one of RL_QUEUE_STATES, or NULL for
 * all, state by state), under the queue's lock; fn returning non-zero
 * stops the walk.  m is valid during the call only. */
int rl_queue_list(struct rl_queue *q, const char *state,
	int (*fn)(const struct rl_qmsg *m, void *arg), void *arg);

/* Counts by state and priority, the oldest ready message's age and the
 * dead letters by error code into s (the caller frees by_priority and
 * dead_by_code with cJSON_Delete). */
int rl_queue_stats(struct rl_queue *q, struct rl_queue_stats *s);

/* Make dead message id (NULL: every dead one) ready again with attempts
 * at 0; *n is how many were. */
int rl_queue_requeue(struct rl_queue *q, const char *id, unsigned long *n);

/* Remove every message in state (one of RL_QUEUE_STATES); *n is how
 * many. */
int rl_queue_purge(struct rl_queue *q, const char *state, unsigned long *n);

/* Move every message in state (ready, delayed or leased) to the dead
 * letters, error (an error object) appended to each one's history:
 * nothing is deleted, and requeue brings them back.  *n is how many. */
int rl_queue_bury(struct rl_queue *q, const char *state, const cJSON *error,
	unsigned long *n);

/* What the backend keeps across a crash, into report ({"queue": NAME,
 * "backend": ...} and the backend's own members); a line in risks for
 * each way an acknowledged message could be lost, with its fix.  Returns
 * how many such lines, or -1. */
int rl_queue_check(struct rl_queue *q, cJSON *report, struct rl_buf *risks);

/* The delay before attempt number attempts + 1, with jitter. */
long long rl_queue_backoff(const struct rl_queue *q, int attempts);

/* A message as JSON (what pop prints and the spool stores). */
cJSON *rl_qmsg_json(const struct rl_qmsg *m);

/* Fill m from its JSON form; -1 when it is not one. */
int rl_qmsg_parse(const cJSON *j, struct rl_qmsg *m);

void rl_qmsg_free(struct rl_qmsg *m);

/* Log a "queue" metrics event and free q. */
void rl_queue_close(struct rl_queue *q);

extern const struct rl_queue_backend rl_queue_spool;
extern const struct rl_queue_backend rl_queue_redis;

#endif
