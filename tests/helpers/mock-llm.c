/*
 * mock-llm - an OpenAI-compatible chat-completions server for tests and
 * benchmarks, on 127.0.0.1, driven by a script of replies and faults.
 *
 * usage: mock-llm [-s script] [-l log] [-m models] [-M status]
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
 *   fault          reset (close with RST, no reply), close (no reply),
 *                  truncate (half the body), malformed (a body that is not
 *                  JSON), no_choices, length (finish_reason length),
 *                  sse_cut (a stream cut after its first chunks), trickle
 *                  (one byte every delay_ms)
 *
 * In reply and body, {KEY} stands for the key the request's Authorization
 * header carries (Bearer KEY), {KEY_SLASH} for it with every "/" written
 * "\/" and {KEY_U} for it with every character written \u00XX (the ways
 * a JSON encoder may write it), so a test can have a service echo the key.
 *
 * A request with "stream": true gets a chunked text/event-stream reply.
 * GET .../models lists -m's comma-separated models (mock-model), or
 * answers -M's status.  With -l every request is logged as one JSON line:
 * n, method, path, headers (lower-case names), body, at (ms).
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
static long *counter;            /* shared by every child */
static int logfd = -1;
static const char *models = "mock-model";
static int models_status = 200;

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

static char *
completion(const char *text, const char *finish, const cJSON *usage)
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

static void
event(int fd, const char *piece, const char *finish, const cJSON *usage)
{
	cJSON *r = cJSON_CreateObject(), *ch, *c, *d;
	char *s, *ev;
	size_t n;

	ch = cJSON_AddArrayToObject(r, "choices");
	if (piece || finish) {
		c = cJSON_CreateObject();
		cJSON_AddNumberToObject(c, "index", 0);
		d = cJSON_AddObjectToObject(c, "delta");
		if (piece)
			cJSON_AddStringToObject(d, "content", piece);
		if (finish)
			cJSON_AddStringToObject(c, "finish_reason", finish);
		else
			cJSON_AddNullToObject(c, "finish_reason");
		cJSON_AddItemToArray(ch, c);
	}
	if (usage)
		cJSON_AddItemToObject(r, "usage", cJSON_Duplicate(usage, 1));
	s = cJSON_PrintUnformatted(r);
	n = strlen(s) + 16;
	ev = malloc(n);
	snprintf(ev, n, "data: %s\n\n", s);
	chunk(fd, ev);
	free(ev);
	free(s);
	cJSON_Delete(r);
}

/* A streamed reply: the text in pieces of about 8 bytes. */
static void
stream(int fd, const char *text, const char *finish, const cJSON *usage,
	int cut)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n";
	char piece[16];
	size_t i, n = strlen(text);
	int sent = 0;
	cJSON *u = NULL;

	send_all(fd, head, sizeof head - 1);
	for (i = 0; i < n; i += 8) {
		snprintf(piece, sizeof piece, "%.8s", text + i);
		event(fd, piece, NULL, NULL);
		if (cut && ++sent == 2) {
			shutdown(fd, SHUT_RDWR);
			close(fd);
			exit(0);
		}
	}
	event(fd, NULL, finish, NULL);
	if (!usage) {
		u = cJSON_CreateObject();
		cJSON_AddNumberToObject(u, "prompt_tokens", 10);
		cJSON_AddNumberToObject(u, "completion_tokens", (double)(n + 3) / 4);
	}
	event(fd, NULL, NULL, usage ? usage : u);
	cJSON_Delete(u);
	chunk(fd, "data: [DONE]\n\n");
	send_all(fd, "0\r\n\r\n", 5);
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
 * key, written as they say; a new string. */
static char *
with_key(const char *tmpl, const struct req *r)
{
	const cJSON *h = cJSON_GetObjectItem(r->headers, "authorization");
	const char *key = "", *p = tmpl, *k;
	size_t cap, n = 0;
	char *out;

	if (cJSON_IsString(h) && strncmp(h->valuestring, "Bearer ", 7) == 0)
		key = h->valuestring + 7;
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

static void
answer(int fd, struct req *r)
{
	cJSON *body = cJSON_ParseWithLength(r->body, r->blen), *e = NULL;
	const cJSON *v, *msgs, *usage = NULL;
	const char *fault = "", *text = NULL, *raw = NULL, *finish = "stop";
	char hdr[512], extra[256], *out = NULL, *echo = NULL, *filled = NULL;
	long n, delay = 0;
	int status = 200, streamed;

	n = __atomic_fetch_add(counter, 1, __ATOMIC_SEQ_CST);
	log_req(n, r, body);
	if (strcmp(r->method, "GET") == 0 && strstr(r->path, "/models")) {
		struct { char *s; } m = {strdup(models)};
		char *tok, *save = NULL;
		cJSON *list = cJSON_CreateObject(), *d = cJSON_AddArrayToObject(list, "data"), *o;

		for (tok = strtok_r(m.s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "id", tok);
			cJSON_AddItemToArray(d, o);
		}
		out = models_status == 200 ? cJSON_PrintUnformatted(list) :
		    strdup("{\"error\":{\"message\":\"models are not available\"}}");
		snprintf(hdr, sizeof hdr, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
		    "Content-Length: %zu\r\n\r\n", models_status, reason(models_status), strlen(out));
		send_all(fd, hdr, strlen(hdr));
		send_all(fd, out, strlen(out));
		free(out);
		free(m.s);
		cJSON_Delete(list);
		cJSON_Delete(body);
		return;
	}
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
	usage = cJSON_GetObjectItem(e, "usage");
	if (!text) {
		msgs = cJSON_GetObjectItem(body, "messages");
		v = cJSON_GetObjectItem(cJSON_GetArrayItem(msgs,
		    cJSON_GetArraySize(msgs) - 1), "content");
		n = cJSON_IsString(v) ? (long)strlen(v->valuestring) + 8 : 8;
		echo = malloc((size_t)n);
		snprintf(echo, (size_t)n, "echo: %s", cJSON_IsString(v) ? v->valuestring : "");
		text = echo;
	}
	if (strcmp(fault, "length") == 0)
		finish = "length";
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
		stream(fd, text, finish, usage, strcmp(fault, "sse_cut") == 0);
		goto done;
	}
	if (raw)
		out = strdup(raw);
	else if (strcmp(fault, "malformed") == 0)
		out = strdup("{\"choices\": [{\"message\": ");
	else if (strcmp(fault, "no_choices") == 0)
		out = strdup("{\"id\":\"mock\",\"choices\":[]}");
	else if (status != 200)
		out = strdup("{\"error\":{\"message\":\"injected failure\",\"type\":\"mock\"}}");
	else
		out = completion(text, finish, usage);
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

	while ((opt = getopt(argc, argv, "s:l:m:M:")) != -1) {
		switch (opt) {
		case 's': load_script(optarg); break;
		case 'l':
			if ((logfd = open(optarg, O_WRONLY | O_CREAT | O_APPEND, 0600)) < 0)
				die(optarg);
			break;
		case 'm': models = optarg; break;
		case 'M': models_status = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: mock-llm [-s script] [-l log] [-m models] [-M status]\n");
			return 2;
		}
	}
	counter = mmap(NULL, sizeof *counter, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counter == MAP_FAILED)
		die("mmap");
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
