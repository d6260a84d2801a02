/*
 * rl_schema_re.c - JSON Schema patterns on PCRE2; see rl_schema_impl.h.
 *
 * JSON Schema patterns are ECMA-262 regular expressions, unanchored.
 * PCRE2 is close to them when compiled with:
 *   UTF                 a pattern and a string are code points, and
 *                       \p{...} has Unicode properties;
 *   no UCP              \d \w \b stay ASCII, as in ECMA-262;
 *   DOLLAR_ENDONLY      $ is the end, not also before a final newline;
 *   ALT_BSUX            \uhhhh, \u{h...} and \xhh as ECMA-262 writes them;
 *   ALLOW_EMPTY_CLASS   [] matches nothing, [^] any character;
 *   NEWLINE_ANYCRLF     . matches neither \n nor \r.
 * What still differs is translated before compiling: \s and \S take
 * ECMA-262's white space (Unicode's, but not U+0085, and U+FEFF), and
 * \p{...} accepts the long General_Category names ("Letter", "gc=Lu")
 * PCRE2 10.42 lacks.  Not MATCH_INVALID_UTF: with JIT, 10.42 then has
 * \D and \W miss characters beyond ASCII; a string that is not UTF-8
 * makes the match give up instead.
 *
 * Bounded work.  PCRE2's match limit counts backtracking steps for each
 * place a match may start, so an unanchored search of n characters may
 * take n times the limit.  A pattern that does not anchor itself is
 * therefore compiled as (?s:.*?)(?:pattern), anchored: one start, and the
 * limit bounds the whole search.  The limits are written into the
 * compiled pattern ((*LIMIT_MATCH=...) and friends), so no match context
 * is needed and a pattern may lower them but not raise them.
 */
#include <stdio.h>
#include <string.h>

#include "rl_schema_impl.h"

#define OPTIONS (PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_ALT_BSUX | \
	PCRE2_ALLOW_EMPTY_CLASS | PCRE2_NEVER_BACKSLASH_C)

/* ECMA-262 WhiteSpace and LineTerminator: tab to CR, U+FEFF and
 * Unicode's Zs, Zl and Zp, as a class's contents. */
#define SPACE "\\x09-\\x0d\\x20\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029" \
	"\\u202f\\u205f\\u3000\\ufeff"
/* Its complement within a class, but for U+FEFF (PCRE2's Xsp is the
 * same white space, with U+0085 and without U+FEFF). */
#define NOT_SPACE "\\P{Xsp}\\x85"

/* General_Category long names and aliases, lowercase without '_', ' ' or
 * '-', and the short names PCRE2 knows them by. */
static const char *const gc_names[][2] = {
	{"other", "C"}, {"control", "Cc"}, {"cntrl", "Cc"}, {"format", "Cf"},
	{"unassigned", "Cn"}, {"privateuse", "Co"}, {"surrogate", "Cs"},
	{"letter", "L"}, {"casedletter", "L&"}, {"lc", "L&"},
	{"lowercaseletter", "Ll"}, {"modifierletter", "Lm"},
	{"otherletter", "Lo"}, {"titlecaseletter", "Lt"},
	{"uppercaseletter", "Lu"}, {"mark", "M"}, {"combiningmark", "M"},
	{"spacingmark", "Mc"}, {"enclosingmark", "Me"},
	{"nonspacingmark", "Mn"}, {"number", "N"}, {"decimalnumber", "Nd"},
	{"digit", "Nd"}, {"letternumber", "Nl"}, {"othernumber", "No"},
	{"punctuation", "P"}, {"punct", "P"}, {"connectorpunctuation", "Pc"},
	{"dashpunctuation", "Pd"}, {"closepunctuation", "Pe"},
	{"finalpunctuation", "Pf"}, {"initialpunctuation", "Pi"},
	{"otherpunctuation", "Po"}, {"openpunctuation", "Ps"},
	{"symbol", "S"}, {"currencysymbol", "Sc"}, {"modifiersymbol", "Sk"},
	{"mathsymbol", "Sm"}, {"othersymbol", "So"}, {"separator", "Z"},
	{"lineseparator", "Zl"}, {"paragraphseparator", "Zp"},
	{"spaceseparator", "Zs"},
};

/* Lowercase the n bytes at p into out (NUL-terminated), without the
 * separators Unicode's loose matching ignores; 0 if it does not fit. */
static int
loose(const char *p, size_t n, char *out, size_t size)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == '_' || p[i] == ' ' || p[i] == '-')
			continue;
		if (k + 1 >= size)
			return 0;
		out[k++] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
	}
	out[k] = 0;
	return 1;
}

static const char *
gc_short(const char *p, size_t n)
{
	char key[32];
	size_t i;

	if (!loose(p, n, key, sizeof key))
		return NULL;
	for (i = 0; i < sizeof gc_names / sizeof gc_names[0]; i++)
		if (strcmp(key, gc_names[i][0]) == 0)
			return gc_names[i][1];
	return NULL;
}

/* The name inside \p{...} that starts at p and has n bytes, as PCRE2
 * spells it: a General_Category by its short name, the rest as is. */
static void
property(const char *p, size_t n, struct rl_buf *out)
{
	const char *eq = memchr(p, '=', n), *v = p, *gc;
	size_t vn = n;
	char key[32];

	if (eq) {
		if (!loose(p, (size_t)(eq - p), key, sizeof key) ||
		    (strcmp(key, "generalcategory") != 0 && strcmp(key, "gc") != 0)) {
			rl_buf_add(out, p, n);      /* sc=, scx=, ...: PCRE2's */
			return;
		}
		v = eq + 1;
		vn = n - (size_t)(v - p);
	}
	if ((gc = gc_short(v, vn)))
		rl_buf_adds(out, gc);
	else
		rl_buf_add(out, v, vn);
}

/* Translate the ECMA-262 pattern p into PCRE2's dialect. */
static void
translate(const char *p, struct rl_buf *out)
{
	const char *close;
	int incls = 0;

	for (; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			if (*p == 's') {
				rl_buf_adds(out, incls ? SPACE : "[" SPACE "]");
			} else if (*p == 'S') {
				rl_buf_adds(out, incls ? NOT_SPACE : "[^" SPACE "]");
			} else if ((*p == 'p' || *p == 'P') && p[1] == '{' &&
			    (close = strchr(p + 2, '}'))) {
				rl_buf_addc(out, '\\');
				rl_buf_add(out, p, 2);
				property(p + 2, (size_t)(close - p - 2), out);
				rl_buf_addc(out, '}');
				p = close;
			} else {
				rl_buf_addc(out, '\\');
				rl_buf_addc(out, *p);
			}
			continue;
		}
		if (*p == '[' && !incls) {
			incls = 1;
			rl_buf_addc(out, *p);
			if (p[1] == '^')
				rl_buf_addc(out, *++p);
			continue;
		}
		if (*p == '[' && p[1] == ':' && (close = strstr(p + 2, ":]"))) {
			rl_buf_add(out, p, (size_t)(close + 2 - p));
			p = close + 1;
			continue;
		}
		if (*p == ']')
			incls = 0;
		rl_buf_addc(out, *p);
	}
}

static pcre2_code *
compile(const char *text, uint32_t options, struct rl_buf *err)
{
	pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
	pcre2_code *code;
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE at;
	int rc;

	if (!cc) {
		rl_buf_adds(err, "out of memory");
		return NULL;
	}
	pcre2_set_newline(cc, PCRE2_NEWLINE_ANYCRLF);
	pcre2_set_compile_extra_options(cc, PCRE2_EXTRA_ALT_BSUX);
	code = pcre2_compile((PCRE2_SPTR)text, PCRE2_ZERO_TERMINATED,
	    OPTIONS | options, &rc, &at, cc);
	pcre2_compile_context_free(cc);
	if (!code) {
		pcre2_get_error_message(rc, msg, sizeof msg);
		rl_buf_adds(err, (const char *)msg);
	}
	return code;
}

int
rl_re_compile(struct rl_re *re, const char *src, struct rl_buf *err)
{
	struct rl_buf t = {0}, full = {0};
	pcre2_code *alone;
	uint32_t all = 0;

	re->src = src;
	re->code = NULL;
	if (strlen(src) > RL_SCHEMA_PATTERN_MAX) {
		rl_buf_printf(err, "is longer than %d bytes", RL_SCHEMA_PATTERN_MAX);
		return -1;
	}
	translate(src, &t);
	/* alone first: its errors are the pattern's, and it says whether
	 * it anchors itself (^ or \A at the start of every alternative) */
	if (!(alone = compile(t.data ? t.data : "", 0, err))) {
		rl_buf_free(&t);
		return -1;
	}
	pcre2_pattern_info(alone, PCRE2_INFO_ALLOPTIONS, &all);
	pcre2_code_free(alone);
	rl_buf_printf(&full, "(*LIMIT_MATCH=%d)(*LIMIT_DEPTH=%d)(*LIMIT_HEAP=%d)%s(?:%s)",
	    RL_SCHEMA_MATCH_LIMIT, RL_SCHEMA_DEPTH_LIMIT, RL_SCHEMA_HEAP_LIMIT,
	    (all & PCRE2_ANCHORED) ? "" : "(?s:.*?)", t.data ? t.data : "");
	re->code = compile(full.data, PCRE2_ANCHORED, err);
	rl_buf_free(&t);
	rl_buf_free(&full);
	if (!re->code)
		return -1;
	pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);  /* else interpreted */
	return 0;
}

int
rl_re_match(const struct rl_re *re, const char *s, pcre2_match_data **md,
	struct rl_buf *why)
{
	PCRE2_UCHAR msg[256];
	int rc;

	if (!*md && !(*md = pcre2_match_data_create(1, NULL))) {
		rc = PCRE2_ERROR_NOMEMORY;
	} else {
		rc = pcre2_match(re->code, (PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED,
		    0, 0, *md, NULL);
		/* JIT's stack is small; the interpreter's frames are bounded
		 * by the heap limit instead */
		if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
			rc = pcre2_match(re->code, (PCRE2_SPTR)s,
			    PCRE2_ZERO_TERMINATED, 0, PCRE2_NO_JIT, *md, NULL);
	}
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (!why)
		return -1;
	pcre2_get_error_message(rc, msg, sizeof msg);
	rl_buf_printf(why, "gave up matching the pattern '%s': %s", re->src,
	    (const char *)msg);
	return -1;
}

void
rl_re_free(struct rl_re *re)
{
	pcre2_code_free(re->code);
	re->code = NULL;
}
