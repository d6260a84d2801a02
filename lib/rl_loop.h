/*
 * rl_loop.h - the record loop every command runs.
 *
 * rl_loop_run reads newline-delimited records from files or stdin and
 * calls back once per record, knowing the file name and line number:
 *
 *     struct rl_loop L = { .fn = handle, .arg = &state, .stage = "plan" };
 *     status = rl_loop_run(&L, argc, argv);
 *
 * Lines may be of any length up to max_bytes; CRLF endings are accepted
 * (the CR is not part of the record); a last line without a newline is a
 * record; blank lines are skipped (but counted for line numbers).
 *
 * A line that cannot be a record never reaches the callback and is never
 * dropped: the loop prints a diagnostic (unless RL_LOOP_QUIET), writes an
 * error baton carrying the raw line (rl_baton.h) and goes on.  The cases:
 *   input.too_large  the line is longer than max_bytes (the first 1 KiB is
 *                    kept in `raw`, its length in `raw_bytes`; the rest is
 *                    read and discarded, never held in memory)
 *   input.bad_utf8   invalid UTF-8 (repaired instead with RL_LOOP_REPAIR)
 *   input.not_json   not one JSON value (NUL bytes included)
 *   input.too_deep   nested deeper than max_depth
 *   input.duplicate_key  an object names a member twice
 * Each counts as a failed record: the loop's status becomes at least 1.
 */
#ifndef RL_LOOP_H
#define RL_LOOP_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Defaults, overridden by config limits.max_record_bytes and max_depth. */
#define RL_LOOP_MAX_BYTES (16UL << 20)
#define RL_LOOP_MAX_DEPTH 128

/* How much of an oversized line an error baton keeps. */
#define RL_LOOP_RAW_KEEP 1024

enum {
	RL_LOOP_QUIET = 1 << 0,  /* no diagnostics for bad lines */
	RL_LOOP_REPAIR = 1 << 1  /* repair invalid UTF-8 with U+FFFD */
};

struct rl_rec {
	const char *file;      /* "stdin" or the path given */
	unsigned long line;    /* line number within file, from 1 */
	const char *text;      /* the record's bytes, no newline, no CR */
	size_t len;
	cJSON *json;           /* the parsed record; owned by the loop */
	size_t repaired;       /* invalid UTF-8 sequences replaced */
};

/*
 * Called once per record.  Returns the record's exit status: RL_EXIT_OK,
 * or RL_EXIT_FAIL when it wrote an error baton for it, or another status.
 * r->json lives in the loop's arena (rl_arena.h): the callback may change
 * it, but must cJSON_Duplicate what it keeps after returning.
 */
typedef int (*rl_rec_fn)(struct rl_rec *r, void *arg);

struct rl_loop {
	rl_rec_fn fn;
	void *arg;
	const char *stage;     /* error.stage of error batons; may be NULL */
	size_t max_bytes;      /* 0: RL_LOOP_MAX_BYTES */
	int max_depth;         /* 0: RL_LOOP_MAX_DEPTH */
	unsigned flags;        /* RL_LOOP_* */
	/* where error batons go instead of stdout (it owns them), for a
	 * command that writes its output in its own order (rl_prov_pool.h) */
	void (*emit)(cJSON *baton, void *emit_arg);
	void *emit_arg;
	/* called before each read of input, for a command with work of its
	 * own in flight (rl_prov_pool_idle): it returns once fd is readable, or
	 * at once when it has nothing to do, and may write output while it
	 * waits; so a stage never sits on a finished baton because its
	 * next input has not come */
	void (*idle)(int fd, void *idle_arg);
	void *idle_arg;
	/* counters, filled in by rl_loop_run */
	unsigned long records; /* lines that were records, good or bad */
	unsigned long failed;  /* records whose status was not 0 */
	unsigned long long bytes;  /* bytes read */
};

/*
 * Run the loop over the nfiles paths in files ("-" is stdin), or over
 * stdin when nfiles is 0.  A file that cannot be opened or read is
 * reported (io.open, io.read) and the loop goes on with the next one.
 * Returns the merged exit status (rl_exit_merge) of all records and
 * files.
 */
int rl_loop_run(struct rl_loop *L, int nfiles, char **files);

/*
 * Report one bad record the way the loop does: a diagnostic
 * "PROG: FILE:LINE: CODE: MESSAGE" (unless RL_LOOP_QUIET) and an error
 * baton on stdout with the raw line.  extra, when not NULL, is added to
 * the baton's error object (its members are moved; extra is freed).
 * Returns RL_EXIT_FAIL.
 */
int rl_loop_reject(const struct rl_loop *L, const struct rl_rec *r,
	const char *code, const char *message, cJSON *extra);

#endif
