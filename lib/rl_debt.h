/*
 * rl_debt.h - technical debt, measured: a total and its parts.
 *
 *     cJSON *rec = rl_debt_measure(&cfg, "/src/app", &err);
 *
 * The built-in measures read every text file of the tree (rl_tree.h;
 * files with a NUL byte in their first 8 KiB are binary and skipped), in
 * one pass per file, and know nothing of any language beyond two
 * families: brace languages (C, C++, Java, JavaScript, Go, Rust, C#,
 * shell, ...) where a function is a block opened by '{' after ')', and
 * indent languages (Python) where it is a "def" and what is indented
 * under it.  The kinds, each with a weight (reward.weights.KIND):
 *
 *   long_function   a function over reward.max_function_lines lines:
 *                   weight x lines / max for each
 *   deep_nesting    a function nested over reward.max_nesting blocks
 *                   deep: weight x the levels over, for each
 *   long_line       a line over reward.max_line columns (tabs to 8)
 *   duplicate       a line in a window of reward.dup_window significant
 *                   lines (white space ignored; lines of one or two
 *                   characters skipped) seen before, in any file:
 *                   weight x duplicated lines / window
 *   marker          TODO, FIXME, XXX or HACK as a word
 *   oversized_file  a file over reward.max_file_lines lines:
 *                   weight x lines / max
 *
 * and one kind per analyzer of SHARE/debt.d (redline-debt(5)) that is
 * installed: a program run over the files of its languages whose output
 * lines are matched by a regular expression; each match is a finding,
 * weighted by how far its value exceeds a threshold when it has one.
 * An analyzer that is missing is skipped, and the record says so.
 * What an analyzer finds in each file is kept in STATE/debt (rl_cache.h)
 * under the hash of the analyzer's identity (its manifest, and its
 * program's path, size, time and inode), the file's path and its bytes,
 * so a measure runs it over the files that changed since the last one
 * alone; the record is the same, byte for byte, as without the cache.
 * A finding counts for the file its line names when the analyzer was
 * given that file: a header's finding reported while a source file was
 * analyzed is the header's, kept with it.
 *
 * The record:
 *   {"dir", "total", "files_measured", "lines",
 *    "kinds": {KIND: {"count", "debt"}, ...},
 *    "files": [{"path", "lines", "debt", "kinds": {KIND: {"count", "debt"}}}],
 *    "analyzers": [{"name", "kind", "ran", "findings", "note"}],
 *    "weights": {KIND: weight, ...}}
 * with only files that have debt listed, in path order, and numbers
 * rounded to 1/1000: the same tree gives the same record, byte for byte.
 */
#ifndef RL_DEBT_H
#define RL_DEBT_H
#include <cjson/cJSON.h>
#include "rl_config.h"
#include "rl_err.h"

/* Measure the tree at dir; NULL with e set (io.open) when it cannot be
 * read.  The caller owns the record. */
cJSON *rl_debt_measure(const struct rl_config *cfg, const char *dir,
	struct rl_error *e);

/* The kinds of a record that hold debt, as {KIND: debt}: what a baton
 * keeps of a measure (the caller owns it). */
cJSON *rl_debt_kinds(const cJSON *record);

#endif
