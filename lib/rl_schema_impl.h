/*
 * rl_schema_impl.h - the compiled form of a schema, shared by the
 * compiler (rl_schema.c), the validator (rl_schema_check.c) and the
 * sanitizer (rl_schema_sanitize.c).  Not part of the public API.
 *
 * Every schema object in the document becomes one node, once: $ref and
 * cycles point at the same node.  Counts of -1 mean "keyword absent".
 */
#ifndef RL_SCHEMA_IMPL_H
#define RL_SCHEMA_IMPL_H

#include <regex.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "rl_schema.h"

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
	regex_t re;
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
	regex_t *pattern;
	/* numbers */
	double min, max, xmin, xmax, mult;
	/* combinations */
	struct nodes allof, anyof, oneof;
	struct node *not, *if_, *then_, *else_;
};

struct rl_schema {
	cJSON *doc;
	struct node *root;
	struct node **all;       /* every node, for freeing and memoizing */
	size_t nall, capall;
};

/* Find the property for name in a node's sorted list, or NULL. */
const struct prop *rl_schema_find(const struct node *s, const char *name);

/* The property schema for name, or NULL. */
struct node *rl_schema_prop(const struct node *s, const char *name);

#endif
