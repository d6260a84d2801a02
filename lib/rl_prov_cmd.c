/*
 * rl_prov_cmd.c - any program as a model: cmd:PROGRAM ARGS.
 *
 * The program gets the system prompt, a blank line and the prompt on its
 * stdin (the prompt alone when there is no system prompt) and its stdout
 * is the reply, so `cmd:ollama run qwen2.5-coder`, `cmd:llm -m gpt-4o` or
 * a script all work.  ARGS are split at blanks; single or double quotes
 * keep blanks in an argument.  No shell runs.  The program has the
 * provider's timeout (or what is left of the deadline), runs without any
 * credential variables in its environment (rl_proc.h), and one call runs
 * at a time.  A program that exits non-zero fails the call with the last
 * line of its stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rl_proc.h"
#include "rl_provider_impl.h"

#define REPLY_MAX (16UL << 20)

struct cmd {
	char **argv;
	int argc;
};

/* Split s at blanks, honouring quotes.  Returns the count, or -1 for an
 * unbalanced quote. */
static int
split(const char *s, char ***argv)
{
	struct rl_buf w = {0};
	char **v = NULL, q;
	int n = 0, in_word;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		rl_buf_reset(&w);
		in_word = 0;
		while (*s && *s != ' ' && *s != '\t') {
			if (*s == '\'' || *s == '"') {
				q = *s++;
				while (*s && *s != q)
					rl_buf_addc(&w, *s++);
				if (!*s) {
					rl_buf_free(&w);
					while (n)
						free(v[--n]);
					free(v);
					return -1;
				}
				s++;
				in_word = 1;
				continue;
			}
			rl_buf_addc(&w, *s++);
			in_word = 1;
		}
		if (!in_word)
			continue;
		v = rl_xrealloc(v, (size_t)(n + 2) * sizeof *v);
		v[n++] = rl_xstrdup(w.len ? w.data : "");
		v[n] = NULL;
	}
	rl_buf_free(&w);
	*argv = v;
	return n;
}

static int
cmd_open(struct rl_provider *p, struct rl_error *e)
{
	struct cmd *c = rl_xcalloc(1, sizeof *c);
	const char *s = rl_provider_str(p, "command");

	c->argc = split(s, &c->argv);
	p->impl = c;
	if (c->argc < 0)
		return rl_error_set(e, "provider.cmd", "cmd:%s: unbalanced quote", s);
	if (c->argc == 0)
		return rl_error_set(e, "provider.cmd",
		    "cmd: names no program: write cmd:PROGRAM ARGS");
	return 0;
}

static void
cmd_close(struct rl_provider *p)
{
	struct cmd *c = p->impl;
	int i;

	if (!c)
		return;
	for (i = 0; i < c->argc; i++)
		free(c->argv[i]);
	free(c->argv);
	free(c);
	p->impl = NULL;
}

static void
cmd_start(struct rl_provider *p, struct rl_call *c)
{
	struct cmd *k = p->impl;
	struct rl_buf in = {0}, msg = {0};
	struct rl_attempt a = RL_ATTEMPT_INIT;
	long long t = p->timeout_ms, left;
	char line[256], how[64];
	int st;

	if (c->deadline) {
		left = c->deadline - p->clock.now(p->clock.arg);
		t = !t || left < t ? (left > 0 ? left : 1) : t;
	}
	if (c->system && *c->system)
		rl_buf_printf(&in, "%s\n\n", c->system);
	rl_buf_adds(&in, c->prompt);
	st = rl_proc_run(k->argv, in.data, t, &c->text, REPLY_MAX, line, sizeof line);
	rl_buf_free(&in);
	if (st == 0) {
		while (c->text.len && c->text.data[c->text.len - 1] == '\n')
			c->text.data[--c->text.len] = 0;
		rl_provider_ended(p, c, NULL, NULL, NULL);
		return;
	}
	if (st == RL_PROC_TIMEOUT) {
		a.transport = 1;          /* no reply: another try may get one */
		a.transport_retry = 1;
		rl_buf_printf(&msg, "%s gave no reply within %.1f s", k->argv[0],
		    (double)t / 1000);
		rl_provider_ended(p, c, "provider.timeout", msg.data, &a);
	} else {
		if (st < 0)
			snprintf(how, sizeof how, "%s", strerror(errno));
		else
			rl_proc_status(st, how, sizeof how);
		rl_buf_printf(&msg, "%s failed (%s)%s%s", k->argv[0], how,
		    line[0] ? ": " : "", line);
		rl_provider_ended(p, c, "provider.cmd", msg.data, NULL);
	}
	rl_buf_free(&msg);
}

static void
cmd_wait(struct rl_provider *p, long long timeout_ms)
{
	/* every call ended in start */
	(void)p;
	(void)timeout_ms;
}

static int
cmd_health(struct rl_provider *p, cJSON *info, struct rl_error *e)
{
	struct cmd *c = p->impl;

	if (!rl_proc_findable(c->argv[0]))
		return rl_error_set(e, "provider.cmd",
		    "program '%s' is not found in PATH or not executable", c->argv[0]);
	if (info)
		cJSON_AddStringToObject(info, "program", c->argv[0]);
	return 0;
}

const struct rl_provider_ops rl_prov_cmd = {
	"cmd", cmd_open, cmd_start, cmd_wait, cmd_health, NULL, NULL, cmd_close
};
