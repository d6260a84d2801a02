/*
 * rl_prov_call.c - one HTTP model call's plumbing; see rl_prov_call.h.
 */
#include <stdlib.h>
#include <string.h>

#include "rl_prov_call.h"
#include "rl_provider_impl.h"

int
rl_prov_stream_mode(const struct rl_provider *p)
{
	const char *s = rl_provider_str(p, "stream");

	return strcmp(s, "always") == 0 ? RL_PROV_STREAM_ALWAYS :
	    strcmp(s, "never") == 0 ? RL_PROV_STREAM_NEVER : RL_PROV_STREAM_AUTO;
}

int
rl_prov_streams(int mode, const struct rl_call *c)
{
	return mode == RL_PROV_STREAM_ALWAYS ||
	    (mode == RL_PROV_STREAM_AUTO && c->on_text);
}

struct curl_slist *
rl_prov_headers(const char *extra, int stream, const char *key_name,
	const char *key)
{
	struct curl_slist *h = NULL;
	struct rl_buf k = {0};

	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	if (extra)
		h = curl_slist_append(h, extra);
	if (stream)
		h = curl_slist_append(h, "Accept: text/event-stream");
	if (key) {
		rl_buf_printf(&k, "%s%s", key_name, key);
		h = curl_slist_append(h, k.data);
		explicit_bzero(k.data, k.len);
		rl_buf_free(&k);
	}
	return h;
}

void
rl_prov_headers_free(struct curl_slist *h)
{
	struct curl_slist *s;

	for (s = h; s; s = s->next)
		explicit_bzero(s->data, strlen(s->data));
	curl_slist_free_all(h);
}

/* What a call's state owns, freed. */
static void
release(struct rl_prov_call *pc)
{
	free(pc->body);
	rl_prov_sse_free(&pc->sse);
	rl_buf_free(&pc->x.resp);
}

void *
rl_prov_call_new(struct rl_provider *p, struct rl_call *c, size_t size)
{
	struct rl_prov_call *pc = c->impl;

	if (!pc) {
		c->impl = pc = rl_xcalloc(1, size);
	} else {
		release(pc);
		memset(pc, 0, size);
	}
	pc->p = p;
	pc->c = c;
	return pc;
}

static int
on_data(struct rl_prov_http_xfer *x, const char *p, size_t n)
{
	struct rl_prov_call *pc = x->arg;

	return rl_prov_sse_feed(&pc->sse, p, n);
}

void
rl_prov_call_send(struct rl_prov_call *pc, const char *url,
	const struct curl_slist *h, rl_prov_sse_fn fn, rl_prov_http_done_fn done)
{
	struct rl_provider *p = pc->p;
	struct rl_call *c = pc->c;
	long long left;

	pc->sse = (struct rl_prov_sse){.fn = fn, .arg = pc};
	pc->x.url = url;
	pc->x.body = pc->body;
	pc->x.headers = h;
	pc->x.timeout_ms = (long)p->timeout_ms;
	if (c->deadline) {
		left = c->deadline - p->clock.now(p->clock.arg);
		if (left < 1)
			left = 1;
		if (!pc->x.timeout_ms || left < pc->x.timeout_ms)
			pc->x.timeout_ms = (long)left;
	}
	pc->x.on_data = pc->streaming ? on_data : NULL;
	pc->x.arg = pc;
	if (rl_prov_http_start(&pc->x) < 0)
		done(&pc->x, p);
}

cJSON *
rl_prov_call_json(struct rl_prov_call *pc)
{
	cJSON *j = cJSON_ParseWithLength(pc->x.resp.data ? pc->x.resp.data : "",
	    pc->x.resp.len);

	if (cJSON_IsObject(j))
		return j;
	cJSON_Delete(j);
	rl_provider_ended(pc->p, pc->c, "provider.bad_reply",
	    "the reply is not a JSON object", NULL);
	return NULL;
}

long
rl_prov_count(const cJSON *o, const char *k, long dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? (long)v->valuedouble : dflt;
}

void
rl_prov_call_forget(struct rl_call *c)
{
	struct rl_prov_call *pc = c->impl;

	if (!pc)
		return;
	if (pc->x.h)
		rl_prov_http_cancel(&pc->x);
	release(pc);
	free(pc);
	c->impl = NULL;
}
