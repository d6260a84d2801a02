/*
 * rl_metrics.h - the metrics log: one NDJSON event per request, stage
 * run, tool run, queue or memory operation.
 *
 * The log is STATE/metrics.ndjson (rl_config_state_dir).  Each event is
 * appended with one write(2) under an exclusive flock on
 * STATE/metrics.ndjson.lock, so any number of processes may log at once
 * and no event is ever interleaved with another.  A write that fails part
 * way is cut back; one cut by a crash can leave a partial line, which the
 * next event does not join (rl_fs_append starts a new line), and readers
 * (rl_metrics_read) skip it wherever it is and count it.
 *
 * Every event has:
 *   "at"       UTC time, ISO 8601 with milliseconds
 *   "cmd"      the program (rl_prog)
 *   "pid"      its process id
 *   "kind"     "stage", "request", "tool", "queue", "memory", "error",
 *              "run" (per task that ended: rl_stats_log_run), "ring"
 *              (redline run)
 * and the fields the caller adds; rl_metrics_add_usage adds wall_ms,
 * cpu_ms and max_rss_kb from getrusage(2).
 *
 * Every diagnostic with a code (rl_diag) is counted per code and context
 * (the provider, model and tool set by rl_metrics_context), and each is
 * logged once at exit as an "error" event with its count, its category,
 * its first message and that context.
 *
 * The log rotates into a compressed history that readers still see
 * (rl_history.h).
 *
 * Logging never fails a command: if the log cannot be written the first
 * failure is reported on stderr (io.write) and later events are dropped.
 * Set metrics.enabled to false (RL_METRICS=0) to log nothing.
 */
#ifndef RL_METRICS_H
#define RL_METRICS_H

#include <cjson/cJSON.h>

#include "rl_config.h"

/* Set (value) or clear (NULL) the context "provider", "model" or "tool"
 * that the errors counted from now on are attributed to. */
void rl_metrics_context(const char *key, const char *value);

/* Count an error that is not a diagnostic (a step's error, kept in its
 * observation), as rl_diag's are counted. */
void rl_metrics_count(const char *code, const char *message);

/* Start the clock and find the log from cfg.  Creates STATE (0700). */
void rl_metrics_open(const struct rl_config *cfg);

/* Append where cfg's log is, whether metrics are on or off (readers). */
void rl_metrics_log_path(const struct rl_config *cfg, struct rl_buf *out);

/* The log's path, or NULL when metrics are off or not opened. */
const char *rl_metrics_path(void);

/*
 * Add wall_ms (since rl_metrics_open), cpu_ms (user + system) and
 * max_rss_kb of this process (who = RUSAGE_SELF) or of its waited-for
 * children (RUSAGE_CHILDREN) to fields.
 */
void rl_metrics_add_usage(cJSON *fields, int who);

/*
 * Append one event of this kind; fields (may be NULL) is consumed.
 * Returns 0, or -1 when the event was not written.
 */
int rl_metrics_event(const char *kind, cJSON *fields);

/*
 * Call fn for every whole event in the log at path, in order; lines that
 * are not JSON objects and a final line without its newline are skipped
 * (and counted in *skipped when it is not NULL).  fn returns 0 to go on.
 * An event may hold a number beyond a double, as an infinity: read its
 * numbers with rl_json_num, which ignores those.
 * Returns the number of events read, or -1 when path cannot be read.
 */
long rl_metrics_read(const char *path, int (*fn)(const cJSON *ev, void *arg),
	void *arg, long *skipped);

/* The same over len bytes of log text; *skipped is added to. */
long rl_metrics_parse(const char *text, size_t len,
	int (*fn)(const cJSON *ev, void *arg), void *arg, long *skipped);

#endif
