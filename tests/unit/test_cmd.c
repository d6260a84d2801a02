/* test_cmd.c - options and subcommands of every command (lib/rl_cmd.c). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "rl_cmd.h"
#include "rl_err.h"
#include "unit.h"

enum { OPT_LEASE = RL_OPT_LONG, OPT_STATE };

static const struct option opts[] = {
	{"queue", required_argument, NULL, 'q'},
	{"count", required_argument, NULL, 'c'},
	{"lease", required_argument, NULL, OPT_LEASE},
	{"state", required_argument, NULL, OPT_STATE},
	RL_OLD_OPT("old-count", required_argument, 'n'),
	RL_CMD_OPTIONS
};

static const char usage[] = "usage: t [-q name] pop [-c count]\n";

static int ran;

static int
run(int argc, char **argv)
{
	(void)argv;
	ran = argc;
	return 0;
}

static const struct rl_cmd_sub subs[] = {
	{"pop", run, 0, 0, "count lease"},
	{"ls", run, 0, 1, "state"},
	{NULL, NULL, 0, 0, NULL}
};

/* Parse argv (NULL-terminated, at most 15 words) afresh: the options
 * met, as letters (long-only ones as L and S), into got. */
static struct rl_cmd_args
parse(char **words, char *got, size_t size)
{
	struct rl_cmd_args A = {.usage = usage, .optstring = "hq:c:" RL_OLD("n:"),
	    .longopts = opts};
	static char *argv[16];
	size_t n = 0;
	int argc = 0, c;

	while (words[argc] && argc < 15) {
		argv[argc] = words[argc];
		argc++;
	}
	argv[argc] = NULL;
	while ((c = rl_cmd_getopt(&A, argc, argv)) != -1 && n + 1 < size) {
		if (c == RL_OPT_OLD + 'n' || c == 'n')
			c = rl_cmd_renamed(&A, 'c', "-n", "-c");
		got[n++] = c == OPT_LEASE ? 'L' : c == OPT_STATE ? 'S' : (char)c;
	}
	got[n] = '\0';
	return A;
}

/* The operands as one string, separated by spaces. */
static const char *
ops(const struct rl_cmd_args *A)
{
	static char s[256];
	size_t n = 0;
	int i;

	s[0] = '\0';
	for (i = 0; i < A->nops; i++)
		n += (size_t)snprintf(s + n, sizeof s - n, "%s%s", i ? " " : "",
		    A->ops[i]);
	return A->ops[A->nops] == NULL ? s : "(not NULL-terminated)";
}

int
main(void)
{
	struct rl_cmd_args A;
	char got[16];
	int saved = dup(2), devnull = open("/dev/null", 1);

	rl_init("t");
	/* messages of refusals and warnings are not this test's output */
	dup2(devnull, 2);

	A = parse((char *[]){"t", "-q", "x", "pop", "--lease", "1m", "-c", "3",
	    NULL}, got, sizeof got);
	CHECK_STR(got, "qLc", "options before and after the subcommand");
	CHECK_STR(ops(&A), "pop", "the subcommand is the first operand");
	CHECK(A.status == -1, "no exit asked for");
	CHECK(rl_cmd_sub(subs, &A, "queue") == &subs[0] && A.sargc == 1,
	    "pop found, with no operands");

	A = parse((char *[]){"t", "ls", "--state", "dead", "e1", "e2", NULL}, got,
	    sizeof got);
	CHECK(rl_cmd_sub(subs, &A, "queue") == NULL, "ls takes one operand at most");
	A = parse((char *[]){"t", "ls", "--lease", "1s", NULL}, got, sizeof got);
	CHECK(rl_cmd_sub(subs, &A, "queue") == NULL, "an option the subcommand does not take");
	A = parse((char *[]){"t", "-q", "x", "ls", "--state", "dead", "d1", NULL},
	    got, sizeof got);
	CHECK(rl_cmd_sub(subs, &A, "queue") == &subs[1] && A.sargc == 2,
	    "a global option and the subcommand's own");
	A = parse((char *[]){"t", "frob", NULL}, got, sizeof got);
	CHECK(rl_cmd_sub(subs, &A, "queue") == NULL, "an unknown subcommand");
	A = parse((char *[]){"t", NULL}, got, sizeof got);
	CHECK(rl_cmd_sub(subs, &A, "queue") == NULL, "no subcommand, no default");

	A = parse((char *[]){"t", "incr", "k", "-5", "-0.5", NULL}, got, sizeof got);
	CHECK_STR(got, "", "a negative number is no option");
	CHECK_STR(ops(&A), "incr k -5 -0.5", "negative numbers are operands");
	A = parse((char *[]){"t", "-5", "x", NULL}, got, sizeof got);
	CHECK_STR(ops(&A), "-5 x", "a negative number first, too");

	A = parse((char *[]){"t", "work", "-c", "2", "--", "sh", "-c", "x", "-q",
	    NULL}, got, sizeof got);
	CHECK_STR(got, "c", "options stop at --");
	CHECK_STR(ops(&A), "work sh -c x -q", "every word after -- is an operand");

	A = parse((char *[]){"t", "pop", "-n", "2", "--old-count", "3", NULL}, got,
	    sizeof got);
	CHECK_STR(got, "cc", "an old spelling is counted as the new");
	CHECK(rl_cmd_sub(subs, &A, "queue") == &subs[0], "and fits where the new does");

	A = parse((char *[]){"t", "-x", "pop", NULL}, got, sizeof got);
	CHECK(A.status == RL_EXIT_USAGE, "a bad option: exit 2");
	A = parse((char *[]){"t", "pop", "-c", NULL}, got, sizeof got);
	CHECK(A.status == RL_EXIT_USAGE, "a missing argument: exit 2");

	setenv("POSIXLY_CORRECT", "1", 1);
	A = parse((char *[]){"t", "pop", "-c", "2", NULL}, got, sizeof got);
	CHECK_STR(got, "c", "options after operands even under POSIXLY_CORRECT");
	unsetenv("POSIXLY_CORRECT");

	dup2(saved, 2);
	fflush(stdout);
	return unit_done();
}
