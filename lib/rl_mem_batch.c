/*
 * rl_mem_batch.c - memory operations from NDJSON records; see rl_mem.h.
 *
 * A record's operation is not run when it is read: it waits, with its
 * answer half made, in a list that also keeps, in their places, answers
 * already known (a bad operation) and the loop's error batons.  Before
 * the loop waits for input, before an ls (which must see what came
 * before it), and when many operations or many bytes wait, the list is
 * run by one rl_mem_run, which a Redis store pipelines, and every answer
 * is written in input order.
 */
#include <stdlib.h>
#include <string.h>

#include "rl_dur.h"
#include "rl_err.h"
#include "rl_json.h"
#include "rl_loop.h"
#include "rl_mem.h"
#include "rl_out.h"
#include "rl_text.h"

/* Run the list when this many operations, or value bytes, wait. */
#define WAIT_OPS 1024
#define WAIT_BYTES (8UL << 20)

struct rl_mem_batch_item {
	cJSON *res;              /* the answer (or the loop's error baton) */
	int status;              /* of an answer already made */
	int waiting;             /* the operation o has not run yet */
	struct rl_mem_op o;
	char *ns, *key, *type;   /* owned copies: the record is the loop's */
	struct rl_buf val;
};

/* The status of a failed operation: 111 when a retry may mend it. */
static int
fail_status(const char *code)
{
	return rl_err_retryable(code) ? RL_EXIT_TEMP : RL_EXIT_FAIL;
}

static void
set_error(cJSON *res, const char *code, const char *msg)
{
	cJSON_AddFalseToObject(res, "ok");
	cJSON_AddItemToObject(res, "error", rl_err_object(code, msg, "mem"));
}

static struct rl_mem_batch_item *
add_item(struct rl_mem_batch *B, cJSON *res, int status)
{
	struct rl_mem_batch_item *it;

	if (B->n == B->cap) {
		B->cap = B->cap ? 2 * B->cap : 64;
		B->items = rl_xrealloc(B->items, B->cap * sizeof *B->items);
	}
	it = &B->items[B->n++];
	memset(it, 0, sizeof *it);
	it->res = res;
	it->status = status;
	return it;
}

/* Write an answer now, or in its place after those waiting. */
static int
answer(struct rl_mem_batch *B, cJSON *res, int status)
{
	if (B->n) {
		add_item(B, res, status);
		return RL_EXIT_OK;     /* merged into B->status when written */
	}
	rl_out_json(res);
	cJSON_Delete(res);
	return status;
}

static int
answer_error(struct rl_mem_batch *B, cJSON *res, const char *code,
	const char *msg)
{
	set_error(res, code, msg);
	return answer(B, res, fail_status(code));
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

/* Finish an operation's answer from its result; returns its status. */
static int
finish_op(struct rl_mem_batch_item *it)
{
	const struct rl_mem_op *o = &it->o;

	if (o->rc < 0) {
		set_error(it->res, o->err.code, o->err.message);
		return fail_status(o->err.code);
	}
	if (o->kind == RL_MEM_GET || o->kind == RL_MEM_DEL)
		cJSON_AddBoolToObject(it->res, "found", o->rc == 0);
	if (o->kind == RL_MEM_GET && o->rc == 0)
		add_value(it->res, &o->value);
	if (o->kind == RL_MEM_INCR)
		cJSON_AddNumberToObject(it->res, "value", (double)o->result);
	cJSON_AddTrueToObject(it->res, "ok");
	return RL_EXIT_OK;
}

/* Run what waits and write every answer, in order. */
static void
flush(struct rl_mem_batch *B)
{
	struct rl_mem_op *ops;
	size_t i, k = 0;

	if (!B->n)
		return;
	ops = rl_xcalloc(B->n, sizeof *ops);
	for (i = 0; i < B->n; i++)
		if (B->items[i].waiting)
			ops[k++] = B->items[i].o;
	if (k)
		rl_mem_run(B->m, ops, k);
	for (i = 0, k = 0; i < B->n; i++) {
		struct rl_mem_batch_item *it = &B->items[i];

		if (it->waiting) {
			it->o = ops[k++];
			it->status = finish_op(it);
		}
		B->status = rl_exit_merge(B->status, it->status);
		rl_out_json(it->res);
		cJSON_Delete(it->res);
		rl_buf_free(&it->o.value);
		rl_buf_free(&it->val);
		free(it->ns);
		free(it->key);
		free(it->type);
	}
	free(ops);
	B->n = 0;
	B->bytes = 0;
}

static int
add_key(const struct rl_mem_entry *e, void *arg)
{
	if (!e->corrupt)
		cJSON_AddItemToArray(arg, cJSON_CreateString(e->key));
	return 0;
}

/* An ls sees every operation before it: it runs after them, at once. */
static int
run_ls(struct rl_mem_batch *B, const char *ns, const cJSON *o, cJSON *res)
{
	cJSON *keys = cJSON_CreateArray();
	int rc;

	flush(B);
	rc = rl_mem_list(B->m, ns, rl_json_str(o, "prefix"), add_key, keys);
	cJSON_AddItemToObject(res, "keys", keys);
	if (rc < 0)
		return answer_error(B, res, B->m->err.code, B->m->err.message);
	cJSON_AddTrueToObject(res, "ok");
	return answer(B, res, RL_EXIT_OK);
}

/* Put the operation in the list; the answer is made when it has run. */
static int
queue_op(struct rl_mem_batch *B, const char *op, const char *ns,
	const char *key, const cJSON *o, cJSON *res)
{
	const cJSON *ttl = cJSON_GetObjectItemCaseSensitive(o, "ttl");
	const cJSON *delta = cJSON_GetObjectItemCaseSensitive(o, "delta");
	struct rl_buf val = {0};
	struct rl_mem_batch_item *it;
	const char *why, *type = rl_json_str(o, "type");
	double secs = 0;

	if (!strcmp(op, "put")) {
		if (value_of(o, &val, &why) < 0)
			return answer_error(B, res, "mem.bad_op", why);
		if (cJSON_IsNumber(ttl) && ttl->valuedouble >= 0)
			secs = ttl->valuedouble;
		else if (ttl && (!cJSON_IsString(ttl) ||
		    rl_dur_parse(ttl->valuestring, &secs) < 0)) {
			rl_buf_free(&val);
			return answer_error(B, res, "mem.bad_op", "ttl is not a duration");
		}
	} else if (!strcmp(op, "incr") && delta && !rl_json_is_integer(delta)) {
		return answer_error(B, res, "mem.bad_op", "delta must be an integer");
	}
	it = add_item(B, res, RL_EXIT_OK);
	it->waiting = 1;
	it->ns = rl_xstrdup(ns);
	it->key = rl_xstrdup(key);
	it->type = type ? rl_xstrdup(type) : NULL;
	it->val = val;
	it->o.ns = it->ns;
	it->o.key = it->key;
	it->o.type = it->type;
	it->o.val = it->val.data ? it->val.data : "";
	it->o.n = it->val.len;
	it->o.ttl = secs;
	it->o.delta = delta ? (long long)delta->valuedouble : 1;
	it->o.kind = !strcmp(op, "put") ? RL_MEM_PUT : !strcmp(op, "get") ?
	    RL_MEM_GET : !strcmp(op, "del") ? RL_MEM_DEL : RL_MEM_INCR;
	B->bytes += val.len;
	if (B->n >= WAIT_OPS || B->bytes >= WAIT_BYTES)
		flush(B);
	return RL_EXIT_OK;
}

static int
batch_op(struct rl_rec *r, void *arg)
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
		return answer_error(B, res, "mem.bad_op", "\"op\" must be put, "
		    "get, del, incr or ls");
	if (!key && strcmp(op, "ls"))
		return answer_error(B, res, "mem.bad_key", "a string \"key\" is needed");
	/* cJSON ends a string at \u0000: refuse rather than cut it short */
	if (memmem(r->text, r->len, "\\u0000", 6))
		return answer_error(B, res, "mem.bad_value", "a string holds "
		    "\\u0000, which a key cannot and a value must not (use "
		    "value_b64)");
	if (!strcmp(op, "ls"))
		return run_ls(B, ns ? ns : B->ns, o, res);
	return queue_op(B, op, ns ? ns : B->ns, key, o, res);
}

/* The loop's error batons keep their places among the answers. */
static void
batch_emit(cJSON *baton, void *arg)
{
	struct rl_mem_batch *B = arg;

	B->status = rl_exit_merge(B->status, answer(B, baton, RL_EXIT_FAIL));
}

static void
batch_idle(int fd, void *arg)
{
	(void)fd;
	flush(arg);
}

void
rl_mem_batch_start(struct rl_mem_batch *B, struct rl_mem *m, const char *ns,
	struct rl_loop *L)
{
	memset(B, 0, sizeof *B);
	B->m = m;
	B->ns = ns;
	L->fn = batch_op;
	L->arg = B;
	L->emit = batch_emit;
	L->emit_arg = B;
	L->idle = batch_idle;
	L->idle_arg = B;
}

int
rl_mem_batch_finish(struct rl_mem_batch *B)
{
	flush(B);
	free(B->items);
	B->items = NULL;
	B->cap = 0;
	return B->status;
}
