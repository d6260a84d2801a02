/*
 * rl-task - make task batons, so a pipeline can start from a sentence
 * (rl-task(1)).
 *
 *   rl-task [-C dir] [-P priority] [--tokens n] [--steps n]
 *           [--seconds duration] [--git url[@rev]] [task ...]
 *
 * With words, one baton whose task is the words; without, one baton per
 * line of stdin: a line of text is a task, a line that is a JSON object
 * may also give repo, priority and budget (the flags are its defaults).
 * The baton is addressed to reason, at iteration 1, with zero usage, the
 * time it was created and its budget (flags, else the configuration's
 * agent.tokens, agent.steps and agent.seconds) written out, so that
 * nothing outside the line is needed to continue it.
 *
 * With --git (or a line's "git"), the task's repository is a git remote:
 * the revision is resolved to its full commit id for the baton's git
 * member, and the task's work tree (rl_git.h: STATE/work/ID, where any
 * machine's rl_git_checkout finds it) is made here and kept, so that
 * repo names a real directory and the debt is measured on it.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rl_baton.h"
#include "rl_debt.h"
#include "rl_cmd.h"
#include "rl_dur.h"
#include "rl_err.h"
#include "rl_git.h"
#include "rl_json.h"
#include "rl_out.h"
#include "rl_proc.h"

static const char usage[] =
    "usage: rl-task [-C dir] [-P priority] [--tokens n] [--steps n] "
    "[--seconds duration] [--git url[@rev]] [task ...]\n";

static struct rl_config cfg;

struct defaults {
	char repo[PATH_MAX];
	double priority, tokens, steps, seconds;
	const char *git;    /* --git's URL[@REV]; NULL: none */
};

/* The last git remote resolved: lines of one repository fetch it once. */
static struct {
	char *spec, *url;
	char sha[41];
} last;

static int
number(const char *flag, const char *s, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || v < lo || v > hi || v != (long long)v) {
		rl_diag(NULL, 0, "usage.bad_value", "%s %s: give a whole number from "
		    "%.0f to %.0f", flag, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

/* The debt the task starts from, for the reward (rl-reward(1)). */
static void
debt_before(cJSON *baton, const char *repo)
{
	struct rl_error e;
	long long t0 = rl_proc_mono_ms();
	int tty = isatty(2);
	cJSON *r, *d;

	/* a person at a terminal is told what the wait is for */
	if (tty)
		fprintf(stderr, "%s: measuring the debt of %s...\n", rl_prog, repo);
	if (!(r = rl_debt_measure(&cfg, repo, &e))) {
		rl_error_report(&e, NULL);
		return;
	}
	if (tty)
		fprintf(stderr, "%s: debt %g in %.0f files, measured in %.1f s\n",
		    rl_prog, rl_json_num(r, "total", 0), rl_json_num(r,
		    "files_measured", 0), (double)(rl_proc_mono_ms() - t0) / 1000);
	d = cJSON_AddObjectToObject(baton, "debt");
	cJSON_AddNumberToObject(d, "before", rl_json_num(r, "total", 0));
	cJSON_AddItemToObject(d, "kinds_before", rl_debt_kinds(r));
	cJSON_Delete(r);
}

/*
 * The git member for spec ("URL[@REV]"), resolved to a full commit id: a
 * path on this machine is made absolute, so the baton means the same
 * from any directory.  NULL, reported, on failure; *status says how bad.
 */
static cJSON *
git_of(const char *spec, const char *where, unsigned long line, int *status)
{
	struct rl_error e;
	char *url, *rev, abs[PATH_MAX];
	const char *colon;
	cJSON *g;

	if (!last.spec || strcmp(last.spec, spec) != 0) {
		free(last.spec);
		free(last.url);
		last.spec = last.url = NULL;
		if (rl_git_spec(spec, &url, &rev, &e) < 0) {
			rl_diag(where, line, e.code, "%s", e.message);
			*status = rl_err_status(e.code);
			return NULL;
		}
		/* a path, not host:path nor scheme://: absolute */
		colon = strchr(url, ':');
		if (!strstr(url, "://") && (!colon || memchr(url, '/',
		    (size_t)(colon - url))) && realpath(url, abs)) {
			free(url);
			url = rl_xstrdup(abs);
		}
		if (rl_git_resolve(&cfg, url, rev, last.sha, &e) < 0) {
			rl_diag(where, line, e.code, "%s", e.message);
			*status = rl_err_status(e.code);
			free(url);
			free(rev);
			return NULL;
		}
		free(rev);
		last.spec = rl_xstrdup(spec);
		last.url = url;
	}
	g = cJSON_CreateObject();
	cJSON_AddStringToObject(g, "url", last.url);
	cJSON_AddStringToObject(g, "rev", last.sha);
	return g;
}

/* One baton for task; from, when not NULL, is the line's object. */
static int
emit(const struct defaults *D, const char *task, const cJSON *from,
	const char *where, unsigned long line)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(from, "budget");
	const char *repo = rl_json_str(from, "repo"), *spec = rl_json_str(from,
	    "git");
	char id[RL_BATON_ID_LEN + 1], at[32], abs[PATH_MAX], *tree = NULL;
	cJSON *o, *budget, *u, *g = NULL;
	struct rl_error e;
	int status = RL_EXIT_OK;
	double v;

	if (!task || !*task) {
		rl_diag(where, line, "validate.schema", "a task needs its text");
		return RL_EXIT_FAIL;
	}
	if (spec && repo) {
		rl_diag(where, line, "validate.schema", "a task gives repo or git, "
		    "not both");
		return RL_EXIT_FAIL;
	}
	if (!spec && !repo)
		spec = D->git;
	if (spec && !(g = git_of(spec, where, line, &status)))
		return status;
	if (repo && !realpath(repo, abs)) {
		rl_diag(where, line, "tool.no_repo", "repository %s: %s", repo,
		    strerror(errno));
		return RL_EXIT_FAIL;
	}
	rl_baton_new_id(id);
	rl_dur_iso(rl_now_ms(), at, sizeof at);
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "rl", RL_BATON_VERSION);
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "task", task);
	if (g) {
		/* the work tree is made (and kept) by id and git alone */
		cJSON_AddItemToObject(o, "git", g);
		if (!(tree = rl_git_checkout(&cfg, o, &e))) {
			rl_diag(where, line, e.code, "%s", e.message);
			cJSON_Delete(o);
			return rl_err_status(e.code);
		}
		cJSON_DetachItemViaPointer(o, g);
	}
	cJSON_AddStringToObject(o, "repo", tree ? tree : repo ? abs : D->repo);
	if (g)
		cJSON_AddItemToObject(o, "git", g);
	cJSON_AddStringToObject(o, "next", "reason");
	cJSON_AddNumberToObject(o, "iter", 1);
	cJSON_AddNumberToObject(o, "priority", rl_json_num(from, "priority", D->priority));
	budget = cJSON_AddObjectToObject(o, "budget");
	if ((v = rl_json_num(b, "tokens", D->tokens)) > 0)
		cJSON_AddNumberToObject(budget, "tokens", v);
	if ((v = rl_json_num(b, "steps", D->steps)) > 0)
		cJSON_AddNumberToObject(budget, "steps", v);
	if ((v = rl_json_num(b, "seconds", D->seconds)) > 0)
		cJSON_AddNumberToObject(budget, "seconds", v);
	u = cJSON_AddObjectToObject(o, "usage");
	cJSON_AddNumberToObject(u, "prompt_tokens", 0);
	cJSON_AddNumberToObject(u, "completion_tokens", 0);
	cJSON_AddNumberToObject(u, "requests", 0);
	cJSON_AddNumberToObject(u, "ms", 0);
	cJSON_AddStringToObject(o, "created", at);
	if (rl_config_bool(&cfg, "reward.measure", 1))
		debt_before(o, tree ? tree : repo ? abs : D->repo);
	rl_out_json(o);
	cJSON_Delete(o);
	free(tree);
	return RL_EXIT_OK;
}

static int
from_stdin(const struct defaults *D)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long ln = 0;
	cJSON *j;
	int status = RL_EXIT_OK;

	while ((n = getline(&line, &cap, stdin)) > 0) {
		ln++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (strspn(line, " \t") == (size_t)n)
			continue;
		if (line[strspn(line, " \t")] == '{') {
			if (!(j = cJSON_ParseWithLength(line, (size_t)n)) ||
			    !cJSON_IsObject(j)) {
				rl_diag("stdin", ln, "input.not_json", "a line that starts "
				    "with { must be a JSON object");
				status = rl_exit_merge(status, RL_EXIT_FAIL);
			} else {
				status = rl_exit_merge(status, emit(D, rl_json_str(j, "task"),
				    j, "stdin", ln));
			}
			cJSON_Delete(j);
		} else {
			status = rl_exit_merge(status, emit(D, line, NULL, "stdin", ln));
		}
	}
	if (ferror(stdin)) {
		rl_diag("stdin", 0, "io.read", "%s", strerror(errno));
		status = rl_exit_merge(status, RL_EXIT_TEMP);
	}
	free(line);
	return status;
}

int
main(int argc, char **argv)
{
	enum { OPT_TOKENS = RL_OPT_LONG, OPT_STEPS, OPT_SECONDS, OPT_GIT };
	static const struct option opts[] = {
		{"directory", required_argument, NULL, 'C'},
		{"priority", required_argument, NULL, 'P'},
		{"tokens", required_argument, NULL, OPT_TOKENS},
		{"steps", required_argument, NULL, OPT_STEPS},
		{"seconds", required_argument, NULL, OPT_SECONDS},
		{"git", required_argument, NULL, OPT_GIT},
		RL_CMD_OPTIONS
	};
	struct rl_cmd_args A = {.usage = usage, .optstring = "hC:P:",
	    .longopts = opts};
	struct defaults D = {0};
	struct rl_buf task = {0};
	const char *dir = ".";
	int c, i, status;

	rl_cmd_start(argv[0], &cfg);
	D.tokens = rl_config_num(&cfg, "agent.tokens", 0);
	D.steps = rl_config_num(&cfg, "agent.steps", 0);
	D.seconds = rl_config_num(&cfg, "agent.seconds", 0);
	while ((c = rl_cmd_getopt(&A, argc, argv)) != -1) {
		switch (c) {
		case 'C': dir = optarg; break;
		case 'P':
			if (number("-P", optarg, -1000, 1000, &D.priority) < 0)
				return rl_cmd_finish(&cfg, NULL, RL_EXIT_USAGE);
			break;
		case OPT_TOKENS:
			if (number("--tokens", optarg, 0, 1e12, &D.tokens) < 0)
				return rl_cmd_finish(&cfg, NULL, RL_EXIT_USAGE);
			break;
		case OPT_STEPS:
			if (number("--steps", optarg, 0, 1e6, &D.steps) < 0)
				return rl_cmd_finish(&cfg, NULL, RL_EXIT_USAGE);
			break;
		case OPT_SECONDS:
			if (rl_dur_parse(optarg, &D.seconds) < 0) {
				rl_diag(NULL, 0, "usage.bad_value", "--seconds %s: not a "
				    "duration", optarg);
				return rl_cmd_finish(&cfg, NULL, RL_EXIT_USAGE);
			}
			break;
		case OPT_GIT: D.git = optarg; break;
		}
	}
	if (A.status >= 0)
		return rl_cmd_finish(&cfg, NULL, A.status);
	if (!realpath(dir, D.repo)) {
		rl_diag(NULL, 0, "tool.no_repo", "repository %s: %s", dir,
		    strerror(errno));
		return rl_cmd_finish(&cfg, NULL, RL_EXIT_USAGE);
	}
	if (A.nops) {
		for (i = 0; i < A.nops; i++)
			rl_buf_printf(&task, "%s%s", i ? " " : "", A.ops[i]);
		status = emit(&D, task.data, NULL, NULL, 0);
		rl_buf_free(&task);
	} else {
		status = from_stdin(&D);
	}
	free(last.spec);
	free(last.url);
	return rl_cmd_finish(&cfg, NULL, status);
}
