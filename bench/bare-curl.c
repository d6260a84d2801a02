/*
 * bare-curl - the baseline of bench/provider: the fastest a C program can
 * POST chat requests with libcurl alone.
 *
 * usage: bare-curl URL N JOBS
 *   JOBS 1: one reused easy handle, N requests one after the other
 *   JOBS n: one multi handle keeping n requests in flight until N are done
 * Prints requests per second.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

static const char body[] =
    "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";

static size_t
sink(char *p, size_t s, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return s * n;
}

static CURL *
handle(const char *url, struct curl_slist *h)
{
	CURL *c = curl_easy_init();

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	return c;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct curl_slist *h = NULL;
	long n, jobs, started = 0, done = 0, i;
	double t0;
	CURLM *m;
	CURLMsg *msg;
	CURL *c;
	int still, left;

	if (argc != 4)
		return 2;
	n = atol(argv[2]);
	jobs = atol(argv[3]);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	t0 = now();
	if (jobs <= 1) {
		c = handle(argv[1], h);
		for (i = 0; i < n; i++)
			if (curl_easy_perform(c) != CURLE_OK)
				return 1;
		curl_easy_cleanup(c);
	} else {
		m = curl_multi_init();
		for (; started < jobs && started < n; started++)
			curl_multi_add_handle(m, handle(argv[1], h));
		while (done < n) {
			curl_multi_perform(m, &still);
			while ((msg = curl_multi_info_read(m, &left))) {
				if (msg->msg != CURLMSG_DONE)
					continue;
				c = msg->easy_handle;
				curl_multi_remove_handle(m, c);
				done++;
				if (started < n) {
					curl_multi_add_handle(m, c);   /* reuse it */
					started++;
				} else {
					curl_easy_cleanup(c);
				}
			}
			if (done < n)
				curl_multi_poll(m, NULL, 0, 1000, NULL);
		}
		curl_multi_cleanup(m);
	}
	printf("%.0f\n", (double)n / (now() - t0));
	curl_slist_free_all(h);
	return 0;
}
