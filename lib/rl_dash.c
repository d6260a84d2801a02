/*
 * rl_dash.c - the dashboard page; see rl_dash.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rl_dash.h"
#include "rl_dur.h"
#include "rl_json.h"

#define SPANS 48
#define SHOWN 40               /* runs a chart or table shows */
#define W 580                  /* a chart's size */
#define H 230
#define ML 56                  /* margins: left, right, top, bottom */
#define MR 12
#define MT 28
#define MB 64

static const char *const colors[] = {"#3465a4", "#cc0000", "#73d216",
	"#f57900"};

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
    ".FINISH{color:#2e7d32}.FAILED{color:#c62828}.BUDGET{color:#ef6c00}"
    "svg text{font:10px system-ui,sans-serif;fill:#444}";

/* n bytes of text for HTML, escaped. */
static void
escn(struct rl_buf *b, const char *s, size_t n)
{
	for (; s && n && *s; s++, n--) {
		switch (*s) {
		case '<': rl_buf_adds(b, "&lt;"); break;
		case '>': rl_buf_adds(b, "&gt;"); break;
		case '&': rl_buf_adds(b, "&amp;"); break;
		case '"': rl_buf_adds(b, "&quot;"); break;
		default: rl_buf_addc(b, *s);
		}
	}
}

/* Text for HTML, escaped. */
static void
esc(struct rl_buf *b, const char *s)
{
	escn(b, s, (size_t)-1);
}

/* A label for an axis: at most 24 bytes, its start and its end kept. */
static void
label(struct rl_buf *b, const char *s)
{
	size_t n = strlen(s), head = 11, tail;

	if (n <= 24) {
		esc(b, s);
		return;
	}
	while (head > 0 && ((unsigned char)s[head] & 0xc0) == 0x80)
		head--;
	tail = n - 12;
	while (tail < n && ((unsigned char)s[tail] & 0xc0) == 0x80)
		tail++;
	escn(b, s, head);
	rl_buf_adds(b, "&hellip;");
	esc(b, s + tail);
}

/* A short number: 1234567 -> 1.23M. */
static void
num(char *out, size_t size, double v)
{
	double a = fabs(v);

	if (a >= 1e9)
		snprintf(out, size, "%.3gG", v / 1e9);
	else if (a >= 1e6)
		snprintf(out, size, "%.3gM", v / 1e6);
	else if (a >= 1e4)
		snprintf(out, size, "%.3gk", v / 1e3);
	else
		snprintf(out, size, "%.4g", v);
}

static void
open_card(struct rl_buf *b, const char *id, const char *title)
{
	rl_buf_printf(b, "<div class=\"card\"><h2 id=\"%s\">", id);
	esc(b, title);
	rl_buf_adds(b, "</h2>\n");
}

static void
none(struct rl_buf *b, const char *what)
{
	rl_buf_adds(b, "<p class=\"none\">");
	esc(b, what);
	rl_buf_adds(b, "</p></div>\n");
}

/* A value to draw: a NaN or an infinity (no JSON number is one, but a
 * sum can overflow) is drawn as 0, never as "nan" in the SVG. */
static double
fin(double v)
{
	return isfinite(v) ? v : 0;
}

/* The y axis from lo to hi with its zero line, and the legend. */
static void
axes(struct rl_buf *b, double lo, double hi, const char *const *names,
	int ns)
{
	char t[32];
	double y0 = MT + (H - MT - MB) * hi / (hi - lo);
	int i;

	rl_buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#999\"/>", ML, MT, ML, H - MB);
	rl_buf_printf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
	    "stroke=\"#999\"/>", ML, y0, W - MR, y0);
	num(t, sizeof t, hi);
	rl_buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>",
	    ML - 4, MT + 8, t);
	num(t, sizeof t, lo);
	rl_buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>",
	    ML - 4, H - MB, t);
	for (i = 0; i < ns; i++) {
		rl_buf_printf(b, "<rect x=\"%d\" y=\"4\" width=\"10\" height=\"10\" "
		    "fill=\"%s\"/><text x=\"%d\" y=\"13\">", ML + 120 * i,
		    colors[i], ML + 120 * i + 14);
		esc(b, names[i]);
		rl_buf_adds(b, "</text>");
	}
}

/* The times a chart spans, under its ends. */
static void
ends(struct rl_buf *b, const char *from, const char *to)
{
	rl_buf_printf(b, "<text x=\"%d\" y=\"%d\">", ML, H - MB + 14);
	esc(b, from);
	rl_buf_printf(b, "</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">",
	    W - MR, H - MB + 14);
	esc(b, to);
	rl_buf_adds(b, "</text>");
}

/*
 * Bars: n groups labelled labels[i], ns series of values v[s * n + i]
 * side by side (stacked when stack), in one chart.  Without labels (NULL:
 * spans of time) the chart is left open, for the caller to mark its ends
 * and close.
 */
static void
bars(struct rl_buf *b, const char *what, const char *const *labels, int n,
	const double *v, int ns, const char *const *names, int stack)
{
	double lo = 0, hi = 0, sum, gw, bw, x, y0, y1, top;
	int i, s;

	for (i = 0; i < n; i++) {
		for (s = 0, sum = 0; s < ns; s++) {
			sum = fin(stack ? sum + fin(v[s * n + i]) : v[s * n + i]);
			if (sum > hi)
				hi = sum;
			if (fin(v[s * n + i]) < lo)
				lo = fin(v[s * n + i]);
		}
	}
	if (hi == lo)
		hi = lo + 1;
	rl_buf_printf(b, "<svg width=\"%d\" height=\"%d\" role=\"img\" "
	    "aria-label=\"", W, H);
	esc(b, what);
	rl_buf_adds(b, "\">");
	axes(b, lo, hi, names, ns);
	gw = (double)(W - ML - MR) / n;
	bw = stack ? gw * 0.7 : gw * 0.8 / ns;
	y0 = MT + (H - MT - MB) * hi / (hi - lo);
	for (i = 0; i < n; i++) {
		top = y0;
		for (s = 0; s < ns; s++) {
			double val = fin(v[s * n + i]), h = (H - MT - MB) * fabs(val) / (hi - lo);

			x = ML + gw * i + (stack ? gw * 0.15 : gw * 0.1 + bw * s);
			if (stack) {
				y1 = top - h;
				top = y1;
			} else {
				y1 = val >= 0 ? y0 - h : y0;
			}
			rl_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			    "height=\"%.1f\" fill=\"%s\"><title>", x, y1, bw > 1 ? bw : 1,
			    h, colors[s]);
			esc(b, labels ? labels[i] : "");
			rl_buf_printf(b, " %s: %g</title></rect>", names[s], val);
		}
		if (labels && labels[i][0] && (n <= 16 || i % (n / 12 + 1) == 0)) {
			rl_buf_printf(b, "<text transform=\"translate(%.1f,%d) rotate(-30)\" "
			    "text-anchor=\"end\">", ML + gw * i + gw / 2, H - MB + 12);
			label(b, labels[i]);
			rl_buf_adds(b, "</text>");
		}
	}
	if (labels)
		rl_buf_adds(b, "</svg></div>\n");
}

/* A line over n points. */
static void
line(struct rl_buf *b, const char *what, const double *v, int n,
	const char *name, const char *from, const char *to)
{
	double hi = 0;
	int i;

	for (i = 0; i < n; i++)
		if (fin(v[i]) > hi)
			hi = fin(v[i]);
	if (hi == 0)
		hi = 1;
	rl_buf_printf(b, "<svg width=\"%d\" height=\"%d\" role=\"img\" "
	    "aria-label=\"", W, H);
	esc(b, what);
	rl_buf_adds(b, "\">");
	axes(b, 0, hi, &name, 1);
	rl_buf_printf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
	    "points=\"", colors[0]);
	for (i = 0; i < n; i++)
		rl_buf_printf(b, "%.1f,%.1f ", ML + (W - ML - MR) * (i + 0.5) / n,
		    H - MB - (H - MT - MB) * fin(v[i]) / hi);
	rl_buf_adds(b, "\"/>");
	ends(b, from, to);
	rl_buf_adds(b, "</svg></div>\n");
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
		bars(b, "requests and errors per span of time", NULL, n, v, 2,
		    names, 0);
		ends(b, rl_json_str(series, "from"), rl_json_str(series, "to"));
		rl_buf_adds(b, "</svg></div>\n");
	}
	free(r);
	free(e);
	free(v);
}

static void
latency(struct rl_buf *b, const cJSON *summary)
{
	static const char *const names[] = {"p50 ms", "p95 ms", "p99 ms"};
	static const char *const keys[] = {"p50", "p95", "p99"};
	const cJSON *r, *l;
	struct rl_buf lab = {0};
	char **labels = NULL;
	double *v = NULL;
	int n = 0, i, k;

	open_card(b, "latency", "Latency percentiles by model");
	cJSON_ArrayForEach(r, summary)
		if (rl_json_num(r, "requests", 0) > 0 &&
		    cJSON_GetObjectItemCaseSensitive(r, "latency_ms"))
			n++;
	if (!n) {
		none(b, "no requests in this window");
		return;
	}
	labels = rl_xcalloc((size_t)n, sizeof *labels);
	v = rl_xcalloc(3 * (size_t)n, sizeof *v);
	i = 0;
	cJSON_ArrayForEach(r, summary) {
		if (rl_json_num(r, "requests", 0) <= 0 ||
		    !(l = cJSON_GetObjectItemCaseSensitive(r, "latency_ms")))
			continue;
		rl_buf_reset(&lab);
		rl_buf_printf(&lab, "%s %s", rl_json_str(r, "provider"),
		    rl_json_str(r, "model"));
		labels[i] = rl_buf_detach(&lab);
		for (k = 0; k < 3; k++)
			v[k * n + i] = rl_json_num(l, keys[k], 0);
		i++;
	}
	bars(b, "latency percentiles per provider and model",
	    (const char *const *)labels, n, v, 3, names, 0);
	for (i = 0; i < n; i++)
		free(labels[i]);
	free(labels);
	free(v);
	rl_buf_free(&lab);
}

static void
tokens(struct rl_buf *b, const cJSON *runs)
{
	static const char *const names[] = {"prompt", "completion"};
	int n = cJSON_GetArraySize(runs), first = n > SHOWN ? n - SHOWN : 0, i;
	const char **labels;
	const cJSON *r;
	double *v;

	open_card(b, "tokens", "Tokens per task");
	if (!n) {
		none(b, "no runs in this window");
		return;
	}
	n -= first;
	labels = rl_xcalloc((size_t)n, sizeof *labels);
	v = rl_xcalloc(2 * (size_t)n, sizeof *v);
	for (i = 0; i < n; i++) {
		r = cJSON_GetArrayItem(runs, first + i);
		labels[i] = rl_json_str(r, "id");
		v[i] = rl_json_num(r, "prompt_tokens", 0);
		v[n + i] = rl_json_num(r, "completion_tokens", 0);
	}
	bars(b, "prompt and completion tokens per task", labels, n, v, 2, names, 1);
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
	bars(b, "mean reward_k per agent and model", labels, n, v, 1, names, 0);
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
		any += d[i];
	if (!any)
		none(b, "no redline run in this window");
	else
		line(b, "tasks in or waiting for the ring", d, n, "tasks",
		    rl_json_str(series, "from"), rl_json_str(series, "to"));
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
	/* the CPU chart closes the card; the memory chart gets its own */
	bars(b, "CPU time per command", labels, n, c, 1, cpu, 0);
	open_card(b, "memory", "Peak memory per stage");
	bars(b, "peak memory per command", labels, n, m, 1, rss, 0);
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
		esc(b, rl_json_str(r, "task"));
		rl_buf_printf(b, "</td><td class=\"%s\">", rl_json_str(r, "status") ?
		    rl_json_str(r, "status") : "");
		esc(b, rl_json_str(r, "status"));
		rl_buf_printf(b, "</td><td>%.0f</td><td>%.0f</td>",
		    rl_json_num(r, "iter", 0), rl_json_num(r, "prompt_tokens", 0) +
		    rl_json_num(r, "completion_tokens", 0));
		if (cJSON_GetObjectItemCaseSensitive(r, "offset")) {
			rl_buf_printf(b, "<td>%g &rarr; %g</td><td>%.1f%%</td>",
			    rl_json_num(r, "debt_before", 0), rl_json_num(r,
			    "debt_after", 0), 100 * rl_json_num(r, "offset", 0));
			num(t, sizeof t, rl_json_num(r, "reward_k", 0));
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
		esc(b, rl_json_str(r, "code"));
		rl_buf_adds(b, "</td><td class=\"l\">");
		esc(b, rl_json_str(r, "cmd"));
		rl_buf_adds(b, "</td><td class=\"l\">");
		esc(b, rl_json_str(r, "trend"));
		rl_buf_adds(b, "</td><td class=\"l\">");
		esc(b, rl_json_str(r, "message"));
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
	num(t, sizeof t, tok);
	rl_buf_printf(b, "<div class=\"tile\"><b>%s</b>tokens</div>", t);
	num(t, sizeof t, scored ? rk / scored : 0);
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
	esc(out, path);
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
