/*
 * rl_act.h - run a baton's planned steps as tools in the sandbox.
 *
 * For a baton addressed to "act", each step of plan.steps
 *     {"tool": "search", "args": {"pattern": "TODO"}, "goal": "..."}
 * is checked (a known, enabled tool the act agent may use, arguments valid
 * against its schema) and run under rl_sandbox in the baton's repository.
 * One observation per step is appended to `observations`:
 *     {"step": 0, "tool": "search", "argv": [...], "exit": 0, "signal": 0,
 *      "timed_out": false, "ms": 12, "stdout": "...", "stderr": "",
 *      "stdout_bytes": 1234, "stderr_bytes": 0, "stdout_key": "...",
 *      "changed": false, "iter": 1}
 * where exit is as a shell says it (124 when the deadline ended the step,
 * 128 + the signal that killed it), with stdout and stderr cut to
 * RL_ACT_KEEP bytes in the baton (invalid UTF-8 and NUL bytes shown as
 * U+FFFD) and, when cut or changed, kept whole in the memory store
 * (namespace "act") under the key named.  A step that cannot run has
 * "error" {code, message} instead (tool.denied, tool.bad_args,
 * tool.missing, tool.not_found, ...).  The first step that fails ends the
 * run of the plan: what follows depends on it.  Then next is "feedback".
 * A step with "edits" (the act agent's editing request) runs as the
 * tool RL_ACT_EDITS, whatever its tool says.
 * A step that already has an observation of this iteration with exit 0
 * is not run again: a baton sent back to act (feedback's "continue", or
 * a run resumed from its journal) runs only the steps left.
 */
#ifndef RL_ACT_H
#define RL_ACT_H
#include <cjson/cJSON.h>
#include "rl_config.h"
#include "rl_mem.h"
#include "rl_sandbox.h"
#include "rl_tool.h"

/* The tool a step with an "edits" member runs: the act agent puts
 * there the edits the model wrote for the step (rl_edits_json), run as
 * `rl-act edit --json` with them on stdin; the observation keeps them as
 * "edits". */
#define RL_ACT_EDITS "edit_files"

/* Bytes of each stream an observation holds. */
#define RL_ACT_KEEP 4096

struct rl_act {
	const struct rl_config *cfg;
	const struct rl_tools *tools;
	struct rl_mem *mem;            /* NULL: long output is only cut */
	const struct rl_sandbox *policy;   /* limits; dir and ro set per baton */
	const char *dir;               /* repository when a baton names none */
	const char *agent;             /* "act" */
};

/*
 * What stays read-only when commands run in dir: its .git, where a hook
 * could be planted, its .redline, where a project's configuration and
 * tools could, and the state directory, where a memory could.  .git and
 * .redline are also fixed: a command may not make them where there are
 * none (a planted repository or configuration is trusted later, outside
 * the sandbox).  The paths are kept in buf; ro (four slots) and fixed
 * (three) point at them, ready for rl_sandbox's ro and fixed.
 */
void rl_act_read_only(const struct rl_config *cfg, const char *dir,
	struct rl_buf *buf, const char *ro[4], const char *fixed[3]);

/*
 * Run baton's steps and set next = "feedback".  Returns the number of
 * steps that failed (0 when all ran and exited 0), or -1 with e set when
 * the baton itself cannot be acted on (no plan.steps array, a repository
 * that is not a directory): the caller makes it an error baton.
 */
int rl_act_baton(const struct rl_act *A, cJSON *baton, struct rl_error *e);

/*
 * The same, stopping at the first step not done yet for which ask (may
 * be NULL) returns nonzero: the act agent asks the model for that step,
 * with what the steps before it observed.  *wait is that step's index,
 * and next is left as it was; else *wait is -1 and next is "feedback".
 */
int rl_act_until(const struct rl_act *A, cJSON *baton,
	int (*ask)(void *arg, const cJSON *step), void *arg, int *wait,
	struct rl_error *e);

/* Whether step i of baton ran, and exited 0, in the baton's iteration:
 * such a step is never run again. */
int rl_act_done(const cJSON *baton, int i);

/*
 * Run one step {"tool", "args"} as step number i of iteration iter in dir,
 * filling the empty object obs as rl_act_baton does (id names the baton
 * for the memory store's keys).  Returns 1 when the step failed.
 */
int rl_act_step(const struct rl_act *A, const cJSON *step, int i,
	const char *dir, const char *id, long iter, cJSON *obs);

#endif
