/* test_dur.c - durations and times (lib/rl_dur.c). */
#include "rl_dur.h"
#include "unit.h"

static double
secs(const char *s)
{
	double v = -1;

	return rl_dur_parse(s, &v) == 0 ? v : -1;
}

int
main(void)
{
	char out[32];

	CHECK(secs("90") == 90, "plain seconds");
	CHECK(secs("90s") == 90, "s");
	CHECK(secs("250ms") == 0.25, "ms");
	CHECK(secs("1.5m") == 90, "fractional minutes");
	CHECK(secs("2h") == 7200, "h");
	CHECK(secs("7d") == 604800, "d");
	CHECK(secs("0") == 0, "zero");
	CHECK(secs("") == -1, "empty refused");
	CHECK(secs("-5") == -1, "negative refused");
	CHECK(secs("5w") == -1, "unknown unit refused");
	CHECK(secs("h") == -1, "unit alone refused");
	CHECK(secs("1e999") == -1, "infinite refused");
	CHECK(rl_now_ms() > 1700000000000LL, "the clock is in ms since the epoch");
	rl_dur_format(42000, out, sizeof out);
	CHECK_STR(out, "42s", "seconds");
	rl_dur_format(7 * 60000, out, sizeof out);
	CHECK_STR(out, "7m", "minutes");
	rl_dur_format(3 * 3600000LL, out, sizeof out);
	CHECK_STR(out, "3h", "hours");
	rl_dur_format(12 * 86400000LL, out, sizeof out);
	CHECK_STR(out, "12d", "days");
	rl_dur_format(-5, out, sizeof out);
	CHECK_STR(out, "0s", "a clock that went back shows 0s");
	return unit_done();
}
