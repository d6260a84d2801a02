/*
 * rl_prov_sse.h - an incremental parser for server-sent events.
 *
 * A streaming chat reply arrives as text/event-stream: events separated
 * by a blank line, each made of "field: value" lines; the data lines of
 * one event are joined with newlines.  Bytes may arrive split anywhere,
 * even inside a CRLF, so the parser keeps the unfinished line and event
 * between calls:
 *
 *     struct rl_prov_sse s = {.fn = on_event, .arg = ctx};
 *     rl_prov_sse_feed(&s, chunk, n);      as often as bytes arrive
 *     rl_prov_sse_free(&s);
 *
 * Lines end with LF, CR or CRLF; a line starting with ':' is a comment;
 * fields other than data and event are ignored (id and retry mean nothing
 * to a one-shot request).  An event without a data line is not delivered.
 */
#ifndef RL_PROV_SSE_H
#define RL_PROV_SSE_H
#include <stddef.h>
#include "rl_buf.h"

/* Called once per event; returns 0 to go on, nonzero to stop feeding. */
typedef int (*rl_prov_sse_fn)(const char *event, const char *data, size_t n,
	void *arg);

struct rl_prov_sse {
	rl_prov_sse_fn fn;
	void *arg;
	/* private */
	struct rl_buf line;      /* the line being read */
	struct rl_buf data;      /* the event's data so far */
	struct rl_buf event;     /* the event's type so far */
	int cr;                  /* the last byte was CR: skip a following LF */
	int stopped;             /* fn asked to stop */
	unsigned long events;    /* events delivered */
};

/* Parse n more bytes.  Returns 0, or the nonzero value fn stopped with. */
int rl_prov_sse_feed(struct rl_prov_sse *s, const char *p, size_t n);

/* 1 when bytes of an unfinished event are held (the stream was cut). */
int rl_prov_sse_pending(const struct rl_prov_sse *s);

void rl_prov_sse_free(struct rl_prov_sse *s);
#endif
