/*
 * rl_prov_http.h - the HTTP transport of model providers, over libcurl.
 *
 * A process has one transport: one curl multi handle whose connection
 * cache every transfer shares, and easy handles that are reused from one
 * transfer to the next, so sequential requests to one server go over one
 * kept-alive connection and concurrent ones run side by side:
 *
 *     struct rl_prov_http_xfer x = {.url = u, .body = json, .headers = h};
 *     rl_prov_http_start(&x);
 *     while (rl_prov_http_inflight())
 *         rl_prov_http_wait(1000, -1, done, arg);   done(&x, arg) when it ends
 *
 * The connect timeout is 5 s; each transfer has its own overall timeout.
 * The response headers that steer retries (retry-after-ms, Retry-After,
 * x-should-retry) are picked out as they arrive.  A transfer with on_data
 * hands a successful (2xx) body over as it arrives (streaming); any other
 * body is collected in resp, for the service's error message.
 */
#ifndef RL_PROV_HTTP_H
#define RL_PROV_HTTP_H
#include <curl/curl.h>
#include "rl_buf.h"

#define RL_PROV_HTTP_CONNECT_TIMEOUT_MS 5000L
/* The largest response body kept, so a broken server cannot fill memory. */
#define RL_PROV_HTTP_MAX_BODY (64UL << 20)

struct rl_prov_http_xfer {
	/* set by the caller */
	const char *url;
	const char *body;            /* a POST body; NULL for GET */
	const struct curl_slist *headers;
	long timeout_ms;             /* overall; 0: none */
	/* streaming: called with each piece of a 2xx body; nonzero stops */
	int (*on_data)(struct rl_prov_http_xfer *x, const char *p, size_t n);
	void *arg;                   /* the caller's */
	/* results, valid when done is called */
	struct rl_buf resp;          /* the body (not streamed); caller frees */
	long status;                 /* HTTP status, 0 when none came */
	CURLcode code;               /* CURLE_OK or the transport error */
	char errbuf[CURL_ERROR_SIZE];
	char after[64];              /* Retry-After, as sent ("" when none) */
	long long after_ms;          /* retry-after-ms, -1 when none */
	int should_retry;            /* x-should-retry: 1, 0, or -1 */
	unsigned long long bytes_in; /* body bytes received */
	/* private */
	CURL *h;
	int aborted;                 /* the body grew past
	                                RL_PROV_HTTP_MAX_BODY */
};

typedef void (*rl_prov_http_done_fn)(struct rl_prov_http_xfer *x, void *arg);

/*
 * Start a transfer.  Returns 0, or -1 when libcurl could not even set it
 * up (x->code and errbuf say why; done will not be called).
 */
int rl_prov_http_start(struct rl_prov_http_xfer *x);

/*
 * Run transfers for up to timeout_ms (less when one ends, or when fd,
 * if it is not -1, becomes readable), calling done for each that ended.
 * Returns the number still in flight.
 */
int rl_prov_http_wait(long timeout_ms, int fd, rl_prov_http_done_fn done,
	void *arg);

/* Transfers in flight. */
int rl_prov_http_inflight(void);

/* Stop a transfer that has not ended (done is not called for it). */
void rl_prov_http_cancel(struct rl_prov_http_xfer *x);

/*
 * The error code of a transport failure ("provider.connect",
 * "provider.dns", "provider.timeout", "provider.reset",
 * "provider.empty_reply", "provider.tls", "provider.bad_url",
 * "provider.transport") and whether a retry may help.
 */
const char *rl_prov_http_error_code(CURLcode code, int *retry);

/* Free every handle (at exit; transfers in flight are dropped). */
void rl_prov_http_cleanup(void);
#endif
