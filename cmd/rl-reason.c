/*
 * rl-reason - the reasoning agent: explain the task, find its gaps,
 * derive findings (rl-reason(1)).
 *
 * Batons with next "reason" get a `reasoning` member
 * {explanation, gaps, findings} and go on to plan.  The prompt shows the
 * task, the feedback that sent the baton back (if any) and the
 * repository's file names.
 */
#include "rl_agent.h"
#include "rl_json.h"

/* File names a prompt lists, at most. */
#define FILES_SHOWN 60

static void
context(struct rl_agent_run *R, const cJSON *baton, struct rl_buf *prompt)
{
	const char *repo = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    baton, "repo"));

	rl_buf_adds(prompt, "Files:\n");
	rl_agent_files(repo ? repo : R->dir, FILES_SHOWN, prompt);
}

static int
apply(struct rl_agent_run *R, cJSON *baton, cJSON *reply, struct rl_error *e)
{
	(void)R;
	(void)e;
	rl_json_set(baton, "reasoning", reply);
	rl_json_set(baton, "next", cJSON_CreateString("plan"));
	return 0;
}

static const char *const fields[] = {"feedback", NULL};

static const struct rl_agent reason = {
	.name = "reason",
	.fields = fields,
	.context = context,
	.apply = apply,
};

int
main(int argc, char **argv)
{
	return rl_agent_main(&reason, argc, argv);
}
