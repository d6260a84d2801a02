/*
 * rl-stats - what the metrics log says: summaries and error patterns.
 *
 *   rl-stats [-J] [--since time] [--until time] [--by key]
 *   rl-stats --html file [--since time] [--until time]
 *   rl-stats errors [-J] [--since time] [--until time] [--top n]
 *   rl-stats runs [-J] [--since time] [--until time]
 *   rl-stats check [--since time] [--until time]
 *
 * One function per form; the options, read before or after the form's
 * name, hold the window (--since, --until) every form reads.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rl_cmd.h"
#include "rl_config.h"
#include "rl_err.h"
#include "rl_json.h"
#include "rl_metrics.h"
#include "rl_dash.h"
#include "rl_fs.h"
#include "rl_out.h"
#include "rl_stats.h"
#include "rl_text.h"

static struct rl_config cfg;

static const char usage[] =
    "usage: rl-stats [-J] [--since time] [--until time] [--by key]\n"
    "       rl-stats --html file [--since time] [--until time]\n"
    "       rl-stats errors [-J] [--since time] [--until time] [--top n]\n"
    "       rl-stats runs [-J] [--since time] [--until time]\n"
    "       rl-stats check [--since time] [--until time]\n";

enum { OPT_SINCE = RL_OPT_LONG, OPT_UNTIL, OPT_BY, OPT_TOP, OPT_HTML };

static const struct option opts[] = {
	{"ndjson", no_argument, NULL, 'J'},
	{"since", required_argument, NULL, OPT_SINCE},
	{"until", required_argument, NULL, OPT_UNTIL},
	{"by", required_argument, NULL, OPT_BY},
	{"top", required_argument, NULL, OPT_TOP},
	{"html", required_argument, NULL, OPT_HTML},
	RL_CMD_OPTIONS
};

static struct rl_cmd_args A = {
	.usage = usage,
	.optstring = "hJ",
	.longopts = opts,
};

/* The options, as given (or their defaults), and the metrics log. */
static struct {
	struct rl_stats_window w;
	char since[64], until[64];
	const char *by, *html;
	int nd, top;
} O;
static struct rl_buf logpath;

static double
n_of(const cJSON *o, const char *k)
{
	return cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* The cost of each row's tokens whose model has a price (prices.MODEL):
 * model names hold dots, so the price is looked up by hand.  Prompt
 * tokens read from a cache cost the cached price (the prompt price
 * when there is none).  Whether any row has one. */
static int
add_costs(cJSON *rows)
{
	const cJSON *prices = rl_config_get(&cfg, "prices"), *p;
	cJSON *r;
	double fresh, cached;
	int any = 0;

	cJSON_ArrayForEach(r, rows) {
		if (!rl_json_str(r, "model") ||
		    !(p = cJSON_GetObjectItemCaseSensitive(prices, rl_json_str(r, "model"))))
			continue;
		cached = n_of(r, "cached_tokens");
		fresh = n_of(r, "prompt_tokens") - cached;
		rl_json_set(r, "cost", cJSON_CreateNumber(round((fresh *
		    rl_json_num(p, "prompt", 0) + cached * rl_json_num(p, "cached",
		    rl_json_num(p, "prompt", 0)) + n_of(r, "completion_tokens") *
		    rl_json_num(p, "completion", 0)) / 1e6 * 1e6) / 1e6));
		any = 1;
	}
	return any;
}

/*
 * A column of a table: the string member key of each row (by: the
 * member printed as JSON), fitted to cols characters (rl_text_fit), so
 * that no cut makes two names read alike.  free_column frees it.
 */
static char **
column(const cJSON *rows, const char *key, int by, size_t cols, int keep_end)
{
	int n = cJSON_GetArraySize(rows), i = 0;
	char **in = rl_xcalloc((size_t)n + 1, sizeof *in);
	char **out = rl_xcalloc((size_t)n + 1, sizeof *out);
	struct rl_buf v = {0};
	const cJSON *r;

	cJSON_ArrayForEach(r, rows) {
		if (by)
			rl_json_print(cJSON_GetObjectItemCaseSensitive(r, key), &v);
		else
			rl_buf_adds(&v, rl_json_str(r, key) ? rl_json_str(r, key) : "-");
		in[i++] = rl_buf_detach(&v);
	}
	rl_text_fit((const char *const *)in, (size_t)n, cols, keep_end, "..", out);
	for (i = 0; i < n; i++)
		free(in[i]);
	free(in);
	return out;
}

static void
free_column(char **c, const cJSON *rows)
{
	int i;

	for (i = 0; i < cJSON_GetArraySize(rows); i++)
		free(c[i]);
	free(c);
}

/* s, then spaces to cols characters and one more: a cell of a table. */
static void
cell(const char *s, size_t cols)
{
	size_t n = rl_utf8_count(s);

	printf("%s%*s", s, (int)(n < cols ? cols - n : 0) + 1, "");
}

static void
table_summary(const cJSON *rows, const char *by, int costs)
{
	char **cmd = column(rows, by ? by : "cmd", by != NULL, by ? 24 : 14, 1);
	char **prov = column(rows, "provider", 0, 12, 1);
	char **model = column(rows, "model", 0, 18, 1);
	const cJSON *r, *l;
	char lat[64];
	int i = 0;

	if (by)
		cell(by, 24);
	else
		printf("%-14s %-12s %-18s ", "CMD", "PROVIDER", "MODEL");
	printf("%7s %6s %5s %5s %5s %21s %9s %9s %9s %9s %8s%s\n", "EVENTS",
	    "REQS", "FAIL", "RETRY", "ERRS", "P50/P95/P99 MS", "TOK IN", "CACHED",
	    "TOK OUT", "CPU MS", "RSS KB", costs ? "      COST" : "");
	cJSON_ArrayForEach(r, rows) {
		cell(cmd[i], by ? 24 : 14);
		if (!by) {
			cell(prov[i], 12);
			cell(model[i], 18);
		}
		i++;
		l = cJSON_GetObjectItemCaseSensitive(r, "latency_ms");
		if (l)
			snprintf(lat, sizeof lat, "%.0f/%.0f/%.0f", n_of(l, "p50"),
			    n_of(l, "p95"), n_of(l, "p99"));
		else
			snprintf(lat, sizeof lat, "-");
		printf("%7.0f %6.0f %5.0f %5.0f %5.0f %21s %9.0f %9.0f %9.0f %9.0f %8.0f",
		    n_of(r, "events"), n_of(r, "requests"), n_of(r, "failed_requests"),
		    n_of(r, "retries"), n_of(r, "errors"), lat, n_of(r, "prompt_tokens"),
		    n_of(r, "cached_tokens"), n_of(r, "completion_tokens"),
		    n_of(r, "cpu_ms"), n_of(r, "max_rss_kb"));
		if (cJSON_GetObjectItemCaseSensitive(r, "cost"))
			printf(" %9.4f", n_of(r, "cost"));
		putchar('\n');
	}
	free_column(cmd, rows);
	free_column(prov, rows);
	free_column(model, rows);
}

static void
table_runs(const cJSON *rows)
{
	char **id = column(rows, "id", 0, 20, 1);
	const cJSON *r;
	char off[16], rk[24];
	int i = 0;

	printf("%-20s %-7s %4s %9s %8s %11s %8s  %s\n", "ID", "STATUS", "ITER",
	    "TOKENS", "OFFSET", "REWARD_K", "SECONDS", "TASK");
	cJSON_ArrayForEach(r, rows) {
		snprintf(off, sizeof off, "-");
		snprintf(rk, sizeof rk, "-");
		if (cJSON_GetObjectItemCaseSensitive(r, "offset")) {
			snprintf(off, sizeof off, "%.1f%%", 100 * n_of(r, "offset"));
			snprintf(rk, sizeof rk, "%.4g", n_of(r, "reward_k"));
		}
		cell(id[i++], 20);
		printf("%-7.7s %4.0f %9.0f %8s %11s %8.1f  %s%s%s%s\n",
		    rl_json_str(r, "status") ? rl_json_str(r, "status") : "-",
		    n_of(r, "iter"), n_of(r, "prompt_tokens") +
		    n_of(r, "completion_tokens"), off, rk,
		    cJSON_GetObjectItemCaseSensitive(r, "duration_ms") ?
		    n_of(r, "duration_ms") / 1000 : 0, rl_json_str(r, "task") ?
		    rl_json_str(r, "task") : "", rl_json_str(r, "code") ? " (" : "",
		    rl_json_str(r, "code") ? rl_json_str(r, "code") : "",
		    rl_json_str(r, "code") ? ")" : "");
	}
	free_column(id, rows);
}

/* The dashboard page into file, replaced whole. */
static int
write_html(const char *file, const char *log, struct rl_stats_window *w)
{
	struct rl_buf page = {0};
	int status = RL_EXIT_OK;

	if (rl_dash_render(log, w, &page) < 0) {
		rl_diag(log, 0, "io.read", "%m");
		status = RL_EXIT_TEMP;
	} else if (rl_fs_replace(file, page.data, page.len, 0644) < 0) {
		rl_diag(file, 0, "io.write", "%m");
		status = RL_EXIT_TEMP;
	}
	rl_buf_free(&page);
	return status;
}

static void
table_errors(const cJSON *rows)
{
	char **code = column(rows, "code", 0, 24, 0);
	char **cmd = column(rows, "cmd", 0, 13, 1);
	char **prov = column(rows, "provider", 0, 12, 1);
	char **tool = column(rows, "tool", 0, 12, 1);
	const cJSON *r;
	int i = 0;

	printf("%7s %-24s %-13s %-12s %-12s %-7s %-24s %s\n", "COUNT", "CODE",
	    "CMD", "PROVIDER", "TOOL", "TREND", "LAST", "MESSAGE");
	cJSON_ArrayForEach(r, rows) {
		printf("%7.0f ", n_of(r, "count"));
		cell(code[i], 24);
		cell(cmd[i], 13);
		cell(prov[i], 12);
		cell(tool[i], 12);
		i++;
		printf("%-7s %-24s %s\n", rl_json_str(r, "trend"),
		    rl_json_str(r, "last"), rl_json_str(r, "message"));
	}
	free_column(code, rows);
	free_column(cmd, rows);
	free_column(prov, rows);
	free_column(tool, rows);
}

/* The value a gate looks at in a summary row: NAN when there is none. */
static double
gate_value(const cJSON *r, int gate)
{
	switch (gate) {
	case 0:
		return n_of(cJSON_GetObjectItemCaseSensitive(r, "latency_ms"), "p95");
	case 1: return n_of(r, "max_rss_kb");
	case 2: return n_of(r, "max_cpu_ms");
	default: return n_of(r, "bytes_in") + n_of(r, "bytes_out");
	}
}

/* A row's name for a message: "rl-plan ollama qwen", or "rl-act". */
static void
row_name(const cJSON *r, char *out, size_t size)
{
	const char *p = rl_json_str(r, "provider"), *m = rl_json_str(r, "model");

	snprintf(out, size, "%s%s%s%s%s", rl_json_str(r, "cmd"),
	    strcmp(p, "-") ? " " : "", strcmp(p, "-") ? p : "",
	    strcmp(m, "-") ? " " : "", strcmp(m, "-") ? m : "");
}

/* Each gate of config gates.* that a row fails, as a diagnostic; the
 * number failed. */
static int
gates(const cJSON *rows)
{
	static const struct {
		const char *key, *what, *unit;
	} g[] = {
		{"gates.p95_ms", "p95 latency", "ms"},
		{"gates.rss_kb", "memory", "KiB"},
		{"gates.cpu_ms", "CPU time of a run", "ms"},
		{"gates.io_bytes", "I/O", "bytes"},
	};
	const cJSON *r;
	char who[160];
	double limit, v;
	int i, failed = 0;

	cJSON_ArrayForEach(r, rows) {
		row_name(r, who, sizeof who);
		for (i = 0; i < (int)(sizeof g / sizeof *g); i++) {
			limit = rl_config_num(&cfg, g[i].key, 0);
			v = gate_value(r, i);
			if (limit <= 0 || isnan(v) || v <= limit)
				continue;
			rl_diag(NULL, 0, "stats.gate", "%s: %s %.0f %s is over %s (%.0f)",
			    who, g[i].what, v, g[i].unit, g[i].key, limit);
			failed++;
		}
	}
	return failed;
}

/* rows, or NULL after saying why there are none; a word on the lines
 * that were skipped */
static cJSON *
got(cJSON *rows)
{
	if (!rows) {
		rl_diag(logpath.data, 0, "io.read", "%m");
		return NULL;
	}
	if (O.w.skipped)
		rl_diag(logpath.data, 0, "input.not_json", "skipped %ld line%s that "
		    "%s not an event (a torn last line, or damage)", O.w.skipped,
		    O.w.skipped == 1 ? "" : "s", O.w.skipped == 1 ? "is" : "are");
	return rows;
}

static void
records(const cJSON *rows)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, rows)
		rl_out_json(r);
}

static int
cmd_summary(int argc, char **argv)
{
	cJSON *rows;

	(void)argc;
	(void)argv;
	if (O.html && O.by)
		return rl_cmd_usage(&A, RL_EXIT_USAGE);
	if (O.html)
		return write_html(O.html, logpath.data, &O.w);
	if (!(rows = got(rl_stats_summary(logpath.data, &O.w, O.by))))
		return RL_EXIT_TEMP;
	if (O.nd) {
		add_costs(rows);
		records(rows);
	} else {
		table_summary(rows, O.by, add_costs(rows));
	}
	cJSON_Delete(rows);
	return RL_EXIT_OK;
}

static int
cmd_errors(int argc, char **argv)
{
	cJSON *rows;

	(void)argc;
	(void)argv;
	if (!(rows = got(rl_stats_errors(logpath.data, &O.w, O.top))))
		return RL_EXIT_TEMP;
	if (O.nd)
		records(rows);
	else
		table_errors(rows);
	cJSON_Delete(rows);
	return RL_EXIT_OK;
}

static int
cmd_runs(int argc, char **argv)
{
	cJSON *rows;

	(void)argc;
	(void)argv;
	if (!(rows = got(rl_stats_runs(logpath.data, &O.w))))
		return RL_EXIT_TEMP;
	if (O.nd)
		records(rows);
	else
		table_runs(rows);
	cJSON_Delete(rows);
	return RL_EXIT_OK;
}

/* The gates over the window, the last hour unless told: cron's usual. */
static int
cmd_check(int argc, char **argv)
{
	cJSON *rows;
	int failed;

	(void)argc;
	(void)argv;
	if (!O.w.since) {
		rl_stats_time("1h", O.since, sizeof O.since);
		O.w.since = O.since;
	}
	if (!(rows = got(rl_stats_summary(logpath.data, &O.w, NULL))))
		return RL_EXIT_TEMP;
	failed = gates(rows);
	cJSON_Delete(rows);
	return failed ? RL_EXIT_FAIL : RL_EXIT_OK;
}

static const struct rl_cmd_sub subs[] = {
	{"", cmd_summary, 0, 0, "ndjson since until by html"},
	{"errors", cmd_errors, 0, 0, "ndjson since until top"},
	{"runs", cmd_runs, 0, 0, "ndjson since until"},
	{"check", cmd_check, 0, 0, "since until"},
	{NULL, NULL, 0, 0, NULL}
};

/* An option's value, checked; -1 after saying what is wrong. */
static int
option(int c)
{
	char *end;

	switch (c) {
	case 'J': O.nd = 1; return 0;
	case OPT_BY: O.by = optarg; return 0;
	case OPT_HTML: O.html = optarg; return 0;
	case OPT_TOP:
		O.top = (int)strtol(optarg, &end, 10);
		if (!*end && O.top >= 1)
			return 0;
		rl_cmd_usage(&A, RL_EXIT_USAGE);
		return -1;
	case OPT_SINCE:
	case OPT_UNTIL:
		if (rl_stats_time(optarg, c == OPT_SINCE ? O.since : O.until,
		    sizeof O.since) < 0) {
			rl_diag(NULL, 0, "usage.bad_value", "--%s %s: not a time "
			    "(2026-11-24T10:00) or a duration (1h, 7d)",
			    c == OPT_SINCE ? "since" : "until", optarg);
			return -1;
		}
		if (c == OPT_SINCE)
			O.w.since = O.since;
		else
			O.w.until = O.until;
		return 0;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const struct rl_cmd_sub *sub;
	int c, status = RL_EXIT_USAGE;

	rl_cmd_start(argv[0], &cfg);
	O.nd = !isatty(1);
	while ((c = rl_cmd_getopt(&A, argc, argv)) != -1)
		if (option(c) < 0)
			return rl_cmd_finish(&cfg, NULL, RL_EXIT_USAGE);
	if (A.status >= 0)
		return rl_cmd_finish(&cfg, NULL, A.status);
	if ((sub = rl_cmd_sub(subs, &A, ""))) {
		rl_metrics_log_path(&cfg, &logpath);
		status = sub->run(A.sargc, A.sargv);
		rl_buf_free(&logpath);
	}
	return rl_cmd_finish(&cfg, NULL, status);
}
