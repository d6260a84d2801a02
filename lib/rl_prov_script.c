/*
 * rl_prov_script.c - replies replayed from a cassette: script:FILE.
 *
 * The cassette's format is redline-cassette(5): one JSON object a line,
 * each a request matcher and what to answer (a reply with its usage, or
 * an injected error), with a latency.  A request takes the first entry,
 * in file order, whose matchers all hold and whose uses are not spent.
 * Injected errors go through the same retry policy as real ones, and the
 * latency is waited on the provider's clock, so a cassette can exercise
 * everything a live service does, without a network.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rl_fs.h"
#include "rl_json.h"
#include "rl_provider_impl.h"

#define CASSETTE_MAX (256UL << 20)

struct entry {
	cJSON *j;
	unsigned long line;
	long left;               /* uses left; -1: forever */
	long latency;
	int has_re;
	regex_t re;
};

struct script {
	struct entry *e;
	size_t n;
	const char *path;
	struct rl_call **fly;    /* calls waiting out their latency */
	size_t nfly, capfly;
};

struct pending {
	struct entry *e;
	long long due;
};

static const char *const transports[][2] = {
	{"timeout", "provider.timeout"}, {"connect", "provider.connect"},
	{"dns", "provider.dns"}, {"reset", "provider.reset"},
	{"empty_reply", "provider.empty_reply"}, {"tls", "provider.tls"},
	{"stream_cut", "provider.stream_cut"}, {NULL, NULL}
};

static int
bad(struct rl_error *e, const char *path, unsigned long line, const char *what)
{
	return rl_error_set(e, "provider.cassette", "%s:%lu: %s", path, line, what);
}

/* Check one entry's shape; 0 or -1 with e set. */
static int
check(struct script *s, struct entry *en, struct rl_error *e)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(en->j, "match");
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(en->j, "error");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(en->j, "times");
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(en->j, "latency_ms");
	const cJSON *re = cJSON_GetObjectItemCaseSensitive(m, "prompt_re");
	const char *tr;
	int i;

	if (m && !cJSON_IsObject(m))
		return bad(e, s->path, en->line, "match must be an object");
	if (!err && !cJSON_GetObjectItemCaseSensitive(en->j, "reply") &&
	    !cJSON_GetObjectItemCaseSensitive(en->j, "reply_json"))
		return bad(e, s->path, en->line, "an entry needs reply, reply_json or error");
	if (err) {
		if (!cJSON_IsObject(err))
			return bad(e, s->path, en->line, "error must be an object");
		tr = rl_json_str(err, "transport");
		if (tr) {
			for (i = 0; transports[i][0] && strcmp(transports[i][0], tr); i++)
				;
			if (!transports[i][0])
				return bad(e, s->path, en->line, "unknown error.transport");
		} else if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(err, "status")) &&
		    !rl_json_str(err, "code")) {
			return bad(e, s->path, en->line,
			    "error needs status, transport or code");
		}
	}
	en->left = 1;
	if (t) {
		if (!rl_json_is_integer(t) || t->valuedouble < 0)
			return bad(e, s->path, en->line, "times must be an integer >= 0");
		en->left = t->valuedouble == 0 ? -1 : (long)t->valuedouble;
	}
	if (l && (!cJSON_IsNumber(l) || l->valuedouble < 0))
		return bad(e, s->path, en->line, "latency_ms must be a number >= 0");
	en->latency = l ? (long)l->valuedouble : 0;
	if (re) {
		if (!cJSON_IsString(re) ||
		    regcomp(&en->re, re->valuestring, REG_EXTENDED | REG_NOSUB) != 0)
			return bad(e, s->path, en->line, "match.prompt_re is not a regular expression");
		en->has_re = 1;
	}
	return 0;
}

static int
sc_open(struct rl_provider *p, struct rl_error *e)
{
	struct script *s = rl_xcalloc(1, sizeof *s);
	struct rl_buf text = {0};
	const char *path = rl_provider_str(p, "cassette");
	char *line, *next, *end;
	unsigned long ln = 0;
	struct entry en;
	int rc = 0;

	p->impl = s;
	s->path = path;
	if (!*path)
		return rl_error_set(e, "provider.cassette",
		    "script: names no cassette: write script:FILE");
	if (rl_fs_read(path, &text, CASSETTE_MAX) < 0) {
		rl_buf_free(&text);
		return rl_error_set(e, "provider.cassette", "cannot read cassette %s: %m",
		    path);
	}
	for (line = text.data; line && line < text.data + text.len && rc == 0;
	    line = next) {
		ln++;
		end = memchr(line, '\n', (size_t)(text.data + text.len - line));
		next = end ? end + 1 : NULL;
		if (!end)
			end = text.data + text.len;
		while (line < end && (*line == ' ' || *line == '\t'))
			line++;
		if (line == end || *line == '#' || (end - line == 1 && *line == '\r'))
			continue;
		memset(&en, 0, sizeof en);
		en.line = ln;
		en.j = cJSON_ParseWithLength(line, (size_t)(end - line));
		if (!cJSON_IsObject(en.j)) {
			cJSON_Delete(en.j);
			rc = bad(e, path, ln, "not a JSON object");
			break;
		}
		if (cJSON_GetObjectItemCaseSensitive(en.j, "cassette")) {
			cJSON_Delete(en.j);
			continue;
		}
		if ((rc = check(s, &en, e)) < 0) {
			if (en.has_re)
				regfree(&en.re);
			cJSON_Delete(en.j);
			break;
		}
		s->e = rl_xrealloc(s->e, (s->n + 1) * sizeof *s->e);
		s->e[s->n++] = en;
	}
	rl_buf_free(&text);
	return rc;
}

static void
sc_close(struct rl_provider *p)
{
	struct script *s = p->impl;
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		if (s->e[i].has_re)
			regfree(&s->e[i].re);
		cJSON_Delete(s->e[i].j);
	}
	free(s->e);
	free(s->fly);
	free(s);
	p->impl = NULL;
}

static int
matches(const struct rl_provider *p, const struct entry *en,
	const struct rl_call *c)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(en->j, "match");
	const char *v;

	if (en->left == 0)
		return 0;
	if ((v = rl_json_str(m, "prompt")) && !strstr(c->prompt, v))
		return 0;
	if ((v = rl_json_str(m, "system")) &&
	    !strstr(c->system ? c->system : "", v))
		return 0;
	if ((v = rl_json_str(m, "model")) && strcmp(v, p->model) != 0)
		return 0;
	if (en->has_re && regexec(&en->re, c->prompt, 0, NULL, 0) != 0)
		return 0;
	return 1;
}

static void
sc_start(struct rl_provider *p, struct rl_call *c)
{
	struct script *s = p->impl;
	struct pending *pd;
	char m[200];
	size_t i;

	free(c->impl);
	c->impl = NULL;
	for (i = 0; i < s->n && !matches(p, &s->e[i], c); i++)
		;
	if (i == s->n) {
		snprintf(m, sizeof m, "no entry of %s matches the request "
		    "(prompt begins '%.60s')", s->path, c->prompt);
		rl_provider_ended(p, c, "provider.cassette", m, NULL);
		return;
	}
	if (s->e[i].left > 0)
		s->e[i].left--;
	pd = rl_xcalloc(1, sizeof *pd);
	pd->e = &s->e[i];
	pd->due = c->sent + s->e[i].latency;
	c->impl = pd;
	if (s->nfly == s->capfly) {
		s->capfly = s->capfly ? s->capfly * 2 : 16;
		s->fly = rl_xrealloc(s->fly, s->capfly * sizeof *s->fly);
	}
	s->fly[s->nfly++] = c;
}

static const char *
transport_code(const char *name)
{
	int i;

	for (i = 0; transports[i][0]; i++)
		if (strcmp(transports[i][0], name) == 0)
			return transports[i][1];
	return "provider.transport";
}

/* Answer c as its entry says. */
static void
answer(struct rl_provider *p, struct rl_call *c, const struct entry *en)
{
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(en->j, "error");
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(en->j, "usage");
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(en->j, "reply");
	const cJSON *v;
	struct rl_attempt a = RL_ATTEMPT_INIT;
	const char *code, *msg, *f;

	if (err) {
		msg = rl_json_str(err, "message");
		if ((f = rl_json_str(err, "transport"))) {
			a.transport = 1;
			a.transport_retry = strcmp(f, "tls") != 0;
			code = transport_code(f);
		} else if ((v = cJSON_GetObjectItemCaseSensitive(err, "status")) &&
		    cJSON_IsNumber(v)) {
			a.status = (long)v->valuedouble;
			code = rl_provider_status_code(a.status);
		} else {
			code = rl_json_str(err, "code");
			if (!rl_err_valid_code(code) || strncmp(code, "provider.", 9))
				code = "provider.cassette";
		}
		if ((v = cJSON_GetObjectItemCaseSensitive(err, "retry_after_ms")) &&
		    cJSON_IsNumber(v))
			a.after_ms = (long long)v->valuedouble;
		else if ((v = cJSON_GetObjectItemCaseSensitive(err, "retry_after"))) {
			if (cJSON_IsNumber(v))
				a.after_ms = (long long)(v->valuedouble * 1000);
			else if (cJSON_IsString(v))
				a.after_ms = rl_prov_retry_after_parse(v->valuestring,
				    p->clock.now(p->clock.arg));
		}
		if ((v = cJSON_GetObjectItemCaseSensitive(err, "should_retry")) &&
		    cJSON_IsBool(v))
			a.should_retry = cJSON_IsTrue(v);
		rl_provider_ended(p, c, code, msg ? msg : "injected by the cassette",
		    a.transport || a.status ? &a : NULL);
		return;
	}
	if (cJSON_IsString(r)) {
		rl_buf_adds(&c->text, r->valuestring);
	} else if ((v = cJSON_GetObjectItemCaseSensitive(en->j,
	    r ? "reply" : "reply_json"))) {
		rl_json_print(v, &c->text);
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(u, "prompt_tokens")) &&
	    cJSON_IsNumber(v))
		c->usage.prompt_tokens = (long)v->valuedouble;
	if ((v = cJSON_GetObjectItemCaseSensitive(u, "completion_tokens")) &&
	    cJSON_IsNumber(v))
		c->usage.completion_tokens = (long)v->valuedouble;
	if ((f = rl_json_str(en->j, "finish_reason")) && strcmp(f, "length") == 0) {
		rl_provider_ended(p, c, "provider.truncated",
		    "the reply was cut at max_tokens: raise provider.max_tokens", NULL);
		return;
	}
	rl_provider_ended(p, c, NULL, NULL, &a);
}

static void
sc_wait(struct rl_provider *p, long long timeout_ms)
{
	struct script *s = p->impl;
	long long now = p->clock.now(p->clock.arg), first = -1;
	struct pending *pd;
	struct rl_call *c;
	size_t i;

	for (i = 0; i < s->nfly; i++) {
		pd = s->fly[i]->impl;
		if (first < 0 || pd->due < first)
			first = pd->due;
	}
	if (first > now) {
		rl_provider_pause(p, first - now < timeout_ms ?
		    first - now : timeout_ms);
		now = p->clock.now(p->clock.arg);
	}
	/* answer what is due, oldest first; answering may start a retry */
	for (i = 0; i < s->nfly;) {
		c = s->fly[i];
		pd = c->impl;
		if (pd->due > now) {
			i++;
			continue;
		}
		memmove(s->fly + i, s->fly + i + 1, (s->nfly - i - 1) * sizeof *s->fly);
		s->nfly--;
		answer(p, c, pd->e);
	}
}

static void
sc_forget(struct rl_call *c)
{
	free(c->impl);
	c->impl = NULL;
}

static int
sc_health(struct rl_provider *p, cJSON *info, struct rl_error *e)
{
	struct script *s = p->impl;

	if (info)
		cJSON_AddNumberToObject(info, "entries", (double)s->n);
	if (!s->n)
		return rl_error_set(e, "provider.cassette", "cassette %s has no entries",
		    s->path);
	return 0;
}

const struct rl_provider_ops rl_prov_script = {
	"script", sc_open, sc_start, sc_wait, sc_health, NULL, sc_forget,
	sc_close
};
