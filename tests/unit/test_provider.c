/* test_provider.c - the call engine (lib/rl_provider.c) on an injected
 * clock: the retry schedule, the server's waits, the deadline, latencies
 * and the machine-wide rate limit (lib/rl_prov_ratelimit.c). */
#include <stdlib.h>

#include "rl_buf.h"
#include "rl_fs.h"
#include "rl_prov_ratelimit.h"
#include "rl_provider.h"
#include "unit.h"

static long long now = 1000000;
static char waits[512];

static long long fake_now(void *arg) { (void)arg; return now; }
static double fake_rand(void *arg) { (void)arg; return 0.5; }

static void
fake_sleep(void *arg, long long ms)
{
	size_t n = strlen(waits);

	(void)arg;
	snprintf(waits + n, sizeof waits - n, "%lld,", ms);
	now += ms;
}

static const struct rl_clock fake = {fake_now, fake_sleep, fake_rand, NULL};

static struct rl_provider *
open_with(struct rl_config *cfg, const char *dir, const char *cassette,
	const char *lines, double deadline)
{
	char path[300];
	cJSON *p;
	struct rl_provider *prov;
	struct rl_error e;

	snprintf(path, sizeof path, "%s/%s", dir, cassette);
	rl_fs_replace(path, lines, strlen(lines), 0600);
	cJSON_Delete(cfg->tree);
	cfg->tree = cJSON_CreateObject();
	cJSON_AddStringToObject(cfg->tree, "state_dir", dir);
	p = cJSON_AddObjectToObject(cfg->tree, "provider");
	snprintf(path, sizeof path, "script:%s/%s", dir, cassette);
	cJSON_AddStringToObject(p, "name", path);
	cJSON_AddNumberToObject(p, "deadline", deadline);
	cJSON_AddNumberToObject(p, "max_retries", 2);
	prov = rl_provider_open(cfg, NULL, NULL, &e);
	if (prov)
		rl_provider_set_clock(prov, &fake);
	else
		printf("# %s: %s\n", e.code, e.message);
	return prov;
}

int
main(void)
{
	char dir[] = "/tmp/rl-test-provider.XXXXXX";
	struct rl_config cfg = {0};
	struct rl_provider *p;
	struct rl_prov_ratelimit rl;
	struct rl_usage u;
	struct rl_error e = {0};
	cJSON *m;
	char *text;

	CHECK(mkdtemp(dir) != NULL, "scratch directory");
	unsetenv("RL_RECORD");

	/* 503, 503, then a reply: backoff 0.5 s and 1 s, less U/4 (U = 0.5) */
	p = open_with(&cfg, dir, "a", "{\"error\":{\"status\":503},\"times\":2}\n"
	    "{\"reply\":\"done\",\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2}}\n", 600);
	CHECK(p != NULL, "a cassette provider opens");
	waits[0] = 0;
	text = rl_provider_generate(p, "hello", NULL, &u, &e);
	CHECK_STR(text, "done", "the reply after two retries");
	CHECK_STR(waits, "437,875,", "waits are min(0.5 * 2^n, 8) * (1 - 0.25 U) s");
	CHECK(u.prompt_tokens == 7 && u.completion_tokens == 2 && !u.estimated,
	    "usage from the reply");
	free(text);
	m = rl_provider_metrics(p);
	CHECK(cJSON_GetObjectItem(m, "requests")->valuedouble == 3 &&
	    cJSON_GetObjectItem(m, "retries")->valuedouble == 2 &&
	    cJSON_GetObjectItem(cJSON_GetObjectItem(m, "errors"),
	    "provider.http_503")->valuedouble == 2, "metrics count attempts, retries, errors");
	cJSON_Delete(m);
	rl_provider_close(p);

	/* the server's Retry-After wins over the backoff */
	p = open_with(&cfg, dir, "b", "{\"error\":{\"status\":429,\"retry_after\":\"7\"}}\n"
	    "{\"error\":{\"status\":503,\"retry_after_ms\":20}}\n{\"reply\":\"ok\"}\n", 600);
	waits[0] = 0;
	text = rl_provider_generate(p, "hello", NULL, &u, &e);
	CHECK_STR(text, "ok", "the reply after honoured waits");
	CHECK_STR(waits, "7000,20,", "Retry-After in seconds, then retry-after-ms");
	CHECK(u.estimated && u.prompt_tokens == 2, "usage estimated when the reply has none");
	free(text);
	rl_provider_close(p);

	/* more than 120 s asked: fail at once */
	p = open_with(&cfg, dir, "c", "{\"error\":{\"status\":429,\"retry_after\":300}}\n", 600);
	waits[0] = 0;
	text = rl_provider_generate(p, "hello", NULL, &u, &e);
	CHECK(!text && e.code && !strcmp(e.code, "provider.http_429") &&
	    strstr(e.message, "more than 120 s"), "a wait over 120 s fails the call");
	CHECK_STR(waits, "", "and nothing was waited");
	rl_provider_close(p);

	/* the deadline stops retries */
	p = open_with(&cfg, dir, "d", "{\"error\":{\"status\":502},\"times\":0}\n", 1);
	waits[0] = 0;
	text = rl_provider_generate(p, "hello", NULL, &u, &e);
	CHECK(!text && !strcmp(e.code, "provider.http_502") &&
	    strstr(e.message, "deadline") && strstr(e.message, "2 attempts"),
	    "a retry past the deadline is not made");
	CHECK_STR(waits, "437,", "only the wait that fits");
	rl_provider_close(p);

	/* latency is waited on the clock; a final 4xx is not retried */
	p = open_with(&cfg, dir, "e", "{\"match\":{\"prompt\":\"slow\"},\"reply\":\"s\",\"latency_ms\":250}\n"
	    "{\"error\":{\"status\":400,\"message\":\"bad request\"}}\n", 600);
	waits[0] = 0;
	text = rl_provider_generate(p, "a slow one", NULL, &u, &e);
	CHECK(text && !strcmp(waits, "250,"), "an entry's latency is waited");
	free(text);
	text = rl_provider_generate(p, "other", NULL, &u, &e);
	CHECK(!text && !strcmp(e.code, "provider.http_400") &&
	    !strcmp(e.message, "bad request"), "400 is final, with the service's message");
	text = rl_provider_generate(p, "", NULL, &u, &e);
	CHECK(!text && !strcmp(e.code, "provider.empty_prompt"), "an empty prompt is an error");
	text = rl_provider_generate(p, "no entry left", NULL, &u, &e);
	CHECK(!text && !strcmp(e.code, "provider.cassette"), "a spent cassette says so");
	rl_provider_close(p);

	/* the token buckets: one second's worth, refilled continuously */
	rl_prov_ratelimit_init(&rl, dir, "test", 60, 600);
	CHECK(rl_prov_ratelimit_take(&rl, 5, 0) == 0, "a full bucket gives a request");
	CHECK(rl_prov_ratelimit_take(&rl, 1, 0) == 1000, "60 rpm: the next waits 1 s");
	CHECK(rl_prov_ratelimit_take(&rl, 1, 1000) == 0,
	    "and is given after it");
	CHECK(rl_prov_ratelimit_take(&rl, 1, 500) == 1000,
	    "a process whose clock was read before the lock gains nothing");
	CHECK(rl_prov_ratelimit_take(&rl, 1, 1000) == 1000,
	    "and does not move the bucket's time back for the next one");
	rl_prov_ratelimit_free(&rl);
	rl_prov_ratelimit_init(&rl, dir, "tokens", 6000, 600);
	CHECK(rl_prov_ratelimit_take(&rl, 8, 0) == 0, "600 tpm: a bucket of 10 tokens gives 8");
	CHECK(rl_prov_ratelimit_take(&rl, 10, 0) == 800,
	    "10 more wait for 8 tokens at 10 a second");
	rl_prov_ratelimit_settle(&rl, 30, 0);
	CHECK(rl_prov_ratelimit_take(&rl, 1, 800) == 2100,
	    "a reply's real cost puts the bucket in debt");
	rl_prov_ratelimit_free(&rl);

	cJSON_Delete(cfg.tree);
	snprintf(waits, sizeof waits, "rm -rf %s", dir);
	CHECK(system(waits) == 0, "clean up");
	return unit_done();
}
