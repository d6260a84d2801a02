/*
 * rl_provider.c - the call engine shared by every kind of provider:
 * opening one, retries, rate limits, deadlines, metrics and record mode;
 * see rl_provider.h.  Settings are resolved in rl_prov_settings.c; the
 * kinds live in rl_prov_openai.c, rl_prov_cmd.c and rl_prov_script.c.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rl_dur.h"
#include "rl_fs.h"
#include "rl_json.h"
#include "rl_metrics.h"
#include "rl_prov_key.h"
#include "rl_progress.h"
#include "rl_provider_impl.h"

long
rl_provider_estimate(const char *text)
{
	return text ? (long)((strlen(text) + 3) / 4) : 0;
}

/* The default clock: the wall clock (with RL_CLOCK_SKEW_MS), nanosleep,
 * and a generator seeded from the kernel. */
static long long
real_now(void *arg)
{
	(void)arg;
	return rl_now_ms();
}

static void
real_sleep(void *arg, long long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	(void)arg;
	while (ms > 0 && nanosleep(&ts, &ts) < 0)
		;
}

static double
real_rand(void *arg)
{
	static unsigned short seed[3];
	static int seeded;

	(void)arg;
	if (!seeded) {
		unsigned long long t = (unsigned long long)rl_now_ms() ^
		    ((unsigned long long)getpid() << 16);

		seed[0] = (unsigned short)t;
		seed[1] = (unsigned short)(t >> 16);
		seed[2] = (unsigned short)(t >> 32);
		seeded = 1;
	}
	return erand48(seed);
}

static const struct rl_provider_ops *const kinds[] = {
	&rl_prov_openai, &rl_prov_anthropic, &rl_prov_cmd, &rl_prov_script, NULL
};

static long long
seconds_ms(const struct rl_provider *p, const char *key, double dflt)
{
	return (long long)(rl_provider_num(p, key, dflt) * 1000);
}

struct rl_provider *
rl_provider_open(const struct rl_config *cfg, const char *name,
	const char *model, struct rl_error *e)
{
	struct rl_provider *p;
	struct rl_buf state = {0};
	const char *kind, *rec;
	int i;

	p = rl_xcalloc(1, sizeof *p);
	p->clock = (struct rl_clock){real_now, real_sleep, real_rand, NULL};
	p->wake_fd = -1;
	p->errors = cJSON_CreateObject();
	if (!(p->set = rl_provider_settings(cfg, name, e)))
		goto fail;
	if (model && *model)
		rl_provider_put(p, "model", cJSON_CreateString(model), "flag -m");
	p->name = rl_provider_str(p, "name");
	p->model = rl_provider_str(p, "model");
	p->base_url = rl_provider_str(p, "base_url");
	kind = rl_provider_str(p, "kind");
	for (i = 0; kinds[i] && strcmp(kinds[i]->kind, kind) != 0; i++)
		;
	p->ops = kinds[i];
	p->timeout_ms = seconds_ms(p, "timeout", 120);
	p->deadline_ms = seconds_ms(p, "deadline", 600);
	p->max_retries = (int)rl_provider_num(p, "max_retries", 2);
	if (rl_prov_key_load(rl_provider_str(p, "api_key_cmd"),
	    rl_provider_str(p, "api_key_file"),
	    strcmp(kind, "openai") == 0 || strcmp(kind, "anthropic") == 0 ?
	    rl_provider_str(p, "api_key_env") : "",
	    &p->key, &p->key_source, e) < 0)
		goto fail;
	rl_config_state_dir(cfg, &state);
	p->state = rl_buf_detach(&state);
	if (p->ops->open(p, e) < 0)
		goto fail;
	rl_prov_ratelimit_init(&p->limit, p->state, p->name,
	    rl_provider_num(p, "rpm", 0), rl_provider_num(p, "tpm", 0));
	rl_prov_ratelimit_store(&p->limit, cfg,
	    rl_config_str(cfg, "provider.rate_store", ""));
	if ((rec = getenv("RL_RECORD")) && *rec)
		p->record = rl_xstrdup(rec);
	return p;
fail:
	p->ops = NULL;
	rl_provider_close(p);
	return NULL;
}

void
rl_provider_set_clock(struct rl_provider *p, const struct rl_clock *clk)
{
	p->clock = *clk;
}

unsigned long
rl_provider_limited(const struct rl_provider *p)
{
	return p->limited;
}

void
rl_provider_close(struct rl_provider *p)
{
	if (!p)
		return;
	if (p->ops && p->ops->close)
		p->ops->close(p);
	rl_prov_key_free(p->key);
	rl_prov_ratelimit_free(&p->limit);
	cJSON_Delete(p->set);
	cJSON_Delete(p->errors);
	free(p->lat);
	free(p->record);
	free(p->state);
	free(p);
}

cJSON *
rl_provider_describe(const struct rl_provider *p)
{
	cJSON *d = cJSON_CreateObject();

	cJSON_AddStringToObject(d, "provider", p->name);
	cJSON_AddStringToObject(d, "kind", p->ops->kind);
	if (*p->model)
		cJSON_AddStringToObject(d, "model", p->model);
	if (*p->base_url)
		cJSON_AddStringToObject(d, "base_url", p->base_url);
	if (*rl_provider_str(p, "command"))
		cJSON_AddStringToObject(d, "command", rl_provider_str(p, "command"));
	if (*rl_provider_str(p, "cassette"))
		cJSON_AddStringToObject(d, "cassette", rl_provider_str(p, "cassette"));
	cJSON_AddStringToObject(d, "key", p->key ? p->key_source : "none");
	return d;
}

const char *
rl_provider_name(const struct rl_provider *p)
{
	return p->name;
}

const char *
rl_provider_model(const struct rl_provider *p)
{
	return p->model;
}

const char *
rl_provider_status_code(long s)
{
	static const struct { long s; const char *code; } t[] = {
		{400, "provider.http_400"}, {401, "provider.http_401"},
		{403, "provider.http_403"}, {404, "provider.http_404"},
		{408, "provider.http_408"}, {409, "provider.http_409"},
		{413, "provider.http_413"}, {422, "provider.http_422"},
		{429, "provider.http_429"}, {500, "provider.http_500"},
		{502, "provider.http_502"}, {503, "provider.http_503"},
		{504, "provider.http_504"},
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].s == s)
			return t[i].code;
	return s >= 500 ? "provider.http_5xx" : "provider.http_4xx";
}

/* --- the engine -------------------------------------------------------- */

/* Say that c waits ms for what (rl_progress.h: a line on a terminal, an
 * event under redline run); attempt of of when it is a retry. */
static void
say_wait(struct rl_call *c, const char *what, int attempt, int of,
	long long ms)
{
	c->waiting = 1;
	rl_progress_wait(c->tag, what, attempt, of, ms);
}

/* c waits no more. */
static void
wait_over(struct rl_call *c)
{
	if (!c->waiting)
		return;
	c->waiting = 0;
	rl_progress_over(c->tag);
}

/* Start an attempt now, or put c to sleep for the rate limit. */
static void
launch(struct rl_provider *p, struct rl_call *c)
{
	long long now = p->clock.now(p->clock.arg), w;

	w = rl_prov_ratelimit_take(&p->limit, (double)c->est, now);
	if (w > 0) {
		p->limited++;
		say_wait(c, "the rate limit", 0, 0, w);
		c->wake = now + w;
		c->wait_ms += w;
		c->next = p->sleeping;
		p->sleeping = c;
		return;
	}
	wait_over(c);
	c->attempts++;
	c->sent = now;
	p->requests++;
	p->inflight++;
	rl_buf_reset(&c->text);
	rl_buf_reset(&c->reasoning);
	c->usage = (struct rl_usage){0};
	c->streamed = 0;
	c->shown = c->shown_r = 0;
	p->ops->start(p, c);
}

/* Append c to the calls rl_provider_done hands out. */
static void
to_done(struct rl_provider *p, struct rl_call *c)
{
	c->next = NULL;
	if (p->done_tail)
		p->done_tail->next = c;
	else
		p->done = c;
	p->done_tail = c;
	p->ndone++;
}

static void
count_error(struct rl_provider *p, const char *code)
{
	cJSON *n = cJSON_GetObjectItemCaseSensitive(p->errors, code);

	if (n)
		cJSON_SetNumberValue(n, n->valuedouble + 1);
	else
		cJSON_AddNumberToObject(p->errors, code, 1);
}

long
rl_provider_window(struct rl_provider *p)
{
	long w = (long)rl_provider_num(p, "context", 0);

	if (w > 0)
		return w;
	if (!p->window_asked && p->ops->window) {
		/* -1: not now (other requests in flight): ask at the next call */
		if ((w = p->ops->window(p)) >= 0) {
			p->window = w;
			p->window_asked = 1;
		}
	}
	return p->window;
}

/* How to make the context window larger, for the message of a prompt
 * that does not fit. */
static const char *
window_fix(const struct rl_provider *p)
{
	if ((long)rl_provider_num(p, "context", 0) > 0)
		return "raise provider.context";
	switch (rl_provider_preset(p)->window) {
	case RL_WINDOW_OLLAMA:
		return p->window_assumed ? "start Ollama with "
		    "OLLAMA_CONTEXT_LENGTH=32768 (the server does not tell its "
		    "default window until the model is loaded: if it is larger "
		    "already, set provider.context to it)" : "start Ollama with "
		    "OLLAMA_CONTEXT_LENGTH=32768, or give the model PARAMETER num_ctx "
		    "32768 in a Modelfile";
	case RL_WINDOW_LLAMACPP:
		return "start llama-server with -c 32768";
	case RL_WINDOW_VLLM:
		return "start vllm serve with --max-model-len 32768";
	case RL_WINDOW_LMSTUDIO:
		return "load the model with lms load MODEL --context-length 32768";
	default:
		return "use a model with a larger window";
	}
}

/* 0 when c fits p's context window (or it is unknown), else -1 with
 * c->err set. */
static int
fits(struct rl_provider *p, struct rl_call *c)
{
	long w = rl_provider_window(p);
	long max = (long)rl_provider_num(p, "max_tokens", 4096);

	if (w <= 0 || c->est + (p->window_assumed ? 0 : max) <= w)
		return 0;
	if (p->window_assumed)
		rl_error_set(&c->err, "provider.context", "the prompt (about %lld "
		    "tokens) does not fit the %ld-token context window %s gives "
		    "%s by default, and would be cut: shorten the prompt, or %s",
		    c->est, w, p->name, p->model, window_fix(p));
	else
		rl_error_set(&c->err, "provider.context", "the prompt (about %lld "
		    "tokens) and max_tokens (%ld) do not fit the %ld-token context "
		    "window of %s on %s: shorten the prompt, lower "
		    "provider.max_tokens, or %s", c->est, max, w, p->model, p->name,
		    window_fix(p));
	return -1;
}

void
rl_provider_submit(struct rl_provider *p, struct rl_call *c)
{
	long long now = p->clock.now(p->clock.arg);

	memset(&c->text, 0, sizeof c->text);
	memset(&c->reasoning, 0, sizeof c->reasoning);
	memset(&c->err, 0, sizeof c->err);
	c->usage = (struct rl_usage){0};
	c->attempts = c->retries = c->streamed = 0;
	c->shown = c->shown_r = 0;
	c->level = -1;
	c->t0 = now;
	c->deadline = p->deadline_ms > 0 ? now + p->deadline_ms : 0;
	c->wait_ms = 0;
	c->est = rl_provider_estimate(c->prompt) + rl_provider_estimate(c->system);
	c->next = NULL;
	c->impl = NULL;
	c->queued = 1;
	c->waiting = 0;
	p->calls++;
	if (!c->prompt || !*c->prompt) {
		c->attempts = 0;
		rl_error_set(&c->err, "provider.empty_prompt", "the prompt is empty");
		c->ms = 0;
		to_done(p, c);
		p->failures++;
		return;
	}
	if (fits(p, c) < 0) {
		c->attempts = 0;
		c->ms = 0;
		count_error(p, c->err.code);
		to_done(p, c);
		p->failures++;
		return;
	}
	launch(p, c);
}

static void
note_latency(struct rl_provider *p, long long ms)
{
	if (p->nlat == p->caplat) {
		p->caplat = p->caplat ? p->caplat * 2 : 64;
		p->lat = rl_xrealloc(p->lat, p->caplat * sizeof *p->lat);
	}
	p->lat[p->nlat++] = ms;
}

static void
log_request(struct rl_provider *p, struct rl_call *c, const char *code,
	long status, long long ms)
{
	cJSON *f;

	if (!rl_metrics_path())
		return;     /* metrics are off: build nothing */
	f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "provider", p->name);
	if (*p->model)
		cJSON_AddStringToObject(f, "model", p->model);
	cJSON_AddNumberToObject(f, "attempt", c->attempts);
	cJSON_AddNumberToObject(f, "ms", (double)ms);
	if (status)
		cJSON_AddNumberToObject(f, "status", status);
	if (code)
		cJSON_AddStringToObject(f, "code", code);
	else {
		cJSON_AddNumberToObject(f, "prompt_tokens", c->usage.prompt_tokens);
		cJSON_AddNumberToObject(f, "completion_tokens",
		    c->usage.completion_tokens);
		if (c->usage.cached_tokens)
			cJSON_AddNumberToObject(f, "cached_tokens",
			    c->usage.cached_tokens);
		if (c->usage.reasoning_tokens)
			cJSON_AddNumberToObject(f, "reasoning_tokens",
			    c->usage.reasoning_tokens);
	}
	rl_metrics_event("request", f);
}

/* Append the finished call to RL_RECORD's cassette. */
static void
record(struct rl_provider *p, struct rl_call *c, long status)
{
	cJSON *ent = cJSON_CreateObject(), *m, *u;
	struct rl_buf line = {0};

	m = cJSON_AddObjectToObject(ent, "match");
	cJSON_AddStringToObject(m, "prompt", c->prompt);
	if (c->system && *c->system)
		cJSON_AddStringToObject(m, "system", c->system);
	if (c->err.code) {
		u = cJSON_AddObjectToObject(ent, "error");
		if (status)
			cJSON_AddNumberToObject(u, "status", status);
		else
			cJSON_AddStringToObject(u, "code", c->err.code);
		cJSON_AddStringToObject(u, "message", c->err.message);
	} else {
		cJSON_AddStringToObject(ent, "reply", c->text.len ? c->text.data : "");
		u = cJSON_AddObjectToObject(ent, "usage");
		cJSON_AddNumberToObject(u, "prompt_tokens", c->usage.prompt_tokens);
		cJSON_AddNumberToObject(u, "completion_tokens", c->usage.completion_tokens);
	}
	if (*p->model)
		cJSON_AddStringToObject(ent, "model", p->model);
	cJSON_AddNumberToObject(ent, "latency_ms", (double)(c->ms - c->wait_ms));
	rl_json_print(ent, &line);
	rl_prov_key_redact(&line, p->key);
	rl_buf_addc(&line, '\n');
	if (rl_fs_append(p->record, line.data, line.len) < 0) {
		rl_diag(p->record, 0, "io.write", "cannot record the cassette: %m");
		free(p->record);
		p->record = NULL;
	}
	cJSON_Delete(ent);
	rl_buf_free(&line);
}

/*
 * Give on_text what of c's reply may be shown, and on_reasoning what of
 * its reasoning: when final all of it, else all but a tail that may be
 * the beginning of the key.  What they get is redacted (rl_prov_key.h).
 */
static void
show_part(struct rl_provider *p, struct rl_call *c, const struct rl_buf *b,
	size_t *shown, void (*fn)(struct rl_call *, const char *, size_t),
	int final)
{
	struct rl_buf out = {0};

	if (!fn || *shown >= b->len)
		return;
	*shown = rl_prov_key_redact_part(b->data, b->len, *shown, p->key, final,
	    &out);
	if (out.len) {
		c->streamed = 1;
		fn(c, out.data, out.len);
	}
	rl_buf_free(&out);
}

static void
show(struct rl_provider *p, struct rl_call *c, int final)
{
	show_part(p, c, &c->reasoning, &c->shown_r, c->on_reasoning, final);
	show_part(p, c, &c->text, &c->shown, c->on_text, final);
}

void
rl_provider_text(struct rl_provider *p, struct rl_call *c, const char *s,
	size_t n)
{
	rl_buf_add(&c->text, s, n);
	show_part(p, c, &c->text, &c->shown, c->on_text, 0);
}

void
rl_provider_reasoning(struct rl_provider *p, struct rl_call *c,
	const char *s, size_t n)
{
	rl_buf_add(&c->reasoning, s, n);
	show_part(p, c, &c->reasoning, &c->shown_r, c->on_reasoning, 0);
}

/* Redact an error's message in place. */
static void
redact_error(const struct rl_provider *p, struct rl_error *e)
{
	struct rl_buf m = {0};

	rl_buf_adds(&m, e->message);
	rl_prov_key_redact(&m, p->key);
	snprintf(e->message, sizeof e->message, "%s", m.data ? m.data : "");
	rl_buf_free(&m);
}

static void
finish(struct rl_provider *p, struct rl_call *c, long status)
{
	long long now = p->clock.now(p->clock.arg);

	c->ms = now - c->t0;
	wait_over(c);
	if (p->ops->forget)
		p->ops->forget(c);
	if (c->err.code) {
		p->failures++;
		if (c->text.data)
			explicit_bzero(c->text.data, c->text.len);
		rl_buf_free(&c->text);
		if (c->reasoning.data)
			explicit_bzero(c->reasoning.data, c->reasoning.len);
		rl_buf_free(&c->reasoning);
	} else {
		p->prompt_tokens += c->usage.prompt_tokens;
		p->completion_tokens += c->usage.completion_tokens;
		p->cached_tokens += c->usage.cached_tokens;
		p->reasoning_tokens += c->usage.reasoning_tokens;
	}
	if (p->record)
		record(p, c, status);
	to_done(p, c);
}

/* The hint of an unreachable provider: the command that checks it, with
 * the model when it was given as a flag (the check would not know it). */
static void
check_hint(const struct rl_provider *p, struct rl_buf *msg)
{
	const char *origin = rl_json_str(cJSON_GetObjectItemCaseSensitive(p->set,
	    "origins"), "model");

	rl_buf_printf(msg, ": is the server running? rl-provider check -p %s",
	    p->name);
	if (*p->model && origin && strncmp(origin, "flag", 4) == 0)
		rl_buf_printf(msg, " -m %s", p->model);
}

void
rl_provider_ended(struct rl_provider *p, struct rl_call *c, const char *code,
	const char *message, const struct rl_attempt *a)
{
	long long now = p->clock.now(p->clock.arg), wait = 0, ms = now - c->sent;
	struct rl_buf msg = {0};
	enum rl_prov_retry_verdict v = RL_PROV_RETRY_NO;
	char d[32];

	p->inflight--;
	note_latency(p, ms);
	if (!code) {
		if (c->usage.prompt_tokens == 0 && c->usage.completion_tokens == 0) {
			c->usage.prompt_tokens = c->est;
			c->usage.completion_tokens = rl_provider_estimate(c->text.data) +
			    rl_provider_estimate(c->reasoning.data);
			c->usage.estimated = 1;
		}
		if (c->reasoning.len && !c->usage.reasoning_tokens)
			c->usage.reasoning_tokens =
			    rl_provider_estimate(c->reasoning.data);
		rl_prov_ratelimit_settle(&p->limit,
		    (double)(c->usage.prompt_tokens +
		    c->usage.completion_tokens - c->est), now);
		/* the one place a reply is handed back: what was not shown yet,
		 * then the whole text, redacted */
		show(p, c, 1);
		rl_prov_key_redact(&c->text, p->key);
		rl_prov_key_redact(&c->reasoning, p->key);
		log_request(p, c, NULL, a ? a->status : 0, ms);
		finish(p, c, 0);
		return;
	}
	count_error(p, code);
	log_request(p, c, code, a ? a->status : 0, ms);
	rl_buf_adds(&msg, message);
	rl_prov_key_redact(&msg, p->key);
	if (a && a->again) {
		/* a fallback of the kind's: at once, and not a retry */
		c->wake = now;
		c->next = p->sleeping;
		p->sleeping = c;
		rl_buf_free(&msg);
		return;
	}
	if (a) {
		struct rl_attempt at = *a;

		at.stream_used = at.stream_used || c->streamed;
		v = rl_prov_retry_decide(&at, c->retries, p->max_retries, now,
		    c->deadline, p->clock.rand(p->clock.arg), &wait);
	}
	if (v == RL_PROV_RETRY_WAIT) {
		say_wait(c, "the provider", c->retries + 1, 1 + p->max_retries,
		    wait);
		c->retries++;
		p->retries++;
		c->wake = now + wait;
		c->wait_ms += wait;
		c->next = p->sleeping;
		p->sleeping = c;
		rl_buf_free(&msg);
		return;
	}
	rl_dur_format(wait, d, sizeof d);
	if (v == RL_PROV_RETRY_TOO_LONG)
		rl_buf_printf(&msg, " (the service asks to wait %.0f s, more than %lld s)",
		    (double)wait / 1000, RL_PROV_RETRY_MAX_AFTER_MS / 1000);
	else if (v == RL_PROV_RETRY_DEADLINE)
		rl_buf_printf(&msg, " (a retry in %s would pass the deadline)", d);
	if (c->attempts > 1)
		rl_buf_printf(&msg, " after %d attempts", c->attempts);
	if (strcmp(code, "provider.connect") == 0) {
		/* nothing answers there: say what to look at */
		code = "provider.unreachable";
		check_hint(p, &msg);
	}
	rl_error_set(&c->err, code, "%s", msg.data);
	rl_buf_free(&msg);
	finish(p, c, a ? a->status : 0);
}

int
rl_provider_busy(const struct rl_provider *p)
{
	const struct rl_call *c;
	int n = p->inflight + p->ndone;

	for (c = p->sleeping; c; c = c->next)
		n++;
	return n;
}

int
rl_provider_pending(const struct rl_provider *p)
{
	return rl_provider_busy(p) - p->ndone;
}

void
rl_provider_run(struct rl_provider *p, long long timeout_ms)
{
	struct rl_call **pp, *c, *due = NULL;
	long long now = p->clock.now(p->clock.arg), next = -1, t;

	/* take the sleepers that are due, in the order they went to sleep */
	for (pp = &p->sleeping; (c = *pp);) {
		if (c->wake <= now) {
			*pp = c->next;
			c->next = due;
			due = c;
		} else {
			if (next < 0 || c->wake < next)
				next = c->wake;
			pp = &c->next;
		}
	}
	while ((c = due)) {
		due = c->next;
		launch(p, c);
	}
	if (p->ndone)
		return;
	for (c = p->sleeping; c; c = c->next)
		if (next < 0 || c->wake < next)
			next = c->wake;
	t = timeout_ms;
	if (next >= 0) {
		now = p->clock.now(p->clock.arg);
		if (next - now < t)
			t = next - now > 0 ? next - now : 0;
	}
	if (p->inflight)
		p->ops->wait(p, t);
	else if (t > 0 && p->sleeping)
		rl_provider_pause(p, t);
}

void
rl_provider_wake_on(struct rl_provider *p, int fd)
{
	p->wake_fd = fd;
}

void
rl_provider_pause(struct rl_provider *p, long long ms)
{
	struct pollfd w = {p->wake_fd, POLLIN, 0};

	if (p->wake_fd < 0 || p->clock.sleep != real_sleep) {
		p->clock.sleep(p->clock.arg, ms);
		return;
	}
	while (poll(&w, 1, ms > INT_MAX ? INT_MAX : (int)ms) < 0 && errno == EINTR)
		;
}

struct rl_call *
rl_provider_done(struct rl_provider *p)
{
	struct rl_call *c = p->done;

	if (!c)
		return NULL;
	p->done = c->next;
	if (!p->done)
		p->done_tail = NULL;
	p->ndone--;
	c->next = NULL;
	c->queued = 0;
	return c;
}

void
rl_call_clear(struct rl_call *c)
{
	rl_buf_free(&c->text);
	rl_buf_free(&c->reasoning);
	memset(&c->err, 0, sizeof c->err);
}

char *
rl_provider_generate(struct rl_provider *p, const char *prompt,
	const char *system, struct rl_usage *usage, struct rl_error *e)
{
	struct rl_call c = {.prompt = prompt, .system = system}, *d;
	char *text = NULL;

	rl_provider_submit(p, &c);
	for (;;) {
		while ((d = rl_provider_done(p)) && d != &c)
			;
		if (d == &c)
			break;
		rl_provider_run(p, 3600000);
	}
	if (usage)
		*usage = c.usage;
	rl_buf_free(&c.reasoning);
	if (c.err.code)
		*e = c.err;
	else
		text = rl_buf_detach(&c.text);
	if (!text && !c.err.code)
		text = rl_xstrdup("");
	return text;
}

int
rl_provider_validate(struct rl_provider *p, cJSON *info, struct rl_error *e)
{
	long long t0 = p->clock.now(p->clock.arg);
	int rc = p->ops->health(p, info, e);
	long long ms = p->clock.now(p->clock.arg) - t0;

	if (info)
		cJSON_AddNumberToObject(info, "ms", (double)ms);
	if (rc == 0 && info && rl_provider_window(p) > 0)
		cJSON_AddNumberToObject(info, "context_length",
		    (double)rl_provider_window(p));
	p->requests++;
	note_latency(p, ms);
	if (rc < 0) {
		redact_error(p, e);
		count_error(p, e->code);
	}
	return rc;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least pct % at or below it. */
static long long
pct(const long long *v, size_t n, double pc)
{
	size_t k = (size_t)ceil(pc / 100 * (double)n);

	return v[k ? k - 1 : 0];
}

cJSON *
rl_provider_metrics(const struct rl_provider *p)
{
	cJSON *m = cJSON_CreateObject(), *l;
	long long *v;

	cJSON_AddStringToObject(m, "provider", p->name);
	if (*p->model)
		cJSON_AddStringToObject(m, "model", p->model);
	cJSON_AddNumberToObject(m, "calls", (double)p->calls);
	cJSON_AddNumberToObject(m, "requests", (double)p->requests);
	cJSON_AddNumberToObject(m, "retries", (double)p->retries);
	cJSON_AddNumberToObject(m, "failures", (double)p->failures);
	cJSON_AddItemToObject(m, "errors", cJSON_Duplicate(p->errors, 1));
	l = cJSON_AddObjectToObject(m, "latency_ms");
	if (p->nlat) {
		v = rl_xmalloc(p->nlat * sizeof *v);
		memcpy(v, p->lat, p->nlat * sizeof *v);
		qsort(v, p->nlat, sizeof *v, cmp_ll);
		cJSON_AddNumberToObject(l, "p50", (double)pct(v, p->nlat, 50));
		cJSON_AddNumberToObject(l, "p95", (double)pct(v, p->nlat, 95));
		cJSON_AddNumberToObject(l, "p99", (double)pct(v, p->nlat, 99));
		cJSON_AddNumberToObject(l, "max", (double)v[p->nlat - 1]);
		free(v);
	}
	cJSON_AddNumberToObject(m, "prompt_tokens", (double)p->prompt_tokens);
	cJSON_AddNumberToObject(m, "completion_tokens", (double)p->completion_tokens);
	cJSON_AddNumberToObject(m, "cached_tokens", (double)p->cached_tokens);
	cJSON_AddNumberToObject(m, "reasoning_tokens", (double)p->reasoning_tokens);
	cJSON_AddNumberToObject(m, "fallbacks", (double)p->fallbacks);
	cJSON_AddNumberToObject(m, "rate_limited", (double)p->limited);
	return m;
}
