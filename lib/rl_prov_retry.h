/*
 * rl_prov_retry.h - when to try a failed model request again, and how long to
 * wait first.  The policy is the one in DESIGN.md, and it is the same for
 * every provider:
 *
 *   attempts   1 + max_retries (default 2)
 *   retry on   transport errors (connect, resolve, timeout, send, recv,
 *              an empty reply) and HTTP 408, 409, 429 and >= 500; any
 *              other 4xx is final
 *   override   a response header x-should-retry: true|false wins
 *   wait       retry-after-ms, else Retry-After (seconds or an HTTP date)
 *              when it is 0..120 s; a longer one fails the request now;
 *              without either, min(0.5 * 2^n, 8) * (1 - 0.25 * U) s for
 *              retry n = 0, 1, ... and U uniform in [0, 1)
 *   deadline   no wait may end after the request's overall deadline
 *   streams    a stream whose first byte was used is never retried
 *
 * The functions are pure: time and randomness come in as arguments, so a
 * test can check the schedule exactly.
 */
#ifndef RL_PROV_RETRY_H
#define RL_PROV_RETRY_H

/* The longest server-requested wait that is honoured, in ms. */
#define RL_PROV_RETRY_MAX_AFTER_MS 120000LL

/* What one attempt ended with, as far as the policy cares. */
struct rl_attempt {
	int transport;           /* 1: no HTTP reply (connect, timeout, ...) */
	int transport_retry;     /* for transport errors: may a retry help */
	long status;             /* HTTP status, 0 when none */
	long long after_ms;      /* server-requested wait, -1 when none */
	int should_retry;        /* x-should-retry: 1, 0, or -1 when absent */
	int stream_used;         /* streamed bytes were already delivered */
	int again;               /* try again at once with a weaker request
	                            (a fallback of the kind's): not a retry,
	                            so neither counted nor waited for */
};

/* An attempt before anything is known of how it ended: no transport
 * error, no status, no server-requested wait, no x-should-retry. */
#define RL_ATTEMPT_INIT {.after_ms = -1, .should_retry = -1}

enum rl_prov_retry_verdict {
	RL_PROV_RETRY_NO,             /* final: the error stands */
	RL_PROV_RETRY_WAIT,           /* try again after *wait_ms */
	RL_PROV_RETRY_TOO_LONG,       /* the server asks for more than 120 s */
	RL_PROV_RETRY_DEADLINE        /* a retry would end after the deadline */
};

/* 1 when an HTTP status is worth retrying (408, 409, 429, >= 500). */
int rl_prov_retry_status(long status);

/*
 * The verdict for an attempt that failed, when n retries were made
 * already (n = 0 after the first attempt) out of max_retries.  now_ms and
 * deadline_ms (0: none) are on one clock; u is in [0, 1).  Sets *wait_ms
 * for RL_PROV_RETRY_WAIT (and for RL_PROV_RETRY_TOO_LONG and
 * RL_PROV_RETRY_DEADLINE: the wait that was refused).
 */
enum rl_prov_retry_verdict rl_prov_retry_decide(const struct rl_attempt *a,
	int n, int max_retries, long long now_ms, long long deadline_ms,
	double u, long long *wait_ms);

/* The backoff for retry n without a server-requested wait, in ms. */
long long rl_prov_retry_backoff_ms(int n, double u);

/*
 * Parse a Retry-After value: delay-seconds ("120", "1.5") or an HTTP date
 * ("Wed, 21 Oct 2026 07:28:00 GMT"), relative to now_ms (Unix epoch ms).
 * Returns the wait in ms (0 for a date in the past), or -1 when the value
 * is neither.
 */
long long rl_prov_retry_after_parse(const char *v, long long now_ms);
#endif
