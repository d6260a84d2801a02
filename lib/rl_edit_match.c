/*
 * rl_edit_match.c - finding a SEARCH in a text, and the message that
 * teaches when it is not there; see rl_edit.h for the rules.
 *
 * Everything is line-based: a text is split into lines (without their
 * "\n", and without the "\r" of a CRLF text), a SEARCH is a run of whole
 * lines, and a rule is a predicate on a window of the file's lines.
 * Each rule counts every window it accepts before anything is changed,
 * so a SEARCH that fits two places is refused, never applied to the
 * first.
 */
#include <stdlib.h>
#include <string.h>

#include "rl_edit.h"
#include "rl_text.h"

enum { R_EXACT = 1, R_TRAILING, R_INDENT, R_UNICODE, R_ELLIPSIS };

static const char *const rule_name[] = {"", "exact", "trailing whitespace",
    "indentation", "unicode", "ellipsis"};

/* Unicode look-alikes and their ASCII; a class each, so that REPLACE's
 * are made ASCII only where SEARCH's differed from the file's. */
enum { U_QUOTE = 1, U_DQUOTE = 2, U_DASH = 4, U_SPACE = 8, U_ELLIPSIS = 16 };

static const struct {
	unsigned long cp;
	const char *ascii;
	unsigned cls;
} uni[] = {
	{0x2018, "'", U_QUOTE}, {0x2019, "'", U_QUOTE}, {0x201a, "'", U_QUOTE},
	{0x201b, "'", U_QUOTE}, {0x2032, "'", U_QUOTE},
	{0x201c, "\"", U_DQUOTE}, {0x201d, "\"", U_DQUOTE},
	{0x201e, "\"", U_DQUOTE}, {0x201f, "\"", U_DQUOTE},
	{0x2033, "\"", U_DQUOTE},
	{0x2010, "-", U_DASH}, {0x2011, "-", U_DASH}, {0x2012, "-", U_DASH},
	{0x2013, "-", U_DASH}, {0x2014, "-", U_DASH}, {0x2015, "-", U_DASH},
	{0x2212, "-", U_DASH},
	{0x00a0, " ", U_SPACE}, {0x2007, " ", U_SPACE}, {0x2009, " ", U_SPACE},
	{0x202f, " ", U_SPACE},
	{0x2026, "...", U_ELLIPSIS},
};

struct ln {
	const char *p;
	size_t n;
};

/* A text as lines.  norm holds the lines with every look-alike made
 * ASCII (built when rule 4 needs it), in nbuf. */
struct text {
	struct ln *l, *norm;
	size_t count;
	int crlf, final_nl;
	struct rl_buf nbuf;
};

/* A match: where, by which rule, with what re-indentation. */
struct place {
	size_t pos, len;
	int rule, d, w, style;   /* style: 0 keep the line's, 1 tabs, 2 spaces */
	unsigned cls;            /* look-alikes to make ASCII in REPLACE */
};

static void
split(const char *s, size_t len, int strip_cr, struct text *t)
{
	size_t i, start = 0, cap = 16, ended = 0, cr = 0;

	memset(t, 0, sizeof *t);
	t->l = rl_xmalloc(cap * sizeof *t->l);
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '\n')
			continue;
		if (i == len && start == len)
			break;
		if (t->count == cap)
			t->l = rl_xrealloc(t->l, (cap *= 2) * sizeof *t->l);
		t->l[t->count].p = s + start;
		t->l[t->count].n = i - start;
		if (i < len) {
			ended++;
			cr += i > start && s[i - 1] == '\r';
		}
		t->count++;
		start = i + 1;
	}
	t->final_nl = len == 0 || s[len - 1] == '\n';
	t->crlf = ended > 0 && cr == ended;
	for (i = 0; i < t->count; i++)
		if ((strip_cr || t->crlf) && t->l[i].n && t->l[i].p[t->l[i].n - 1] == '\r')
			t->l[i].n--;
}

static void
text_free(struct text *t)
{
	free(t->l);
	free(t->norm);
	rl_buf_free(&t->nbuf);
}

/* Append line p with the look-alikes of the classes in mask made ASCII;
 * returns the classes it had. */
static unsigned
normalize(const char *p, size_t n, unsigned mask, struct rl_buf *out)
{
	unsigned long cp;
	unsigned had = 0;
	size_t i = 0, k;
	int len;

	while (i < n) {
		len = (unsigned char)p[i] < 0x80 ? 1 : rl_utf8_seq(
		    (const unsigned char *)p + i, n - i, &cp);
		if (len <= 1) {
			rl_buf_addc(out, p[i++]);
			continue;
		}
		for (k = 0; k < sizeof uni / sizeof *uni && uni[k].cp != cp; k++)
			;
		if (k < sizeof uni / sizeof *uni) {
			had |= uni[k].cls;
			if (mask & uni[k].cls) {
				rl_buf_adds(out, uni[k].ascii);
				i += (size_t)len;
				continue;
			}
		}
		rl_buf_add(out, p + i, (size_t)len);
		i += (size_t)len;
	}
	return had;
}

/* Build t->norm, once. */
static void
normalized(struct text *t)
{
	size_t i, *off;

	if (t->norm)
		return;
	off = rl_xmalloc((t->count + 1) * sizeof *off);
	t->norm = rl_xmalloc((t->count + 1) * sizeof *t->norm);
	for (i = 0; i < t->count; i++) {
		off[i] = t->nbuf.len;
		normalize(t->l[i].p, t->l[i].n, ~0u, &t->nbuf);
		t->norm[i].n = t->nbuf.len - off[i];
	}
	for (i = 0; i < t->count; i++)
		t->norm[i].p = (t->nbuf.data ? t->nbuf.data : "") + off[i];
	free(off);
}

static unsigned
classes(const struct ln *l, size_t n)
{
	struct rl_buf scratch = {0};
	unsigned had = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		had |= normalize(l[i].p, l[i].n, 0, &scratch);
		rl_buf_reset(&scratch);
	}
	rl_buf_free(&scratch);
	return had;
}

/* --- the rules ---------------------------------------------------------- */

static size_t
rtrim(const char *p, size_t n)
{
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' ||
	    p[n - 1] == '\f' || p[n - 1] == '\v'))
		n--;
	return n;
}

static size_t
lead(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i;
}

static int
cols(const char *p, size_t n, int w)
{
	int c = 0;
	size_t i;

	for (i = 0; i < n; i++)
		c = p[i] == '\t' ? (c / w + 1) * w : c + 1;
	return c;
}

static int
blank(const struct ln *l)
{
	return lead(l->p, rtrim(l->p, l->n)) == rtrim(l->p, l->n);
}

/* Rules 3 and 4: the same text at both ends stripped, and one column
 * offset for every non-blank line, a tab being w columns. */
static int
indent_fits(const struct ln *f, const struct ln *s, size_t n, int w, int *d)
{
	size_t j, ae, be, al, bl;
	int first = 1, dd;

	for (j = 0; j < n; j++) {
		ae = rtrim(f[j].p, f[j].n);
		be = rtrim(s[j].p, s[j].n);
		al = lead(f[j].p, ae);
		bl = lead(s[j].p, be);
		if ((al == ae) != (bl == be))
			return 0;
		if (al == ae)
			continue;
		if (ae - al != be - bl || memcmp(f[j].p + al, s[j].p + bl, ae - al))
			return 0;
		dd = cols(f[j].p, al, w) - cols(s[j].p, bl, w);
		if (first)
			*d = dd;
		else if (dd != *d)
			return 0;
		first = 0;
	}
	if (first)
		*d = 0;
	return 1;
}

/* Whether s (n lines) fits f at rule r; fills pl's d and w. */
static int
fits(const struct ln *f, const struct ln *s, size_t n, int r, struct place *pl)
{
	size_t j;

	switch (r) {
	case R_EXACT:
		for (j = 0; j < n; j++)
			if (f[j].n != s[j].n || memcmp(f[j].p, s[j].p, f[j].n))
				return 0;
		return 1;
	case R_TRAILING:
		for (j = 0; j < n; j++)
			if (rtrim(f[j].p, f[j].n) != rtrim(s[j].p, s[j].n) ||
			    memcmp(f[j].p, s[j].p, rtrim(f[j].p, f[j].n)))
				return 0;
		return 1;
	default:
		pl->w = 8;
		if (indent_fits(f, s, n, 8, &pl->d))
			return 1;
		pl->w = 4;
		return indent_fits(f, s, n, 4, &pl->d);
	}
}

/* The indentation style of the file's lines at a place. */
static int
style_of(const struct ln *f, size_t n)
{
	size_t j, k;
	int spaces = 0;

	for (j = 0; j < n; j++)
		for (k = 0; k < f[j].n && (f[j].p[k] == ' ' || f[j].p[k] == '\t'); k++) {
			if (f[j].p[k] == '\t')
				return 1;
			spaces = 1;
		}
	return spaces ? 2 : 0;
}

/*
 * Every place from line `from` where s (n lines, sn its normalized form)
 * fits by rule r; the places go to *all (grown as needed).  Returns how
 * many.
 */
static size_t
find(struct text *F, size_t from, const struct ln *s, const struct ln *sn,
	size_t n, int r, struct place **all)
{
	const struct ln *f = r == R_UNICODE ? F->norm : F->l;
	struct place pl;
	size_t i, k = 0;

	for (i = from; n && i + n <= F->count; i++) {
		memset(&pl, 0, sizeof pl);
		if (!fits(f + i, r == R_UNICODE ? sn : s, n, r, &pl))
			continue;
		pl.pos = i;
		pl.len = n;
		pl.rule = r;
		pl.style = style_of(F->l + i, n);
		*all = rl_xrealloc(*all, (k + 1) * sizeof **all);
		(*all)[k++] = pl;
	}
	return k;
}

/* --- similarity: what the closest lines are ----------------------------- */

#define SIM_LINE 256      /* characters of a line compared */

static void
strip(const char *p, size_t n, const char **q, size_t *m)
{
	size_t e = rtrim(p, n), l = lead(p, e);

	*q = p + l;
	*m = e - l > SIM_LINE ? SIM_LINE : e - l;
}

/* The longest common subsequence of two short strings. */
static size_t
lcs(const char *a, size_t an, const char *b, size_t bn)
{
	size_t row[2][SIM_LINE + 1], i, j, *prev = row[0], *cur = row[1], *t;

	memset(row, 0, sizeof row);
	for (i = 1; i <= an; i++) {
		for (j = 1; j <= bn; j++)
			cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 :
			    prev[j] > cur[j - 1] ? prev[j] : cur[j - 1];
		t = prev;
		prev = cur;
		cur = t;
	}
	return prev[bn];
}

/* Characters in common, as multisets: an upper bound of lcs. */
static size_t
common(const char *a, size_t an, const char *b, size_t bn)
{
	unsigned short h[256] = {0};
	size_t i, k = 0;

	for (i = 0; i < an; i++)
		h[(unsigned char)a[i]]++;
	for (i = 0; i < bn; i++)
		if (h[(unsigned char)b[i]]) {
			h[(unsigned char)b[i]]--;
			k++;
		}
	return k;
}

static double
ratio(const struct ln *a, const struct ln *b, size_t n, int quick)
{
	size_t j, an, bn, same = 0, total = 0;
	const char *ap, *bp;

	for (j = 0; j < n; j++) {
		strip(a[j].p, a[j].n, &ap, &an);
		strip(b[j].p, b[j].n, &bp, &bn);
		same += quick ? common(ap, an, bp, bn) : lcs(ap, an, bp, bn);
		total += an + bn;
	}
	return total ? 2.0 * (double)same / (double)total : 1.0;
}

double
rl_edit_similarity(const char *const *a, const char *const *b, size_t n)
{
	struct ln *x = rl_xmalloc((n + 1) * sizeof *x), *y = rl_xmalloc((n + 1) * sizeof *y);
	double r;
	size_t j;

	for (j = 0; j < n; j++) {
		x[j] = (struct ln){a[j], strlen(a[j])};
		y[j] = (struct ln){b[j], strlen(b[j])};
	}
	r = ratio(x, y, n, 0);
	free(x);
	free(y);
	return r;
}

struct cand {
	size_t pos;
	double quick;
};

static int
by_quick(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	return x->quick < y->quick ? 1 : x->quick > y->quick ? -1 :
	    x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * The window of F most like s (n lines), from line `from`: its place in
 * *at and its similarity returned (0 when F has no lines there).  The
 * quick bound orders the windows; the exact ratio is taken for the best
 * fifty of them, while any could still win.
 */
static double
closest(const struct text *F, size_t from, const struct ln *s, size_t n,
	size_t *at, size_t *len)
{
	struct cand *c;
	size_t i, k = 0, m;
	double best = 0, r;

	if (from >= F->count || !n)
		return 0;
	m = n < F->count - from ? n : F->count - from;
	c = rl_xmalloc((F->count - from - m + 1) * sizeof *c);
	for (i = from; i + m <= F->count; i++, k++)
		c[k] = (struct cand){i, ratio(F->l + i, s, m, 1)};
	qsort(c, k, sizeof *c, by_quick);
	*at = c[0].pos;
	for (i = 0; i < k && i < 50 && c[i].quick > best; i++)
		if ((r = ratio(F->l + c[i].pos, s, m, 0)) > best) {
			best = r;
			*at = c[i].pos;
		}
	*len = m;
	free(c);
	return best;
}

/* --- messages ----------------------------------------------------------- */

static void
numbered(const struct text *F, size_t from, size_t to, struct rl_buf *msg)
{
	size_t i;

	for (i = from; i < to; i++)
		rl_buf_printf(msg, "%6zu |%s%.*s\n", i + 1, F->l[i].n ? " " : "",
		    (int)F->l[i].n, F->l[i].p);
}

static void
line_list(const struct place *all, size_t k, struct rl_buf *msg)
{
	size_t i;

	for (i = 0; i < k && i < 20; i++)
		rl_buf_printf(msg, "%s%zu", i == 0 ? "" : i + 1 == k ? " and " :
		    ", ", all[i].pos + 1);
	if (k > 20)
		rl_buf_printf(msg, " and %zu more", k - 20);
}

/* Where the REPLACE lines already are, if anywhere (0: nowhere). */
static size_t
already(struct text *F, struct text *R)
{
	struct place *all = NULL;
	size_t k = 0, at = 0, i;
	int r;

	for (i = 0; i < R->count && blank(&R->l[i]); i++)
		;
	if (i == R->count)
		return 0;      /* nothing but blank lines: no evidence */
	normalized(R);
	for (r = R_EXACT; r <= R_UNICODE && !k; r++)
		k = find(F, 0, R->l, R->norm, R->count, r, &all);
	if (k)
		at = all[0].pos + 1;
	free(all);
	return at;
}

static void
not_found(struct text *F, const struct ln *s, size_t n, size_t from,
	struct text *R, struct rl_buf *msg)
{
	size_t at = 0, len = 0, where;
	double sim = closest(F, from, s, n, &at, &len);

	rl_buf_adds(msg, "nothing was changed.\n");
	if (R && (where = already(F, R)))
		rl_buf_printf(msg, "The REPLACE lines are already in the file (at "
		    "line %zu): this edit looks made already; do not send it "
		    "again.\n", where);
	if (sim >= RL_EDIT_SIMILAR) {
		rl_buf_printf(msg, "The closest lines are %zu-%zu (similarity "
		    "%.2f); the file there:\n", at + 1, at + len, sim);
		numbered(F, at > RL_EDIT_CONTEXT ? at - RL_EDIT_CONTEXT : 0,
		    at + len + RL_EDIT_CONTEXT < F->count ? at + len +
		    RL_EDIT_CONTEXT : F->count, msg);
		if (sim > 0.999)
			rl_buf_adds(msg, "They differ from SEARCH in white space "
			    "alone, and not by one indentation for every line: ");
		rl_buf_adds(msg, "Copy SEARCH from these lines exactly as they "
		    "are, without the numbers.");
	} else {
		rl_buf_printf(msg, "No lines of the file are like them "
		    "(similarity under %.1f): read the file again and copy "
		    "SEARCH from it.", RL_EDIT_SIMILAR);
	}
}

/* --- applying ----------------------------------------------------------- */

/* Append REPLACE's lines r (n) as place pl wants them, each ended by eol. */
static void
put(const struct ln *r, size_t n, const struct place *pl, const char *eol,
	struct rl_buf *out)
{
	struct rl_buf norm = {0};
	const char *p;
	size_t j, e, l, q;
	int c, style;

	for (j = 0; j < n; j++) {
		p = r[j].p;
		e = r[j].n;
		if (pl->cls) {
			rl_buf_reset(&norm);
			normalize(r[j].p, r[j].n, pl->cls, &norm);
			p = norm.data ? norm.data : "";
			e = norm.len;
		}
		if (pl->rule >= R_INDENT) {
			l = lead(p, rtrim(p, e));
			if (l == rtrim(p, e)) {
				rl_buf_adds(out, eol);   /* a blank line: empty */
				continue;
			}
			c = cols(p, l, pl->w) + pl->d;
			style = pl->style ? pl->style : memchr(p, '\t', l) ? 1 : 2;
			for (q = 0; style == 1 && c >= pl->w; c -= pl->w, q++)
				rl_buf_addc(out, '\t');
			for (; c > 0; c--)
				rl_buf_addc(out, ' ');
			p += l;
			e -= l;
		}
		rl_buf_add(out, p, e);
		rl_buf_adds(out, eol);
	}
	rl_buf_free(&norm);
}

/* The new text: F with each place (in order) replaced by its piece of
 * REPLACE (pieces[k] lines of R from rstart[k]). */
static void
rebuild(const struct text *F, const struct place *pl, size_t np,
	const struct ln *r, const size_t *rstart, const size_t *rlen,
	struct rl_buf *out)
{
	const char *eol = F->crlf ? "\r\n" : "\n";
	size_t i = 0, k, start = out->len;

	for (k = 0; k < np; k++) {
		for (; i < pl[k].pos; i++) {
			rl_buf_add(out, F->l[i].p, F->l[i].n);
			rl_buf_adds(out, eol);
		}
		put(r + rstart[k], rlen[k], &pl[k], eol, out);
		i = pl[k].pos + pl[k].len;
	}
	for (; i < F->count; i++) {
		rl_buf_add(out, F->l[i].p, F->l[i].n);
		rl_buf_adds(out, eol);
	}
	/* a text that did not end in a newline still does not */
	if (!F->final_nl && out->len > start)
		out->len -= strlen(eol);
	if (out->data)
		out->data[out->len] = 0;
}

/*
 * Find lines s0.. (n) of S from line `from` of F by rules 1 to 4, the
 * first rule that finds any deciding.  Returns 1 with *pl set when it
 * finds one place; 0 when none (nothing said); -1 when more than one,
 * with m->code and msg set (what names the lines in the message).
 */
static int
locate(struct text *F, struct text *S, size_t s0, size_t n, size_t from,
	struct place *pl, const char *what, struct rl_edit_match *m,
	struct rl_buf *msg)
{
	struct place *all = NULL;
	size_t k = 0;
	int r;

	for (r = R_EXACT; r <= R_UNICODE; r++) {
		if (r == R_UNICODE) {
			normalized(F);
			normalized(S);
		}
		k = find(F, from, S->l + s0, S->norm ? S->norm + s0 : NULL, n, r,
		    &all);
		if (k)
			break;
	}
	if (k == 1) {
		*pl = all[0];
		if (r == R_UNICODE)
			pl->cls = classes(S->l + s0, n) & ~classes(F->l + pl->pos, n);
	} else if (k > 1) {
		m->code = "edit.ambiguous";
		rl_buf_printf(msg, "%s: found at %zu places, lines ", what, k);
		line_list(all, k, msg);
		rl_buf_printf(msg, " (rule: %s); nothing was changed. Add lines "
		    "around the change, from the file as it is now, so that "
		    "SEARCH fits one place only.", rule_name[r]);
	}
	free(all);
	return k == 1 ? 1 : k ? -1 : 0;
}

static int
is_ellipsis(const struct ln *l)
{
	size_t e = rtrim(l->p, l->n), b = lead(l->p, e);

	return (e - b == 3 && memcmp(l->p + b, "...", 3) == 0) ||
	    (e - b == 3 && memcmp(l->p + b, "\xe2\x80\xa6", 3) == 0);
}

/* Cut t at its "..." lines: piece k is lines start[k].. (len[k]).
 * Returns the number of pieces (arrays of t->count + 1). */
static size_t
pieces(const struct text *t, size_t *start, size_t *len)
{
	size_t i, k = 0, s = 0;

	for (i = 0; i < t->count; i++)
		if (is_ellipsis(&t->l[i])) {
			start[k] = s;
			len[k++] = i - s;
			s = i + 1;
		}
	start[k] = s;
	len[k++] = t->count - s;
	return k;
}

/* Rule 5: the pieces of SEARCH between "..." lines, each by rules 1 to
 * 4, each after the one before. */
static int
ellipsis(struct text *F, struct text *S, struct text *R, struct rl_buf *out,
	struct rl_edit_match *m, struct rl_buf *msg)
{
	size_t *ss = rl_xmalloc((S->count + 1) * 2 * sizeof *ss), *sl = ss + S->count + 1;
	size_t *rs = rl_xmalloc((R->count + 1) * 2 * sizeof *rs), *rl = rs + R->count + 1;
	struct place *pl = rl_xmalloc((S->count + 1) * sizeof *pl);
	size_t *ps = rl_xmalloc((S->count + 1) * 2 * sizeof *ps), *pn = ps + S->count + 1;
	size_t ns = pieces(S, ss, sl), nr = pieces(R, rs, rl), k, np = 0, from = 0;
	struct rl_buf what = {0};
	int rc = -1, got;

	if (ns != nr) {
		m->code = "edit.parse";
		rl_buf_printf(msg, "SEARCH has %zu \"...\" line%s and REPLACE has "
		    "%zu: each \"...\" stands for the same unchanged lines in both, "
		    "so they must have as many; nothing was changed.", ns - 1,
		    ns == 2 ? "" : "s", nr - 1);
		goto out;
	}
	for (k = 0; k < ns; k++) {
		if (!sl[k] && rl[k]) {
			m->code = "edit.parse";
			rl_buf_printf(msg, "piece %zu of REPLACE (between \"...\" "
			    "lines) has lines where SEARCH has none, so there is no "
			    "telling where they go: put in SEARCH the lines next to "
			    "them; nothing was changed.", k + 1);
			goto out;
		}
		if (!sl[k])
			continue;
		rl_buf_reset(&what);
		rl_buf_printf(&what, "piece %zu of SEARCH (between \"...\" lines)",
		    k + 1);
		got = locate(F, S, ss[k], sl[k], from, &pl[np], what.data, m, msg);
		if (got < 0)
			goto out;
		if (got == 0) {
			m->code = "edit.no_match";
			rl_buf_printf(msg, "%s: not in the file", what.data);
			if (from)
				rl_buf_printf(msg, " after line %zu", from);
			rl_buf_adds(msg, "; ");
			not_found(F, S->l + ss[k], sl[k], from, NULL, msg);
			goto out;
		}
		ps[np] = rs[k];
		pn[np] = rl[k];
		from = pl[np].pos + pl[np].len;
		np++;
	}
	if (!np) {
		m->code = "edit.empty_search";
		rl_buf_adds(msg, "SEARCH has only \"...\" lines: it must hold the "
		    "lines to change; nothing was changed.");
		goto out;
	}
	rebuild(F, pl, np, R->l, ps, pn, out);
	m->how = rule_name[R_ELLIPSIS];
	m->line = pl[0].pos + 1;
	rc = 0;
out:
	rl_buf_free(&what);
	free(ss);
	free(rs);
	free(pl);
	free(ps);
	return rc;
}

int
rl_edit_text(const char *text, size_t len, const char *search,
	const char *replace, struct rl_buf *out, struct rl_edit_match *m,
	struct rl_buf *msg)
{
	struct text F, S, R;
	struct place pl;
	size_t zero = 0, n;
	int rc = -1, got;

	memset(m, 0, sizeof *m);
	split(text, len, 0, &F);
	split(search, strlen(search), 1, &S);
	split(replace, strlen(replace), 1, &R);
	if (!S.count) {
		if (F.count) {
			m->code = "edit.empty_search";
			rl_buf_adds(msg, "SEARCH is empty and the file is not: an empty "
			    "SEARCH only makes a new file. To add lines, put in SEARCH "
			    "the lines next to where they go, and in REPLACE those "
			    "lines with the new ones; nothing was changed.");
			goto out;
		}
		rl_buf_adds(out, replace);
		m->how = rule_name[R_EXACT];
		m->line = 1;
		rc = 0;
		goto out;
	}
	got = locate(&F, &S, 0, S.count, 0, &pl, "the SEARCH lines", m, msg);
	if (got > 0) {
		n = R.count;
		rebuild(&F, &pl, 1, R.l, &zero, &n, out);
		m->how = rule_name[pl.rule];
		m->line = pl.pos + 1;
		rc = 0;
	} else if (got == 0) {
		for (n = 0; n < S.count && !is_ellipsis(&S.l[n]); n++)
			;
		if (n < S.count) {
			rc = ellipsis(&F, &S, &R, out, m, msg);
		} else {
			m->code = "edit.no_match";
			rl_buf_adds(msg, "the SEARCH lines: not in the file; ");
			not_found(&F, S.l, S.count, 0, &R, msg);
		}
	}
out:
	text_free(&F);
	text_free(&S);
	text_free(&R);
	return rc;
}
