/* test_progress - the events a stage writes under redline run, and what
 * they say to a person. */
#include "rl_progress.h"
#include "unit.h"

static void
parse(void)
{
	struct rl_progress p;
	const char *ev = "\036{\"id\":\"rl-1\",\"wait\":\"the provider\","
	    "\"attempt\":3,\"of\":5,\"ms\":4000}";
	const char *over = "\036{\"id\":\"rl-1\"}";
	struct rl_buf b = {0};

	CHECK(rl_progress_parse(ev, strlen(ev), &p) == 1, "an event line is one");
	CHECK(strcmp(p.id, "rl-1") == 0 && strcmp(p.what, "the provider") == 0 &&
	    p.attempt == 3 && p.of == 5 && p.ms == 4000, "its members read");
	rl_progress_text(&p, p.ms, &b);
	CHECK_STR(b.data, "waiting for the provider (attempt 3 of 5, next in 4 s)",
	    "said as the status line says it");
	rl_buf_reset(&b);
	rl_progress_text(&p, 3001, &b);
	CHECK_STR(b.data, "waiting for the provider (attempt 3 of 5, next in 4 s)",
	    "a count down in whole seconds rounds up");
	rl_buf_reset(&b);
	p.attempt = p.of = 0;
	snprintf(p.what, sizeof p.what, "the rate limit");
	rl_progress_text(&p, 400, &b);
	CHECK_STR(b.data, "waiting for the rate limit (next in 0.4 s)",
	    "a wait that is no retry, under a second");
	CHECK(rl_progress_parse(over, strlen(over), &p) == 1 && !*p.what,
	    "the end of a wait: nothing waited for");
	CHECK(rl_progress_parse("rl-reason: x: provider.connect: y", 33, &p) == 0,
	    "a diagnostic is no event");
	CHECK(rl_progress_parse("\036not json", 9, &p) == 0,
	    "a separator before something else is no event");
	rl_buf_free(&b);
}

int
main(void)
{
	parse();
	return unit_done();
}
