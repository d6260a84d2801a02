/*
 * rl-provider - ask a model from the shell, check a provider, list them.
 *
 *   ask      a prompt from the arguments or stdin, the reply on stdout;
 *            with -J, NDJSON records {prompt, system} in and the same
 *            records with reply and usage (or error) out, -j in flight;
 *            the model's reasoning (sent apart, or inline in <think>
 *            blocks) is left out unless --thinking asks for it: on
 *            stderr, or in the record's reasoning
 *   check    the settings and a live health check; exit 0, 1 or 111
 *   ls       the presets and the configured providers, with where each
 *            setting comes from
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rl_buf.h"
#include "rl_cmd.h"
#include "rl_err.h"
#include "rl_fs.h"
#include "rl_json.h"
#include "rl_loop.h"
#include "rl_out.h"
#include "rl_prov_pool.h"
#include "rl_prov_think.h"
#include "rl_provider.h"

static const char usage[] =
    "usage: rl-provider ask [-p provider] [-m model] [--system system] [--json] [--thinking] [prompt ...]\n"
    "       rl-provider ask -J [-p provider] [-m model] [--system system] [-j jobs] [--json] [--thinking] [--unordered] [file ...]\n"
    "       rl-provider check [-p provider] [-m model]\n"
    "       rl-provider ls\n";

enum { OPT_SYSTEM = RL_OPT_LONG, OPT_JSON, OPT_UNORDERED, OPT_THINKING };

static const struct option opts[] = {
	{"provider", required_argument, NULL, 'p'},
	{"model", required_argument, NULL, 'm'},
	{"ndjson", no_argument, NULL, 'J'},
	{"jobs", required_argument, NULL, 'j'},
	{"system", required_argument, NULL, OPT_SYSTEM},
	{"json", no_argument, NULL, OPT_JSON},
	{"unordered", no_argument, NULL, OPT_UNORDERED},
	{"thinking", no_argument, NULL, OPT_THINKING},
	RL_CMD_OPTIONS
};

static struct rl_cmd_args A = {
	.usage = usage,
	.optstring = "hp:m:Jj:" RL_OLD("s:"),
	.longopts = opts,
};

/* The options, as given (or their defaults). */
static struct {
	const char *name, *model, *system;
	int nd, jobs, json, unordered, thinking;
} O = {.jobs = 1};

#define PROMPT_MAX (16UL << 20)

static struct rl_config cfg;

static struct rl_provider *
open_provider(const char *name, const char *model)
{
	struct rl_provider *p;
	struct rl_error e;

	if (!(p = rl_provider_open(&cfg, name, model, &e)))
		rl_error_report(&e, NULL);
	return p;
}

/* --- ask -------------------------------------------------------------- */

struct ask {
	struct rl_provider *p;
	struct rl_prov_pool pool;
	const char *system;
	int json;
	int thinking;             /* --thinking */
	const struct rl_loop *L;
	/* ask without -J */
	struct rl_prov_think think;
	int thought;              /* reasoning went to stderr, no newline yet */
};

static void
usage_object(cJSON *o, const struct rl_call *c)
{
	cJSON *u = cJSON_AddObjectToObject(o, "usage");

	cJSON_AddNumberToObject(u, "prompt_tokens", c->usage.prompt_tokens);
	cJSON_AddNumberToObject(u, "completion_tokens", c->usage.completion_tokens);
	if (c->usage.cached_tokens)
		cJSON_AddNumberToObject(u, "cached_tokens", c->usage.cached_tokens);
	if (c->usage.cache_write_tokens)
		cJSON_AddNumberToObject(u, "cache_write_tokens",
		    c->usage.cache_write_tokens);
	if (c->usage.reasoning_tokens)
		cJSON_AddNumberToObject(u, "reasoning_tokens",
		    c->usage.reasoning_tokens);
	if (c->usage.estimated)
		cJSON_AddTrueToObject(u, "estimated");
}

/* A reply split into what it says and what the model thought. */
struct split {
	struct rl_buf reply, thought;
};

static void
split_out(void *arg, int thought, const char *p, size_t n)
{
	struct split *s = arg;

	rl_buf_add(thought ? &s->thought : &s->reply, p, n);
}

/* The pool's done: the record with its reply, or with an error. */
static int
ask_done(cJSON *rec, struct rl_call *c, void *arg)
{
	struct ask *a = arg;
	cJSON *e;

	if (!c) {
		rl_out_json(rec);
		return cJSON_GetObjectItemCaseSensitive(rec, "error") ?
		    RL_EXIT_FAIL : RL_EXIT_OK;
	}
	rl_json_set(rec, "provider", cJSON_CreateString(rl_provider_name(a->p)));
	if (*rl_provider_model(a->p))
		rl_json_set(rec, "model", cJSON_CreateString(rl_provider_model(a->p)));
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "reply");
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "usage");
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "error");
	rl_json_set(rec, "attempts", cJSON_CreateNumber(c->attempts));
	rl_json_set(rec, "ms", cJSON_CreateNumber((double)c->ms));
	if (c->err.code) {
		e = rl_err_object(c->err.code, c->err.message, "provider");
		cJSON_AddItemToObject(rec, "error", e);
		rl_out_json(rec);
		rl_diag(NULL, 0, c->err.code, "%s", c->err.message);
		return RL_EXIT_FAIL;
	}
	{
		struct split s = {{0}, {0}};
		struct rl_prov_think t = {.fn = split_out, .arg = &s};

		rl_buf_add(&s.thought, c->reasoning.data ? c->reasoning.data : "",
		    c->reasoning.len);
		rl_prov_think_feed(&t, c->text.data ? c->text.data : "", c->text.len);
		rl_prov_think_end(&t);
		cJSON_AddStringToObject(rec, "reply", s.reply.len ? s.reply.data : "");
		if (a->thinking && s.thought.len)
			cJSON_AddStringToObject(rec, "reasoning", s.thought.data);
		rl_buf_free(&s.reply);
		rl_buf_free(&s.thought);
	}
	usage_object(rec, c);
	rl_out_json(rec);
	return RL_EXIT_OK;
}

static int
ask_each(struct rl_rec *r, void *arg)
{
	struct ask *a = arg;
	const char *prompt, *system;
	const cJSON *j;
	struct rl_call req = {0};

	prompt = rl_json_str(r->json, "prompt");
	if (!cJSON_IsObject(r->json) || !prompt)
		return rl_loop_reject(a->L, r, "validate.schema",
		    "a record needs a string prompt", NULL);
	system = rl_json_str(r->json, "system");
	j = cJSON_GetObjectItemCaseSensitive(r->json, "json");
	req.prompt = prompt;
	req.system = system ? system : a->system;
	req.json = j ? cJSON_IsTrue(j) : a->json;
	/* a schema for the reply, and the stable head of the prompt */
	req.schema = cJSON_GetObjectItemCaseSensitive(r->json, "schema");
	if (!cJSON_IsObject(req.schema))
		req.schema = NULL;
	if (rl_json_num(r->json, "head", 0) > 0)
		req.head = (size_t)rl_json_num(r->json, "head", 0);
	rl_prov_pool_send(&a->pool, r->json, &req);
	return RL_EXIT_OK;
}

static void
to_stdout(struct rl_call *c, const char *p, size_t n)
{
	(void)c;
	if (fwrite(p, 1, n, stdout) != n || fflush(stdout) != 0)
		rl_die(RL_EXIT_TEMP, "io.write", "stdout: cannot write the reply");
}

/* The reasoning, with --thinking: on stderr, for the person watching. */
static void
to_stderr(struct ask *a, const char *p, size_t n)
{
	if (!a->thinking || !n)
		return;
	fwrite(p, 1, n, stderr);
	fflush(stderr);
	a->thought = p[n - 1] != '\n';
}

static void
reasoning_out(struct rl_call *c, const char *p, size_t n)
{
	to_stderr(c->arg, p, n);
}

/* The reply's pieces, told from inline <think> blocks. */
static void
think_out(void *arg, int thought, const char *p, size_t n)
{
	struct ask *a = arg;

	if (thought) {
		to_stderr(a, p, n);
		return;
	}
	if (a->thought) {
		fputc('\n', stderr);
		a->thought = 0;
	}
	to_stdout(NULL, p, n);
}

static void
reply_out(struct rl_call *c, const char *p, size_t n)
{
	struct ask *a = c->arg;

	rl_prov_think_feed(&a->think, p, n);
}

/* ask without -J: one prompt, the reply as plain text. */
static int
ask_plain(struct ask *a, int argc, char **argv)
{
	struct rl_buf prompt = {0};
	struct rl_call c = {0}, *d;
	int i, status;

	if (argc) {
		for (i = 0; i < argc; i++)
			rl_buf_printf(&prompt, "%s%s", i ? " " : "", argv[i]);
	} else if (rl_fs_read("/dev/stdin", &prompt, PROMPT_MAX) < 0) {
		rl_buf_free(&prompt);
		rl_diag("stdin", 0, "io.read", "cannot read the prompt: %m");
		return RL_EXIT_TEMP;
	}
	c.prompt = prompt.len ? prompt.data : "";
	c.system = a->system;
	c.json = a->json;
	c.arg = a;
	a->think = (struct rl_prov_think){.fn = think_out, .arg = a};
	if (isatty(1)) {
		c.on_text = reply_out;
		c.on_reasoning = reasoning_out;
	}
	rl_provider_submit(a->p, &c);
	while (!(d = rl_provider_done(a->p)))
		rl_provider_run(a->p, 1000);
	if (c.err.code) {
		status = rl_error_report(&c.err, NULL);
	} else {
		/* a reply that was not streamed to us has yet to be shown */
		if (!c.streamed) {
			to_stderr(a, c.reasoning.data, c.reasoning.len);
			rl_prov_think_feed(&a->think, c.text.data ? c.text.data : "",
			    c.text.len);
		}
		rl_prov_think_end(&a->think);
		if (a->thought)
			fputc('\n', stderr);
		if (!c.text.len || c.text.data[c.text.len - 1] != '\n')
			to_stdout(&c, "\n", 1);
		status = RL_EXIT_OK;
	}
	rl_prov_think_end(&a->think);
	rl_call_clear(&c);
	rl_buf_free(&prompt);
	return status;
}

static int
cmd_ask(int argc, char **argv)
{
	struct rl_loop L = {.fn = ask_each, .stage = "provider", .emit = rl_prov_pool_emit};
	struct ask a = {0};
	int status;

	if (!O.nd && (O.unordered || O.jobs != 1))
		return rl_cmd_usage(&A, RL_EXIT_USAGE);
	if (!(a.p = open_provider(O.name, O.model)))
		return RL_EXIT_USAGE;
	a.system = O.system;
	a.json = O.json;
	a.thinking = O.thinking;
	argc--;
	argv++;
	if (!O.nd) {
		status = ask_plain(&a, argc, argv);
	} else {
		rl_cmd_limits(&cfg, &L);
		L.arg = &a;
		L.emit_arg = &a.pool;
		L.idle = rl_prov_pool_idle;
		L.idle_arg = &a.pool;
		a.L = &L;
		rl_prov_pool_init(&a.pool, a.p, O.jobs, O.unordered, ask_done, &a);
		status = rl_loop_run(&L, argc, argv);
		status = rl_exit_merge(status, rl_prov_pool_drain(&a.pool));
	}
	rl_provider_close(a.p);
	return status;
}

/* --- check ------------------------------------------------------------ */

static int
cmd_check(int argc, char **argv)
{
	struct rl_provider *p;
	struct rl_error e;
	cJSON *out, *info;
	int status = RL_EXIT_OK;

	(void)argc;
	(void)argv;
	if (!(p = open_provider(O.name, O.model)))
		return RL_EXIT_USAGE;
	out = rl_provider_describe(p);
	info = cJSON_CreateObject();
	if (rl_provider_validate(p, info, &e) < 0) {
		cJSON_AddFalseToObject(out, "ok");
		cJSON_AddItemToObject(out, "error", rl_err_object(e.code, e.message,
		    "provider"));
		rl_diag(NULL, 0, e.code, "%s", e.message);
		status = rl_err_retryable(e.code) ? RL_EXIT_TEMP : RL_EXIT_FAIL;
	} else {
		cJSON_AddTrueToObject(out, "ok");
	}
	cJSON_AddItemToObject(out, "health", info);
	cJSON_AddItemToObject(out, "metrics", rl_provider_metrics(p));
	rl_out_json(out);
	cJSON_Delete(out);
	rl_provider_close(p);
	return status;
}

/* --- ls --------------------------------------------------------------- */

static int
cmd_ls(int argc, char **argv)
{
	cJSON *all, *s;
	const char *configured = rl_config_str(&cfg, "provider.name", "ollama");
	const char *k;
	int tty = isatty(1);

	(void)argc;
	(void)argv;
	all = rl_provider_list(&cfg);
	if (tty)
		printf("  %-18s %-24s %-12s %-50s %s\n", "NAME", "MODEL",
		    "STRUCTURED", "BASE URL", "KEY");
	cJSON_ArrayForEach(s, all) {
		int cur = strcmp(rl_json_str(s, "name"), configured) == 0;

		cJSON_AddBoolToObject(s, "configured", cur);
		if (!tty) {
			rl_out_json(s);
			continue;
		}
		k = rl_json_str(s, "api_key_env");
		printf("%c %-18s %-24s %-12s %-50s %s\n", cur ? '*' : ' ',
		    rl_json_str(s, "name"), *rl_json_str(s, "model") ?
		    rl_json_str(s, "model") : "-", rl_json_str(s, "structured") ?
		    rl_json_str(s, "structured") : "-", *rl_json_str(s, "base_url") ?
		    rl_json_str(s, "base_url") : "-", k && *k ? k : "-");
	}
	cJSON_Delete(all);
	return RL_EXIT_OK;
}

static const struct rl_cmd_sub subs[] = {
	{"ask", cmd_ask, 0, -1, "provider model system ndjson jobs json unordered "
	    "thinking"},
	{"check", cmd_check, 0, 0, "provider model"},
	{"ls", cmd_ls, 0, 0, ""},
	{NULL, NULL, 0, 0, NULL}
};

int
main(int argc, char **argv)
{
	const struct rl_cmd_sub *sub;
	int c, status;

	rl_cmd_start(argv[0], &cfg);
	while ((c = rl_cmd_getopt(&A, argc, argv)) != -1) {
		switch (c) {
		case 'p': O.name = optarg; break;
		case 'm': O.model = optarg; break;
		case 'J': O.nd = 1; break;
		case 'j':
			if (rl_prov_pool_jobs(optarg, &O.jobs) < 0)
				return rl_cmd_finish(&cfg, NULL, RL_EXIT_USAGE);
			break;
		case 's':
			rl_cmd_renamed(&A, OPT_SYSTEM, "-s SYSTEM", "--system SYSTEM: "
			    "-s is a schema everywhere else");
			/* FALLTHROUGH */
		case OPT_SYSTEM: O.system = optarg; break;
		case OPT_JSON: O.json = 1; break;
		case OPT_UNORDERED: O.unordered = 1; break;
		case OPT_THINKING: O.thinking = 1; break;
		}
	}
	if (A.status >= 0)
		return rl_cmd_finish(&cfg, NULL, A.status);
	if (!(sub = rl_cmd_sub(subs, &A, "")))
		return rl_cmd_finish(&cfg, NULL, RL_EXIT_USAGE);
	status = sub->run(A.sargc, A.sargv);
	return rl_cmd_finish(&cfg, NULL, status);
}
