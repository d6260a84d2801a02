/*
 * rl-plan - the planning agent: a plan of tool calls (rl-plan(1)).
 *
 * Batons with next "plan" get a `plan` member {steps, iter}, each step
 * {tool, args, goal} naming a tool from rl-act's catalog that the act
 * agent may use, and go on to act.  A reply naming any other tool, or
 * giving arguments its tool does not take, is sent back once for repair.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rl_agent.h"
#include "rl_json.h"

/* The planner's bias for a tool: reward.tool_bias.NAME, 1 by default. */
static double
bias(const struct rl_config *cfg, const char *tool)
{
	char key[96];

	snprintf(key, sizeof key, "reward.tool_bias.%s", tool);
	return rl_config_num(cfg, key, 1);
}

/* "name(arg, opt?): description" for each tool act may use, the
 * preferred first and the ones to avoid last (reward.tool_bias). */
static void
catalog(const struct rl_config *cfg, const struct rl_tools *T,
	struct rl_buf *out)
{
	const cJSON *args, *req, *p, *r;
	const char *sep;
	size_t i, j, n = 0, *order = rl_xcalloc(T->n + 1, sizeof *order), t;
	int must;
	double b;

	for (i = 0; i < T->n; i++)
		if (T->t[i].enabled && rl_tool_allowed(&T->t[i], "act"))
			order[n++] = i;
	/* insertion sort: stable, and a catalog is short */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && bias(cfg, T->t[order[j]].name) >
		    bias(cfg, T->t[order[j - 1]].name); j--)
			t = order[j], order[j] = order[j - 1], order[j - 1] = t;
	rl_buf_adds(out, "Tools:\n");
	for (j = 0; j < n; j++) {
		i = order[j];
		args = cJSON_GetObjectItemCaseSensitive(T->t[i].doc, "args");
		req = cJSON_GetObjectItemCaseSensitive(args, "required");
		rl_buf_printf(out, "%s(", T->t[i].name);
		sep = "";
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(args,
		    "properties")) {
			must = 0;
			cJSON_ArrayForEach(r, req)
				must |= cJSON_IsString(r) && strcmp(r->valuestring, p->string) == 0;
			rl_buf_printf(out, "%s%s%s", sep, p->string, must ? "" : "?");
			sep = ", ";
		}
		b = bias(cfg, T->t[i].name);
		rl_buf_printf(out, "): %s%s\n", T->t[i].description, b > 1 ?
		    " (preferred)" : b < 1 ? " (avoid)" : "");
	}
	free(order);
}

/* The tools, the map, and the code of what the task and the reasoning
 * (and the feedback, when it sent the baton back) name. */
static void
context(struct rl_agent_run *R, const cJSON *baton, struct rl_buf *prompt)
{
	struct rl_buf text = {0};

	catalog(R->cfg, &R->tools, prompt);
	rl_agent_strings(cJSON_GetObjectItemCaseSensitive(baton, "task"), &text);
	rl_agent_strings(cJSON_GetObjectItemCaseSensitive(baton, "reasoning"), &text);
	rl_agent_strings(cJSON_GetObjectItemCaseSensitive(baton, "feedback"), &text);
	rl_agent_code(R, baton, text.data, 1, prompt);
	rl_buf_free(&text);
}

static void
bad(cJSON *errs, int i, const char *what, const char *msg)
{
	char path[64];

	snprintf(path, sizeof path, "/steps/%d/%s", i, what);
	rl_agent_error(errs, path, what, msg);
}

/* Every step names a tool act may use, with arguments it takes. */
static int
check(struct rl_agent_run *R, const cJSON *baton, const cJSON *reply,
	cJSON *errs)
{
	const cJSON *s, *args;
	const struct rl_tool *t;
	struct rl_buf msg = {0};
	int i = 0, ok = 1;

	(void)baton;
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(reply, "steps")) {
		t = rl_tools_find(&R->tools, rl_json_str(s, "tool"));
		args = cJSON_GetObjectItemCaseSensitive(s, "args");
		if (!t || !t->enabled || !rl_tool_allowed(t, "act")) {
			rl_buf_reset(&msg);
			rl_buf_printf(&msg, "unknown tool '%s': use one of the tools "
			    "listed", rl_json_str(s, "tool"));
			bad(errs, i, "tool", msg.data);
			ok = 0;
		} else if (args) {
			cJSON *e = cJSON_CreateArray(), *x;

			/* a missing required argument is for act to ask for */
			if (!rl_schema_check(t->args, args, e, 5)) {
				cJSON_ArrayForEach(x, e) {
					if (strcmp(rl_json_str(x, "keyword"), "required") == 0)
						continue;
					rl_buf_reset(&msg);
					rl_buf_printf(&msg, "%s%s: %s", t->name,
					    rl_json_str(x, "path"), rl_json_str(x, "message"));
					bad(errs, i, "args", msg.data);
					ok = 0;
				}
			}
			cJSON_Delete(e);
		}
		i++;
	}
	rl_buf_free(&msg);
	return ok;
}

static int
apply(struct rl_agent_run *R, cJSON *baton, cJSON *reply, struct rl_error *e)
{
	(void)R;
	(void)e;
	cJSON_AddNumberToObject(reply, "iter", rl_json_num(baton, "iter", 1));
	rl_json_set(baton, "plan", reply);
	rl_json_set(baton, "next", cJSON_CreateString("act"));
	return 0;
}

static const char *const fields[] = {"reasoning", "feedback", NULL};

static const struct rl_agent plan = {
	.name = "plan",
	.fields = fields,
	.flags = RL_AGENT_TOOLS,
	.context = context,
	.check = check,
	.apply = apply,
};

int
main(int argc, char **argv)
{
	return rl_agent_main(&plan, argc, argv);
}
