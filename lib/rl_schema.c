/*
 * rl_schema.c - compiling JSON Schemas; see rl_schema.h.
 *
 * compile() turns each schema object into a struct node, checking every
 * keyword it knows as it goes, so that a bad schema fails at load time
 * with the JSON pointer of the keyword, never half-way through a stream.
 * Nodes are memoized by their place in the document: a $ref, even a
 * recursive one, points at the node already made for its target.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rl_fs.h"
#include "rl_json.h"
#include "rl_schema_impl.h"

struct comp {
	struct rl_schema *S;
	struct rl_buf *msg;
	struct rl_buf path;      /* JSON pointer of the keyword at hand */
	int failed;
};

static struct node *compile(struct comp *C, const cJSON *j);
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

static struct node *
new_node(struct comp *C, const cJSON *src)
{
	struct rl_schema *S = C->S;
	struct node *n = rl_xcalloc(1, sizeof *n);

	n->boolean = -1;
	n->src = src;
	n->minprops = n->maxprops = n->minitems = n->maxitems = -1;
	n->minlen = n->maxlen = n->maxcontains = -1;
	n->mincontains = 1;
	if (S->nall == S->capall) {
		S->capall = S->capall ? S->capall * 2 : 32;
		S->all = rl_xrealloc(S->all, S->capall * sizeof *S->all);
	}
	S->all[S->nall++] = n;
	return n;
}

/* Translate the ECMA-262 classes \d \w \s (and negations) to POSIX. */
static void
translate(const char *p, struct rl_buf *out)
{
	int inbracket = 0;

	for (; *p; p++) {
		if (*p == '\\' && p[1]) {
			const char *in = NULL, *outside = NULL;
			switch (p[1]) {
			case 'd': in = "0-9"; outside = "[0-9]"; break;
			case 'D': outside = "[^0-9]"; break;
			case 'w': in = "A-Za-z0-9_"; outside = "[A-Za-z0-9_]"; break;
			case 'W': outside = "[^A-Za-z0-9_]"; break;
			case 's': in = "[:space:]"; outside = "[[:space:]]"; break;
			case 'S': outside = "[^[:space:]]"; break;
			}
			if (inbracket && in) {
				rl_buf_adds(out, in);
			} else if (!inbracket && outside) {
				rl_buf_adds(out, outside);
			} else if (inbracket) {
				rl_buf_addc(out, p[1]);
			} else {
				rl_buf_add(out, p, 2);
			}
			p++;
			continue;
		}
		if (*p == '[' && !inbracket) {
			inbracket = 1;
			rl_buf_addc(out, *p);
			if (p[1] == '^')
				rl_buf_addc(out, *++p);
			if (p[1] == ']')
				rl_buf_addc(out, *++p);
			continue;
		}
		if (*p == ']' && inbracket)
			inbracket = 0;
		rl_buf_addc(out, *p);
	}
}

static int
regex(struct comp *C, const char *src, regex_t *re)
{
	struct rl_buf b = {0};
	char err[128];
	int rc;

	translate(src, &b);
	rc = regcomp(re, b.data ? b.data : "", REG_EXTENDED | REG_NOSUB);
	rl_buf_free(&b);
	if (rc != 0) {
		regerror(rc, re, err, sizeof err);
		bad(C, "bad pattern '%s': %s", src, err);
		return -1;
	}
	return 0;
}

static const cJSON *
resolve(const cJSON *root, const char *ref)
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
			cur = cJSON_GetObjectItemCaseSensitive(cur, tok.data);
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
	size_t i = 0;

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
		n->nprops = (size_t)cJSON_GetArraySize(v);
		n->props = rl_xcalloc(n->nprops, sizeof *n->props);
		cJSON_ArrayForEach(c, v) {
			n->props[i].name = c->string;
			n->props[i++].s = sub(C, c->string, c);
		}
		qsort(n->props, n->nprops, sizeof *n->props, cmp_prop);
	} else if (strcmp(k, "patternProperties") == 0) {
		n->pprops = rl_xcalloc((size_t)cJSON_GetArraySize(v), sizeof *n->pprops);
		cJSON_ArrayForEach(c, v) {
			size_t mark = C->path.len;
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
		} else if (!(target = resolve(C->S->doc, v->valuestring))) {
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

static struct node *
compile(struct comp *C, const cJSON *j)
{
	struct node *n;
	const cJSON *k;
	size_t i, mark;

	for (i = 0; i < C->S->nall; i++)
		if (C->S->all[i]->src == j)
			return C->S->all[i];
	n = new_node(C, j);
	if (cJSON_IsBool(j)) {
		n->boolean = cJSON_IsTrue(j);
		return n;
	}
	if (!cJSON_IsObject(j)) {
		bad(C, "a schema must be an object or a boolean");
		n->boolean = 1;
		return n;
	}
	cJSON_ArrayForEach(k, j) {
		mark = C->path.len;
		rl_json_ptr_add(&C->path, k->string);
		keyword(C, n, k->string, k);
		C->path.len = mark;
		C->path.data[mark] = 0;
	}
	required_bits(n);
	return n;
}

struct rl_schema *
rl_schema_compile(cJSON *doc, struct rl_buf *msg)
{
	struct rl_schema *S = rl_xcalloc(1, sizeof *S);
	struct comp C = {S, msg, {0}, 0};

	S->doc = doc;
	rl_buf_adds(&C.path, "");
	S->root = compile(&C, doc);
	rl_buf_free(&C.path);
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
		free(n->props);
		for (j = 0; j < n->npprops; j++)
			regfree(&n->pprops[j].re);
		free(n->pprops);
		free(n->deps);
		free(n->prefix.v);
		free(n->allof.v);
		free(n->anyof.v);
		free(n->oneof.v);
		if (n->pattern)
			regfree(n->pattern);
		free(n->pattern);
		free(n);
	}
	free(S->all);
	cJSON_Delete(S->doc);
	free(S);
}
