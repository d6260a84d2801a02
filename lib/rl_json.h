/*
 * rl_json.h - strict JSON parsing on top of cJSON, and small helpers.
 *
 * cJSON is lenient where records must not be: it accepts NUL bytes and
 * invalid UTF-8, nests as deep as its own compiled limit, and keeps
 * duplicate keys.  rl_json_parse checks all of that first, in one pass
 * over the bytes, so that every record redline accepts is RFC 8259 JSON
 * that is also I-JSON (RFC 7493) as to UTF-8 and unique member names.
 *
 * What cJSON lets through and RFC 8259 does not is refused too: numbers
 * outside the grammar (01, 1., .5, 2.e3), escapes other than the nine,
 * control characters in strings, white space other than the four, and
 * a byte order mark (input.bad_utf8) anywhere but inside a string.
 *
 * Choices, documented in redline-record(5):
 *   - duplicate member names are rejected (input.duplicate_key): two
 *     readers could otherwise see two different records;
 *   - numbers are IEEE doubles for every check; one beyond a double's
 *     range (1e400) is input.number_range, so no stage ever reads or
 *     writes an infinity; the original text of the record is what gets
 *     passed on, so no digit is ever lost in transit;
 *   - nesting deeper than max_depth arrays and objects is input.too_deep.
 */
#ifndef RL_JSON_H
#define RL_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "rl_buf.h"

/* The deepest nesting any caller may ask for (cJSON's own limit). */
#define RL_JSON_DEPTH_MAX 1000

struct rl_json_err {
	const char *code;    /* "input.not_json", "input.bad_utf8", ... */
	size_t offset;       /* byte offset of the problem in the text
	                        (the length of the text: at its end) */
	char message[256];   /* lowercase, no full stop, no position */
};

/*
 * Parse the n bytes at s (no NUL terminator needed) as one JSON value.
 * Returns 0 and stores the tree in *out (caller frees with cJSON_Delete),
 * or returns -1 and fills *e.  Trailing white space is allowed; anything
 * else after the value is an error.
 */
int rl_json_parse(const char *s, size_t n, int max_depth, cJSON **out,
	struct rl_json_err *e);

/*
 * Find a duplicate member name anywhere in the tree.  Returns 1 and
 * appends the JSON pointer of the second occurrence to path, or 0.
 */
int rl_json_find_duplicate(const cJSON *v, struct rl_buf *path);

/* Append "/" and the JSON-pointer-escaped token (~ -> ~0, / -> ~1). */
void rl_json_ptr_add(struct rl_buf *path, const char *token);

/* Append "/" and the decimal index. */
void rl_json_ptr_index(struct rl_buf *path, size_t i);

/*
 * Append the compact serialization of v to out: member order kept, UTF-8
 * passed through, control characters escaped, integral numbers below
 * 1e15 as integers, other numbers in the shortest of 15 or 17 significant
 * digits that reads back as the same double, NaN and infinities as null.
 */
void rl_json_print(const cJSON *v, struct rl_buf *out);

/* Append s (NUL-terminated UTF-8) as a JSON string, quoted and escaped. */
void rl_json_print_string(const char *s, struct rl_buf *out);

/* Append d as a JSON number, as rl_json_print does. */
void rl_json_print_number(double d, struct rl_buf *out);

/* The string member key of object o, or NULL if absent or not a string. */
const char *rl_json_str(const cJSON *o, const char *key);

/* Replace (or add) the member key of object o with v (owned). */
void rl_json_set(cJSON *o, const char *key, cJSON *v);

/* The number at member key of object o, or dflt when it is not one (a
 * NaN or an infinity, which JSON has not, is not one either). */
double rl_json_num(const cJSON *o, const char *key, double dflt);

/* The JSON type name of v: "null", "boolean", "number", "string",
 * "array" or "object". */
const char *rl_json_type(const cJSON *v);

/* 1 if v is a number with no fractional part (JSON Schema's integer). */
int rl_json_is_integer(const cJSON *v);

/*
 * Line and column (both from 1) of byte offset off in the n bytes at s,
 * for messages about files.
 */
void rl_json_linecol(const char *s, size_t n, size_t off,
	unsigned long *line, unsigned long *col);

#endif
