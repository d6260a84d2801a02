/*
 * rl_dash.h - the dashboard: one self-contained HTML page of the
 * metrics log.
 *
 *     rl_dash_render(log_path, &window, &html);
 *
 * The page needs nothing from anywhere: its style is inline, its charts
 * are inline SVG, and it has no script, so it reads the same in any
 * browser, offline, or mailed.  Its sections, each an <h2> with an id:
 *
 *   summary     runs (every task that ended), finished, tokens, mean
 *               reward_k, requests, errors
 *   requests    requests and errors over time (48 spans of the window)
 *   latency     p50, p95 and p99 of requests per command, provider and
 *               model
 *   tokens      prompt and completion tokens per task (the last 20)
 *   reward      mean reward_k per agent and model (from the runs)
 *   queue       tasks in or waiting for redline run's ring, over time
 *   resources   CPU time and peak memory per command
 *   runs        the last 40 runs as a table
 *   errors      the ten most frequent error patterns
 *
 * A section without data says so instead of drawing an empty chart.
 * The charts are rl_chart's (rl_chart.h).  Bars of the latency chart are
 * named by what tells them apart of command, provider and model; what
 * they all share is said once above them.
 */
#ifndef RL_DASH_H
#define RL_DASH_H
#include "rl_buf.h"
#include "rl_stats.h"

/* Render the page for the log at path and window into out; 0, or -1
 * when the log cannot be read (errno set). */
int rl_dash_render(const char *path, struct rl_stats_window *w,
	struct rl_buf *out);

#endif
