/*
 * rl_ring.h - the supervisor of the agent ring, behind `redline run`.
 *
 * The ring starts each stage (rl-reason, rl-plan, rl-act, rl-feedback,
 * rl-complete) when the first baton for it comes, and routes every baton
 * a stage writes to the stage its `next` names: reason -> plan -> act ->
 * feedback -> (plan | reason | act | complete), until `next` is "done".
 *
 *     struct rl_ring *R = rl_ring_open(&cfg, &opts, &e);
 *     rl_ring_feed(R, &loop, 0, NULL);    (batons on stdin: the record loop)
 *     status = rl_ring_close(R, rl_ring_run(R));
 *
 * The journal.  Every baton in the ring is a message of the queue
 * NAME-ring; tasks wait to enter it in NAME-todo (at most opts.max_tasks
 * in the ring, higher priority first).  A baton handed to a stage is a
 * leased message; what the stage writes back is pushed (durable) before
 * that lease is acked.  So whatever is killed, at any moment, every task
 * is in the journal at its latest handoff, or at the one before it with
 * the newer one ready beside it.
 *
 * The states of a task: waiting (todo, ready), admitted (ring, ready),
 * in a stage (ring, leased), retrying (ring, delayed: nacked after a
 * retryable error or a stage crash), dead (ring's dead letters after
 * queue.max_attempts), finished (written on stdout, then acked).
 *
 * Resume.  With opts.resume, what a run that died left is taken over: a
 * leased baton is routed again from its journaled state, unless a newer
 * state of the same task is in the journal (it pushed and died before the
 * ack: the older is acked); a task it had taken from todo is pushed to
 * the ring unless it is there already (rl_ring_resume_fates decides).
 * Without opts.resume, a journal that holds such batons is refused
 * (queue.unfinished), unless opts.discard moves them to the dead letters
 * first (nothing is deleted: rl-queue requeue brings them back).
 * rl-act skips a step whose observation of the same iteration says it
 * succeeded, so a baton journaled after act never applies a step twice.
 *
 * Restarts.  A stage that ends holding batons has them nacked with
 * internal.stage_crash (the queue's backoff and dead letters do the
 * rest) and is restarted when the next baton comes, after 0.5 s, 1 s,
 * 2 s, 4 s, then 8 s for each crash in a row; past opts.restarts crashes
 * in a row the run stops (exit 111).  A stage that exits 2 refuses every
 * baton alike (usage, configuration): the run stops at once (exit 2) and
 * the journal keeps every task.
 *
 * Signals.  rl_ring_open catches SIGINT and SIGTERM: the first stops
 * taking input and new tasks and lets the stages finish what they hold,
 * which is journaled (exit 111); a second, or opts.stop_ms passing after
 * the first, kills the stages, whose batons stay journaled at their last
 * handoff.  So a run ends within a bounded time whatever it waits for.  Stages run in their own process
 * groups, so a terminal's ^C reaches the supervisor alone.
 *
 * Fatal errors (a journal that cannot be written, a fork that fails)
 * print a diagnostic and exit 111: the journal is whole at every step.
 */
#ifndef RL_RING_H
#define RL_RING_H

#include <cjson/cJSON.h>

#include "rl_config.h"
#include "rl_err.h"
#include "rl_loop.h"

/* The stages, in ring order; RL_RING_DONE: out on stdout. */
enum rl_ring_stage {
	RL_RING_REASON, RL_RING_PLAN, RL_RING_ACT, RL_RING_FEEDBACK,
	RL_RING_COMPLETE, RL_RING_NSTAGES,
	RL_RING_DONE = RL_RING_NSTAGES
};

struct rl_ring_opts {
	const char *journal;      /* NAME of NAME-todo and NAME-ring */
	const char *provider;     /* -p for the stages that ask a model; NULL */
	const char *model;        /* -m; NULL: theirs, or the bandit's pick */
	int max_tasks;            /* tasks in the ring at once, 1 to 1000 */
	int restarts;             /* crashes in a row before the run stops */
	long long stop_ms;        /* after a signal, the stages' time to hand
	                             back what they hold; then they are killed */
	int no_sandbox;           /* --no-sandbox to rl-act and rl-complete */
	int verbose;              /* a line on stderr per handoff */
	int resume;               /* take over what a dead run left */
	int discard;              /* or move it to the dead letters */
	const char *push;         /* git tasks that finish: their change
	                             committed and pushed as this branch
	                             ("{id}" in it: the task's id); NULL */
};

struct rl_ring;

/*
 * Lock the journal (one run per journal: STATE/run-NAME.lock), open its
 * queues and the memory store, take over a dead run's batons when
 * opts->resume, and catch SIGINT and SIGTERM.  Returns the ring, or NULL
 * with e set: io.lock (another run holds the journal), io.read_only (the
 * state directory cannot be written), queue.unfinished (a journal left by
 * a run that did not finish, without resume or discard), or the store's
 * own error.
 */
struct rl_ring *rl_ring_open(struct rl_config *cfg,
	const struct rl_ring_opts *opts, struct rl_error *e);

/*
 * Read batons to run with the record loop L (its limits set by the
 * caller; fn, arg, idle and stage are the ring's): each is pushed to
 * NAME-todo, and while the loop waits for input the ring works.  A line
 * that is not a baton with a string id (up to 128 bytes) becomes an error
 * baton on stdout, like every other command's.  A signal ends the input
 * (the descriptor is pointed at /dev/null).  Returns the loop's status.
 */
int rl_ring_feed(struct rl_ring *R, struct rl_loop *L, int nfiles,
	char **files);

/* Run until every task has ended (or a signal stopped the ring, and the
 * stages have handed back what they held).  Returns the exit status. */
int rl_ring_run(struct rl_ring *R);

/* 1 once SIGINT or SIGTERM was caught. */
int rl_ring_stopped(void);

/* Close the ring and free it; returns status merged with the ring's
 * own (tasks that failed, a stop by signal). */
int rl_ring_close(struct rl_ring *R, int status);

/*
 * Where a baton goes next, deciding as the hub does: a baton with an
 * error, or whose next is "done", is RL_RING_DONE; a spent budget sends
 * it to complete with status BUDGET (rl_budget.h: the baton is changed);
 * a next that names no stage gets an input.unknown_stage error and is
 * RL_RING_DONE.  now: ms since the epoch.
 */
enum rl_ring_stage rl_ring_next(const struct rl_config *cfg, cJSON *baton,
	long long now);

/* What resume does with one journaled message. */
enum rl_ring_fate {
	RL_RING_KEEP,      /* ring, ready or delayed: popped in its turn */
	RL_RING_ROUTE,     /* ring, leased by the dead run: routed again */
	RL_RING_ACK,       /* a stale state, or a todo message now in the ring */
	RL_RING_PUSH       /* todo, leased: pushed to the ring, then acked */
};

/*
 * The resume decisions, from the ids alone: ring[0..nring) are the ring's
 * messages' ids (NULL where a message has none), leased[i] whether ring
 * message i is leased; todo[0..ntodo) the ids of todo's leased messages.
 * Fills ring_fate and todo_fate; returns the number of tasks in the ring
 * after resuming.
 */
long rl_ring_resume_fates(const char *const *ring, const int *leased,
	size_t nring, const char *const *todo, size_t ntodo,
	enum rl_ring_fate *ring_fate, enum rl_ring_fate *todo_fate);

#endif
