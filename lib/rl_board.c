/* rl_board.c - the status lines and summaries of `redline run`; see
 * rl_board.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rl_board.h"
#include "rl_budget.h"
#include "rl_buf.h"
#include "rl_edit.h"
#include "rl_json.h"
#include "rl_proc.h"
#include "rl_text.h"
#include "rl_tty.h"

#define ID_MAX 128

struct view {                  /* a task, as its line shows it */
	char id[ID_MAX + 1];
	char task[160];            /* its words */
	char stage[16];            /* where it is: a stage, or "retrying" */
	long long t0;              /* mono ms it was first seen in this run */
	double iter, tokens;
	struct rl_progress wait;   /* what its stage waits for; what "": none */
	long long until;           /* mono ms of the next try */
	char note[160];            /* retrying: after what */
};

struct rl_board {
	struct view *v;
	size_t n, cap;
	struct rl_buf sums;        /* the summaries of the tasks that ended */
};

struct rl_board *
rl_board_open(void)
{
	struct rl_board *B;

	if (!rl_tty_open())
		return NULL;
	B = rl_xcalloc(1, sizeof *B);
	return B;
}

static struct view *
find(struct rl_board *B, const char *id)
{
	size_t i;

	for (i = 0; id && i < B->n; i++)
		if (strcmp(B->v[i].id, id) == 0)
			return &B->v[i];
	return NULL;
}

/* The view of baton's task, made when it is new. */
static struct view *
view_of(struct rl_board *B, const cJSON *baton)
{
	const char *id = rl_json_str(baton, "id"), *task;
	struct view *v;

	if (!id)
		return NULL;
	if ((v = find(B, id)))
		return v;
	if (B->n == B->cap) {
		B->cap = B->cap ? 2 * B->cap : 8;
		B->v = rl_xrealloc(B->v, B->cap * sizeof *B->v);
	}
	v = &B->v[B->n++];
	memset(v, 0, sizeof *v);
	snprintf(v->id, sizeof v->id, "%s", id);
	task = rl_json_str(baton, "task");
	snprintf(v->task, sizeof v->task, "%s", task ? task : "");
	v->task[rl_utf8_prefix(v->task, 60)] = '\0';
	v->t0 = rl_proc_mono_ms();
	return v;
}

void
rl_board_stage(struct rl_board *B, const cJSON *baton, const char *stage)
{
	struct view *v;

	if (!B || !(v = view_of(B, baton)))
		return;
	snprintf(v->stage, sizeof v->stage, "%s", stage);
	v->iter = rl_json_num(baton, "iter", 0);
	v->tokens = rl_budget_tokens(cJSON_GetObjectItemCaseSensitive(baton,
	    "usage"));
	v->wait.what[0] = v->note[0] = '\0';
}

void
rl_board_wait(struct rl_board *B, const char *stage,
	const struct rl_progress *ev)
{
	size_t i;
	struct view *v;

	for (i = 0; B && i < B->n; i++) {
		v = &B->v[i];
		if (*ev->id ? strcmp(v->id, ev->id) != 0 :
		    strcmp(v->stage, stage) != 0)
			continue;
		v->wait = *ev;
		v->until = rl_proc_mono_ms() + ev->ms;
	}
}

void
rl_board_retry(struct rl_board *B, const char *id, const cJSON *err,
	int attempt, int of)
{
	struct view *v;

	if (!B || !(v = find(B, id)))
		return;
	snprintf(v->stage, sizeof v->stage, "retrying");
	v->wait.what[0] = '\0';
	snprintf(v->note, sizeof v->note, "after %s (attempt %d of %d)",
	    rl_json_str(err, "code") ? rl_json_str(err, "code") : "an error",
	    attempt, of);
}

void
rl_board_drop(struct rl_board *B, const char *id)
{
	struct view *v;

	if (!B || !(v = find(B, id)))
		return;
	*v = B->v[--B->n];
}

/* An elapsed time that changes every second: 12s, 2m05s, 1h02m. */
static void
elapsed(long long ms, char *out, size_t size)
{
	long long s = ms < 0 ? 0 : ms / 1000;

	if (s < 60)
		snprintf(out, size, "%llds", s);
	else if (s < 3600)
		snprintf(out, size, "%lldm%02llds", s / 60, s % 60);
	else
		snprintf(out, size, "%lldh%02lldm", s / 3600, s / 60 % 60);
}

void
rl_board_end(struct rl_board *B, const cJSON *baton)
{
	const char *id = rl_json_str(baton, "id");
	struct view *v;

	if (!B)
		return;
	v = find(B, id);
	if (B->sums.len)
		rl_buf_addc(&B->sums, '\n');
	rl_board_summary(baton, v ? rl_proc_mono_ms() - v->t0 : -1, &B->sums);
	if (v)
		rl_board_drop(B, id);
}

void
rl_board_draw(struct rl_board *B, unsigned long waiting)
{
	struct rl_buf *rows;
	const char **lines;
	char t[32];
	long long now = rl_proc_mono_ms();
	size_t i, n;

	if (!B)
		return;
	n = B->n + (waiting > 0);
	rows = rl_xcalloc(n + 1, sizeof *rows);
	lines = rl_xcalloc(n + 1, sizeof *lines);
	for (i = 0; i < B->n; i++) {
		const struct view *v = &B->v[i];

		elapsed(now - v->t0, t, sizeof t);
		rl_buf_printf(&rows[i], "%-9s iter %-2.0f %7.0f tokens %6s  ",
		    v->stage, v->iter, v->tokens, t);
		if (v->wait.what[0]) {
			rl_progress_text(&v->wait, v->until - now, &rows[i]);
			rl_buf_adds(&rows[i], ": ");
		}
		rl_buf_adds(&rows[i], v->task);
		if (v->note[0])
			rl_buf_printf(&rows[i], ": %s", v->note);
		lines[i] = rows[i].data;
	}
	if (waiting) {
		rl_buf_printf(&rows[i], "%lu more task%s waiting to start", waiting,
		    waiting == 1 ? "" : "s");
		lines[i] = rows[i].data;
	}
	rl_tty_show(lines, n);
	for (i = 0; i < n; i++)
		rl_buf_free(&rows[i]);
	free(rows);
	free(lines);
}

void
rl_board_close(struct rl_board *B)
{
	if (!B)
		return;
	rl_tty_close();
	if (B->sums.len) {
		fwrite(B->sums.data, 1, B->sums.len, stderr);
		fflush(stderr);
	}
	rl_buf_free(&B->sums);
	free(B->v);
	free(B);
}

/* --- the summary of a task --------------------------------------------- */

/* The "why" of a task that did not finish. */
static const char *
why_not(const cJSON *baton)
{
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(baton, "error");
	const char *st = rl_json_str(baton, "status");

	if (err)
		return rl_json_str(err, "message");
	if (st && strcmp(st, "BUDGET") == 0)
		return rl_json_str(baton, "budget_spent");
	if (st && strcmp(st, "FAILED") == 0)
		return rl_json_str(cJSON_GetObjectItemCaseSensitive(baton,
		    "feedback"), "reason");
	return NULL;
}

/* "changed  a.c +4 -15, b.c +1 -0" from what the edits did. */
static void
changed(const cJSON *baton, struct rl_buf *out)
{
	const cJSON *kept = cJSON_GetObjectItemCaseSensitive(baton, "changes");
	cJSON *made = cJSON_IsArray(kept) ? NULL : rl_edit_changes(baton, NULL);
	const cJSON *ch = made ? made : kept, *c;
	int n = 0;

	rl_buf_adds(out, "  changed  ");
	cJSON_ArrayForEach(c, ch) {
		if (n++ == 8) {
			rl_buf_printf(out, ", and %d more files",
			    cJSON_GetArraySize(ch) - 8);
			break;
		}
		rl_buf_printf(out, "%s%s +%.0f -%.0f", n > 1 ? ", " : "",
		    rl_json_str(c, "path"), rl_json_num(c, "added", 0),
		    rl_json_num(c, "removed", 0));
	}
	rl_buf_adds(out, n ? "\n" : "nothing\n");
	cJSON_Delete(made);
}

void
rl_board_summary(const cJSON *baton, long long ms, struct rl_buf *out)
{
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(baton, "usage");
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(baton, "debt");
	const cJSON *verify = cJSON_GetObjectItemCaseSensitive(baton, "verify");
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(baton, "error");
	const char *st = rl_json_str(baton, "status"), *why = why_not(baton);
	const char *task = rl_json_str(baton, "task");

	char t[40] = "";

	if (ms >= 0) {
		t[0] = ',';
		t[1] = ' ';
		elapsed(ms, t + 2, sizeof t - 2);
	}
	rl_buf_printf(out, "%-6s  %s   (%s%s)\n", st ? st : err ? "ERROR" : "?",
	    task ? task : "", rl_json_str(baton, "id") ?
	    rl_json_str(baton, "id") : "no id", t);
	if (why)
		rl_buf_printf(out, "  why      %s%s%s\n", err &&
		    rl_json_str(err, "code") ? rl_json_str(err, "code") : "",
		    err && rl_json_str(err, "code") ? ": " : "", why);
	changed(baton, out);
	rl_buf_printf(out, "  tests    %s\n", !verify ? "not run" :
	    rl_json_num(verify, "exit", 1) == 0 ? "pass" : "fail");
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(d, "after")))
		rl_buf_printf(out, "  debt     %g -> %g\n", rl_json_num(d, "before",
		    0), rl_json_num(d, "after", 0));
	else if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(d, "before")))
		rl_buf_printf(out, "  debt     %g before; not measured after\n",
		    rl_json_num(d, "before", 0));
	rl_buf_printf(out, "  tokens   %.0f (%.0f prompt, %.0f completion)\n",
	    rl_budget_tokens(u), rl_json_num(u, "prompt_tokens", 0),
	    rl_json_num(u, "completion_tokens", 0));
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(baton, "reward")))
		rl_buf_printf(out, "  reward   %g\n", rl_json_num(baton, "reward", 0));
}
