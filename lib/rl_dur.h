/*
 * rl_dur.h - durations and times, as commands take and show them.
 *
 * A duration is a decimal number with an optional unit: ms, s (the
 * default), m, h, d, e.g. "250ms", "90", "1.5m", "7d".
 */
#ifndef RL_DUR_H
#define RL_DUR_H

/* Parse s into *seconds.  Returns 0, or -1 when s is not a duration or
 * is negative. */
int rl_dur_parse(const char *s, double *seconds);

/* The wall clock in milliseconds since the epoch, moved by
 * $RL_CLOCK_SKEW_MS when set (read once): how tests make the clock jump. */
long long rl_now_ms(void);

/* How far $RL_CLOCK_SKEW_MS moves rl_now_ms (0 when unset), for clocks
 * kept elsewhere: a Redis server's time is moved by it too. */
long long rl_clock_skew_ms(void);

/*
 * Write an age in milliseconds the way ls -l would want it, short:
 * "42s", "7m", "3h", "12d", into out (at least 16 bytes).
 */
void rl_dur_format(long long ms, char *out, unsigned long size);

/* Write ms since the epoch as UTC ISO 8601 with milliseconds,
 * "2026-11-24T07:30:00.123Z", into out (at least 32 bytes). */
void rl_dur_iso(long long ms, char *out, unsigned long size);

/* Parse such a time (the milliseconds and the Z may be left out) into
 * ms since the epoch; -1 when s is not one. */
long long rl_dur_iso_parse(const char *s);

#endif
