/*
 * rl_prov_anthropic.c - Anthropic's Messages API, natively; see
 * rl_provider.h.
 *
 * POST {base}/messages with the headers x-api-key (the key: like the
 * Authorization header of the openai kind, it is never logged, and what
 * comes back is redacted by rl_provider.c) and anthropic-version, and a
 * body of the model, max_tokens (which the API requires: 4096 when the
 * setting is 0), temperature, the system prompt and one user message.
 *
 * Prompt caching: the system prompt, and the stable head of the prompt
 * when the call names one (rl_call.head: the repository map), each end
 * with a cache_control breakpoint, so a task's second and later requests
 * read them from the cache at a tenth of the price.  The usage says so:
 * input_tokens counts only what was neither read from nor written to the
 * cache, so prompt_tokens is the sum of the three, cached_tokens the
 * reads (cache_read_input_tokens) and cache_write_tokens the writes
 * (cache_creation_input_tokens).
 *
 * The API has no JSON mode: a call that wants JSON gets it from the
 * prompt, which shows the reply's shape, and is checked by the caller.
 * Thinking blocks, when a model sends them, go to c->reasoning.
 *
 * A streamed reply is a sequence of events (message_start with the
 * prompt's usage, content_block_delta with text_delta or thinking_delta
 * pieces, message_delta with the stop reason and the output tokens,
 * message_stop); an error event in the stream ("overloaded_error")
 * before anything was shown is retried as the HTTP 529 it stands for.
 * 529 and Retry-After go through the same retry policy as every
 * provider's (rl_prov_retry.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rl_json.h"
#include "rl_prov_call.h"
#include "rl_prov_http.h"
#include "rl_prov_sse.h"
#include "rl_provider_impl.h"

#define VERSION "2023-06-01"

struct an {
	char *url, *model_url;
	struct curl_slist *hdrs, *stream_hdrs;
	int stream;
	long max_tokens;
};

/* pc.end_seen: message_stop came; pc.finish: the stop reason. */
struct an_call {
	struct rl_prov_call pc;  /* first: the shared plumbing's */
	int overloaded;          /* the stream's error was overloaded_error */
};

static struct curl_slist *
headers(const struct rl_provider *p, int stream)
{
	return rl_prov_headers("anthropic-version: " VERSION, stream,
	    "x-api-key: ", p->key);
}

static int
an_open(struct rl_provider *p, struct rl_error *e)
{
	struct an *a;
	const char *b = p->base_url;
	size_t n, k;

	if (!*b || (strncmp(b, "http://", 7) != 0 && strncmp(b, "https://", 8) != 0))
		return rl_error_set(e, "provider.bad_url",
		    "base URL '%s' of %s is not http(s)://...: set provider.base_url "
		    "or RL_BASE_URL", b, p->name);
	if (!*p->model)
		return rl_error_set(e, "provider.no_model",
		    "no model for %s: set provider.model or RL_MODEL, or give -m",
		    p->name);
	a = rl_xcalloc(1, sizeof *a);
	n = strlen(b);
	while (n && b[n - 1] == '/')
		n--;
	k = n + 16;
	a->url = rl_xmalloc(k);
	snprintf(a->url, k, "%.*s/messages", (int)n, b);
	k = n + strlen(p->model) + 16;
	a->model_url = rl_xmalloc(k);
	snprintf(a->model_url, k, "%.*s/models/%s", (int)n, b, p->model);
	a->hdrs = headers(p, 0);
	a->stream_hdrs = headers(p, 1);
	a->stream = rl_prov_stream_mode(p);
	a->max_tokens = (long)rl_provider_num(p, "max_tokens", 4096);
	if (a->max_tokens <= 0)
		a->max_tokens = 4096;
	p->impl = a;
	return 0;
}

static void
an_close(struct rl_provider *p)
{
	struct an *a = p->impl;

	if (!a)
		return;
	free(a->url);
	free(a->model_url);
	rl_prov_headers_free(a->hdrs);
	rl_prov_headers_free(a->stream_hdrs);
	free(a);
	p->impl = NULL;
	rl_prov_http_cleanup();
}

/* A text block {"type":"text","text":...}, with a cache breakpoint. */
static void
block(struct rl_buf *b, const char *s, size_t n, int cache)
{
	char *t = rl_xstrndup(s, n);

	rl_buf_adds(b, "{\"type\":\"text\",\"text\":");
	rl_json_print_string(t, b);
	if (cache)
		rl_buf_adds(b, ",\"cache_control\":{\"type\":\"ephemeral\"}");
	rl_buf_addc(b, '}');
	free(t);
}

static char *
body_for(const struct rl_provider *p, const struct an *a,
	const struct rl_call *c, int stream)
{
	struct rl_buf b = {0};
	size_t n = strlen(c->prompt), head = c->head < n ? c->head : n;

	rl_buf_adds(&b, "{\"model\":");
	rl_json_print_string(p->model, &b);
	rl_buf_printf(&b, ",\"max_tokens\":%ld,\"temperature\":", a->max_tokens);
	rl_json_print_number(rl_provider_num(p, "temperature", 0.2), &b);
	if (c->system && *c->system) {
		rl_buf_adds(&b, ",\"system\":[");
		block(&b, c->system, strlen(c->system), 1);
		rl_buf_addc(&b, ']');
	}
	rl_buf_adds(&b, ",\"messages\":[{\"role\":\"user\",\"content\":[");
	if (head) {
		block(&b, c->prompt, head, 1);
		if (head < n)
			rl_buf_addc(&b, ',');
	}
	if (head < n)
		block(&b, c->prompt + head, n - head, 0);
	rl_buf_adds(&b, "]}]");
	if (stream)
		rl_buf_adds(&b, ",\"stream\":true");
	rl_buf_addc(&b, '}');
	return rl_buf_detach(&b);
}

/* Usage as Anthropic gives it: input_tokens without the cache's. */
static void
take_usage(struct rl_call *c, const cJSON *u)
{
	long in, rd, wr;

	if (!cJSON_IsObject(u))
		return;
	if (cJSON_GetObjectItemCaseSensitive(u, "input_tokens")) {
		in = rl_prov_count(u, "input_tokens", 0);
		rd = rl_prov_count(u, "cache_read_input_tokens", 0);
		wr = rl_prov_count(u, "cache_creation_input_tokens", 0);
		c->usage.prompt_tokens = in + rd + wr;
		c->usage.cached_tokens = rd;
		c->usage.cache_write_tokens = wr;
	}
	c->usage.completion_tokens = rl_prov_count(u, "output_tokens",
	    c->usage.completion_tokens);
}

/* One content block of a reply not streamed. */
static void
take_block(struct rl_call *c, const cJSON *b)
{
	const char *type = rl_json_str(b, "type"), *s;

	if (!type)
		return;
	if (strcmp(type, "text") == 0 && (s = rl_json_str(b, "text")))
		rl_buf_adds(&c->text, s);
	else if (strcmp(type, "thinking") == 0 && (s = rl_json_str(b, "thinking")))
		rl_buf_adds(&c->reasoning, s);
}

static int
on_event(const char *event, const char *data, size_t n, void *arg)
{
	struct an_call *ac = arg;
	struct rl_call *c = ac->pc.c;
	const cJSON *d, *e;
	const char *type, *s;
	cJSON *j;

	(void)event;
	if (!(j = cJSON_ParseWithLength(data, n))) {
		snprintf(ac->pc.stream_err, sizeof ac->pc.stream_err,
		    "a streamed event is not JSON");
		return 1;
	}
	type = rl_json_str(j, "type");
	if (!type) {
		type = "";
	} else if (strcmp(type, "error") == 0) {
		e = cJSON_GetObjectItemCaseSensitive(j, "error");
		ac->overloaded = (s = rl_json_str(e, "type")) &&
		    strcmp(s, "overloaded_error") == 0;
		snprintf(ac->pc.stream_err, sizeof ac->pc.stream_err, "%s",
		    rl_json_str(e, "message") ? rl_json_str(e, "message") :
		    "the service sent an error");
		cJSON_Delete(j);
		return 1;
	} else if (strcmp(type, "message_start") == 0) {
		take_usage(c, cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(j, "message"), "usage"));
	} else if (strcmp(type, "content_block_start") == 0) {
		d = cJSON_GetObjectItemCaseSensitive(j, "content_block");
		if ((s = rl_json_str(d, "text")) && *s)
			rl_provider_text(ac->pc.p, c, s, strlen(s));
		else if ((s = rl_json_str(d, "thinking")) && *s)
			rl_provider_reasoning(ac->pc.p, c, s, strlen(s));
	} else if (strcmp(type, "content_block_delta") == 0) {
		d = cJSON_GetObjectItemCaseSensitive(j, "delta");
		if ((s = rl_json_str(d, "text")) && *s)
			rl_provider_text(ac->pc.p, c, s, strlen(s));
		else if ((s = rl_json_str(d, "thinking")) && *s)
			rl_provider_reasoning(ac->pc.p, c, s, strlen(s));
	} else if (strcmp(type, "message_delta") == 0) {
		d = cJSON_GetObjectItemCaseSensitive(j, "delta");
		if ((s = rl_json_str(d, "stop_reason")))
			snprintf(ac->pc.finish, sizeof ac->pc.finish, "%s", s);
		take_usage(c, cJSON_GetObjectItemCaseSensitive(j, "usage"));
	} else if (strcmp(type, "message_stop") == 0) {
		ac->pc.end_seen = 1;
	}
	cJSON_Delete(j);
	return 0;
}

static void an_done(struct rl_prov_http_xfer *x, void *arg);

static void
an_start(struct rl_provider *p, struct rl_call *c)
{
	struct an *a = p->impl;
	struct an_call *ac = rl_prov_call_new(p, c, sizeof *ac);

	ac->pc.streaming = rl_prov_streams(a->stream, c);
	ac->pc.body = body_for(p, a, c, ac->pc.streaming);
	rl_prov_call_send(&ac->pc, a->url,
	    ac->pc.streaming ? a->stream_hdrs : a->hdrs, on_event, an_done);
}

static void
reply(struct an_call *ac, struct rl_attempt *at)
{
	struct rl_provider *p = ac->pc.p;
	struct rl_call *c = ac->pc.c;
	struct an *a = p->impl;
	const char *stop = ac->pc.finish;
	const cJSON *b;
	cJSON *j = NULL;

	if (ac->pc.streaming) {
		if (ac->pc.stream_err[0]) {
			if (ac->overloaded) {
				at->status = 529;
				rl_provider_ended(p, c, rl_provider_status_code(529),
				    ac->pc.stream_err, at);
			} else {
				rl_provider_ended(p, c, "provider.stream_error",
				    ac->pc.stream_err, NULL);
			}
			return;
		}
		if (!ac->pc.end_seen) {
			at->transport = 1;
			at->transport_retry = 1;
			rl_provider_ended(p, c, "provider.stream_cut",
			    "the stream ended before the reply was complete", at);
			return;
		}
	} else {
		if (!(j = rl_prov_call_json(&ac->pc)))
			return;
		if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "content"))) {
			cJSON_Delete(j);
			rl_provider_ended(p, c, "provider.no_choices",
			    "the reply has no content", NULL);
			return;
		}
		take_usage(c, cJSON_GetObjectItemCaseSensitive(j, "usage"));
		cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(j, "content"))
			take_block(c, b);
		stop = rl_json_str(j, "stop_reason") ? rl_json_str(j, "stop_reason") : "";
	}
	if (strcmp(stop, "max_tokens") == 0) {
		char m[160];

		snprintf(m, sizeof m, "the reply was cut at max_tokens (%ld): raise "
		    "provider.max_tokens", a->max_tokens);
		cJSON_Delete(j);
		rl_provider_ended(p, c, "provider.truncated", m, NULL);
		return;
	}
	cJSON_Delete(j);
	rl_provider_ended(p, c, NULL, NULL, at);
}

static void
an_done(struct rl_prov_http_xfer *x, void *arg)
{
	struct an_call *ac = x->arg;   /* pc is its first member */
	struct rl_prov_call *pc = &ac->pc;
	struct rl_attempt a = RL_ATTEMPT_INIT;

	(void)arg;
	a.stream_used = pc->c->streamed;
	if (pc->streaming && pc->stream_err[0])
		reply(ac, &a);
	else if (x->code != CURLE_OK && !(pc->streaming && pc->end_seen))
		rl_prov_http_failed(pc->p, pc->c, x, ((struct an *)pc->p->impl)->url,
		    pc->streaming, 0);
	else if (x->status < 200 || x->status >= 300)
		rl_prov_http_failed(pc->p, pc->c, x, ((struct an *)pc->p->impl)->url,
		    pc->streaming, 0);
	else
		reply(ac, &a);
}

static void
an_wait(struct rl_provider *p, long long timeout_ms)
{
	rl_prov_http_wait((long)timeout_ms, p->wake_fd, an_done, p);
}

/* GET {base}/models/MODEL: the model, its alias resolved, or 404. */
static int
an_health(struct rl_provider *p, cJSON *info, struct rl_error *e)
{
	struct an *a = p->impl;
	struct rl_prov_http_xfer x = {0};
	struct rl_buf svc = {0};
	int rc = 0, retry;
	cJSON *j;

	x.url = a->model_url;
	x.headers = a->hdrs;
	rl_prov_http_run(p, &x);
	if (x.code != CURLE_OK) {
		rc = rl_error_set(e, rl_prov_http_error_code(x.code, &retry), "%s: %s",
		    a->model_url, x.errbuf[0] ? x.errbuf : curl_easy_strerror(x.code));
	} else if (x.status == 404) {
		rl_prov_service_message(&x.resp, &svc);
		rc = rl_error_set(e, "provider.no_model", "model '%s' is not served "
		    "by %s: %s", p->model, p->name, svc.data);
	} else if (x.status != 200) {
		rl_prov_service_message(&x.resp, &svc);
		rc = rl_error_set(e, rl_provider_status_code(x.status),
		    "%s answered HTTP %ld%s%s%s: %s", a->model_url, x.status,
		    x.status == 401 || x.status == 403 ? " (key from " : "",
		    x.status == 401 || x.status == 403 ? (p->key ? p->key_source :
		    "none") : "", x.status == 401 || x.status == 403 ? ")" : "",
		    svc.data);
	} else if (info) {
		j = cJSON_ParseWithLength(x.resp.data ? x.resp.data : "", x.resp.len);
		cJSON_AddBoolToObject(info, "model_listed", 1);
		if (rl_json_str(j, "id"))
			cJSON_AddStringToObject(info, "model_id", rl_json_str(j, "id"));
		cJSON_Delete(j);
	}
	rl_buf_free(&x.resp);
	rl_buf_free(&svc);
	return rc;
}

const struct rl_provider_ops rl_prov_anthropic = {
	"anthropic", an_open, an_start, an_wait, an_health, NULL,
	rl_prov_call_forget, an_close
};
