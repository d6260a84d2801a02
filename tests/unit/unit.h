/*
 * unit.h - the smallest test harness that does the job: each CHECK
 * prints one TAP line ("ok N - what" or "not ok N - what at file:line"),
 * and unit_done() returns the exit status (1 if any check failed).
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_n, unit_failed;

#define CHECK(cond, what) do { \
	unit_n++; \
	if (cond) { \
		printf("ok %d - %s\n", unit_n, (what)); \
	} else { \
		unit_failed++; \
		printf("not ok %d - %s at %s:%d\n", unit_n, (what), \
		    __FILE__, __LINE__); \
	} \
} while (0)

#define CHECK_STR(got, want, what) do { \
	const char *g_ = (got), *w_ = (want); \
	CHECK(g_ && strcmp(g_, w_) == 0, (what)); \
	if (!(g_ && strcmp(g_, w_) == 0)) \
		printf("#   got: '%s'\n#  want: '%s'\n", g_ ? g_ : "(null)", w_); \
} while (0)

static inline int
unit_done(void)
{
	printf("1..%d\n", unit_n);
	return unit_failed != 0;
}

#endif
