/*
 * rl_reward.c - rewards, arms and picks; see rl_reward.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rl_budget.h"
#include "rl_fs.h"
#include "rl_json.h"
#include "rl_reward.h"

#define NS "reward"

int
rl_reward_score(cJSON *baton)
{
	cJSON *debt = cJSON_GetObjectItemCaseSensitive(baton, "debt");
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(baton, "usage");
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(debt, "before");
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(debt, "after");
	double offset, tokens;

	if (!cJSON_IsNumber(b) || !cJSON_IsNumber(a))
		return 1;
	offset = b->valuedouble > 0 ?
	    (b->valuedouble - a->valuedouble) / b->valuedouble : 0;
	tokens = rl_budget_tokens(u);
	if (tokens < 1)
		tokens = 1;
	rl_json_set(debt, "offset", cJSON_CreateNumber(offset));
	rl_json_set(baton, "reward", cJSON_CreateNumber(offset /
	    (tokens * tokens * tokens)));
	rl_json_set(baton, "reward_k", cJSON_CreateNumber(offset * 1e9 /
	    (tokens * tokens * tokens)));
	return 0;
}

static void
arm_key(const char *agent, const char *model, struct rl_buf *out)
{
	rl_buf_reset(out);
	rl_buf_printf(out, "arm/%s/%s", agent, model);
}

/* The arm stored at key, or a new one. */
static cJSON *
arm_get(struct rl_mem *m, const char *agent, const char *model)
{
	struct rl_buf key = {0}, v = {0};
	cJSON *a = NULL;

	arm_key(agent, model, &key);
	if (rl_mem_get(m, NS, key.data, &v, NULL) == 0)
		a = cJSON_ParseWithLength(v.data ? v.data : "", v.len);
	if (!cJSON_IsObject(a)) {
		cJSON_Delete(a);
		a = cJSON_CreateObject();
		cJSON_AddStringToObject(a, "agent", agent);
		cJSON_AddStringToObject(a, "model", model);
	}
	rl_buf_free(&key);
	rl_buf_free(&v);
	return a;
}

/* Add one run of reward_k r, tokens t, failed f to arm a (Welford). */
static void
arm_add(cJSON *a, double r, double t, int f)
{
	double n = rl_json_num(a, "runs", 0) + 1, mean = rl_json_num(a, "mean", 0);
	double m2 = rl_json_num(a, "m2", 0), d = r - mean;

	mean += d / n;
	m2 += d * (r - mean);
	rl_json_set(a, "runs", cJSON_CreateNumber(n));
	rl_json_set(a, "mean", cJSON_CreateNumber(mean));
	rl_json_set(a, "m2", cJSON_CreateNumber(m2));
	rl_json_set(a, "variance", cJSON_CreateNumber(n > 1 ? m2 / (n - 1) : 0));
	rl_json_set(a, "tokens", cJSON_CreateNumber(rl_json_num(a, "tokens", 0) + t));
	rl_json_set(a, "failures", cJSON_CreateNumber(rl_json_num(a, "failures",
	    0) + f));
}

int
rl_reward_update(const struct rl_config *cfg, struct rl_mem *m,
	const cJSON *baton)
{
	const cJSON *t, *e, *u;
	const char *stage, *model, *status = rl_json_str(baton, "status");
	double r = rl_json_num(baton, "reward_k", 0), tokens;
	struct rl_buf lock = {0}, key = {0}, text = {0};
	cJSON *seen = cJSON_CreateObject(), *a;
	int fd, rc = 0;

	t = cJSON_GetObjectItemCaseSensitive(baton, "trail");
	rl_config_state_dir(cfg, &lock);
	rl_fs_mkdirs(lock.data, 0700);
	rl_buf_adds(&lock, "/reward.lock");
	if ((fd = rl_fs_lock(lock.data, 1)) < 0) {
		rl_diag(lock.data, 0, "io.lock", "cannot lock the arms");
		rc = -1;
		goto out;
	}
	cJSON_ArrayForEach(e, t) {
		stage = rl_json_str(e, "stage");
		model = rl_json_str(e, "model");
		if (!stage || !model || !*model)
			continue;
		arm_key(stage, model, &key);
		if (cJSON_GetObjectItemCaseSensitive(seen, key.data))
			continue;
		cJSON_AddTrueToObject(seen, key.data);
		/* this arm's tokens in the run: every call it made */
		tokens = 0;
		cJSON_ArrayForEach(u, t)
			if (rl_json_str(u, "stage") && rl_json_str(u, "model") &&
			    strcmp(rl_json_str(u, "stage"), stage) == 0 &&
			    strcmp(rl_json_str(u, "model"), model) == 0)
				tokens += rl_budget_tokens(
				    cJSON_GetObjectItemCaseSensitive(u, "usage"));
		a = arm_get(m, stage, model);
		arm_add(a, r, tokens, !status || strcmp(status, "FINISH") != 0);
		rl_buf_reset(&text);
		rl_json_print(a, &text);
		if (rl_mem_put(m, NS, key.data, text.data, text.len, 0,
		    "application/json") < 0) {
			rl_diag(NULL, 0, m->err.code, "%s", m->err.message);
			rc = -1;
		}
		cJSON_Delete(a);
	}
	close(fd);
out:
	cJSON_Delete(seen);
	rl_buf_free(&lock);
	rl_buf_free(&key);
	rl_buf_free(&text);
	return rc;
}

static int
each_arm(const struct rl_mem_entry *e, void *arg)
{
	struct rl_mem *m = ((void **)arg)[0];
	cJSON *out = ((void **)arg)[1], *a;
	struct rl_buf v = {0};

	if (!e->corrupt && rl_mem_get(m, NS, e->key, &v, NULL) == 0 &&
	    cJSON_IsObject(a = cJSON_ParseWithLength(v.data ? v.data : "", v.len)))
		cJSON_AddItemToArray(out, a);
	rl_buf_free(&v);
	return 0;
}

int
rl_reward_arms(struct rl_mem *m, cJSON *out)
{
	void *arg[2] = {m, out};

	return rl_mem_list(m, NS, "arm/", each_arm, arg) < 0 ? -1 : 0;
}

const char *
rl_reward_pick(const struct rl_config *cfg, struct rl_mem *m,
	const char *agent, struct rl_buf *why)
{
	char key[96];
	const cJSON *vars, *v;
	const char *pick = NULL, *best_mean = NULL;
	double min_tries = rl_config_num(cfg, "reward.min_tries", 3);
	double max_fail = rl_config_num(cfg, "reward.max_failure_rate", 0.5);
	double floor_k = rl_config_num(cfg, "reward.min_reward_k", 0);
	double total = 0, scale = 0, score, top = -INFINITY, bm = -INFINITY;
	double runs, mean, fails;
	struct rl_buf scratch = {0};
	cJSON *arms = cJSON_CreateArray(), *a;
	int i, n, benched = 0, cand = 0;

	if (!why)
		why = &scratch;
	snprintf(key, sizeof key, "reward.variants.%s", agent);
	vars = rl_config_get(cfg, key);
	n = cJSON_GetArraySize(vars);
	if (!cJSON_IsArray(vars) || n == 0) {
		cJSON_Delete(arms);
		return NULL;
	}
	cJSON_ArrayForEach(v, vars)
		cJSON_AddItemToArray(arms, arm_get(m, agent, v->valuestring));
	/* every variant its tries first, in order */
	for (i = 0; i < n; i++) {
		a = cJSON_GetArrayItem(arms, i);
		if ((runs = rl_json_num(a, "runs", 0)) < min_tries) {
			pick = cJSON_GetArrayItem(vars, i)->valuestring;
			rl_buf_printf(why, "trying %s: %.0f of %.0f tries", pick, runs,
			    min_tries);
			goto out;
		}
	}
	/* bench the failing and the poor; UCB1 among the others */
	for (i = 0; i < n; i++) {
		a = cJSON_GetArrayItem(arms, i);
		runs = rl_json_num(a, "runs", 0);
		mean = rl_json_num(a, "mean", 0);
		fails = rl_json_num(a, "failures", 0);
		if (mean > bm) {
			bm = mean;
			best_mean = cJSON_GetArrayItem(vars, i)->valuestring;
		}
		if (fails / runs > max_fail || mean < floor_k) {
			cJSON_AddTrueToObject(a, "benched");
			benched++;
			continue;
		}
		total += runs;
		if (fabs(mean) > scale)
			scale = fabs(mean);
		cand++;
	}
	if (!cand) {
		pick = best_mean;
		rl_buf_printf(why, "every variant is benched; %s has the best mean",
		    pick);
		goto out;
	}
	for (i = 0; i < n; i++) {
		a = cJSON_GetArrayItem(arms, i);
		if (cJSON_GetObjectItemCaseSensitive(a, "benched"))
			continue;
		runs = rl_json_num(a, "runs", 0);
		score = rl_json_num(a, "mean", 0) / (scale > 0 ? scale : 1) +
		    sqrt(2 * log(total) / runs);
		if (score > top) {
			top = score;
			pick = cJSON_GetArrayItem(vars, i)->valuestring;
		}
	}
	rl_buf_printf(why, "UCB1 over %d variants (%d benched): %s", n, benched,
	    pick);
out:
	cJSON_Delete(arms);
	rl_buf_free(&scratch);
	return pick;
}
