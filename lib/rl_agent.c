/*
 * rl_agent.c - the agent engine; see rl_agent.h.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rl_agent.h"
#include "rl_budget.h"
#include "rl_cmd.h"
#include "rl_context.h"
#include "rl_dur.h"
#include "rl_fs.h"
#include "rl_json.h"
#include "rl_loop.h"
#include "rl_metrics.h"
#include "rl_out.h"
#include "rl_path.h"
#include "rl_prov_pool.h"
#include "rl_schema.h"
#include "rl_text.h"
#include "rl_trust.h"

#define PROMPT_MAX (1UL << 20)     /* a system prompt file, at most */
#define MEMORY_KEEP 1024           /* bytes of memory a prompt shows */
#define REPLY_QUOTE 1024           /* bytes of a bad reply a repair quotes */
#define REPLY_KEEP 4096            /* bytes of a bad reply an error keeps */
#define ERRORS_MAX 10              /* validation errors a repair quotes */
#define OBJECTS_TRIED 64           /* '{' of a reply tried as an object's start */
/* what a repair round or a shorter ask adds to a prompt, at most */
#define AGAIN_ROOM (REPLY_QUOTE + ERRORS_MAX * 100 + 200)

/* How a reply was asked again: each text marks its round in the prompt. */
static const char REPAIR[] = "\nYour reply was:\n";
static const char SHORTER[] = "\nYour last reply was cut off at the token "
    "limit.  Reply again, much shorter: only the JSON object, with brief "
    "strings.\n";

/* What it took to find a reply's object (counted in the metrics). */
enum { FIX_THINK = 1, FIX_FENCE = 2, FIX_PROSE = 4 };

struct engine {
	struct rl_agent_run R;
	struct rl_schema *schema;
	struct rl_buf system;        /* the system prompt file's text */
	struct rl_prov_pool pool;
	struct rl_loop L;
	const char *pname, *model;   /* -p, -m */
	int jobs, dry_run;
	int hand_back;               /* --hand-back */
	struct rl_error open_err;    /* why the provider could not open */
};


void
rl_agent_repo_key(const char *dir, char *out, size_t size)
{
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a */

	for (; dir && *dir; dir++)
		h = (h ^ (unsigned char)*dir) * 1099511628211ULL;
	snprintf(out, size, "repo-%016llx", (unsigned long long)h);
}

/* --- prompts ------------------------------------------------------------ */

/* The system prompt file: the project's when the user trusts the
 * repository's .redline/ (rl_trust.h), else the shipped one. */
static int
load_prompt(struct engine *E, struct rl_error *e)
{
	struct rl_buf path = {0}, rel = {0};
	int rc = 0;

	rl_buf_printf(&path, ".redline/prompts/%s.md", E->R.A->name);
	if (E->R.cfg->project != RL_TRUST_YES || access(path.data, F_OK) != 0) {
		rl_buf_reset(&path);
		rl_buf_printf(&rel, "prompts/%s.md", E->R.A->name);
		rl_share_path(rel.data, &path);
	}
	if (rl_fs_read(path.data, &E->system, PROMPT_MAX) < 0)
		rc = rl_error_set(e, "config.prompt", "cannot read the %s agent's "
		    "system prompt %s: %m", E->R.A->name, path.data);
	rl_buf_free(&path);
	rl_buf_free(&rel);
	return rc;
}

/* What the agent's memory holds at key, at most MEMORY_KEEP bytes. */
static void
memory(struct engine *E, const char *key, struct rl_buf *out)
{
	struct rl_buf v = {0};

	if (E->R.mem && rl_mem_get(E->R.mem, E->R.A->name, key, &v, NULL) == 0 &&
	    v.len) {
		rl_buf_add(out, v.data, v.len > MEMORY_KEEP ? MEMORY_KEEP : v.len);
		if (out->data[out->len - 1] != '\n')
			rl_buf_addc(out, '\n');
	}
	rl_buf_free(&v);
}

static void
build_system(struct engine *E, const cJSON *baton, struct rl_buf *sys)
{
	const char *bias = rl_json_str(cJSON_GetObjectItemCaseSensitive(baton,
	    "bias"), E->R.A->name);
	struct rl_buf mem = {0};

	rl_buf_add(sys, E->system.data, E->system.len);
	if (!bias) {
		memory(E, "bias", &mem);
		bias = mem.len ? mem.data : NULL;
	}
	if (bias)
		rl_buf_printf(sys, "\nCorrective bias: %s%s", bias,
		    bias[strlen(bias) - 1] == '\n' ? "" : "\n");
	rl_buf_free(&mem);
}

/*
 * The prompt: its head first, what stays the same in every request of a
 * task while the tree does ("Task:" and the repository map, ranked for
 * the task alone), then the agent's fields, the rest of its context and
 * the memory.  Returns the head's length, for a service that caches a
 * prompt's prefix (rl_call.head).
 */
static size_t
build_prompt(struct engine *E, const cJSON *baton, const struct rl_buf *sys,
	struct rl_buf *p)
{
	const char *const *f;
	struct rl_buf mem = {0}, body = {0};
	const cJSON *v;
	size_t head;
	char key[32];

	rl_buf_printf(p, "Task: %s\n", rl_json_str(baton, "task") ?
	    rl_json_str(baton, "task") : "");
	for (f = E->R.A->fields; f && *f; f++) {
		if (!(v = cJSON_GetObjectItemCaseSensitive(baton, *f)))
			continue;
		rl_buf_printf(&body, "%s: ", *f);
		rl_json_print(v, &body);
		rl_buf_addc(&body, '\n');
	}
	rl_agent_repo_key(rl_json_str(baton, "repo"), key, sizeof key);
	memory(E, key, &mem);
	/* what the request holds besides the body built so far */
	E->R.reserve = sys->len + p->len + (mem.len ? mem.len + 8 : 0);
	rl_buf_reset(&E->R.map);
	if (E->R.A->context)
		E->R.A->context(&E->R, baton, &body);
	if (mem.len) {
		rl_buf_adds(&body, "Memory:\n");
		rl_buf_add(&body, mem.data, mem.len);
	}
	rl_buf_add(p, E->R.map.data, E->R.map.len);
	head = p->len;
	rl_buf_add(p, body.data, body.len);
	rl_buf_free(&mem);
	rl_buf_free(&body);
	return head;
}

void
rl_agent_code(struct rl_agent_run *R, const cJSON *baton, const char *text,
	int windows, struct rl_buf *prompt)
{
	const char *repo = rl_json_str(baton, "repo");
	size_t max = (size_t)rl_config_num(R->cfg, "context.max_prompt_tokens",
	    8000), used = (R->reserve + prompt->len + AGAIN_ROOM + 3) / 4;
	struct rl_context_ask q = {
		.dir = repo ? repo : R->dir,
		.text = text,
		/* ranked for the task alone, the map is the same in every
		 * stage's request: the prompt's head */
		.map_text = rl_json_str(baton, "task") ? rl_json_str(baton,
		    "task") : "",
		.debt = cJSON_GetObjectItemCaseSensitive(baton, "debt"),
		.room = used < max ? max - used : 0,
		.windows = windows,
		.map = &R->map,
	};

	rl_buf_reset(&R->map);
	rl_context_add(&R->ctx, &q, prompt);
}

void
rl_agent_strings(const cJSON *v, struct rl_buf *out)
{
	const cJSON *x;

	if (cJSON_IsString(v)) {
		rl_buf_adds(out, v->valuestring);
		rl_buf_addc(out, '\n');
	}
	cJSON_ArrayForEach(x, v)
		rl_agent_strings(x, out);
}

/* --- replies ------------------------------------------------------------ */

void
rl_agent_error(cJSON *errs, const char *path, const char *keyword,
	const char *msg)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "path", path);
	cJSON_AddStringToObject(o, "keyword", keyword);
	cJSON_AddStringToObject(o, "message", msg);
	cJSON_AddItemToArray(errs, o);
}

/* The reply s without its thinking, into out: a <think>...</think>
 * block (unclosed: to the end), or all up to a lone </think>, as
 * reasoning models send them. */
static void
unthink(const char *s, struct rl_buf *out, int *fix)
{
	const char *a, *b;
	int i;

	for (i = 0; i < 8; i++) {
		a = strstr(s, "<think>");
		b = strstr(s, "</think>");
		if (b && (!a || b < a)) {
			s = b + 8;
		} else if (a) {
			rl_buf_add(out, s, (size_t)(a - s));
			b = strstr(a + 7, "</think>");
			s = b ? b + 8 : a + strlen(a);
		} else {
			break;
		}
		*fix |= FIX_THINK;
	}
	rl_buf_adds(out, s);
}

/* One past the '}' that closes the object opening at s, or NULL. */
static const char *
object_end(const char *s, const char *end)
{
	int depth = 0, str = 0;

	for (; s < end; s++) {
		if (str) {
			if (*s == '\\' && s + 1 < end)
				s++;
			else if (*s == '"')
				str = 0;
		} else if (*s == '"') {
			str = 1;
		} else if (*s == '{' || *s == '[') {
			depth++;
		} else if ((*s == '}' || *s == ']') && --depth == 0) {
			return *s == '}' ? s + 1 : NULL;
		}
	}
	return NULL;
}

static cJSON *
parse_object(const char *a, const char *b, struct rl_json_err *je)
{
	cJSON *v = NULL;

	if (rl_json_parse(a, (size_t)(b - a), RL_LOOP_MAX_DEPTH, &v, je) < 0)
		return NULL;
	if (!cJSON_IsObject(v)) {
		cJSON_Delete(v);
		return NULL;
	}
	return v;
}

static int
blank(const char *a, const char *b)
{
	for (; a < b; a++)
		if (!strchr(" \t\r\n", *a))
			return 0;
	return 1;
}

/* The object of a reply (t, n bytes): the whole text, else the first
 * ```-fenced one, else the first balanced {...} that parses; fix says
 * which.  NULL with errs telling why. */
static cJSON *
find_object(const char *t, size_t n, int *fix, cJSON *errs)
{
	const char *end = t + n, *a, *b, *f, *g;
	struct rl_json_err je = {0};
	cJSON *v;
	int tries = 0;

	while (t < end && strchr(" \t\r\n", *t))
		t++;
	while (end > t && strchr(" \t\r\n", end[-1]))
		end--;
	if (t == end) {
		rl_agent_error(errs, "", "json", "the reply is empty");
		return NULL;
	}
	if (*t == '{' && end[-1] == '}' && (v = parse_object(t, end, &je)))
		return v;
	/* ``` and a language's name, the object, ``` */
	for (f = t; (f = memmem(f, (size_t)(end - f), "```", 3)); f = g + 3) {
		for (a = f + 3; a < end && (isalnum((unsigned char)*a) || *a == '_'); a++)
			;
		if (!(g = memmem(a, (size_t)(end - a), "```", 3)))
			break;
		for (b = g; b > a && strchr(" \t\r\n", b[-1]); b--)
			;
		while (a < b && strchr(" \t\r\n", *a))
			a++;
		if (a < b && *a == '{' && (v = parse_object(a, b, &je))) {
			*fix |= FIX_FENCE | (blank(t, f) && blank(g + 3, end) ? 0 :
			    FIX_PROSE);
			return v;
		}
	}
	for (a = t; (a = memchr(a, '{', (size_t)(end - a))) &&
	    tries++ < OBJECTS_TRIED; a++)
		if ((b = object_end(a, end)) && (v = parse_object(a, b, &je))) {
			*fix |= FIX_PROSE;
			return v;
		}
	/* none: why the widest candidate is not one */
	a = memchr(t, '{', (size_t)(end - t));
	for (b = end; b > t && b[-1] != '}'; b--)
		;
	if (!a || b <= a) {
		rl_agent_error(errs, "", "json", "the reply holds no JSON object");
		return NULL;
	}
	if ((v = parse_object(a, b, &je))) {
		cJSON_Delete(v);      /* cannot be: the scan above found none */
		rl_agent_error(errs, "", "json", "the reply holds no JSON object");
	} else {
		rl_agent_error(errs, "", "json", je.message[0] ? je.message :
		    "the reply's object is not an object");
	}
	return NULL;
}

/* Whether baton's request asks for a text reply (rl_agent.text). */
static int
is_text(struct engine *E, const cJSON *baton)
{
	return E->R.A->text && E->R.A->text(&E->R, baton);
}

/* The reply as a checked object, or NULL with errs telling why; its
 * text without thinking in text (may be NULL), what it took in fix.  A
 * fence, words around the object, or a <think> block before it are
 * tolerated: models send them. */
static cJSON *
take_reply(struct engine *E, const cJSON *baton, const struct rl_call *c,
	cJSON *errs, struct rl_buf *text, int *fix)
{
	struct rl_buf own = {0}, *t = text ? text : &own;
	cJSON *v;

	*fix = 0;
	unthink(c->text.data ? c->text.data : "", t, fix);
	if (is_text(E, baton)) {
		/* a text reply: check and apply read it themselves */
		v = cJSON_CreateString(t->data ? t->data : "");
		rl_buf_free(&own);
		if (E->R.A->check && !E->R.A->check(&E->R, baton, v, errs)) {
			cJSON_Delete(v);
			return NULL;
		}
		return v;
	}
	v = find_object(t->data ? t->data : "", t->len, fix, errs);
	rl_buf_free(&own);
	if (!v)
		return NULL;
	if (!rl_schema_check(E->schema, v, errs, ERRORS_MAX) ||
	    (E->R.A->check && !E->R.A->check(&E->R, baton, v, errs))) {
		cJSON_Delete(v);
		return NULL;
	}
	return v;
}

/* Count in the metrics what a reply needed, so rl-stats errors shows how
 * often a model needs it. */
static void
count_fixes(int fix)
{
	if (fix & FIX_THINK)
		rl_metrics_count("validate.reply_think",
		    "a <think> block was dropped from the reply");
	if (fix & FIX_FENCE)
		rl_metrics_count("validate.reply_fence",
		    "the reply's JSON was taken from a markdown fence");
	if (fix & FIX_PROSE)
		rl_metrics_count("validate.reply_prose",
		    "the reply's JSON was taken from among prose");
}

/* The pool's repair hook: a reply cut at the token limit is asked again
 * once, shorter; a reply that is not valid gets one more round quoting
 * what was wrong. */
static int
again(const cJSON *rec, const struct rl_call *c, void *arg, struct rl_buf *buf)
{
	struct engine *E = arg;
	struct rl_buf text = {0};
	cJSON *errs, *v, *x;
	size_t n;
	int fix;

	if (c->err.code) {
		if (strcmp(c->err.code, "provider.truncated") != 0 ||
		    strstr(c->prompt, SHORTER))
			return 0;
		rl_metrics_count("validate.reply_cut", "the reply was cut at the "
		    "token limit and asked again, shorter");
		rl_buf_adds(buf, c->prompt);
		rl_buf_adds(buf, SHORTER);
		return 1;
	}
	errs = cJSON_CreateArray();
	if ((v = take_reply(E, rec, c, errs, &text, &fix)) ||
	    strstr(c->prompt, REPAIR)) {
		/* good, or repaired once already: done() takes it */
		cJSON_Delete(v);
		cJSON_Delete(errs);
		rl_buf_free(&text);
		return 0;
	}
	count_fixes(fix);
	n = text.len;
	if (n > REPLY_QUOTE)
		n = rl_utf8_prefix(text.data, REPLY_QUOTE);
	rl_buf_adds(buf, c->prompt);
	rl_buf_adds(buf, REPAIR);
	rl_buf_add(buf, text.data ? text.data : "", n);
	rl_buf_adds(buf, "\nIt is not valid:\n");
	cJSON_ArrayForEach(x, errs)
		rl_buf_printf(buf, "- %s: %s\n", *rl_json_str(x, "path") ?
		    rl_json_str(x, "path") : "/", rl_json_str(x, "message"));
	rl_buf_adds(buf, is_text(E, rec) ? "Reply again with only the "
	    "corrected text.\n" : "Reply again with only the corrected JSON "
	    "object.\n");
	cJSON_Delete(errs);
	rl_buf_free(&text);
	return 1;
}

static void
add_usage(cJSON *o, const struct rl_call *c)
{
	cJSON *u = cJSON_GetObjectItemCaseSensitive(o, "usage");
	const char *k[] = {"prompt_tokens", "completion_tokens", "requests", "ms"};
	double d[] = {(double)c->usage.prompt_tokens,
	    (double)c->usage.completion_tokens, c->attempts, (double)c->ms};
	size_t i;

	if (!cJSON_IsObject(u)) {
		cJSON_DeleteItemFromObjectCaseSensitive(o, "usage");
		u = cJSON_AddObjectToObject(o, "usage");
	}
	for (i = 0; i < 4; i++)
		rl_json_set(u, k[i], cJSON_CreateNumber(rl_json_num(u, k[i], 0) + d[i]));
	/* of prompt_tokens, those the service read from its cache: there
	 * once a service said so, as they cost a fraction of the others */
	if (c->usage.cached_tokens > 0 || cJSON_HasObjectItem(u, "cached_tokens"))
		rl_json_set(u, "cached_tokens", cJSON_CreateNumber(rl_json_num(u,
		    "cached_tokens", 0) + (double)c->usage.cached_tokens));
}

static void
add_trail(struct engine *E, cJSON *baton, const struct rl_call *c)
{
	cJSON *t = cJSON_GetObjectItemCaseSensitive(baton, "trail"), *o;
	char at[32];

	if (!cJSON_IsArray(t)) {
		cJSON_DeleteItemFromObjectCaseSensitive(baton, "trail");
		t = cJSON_AddArrayToObject(baton, "trail");
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "stage", E->R.A->name);
	cJSON_AddStringToObject(o, "provider", rl_provider_name(E->R.p));
	/* a provider without models (cmd:, script:) is its own model */
	cJSON_AddStringToObject(o, "model", *rl_provider_model(E->R.p) ?
	    rl_provider_model(E->R.p) : rl_provider_name(E->R.p));
	add_usage(o, c);
	cJSON_AddNumberToObject(o, "ms", (double)c->ms);
	rl_dur_iso(rl_now_ms(), at, sizeof at);
	cJSON_AddStringToObject(o, "at", at);
	if (c->rounds)
		cJSON_AddNumberToObject(o, "repairs", c->rounds);
	if (c->usage.estimated)
		cJSON_AddTrueToObject(o, "estimated");
	cJSON_AddItemToArray(t, o);
}

/* Leave baton as it came, with an error saying why it did not advance. */
static int
fail(struct engine *E, cJSON *baton, const char *code, const char *msg,
	int attempts, cJSON *detail)
{
	cJSON *err = rl_err_object(code, msg, E->R.A->name);

	if (attempts)
		cJSON_AddNumberToObject(err, "attempts", attempts);
	if (detail)
		cJSON_AddItemToObject(err, "detail", detail);
	rl_json_set(baton, "error", err);
	rl_diag(rl_json_str(baton, "id"), 0, code, "%s", msg);
	rl_out_json(baton);
	return rl_err_status(code) > RL_EXIT_FAIL ? rl_err_status(code) :
	    RL_EXIT_FAIL;
}

/* A reply refused after the repair round: the message says why (the
 * first error) and how the reply began, so stderr tells it too. */
static int
refused(struct engine *E, cJSON *baton, cJSON *detail)
{
	const cJSON *e0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
	    detail, "errors"), 0);
	const char *reply = rl_json_str(detail, "reply"), *path;
	struct rl_buf msg = {0};
	size_t n, i;
	int rc;

	rl_buf_adds(&msg, "the model's reply is not valid after a repair round");
	if (e0) {
		path = rl_json_str(e0, "path");
		rl_buf_printf(&msg, ": %s%s%s", path && *path ? path : "",
		    path && *path ? ": " : "", rl_json_str(e0, "message") ?
		    rl_json_str(e0, "message") : "");
	}
	if (reply) {
		n = strlen(reply) > 200 ? rl_utf8_prefix(reply, 200) : strlen(reply);
		rl_buf_adds(&msg, "; it began: \"");
		for (i = 0; i < n; i++)
			rl_buf_addc(&msg, reply[i] == '\n' || reply[i] == '\r' ||
			    reply[i] == '\t' ? ' ' : reply[i]);
		rl_buf_adds(&msg, n < strlen(reply) ? "...\"" : "\"");
	}
	rc = fail(E, baton, "validate.reply", msg.data, 0, detail);
	rl_buf_free(&msg);
	return rc;
}

static int handle(struct engine *E, cJSON *b, int again);

/* The pool's done: the baton with the reply taken in, or an error.  A
 * baton the reply leaves addressed to this agent again (rl-act, with
 * more steps for the model) is handled again at once, in its place,
 * unless --hand-back says a supervisor journals each request. */
static int
done(cJSON *baton, struct rl_call *c, void *arg)
{
	struct engine *E = arg;
	struct rl_error e;
	cJSON *errs, *v, *detail;
	char *reply;
	size_t n;
	int fix;

	if (!c) {
		/* passed on: its status went to the loop already */
		rl_out_json(baton);
		return RL_EXIT_OK;
	}
	add_usage(baton, c);
	if (c->err.code)
		return fail(E, baton, c->err.code, c->err.message, c->attempts, NULL);
	add_trail(E, baton, c);
	errs = cJSON_CreateArray();
	v = take_reply(E, baton, c, errs, NULL, &fix);
	count_fixes(fix);
	if (!v) {
		detail = cJSON_CreateObject();
		n = c->text.len > REPLY_KEEP ?
		    rl_utf8_prefix(c->text.data, REPLY_KEEP) : c->text.len;
		reply = rl_xstrndup(c->text.data ? c->text.data : "", n);
		cJSON_AddStringToObject(detail, "reply", reply);
		free(reply);
		cJSON_AddItemToObject(detail, "errors", errs);
		return refused(E, baton, detail);
	}
	cJSON_Delete(errs);
	if (E->R.A->apply(&E->R, baton, v, &e) < 0)
		return fail(E, baton, e.code, e.message, 0, NULL);
	if (E->R.A->flags & RL_AGENT_AGAIN && !E->hand_back &&
	    rl_json_str(baton, "next") && strcmp(rl_json_str(baton, "next"),
	    E->R.A->name) == 0)
		return handle(E, baton, 1);
	rl_out_json(baton);
	return RL_EXIT_OK;
}

/* --- the record loop ---------------------------------------------------- */

/* Set baton's error; the status its record gets. */
static int
mark(struct engine *E, cJSON *baton, const char *code, const char *msg)
{
	rl_json_set(baton, "error", rl_err_object(code, msg, E->R.A->name));
	rl_diag(rl_json_str(baton, "id"), 0, code, "%s", msg);
	return rl_err_status(code) > RL_EXIT_FAIL ? rl_err_status(code) :
	    RL_EXIT_FAIL;
}

static int
open_provider(struct engine *E)
{
	if (E->R.p || E->open_err.code)
		return E->R.p ? 0 : -1;
	if (!(E->R.p = rl_provider_open(E->R.cfg, E->pname, E->model,
	    &E->open_err))) {
		rl_error_report(&E->open_err, NULL);
		return -1;
	}
	E->pool.p = E->R.p;
	rl_provider_agent(E->R.p, E->R.cfg, E->R.A->name);
	/* errors from now on are this provider's */
	rl_metrics_context("provider", rl_provider_name(E->R.p));
	rl_metrics_context("model", rl_provider_model(E->R.p));
	return 0;
}

static void
dry_run(struct engine *E, const cJSON *baton, const struct rl_buf *sys,
	const struct rl_buf *prompt, size_t head)
{
	cJSON *o = cJSON_CreateObject();
	const char *id = rl_json_str(baton, "id");

	cJSON_AddStringToObject(o, "id", id ? id : "");
	cJSON_AddStringToObject(o, "stage", E->R.A->name);
	cJSON_AddStringToObject(o, "system", sys->data ? sys->data : "");
	cJSON_AddStringToObject(o, "prompt", prompt->data ? prompt->data : "");
	cJSON_AddNumberToObject(o, "head", (double)head);
	cJSON_AddNumberToObject(o, "tokens", (double)((sys->len + prompt->len + 3) / 4));
	rl_prov_pool_pass(&E->pool, o);
	cJSON_Delete(o);
}

/*
 * A baton addressed to this agent: the budget, local, then the request.
 * again: it comes back from done() (its place in the output is now), so
 * it is sent with rl_prov_pool_follow, or written when it goes on.
 */
static int
handle(struct engine *E, cJSON *b, int again)
{
	struct rl_buf why = {0}, sys = {0}, prompt = {0};
	struct rl_call req = {0};
	struct rl_error e;
	int status = RL_EXIT_OK, rc;

	/* before a call, or a tool; rl-complete asks none and must finish */
	if (E->R.A->apply && rl_budget_check(E->R.cfg, b, rl_now_ms(), &why)) {
		rl_budget_spend(b, why.data);
		goto pass;
	}
	rc = E->R.A->local ? E->R.A->local(&E->R, b, &e) : 0;
	if (rc < 0) {
		status = mark(E, b, e.code, e.message);
		goto pass;
	}
	if (rc > 0) {
		status = rc > 1 ? RL_EXIT_FAIL : RL_EXIT_OK;
		goto pass;
	}
	build_system(E, b, &sys);
	req.head = build_prompt(E, b, &sys, &prompt);
	if (E->dry_run) {
		dry_run(E, b, &sys, &prompt, req.head);
	} else if (open_provider(E) < 0) {
		status = mark(E, b, E->open_err.code, E->open_err.message);
		goto pass;
	} else {
		req.prompt = prompt.data;
		req.system = sys.data;
		req.json = !is_text(E, b);
		if (again)
			rl_prov_pool_follow(&E->pool, b, &req);
		else
			rl_prov_pool_send(&E->pool, b, &req);
	}
	goto out;
pass:
	if (again)
		rl_out_json(b);
	else
		rl_prov_pool_pass(&E->pool, b);
out:
	rl_buf_free(&why);
	rl_buf_free(&sys);
	rl_buf_free(&prompt);
	return status;
}

static int
each(struct rl_rec *r, void *arg)
{
	struct engine *E = arg;
	cJSON *b = r->json;
	const char *next = rl_json_str(b, "next");
	int status;

	if (!cJSON_IsObject(b) || !next || strcmp(next, E->R.A->name) != 0 ||
	    cJSON_GetObjectItemCaseSensitive(b, "error")) {
		/* not ours: on, byte for byte, in its place */
		if (E->R.A->failed && cJSON_IsObject(b) &&
		    cJSON_GetObjectItemCaseSensitive(b, "error"))
			E->R.A->failed(&E->R, b);
		rl_prov_pool_pass_raw(&E->pool, r->text, r->len);
		return RL_EXIT_OK;
	}
	/* ours may take long: what went before must not wait for it */
	rl_out_batch(0);
	status = handle(E, b, 0);
	rl_out_batch(1);
	return status;
}

static int
start(struct engine *E, struct rl_error *e)
{
	const struct rl_agent *A = E->R.A;
	struct rl_buf path = {0}, rel = {0}, msg = {0};
	char layers[160];

	if (A->apply) {
		if (load_prompt(E, e) < 0)
			return -1;
		rl_buf_printf(&rel, "schemas/agent-%s.json", A->name);
		rl_share_path(rel.data, &path);
		if (!(E->schema = rl_schema_load(path.data, &msg)))
			rl_error_set(e, "config.invalid", "%s", msg.data);
		rl_buf_free(&path);
		rl_buf_free(&rel);
		rl_buf_free(&msg);
		if (!E->schema)
			return -1;
		/* sent with each request, where the server takes a schema */
		E->pool.schema = rl_schema_doc(E->schema);
	}
	if (A->flags & RL_AGENT_TOOLS && rl_tools_load(E->R.cfg, &E->R.tools))
		rl_diag(NULL, 0, "tool.bad_manifest", "some tools are left out: "
		    "rl-act --check-tools says why");
	if (A->flags & RL_AGENT_SANDBOX) {
		/* refuse before reading anything: every baton would fail alike */
		if (!E->R.sb.off && rl_sandbox_probe(layers, sizeof layers, e) < 0)
			return -1;
		if (E->R.sb.off)
			fprintf(stderr, "%s: warning: --no-sandbox: tools run with "
			    "only limits, a deadline and a clean environment\n",
			    rl_prog);
		rl_sandbox_limits(E->R.cfg, &E->R.sb);
	}
	rl_context_settings(E->R.cfg, &E->R.ctx);
	if (!(E->R.mem = rl_mem_open(E->R.cfg, e)))
		return -1;
	if (A->apply && !(A->flags & RL_AGENT_LAZY) && !E->dry_run &&
	    open_provider(E) < 0) {
		*e = E->open_err;
		e->code = NULL;     /* reported already */
		return -1;
	}
	return 0;
}

/* agents.NAME.KEY, or NULL. */
static const char *
agent_setting(const struct rl_config *cfg, const char *name, const char *key)
{
	char k[96];

	snprintf(k, sizeof k, "agents.%s.%s", name, key);
	return rl_config_str(cfg, k, NULL);
}

/* The options every agent takes, those of an agent that asks a model,
 * that of one that runs tools and that of one that may ask again for a
 * baton (tests/0001-docs.bats reads the four tables by their names). */
enum { OPT_DRY_RUN = RL_OPT_LONG, OPT_NO_SANDBOX, OPT_HAND_BACK };

static const struct option agent_opts[] = {
	{"directory", required_argument, NULL, 'C'},
	RL_CMD_OPTIONS
};
static const struct option model_opts[] = {
	{"provider", required_argument, NULL, 'p'},
	{"model", required_argument, NULL, 'm'},
	{"jobs", required_argument, NULL, 'j'},
	{"dry-run", no_argument, NULL, OPT_DRY_RUN},
};
static const struct option sandbox_opts[] = {
	{"no-sandbox", no_argument, NULL, OPT_NO_SANDBOX},
};
static const struct option again_opts[] = {
	{"hand-back", no_argument, NULL, OPT_HAND_BACK},
};
static const char agent_letters[] = "hC:", model_letters[] = "p:m:j:";

/* A's options into opts (room for 12), their letters into letters. */
static void
options(const struct rl_agent *A, struct option *opts, char *letters,
	size_t size)
{
	size_t n = 0, i;

	if (A->apply)
		for (i = 0; i < sizeof model_opts / sizeof *model_opts; i++)
			opts[n++] = model_opts[i];
	if (A->flags & RL_AGENT_SANDBOX)
		opts[n++] = sandbox_opts[0];
	if (A->flags & RL_AGENT_AGAIN)
		opts[n++] = again_opts[0];
	for (i = 0; i < sizeof agent_opts / sizeof *agent_opts; i++)
		opts[n++] = agent_opts[i];
	snprintf(letters, size, "%s%s", agent_letters, A->apply ?
	    model_letters : "");
}

int
rl_agent_main(const struct rl_agent *A, int argc, char **argv)
{
	static struct rl_config cfg;
	struct option opts[12];
	char usage[192], letters[16];
	struct rl_cmd_args O = {.usage = usage, .optstring = letters,
	    .longopts = opts};
	struct engine E = {0};
	struct rl_error e = {0};
	int c, status;

	rl_cmd_start(argv[0], &cfg);
	E.R.A = A;
	E.R.cfg = &cfg;
	E.jobs = 1;
	E.R.dir = ".";
	options(A, opts, letters, sizeof letters);
	snprintf(usage, sizeof usage, "usage: %s %s[-C dir]%s%s [file ...]\n",
	    rl_prog, A->apply ? "[-p provider] [-m model] [-j jobs] [--dry-run] " :
	    "", A->flags & RL_AGENT_SANDBOX ? " [--no-sandbox]" : "",
	    A->flags & RL_AGENT_AGAIN ? " [--hand-back]" : "");
	while ((c = rl_cmd_getopt(&O, argc, argv)) != -1) {
		switch (c) {
		case 'p': E.pname = optarg; break;
		case 'm': E.model = optarg; break;
		case 'j':
			if (rl_prov_pool_jobs(optarg, &E.jobs) < 0)
				return rl_cmd_finish(&cfg, NULL, RL_EXIT_USAGE);
			break;
		case OPT_DRY_RUN: E.dry_run = E.R.dry_run = 1; break;
		case 'C': E.R.dir = optarg; break;
		case OPT_NO_SANDBOX: E.R.sb.off = 1; break;
		case OPT_HAND_BACK: E.hand_back = 1; break;
		}
	}
	if (O.status >= 0)
		return rl_cmd_finish(&cfg, NULL, O.status);
	/* an agent's own provider and model, unless the flags say */
	if (!E.pname)
		E.pname = agent_setting(&cfg, A->name, "provider");
	if (!E.model)
		E.model = agent_setting(&cfg, A->name, "model");
	rl_prov_pool_init(&E.pool, NULL, E.jobs, 0, done, &E);
	E.pool.again = again;
	E.pool.rounds = 2;        /* a shorter ask and a repair, once each */
	if (start(&E, &e) < 0) {
		status = e.code ? rl_error_report(&e, NULL) : RL_EXIT_USAGE;
		goto out;
	}
	rl_cmd_limits(&cfg, &E.L);
	E.L.fn = each;
	E.L.arg = &E;
	E.L.stage = A->name;
	E.L.emit = rl_prov_pool_emit;
	E.L.emit_arg = &E.pool;
	E.L.idle = rl_prov_pool_idle;
	E.L.idle_arg = &E.pool;
	status = rl_loop_run(&E.L, O.nops, O.ops);
	status = rl_exit_merge(status, rl_prov_pool_drain(&E.pool));
out:
	if (E.R.p)
		rl_provider_close(E.R.p);
	if (E.R.mem)
		rl_mem_close(E.R.mem);
	rl_tools_free(&E.R.tools);
	rl_context_settings_free(&E.R.ctx);
	rl_buf_free(&E.R.map);
	rl_schema_free(E.schema);
	rl_buf_free(&E.system);
	return rl_cmd_finish(&cfg, &E.L, status);
}
