/*
 * rl_prov_call.h - one HTTP model call's plumbing, as the HTTP kinds of
 * provider (rl_prov_openai.c, rl_prov_anthropic.c) share it; private to
 * them.
 *
 * A kind keeps what is its own (the URL, the headers' key and version,
 * the body's shape, the events' meaning) and leaves the rest here: the
 * call's state, the request body it owns, the SSE parser a streamed reply
 * is fed to, the transfer and its response buffer, and starting an
 * attempt again for a retry:
 *
 *     struct my_call { struct rl_prov_call pc; ...the kind's own... };
 *
 *     start:  mc = rl_prov_call_new(p, c, sizeof *mc);
 *             mc->pc.streaming = rl_prov_streams(mode, c);
 *             mc->pc.body = the body, for mc->pc.streaming;
 *             rl_prov_call_send(&mc->pc, url, headers, on_event, done);
 *     wait:   rl_prov_http_wait(..., done, p): done(x, p) with x->arg
 *             the call's state (the kind's own struct, pc first in it)
 *     forget: rl_prov_call_forget(c);
 *
 * The header lists carry the key: rl_prov_headers_free wipes it.
 */
#ifndef RL_PROV_CALL_H
#define RL_PROV_CALL_H
#include <stddef.h>
#include "rl_json.h"
#include "rl_prov_http.h"
#include "rl_prov_sse.h"

struct rl_provider;
struct rl_call;

/* The stream setting: whether a reply is asked for as events. */
enum { RL_PROV_STREAM_AUTO, RL_PROV_STREAM_ALWAYS, RL_PROV_STREAM_NEVER };

struct rl_prov_call {
	struct rl_prov_http_xfer x;  /* x.arg is this call's state */
	struct rl_provider *p;
	struct rl_call *c;
	char *body;                  /* the request; owned */
	int streaming;               /* the reply comes as events */
	struct rl_prov_sse sse;      /* a streamed reply is fed to it */
	int end_seen;                /* the stream's last event came */
	char finish[32];             /* the finish (stop) reason streamed */
	char stream_err[256];        /* what a streamed error event said */
};

/* p's stream setting ("always", "never", else auto). */
int rl_prov_stream_mode(const struct rl_provider *p);

/* 1 when c is asked for as a stream under mode: always, or auto and c
 * shows its text as it comes. */
int rl_prov_streams(int mode, const struct rl_call *c);

/*
 * The request headers: JSON in, no Expect, then extra (NULL: none), the
 * event-stream Accept when stream, and key_name followed by key (when
 * key is not NULL), such as "x-api-key: " and the key.
 */
struct curl_slist *rl_prov_headers(const char *extra, int stream,
	const char *key_name, const char *key);

/* Wipe the headers (the key is in one) and free them. */
void rl_prov_headers_free(struct curl_slist *h);

/*
 * c's call state, size bytes that begin with a struct rl_prov_call: made
 * the first time, emptied (what it owned freed, all of it zeroed) when an
 * attempt starts again; p and c are set in it.  c->impl holds it.
 */
void *rl_prov_call_new(struct rl_provider *p, struct rl_call *c, size_t size);

/*
 * Start the attempt: POST pc->body to url with h, within the provider's
 * timeout and what is left of the call's deadline; a streamed reply goes
 * event by event to fn(event, data, n, pc).  When the transfer cannot
 * even start, done(&pc->x, pc->p) is called now.
 */
void rl_prov_call_send(struct rl_prov_call *pc, const char *url,
	const struct curl_slist *h, rl_prov_sse_fn fn, rl_prov_http_done_fn done);

/*
 * A reply not streamed, parsed: the JSON object, which the caller
 * deletes, or NULL when it is not one (the call has then ended with
 * provider.bad_reply).
 */
cJSON *rl_prov_call_json(struct rl_prov_call *pc);

/* The number o has at k, as a count; dflt when there is none. */
long rl_prov_count(const cJSON *o, const char *k, long dflt);

/* Cancel c's transfer if it is in flight and free its call state. */
void rl_prov_call_forget(struct rl_call *c);
#endif
