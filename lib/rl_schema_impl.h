/*
 * rl_schema_impl.h - the compiled form of a schema, shared by the
 * compiler (rl_schema.c), its patterns (rl_schema_re.c), the validator
 * (rl_schema_check.c) and the sanitizer (rl_schema_sanitize.c).  Not
 * part of the public API.
 *
 * Every schema object in the document becomes one node, once: $ref and
 * recursion point at the same node.  Counts of -1 mean "keyword absent".
 */
#ifndef RL_SCHEMA_IMPL_H
#define RL_SCHEMA_IMPL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "rl_schema.h"

/*
 * Limits that keep a hostile schema or record from taking unbounded
 * time, memory or stack.  A check that reaches one gives up: the value
 * is invalid, with an error that says which limit it was.
 */
#define RL_SCHEMA_DEPTH_MAX 4000      /* nested checks of one value */
#define RL_SCHEMA_STEPS_MAX 10000000  /* subschema checks per value */
#define RL_SCHEMA_MATCH_LIMIT 1000000 /* PCRE2 match limit, per match */
#define RL_SCHEMA_DEPTH_LIMIT 100000  /* PCRE2 backtracking depth */
#define RL_SCHEMA_HEAP_LIMIT 16384    /* PCRE2 backtracking memory, KiB */
#define RL_SCHEMA_PATTERN_MAX 32768   /* bytes of one pattern */

/* A compiled pattern: code runs anchored, so that the match limit
 * bounds a whole search, not each place a match may start. */
struct rl_re {
	pcre2_code *code;
	const char *src;         /* the pattern as written, in the document */
};

enum {
	T_NULL = 1 << 0, T_BOOLEAN = 1 << 1, T_INTEGER = 1 << 2,
	T_NUMBER = 1 << 3, T_STRING = 1 << 4, T_ARRAY = 1 << 5,
	T_OBJECT = 1 << 6
};

enum {
	HAS_MIN = 1 << 0, HAS_MAX = 1 << 1, HAS_XMIN = 1 << 2,
	HAS_XMAX = 1 << 3, HAS_MULT = 1 << 4, HAS_CONST = 1 << 5
};

struct node;

struct prop {
	const char *name;
	struct node *s;
	unsigned long long reqbit;  /* its bit in node.reqmask, or 0 */
};

struct pprop {
	struct rl_re re;
	struct node *s;
};

struct dep {
	const char *name;
	const cJSON *names;      /* array of strings, in the document */
};

struct nodes {
	struct node **v;
	size_t n;
};

struct node {
	int boolean;             /* -1 for an object schema, else 0 or 1 */
	const cJSON *src;
	char *where;             /* JSON pointer of src, for messages */
	size_t id;               /* index in rl_schema.all */
	unsigned types;          /* T_*; 0: any type */
	unsigned has;            /* HAS_* */
	const cJSON *enumv, *constv;
	struct node *ref;
	/* objects */
	const cJSON *required;   /* array of strings, or NULL */
	/* when every required name is a property (up to 64 of them), each
	 * has a bit: the member loop then checks "required" for free */
	unsigned long long reqmask;
	struct prop *props;      /* sorted by name */
	size_t nprops;
	struct pprop *pprops;
	size_t npprops;
	struct node *additional, *propnames;
	long minprops, maxprops;
	struct dep *deps;
	size_t ndeps;
	/* arrays */
	struct nodes prefix;
	struct node *items, *contains;
	long mincontains, maxcontains, minitems, maxitems;
	int unique;
	/* strings */
	long minlen, maxlen;
	struct rl_re *pattern;
	/* numbers */
	double min, max, xmin, xmax, mult;
	/* combinations */
	struct nodes allof, anyof, oneof;
	struct node *not, *if_, *then_, *else_;
};

struct rl_schema {
	cJSON *doc;
	struct node *root;
	struct node **all;       /* every node, in the order made */
	size_t nall, capall;
};

/* Find the property for name in a node's sorted list, or NULL. */
const struct prop *rl_schema_find(const struct node *s, const char *name);

/* The property schema for name, or NULL. */
struct node *rl_schema_prop(const struct node *s, const char *name);

/*
 * Compile the ECMA-262 pattern src (kept, not copied) into re.  Returns
 * 0, or -1 with the reason appended to err.
 */
int rl_re_compile(struct rl_re *re, const char *src, struct rl_buf *err);

/*
 * Search s for re: 1 if it matches, 0 if not, -1 if the search gave up
 * at a limit (the reason appended to why, unless it is NULL).  *md is match data made on
 * first use and kept for the next call; free it with pcre2_match_data_free.
 */
int rl_re_match(const struct rl_re *re, const char *s, pcre2_match_data **md,
	struct rl_buf *why);

void rl_re_free(struct rl_re *re);

#endif
