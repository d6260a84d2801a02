/*
 * rl_queue_work.h - run a command for every message of a queue.
 *
 * rl_queue_work_run pops messages and runs argv for each, up to jobs at a
 * time, with the message's record on the command's stdin.  What the
 * command does decides the message's fate:
 *   exit 0    ack; its stdout goes to our stdout (whole lines), or is
 *             pushed to the out queue
 *   exit 111  retry later, with backoff (a temporary failure)
 *   exit 100  dead at once (a permanent failure)
 *   otherwise retry, until queue.max_attempts, then dead
 * The output of a failed run is discarded, so a retried message gives
 * its output once.  While a command runs its lease is renewed every
 * third of the lease, so a long job keeps its message.  On SIGTERM or
 * SIGINT no more messages are taken; running commands finish and are
 * settled; then it returns.
 */
#ifndef RL_QUEUE_WORK_H
#define RL_QUEUE_WORK_H

#include "rl_queue.h"

struct rl_queue_work {
	struct rl_queue *q;
	struct rl_queue *out;    /* push output records here; NULL: stdout */
	int jobs;                /* commands at once, >= 1 */
	long long lease_ms;
	long long wait_ms;       /* how long to wait for work when idle */
	/* filled in */
	unsigned long ok, retried, dead;
};

/* Returns RL_EXIT_OK, RL_EXIT_FAIL when some messages failed, or
 * RL_EXIT_TEMP when the queue could not be used. */
int rl_queue_work_run(struct rl_queue_work *w, char **argv);

#endif
