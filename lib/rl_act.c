/* rl_act.c - run a baton's planned steps; see rl_act.h. */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rl_act.h"
#include "rl_json.h"
#include "rl_metrics.h"
#include "rl_recover.h"
#include "rl_text.h"

/* --- has the tree changed: a hash of every file's name, size, time ----- */

static uint64_t tree_hash;

static void
mix(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--) {
		tree_hash ^= *c++;
		tree_hash *= 1099511628211ULL;      /* FNV-1a */
	}
}

static int
visit(const char *path, const struct stat *st, int type, struct FTW *f)
{
	if (type == FTW_D && strcmp(path + f->base, ".git") == 0)
		return FTW_SKIP_SUBTREE;
	mix(path, strlen(path) + 1);
	mix(&st->st_size, sizeof st->st_size);
	mix(&st->st_mtim, sizeof st->st_mtim);
	mix(&st->st_mode, sizeof st->st_mode);
	return FTW_CONTINUE;
}

static uint64_t
tree_state(const char *dir)
{
	tree_hash = 14695981039346656037ULL;
	if (nftw(dir, visit, 64, FTW_PHYS | FTW_ACTIONRETVAL) != 0)
		return 0;
	return tree_hash;
}

/* --- the policy --------------------------------------------------------- */

void
rl_act_read_only(const struct rl_config *cfg, const char *dir,
	struct rl_buf *buf, const char *ro[4], const char *fixed[3])
{
	size_t redline, state;

	rl_buf_printf(buf, "%s/.git", dir);
	rl_buf_addc(buf, 0);
	redline = buf->len;
	rl_buf_printf(buf, "%s/.redline", dir);
	rl_buf_addc(buf, 0);
	state = buf->len;
	rl_config_state_dir(cfg, buf);
	rl_buf_addc(buf, 0);
	ro[0] = fixed[0] = buf->data;
	ro[1] = fixed[1] = buf->data + redline;
	ro[2] = buf->data + state;
	ro[3] = fixed[2] = NULL;
}

/* --- one step ---------------------------------------------------------- */

static void
step_error(cJSON *obs, const struct rl_error *e)
{
	cJSON *err = cJSON_AddObjectToObject(obs, "error");

	cJSON_AddStringToObject(err, "code", e->code);
	cJSON_AddStringToObject(err, "message", e->message);
	rl_metrics_count(e->code, e->message);     /* for rl-stats errors */
}

/* stdout or stderr into obs: the first RL_ACT_KEEP bytes, all of it in
 * the memory store when that was cut. */
static void
keep_stream(const struct rl_act *A, cJSON *obs, const char *which,
	const struct rl_buf *b, unsigned long long total, const char *id,
	long iter, int step)
{
	struct rl_buf fixed = {0}, v = {0}, key = {0};
	char name[32];
	size_t n = b->len < RL_ACT_KEEP ? b->len : RL_ACT_KEEP, i;

	/* never cut inside a UTF-8 sequence, and keep the baton valid JSON
	 * text whatever a tool wrote: invalid UTF-8 and NUL bytes become
	 * U+FFFD (the whole output, as it was, is in the memory store) */
	while (n > 0 && n < b->len && ((unsigned char)b->data[n] & 0xc0) == 0x80)
		n--;
	rl_utf8_repair(b->data ? b->data : "", n, &fixed);
	for (i = 0; i < fixed.len; i++)
		if (fixed.data[i])
			rl_buf_addc(&v, fixed.data[i]);
		else
			rl_buf_adds(&v, "\xef\xbf\xbd");
	cJSON_AddStringToObject(obs, which, v.data ? v.data : "");
	snprintf(name, sizeof name, "%s_bytes", which);
	cJSON_AddNumberToObject(obs, name, (double)total);
	/* the whole output, when the baton holds less or other than it */
	if ((n < b->len || v.len != n || (n && memcmp(v.data, b->data, n))) &&
	    A->mem) {
		rl_buf_printf(&key, "%s/%ld/%d/%s", id, iter, step, which);
		if (rl_mem_put(A->mem, "act", key.data, b->data, b->len, 0, NULL) == 0) {
			snprintf(name, sizeof name, "%s_key", which);
			cJSON_AddStringToObject(obs, name, key.data);
		}
	}
	rl_buf_free(&fixed);
	rl_buf_free(&key);
	rl_buf_free(&v);
}

static void
log_run(const char *tool, const struct rl_sandbox_result *r, int failed)
{
	cJSON *f = cJSON_CreateObject();

	cJSON_AddStringToObject(f, "tool", tool);
	cJSON_AddNumberToObject(f, "ms", (double)r->ms);
	cJSON_AddNumberToObject(f, "exit", r->exit_code);
	cJSON_AddNumberToObject(f, "signal", r->signal);
	cJSON_AddBoolToObject(f, "timed_out", r->timed_out);
	cJSON_AddNumberToObject(f, "bytes_out", (double)r->out_bytes);
	cJSON_AddNumberToObject(f, "bytes_err", (double)r->err_bytes);
	cJSON_AddBoolToObject(f, "failed", failed);
	rl_metrics_event("tool", f);
}

/* Run step i; 1 when it failed. */
static int
run_step(const struct rl_act *A, const cJSON *step, int i, const char *dir,
	const char *id, long iter, cJSON *obs)
{
	const cJSON *edits = cJSON_GetObjectItemCaseSensitive(step, "edits");
	const char *name = edits ? RL_ACT_EDITS : rl_json_str(step, "tool");
	const struct rl_tool *t = rl_tools_find(A->tools, name);
	struct rl_sandbox sb = *A->policy;
	struct rl_sandbox_result r = {0};
	struct rl_error e;
	struct rl_buf in = {0}, ro = {0};
	cJSON *missing = cJSON_CreateArray(), *av, *args = NULL;
	const char *ros[4], *fixed[3];
	char **argv = NULL;
	uint64_t before;
	int failed = 1, k;

	cJSON_AddNumberToObject(obs, "step", i);
	cJSON_AddNumberToObject(obs, "iter", (double)iter);
	cJSON_AddStringToObject(obs, "tool", name ? name : "");
	if (edits)
		cJSON_AddItemToObject(obs, "edits", cJSON_Duplicate(edits, 1));
	rl_metrics_context("tool", name);
	if (!t || !t->enabled || !rl_tool_allowed(t, A->agent)) {
		rl_error_set(&e, "tool.denied", !name ? "the step names no tool" :
		    !t ? "no tool is called '%s'" : !t->enabled ? "tool '%s' is turned "
		    "off (tools.enable turns it on)" : "the %s agent may not use '%s'",
		    !t || !t->enabled ? name : A->agent, name);
		step_error(obs, &e);
		goto out;
	}
	if (!rl_tool_requirements(t, missing)) {
		rl_error_set(&e, "tool.missing", "%s: %s", name,
		    cJSON_GetArrayItem(missing, 0)->valuestring);
		step_error(obs, &e);
		goto out;
	}
	if (edits) {
		args = cJSON_CreateObject();
		cJSON_AddItemToObject(args, "edits", cJSON_Duplicate(edits, 1));
	}
	k = rl_tool_argv(t, edits ? args : cJSON_GetObjectItemCaseSensitive(step,
	    "args"), A->cfg, &argv, &in, &e);
	cJSON_Delete(args);
	if (k < 0) {
		step_error(obs, &e);
		goto out;
	}
	av = cJSON_AddArrayToObject(obs, "argv");
	for (k = 0; argv[k]; k++)
		cJSON_AddItemToArray(av, cJSON_CreateString(argv[k]));
	sb.dir = dir;
	rl_act_read_only(A->cfg, dir, &ro, ros, fixed);
	sb.ro = ros;
	sb.fixed = fixed;
	sb.input = in.data;
	sb.input_len = in.len;
	if (t->timeout > 0)
		sb.timeout_ms = (long long)(t->timeout * 1000);
	if (t->output_bytes > 0)
		sb.out_cap = (size_t)t->output_bytes;
	rl_recover_begin(A->mem, dir, id, obs);
	before = tree_state(dir);
	k = rl_sandbox_run(&sb, argv, &r, &e);
	rl_recover_end(A->mem, id);
	if (k < 0) {
		step_error(obs, &e);
		goto out;
	}
	/* as a shell says it: 124 at the deadline, 128 + a signal */
	cJSON_AddNumberToObject(obs, "exit", rl_sandbox_status(&r));
	cJSON_AddNumberToObject(obs, "signal", r.signal);
	cJSON_AddBoolToObject(obs, "timed_out", r.timed_out);
	cJSON_AddNumberToObject(obs, "ms", (double)r.ms);
	keep_stream(A, obs, "stdout", &r.out, r.out_bytes, id, iter, i);
	keep_stream(A, obs, "stderr", &r.err, r.err_bytes, id, iter, i);
	cJSON_AddBoolToObject(obs, "changed", before != tree_state(dir));
	cJSON_AddStringToObject(obs, "sandbox", r.layers);
	failed = rl_sandbox_status(&r) != 0;
	log_run(name, &r, failed);
out:
	rl_metrics_context("tool", NULL);
	rl_sandbox_result_free(&r);
	cJSON_Delete(missing);
	free(argv);
	rl_buf_free(&in);
	rl_buf_free(&ro);
	return failed;
}

/* Whether step i already ran, and exited 0, in iteration iter: a baton
 * sent back to act (feedback's "continue", or a resumed run) runs only
 * what is left, so no step is applied twice. */
static int
done_before(const cJSON *all, int i, long iter)
{
	const cJSON *o, *x;

	cJSON_ArrayForEach(o, all) {
		x = cJSON_GetObjectItemCaseSensitive(o, "exit");
		if (cJSON_IsNumber(x) && x->valuedouble == 0 &&
		    rl_json_num(o, "step", -1) == i &&
		    rl_json_num(o, "iter", -1) == iter &&
		    !cJSON_GetObjectItemCaseSensitive(o, "error"))
			return 1;
	}
	return 0;
}

int
rl_act_done(const cJSON *baton, int i)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(baton, "iter");

	return done_before(cJSON_GetObjectItemCaseSensitive(baton,
	    "observations"), i, cJSON_IsNumber(it) ? (long)it->valuedouble : 0);
}

int
rl_act_step(const struct rl_act *A, const cJSON *step, int i,
	const char *dir, const char *id, long iter, cJSON *obs)
{
	return run_step(A, step, i, dir, id, iter, obs);
}

int
rl_act_baton(const struct rl_act *A, cJSON *baton, struct rl_error *e)
{
	int wait;

	return rl_act_until(A, baton, NULL, NULL, &wait, e);
}

int
rl_act_until(const struct rl_act *A, cJSON *baton,
	int (*ask)(void *arg, const cJSON *step), void *arg, int *wait,
	struct rl_error *e)
{
	const cJSON *steps = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(baton, "plan"), "steps"), *s;
	const char *dir = rl_json_str(baton, "repo"), *id = rl_json_str(baton, "id");
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(baton, "iter");
	long iter = cJSON_IsNumber(it) ? (long)it->valuedouble : 0;
	cJSON *all = cJSON_GetObjectItemCaseSensitive(baton, "observations"), *obs;
	struct stat st;
	int i = 0, failed = 0;

	*wait = -1;
	if (!cJSON_IsArray(steps))
		return rl_error_set(e, "validate.schema", "the baton has no plan.steps "
		    "array to act on");
	if (!dir)
		dir = A->dir;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return rl_error_set(e, "tool.no_repo", "repository %s is not a "
		    "directory", dir);
	if (!cJSON_IsArray(all)) {
		cJSON_DeleteItemFromObjectCaseSensitive(baton, "observations");
		all = cJSON_AddArrayToObject(baton, "observations");
	}
	cJSON_ArrayForEach(s, steps) {
		if (done_before(all, i, iter)) {
			i++;
			continue;
		}
		if (ask && ask(arg, s)) {
			*wait = i;     /* the model's turn: next stays as it is */
			return 0;
		}
		obs = cJSON_CreateObject();
		cJSON_AddItemToArray(all, obs);
		if (cJSON_IsObject(s) && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(
		    s, "goal")))
			cJSON_AddStringToObject(obs, "goal", rl_json_str(s, "goal"));
		if (run_step(A, s, i++, dir, id ? id : "baton", iter, obs)) {
			failed++;
			break;     /* what follows depends on this step */
		}
	}
	cJSON_DeleteItemFromObjectCaseSensitive(baton, "next");
	cJSON_AddStringToObject(baton, "next", "feedback");
	return failed;
}
