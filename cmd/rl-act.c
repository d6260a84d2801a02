/*
 * rl-act - run tools in redline's sandbox.
 *
 *   rl-act [-C dir] [--no-sandbox] [--hand-back] [file ...]
 *            batons with next "act": run their plan's steps as tools,
 *            asking the model for each step that waits for it, append
 *            observations, pass them on to feedback (--hand-back: after
 *            each request, for a supervisor that journals each)
 *   rl-act --tools        the tools, their versions and requirements
 *   rl-act --check-tools  validate every manifest; exit 1 on a problem
 *   rl-act exec [-C dir] [-t seconds] [-v] [--no-sandbox] -- command [arg ...]
 *            run one command under exactly the sandbox a tool gets: its
 *            stdout and stderr on ours, its status as ours
 *   rl-act edit [-C dir] [--no-sandbox] [--checks json] [--patch | --json]
 *   rl-act edit ... --path path (--search text --replace text | --content text)
 *            apply edits (lib/rl_edit.h) and print one result per edit:
 *            what the edit tools run in the sandbox
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rl_act.h"
#include "rl_agent.h"
#include "rl_cmd.h"
#include "rl_config.h"
#include "rl_dur.h"
#include "rl_edit.h"
#include "rl_err.h"
#include "rl_fs.h"
#include "rl_json.h"
#include "rl_loop.h"
#include "rl_out.h"
#include "rl_proc.h"
#include "rl_sandbox.h"
#include "rl_text.h"
#include "rl_tool.h"

/* The most input a command is given. */
#define INPUT_MAX (64UL << 20)

/* The longest file an editing request shows whole. */
#define FILE_SHOW (48UL << 10)

static struct rl_config cfg;

static const char usage[] =
    "usage: rl-act [-p provider] [-m model] [-j jobs] [--dry-run] [-C dir] [--no-sandbox] [--hand-back] [file ...]\n"
    "       rl-act --tools\n"
    "       rl-act --check-tools\n"
    "       rl-act exec [-C dir] [-t seconds] [-v] [--no-sandbox] -- command [arg ...]\n"
    "       rl-act edit [-C dir] [--no-sandbox] [--checks json] [--patch | --json]\n"
    "       rl-act edit [-C dir] [--no-sandbox] [--checks json] --path path "
    "--search text --replace text\n"
    "       rl-act edit [-C dir] [--no-sandbox] [--checks json] --path path --content text\n";

enum {
	OPT_DRY_RUN = RL_OPT_LONG, OPT_NO_SANDBOX, OPT_HAND_BACK, OPT_TOOLS,
	OPT_CHECK_TOOLS
};

/* The stage's options (rl_agent.c reads them again), exec's, the
 * catalog's. */
static const struct option opts[] = {
	{"directory", required_argument, NULL, 'C'},
	{"provider", required_argument, NULL, 'p'},
	{"model", required_argument, NULL, 'm'},
	{"jobs", required_argument, NULL, 'j'},
	{"dry-run", no_argument, NULL, OPT_DRY_RUN},
	{"no-sandbox", no_argument, NULL, OPT_NO_SANDBOX},
	{"hand-back", no_argument, NULL, OPT_HAND_BACK},
	{"timeout", required_argument, NULL, 't'},
	{"verbose", no_argument, NULL, 'v'},
	{"tools", no_argument, NULL, OPT_TOOLS},
	{"check-tools", no_argument, NULL, OPT_CHECK_TOOLS},
	RL_CMD_OPTIONS
};

static struct rl_cmd_args A = {
	.usage = usage,
	.optstring = "hC:p:m:j:t:v",
	.longopts = opts,
};

/* The options exec and the catalog read, as given (or their defaults). */
static struct {
	const char *dir;
	double secs;
	int verbose, off, tools;
} O = {.dir = ".", .secs = -1};

/*
 * The sandbox exec runs a command in, and edit a file's check: the
 * configured limits, dir, its read-only paths (kept in ro, ros and fixed,
 * which the caller owns and frees) and off for --no-sandbox.
 */
static void
sandbox_for(struct rl_sandbox *sb, const char *dir, int off,
	struct rl_buf *ro, const char *ros[4], const char *fixed[3])
{
	rl_sandbox_limits(&cfg, sb);
	sb->dir = dir;
	rl_act_read_only(&cfg, dir, ro, ros, fixed);
	sb->ro = ros;
	sb->fixed = fixed;
	sb->off = off;
}

static int
cmd_exec(int argc, char **argv)
{
	struct rl_sandbox sb = {0};
	struct rl_sandbox_result r;
	struct rl_error e;
	struct rl_buf ro = {0}, in = {0};
	const char *dir = O.dir, *ros[4], *fixed[3];
	double secs = O.secs;
	int verbose = O.verbose, off = O.off, status, rc;

	(void)argc;
	sandbox_for(&sb, dir, off, &ro, ros, fixed);
	if (secs >= 0)
		sb.timeout_ms = (long long)(secs * 1000);
	/* stdin, unless it is a terminal, is the command's input */
	if (!isatty(0)) {
		if (rl_fs_read_fd(0, &in, INPUT_MAX) < 0) {
			rl_diag(NULL, 0, "io.read", "stdin: %s", strerror(errno));
			status = RL_EXIT_USAGE;
			goto out_free;
		}
		sb.input = in.data;
		sb.input_len = in.len;
	}
	if (off)
		fprintf(stderr, "%s: warning: --no-sandbox: %s runs with only "
		    "limits, a deadline and a clean environment\n", rl_prog,
		    argv[1]);
	rc = rl_sandbox_run(&sb, argv + 1, &r, &e);
	/* what it wrote, even when it was denied after running */
	if (r.out.len && rl_fs_write_all(1, r.out.data, r.out.len) < 0)
		rl_die(RL_EXIT_TEMP, "io.write", "stdout: cannot write");
	if (r.err.len && rl_fs_write_all(2, r.err.data, r.err.len) < 0)
		rl_die(RL_EXIT_TEMP, "io.write", "stderr: cannot write");
	if (rc < 0) {
		status = rl_error_report(&e, NULL);
		if (strcmp(e.code, "tool.not_found") == 0)
			status = 127;
		goto out;
	}
	if (r.out_bytes > r.out.len || r.err_bytes > r.err.len)
		rl_diag(NULL, 0, "tool.output_cut", "output over %zu bytes was cut: "
		    "stdout %llu bytes, stderr %llu", sb.out_cap, r.out_bytes, r.err_bytes);
	if (r.timed_out)
		rl_diag(NULL, 0, "tool.timeout", "%s ran past its deadline of %.1f s "
		    "and was killed", argv[1], (double)sb.timeout_ms / 1000);
	if (verbose)
		fprintf(stderr, "%s: sandbox: %s; %lld ms\n", rl_prog, r.layers, r.ms);
	status = rl_sandbox_status(&r);
out:
	rl_sandbox_result_free(&r);
out_free:
	rl_buf_free(&ro);
	rl_buf_free(&in);
	return status;
}

/* --- edit: what the edit tools run ------------------------------------- */

/*
 * Whether this process is confined already: under a seccomp filter with
 * no_new_privs, as every command in rl-act's sandbox is.  No sandbox can
 * be made inside one, and a check run from here is confined as this
 * process is; elsewhere a check runs in a sandbox of its own.
 */
static int
confined(void)
{
	return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2 &&
	    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
}

#ifdef __SANITIZE_ADDRESS__
/*
 * An ASan build's edit tools run this program in the sandbox, where
 * LeakSanitizer cannot stop the world (ptrace is denied) and would fail
 * every run, and where the environment holds no ASAN_OPTIONS.  Its leaks
 * are looked for where it runs outside, by hand.
 */
const char *__asan_default_options(void);

const char *
__asan_default_options(void)
{
	/* called before ASan is up: no intercepted function, so no prctl() */
	return syscall(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0, 0) == 2 ?
	    "detect_leaks=0" : "";
}
#endif

/* A check in the sandbox exec gives a command (rl_edit_runner). */
static int
run_check(void *ctx, char *const argv[], struct rl_buf *out)
{
	struct rl_sandbox_result r;
	struct rl_error e;
	int st = -1;

	if (rl_sandbox_run(ctx, argv, &r, &e) < 0) {
		rl_buf_printf(out, "%s: %s", e.code, e.message);
	} else {
		rl_buf_add(out, r.out.data ? r.out.data : "", r.out.len);
		rl_buf_add(out, r.err.data ? r.err.data : "", r.err.len);
		st = rl_sandbox_status(&r);
	}
	rl_sandbox_result_free(&r);
	return st;
}

/* edit's options: long names alone, so no letter means two things */
enum {
	E_NO_SANDBOX = RL_OPT_LONG + 32, E_CHECKS, E_PATCH, E_JSON, E_PATH,
	E_SEARCH, E_REPLACE, E_CONTENT
};

/* The edits the options and stdin give, into E; -1 after a diagnostic. */
static int
edits_in(int mode, const char *path, const char *search, const char *replace,
	const char *content, struct rl_edits *E)
{
	struct rl_buf in = {0};
	struct rl_json_err je;
	struct rl_error e;
	cJSON *doc = NULL;
	const char *text;
	int rc = 0;

	if (path && !content) {
		rl_edits_add(E, RL_EDIT_REPLACE, path, search, replace);
		return 0;
	}
	if ((!path || strcmp(content, "-") == 0) &&
	    rl_fs_read_fd(0, &in, RL_EDIT_REPLY_MAX) < 0) {
		if (errno == EFBIG)
			rl_diag("stdin", 0, "edit.too_large", "over %lu bytes: send "
			    "fewer, smaller edits; nothing was changed",
			    RL_EDIT_REPLY_MAX);
		else
			rl_diag("stdin", 0, "io.read", "%s", strerror(errno));
		rl_buf_free(&in);
		return -1;
	}
	text = in.data ? in.data : "";
	if (path) {
		rl_edits_add(E, RL_EDIT_WHOLE, path, NULL, strcmp(content, "-") ?
		    content : text);
	} else if (mode == E_JSON) {
		if (rl_json_parse(text, in.len, 64, &doc, &je) < 0)
			rc = rl_error_set(&e, "input.not_json", "%s at byte %zu",
			    je.message, je.offset);
		else
			rc = rl_edits_from_json(doc, E, &e);
	} else {
		rc = (mode == E_PATCH ? rl_edit_parse_patch : rl_edit_parse)(text,
		    in.len, E, &e);
	}
	if (rc < 0)
		rl_error_report(&e, "stdin");
	cJSON_Delete(doc);
	rl_buf_free(&in);
	return rc < 0 ? -1 : 0;
}

static int
edit(int argc, char **argv)
{
	static const struct option opts[] = {
		{"no-sandbox", no_argument, NULL, E_NO_SANDBOX},
		{"checks", required_argument, NULL, E_CHECKS},
		{"patch", no_argument, NULL, E_PATCH},
		{"json", no_argument, NULL, E_JSON},
		{"path", required_argument, NULL, E_PATH},
		{"search", required_argument, NULL, E_SEARCH},
		{"replace", required_argument, NULL, E_REPLACE},
		{"content", required_argument, NULL, E_CONTENT},
		{NULL, 0, NULL, 0}
	};
	const char *dir = ".", *path = NULL, *search = NULL, *replace = NULL;
	const char *content = NULL, *checks = NULL, *ros[4], *fixed[3], *msg;
	struct rl_edit_env env = {0};
	struct rl_edit_result *R = NULL;
	struct rl_edits E = {0};
	struct rl_sandbox sb = {0};
	struct rl_buf ro = {0};
	struct rl_json_err je;
	struct stat st;
	cJSON *doc = NULL, *o;
	size_t i, failed;
	int c, mode = 0, off = 0;

	while ((c = getopt_long(argc, argv, "+C:", opts, NULL)) != -1) {
		switch (c) {
		case 'C': dir = optarg; break;
		case E_NO_SANDBOX: off = 1; break;
		case E_CHECKS: checks = optarg; break;
		case E_PATCH: case E_JSON:
			if (mode && mode != c)
				return rl_cmd_usage(&A, RL_EXIT_USAGE);
			mode = c;
			break;
		case E_PATH: path = optarg; break;
		case E_SEARCH: search = optarg; break;
		case E_REPLACE: replace = optarg; break;
		case E_CONTENT: content = optarg; break;
		default: return rl_cmd_usage(&A, RL_EXIT_USAGE);
		}
	}
	if (optind < argc || (mode && path) || (!path && (search || replace ||
	    content)) || (path && !content == !(search && replace)) ||
	    (content && (search || replace)))
		return rl_cmd_usage(&A, RL_EXIT_USAGE);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		rl_diag(NULL, 0, "tool.no_repo", "-C %s: not a directory", dir);
		return RL_EXIT_USAGE;
	}
	if (checks && (rl_json_parse(checks, strlen(checks), 8, &doc, &je) < 0 ||
	    !cJSON_IsObject(doc))) {
		rl_diag(NULL, 0, "usage.bad_value", "--checks: a JSON object of "
		    "kind to command is needed, such as {\"c\": \"cc -fsyntax-only\"}");
		cJSON_Delete(doc);
		return RL_EXIT_USAGE;
	}
	if (edits_in(mode, path, search, replace, content, &E) < 0) {
		cJSON_Delete(doc);
		return RL_EXIT_FAIL;
	}
	env.dir = dir;
	env.checks = doc ? doc : rl_config_get(&cfg, "act.check");
	env.atomic = mode == E_PATCH;
	if (!confined()) {
		/* by hand: a check runs in the sandbox exec gives a command */
		sandbox_for(&sb, dir, off, &ro, ros, fixed);
		env.run = run_check;
		env.ctx = &sb;
		if (off)
			fprintf(stderr, "%s: warning: --no-sandbox: a file's check runs "
			    "with only limits, a deadline and a clean environment\n",
			    rl_prog);
	}
	failed = rl_edit_apply(&env, &E, &R);
	for (i = 0; i < E.n; i++) {
		o = rl_edit_result_json(&R[i]);
		rl_out_json(o);
		cJSON_Delete(o);
		/* the message's first line: the whole is in the result */
		msg = R[i].message ? R[i].message : "";
		if (R[i].code)
			rl_diag(R[i].path, 0, R[i].code, "%.*s", (int)strcspn(msg,
			    "\n"), msg);
		else if (*msg)
			fprintf(stderr, "%s: %s: warning: %.*s\n", rl_prog, R[i].path,
			    (int)strcspn(msg, "\n"), msg);
	}
	rl_edit_results_free(R, E.n);
	rl_edits_free(&E);
	rl_buf_free(&ro);
	cJSON_Delete(doc);
	return failed ? RL_EXIT_FAIL : RL_EXIT_OK;
}

/* rl-act edit ...; argv is main's. */
static int
cmd_edit(int argc, char **argv)
{
	int status;

	if (confined()) {
		/* in the sandbox the user's configuration, the state directory
		 * and a build variant's share directory are out of sight: the
		 * edit tools pass what an edit needs as arguments */
		rl_init(argv[0]);
		status = edit(argc - 1, argv + 1);
		return rl_exit_merge(status, rl_out_close());
	}
	rl_cmd_start(argv[0], &cfg);
	status = edit(argc - 1, argv + 1);
	return rl_cmd_finish(&cfg, NULL, status);
}

/* --- the stage: the act agent on the engine ----------------------------- */

/* The steps whose tool wants an argument the step does not give. */
static int
incomplete(const struct rl_tools *T, const cJSON *step)
{
	const struct rl_tool *t = rl_tools_find(T, rl_json_str(step, "tool"));
	const cJSON *req, *r, *args = cJSON_GetObjectItemCaseSensitive(step, "args");

	if (!t)
		return 0;     /* rl_act_baton says it is unknown */
	req = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    t->doc, "args"), "required");
	cJSON_ArrayForEach(r, req)
		if (cJSON_IsString(r) && !cJSON_GetObjectItemCaseSensitive(args,
		    r->valuestring))
			return 1;
	return 0;
}

static const cJSON *
steps_of(const cJSON *baton)
{
	return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    baton, "plan"), "steps");
}

/* Whether the step waits for the model: arguments lacking, and no edits
 * of a reply given yet (rl_act_until's ask). */
static int
needs_model(void *arg, const cJSON *step)
{
	struct rl_agent_run *R = arg;

	return incomplete(&R->tools, step) &&
	    !cJSON_GetObjectItemCaseSensitive(step, "edits");
}

/* An editing step: its text comes from the model as SEARCH/REPLACE. */
static int
editing(const cJSON *step)
{
	const char *t = rl_json_str(step, "tool");

	return t && (strcmp(t, "edit_file") == 0 || strcmp(t, "write_file") == 0 ||
	    strcmp(t, "apply_patch") == 0);
}

/* The index of the step whose turn it is to be asked for, or -1. */
static int
waiting(struct rl_agent_run *R, const cJSON *baton)
{
	const cJSON *s;
	int i = 0;

	cJSON_ArrayForEach(s, steps_of(baton)) {
		if (!rl_act_done(baton, i) && needs_model(R, s))
			return i;
		i++;
	}
	return -1;
}

static long
iter_of(const cJSON *baton)
{
	return (long)rl_json_num(baton, "iter", 0);
}

static int
run(struct rl_agent_run *R, cJSON *baton, struct rl_error *e)
{
	struct rl_act A = {R->cfg, &R->tools, R->mem, &R->sb, R->dir, "act"};
	int wait, failed = rl_act_until(&A, baton, needs_model, R, &wait, e);

	if (failed < 0)
		return -1;
	return wait >= 0 ? 0 : failed ? 2 : 1;
}

/* Run the steps up to the first that needs the model; then ask it for
 * that step alone. */
static int
local(struct rl_agent_run *R, cJSON *baton, struct rl_error *e)
{
	/* --dry-run runs nothing: the prompt of the first step to ask for */
	if (R->dry_run)
		return waiting(R, baton) >= 0 ? 0 : 1;
	return run(R, baton, e);
}

/* The editing request's reply is text: SEARCH/REPLACE blocks. */
static int
text(struct rl_agent_run *R, const cJSON *baton)
{
	int k = waiting(R, baton);

	return k >= 0 && editing(cJSON_GetArrayItem(steps_of(baton), k));
}

/* Append s (n bytes) to p, at most max: its head and tail, and what was
 * left out with how to read it. */
static void
capped(struct rl_buf *p, const char *s, size_t n, size_t max)
{
	size_t head, tail;

	if (n <= max) {
		rl_buf_add(p, s, n);
		return;
	}
	head = rl_utf8_prefix(s, max / 2);
	tail = max / 2;
	while (tail < n && ((unsigned char)s[n - tail] & 0xc0) == 0x80)
		tail--;
	rl_buf_add(p, s, head);
	rl_buf_printf(p, "\n[... %zu characters left out: plan a read_file "
	    "step with start and end to read a range ...]\n", n - head - tail);
	rl_buf_add(p, s + n - tail, tail);
}

/* What an edit step's failed blocks were told, from its stdout (one
 * result a line, as `rl-act edit` prints them). */
static void
edit_feedback(const char *out, struct rl_buf *p)
{
	cJSON *results = cJSON_CreateArray(), *o;
	const char *nl;

	for (; out && *out; out = nl ? nl + 1 : "") {
		nl = strchr(out, '\n');
		o = cJSON_ParseWithLength(out, nl ? (size_t)(nl - out) : strlen(out));
		if (o)
			cJSON_AddItemToArray(results, o);
	}
	rl_edit_feedback(results, p);
	cJSON_Delete(results);
}

/* The observations of this iteration, each capped. */
static void
observations(struct rl_agent_run *R, const cJSON *baton, struct rl_buf *p)
{
	size_t max = (size_t)rl_config_num(R->cfg, "act.observation_chars", 10000);
	const cJSON *o, *err, *all = cJSON_GetObjectItemCaseSensitive(baton,
	    "observations");
	struct rl_buf one = {0}, whole = {0};
	const char *out, *errs;
	int n = 0;

	cJSON_ArrayForEach(o, all) {
		if (rl_json_num(o, "iter", -1) != iter_of(baton))
			continue;
		if (!n++)
			rl_buf_adds(p, "\nWhat the steps before observed:\n");
		one.len = 0;
		rl_buf_printf(&one, "step %d: %s", (int)rl_json_num(o, "step", -1),
		    rl_json_str(o, "tool") ? rl_json_str(o, "tool") : "?");
		if ((err = cJSON_GetObjectItemCaseSensitive(o, "error")))
			rl_buf_printf(&one, ", not run: %s: %s\n", rl_json_str(err,
			    "code"), rl_json_str(err, "message"));
		else
			rl_buf_printf(&one, ", exit %d\n", (int)rl_json_num(o, "exit", -1));
		out = rl_json_str(o, "stdout");
		errs = rl_json_str(o, "stderr");
		if (cJSON_GetObjectItemCaseSensitive(o, "edits") &&
		    rl_json_num(o, "exit", 0) != 0) {
			/* every result whole: the baton's stdout may be cut */
			whole.len = 0;
			if (rl_json_str(o, "stdout_key") && R->mem && rl_mem_get(R->mem,
			    "act", rl_json_str(o, "stdout_key"), &whole, NULL) == 0)
				out = whole.data;
			edit_feedback(out, &one);
		}
		else if (out && *out)
			rl_buf_printf(&one, "stdout:\n%s\n", out);
		if (errs && *errs)
			rl_buf_printf(&one, "stderr:\n%s\n", errs);
		capped(p, one.data, one.len, max);
	}
	rl_buf_free(&one);
	rl_buf_free(&whole);
}

/* The exact current text of the file an editing step targets, read now
 * (after the earlier steps' edits); a long one as code windows. */
static void
target(struct rl_agent_run *R, const cJSON *baton, const cJSON *step,
	struct rl_buf *p)
{
	const char *path = rl_json_str(cJSON_GetObjectItemCaseSensitive(step,
	    "args"), "path"), *dir = rl_json_str(baton, "repo");
	struct rl_buf full = {0}, text = {0};
	char *real = NULL, *root = NULL;
	size_t n;

	if (!dir)
		dir = R->dir;
	if (path)
		rl_buf_printf(&full, "%s/%s", dir, path);
	/* only a file inside the repository is shown */
	if (path && (real = realpath(full.data, NULL)) &&
	    (root = realpath(dir, NULL)) && (n = strlen(root)) &&
	    strncmp(real, root, n) == 0 && real[n] == '/' &&
	    rl_fs_read_regular(real, &text, FILE_SHOW) == 0) {
		rl_buf_printf(p, "\nThe current text of %s:\n````\n%s%s````\n",
		    path, text.data ? text.data : "", text.len &&
		    text.data[text.len - 1] != '\n' ? "\n" : "");
	} else if (path && !real && errno == ENOENT) {
		rl_buf_printf(p, "\n%s does not exist yet: an empty SEARCH makes "
		    "it.\n", path);
	} else {
		/* too long, or no path: the windows of what the step names */
		full.len = 0;
		rl_buf_printf(&full, "%s\n%s\n", path ? path : "",
		    rl_json_str(step, "goal") ? rl_json_str(step, "goal") : "");
		rl_agent_code(R, baton, full.data, 1, p);
	}
	free(real);
	free(root);
	rl_buf_free(&full);
	rl_buf_free(&text);
}

/* The step whose turn it is: its goal, what the steps before observed,
 * and for an edit the current text of its file; else its tool's
 * argument schema. */
static void
context(struct rl_agent_run *R, const cJSON *baton, struct rl_buf *p)
{
	int k = waiting(R, baton);
	const cJSON *s = cJSON_GetArrayItem(steps_of(baton), k), *args, *fb;
	const char *goal;

	if (!s)
		return;
	goal = rl_json_str(s, "goal");
	args = cJSON_GetObjectItemCaseSensitive(s, "args");
	rl_buf_printf(p, "\nStep %d: %s, goal: %s, given: ", k,
	    rl_json_str(s, "tool"), goal ? goal : "");
	if (args)
		rl_json_print(args, p);
	else
		rl_buf_adds(p, "{}");
	rl_buf_addc(p, '\n');
	if ((fb = cJSON_GetObjectItemCaseSensitive(baton, "feedback")) &&
	    rl_json_str(fb, "reason"))
		rl_buf_printf(p, "Feedback on the run before (%s): %s\n",
		    rl_json_str(fb, "verdict"), rl_json_str(fb, "reason"));
	observations(R, baton, p);
	if (editing(s)) {
		target(R, baton, s, p);
		rl_buf_adds(p, "\nReply with the edits as SEARCH/REPLACE blocks "
		    "(the path on its own line, <<<<<<< SEARCH, the exact current "
		    "lines, =======, the new lines, >>>>>>> REPLACE), as many as "
		    "the goal needs, for one or more files; or a unified diff. "
		    "No JSON.\n");
		return;
	}
	rl_buf_adds(p, "Its tool's argument schema: ");
	rl_json_print(cJSON_GetObjectItemCaseSensitive(rl_tools_find(&R->tools,
	    rl_json_str(s, "tool"))->doc, "args"), p);
	rl_buf_printf(p, "\nReply {\"steps\": [{\"step\": %d, \"args\": {...}}]}.\n",
	    k);
}

/* The edits of an editing reply: SEARCH/REPLACE blocks, or else a
 * unified diff; 0, or -1 with e set. */
static int
edits_of(const char *text, struct rl_edits *E, struct rl_error *e)
{
	if (rl_edit_parse(text, strlen(text), E, e) >= 0)
		return 0;
	return rl_edit_parse_patch(text, strlen(text), E, e) < 0 ? -1 : 0;
}

/* An editing reply holds edits; each step given is the one asked for,
 * with valid arguments. */
static int
check(struct rl_agent_run *R, const cJSON *baton, const cJSON *reply,
	cJSON *errs)
{
	struct rl_edits E = {0};
	struct rl_error err;
	const cJSON *r, *s;
	cJSON *e, *x;
	int ok = 1;

	if (cJSON_IsString(reply)) {
		if (edits_of(reply->valuestring, &E, &err) < 0) {
			rl_agent_error(errs, "", "edits", err.message);
			ok = 0;
		}
		rl_edits_free(&E);
		return ok;
	}
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(reply, "steps")) {
		s = cJSON_GetArrayItem(steps_of(baton), (int)rl_json_num(r, "step", -1));
		e = cJSON_CreateArray();
		if (!s || !needs_model(R, s)) {
			rl_agent_error(errs, "/steps", "step", "names a step that "
			    "lacks no arguments");
			ok = 0;
		} else if (!rl_schema_check(rl_tools_find(&R->tools,
		    rl_json_str(s, "tool"))->args, cJSON_GetObjectItemCaseSensitive(
		    r, "args"), e, 5)) {
			while ((x = cJSON_DetachItemViaPointer(e, e->child)))
				cJSON_AddItemToArray(errs, x);
			ok = 0;
		}
		cJSON_Delete(e);
	}
	return ok;
}

/* Tries of an editing step k in this iteration: its observations with
 * edits. */
static int
tries(const cJSON *baton, int k)
{
	const cJSON *o;
	int n = 0;

	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(baton,
	    "observations"))
		n += rl_json_num(o, "step", -1) == k && rl_json_num(o, "iter", -1) ==
		    iter_of(baton) && cJSON_GetObjectItemCaseSensitive(o, "edits");
	return n;
}

/* The edits of a text reply go to the step asked for (the baton keeps
 * them as JSON); a JSON reply's arguments to its steps.  Then the plan
 * runs on to the next step that needs the model (next stays "act": the
 * engine asks for it at once, or with --hand-back the ring hands the
 * baton back, journaled) or to its end.  An edit that
 * failed is asked again, with why and the fresh text, up to
 * act.edit_retries times. */
static int
apply(struct rl_agent_run *R, cJSON *baton, cJSON *reply, struct rl_error *e)
{
	cJSON *steps = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(baton, "plan"), "steps"), *r, *s;
	struct rl_edits E = {0};
	struct rl_error pe;
	int k = waiting(R, baton), rc;

	if (cJSON_IsString(reply)) {
		s = cJSON_GetArrayItem(steps, k);
		edits_of(reply->valuestring, &E, &pe);
		rl_json_set(s, "edits", rl_edits_json(&E));
		rl_edits_free(&E);
	} else {
		cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(reply,
		    "steps")) {
			s = cJSON_GetArrayItem(steps, (int)rl_json_num(r, "step", -1));
			cJSON_DeleteItemFromObjectCaseSensitive(s, "args");
			cJSON_AddItemToObject(s, "args",
			    cJSON_DetachItemFromObjectCaseSensitive(r, "args"));
		}
	}
	cJSON_Delete(reply);
	rc = run(R, baton, e);
	s = cJSON_GetArrayItem(steps, k);
	if (rc < 0 || !s || !cJSON_GetObjectItemCaseSensitive(s, "edits"))
		return rc < 0 ? -1 : 0;
	/* the observation keeps the edits; a try again asks anew */
	cJSON_DeleteItemFromObjectCaseSensitive(s, "edits");
	if (!rl_act_done(baton, k) && tries(baton, k) <= (int)rl_config_num(
	    R->cfg, "act.edit_retries", 3))
		rl_json_set(baton, "next", cJSON_CreateString("act"));
	return 0;
}

static const struct rl_agent act = {
	.name = "act",
	.flags = RL_AGENT_TOOLS | RL_AGENT_SANDBOX | RL_AGENT_LAZY |
	    RL_AGENT_AGAIN,
	.local = local,
	.context = context,
	.check = check,
	.apply = apply,
	.text = text,
};

/* --- the catalog ------------------------------------------------------- */

static int
cmd_tools(int check)
{
	struct rl_tools T = {0};
	const cJSON *p;
	cJSON *o, *missing;
	size_t i;
	int tty = isatty(1) && !check, bad = 0, ok;

	bad = rl_tools_load(&cfg, &T);
	if (tty)
		printf("%-14s %-8s %-4s %-7s %s\n", "TOOL", "VERSION", "ON", "WRITES",
		    "REQUIREMENTS");
	for (i = 0; i < T.n; i++) {
		missing = cJSON_CreateArray();
		ok = rl_tool_requirements(&T.t[i], missing);
		if (check && !ok && T.t[i].enabled) {
			cJSON_ArrayForEach(p, missing)
				rl_diag(T.t[i].path, 0, "tool.missing", "%s", p->valuestring);
			bad++;
		}
		if (tty) {
			printf("%-14s %-8s %-4s %-7s %s\n", T.t[i].name, T.t[i].version,
			    T.t[i].enabled ? "yes" : "no", T.t[i].writes ? "yes" : "no",
			    ok ? "met" : cJSON_GetArrayItem(missing, 0)->valuestring);
		} else if (!check) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", T.t[i].name);
			cJSON_AddStringToObject(o, "version", T.t[i].version);
			cJSON_AddStringToObject(o, "description", T.t[i].description);
			cJSON_AddBoolToObject(o, "enabled", T.t[i].enabled);
			cJSON_AddBoolToObject(o, "writes", T.t[i].writes);
			cJSON_AddBoolToObject(o, "requirements_met", ok);
			cJSON_AddItemToObject(o, "missing", missing);
			missing = NULL;
			cJSON_AddItemToObject(o, "agents", cJSON_Duplicate(
			    cJSON_GetObjectItemCaseSensitive(T.t[i].doc, "agents"), 1));
			cJSON_AddItemToObject(o, "args", cJSON_Duplicate(
			    cJSON_GetObjectItemCaseSensitive(T.t[i].doc, "args"), 1));
			cJSON_AddStringToObject(o, "file", T.t[i].path);
			rl_out_json(o);
			cJSON_Delete(o);
		}
		cJSON_Delete(missing);
	}
	cJSON_ArrayForEach(p, T.problems)
		rl_diag(rl_json_str(p, "file"), 0, rl_json_str(p, "code"), "%s",
		    rl_json_str(p, "message"));
	if (check && !bad)
		fprintf(stderr, "%s: %zu tools, every manifest valid and every "
		    "requirement met\n", rl_prog, T.n);
	rl_tools_free(&T);
	return check && bad ? RL_EXIT_FAIL : RL_EXIT_OK;
}

static int cmd_tools(int check);

/* Without a subcommand: --tools or --check-tools, alone; else the stage,
 * which main hands to the engine before this table is used. */
static int
catalog(int argc, char **argv)
{
	(void)argv;
	if (argc > 1 || A.nseen > 1)
		return rl_cmd_usage(&A, RL_EXIT_USAGE);
	return cmd_tools(O.tools == OPT_CHECK_TOOLS);
}

static const struct rl_cmd_sub subs[] = {
	{"exec", cmd_exec, 1, -1, "directory timeout verbose no-sandbox"},
	{"", catalog, 0, -1, "directory provider model jobs dry-run no-sandbox "
	    "hand-back tools check-tools"},
	{NULL, NULL, 0, 0, NULL}
};

/* An option's value, checked; -1 after saying what is wrong. */
static int
option(int c)
{
	switch (c) {
	case 'C': O.dir = optarg; break;
	case 'v': O.verbose = 1; break;
	case OPT_NO_SANDBOX: O.off = 1; break;
	case OPT_TOOLS:
	case OPT_CHECK_TOOLS: O.tools = c; break;
	case 't':
		if (rl_dur_parse(optarg, &O.secs) < 0) {
			rl_diag(NULL, 0, "usage.bad_value", "-t %s: not a duration",
			    optarg);
			return -1;
		}
		break;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const struct rl_cmd_sub *sub = NULL;
	char **av = rl_xmalloc((size_t)(argc + 1) * sizeof *av);
	int c;

	/* edit takes its own options (rl-act edit -h) */
	if (argc > 1 && strcmp(argv[1], "edit") == 0) {
		free(av);
		rl_proc_exec_dir(argv[0]);
		return cmd_edit(argc, argv);
	}
	rl_proc_exec_dir(argv[0]);     /* {rl:act} in a tool's argv */
	/* the engine reads argv again, as it came: parse a copy */
	memcpy(av, argv, (size_t)(argc + 1) * sizeof *av);
	rl_init(argv[0]);
	while ((c = rl_cmd_getopt(&A, argc, av)) != -1)
		if (option(c) < 0) {
			A.status = RL_EXIT_USAGE;
			break;
		}
	if (A.status < 0 && !(sub = rl_cmd_sub(subs, &A, "")))
		A.status = RL_EXIT_USAGE;
	if (A.status < 0 && sub->run == catalog && !O.tools) {
		free(av);
		return rl_agent_main(&act, argc, argv);
	}
	if (A.status < 0) {
		rl_cmd_start(argv[0], &cfg);
		A.status = rl_cmd_finish(&cfg, NULL, sub->run(A.sargc, A.sargv));
	}
	free(av);
	return A.status;
}
