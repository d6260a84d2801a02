/*
 * rl-complete - the completion agent: verify, write the final status and
 * a summary (rl-complete(1)).
 *
 * Batons with next "complete" are verified by running the run_tests tool
 * in the sandbox (when it is enabled and its requirements are met), then
 * get status FINISH (feedback said done and the tests pass), FAILED, or
 * keep BUDGET when their budget ran out; a `verify` observation, a
 * `summary` line, and next "done".  It asks no model: its summary is made
 * from the baton, since tokens are cubed in the reward.  The outcome is
 * kept in the reason agent's memory for the repository, so the next task
 * there starts knowing it.
 */
#include <stdio.h>
#include <string.h>

#include "rl_act.h"
#include "rl_agent.h"
#include "rl_budget.h"
#include "rl_debt.h"
#include "rl_dur.h"
#include "rl_edit.h"
#include "rl_json.h"
#include "rl_reward.h"
#include "rl_stats.h"

/* Run the tests; -1 when there is no way to, else their exit status. */
static int
verify(struct rl_agent_run *R, cJSON *baton, const char *dir)
{
	const struct rl_tool *t = rl_tools_find(&R->tools, "run_tests");
	struct rl_act A = {R->cfg, &R->tools, R->mem, &R->sb, R->dir, "complete"};
	cJSON *step, *obs, *missing = cJSON_CreateArray();
	const char *id = rl_json_str(baton, "id");
	int ok = t && t->enabled && rl_tool_requirements(t, missing);

	cJSON_Delete(missing);
	if (!ok)
		return -1;
	step = cJSON_CreateObject();
	cJSON_AddStringToObject(step, "tool", "run_tests");
	obs = cJSON_CreateObject();
	rl_act_step(&A, step, 0, dir, id ? id : "baton",
	    (long)rl_json_num(baton, "iter", 0), obs);
	cJSON_Delete(step);
	rl_json_set(baton, "verify", obs);
	return (int)rl_json_num(obs, "exit", 1);
}

/* The debt now, beside the debt before; offset and reward. */
static void
debt_after(struct rl_agent_run *R, cJSON *baton, const char *dir)
{
	cJSON *d = cJSON_GetObjectItemCaseSensitive(baton, "debt"), *r;
	struct rl_error e;

	if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(d, "before")) ||
	    !rl_config_bool(R->cfg, "reward.measure", 1))
		return;
	if (!(r = rl_debt_measure(R->cfg, dir, &e))) {
		rl_error_report(&e, rl_json_str(baton, "id"));
		return;
	}
	rl_json_set(d, "after", cJSON_CreateNumber(rl_json_num(r, "total", 0)));
	rl_json_set(d, "kinds_after", rl_debt_kinds(r));
	rl_reward_score(baton);
	cJSON_Delete(r);
}

static void
remember(struct rl_agent_run *R, const cJSON *baton, const char *dir,
	const char *summary)
{
	char key[32];

	rl_agent_repo_key(dir, key, sizeof key);
	if (rl_mem_put(R->mem, "reason", key, summary, strlen(summary), 0,
	    "text/plain") < 0)
		rl_diag(rl_json_str(baton, "id"), 0, R->mem->err.code, "%s",
		    R->mem->err.message);
}

static int
local(struct rl_agent_run *R, cJSON *baton, struct rl_error *e)
{
	const char *dir = rl_json_str(baton, "repo"), *status;
	const char *verdict = rl_json_str(cJSON_GetObjectItemCaseSensitive(baton,
	    "feedback"), "verdict");
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(baton, "usage");
	cJSON *changes = rl_edit_changes(baton, R->mem), *c;
	double added = 0, removed = 0;
	struct rl_buf sum = {0};
	int tests = -1, files = cJSON_GetArraySize(changes);

	(void)e;
	if (!dir)
		dir = R->dir;
	/* a literal: the baton's own string is replaced below */
	status = rl_json_str(baton, "status") &&
	    strcmp(rl_json_str(baton, "status"), "BUDGET") == 0 ? "BUDGET" : NULL;
	if (!status) {
		if (verdict && strcmp(verdict, "done") == 0)
			tests = verify(R, baton, dir);
		status = verdict && strcmp(verdict, "done") == 0 && tests <= 0 ?
		    "FINISH" : "FAILED";
	}
	debt_after(R, baton, dir);
	cJSON_ArrayForEach(c, changes) {
		added += rl_json_num(c, "added", 0);
		removed += rl_json_num(c, "removed", 0);
	}
	rl_buf_printf(&sum, "%s: %s; %d steps observed in %.0f iterations; ",
	    status, rl_json_str(baton, "task") ? rl_json_str(baton, "task") : "",
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(baton,
	    "observations")), rl_json_num(baton, "iter", 1));
	if (files)
		rl_buf_printf(&sum, "%d file%s changed (+%.0f -%.0f); ", files,
		    files == 1 ? "" : "s", added, removed);
	rl_buf_printf(&sum, "tests %s; %.0f tokens", tests < 0 ? "not run" :
	    tests == 0 ? "pass" : "fail", rl_budget_tokens(u));
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    baton, "debt"), "after")))
		rl_buf_printf(&sum, "; debt %g -> %g", rl_json_num(
		    cJSON_GetObjectItemCaseSensitive(baton, "debt"), "before", 0),
		    rl_json_num(cJSON_GetObjectItemCaseSensitive(baton, "debt"),
		    "after", 0));
	if (strcmp(status, "BUDGET") == 0)
		rl_buf_printf(&sum, "; budget spent: %s",
		    rl_json_str(baton, "budget_spent") ?
		    rl_json_str(baton, "budget_spent") : "?");
	else if (strcmp(status, "FAILED") == 0)
		rl_buf_printf(&sum, "; %s", verdict ? rl_json_str(
		    cJSON_GetObjectItemCaseSensitive(baton, "feedback"), "reason") :
		    "feedback never judged it done");
	rl_json_set(baton, "changes", changes);
	rl_json_set(baton, "status", cJSON_CreateString(status));
	rl_json_set(baton, "summary", cJSON_CreateString(sum.data));
	rl_json_set(baton, "next", cJSON_CreateString("done"));
	remember(R, baton, dir, sum.data);
	rl_stats_log_run(baton);
	rl_buf_free(&sum);
	return strcmp(status, "FINISH") == 0 ? 1 : 2;
}

/* A baton with an error ends its task here, at the end of a pipeline
 * (redline run never sends one to this stage, and logs it itself). */
static void
failed(struct rl_agent_run *R, const cJSON *baton)
{
	(void)R;
	rl_stats_log_run(baton);
}

static const struct rl_agent complete = {
	.name = "complete",
	.flags = RL_AGENT_TOOLS | RL_AGENT_SANDBOX | RL_AGENT_LAZY,
	.local = local,
	.failed = failed,
};

int
main(int argc, char **argv)
{
	return rl_agent_main(&complete, argc, argv);
}
