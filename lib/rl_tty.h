/*
 * rl_tty.h - a few lines a command owns at the bottom of a terminal:
 * progress that comes and goes without touching what anything else
 * printed there.
 *
 *     if (rl_tty_open())                 stderr is a terminal
 *         rl_tty_show(lines, n);         as often as they change
 *     ...
 *     rl_tty_hide();                     before printing on stderr
 *     fprintf(stderr, ...);              (rl_diag and rl_out do it)
 *     ...
 *     rl_tty_close();                    at the end: gone, once
 *
 * The region is drawn where the cursor is, and the cursor is left at the
 * start of its first line: the region is always "from the cursor down".
 * So clearing it ("\r" then erase to the end of the screen) never moves
 * the cursor up, and what was printed above it stays as it was; only a
 * redraw goes up, over the region's own lines (cut to the terminal's
 * width, so that none wraps and the count of rows holds).
 *
 * Whatever else prints on the terminal prints where the cursor is, so
 * the region is cleared first, and the next rl_tty_show draws it again
 * below what was printed:
 *   - a diagnostic: rl_err's rl_diag_before hook;
 *   - a record on stdout (rl_out's rl_out_before hook) when stdout is
 *     this terminal (the same device as stderr);
 *   - a record on stdout that goes into a pipe or a socket, whose reader
 *     may print on this terminal (`redline run ... | jq -r .status`): the
 *     region is cleared too and stays so for a second, for the reader's
 *     lines to land on empty ones; and from then on its first line is
 *     left blank, so that a line the reader prints later still does;
 *   - lines the caller prints itself: rl_tty_hide first.
 * A record that goes into a file or /dev/null changes nothing.
 *
 * A terminal whose TERM is unset or "dumb" takes no region: rl_tty_open
 * returns 0, and the caller prints nothing that it would have to clear.
 * Every write to the terminal is one write(2), so a reader's single
 * write never lands inside a redraw.
 */
#ifndef RL_TTY_H
#define RL_TTY_H

#include <stddef.h>

/* Whether stderr is a terminal the region can be drawn on; the first call
 * installs the hooks, and rl_tty_close at exit.  1 or 0. */
int rl_tty_open(void);

/* Draw lines[0..n) as the region (n 0: none); lines are cut to the
 * width, and to the height less one row with a last line saying how many
 * more there are.  Nothing is written when the region would look as it
 * does; nothing either while it is held after a record went to a pipe. */
void rl_tty_show(const char *const *lines, size_t n);

/* Clear the region (if drawn) so that something else can be printed. */
void rl_tty_hide(void);

/* Clear the region (if drawn) and draw it no more. */
void rl_tty_close(void);

#endif
