/*
 * rl-stats - what the metrics log says: summaries and error patterns.
 *
 *   rl-stats [-J] [--since time] [--until time] [--by key]
 *   rl-stats errors [-J] [--since time] [--until time] [--top n]
 *   rl-stats check [--since time] [--until time]
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

static struct rl_config cfg;

static const char usage[] =
    "usage: rl-stats [-J] [--since time] [--until time] [--by key]\n"
    "       rl-stats --html file [--since time] [--until time]\n"
    "       rl-stats errors [-J] [--since time] [--until time] [--top n]\n"
    "       rl-stats runs [-J] [--since time] [--until time]\n"
    "       rl-stats check [--since time] [--until time]\n";

static int
bad_usage(void)
{
	fputs(usage, stderr);
	return RL_EXIT_USAGE;
}

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

static void
table_summary(const cJSON *rows, const char *by, int costs)
{
	const cJSON *r, *l;
	char lat[64];

	if (by)
		printf("%-24s", by);
	else
		printf("%-14s %-12s %-18s", "CMD", "PROVIDER", "MODEL");
	printf(" %7s %6s %5s %5s %5s %21s %9s %9s %9s %9s %8s%s\n", "EVENTS",
	    "REQS", "FAIL", "RETRY", "ERRS", "P50/P95/P99 MS", "TOK IN", "CACHED",
	    "TOK OUT", "CPU MS", "RSS KB", costs ? "      COST" : "");
	cJSON_ArrayForEach(r, rows) {
		if (by) {
			struct rl_buf v = {0};

			rl_json_print(cJSON_GetObjectItemCaseSensitive(r, by), &v);
			printf("%-24.24s", v.data);
			rl_buf_free(&v);
		} else {
			printf("%-14.14s %-12.12s %-18.18s", rl_json_str(r, "cmd"),
			    rl_json_str(r, "provider"), rl_json_str(r, "model"));
		}
		l = cJSON_GetObjectItemCaseSensitive(r, "latency_ms");
		if (l)
			snprintf(lat, sizeof lat, "%.0f/%.0f/%.0f", n_of(l, "p50"),
			    n_of(l, "p95"), n_of(l, "p99"));
		else
			snprintf(lat, sizeof lat, "-");
		printf(" %7.0f %6.0f %5.0f %5.0f %5.0f %21s %9.0f %9.0f %9.0f %9.0f %8.0f",
		    n_of(r, "events"), n_of(r, "requests"), n_of(r, "failed_requests"),
		    n_of(r, "retries"), n_of(r, "errors"), lat, n_of(r, "prompt_tokens"),
		    n_of(r, "cached_tokens"), n_of(r, "completion_tokens"),
		    n_of(r, "cpu_ms"), n_of(r, "max_rss_kb"));
		if (cJSON_GetObjectItemCaseSensitive(r, "cost"))
			printf(" %9.4f", n_of(r, "cost"));
		putchar('\n');
	}
}

static void
table_runs(const cJSON *rows)
{
	const cJSON *r;
	char off[16], rk[24];

	printf("%-20s %-7s %4s %9s %8s %11s %8s  %s\n", "ID", "STATUS", "ITER",
	    "TOKENS", "OFFSET", "REWARD_K", "SECONDS", "TASK");
	cJSON_ArrayForEach(r, rows) {
		snprintf(off, sizeof off, "-");
		snprintf(rk, sizeof rk, "-");
		if (cJSON_GetObjectItemCaseSensitive(r, "offset")) {
			snprintf(off, sizeof off, "%.1f%%", 100 * n_of(r, "offset"));
			snprintf(rk, sizeof rk, "%.4g", n_of(r, "reward_k"));
		}
		printf("%-20.20s %-7.7s %4.0f %9.0f %8s %11s %8.1f  %s\n",
		    rl_json_str(r, "id"), rl_json_str(r, "status") ?
		    rl_json_str(r, "status") : "-", n_of(r, "iter"),
		    n_of(r, "prompt_tokens") + n_of(r, "completion_tokens"), off, rk,
		    cJSON_GetObjectItemCaseSensitive(r, "duration_ms") ?
		    n_of(r, "duration_ms") / 1000 : 0, rl_json_str(r, "task") ?
		    rl_json_str(r, "task") : "");
	}
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
	const cJSON *r;

	printf("%7s %-24s %-13s %-12s %-12s %-7s %-24s %s\n", "COUNT", "CODE",
	    "CMD", "PROVIDER", "TOOL", "TREND", "LAST", "MESSAGE");
	cJSON_ArrayForEach(r, rows)
		printf("%7.0f %-24.24s %-13.13s %-12.12s %-12.12s %-7s %-24s %s\n",
		    n_of(r, "count"), rl_json_str(r, "code"), rl_json_str(r, "cmd"),
		    rl_json_str(r, "provider"), rl_json_str(r, "tool"),
		    rl_json_str(r, "trend"), rl_json_str(r, "last"),
		    rl_json_str(r, "message"));
}

enum { SUMMARY, ERRORS, CHECK, RUNS };

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

static int
run(int argc, char **argv, int mode)
{
	static const struct option opts[] = {
		{"since", required_argument, NULL, 's'},
		{"until", required_argument, NULL, 'u'},
		{"by", required_argument, NULL, 'b'},
		{"top", required_argument, NULL, 't'},
		{"html", required_argument, NULL, 'H'},
		{NULL, 0, NULL, 0}
	};
	const char *html = NULL;
	struct rl_stats_window w = {0};
	struct rl_buf path = {0};
	char since[64], until[64], *end;
	const char *by = NULL;
	const cJSON *r;
	cJSON *rows;
	int c, nd = !isatty(1), top = 0, status = RL_EXIT_OK;

	while ((c = getopt_long(argc, argv, "J", opts, NULL)) != -1) {
		switch (c) {
		case 'J':
			if (mode == CHECK)
				return bad_usage();
			nd = 1;
			break;
		case 's':
		case 'u':
			if (rl_stats_time(optarg, c == 's' ? since : until, sizeof since) < 0) {
				rl_diag(NULL, 0, "usage.bad_value", "--%s %s: not a time "
				    "(2026-11-24T10:00) or a duration (1h, 7d)",
				    c == 's' ? "since" : "until", optarg);
				return RL_EXIT_USAGE;
			}
			if (c == 's')
				w.since = since;
			else
				w.until = until;
			break;
		case 'b':
			if (mode != SUMMARY)
				return bad_usage();
			by = optarg;
			break;
		case 't':
			top = (int)strtol(optarg, &end, 10);
			if (mode != ERRORS || *end || top < 1)
				return bad_usage();
			break;
		case 'H':
			if (mode != SUMMARY)
				return bad_usage();
			html = optarg;
			break;
		default: return bad_usage();
		}
	}
	if (optind != argc || (html && by))
		return bad_usage();
	rl_metrics_log_path(&cfg, &path);
	if (html) {
		status = write_html(html, path.data, &w);
		rl_buf_free(&path);
		return status;
	}
	if (mode == CHECK && !w.since) {
		rl_stats_time("1h", since, sizeof since);   /* cron's usual hour */
		w.since = since;
	}
	rows = mode == ERRORS ? rl_stats_errors(path.data, &w, top) :
	    mode == RUNS ? rl_stats_runs(path.data, &w) :
	    rl_stats_summary(path.data, &w, by);
	if (!rows) {
		rl_diag(path.data, 0, "io.read", "%m");
		rl_buf_free(&path);
		return RL_EXIT_TEMP;
	}
	if (w.skipped)
		rl_diag(path.data, 0, "input.not_json", "skipped %ld line%s that %s "
		    "not an event (a torn last line, or damage)", w.skipped,
		    w.skipped == 1 ? "" : "s", w.skipped == 1 ? "is" : "are");
	if (mode == CHECK)
		status = gates(rows) ? RL_EXIT_FAIL : RL_EXIT_OK;
	else if (!nd && mode == ERRORS)
		table_errors(rows);
	else if (!nd && mode == RUNS)
		table_runs(rows);
	else if (!nd)
		table_summary(rows, by, mode == SUMMARY && add_costs(rows));
	else {
		if (mode == SUMMARY)
			add_costs(rows);
		cJSON_ArrayForEach(r, rows)
			rl_out_json(r);
	}
	cJSON_Delete(rows);
	rl_buf_free(&path);
	return status;
}

int
main(int argc, char **argv)
{
	int status;

	rl_cmd_start(argv[0], &cfg);
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(usage, stdout);
		return rl_cmd_finish(&cfg, NULL, RL_EXIT_OK);
	}
	if (argc > 1 && strcmp(argv[1], "errors") == 0)
		status = run(argc - 1, argv + 1, ERRORS);
	else if (argc > 1 && strcmp(argv[1], "check") == 0)
		status = run(argc - 1, argv + 1, CHECK);
	else if (argc > 1 && strcmp(argv[1], "runs") == 0)
		status = run(argc - 1, argv + 1, RUNS);
	else
		status = run(argc, argv, SUMMARY);
	return rl_cmd_finish(&cfg, NULL, status);
}
