/*
 * rl_cmd.h - what every command does when it starts and when it ends.
 *
 *     int main(int argc, char **argv) {
 *         struct rl_config cfg = {0};
 *         struct rl_loop L = {.fn = each, .stage = "validate"};
 *         rl_cmd_start(argv[0], &cfg);
 *         ... options ...
 *         rl_cmd_limits(&cfg, &L);
 *         return rl_cmd_finish(&cfg, &L, rl_loop_run(&L, argc, argv));
 *     }
 */
#ifndef RL_CMD_H
#define RL_CMD_H

#include <getopt.h>
#include <stdio.h>

#include "rl_config.h"
#include "rl_loop.h"

/*
 * Make standard input, output and error safe to rely on.  One that is
 * closed would receive the next file the command opens (a queue's
 * directory read as stdin, records written into a store), so each closed
 * one gets /dev/null, opened the wrong way round: using it still fails
 * with EBADF, as using a closed descriptor does, and nothing else lands
 * there.  SIGPIPE is ignored: a reader that goes away makes the next
 * write fail with EPIPE, reported as io.write with exit status 111,
 * instead of a death by signal (141) outside the documented statuses.
 * Children set it back to its default before they exec (rl_proc.h).
 */
void rl_cmd_stdio(void);

/*
 * rl_cmd_stdio, name the program (rl_init), switch LC_CTYPE to UTF-8
 * (for patterns and character counts), load the configuration into cfg
 * (exit 2 after its diagnostics when it is invalid) and open the metrics
 * log.
 */
void rl_cmd_start(const char *argv0, struct rl_config *cfg);

/*
 * What a store's `check` prints, one way for every store: report on
 * stdout as one JSON object with "safe" (n == 0) added, then each line
 * of risks on stderr as a warning.  Frees both.  Returns the exit
 * status: 1 when there is a risk, else 0.
 */
int rl_cmd_check_report(cJSON *report, struct rl_buf *risks, int n);

/* Set the loop's record limits from limits.max_record_bytes and
 * limits.max_depth. */
void rl_cmd_limits(const struct rl_config *cfg, struct rl_loop *L);

/*
 * Log a "stage" metrics event for the run (records, failed, bytes_in,
 * status, wall, CPU and memory), close stdout, rotate the metrics log
 * when it is due (rl_history.h: compression goes on in the background,
 * never delaying the exit), free cfg, and return the
 * exit status to use: status merged with the result of closing stdout.
 * L may be NULL for a command without a record loop.
 */
int rl_cmd_finish(struct rl_config *cfg, const struct rl_loop *L, int status);

/* --- options, subcommands, usage, version ---------------------------------
 *
 * Every command reads its options one way, with rl_cmd_getopt:
 * getopt_long over the whole of argv, so options may come before or after
 * a subcommand and its operands, up to "--", after which every word is an
 * operand (rl-act exec -- cmd ..., rl-queue work -- cmd ...).  A word
 * that is a negative number ("-5") is an operand.  Each letter means one
 * thing in every command (docs/ARCHITECTURE.md, "Options"); each has a
 * long name, and every option is in the usage and the man page
 * (tests/0001-docs.bats reads the tables to check it).
 *
 *     static const struct option opts[] = {
 *         {"queue", required_argument, NULL, 'q'},
 *         {"lease", required_argument, NULL, OPT_LEASE},
 *         RL_CMD_OPTIONS
 *     };
 *     static struct rl_cmd_args A = {.usage = usage, .optstring = "q:",
 *         .longopts = opts};
 *
 *     while ((c = rl_cmd_getopt(&A, argc, argv)) != -1)
 *         switch (c) { case 'q': ... }
 *     if (A.status >= 0)
 *         return A.status;                 -h, --version or a bad option
 *     if (!(s = rl_cmd_sub(subs, &A, "queue")))
 *         return RL_EXIT_USAGE;
 *     return s->run(A.sargc, A.sargv);
 */

/* getopt_long's value for --version; values of long options that have
 * no letter start at RL_OPT_LONG, those of old spellings at RL_OPT_OLD. */
enum { RL_OPT_VERSION = 0x100, RL_OPT_LONG = 0x101, RL_OPT_OLD = 0x200 };

/* The end of every option table: -h/--help, --version, the terminator. */
#define RL_CMD_OPTIONS \
	{"help", no_argument, NULL, 'h'}, \
	{"version", no_argument, NULL, RL_OPT_VERSION}, \
	{NULL, 0, NULL, 0}

/*
 * A spelling kept for one release after a rename, and warned about
 * (rl_cmd_renamed): letters of an optstring, "j:" RL_OLD("n:"), or a long
 * option, RL_OLD_OPT("tasks", required_argument, 'n'), whose value is
 * then RL_OPT_OLD + 'n'.  Neither is shown in the help.
 */
#define RL_OLD(letters) letters
#define RL_OLD_OPT(name, has_arg, val) {name, has_arg, NULL, RL_OPT_OLD + (val)}

struct rl_cmd_args {
	const char *usage;              /* "usage: ...\n" lines: the SYNOPSIS */
	const char *optstring;          /* the letters, getopt's syntax */
	const struct option *longopts;  /* ends with RL_CMD_OPTIONS */

	/* set by rl_cmd_getopt */
	int status;         /* -1: go on; else the exit status: -h and
	                     * --version were answered (0), a bad option
	                     * was reported with the usage (2) */
	char **ops;         /* the operands in order, NULL after the last;
	                     * they are moved to the front of argv */
	int nops;
	int seen[32];       /* the option values met, each once */
	int nseen;

	/* set by rl_cmd_sub: the subcommand's name (the program's, for the
	 * default), then its operands */
	int sargc;
	char **sargv;

	int started;        /* private */
	char opts[80];
};

/*
 * The next option of argv, as getopt_long returns it (optarg is its
 * argument), or -1 when there are no more: then A->ops holds the
 * operands.  -h/--help prints the help (rl_cmd_usage with 0) and
 * --version the version; a bad option (getopt_long's own message) the
 * usage on stderr; each of these sets A->status and returns -1.
 * Uses getopt_long's globals: one parse at a time.
 */
int rl_cmd_getopt(struct rl_cmd_args *A, int argc, char **argv);

/*
 * The usage, and the status to exit with: status 0 prints the help
 * (rl_cmd_help) on stdout; any other status the usage alone on stderr.
 */
int rl_cmd_usage(const struct rl_cmd_args *A, int status);

/* The help on f: the usage, then every long option with its letter. */
void rl_cmd_help(const struct rl_cmd_args *A, FILE *f);

/* "PROG VERSION" on stdout (VERSION of the Makefile); returns 0. */
int rl_cmd_version(void);

/*
 * Warn that an old spelling was used, "PROG: warning: WAS is now IS",
 * and count the option as `now` (the value it maps to) for rl_cmd_sub.
 * Returns now.
 */
int rl_cmd_renamed(struct rl_cmd_args *A, int now, const char *was,
	const char *is);

/* One subcommand of a command. */
struct rl_cmd_sub {
	const char *name;   /* NULL ends a table; "" the default, run when
	                     * the first operand names no subcommand */
	int (*run)(int argc, char **argv);  /* argv: name, then operands */
	int min, max;       /* operands after the name; max -1: any number */
	const char *opts;   /* the long names of the options it takes,
	                     * separated by spaces */
};

/*
 * The subcommand the first operand names (else the default entry, with
 * every operand), after checking the number of its operands and that
 * every option given is one it takes or one of global (long names,
 * spaces between); sets A->sargc and A->sargv.  NULL, after the usage
 * on stderr (and what is wrong, when it is not plain), when it does not
 * fit.
 */
const struct rl_cmd_sub *rl_cmd_sub(const struct rl_cmd_sub *subs,
	struct rl_cmd_args *A, const char *global);

#endif
