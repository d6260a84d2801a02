/*
 * rl_prov_schema.c - a reply's JSON Schema in the portable strict
 * subset of structured output, and nulls of optional members taken out
 * of a reply; see rl_prov_schema.h.
 */
#include <stdlib.h>
#include <string.h>

#include "rl_prov_schema.h"

#define DEPTH_MAX 32    /* $ref chains and nesting followed, at most */

static const cJSON *
get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* The local JSON pointer ref ("#", "#/$defs/x") in root, or NULL. */
static const cJSON *
resolve(const cJSON *root, const char *ref)
{
	const cJSON *at = root;
	char tok[256];
	size_t n;
	const char *p;

	if (strcmp(ref, "#") == 0)
		return root;
	if (strncmp(ref, "#/", 2) != 0)
		return NULL;
	for (p = ref + 2; at; ) {
		for (n = 0; *p && *p != '/' && n + 1 < sizeof tok; p++) {
			if (p[0] == '~' && (p[1] == '0' || p[1] == '1')) {
				tok[n++] = p[1] == '0' ? '~' : '/';
				p++;
			} else {
				tok[n++] = *p;
			}
		}
		tok[n] = 0;
		if (cJSON_IsArray(at))
			at = cJSON_GetArrayItem(at, atoi(tok));
		else
			at = get(at, tok);
		if (!*p)
			break;
		if (*p++ != '/')
			return NULL;
	}
	return at;
}

/* s with its $ref chain followed, or NULL when it cannot be. */
static const cJSON *
deref(const cJSON *root, const cJSON *s)
{
	const cJSON *r;
	int i;

	for (i = 0; i < DEPTH_MAX && cJSON_IsObject(s) &&
	    cJSON_IsString(r = get(s, "$ref")); i++)
		s = resolve(root, r->valuestring);
	return i < DEPTH_MAX ? s : NULL;
}

static int
has_string(const cJSON *a, const char *s)
{
	const cJSON *x;

	cJSON_ArrayForEach(x, a)
		if (cJSON_IsString(x) && strcmp(x->valuestring, s) == 0)
			return 1;
	return 0;
}

static int
has_null(const cJSON *a)
{
	const cJSON *x;

	cJSON_ArrayForEach(x, a)
		if (cJSON_IsNull(x))
			return 1;
	return 0;
}

/* Let the converted node n take null as well. */
static void
nullable(cJSON *n)
{
	cJSON *t = cJSON_GetObjectItemCaseSensitive(n, "type"), *e, *a, *x;

	if ((x = cJSON_GetObjectItemCaseSensitive(n, "const"))) {
		a = cJSON_CreateArray();
		cJSON_AddItemToArray(a, cJSON_Duplicate(x, 1));
		cJSON_DeleteItemFromObjectCaseSensitive(n, "const");
		cJSON_AddItemToObject(n, "enum", a);
	}
	if ((e = cJSON_GetObjectItemCaseSensitive(n, "enum")) && !has_null(e))
		cJSON_AddItemToArray(e, cJSON_CreateNull());
	if (cJSON_IsString(t)) {
		if (strcmp(t->valuestring, "null") == 0)
			return;
		a = cJSON_CreateArray();
		cJSON_AddItemToArray(a, cJSON_CreateString(t->valuestring));
		cJSON_AddItemToArray(a, cJSON_CreateString("null"));
		cJSON_ReplaceItemInObjectCaseSensitive(n, "type", a);
	} else if (cJSON_IsArray(t)) {
		if (!has_string(t, "null"))
			cJSON_AddItemToArray(t, cJSON_CreateString("null"));
	} else if ((a = cJSON_GetObjectItemCaseSensitive(n, "anyOf"))) {
		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "type", "null");
		cJSON_AddItemToArray(a, x);
	}
}

struct conv {
	const cJSON *root;
	int strict;
};

static cJSON *node(struct conv *cv, const cJSON *s, int depth);

static int
is_object_type(const cJSON *t)
{
	return (cJSON_IsString(t) && strcmp(t->valuestring, "object") == 0) ||
	    (cJSON_IsArray(t) && has_string(t, "object"));
}

/* The members of an object schema s into out. */
static void
members(struct conv *cv, const cJSON *s, cJSON *out, int depth)
{
	const cJSON *props = get(s, "properties"), *req = get(s, "required"), *p;
	cJSON *po, *ro, *n;

	if (!cJSON_IsObject(props) || !props->child) {
		/* members free: strict mode has no way to say so */
		cv->strict = 0;
		return;
	}
	po = cJSON_AddObjectToObject(out, "properties");
	ro = cJSON_AddArrayToObject(out, "required");
	cJSON_ArrayForEach(p, props) {
		n = node(cv, p, depth + 1);
		if (!has_string(req, p->string))
			nullable(n);
		cJSON_AddItemToObject(po, p->string, n);
		cJSON_AddItemToArray(ro, cJSON_CreateString(p->string));
	}
	cJSON_AddFalseToObject(out, "additionalProperties");
}

static cJSON *
node(struct conv *cv, const cJSON *s, int depth)
{
	cJSON *out = cJSON_CreateObject(), *a;
	const cJSON *v, *x;
	static const char *const kept[] = {"type", "enum", "const", "description",
	    NULL};
	int i;

	if (depth > DEPTH_MAX || !(s = deref(cv->root, s)) || !cJSON_IsObject(s)) {
		/* true, false, a ref that leads nowhere, too deep: anything */
		cv->strict = 0;
		return out;
	}
	for (i = 0; kept[i]; i++)
		if ((v = get(s, kept[i])))
			cJSON_AddItemToObject(out, kept[i], cJSON_Duplicate(v, 1));
	if ((v = get(s, "anyOf")) || (v = get(s, "oneOf"))) {
		a = cJSON_AddArrayToObject(out, "anyOf");
		cJSON_ArrayForEach(x, v)
			cJSON_AddItemToArray(a, node(cv, x, depth + 1));
	}
	if ((v = get(s, "items")) && !cJSON_IsArray(v))
		cJSON_AddItemToObject(out, "items", node(cv, v, depth + 1));
	if (is_object_type(get(s, "type")) || get(s, "properties"))
		members(cv, s, out, depth);
	if (!get(out, "type") && !get(out, "anyOf") && !get(out, "enum") &&
	    !get(out, "const"))
		cv->strict = 0;      /* any value: strict mode wants a type */
	return out;
}

cJSON *
rl_prov_schema_portable(const cJSON *schema, int *strict)
{
	struct conv cv = {schema, 1};
	cJSON *out = node(&cv, schema, 0);

	if (!is_object_type(get(out, "type")))
		cv.strict = 0;       /* strict mode wants an object at the top */
	*strict = cv.strict;
	return out;
}

/* Whether schema s takes null. */
static int
allows_null(const cJSON *root, const cJSON *s, int depth)
{
	const cJSON *t, *x, *b;

	if (depth > DEPTH_MAX || !(s = deref(root, s)))
		return 1;
	if (cJSON_IsBool(s))
		return cJSON_IsTrue(s);
	if (!cJSON_IsObject(s))
		return 1;
	if ((x = get(s, "anyOf")) || (x = get(s, "oneOf"))) {
		cJSON_ArrayForEach(b, x)
			if (allows_null(root, b, depth + 1))
				return 1;
		return 0;
	}
	if ((x = get(s, "enum")))
		return has_null(x);
	if ((x = get(s, "const")))
		return cJSON_IsNull(x);
	t = get(s, "type");
	if (cJSON_IsString(t))
		return strcmp(t->valuestring, "null") == 0;
	if (cJSON_IsArray(t))
		return has_string(t, "null");
	return 1;
}

static int
unnull(const cJSON *root, const cJSON *s, cJSON *v, int depth)
{
	const cJSON *props, *ps, *it;
	cJSON *m, *next;
	int n = 0;

	if (depth > DEPTH_MAX || !(s = deref(root, s)) || !cJSON_IsObject(s))
		return 0;
	if (cJSON_IsObject(v) && cJSON_IsObject(props = get(s, "properties"))) {
		for (m = v->child; m; m = next) {
			next = m->next;
			if (!m->string || !(ps = get(props, m->string)))
				continue;
			if (cJSON_IsNull(m) && !has_string(get(s, "required"), m->string) &&
			    !allows_null(root, ps, depth + 1)) {
				cJSON_Delete(cJSON_DetachItemViaPointer(v, m));
				n++;
				continue;
			}
			n += unnull(root, ps, m, depth + 1);
		}
	}
	if (cJSON_IsArray(v) && (it = get(s, "items")) && cJSON_IsObject(it))
		cJSON_ArrayForEach(m, v)
			n += unnull(root, it, m, depth + 1);
	return n;
}

int
rl_prov_schema_unnull(const cJSON *schema, cJSON *v)
{
	return unnull(schema, schema, v, 0);
}
