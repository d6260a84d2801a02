/*
 * rl_context_scan.c - the built-in scanner of definitions; see
 * rl_context.h.
 *
 * One pass over the bytes, knowing only what the brace languages share.
 * What stands between two ';', '{' or '}' at depth 0 is a declaration's
 * head (comments, strings and preprocessor lines left out); when a '{'
 * follows it, the head says what opens:
 *   - a function: a name before a '(' (not a keyword, not after '=',
 *     not __attribute__; Go's "func (r T) Name(" takes the second);
 *   - a named type: struct, union, enum, class, interface, trait, impl,
 *     type, mod...: recorded, and its body read as depth 0, so the
 *     methods of a class or an impl are found as well;
 *   - namespace and extern "C": read through, nothing recorded;
 *   - typedef: its braces are skipped and its name taken at the ';';
 *   - anything else (an initializer, a control statement): skipped.
 * A character literal is one character or an escape between quotes, so
 * Rust's lifetimes ('a) are plain text.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "rl_context.h"
#include "rl_text.h"

#define HEAD_MAX 2048       /* bytes of a head kept while reading it */
#define NEST_MAX 256        /* braces remembered; deeper ones only counted */

enum { LANG_NONE, LANG_C, LANG_NL, LANG_SH };
enum { OPEN_NONE, OPEN_FUNC, OPEN_TYPE, OPEN_THROUGH, OPEN_TYPEDEF };

struct nest {
	unsigned char through;      /* read as depth 0 */
	size_t def;                 /* index + 1 of the def it opens, or 0 */
};

struct scan {
	const char *s;
	size_t n, i;
	unsigned line;
	int lang;
	struct rl_context_defs *D;
	char head[HEAD_MAX];        /* NUL-terminated */
	size_t hlen;
	unsigned hline;             /* the line of the head's first byte */
	int hparen;                 /* '(' less ')' in the head */
	int hbad;                   /* too long: ignored until the next end */
	int in_typedef;             /* a typedef's braces are open */
	size_t depth;               /* braces open that count */
	struct nest nest[NEST_MAX];
	size_t nn, deep;            /* remembered, and beyond NEST_MAX */
};

static int
lang_of(const char *path)
{
	static const char *const c[] = {"c", "h", "cc", "cpp", "cxx", "c++",
	    "hpp", "hh", "hxx", "ipp", "inl", "m", "mm", "java", "rs", "cs",
	    "php", "dart", "proto", "zig", NULL};
	/* where a line's end may end a statement */
	static const char *const nl[] = {"go", "js", "mjs", "cjs", "jsx", "ts",
	    "tsx", "swift", "kt", "kts", "scala", "groovy", NULL};
	static const char *const sh[] = {"sh", "bash", "ksh", "zsh", "bats", NULL};
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	size_t i;

	if (!dot || (slash && dot < slash))
		return LANG_NONE;
	for (i = 0; c[i]; i++)
		if (strcmp(dot + 1, c[i]) == 0)
			return LANG_C;
	for (i = 0; nl[i]; i++)
		if (strcmp(dot + 1, nl[i]) == 0)
			return LANG_NL;
	for (i = 0; sh[i]; i++)
		if (strcmp(dot + 1, sh[i]) == 0)
			return LANG_SH;
	return LANG_NONE;
}

static int
is_id(int c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* --- definitions -------------------------------------------------------- */

char *
rl_context_fold(const char *s, size_t n)
{
	struct rl_buf b = {0};
	size_t i;
	int sp = 0;

	for (i = 0; i < n; i++) {
		if (isspace((unsigned char)s[i])) {
			sp = b.len > 0;
			continue;
		}
		if (sp)
			rl_buf_addc(&b, ' ');
		sp = 0;
		rl_buf_addc(&b, s[i]);
	}
	if (!b.data)
		return rl_xstrdup("");
	if (b.len > RL_CONTEXT_SIG_MAX)
		b.data[rl_utf8_prefix(b.data, RL_CONTEXT_SIG_MAX)] = '\0';
	return rl_buf_detach(&b);
}

static size_t
add_def(struct rl_context_defs *D, unsigned line, const char *name,
	size_t nlen, char *sig)
{
	struct rl_context_def *d;

	if (D->n == D->cap) {
		D->cap = D->cap ? 2 * D->cap : 32;
		D->v = rl_xrealloc(D->v, D->cap * sizeof *D->v);
	}
	d = &D->v[D->n++];
	d->line = line;
	d->end = 0;
	d->name = rl_xstrndup(name, nlen);
	d->sig = sig;
	return D->n;
}

/* Set the last line of definition k (from 1, as add_def returns it). */
static void
set_end(struct rl_context_defs *D, size_t k, unsigned end)
{
	D->v[k - 1].end = end;
}

void
rl_context_defs_free(struct rl_context_defs *D)
{
	size_t i;

	for (i = 0; i < D->n; i++) {
		free(D->v[i].name);
		free(D->v[i].sig);
	}
	free(D->v);
	memset(D, 0, sizeof *D);
}

/* --- heads -------------------------------------------------------------- */

static void
head_reset(struct scan *S)
{
	S->hlen = 0;
	S->hbad = 0;
	S->hparen = 0;
	S->head[0] = '\0';
}

static void
head_add(struct scan *S, int c)
{
	if (S->hbad)
		return;
	if (S->hlen == 0) {
		if (isspace(c))
			return;
		S->hline = S->line;
	}
	if (S->hlen + 1 >= HEAD_MAX) {
		S->hbad = 1;
		return;
	}
	S->head[S->hlen++] = (char)c;
	S->head[S->hlen] = '\0';
	S->hparen += (c == '(') - (c == ')');
}

/* The line of the head's byte at off. */
static unsigned
head_line(const struct scan *S, size_t off)
{
	unsigned l = S->hline;
	size_t i;

	for (i = 0; i < off; i++)
		l += S->head[i] == '\n';
	return l;
}

/* 1 if the head's word at off (len bytes) is w. */
static int
word_is(const char *h, size_t off, size_t len, const char *w)
{
	return strlen(w) == len && memcmp(h + off, w, len) == 0;
}

static int
in_list(const char *h, size_t off, size_t len, const char *const *list)
{
	for (; *list; list++)
		if (word_is(h, off, len, *list))
			return 1;
	return 0;
}

/* The identifier that ends just before h[j] (spaces and a <...> of
 * generics skipped); its start in *off, its length returned (0: none). */
static size_t
name_before(const char *h, size_t j, size_t *off)
{
	size_t k = j, e;
	int angle = 0;

	while (k > 0 && isspace((unsigned char)h[k - 1]))
		k--;
	while (k > 0 && (h[k - 1] == '>' || angle)) {
		angle += h[k - 1] == '>';
		angle -= h[k - 1] == '<';
		k--;
	}
	while (k > 0 && isspace((unsigned char)h[k - 1]))
		k--;
	e = k;
	while (k > 0 && is_id(h[k - 1]))
		k--;
	if (k == e || !(isalpha((unsigned char)h[k]) || h[k] == '_'))
		return 0;
	*off = k;
	return e - k;
}

/* What the head opens; the name's place in *off and *len. */
static int
classify(const struct scan *S, size_t *off, size_t *len)
{
	static const char *const not_fn[] = {"if", "while", "for", "switch",
	    "return", "sizeof", "catch", "else", "do", "case", "typeof", "throw",
	    "function", "func", "fn", "__attribute__", "__declspec", "alignas",
	    "_Alignas", NULL};
	static const char *const types[] = {"struct", "union", "enum", "class",
	    "interface", "trait", "impl", "type", "object", "record", "mod",
	    "module", "protocol", "extension", NULL};
	const char *h = S->head;
	size_t n = S->hlen, i, ws, paren = 0, o, l;

	if (S->hbad || n == 0)
		return OPEN_NONE;
	for (i = 0; i < n && is_id(h[i]); i++)
		;
	if (word_is(h, 0, i, "typedef"))
		return OPEN_TYPEDEF;
	if (word_is(h, 0, i, "namespace") || (word_is(h, 0, i, "extern") &&
	    strstr(h, "\"\"")))
		return OPEN_THROUGH;
	/* a call-like name: a function, unless an '=' makes it a value */
	for (i = 0; i < n; i++) {
		if (h[i] == '=' && paren == 0)
			return OPEN_NONE;
		if (h[i] == '(' && paren++ == 0 && h[i + 1] != '*' &&
		    (l = name_before(h, i, &o)) && !in_list(h, o, l, not_fn)) {
			*off = o;
			*len = l;
			return OPEN_FUNC;
		}
		if (h[i] == ')' && paren > 0)
			paren--;
	}
	/* a keyword and a name: a type (or, in shell, "function name"); a
	 * head with a parameter list is none (a control statement) */
	if (memchr(h, '(', n))
		return OPEN_NONE;
	for (i = 0; i < n;) {
		if (!is_id(h[i])) {
			i++;
			continue;
		}
		for (ws = i; i < n && is_id(h[i]); i++)
			;
		if (!in_list(h, ws, i - ws, types) && !word_is(h, ws, i - ws,
		    "function"))
			continue;
		o = i;
		while (o < n && isspace((unsigned char)h[o]))
			o++;
		for (l = 0; o + l < n && is_id(h[o + l]); l++)
			;
		if (l == 0 || in_list(h, o, l, types))
			continue;      /* "enum class X": the next keyword */
		*off = o;
		*len = l;
		return word_is(h, ws, i - ws, "function") ? OPEN_FUNC : OPEN_TYPE;
	}
	return OPEN_NONE;
}

/* A typedef's head ends at ';': its name is the one after "(*", else
 * the last identifier. */
static void
take_typedef(struct scan *S)
{
	const char *h = S->head, *p = NULL;
	size_t k, e, n = S->hlen;

	if (S->hbad)
		return;
	if ((p = strstr(h, "(*")) && (size_t)(p - h) < n) {
		for (k = (size_t)(p - h) + 2; k < n && isspace((unsigned char)h[k]); k++)
			;
		for (e = k; e < n && is_id(h[e]); e++)
			;
	} else {
		for (e = n; e > 0 && !is_id(h[e - 1]); e--)
			;
		for (k = e; k > 0 && is_id(h[k - 1]); k--)
			;
	}
	/* its first line: the name may follow braces the head skipped */
	if (e > k && !isdigit((unsigned char)h[k]) && !word_is(h, k, e - k, "typedef"))
		set_end(S->D, add_def(S->D, S->hline, h + k, e - k,
		    rl_context_fold(h, n)), S->line);
}

/* A declaration "type name(params);" at depth 0: a prototype, the API
 * of a header. */
static void
take_prototype(struct scan *S)
{
	size_t off = 0, len = 0;

	if (classify(S, &off, &len) == OPEN_FUNC)
		set_end(S->D, add_def(S->D, head_line(S, off), S->head + off, len,
		    rl_context_fold(S->head, S->hlen)), S->line);
}

/* --- the pass ----------------------------------------------------------- */

static void
open_brace(struct scan *S)
{
	struct nest e = {0, 0};
	size_t off = 0, len = 0;
	int what = S->depth == 0 ? classify(S, &off, &len) : OPEN_NONE;
	struct rl_buf sig = {0};

	if (what == OPEN_FUNC || what == OPEN_TYPE) {
		rl_buf_add(&sig, S->head, S->hlen);
		if (what == OPEN_TYPE)
			rl_buf_adds(&sig, " {");
		e.def = add_def(S->D, head_line(S, off), S->head + off, len,
		    rl_context_fold(sig.data, sig.len));
		rl_buf_free(&sig);
	}
	e.through = what == OPEN_TYPE || what == OPEN_THROUGH;
	if (!e.through)
		S->depth++;
	if (what == OPEN_TYPEDEF)
		S->in_typedef = 1;
	else if (S->depth <= 1)
		head_reset(S);
	if (S->nn < NEST_MAX)
		S->nest[S->nn++] = e;
	else
		S->deep++;
}

static void
close_brace(struct scan *S)
{
	struct nest e = {0, 0};

	if (S->deep)
		S->deep--;
	else if (S->nn)
		e = S->nest[--S->nn];
	else
		return;                 /* a stray '}' */
	if (!e.through && S->depth)
		S->depth--;
	if (S->depth)
		return;
	if (e.def)
		S->D->v[e.def - 1].end = S->line;
	if (S->in_typedef) {
		S->in_typedef = 0;
		for (const char *p = " {...}"; *p; p++)
			head_add(S, *p);
	} else {
		head_reset(S);
	}
}

/* A #define with a value becomes a macro; the line is passed over. */
static void
directive(struct scan *S)
{
	const char *s = S->s;
	size_t i = S->i + 1, n = S->n, b, start = S->i, e;
	unsigned line = S->line;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	b = i;
	/* the end of the directive: backslash-newlines go on */
	for (e = i; e < n && s[e] != '\n'; e++)
		if (s[e] == '\\' && e + 1 < n && s[e + 1] == '\n')
			e++, S->line++;
	if (S->depth == 0 && n - b > 6 && memcmp(s + b, "define", 6) == 0 &&
	    (s[b + 6] == ' ' || s[b + 6] == '\t')) {
		size_t k = b + 6, o, l;

		while (k < e && (s[k] == ' ' || s[k] == '\t'))
			k++;
		for (o = k; k < e && is_id(s[k]); k++)
			;
		l = k - o;
		while (k < e && (s[k] == ' ' || s[k] == '\t'))
			k++;
		/* a value, or a parameter list: not an include guard */
		if (l && k < e &&
		    !(s[k] == '/' && k + 1 < e && (s[k + 1] == '*' || s[k + 1] == '/'))) {
			const char *nl = memchr(s + start, '\n', e - start);
			size_t sl = nl ? (size_t)(nl - (s + start)) : e - start;

			if (sl && s[start + sl - 1] == '\\')
				sl--;
			set_end(S->D, add_def(S->D, line, s + o, l, rl_context_fold(s + start, sl)), S->line);
		}
	}
	if (S->depth == 0)
		head_reset(S);
	S->i = e;       /* at the newline, which the pass counts */
}

/* Skip a string or comment starting at S->i; newlines inside are
 * counted, and kept in a head that has begun.  Returns 0 when the byte
 * starts neither. */
static int
skip(struct scan *S)
{
	const char *s = S->s;
	size_t i = S->i, n = S->n, k;
	int c = s[i], sh = S->lang == LANG_SH, keep = S->depth == 0 && S->hlen;

	if (!sh && c == '/' && i + 1 < n && s[i + 1] == '/') {
		while (i < n && s[i] != '\n')
			i++;
	} else if (!sh && c == '/' && i + 1 < n && s[i + 1] == '*') {
		for (i += 2; i < n && !(s[i] == '*' && i + 1 < n && s[i + 1] == '/'); i++)
			if (s[i] == '\n') {
				S->line++;
				if (keep)
					head_add(S, '\n');
			}
		i = i < n ? i + 2 : n;
	} else if (sh && c == '#' && (i == 0 || isspace((unsigned char)s[i - 1]) ||
	    strchr(";|&(", s[i - 1]))) {
		while (i < n && s[i] != '\n')
			i++;
	} else if (c == '"' || c == '`' || (c == '\'' && sh)) {
		for (i++; i < n && s[i] != c; i++) {
			if (s[i] == '\\' && c != '\'' && i + 1 < n)
				i++;
			if (s[i] == '\n') {
				S->line++;
				if (keep)
					head_add(S, '\n');
			}
		}
		i = i < n ? i + 1 : n;
		if (S->depth == 0) {
			head_add(S, '"');
			head_add(S, '"');
		}
	} else if (c == '\'') {
		/* one character or an escape: 'a', '\n', '\x41', a UTF-8 one */
		k = i + 1;
		if (k < n && s[k] == '\\')
			for (k += 2; k < n && k < i + 12 && s[k] != '\'' &&
			    s[k] != '\n'; k++)
				;
		else if (k < n && (unsigned char)s[k] >= 0x80)
			for (k++; k < n && ((unsigned char)s[k] & 0xc0) == 0x80; k++)
				;
		else
			k++;
		if (k >= n || s[k] != '\'')
			return 0;      /* a lifetime, an apostrophe: plain text */
		i = k + 1;
	} else {
		return 0;
	}
	S->i = i;
	return 1;
}

size_t
rl_context_scan(const char *path, const char *text, size_t n,
	struct rl_context_defs *D)
{
	struct scan *S;
	size_t before = D->n;
	int bol = 1, c;

	if (lang_of(path) == LANG_NONE)
		return 0;
	S = rl_xcalloc(1, sizeof *S);
	S->s = text;
	S->n = n;
	S->line = 1;
	S->lang = lang_of(path);
	S->D = D;
	while (S->i < S->n) {
		c = (unsigned char)text[S->i];
		if (bol && c == '#' && S->lang != LANG_SH) {
			directive(S);
			continue;
		}
		if (c == '\n') {
			/* a line's end ends a statement where no '(' is open */
			if (S->depth == 0 && S->lang == LANG_NL && S->hparen <= 0 &&
			    !S->in_typedef)
				head_reset(S);
			S->line++;
			bol = 1;
			if (S->depth == 0)
				head_add(S, c);
			S->i++;
			continue;
		}
		if (!isspace(c))
			bol = 0;
		if (skip(S))
			continue;
		if (c == '{')
			open_brace(S);
		else if (c == '}')
			close_brace(S);
		else if (c == ';' && S->depth == 0) {
			if (S->hlen >= 7 && memcmp(S->head, "typedef", 7) == 0)
				take_typedef(S);
			else if (S->lang != LANG_SH)
				take_prototype(S);
			head_reset(S);
		} else if (S->depth == 0)
			head_add(S, c);
		S->i++;
	}
	free(S);
	return D->n - before;
}
