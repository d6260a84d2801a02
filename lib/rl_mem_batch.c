/* rl_mem_batch.c - memory operations from NDJSON records; see rl_mem.h. */
#include <string.h>

#include "rl_dur.h"
#include "rl_err.h"
#include "rl_json.h"
#include "rl_loop.h"
#include "rl_mem.h"
#include "rl_out.h"
#include "rl_text.h"

/* Answer with an error; returns RL_EXIT_FAIL. */
static int
answer_error(cJSON *res, const char *code, const char *msg)
{
	cJSON_AddFalseToObject(res, "ok");
	cJSON_AddItemToObject(res, "error", rl_err_object(code, msg, "mem"));
	rl_out_json(res);
	cJSON_Delete(res);
	return RL_EXIT_FAIL;
}

static int
store_error(cJSON *res, struct rl_mem *m)
{
	return answer_error(res, m->err.code, m->err.message);
}

/* The value of an op: "value" (text) or "value_b64" (bytes). */
static int
value_of(const cJSON *op, struct rl_buf *val, const char **why)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(op, "value");
	const char *b64 = rl_json_str(op, "value_b64");

	if (cJSON_IsString(v)) {
		rl_buf_adds(val, v->valuestring);
		return 0;
	}
	if (b64 && rl_base64_decode(b64, val) == 0)
		return 0;
	*why = b64 ? "value_b64 is not base64" :
	    "a put needs a string \"value\" or \"value_b64\"";
	return -1;
}

static void
add_value(cJSON *res, const struct rl_buf *val)
{
	struct rl_buf b64 = {0};
	const char *text = val->data ? val->data : "";

	if (rl_utf8_check(text, val->len) == val->len && !memchr(text, 0, val->len)) {
		cJSON_AddStringToObject(res, "value", text);
		return;
	}
	rl_base64(text, val->len, &b64);
	cJSON_AddStringToObject(res, "value_b64", b64.data ? b64.data : "");
	rl_buf_free(&b64);
}

static int
add_key(const struct rl_mem_entry *e, void *arg)
{
	if (!e->corrupt)
		cJSON_AddItemToArray(arg, cJSON_CreateString(e->key));
	return 0;
}

static int
run(struct rl_mem *m, const char *op, const char *ns, const char *key,
	const cJSON *o, cJSON *res)
{
	struct rl_buf val = {0};
	const cJSON *ttl = cJSON_GetObjectItemCaseSensitive(o, "ttl");
	const cJSON *delta = cJSON_GetObjectItemCaseSensitive(o, "delta");
	const char *why;
	double secs = 0;
	long long n;
	cJSON *keys;
	int rc;

	if (!strcmp(op, "put")) {
		if (value_of(o, &val, &why) < 0)
			return answer_error(res, "mem.bad_op", why);
		if (cJSON_IsNumber(ttl) && ttl->valuedouble >= 0)
			secs = ttl->valuedouble;
		else if (ttl && (!cJSON_IsString(ttl) ||
		    rl_dur_parse(ttl->valuestring, &secs) < 0)) {
			rl_buf_free(&val);
			return answer_error(res, "mem.bad_op", "ttl is not a duration");
		}
		rc = rl_mem_put(m, ns, key, val.data ? val.data : "", val.len,
		    secs, rl_json_str(o, "type"));
	} else if (!strcmp(op, "get")) {
		if ((rc = rl_mem_get(m, ns, key, &val, NULL)) >= 0) {
			cJSON_AddBoolToObject(res, "found", rc == 0);
			if (rc == 0)
				add_value(res, &val);
		}
	} else if (!strcmp(op, "del")) {
		if ((rc = rl_mem_del(m, ns, key)) >= 0)
			cJSON_AddBoolToObject(res, "found", rc == 0);
	} else if (!strcmp(op, "incr")) {
		if (delta && !rl_json_is_integer(delta))
			return answer_error(res, "mem.bad_op", "delta must be an integer");
		rc = rl_mem_incr(m, ns, key, delta ? (long long)delta->valuedouble : 1, &n);
		if (rc == 0)
			cJSON_AddNumberToObject(res, "value", (double)n);
	} else {
		keys = cJSON_CreateArray();
		rc = rl_mem_list(m, ns, rl_json_str(o, "prefix"), add_key, keys);
		cJSON_AddItemToObject(res, "keys", keys);
	}
	rl_buf_free(&val);
	if (rc < 0)
		return store_error(res, m);
	cJSON_AddTrueToObject(res, "ok");
	rl_out_json(res);
	cJSON_Delete(res);
	return RL_EXIT_OK;
}

int
rl_mem_batch_op(struct rl_rec *r, void *arg)
{
	struct rl_mem_batch *B = arg;
	const cJSON *o = r->json, *id = cJSON_GetObjectItemCaseSensitive(o, "id");
	const char *op = rl_json_str(o, "op"), *key = rl_json_str(o, "key");
	const char *ns = rl_json_str(o, "ns");
	cJSON *res = cJSON_CreateObject();

	if (cJSON_IsString(id) || cJSON_IsNumber(id))
		cJSON_AddItemToObject(res, "id", cJSON_Duplicate(id, 0));
	if (op)
		cJSON_AddStringToObject(res, "op", op);
	cJSON_AddStringToObject(res, "ns", ns ? ns : B->ns);
	if (key)
		cJSON_AddStringToObject(res, "key", key);
	if (!cJSON_IsObject(o) || !op || (strcmp(op, "put") && strcmp(op, "get") &&
	    strcmp(op, "del") && strcmp(op, "incr") && strcmp(op, "ls")))
		return answer_error(res, "mem.bad_op", "\"op\" must be put, get, "
		    "del, incr or ls");
	if (!key && strcmp(op, "ls"))
		return answer_error(res, "mem.bad_key", "a string \"key\" is needed");
	/* cJSON ends a string at \u0000: refuse rather than cut it short */
	if (memmem(r->text, r->len, "\\u0000", 6))
		return answer_error(res, "mem.bad_value", "a string holds \\u0000, "
		    "which a key cannot and a value must not (use value_b64)");
	return run(B->m, op, ns ? ns : B->ns, key, o, res);
}
