/*
 * rl_history.h - the metrics log's history: rotation, compression,
 * retention, and reading all of it.
 *
 * When the log (rl_metrics.h) grows over metrics.max_bytes, or its first
 * event is older than metrics.max_age seconds, the command that notices it
 * at its end (rl_cmd_finish) renames it, under the log's lock, to
 *
 *     STATE/metrics-20261124T080500Z-4242.ndjson      (rotation time, pid)
 *
 * and compresses that with gzip(1) (kept as it is where gzip is missing)
 * in the background: the command's exit never waits for the compression
 * (rl_proc_detach), and a reader that finds the .gz beside the file it is
 * made from reads the file alone.
 * Then rotated files older than metrics.keep seconds, and any beyond the
 * newest metrics.keep_files, are removed.
 *
 * rl_history_read reads the rotated files, oldest first, then the log:
 * every event, in the order it was written; a rotated file whose rotation
 * came before since cannot hold an event of the window and is not read.
 */
#ifndef RL_HISTORY_H
#define RL_HISTORY_H
#include <cjson/cJSON.h>
#include "rl_config.h"

/* Rotate the log when it is due, then apply retention.  Never fails a
 * command: problems are reported once and the log is left as it is. */
void rl_history_rotate(const struct rl_config *cfg);

/*
 * Call fn for each event of the history of the log at path, as
 * rl_metrics_read does for one file (lines that are not events are
 * counted in *skipped); since (ISO 8601, may be NULL) skips rotated files
 * that end before it.  Returns the number of events, or -1 when the log's
 * directory cannot be read (an absent log and no history: 0).
 */
long rl_history_read(const char *path, const char *since,
	int (*fn)(const cJSON *ev, void *arg), void *arg, long *skipped);

#endif
