/*
 * rl_chart.c - charts as inline SVG; see rl_chart.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rl_chart.h"
#include "rl_text.h"

#define W 580                  /* a chart's width */
#define H 230                  /* a chart over time's height */
#define PAD 8                  /* room at a chart's sides */
#define MT 26                  /* above the plot: the legend */
#define MB 30                  /* under a time chart: the window's ends */
#define FONT 10                /* px, of a chart's text */
#define LABEL_COLS 40          /* a bar's label, characters at most */
#define LABEL_PX 240           /* and px */

static const char *const colors[] = {"#3465a4", "#cc0000", "#73d216",
	"#f57900"};

void
rl_chart_esc(struct rl_buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': rl_buf_adds(b, "&lt;"); break;
		case '>': rl_buf_adds(b, "&gt;"); break;
		case '&': rl_buf_adds(b, "&amp;"); break;
		case '"': rl_buf_adds(b, "&quot;"); break;
		default: rl_buf_addc(b, *s);
		}
	}
}

void
rl_chart_num(char *out, size_t size, double v)
{
	double a = fabs(v);

	if (a >= 1e9)
		snprintf(out, size, "%.3gG", v / 1e9);
	else if (a >= 1e6)
		snprintf(out, size, "%.3gM", v / 1e6);
	else if (a >= 1e4)
		snprintf(out, size, "%.3gk", v / 1e3);
	else
		snprintf(out, size, "%.4g", v);
}

/* A value to draw: a NaN or an infinity (no JSON number is one, but a
 * sum can overflow) is drawn as 0, never as "nan" in the SVG. */
static double
fin(double v)
{
	return isfinite(v) ? v : 0;
}

/* --- geometry ------------------------------------------------------------ */

/*
 * The width of s in px, estimated on the wide side: DejaVu Sans at 10px
 * (as wide as common sans fonts come), a full em for a character beyond
 * ASCII (CJK is that wide).  No browser measures for us: the page has no
 * script.
 */
static double
text_px(const char *s)
{
	double w = 0;
	unsigned char c;

	for (; (c = (unsigned char)*s); s++) {
		if ((c & 0xc0) == 0x80)
			continue;
		if (c >= 0x80)
			w += 10.5;
		else if (strchr("iIjl.,:;'|! ", c))
			w += 3.6;
		else if (strchr("frt()[]{}/\\-\"`", c))
			w += 4.6;
		else if (strchr("mwMW@%", c))
			w += 10.2;
		else if ((c >= 'A' && c <= 'Z') || strchr("#&+=<>~", c))
			w += 8.6;
		else
			w += 6.7;
	}
	return w * FONT / 10;
}

/* The axis of values a chart draws: round ticks lo, lo + step, ... hi. */
struct axis {
	double lo, hi, step;
};

/*
 * An axis that holds every value in [lo, hi] (lo <= 0 <= hi) on ticks
 * 1, 2 or 5 times a power of ten apart, five steps at most; whole
 * numbers for a count.
 */
static void
ticks(struct axis *a, double lo, double hi, int count)
{
	static const double m[] = {1, 2, 5, 10};
	double span, mag;
	int i;

	if (!(hi > lo))
		hi = lo + 1;
	span = hi - lo;
	mag = pow(10, floor(log10(span / 5)));
	for (i = 0; i < 3 && span / (m[i] * mag) > 5 + 1e-9; i++)
		;
	a->step = m[i] * mag;
	if (count && a->step < 1)
		a->step = 1;
	a->lo = floor(lo / a->step + 1e-9) * a->step;
	a->hi = ceil(hi / a->step - 1e-9) * a->step;
	if (!(a->hi > a->lo))
		a->hi = a->lo + a->step;
}

/* Tick i's value, and how many there are. */
static double
tick(const struct axis *a, int i)
{
	double v = a->lo + i * a->step;

	return fabs(v) < a->step * 1e-9 ? 0 : v;
}

static int
nticks(const struct axis *a)
{
	return (int)floor((a->hi - a->lo) / a->step + 0.5) + 1;
}

/* A chart: its plot area (px) and the axis of its values, along y
 * (time charts) or along x (bars with labels). */
struct chart {
	double x0, x1, y0, y1;     /* left, right, top, bottom */
	struct axis a;
	int across;                /* values along x */
};

/* Where value v is drawn, along the value axis. */
static double
at(const struct chart *c, double v)
{
	double t = (fin(v) - c->a.lo) / (c->a.hi - c->a.lo);

	return c->across ? c->x0 + t * (c->x1 - c->x0) :
	    c->y1 - t * (c->y1 - c->y0);
}

static void
svg_open(struct rl_buf *b, double h, const char *what)
{
	rl_buf_printf(b, "<svg width=\"%d\" height=\"%.0f\" font-family=\""
	    "system-ui,sans-serif\" font-size=\"%d\" role=\"img\" aria-label=\"",
	    W, ceil(h), FONT);
	rl_chart_esc(b, what);
	rl_buf_adds(b, "\">");
}

/* The legend: a swatch and a name per series, in a row at the top. */
static void
legend(struct rl_buf *b, const char *const *names, int ns)
{
	double x = PAD;
	int i;

	for (i = 0; i < ns; i++) {
		rl_buf_printf(b, "<rect x=\"%.1f\" y=\"4\" width=\"10\" height=\"10\" "
		    "fill=\"%s\"/><text x=\"%.1f\" y=\"13\">", x, colors[i], x + 14);
		rl_chart_esc(b, names[i]);
		rl_buf_adds(b, "</text>");
		x += 14 + text_px(names[i]) + 18;
	}
}

/* The grid, the tick labels and the axes: the value axis's zero line
 * and the other axis along the plot's edge. */
static void
grid(struct rl_buf *b, const struct chart *c)
{
	char t[32];
	double p;
	int i, n = nticks(&c->a);

	for (i = 0; i < n; i++) {
		p = at(c, tick(&c->a, i));
		rl_chart_num(t, sizeof t, tick(&c->a, i));
		if (c->across)
			rl_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			    "y2=\"%.1f\" stroke=\"#eee\"/><text class=\"tick\" "
			    "x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>",
			    p, c->y0, p, c->y1, p, c->y1 + 13, t);
		else
			rl_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			    "y2=\"%.1f\" stroke=\"#eee\"/><text class=\"tick\" "
			    "x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
			    c->x0, p, c->x1, p, c->x0 - 4, p + 3.5, t);
	}
	p = at(c, 0);
	if (c->across)
		rl_buf_printf(b, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" "
		    "x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\"/><line class=\"axis\" "
		    "x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\"/>",
		    c->x0, c->y1, c->x1, c->y1, p, c->y0, p, c->y1);
	else
		rl_buf_printf(b, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" "
		    "x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\"/><line class=\"axis\" "
		    "x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\"/>",
		    c->x0, c->y0, c->x0, c->y1, c->x0, p, c->x1, p);
}

/* The low and high ends of values v[0..n) (stacked: of their sums per
 * group of ns), with 0 between them. */
static void
range(const double *v, int n, int ns, int stack, double *lo, double *hi)
{
	double sum;
	int i, s;

	*lo = *hi = 0;
	for (i = 0; i < n; i++) {
		for (s = 0, sum = 0; s < ns; s++) {
			sum = stack ? sum + fmax(0, fin(v[s * n + i])) : fin(v[s * n + i]);
			*hi = fmax(*hi, sum);
			*lo = fmin(*lo, sum);
		}
	}
}

/* --- charts over time ---------------------------------------------------- */

/* A time chart's frame: the value axis on the left, as wide as its
 * tick labels, and the window's ends under the plot. */
static void
time_chart(struct chart *c, double lo, double hi, int count)
{
	char t[32];
	double w = 0;
	int i;

	memset(c, 0, sizeof *c);
	ticks(&c->a, lo, hi, count);
	for (i = 0; i < nticks(&c->a); i++) {
		rl_chart_num(t, sizeof t, tick(&c->a, i));
		w = fmax(w, text_px(t));
	}
	c->x0 = PAD + w + 6;
	c->x1 = W - PAD;
	c->y0 = MT;
	c->y1 = H - MB;
}

static void
ends(struct rl_buf *b, const struct chart *c, const char *from, const char *to)
{
	rl_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\">", c->x0, c->y1 + 14);
	rl_chart_esc(b, from);
	rl_buf_printf(b, "</text><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">",
	    c->x1, c->y1 + 14);
	rl_chart_esc(b, to);
	rl_buf_adds(b, "</text></svg>");
}

void
rl_chart_columns(struct rl_buf *b, const char *what, const double *v,
	int n, int ns, const char *const *names, const char *from,
	const char *to)
{
	struct chart c;
	double lo, hi, gw, bw, x, y, z;
	int i, s;

	range(v, n, ns, 0, &lo, &hi);
	time_chart(&c, lo, hi, 1);
	svg_open(b, H, what);
	legend(b, names, ns);
	grid(b, &c);
	gw = (c.x1 - c.x0) / n;
	bw = gw * 0.8 / ns;
	z = at(&c, 0);
	for (i = 0; i < n; i++) {
		for (s = 0; s < ns; s++) {
			x = c.x0 + gw * i + gw * 0.1 + bw * s;
			y = at(&c, v[s * n + i]);
			rl_buf_printf(b, "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>",
			    x, fmin(y, z), bw > 1 ? bw : 1, fabs(z - y), colors[s]);
			rl_chart_esc(b, names[s]);
			rl_buf_printf(b, ": %g</title></rect>", fin(v[s * n + i]));
		}
	}
	ends(b, &c, from, to);
}

void
rl_chart_line(struct rl_buf *b, const char *what, const double *v, int n,
	const char *name, int count, const char *from, const char *to)
{
	struct chart c;
	double lo, hi;
	int i;

	range(v, n, 1, 0, &lo, &hi);
	time_chart(&c, lo, hi, count);
	svg_open(b, H, what);
	legend(b, &name, 1);
	grid(b, &c);
	rl_buf_printf(b, "<polyline class=\"mark\" fill=\"none\" stroke=\"%s\" "
	    "stroke-width=\"2\" stroke-linejoin=\"round\" points=\"", colors[0]);
	for (i = 0; i < n; i++)
		rl_buf_printf(b, "%.1f,%.1f ", c.x0 + (c.x1 - c.x0) * (i + 0.5) / n,
		    at(&c, v[i]));
	rl_buf_adds(b, "\"/>");
	ends(b, &c, from, to);
}

/* --- bars with labels ---------------------------------------------------- */

/*
 * Labels for n bars: each in[i] cut (rl_text_fit, keeping its end or
 * its start) to LABEL_COLS characters, fewer when that is still wider
 * than LABEL_PX; out[i] are the caller's to free.  Their widest width.
 */
static double
fit_labels(const char *const *in, int n, int keep_end, char **out)
{
	size_t cols;
	double w;
	int i;

	for (cols = LABEL_COLS; ; cols -= 2) {
		rl_text_fit(in, (size_t)n, cols, keep_end, "\xe2\x80\xa6", out);
		for (i = 0, w = 0; i < n; i++)
			w = fmax(w, text_px(out[i]));
		if (w <= LABEL_PX || cols <= 8)
			return w;
		for (i = 0; i < n; i++)
			free(out[i]);
	}
}

/* A line under the legend that names what every bar has in common, cut
 * to the chart's width. */
static void
caption(struct rl_buf *b, const char *text, double y)
{
	char *out;
	size_t cols = rl_utf8_count(text);

	for (;;) {
		rl_text_fit(&text, 1, cols, 1, "\xe2\x80\xa6", &out);
		if (text_px(out) <= W - 2 * PAD || cols <= 8)
			break;
		free(out);
		cols -= 4;
	}
	rl_buf_printf(b, "<text class=\"caption\" x=\"%d\" y=\"%.1f\">", PAD, y);
	rl_chart_esc(b, out);
	rl_buf_adds(b, "</text>");
	free(out);
}

/* Horizontal bars, a row per group: labels on the left, as wide as the
 * widest; the value axis under them. */
void
rl_chart_bars(struct rl_buf *b, const struct rl_chart_bars *B)
{
	char **lab = rl_xcalloc((size_t)B->n + 1, sizeof *lab);
	double lo, hi, rh, bh, y, x, w, z, sum;
	struct chart c;
	int i, s;

	memset(&c, 0, sizeof c);
	c.across = 1;
	w = fit_labels(B->labels, B->n, B->keep_end, lab);    /* the widest */
	range(B->v, B->n, B->ns, B->stack, &lo, &hi);
	ticks(&c.a, lo, hi, B->count);
	rh = B->stack || B->ns == 1 ? 18 : B->ns * 8 + 8;
	bh = B->stack || B->ns == 1 ? 12 : 7;
	c.x0 = PAD + fmax(w, 20) + 8;
	c.x1 = W - 28;
	c.y0 = B->caption ? MT + 14 : MT;
	c.y1 = c.y0 + rh * B->n;
	svg_open(b, c.y1 + 22, B->what);
	legend(b, B->names, B->ns);
	if (B->caption)
		caption(b, B->caption, MT + 2);
	grid(b, &c);
	z = at(&c, 0);
	for (i = 0; i < B->n; i++) {
		y = c.y0 + rh * i + (rh - (B->stack ? bh : bh * B->ns +
		    (B->ns - 1))) / 2;
		for (s = 0, sum = 0; s < B->ns; s++) {
			double val = fin(B->v[s * B->n + i]);

			if (B->stack) {    /* on the ones before it */
				val = fmax(0, val);
				x = at(&c, sum);
				sum += val;
				w = at(&c, sum) - x;    /* the bar's */
			} else {
				x = fmin(z, at(&c, val));
				w = fabs(at(&c, val) - z);
			}
			rl_buf_printf(b, "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>",
			    x, B->stack ? y : y + s * (bh + 1), w, bh, colors[s]);
			rl_chart_esc(b, B->titles ? B->titles[i] : B->labels[i]);
			rl_buf_addc(b, '\n');
			rl_chart_esc(b, B->names[s]);
			rl_buf_printf(b, ": %g</title></rect>", val);
		}
		rl_buf_printf(b, "<text class=\"label\" x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"end\">", c.x0 - 6, c.y0 + rh * i + rh / 2 + 3.5);
		rl_chart_esc(b, lab[i]);
		rl_buf_adds(b, "</text>");
		free(lab[i]);
	}
	rl_buf_adds(b, "</svg>");
	free(lab);
}
