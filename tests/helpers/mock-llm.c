/*
 * mock-llm - an OpenAI-compatible chat-completions server, and an
 * Anthropic Messages one, for tests and benchmarks, on 127.0.0.1, driven
 * by a script of replies and faults.
 *
 * usage: mock-llm [-s script] [-l log] [-m models] [-M status] [-c context]
 *                 [-P preset] [-R types]
 *
 * It listens on an ephemeral port and prints the port on stdout, then
 * serves until killed.  Each connection is served by a child process
 * (HTTP/1.1 keep-alive; the children die with the server).  Every POST
 * takes the next entry of the script (NDJSON, shared by all connections
 * in arrival order; each entry serves "times" requests, default 1); when
 * the script is spent, or without one, the reply is "echo: " and the last
 * user message.  An entry:
 *
 *   status         HTTP status (200)
 *   reply          the reply text; "usage" {prompt_tokens, completion_tokens}
 *   body           a raw body to send instead of a reply
 *   delay_ms       wait before answering
 *   retry_after, retry_after_ms, should_retry   headers to send
 *   reasoning      reasoning sent apart from the reply: in the message's
 *                  reasoning_content, or the field reasoning_field names
 *                  ("reasoning"); in a thinking block for Anthropic
 *   fault          reset (close with RST, no reply), close (no reply),
 *                  truncate (half the body), malformed (a body that is not
 *                  JSON), no_choices, length (finish_reason length),
 *                  sse_cut (a stream cut after its first chunks), trickle
 *                  (one byte every delay_ms), sse_error (a stream that
 *                  ends with an overloaded error event)
 *
 * In reply and body, {KEY} stands for the key the request's Authorization
 * header carries (Bearer KEY), {KEY_SLASH} for it with every "/" written
 * "\/" and {KEY_U} for it with every character written \u00XX (the ways
 * a JSON encoder may write it), so a test can have a service echo the key.
 *
 * A request with "stream": true gets a chunked text/event-stream reply.
 * GET .../models lists -m's comma-separated models (mock-model), or
 * answers -M's status; GET .../models/ID answers 200 for a listed model
 * and 404 for another.  With -l every request is logged as one JSON line:
 * n, method, path, headers (lower-case names), body, at (ms).
 *
 * A POST to a path ending in /messages is Anthropic's Messages API: the
 * reply (streamed or not), the usage and the errors come in its shape,
 * and status 529 is its "overloaded".
 *
 * With -c N the server tells a context window of N tokens the ways the
 * servers do: llama.cpp's GET /props, Ollama's POST /api/show (num_ctx),
 * vLLM's max_model_len in GET /v1/models, LM Studio's GET
 * /api/v0/models; without it those answer 404.
 *
 * -R json_schema[,json_object] answers 400 to a request whose
 * response_format is of those types, as a server without them does.
 * -P PRESET checks each chat request against what redline must send to
 * that preset's server and answers 400 naming what is wrong: a
 * temperature; a json_schema response_format in the portable strict
 * form (a name, a schema, and with strict every object closed and every
 * property required, no keyword servers refuse); "JSON" in the messages
 * for json_object (openai, qwen); the thinking switch with a JSON
 * response_format (vllm and llamacpp chat_template_kwargs, qwen
 * enable_thinking, ollama reasoning_effort); a seed where the server
 * takes one; for anthropic the x-api-key and anthropic-version headers,
 * max_tokens, and a cache_control breakpoint on the system prompt.
 * Rejected requests take no script entry.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

static cJSON **entries;
static size_t nentries;
static long *counter;            /* shared by every child: requests */
static long *served;             /* script entries taken */
static int logfd = -1;
static const char *models = "mock-model";
static int models_status = 200;
static long context;             /* -c */
static const char *preset = "";  /* -P */
static const char *reject = "";  /* -R */

static void
die(const char *msg)
{
	fprintf(stderr, "mock-llm: %s: %s\n", msg, strerror(errno));
	exit(1);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (ms > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static long long
now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void
load_script(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	cJSON *j, *t;
	long times, i;

	if (!f)
		die(path);
	while ((n = getline(&line, &cap, f)) > 0) {
		if (n <= 1 || line[0] == '#')
			continue;
		if (!(j = cJSON_Parse(line))) {
			fprintf(stderr, "mock-llm: %s: not JSON: %s", path, line);
			exit(1);
		}
		t = cJSON_GetObjectItem(j, "times");
		times = cJSON_IsNumber(t) ? (long)t->valuedouble : 1;
		for (i = 0; i < times; i++) {
			entries = realloc(entries, (nentries + 1) * sizeof *entries);
			entries[nentries++] = j;
		}
	}
	free(line);
	fclose(f);
}

static int
send_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

struct req {
	char method[16], path[512];
	cJSON *headers;
	char *body;
	size_t blen;
};

/* Read one request into r from the connection's buffer.  Returns 1, or 0
 * when the client closed. */
static int
read_req(int fd, char *buf, size_t *have, size_t cap, struct req *r)
{
	char *end, *line, *next, *colon, *v;
	size_t hlen, clen = 0;
	ssize_t n;

	while (!(end = memmem(buf, *have, "\r\n\r\n", 4))) {
		if (*have == cap || (*have && !isupper((unsigned char)buf[0])))
			return 0;   /* full, or not HTTP (a TLS hello): hang up */
		n = recv(fd, buf + *have, cap - *have, 0);
		if (n <= 0)
			return 0;
		*have += (size_t)n;
	}
	hlen = (size_t)(end - buf) + 4;
	*end = 0;
	r->headers = cJSON_CreateObject();
	if (sscanf(buf, "%15s %511s", r->method, r->path) != 2)
		return 0;
	for (line = strstr(buf, "\r\n"); line; line = next) {
		line += 2;
		next = strstr(line, "\r\n");
		if (next)
			*next = 0;
		if (!(colon = strchr(line, ':')))
			continue;
		*colon = 0;
		for (v = line; *v; v++)
			*v = (char)tolower((unsigned char)*v);
		v = colon + 1;
		while (*v == ' ')
			v++;
		cJSON_AddStringToObject(r->headers, line, v);
		if (strcmp(line, "content-length") == 0)
			clen = strtoul(v, NULL, 10);
	}
	r->body = malloc(clen + 1);
	r->blen = clen;
	if (*have - hlen >= clen) {
		memcpy(r->body, buf + hlen, clen);
		memmove(buf, buf + hlen + clen, *have - hlen - clen);
		*have -= hlen + clen;
	} else {
		size_t got = *have - hlen;

		memcpy(r->body, buf + hlen, got);
		while (got < clen) {
			n = recv(fd, r->body + got, clen - got, 0);
			if (n <= 0)
				return 0;
			got += (size_t)n;
		}
		*have = 0;
	}
	r->body[clen] = 0;
	return 1;
}

static void
log_req(long n, struct req *r, cJSON *body)
{
	cJSON *l = cJSON_CreateObject();
	char *s;
	size_t len;

	if (logfd < 0)
		return;
	cJSON_AddNumberToObject(l, "n", (double)n);
	cJSON_AddStringToObject(l, "method", r->method);
	cJSON_AddStringToObject(l, "path", r->path);
	cJSON_AddItemToObject(l, "headers", cJSON_Duplicate(r->headers, 1));
	cJSON_AddItemToObject(l, "body", body ? cJSON_Duplicate(body, 1) :
	    cJSON_CreateString(r->body));
	cJSON_AddNumberToObject(l, "at", (double)now_ms());
	s = cJSON_PrintUnformatted(l);
	len = strlen(s);
	s[len] = '\n';
	if (write(logfd, s, len + 1) < 0)
		die("log");
	free(s);
	cJSON_Delete(l);
}

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 529: return "Overloaded";
	default: return "Status";
	}
}

/* The headers an entry asks for, after the status line. */
static void
extra_headers(const cJSON *e, char *out, size_t size)
{
	const cJSON *v;
	size_t n = 0;

	out[0] = 0;
	if ((v = cJSON_GetObjectItem(e, "retry_after"))) {
		if (cJSON_IsString(v))
			n += (size_t)snprintf(out + n, size - n, "Retry-After: %s\r\n", v->valuestring);
		else
			n += (size_t)snprintf(out + n, size - n, "Retry-After: %g\r\n", v->valuedouble);
	}
	if ((v = cJSON_GetObjectItem(e, "retry_after_ms")) && n < size)
		n += (size_t)snprintf(out + n, size - n, "retry-after-ms: %g\r\n", v->valuedouble);
	if ((v = cJSON_GetObjectItem(e, "should_retry")) && n < size)
		snprintf(out + n, size - n, "x-should-retry: %s\r\n",
		    cJSON_IsTrue(v) ? "true" : "false");
}

static void
reset(int fd)
{
	struct linger l = {1, 0};

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	close(fd);
	exit(0);
}

/* tmpl with {KEY}, {KEY_SLASH} and {KEY_U} replaced by the request's
 * key (Authorization: Bearer KEY, or x-api-key: KEY), written as they
 * say; a new string. */
static char *
with_key(const char *tmpl, const struct req *r)
{
	const cJSON *h = cJSON_GetObjectItem(r->headers, "authorization");
	const cJSON *x = cJSON_GetObjectItem(r->headers, "x-api-key");
	const char *key = "", *p = tmpl, *k;
	size_t cap, n = 0;
	char *out;

	if (cJSON_IsString(h) && strncmp(h->valuestring, "Bearer ", 7) == 0)
		key = h->valuestring + 7;
	else if (cJSON_IsString(x))
		key = x->valuestring;
	cap = strlen(tmpl) + 1;
	out = malloc(cap);
	while (*p) {
		int slash = strncmp(p, "{KEY_SLASH}", 11) == 0;
		int u = strncmp(p, "{KEY_U}", 7) == 0;

		if (!slash && !u && strncmp(p, "{KEY}", 5) != 0) {
			out[n++] = *p++;
			continue;
		}
		p += slash ? 11 : u ? 7 : 5;
		cap += strlen(key) * 6;
		out = realloc(out, cap);
		for (k = key; *k; k++) {
			if (u)
				n += (size_t)snprintf(out + n, cap - n, "\\u%04x",
				    (unsigned char)*k);
			else if (slash && *k == '/')
				n += (size_t)snprintf(out + n, cap - n, "\\/");
			else
				out[n++] = *k;
		}
	}
	out[n] = 0;
	return out;
}

/* --- OpenAI's chat completions ------------------------------------------- */

static char *
completion(const char *text, const char *finish, const cJSON *usage,
	const char *rtext, const char *rfield)
{
	cJSON *r = cJSON_CreateObject(), *ch, *c, *m, *u;
	char *s;

	cJSON_AddStringToObject(r, "id", "mock");
	cJSON_AddStringToObject(r, "object", "chat.completion");
	ch = cJSON_AddArrayToObject(r, "choices");
	c = cJSON_CreateObject();
	cJSON_AddNumberToObject(c, "index", 0);
	m = cJSON_AddObjectToObject(c, "message");
	cJSON_AddStringToObject(m, "role", "assistant");
	if (rtext)
		cJSON_AddStringToObject(m, rfield, rtext);
	cJSON_AddStringToObject(m, "content", text);
	cJSON_AddStringToObject(c, "finish_reason", finish);
	cJSON_AddItemToArray(ch, c);
	if (usage)
		cJSON_AddItemToObject(r, "usage", cJSON_Duplicate(usage, 1));
	else {
		u = cJSON_AddObjectToObject(r, "usage");
		cJSON_AddNumberToObject(u, "prompt_tokens", 10);
		cJSON_AddNumberToObject(u, "completion_tokens", (double)(strlen(text) + 3) / 4);
	}
	s = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	return s;
}

static int
chunk(int fd, const char *data)
{
	char head[32];
	size_t n = strlen(data);

	snprintf(head, sizeof head, "%zx\r\n", n);
	return send_all(fd, head, strlen(head)) || send_all(fd, data, n) ||
	    send_all(fd, "\r\n", 2);
}

/* One server-sent event of j (consumed), named when name is not NULL. */
static void
sse(int fd, const char *name, cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j), *ev;
	size_t n = strlen(s) + (name ? strlen(name) : 0) + 32;

	ev = malloc(n);
	if (name)
		snprintf(ev, n, "event: %s\ndata: %s\n\n", name, s);
	else
		snprintf(ev, n, "data: %s\n\n", s);
	chunk(fd, ev);
	free(ev);
	free(s);
	cJSON_Delete(j);
}

static void
event(int fd, const char *piece, const char *field, const char *finish,
	const cJSON *usage)
{
	cJSON *r = cJSON_CreateObject(), *ch, *c, *d;

	ch = cJSON_AddArrayToObject(r, "choices");
	if (piece || finish) {
		c = cJSON_CreateObject();
		cJSON_AddNumberToObject(c, "index", 0);
		d = cJSON_AddObjectToObject(c, "delta");
		if (piece)
			cJSON_AddStringToObject(d, field, piece);
		if (finish)
			cJSON_AddStringToObject(c, "finish_reason", finish);
		else
			cJSON_AddNullToObject(c, "finish_reason");
		cJSON_AddItemToArray(ch, c);
	}
	if (usage)
		cJSON_AddItemToObject(r, "usage", cJSON_Duplicate(usage, 1));
	sse(fd, NULL, r);
}

static const char stream_head[] = "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

/* A streamed reply: the reasoning, then the text, in pieces of about 8
 * bytes. */
static void
stream(int fd, const char *text, const char *finish, const cJSON *usage,
	int cut, const char *rtext, const char *rfield)
{
	char piece[16];
	size_t i, n = strlen(text);
	int sent = 0;
	cJSON *u = NULL;

	send_all(fd, stream_head, sizeof stream_head - 1);
	for (i = 0; rtext && i < strlen(rtext); i += 8) {
		snprintf(piece, sizeof piece, "%.8s", rtext + i);
		event(fd, piece, rfield, NULL, NULL);
	}
	for (i = 0; i < n; i += 8) {
		snprintf(piece, sizeof piece, "%.8s", text + i);
		event(fd, piece, "content", NULL, NULL);
		if (cut && ++sent == 2) {
			shutdown(fd, SHUT_RDWR);
			close(fd);
			exit(0);
		}
	}
	event(fd, NULL, NULL, finish, NULL);
	if (!usage) {
		u = cJSON_CreateObject();
		cJSON_AddNumberToObject(u, "prompt_tokens", 10);
		cJSON_AddNumberToObject(u, "completion_tokens", (double)(n + 3) / 4);
	}
	event(fd, NULL, NULL, NULL, usage ? usage : u);
	cJSON_Delete(u);
	chunk(fd, "data: [DONE]\n\n");
	send_all(fd, "0\r\n\r\n", 5);
}

/* --- Anthropic's messages ------------------------------------------------ */

static cJSON *
an_usage(const cJSON *usage, const char *text)
{
	cJSON *u;

	if (usage)
		return cJSON_Duplicate(usage, 1);
	u = cJSON_CreateObject();
	cJSON_AddNumberToObject(u, "input_tokens", 10);
	cJSON_AddNumberToObject(u, "output_tokens", (double)(strlen(text) + 3) / 4);
	return u;
}

static char *
message(const char *text, const char *stop, const cJSON *usage,
	const char *rtext)
{
	cJSON *r = cJSON_CreateObject(), *ct, *b;
	char *s;

	cJSON_AddStringToObject(r, "id", "msg_mock");
	cJSON_AddStringToObject(r, "type", "message");
	cJSON_AddStringToObject(r, "role", "assistant");
	ct = cJSON_AddArrayToObject(r, "content");
	if (rtext) {
		b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "type", "thinking");
		cJSON_AddStringToObject(b, "thinking", rtext);
		cJSON_AddStringToObject(b, "signature", "mock");
		cJSON_AddItemToArray(ct, b);
	}
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "type", "text");
	cJSON_AddStringToObject(b, "text", text);
	cJSON_AddItemToArray(ct, b);
	cJSON_AddStringToObject(r, "stop_reason", stop);
	cJSON_AddNullToObject(r, "stop_sequence");
	cJSON_AddItemToObject(r, "usage", an_usage(usage, text));
	s = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	return s;
}

static cJSON *
typed(const char *type)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "type", type);
	return j;
}

/* One content block streamed: start, deltas of about 8 bytes, stop. */
static void
an_block(int fd, int index, const char *kind, const char *text)
{
	cJSON *j = typed("content_block_start"), *b;
	char piece[16];
	size_t i;
	int thinking = strcmp(kind, "thinking") == 0;

	cJSON_AddNumberToObject(j, "index", index);
	b = cJSON_AddObjectToObject(j, "content_block");
	cJSON_AddStringToObject(b, "type", kind);
	cJSON_AddStringToObject(b, kind, "");
	sse(fd, "content_block_start", j);
	for (i = 0; i < strlen(text); i += 8) {
		snprintf(piece, sizeof piece, "%.8s", text + i);
		j = typed("content_block_delta");
		cJSON_AddNumberToObject(j, "index", index);
		b = cJSON_AddObjectToObject(j, "delta");
		cJSON_AddStringToObject(b, "type", thinking ? "thinking_delta" :
		    "text_delta");
		cJSON_AddStringToObject(b, kind, piece);
		sse(fd, "content_block_delta", j);
	}
	j = typed("content_block_stop");
	cJSON_AddNumberToObject(j, "index", index);
	sse(fd, "content_block_stop", j);
}

static void
an_stream(int fd, const char *text, const char *stop, const cJSON *usage,
	const char *rtext, const char *fault)
{
	cJSON *j, *m, *u = an_usage(usage, text), *d, *e;
	const cJSON *out = cJSON_GetObjectItem(u, "output_tokens");

	send_all(fd, stream_head, sizeof stream_head - 1);
	j = typed("message_start");
	m = cJSON_AddObjectToObject(j, "message");
	cJSON_AddStringToObject(m, "id", "msg_mock");
	cJSON_AddStringToObject(m, "type", "message");
	cJSON_AddStringToObject(m, "role", "assistant");
	cJSON_AddArrayToObject(m, "content");
	d = cJSON_Duplicate(u, 1);
	cJSON_ReplaceItemInObject(d, "output_tokens", cJSON_CreateNumber(1));
	cJSON_AddItemToObject(m, "usage", d);
	sse(fd, "message_start", j);
	sse(fd, "ping", typed("ping"));
	if (strcmp(fault, "sse_error") == 0) {
		j = typed("error");
		e = cJSON_AddObjectToObject(j, "error");
		cJSON_AddStringToObject(e, "type", "overloaded_error");
		cJSON_AddStringToObject(e, "message", "Overloaded");
		sse(fd, "error", j);
		send_all(fd, "0\r\n\r\n", 5);
		cJSON_Delete(u);
		return;
	}
	if (rtext)
		an_block(fd, 0, "thinking", rtext);
	an_block(fd, rtext ? 1 : 0, "text", text);
	j = typed("message_delta");
	d = cJSON_AddObjectToObject(j, "delta");
	cJSON_AddStringToObject(d, "stop_reason", stop);
	cJSON_AddNullToObject(d, "stop_sequence");
	d = cJSON_AddObjectToObject(j, "usage");
	cJSON_AddNumberToObject(d, "output_tokens", out ? out->valuedouble : 1);
	sse(fd, "message_delta", j);
	sse(fd, "message_stop", typed("message_stop"));
	send_all(fd, "0\r\n\r\n", 5);
	cJSON_Delete(u);
}

/* --- what each preset must be sent --------------------------------------- */

static char problem[512];

static int
bad(const char *fmt, const char *arg)
{
	snprintf(problem, sizeof problem, fmt, arg);
	return 1;
}

static int
listed(const cJSON *a, const char *s)
{
	const cJSON *x;

	cJSON_ArrayForEach(x, a)
		if (cJSON_IsString(x) && strcmp(x->valuestring, s) == 0)
			return 1;
	return 0;
}

/* A schema node of the portable form: only keywords every server takes;
 * with strict, every object closed and every property required. */
static int
bad_schema(const cJSON *s, int strict)
{
	static const char *const ok[] = {"type", "properties", "required",
	    "additionalProperties", "items", "enum", "const", "anyOf",
	    "description", NULL};
	const cJSON *k, *props = cJSON_GetObjectItem(s, "properties"), *v;
	int i;

	if (!cJSON_IsObject(s))
		return bad("a schema node is not an object%s", "");
	cJSON_ArrayForEach(k, s) {
		for (i = 0; ok[i] && strcmp(ok[i], k->string); i++)
			;
		if (!ok[i])
			return bad("the schema has keyword %s, which servers refuse",
			    k->string);
	}
	if (props) {
		v = cJSON_GetObjectItem(s, "additionalProperties");
		if (strict && !cJSON_IsFalse(v))
			return bad("strict: an object has no additionalProperties false%s", "");
		cJSON_ArrayForEach(k, props) {
			if (strict && !listed(cJSON_GetObjectItem(s, "required"), k->string))
				return bad("strict: property %s is not in required", k->string);
			if (bad_schema(k, strict))
				return 1;
		}
	}
	if ((v = cJSON_GetObjectItem(s, "items")) && bad_schema(v, strict))
		return 1;
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(s, "anyOf"))
		if (bad_schema(k, strict))
			return 1;
	return 0;
}

static int
says_json(const cJSON *body)
{
	const cJSON *m, *c;

	cJSON_ArrayForEach(m, cJSON_GetObjectItem(body, "messages"))
		if (cJSON_IsString(c = cJSON_GetObjectItem(m, "content")) &&
		    strcasestr(c->valuestring, "json"))
			return 1;
	return 0;
}

static int
is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* 1 with problem set when body is not what preset's server must get. */
static int
check_openai(const cJSON *body)
{
	const cJSON *rf = cJSON_GetObjectItem(body, "response_format"), *js, *v;
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(rf, "type"));

	if (!cJSON_IsNumber(cJSON_GetObjectItem(body, "temperature")))
		return bad("no temperature was sent%s", "");
	if ((is(preset, "openai") || is(preset, "qwen") || is(preset, "ollama") ||
	    is(preset, "vllm") || is(preset, "llamacpp")) &&
	    !cJSON_IsNumber(cJSON_GetObjectItem(body, "seed")))
		return bad("no seed was sent to %s", preset);
	if (!rf)
		return 0;
	if (!type || (!is(type, "json_object") && !is(type, "json_schema")))
		return bad("response_format.type is %s", type ? type : "missing");
	if (is(type, "json_schema")) {
		if (is(preset, "qwen"))
			return bad("json_schema is not supported by this model%s", "");
		js = cJSON_GetObjectItem(rf, "json_schema");
		v = cJSON_GetObjectItem(js, "name");
		if (!cJSON_IsString(v) || !*v->valuestring)
			return bad("response_format.json_schema has no name%s", "");
		if (bad_schema(cJSON_GetObjectItem(js, "schema"),
		    cJSON_IsTrue(cJSON_GetObjectItem(js, "strict"))))
			return 1;
	}
	if (is(type, "json_object") && (is(preset, "openai") || is(preset, "qwen")) &&
	    !says_json(body))
		return bad("'messages' must contain the word 'json' to use "
		    "response_format json_object%s", "");
	if ((is(preset, "vllm") || is(preset, "llamacpp")) &&
	    !cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetObjectItem(body,
	    "chat_template_kwargs"), "enable_thinking")))
		return bad("a JSON reply with chat_template_kwargs.enable_thinking "
		    "not false%s", "");
	if (is(preset, "qwen") && !cJSON_IsFalse(cJSON_GetObjectItem(body,
	    "enable_thinking")))
		return bad("a JSON reply with enable_thinking not false%s", "");
	if (is(preset, "ollama") && !is(cJSON_GetStringValue(cJSON_GetObjectItem(
	    body, "reasoning_effort")) ? cJSON_GetStringValue(cJSON_GetObjectItem(
	    body, "reasoning_effort")) : "", "none"))
		return bad("a JSON reply with reasoning_effort not none%s", "");
	return 0;
}

static int
check_anthropic(const struct req *r, const cJSON *body)
{
	const cJSON *sys = cJSON_GetObjectItem(body, "system"), *m;

	if (!cJSON_GetObjectItem(r->headers, "x-api-key"))
		return bad("no x-api-key header%s", "");
	if (cJSON_GetObjectItem(r->headers, "authorization"))
		return bad("an authorization header, which Anthropic does not take%s", "");
	if (!cJSON_GetObjectItem(r->headers, "anthropic-version"))
		return bad("no anthropic-version header%s", "");
	if (!cJSON_IsNumber(cJSON_GetObjectItem(body, "max_tokens")))
		return bad("max_tokens: Field required%s", "");
	if (!cJSON_IsNumber(cJSON_GetObjectItem(body, "temperature")))
		return bad("no temperature was sent%s", "");
	if (sys && (!cJSON_IsArray(sys) || !cJSON_GetObjectItem(cJSON_GetArrayItem(
	    sys, cJSON_GetArraySize(sys) - 1), "cache_control")))
		return bad("the system prompt has no cache_control breakpoint%s", "");
	m = cJSON_GetArrayItem(cJSON_GetObjectItem(body, "messages"), 0);
	if (!is(cJSON_GetStringValue(cJSON_GetObjectItem(m, "role")) ?
	    cJSON_GetStringValue(cJSON_GetObjectItem(m, "role")) : "", "user"))
		return bad("the first message is not the user's%s", "");
	if (cJSON_GetObjectItem(body, "response_format"))
		return bad("response_format: Extra inputs are not permitted%s", "");
	return 0;
}

/* A response_format type -R refuses, or NULL. */
static const char *
refused(const cJSON *body)
{
	const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(body, "response_format"), "type"));
	const char *p;
	size_t n;

	if (!t)
		return NULL;
	n = strlen(t);
	for (p = reject; (p = strstr(p, t)); p += n)
		if ((p == reject || p[-1] == ',') && (p[n] == 0 || p[n] == ','))
			return t;
	return NULL;
}

/* --- answering ------------------------------------------------------------ */

static void
send_json(int fd, int status, const char *out, const char *extra)
{
	char hdr[512];

	snprintf(hdr, sizeof hdr, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n%s\r\n", status, reason(status), strlen(out),
	    extra ? extra : "");
	send_all(fd, hdr, strlen(hdr));
	send_all(fd, out, strlen(out));
}

static void
send_tree(int fd, int status, cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);

	send_json(fd, status, s, NULL);
	free(s);
	cJSON_Delete(j);
}

static int
model_known(const char *id)
{
	char *m = strdup(models), *tok, *save = NULL;
	int found = 0;

	for (tok = strtok_r(m, ",", &save); tok && !found;
	    tok = strtok_r(NULL, ",", &save))
		found = strcmp(tok, id) == 0;
	free(m);
	return found;
}

static cJSON *
model_list(void)
{
	char *m = strdup(models), *tok, *save = NULL;
	cJSON *list = cJSON_CreateObject(), *d = cJSON_AddArrayToObject(list, "data"), *o;

	for (tok = strtok_r(m, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", tok);
		if (context) {
			cJSON_AddNumberToObject(o, "max_model_len", (double)context);
			cJSON_AddNumberToObject(o, "loaded_context_length", (double)context);
		}
		cJSON_AddItemToArray(d, o);
	}
	free(m);
	return list;
}

static const char not_found[] = "{\"error\":{\"message\":\"not found\"}}";

/* GET requests, and Ollama's POST /api/show; 1 when answered. */
static int
info(int fd, const struct req *r, const cJSON *body)
{
	const char *p = r->path, *slash;
	cJSON *j, *o;
	char num[64];

	if (strcmp(r->method, "POST") == 0 && !strstr(p, "/api/show"))
		return 0;
	if (strstr(p, "/api/show") || strstr(p, "/props") || strstr(p, "/api/ps")) {
		if (!context) {
			send_json(fd, 404, not_found, NULL);
			return 1;
		}
		j = cJSON_CreateObject();
		if (strstr(p, "/props")) {
			o = cJSON_AddObjectToObject(j, "default_generation_settings");
			cJSON_AddNumberToObject(o, "n_ctx", (double)context);
		} else if (strstr(p, "/api/ps")) {
			cJSON_AddArrayToObject(j, "models");
		} else {
			snprintf(num, sizeof num, "num_ctx                        %ld",
			    context);
			cJSON_AddStringToObject(j, "parameters", num);
			o = cJSON_AddObjectToObject(j, "model_info");
			cJSON_AddNumberToObject(o, "qwen2.context_length", 131072);
			cJSON_AddItemToObject(j, "request", cJSON_Duplicate(body, 1));
		}
		send_tree(fd, 200, j);
		return 1;
	}
	if (!strstr(p, "/models")) {
		send_json(fd, 404, not_found, NULL);
		return 1;
	}
	if (models_status != 200) {
		send_json(fd, models_status,
		    "{\"error\":{\"message\":\"models are not available\"}}", NULL);
		return 1;
	}
	if (strstr(p, "/api/v0/models") && !context) {
		send_json(fd, 404, not_found, NULL);
		return 1;
	}
	slash = strstr(p, "/models/");
	if (slash) {
		if (!model_known(slash + 8)) {
			send_json(fd, 404, "{\"type\":\"error\",\"error\":{\"type\":"
			    "\"not_found_error\",\"message\":\"model not found\"}}", NULL);
			return 1;
		}
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "id", slash + 8);
		cJSON_AddStringToObject(j, "type", "model");
		send_tree(fd, 200, j);
		return 1;
	}
	send_tree(fd, 200, model_list());
	return 1;
}

/* The text of the last user message: a string, or Anthropic's blocks. */
static char *
last_user(const cJSON *body)
{
	const cJSON *msgs = cJSON_GetObjectItem(body, "messages"), *v, *b;
	size_t n = 8;
	char *s;

	v = cJSON_GetObjectItem(cJSON_GetArrayItem(msgs,
	    cJSON_GetArraySize(msgs) - 1), "content");
	if (cJSON_IsString(v))
		n += strlen(v->valuestring);
	cJSON_ArrayForEach(b, v)
		if (cJSON_IsString(cJSON_GetObjectItem(b, "text")))
			n += strlen(cJSON_GetObjectItem(b, "text")->valuestring);
	s = malloc(n);
	snprintf(s, n, "echo: %s", cJSON_IsString(v) ? v->valuestring : "");
	cJSON_ArrayForEach(b, v)
		if (cJSON_IsString(cJSON_GetObjectItem(b, "text")))
			strncat(s, cJSON_GetObjectItem(b, "text")->valuestring,
			    n - strlen(s) - 1);
	return s;
}

static void
error_body(int fd, int status, const char *msg, int anthropic)
{
	cJSON *j = cJSON_CreateObject(), *e;

	if (anthropic)
		cJSON_AddStringToObject(j, "type", "error");
	e = cJSON_AddObjectToObject(j, "error");
	cJSON_AddStringToObject(e, "type", anthropic ? status == 529 ?
	    "overloaded_error" : "invalid_request_error" : "invalid_request_error");
	cJSON_AddStringToObject(e, "message", msg);
	send_tree(fd, status, j);
}

static void
answer(int fd, struct req *r)
{
	cJSON *body = cJSON_ParseWithLength(r->body, r->blen), *e = NULL;
	const cJSON *v, *usage = NULL;
	const char *fault = "", *text = NULL, *raw = NULL, *finish = "stop";
	const char *rtext = NULL, *rfield = "reasoning_content", *t;
	char hdr[512], extra[256], *out = NULL, *echo = NULL, *filled = NULL;
	long n, delay = 0;
	int status = 200, streamed, an = strstr(r->path, "/messages") != NULL;

	n = __atomic_fetch_add(counter, 1, __ATOMIC_SEQ_CST);
	log_req(n, r, body);
	if (info(fd, r, body)) {
		cJSON_Delete(body);
		return;
	}
	problem[0] = 0;
	if ((t = refused(body)))
		snprintf(problem, sizeof problem, "response_format type %s is not "
		    "supported", t);
	else if (an)
		check_anthropic(r, body);
	else if (*preset && !is(preset, "anthropic"))
		check_openai(body);
	if (problem[0]) {
		error_body(fd, 400, problem, an);
		cJSON_Delete(body);
		return;
	}
	n = __atomic_fetch_add(served, 1, __ATOMIC_SEQ_CST);
	if (n < (long)nentries)
		e = entries[n];
	if ((v = cJSON_GetObjectItem(e, "status")))
		status = (int)v->valuedouble;
	if ((v = cJSON_GetObjectItem(e, "fault")))
		fault = v->valuestring;
	if ((v = cJSON_GetObjectItem(e, "delay_ms")))
		delay = (long)v->valuedouble;
	if ((v = cJSON_GetObjectItem(e, "reply")))
		text = echo = with_key(v->valuestring, r);
	if ((v = cJSON_GetObjectItem(e, "body")))
		raw = filled = with_key(v->valuestring, r);
	if ((v = cJSON_GetObjectItem(e, "reasoning")))
		rtext = v->valuestring;
	if ((v = cJSON_GetObjectItem(e, "reasoning_field")))
		rfield = v->valuestring;
	usage = cJSON_GetObjectItem(e, "usage");
	if (!text)
		text = echo = last_user(body);
	if (strcmp(fault, "length") == 0)
		finish = an ? "max_tokens" : "length";
	else if (an)
		finish = "end_turn";
	streamed = cJSON_IsTrue(cJSON_GetObjectItem(body, "stream"));
	if (delay && strcmp(fault, "trickle") != 0)
		sleep_ms(delay);
	if (strcmp(fault, "reset") == 0)
		reset(fd);
	if (strcmp(fault, "close") == 0) {
		close(fd);
		exit(0);
	}
	extra_headers(e, extra, sizeof extra);
	if (status == 200 && streamed && !raw) {
		if (an)
			an_stream(fd, text, finish, usage, rtext, fault);
		else
			stream(fd, text, finish, usage, strcmp(fault, "sse_cut") == 0,
			    rtext, rfield);
		goto done;
	}
	if (raw)
		out = strdup(raw);
	else if (strcmp(fault, "malformed") == 0)
		out = strdup("{\"choices\": [{\"message\": ");
	else if (strcmp(fault, "no_choices") == 0)
		out = strdup("{\"id\":\"mock\",\"choices\":[]}");
	else if (status != 200 && an)
		out = strdup(status == 529 ? "{\"type\":\"error\",\"error\":{\"type\":"
		    "\"overloaded_error\",\"message\":\"Overloaded\"}}" :
		    "{\"type\":\"error\",\"error\":{\"type\":\"api_error\","
		    "\"message\":\"injected failure\"}}");
	else if (status != 200)
		out = strdup("{\"error\":{\"message\":\"injected failure\",\"type\":\"mock\"}}");
	else if (an)
		out = message(text, finish, usage, rtext);
	else
		out = completion(text, finish, usage, rtext, rfield);
	snprintf(hdr, sizeof hdr, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n%s\r\n", status, reason(status), strlen(out), extra);
	send_all(fd, hdr, strlen(hdr));
	if (strcmp(fault, "truncate") == 0) {
		send_all(fd, out, strlen(out) / 2);
		close(fd);
		exit(0);
	}
	if (strcmp(fault, "trickle") == 0) {
		size_t i;

		for (i = 0; out[i]; i++) {
			if (send_all(fd, out + i, 1) < 0)
				exit(0);
			sleep_ms(delay ? delay : 100);
		}
	} else {
		send_all(fd, out, strlen(out));
	}
done:
	free(out);
	free(echo);
	free(filled);
	cJSON_Delete(body);
}

static void
serve(int fd)
{
	static char buf[1 << 20];
	size_t have = 0;
	struct req r;
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	for (;;) {
		memset(&r, 0, sizeof r);
		if (!read_req(fd, buf, &have, sizeof buf, &r))
			break;
		answer(fd, &r);
		cJSON_Delete(r.headers);
		free(r.body);
	}
	close(fd);
	exit(0);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in a = {0};
	socklen_t len = sizeof a;
	int s, c, one = 1, opt;

	while ((opt = getopt(argc, argv, "s:l:m:M:c:P:R:")) != -1) {
		switch (opt) {
		case 's': load_script(optarg); break;
		case 'l':
			if ((logfd = open(optarg, O_WRONLY | O_CREAT | O_APPEND, 0600)) < 0)
				die(optarg);
			break;
		case 'm': models = optarg; break;
		case 'M': models_status = atoi(optarg); break;
		case 'c': context = atol(optarg); break;
		case 'P': preset = optarg; break;
		case 'R': reject = optarg; break;
		default:
			fprintf(stderr, "usage: mock-llm [-s script] [-l log] [-m models] "
			    "[-M status] [-c context] [-P preset] [-R types]\n");
			return 2;
		}
	}
	counter = mmap(NULL, 2 * sizeof *counter, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counter == MAP_FAILED)
		die("mmap");
	served = counter + 1;
	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		die("socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 128) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &len) < 0)
		die("listen");
	printf("%d\n", ntohs(a.sin_port));
	fflush(stdout);
	for (;;) {
		if ((c = accept(s, NULL, NULL)) < 0) {
			if (errno == EINTR)
				continue;
			die("accept");
		}
		switch (fork()) {
		case -1:
			close(c);
			break;
		case 0:
			close(s);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			serve(c);
			break;
		default:
			close(c);
		}
	}
}
