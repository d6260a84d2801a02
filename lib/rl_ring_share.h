/*
 * rl_ring_share.h - what `redline run` does differently on a shared
 * journal: the ring's half of running on many machines (rl_ring.h).
 *
 * The journal is shared when its queues are on a server (the queue
 * backend's `shared`: Redis).  Then any number of supervisors, each
 * with a state directory of its own (a "machine"), take tasks from one
 * NAME-todo and batons from one NAME-ring:
 *
 * - A baton a supervisor holds is leased for run.lease_seconds and the
 *   lease renewed every third of that; a supervisor killed, or cut off
 *   from the server, stops renewing, and the others' pops take its
 *   batons over when the lease ends, at their last journaled handoff.
 * - A handoff (the stage's new state pushed, the old lease acked) and an
 *   admission (todo's lease acked, the task pushed to the ring) are one
 *   step of the queue (rl_queue_move): a supervisor whose lease ran out
 *   meanwhile pushes nothing, so a task is never in the ring twice.
 * - No journal is refused as unfinished (others work on it), and
 *   --resume has nothing to take over by hand; the run ends when its
 *   input is done and the two queues hold nothing ready, leased or
 *   delayed (rl_ring_share_left).
 * - A task whose repository is a local path belongs to the machine that
 *   read it: it is stamped with that machine's id ("machine", kept in
 *   STATE/machine), and a baton of it that another machine takes goes
 *   to the dead letters with ring.elsewhere (rl_ring_share_elsewhere).
 * - A task that names its repository as a git remote ("git": {url, rev})
 *   runs anywhere: each machine works in its own work tree of it, and
 *   every journaled handoff carries the change made so far ("change").
 */
#ifndef RL_RING_SHARE_H
#define RL_RING_SHARE_H

#include <cjson/cJSON.h>

#include "rl_config.h"
#include "rl_err.h"
#include "rl_queue.h"

/* Length of a machine id, without its NUL: up to 24 bytes of the host's
 * name, '-', 12 hex digits. */
#define RL_RING_MACHINE_MAX 40

/*
 * This machine's id into id (RL_RING_MACHINE_MAX + 1 bytes): read from
 * STATE/machine, or made there once (the host's name and 12 random hex
 * digits; two processes making it at once agree on the first written).
 * Returns 0, or -1 with e set (io.*).
 */
int rl_ring_machine(const struct rl_config *cfg, char *id, struct rl_error *e);

/* 1 when baton is a git task (a "git" object with a string url). */
int rl_ring_is_git(const cJSON *baton);

/* Stamp a local-path baton with machine unless it has a "machine"
 * already; a git task is left alone. */
void rl_ring_stamp(cJSON *baton, const char *machine);

/*
 * The machine a local-path baton belongs to when that is not this one
 * (machine), else NULL: a git task, or a baton without "machine", runs
 * anywhere.  Points into baton.
 */
const char *rl_ring_share_elsewhere(const cJSON *baton, const char *machine);

/*
 * The ring.elsewhere error object for a baton of a task of machine
 * owner, taken on machine here; ring: the ring's queue name, msgid: the
 * message's id in it (for the requeue the message names).  The caller
 * owns it.
 */
cJSON *rl_ring_elsewhere_error(const char *owner, const char *here,
	const char *ring, const char *msgid);

/*
 * How many messages NAME-todo and NAME-ring hold ready, delayed or
 * leased, whoever holds them; *waiting: those of todo.  -1 with the
 * failing queue's err set.
 */
long rl_ring_share_left(struct rl_queue *todo, struct rl_queue *ring,
	unsigned long *waiting);

/* --- git tasks (rl_git.h); a baton of another task is left alone --- */

/* Before a git task's baton goes to a stage: this machine's work tree of
 * it (rl_git_checkout: at git.rev with change applied) in baton.repo.
 * Returns 0, or -1 with e set (git.*). */
int rl_ring_git_enter(const struct rl_config *cfg, cJSON *baton,
	struct rl_error *e);

/* After a stage hands a git task's baton back: baton.change is the
 * change in its work tree (baton.repo) against git.rev, made before the
 * baton is journaled.  Returns 0, or -1 with e set. */
int rl_ring_git_leave(cJSON *baton, struct rl_error *e);

/* At the end of a git task that finished: its change committed on top
 * of git.rev and pushed as branch ("{id}" in it replaced by the task's
 * id), recorded in baton.pushed as {"branch", "commit"}.  Returns 0, or
 * -1 with e set (git.push, git.unreachable...). */
int rl_ring_git_push(const struct rl_config *cfg, cJSON *baton,
	const char *branch, struct rl_error *e);

/* e as a baton's error object (the caller owns it). */
cJSON *rl_ring_git_error(const struct rl_error *e);

#endif
