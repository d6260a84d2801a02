/*
 * rl_prov_sse.c - server-sent events, parsed as bytes arrive; see
 * rl_prov_sse.h.
 */
#include <string.h>

#include "rl_prov_sse.h"

static int
dispatch(struct rl_prov_sse *s)
{
	int rc = 0;

	if (s->data.len) {
		/* the last data line's newline is not part of the data */
		s->data.data[--s->data.len] = 0;
		s->events++;
		rc = s->fn(s->event.len ? s->event.data : "message",
		    s->data.len ? s->data.data : "", s->data.len, s->arg);
	}
	rl_buf_reset(&s->data);
	rl_buf_reset(&s->event);
	return rc;
}

static int
line(struct rl_prov_sse *s)
{
	const char *l = s->line.len ? s->line.data : "";
	size_t n = s->line.len, f;
	const char *v;

	if (n == 0)
		return dispatch(s);
	if (l[0] == ':')
		return 0;
	v = memchr(l, ':', n);
	f = v ? (size_t)(v - l) : n;
	if (v) {
		v++;
		if (v < l + n && *v == ' ')
			v++;
	} else {
		v = l + n;
	}
	if (f == 4 && memcmp(l, "data", 4) == 0) {
		rl_buf_add(&s->data, v, (size_t)(l + n - v));
		rl_buf_addc(&s->data, '\n');
	} else if (f == 5 && memcmp(l, "event", 5) == 0) {
		rl_buf_reset(&s->event);
		rl_buf_add(&s->event, v, (size_t)(l + n - v));
	}
	return 0;
}

int
rl_prov_sse_feed(struct rl_prov_sse *s, const char *p, size_t n)
{
	size_t i, start = 0;
	int rc;

	if (s->stopped)
		return s->stopped;
	for (i = 0; i < n; i++) {
		if (p[i] != '\n' && p[i] != '\r')
			continue;
		if (p[i] == '\n' && s->cr && i == start && s->line.len == 0) {
			/* the LF of a CRLF split across calls or lines */
			s->cr = 0;
			start = i + 1;
			continue;
		}
		rl_buf_add(&s->line, p + start, i - start);
		s->cr = p[i] == '\r';
		if (s->cr && i + 1 < n && p[i + 1] == '\n') {
			i++;
			s->cr = 0;
		}
		start = i + 1;
		rc = line(s);
		rl_buf_reset(&s->line);
		if (rc)
			return s->stopped = rc;
	}
	if (start < n) {
		rl_buf_add(&s->line, p + start, n - start);
		s->cr = 0;
	}
	return 0;
}

int
rl_prov_sse_pending(const struct rl_prov_sse *s)
{
	return s->line.len > 0 || s->data.len > 0;
}

void
rl_prov_sse_free(struct rl_prov_sse *s)
{
	rl_buf_free(&s->line);
	rl_buf_free(&s->data);
	rl_buf_free(&s->event);
}
