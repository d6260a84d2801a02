/*
 * rl_stats.h - summaries of the metrics log (rl_metrics.h).
 *
 * Each function reads the log at path once, with its rotated history
 * (rl_history.h), keeps the events whose "at"
 * is in [since, until) (ISO 8601 strings, compared as text, so a prefix
 * such as "2026-11-24" works; NULL: no bound), and return an array the
 * caller owns.
 *
 * Percentiles are nearest-rank: p of n sorted values is the value at rank
 * ceil(p / 100 * n), so on a small set they are values that were seen.
 */
#ifndef RL_STATS_H
#define RL_STATS_H
#include <cjson/cJSON.h>

struct rl_stats_window {
	const char *since, *until;   /* ISO 8601, or NULL */
	long skipped;                /* out: lines that were not events */
	long events;                 /* out: events in the window */
};

/*
 * One object per group: by default per command, provider and model
 * ({"cmd", "provider", "model"}, the last two "-" for events without
 * them); with by, per value of that event field ({by: value}).  Each has
 * events, requests, failed_requests, retries, errors (the count of
 * diagnostics with a code), latency_ms {p50, p95, p99, max} over the ms
 * of requests and tool runs (absent when there are none), prompt_tokens,
 * completion_tokens, cpu_ms (all runs) and max_cpu_ms (the largest one),
 * max_rss_kb, bytes_in, bytes_out, first and last.  Groups come in order of first appearance.  NULL when the log
 * cannot be read (errno set); an absent log is an empty one.
 */
cJSON *rl_stats_summary(const char *path, struct rl_stats_window *w,
	const char *by);

/*
 * Error patterns: "error" events grouped by code, command, provider and
 * tool (the last two "-" when the error had none), each with
 * category, count, first, last, message (the latest), and trend: rising,
 * falling or steady, from the counts in the first and second halves of
 * the window (since to until, or the first event's time to the last's;
 * steady when that is one instant).
 * Most frequent first; at most top groups (0: all).
 */
cJSON *rl_stats_errors(const char *path, struct rl_stats_window *w, int top);

/*
 * Runs: the "run" event rl-complete logs for each task it ends (id, task,
 * status, iter, prompt_tokens, completion_tokens, duration_ms, and when
 * the debt was measured debt_before, debt_after, offset, reward,
 * reward_k; arms, the "stage/model" pairs it used), the last one of each
 * id, in the order they ended.
 */
cJSON *rl_stats_runs(const char *path, struct rl_stats_window *w);

/*
 * The window cut into n equal spans of time, from its first event to its
 * last: {"from", "to", "requests": [n], "errors": [n], "queue_depth": [n]}
 * (requests made, requests failed plus diagnostics counted, and the mean
 * of the tasks in or waiting for redline run's ring).  An empty object
 * when there are no events.
 */
cJSON *rl_stats_series(const char *path, struct rl_stats_window *w, int n);

/* "1h", "30m", "7d" (rl_dur_parse) as the ISO time that long ago, or an
 * ISO 8601 date or time as it is; -1 for anything else. */
int rl_stats_time(const char *arg, char *iso, size_t size);

#endif
