/*
 * rl_prov_openai.c - OpenAI-compatible chat completions over rl_prov_http;
 * see rl_provider.h.  The presets are in rl_prov_settings.c.
 *
 * POST {base}/chat/completions with the model, the system and user
 * messages, max_tokens, temperature (on every request: Ollama's /v1
 * samples at 1.0 when none is sent), seed where the preset's server
 * honours it, and for a call that wants JSON:
 *
 *   structured output, the strongest the provider takes (its structured
 *   setting): response_format json_schema with the call's schema in the
 *   portable strict subset (rl_prov_schema.h), else json_object (with
 *   "JSON" in the messages, which OpenAI and DashScope insist on), else
 *   nothing.  A server that answers 400 to the stronger form is asked
 *   again at once with the weaker one; the form that worked is
 *   remembered in STATE/structured.json by base URL and model, so later
 *   requests, in this process or another, do not pay the failed try;
 *
 *   thinking off, where the preset's server has a switch, unless the
 *   thinking setting is on: a thinking model spends its tokens, and the
 *   JSON's, on reasoning nobody reads.
 *
 * A streamed reply (stream: true) is parsed event by event
 * (rl_prov_sse.h) and handed to the engine piece by piece
 * (rl_provider_text), which shows the call's on_text what it may.  The
 * reasoning a server sends apart (reasoning_content from vLLM, DeepSeek
 * and llama.cpp, reasoning from Ollama and OpenRouter) goes to
 * c->reasoning, never into the reply; usage gives the cached prompt
 * tokens (prompt_tokens_details.cached_tokens, DeepSeek's
 * prompt_cache_hit_tokens) and the reasoning tokens
 * (completion_tokens_details.reasoning_tokens).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rl_fs.h"
#include "rl_json.h"
#include "rl_prov_call.h"
#include "rl_prov_http.h"
#include "rl_prov_schema.h"
#include "rl_prov_sse.h"
#include "rl_provider_impl.h"

struct oa {
	char *chat_url, *models_url, *root;   /* root: base without /v1 */
	struct curl_slist *hdrs, *stream_hdrs;
	int stream;
	long max_tokens;
	int level;                /* structured output the service takes */
	const struct rl_preset *pre;
};

/* A call's state is a struct rl_prov_call: the kind needs nothing more. */

static struct curl_slist *
headers(const struct rl_provider *p, int stream)
{
	return rl_prov_headers(NULL, stream, "Authorization: Bearer ", p->key);
}

/* --- structured output remembered ---------------------------------------- */

static void
memory_path(const struct rl_provider *p, struct rl_buf *path)
{
	rl_buf_printf(path, "%s/structured.json", p->state);
}

static void
memory_key(const struct rl_provider *p, struct rl_buf *key)
{
	rl_buf_printf(key, "%s %s", p->base_url, p->model);
}

/* The form that worked last for this server and model, or -1. */
static int
remembered(const struct rl_provider *p)
{
	struct rl_buf path = {0}, text = {0}, key = {0};
	cJSON *j = NULL;
	const char *s;
	int level = -1;

	memory_path(p, &path);
	memory_key(p, &key);
	if (rl_fs_read(path.data, &text, 1 << 20) == 0 &&
	    (j = cJSON_ParseWithLength(text.data ? text.data : "", text.len)) &&
	    (s = rl_json_str(j, key.data)))
		level = rl_structured_level(s);
	cJSON_Delete(j);
	rl_buf_free(&path);
	rl_buf_free(&text);
	rl_buf_free(&key);
	return level;
}

/*
 * Remember level for this server and model.  Two processes may write at
 * once and one write may be lost: the loser's next request pays one
 * failed try again, no more.
 */
static void
remember(const struct rl_provider *p, int level)
{
	struct rl_buf path = {0}, text = {0}, key = {0};
	cJSON *j = NULL;

	memory_path(p, &path);
	memory_key(p, &key);
	if (rl_fs_read(path.data, &text, 1 << 20) == 0)
		j = cJSON_ParseWithLength(text.data ? text.data : "", text.len);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		j = cJSON_CreateObject();
	}
	rl_json_set(j, key.data, cJSON_CreateString(rl_structured_name(level)));
	rl_buf_reset(&text);
	rl_json_print(j, &text);
	rl_buf_addc(&text, '\n');
	if (rl_fs_mkdirs(p->state, 0700) < 0 ||
	    rl_fs_replace(path.data, text.data, text.len, 0600) < 0)
		rl_diag(path.data, 0, "io.write", "cannot remember that %s takes "
		    "%s only: %m", p->name, rl_structured_name(level));
	cJSON_Delete(j);
	rl_buf_free(&path);
	rl_buf_free(&text);
	rl_buf_free(&key);
}

/* The structured output p asks for: its setting (or the older json
 * switch), lowered to what worked before. */
static int
level_of(const struct rl_provider *p)
{
	const cJSON *json = cJSON_GetObjectItemCaseSensitive(p->set, "json");
	int level = rl_structured_level(rl_provider_str(p, "structured")), r;

	if (level < 0)
		level = RL_STRUCT_NONE;
	if (cJSON_IsFalse(json))
		level = RL_STRUCT_NONE;
	else if (cJSON_IsTrue(json) && level == RL_STRUCT_NONE)
		level = RL_STRUCT_OBJECT;
	if (level > RL_STRUCT_NONE && (r = remembered(p)) >= 0 && r < level)
		level = r;
	return level;
}

/* --- opening ------------------------------------------------------------ */

static char *
url_of(const char *b, size_t n, const char *tail)
{
	struct rl_buf u = {0};

	rl_buf_add(&u, b, n);
	rl_buf_adds(&u, tail);
	return rl_buf_detach(&u);
}

static int
oa_open(struct rl_provider *p, struct rl_error *e)
{
	struct oa *o;
	const char *b = p->base_url;
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
	o->chat_url = url_of(b, n, "/chat/completions");
	o->models_url = url_of(b, n, "/models");
	if (n >= 3 && strncmp(b + n - 3, "/v1", 3) == 0)
		o->root = url_of(b, n - 3, "");
	else
		o->root = url_of(b, n, "");
	o->hdrs = headers(p, 0);
	o->stream_hdrs = headers(p, 1);
	o->stream = rl_prov_stream_mode(p);
	o->max_tokens = (long)rl_provider_num(p, "max_tokens", 4096);
	o->pre = rl_provider_preset(p);
	p->impl = o;
	o->level = level_of(p);
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
	free(o->root);
	rl_prov_headers_free(o->hdrs);
	rl_prov_headers_free(o->stream_hdrs);
	free(o);
	p->impl = NULL;
	rl_prov_http_cleanup();
}

/* --- the request ---------------------------------------------------------- */

static int
says_json(const char *s)
{
	for (; s && *s; s++)
		if (strncasecmp(s, "json", 4) == 0)
			return 1;
	return 0;
}

static void
response_format(const struct rl_call *c, struct rl_buf *b)
{
	cJSON *sch, *rf, *js;
	int strict = 0;

	if (c->level == RL_STRUCT_OBJECT) {
		rl_buf_adds(b, ",\"response_format\":{\"type\":\"json_object\"}");
		return;
	}
	/* a server with json_schema may have no json_object (LM Studio): a
	 * call without a schema asks for any object */
	if (c->schema) {
		sch = rl_prov_schema_portable(c->schema, &strict);
	} else {
		sch = cJSON_CreateObject();
		cJSON_AddStringToObject(sch, "type", "object");
	}
	rf = cJSON_CreateObject();
	cJSON_AddStringToObject(rf, "type", "json_schema");
	js = cJSON_AddObjectToObject(rf, "json_schema");
	cJSON_AddStringToObject(js, "name", "reply");
	cJSON_AddBoolToObject(js, "strict", strict);
	cJSON_AddItemToObject(js, "schema", sch);
	rl_buf_adds(b, ",\"response_format\":");
	rl_json_print(rf, b);
	cJSON_Delete(rf);
}

/* The chat-completions request body, printed straight into text. */
static char *
body_for(const struct rl_provider *p, const struct oa *o,
	const struct rl_call *c, int stream)
{
	struct rl_buf b = {0};
	const char *sys = c->system && *c->system ? c->system : NULL;
	int note = c->level == RL_STRUCT_OBJECT && !says_json(sys) &&
	    !says_json(c->prompt);
	double seed = rl_provider_num(p, "seed", 0);

	rl_buf_adds(&b, "{\"model\":");
	rl_json_print_string(p->model, &b);
	rl_buf_adds(&b, ",\"messages\":[");
	if (sys || note) {
		struct rl_buf s = {0};

		rl_buf_adds(&s, sys ? sys : "");
		if (note)
			rl_buf_printf(&s, "%sReply in JSON.", sys ? "\n\n" : "");
		rl_buf_adds(&b, "{\"role\":\"system\",\"content\":");
		rl_json_print_string(s.data, &b);
		rl_buf_adds(&b, "},");
		rl_buf_free(&s);
	}
	rl_buf_adds(&b, "{\"role\":\"user\",\"content\":");
	rl_json_print_string(c->prompt, &b);
	rl_buf_adds(&b, "}]");
	if (o->max_tokens > 0)
		rl_buf_printf(&b, ",\"max_tokens\":%ld", o->max_tokens);
	rl_buf_adds(&b, ",\"temperature\":");
	rl_json_print_number(rl_provider_num(p, "temperature", 0.2), &b);
	if (o->pre->seed && seed >= 0) {
		rl_buf_adds(&b, ",\"seed\":");
		rl_json_print_number(seed, &b);
	}
	if (c->json && c->level > RL_STRUCT_NONE)
		response_format(c, &b);
	if (c->json && !rl_provider_num(p, "thinking", 0)) {
		if (o->pre->think == RL_THINK_KWARGS)
			rl_buf_adds(&b, ",\"chat_template_kwargs\":{\"enable_thinking\":false}");
		else if (o->pre->think == RL_THINK_FLAG)
			rl_buf_adds(&b, ",\"enable_thinking\":false");
		else if (o->pre->think == RL_THINK_EFFORT)
			rl_buf_adds(&b, ",\"reasoning_effort\":\"none\"");
	}
	if (stream)
		rl_buf_adds(&b, ",\"stream\":true,"
		    "\"stream_options\":{\"include_usage\":true}");
	rl_buf_addc(&b, '}');
	return rl_buf_detach(&b);
}

/* --- the answer ----------------------------------------------------------- */

static void
take_usage(struct rl_call *c, const cJSON *u)
{
	const cJSON *pd, *cd;

	if (!cJSON_IsObject(u))
		return;
	c->usage.prompt_tokens = rl_prov_count(u, "prompt_tokens", c->usage.prompt_tokens);
	c->usage.completion_tokens = rl_prov_count(u, "completion_tokens",
	    c->usage.completion_tokens);
	pd = cJSON_GetObjectItemCaseSensitive(u, "prompt_tokens_details");
	cd = cJSON_GetObjectItemCaseSensitive(u, "completion_tokens_details");
	c->usage.cached_tokens = rl_prov_count(pd, "cached_tokens",
	    rl_prov_count(u, "prompt_cache_hit_tokens", c->usage.cached_tokens));
	c->usage.reasoning_tokens = rl_prov_count(cd, "reasoning_tokens",
	    c->usage.reasoning_tokens);
}

/* The reasoning a message or a delta carries apart from its content. */
static const cJSON *
reasoning_of(const cJSON *m)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(m, "reasoning_content");

	if (!cJSON_IsString(r))
		r = cJSON_GetObjectItemCaseSensitive(m, "reasoning");
	return cJSON_IsString(r) && *r->valuestring ? r : NULL;
}

/* One streamed event: a chunk of the reply, its usage, or an error. */
static int
on_event(const char *event, const char *data, size_t n, void *arg)
{
	struct rl_prov_call *oc = arg;
	struct rl_call *c = oc->c;
	const cJSON *ch, *d, *t, *f, *err;
	cJSON *j;

	(void)event;
	if (n == 6 && memcmp(data, "[DONE]", 6) == 0) {
		oc->end_seen = 1;
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
	if ((t = reasoning_of(d)))
		rl_provider_reasoning(oc->p, c, t->valuestring, strlen(t->valuestring));
	t = cJSON_GetObjectItemCaseSensitive(d, "content");
	if (cJSON_IsString(t) && *t->valuestring)
		rl_provider_text(oc->p, c, t->valuestring, strlen(t->valuestring));
	f = cJSON_GetObjectItemCaseSensitive(ch, "finish_reason");
	if (cJSON_IsString(f))
		snprintf(oc->finish, sizeof oc->finish, "%s", f->valuestring);
	cJSON_Delete(j);
	return 0;
}

static void oa_done(struct rl_prov_http_xfer *x, void *arg);

static void
oa_start(struct rl_provider *p, struct rl_call *c)
{
	struct oa *o = p->impl;
	struct rl_prov_call *oc = rl_prov_call_new(p, c, sizeof *oc);

	if (c->level < 0 || c->level > o->level)
		c->level = c->json ? o->level : RL_STRUCT_NONE;
	oc->streaming = rl_prov_streams(o->stream, c);
	oc->body = body_for(p, o, c, oc->streaming);
	rl_prov_call_send(oc, o->chat_url,
	    oc->streaming ? o->stream_hdrs : o->hdrs, on_event, oa_done);
}

/* A reply to a json_schema request: the nulls the portable schema made
 * the model write for members it left out are taken out again. */
static void
unnull(struct rl_call *c)
{
	cJSON *v;
	char *s;

	if (c->level != RL_STRUCT_SCHEMA || !c->schema || !c->text.len ||
	    !(v = cJSON_ParseWithLength(c->text.data, c->text.len)))
		return;
	if (rl_prov_schema_unnull(c->schema, v) > 0 &&
	    (s = cJSON_PrintUnformatted(v))) {
		explicit_bzero(c->text.data, c->text.len);
		rl_buf_reset(&c->text);
		rl_buf_adds(&c->text, s);
		explicit_bzero(s, strlen(s));
		free(s);
	}
	cJSON_Delete(v);
}

static void
reply(struct rl_prov_call *oc, struct rl_attempt *a)
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
		if (!oc->end_seen && !finish[0]) {
			a->transport = 1;
			a->transport_retry = 1;
			rl_provider_ended(p, c, "provider.stream_cut",
			    "the stream ended before the reply was complete", a);
			return;
		}
	} else {
		if (!(j = rl_prov_call_json(oc)))
			return;
		take_usage(c, cJSON_GetObjectItemCaseSensitive(j, "usage"));
		ch = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "choices"), 0);
		msg = cJSON_GetObjectItemCaseSensitive(ch, "message");
		if (!cJSON_IsObject(msg)) {
			cJSON_Delete(j);
			rl_provider_ended(p, c, "provider.no_choices",
			    "the reply has no choices", NULL);
			return;
		}
		if ((t = reasoning_of(msg)))
			rl_buf_adds(&c->reasoning, t->valuestring);
		t = cJSON_GetObjectItemCaseSensitive(msg, "content");
		if (cJSON_IsString(t))
			rl_buf_adds(&c->text, t->valuestring);
		f = cJSON_GetObjectItemCaseSensitive(ch, "finish_reason");
		if (cJSON_IsString(f))
			finish = f->valuestring;
	}
	if (strcmp(finish, "length") == 0) {
		char m[200];

		if (c->reasoning.len)
			snprintf(m, sizeof m, "the reply was cut at max_tokens (%ld), "
			    "%s spent reasoning: raise provider.max_tokens, or leave "
			    "thinking off", o->max_tokens, c->text.len ? "part" :
			    "all of it");
		else
			snprintf(m, sizeof m, "the reply was cut at max_tokens (%ld): "
			    "raise provider.max_tokens", o->max_tokens);
		cJSON_Delete(j);
		rl_provider_ended(p, c, "provider.truncated", m, NULL);
		return;
	}
	cJSON_Delete(j);
	unnull(c);
	if (c->json && c->level < o->level) {
		/* the weaker form worked where the stronger was refused */
		o->level = c->level;
		remember(p, c->level);
	}
	rl_provider_ended(p, c, NULL, NULL, a);
}

static void
oa_done(struct rl_prov_http_xfer *x, void *arg)
{
	struct rl_prov_call *oc = x->arg;
	struct rl_call *c = oc->c;
	struct rl_attempt a = RL_ATTEMPT_INIT;
	int again = 0;

	(void)arg;
	a.stream_used = c->streamed;
	if (oc->streaming && oc->stream_err[0]) {
		reply(oc, &a);
	} else if (x->code != CURLE_OK && !(oc->streaming && oc->end_seen &&
	    !oc->stream_err[0])) {
		rl_prov_http_failed(oc->p, c, x, ((struct oa *)oc->p->impl)->chat_url,
		    oc->streaming, 0);
	} else if (x->status < 200 || x->status >= 300) {
		if (x->status == 400 && c->json && c->level > RL_STRUCT_NONE &&
		    !c->streamed) {
			/* the stronger structured output refused: the weaker */
			c->level--;
			oc->p->fallbacks++;
			again = 1;
		}
		rl_prov_http_failed(oc->p, c, x, ((struct oa *)oc->p->impl)->chat_url,
		    oc->streaming, again);
	} else {
		reply(oc, &a);
	}
}

static void
oa_wait(struct rl_provider *p, long long timeout_ms)
{
	rl_prov_http_wait((long)timeout_ms, p->wake_fd, oa_done, p);
}

static int
oa_health(struct rl_provider *p, cJSON *info, struct rl_error *e)
{
	struct oa *o = p->impl;

	return rl_prov_models_health(p, o->models_url, o->hdrs, info, e);
}

/* --- the context window --------------------------------------------------- */

/* The model's entry in a model list {"data": [{"id": ...}]}. */
static const cJSON *
listed(const cJSON *j, const char *model)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "data"), *m;
	const char *id;

	cJSON_ArrayForEach(m, d)
		if ((id = rl_json_str(m, "id")) && strcmp(id, model) == 0)
			return m;
	return NULL;
}

/* Ollama: the window of the model as loaded (/api/ps), else its
 * num_ctx parameter (/api/show), else the server's default, 4096 tokens
 * unless OLLAMA_CONTEXT_LENGTH says more, which no endpoint tells: then
 * the window is assumed (p->window_assumed), and only a prompt that
 * would not fit it at all, which Ollama would cut silently, is refused. */
static long
ollama_window(struct rl_provider *p, const char *root, const struct curl_slist *h)
{
	struct rl_buf url = {0}, body = {0};
	const cJSON *m, *ps;
	const char *s, *k;
	cJSON *j;
	long w = 0;

	rl_buf_printf(&url, "%s/api/ps", root);
	j = rl_prov_http_get_json(p, url.data, NULL, h);
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(j, "models"))
		if ((s = rl_json_str(m, "name")) && strcmp(s, p->model) == 0)
			w = (long)rl_json_num(m, "context_length", 0);
	cJSON_Delete(j);
	if (w > 0)
		goto out;
	rl_buf_reset(&url);
	rl_buf_printf(&url, "%s/api/show", root);
	rl_buf_adds(&body, "{\"model\":");
	rl_json_print_string(p->model, &body);
	rl_buf_addc(&body, '}');
	if (!(j = rl_prov_http_get_json(p, url.data, body.data, h)))
		goto out;
	ps = cJSON_GetObjectItemCaseSensitive(j, "parameters");
	if (cJSON_IsString(ps) && (k = strstr(ps->valuestring, "num_ctx")))
		w = strtol(k + 7, NULL, 10);
	if (w <= 0) {
		w = 4096;
		p->window_assumed = 1;
	}
	cJSON_Delete(j);
out:
	rl_buf_free(&url);
	rl_buf_free(&body);
	return w;
}

static long
oa_window(struct rl_provider *p)
{
	struct oa *o = p->impl;
	struct rl_buf url = {0};
	const cJSON *m, *g;
	cJSON *j = NULL;
	long w = 0;

	if (o->pre->window == RL_WINDOW_NONE)
		return 0;
	if (rl_prov_http_inflight())
		return -1;
	switch (o->pre->window) {
	case RL_WINDOW_OLLAMA:
		return ollama_window(p, o->root, o->hdrs);
	case RL_WINDOW_LLAMACPP:
		rl_buf_printf(&url, "%s/props", o->root);
		j = rl_prov_http_get_json(p, url.data, NULL, o->hdrs);
		g = cJSON_GetObjectItemCaseSensitive(j, "default_generation_settings");
		w = (long)rl_json_num(g, "n_ctx", rl_json_num(j, "n_ctx", 0));
		break;
	case RL_WINDOW_VLLM:
		j = rl_prov_http_get_json(p, o->models_url, NULL, o->hdrs);
		w = (long)rl_json_num(listed(j, p->model), "max_model_len", 0);
		break;
	case RL_WINDOW_LMSTUDIO:
		rl_buf_printf(&url, "%s/api/v0/models", o->root);
		j = rl_prov_http_get_json(p, url.data, NULL, o->hdrs);
		m = listed(j, p->model);
		w = (long)rl_json_num(m, "loaded_context_length",
		    rl_json_num(m, "max_context_length", 0));
		break;
	default:
		break;
	}
	cJSON_Delete(j);
	rl_buf_free(&url);
	return w > 0 ? w : 0;
}

/* --- what the HTTP kinds share ------------------------------------------- */

void
rl_prov_service_message(const struct rl_buf *body, struct rl_buf *out)
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
http_error(struct rl_provider *p, struct rl_call *c,
	struct rl_prov_http_xfer *x, const char *url, int again)
{
	struct rl_attempt a = RL_ATTEMPT_INIT;
	struct rl_buf m = {0}, svc = {0};
	const char *code = rl_provider_status_code(x->status);

	a.stream_used = c->streamed;
	a.status = x->status;
	a.should_retry = x->should_retry;
	a.after_ms = x->after_ms;
	a.again = again;
	if (a.after_ms < 0 && x->after[0])
		a.after_ms = rl_prov_retry_after_parse(x->after,
		    p->clock.now(p->clock.arg));
	rl_prov_service_message(&x->resp, &svc);
	if (x->status == 401 || x->status == 403)
		rl_buf_printf(&m, "%s refused the key%s%s: %s", p->name,
		    p->key ? " from " : " (none was sent",
		    p->key ? p->key_source : ")", svc.data);
	else if (x->status == 404)
		rl_buf_printf(&m, "model '%s' or %s not found: %s", p->model, url,
		    svc.data);
	else if (x->status == 429)
		rl_buf_printf(&m, "rate limited by %s: %s", p->name, svc.data);
	else if (x->status == 529)
		rl_buf_printf(&m, "%s is overloaded: %s", p->name, svc.data);
	else
		rl_buf_printf(&m, "%s answered HTTP %ld: %s", p->name, x->status,
		    svc.data);
	if (again)
		rl_buf_printf(&m, " (asking again with %s)",
		    c->level ? rl_structured_name(c->level) : "no response_format");
	rl_provider_ended(p, c, code, m.data, &a);
	rl_buf_free(&m);
	rl_buf_free(&svc);
}

static void
transport_error(struct rl_provider *p, struct rl_call *c,
	struct rl_prov_http_xfer *x, const char *url, int streaming)
{
	struct rl_attempt a = RL_ATTEMPT_INIT;
	const char *code = rl_prov_http_error_code(x->code, &a.transport_retry);
	struct rl_buf m = {0};

	a.stream_used = c->streamed;
	a.transport = 1;
	if (strcmp(code, "provider.timeout") == 0)
		rl_buf_printf(&m, "no reply from %s within %.1f s", p->name,
		    (double)x->timeout_ms / 1000);
	else
		rl_buf_printf(&m, "%s: %s", url,
		    x->errbuf[0] ? x->errbuf : curl_easy_strerror(x->code));
	if (streaming && x->bytes_in && strcmp(code, "provider.reset") == 0)
		code = "provider.stream_cut";
	rl_provider_ended(p, c, code, m.data, &a);
	rl_buf_free(&m);
}

void
rl_prov_http_failed(struct rl_provider *p, struct rl_call *c,
	struct rl_prov_http_xfer *x, const char *url, int streaming, int again)
{
	if (x->code != CURLE_OK)
		transport_error(p, c, x, url, streaming);
	else
		http_error(p, c, x, url, again);
}

struct sync {
	struct rl_prov_http_xfer *x;
	int done;
};

static void
sync_done(struct rl_prov_http_xfer *x, void *arg)
{
	struct sync *s = arg;

	if (x == s->x)
		s->done = 1;
}

void
rl_prov_http_run(struct rl_provider *p, struct rl_prov_http_xfer *x)
{
	struct sync s = {x, 0};

	x->timeout_ms = p->timeout_ms > 30000 || !p->timeout_ms ? 30000 :
	    (long)p->timeout_ms;
	if (rl_prov_http_start(x) == 0)
		while (!s.done)
			rl_prov_http_wait(1000, -1, sync_done, &s);
}

cJSON *
rl_prov_http_get_json(struct rl_provider *p, const char *url,
	const char *body, const struct curl_slist *h)
{
	struct rl_prov_http_xfer x = {0};
	cJSON *j = NULL;

	if (rl_prov_http_inflight())
		return NULL;
	x.url = url;
	x.body = body;
	x.headers = h;
	rl_prov_http_run(p, &x);
	if (x.code == CURLE_OK && x.status == 200)
		j = cJSON_ParseWithLength(x.resp.data ? x.resp.data : "", x.resp.len);
	rl_buf_free(&x.resp);
	return j;
}

int
rl_prov_models_health(struct rl_provider *p, const char *url,
	const struct curl_slist *h, cJSON *info, struct rl_error *e)
{
	struct rl_prov_http_xfer x = {0};
	struct rl_buf svc = {0}, some = {0};
	const cJSON *d, *id;
	cJSON *j;
	int n = 0, listed = 0, rc = 0, retry;

	x.url = url;
	x.headers = h;
	rl_prov_http_run(p, &x);
	if (x.code != CURLE_OK) {
		rc = rl_error_set(e, rl_prov_http_error_code(x.code, &retry), "%s: %s",
		    url, x.errbuf[0] ? x.errbuf : curl_easy_strerror(x.code));
	} else if (x.status != 200) {
		rl_prov_service_message(&x.resp, &svc);
		rc = rl_error_set(e, rl_provider_status_code(x.status), "%s answered HTTP %ld%s%s%s: %s",
		    url, x.status,
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
			    "%s: the reply has no model list", url);
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

const struct rl_provider_ops rl_prov_openai = {
	"openai", oa_open, oa_start, oa_wait, oa_health, oa_window,
	rl_prov_call_forget,
	oa_close
};
