/*
 * rl_budget.c - a task's budget, checked; see rl_budget.h.
 */
#include <stdio.h>

#include "rl_budget.h"
#include "rl_dur.h"
#include "rl_json.h"

/* The baton's limit of kind, else the configuration's; 0: none. */
static double
limit(const struct rl_config *cfg, const cJSON *baton, const char *kind)
{
	char key[32];
	double v = rl_json_num(cJSON_GetObjectItemCaseSensitive(baton, "budget"),
	    kind, -1);

	snprintf(key, sizeof key, "agent.%s", kind);
	return v >= 0 ? v : rl_config_num(cfg, key, 0);
}

double
rl_budget_tokens(const cJSON *usage)
{
	return rl_json_num(usage, "prompt_tokens", 0) +
	    rl_json_num(usage, "completion_tokens", 0);
}

int
rl_budget_check(const struct rl_config *cfg, const cJSON *baton,
	long long now_ms, struct rl_buf *why)
{
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(baton, "usage");
	const char *created = rl_json_str(baton, "created");
	double tokens = rl_budget_tokens(u);
	double steps = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(baton,
	    "observations"));
	double iter = rl_json_num(baton, "iter", 0), max;
	long long t0 = created ? rl_dur_iso_parse(created) : -1;

	if ((max = limit(cfg, baton, "tokens")) > 0 && tokens >= max) {
		rl_buf_printf(why, "tokens %.0f of %.0f", tokens, max);
		return 1;
	}
	if ((max = limit(cfg, baton, "steps")) > 0 && steps >= max) {
		rl_buf_printf(why, "steps %.0f of %.0f", steps, max);
		return 1;
	}
	if ((max = limit(cfg, baton, "seconds")) > 0 && t0 >= 0 &&
	    (double)(now_ms - t0) / 1000 >= max) {
		rl_buf_printf(why, "seconds %.0f of %.0f",
		    (double)(now_ms - t0) / 1000, max);
		return 1;
	}
	if ((max = rl_config_num(cfg, "agent.max_iter", 0)) > 0 && iter > max) {
		rl_buf_printf(why, "iterations %.0f of %.0f", iter, max);
		return 1;
	}
	return 0;
}

void
rl_budget_spend(cJSON *baton, const char *why)
{
	rl_json_set(baton, "status", cJSON_CreateString("BUDGET"));
	rl_json_set(baton, "budget_spent", cJSON_CreateString(why));
	rl_json_set(baton, "next", cJSON_CreateString("complete"));
}
