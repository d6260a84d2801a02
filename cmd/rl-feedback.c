/*
 * rl-feedback - the feedback agent: judge the observations, then loop
 * back or go on (rl-feedback(1)).
 *
 * Batons with next "feedback" get a `feedback` member {verdict, reason}
 * and go where the verdict says:
 *   continue  act, to run the steps that did not succeed
 *   replan    plan (upstream), next iteration
 *   rethink   reason (upstream), next iteration
 *   done      complete
 *   fail      complete, which writes FAILED
 * A bias_request in the reply is moved to the baton's top level, for the
 * supervisor to grant or refuse.  The prompt shows the task, the plan and
 * this iteration's observations, their output cut short.
 */
#include <string.h>

#include "rl_agent.h"
#include "rl_json.h"
#include "rl_text.h"

/* Bytes of each stream of an observation the prompt shows. */
#define SHOWN 512

static void
stream(const cJSON *o, const char *name, struct rl_buf *p)
{
	const char *s = rl_json_str(o, name);
	size_t n;

	if (!s || !*s)
		return;
	n = strlen(s) > SHOWN ? rl_utf8_prefix(s, SHOWN) : strlen(s);
	rl_buf_printf(p, " %s: ", name);
	rl_buf_add(p, s, n);
	if (n < strlen(s))
		rl_buf_adds(p, "...");
	rl_buf_addc(p, '\n');
}

static void
context(struct rl_agent_run *R, const cJSON *baton, struct rl_buf *p)
{
	double iter = rl_json_num(baton, "iter", 0);
	const cJSON *o, *err;

	(void)R;
	rl_buf_adds(p, "Observations:\n");
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(baton,
	    "observations")) {
		if (rl_json_num(o, "iter", 0) != iter)
			continue;
		rl_buf_printf(p, "step %.0f %s", rl_json_num(o, "step", 0),
		    rl_json_str(o, "tool") ? rl_json_str(o, "tool") : "?");
		if ((err = cJSON_GetObjectItemCaseSensitive(o, "error")))
			rl_buf_printf(p, " error %s: %s\n", rl_json_str(err, "code"),
			    rl_json_str(err, "message"));
		else
			rl_buf_printf(p, " exit %.0f%s\n", rl_json_num(o, "exit", -1),
			    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "changed")) ?
			    " (changed the tree)" : "");
		stream(o, "stdout", p);
		stream(o, "stderr", p);
	}
}

static int
apply(struct rl_agent_run *R, cJSON *baton, cJSON *reply, struct rl_error *e)
{
	static const char *const go[][2] = {
		{"continue", "act"}, {"replan", "plan"}, {"rethink", "reason"},
		{"done", "complete"}, {"fail", "complete"}
	};
	const char *verdict = rl_json_str(reply, "verdict");
	cJSON *req;
	size_t i;

	(void)R;
	(void)e;
	for (i = 0; strcmp(go[i][0], verdict) != 0; i++)
		;
	if (i == 1 || i == 2)
		rl_json_set(baton, "iter",
		    cJSON_CreateNumber(rl_json_num(baton, "iter", 1) + 1));
	if ((req = cJSON_DetachItemFromObjectCaseSensitive(reply, "bias_request")))
		rl_json_set(baton, "bias_request", req);
	rl_json_set(baton, "next", cJSON_CreateString(go[i][1]));
	rl_json_set(baton, "feedback", reply);
	return 0;
}

static const char *const fields[] = {"plan", NULL};

static const struct rl_agent feedback = {
	.name = "feedback",
	.fields = fields,
	.context = context,
	.apply = apply,
};

int
main(int argc, char **argv)
{
	return rl_agent_main(&feedback, argc, argv);
}
