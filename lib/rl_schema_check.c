/*
 * rl_schema_check.c - checking instances against a compiled schema.
 *
 * One recursive function, check(), serves both entry points: with errs
 * NULL it answers yes or no and stops at the first failure (the fast path
 * every valid record takes); with errs it goes on to report every failure
 * up to the limit.  Subschemas whose failures are not the instance's
 * (anyOf branches, not, if) are always checked in the fast mode.
 *
 * A check gives up, rather than run away, at the limits of
 * rl_schema_impl.h: how deep checks nest, how many subschema checks one
 * value costs, and each pattern's match limit.  Giving up is sticky: the
 * whole value is then invalid (even inside a "not"), and the one error
 * that says why is reported last.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rl_json.h"
#include "rl_schema_impl.h"
#include "rl_text.h"

/* What one check of one value shares across its fast sub-checks. */
struct run {
	pcre2_match_data *md;    /* for patterns, made on first use */
	unsigned long steps;     /* subschema checks so far */
	int depth;               /* checks nested now */
	int gave_up;
	const char *kw;          /* why it gave up: keyword, */
	struct rl_buf why;       /* message */
	struct rl_buf where;     /* and the value's JSON pointer */
};

struct ctx {
	cJSON *errs;             /* NULL: answer only */
	int left;                /* errors still to report */
	struct rl_buf path;      /* JSON pointer of the value at hand */
	struct run *run;
	const struct rl_buf *where;  /* in answer-only mode: the path of
	                                the reporting check it serves */
};

static int check(const struct node *s, const cJSON *v, struct ctx *c);

/* Give up the whole check; why is appended to run->why by the caller
 * or here from fmt.  Returns 0. */
static int __attribute__((format(printf, 3, 4)))
give_up(struct ctx *c, const char *kw, const char *fmt, ...)
{
	struct run *r = c->run;
	const struct rl_buf *at = c->errs ? &c->path : c->where;
	va_list ap;

	if (r->gave_up++)
		return 0;
	r->kw = kw;
	if (fmt) {
		va_start(ap, fmt);
		rl_buf_vprintf(&r->why, fmt, ap);
		va_end(ap);
	}
	rl_buf_adds(&r->where, at && at->data ? at->data : "");
	return 0;
}

/* Search s for the pattern re: 1, 0, or 0 having given up. */
static int
match(struct ctx *c, const struct rl_re *re, const char *s, const char *kw)
{
	int rc;

	if (c->run->gave_up)
		return 0;
	rc = rl_re_match(re, s, &c->run->md, &c->run->why);
	if (rc < 0)
		return give_up(c, kw, NULL);
	return rc;
}

static int __attribute__((format(printf, 3, 4)))
fail(struct ctx *c, const char *kw, const char *fmt, ...)
{
	struct rl_buf msg = {0};
	cJSON *e;
	va_list ap;

	/* after giving up, other failures are only its echoes */
	if (!c->errs || c->left <= 0 || c->run->gave_up)
		return 0;
	c->left--;
	va_start(ap, fmt);
	rl_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "path", c->path.data ? c->path.data : "");
	cJSON_AddStringToObject(e, "keyword", kw);
	cJSON_AddStringToObject(e, "message", msg.data ? msg.data : "");
	cJSON_AddItemToArray(c->errs, e);
	rl_buf_free(&msg);
	return 0;
}

/* fail() with a message that quotes a value of the schema, cut short. */
static int
fail_value(struct ctx *c, const char *kw, const char *what, const cJSON *v)
{
	struct rl_buf b = {0};

	if (!c->errs)
		return 0;
	rl_json_print(v, &b);
	if (b.len > 200) {
		b.len = 200;
		rl_buf_adds(&b, "...");
	}
	fail(c, kw, "%s %s", what, b.data);
	rl_buf_free(&b);
	return 0;
}

/* Check a subschema in answer-only mode, whatever the caller's mode. */
static int
quiet(struct ctx *c, const struct node *s, const cJSON *v)
{
	struct ctx q = {NULL, 0, {0}, c->run, c->errs ? &c->path : c->where};

	return check(s, v, &q);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string,
	    (*(const cJSON *const *)b)->string);
}

/* The members of o, n of them, sorted by name (caller frees). */
static const cJSON **
sorted(const cJSON *o, size_t n)
{
	const cJSON **v = rl_xmalloc(n * sizeof *v), *m;
	size_t i = 0;

	for (m = o->child; m; m = m->next)
		v[i++] = m;
	qsort(v, n, sizeof *v, by_name);
	return v;
}

static int equal(const cJSON *a, const cJSON *b);

static int
equal_objects(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y, **va, **vb;
	size_t na = 0, nb = 0, i;
	int eq = 1;

	for (x = a->child; x; x = x->next)
		na++;
	for (y = b->child; y; y = y->next)
		nb++;
	if (na != nb)
		return 0;
	if (na <= 16) {
		for (x = a->child; x && eq; x = x->next)
			eq = (y = cJSON_GetObjectItemCaseSensitive(b, x->string)) &&
			    equal(x, y);
		return eq;
	}
	va = sorted(a, na);
	vb = sorted(b, nb);
	for (i = 0; i < na && eq; i++)
		eq = strcmp(va[i]->string, vb[i]->string) == 0 &&
		    equal(va[i], vb[i]);
	free(va);
	free(vb);
	return eq;
}

/*
 * Equality as JSON Schema means it for const, enum and uniqueItems:
 * numbers by value and exactly (1 equals 1.0, but 9007199254740991 is
 * not 9007199254740992, which cJSON_Compare's tolerance would allow),
 * objects whatever the order of their members.
 */
static int
equal(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;

	if ((a->type & 0xff) != (b->type & 0xff))
		return 0;
	switch (a->type & 0xff) {
	case cJSON_Number:
		return a->valuedouble == b->valuedouble;
	case cJSON_String:
		return strcmp(a->valuestring, b->valuestring) == 0;
	case cJSON_Array:
		for (x = a->child, y = b->child; x && y; x = x->next, y = y->next)
			if (!equal(x, y))
				return 0;
		return !x && !y;
	case cJSON_Object:
		return equal_objects(a, b);
	default:
		return 1;       /* null, true, false: the type says it all */
	}
}

/* Record a failure in *ok; 1 if the check should stop here. */
static int
stop(const struct ctx *c, int *ok)
{
	*ok = 0;
	return c->errs == NULL;
}

/* Check v, found at token (member) or index (item) below the path. */
static int
child(const struct node *s, const cJSON *v, struct ctx *c, const char *token,
	size_t index)
{
	size_t mark = c->path.len;
	int ok;

	if (!c->errs)
		return check(s, v, c);
	if (token)
		rl_json_ptr_add(&c->path, token);
	else
		rl_json_ptr_index(&c->path, index);
	ok = check(s, v, c);
	c->path.len = mark;
	c->path.data[mark] = 0;
	return ok;
}

static unsigned
type_of(const cJSON *v)
{
	if (cJSON_IsNull(v))
		return T_NULL;
	if (cJSON_IsBool(v))
		return T_BOOLEAN;
	if (cJSON_IsNumber(v))
		return rl_json_is_integer(v) ? T_INTEGER | T_NUMBER : T_NUMBER;
	if (cJSON_IsString(v))
		return T_STRING;
	if (cJSON_IsArray(v))
		return T_ARRAY;
	return T_OBJECT;
}

static void
type_names(unsigned mask, struct rl_buf *b)
{
	static const char *names[] = {"null", "boolean", "integer", "number",
	    "string", "array", "object"};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!(mask & (1u << i)))
			continue;
		if (b->len)
			rl_buf_adds(b, " or ");
		rl_buf_adds(b, names[i]);
	}
}

static int
check_type(const struct node *s, const cJSON *v, struct ctx *c)
{
	struct rl_buf b = {0};

	if (!s->types || (s->types & type_of(v)))
		return 1;
	if (!c->errs)
		return 0;
	type_names(s->types, &b);
	fail(c, "type", "must be %s, not %s", b.data, rl_json_type(v));
	rl_buf_free(&b);
	return 0;
}

static int
check_object(const struct node *s, const cJSON *v, struct ctx *c)
{
	const cJSON *m, *r;
	const struct prop *p;
	unsigned long long seen = 0;
	size_t i, n = 0;
	int ok = 1, matched;

	for (m = v->child; m; m = m->next) {
		n++;
		matched = 0;
		if ((p = rl_schema_find(s, m->string))) {
			matched = 1;
			seen |= p->reqbit;
			if (!child(p->s, m, c, m->string, 0) && stop(c, &ok))
				return 0;
		}
		for (i = 0; i < s->npprops; i++) {
			if (!match(c, &s->pprops[i].re, m->string,
			    "patternProperties"))
				continue;
			matched = 1;
			if (!child(s->pprops[i].s, m, c, m->string, 0) &&
			    stop(c, &ok))
				return 0;
		}
		if (!matched && s->additional) {
			if (s->additional->boolean == 0) {
				size_t mark = c->path.len;
				if (c->errs)
					rl_json_ptr_add(&c->path, m->string);
				fail(c, "additionalProperties", "is not allowed "
				    "here (no such member)");
				if (c->errs) {
					c->path.len = mark;
					c->path.data[mark] = 0;
				}
				if (stop(c, &ok))
					return 0;
			} else if (!child(s->additional, m, c, m->string, 0) &&
			    stop(c, &ok)) {
				return 0;
			}
		}
		if (s->propnames) {
			cJSON name = {0};
			name.type = cJSON_String;
			name.valuestring = m->string;
			if (!quiet(c, s->propnames, &name))
				ok = fail(c, "propertyNames",
				    "'%s' is not an allowed name", m->string);
		}
	}
	if (s->required && (!s->reqmask || seen != s->reqmask)) {
		cJSON_ArrayForEach(r, s->required) {
			if (cJSON_GetObjectItemCaseSensitive(v, r->valuestring))
				continue;
			fail(c, "required", "'%s' is required", r->valuestring);
			if (stop(c, &ok))
				return 0;
		}
	}
	if (s->minprops >= 0 && (long)n < s->minprops)
		ok = fail(c, "minProperties", "must have at least %ld members",
		    s->minprops);
	if (s->maxprops >= 0 && (long)n > s->maxprops)
		ok = fail(c, "maxProperties", "must have at most %ld members",
		    s->maxprops);
	for (i = 0; i < s->ndeps; i++) {
		if (!cJSON_GetObjectItemCaseSensitive(v, s->deps[i].name))
			continue;
		cJSON_ArrayForEach(r, s->deps[i].names)
			if (!cJSON_GetObjectItemCaseSensitive(v, r->valuestring))
				ok = fail(c, "dependentRequired",
				    "'%s' is required when '%s' is present",
				    r->valuestring, s->deps[i].name);
	}
	return ok;
}

/* A step of the check; 0 when there is no step left. */
static int
step(struct ctx *c)
{
	if (++c->run->steps <= RL_SCHEMA_STEPS_MAX)
		return 1;
	return give_up(c, "limit", "gave up: checking took more than %d steps",
	    RL_SCHEMA_STEPS_MAX);
}

/* 1 if m equals an item between first and itself. */
static int
repeats(struct ctx *c, const cJSON *first, const cJSON *m)
{
	const cJSON *o;

	for (o = first; o != m; o = o->next)
		if (!step(c) || equal(o, m))
			return 1;
	return 0;
}

static int
check_array(const struct node *s, const cJSON *v, struct ctx *c)
{
	const cJSON *m;
	size_t i = 0, n = 0;
	long found = 0;
	int ok = 1;

	for (m = v->child; m; m = m->next, i++) {
		n++;
		const struct node *is = i < s->prefix.n ? s->prefix.v[i] : s->items;
		if (is && !child(is, m, c, NULL, i) && stop(c, &ok))
			return 0;
		if (s->contains && quiet(c, s->contains, m))
			found++;
		if (s->unique && repeats(c, v->child, m)) {
			fail(c, "uniqueItems", "items must be unique (item %zu "
			    "repeats an earlier one)", i);
			if (stop(c, &ok))
				return 0;
		}
	}
	if (s->minitems >= 0 && (long)n < s->minitems)
		ok = fail(c, "minItems", "must have at least %ld items",
		    s->minitems);
	if (s->maxitems >= 0 && (long)n > s->maxitems)
		ok = fail(c, "maxItems", "must have at most %ld items",
		    s->maxitems);
	if (s->contains && found < s->mincontains)
		ok = fail(c, "contains", "must contain at least %ld matching "
		    "items, has %ld", s->mincontains, found);
	if (s->contains && s->maxcontains >= 0 && found > s->maxcontains)
		ok = fail(c, "maxContains", "must contain at most %ld matching "
		    "items, has %ld", s->maxcontains, found);
	return ok;
}

static int
check_string(const struct node *s, const cJSON *v, struct ctx *c)
{
	size_t n;
	int ok = 1;

	/* a string of n bytes has between n/4 and n code points: count
	 * them only when the bytes alone do not settle it */
	n = strlen(v->valuestring);
	if ((s->minlen >= 0 && n / 4 < (size_t)s->minlen) ||
	    (s->maxlen >= 0 && n > (size_t)s->maxlen)) {
		n = rl_utf8_count(v->valuestring);
		if (s->minlen >= 0 && n < (size_t)s->minlen)
			ok = fail(c, "minLength", "must be at least %ld "
			    "characters long", s->minlen);
		if (s->maxlen >= 0 && n > (size_t)s->maxlen)
			ok = fail(c, "maxLength", "must be at most %ld "
			    "characters long", s->maxlen);
	}
	if (s->pattern && !match(c, s->pattern, v->valuestring, "pattern"))
		ok = fail(c, "pattern", "must match the pattern '%s'",
		    s->pattern->src);
	return ok;
}

static int
check_number(const struct node *s, const cJSON *v, struct ctx *c)
{
	double x = v->valuedouble, q;
	int ok = 1;

	if ((s->has & HAS_MIN) && !(x >= s->min))
		ok = fail(c, "minimum", "must be >= %.17g", s->min);
	if ((s->has & HAS_MAX) && !(x <= s->max))
		ok = fail(c, "maximum", "must be <= %.17g", s->max);
	if ((s->has & HAS_XMIN) && !(x > s->xmin))
		ok = fail(c, "exclusiveMinimum", "must be > %.17g", s->xmin);
	if ((s->has & HAS_XMAX) && !(x < s->xmax))
		ok = fail(c, "exclusiveMaximum", "must be < %.17g", s->xmax);
	if (s->has & HAS_MULT) {
		q = x / s->mult;
		if (!isfinite(q) || fabs(q - nearbyint(q)) > 1e-9 * fmax(1, fabs(q)))
			ok = fail(c, "multipleOf", "must be a multiple of %.17g",
			    s->mult);
	}
	return ok;
}

static int
check_logic(const struct node *s, const cJSON *v, struct ctx *c)
{
	size_t i, hits = 0;
	int ok = 1;

	for (i = 0; i < s->allof.n; i++)
		if (!check(s->allof.v[i], v, c) && stop(c, &ok))
			return 0;
	if (s->anyof.n) {
		for (i = 0; i < s->anyof.n && !hits; i++)
			hits += (size_t)quiet(c, s->anyof.v[i], v);
		if (!hits)
			ok = fail(c, "anyOf", "must match at least one of "
			    "%zu schemas", s->anyof.n);
	}
	if (s->oneof.n) {
		for (hits = 0, i = 0; i < s->oneof.n && hits < 2; i++)
			hits += (size_t)quiet(c, s->oneof.v[i], v);
		if (hits != 1)
			ok = fail(c, "oneOf", "must match exactly one of %zu "
			    "schemas, matches %s", s->oneof.n,
			    hits ? "more than one" : "none");
	}
	if (s->not && quiet(c, s->not, v))
		ok = fail(c, "not", "must not match the schema in 'not'");
	if (s->if_) {
		const struct node *branch = quiet(c, s->if_, v) ? s->then_ : s->else_;
		if (branch && !check(branch, v, c))
			ok = 0;
	}
	return ok;
}

static int
check_node(const struct node *s, const cJSON *v, struct ctx *c)
{
	int ok = 1;
	size_t i;

	if (s->boolean >= 0)
		return s->boolean ? 1 : fail(c, "false", "no value is allowed here");
	if (s->ref && !check(s->ref, v, c) && stop(c, &ok))
		return 0;
	if (!check_type(s, v, c))
		return 0;
	if (s->has & HAS_CONST && !equal(v, s->constv))
		ok = fail_value(c, "const", "must be", s->constv);
	if (s->enumv) {
		const cJSON *e;
		i = 0;
		cJSON_ArrayForEach(e, s->enumv)
			if (equal(v, e) && ++i)
				break;
		if (!i)
			ok = fail_value(c, "enum", "must be one of", s->enumv);
	}
	if (!ok && !c->errs)
		return 0;
	if (cJSON_IsObject(v) && !check_object(s, v, c))
		ok = 0;
	else if (cJSON_IsArray(v) && !check_array(s, v, c))
		ok = 0;
	else if (cJSON_IsString(v) && !check_string(s, v, c))
		ok = 0;
	else if (cJSON_IsNumber(v) && !check_number(s, v, c))
		ok = 0;
	if (!ok && !c->errs)
		return 0;
	return check_logic(s, v, c) && ok;
}

static int
check(const struct node *s, const cJSON *v, struct ctx *c)
{
	struct run *r = c->run;
	int ok;

	if (r->gave_up)
		return 0;
	if (r->depth >= RL_SCHEMA_DEPTH_MAX)
		return give_up(c, "limit", "gave up: the schema applies more "
		    "than %d levels deep here", RL_SCHEMA_DEPTH_MAX);
	if (!step(c))
		return 0;
	r->depth++;
	ok = check_node(s, v, c);
	r->depth--;
	return ok && !r->gave_up;
}

/* Check v from the root; with errs, report failures there. */
static int
run_check(const struct rl_schema *s, const cJSON *v, cJSON *errs, int max)
{
	struct run r = {0};
	struct ctx c = {errs, max > 0 ? max : 100, {0}, &r, NULL};
	cJSON *e;
	int ok;

	if (errs)
		rl_buf_adds(&c.path, "");
	ok = check(s->root, v, &c);
	if (r.gave_up && errs) {
		if (c.left <= 0)
			cJSON_DeleteItemFromArray(errs, cJSON_GetArraySize(errs) - 1);
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "path", r.where.data ? r.where.data : "");
		cJSON_AddStringToObject(e, "keyword", r.kw);
		cJSON_AddStringToObject(e, "message", r.why.data ? r.why.data : "");
		cJSON_AddItemToArray(errs, e);
	}
	pcre2_match_data_free(r.md);
	rl_buf_free(&r.why);
	rl_buf_free(&r.where);
	rl_buf_free(&c.path);
	return ok && !r.gave_up;
}

int
rl_schema_valid(const struct rl_schema *s, const cJSON *v)
{
	return run_check(s, v, NULL, 0);
}

int
rl_schema_check(const struct rl_schema *s, const cJSON *v, cJSON *errs,
	int max)
{
	return run_check(s, v, errs, max);
}
