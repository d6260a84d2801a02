/*
 * rl_schema_sanitize.c - making a record fit its schema where that can be
 * done without guessing; see rl_schema_sanitize in rl_schema.h.
 *
 * Two walks.  The first strips control characters from every string value
 * in the record, whatever the schema says.  The second follows the schema
 * where it says unambiguously what applies to a value (properties,
 * patternProperties, additionalProperties, prefixItems, items, $ref and
 * allOf; not the branches of anyOf, oneOf or if, which depend on the value
 * itself) to cut strings to maxLength and drop forbidden members.
 * The second walk keeps to the check's limits (rl_schema_impl.h): past
 * them, or where a pattern gives up, it leaves the value as it is, and
 * the check that follows says why.
 */
#include <string.h>

#include "rl_json.h"
#include "rl_schema_impl.h"
#include "rl_text.h"

struct san {
	cJSON *changes;
	struct rl_buf path;
	int n;
	pcre2_match_data *md;
	unsigned long steps;
	int depth;
};

static void
note(struct san *S, const char *action)
{
	cJSON *c;

	S->n++;
	if (!S->changes)
		return;
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "path", S->path.data ? S->path.data : "");
	cJSON_AddStringToObject(c, "action", action);
	cJSON_AddItemToArray(S->changes, c);
}

static void
push(struct san *S, const char *token, size_t index, size_t *mark)
{
	*mark = S->path.len;
	if (token)
		rl_json_ptr_add(&S->path, token);
	else
		rl_json_ptr_index(&S->path, index);
}

static void
pop(struct san *S, size_t mark)
{
	S->path.len = mark;
	S->path.data[mark] = 0;
}

/* Control characters: C0 but tab and newline, DEL, and C1. */
static int
is_control(const unsigned char *p, size_t *len)
{
	*len = 1;
	if (p[0] < 0x20)
		return p[0] != '\t' && p[0] != '\n';
	if (p[0] == 0x7f)
		return 1;
	if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
		*len = 2;
		return 1;
	}
	return 0;
}

static void
strip(struct san *S, cJSON *v)
{
	struct rl_buf b = {0};
	const unsigned char *p;
	size_t len, i = 0, mark;
	int changed = 0;
	cJSON *c;

	if (cJSON_IsString(v)) {
		p = (const unsigned char *)v->valuestring;
		for (; *p; p += len) {
			if (is_control(p, &len))
				changed = 1;
			else
				rl_buf_add(&b, p, len);
		}
		if (changed) {
			cJSON_SetValuestring(v, b.data ? b.data : "");
			note(S, "stripped");
		}
		rl_buf_free(&b);
		return;
	}
	for (c = v->child; c; c = c->next, i++) {
		push(S, cJSON_IsObject(v) ? c->string : NULL, i, &mark);
		strip(S, c);
		pop(S, mark);
	}
}

static void guided(struct san *S, const struct node *s, cJSON *v);

static void
guided_object(struct san *S, const struct node *s, cJSON *v)
{
	cJSON *m, *next;
	const struct node *ps;
	size_t i, mark;
	int matched, rc;

	for (m = v->child; m; m = next) {
		next = m->next;
		push(S, m->string, 0, &mark);
		matched = 0;
		if ((ps = rl_schema_prop(s, m->string))) {
			matched = 1;
			guided(S, ps, m);
		}
		for (i = 0; i < s->npprops; i++) {
			rc = rl_re_match(&s->pprops[i].re, m->string, &S->md, NULL);
			if (rc == 1)
				guided(S, s->pprops[i].s, m);
			if (rc != 0)    /* a pattern that gave up: maybe */
				matched = 1;
		}
		if (!matched && s->additional) {
			if (s->additional->boolean == 0) {
				note(S, "removed");
				cJSON_Delete(cJSON_DetachItemViaPointer(v, m));
			} else {
				guided(S, s->additional, m);
			}
		}
		pop(S, mark);
	}
}

static void
guided(struct san *S, const struct node *s, cJSON *v)
{
	size_t i = 0, mark, cut;
	cJSON *c;

	if (!s || s->boolean >= 0 || S->depth >= RL_SCHEMA_DEPTH_MAX ||
	    ++S->steps > RL_SCHEMA_STEPS_MAX)
		return;
	S->depth++;
	if (s->ref)
		guided(S, s->ref, v);
	for (i = 0; i < s->allof.n; i++)
		guided(S, s->allof.v[i], v);
	if (cJSON_IsString(v) && s->maxlen >= 0) {
		cut = rl_utf8_prefix(v->valuestring, (size_t)s->maxlen);
		if (v->valuestring[cut]) {
			v->valuestring[cut] = 0;
			note(S, "truncated");
		}
	} else if (cJSON_IsObject(v)) {
		guided_object(S, s, v);
	} else if (cJSON_IsArray(v)) {
		for (i = 0, c = v->child; c; c = c->next, i++) {
			push(S, NULL, i, &mark);
			guided(S, i < s->prefix.n ? s->prefix.v[i] : s->items, c);
			pop(S, mark);
		}
	}
	S->depth--;
}

int
rl_schema_sanitize(const struct rl_schema *s, cJSON *v, cJSON *changes)
{
	struct san S = {changes, {0}, 0, NULL, 0, 0};

	rl_buf_adds(&S.path, "");
	strip(&S, v);
	guided(&S, s->root, v);
	pcre2_match_data_free(S.md);
	rl_buf_free(&S.path);
	return S.n;
}
