/*
 * rl_chart.h - charts as inline SVG, laid out without a browser.
 *
 *     rl_chart_columns(&b, "requests per span", v, 48, 2, names, from, to);
 *     rl_chart_bars(&b, &(struct rl_chart_bars){...});
 *
 * Each function appends one <svg> element, W (580) px wide, to the
 * buffer.  A page that embeds it runs no script, so nothing is measured:
 * a text's width is estimated on the wide side (DejaVu Sans at 10px, as
 * wide as common sans fonts come), every label is cut (rl_text_fit) to
 * the room its chart makes, and a value axis spans every value drawn, on
 * round ticks (1, 2 or 5 times a power of ten apart; whole numbers for
 * counts).  Charts over time are columns under a value axis; charts of
 * named things are rows with their names on the left, so that no name is
 * turned or clipped.
 *
 * For a test to measure them, the axes have class "axis", what is drawn
 * between them (bars, lines) class "mark", tick labels class "tick", bar
 * labels "label", and a line saying what all bars share "caption".  A NaN
 * or an infinity is drawn as 0.
 */
#ifndef RL_CHART_H
#define RL_CHART_H

#include <stddef.h>

#include "rl_buf.h"

/* Append s to b escaped for HTML and SVG text and attributes (NULL: nothing). */
void rl_chart_esc(struct rl_buf *b, const char *s);

/* A short number into out: 1234567 as 1.23M, 12500 as 12.5k, 0.01371. */
void rl_chart_num(char *out, size_t size, double v);

/*
 * Counts over n spans of time (n >= 1), ns series (at most 4) side by
 * side, values v[s * n + i], series s named names[s]; from and to, the
 * window's ends, under the plot.  what is the chart's aria-label.
 */
void rl_chart_columns(struct rl_buf *b, const char *what, const double *v,
	int n, int ns, const char *const *names, const char *from,
	const char *to);

/* A line over n spans of time, named name; count: whole ticks. */
void rl_chart_line(struct rl_buf *b, const char *what, const double *v,
	int n, const char *name, int count, const char *from, const char *to);

/* Named bars: a row per group. */
struct rl_chart_bars {
	const char *what;                /* the chart's aria-label */
	const char *const *labels;       /* n names, on the left */
	const char *const *titles;       /* n tooltips; NULL: the labels */
	int n, ns;                       /* groups (>= 1); series, 1 to 4 */
	int stack;                       /* series stacked, else side by side */
	int count;                       /* whole ticks */
	int keep_end;                    /* a long label keeps its end, else
	                                    its start (rl_text_fit) */
	const double *v;                 /* v[s * n + i] */
	const char *const *names;        /* the series', for the legend */
	const char *caption;             /* what all bars share; NULL: none */
};

void rl_chart_bars(struct rl_buf *b, const struct rl_chart_bars *B);

#endif
