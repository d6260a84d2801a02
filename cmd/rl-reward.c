/*
 * rl-reward - measure technical debt, score runs as offset / tokens^3,
 * keep each (agent, model) arm's statistics, and pick models by them
 * (rl-reward(1)).
 *
 *   rl-reward [file ...]          score finished batons, update the arms
 *   rl-reward measure [-J] [dir]  the debt of a tree: one record
 *   rl-reward stats [-J]          the arms
 *   rl-reward pick agent          the model to use for agent
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rl_cmd.h"
#include "rl_debt.h"
#include "rl_json.h"
#include "rl_loop.h"
#include "rl_out.h"
#include "rl_reward.h"

static const char usage[] =
    "usage: rl-reward [file ...]\n"
    "       rl-reward measure [-J] [dir]\n"
    "       rl-reward stats [-J]\n"
    "       rl-reward pick agent\n";

static const struct option opts[] = {
	{"ndjson", no_argument, NULL, 'J'},
	RL_CMD_OPTIONS
};

static struct rl_cmd_args A = {
	.usage = usage,
	.optstring = "hJ",
	.longopts = opts,
};

static struct rl_config cfg;
static int J;                   /* -J, or not a terminal: JSON */

static int
cmd_measure(int argc, char **argv)
{
	const cJSON *k, *f;
	char dir[PATH_MAX];
	struct rl_error e;
	cJSON *r;
	int n = 0;

	if (!realpath(argc > 1 ? argv[1] : ".", dir)) {
		rl_diag(NULL, 0, "io.open", "%s: %m", argc > 1 ? argv[1] : ".");
		return RL_EXIT_USAGE;
	}
	if (!(r = rl_debt_measure(&cfg, dir, &e)))
		return rl_error_report(&e, NULL);
	if (J) {
		rl_out_json(r);
	} else {
		printf("debt %.3f in %.0f files, %.0f lines of %s\n\n",
		    rl_json_num(r, "total", 0), rl_json_num(r, "files_measured", 0),
		    rl_json_num(r, "lines", 0), dir);
		printf("%-16s %8s %10s\n", "KIND", "COUNT", "DEBT");
		cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(r, "kinds"))
			printf("%-16s %8.0f %10.3f\n", k->string, rl_json_num(k, "count",
			    0), rl_json_num(k, "debt", 0));
		printf("\n%-40s %8s %10s\n", "FILE", "LINES", "DEBT");
		cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(r, "files"))
			if (n++ < 20)
				printf("%-40s %8.0f %10.3f\n", rl_json_str(f, "path"),
				    rl_json_num(f, "lines", 0), rl_json_num(f, "debt", 0));
		cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(r, "analyzers"))
			if (rl_json_str(f, "note"))
				printf("%s: %s\n", rl_json_str(f, "name"), rl_json_str(f,
				    "note"));
	}
	cJSON_Delete(r);
	return RL_EXIT_OK;
}

static int
cmd_stats(int argc, char **argv)
{
	struct rl_mem *m;
	struct rl_error e;
	cJSON *arms, *a;
	int rc;

	(void)argc;
	(void)argv;
	if (!(m = rl_mem_open(&cfg, &e)))
		return rl_error_report(&e, NULL);
	arms = cJSON_CreateArray();
	rc = rl_reward_arms(m, arms);
	if (!J)
		printf("%-10s %-30s %6s %12s %12s %10s %8s\n", "AGENT", "MODEL",
		    "RUNS", "MEAN_K", "VARIANCE", "TOKENS", "FAILED");
	cJSON_ArrayForEach(a, arms) {
		cJSON_DeleteItemFromObjectCaseSensitive(a, "m2");
		if (J)
			rl_out_json(a);
		else
			printf("%-10s %-30s %6.0f %12.6g %12.6g %10.0f %8.0f\n",
			    rl_json_str(a, "agent"), rl_json_str(a, "model"),
			    rl_json_num(a, "runs", 0), rl_json_num(a, "mean", 0),
			    rl_json_num(a, "variance", 0), rl_json_num(a, "tokens", 0),
			    rl_json_num(a, "failures", 0));
	}
	cJSON_Delete(arms);
	rl_mem_close(m);
	return rc < 0 ? RL_EXIT_TEMP : RL_EXIT_OK;
}

static int
cmd_pick(int argc, char **argv)
{
	struct rl_buf why = {0};
	struct rl_mem *m;
	struct rl_error e;
	const char *model;
	int rc = RL_EXIT_OK;

	(void)argc;
	if (!(m = rl_mem_open(&cfg, &e)))
		return rl_error_report(&e, NULL);
	if ((model = rl_reward_pick(&cfg, m, argv[1], &why))) {
		printf("%s\n", model);
		fprintf(stderr, "%s: %s\n", rl_prog, why.data);
	} else {
		rl_diag(NULL, 0, "config.invalid", "no variants are configured for "
		    "the %s agent (reward.variants.%s)", argv[1], argv[1]);
		rc = RL_EXIT_USAGE;
	}
	rl_buf_free(&why);
	rl_mem_close(m);
	return rc;
}

/* --- the filter ----------------------------------------------------------- */

struct filter {
	struct rl_mem *m;
	struct rl_error e;
};

static int
score_each(struct rl_rec *r, void *arg)
{
	struct filter *F = arg;

	/* finished, with debt measured before and after: scored */
	if (!cJSON_IsObject(r->json) || !rl_json_str(r->json, "status") ||
	    cJSON_GetObjectItemCaseSensitive(r->json, "error") ||
	    rl_reward_score(r->json) != 0) {
		rl_out_line(r->text, r->len);
		return RL_EXIT_OK;
	}
	rl_out_json(r->json);
	return rl_reward_update(&cfg, F->m, r->json) < 0 ? RL_EXIT_TEMP :
	    RL_EXIT_OK;
}

static int
cmd_filter(int argc, char **argv)
{
	struct rl_loop L = {.fn = score_each, .stage = "reward"};
	struct filter F = {0};
	struct rl_error e;
	int status;

	if (!(F.m = rl_mem_open(&cfg, &e)))
		return rl_error_report(&e, NULL);
	rl_cmd_limits(&cfg, &L);
	L.arg = &F;
	status = rl_loop_run(&L, argc - 1, argv + 1);
	rl_mem_close(F.m);
	return status;
}

static const struct rl_cmd_sub subs[] = {
	{"", cmd_filter, 0, -1, ""},
	{"measure", cmd_measure, 0, 1, "ndjson"},
	{"stats", cmd_stats, 0, 0, "ndjson"},
	{"pick", cmd_pick, 1, 1, ""},
	{NULL, NULL, 0, 0, NULL}
};

int
main(int argc, char **argv)
{
	const struct rl_cmd_sub *sub;
	int c, status = RL_EXIT_USAGE;

	rl_cmd_start(argv[0], &cfg);
	J = !isatty(1);
	while ((c = rl_cmd_getopt(&A, argc, argv)) != -1)
		if (c == 'J')
			J = 1;
	if (A.status >= 0)
		return rl_cmd_finish(&cfg, NULL, A.status);
	if ((sub = rl_cmd_sub(subs, &A, "")))
		status = sub->run(A.sargc, A.sargv);
	return rl_cmd_finish(&cfg, NULL, status);
}
