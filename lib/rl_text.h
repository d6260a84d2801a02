/*
 * rl_text.h - UTF-8 and base64, the text encodings records are made of,
 * and text cut to a width for a person to read.
 *
 * UTF-8 here is RFC 3629: no overlong forms, no surrogates (U+D800 to
 * U+DFFF), nothing above U+10FFFF.  Functions take a pointer and a length
 * and do not stop at NUL bytes unless said.
 */
#ifndef RL_TEXT_H
#define RL_TEXT_H

#include <stddef.h>

#include "rl_buf.h"

/*
 * Length in bytes (1 to 4) of the valid UTF-8 sequence at s, which has n
 * bytes available; 0 when the bytes there are not valid UTF-8.  On success
 * the code point is stored in *cp when cp is not NULL.
 */
int rl_utf8_seq(const unsigned char *s, size_t n, unsigned long *cp);

/* Offset of the first byte that is not valid UTF-8, or n if all are. */
size_t rl_utf8_check(const char *s, size_t n);

/*
 * Append s to out with every invalid sequence replaced by U+FFFD (one per
 * maximal invalid subpart, as Unicode recommends).  Returns the number of
 * replacements made.
 */
size_t rl_utf8_repair(const char *s, size_t n, struct rl_buf *out);

/* Number of code points in the NUL-terminated valid UTF-8 string s. */
size_t rl_utf8_count(const char *s);

/*
 * Length in bytes of the longest prefix of the NUL-terminated string s
 * that holds at most max code points (never splits a sequence).
 */
size_t rl_utf8_prefix(const char *s, size_t max);

/*
 * Fit n names into columns of cols code points, for a table or a chart:
 * out[i] is names[i] when it fits, else names[i] cut, keeping its end
 * (keep_end: names whose end tells them apart, such as URLs and paths)
 * or its start (texts), with mark (e.g. "..") where it was cut.  A cut
 * never makes two different names read alike: when it would, the other
 * end is kept instead, and when that is alike too, the whole name (a
 * table's row then runs wider).  Equal names stay equal.  Each out[i] is
 * a heap string the caller frees.
 */
void rl_text_fit(const char *const *names, size_t n, size_t cols,
	int keep_end, const char *mark, char **out);

/* Append the base64 (RFC 4648, padded) encoding of p[0..n) to out. */
void rl_base64(const void *p, size_t n, struct rl_buf *out);

/* Append the bytes that the base64 text s encodes to out.  Returns 0, or
 * -1 when s is not base64 (padding optional; no white space). */
int rl_base64_decode(const char *s, struct rl_buf *out);

#endif
