/* rl_text.c - UTF-8 and base64; see rl_text.h. */
#include <stdlib.h>
#include <string.h>

#include "rl_text.h"

/*
 * What a lead byte promises: the sequence length (0 for a byte that cannot
 * start one) and the range its second byte must be in, which is narrower
 * than 80..BF after E0 (overlong), ED (surrogates), F0 (overlong) and F4
 * (past U+10FFFF).
 */
static int
lead(unsigned char b, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		return 2;
	if (b >= 0xe0 && b <= 0xef) {
		if (b == 0xe0)
			*lo = 0xa0;
		else if (b == 0xed)
			*hi = 0x9f;
		return 3;
	}
	if (b >= 0xf0 && b <= 0xf4) {
		if (b == 0xf0)
			*lo = 0x90;
		else if (b == 0xf4)
			*hi = 0x8f;
		return 4;
	}
	return 0;
}

/* How many bytes at s, at most want, form a valid start of a sequence. */
static size_t
valid_prefix(const unsigned char *s, size_t n, size_t want,
	unsigned char lo, unsigned char hi)
{
	size_t i;

	for (i = 1; i < want && i < n; i++) {
		if (s[i] < lo || s[i] > hi)
			break;
		lo = 0x80;
		hi = 0xbf;
	}
	return i;
}

int
rl_utf8_seq(const unsigned char *s, size_t n, unsigned long *cp)
{
	static const unsigned char mask[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
	unsigned char lo, hi;
	unsigned long c;
	int len, i;

	if (n == 0 || !(len = lead(s[0], &lo, &hi)))
		return 0;
	if (valid_prefix(s, n, (size_t)len, lo, hi) != (size_t)len)
		return 0;
	c = s[0] & mask[len];
	for (i = 1; i < len; i++)
		c = (c << 6) | (s[i] & 0x3f);
	if (cp)
		*cp = c;
	return len;
}

size_t
rl_utf8_check(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	int len;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (!(len = rl_utf8_seq(p + i, n - i, NULL)))
			return i;
		i += (size_t)len;
	}
	return n;
}

/* Length of the maximal invalid subpart at s (Unicode's "maximal subpart"
 * replacement practice): the lead byte and the bytes that could still
 * have continued it; at least 1. */
static size_t
invalid_len(const unsigned char *s, size_t n)
{
	unsigned char lo, hi;
	int want = lead(s[0], &lo, &hi);

	return want ? valid_prefix(s, n, (size_t)want, lo, hi) : 1;
}

size_t
rl_utf8_repair(const char *s, size_t n, struct rl_buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0, fixes = 0, bad;

	rl_buf_grow(out, n);
	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		int len = rl_utf8_seq(p + i, n - i, NULL);
		if (len) {
			i += (size_t)len;
			continue;
		}
		rl_buf_add(out, s + start, i - start);
		rl_buf_add(out, "\xef\xbf\xbd", 3);
		fixes++;
		bad = invalid_len(p + i, n - i);
		i += bad;
		start = i;
	}
	rl_buf_add(out, s + start, n - start);
	return fixes;
}

size_t
rl_utf8_count(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

size_t
rl_utf8_prefix(const char *s, size_t max)
{
	size_t i, cps = 0;

	for (i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (cps == max)
				return i;
			cps++;
		}
	}
	return i;
}

/* s (longer than cols code points) cut to cols, keeping its end or its
 * start, mark where the rest was. */
static char *
cut(const char *s, size_t cols, int keep_end, const char *mark)
{
	size_t keep = cols - rl_utf8_count(mark), n = rl_utf8_count(s);
	struct rl_buf b = {0};

	if (keep_end) {
		rl_buf_adds(&b, mark);
		rl_buf_adds(&b, s + rl_utf8_prefix(s, n - keep));
	} else {
		rl_buf_add(&b, s, rl_utf8_prefix(s, keep));
		rl_buf_adds(&b, mark);
	}
	return rl_buf_detach(&b);
}

/* Whether out[i] reads as the shown form of a different name. */
static int
alike(const char *const *names, size_t n, char **out, size_t i)
{
	size_t j;

	for (j = 0; j < n; j++)
		if (j != i && strcmp(out[j], out[i]) == 0 &&
		    strcmp(names[j], names[i]) != 0)
			return 1;
	return 0;
}

void
rl_text_fit(const char *const *names, size_t n, size_t cols, int keep_end,
	const char *mark, char **out)
{
	/* per name: 0 cut as asked, 1 cut at the other end, 2 whole */
	unsigned char *how = rl_xcalloc(n + 1, 1), *bad = rl_xcalloc(n + 1, 1);
	size_t i;
	int again;

	for (i = 0; i < n; i++) {
		if (rl_utf8_count(names[i]) <= cols || cols <= rl_utf8_count(mark))
			how[i] = 2;
		out[i] = how[i] == 2 ? rl_xstrdup(names[i]) :
		    cut(names[i], cols, keep_end, mark);
	}
	/* every form alike with another's changes at once, and a form only
	 * goes from cut towards whole, so this ends */
	do {
		again = 0;
		for (i = 0; i < n; i++)
			if ((bad[i] = how[i] < 2 && alike(names, n, out, i)))
				again = 1;
		for (i = 0; i < n; i++) {
			if (!bad[i])
				continue;
			free(out[i]);
			out[i] = ++how[i] == 2 ? rl_xstrdup(names[i]) :
			    cut(names[i], cols, !keep_end, mark);
		}
	} while (again);
	free(how);
	free(bad);
}

void
rl_base64(const void *p, size_t n, struct rl_buf *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = p;
	size_t i;
	unsigned long v;

	rl_buf_grow(out, (n + 2) / 3 * 4);
	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned long)s[i] << 16 | (unsigned long)s[i + 1] << 8 | s[i + 2];
		rl_buf_addc(out, tab[v >> 18 & 63]);
		rl_buf_addc(out, tab[v >> 12 & 63]);
		rl_buf_addc(out, tab[v >> 6 & 63]);
		rl_buf_addc(out, tab[v & 63]);
	}
	if (i < n) {
		v = (unsigned long)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned long)s[i + 1] << 8;
		rl_buf_addc(out, tab[v >> 18 & 63]);
		rl_buf_addc(out, tab[v >> 12 & 63]);
		rl_buf_addc(out, i + 1 < n ? tab[v >> 6 & 63] : '=');
		rl_buf_addc(out, '=');
	}
}

int
rl_base64_decode(const char *s, struct rl_buf *out)
{
	unsigned long v = 0;
	int bits = 0, c, pad = 0;

	for (; *s; s++) {
		if (*s == '=') {
			pad++;
			continue;
		}
		if (pad)
			return -1;
		if (*s >= 'A' && *s <= 'Z')
			c = *s - 'A';
		else if (*s >= 'a' && *s <= 'z')
			c = *s - 'a' + 26;
		else if (*s >= '0' && *s <= '9')
			c = *s - '0' + 52;
		else if (*s == '+')
			c = 62;
		else if (*s == '/')
			c = 63;
		else
			return -1;
		v = (v << 6 | (unsigned long)c) & 0xffffff;
		if ((bits += 6) >= 8) {
			bits -= 8;
			rl_buf_addc(out, (int)(v >> bits & 0xff));
		}
	}
	return pad > 2 || bits >= 6 ? -1 : 0;
}
