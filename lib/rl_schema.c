/*
 * rl_schema.c - compiling JSON Schemas; see rl_schema.h.
 *
 * Each schema object becomes a struct node, checking every keyword it
 * knows as it goes, so that a bad schema fails at load time with the
 * JSON pointer of the keyword, never half-way through a stream.  Nodes
 * are memoized by their place in the document: a $ref, even a recursive
 * one, points at the node already made for its target.
 *
 * Compiling must survive any document, so:
 *  - a member name that appears twice in one object is refused before
 *    anything is read (cJSON keeps both, and a keyword read twice would
 *    be sized by one and filled by both);
 *  - nodes are made on a work list, not by recursion: a chain of a
 *    million $refs costs a million list entries, not a million frames;
 *  - nodes are memoized in a hash table, not by a search of all, and
 *    $refs into a large object find their member by binary search;
 *  - when all is made, a search of the subschemas that apply to the
 *    same value ($ref, allOf, anyOf, oneOf, not, if, then, else) refuses
 *    a cycle among them: {"$ref": "#"} would apply itself forever.  A
 *    cycle through properties or items is recursion, and fine: it moves
 *    to a smaller value at each turn.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rl_fs.h"
#include "rl_json.h"
#include "rl_schema_impl.h"

struct ptrmap {
	const void **key;
	void **val;
	size_t n, cap;           /* cap: a power of two, or 0 */
};

struct comp {
	struct rl_schema *S;
	struct rl_buf *msg;
	struct rl_buf path;      /* JSON pointer of the keyword at hand */
	int failed;
	struct ptrmap nodes;     /* schema object -> its node */
	struct ptrmap members;   /* large object -> struct members */
};

static void required_bits(struct node *n);

static void __attribute__((format(printf, 2, 3)))
bad(struct comp *C, const char *fmt, ...)
{
	va_list ap;

	if (C->failed++)
		return;
	rl_buf_printf(C->msg, "%s: ", C->path.len ? C->path.data : "/");
	va_start(ap, fmt);
	rl_buf_vprintf(C->msg, fmt, ap);
	va_end(ap);
}

/* A hash table from pointers to pointers, for compiling only. */
static size_t
slot(const struct ptrmap *m, const void *k)
{
	uint64_t h = (uint64_t)(uintptr_t)k * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 32) & (m->cap - 1);
}

static void *
map_get(const struct ptrmap *m, const void *k)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = slot(m, k); m->key[i]; i = (i + 1) & (m->cap - 1))
		if (m->key[i] == k)
			return m->val[i];
	return NULL;
}

/* Add k (not there yet), keeping the table at most half full. */
static void
map_put(struct ptrmap *m, const void *k, void *v)
{
	struct ptrmap old = *m;
	size_t i;

	if (2 * (m->n + 1) > m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->n = 0;
		m->key = rl_xcalloc(m->cap, sizeof *m->key);
		m->val = rl_xcalloc(m->cap, sizeof *m->val);
		for (i = 0; i < old.cap; i++)
			if (old.key[i])
				map_put(m, old.key[i], old.val[i]);
		free(old.key);
		free(old.val);
	}
	for (i = slot(m, k); m->key[i]; i = (i + 1) & (m->cap - 1))
		;
	m->key[i] = k;
	m->val[i] = v;
	m->n++;
}

static void
map_free(struct ptrmap *m, int free_values)
{
	size_t i;

	for (i = 0; free_values && i < m->cap; i++)
		free(m->val[i]);
	free(m->key);
	free(m->val);
}

struct members {
	size_t n;
	const cJSON *v[];        /* sorted by name */
};

static int
by_name(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string,
	    (*(const cJSON *const *)b)->string);
}

/*
 * The member name of the object o.  cJSON searches a list; $refs into
 * a large object (a $defs of thousands) would make that quadratic, so
 * past 16 members a sorted index of the object is made once.
 */
static const cJSON *
member(struct comp *C, const cJSON *o, const char *name)
{
	cJSON probe = {0};
	const cJSON *c = o->child, *key = &probe;
	struct members *m;
	const cJSON **hit;
	size_t i;

	for (i = 0; c && i < 16; c = c->next, i++)
		if (strcmp(c->string, name) == 0)
			return c;
	if (!c)
		return NULL;
	if (!(m = map_get(&C->members, o))) {
		for (i = 0, c = o->child; c; c = c->next)
			i++;
		m = rl_xmalloc(sizeof *m + i * sizeof m->v[0]);
		for (m->n = 0, c = o->child; c; c = c->next)
			m->v[m->n++] = c;
		qsort(m->v, m->n, sizeof m->v[0], by_name);
		map_put(&C->members, o, m);
	}
	probe.string = (char *)name;
	hit = bsearch(&key, m->v, m->n, sizeof m->v[0], by_name);
	return hit ? *hit : NULL;
}

/*
 * The node for the schema j, at the place C->path: the one already made,
 * or a new one, on the work list (S->all) to be filled in later.
 */
static struct node *
compile(struct comp *C, const cJSON *j)
{
	struct rl_schema *S = C->S;
	struct node *n;

	if ((n = map_get(&C->nodes, j)))
		return n;
	n = rl_xcalloc(1, sizeof *n);
	n->boolean = -1;
	n->src = j;
	n->where = rl_xstrdup(C->path.data ? C->path.data : "");
	n->minprops = n->maxprops = n->minitems = n->maxitems = -1;
	n->minlen = n->maxlen = n->maxcontains = -1;
	n->mincontains = 1;
	if (S->nall == S->capall) {
		S->capall = S->capall ? S->capall * 2 : 32;
		S->all = rl_xrealloc(S->all, S->capall * sizeof *S->all);
	}
	n->id = S->nall;
	S->all[S->nall++] = n;
	map_put(&C->nodes, j, n);
	return n;
}

static int
regex(struct comp *C, const char *src, struct rl_re *re)
{
	struct rl_buf err = {0};
	int rc = rl_re_compile(re, src, &err);

	if (rc < 0)
		bad(C, "bad pattern '%s': %s", src, err.data ? err.data : "");
	rl_buf_free(&err);
	return rc;
}

static const cJSON *
resolve(struct comp *C, const cJSON *root, const char *ref)
{
	const cJSON *cur = root;
	struct rl_buf tok = {0};
	const char *p;
	char *end;

	if (ref[0] != '#' || (ref[1] && ref[1] != '/'))
		return NULL;
	for (p = ref + 1; cur && *p == '/';) {
		rl_buf_reset(&tok);
		for (p++; *p && *p != '/'; p++) {
			if (*p == '~' && (p[1] == '0' || p[1] == '1'))
				rl_buf_addc(&tok, *++p == '0' ? '~' : '/');
			else if (*p == '%' && isxdigit((unsigned char)p[1]) &&
			    isxdigit((unsigned char)p[2])) {
				char hex[3] = {p[1], p[2], 0};
				rl_buf_addc(&tok, (int)strtol(hex, NULL, 16));
				p += 2;
			} else
				rl_buf_addc(&tok, *p);
		}
		rl_buf_addc(&tok, 0);
		if (cJSON_IsObject(cur)) {
			cur = member(C, cur, tok.data);
		} else if (cJSON_IsArray(cur) && isdigit((unsigned char)tok.data[0])) {
			long i = strtol(tok.data, &end, 10);
			cur = *end ? NULL : cJSON_GetArrayItem(cur, (int)i);
		} else {
			cur = NULL;
		}
	}
	rl_buf_free(&tok);
	return cur;
}

static long
count(struct comp *C, const cJSON *v)
{
	if (!rl_json_is_integer(v) || v->valuedouble < 0 ||
	    v->valuedouble > 2147483647.0) {
		bad(C, "must be a non-negative integer");
		return -1;
	}
	return (long)v->valuedouble;
}

static double
number(struct comp *C, const cJSON *v, unsigned *has, unsigned flag)
{
	if (!cJSON_IsNumber(v)) {
		bad(C, "must be a number");
		return 0;
	}
	*has |= flag;
	return v->valuedouble;
}

static int
type_bit(struct comp *C, const cJSON *t, unsigned *mask)
{
	static const char *names[] = {"null", "boolean", "integer", "number",
	    "string", "array", "object"};
	size_t i;

	if (!cJSON_IsString(t)) {
		bad(C, "must be a type name or an array of type names");
		return -1;
	}
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(t->valuestring, names[i]) == 0) {
			*mask |= 1u << i;
			return 0;
		}
	}
	bad(C, "unknown type '%s'", t->valuestring);
	return -1;
}

static void
types(struct comp *C, struct node *n, const cJSON *v)
{
	const cJSON *t;

	if (!cJSON_IsArray(v)) {
		type_bit(C, v, &n->types);
		return;
	}
	cJSON_ArrayForEach(t, v)
		if (type_bit(C, t, &n->types) < 0)
			return;
}

static int
strings(struct comp *C, const cJSON *v)
{
	const cJSON *c;

	if (!cJSON_IsArray(v))
		goto no;
	cJSON_ArrayForEach(c, v)
		if (!cJSON_IsString(c))
			goto no;
	return 0;
no:
	bad(C, "must be an array of strings");
	return -1;
}

/* A keyword that sizes an array must not come twice (defence in depth:
 * the document was already searched for repeated names). */
static int
twice(struct comp *C, const void *already)
{
	if (already)
		bad(C, "appears twice in its object");
	return already != NULL;
}

static struct node *
sub(struct comp *C, const char *token, const cJSON *v)
{
	size_t mark = C->path.len;
	struct node *n;

	if (token)
		rl_json_ptr_add(&C->path, token);
	n = compile(C, v);
	C->path.len = mark;
	C->path.data[mark] = 0;
	return n;
}

static void
list(struct comp *C, const cJSON *v, struct nodes *out)
{
	const cJSON *c;
	size_t i = 0, mark = C->path.len;

	if (!cJSON_IsArray(v) || !v->child) {
		bad(C, "must be a non-empty array of schemas");
		return;
	}
	if (twice(C, out->v))
		return;
	out->n = (size_t)cJSON_GetArraySize(v);
	out->v = rl_xcalloc(out->n, sizeof *out->v);
	cJSON_ArrayForEach(c, v) {
		rl_json_ptr_index(&C->path, i);
		out->v[i++] = compile(C, c);
		C->path.len = mark;
		C->path.data[mark] = 0;
	}
}

static int
cmp_prop(const void *a, const void *b)
{
	return strcmp(((const struct prop *)a)->name,
	    ((const struct prop *)b)->name);
}

static void
object_keywords(struct comp *C, struct node *n, const char *k, const cJSON *v)
{
	const cJSON *c;
	size_t i = 0, mark;

	if (strcmp(k, "properties") == 0 || strcmp(k, "patternProperties") == 0 ||
	    strcmp(k, "dependentRequired") == 0) {
		if (!cJSON_IsObject(v)) {
			bad(C, "must be an object");
			return;
		}
	}
	if (strcmp(k, "required") == 0) {
		if (strings(C, v) == 0)
			n->required = v;
	} else if (strcmp(k, "properties") == 0) {
		if (twice(C, n->props))
			return;
		n->nprops = (size_t)cJSON_GetArraySize(v);
		n->props = rl_xcalloc(n->nprops, sizeof *n->props);
		cJSON_ArrayForEach(c, v) {
			n->props[i].name = c->string;
			n->props[i++].s = sub(C, c->string, c);
		}
		qsort(n->props, n->nprops, sizeof *n->props, cmp_prop);
	} else if (strcmp(k, "patternProperties") == 0) {
		if (twice(C, n->pprops))
			return;
		n->pprops = rl_xcalloc((size_t)cJSON_GetArraySize(v), sizeof *n->pprops);
		cJSON_ArrayForEach(c, v) {
			mark = C->path.len;
			rl_json_ptr_add(&C->path, c->string);
			if (regex(C, c->string, &n->pprops[n->npprops].re) == 0)
				n->pprops[n->npprops++].s = compile(C, c);
			C->path.len = mark;
			C->path.data[mark] = 0;
		}
	} else if (strcmp(k, "additionalProperties") == 0) {
		n->additional = sub(C, NULL, v);
	} else if (strcmp(k, "propertyNames") == 0) {
		n->propnames = sub(C, NULL, v);
	} else if (strcmp(k, "minProperties") == 0) {
		n->minprops = count(C, v);
	} else if (strcmp(k, "maxProperties") == 0) {
		n->maxprops = count(C, v);
	} else if (strcmp(k, "dependentRequired") == 0) {
		if (twice(C, n->deps))
			return;
		n->deps = rl_xcalloc((size_t)cJSON_GetArraySize(v), sizeof *n->deps);
		cJSON_ArrayForEach(c, v) {
			if (strings(C, c) < 0)
				return;
			n->deps[n->ndeps].name = c->string;
			n->deps[n->ndeps++].names = c;
		}
	}
}

static void
array_keywords(struct comp *C, struct node *n, const char *k, const cJSON *v)
{
	if (strcmp(k, "items") == 0) {
		if (cJSON_IsArray(v))
			bad(C, "must be a schema (draft 2020-12: a list of "
			    "schemas is prefixItems)");
		else
			n->items = sub(C, NULL, v);
	} else if (strcmp(k, "prefixItems") == 0) {
		list(C, v, &n->prefix);
	} else if (strcmp(k, "contains") == 0) {
		n->contains = sub(C, NULL, v);
	} else if (strcmp(k, "minContains") == 0) {
		n->mincontains = count(C, v);
	} else if (strcmp(k, "maxContains") == 0) {
		n->maxcontains = count(C, v);
	} else if (strcmp(k, "minItems") == 0) {
		n->minitems = count(C, v);
	} else if (strcmp(k, "maxItems") == 0) {
		n->maxitems = count(C, v);
	} else if (strcmp(k, "uniqueItems") == 0) {
		if (!cJSON_IsBool(v))
			bad(C, "must be a boolean");
		n->unique = cJSON_IsTrue(v);
	}
}

static void
scalar_keywords(struct comp *C, struct node *n, const char *k, const cJSON *v)
{
	if (strcmp(k, "minLength") == 0) {
		n->minlen = count(C, v);
	} else if (strcmp(k, "maxLength") == 0) {
		n->maxlen = count(C, v);
	} else if (strcmp(k, "pattern") == 0) {
		if (!cJSON_IsString(v)) {
			bad(C, "must be a string");
			return;
		}
		if (twice(C, n->pattern))
			return;
		n->pattern = rl_xcalloc(1, sizeof *n->pattern);
		if (regex(C, v->valuestring, n->pattern) < 0) {
			free(n->pattern);
			n->pattern = NULL;
		}
	} else if (strcmp(k, "minimum") == 0) {
		n->min = number(C, v, &n->has, HAS_MIN);
	} else if (strcmp(k, "maximum") == 0) {
		n->max = number(C, v, &n->has, HAS_MAX);
	} else if (strcmp(k, "exclusiveMinimum") == 0) {
		n->xmin = number(C, v, &n->has, HAS_XMIN);
	} else if (strcmp(k, "exclusiveMaximum") == 0) {
		n->xmax = number(C, v, &n->has, HAS_XMAX);
	} else if (strcmp(k, "multipleOf") == 0) {
		n->mult = number(C, v, &n->has, HAS_MULT);
		if ((n->has & HAS_MULT) && !(n->mult > 0))
			bad(C, "must be greater than 0");
	}
}

static void
logic_keywords(struct comp *C, struct node *n, const char *k, const cJSON *v)
{
	if (strcmp(k, "allOf") == 0)
		list(C, v, &n->allof);
	else if (strcmp(k, "anyOf") == 0)
		list(C, v, &n->anyof);
	else if (strcmp(k, "oneOf") == 0)
		list(C, v, &n->oneof);
	else if (strcmp(k, "not") == 0)
		n->not = sub(C, NULL, v);
	else if (strcmp(k, "if") == 0)
		n->if_ = sub(C, NULL, v);
	else if (strcmp(k, "then") == 0)
		n->then_ = sub(C, NULL, v);
	else if (strcmp(k, "else") == 0)
		n->else_ = sub(C, NULL, v);
}

static void
keyword(struct comp *C, struct node *n, const char *k, const cJSON *v)
{
	const cJSON *target;

	if (strcmp(k, "type") == 0) {
		types(C, n, v);
	} else if (strcmp(k, "enum") == 0) {
		if (!cJSON_IsArray(v))
			bad(C, "must be an array");
		n->enumv = v;
	} else if (strcmp(k, "const") == 0) {
		n->constv = v;
		n->has |= HAS_CONST;
	} else if (strcmp(k, "$ref") == 0) {
		if (!cJSON_IsString(v)) {
			bad(C, "must be a string");
		} else if (!(target = resolve(C, C->S->doc, v->valuestring))) {
			bad(C, "cannot resolve '%s' (only local references "
			    "\"#/...\" are supported)", v->valuestring);
		} else {
			/* errors inside the target name the target's place */
			char *saved = rl_xstrdup(C->path.data);
			rl_buf_reset(&C->path);
			rl_buf_adds(&C->path, v->valuestring + 1);
			n->ref = compile(C, target);
			rl_buf_reset(&C->path);
			rl_buf_adds(&C->path, saved);
			free(saved);
		}
	} else {
		object_keywords(C, n, k, v);
		array_keywords(C, n, k, v);
		scalar_keywords(C, n, k, v);
		logic_keywords(C, n, k, v);
	}
}

/* Read the keywords of the node n, whose place is C->path. */
static void
fill(struct comp *C, struct node *n)
{
	const cJSON *k, *j = n->src;
	size_t mark;

	if (cJSON_IsBool(j)) {
		n->boolean = cJSON_IsTrue(j);
		return;
	}
	if (!cJSON_IsObject(j)) {
		bad(C, "a schema must be an object or a boolean");
		n->boolean = 1;
		return;
	}
	cJSON_ArrayForEach(k, j) {
		mark = C->path.len;
		rl_json_ptr_add(&C->path, k->string);
		keyword(C, n, k->string, k);
		C->path.len = mark;
		C->path.data[mark] = 0;
	}
	required_bits(n);
}

/* The k-th subschema that applies to the same value as n does (NULL
 * where a keyword is absent; then and else apply only beside if); 0
 * past the last. */
static int
same_value(const struct node *n, size_t k, const struct node **out)
{
	const struct node *fixed[] = {n->ref, n->not, n->if_,
	    n->if_ ? n->then_ : NULL, n->if_ ? n->else_ : NULL};
	const struct nodes *lists[] = {&n->allof, &n->anyof, &n->oneof};
	size_t i;

	if (k < 5) {
		*out = fixed[k];
		return 1;
	}
	for (k -= 5, i = 0; i < 3; k -= lists[i++]->n) {
		if (k < lists[i]->n) {
			*out = lists[i]->v[k];
			return 1;
		}
	}
	return 0;
}

/*
 * Refuse a cycle of subschemas that apply to the same value: a
 * depth-first search without recursion, colouring each node 1 while it
 * is on the stack and 2 when done.
 */
static void
cycles(struct comp *C)
{
	struct rl_schema *S = C->S;
	unsigned char *colour = rl_xcalloc(S->nall, 1);
	size_t *edge = rl_xcalloc(S->nall, sizeof *edge);
	const struct node **stack = rl_xcalloc(S->nall, sizeof *stack), *n, *m;
	size_t top, i;

	for (i = 0; i < S->nall && !C->failed; i++) {
		if (colour[i])
			continue;
		top = 0;
		stack[top++] = S->all[i];
		colour[i] = 1;
		while (top && !C->failed) {
			n = stack[top - 1];
			if (!same_value(n, edge[n->id]++, &m)) {
				colour[n->id] = 2;
				top--;
			} else if (m && colour[m->id] == 1) {
				rl_buf_reset(&C->path);
				rl_buf_adds(&C->path, m->where);
				bad(C, "this schema applies itself again to the "
				    "same value (through $ref, allOf, anyOf, "
				    "oneOf, not or if/then/else), which would "
				    "never end");
			} else if (m && !colour[m->id]) {
				colour[m->id] = 1;
				stack[top++] = m;
			}
		}
	}
	free(colour);
	free(edge);
	free(stack);
}

struct rl_schema *
rl_schema_compile(cJSON *doc, struct rl_buf *msg)
{
	struct rl_schema *S = rl_xcalloc(1, sizeof *S);
	struct comp C = {S, msg, {0}, 0, {0}, {0}};
	size_t i;

	S->doc = doc;
	rl_buf_adds(&C.path, "");
	if (rl_json_find_duplicate(doc, &C.path)) {
		bad(&C, "appears twice in its object (a name may appear once)");
	} else {
		S->root = compile(&C, doc);
		/* the work list: filling a node may add nodes at its end */
		for (i = 0; i < S->nall && !C.failed; i++) {
			rl_buf_reset(&C.path);
			rl_buf_adds(&C.path, S->all[i]->where);
			fill(&C, S->all[i]);
		}
		if (!C.failed)
			cycles(&C);
	}
	rl_buf_free(&C.path);
	map_free(&C.nodes, 0);
	map_free(&C.members, 1);
	if (C.failed) {
		S->doc = NULL;
		rl_schema_free(S);
		return NULL;
	}
	return S;
}

struct rl_schema *
rl_schema_load(const char *path, struct rl_buf *msg)
{
	struct rl_buf text = {0};
	struct rl_json_err e;
	struct rl_schema *S = NULL;
	unsigned long line, col;
	cJSON *doc;

	if (rl_fs_read(path, &text, 64UL << 20) < 0) {
		rl_buf_printf(msg, "%s: %s", path, strerror(errno));
	} else if (rl_json_parse(text.data ? text.data : "", text.len,
	    RL_JSON_DEPTH_MAX, &doc, &e) < 0) {
		rl_json_linecol(text.data, text.len, e.offset, &line, &col);
		rl_buf_printf(msg, "%s:%lu:%lu: %s", path, line, col, e.message);
	} else {
		size_t mark = msg->len;
		rl_buf_printf(msg, "%s: ", path);
		if (!(S = rl_schema_compile(doc, msg)))
			cJSON_Delete(doc);
		else {
			msg->len = mark;
			if (msg->data)
				msg->data[mark] = 0;
		}
	}
	rl_buf_free(&text);
	return S;
}

const cJSON *
rl_schema_doc(const struct rl_schema *s)
{
	return s->doc;
}

const struct prop *
rl_schema_find(const struct node *s, const char *name)
{
	size_t lo = 0, hi = s->nprops, mid;
	const char *k;
	int d;

	/* the first byte settles most comparisons without a call */
	while (lo < hi) {
		mid = (lo + hi) / 2;
		k = s->props[mid].name;
		d = (unsigned char)name[0] - (unsigned char)k[0];
		if (d == 0 && name[0])
			d = strcmp(name + 1, k + 1);
		if (d == 0)
			return &s->props[mid];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

struct node *
rl_schema_prop(const struct node *s, const char *name)
{
	const struct prop *p = rl_schema_find(s, name);

	return p ? p->s : NULL;
}

/* Give each required name a bit in its property, when all can have one.
 * Run after the whole node is compiled (keywords come in any order). */
static void
required_bits(struct node *n)
{
	const cJSON *r;
	struct prop *p;
	unsigned long long bit = 1, mask = 0;

	if (!n->required || cJSON_GetArraySize(n->required) > 64)
		return;
	cJSON_ArrayForEach(r, n->required)
		if (!rl_schema_find(n, r->valuestring))
			return;
	cJSON_ArrayForEach(r, n->required) {
		p = (struct prop *)rl_schema_find(n, r->valuestring);
		if (!p->reqbit) {
			p->reqbit = bit;
			mask |= bit;
			bit <<= 1;
		}
	}
	n->reqmask = mask;
}

void
rl_schema_free(struct rl_schema *S)
{
	size_t i, j;
	struct node *n;

	if (!S)
		return;
	for (i = 0; i < S->nall; i++) {
		n = S->all[i];
		free(n->where);
		free(n->props);
		for (j = 0; j < n->npprops; j++)
			rl_re_free(&n->pprops[j].re);
		free(n->pprops);
		free(n->deps);
		free(n->prefix.v);
		free(n->allof.v);
		free(n->anyof.v);
		free(n->oneof.v);
		if (n->pattern)
			rl_re_free(n->pattern);
		free(n->pattern);
		free(n);
	}
	free(S->all);
	cJSON_Delete(S->doc);
	free(S);
}
