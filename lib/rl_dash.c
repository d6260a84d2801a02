/*
 * rl_dash.c - the dashboard page; see rl_dash.h.  Its charts are
 * rl_chart's; tests/5200-stats.bats measures them in Chromium.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rl_chart.h"
#include "rl_dash.h"
#include "rl_dur.h"
#include "rl_json.h"

#define SPANS 48
#define SHOWN 40               /* runs the table shows */
#define SHOWN_BARS 20          /* tasks the tokens chart shows */

static const char style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:1260px;"
    "color:#222;background:#fafafa}h1{font-size:1.6em;margin:0}"
    "h2{font-size:1.1em;margin:0 0 .4em}.sub{color:#666;margin:.2em 0 1.5em}"
    ".grid{display:flex;flex-wrap:wrap;gap:18px}.card{background:#fff;"
    "border:1px solid #ddd;border-radius:6px;padding:12px 14px}"
    ".tiles{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:18px}"
    ".tile{background:#fff;border:1px solid #ddd;border-radius:6px;"
    "padding:10px 16px;min-width:120px}.tile b{display:block;font-size:1.5em}"
    ".none{color:#888;font-style:italic;padding:2em 0;width:600px}"
    "table{border-collapse:collapse;font-size:13px}td,th{padding:3px 8px;"
    "border-bottom:1px solid #eee;text-align:right}td.l,th.l{text-align:left}"
    ".FINISH{color:#2e7d32}.FAILED,.ERROR{color:#c62828}.BUDGET{color:#ef6c00}"
    "td small{display:block;color:#888}"
    "svg text{font:10px system-ui,sans-serif;fill:#444}svg .caption{fill:#777}";

static void
open_card(struct rl_buf *b, const char *id, const char *title)
{
	rl_buf_printf(b, "<div class=\"card\"><h2 id=\"%s\">", id);
	rl_chart_esc(b, title);
	rl_buf_adds(b, "</h2>\n");
}

static void
none(struct rl_buf *b, const char *what)
{
	rl_buf_adds(b, "<p class=\"none\">");
	rl_chart_esc(b, what);
	rl_buf_adds(b, "</p></div>\n");
}

static double *
numbers(const cJSON *a, int *n)
{
	double *v;
	const cJSON *x;
	int i = 0;

	*n = cJSON_GetArraySize(a);
	v = rl_xcalloc((size_t)*n + 1, sizeof *v);
	cJSON_ArrayForEach(x, a)
		v[i++] = cJSON_GetNumberValue(x);
	return v;
}

static void
over_time(struct rl_buf *b, const cJSON *series)
{
	int n, m;
	double *r = numbers(cJSON_GetObjectItemCaseSensitive(series, "requests"), &n);
	double *e = numbers(cJSON_GetObjectItemCaseSensitive(series, "errors"), &m);
	double *v = rl_xcalloc(2 * (size_t)n + 1, sizeof *v), any = 0;
	static const char *const names[] = {"requests", "errors"};
	int i;

	open_card(b, "requests", "Requests and errors over time");
	for (i = 0; i < n; i++) {
		v[i] = r[i];
		v[n + i] = i < m ? e[i] : 0;
		any += v[i] + v[n + i];
	}
	if (!any) {
		none(b, "no requests or errors in this window");
	} else {
		rl_chart_columns(b, "requests and errors per span of time", v, n,
		    2, names, rl_json_str(series, "from"), rl_json_str(series,
		    "to"));
		rl_buf_adds(b, "</div>\n");
	}
	free(r);
	free(e);
	free(v);
}

/*
 * The names of rows of the summary, for their bars: the command, the
 * provider and the model, leaving out each that every row shares, which
 * *common names once ("provider mock, model gpt-5.2"; NULL when none
 * is).  Names and *common are the caller's to free.
 */
static char **
row_names(const cJSON *const *rows, int n, char **common)
{
	static const char *const keys[] = {"cmd", "provider", "model"};
	static const char *const what[] = {"command", "provider", "model"};
	char **out = rl_xcalloc((size_t)n + 1, sizeof *out);
	struct rl_buf c = {0}, l = {0};
	int same[3], k, i, shown = 0;

	for (k = 0; k < 3; k++) {
		for (i = 1, same[k] = 1; i < n && same[k]; i++)
			same[k] = strcmp(rl_json_str(rows[i], keys[k]),
			    rl_json_str(rows[0], keys[k])) == 0;
		shown += !same[k];
	}
	if (!shown)
		same[0] = 0;      /* one row, or all alike: named by its command */
	for (k = 0; k < 3; k++)
		if (same[k] && strcmp(rl_json_str(rows[0], keys[k]), "-") != 0)
			rl_buf_printf(&c, "%s%s %s", c.len ? ", " : "", what[k],
			    rl_json_str(rows[0], keys[k]));
	for (i = 0; i < n; i++) {
		for (k = 0; k < 3; k++)
			if (!same[k])
				rl_buf_printf(&l, "%s%s", l.len ? " " : "",
				    rl_json_str(rows[i], keys[k]));
		out[i] = rl_buf_detach(&l);
	}
	*common = c.len ? rl_buf_detach(&c) : NULL;
	rl_buf_free(&c);
	return out;
}

static void
latency(struct rl_buf *b, const cJSON *summary)
{
	static const char *const names[] = {"p50 ms", "p95 ms", "p99 ms"};
	static const char *const keys[] = {"p50", "p95", "p99"};
	const cJSON *r, *l, **rows;
	char **labels, **titles, *common;
	double *v;
	int n = 0, i, k;

	open_card(b, "latency", "Latency percentiles by command and model");
	cJSON_ArrayForEach(r, summary)
		n += rl_json_num(r, "requests", 0) > 0 &&
		    cJSON_GetObjectItemCaseSensitive(r, "latency_ms");
	if (!n) {
		none(b, "no requests in this window");
		return;
	}
	rows = rl_xcalloc((size_t)n, sizeof *rows);
	titles = rl_xcalloc((size_t)n, sizeof *titles);
	v = rl_xcalloc(3 * (size_t)n, sizeof *v);
	i = 0;
	cJSON_ArrayForEach(r, summary) {
		if (rl_json_num(r, "requests", 0) <= 0 ||
		    !(l = cJSON_GetObjectItemCaseSensitive(r, "latency_ms")))
			continue;
		for (k = 0; k < 3; k++)
			v[k * n + i] = rl_json_num(l, keys[k], 0);
		rows[i++] = r;
	}
	labels = row_names(rows, n, &common);
	for (i = 0; i < n; i++) {
		struct rl_buf t = {0};

		rl_buf_printf(&t, "%s %s %s", rl_json_str(rows[i], "cmd"),
		    rl_json_str(rows[i], "provider"), rl_json_str(rows[i], "model"));
		titles[i] = rl_buf_detach(&t);
	}
	rl_chart_bars(b, &(struct rl_chart_bars){.what = "latency percentiles "
	    "per command, provider and model", .labels = (const char *const *)
	    labels, .titles = (const char *const *)titles, .n = n, .ns = 3,
	    .v = v, .names = names, .caption = common});
	rl_buf_adds(b, "</div>\n");
	for (i = 0; i < n; i++) {
		free(labels[i]);
		free(titles[i]);
	}
	free(labels);
	free(titles);
	free(common);
	free(rows);
	free(v);
}

static void
tokens(struct rl_buf *b, const cJSON *runs)
{
	static const char *const names[] = {"prompt", "completion"};
	int n = cJSON_GetArraySize(runs), first = n > SHOWN_BARS ?
	    n - SHOWN_BARS : 0, i;
	const char **labels;
	char **titles;
	const cJSON *r;
	double *v;

	open_card(b, "tokens", "Tokens per task");
	if (!n) {
		none(b, "no runs in this window");
		return;
	}
	n -= first;
	labels = rl_xcalloc((size_t)n, sizeof *labels);
	titles = rl_xcalloc((size_t)n, sizeof *titles);
	v = rl_xcalloc(2 * (size_t)n, sizeof *v);
	for (i = 0; i < n; i++) {
		struct rl_buf t = {0};

		r = cJSON_GetArrayItem(runs, first + i);
		labels[i] = rl_json_str(r, "task") && *rl_json_str(r, "task") ?
		    rl_json_str(r, "task") : rl_json_str(r, "id");
		rl_buf_printf(&t, "%s (%s, %s)", labels[i], rl_json_str(r, "id"),
		    rl_json_str(r, "status") ? rl_json_str(r, "status") : "-");
		titles[i] = rl_buf_detach(&t);
		v[i] = rl_json_num(r, "prompt_tokens", 0);
		v[n + i] = rl_json_num(r, "completion_tokens", 0);
	}
	rl_chart_bars(b, &(struct rl_chart_bars){.what = "prompt and completion "
	    "tokens per task", .labels = labels, .titles = (const char *const *)
	    titles, .n = n, .ns = 2, .stack = 1, .count = 1, .v = v,
	    .names = names, .caption = first ? "the last 20 tasks" : NULL});
	rl_buf_adds(b, "</div>\n");
	for (i = 0; i < n; i++)
		free(titles[i]);
	free(titles);
	free(labels);
	free(v);
}

static void
reward(struct rl_buf *b, const cJSON *runs)
{
	static const char *const names[] = {"mean reward_k"};
	cJSON *arms = cJSON_CreateObject(), *a;
	const cJSON *r, *x;
	const char **labels;
	double *v;
	int n, i = 0;

	open_card(b, "reward", "Reward per model and agent");
	cJSON_ArrayForEach(r, runs) {
		if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(r, "reward_k")))
			continue;
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(r, "arms")) {
			if (!cJSON_IsString(x))
				continue;
			if (!(a = cJSON_GetObjectItemCaseSensitive(arms, x->valuestring))) {
				a = cJSON_AddObjectToObject(arms, x->valuestring);
				cJSON_AddNumberToObject(a, "n", 0);
				cJSON_AddNumberToObject(a, "sum", 0);
			}
			rl_json_set(a, "n", cJSON_CreateNumber(rl_json_num(a, "n", 0) + 1));
			rl_json_set(a, "sum", cJSON_CreateNumber(rl_json_num(a, "sum", 0) +
			    rl_json_num(r, "reward_k", 0)));
		}
	}
	if (!(n = cJSON_GetArraySize(arms))) {
		none(b, "no scored runs in this window");
		cJSON_Delete(arms);
		return;
	}
	labels = rl_xcalloc((size_t)n, sizeof *labels);
	v = rl_xcalloc((size_t)n, sizeof *v);
	cJSON_ArrayForEach(a, arms) {
		labels[i] = a->string;
		v[i++] = rl_json_num(a, "sum", 0) / rl_json_num(a, "n", 1);
	}
	rl_chart_bars(b, &(struct rl_chart_bars){.what = "mean reward_k per "
	    "agent and model", .labels = labels, .n = n, .ns = 1, .v = v,
	    .names = names});
	rl_buf_adds(b, "</div>\n");
	free(labels);
	free(v);
	cJSON_Delete(arms);
}

static void
queue(struct rl_buf *b, const cJSON *series)
{
	int n, i;
	double *d = numbers(cJSON_GetObjectItemCaseSensitive(series,
	    "queue_depth"), &n), any = 0;

	open_card(b, "queue", "Queue depth");
	for (i = 0; i < n; i++)
		any += fabs(d[i]);
	if (!any) {
		none(b, "no redline run in this window");
	} else {
		rl_chart_line(b, "tasks in or waiting for the ring", d, n, "tasks",
		    1, rl_json_str(series, "from"), rl_json_str(series, "to"));
		rl_buf_adds(b, "</div>\n");
	}
	free(d);
}

static void
resources(struct rl_buf *b, const cJSON *by_cmd)
{
	static const char *const cpu[] = {"CPU ms, all runs"};
	static const char *const rss[] = {"peak RSS KiB"};
	int n = cJSON_GetArraySize(by_cmd), i = 0;
	const char **labels;
	double *c, *m;
	const cJSON *r;

	open_card(b, "resources", "Resource usage per stage");
	if (!n) {
		none(b, "no commands ran in this window");
		return;
	}
	labels = rl_xcalloc((size_t)n, sizeof *labels);
	c = rl_xcalloc((size_t)n, sizeof *c);
	m = rl_xcalloc((size_t)n, sizeof *m);
	cJSON_ArrayForEach(r, by_cmd) {
		labels[i] = rl_json_str(r, "cmd") ? rl_json_str(r, "cmd") : "-";
		c[i] = rl_json_num(r, "cpu_ms", 0);
		m[i++] = rl_json_num(r, "max_rss_kb", 0);
	}
	/* the memory chart gets a card of its own */
	rl_chart_bars(b, &(struct rl_chart_bars){.what = "CPU time per command",
	    .labels = labels, .n = n, .ns = 1, .keep_end = 1, .v = c,
	    .names = cpu});
	rl_buf_adds(b, "</div>\n");
	open_card(b, "memory", "Peak memory per stage");
	rl_chart_bars(b, &(struct rl_chart_bars){.what = "peak memory per "
	    "command", .labels = labels, .n = n, .ns = 1, .count = 1,
	    .keep_end = 1, .v = m, .names = rss});
	rl_buf_adds(b, "</div>\n");
	free(labels);
	free(c);
	free(m);
}

static void
runs_table(struct rl_buf *b, const cJSON *runs)
{
	int n = cJSON_GetArraySize(runs), i;
	const cJSON *r;
	char t[32];

	rl_buf_adds(b, "<div class=\"card\"><h2 id=\"runs\">Runs</h2>\n");
	if (!n) {
		none(b, "no runs in this window");
		return;
	}
	rl_buf_adds(b, "<table><tr><th class=\"l\">task</th><th>status</th>"
	    "<th>iter</th><th>tokens</th><th>debt</th><th>offset</th>"
	    "<th>reward_k</th><th>seconds</th></tr>\n");
	for (i = n - 1; i >= 0 && i >= n - SHOWN; i--) {
		r = cJSON_GetArrayItem(runs, i);
		rl_buf_adds(b, "<tr><td class=\"l\">");
		rl_chart_esc(b, rl_json_str(r, "task"));
		rl_buf_adds(b, "</td><td class=\"");
		rl_chart_esc(b, rl_json_str(r, "status"));
		rl_buf_adds(b, "\">");
		rl_chart_esc(b, rl_json_str(r, "status"));
		if (rl_json_str(r, "code")) {      /* why it ended on an error */
			rl_buf_adds(b, "<small>");
			rl_chart_esc(b, rl_json_str(r, "code"));
			rl_buf_adds(b, "</small>");
		}
		rl_buf_printf(b, "</td><td>%.0f</td><td>%.0f</td>",
		    rl_json_num(r, "iter", 0), rl_json_num(r, "prompt_tokens", 0) +
		    rl_json_num(r, "completion_tokens", 0));
		if (cJSON_GetObjectItemCaseSensitive(r, "offset")) {
			rl_buf_printf(b, "<td>%g &rarr; %g</td><td>%.1f%%</td>",
			    rl_json_num(r, "debt_before", 0), rl_json_num(r,
			    "debt_after", 0), 100 * rl_json_num(r, "offset", 0));
			rl_chart_num(t, sizeof t, rl_json_num(r, "reward_k", 0));
			rl_buf_printf(b, "<td>%s</td>", t);
		} else {
			rl_buf_adds(b, "<td>-</td><td>-</td><td>-</td>");
		}
		rl_buf_printf(b, "<td>%.1f</td></tr>\n",
		    rl_json_num(r, "duration_ms", 0) / 1000);
	}
	rl_buf_adds(b, "</table></div>\n");
}

static void
errors_table(struct rl_buf *b, const cJSON *errs)
{
	const cJSON *r;

	rl_buf_adds(b, "<div class=\"card\"><h2 id=\"errors\">Error patterns</h2>\n");
	if (!cJSON_GetArraySize(errs)) {
		none(b, "no errors in this window");
		return;
	}
	rl_buf_adds(b, "<table><tr><th>count</th><th class=\"l\">code</th>"
	    "<th class=\"l\">command</th><th class=\"l\">trend</th>"
	    "<th class=\"l\">message</th></tr>\n");
	cJSON_ArrayForEach(r, errs) {
		rl_buf_printf(b, "<tr><td>%.0f</td><td class=\"l\">",
		    rl_json_num(r, "count", 0));
		rl_chart_esc(b, rl_json_str(r, "code"));
		rl_buf_adds(b, "</td><td class=\"l\">");
		rl_chart_esc(b, rl_json_str(r, "cmd"));
		rl_buf_adds(b, "</td><td class=\"l\">");
		rl_chart_esc(b, rl_json_str(r, "trend"));
		rl_buf_adds(b, "</td><td class=\"l\">");
		rl_chart_esc(b, rl_json_str(r, "message"));
		rl_buf_adds(b, "</td></tr>\n");
	}
	rl_buf_adds(b, "</table></div>\n");
}

static void
tiles(struct rl_buf *b, const cJSON *runs, const cJSON *by_cmd)
{
	double n = 0, fin = 0, tok = 0, rk = 0, scored = 0, req = 0, err = 0;
	double in = 0, cached = 0;
	const cJSON *r;
	char t[32];

	cJSON_ArrayForEach(r, runs) {
		n++;
		fin += rl_json_str(r, "status") &&
		    strcmp(rl_json_str(r, "status"), "FINISH") == 0;
		tok += rl_json_num(r, "prompt_tokens", 0) +
		    rl_json_num(r, "completion_tokens", 0);
		if (cJSON_GetObjectItemCaseSensitive(r, "reward_k")) {
			rk += rl_json_num(r, "reward_k", 0);
			scored++;
		}
	}
	cJSON_ArrayForEach(r, by_cmd) {
		req += rl_json_num(r, "requests", 0);
		err += rl_json_num(r, "errors", 0) + rl_json_num(r, "failed_requests", 0);
		in += rl_json_num(r, "prompt_tokens", 0);
		cached += rl_json_num(r, "cached_tokens", 0);
	}
	rl_buf_adds(b, "<h2 id=\"summary\">Summary</h2><div class=\"tiles\">");
	rl_buf_printf(b, "<div class=\"tile\"><b>%.0f</b>runs</div>", n);
	rl_buf_printf(b, "<div class=\"tile\"><b>%.0f</b>finished</div>", fin);
	rl_chart_num(t, sizeof t, tok);
	rl_buf_printf(b, "<div class=\"tile\"><b>%s</b>tokens</div>", t);
	rl_chart_num(t, sizeof t, scored ? rk / scored : 0);
	rl_buf_printf(b, "<div class=\"tile\"><b>%s</b>mean reward_k</div>",
	    scored ? t : "-");
	/* prompt tokens read from a prompt cache cost a fraction */
	rl_buf_printf(b, "<div class=\"tile\"><b>%.0f%%</b>prompt tokens "
	    "cached</div>", in > 0 ? 100 * cached / in : 0);
	rl_buf_printf(b, "<div class=\"tile\"><b>%.0f</b>requests</div>", req);
	rl_buf_printf(b, "<div class=\"tile\"><b>%.0f</b>errors</div>", err);
	rl_buf_adds(b, "</div>\n");
}

int
rl_dash_render(const char *path, struct rl_stats_window *w,
	struct rl_buf *out)
{
	cJSON *runs, *series, *models, *cmds, *errs;
	char now[40];

	runs = rl_stats_runs(path, w);
	series = rl_stats_series(path, w, SPANS);
	models = rl_stats_summary(path, w, NULL);
	cmds = rl_stats_summary(path, w, "cmd");
	errs = rl_stats_errors(path, w, 10);
	if (!runs || !series || !models || !cmds || !errs) {
		cJSON_Delete(runs);
		cJSON_Delete(series);
		cJSON_Delete(models);
		cJSON_Delete(cmds);
		cJSON_Delete(errs);
		return -1;
	}
	rl_dur_iso(rl_now_ms(), now, sizeof now);
	rl_buf_printf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><title>redline dashboard</title>"
	    "<meta name=\"viewport\" content=\"width=device-width\">"
	    "<style>%s</style></head><body>\n<h1>redline dashboard</h1>\n"
	    "<p class=\"sub\">", style);
	rl_buf_printf(out, "%s to %s &middot; written %s &middot; ",
	    w->since ? w->since : "the first event", w->until ? w->until : "now",
	    now);
	rl_chart_esc(out, path);
	rl_buf_adds(out, "</p>\n");
	tiles(out, runs, cmds);
	rl_buf_adds(out, "<div class=\"grid\">\n");
	over_time(out, series);
	latency(out, models);
	tokens(out, runs);
	reward(out, runs);
	queue(out, series);
	resources(out, cmds);
	rl_buf_adds(out, "</div>\n<div class=\"grid\" style=\"margin-top:18px\">\n");
	runs_table(out, runs);
	errors_table(out, errs);
	rl_buf_adds(out, "</div>\n</body></html>\n");
	cJSON_Delete(runs);
	cJSON_Delete(series);
	cJSON_Delete(models);
	cJSON_Delete(cmds);
	cJSON_Delete(errs);
	return 0;
}
