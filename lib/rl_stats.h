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
 *
 * Numbers are rounded to what they mean: times in ms to 0.1; counts,
 * tokens and sizes to units; debt to 0.01; offset to 0.0001; rewards to
 * 4 significant digits.
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
 * the window (since to until, or the first event's time to the last's);
 * "once" when the pattern was logged at one time only (one event, which
 * counts one run's errors of that code), too little for a trend.
 * Most frequent first; at most top groups (0: all).
 */
cJSON *rl_stats_errors(const char *path, struct rl_stats_window *w, int top);

/*
 * Log the "run" event of a task that ended (rl_metrics_event): the
 * baton's id, task (its first 120 characters), status (ERROR when it has
 * none and ended on an error), code (the error's), iter,
 * prompt_tokens, completion_tokens, duration_ms (since it was created),
 * when the debt was measured debt_before, debt_after, offset, reward and
 * reward_k, and arms, the "stage/model" pairs its trail used.  A baton
 * without a string id and task (one standing for a line that was not a
 * baton) is no task: nothing is logged.
 *
 * Whoever ends a task logs it, once: rl-complete every baton it
 * completes, and at the end of a pipeline every baton with an error
 * that passes it; redline run, whose ring never sends a baton with an
 * error to rl-complete, every task it writes out with an error and
 * every one that goes to the dead letters.
 */
void rl_stats_log_run(const cJSON *baton);

/*
 * Runs: the "run" events (rl_stats_log_run), the last one of each id (a
 * task resumed, or requeued from the dead letters, counts once, as it
 * ended last), in the order they ended.
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
