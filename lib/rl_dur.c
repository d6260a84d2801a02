/* rl_dur.c - durations and times; see rl_dur.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rl_dur.h"

int
rl_dur_parse(const char *s, double *seconds)
{
	static const struct { const char *unit; double mult; } units[] = {
		{"", 1}, {"ms", 0.001}, {"s", 1}, {"m", 60}, {"h", 3600},
		{"d", 86400},
	};
	char *end;
	double v;
	size_t i;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	v = strtod(s, &end);
	if (end == s || !isfinite(v) || v < 0)
		return -1;
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(end, units[i].unit) == 0) {
			*seconds = v * units[i].mult;
			return 0;
		}
	}
	return -1;
}

long long
rl_clock_skew_ms(void)
{
	static long long skew;
	static int read;
	const char *s;

	if (!read) {
		skew = (s = getenv("RL_CLOCK_SKEW_MS")) ? strtoll(s, NULL, 10) : 0;
		read = 1;
	}
	return skew;
}

long long
rl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
	    rl_clock_skew_ms();
}

void
rl_dur_format(long long ms, char *out, unsigned long size)
{
	long long s = ms < 0 ? 0 : ms / 1000;

	if (s < 120)
		snprintf(out, size, "%llds", s);
	else if (s < 7200)
		snprintf(out, size, "%lldm", s / 60);
	else if (s < 172800)
		snprintf(out, size, "%lldh", s / 3600);
	else
		snprintf(out, size, "%lldd", s / 86400);
}

void
rl_dur_iso(long long ms, char *out, unsigned long size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, ms % 1000);
}

long long
rl_dur_iso_parse(const char *s)
{
	struct tm tm = {0};
	int msec = 0, n = 0;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return -1;
	if (s[n] == '.' && sscanf(s + n, ".%3d", &msec) != 1)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon--;
	return (long long)timegm(&tm) * 1000 + msec;
}
