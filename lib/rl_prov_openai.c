/*
 * rl_prov_openai.c - OpenAI-compatible chat completions over rl_prov_http,
 * with the presets of the services redline knows; see rl_provider.h.
 *
 * POST {base}/chat/completions with the model, the system and user
 * messages, max_tokens, temperature, and response_format json_object
 * when the call asks for JSON and the service has it.  A streamed reply
 * (stream: true) is parsed event by event (rl_prov_sse.h) and handed to the
 * engine piece by piece (rl_provider_text), which shows the call's
 * on_text what it may.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rl_json.h"
#include "rl_prov_http.h"
#include "rl_prov_sse.h"
#include "rl_provider_impl.h"

const struct rl_preset rl_presets[] = {
	{"openai", "https://api.openai.com/v1", "OPENAI_API_KEY", "gpt-4o-mini", 1},
	{"qwen", "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
	    "DASHSCOPE_API_KEY", "qwen-plus", 1},
	{"ollama", "http://127.0.0.1:11434/v1", "", "qwen2.5-coder:7b", 1},
	{"lmstudio", "http://127.0.0.1:1234/v1", "", "", 0},
	{"vllm", "http://127.0.0.1:8000/v1", "", "", 1},
	{"llamacpp", "http://127.0.0.1:8080/v1", "", "default", 1},
	{"openrouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY",
	    "openai/gpt-4o-mini", 1},
	{"xai", "https://api.x.ai/v1", "XAI_API_KEY", "grok-3-mini", 1},
	{"openai-compatible", "", "", "", 0},
	{NULL, NULL, NULL, NULL, 0}
};

const struct rl_preset *
rl_preset_find(const char *name)
{
	int i;

	for (i = 0; rl_presets[i].name; i++)
		if (strcmp(rl_presets[i].name, name) == 0)
			return &rl_presets[i];
	return NULL;
}

enum { STREAM_AUTO, STREAM_ALWAYS, STREAM_NEVER };

struct oa {
	char *chat_url, *models_url;
	struct curl_slist *hdrs, *stream_hdrs;
	int stream;
	long max_tokens;
	char *params;    /* ,"max_tokens":N,"temperature":T: the same in every body */
	int json;
};

struct oa_call {
	struct rl_prov_http_xfer x;
	struct rl_provider *p;
	struct rl_call *c;
	char *body;
	int streaming;
	struct rl_prov_sse sse;
	int done_seen;
	char finish[32];
	char stream_err[256];
};

static struct curl_slist *
headers(const struct rl_provider *p, int stream)
{
	struct curl_slist *h = NULL;
	struct rl_buf auth = {0};

	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	if (stream)
		h = curl_slist_append(h, "Accept: text/event-stream");
	if (p->key) {
		rl_buf_printf(&auth, "Authorization: Bearer %s", p->key);
		h = curl_slist_append(h, auth.data);
		explicit_bzero(auth.data, auth.len);
		rl_buf_free(&auth);
	}
	return h;
}

static void
free_headers(struct curl_slist *h)
{
	struct curl_slist *s;

	for (s = h; s; s = s->next)
		explicit_bzero(s->data, strlen(s->data));
	curl_slist_free_all(h);
}

static int
oa_open(struct rl_provider *p, struct rl_error *e)
{
	struct oa *o;
	const char *b = p->base_url, *s;
	struct rl_buf params = {0};
	size_t n;

	if (!*b)
		return rl_error_set(e, "provider.bad_url",
		    "no base URL for %s: set provider.base_url or RL_BASE_URL", p->name);
	if (strncmp(b, "http://", 7) != 0 && strncmp(b, "https://", 8) != 0)
		return rl_error_set(e, "provider.bad_url",
		    "base URL '%s' has no scheme: write http://%s or https://%s",
		    b, b, b);
	if (!*p->model)
		return rl_error_set(e, "provider.no_model",
		    "no model for %s: set provider.model or RL_MODEL, or give -m",
		    p->name);
	o = rl_xcalloc(1, sizeof *o);
	n = strlen(b);
	while (n && b[n - 1] == '/')
		n--;
	o->chat_url = rl_xmalloc(n + 32);
	snprintf(o->chat_url, n + 32, "%.*s/chat/completions", (int)n, b);
	o->models_url = rl_xmalloc(n + 32);
	snprintf(o->models_url, n + 32, "%.*s/models", (int)n, b);
	o->hdrs = headers(p, 0);
	o->stream_hdrs = headers(p, 1);
	s = rl_provider_str(p, "stream");
	o->stream = strcmp(s, "always") == 0 ? STREAM_ALWAYS :
	    strcmp(s, "never") == 0 ? STREAM_NEVER : STREAM_AUTO;
	o->max_tokens = (long)rl_provider_num(p, "max_tokens", 4096);
	if (o->max_tokens > 0)
		rl_buf_printf(&params, ",\"max_tokens\":%ld", o->max_tokens);
	rl_buf_adds(&params, ",\"temperature\":");
	rl_json_print_number(rl_provider_num(p, "temperature", 0.2), &params);
	o->params = rl_buf_detach(&params);
	o->json = (int)rl_provider_num(p, "json", 0);
	p->impl = o;
	return 0;
}

static void
oa_close(struct rl_provider *p)
{
	struct oa *o = p->impl;

	if (!o)
		return;
	free(o->chat_url);
	free(o->models_url);
	free(o->params);
	free_headers(o->hdrs);
	free_headers(o->stream_hdrs);
	free(o);
	p->impl = NULL;
	rl_prov_http_cleanup();
}

/* The chat-completions request body, printed straight into text. */
static char *
body_for(const struct rl_provider *p, const struct oa *o,
	const struct rl_call *c, int stream)
{
	struct rl_buf b = {0};

	rl_buf_adds(&b, "{\"model\":");
	rl_json_print_string(p->model, &b);
	rl_buf_adds(&b, ",\"messages\":[");
	if (c->system && *c->system) {
		rl_buf_adds(&b, "{\"role\":\"system\",\"content\":");
		rl_json_print_string(c->system, &b);
		rl_buf_adds(&b, "},");
	}
	rl_buf_adds(&b, "{\"role\":\"user\",\"content\":");
	rl_json_print_string(c->prompt, &b);
	rl_buf_adds(&b, "}]");
	rl_buf_adds(&b, o->params);
	if (c->json && o->json)
		rl_buf_adds(&b, ",\"response_format\":{\"type\":\"json_object\"}");
	if (stream)
		rl_buf_adds(&b, ",\"stream\":true,"
		    "\"stream_options\":{\"include_usage\":true}");
	rl_buf_addc(&b, '}');
	return rl_buf_detach(&b);
}

static void
take_usage(struct rl_call *c, const cJSON *u)
{
	const cJSON *pt = cJSON_GetObjectItemCaseSensitive(u, "prompt_tokens");
	const cJSON *ct = cJSON_GetObjectItemCaseSensitive(u, "completion_tokens");

	if (cJSON_IsNumber(pt))
		c->usage.prompt_tokens = (long)pt->valuedouble;
	if (cJSON_IsNumber(ct))
		c->usage.completion_tokens = (long)ct->valuedouble;
}

/* One streamed event: a chunk of the reply, its usage, or an error. */
static int
on_event(const char *event, const char *data, size_t n, void *arg)
{
	struct oa_call *oc = arg;
	struct rl_call *c = oc->c;
	const cJSON *ch, *d, *t, *f, *err;
	cJSON *j;

	(void)event;
	if (n == 6 && memcmp(data, "[DONE]", 6) == 0) {
		oc->done_seen = 1;
		return 0;
	}
	if (!(j = cJSON_ParseWithLength(data, n))) {
		snprintf(oc->stream_err, sizeof oc->stream_err,
		    "a streamed event is not JSON");
		return 1;
	}
	if ((err = cJSON_GetObjectItemCaseSensitive(j, "error"))) {
		t = cJSON_GetObjectItemCaseSensitive(err, "message");
		snprintf(oc->stream_err, sizeof oc->stream_err, "%s",
		    cJSON_IsString(t) ? t->valuestring : "the service sent an error");
		cJSON_Delete(j);
		return 1;
	}
	take_usage(c, cJSON_GetObjectItemCaseSensitive(j, "usage"));
	ch = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "choices"), 0);
	d = cJSON_GetObjectItemCaseSensitive(ch, "delta");
	t = cJSON_GetObjectItemCaseSensitive(d, "content");
	if (cJSON_IsString(t) && *t->valuestring)
		rl_provider_text(oc->p, c, t->valuestring, strlen(t->valuestring));
	f = cJSON_GetObjectItemCaseSensitive(ch, "finish_reason");
	if (cJSON_IsString(f))
		snprintf(oc->finish, sizeof oc->finish, "%s", f->valuestring);
	cJSON_Delete(j);
	return 0;
}

static int
on_data(struct rl_prov_http_xfer *x, const char *p, size_t n)
{
	struct oa_call *oc = x->arg;

	return rl_prov_sse_feed(&oc->sse, p, n);
}

static void oa_done(struct rl_prov_http_xfer *x, void *arg);

static void
oa_start(struct rl_provider *p, struct rl_call *c)
{
	struct oa *o = p->impl;
	struct oa_call *oc = c->impl;
	long long left;

	if (!oc)
		c->impl = oc = rl_xcalloc(1, sizeof *oc);
	else {
		free(oc->body);
		rl_prov_sse_free(&oc->sse);
		rl_buf_free(&oc->x.resp);
		memset(oc, 0, sizeof *oc);
	}
	oc->p = p;
	oc->c = c;
	oc->streaming = o->stream == STREAM_ALWAYS ||
	    (o->stream == STREAM_AUTO && c->on_text);
	oc->body = body_for(p, o, c, oc->streaming);
	oc->sse = (struct rl_prov_sse){.fn = on_event, .arg = oc};
	oc->x.url = o->chat_url;
	oc->x.body = oc->body;
	oc->x.headers = oc->streaming ? o->stream_hdrs : o->hdrs;
	oc->x.timeout_ms = (long)p->timeout_ms;
	if (c->deadline) {
		left = c->deadline - p->clock.now(p->clock.arg);
		if (left < 1)
			left = 1;
		if (!oc->x.timeout_ms || left < oc->x.timeout_ms)
			oc->x.timeout_ms = (long)left;
	}
	oc->x.on_data = oc->streaming ? on_data : NULL;
	oc->x.arg = oc;
	if (rl_prov_http_start(&oc->x) < 0)
		oa_done(&oc->x, p);
}

/* The service's own words from an error body, shortened. */
static void
service_message(const struct rl_buf *body, struct rl_buf *out)
{
	cJSON *j = body->len ? cJSON_ParseWithLength(body->data, body->len) : NULL;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error"), *m;
	size_t n;

	m = cJSON_IsString(e) ? e : cJSON_GetObjectItemCaseSensitive(e, "message");
	if (!cJSON_IsString(m))
		m = cJSON_GetObjectItemCaseSensitive(j, "message");
	if (cJSON_IsString(m)) {
		rl_buf_adds(out, m->valuestring);
	} else if (body->len) {
		n = body->len > 200 ? 200 : body->len;
		rl_buf_add(out, body->data, n);
	} else {
		rl_buf_adds(out, "no message");
	}
	cJSON_Delete(j);
	for (n = 0; n < out->len; n++)
		if (out->data[n] == '\n' || out->data[n] == '\r')
			out->data[n] = ' ';
}

static void
http_error(struct oa_call *oc, struct rl_attempt *a)
{
	struct rl_provider *p = oc->p;
	struct rl_prov_http_xfer *x = &oc->x;
	struct rl_buf m = {0}, svc = {0};
	const char *code = rl_provider_status_code(x->status);

	a->status = x->status;
	a->should_retry = x->should_retry;
	a->after_ms = x->after_ms;
	if (a->after_ms < 0 && x->after[0])
		a->after_ms = rl_prov_retry_after_parse(x->after,
		    p->clock.now(p->clock.arg));
	service_message(&x->resp, &svc);
	if (x->status == 401 || x->status == 403)
		rl_buf_printf(&m, "%s refused the key%s%s: %s", p->name,
		    p->key ? " from " : " (none was sent",
		    p->key ? p->key_source : ")", svc.data);
	else if (x->status == 404)
		rl_buf_printf(&m, "model '%s' or %s not found: %s", p->model,
		    ((struct oa *)p->impl)->chat_url, svc.data);
	else if (x->status == 429)
		rl_buf_printf(&m, "rate limited by %s: %s", p->name, svc.data);
	else
		rl_buf_printf(&m, "%s answered HTTP %ld: %s", p->name, x->status,
		    svc.data);
	rl_provider_ended(p, oc->c, code, m.data, a);
	rl_buf_free(&m);
	rl_buf_free(&svc);
}

static void
transport_error(struct oa_call *oc, struct rl_attempt *a)
{
	struct rl_provider *p = oc->p;
	struct rl_prov_http_xfer *x = &oc->x;
	const char *code = rl_prov_http_error_code(x->code,
	    &a->transport_retry);
	struct rl_buf m = {0};

	a->transport = 1;
	if (strcmp(code, "provider.timeout") == 0)
		rl_buf_printf(&m, "no reply from %s within %.1f s", p->name,
		    (double)x->timeout_ms / 1000);
	else
		rl_buf_printf(&m, "%s: %s", ((struct oa *)p->impl)->chat_url,
		    x->errbuf[0] ? x->errbuf : curl_easy_strerror(x->code));
	if (oc->streaming && x->bytes_in && strcmp(code, "provider.reset") == 0)
		code = "provider.stream_cut";
	rl_provider_ended(p, oc->c, code, m.data, a);
	rl_buf_free(&m);
}

static void
reply(struct oa_call *oc, struct rl_attempt *a)
{
	struct rl_provider *p = oc->p;
	struct rl_call *c = oc->c;
	struct oa *o = p->impl;
	cJSON *j = NULL;
	const cJSON *ch, *msg, *t, *f;
	const char *finish = oc->finish;

	if (oc->streaming) {
		if (oc->stream_err[0]) {
			rl_provider_ended(p, c, "provider.stream_error", oc->stream_err, NULL);
			return;
		}
		if (!oc->done_seen && !finish[0]) {
			a->transport = 1;
			a->transport_retry = 1;
			rl_provider_ended(p, c, "provider.stream_cut",
			    "the stream ended before the reply was complete", a);
			return;
		}
	} else {
		j = cJSON_ParseWithLength(oc->x.resp.data ? oc->x.resp.data : "",
		    oc->x.resp.len);
		if (!cJSON_IsObject(j)) {
			cJSON_Delete(j);
			rl_provider_ended(p, c, "provider.bad_reply",
			    "the reply is not a JSON object", NULL);
			return;
		}
		take_usage(c, cJSON_GetObjectItemCaseSensitive(j, "usage"));
		ch = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "choices"), 0);
		msg = cJSON_GetObjectItemCaseSensitive(ch, "message");
		if (!cJSON_IsObject(msg)) {
			cJSON_Delete(j);
			rl_provider_ended(p, c, "provider.no_choices",
			    "the reply has no choices", NULL);
			return;
		}
		t = cJSON_GetObjectItemCaseSensitive(msg, "content");
		if (cJSON_IsString(t))
			rl_buf_adds(&c->text, t->valuestring);
		f = cJSON_GetObjectItemCaseSensitive(ch, "finish_reason");
		if (cJSON_IsString(f))
			finish = f->valuestring;
	}
	if (strcmp(finish, "length") == 0) {
		char m[160];

		snprintf(m, sizeof m, "the reply was cut at max_tokens (%ld): raise "
		    "provider.max_tokens", o->max_tokens);
		cJSON_Delete(j);
		rl_provider_ended(p, c, "provider.truncated", m, NULL);
		return;
	}
	cJSON_Delete(j);
	rl_provider_ended(p, c, NULL, NULL, a);
}

static void
oa_done(struct rl_prov_http_xfer *x, void *arg)
{
	struct oa_call *oc = x->arg;
	struct rl_attempt a = RL_ATTEMPT_INIT;

	(void)arg;
	a.stream_used = oc->c->streamed;
	if (oc->streaming && oc->stream_err[0])
		reply(oc, &a);
	else if (x->code != CURLE_OK && !(oc->streaming && oc->done_seen &&
	    !oc->stream_err[0]))
		transport_error(oc, &a);
	else if (x->status < 200 || x->status >= 300)
		http_error(oc, &a);
	else
		reply(oc, &a);
}

static void
oa_wait(struct rl_provider *p, long long timeout_ms)
{
	rl_prov_http_wait((long)timeout_ms, p->wake_fd, oa_done, p);
}

struct health {
	int done;
};

static void
health_done(struct rl_prov_http_xfer *x, void *arg)
{
	(void)x;
	((struct health *)arg)->done = 1;
}

static int
oa_health(struct rl_provider *p, cJSON *info, struct rl_error *e)
{
	struct oa *o = p->impl;
	struct rl_prov_http_xfer x = {0};
	struct health h = {0};
	struct rl_buf svc = {0}, some = {0};
	const cJSON *d, *id;
	cJSON *j;
	int n = 0, listed = 0, rc = 0, retry;

	x.url = o->models_url;
	x.headers = o->hdrs;
	x.timeout_ms = p->timeout_ms > 30000 || !p->timeout_ms ? 30000 :
	    (long)p->timeout_ms;
	if (rl_prov_http_start(&x) == 0)
		while (!h.done)
			rl_prov_http_wait(1000, -1, health_done, &h);
	if (x.code != CURLE_OK) {
		rc = rl_error_set(e, rl_prov_http_error_code(x.code, &retry), "%s: %s",
		    o->models_url, x.errbuf[0] ? x.errbuf : curl_easy_strerror(x.code));
	} else if (x.status != 200) {
		service_message(&x.resp, &svc);
		rc = rl_error_set(e, rl_provider_status_code(x.status), "%s answered HTTP %ld%s%s%s: %s",
		    o->models_url, x.status,
		    x.status == 401 || x.status == 403 ? " (key from " : "",
		    x.status == 401 || x.status == 403 ? (p->key ? p->key_source : "none") : "",
		    x.status == 401 || x.status == 403 ? ")" : "", svc.data);
	} else {
		j = cJSON_ParseWithLength(x.resp.data ? x.resp.data : "", x.resp.len);
		d = cJSON_GetObjectItemCaseSensitive(j, "data");
		cJSON_ArrayForEach(id, d) {
			const char *s = rl_json_str(id, "id");

			if (!s)
				continue;
			if (n < 5)
				rl_buf_printf(&some, "%s%s", n ? ", " : "", s);
			n++;
			listed |= strcmp(s, p->model) == 0;
		}
		if (info) {
			cJSON_AddNumberToObject(info, "models", n);
			cJSON_AddBoolToObject(info, "model_listed", listed);
		}
		if (!cJSON_IsArray(d))
			rc = rl_error_set(e, "provider.bad_reply",
			    "%s: the reply has no model list", o->models_url);
		else if (n && !listed)
			rc = rl_error_set(e, "provider.no_model",
			    "model '%s' is not among the %d models %s serves (%s%s)",
			    p->model, n, p->name, some.data, n > 5 ? ", ..." : "");
		cJSON_Delete(j);
	}
	rl_buf_free(&x.resp);
	rl_buf_free(&svc);
	rl_buf_free(&some);
	return rc;
}

static void
oa_forget(struct rl_call *c)
{
	struct oa_call *oc = c->impl;

	if (!oc)
		return;
	if (oc->x.h)
		rl_prov_http_cancel(&oc->x);
	free(oc->body);
	rl_prov_sse_free(&oc->sse);
	rl_buf_free(&oc->x.resp);
	free(oc);
	c->impl = NULL;
}

const struct rl_provider_ops rl_prov_openai = {
	"openai", oa_open, oa_start, oa_wait, oa_health, oa_forget, oa_close
};
