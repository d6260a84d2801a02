/* rl_tty.c - the lines a command owns at the bottom of a terminal; see
 * rl_tty.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rl_buf.h"
#include "rl_err.h"
#include "rl_out.h"
#include "rl_proc.h"
#include "rl_text.h"
#include "rl_tty.h"

/* How long the region stays away after a record went into a pipe whose
 * reader may print on the terminal. */
#define HOLD_MS 1000

enum stdout_kind {
	QUIET,      /* a file, /dev/null: never seen on the terminal */
	SAME,       /* this terminal */
	READER      /* a pipe, a socket, another terminal: a reader may print */
};

static struct {
	int opened, ok, closed;
	enum stdout_kind out;
	int blank;               /* a reader printed here: first line blank */
	long long held;          /* mono ms until which nothing is drawn */
	int drawn;               /* rows the region has on the screen */
	struct rl_buf last;      /* what was written to draw it */
} T;

static void
put(const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(STDERR_FILENO, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;      /* a terminal that went away: nothing to clear */
		s += w;
		n -= (size_t)w;
	}
}

void
rl_tty_hide(void)
{
	if (!T.drawn)
		return;
	put("\r\033[J", 4);
	T.drawn = 0;
	T.last.len = 0;
}

/* rl_out's hook: a record is about to go to stdout. */
static void
before_out(void)
{
	if (T.out == QUIET || T.closed)
		return;
	rl_tty_hide();
	if (T.out == READER) {
		T.blank = 1;
		T.held = rl_proc_mono_ms() + HOLD_MS;
	}
}

static enum stdout_kind
kind_of_stdout(void)
{
	struct stat o, e;

	if (fstat(STDOUT_FILENO, &o) < 0 || fstat(STDERR_FILENO, &e) < 0)
		return QUIET;
	if (isatty(STDOUT_FILENO))
		return o.st_rdev == e.st_rdev ? SAME : READER;
	if (S_ISFIFO(o.st_mode) || S_ISSOCK(o.st_mode))
		return READER;
	return QUIET;
}

int
rl_tty_open(void)
{
	const char *term = getenv("TERM");

	if (T.opened)
		return T.ok && !T.closed;
	T.opened = 1;
	T.ok = isatty(STDERR_FILENO) && term && *term &&
	    strcmp(term, "dumb") != 0;
	if (!T.ok)
		return 0;
	T.out = kind_of_stdout();
	rl_diag_before = rl_tty_hide;
	rl_out_before = before_out;
	atexit(rl_tty_close);
	return 1;
}

/* The terminal's columns and rows (80 by 24 when it does not say). */
static void
size_of(int *cols, int *rows)
{
	struct winsize ws;

	*cols = 80;
	*rows = 24;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 &&
	    ws.ws_row > 0) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	}
}

/* One row of the region: s without control characters, cut to cols - 1
 * code points (the last column left free: some terminals wrap there). */
static void
row(struct rl_buf *b, const char *s, int cols)
{
	size_t n = rl_utf8_prefix(s, cols > 1 ? (size_t)cols - 1 : 1), i;

	rl_buf_adds(b, "\033[K");
	for (i = 0; i < n; i++)
		rl_buf_addc(b, (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' :
		    s[i]);
}

void
rl_tty_show(const char *const *lines, size_t n)
{
	struct rl_buf b = {0};
	char more[64];
	int cols, rows, max, k = 0;
	size_t i, shown;

	if (!T.ok || T.closed)
		return;
	if (n == 0) {
		rl_tty_hide();
		return;
	}
	if (T.held && rl_proc_mono_ms() < T.held)
		return;
	T.held = 0;
	size_of(&cols, &rows);
	max = rows - 1 - T.blank;
	if (max < 1)
		max = 1;
	shown = n <= (size_t)max ? n : (size_t)max - 1;
	rl_buf_adds(&b, "\r");
	if (T.blank) {
		rl_buf_adds(&b, "\033[K\n");
		k++;
	}
	for (i = 0; i < shown; i++, k++) {
		row(&b, lines[i], cols);
		if (i + 1 < n)
			rl_buf_addc(&b, '\n');
	}
	if (shown < n) {
		snprintf(more, sizeof more, "... and %zu more", n - shown);
		row(&b, more, cols);
		k++;
	}
	/* whatever the region had below its new last line */
	rl_buf_adds(&b, "\033[J\r");
	if (k > 1)
		rl_buf_printf(&b, "\033[%dA", k - 1);
	if (T.drawn && T.last.len == b.len && memcmp(T.last.data, b.data,
	    b.len) == 0) {
		rl_buf_free(&b);
		return;
	}
	/* from the region's top: where the cursor was left */
	put(b.data, b.len);
	T.drawn = k;
	rl_buf_reset(&T.last);
	rl_buf_add(&T.last, b.data, b.len);
	rl_buf_free(&b);
}

void
rl_tty_close(void)
{
	if (!T.ok || T.closed)
		return;
	rl_tty_hide();
	T.closed = 1;
	if (rl_diag_before == rl_tty_hide)
		rl_diag_before = NULL;
	if (rl_out_before == before_out)
		rl_out_before = NULL;
	rl_buf_free(&T.last);
}
