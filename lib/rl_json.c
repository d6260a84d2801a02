/* rl_json.c - strict JSON parsing and helpers; see rl_json.h. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rl_json.h"
#include "rl_text.h"

/* Fill e and return -1. */
static int __attribute__((format(printf, 4, 5)))
fail(struct rl_json_err *e, const char *code, size_t off, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	e->offset = off;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * The prescan checks, in one pass, what cJSON lets through and RFC 8259
 * does not: NUL bytes, invalid UTF-8, a byte order mark, control
 * characters in strings, escapes other than \" \\ \/ \b \f \n \r \t and
 * \u with four hex digits, white space other than space, tab, line feed
 * and carriage return, the number grammar
 *     -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
 * and numbers beyond a double (input.number_range: no stage ever reads
 * infinity).  It counts nesting depth too.  The structure (commas,
 * colons, literals) is cJSON's to check.
 *
 * Bytes it must look at, in a string and outside one; every other byte
 * is skipped in a tight loop, which is most of a record's text.
 */
static unsigned char in_str[256], out_str[256];

static void
init_special(void)
{
	int c;

	for (c = 0; c < 0x20; c++)
		in_str[c] = out_str[c] = 1;
	for (c = 0x7f; c < 256; c++)
		in_str[c] = out_str[c] = 1;
	in_str['"'] = in_str['\\'] = 1;
	in_str[0x7f] = 0;            /* DEL may stand in a string */
	out_str['\t'] = out_str['\n'] = out_str['\r'] = 0;
	out_str['"'] = out_str['-'] = 1;
	out_str['['] = out_str[']'] = out_str['{'] = out_str['}'] = 1;
	for (c = '0'; c <= '9'; c++)
		out_str[c] = 1;
}

/*
 * Inside a string, skip from i to the next byte that is a quote, a
 * backslash, a control character or non-ASCII: 16 bytes at a time with
 * SSE2, 8 at a time elsewhere.  Most of a record's bytes are string text.
 */
#if defined(__SSE2__)
#include <emmintrin.h>

static size_t
skip_text(const unsigned char *p, size_t i, size_t n)
{
	const __m128i q = _mm_set1_epi8('"'), b = _mm_set1_epi8('\\');
	const __m128i sp = _mm_set1_epi8(' ');
	__m128i x, hit;
	int m;

	for (; i + 16 <= n; i += 16) {
		x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		/* signed: bytes from 0x80 are below ' ' too */
		hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, q),
		    _mm_cmpeq_epi8(x, b)), _mm_cmplt_epi8(x, sp));
		if ((m = _mm_movemask_epi8(hit)))
			return i + (size_t)__builtin_ctz((unsigned)m);
	}
	return i;
}
#else
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
/* Nonzero if some byte of v is below c (c <= 128; exact as to whether,
 * not which). */
#define HASLESS(v, c) (((v) - ONES * (c)) & ~(v) & HIGHS)

static size_t
skip_text(const unsigned char *p, size_t i, size_t n)
{
	unsigned long long x, q, b;

	for (; i + 8 <= n; i += 8) {
		memcpy(&x, p + i, 8);
		q = x ^ (ONES * '"');
		b = x ^ (ONES * '\\');
		if (HASLESS(x, 0x20) | HASLESS(q, 1) | HASLESS(b, 1) | (x & HIGHS))
			break;
	}
	return i;
}
#endif

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int
cut_short(struct rl_json_err *e, size_t n)
{
	return fail(e, "input.not_json", n, "unexpected end of input");
}

/* Whether the number in p[0..n) is beyond a double.  Only one with an
 * exponent or over 308 digits can be, so most are never converted. */
static int
out_of_range(const unsigned char *p, size_t n, int exp)
{
	char small[64], *copy = small;
	double d;

	if (!exp && n <= 309)
		return 0;
	if (n >= sizeof small)
		copy = rl_xmalloc(n + 1);
	memcpy(copy, p, n);
	copy[n] = '\0';
	d = strtod(copy, NULL);
	if (copy != small)
		free(copy);
	return isinf(d);
}

/* Check the number at p[*i] (a '-' or a digit) and move *i past it;
 * -1 after filling e. */
static int
scan_number(const unsigned char *p, size_t *at, size_t n, struct rl_json_err *e)
{
	size_t i = *at;
	int exp = 0;

	if (p[i] == '-' && ++i >= n)
		return cut_short(e, n);
	if (p[i] == '0') {
		i++;
	} else if (is_digit(p[i])) {
		while (i < n && is_digit(p[i]))
			i++;
	} else {
		return fail(e, "input.not_json", i, "a digit must follow '-'");
	}
	if (i < n && p[i] == '.') {
		if (++i >= n)
			return cut_short(e, n);
		if (!is_digit(p[i]))
			return fail(e, "input.not_json", i, "a digit must "
			    "follow the decimal point");
		while (i < n && is_digit(p[i]))
			i++;
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		exp = 1;
		if (++i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		if (i >= n)
			return cut_short(e, n);
		if (!is_digit(p[i]))
			return fail(e, "input.not_json", i, "a digit must "
			    "follow the exponent's e");
		while (i < n && is_digit(p[i]))
			i++;
	}
	if (i < n && is_digit(p[i]))
		return fail(e, "input.not_json", i, "leading zero in a number");
	if (i < n && (p[i] == '.' || p[i] == 'e' || p[i] == 'E' ||
	    p[i] == '+' || p[i] == '-'))
		return fail(e, "input.not_json", i, "a number goes on past its "
		    "end with '%c'", p[i]);
	if (out_of_range(p + *at, i - *at, exp))
		return fail(e, "input.number_range", *at, "a number beyond the "
		    "range of a double (about 1.8e308)");
	*at = i;
	return 0;
}

/* Check the escape at p[*i] (a backslash) and move *i past it; -1 after
 * filling e. */
static int
scan_escape(const unsigned char *p, size_t *at, size_t n, struct rl_json_err *e)
{
	size_t i = *at, k;

	if (i + 1 >= n)
		return cut_short(e, n);
	switch (p[i + 1]) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r':
	case 't':
		*at = i + 2;
		return 0;
	case 'u':
		for (k = i + 2; k < i + 6; k++) {
			if (k >= n)
				return cut_short(e, n);
			if (!is_hex(p[k]))
				return fail(e, "input.not_json", i, "\\u must be "
				    "followed by four hex digits");
		}
		*at = i + 6;
		return 0;
	}
	if (p[i + 1] > 0x20 && p[i + 1] < 0x7f)
		return fail(e, "input.not_json", i, "invalid escape '\\%c'",
		    p[i + 1]);
	return fail(e, "input.not_json", i, "invalid escape: a backslash "
	    "before byte 0x%02x", p[i + 1]);
}

/* One pass over the bytes (see above).  Strings are tracked so that
 * brackets inside them do not count.  *open is set when the text ends
 * inside a string or an array or object: it was cut short. */
static int
prescan(const unsigned char *p, size_t n, int max_depth, struct rl_json_err *e,
	int *open)
{
	size_t i = 0;
	int depth = 0, instr = 0, len;
	unsigned long cp;
	unsigned char c;

	if (!in_str[0])
		init_special();
	for (;;) {
		if (instr) {
			i = skip_text(p, i, n);
			while (i < n && !in_str[p[i]])
				i++;
		} else {
			while (i < n && !out_str[p[i]])
				i++;
		}
		if (i >= n) {
			*open = instr || depth > 0;
			return 0;
		}
		c = p[i];
		if (c >= 0x80) {
			if (!(len = rl_utf8_seq(p + i, n - i, &cp)))
				return fail(e, "input.bad_utf8",
				    i, "invalid utf-8 byte 0x%02x", c);
			if (cp == 0xfeff && !instr)
				return fail(e, "input.bad_utf8", i, "byte order "
				    "mark (U+FEFF) outside a string");
			i += (size_t)len;
			continue;
		}
		if (c == 0)
			return fail(e, "input.not_json", i, "nul byte");
		if (instr) {
			if (c == '"') {
				instr = 0;
			} else if (c == '\\') {
				if (scan_escape(p, &i, n, e) < 0)
					return -1;
				continue;
			} else {
				return fail(e, "input.not_json", i, "unescaped "
				    "control character 0x%02x in a string (write "
				    "\\u%04x)", c, c);
			}
		} else if (c == '"') {
			instr = 1;
		} else if (c == '-' || is_digit(c)) {
			if (scan_number(p, &i, n, e) < 0)
				return -1;
			continue;
		} else if (c == '[' || c == '{') {
			if (++depth > max_depth)
				return fail(e, "input.too_deep", i,
				    "nesting deeper than %d", max_depth);
		} else if (c == ']' || c == '}') {
			depth--;
		} else {
			return fail(e, "input.not_json", i,
			    "unexpected byte 0x%02x", c);
		}
		i++;
	}
}

static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * cJSON stops where it gave up, which is not always the byte at fault
 * (after a trailing comma it may stop at the end of the line).  When the
 * failure is a comma followed by nothing but '}' or ']', point *off at
 * that bracket and return 1; when it is a comma where a value must be
 * (",," "[,"), point *off at that comma and return 0.
 */
static int
trailing_comma(const char *s, size_t n, size_t *off)
{
	size_t q, c;

	if (n == 0)
		return 0;
	q = *off < n ? *off : n - 1;
	while (q > 0 && (q >= n || blank(s[q])))
		q--;
	if (s[q] == ',') {               /* stopped at the comma: look ahead */
		for (c = q; c > 0 && blank(s[c - 1]); c--)
			;
		if (c > 0 && strchr(",[{", s[c - 1])) {
			*off = q;        /* a comma where a value must be */
			return 0;
		}
		for (c = q + 1; c < n && blank(s[c]); c++)
			;
		if (c < n && (s[c] == '}' || s[c] == ']')) {
			*off = c;
			return 1;
		}
		return 0;
	}
	for (c = q; c > 0 && blank(s[c - 1]); c--)
		;
	if (c > 0 && s[c - 1] == ',' && s[q] != '}' && s[q] != ']') {
		*off = c - 1;            /* stopped after a stray comma */
		return trailing_comma(s, n, off);
	}
	if (s[q] != '}' && s[q] != ']')
		return 0;
	if (c > 0 && s[c - 1] == ',') {
		*off = q;
		return 1;
	}
	return 0;
}

int
rl_json_parse(const char *s, size_t n, int max_depth, cJSON **out,
	struct rl_json_err *e)
{
	const char *end = NULL;
	size_t off;
	int open = 0;
	cJSON *v;

	*out = NULL;
	if (max_depth <= 0 || max_depth > RL_JSON_DEPTH_MAX)
		max_depth = RL_JSON_DEPTH_MAX;
	if (prescan((const unsigned char *)s, n, max_depth, e, &open) < 0)
		return -1;
	v = cJSON_ParseWithLengthOpts(s, n, &end, 0);
	off = end && end >= s ? (size_t)(end - s) : 0;
	if (v)
		while (off < n && strchr(" \t\r\n", s[off]))
			off++;
	if (!v || off < n) {
		cJSON_Delete(v);
		if (!v && trailing_comma(s, n, &off))
			return fail(e, "input.not_json", off, "trailing comma "
			    "before '%c'", s[off]);
		if (off >= n || (!v && open))
			return fail(e, "input.not_json", n,
			    "unexpected end of input");
		if (s[off] > 0x20 && s[off] < 0x7f)
			return fail(e, "input.not_json", off,
			    "%s '%c'", v ? "trailing" : "unexpected", s[off]);
		if (s[off] == '\n' || s[off] == '\r')
			return fail(e, "input.not_json", off,
			    "unexpected end of line");
		return fail(e, "input.not_json", off,
		    "unexpected byte 0x%02x", (unsigned char)s[off]);
	}
	*out = v;
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;

	return strcmp(x->string, y->string);
}

/* The member of o whose name occurs earlier too, or NULL. */
static const cJSON *
object_duplicate(const cJSON *o)
{
	const cJSON *c, *d, **v, *found = NULL;
	size_t n = 0, i;

	for (c = o->child; c; c = c->next)
		n++;
	if (n < 2)
		return NULL;
	if (n <= 16) {
		for (c = o->child->next; c; c = c->next)
			for (d = o->child; d != c; d = d->next)
				if (c->string[0] == d->string[0] &&
				    strcmp(c->string, d->string) == 0)
					return c;
		return NULL;
	}
	v = rl_xmalloc(n * sizeof *v);
	for (i = 0, c = o->child; c; c = c->next)
		v[i++] = c;
	qsort(v, n, sizeof *v, cmp_names);
	for (i = 1; i < n && !found; i++)
		if (strcmp(v[i]->string, v[i - 1]->string) == 0)
			found = v[i];
	free(v);
	return found;
}

/* Depth-first search for a duplicate; the chain of members leading to
 * it is left in stack[0..*depth), the duplicate itself last. */
static int
find_dup(const cJSON *v, const cJSON **stack, int *depth)
{
	const cJSON *c;

	if (cJSON_IsObject(v) && (c = object_duplicate(v))) {
		stack[(*depth)++] = c;
		return 1;
	}
	if (*depth >= RL_JSON_DEPTH_MAX)
		return 0;
	for (c = v->child; c; c = c->next) {
		if (!cJSON_IsObject(c) && !cJSON_IsArray(c))
			continue;
		stack[(*depth)++] = c;
		if (find_dup(c, stack, depth))
			return 1;
		(*depth)--;
	}
	return 0;
}

int
rl_json_find_duplicate(const cJSON *v, struct rl_buf *path)
{
	const cJSON **stack, *c, *parent = v;
	int depth = 0, i, found;
	size_t index;

	if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
		return 0;
	stack = rl_xmalloc((RL_JSON_DEPTH_MAX + 2) * sizeof *stack);
	if ((found = find_dup(v, stack, &depth))) {
		for (i = 0; i < depth; parent = stack[i++]) {
			if (cJSON_IsObject(parent)) {
				rl_json_ptr_add(path, stack[i]->string);
				continue;
			}
			for (index = 0, c = parent->child; c != stack[i]; c = c->next)
				index++;
			rl_json_ptr_index(path, index);
		}
	}
	free(stack);
	return found;
}

void
rl_json_ptr_add(struct rl_buf *path, const char *token)
{
	rl_buf_addc(path, '/');
	for (; *token; token++) {
		if (*token == '~')
			rl_buf_add(path, "~0", 2);
		else if (*token == '/')
			rl_buf_add(path, "~1", 2);
		else
			rl_buf_addc(path, *token);
	}
}

void
rl_json_ptr_index(struct rl_buf *path, size_t i)
{
	rl_buf_printf(path, "/%zu", i);
}

/*
 * The serializer.  cJSON's own prints every number through sprintf and
 * sscanf and grows its buffer by reallocation; records are printed once
 * per stage per baton and request bodies once per call, so this one
 * appends to the caller's buffer and prints integers digit by digit.
 */
void
rl_json_print_string(const char *s, struct rl_buf *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *run;

	rl_buf_addc(out, '"');
	for (;;) {
		for (run = p; *p >= 0x20 && *p != '"' && *p != '\\'; p++)
			;
		rl_buf_add(out, run, (size_t)(p - run));
		if (!*p)
			break;
		rl_buf_addc(out, '\\');
		switch (*p) {
		case '"': rl_buf_addc(out, '"'); break;
		case '\\': rl_buf_addc(out, '\\'); break;
		case '\b': rl_buf_addc(out, 'b'); break;
		case '\f': rl_buf_addc(out, 'f'); break;
		case '\n': rl_buf_addc(out, 'n'); break;
		case '\r': rl_buf_addc(out, 'r'); break;
		case '\t': rl_buf_addc(out, 't'); break;
		default:
			rl_buf_add(out, "u00", 3);
			rl_buf_addc(out, hex[*p >> 4]);
			rl_buf_addc(out, hex[*p & 15]);
		}
		p++;
	}
	rl_buf_addc(out, '"');
}

void
rl_json_print_number(double d, struct rl_buf *out)
{
	char tmp[32], *e = tmp + sizeof tmp;
	unsigned long long u;
	int n;

	if (!isfinite(d)) {
		rl_buf_add(out, "null", 4);   /* JSON has no NaN or infinity */
		return;
	}
	if (d == floor(d) && fabs(d) < 1e15) {
		u = (unsigned long long)fabs(d);
		do
			*--e = (char)('0' + u % 10);
		while ((u /= 10));
		if (d < 0)
			*--e = '-';
		rl_buf_add(out, e, (size_t)(tmp + sizeof tmp - e));
		return;
	}
	/* the shortest of 15 or 17 digits that reads back as the same double */
	n = snprintf(tmp, sizeof tmp, "%.15g", d);
	if (strtod(tmp, NULL) != d)
		n = snprintf(tmp, sizeof tmp, "%.17g", d);
	rl_buf_add(out, tmp, (size_t)n);
}

void
rl_json_print(const cJSON *v, struct rl_buf *out)
{
	const cJSON *c;

	if (cJSON_IsString(v) && v->valuestring) {
		rl_json_print_string(v->valuestring, out);
	} else if (cJSON_IsNumber(v)) {
		rl_json_print_number(v->valuedouble, out);
	} else if (cJSON_IsTrue(v)) {
		rl_buf_add(out, "true", 4);
	} else if (cJSON_IsFalse(v)) {
		rl_buf_add(out, "false", 5);
	} else if (cJSON_IsRaw(v) && v->valuestring) {
		rl_buf_adds(out, v->valuestring);
	} else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
		rl_buf_addc(out, cJSON_IsArray(v) ? '[' : '{');
		for (c = v->child; c; c = c->next) {
			if (c != v->child)
				rl_buf_addc(out, ',');
			if (cJSON_IsObject(v)) {
				rl_json_print_string(c->string ? c->string : "", out);
				rl_buf_addc(out, ':');
			}
			rl_json_print(c, out);
		}
		rl_buf_addc(out, cJSON_IsArray(v) ? ']' : '}');
	} else {
		rl_buf_add(out, "null", 4);
	}
}

const char *
rl_json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

void
rl_json_set(cJSON *o, const char *key, cJSON *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	cJSON_AddItemToObject(o, key, v);
}

double
rl_json_num(const cJSON *o, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble :
	    dflt;
}

const char *
rl_json_type(const cJSON *v)
{
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsBool(v))
		return "boolean";
	if (cJSON_IsNumber(v))
		return "number";
	if (cJSON_IsString(v))
		return "string";
	if (cJSON_IsArray(v))
		return "array";
	return "object";
}

int
rl_json_is_integer(const cJSON *v)
{
	return cJSON_IsNumber(v) && isfinite(v->valuedouble) &&
	    floor(v->valuedouble) == v->valuedouble;
}

void
rl_json_linecol(const char *s, size_t n, size_t off,
	unsigned long *line, unsigned long *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && i < n; i++) {
		if (s[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}
