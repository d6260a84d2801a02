/*
 * rl_err.h - the one error taxonomy, diagnostic format and exit codes.
 *
 * Every error redline reports has a code "category.name", lowercase, e.g.
 * input.not_json or provider.http_429.  The part before the dot is the
 * family (input, validate, config, io, mem, queue, redis, git, provider, tool,
 * sandbox, budget, internal); the taxonomy below also gives each code a category used for
 * decisions (ratelimit, timeout, network, ... ) and whether retrying the
 * same work may succeed.  Codes not in the table take their family's
 * defaults, so a later module can introduce provider.http_418 without
 * touching this file.
 *
 * Diagnostics go to stderr, one line each, in one format:
 *
 *     rl-validate: stdin:42: input.not_json: unexpected end of input
 *
 * program name, then where (file and line when there is a record), then
 * the code, then a lowercase message without a full stop.  The same error
 * goes on stdout as the `error` object of a baton (see rl_baton.h).
 */
#ifndef RL_ERR_H
#define RL_ERR_H

#include <cjson/cJSON.h>

/* Exit statuses, the same for every command (listed in every man page). */
enum {
	RL_EXIT_OK = 0,        /* everything went well */
	RL_EXIT_FAIL = 1,      /* some records failed; the rest were written */
	RL_EXIT_USAGE = 2,     /* usage or configuration error */
	RL_EXIT_TEMP = 111,    /* temporary failure: a retry may work */
	RL_EXIT_DEADLINE = 124 /* a deadline passed */
};

/* The program's name for diagnostics; "redline" until rl_init is called. */
extern const char *rl_prog;

/* Called with each diagnostic that has a code, after it is printed
 * (rl_metrics.h counts them for the log); NULL: nothing. */
extern void (*rl_diag_hook)(const char *code, const char *message);

/* Called before each diagnostic is printed (rl_tty.h clears the lines it
 * shows at the bottom of a terminal); NULL: nothing. */
extern void (*rl_diag_before)(void);

/* Set rl_prog from argv[0] (its last path component). */
void rl_init(const char *argv0);

/*
 * Combine two exit statuses into the one a command should exit with:
 * usage (2) outranks a deadline (124), which outranks a temporary failure
 * (111), which outranks failed records (1), which outranks success (0).
 */
int rl_exit_merge(int a, int b);

/*
 * Print one diagnostic line on stderr:
 *   "PROG: WHERE:LINE: CODE: MESSAGE"   (where != NULL, line > 0)
 *   "PROG: WHERE: CODE: MESSAGE"        (where != NULL, line == 0)
 *   "PROG: CODE: MESSAGE"               (where == NULL)
 * code may be NULL for a plain message.  Never fails.
 */
void rl_diag(const char *where, unsigned long line, const char *code,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* rl_diag(NULL, 0, code, ...) and exit(status). */
_Noreturn void rl_die(int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The decision category of a code ("input", "ratelimit", ...). */
const char *rl_err_category(const char *code);

/* 1 if retrying the same work may succeed, 0 if not. */
int rl_err_retryable(const char *code);

/*
 * The exit status a command uses when this error ends it (not when it is
 * one failed record among others: that is RL_EXIT_FAIL).
 */
int rl_err_status(const char *code);

/* 1 if code is well formed: a known family, a dot, [a-z0-9_]+. */
int rl_err_valid_code(const char *code);

/*
 * An error a library call leaves for its caller: a store, a queue, a
 * provider keeps one and its functions return -1 after setting it.
 */
struct rl_error {
	const char *code;        /* "mem.full", "io.write", ...; a literal */
	char message[512];       /* lowercase, no full stop */
};

/* Set e and return -1. */
int rl_error_set(struct rl_error *e, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Print e as a diagnostic ("PROG: WHERE: CODE: MESSAGE"; where may be
 * NULL) and return the exit status its code calls for (rl_err_status). */
int rl_error_report(const struct rl_error *e, const char *where);

/*
 * A new baton `error` object:
 *   {"code":..., "category":..., "message":..., "retryable":...,
 *    "stage": stage}             (stage omitted when NULL)
 * The caller owns the result (cJSON_Delete).
 */
cJSON *rl_err_object(const char *code, const char *message, const char *stage);

#endif
