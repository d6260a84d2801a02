/*
 * rl_budget.h - what a task may spend, and whether it has.
 *
 * Agents check a baton's budget before each call of a model or a tool,
 * and the supervisor before it routes a baton; a spent budget sends the
 * baton to complete with status BUDGET.
 */
#ifndef RL_BUDGET_H
#define RL_BUDGET_H
#include <cjson/cJSON.h>
#include "rl_buf.h"
#include "rl_config.h"

/*
 * Whether baton's budget is spent at now_ms: 1 with why set ("tokens
 * 61234 of 60000"), else 0.  The limits are the baton's budget.tokens,
 * budget.steps (observations made) and budget.seconds (since created),
 * each defaulting to the configuration's agent.tokens, agent.steps and
 * agent.seconds (0: no limit), and agent.max_iter for iter.
 */
int rl_budget_check(const struct rl_config *cfg, const cJSON *baton,
	long long now_ms, struct rl_buf *why);

/* The tokens a usage object counts: prompt_tokens + completion_tokens
 * (a trail entry's usage, a baton's, or a run event). */
double rl_budget_tokens(const cJSON *usage);

/* Mark baton as out of budget: status BUDGET, budget_spent why, next
 * complete. */
void rl_budget_spend(cJSON *baton, const char *why);

#endif
