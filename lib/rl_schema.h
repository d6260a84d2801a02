/*
 * rl_schema.h - JSON Schema (draft 2020-12) validation on cJSON.
 *
 * A schema is compiled once into a tree of nodes and then checked against
 * any number of instances without walking the schema's JSON again:
 *
 *     struct rl_schema *s = rl_schema_compile(doc, &msg);
 *     if (!rl_schema_valid(s, record)) ... rl_schema_check(s, record, errs)
 *     rl_schema_free(s);
 *
 * Keywords: type (with "integer" and arrays of types), enum, const,
 * required, properties, patternProperties, additionalProperties,
 * propertyNames, minProperties, maxProperties, dependentRequired, items,
 * prefixItems, contains, minContains, maxContains, minItems, maxItems,
 * uniqueItems, minLength and maxLength (in code points), pattern,
 * minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf, allOf,
 * anyOf, oneOf, not, if/then/else, $ref to local JSON pointers ("#",
 * "#/$defs/name", "#/definitions/name", any "#/..." path), and true and
 * false as schemas.  Unknown keywords are ignored, as the specification
 * asks; annotations ("title", "description", "default", "x-...") are kept
 * in the source document for callers that read them.
 *
 * Patterns are ECMA-262 regular expressions, unanchored, run by PCRE2
 * (with JIT where it can) with the options and translations that make
 * it behave as ECMA-262 does: code points, \d \w \b ASCII, \s Unicode
 * white space, \p{...} Unicode properties by short or long name, $ only
 * at the end (rl_schema_re.c lists them).  Lookahead, backreferences
 * and lookbehind of a fixed length work.
 *
 * Numbers are compared as IEEE doubles, exactly for const, enum and
 * uniqueItems (so 1 equals 1.0, and integers up to 2^53 are told apart);
 * multipleOf allows a relative error of 1e-9 in the quotient so that 0.3
 * is a multiple of 0.1.
 *
 * Any document is safe to compile: a name repeated in one object, a
 * $ref that cannot be resolved, and subschemas that apply themselves to
 * the same value in a cycle ({"$ref": "#"}) are compile errors.  Any
 * value is safe to check: a check that would nest too deep, take too
 * many steps, or a pattern that backtracks past PCRE2's match limit
 * gives up, and the value is invalid with an error whose keyword is
 * "limit" or the pattern's keyword and whose message starts "gave up".
 */
#ifndef RL_SCHEMA_H
#define RL_SCHEMA_H

#include <cjson/cJSON.h>

#include "rl_buf.h"

struct rl_schema;

/*
 * Compile the schema doc.  On success returns a schema that takes
 * ownership of doc (freed by rl_schema_free).  On failure returns NULL,
 * leaves doc to the caller, and appends to msg a message naming the JSON
 * pointer of the offending keyword, e.g.
 *     "/properties/id/type: unknown type 'strnig'".
 */
struct rl_schema *rl_schema_compile(cJSON *doc, struct rl_buf *msg);

/* Read and compile a schema file; messages start with the path. */
struct rl_schema *rl_schema_load(const char *path, struct rl_buf *msg);

/* The schema document (owned by the schema). */
const cJSON *rl_schema_doc(const struct rl_schema *s);

/* 1 if instance v is valid.  Fast: stops at the first failure. */
int rl_schema_valid(const struct rl_schema *s, const cJSON *v);

/*
 * Check v and append one object per failure to the array errs:
 *   {"path": "/usage/requests", "keyword": "minimum",
 *    "message": "must be >= 0"}
 * where path is the JSON pointer of the failing value in the instance.
 * At most max errors are reported (0: 100).  Returns 1 if valid.
 */
int rl_schema_check(const struct rl_schema *s, const cJSON *v, cJSON *errs,
	int max);

/*
 * Sanitize v in place, guided by the schema: strings lose control
 * characters other than tab and newline (C0, DEL and C1), strings longer
 * than the maxLength that applies to them are cut to it, and members that
 * an "additionalProperties": false forbids are removed.  Returns the
 * number of changes; each is described by an object appended to the
 * array changes when it is not NULL:
 *   {"path": "/task", "action": "truncated"}
 * with action one of "stripped", "truncated", "removed".
 */
int rl_schema_sanitize(const struct rl_schema *s, cJSON *v, cJSON *changes);

void rl_schema_free(struct rl_schema *s);

#endif
