/*
 * rl-reason - the reasoning agent: explain the task, find its gaps,
 * derive findings (rl-reason(1)).
 *
 * Batons with next "reason" get a `reasoning` member
 * {explanation, gaps, findings} and go on to plan.  The prompt shows the
 * task, the feedback that sent the baton back (if any), the repository
 * map and the code of the files and symbols the task names
 * (rl_context.h).
 */
#include "rl_agent.h"
#include "rl_json.h"

/* The map, and the code of what the task (and the feedback that sent
 * the baton back) names. */
static void
context(struct rl_agent_run *R, const cJSON *baton, struct rl_buf *prompt)
{
	struct rl_buf text = {0};

	rl_agent_strings(cJSON_GetObjectItemCaseSensitive(baton, "task"), &text);
	rl_agent_strings(cJSON_GetObjectItemCaseSensitive(baton, "feedback"), &text);
	rl_agent_code(R, baton, text.data, 1, prompt);
	rl_buf_free(&text);
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
