/*
 * rl_prov_retry.c - the retry policy of model requests; see rl_prov_retry.h.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rl_prov_retry.h"

int
rl_prov_retry_status(long status)
{
	return status == 408 || status == 409 || status == 429 || status >= 500;
}

long long
rl_prov_retry_backoff_ms(int n, double u)
{
	double s = 0.5 * pow(2, n > 30 ? 30 : n);

	if (s > 8)
		s = 8;
	if (u < 0)
		u = 0;
	if (u >= 1)
		u = 0.999999;
	return (long long)(s * (1 - 0.25 * u) * 1000);
}

enum rl_prov_retry_verdict
rl_prov_retry_decide(const struct rl_attempt *a, int n, int max_retries,
	long long now_ms, long long deadline_ms, double u, long long *wait_ms)
{
	int retry;

	*wait_ms = 0;
	if (a->stream_used || n >= max_retries)
		return RL_PROV_RETRY_NO;
	if (a->transport)
		retry = a->transport_retry;
	else
		retry = rl_prov_retry_status(a->status);
	if (a->should_retry >= 0)
		retry = a->should_retry;
	if (!retry)
		return RL_PROV_RETRY_NO;
	if (a->after_ms >= 0) {
		*wait_ms = a->after_ms;
		if (a->after_ms > RL_PROV_RETRY_MAX_AFTER_MS)
			return RL_PROV_RETRY_TOO_LONG;
	} else {
		*wait_ms = rl_prov_retry_backoff_ms(n, u);
	}
	if (deadline_ms > 0 && now_ms + *wait_ms >= deadline_ms)
		return RL_PROV_RETRY_DEADLINE;
	return RL_PROV_RETRY_WAIT;
}

long long
rl_prov_retry_after_parse(const char *v, long long now_ms)
{
	struct tm tm;
	const char *end;
	char *e;
	double s;
	long long at;

	while (*v == ' ' || *v == '\t')
		v++;
	if (isdigit((unsigned char)*v)) {
		s = strtod(v, &e);
		while (*e == ' ' || *e == '\t')
			e++;
		if (*e || !isfinite(s) || s < 0)
			return -1;
		return s > 1e9 ? (long long)1e12 : (long long)(s * 1000);
	}
	memset(&tm, 0, sizeof tm);
	end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end || *end)
		return -1;
	at = (long long)timegm(&tm) * 1000;
	return at > now_ms ? at - now_ms : 0;
}
