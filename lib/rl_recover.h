/*
 * rl_recover.h - a step killed mid-way leaves no half-written output that
 * the next step trusts.
 *
 * A step (a tool run in the sandbox) killed while it writes, because
 * rl-act or its machine died, leaves what it was writing half done: a
 * build killed mid-link leaves a 0-byte program newer than its sources,
 * which make then takes as built, and the task fails on resume for no
 * reason of its own.  So before a step runs, the listing of the tree
 * (each file's path, size and modification time; .git left out) is kept
 * in the memory store (namespace "act", key "running/ID"), and it goes
 * when the step has ended, whatever its result.
 *
 * A listing still there when the next step of the same task begins means
 * the last one was killed: each file made or changed since is what it
 * was writing.  A file git does not track (build output) is removed, so
 * it is made again; a tracked file cannot be put back as it was (nothing
 * kept its bytes) and is named.  The step's observation says what was
 * done, under "recovered": {"removed": [...], "changed": [...]}.
 *
 *     rl_recover_begin(mem, dir, id, obs);
 *     ... run the step ...
 *     rl_recover_end(mem, id);
 *
 * Without a memory store (mem NULL) both do nothing.  Failures to keep
 * or read the listing are not the step's: it runs all the same.
 */
#ifndef RL_RECOVER_H
#define RL_RECOVER_H

#include <cjson/cJSON.h>

#include "rl_mem.h"

/* Recover from a killed step of task id in dir (what was done goes into
 * obs), then keep the tree's listing for the step about to run. */
void rl_recover_begin(struct rl_mem *mem, const char *dir, const char *id,
	cJSON *obs);

/* The step of task id has ended: forget its listing. */
void rl_recover_end(struct rl_mem *mem, const char *id);

#endif
