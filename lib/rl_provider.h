/*
 * rl_provider.h - models behind one interface.
 *
 * A provider turns a prompt (and a system prompt) into a reply.  It is
 * data plus a small table of operations, so adding a kind of provider is
 * one file (rl_prov_NAME.c) and one line in the kinds table of
 * rl_provider.c:
 *
 *   openai   any OpenAI-compatible chat-completions service, with presets
 *            openai, qwen, ollama, lmstudio, vllm, llamacpp, openrouter,
 *            xai, gemini, deepseek, groq, mistral, and openai-compatible
 *            for any other base URL
 *   anthropic Anthropic's Messages API (preset anthropic), with prompt
 *            caching
 *   cmd      cmd:PROGRAM ARGS: the prompt on the program's stdin, the
 *            reply from its stdout
 *   script   script:CASSETTE: replies replayed from a cassette file
 *            (redline-cassette(5)); what the tests and the demo use
 *
 * The seed's interface, synchronous:
 *
 *     struct rl_provider *p = rl_provider_open(&cfg, NULL, NULL, &err);
 *     char *text = rl_provider_generate(p, prompt, system, &usage, &err);
 *     cJSON *m = rl_provider_metrics(p);
 *     int ok = rl_provider_validate(p, info, &err);     a health check
 *     rl_provider_close(p);
 *
 * and underneath it the asynchronous form that keeps many requests in
 * flight (rl_prov_pool.h builds ordered output on it):
 *
 *     rl_provider_submit(p, &call);        as many as wanted
 *     while (rl_provider_busy(p)) {
 *         rl_provider_run(p, 1000);
 *         while ((c = rl_provider_done(p))) ... c->text or c->err ...
 *     }
 *
 * Every provider gets the same retry policy (rl_prov_retry.h), the same
 * machine-wide rate limit (rl_prov_ratelimit.h), the same metrics, and the
 * record mode: with RL_RECORD=FILE every finished call is appended to
 * FILE as a cassette entry (never a key or a header).
 *
 * Settings come from the configuration (redline-config(5)), resolved in
 * rl_prov_settings.c: the provider section, and the providers section
 * for named providers.  For a named provider a setting is taken from the
 * first of: a flag or an RL_* variable (provider.X), providers.NAME.X,
 * provider.X in a file, the preset.  Keys are read by rl_prov_key.h and
 * never leave the process except in the Authorization header: what a
 * provider hands back (a reply, its streamed pieces, an error message, a
 * health check's message, a recorded cassette) has the key blanked out
 * where it ends, in rl_provider.c, so a service that echoes the key
 * cannot make it leave through anything built on this interface.
 */
#ifndef RL_PROVIDER_H
#define RL_PROVIDER_H
#include <cjson/cJSON.h>
#include "rl_buf.h"
#include "rl_config.h"
#include "rl_err.h"

struct rl_provider;

struct rl_usage {
	long prompt_tokens;       /* the whole prompt, cached or not */
	long completion_tokens;   /* the whole reply, reasoning included */
	long cached_tokens;       /* of prompt_tokens, read from the service's
	                             prompt cache (they cost a fraction) */
	long cache_write_tokens;  /* of prompt_tokens, written to the cache
	                             (Anthropic; they cost a little more) */
	long reasoning_tokens;    /* of completion_tokens, spent reasoning: as
	                             reported, else the reasoning's bytes / 4 */
	int estimated;            /* counted as bytes / 4: the model said none */
};

/* Time and randomness, replaceable by tests (rl_provider_set_clock). */
struct rl_clock {
	long long (*now)(void *arg);              /* ms, wall clock */
	void (*sleep)(void *arg, long long ms);
	double (*rand)(void *arg);                /* uniform in [0, 1) */
	void *arg;
};

/* One request: a prompt in, a reply or an error out. */
struct rl_call {
	/* set by the caller; must stay valid until the call is done */
	const char *prompt;
	const char *system;       /* NULL or "": none */
	int json;                 /* the reply is a JSON object: ask for one
	                             the way the service can (the structured
	                             setting), and keep its thinking off
	                             unless the thinking setting is on */
	const cJSON *schema;      /* with json, the reply's JSON Schema, or
	                             NULL for any object: sent converted to
	                             the portable strict subset
	                             (rl_prov_schema.h) where the service
	                             takes one; the caller still checks the
	                             reply against the whole schema */
	size_t head;              /* bytes at the start of prompt that stay
	                             the same from one request of a task to
	                             the next (a repository map): a service
	                             with prompt caching caches them; 0: none */
	void *arg;                /* the caller's */
	const char *tag;          /* what the call serves (a baton's id),
	                             named when it waits (rl_progress.h);
	                             NULL: nothing */
	/* streaming: called with each piece of the reply as it arrives,
	 * redacted (rl_prov_key.h): a piece that may begin the key waits for
	 * the next; a reply not streamed comes whole when the call ends */
	void (*on_text)(struct rl_call *c, const char *p, size_t n);
	/* the same for the model's reasoning, as it arrives */
	void (*on_reasoning)(struct rl_call *c, const char *p, size_t n);
	/* results, once rl_provider_done returned the call */
	struct rl_buf text;       /* the reply, redacted; the caller frees it
	                             (rl_call_clear); a <think> block the
	                             model wrote inline in its reply stays */
	struct rl_buf reasoning;  /* the reasoning the service sent apart
	                             (reasoning_content, reasoning, thinking
	                             blocks), kept out of text; redacted */
	struct rl_usage usage;
	struct rl_error err;      /* err.code is NULL on success */
	int attempts;             /* requests made, retries included */
	long long ms;             /* from submit to done */
	long long wait_ms;        /* of that, waiting for retries and limits */
	int streamed;             /* on_text was given the reply (in pieces
	                             or whole); else it is only in text */
	int rounds;               /* repair rounds rl_prov_pool made
	                             (rl_prov_pool.h) */
	/* private to rl_provider.c and the provider */
	size_t shown;             /* bytes of text on_text was given */
	size_t shown_r;           /* bytes of reasoning on_reasoning was given */
	long long t0, deadline, wake, sent, est;
	int retries, queued;
	int waiting;              /* a wait of it was said (rl_progress) */
	int level;                /* the structured output it asks for now */
	struct rl_call *next;
	void *impl;
};

/*
 * Open the provider name (NULL: provider.name from cfg) with model (NULL:
 * from the settings).  name is a preset, a key of the providers section,
 * an http(s) base URL, cmd:PROGRAM ARGS or script:CASSETTE.  Checks the
 * settings and finds the key, but sends nothing.  Returns NULL with e set
 * (provider.unknown, provider.no_key, provider.key_file, provider.bad_url,
 * provider.no_model, provider.cassette, ...).
 */
struct rl_provider *rl_provider_open(const struct rl_config *cfg,
	const char *name, const char *model, struct rl_error *e);

/*
 * The seed's generate: the reply to prompt under system (may be NULL), or
 * NULL with e set.  usage may be NULL.  The caller frees the text.
 */
char *rl_provider_generate(struct rl_provider *p, const char *prompt,
	const char *system, struct rl_usage *usage, struct rl_error *e);

/*
 * validate: the settings, then a live health check (GET {base}/models
 * for HTTP services, the program for cmd, the cassette for script).
 * Adds what it learned to info (may be NULL): "models", "model_listed",
 * "ms", and "context_length" when the window is known
 * (rl_provider_window).  Returns 0 when healthy, -1 with e set.
 */
int rl_provider_validate(struct rl_provider *p, cJSON *info,
	struct rl_error *e);

/*
 * metrics: what this provider did in this process: requests (attempts),
 * calls, errors by code, retries, fallbacks (to a weaker structured
 * output), latency_ms {p50, p95, p99, max} over attempts, prompt_tokens,
 * completion_tokens, cached_tokens, reasoning_tokens.  The caller owns
 * the tree.
 */
cJSON *rl_provider_metrics(const struct rl_provider *p);

/* Describe the provider: name, kind, model, base_url, key source (the
 * variable's or file's name, never the key).  The caller owns the tree. */
cJSON *rl_provider_describe(const struct rl_provider *p);

/* The provider's name as opened ("ollama", "box", "script:FILE"), and its
 * model ("" when it has none, as a cmd: provider may not).  Both live as
 * long as p; a baton's trail records them for every call. */
const char *rl_provider_name(const struct rl_provider *p);
const char *rl_provider_model(const struct rl_provider *p);

/* Begin a call (zeroed results; prompt and system set). */
void rl_provider_submit(struct rl_provider *p, struct rl_call *c);

/* Calls submitted and not yet returned by rl_provider_done. */
int rl_provider_busy(const struct rl_provider *p);

/* Calls sending or waiting, not yet finished. */
int rl_provider_pending(const struct rl_provider *p);

/* Make progress for up to timeout_ms: send, receive, retry. */
void rl_provider_run(struct rl_provider *p, long long timeout_ms);

/*
 * From now on, rl_provider_run also returns as soon as fd is readable
 * (-1: never), so a stage can wait on its input and its requests at once.
 */
void rl_provider_wake_on(struct rl_provider *p, int fd);

/* The next finished call, or NULL. */
struct rl_call *rl_provider_done(struct rl_provider *p);

/* Free a call's results (text and reasoning; not the call itself). */
void rl_call_clear(struct rl_call *c);

/* Replace the clock (tests). */
void rl_provider_set_clock(struct rl_provider *p, const struct rl_clock *clk);

/* How many times a call waited for the machine-wide rate limit, for
 * rl_prov_pool's -j auto. */
unsigned long rl_provider_limited(const struct rl_provider *p);

/* Close the provider and forget its key. */
void rl_provider_close(struct rl_provider *p);

/*
 * Take the settings agent (an agent's name: "plan") gives in the agents
 * section of cfg, agents.AGENT.temperature and agents.AGENT.thinking:
 * they win over the provider's own for every call p makes from now on.
 */
void rl_provider_agent(struct rl_provider *p, const struct rl_config *cfg,
	const char *agent);

/*
 * The context window of p's model in tokens, as the context setting
 * says or the server tells (Ollama, llama.cpp, vLLM, LM Studio), asked
 * once; 0 when unknown.  A call whose prompt and max_tokens would not
 * fit fails before it is sent (provider.context).
 */
long rl_provider_window(struct rl_provider *p);

/*
 * The presets and, when cfg is not NULL, the providers section: one
 * object per provider with each resolved setting and, in "origins",
 * where each came from.  The caller owns the array.
 */
cJSON *rl_provider_list(const struct rl_config *cfg);

/*
 * The resolved settings of provider name (NULL: provider.name) as an
 * object, with "origins", or NULL with e set (provider.unknown).
 */
cJSON *rl_provider_settings(const struct rl_config *cfg, const char *name,
	struct rl_error *e);
#endif
