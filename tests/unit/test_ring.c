/* test_ring.c - the ring's routing and resume decisions (lib/rl_ring.c)
 * and the line splitter they read with (lib/rl_lines.c). */
#include <stdlib.h>

#include "rl_json.h"
#include "rl_lines.h"
#include "rl_ring.h"
#include "unit.h"

static enum rl_ring_stage
next_of(const struct rl_config *cfg, const char *json, char **after)
{
	cJSON *b = cJSON_Parse(json);
	enum rl_ring_stage s = rl_ring_next(cfg, b, 1000000);

	*after = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	return s;
}

static void
routing(void)
{
	struct rl_config cfg = {0};
	char *after;

	cfg.tree = cJSON_Parse("{\"agent\":{\"tokens\":100,\"max_iter\":3}}");
	CHECK(next_of(&cfg, "{\"id\":\"a\",\"next\":\"plan\",\"iter\":1}", &after)
	    == RL_RING_PLAN, "next plan goes to plan");
	free(after);
	CHECK(next_of(&cfg, "{\"id\":\"a\",\"next\":\"done\"}", &after) ==
	    RL_RING_DONE, "next done goes out");
	free(after);
	CHECK(next_of(&cfg, "{\"id\":\"a\",\"next\":\"plan\",\"error\":{\"code\":"
	    "\"x.y\"}}", &after) == RL_RING_DONE, "a baton with an error goes out");
	CHECK(strstr(after, "\"next\":\"plan\"") != NULL,
	    "and passes untouched");
	free(after);
	CHECK(next_of(&cfg, "{\"id\":\"a\",\"next\":\"lunch\"}", &after) ==
	    RL_RING_DONE, "an unknown stage goes out");
	CHECK(strstr(after, "input.unknown_stage") != NULL,
	    "with an input.unknown_stage error");
	free(after);
	CHECK(next_of(&cfg, "{\"id\":\"a\"}", &after) == RL_RING_DONE,
	    "no next goes out");
	CHECK(strstr(after, "input.unknown_stage") != NULL,
	    "with an input.unknown_stage error too");
	free(after);
	CHECK(next_of(&cfg, "{\"id\":\"a\",\"next\":\"act\",\"iter\":1,\"usage\":"
	    "{\"prompt_tokens\":90,\"completion_tokens\":20}}", &after) ==
	    RL_RING_COMPLETE, "a spent token budget goes to complete");
	CHECK(strstr(after, "\"status\":\"BUDGET\"") != NULL,
	    "with status BUDGET");
	free(after);
	CHECK(next_of(&cfg, "{\"id\":\"a\",\"next\":\"reason\",\"iter\":4}",
	    &after) == RL_RING_COMPLETE, "past agent.max_iter goes to complete");
	free(after);
	CHECK(next_of(&cfg, "{\"id\":\"a\",\"next\":\"complete\",\"iter\":9,"
	    "\"usage\":{\"prompt_tokens\":900}}", &after) == RL_RING_COMPLETE,
	    "complete is complete, spent or not");
	CHECK(strstr(after, "BUDGET") == NULL, "and is not marked BUDGET");
	free(after);
	cJSON_Delete(cfg.tree);
}

static void
resuming(void)
{
	/* ring: a ready, b leased (stale: a newer b is ready), c leased,
	 * one without an id leased, d delayed */
	const char *ring[] = {"b", "d", "b", "c", NULL, "a"};
	const int leased[] = {0, 0, 1, 1, 1, 0};
	/* todo leased: c (in the ring already), e (not), e again */
	const char *todo[] = {"c", "e", "e", NULL};
	enum rl_ring_fate rf[6], tf[4];
	long tasks = rl_ring_resume_fates(ring, leased, 6, todo, 4, rf, tf);

	CHECK(rf[0] == RL_RING_KEEP, "a ready newer state is kept");
	CHECK(rf[2] == RL_RING_ACK, "its leased older state is acked");
	CHECK(rf[3] == RL_RING_ROUTE, "a leased state alone is routed again");
	CHECK(rf[4] == RL_RING_KEEP, "a leased message without an id is left");
	CHECK(rf[1] == RL_RING_KEEP && rf[5] == RL_RING_KEEP,
	    "ready and delayed messages wait their turn");
	CHECK(tf[0] == RL_RING_ACK, "a todo task already in the ring is acked");
	CHECK(tf[1] == RL_RING_PUSH, "a todo task not in the ring is pushed");
	CHECK(tf[2] == RL_RING_ACK, "once");
	CHECK(tf[3] == RL_RING_ACK, "a todo message without an id is acked");
	CHECK(tasks == 5, "tasks in the ring: a b c d e");
	CHECK(rl_ring_resume_fates(NULL, NULL, 0, NULL, 0, NULL, NULL) == 0,
	    "an empty journal: no task");
}

static void
lines(void)
{
	struct rl_lines L = {0};
	const char *p;
	size_t n;
	int i;

	rl_lines_add(&L, "one\ntw", 6);
	CHECK(rl_lines_next(&L, &p, &n) && n == 3 && !memcmp(p, "one", 3),
	    "a whole line");
	CHECK(!rl_lines_next(&L, &p, &n), "not a half one");
	p = rl_lines_pending(&L, &n);
	CHECK(n == 2 && !memcmp(p, "tw", 2), "the half one is pending");
	rl_lines_add(&L, "o\n\nthree", 8);
	CHECK(rl_lines_next(&L, &p, &n) && n == 3 && !memcmp(p, "two", 3),
	    "completed by the next bytes");
	CHECK(rl_lines_next(&L, &p, &n) && n == 0, "an empty line");
	CHECK(!rl_lines_next(&L, &p, &n), "three has no newline");
	CHECK(rl_lines_rest(&L, &p, &n) && n == 5 && !memcmp(p, "three", 5),
	    "the last line at the end of input");
	CHECK(!rl_lines_rest(&L, &p, &n), "then nothing");
	for (i = 0; i < 10000; i++)
		rl_lines_add(&L, "abcdefgh\n", 9);
	for (i = 0; rl_lines_next(&L, &p, &n); i++)
		if (n != 8 || memcmp(p, "abcdefgh", 8))
			break;
	CHECK(i == 10000, "10,000 lines through a buffer that moves");
	rl_lines_free(&L);
}

int
main(void)
{
	routing();
	resuming();
	lines();
	return unit_done();
}
