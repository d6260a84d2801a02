/*
 * rl_progress.h - a command says what it is waiting for (a provider that
 * is down, a rate limit): one event per change, never a pile of lines.
 *
 * Where an event goes depends on who reads stderr:
 *   - under `redline run`, which reads each stage's stderr and sets
 *     RL_PROGRESS=events in its environment: an event line, the ASCII
 *     record separator (0x1e, as RFC 7464's JSON text sequences begin a
 *     record), a JSON object, a newline,
 *         <RS>{"id":"rl-...","wait":"the provider","attempt":1,"of":3,"ms":500}
 *         <RS>{"id":"rl-..."}                  (the wait is over)
 *     which the ring shows in the task's status line, counting down;
 *   - on a terminal, one line at its bottom (rl_tty.h) that each event
 *     rewrites and the end of the wait clears:
 *         rl-reason: waiting for the provider (attempt 1 of 3, next in 0.5 s)
 *   - elsewhere (a file, a pipe): nothing; the final error says how many
 *     attempts were made.
 */
#ifndef RL_PROGRESS_H
#define RL_PROGRESS_H

#include <stddef.h>

#include "rl_buf.h"

#define RL_PROGRESS_RS '\036'

struct rl_progress {
	char id[129];         /* the baton it is about; "" for none */
	char what[64];        /* what is waited for ("the provider"); ""
	                         when the wait is over */
	int attempt, of;      /* the attempt that failed, of how many; 0:
	                         not counted */
	long long ms;         /* until the next try */
};

/* Say that the work for baton id (NULL: none) waits ms for what; attempt
 * of of (0 and 0 when the wait is not a retry). */
void rl_progress_wait(const char *id, const char *what, int attempt, int of,
	long long ms);

/* The wait of id (NULL: none) is over. */
void rl_progress_over(const char *id);

/* 1 if line[0..n) is an event line, filling p; 0 if it is any other
 * line (a diagnostic to show as it is). */
int rl_progress_parse(const char *line, size_t n, struct rl_progress *p);

/* Append what p says to a person, with ms left until the next try:
 * "waiting for the provider (attempt 3 of 5, next in 4 s)". */
void rl_progress_text(const struct rl_progress *p, long long ms,
	struct rl_buf *out);

#endif
