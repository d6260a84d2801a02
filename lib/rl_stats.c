/* rl_stats.c - summaries of the metrics log; see rl_stats.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rl_buf.h"
#include "rl_dur.h"
#include "rl_history.h"
#include "rl_json.h"
#include "rl_metrics.h"
#include "rl_stats.h"
#include "rl_text.h"

#define TASK_CHARS 120            /* of a task's text a run event keeps */

struct hit {
	double t, n;              /* when (seconds), how many */
};

struct group {
	char *key;
	cJSON *o;                 /* the output object */
	double *lat;              /* latencies, ms */
	size_t nlat, caplat;
	struct hit *hits;         /* errors: when they came, for the trend */
	size_t nhits, caphits;
};

struct acc {
	struct rl_stats_window *w;
	const char *by;
	struct group *g;
	size_t n, cap;
	int errors_mode;
	double t_first, t_last;   /* of the events in the window, seconds */
};

static const char *
str_or(const cJSON *ev, const char *k, const char *dflt)
{
	const char *s = rl_json_str(ev, k);

	return s ? s : dflt;
}

/* The errors an "error" event stands for: its count, at least one. */
static double
count_of(const cJSON *ev)
{
	return rl_json_num(ev, "count", 0) > 0 ? rl_json_num(ev, "count", 0) : 1;
}

/* Seconds since the epoch of an ISO 8601 UTC time; NAN when it is not. */
static double
seconds(const char *iso)
{
	long long ms = iso ? rl_dur_iso_parse(iso) : -1;

	return ms < 0 ? NAN : (double)ms / 1000;
}

static struct group *
group_for(struct acc *A, const char *key, const cJSON *ev)
{
	struct group *g;
	size_t i;

	for (i = 0; i < A->n; i++)
		if (strcmp(A->g[i].key, key) == 0)
			return &A->g[i];
	if (A->n == A->cap) {
		A->cap = A->cap ? 2 * A->cap : 16;
		A->g = rl_xrealloc(A->g, A->cap * sizeof *A->g);
	}
	g = &A->g[A->n++];
	memset(g, 0, sizeof *g);
	g->key = rl_xstrdup(key);
	g->o = cJSON_CreateObject();
	if (A->errors_mode) {
		cJSON_AddStringToObject(g->o, "code", str_or(ev, "code", "-"));
		cJSON_AddStringToObject(g->o, "category", str_or(ev, "category", "-"));
		cJSON_AddStringToObject(g->o, "cmd", str_or(ev, "cmd", "-"));
		cJSON_AddStringToObject(g->o, "provider", str_or(ev, "provider", "-"));
		cJSON_AddStringToObject(g->o, "tool", str_or(ev, "tool", "-"));
		cJSON_AddNumberToObject(g->o, "count", 0);
	} else if (A->by) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, A->by);

		cJSON_AddItemToObject(g->o, A->by, v ? cJSON_Duplicate(v, 1) :
		    cJSON_CreateString("-"));
	} else {
		cJSON_AddStringToObject(g->o, "cmd", str_or(ev, "cmd", "-"));
		cJSON_AddStringToObject(g->o, "provider", str_or(ev, "provider", "-"));
		cJSON_AddStringToObject(g->o, "model", str_or(ev, "model", "-"));
	}
	if (!A->errors_mode) {
		static const char *zero[] = {"events", "requests", "failed_requests",
		    "retries", "errors", "prompt_tokens", "cached_tokens",
		    "completion_tokens", "cpu_ms",
		    "max_cpu_ms", "max_rss_kb", "bytes_in", "bytes_out", NULL};

		for (i = 0; zero[i]; i++)
			cJSON_AddNumberToObject(g->o, zero[i], 0);
	}
	cJSON_AddStringToObject(g->o, "first", str_or(ev, "at", ""));
	cJSON_AddStringToObject(g->o, "last", str_or(ev, "at", ""));
	return g;
}

static void
add(cJSON *o, const char *k, double v)
{
	cJSON *n = cJSON_GetObjectItemCaseSensitive(o, k);

	cJSON_SetNumberValue(n, n->valuedouble + v);
}

static void
set_max(cJSON *o, const char *k, double v)
{
	cJSON *n = cJSON_GetObjectItemCaseSensitive(o, k);

	if (v > n->valuedouble)
		cJSON_SetNumberValue(n, v);
}

static void
set_str(cJSON *o, const char *k, const char *v)
{
	if (cJSON_GetObjectItemCaseSensitive(o, k))
		cJSON_ReplaceItemInObjectCaseSensitive(o, k, cJSON_CreateString(v));
	else
		cJSON_AddStringToObject(o, k, v);
}

static int
in_window(const struct rl_stats_window *w, const char *at)
{
	if (!at)
		return 0;
	if (w->since && strcmp(at, w->since) < 0)
		return 0;
	return !w->until || strcmp(at, w->until) < 0;
}

static void
note_time(struct acc *A, const char *at)
{
	double t = seconds(at);

	if (isnan(t))
		return;
	if (isnan(A->t_first) || t < A->t_first)
		A->t_first = t;
	if (isnan(A->t_last) || t > A->t_last)
		A->t_last = t;
}

static int
summarize(const cJSON *ev, void *arg)
{
	struct acc *A = arg;
	const char *kind = str_or(ev, "kind", ""), *at = rl_json_str(ev, "at");
	struct rl_buf key = {0};
	struct group *g;
	const cJSON *ms;

	if (!in_window(A->w, at))
		return 0;
	A->w->events++;
	if (A->by) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, A->by);

		if (v)
			rl_json_print(v, &key);
		else
			rl_buf_adds(&key, "-");
	} else {
		rl_buf_printf(&key, "%s\037%s\037%s", str_or(ev, "cmd", "-"),
		    str_or(ev, "provider", "-"), str_or(ev, "model", "-"));
	}
	g = group_for(A, key.data, ev);
	rl_buf_free(&key);
	add(g->o, "events", 1);
	set_str(g->o, "last", at);
	if (strcmp(kind, "request") == 0) {
		add(g->o, "requests", 1);
		if (rl_json_str(ev, "code"))
			add(g->o, "failed_requests", 1);
		if (rl_json_num(ev, "attempt", 0) > 1)
			add(g->o, "retries", 1);
		add(g->o, "prompt_tokens", rl_json_num(ev, "prompt_tokens", 0));
		add(g->o, "cached_tokens", rl_json_num(ev, "cached_tokens", 0));
		add(g->o, "completion_tokens", rl_json_num(ev, "completion_tokens", 0));
	} else if (strcmp(kind, "error") == 0) {
		add(g->o, "errors", count_of(ev));
	} else if (strcmp(kind, "tool") == 0) {
		add(g->o, "bytes_out", rl_json_num(ev, "bytes_out", 0) + rl_json_num(ev, "bytes_err", 0));
	}
	if ((strcmp(kind, "request") == 0 || strcmp(kind, "tool") == 0) &&
	    cJSON_IsNumber(ms = cJSON_GetObjectItemCaseSensitive(ev, "ms")) &&
	    isfinite(ms->valuedouble)) {
		if (g->nlat == g->caplat) {
			g->caplat = g->caplat ? 2 * g->caplat : 64;
			g->lat = rl_xrealloc(g->lat, g->caplat * sizeof *g->lat);
		}
		g->lat[g->nlat++] = ms->valuedouble;
	}
	add(g->o, "cpu_ms", rl_json_num(ev, "cpu_ms", 0));
	set_max(g->o, "max_cpu_ms", rl_json_num(ev, "cpu_ms", 0));
	set_max(g->o, "max_rss_kb", rl_json_num(ev, "max_rss_kb", 0));
	add(g->o, "bytes_in", rl_json_num(ev, "bytes_in", 0));
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
rank(const double *v, size_t n, double p)
{
	size_t r = (size_t)ceil(p / 100 * (double)n);

	return v[(r ? r : 1) - 1];
}

/* --- numbers as they mean ----------------------------------------------- */

/* v to digits significant digits. */
static double
significant(double v, int digits)
{
	int e;

	if (v == 0 || !isfinite(v))
		return v;
	e = (int)floor(log10(fabs(v))) + 1 - digits;
	/* a power of ten above 1 is exact; divide by one rather than
	 * multiply by its inexact inverse */
	return e >= 0 ? round(v / pow(10, e)) * pow(10, e) :
	    round(v * pow(10, -e)) / pow(10, -e);
}

/*
 * The numbers of a result rounded to what they mean, by their names, so
 * no sum prints as 84.297000000000011: times in ms to 0.1, counts,
 * tokens and sizes to units, debt to 0.01, offset (a fraction) to
 * 0.0001, rewards to 4 significant digits.  Members of other names (a
 * --by value, a field a run event was given) are left as they are.
 */
static void
tidy(cJSON *o, int all_ms)
{
	static const struct {
		const char *names;
		double per;              /* steps per unit; 0: 4 significant digits */
	} rules[] = {
		{" cpu_ms max_cpu_ms duration_ms wall_ms ", 10},
		{" events requests failed_requests retries errors prompt_tokens "
		    "cached_tokens completion_tokens max_rss_kb bytes_in bytes_out "
		    "count iter ", 1},
		{" debt_before debt_after ", 100},
		{" offset ", 10000},
		{" reward reward_k ", 0},
	};
	char key[64];
	cJSON *c;
	size_t i;

	cJSON_ArrayForEach(c, o) {
		if (cJSON_IsObject(c)) {
			tidy(c, c->string && strcmp(c->string, "latency_ms") == 0);
			continue;
		}
		if (!cJSON_IsNumber(c) || !c->string || !isfinite(c->valuedouble))
			continue;
		snprintf(key, sizeof key, " %s ", c->string);
		for (i = 0; i < sizeof rules / sizeof *rules; i++)
			if (!all_ms && strstr(rules[i].names, key))
				break;
		if (all_ms)
			cJSON_SetNumberValue(c, round(c->valuedouble * 10) / 10);
		else if (i < sizeof rules / sizeof *rules)
			cJSON_SetNumberValue(c, rules[i].per == 0 ?
			    significant(c->valuedouble, 4) :
			    round(c->valuedouble * rules[i].per) / rules[i].per);
	}
}

/* The groups as the result array; frees the accumulator. */
static cJSON *
finish(struct acc *A)
{
	cJSON *out = cJSON_CreateArray(), *l;
	size_t i;

	for (i = 0; i < A->n; i++) {
		struct group *g = &A->g[i];

		if (g->nlat) {
			qsort(g->lat, g->nlat, sizeof *g->lat, cmp_double);
			l = cJSON_AddObjectToObject(g->o, "latency_ms");
			cJSON_AddNumberToObject(l, "p50", rank(g->lat, g->nlat, 50));
			cJSON_AddNumberToObject(l, "p95", rank(g->lat, g->nlat, 95));
			cJSON_AddNumberToObject(l, "p99", rank(g->lat, g->nlat, 99));
			cJSON_AddNumberToObject(l, "max", g->lat[g->nlat - 1]);
		}
		tidy(g->o, 0);
		cJSON_AddItemToArray(out, g->o);
		free(g->key);
		free(g->lat);
		free(g->hits);
	}
	free(A->g);
	return out;
}

static long
read_log(const char *path, int (*fn)(const cJSON *, void *), struct acc *A)
{
	long n;

	A->w->skipped = A->w->events = 0;
	A->t_first = A->t_last = NAN;
	n = rl_history_read(path, A->w->since, fn, A, &A->w->skipped);
	return n;
}

cJSON *
rl_stats_summary(const char *path, struct rl_stats_window *w, const char *by)
{
	struct acc A = {w, by, NULL, 0, 0, 0, NAN, NAN};

	if (read_log(path, summarize, &A) < 0) {
		cJSON_Delete(finish(&A));
		return NULL;
	}
	return finish(&A);
}

/* --- errors -------------------------------------------------------------- */

static int
collect_errors(const cJSON *ev, void *arg)
{
	struct acc *A = arg;
	const char *at = rl_json_str(ev, "at");
	struct rl_buf key = {0};
	struct group *g;

	if (!in_window(A->w, at) || strcmp(str_or(ev, "kind", ""), "error") != 0)
		return 0;
	A->w->events++;
	note_time(A, at);
	rl_buf_printf(&key, "%s\037%s\037%s\037%s", str_or(ev, "code", "-"),
	    str_or(ev, "cmd", "-"), str_or(ev, "provider", "-"),
	    str_or(ev, "tool", "-"));
	g = group_for(A, key.data, ev);
	rl_buf_free(&key);
	add(g->o, "count", count_of(ev));
	set_str(g->o, "last", at);
	set_str(g->o, "message", str_or(ev, "message", ""));
	/* when, to split the counts into halves afterwards */
	if (g->nhits == g->caphits) {
		g->caphits = g->caphits ? 2 * g->caphits : 16;
		g->hits = rl_xrealloc(g->hits, g->caphits * sizeof *g->hits);
	}
	g->hits[g->nhits++] = (struct hit){seconds(at), count_of(ev)};
	return 0;
}

static int
by_count(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	double cx = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(x->o, "count"));
	double cy = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(y->o, "count"));

	if (cx != cy)
		return (cx < cy) - (cx > cy);
	/* ties in the order they were first seen, so the output is stable */
	return strcmp(rl_json_str(x->o, "first"), rl_json_str(y->o, "first"));
}

cJSON *
rl_stats_errors(const char *path, struct rl_stats_window *w, int top)
{
	struct acc A = {w, NULL, NULL, 0, 0, 1, NAN, NAN};
	double start, mid, end, early, late;
	size_t i, k;
	int once;

	if (read_log(path, collect_errors, &A) < 0) {
		cJSON_Delete(finish(&A));
		return NULL;
	}
	start = w->since ? seconds(w->since) : A.t_first;
	end = w->until ? seconds(w->until) : A.t_last;
	if (isnan(start))
		start = A.t_first;
	if (isnan(end))
		end = A.t_last;
	mid = (start + end) / 2;
	for (i = 0; i < A.n; i++) {
		struct group *g = &A.g[i];

		early = late = 0;
		once = 1;
		for (k = 0; k < g->nhits; k++) {
			if (g->hits[k].t < mid)
				early += g->hits[k].n;
			else
				late += g->hits[k].n;
			once &= g->hits[k].t == g->hits[0].t;
		}
		/* logged at one time only (a window of one instant among them):
		 * too little to tell a trend from */
		cJSON_AddStringToObject(g->o, "trend", once || !(end > start) ?
		    "once" : late > early ? "rising" : late < early ? "falling" :
		    "steady");
	}
	if (A.n)
		qsort(A.g, A.n, sizeof *A.g, by_count);
	while (top > 0 && A.n > (size_t)top) {
		A.n--;
		cJSON_Delete(A.g[A.n].o);
		free(A.g[A.n].key);
		free(A.g[A.n].lat);
		free(A.g[A.n].hits);
	}
	return finish(&A);
}

int
rl_stats_time(const char *arg, char *iso, size_t size)
{
	double secs;

	if (arg[0] >= '0' && arg[0] <= '9' && strlen(arg) >= 10 && arg[4] == '-' &&
	    arg[7] == '-') {
		snprintf(iso, size, "%s", arg);
		return 0;
	}
	if (rl_dur_parse(arg, &secs) < 0)
		return -1;
	rl_dur_iso(((long long)time(NULL) - (long long)secs) * 1000, iso, size);
	return 0;
}

/* --- runs ---------------------------------------------------------------- */

struct runs {
	struct rl_stats_window *w;
	cJSON *out;
};

static int
collect_run(const cJSON *ev, void *arg)
{
	struct runs *R = arg;
	const char *at = rl_json_str(ev, "at"), *id = rl_json_str(ev, "id");
	cJSON *r, *old;

	if (!id || !in_window(R->w, at) || strcmp(str_or(ev, "kind", ""), "run"))
		return 0;
	R->w->events++;
	/* a task finished twice (a resumed run) counts once, as it ended */
	cJSON_ArrayForEach(old, R->out)
		if (strcmp(rl_json_str(old, "id"), id) == 0)
			break;
	if (old)
		cJSON_Delete(cJSON_DetachItemViaPointer(R->out, old));
	r = cJSON_Duplicate(ev, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(r, "kind");
	cJSON_DeleteItemFromObjectCaseSensitive(r, "pid");
	cJSON_DeleteItemFromObjectCaseSensitive(r, "cmd");
	cJSON_AddItemToArray(R->out, r);
	return 0;
}

/* The distinct "stage/model" pairs of a baton's trail, in order. */
static cJSON *
arms_of(const cJSON *baton)
{
	cJSON *arms = cJSON_CreateArray(), *x;
	const cJSON *t;
	struct rl_buf arm = {0};
	int dup;

	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(baton, "trail")) {
		if (!rl_json_str(t, "stage") || !rl_json_str(t, "model") ||
		    !*rl_json_str(t, "model"))
			continue;
		rl_buf_reset(&arm);
		rl_buf_printf(&arm, "%s/%s", rl_json_str(t, "stage"),
		    rl_json_str(t, "model"));
		dup = 0;
		cJSON_ArrayForEach(x, arms)
			dup |= strcmp(x->valuestring, arm.data) == 0;
		if (!dup)
			cJSON_AddItemToArray(arms, cJSON_CreateString(arm.data));
	}
	rl_buf_free(&arm);
	return arms;
}

void
rl_stats_log_run(const cJSON *baton)
{
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(baton, "usage");
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(baton, "debt");
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(baton, "error");
	const char *id = rl_json_str(baton, "id"), *task = rl_json_str(baton, "task");
	const char *status = rl_json_str(baton, "status");
	const char *created = rl_json_str(baton, "created");
	long long t0 = created ? rl_dur_iso_parse(created) : -1;
	char *cut;
	cJSON *f;

	if (!id || !task)
		return;
	f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "id", id);
	cut = rl_xstrndup(task, rl_utf8_prefix(task, TASK_CHARS));
	cJSON_AddStringToObject(f, "task", cut);
	free(cut);
	cJSON_AddStringToObject(f, "status", status ? status : err ? "ERROR" :
	    "-");
	if (err && rl_json_str(err, "code"))
		cJSON_AddStringToObject(f, "code", rl_json_str(err, "code"));
	cJSON_AddNumberToObject(f, "iter", rl_json_num(baton, "iter", 1));
	cJSON_AddNumberToObject(f, "prompt_tokens", rl_json_num(u, "prompt_tokens", 0));
	cJSON_AddNumberToObject(f, "completion_tokens",
	    rl_json_num(u, "completion_tokens", 0));
	if (t0 >= 0)
		cJSON_AddNumberToObject(f, "duration_ms", (double)(rl_now_ms() - t0));
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(d, "after"))) {
		cJSON_AddNumberToObject(f, "debt_before", rl_json_num(d, "before", 0));
		cJSON_AddNumberToObject(f, "debt_after", rl_json_num(d, "after", 0));
		cJSON_AddNumberToObject(f, "offset", rl_json_num(d, "offset", 0));
		cJSON_AddNumberToObject(f, "reward", rl_json_num(baton, "reward", 0));
		cJSON_AddNumberToObject(f, "reward_k", rl_json_num(baton, "reward_k", 0));
	}
	cJSON_AddItemToObject(f, "arms", arms_of(baton));
	rl_metrics_event("run", f);
}

cJSON *
rl_stats_runs(const char *path, struct rl_stats_window *w)
{
	struct runs R = {w, cJSON_CreateArray()};
	cJSON *r;

	w->skipped = w->events = 0;
	if (rl_history_read(path, w->since, collect_run, &R, &w->skipped) < 0) {
		cJSON_Delete(R.out);
		return NULL;
	}
	cJSON_ArrayForEach(r, R.out)
		tidy(r, 0);
	return R.out;
}

/* --- series over time ----------------------------------------------------- */

struct series {
	struct rl_stats_window *w;
	double t0, t1;
	int n;
	cJSON *req, *err, *depth;
	double *r, *e, *d;
	int *dn;
};

/* The bucket of time t, or -1 outside. */
static int
bucket(const struct series *S, double t)
{
	int b;

	if (isnan(t) || t < S->t0 || t > S->t1)
		return -1;
	b = S->t1 > S->t0 ? (int)((t - S->t0) / (S->t1 - S->t0) * S->n) : 0;
	return b >= S->n ? S->n - 1 : b;
}

static int
span(const cJSON *ev, void *arg)
{
	struct series *S = arg;
	const char *at = rl_json_str(ev, "at");
	double t = at ? seconds(at) : NAN;

	if (!in_window(S->w, at) || isnan(t))
		return 0;
	if (isnan(S->t0) || t < S->t0)
		S->t0 = t;
	if (isnan(S->t1) || t > S->t1)
		S->t1 = t;
	return 0;
}

static int
fill_series(const cJSON *ev, void *arg)
{
	struct series *S = arg;
	const char *at = rl_json_str(ev, "at"), *kind = str_or(ev, "kind", "");
	int b = in_window(S->w, at) ? bucket(S, seconds(at)) : -1;

	if (b < 0)
		return 0;
	S->w->events++;
	if (strcmp(kind, "request") == 0) {
		S->r[b]++;
		if (rl_json_str(ev, "code"))
			S->e[b]++;
	} else if (strcmp(kind, "error") == 0) {
		S->e[b] += count_of(ev);
	} else if (strcmp(kind, "ring") == 0) {
		S->d[b] += rl_json_num(ev, "tasks", 0) + rl_json_num(ev, "waiting", 0);
		S->dn[b]++;
	}
	return 0;
}

cJSON *
rl_stats_series(const char *path, struct rl_stats_window *w, int n)
{
	struct series S = {w, NAN, NAN, n, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
	cJSON *o, *req, *err, *dep;
	char iso[40];
	int i;

	w->skipped = w->events = 0;
	if (rl_history_read(path, w->since, span, &S, &w->skipped) < 0)
		return NULL;
	o = cJSON_CreateObject();
	if (isnan(S.t0))
		return o;
	S.r = rl_xcalloc((size_t)n, sizeof *S.r);
	S.e = rl_xcalloc((size_t)n, sizeof *S.e);
	S.d = rl_xcalloc((size_t)n, sizeof *S.d);
	S.dn = rl_xcalloc((size_t)n, sizeof *S.dn);
	rl_history_read(path, w->since, fill_series, &S, NULL);
	rl_dur_iso((long long)(S.t0 * 1000), iso, sizeof iso);
	cJSON_AddStringToObject(o, "from", iso);
	rl_dur_iso((long long)(S.t1 * 1000), iso, sizeof iso);
	cJSON_AddStringToObject(o, "to", iso);
	req = cJSON_AddArrayToObject(o, "requests");
	err = cJSON_AddArrayToObject(o, "errors");
	dep = cJSON_AddArrayToObject(o, "queue_depth");
	for (i = 0; i < n; i++) {
		cJSON_AddItemToArray(req, cJSON_CreateNumber(S.r[i]));
		cJSON_AddItemToArray(err, cJSON_CreateNumber(S.e[i]));
		cJSON_AddItemToArray(dep, cJSON_CreateNumber(S.dn[i] ?
		    round(S.d[i] / S.dn[i] * 10) / 10 : 0));
	}
	free(S.r);
	free(S.e);
	free(S.d);
	free(S.dn);
	return o;
}
