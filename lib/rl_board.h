/*
 * rl_board.h - what a person at a terminal sees of `redline run`: a status
 * line per task while it runs, and a summary per task at the end, on
 * stderr; stdout stays the batons.
 *
 *     struct rl_board *B = rl_board_open();      NULL: stderr is no terminal
 *     rl_board_stage(B, baton, "plan");          a baton goes to a stage
 *     rl_board_wait(B, "reason", &event);        its stage waits (rl_progress.h)
 *     rl_board_retry(B, id, error, 2, 5);        back to the journal, to retry
 *     rl_board_end(B, baton);                    finished: its summary kept
 *     rl_board_draw(B, waiting);                 each turn of the ring
 *     rl_board_close(B);                         lines gone, summaries out
 *
 * The lines live in the terminal's region (rl_tty.h): they never touch
 * what was printed above them, batons on stdout included, and they are
 * cleared once, at the end, before the summaries.  A line:
 *
 *     plan      iter 1      240 tokens    12s  merge the duplicated loops in sum.c
 *     reason    iter 1        0 tokens     4s  waiting for the provider
 *         (attempt 1 of 3, next in 1 s): merge the duplicated loops in sum.c
 *
 * (each one row, cut to the terminal's width).  Time goes on: the elapsed time
 * of each task and the wait's count down change every second.
 *
 * A summary, from the final baton:
 *
 *     FINISH  merge the duplicated loops in sum.c   (rl-2674fbdc8cc77549, 4s)
 *       changed  sum.c +4 -15
 *       tests    pass
 *       debt     0 -> 0
 *       tokens   1330 (900 prompt, 430 completion)
 *       reward   0
 *
 * with a "why" line for a task that did not finish (the error, feedback's
 * reason, or the budget that was spent).
 */
#ifndef RL_BOARD_H
#define RL_BOARD_H

#include <cjson/cJSON.h>

#include "rl_progress.h"

struct rl_board;

/* A board when stderr is a terminal that takes one (rl_tty_open), else
 * NULL; every function takes NULL and does nothing. */
struct rl_board *rl_board_open(void);

/* baton (with its id, task, iter and usage) was handed to stage. */
void rl_board_stage(struct rl_board *B, const cJSON *baton, const char *stage);

/* What stage waits for, as its event says (an event without an id is
 * about every task in that stage). */
void rl_board_wait(struct rl_board *B, const char *stage,
	const struct rl_progress *ev);

/* Task id went back to the journal after err (an error object), to be
 * tried again: attempt of of. */
void rl_board_retry(struct rl_board *B, const char *id, const cJSON *err,
	int attempt, int of);

/* Task id left the ring without a final baton (the dead letters). */
void rl_board_drop(struct rl_board *B, const char *id);

/* Task ended with baton (written on stdout): its line goes, its summary
 * is kept for the end. */
void rl_board_end(struct rl_board *B, const cJSON *baton);

/* Draw the lines, and one for the tasks still waiting to start. */
void rl_board_draw(struct rl_board *B, unsigned long waiting);

/* Clear the lines (once) and print the summaries; frees B. */
void rl_board_close(struct rl_board *B);

/* Append the summary of a final baton to out (what rl_board_close prints
 * for each task), with the time it took (ms; -1: not said). */
void rl_board_summary(const cJSON *baton, long long ms, struct rl_buf *out);

#endif
