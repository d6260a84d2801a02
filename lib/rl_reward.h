/*
 * rl_reward.h - a run's reward, the statistics of each (agent, model)
 * arm, and choosing a model by them.
 *
 * The seed's reward: the relative debt offset divided by the tokens it
 * took, cubed, so that a run pays for every token it reads:
 *
 *     offset   = (before - after) / before     0 when before is 0;
 *                                              negative when debt grew
 *     tokens   = usage.prompt_tokens + usage.completion_tokens
 *     reward   = offset / max(tokens, 1)^3     a baton of 0 tokens is
 *                                              scored as if it took 1
 *     reward_k = offset / (max(tokens, 1) / 1000)^3   the same, per
 *                                              thousand tokens, readable
 *
 * Arms: every scored baton updates, in the memory store (namespace
 * "reward", key "arm/AGENT/MODEL"), each (stage, model) its trail names:
 * runs, the mean and variance of reward_k (Welford), tokens, failures
 * (status other than FINISH).  Updates take STATE/reward.lock.
 *
 * Picking: among the variants configured for an agent
 * (reward.variants.AGENT), each is tried reward.min_tries times first, in
 * the order given; then a variant whose failure rate is over
 * reward.max_failure_rate, or whose mean reward_k is under
 * reward.min_reward_k, is benched; among the rest, UCB1 chooses:
 * mean_k / scale + sqrt(2 ln N / n), scale the largest |mean_k| of them
 * (so rewards of any size explore alike), N all their runs, n this one's;
 * ties go to the earlier variant.  When every variant is benched, the one
 * with the best mean is used, and the reason says so.
 */
#ifndef RL_REWARD_H
#define RL_REWARD_H
#include <cjson/cJSON.h>
#include "rl_buf.h"
#include "rl_config.h"
#include "rl_mem.h"

/*
 * Score a finished baton in place: debt.offset, reward, reward_k.  Needs
 * debt.before and debt.after (numbers); returns 1 and changes nothing
 * without them, else 0.
 */
int rl_reward_score(cJSON *baton);

/* Update the arms of a scored baton; 0, or -1 after a diagnostic. */
int rl_reward_update(const struct rl_config *cfg, struct rl_mem *m,
	const cJSON *baton);

/* Each arm as stored, in key order, into the array out. */
int rl_reward_arms(struct rl_mem *m, cJSON *out);

/*
 * The model to use for agent among its configured variants, or NULL when
 * none are configured.  why (may be NULL) gets the reason in words.  The
 * string lives in cfg.
 */
const char *rl_reward_pick(const struct rl_config *cfg, struct rl_mem *m,
	const char *agent, struct rl_buf *why);

#endif
