/*
 * rl-trust - trust a repository's .redline/ layer, or forget it.
 *
 *   rl-trust [-r | --status] [dir]
 *   rl-trust --list
 *
 * A repository's .redline/ (its settings, tools and prompts) is applied
 * only when the user trusts it as it is: this command records the digest
 * of those files (rl_trust.h) in the state directory; any change to them
 * makes the repository untrusted again.  `redline trust` runs it.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rl_cmd.h"
#include "rl_err.h"
#include "rl_json.h"
#include "rl_trust.h"

static const char usage[] =
    "usage: rl-trust [-r | --status] [dir]\n"
    "       rl-trust --list\n";

/* The files of dir's layer, on stderr, for the person who trusts them. */
static void
show_files(const char *dir, const char *files)
{
	const char *p, *nl;

	if (!*files) {
		fprintf(stderr, "%s: %s has no .redline/ files yet; any that "
		    "appear will need trusting\n", rl_prog, dir);
		return;
	}
	for (p = files; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		fprintf(stderr, "%s: trusted %s/%.*s\n", rl_prog, dir,
		    (int)(nl - p), p);
	}
}

/* Say which of the layer's settings will be ignored all the same. */
static void
show_forbidden(struct rl_config *cfg, const char *dir)
{
	struct rl_buf path = {0};
	cJSON *doc = NULL;

	rl_buf_printf(&path, "%s/.redline/config.json", dir);
	cfg->quiet_trust = 0;
	if (rl_config_read_file(path.data, &doc) == 0 && doc)
		rl_config_project_filter(cfg, doc, path.data, "", 1);
	cfg->quiet_trust = 1;
	cJSON_Delete(doc);
	rl_buf_free(&path);
}

static int
trust(struct rl_config *cfg, const char *state, const char *dir, int yes)
{
	char hex[RL_SHA256_HEX], real[PATH_MAX];
	struct rl_buf files = {0};
	struct rl_error e;
	int rc;

	if (rl_trust_set(state, dir, yes, hex, &files, &e) < 0) {
		rl_buf_free(&files);    /* the files read before the failure */
		return rl_error_report(&e, NULL);
	}
	if (!realpath(dir, real))
		snprintf(real, sizeof real, "%s", dir);
	if (yes) {
		show_files(real, files.data ? files.data : "");
		show_forbidden(cfg, real);
		printf("%s\ttrusted\tsha256:%s\n", real, hex);
	} else {
		printf("%s\tforgotten\n", real);
	}
	rc = fflush(stdout) == 0 ? RL_EXIT_OK : RL_EXIT_TEMP;
	rl_buf_free(&files);
	return rc;
}

static const char *const verdicts[] = {"none", "untrusted", "trusted"};

static int
status(const char *state, const char *dir)
{
	enum rl_trust t = rl_trust_check(state, dir);
	char real[PATH_MAX];

	if (!realpath(dir, real))
		snprintf(real, sizeof real, "%s", dir);
	printf("%s\t%s\n", real, verdicts[t]);
	if (t == RL_TRUST_NO)
		fprintf(stderr, "%s: %s: its .redline/ is ignored until you read "
		    "it and run 'redline trust %s'\n", rl_prog, real, real);
	return t == RL_TRUST_NO ? RL_EXIT_FAIL : RL_EXIT_OK;
}

/* Each record: the directory, whether its layer is still the one trusted
 * (trusted), has changed (changed), has no files (empty) or is gone with
 * its directory (gone), and when it was trusted. */
static int
list(const char *state)
{
	struct rl_error e;
	cJSON *all = rl_trust_list(state, &e);
	const cJSON *c;
	const char *now;

	if (!all)
		return rl_error_report(&e, NULL);
	cJSON_ArrayForEach(c, all) {
		switch (rl_trust_check(state, c->string)) {
		case RL_TRUST_YES: now = "trusted"; break;
		case RL_TRUST_NO: now = "changed"; break;
		default: now = access(c->string, F_OK) == 0 ? "empty" : "gone";
			break;
		}
		printf("%s\t%s\t%s\n", c->string, now, rl_json_str(c, "at") ?
		    rl_json_str(c, "at") : "");
	}
	cJSON_Delete(all);
	return RL_EXIT_OK;
}

int
main(int argc, char **argv)
{
	enum { OPT_LIST = RL_OPT_LONG, OPT_STATUS };
	static const struct option opts[] = {
		{"revoke", no_argument, NULL, 'r'},
		{"list", no_argument, NULL, OPT_LIST},
		{"status", no_argument, NULL, OPT_STATUS},
		RL_CMD_OPTIONS
	};
	struct rl_cmd_args A = {.usage = usage, .optstring = "hr" RL_OLD("ls"),
	    .longopts = opts};
	struct rl_config cfg = {.quiet_trust = 1};
	struct rl_buf state = {0};
	int c, mode = 0, rc;

	rl_cmd_start(argv[0], &cfg);
	while ((c = rl_cmd_getopt(&A, argc, argv)) != -1) {
		if (c == 'l')
			c = rl_cmd_renamed(&A, OPT_LIST, "-l", "--list: -l is a "
			    "long listing everywhere else");
		else if (c == 's')
			c = rl_cmd_renamed(&A, OPT_STATUS, "-s", "--status: -s is a "
			    "schema everywhere else");
		if (mode && mode != c)
			goto bad;
		mode = c;
	}
	if (A.status >= 0)
		return rl_cmd_finish(&cfg, NULL, A.status);
	if (A.nops > (mode == OPT_LIST ? 0 : 1))
		goto bad;
	rl_config_state_dir(&cfg, &state);
	if (mode == OPT_LIST)
		rc = list(state.data);
	else if (mode == OPT_STATUS)
		rc = status(state.data, A.nops ? A.ops[0] : ".");
	else
		rc = trust(&cfg, state.data, A.nops ? A.ops[0] : ".", mode != 'r');
	rl_buf_free(&state);
	return rl_cmd_finish(&cfg, NULL, rc);
bad:
	return rl_cmd_finish(&cfg, NULL, rl_cmd_usage(&A, RL_EXIT_USAGE));
}
