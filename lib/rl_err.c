/*
 * rl_err.c - the error taxonomy and the diagnostic format; see rl_err.h.
 *
 * The taxonomy is a table: exact codes first, then prefixes (entries
 * ending in '*').  A lookup takes the first entry that equals the code or
 * whose prefix it starts with, so "provider.http_5*" covers every 5xx.
 * Status is the exit status when the error ends a whole command.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rl_err.h"

const char *rl_prog = "redline";
void (*rl_diag_hook)(const char *code, const char *message);
void (*rl_diag_before)(void);

struct code {
	const char *code;
	const char *category;
	int retryable;
	int status;
};

static const struct code codes[] = {
	/* input: a record that cannot be read as a record */
	{"input.not_json", "input", 0, RL_EXIT_FAIL},
	{"input.too_large", "input", 0, RL_EXIT_FAIL},
	{"input.bad_utf8", "input", 0, RL_EXIT_FAIL},
	{"input.too_deep", "input", 0, RL_EXIT_FAIL},
	{"input.duplicate_key", "input", 0, RL_EXIT_FAIL},
	{"input.number_range", "input", 0, RL_EXIT_FAIL},
	{"input.unknown_stage", "input", 0, RL_EXIT_FAIL},
	/* validate: a record that does not match its schema */
	{"validate.schema", "validate", 0, RL_EXIT_FAIL},
	{"validate.bad_schema", "config", 0, RL_EXIT_USAGE},
	{"validate.reply", "validate", 0, RL_EXIT_FAIL},
	/* config: files, keys, values, versions */
	{"config.syntax", "config", 0, RL_EXIT_USAGE},
	{"config.unknown_key", "config", 0, RL_EXIT_USAGE},
	{"config.invalid", "config", 0, RL_EXIT_USAGE},
	{"config.prompt", "config", 0, RL_EXIT_USAGE},
	{"config.version", "config", 0, RL_EXIT_USAGE},
	{"config.untrusted", "config", 0, RL_EXIT_USAGE},
	{"config.forbidden", "config", 0, RL_EXIT_USAGE},
	/* mem: the memory store */
	{"mem.bad_key", "input", 0, RL_EXIT_FAIL},
	{"mem.bad_value", "input", 0, RL_EXIT_FAIL},
	{"mem.bad_op", "input", 0, RL_EXIT_FAIL},
	{"mem.too_large", "limit", 0, RL_EXIT_FAIL},
	{"mem.full", "limit", 0, RL_EXIT_FAIL},
	{"mem.corrupt", "storage", 0, RL_EXIT_FAIL},
	{"mem.not_integer", "input", 0, RL_EXIT_FAIL},
	/* queue: the persistent queue */
	{"queue.bad_name", "input", 0, RL_EXIT_USAGE},
	{"queue.lease_expired", "conflict", 0, RL_EXIT_FAIL},
	{"queue.corrupt", "storage", 0, RL_EXIT_FAIL},
	{"queue.unfinished", "conflict", 0, RL_EXIT_USAGE},
	/* redis: a Redis server that keeps a store (rl_redis.h) */
	{"redis.bad_url", "config", 0, RL_EXIT_USAGE},
	{"redis.unreachable", "network", 1, RL_EXIT_TEMP},
	{"redis.timeout", "timeout", 1, RL_EXIT_TEMP},
	{"redis.lost_reply", "network", 1, RL_EXIT_TEMP},
	{"redis.auth", "auth", 0, RL_EXIT_USAGE},
	{"redis.denied", "auth", 0, RL_EXIT_USAGE},
	{"redis.busy", "server", 1, RL_EXIT_TEMP},
	{"redis.reply", "storage", 0, RL_EXIT_FAIL},
	/* git: a task's repository as a git remote (rl_git.h) */
	{"git.spec", "input", 0, RL_EXIT_USAGE},
	{"git.url", "config", 0, RL_EXIT_USAGE},
	{"git.unreachable", "network", 1, RL_EXIT_TEMP},
	{"git.rev", "input", 0, RL_EXIT_USAGE},
	{"git.apply", "conflict", 0, RL_EXIT_FAIL},
	{"git.push", "conflict", 0, RL_EXIT_FAIL},
	{"git.failed", "storage", 0, RL_EXIT_FAIL},
	/* io: the system said no; a full disk may clear up */
	{"io.open", "io", 0, RL_EXIT_FAIL},
	{"io.read", "io", 1, RL_EXIT_TEMP},
	{"io.write", "io", 1, RL_EXIT_TEMP},
	{"io.lock", "io", 1, RL_EXIT_TEMP},
	{"io.read_only", "io", 0, RL_EXIT_USAGE},
	/* provider: models over HTTP or a program */
	{"provider.http_401", "auth", 0, RL_EXIT_FAIL},
	{"provider.http_403", "auth", 0, RL_EXIT_FAIL},
	{"provider.http_404", "request", 0, RL_EXIT_FAIL},
	{"provider.http_408", "timeout", 1, RL_EXIT_TEMP},
	{"provider.http_409", "conflict", 1, RL_EXIT_TEMP},
	{"provider.http_429", "ratelimit", 1, RL_EXIT_TEMP},
	{"provider.http_5*", "server", 1, RL_EXIT_TEMP},
	{"provider.http_*", "request", 0, RL_EXIT_FAIL},
	{"provider.timeout", "timeout", 1, RL_EXIT_TEMP},
	{"provider.connect", "network", 1, RL_EXIT_TEMP},
	{"provider.unreachable", "network", 1, RL_EXIT_TEMP},
	{"provider.dns", "network", 1, RL_EXIT_TEMP},
	{"provider.reset", "network", 1, RL_EXIT_TEMP},
	{"provider.empty_reply", "network", 1, RL_EXIT_TEMP},
	{"provider.stream_cut", "network", 1, RL_EXIT_TEMP},
	{"provider.tls", "network", 0, RL_EXIT_FAIL},
	{"provider.transport", "network", 0, RL_EXIT_FAIL},
	{"provider.bad_reply", "server", 1, RL_EXIT_TEMP},
	{"provider.no_choices", "server", 1, RL_EXIT_TEMP},
	{"provider.stream_error", "server", 1, RL_EXIT_TEMP},
	{"provider.truncated", "limit", 0, RL_EXIT_FAIL},
	{"provider.empty_prompt", "input", 0, RL_EXIT_FAIL},
	{"provider.cmd", "provider", 0, RL_EXIT_FAIL},
	{"provider.unknown", "config", 0, RL_EXIT_USAGE},
	{"provider.bad_url", "config", 0, RL_EXIT_USAGE},
	{"provider.no_model", "config", 0, RL_EXIT_USAGE},
	{"provider.cassette", "config", 0, RL_EXIT_USAGE},
	{"provider.no_key", "auth", 0, RL_EXIT_USAGE},
	{"provider.context", "request", 0, RL_EXIT_FAIL},
	{"provider.key_file", "auth", 0, RL_EXIT_USAGE},
	{"provider.auth", "auth", 0, RL_EXIT_USAGE},
	{"provider.*", "provider", 0, RL_EXIT_FAIL},
	/* tool, sandbox, budget: running what a plan asks */
	{"tool.timeout", "timeout", 0, RL_EXIT_FAIL},
	{"tool.denied", "policy", 0, RL_EXIT_FAIL},
	{"tool.not_found", "tool", 0, RL_EXIT_FAIL},
	{"tool.exec", "tool", 0, RL_EXIT_FAIL},
	{"tool.output_cut", "tool", 0, RL_EXIT_FAIL},
	{"tool.bad_args", "tool", 0, RL_EXIT_FAIL},
	{"tool.missing", "tool", 0, RL_EXIT_FAIL},
	{"tool.bad_manifest", "config", 0, RL_EXIT_FAIL},
	{"tool.no_repo", "tool", 0, RL_EXIT_FAIL},
	{"tool.*", "tool", 0, RL_EXIT_FAIL},
	{"edit.*", "edit", 0, RL_EXIT_FAIL},
	{"sandbox.unavailable", "sandbox", 0, RL_EXIT_USAGE},
	{"sandbox.setup", "sandbox", 1, RL_EXIT_TEMP},
	{"sandbox.*", "sandbox", 0, RL_EXIT_FAIL},
	{"budget.*", "budget", 0, RL_EXIT_FAIL},
	{"stats.gate", "stats", 0, RL_EXIT_FAIL},
	/* family defaults */
	{"input.*", "input", 0, RL_EXIT_FAIL},
	{"validate.*", "validate", 0, RL_EXIT_FAIL},
	{"mem.*", "storage", 0, RL_EXIT_FAIL},
	{"queue.*", "storage", 0, RL_EXIT_FAIL},
	{"redis.*", "storage", 0, RL_EXIT_FAIL},
	{"git.*", "storage", 0, RL_EXIT_FAIL},
	{"config.*", "config", 0, RL_EXIT_USAGE},
	{"io.*", "io", 1, RL_EXIT_TEMP},
	{"internal.curl", "internal", 0, RL_EXIT_TEMP},
	{"internal.stage_crash", "internal", 1, RL_EXIT_TEMP},
	{"internal.stage_refused", "internal", 0, RL_EXIT_USAGE},
	/* ring: redline run on a shared journal */
	{"ring.elsewhere", "conflict", 0, RL_EXIT_FAIL},
	{"internal.*", "internal", 0, RL_EXIT_TEMP},
};

static const struct code *
lookup(const char *code)
{
	size_t i, n;

	if (!code)
		return NULL;
	for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		n = strlen(codes[i].code);
		if (codes[i].code[n - 1] == '*') {
			if (strncmp(code, codes[i].code, n - 1) == 0)
				return &codes[i];
		} else if (strcmp(code, codes[i].code) == 0) {
			return &codes[i];
		}
	}
	return NULL;
}

void
rl_init(const char *argv0)
{
	const char *p;

	if (!argv0 || !*argv0)
		return;
	p = strrchr(argv0, '/');
	rl_prog = p ? p + 1 : argv0;
}

static int
rank(int status)
{
	switch (status) {
	case RL_EXIT_OK: return 0;
	case RL_EXIT_FAIL: return 1;
	case RL_EXIT_TEMP: return 2;
	case RL_EXIT_DEADLINE: return 3;
	default: return 4;
	}
}

int
rl_exit_merge(int a, int b)
{
	return rank(a) >= rank(b) ? a : b;
}

static void
vdiag(const char *where, unsigned long line, const char *code,
	const char *fmt, va_list ap)
{
	char msg[4096];
	int saved = errno;

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (rl_diag_before)
		rl_diag_before();
	if (where && line)
		fprintf(stderr, "%s: %s:%lu: ", rl_prog, where, line);
	else if (where)
		fprintf(stderr, "%s: %s: ", rl_prog, where);
	else
		fprintf(stderr, "%s: ", rl_prog);
	if (code)
		fprintf(stderr, "%s: ", code);
	fprintf(stderr, "%s\n", msg);
	if (rl_diag_hook && code)
		rl_diag_hook(code, msg);
	errno = saved;
}

void
rl_diag(const char *where, unsigned long line, const char *code,
	const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(where, line, code, fmt, ap);
	va_end(ap);
}

void
rl_die(int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(NULL, 0, code, fmt, ap);
	va_end(ap);
	exit(status);
}

const char *
rl_err_category(const char *code)
{
	const struct code *c = lookup(code);

	return c ? c->category : "internal";
}

int
rl_err_retryable(const char *code)
{
	const struct code *c = lookup(code);

	return c ? c->retryable : 0;
}

int
rl_err_status(const char *code)
{
	const struct code *c = lookup(code);

	return c ? c->status : RL_EXIT_FAIL;
}

int
rl_err_valid_code(const char *code)
{
	const char *dot, *p;

	if (!code || !(dot = strchr(code, '.')) || !dot[1])
		return 0;
	for (p = dot + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '_' || *p == '.'))
			return 0;
	return lookup(code) != NULL;
}

int
rl_error_set(struct rl_error *e, const char *code, const char *fmt, ...)
{
	char msg[sizeof e->message];
	va_list ap;

	/* through a copy: fmt's arguments may be e->message itself */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	e->code = code;
	memcpy(e->message, msg, sizeof msg);
	return -1;
}

int
rl_error_report(const struct rl_error *e, const char *where)
{
	const char *code = e->code ? e->code : "internal.error";

	rl_diag(where, 0, code, "%s", e->message);
	return rl_err_status(code);
}

cJSON *
rl_err_object(const char *code, const char *message, const char *stage)
{
	cJSON *e = cJSON_CreateObject();

	if (!e)
		return NULL;
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "category", rl_err_category(code));
	cJSON_AddStringToObject(e, "message", message ? message : "");
	if (stage)
		cJSON_AddStringToObject(e, "stage", stage);
	cJSON_AddBoolToObject(e, "retryable", rl_err_retryable(code));
	return e;
}
