/*
 * rl_provider_impl.h - what a kind of provider implements; private to
 * lib/rl_provider.c and lib/rl_prov_*.c.
 *
 * A kind fills in struct rl_provider_ops.  start begins one attempt of a
 * call; the attempt ends, now or during a later wait, with exactly one
 * rl_provider_ended, which applies the retry policy, the metrics and the
 * record mode.  On success the kind has filled c->text and c->usage.
 *
 * The kind hands raw bytes over: c->text as the service sent it, error
 * messages with the service's own words.  rl_provider_ended (and
 * rl_provider_validate for health) redacts them (rl_prov_key.h) before the
 * call is done; only there is anything shown, so no kind calls on_text
 * itself: a streamed reply goes piece by piece through rl_provider_text.
 */
#ifndef RL_PROVIDER_IMPL_H
#define RL_PROVIDER_IMPL_H
#include "rl_prov_ratelimit.h"
#include "rl_prov_retry.h"
#include "rl_provider.h"

struct rl_provider_ops {
	const char *kind;          /* "openai", "anthropic", "cmd", "script" */
	/* check the settings in p->set, fill p->impl; -1 with e set */
	int (*open)(struct rl_provider *p, struct rl_error *e);
	/* begin one attempt of c */
	void (*start)(struct rl_provider *p, struct rl_call *c);
	/* let attempts in flight progress for up to timeout_ms */
	void (*wait)(struct rl_provider *p, long long timeout_ms);
	/* a live health check; 0, or -1 with e set */
	int (*health)(struct rl_provider *p, cJSON *info, struct rl_error *e);
	/* the model's context window as the server tells it, 0 when it does
	 * not; NULL when the kind cannot ask */
	long (*window)(struct rl_provider *p);
	/* free what start attached to c->impl, once c is finished */
	void (*forget)(struct rl_call *c);
	void (*close)(struct rl_provider *p);
};

struct rl_provider {
	const struct rl_provider_ops *ops;
	cJSON *set;               /* resolved settings (rl_provider_settings) */
	const char *name, *model, *base_url;   /* strings inside set */
	const char *key_source;   /* "OPENAI_API_KEY", a file's path, "" */
	char *key;                /* the secret, or NULL */
	long long timeout_ms, deadline_ms;
	int max_retries;
	struct rl_prov_ratelimit limit;
	struct rl_clock clock;
	int wake_fd;              /* a wait ends when it is readable; -1 */
	void *impl;
	int inflight;             /* attempts started and not ended */
	struct rl_call *sleeping; /* calls waiting to start an attempt */
	struct rl_call *done, *done_tail;
	int ndone;
	char *record;             /* RL_RECORD's file, or NULL */
	char *state;              /* the state directory */
	long window;              /* context window in tokens: 0 unknown */
	int window_asked;         /* the server was asked for it */
	int window_assumed;       /* it did not tell: window is its default */
	/* metrics */
	unsigned long calls, requests, retries, failures, limited, fallbacks;
	long long prompt_tokens, completion_tokens, cached_tokens,
	    reasoning_tokens;
	long long *lat;           /* every attempt's latency, ms */
	size_t nlat, caplat;
	cJSON *errors;            /* code -> count */
};

/* Sleep for ms on p's clock; on the real one, wake early when p->wake_fd
 * becomes readable. */
void rl_provider_pause(struct rl_provider *p, long long ms);

/*
 * End the attempt of c in flight: code NULL for success (c->text and
 * c->usage filled), or an error code, its message, and what the retry
 * policy needs in a (NULL: a final error).
 */
void rl_provider_ended(struct rl_provider *p, struct rl_call *c,
	const char *code, const char *message, const struct rl_attempt *a);

/* Append a piece of c's reply that has just come (streaming), and show
 * on_text what of it may be shown now, redacted. */
void rl_provider_text(struct rl_provider *p, struct rl_call *c,
	const char *s, size_t n);

/* The same for a piece of the model's reasoning (c->reasoning,
 * on_reasoning). */
void rl_provider_reasoning(struct rl_provider *p, struct rl_call *c,
	const char *s, size_t n);

/* The setting key of p as a string ("" when unset). */
const char *rl_provider_str(const struct rl_provider *p, const char *key);

/* Set p's setting key to v (taken over), from origin ("flag -m"). */
void rl_provider_put(struct rl_provider *p, const char *key, cJSON *v,
	const char *origin);

/* The setting key of p as a number (dflt when unset). */
double rl_provider_num(const struct rl_provider *p, const char *key,
	double dflt);

/* The error code of an HTTP status: provider.http_429, ...,
 * provider.http_4xx or provider.http_5xx for the rarer ones. */
const char *rl_provider_status_code(long status);

/* Estimate tokens of text the way rl_usage.estimated says: bytes / 4. */
long rl_provider_estimate(const char *text);

/* The kinds. */
extern const struct rl_provider_ops rl_prov_openai, rl_prov_anthropic,
	rl_prov_cmd, rl_prov_script;

/* Structured output, strongest first: what a call asks for. */
enum rl_structured {
	RL_STRUCT_NONE,           /* the prompt alone asks for JSON */
	RL_STRUCT_OBJECT,         /* response_format json_object */
	RL_STRUCT_SCHEMA          /* response_format json_schema */
};

/* How a server's thinking is turned off for a JSON reply. */
enum rl_think_switch {
	RL_THINK_NONE,            /* it has no switch we know */
	RL_THINK_KWARGS,          /* chat_template_kwargs.enable_thinking
	                             (vLLM, llama.cpp) */
	RL_THINK_FLAG,            /* enable_thinking (DashScope) */
	RL_THINK_EFFORT           /* reasoning_effort "none" (Ollama) */
};

/* Where a server tells its model's context window. */
enum rl_window_source {
	RL_WINDOW_NONE,
	RL_WINDOW_OLLAMA,         /* POST /api/show */
	RL_WINDOW_LLAMACPP,       /* GET /props */
	RL_WINDOW_VLLM,           /* GET /v1/models: max_model_len */
	RL_WINDOW_LMSTUDIO        /* GET /api/v0/models */
};

/* The presets, for rl_provider_list and settings (rl_prov_settings.c). */
struct rl_preset {
	const char *name;
	const char *kind;         /* "openai" or "anthropic" */
	const char *base_url;
	const char *key_env;      /* "" for local servers */
	const char *model;        /* default model, "" when none */
	const char *structured;   /* json_schema, json_object or none */
	enum rl_think_switch think;
	int seed;                 /* takes seed */
	enum rl_window_source window;
	const char *setup;        /* one line that sets the server up, or "" */
};
extern const struct rl_preset rl_presets[];
const struct rl_preset *rl_preset_find(const char *name);

/* The preset p was opened with (openai-compatible when none). */
const struct rl_preset *rl_provider_preset(const struct rl_provider *p);

/* A structured setting's level, -1 when s names none. */
int rl_structured_level(const char *s);
const char *rl_structured_name(int level);

/*
 * What the HTTP kinds share (rl_prov_openai.c): the service's own words
 * from an error body, shortened to one line; ending an attempt whose
 * transfer failed (transport error or a status other than 2xx), with a
 * message naming url; and the health check over a model list.
 */
struct rl_prov_http_xfer;
struct curl_slist;
void rl_prov_service_message(const struct rl_buf *body, struct rl_buf *out);
void rl_prov_http_failed(struct rl_provider *p, struct rl_call *c,
	struct rl_prov_http_xfer *x, const char *url, int streaming,
	int again);
int rl_prov_models_health(struct rl_provider *p, const char *url,
	const struct curl_slist *h, cJSON *info, struct rl_error *e);
/* Run x alone to its end, with a timeout of at most 30 s (nothing else
 * may be in flight: rl_prov_http_inflight). */
void rl_prov_http_run(struct rl_provider *p, struct rl_prov_http_xfer *x);
/* GET (body NULL) or POST url and wait for the answer; the parsed JSON
 * of a 200 reply, or NULL (also when other transfers are in flight). */
cJSON *rl_prov_http_get_json(struct rl_provider *p, const char *url,
	const char *body, const struct curl_slist *h);
#endif
