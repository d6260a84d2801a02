/*
 * rl_ring_impl.h - the ring's own structures, and the steps its two files
 * share: lib/rl_ring.c (the hub: stages, routing, the journal) and
 * lib/rl_ring_share.c (what a journal shared by many machines adds).
 * Not an API: nothing else includes it (rl_ring.h is the ring's).
 */
#ifndef RL_RING_IMPL_H
#define RL_RING_IMPL_H

#include <sys/types.h>

#include <cjson/cJSON.h>

#include "rl_buf.h"
#include "rl_lines.h"
#include "rl_queue.h"
#include "rl_ring.h"
#include "rl_ring_share.h"

#define ID_MAX 128

struct stage {
	pid_t pid;                 /* 0: not running */
	int in, out;               /* our ends: batons to in, from out */
	int err;                   /* its stderr, on a terminal; else -1 */
	struct rl_buf w;           /* to write */
	size_t woff;
	struct rl_lines r;         /* read, not yet a whole line */
	struct rl_lines e;         /* the same of err */
	int crashes;               /* in a row */
	long long not_before;      /* mono ms before which it is not restarted */
};

struct flight {                /* a baton the ring holds */
	char id[ID_MAX + 1];
	char lease[64];
	int stage;                 /* where it is; -1 nowhere yet */
	int attempts;
	long long t0;              /* mono ms it entered this run */
	unsigned long seq;         /* when it was sent to its stage */
	double iter, tokens;
	int lost;                  /* shared: the lease ran out, taken over */
	int crashed;               /* its stage died holding it */
	cJSON *wait;               /* shared: the task's newer state, popped
	                              while a stale flight of it is in a
	                              stage; routed once that one is gone */
};

struct rl_ring {
	struct rl_config *cfg;
	struct rl_queue *todo, *ring;
	struct rl_mem *mem;
	struct stage st[RL_RING_NSTAGES];
	struct flight *f;
	size_t nf, capf;
	long tasks;                /* distinct tasks in the ring */
	unsigned long waiting;     /* tasks in todo, not yet let in */
	int max_tasks, restarts;
	const char *pname, *model;
	const char *push;          /* --push BRANCH; NULL */
	int no_sandbox, tty, verbose;
	struct rl_board *board;    /* the status lines; NULL: no terminal */
	char halt[512];            /* why the run stops, when not a signal */
	int lockfd;
	long long stop_ms, stop_at;  /* the stages' time after a signal; when */
	int status;
	unsigned long finished, dead;
	unsigned long seq;         /* batons sent to stages so far */
	int shared;                /* the journal is on a server (rl_ring_share.h) */
	long long lease_ms;        /* how long a baton is leased */
	long long renewed;         /* shared: mono ms of the last renewal */
	char machine[RL_RING_MACHINE_MAX + 1];   /* shared: this one's id */
	char **trees;              /* ids of the git tasks given a work tree */
	size_t ntrees;
};

/* --- in rl_ring.c ------------------------------------------------------- */

/* A line of the ring's own on stderr, clear of the status lines. */
void rl_ring_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The journal could not be written or read: a diagnostic, exit 111. */
void rl_ring_fail(struct rl_queue *q) __attribute__((noreturn));

/* The flight of task id (the first), or NULL; a new one for message m,
 * nowhere yet; f forgotten (the last flight moves into its place). */
struct flight *rl_ring_find(struct rl_ring *S, const char *id);
struct flight *rl_ring_add(struct rl_ring *S, const struct rl_qmsg *m,
	const char *id);
void rl_ring_drop(struct rl_ring *S, struct flight *f);

/* Decide where a journaled baton goes and send it; the end of a task;
 * back to the journal, to be tried again later (or dead).  Each
 * consumes baton and forgets f. */
void rl_ring_route(struct rl_ring *S, struct flight *f, cJSON *baton);
void rl_ring_finish(struct rl_ring *S, struct flight *f, cJSON *baton);
void rl_ring_retry(struct rl_ring *S, struct flight *f, const cJSON *err);

/* --- in rl_ring_share.c ------------------------------------------------- */

/* Shared: renew the leases of the batons held, every third of a lease;
 * one that no longer holds is marked lost. */
void rl_ring_renew(struct rl_ring *S);

/* Whether the run has nothing more to do without input. */
int rl_ring_all_done(struct rl_ring *S);

/* Shared: f's lease ran out; f forgotten, and a newer state of its task
 * this supervisor popped meanwhile routed. */
void rl_ring_taken_over(struct rl_ring *S, struct flight *f);

/* Shared: message m of task id popped while a stale flight of it is in a
 * stage: 1 when it was kept to wait for that one (m->body taken). */
int rl_ring_take_again(struct rl_ring *S, struct rl_qmsg *m, const char *id);

/* Shared: a baton of another machine's local-path task, to the dead
 * letters with ring.elsewhere. */
void rl_ring_elsewhere(struct rl_ring *S, struct rl_qmsg *m, const char *id);

/* A git task's work tree made here (removed at the end of the run); one
 * that could not be made (baton consumed, f forgotten); the end of a git
 * task (-1: tried again, baton consumed). */
void rl_ring_tree_made(struct rl_ring *S, const char *id);
void rl_ring_git_failed(struct rl_ring *S, struct flight *f, cJSON *baton,
	const struct rl_error *e);
int rl_ring_git_end(struct rl_ring *S, struct flight *f, cJSON *baton);

#endif
