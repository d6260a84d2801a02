/* test_prov_retry.c - the retry policy (lib/rl_prov_retry.c) and server-sent events
 * (lib/rl_prov_sse.c), both pure enough to check exactly. */
#include <stdlib.h>

#include "rl_prov_retry.h"
#include "rl_prov_sse.h"
#include "unit.h"

static struct rl_attempt
http(long status)
{
	struct rl_attempt a = RL_ATTEMPT_INIT;

	a.status = status;
	return a;
}

static char events[1024];

static int
collect(const char *event, const char *data, size_t n, void *arg)
{
	size_t len = strlen(events);

	(void)arg;
	snprintf(events + len, sizeof events - len, "[%s|%.*s]", event, (int)n, data);
	return 0;
}

static void
feed_bytewise(const char *s)
{
	struct rl_prov_sse p = {.fn = collect};

	events[0] = 0;
	for (; *s; s++)
		rl_prov_sse_feed(&p, s, 1);
	rl_prov_sse_free(&p);
}

int
main(void)
{
	struct rl_attempt a;
	long long w;
	struct rl_prov_sse p = {.fn = collect};

	/* backoff: min(0.5 * 2^n, 8) * (1 - 0.25 U) */
	CHECK(rl_prov_retry_backoff_ms(0, 0) == 500, "first backoff is 0.5 s");
	CHECK(rl_prov_retry_backoff_ms(1, 0) == 1000, "then 1 s");
	CHECK(rl_prov_retry_backoff_ms(2, 0) == 2000, "then 2 s");
	CHECK(rl_prov_retry_backoff_ms(4, 0) == 8000, "capped at 8 s");
	CHECK(rl_prov_retry_backoff_ms(9, 0) == 8000, "still 8 s");
	CHECK(rl_prov_retry_backoff_ms(0, 0.5) == 437, "jitter takes up to a quarter off");
	CHECK(rl_prov_retry_backoff_ms(3, 0.999999) >= 3000 &&
	    rl_prov_retry_backoff_ms(3, 0.999999) <= 3001, "never less than three quarters");

	/* what is retried */
	CHECK(rl_prov_retry_status(408) && rl_prov_retry_status(409) && rl_prov_retry_status(429) &&
	    rl_prov_retry_status(500) && rl_prov_retry_status(503), "408 409 429 5xx retried");
	CHECK(!rl_prov_retry_status(400) && !rl_prov_retry_status(401) && !rl_prov_retry_status(404),
	    "other 4xx final");
	a = http(503);
	CHECK(rl_prov_retry_decide(&a, 0, 2, 0, 0, 0, &w) == RL_PROV_RETRY_WAIT && w == 500,
	    "503 waits the backoff");
	CHECK(rl_prov_retry_decide(&a, 1, 2, 0, 0, 0, &w) == RL_PROV_RETRY_WAIT && w == 1000,
	    "second retry doubles");
	CHECK(rl_prov_retry_decide(&a, 2, 2, 0, 0, 0, &w) == RL_PROV_RETRY_NO,
	    "1 + max_retries attempts, no more");
	a = http(401);
	CHECK(rl_prov_retry_decide(&a, 0, 2, 0, 0, 0, &w) == RL_PROV_RETRY_NO, "401 is final");
	a.should_retry = 1;
	CHECK(rl_prov_retry_decide(&a, 0, 2, 0, 0, 0, &w) == RL_PROV_RETRY_WAIT,
	    "x-should-retry: true overrides a 4xx");
	a = http(500);
	a.should_retry = 0;
	CHECK(rl_prov_retry_decide(&a, 0, 2, 0, 0, 0, &w) == RL_PROV_RETRY_NO,
	    "x-should-retry: false overrides a 5xx");
	a = http(429);
	a.after_ms = 2500;
	CHECK(rl_prov_retry_decide(&a, 0, 2, 0, 0, 0, &w) == RL_PROV_RETRY_WAIT && w == 2500,
	    "the server's wait is honoured");
	a.after_ms = 120000;
	CHECK(rl_prov_retry_decide(&a, 0, 2, 0, 0, 0, &w) == RL_PROV_RETRY_WAIT, "120 s is honoured");
	a.after_ms = 120001;
	CHECK(rl_prov_retry_decide(&a, 0, 2, 0, 0, 0, &w) == RL_PROV_RETRY_TOO_LONG,
	    "more than 120 s fails now");
	a = http(503);
	CHECK(rl_prov_retry_decide(&a, 0, 2, 1000, 1400, 0, &w) == RL_PROV_RETRY_DEADLINE,
	    "a wait past the deadline is refused");
	CHECK(rl_prov_retry_decide(&a, 0, 2, 1000, 2000, 0, &w) == RL_PROV_RETRY_WAIT,
	    "a wait within the deadline is made");
	a = (struct rl_attempt)RL_ATTEMPT_INIT;
	a.transport = 1;
	a.transport_retry = 1;
	CHECK(rl_prov_retry_decide(&a, 0, 2, 0, 0, 0, &w) == RL_PROV_RETRY_WAIT,
	    "transport errors are retried");
	a.stream_used = 1;
	CHECK(rl_prov_retry_decide(&a, 0, 2, 0, 0, 0, &w) == RL_PROV_RETRY_NO,
	    "never a stream whose bytes were used");
	a = (struct rl_attempt)RL_ATTEMPT_INIT;
	a.transport = 1;
	CHECK(rl_prov_retry_decide(&a, 0, 2, 0, 0, 0, &w) == RL_PROV_RETRY_NO,
	    "a TLS error is final");

	/* Retry-After */
	CHECK(rl_prov_retry_after_parse("3", 0) == 3000, "delay-seconds");
	CHECK(rl_prov_retry_after_parse(" 1.5 ", 0) == 1500, "fractional seconds");
	CHECK(rl_prov_retry_after_parse("Thu, 01 Jan 1970 00:00:10 GMT", 4000) == 6000,
	    "an HTTP date, relative to now");
	CHECK(rl_prov_retry_after_parse("Thu, 01 Jan 1970 00:00:01 GMT", 4000) == 0,
	    "a date in the past is no wait");
	CHECK(rl_prov_retry_after_parse("soon", 0) == -1, "garbage is ignored");
	CHECK(rl_prov_retry_after_parse("-1", 0) == -1, "negative is ignored");

	/* server-sent events, split anywhere */
	feed_bytewise("data: a\n\ndata: b\r\ndata: c\r\n\r\n: comment\nevent: x\ndata:d\n\n");
	CHECK_STR(events, "[message|a][message|b\nc][x|d]",
	    "events byte by byte: LF, CRLF, comments, event names, joined data");
	feed_bytewise("data: one\r\rdata: two\r\r");
	CHECK_STR(events, "[message|one][message|two]", "CR alone ends lines");
	events[0] = 0;
	rl_prov_sse_feed(&p, "data: {\"x\":", 11);
	CHECK(rl_prov_sse_pending(&p), "an unfinished event is pending");
	rl_prov_sse_feed(&p, "1}\n\n", 4);
	CHECK_STR(events, "[message|{\"x\":1}]", "a JSON event split across reads");
	CHECK(!rl_prov_sse_pending(&p), "nothing pending after the blank line");
	rl_prov_sse_feed(&p, "event: ping\n\n", 13);
	CHECK_STR(events, "[message|{\"x\":1}]", "an event without data is not delivered");
	rl_prov_sse_free(&p);
	return unit_done();
}
