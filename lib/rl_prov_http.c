/*
 * rl_prov_http.c - one curl multi handle and reused easy handles; see
 * rl_prov_http.h.
 *
 * Easy handles are kept on a free list when their transfer ends, and the
 * multi handle keeps the connections, so a later transfer to the same
 * server reuses both: no new handle, no new TCP or TLS handshake.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rl_err.h"
#include "rl_prov_http.h"

#define MAX_FREE 64

static CURLM *multi;
static CURL *spare[MAX_FREE];
static int nspare;
static int running;      /* transfers added and not yet done */

static void
init(void)
{
	if (multi)
		return;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    !(multi = curl_multi_init()))
		rl_die(RL_EXIT_TEMP, "internal.curl", "cannot start libcurl");
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 64L);
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct rl_prov_http_xfer *x = arg;
	size_t len = size * n, k, v;
	char *end;

	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* a new response (after a 100 or a redirect): start over */
		x->after[0] = 0;
		x->after_ms = -1;
		x->should_retry = -1;
		return len;
	}
	for (k = 0; k < len && p[k] != ':'; k++)
		;
	if (k == len)
		return len;
	for (v = k + 1; v < len && (p[v] == ' ' || p[v] == '\t'); v++)
		;
	while (len > v && (p[len - 1] == '\r' || p[len - 1] == '\n' ||
	    p[len - 1] == ' '))
		len--;
	if (k == 14 && strncasecmp(p, "retry-after-ms", 14) == 0) {
		char tmp[32];
		double ms;

		if (len - v < sizeof tmp) {
			memcpy(tmp, p + v, len - v);
			tmp[len - v] = 0;
			ms = strtod(tmp, &end);
			if (end != tmp && !*end && ms >= 0)
				x->after_ms = (long long)ms;
		}
	} else if (k == 11 && strncasecmp(p, "retry-after", 11) == 0) {
		if (len - v < sizeof x->after) {
			memcpy(x->after, p + v, len - v);
			x->after[len - v] = 0;
		}
	} else if (k == 14 && strncasecmp(p, "x-should-retry", 14) == 0) {
		if (len - v == 4 && strncasecmp(p + v, "true", 4) == 0)
			x->should_retry = 1;
		else if (len - v == 5 && strncasecmp(p + v, "false", 5) == 0)
			x->should_retry = 0;
	}
	return size * n;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct rl_prov_http_xfer *x = arg;
	size_t len = size * n;
	long status = 0;

	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
	x->bytes_in += len;
	if (x->on_data && status >= 200 && status < 300)
		return x->on_data(x, p, len) ? 0 : len;
	if (x->resp.len + len > RL_PROV_HTTP_MAX_BODY) {
		x->aborted = 1;
		return 0;
	}
	rl_buf_add(&x->resp, p, len);
	return len;
}

/* A new handle with the options every transfer shares; a handle keeps
 * them on the free list, so a transfer sets only its own. */
static CURL *
fresh(void)
{
	CURL *h = curl_easy_init();

	if (!h)
		return NULL;
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, RL_PROV_HTTP_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "redline/1");
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	return h;
}

int
rl_prov_http_start(struct rl_prov_http_xfer *x)
{
	CURL *h;

	init();
	x->status = 0;
	x->code = CURLE_OK;
	x->errbuf[0] = 0;
	x->after[0] = 0;
	x->after_ms = -1;
	x->should_retry = -1;
	x->bytes_in = 0;
	x->aborted = 0;
	rl_buf_reset(&x->resp);
	h = nspare ? spare[--nspare] : fresh();
	if (!h) {
		x->code = CURLE_FAILED_INIT;
		snprintf(x->errbuf, sizeof x->errbuf, "cannot make a curl handle");
		return -1;
	}
	x->h = h;
	curl_easy_setopt(h, CURLOPT_URL, x->url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->headers);
	if (x->body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, x->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(x->body));
	} else {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, x->timeout_ms);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_PRIVATE, x);
	if (curl_multi_add_handle(multi, h) != CURLM_OK) {
		x->code = CURLE_FAILED_INIT;
		snprintf(x->errbuf, sizeof x->errbuf, "cannot add a transfer");
		x->h = NULL;
		curl_easy_cleanup(h);
		return -1;
	}
	running++;
	return 0;
}

static void
release(struct rl_prov_http_xfer *x)
{
	curl_multi_remove_handle(multi, x->h);
	/* forget pointers into the caller's memory before the handle waits */
	curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(x->h, CURLOPT_POSTFIELDS, NULL);
	if (nspare < MAX_FREE)
		spare[nspare++] = x->h;
	else
		curl_easy_cleanup(x->h);
	x->h = NULL;
	running--;
}

int
rl_prov_http_wait(long timeout_ms, int fd, rl_prov_http_done_fn done, void *arg)
{
	struct curl_waitfd w = {fd, CURL_WAIT_POLLIN, 0};
	struct rl_prov_http_xfer *x;
	CURLMsg *m;
	int still, left;

	if (!multi || running == 0)
		return 0;
	curl_multi_perform(multi, &still);
	if (!(m = curl_multi_info_read(multi, &left))) {
		curl_multi_poll(multi, fd >= 0 ? &w : NULL, fd >= 0, (int)(timeout_ms < 0 ?
		    0 : timeout_ms), NULL);
		curl_multi_perform(multi, &still);
		m = curl_multi_info_read(multi, &left);
	}
	for (; m; m = curl_multi_info_read(multi, &left)) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		x->code = m->data.result;
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->status);
		if (x->aborted) {
			x->code = CURLE_FILESIZE_EXCEEDED;
			snprintf(x->errbuf, sizeof x->errbuf,
			    "the reply is larger than %lu bytes", RL_PROV_HTTP_MAX_BODY);
		}
		release(x);
		done(x, arg);
	}
	return running;
}

int
rl_prov_http_inflight(void)
{
	return running;
}

void
rl_prov_http_cancel(struct rl_prov_http_xfer *x)
{
	if (x->h)
		release(x);
}

const char *
rl_prov_http_error_code(CURLcode code, int *retry)
{
	*retry = 1;
	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return "provider.dns";
	case CURLE_COULDNT_CONNECT:
		return "provider.connect";
	case CURLE_OPERATION_TIMEDOUT:
		return "provider.timeout";
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
		return "provider.reset";
	case CURLE_GOT_NOTHING:
		return "provider.empty_reply";
	default:
		break;
	}
	*retry = 0;
	switch (code) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
		return "provider.tls";
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return "provider.bad_url";
	default:
		return "provider.transport";
	}
}

void
rl_prov_http_cleanup(void)
{
	while (nspare)
		curl_easy_cleanup(spare[--nspare]);
	if (multi) {
		curl_multi_cleanup(multi);
		multi = NULL;
		curl_global_cleanup();
	}
	running = 0;
}
