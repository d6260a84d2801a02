/*
 * rl_redis.c - a connection to a Redis server; see rl_redis.h.
 *
 * hiredis 0.14 (Debian 12) in blocking mode: one command, one reply.
 * The faults it reports are told apart here, because what a caller may
 * do next depends on them: a connection that could not be made ran
 * nothing (try again), a reply lost after the command was sent may hide
 * a command that ran (send again only if running it twice is harmless),
 * an error reply ran nothing that needs undoing (Redis runs a command,
 * or a script's writes up to its error, as the server's one thread).
 *
 * A dead socket is noticed before a command is sent, not after: with
 * nothing outstanding, a socket that polls readable has been closed by
 * the server (a restart sends FIN or RST).  So the usual case, a server
 * restarted between two commands, costs a reconnect and never a lost
 * reply.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "rl_dur.h"
#include "rl_redis.h"

#define BACKOFF_FIRST_MS 50
#define BACKOFF_MAX_MS 2000

struct rl_redis {
	struct rl_redis *next;
	char *url;                  /* as given, password and all */
	struct rl_redis_url u;
	redisContext *c;            /* NULL: not connected */
	int refs;
	long long connect_ms, command_ms, retry_ms;
};

/* The connections of this process. */
static struct rl_redis *open_list;
static int registered;          /* close_all is an atexit handler */

/* --- URLs --------------------------------------------------------------- */

int
rl_redis_is_url(const char *s)
{
	return s && (!strncmp(s, "redis://", 8) || !strncmp(s, "rediss://", 9) ||
	    !strncmp(s, "unix://", 7));
}

/* Where the user information of url ends (its '@'), or NULL: the last
 * '@' before the host's end for redis://, the one before the path for
 * unix:// (whose path starts with '/'). */
static const char *
user_end(const char *url)
{
	const char *auth = strstr(url, "://"), *end, *at = NULL, *p;

	if (!auth)
		return NULL;
	auth += 3;
	if (!strncmp(url, "unix://", 7))
		return strstr(auth, "@/");
	end = auth + strcspn(auth, "/?#");
	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	return at;
}

void
rl_redis_redact(const char *url, char *out, size_t n)
{
	const char *at = user_end(url), *auth = strstr(url, "://"), *colon;

	if (!at || !(colon = memchr(auth + 3, ':', (size_t)(at - auth - 3)))) {
		snprintf(out, n, "%s", url);
		return;
	}
	snprintf(out, n, "%.*s***%s", (int)(colon + 1 - url), url, at);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode s[0..len) into out (size n); -1 when malformed, too
 * long, or it would hold a NUL. */
static int
decode(const char *s, size_t len, char *out, size_t n)
{
	size_t i, k = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (k + 1 >= n)
			return -1;
		if (s[i] != '%') {
			out[k++] = s[i];
			continue;
		}
		if (i + 2 >= len || (hi = hexval(s[i + 1])) < 0 ||
		    (lo = hexval(s[i + 2])) < 0 || (hi | lo) == 0)
			return -1;
		out[k++] = (char)(hi * 16 + lo);
		i += 2;
	}
	out[k] = 0;
	return 0;
}

static int
bad_url(struct rl_error *e, const struct rl_redis_url *u, const char *what)
{
	return rl_error_set(e, "redis.bad_url", "%s: %s", u->shown, what);
}

/* A number from lo to hi, all of s[0..len); -1 when not. */
static long
number(const char *s, size_t len, long lo, long hi)
{
	long v = 0;
	size_t i;

	if (len == 0 || len > 10)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v < lo || v > hi ? -1 : v;
}

/* user[:password] from s[0..len) into u. */
static int
userinfo(const char *s, size_t len, struct rl_redis_url *u, struct rl_error *e)
{
	const char *colon = memchr(s, ':', len);
	size_t ulen = colon ? (size_t)(colon - s) : len;

	if (decode(s, ulen, u->user, sizeof u->user) < 0)
		return bad_url(e, u, "the user name is malformed or too long");
	if (colon && decode(colon + 1, len - ulen - 1, u->password,
	    sizeof u->password) < 0)
		return bad_url(e, u, "the password is malformed or too long "
		    "(percent-encode '@', ':' and '/' in it)");
	if (!colon && *u->user)
		return bad_url(e, u, "a user needs a password (user:password@)");
	return 0;
}

static int
parse_unix(const char *s, struct rl_redis_url *u, struct rl_error *e)
{
	const char *at = strstr(s, "@/"), *path, *q;
	long db;

	u->unix_socket = 1;
	if (*s != '/' && !at)
		return bad_url(e, u, "the socket's path must be absolute "
		    "(unix:///path/to/redis.sock)");
	if (*s != '/') {
		if (userinfo(s, (size_t)(at - s), u, e) < 0)
			return -1;
		s = at + 1;
	}
	path = s;
	q = strchr(path, '?');
	if (decode(path, q ? (size_t)(q - path) : strlen(path), u->path,
	    sizeof u->path) < 0 || strlen(u->path) < 2)
		return bad_url(e, u, "the socket's path is empty, malformed or "
		    "too long");
	if (q) {
		if (strncmp(q, "?db=", 4) ||
		    (db = number(q + 4, strlen(q + 4), 0, 1L << 30)) < 0)
			return bad_url(e, u, "the only query is ?db=N, N a "
			    "database number");
		u->db = (int)db;
	}
	return 0;
}

static int
parse_tcp(const char *s, struct rl_redis_url *u, struct rl_error *e)
{
	size_t alen = strcspn(s, "/?#");
	const char *end = s + alen, *at = NULL, *host, *hend, *p;
	long v;

	for (p = s; p < end; p++)
		if (*p == '@')
			at = p;
	if (at && userinfo(s, (size_t)(at - s), u, e) < 0)
		return -1;
	host = at ? at + 1 : s;
	if (*host == '[') {
		if (!(hend = memchr(host, ']', (size_t)(end - host))))
			return bad_url(e, u, "an IPv6 address lacks its ']'");
		p = hend + 1;
		host++;
	} else {
		hend = memchr(host, ':', (size_t)(end - host));
		hend = hend ? hend : end;
		p = hend;
	}
	if (hend == host || (size_t)(hend - host) >= sizeof u->host)
		return bad_url(e, u, "the host is missing or too long");
	memcpy(u->host, host, (size_t)(hend - host));
	u->host[hend - host] = 0;
	u->port = 6379;
	if (p < end) {
		if (*p != ':' || (v = number(p + 1, (size_t)(end - p - 1), 1,
		    65535)) < 0)
			return bad_url(e, u, "the port is not a number from 1 "
			    "to 65535");
		u->port = (int)v;
	}
	if (*end == '?' || *end == '#')
		return bad_url(e, u, "redis:// takes no query or fragment "
		    "(the database is the path: redis://host:port/db)");
	if (*end == '/' && end[1]) {
		if ((v = number(end + 1, strlen(end + 1), 0, 1L << 30)) < 0)
			return bad_url(e, u, "the path is a database number "
			    "(redis://host:port/0)");
		u->db = (int)v;
	}
	return 0;
}

int
rl_redis_url_parse(const char *url, struct rl_redis_url *u, struct rl_error *e)
{
	memset(u, 0, sizeof *u);
	rl_redis_redact(url ? url : "", u->shown, sizeof u->shown);
	if (url && !strncmp(url, "rediss://", 9))
		return bad_url(e, u, "TLS is not available: Debian's hiredis "
		    "0.14 is built without it (tunnel the connection instead: "
		    "see redline-redis(7))");
	if (url && !strncmp(url, "redis://", 8))
		return parse_tcp(url + 8, u, e);
	if (url && !strncmp(url, "unix://", 7))
		return parse_unix(url + 7, u, e);
	return bad_url(e, u, "not a Redis URL (redis://[user:password@]"
	    "host[:port][/db] or unix:///path[?db=N])");
}

/* --- arguments ---------------------------------------------------------- */

void
rl_redis_argn(struct rl_redis_args *a, const void *p, size_t n)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 16;
		a->off = rl_xrealloc(a->off, a->cap * sizeof *a->off);
		a->len = rl_xrealloc(a->len, a->cap * sizeof *a->len);
	}
	a->off[a->n] = a->data.len;
	a->len[a->n++] = n;
	rl_buf_add(&a->data, p, n);
}

void
rl_redis_arg(struct rl_redis_args *a, const char *s)
{
	rl_redis_argn(a, s, strlen(s));
}

void
rl_redis_argf(struct rl_redis_args *a, const char *fmt, ...)
{
	size_t start = a->data.len;
	va_list ap;

	va_start(ap, fmt);
	rl_buf_vprintf(&a->data, fmt, ap);
	va_end(ap);
	/* the text is in place: record it as an argument where it is */
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 16;
		a->off = rl_xrealloc(a->off, a->cap * sizeof *a->off);
		a->len = rl_xrealloc(a->len, a->cap * sizeof *a->len);
	}
	a->off[a->n] = start;
	a->len[a->n++] = a->data.len - start;
}

void
rl_redis_args_reset(struct rl_redis_args *a)
{
	rl_buf_reset(&a->data);
	a->n = 0;
}

void
rl_redis_args_free(struct rl_redis_args *a)
{
	rl_buf_free(&a->data);
	free(a->off);
	free(a->len);
	memset(a, 0, sizeof *a);
}

/* --- errors ------------------------------------------------------------- */

/* 1 if the error reply starts with word (its code). */
static int
is_code(const redisReply *rep, const char *word)
{
	size_t n = strlen(word);

	return rep->len >= n && !strncmp(rep->str, word, n) &&
	    (rep->len == n || rep->str[n] == ' ');
}

/* The server could not run the command yet: it ran nothing. */
static int
not_yet(const redisReply *rep)
{
	return is_code(rep, "LOADING") || is_code(rep, "BUSY") ||
	    is_code(rep, "MASTERDOWN") || is_code(rep, "TRYAGAIN");
}

/* Map an error reply onto e; -1.  A script's error carries the code of
 * the call that failed inside it in Redis 7 ("NOPERM ...", "OOM ...");
 * its own errors start with "ERR". */
static int
reply_error(struct rl_redis *r, const redisReply *rep, const char *what,
	struct rl_error *e)
{
	static const struct {
		const char *word, *code;
	} map[] = {
		{"NOPERM", "redis.denied"}, {"WRONGPASS", "redis.auth"},
		{"NOAUTH", "redis.auth"}, {"OOM", "redis.busy"},
		{"MISCONF", "redis.busy"}, {"READONLY", "redis.busy"},
		{"NOREPLICAS", "redis.busy"}, {"LOADING", "redis.busy"},
		{"BUSY", "redis.busy"}, {"MASTERDOWN", "redis.busy"},
		{"TRYAGAIN", "redis.busy"},
	};
	const char *code = "redis.reply";
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (is_code(rep, map[i].word))
			code = map[i].code;
	/* Redis 7.0 says so of a command a script may not run */
	if (memmem(rep->str, rep->len, "can't run this command", 22))
		code = "redis.denied";
	return rl_error_set(e, code, "%s: %s: %.*s%s", r->u.shown, what,
	    (int)(rep->len > 300 ? 300 : rep->len), rep->str,
	    !strcmp(code, "redis.denied") ? " (the ACL lines the stores need "
	    "are in redline-redis(7))" : "");
}

/* --- connecting --------------------------------------------------------- */

static struct timeval
tv_ms(long long ms)
{
	struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};

	return tv;
}

static void
drop(struct rl_redis *r)
{
	if (r->c)
		redisFree(r->c);
	r->c = NULL;
}

/* One command on a fresh connection (AUTH, SELECT): 0; -1 when another
 * try may work; -2 when it cannot (a bad password, no such database). */
static int
setup(struct rl_redis *r, int argc, const char **argv, struct rl_error *e)
{
	size_t len[3];
	redisReply *rep;
	int i, rc = 0;

	for (i = 0; i < argc; i++)
		len[i] = strlen(argv[i]);
	if (!(rep = redisCommandArgv(r->c, argc, argv, len))) {
		rl_error_set(e, "redis.unreachable", "%s: the connection went "
		    "while setting it up: %s", r->u.shown, r->c->errstr);
		return -1;
	}
	if (rep->type == REDIS_REPLY_ERROR) {
		rc = not_yet(rep) ? -1 : -2;
		if (rc == -1 || strcmp(argv[0], "SELECT"))
			reply_error(r, rep, argv[0], e);
		else
			rl_error_set(e, "redis.bad_url", "%s: no database %d on "
			    "this server: %.*s", r->u.shown, r->u.db,
			    (int)rep->len, rep->str);
		/* "ERR invalid password" (Redis 5), "ERR AUTH <password>
		 * called without any password configured" */
		if (rc == -2 && !strcmp(argv[0], "AUTH"))
			e->code = "redis.auth";
	}
	freeReplyObject(rep);
	return rc;
}

/* Connect, authenticate, select.  0; -1 with e set when another try
 * may work; -2 when it cannot. */
static int
connect_once(struct rl_redis *r, struct rl_error *e)
{
	const char *argv[3];
	char db[16];
	int argc = 0, rc = 0;

	drop(r);
	r->c = r->u.unix_socket ?
	    redisConnectUnixWithTimeout(r->u.path, tv_ms(r->connect_ms)) :
	    redisConnectWithTimeout(r->u.host, r->u.port, tv_ms(r->connect_ms));
	if (!r->c || r->c->err) {
		rl_error_set(e, "redis.unreachable", "%s: cannot connect: %s",
		    r->u.shown, r->c ? r->c->errstr : "out of memory");
		drop(r);
		return -1;
	}
	fcntl(r->c->fd, F_SETFD, FD_CLOEXEC);
	redisSetTimeout(r->c, tv_ms(r->command_ms));
	if (!r->u.unix_socket)
		redisEnableKeepAlive(r->c);
	if (*r->u.password) {
		argv[argc++] = "AUTH";
		if (*r->u.user)
			argv[argc++] = r->u.user;
		argv[argc++] = r->u.password;
		rc = setup(r, argc, argv, e);
	}
	if (rc == 0 && r->u.db) {
		snprintf(db, sizeof db, "%d", r->u.db);
		argv[0] = "SELECT";
		argv[1] = db;
		rc = setup(r, 2, argv, e);
	}
	if (rc < 0)
		drop(r);
	return rc;
}

/* The socket was closed by the server while idle (no reply is due, so
 * anything to read means EOF or an error). */
static int
stale(const struct rl_redis *r)
{
	struct pollfd p = {r->c->fd, POLLIN, 0};

	return poll(&p, 1, 0) > 0;
}

/* Wait before the next try; 0 when the budget that started at *since
 * (0: now) is spent. */
static int
backoff(const struct rl_redis *r, long long *since, int *tries)
{
	long long now = rl_now_ms(), d;
	unsigned short u = 0;
	struct timespec ts;

	if (!*since)
		*since = now;
	if (now - *since >= r->retry_ms)
		return 0;
	d = BACKOFF_FIRST_MS << (*tries < 6 ? *tries : 6);
	if (d > BACKOFF_MAX_MS)
		d = BACKOFF_MAX_MS;
	(void)!getrandom(&u, sizeof u, GRND_NONBLOCK);
	d -= d * u / 65536 / 4;
	if (d > r->retry_ms - (now - *since))
		d = r->retry_ms - (now - *since);
	(*tries)++;
	ts.tv_sec = (time_t)(d / 1000);
	ts.tv_nsec = (long)(d % 1000) * 1000000;
	nanosleep(&ts, NULL);
	return 1;
}

/* A connection that is up, made within the budget. */
static int
ensure(struct rl_redis *r, long long *since, int *tries, struct rl_error *e)
{
	int rc;

	if (r->c && !stale(r))
		return 0;
	while ((rc = connect_once(r, e)) == -1)
		if (!backoff(r, since, tries)) {
			if (r->retry_ms > 0) {
				size_t n = strlen(e->message);
				snprintf(e->message + n, sizeof e->message - n,
				    " (tried for %lld s: redis.retry)",
				    r->retry_ms / 1000);
			}
			return -1;
		}
	return rc == 0 ? 0 : -1;
}

static void
release(struct rl_redis *r)
{
	drop(r);
	if (r->url) {
		explicit_bzero(r->url, strlen(r->url));
		free(r->url);
	}
	explicit_bzero(&r->u, sizeof r->u);
	free(r);
}

/* At exit, the connections a command did not close (it died on an
 * error): closed, so nothing of them is left for valgrind to report. */
static void
close_all(void)
{
	struct rl_redis *r;

	while ((r = open_list)) {
		open_list = r->next;
		release(r);
	}
}

/* A setting in seconds, as ms; cfg may be NULL. */
static long long
setting(const struct rl_config *cfg, const char *key, double dflt)
{
	return (long long)((cfg ? rl_config_num(cfg, key, dflt) : dflt) * 1000);
}

struct rl_redis *
rl_redis_open(const struct rl_config *cfg, const char *url, struct rl_error *e)
{
	struct rl_redis *r;
	long long since = 0;
	int tries = 0;

	for (r = open_list; r; r = r->next)
		if (!strcmp(r->url, url)) {
			r->refs++;
			return r;
		}
	r = rl_xcalloc(1, sizeof *r);
	if (rl_redis_url_parse(url, &r->u, e) < 0) {
		release(r);
		return NULL;
	}
	r->connect_ms = setting(cfg, "redis.connect_timeout", 5);
	r->command_ms = setting(cfg, "redis.command_timeout", 10);
	r->retry_ms = setting(cfg, "redis.retry", 30);
	if (r->connect_ms <= 0)
		r->connect_ms = 5000;
	if (r->command_ms <= 0)
		r->command_ms = 10000;
	if (ensure(r, &since, &tries, e) < 0) {
		release(r);
		return NULL;
	}
	r->url = rl_xstrdup(url);
	r->refs = 1;
	if (!registered)
		registered = atexit(close_all) == 0;
	r->next = open_list;
	open_list = r;
	return r;
}

const char *
rl_redis_name(const struct rl_redis *r)
{
	return r->u.shown;
}

const struct rl_redis_url *
rl_redis_url(const struct rl_redis *r)
{
	return &r->u;
}

void
rl_redis_close(struct rl_redis *r)
{
	struct rl_redis **p;

	if (!r || --r->refs > 0)
		return;
	for (p = &open_list; *p; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			break;
		}
	release(r);
}

/* --- commands ----------------------------------------------------------- */

/* Run argv; error replies are returned as they are (the caller maps
 * them).  NULL with e set on a connection fault. */
static redisReply *
run(struct rl_redis *r, int argc, const char **argv, const size_t *len,
	int flags, const char *what, struct rl_error *e)
{
	long long since = 0;
	int tries = 0, timed_out;
	redisReply *rep;

	for (;;) {
		if (ensure(r, &since, &tries, e) < 0)
			return NULL;
		errno = 0;
		rep = redisCommandArgv(r->c, argc, argv, len);
		if (rep && rep->type == REDIS_REPLY_ERROR && not_yet(rep)) {
			reply_error(r, rep, what, e);
			freeReplyObject(rep);
			if (!backoff(r, &since, &tries))
				return NULL;
			continue;
		}
		if (rep)
			return rep;
		timed_out = r->c->err == REDIS_ERR_IO &&
		    (errno == EAGAIN || errno == EWOULDBLOCK ||
		    strstr(r->c->errstr, "temporarily unavailable"));
		if (timed_out)
			rl_error_set(e, "redis.timeout", "%s: %s: no reply within "
			    "%lld ms (redis.command_timeout)%s", r->u.shown, what,
			    r->command_ms, flags & RL_REDIS_RESEND ? "" :
			    "; it may or may not have run");
		else
			rl_error_set(e, flags & RL_REDIS_RESEND ? "redis.unreachable" :
			    "redis.lost_reply", "%s: %s: the connection was lost "
			    "before the reply (%s)%s", r->u.shown, what, r->c->errstr,
			    flags & RL_REDIS_RESEND ? "" : "; it may or may not have "
			    "run: check, then try again");
		drop(r);
		if (!(flags & RL_REDIS_RESEND) || !backoff(r, &since, &tries))
			return NULL;
	}
}

/* argv and lengths of a, pointing into its data. */
static const char **
vector(const struct rl_redis_args *a, size_t extra)
{
	const char **v = rl_xcalloc(a->n + extra + 1, sizeof *v);
	size_t i;

	for (i = 0; i < a->n; i++)
		v[extra + i] = a->data.data + a->off[i];
	return v;
}

redisReply *
rl_redis_cmd(struct rl_redis *r, const struct rl_redis_args *a, int flags,
	struct rl_error *e)
{
	const char **v = vector(a, 0);
	char what[32];
	redisReply *rep;

	snprintf(what, sizeof what, "%.*s", a->n ? (int)(a->len[0] < 24 ?
	    a->len[0] : 24) : 0, a->n ? v[0] : "");
	rep = run(r, (int)a->n, v, a->len, flags, what, e);
	free(v);
	if (rep && rep->type == REDIS_REPLY_ERROR) {
		reply_error(r, rep, what, e);
		freeReplyObject(rep);
		return NULL;
	}
	return rep;
}

/* SCRIPT LOAD s: its sha. */
static int
load(struct rl_redis *r, struct rl_redis_script *s, struct rl_error *e)
{
	const char *argv[3] = {"SCRIPT", "LOAD", s->source};
	size_t len[3] = {6, 4, strlen(s->source)};
	redisReply *rep = run(r, 3, argv, len, RL_REDIS_RESEND, "SCRIPT LOAD", e);

	if (!rep)
		return -1;
	if (rep->type != REDIS_REPLY_STRING || rep->len != 40) {
		if (rep->type == REDIS_REPLY_ERROR)
			reply_error(r, rep, s->name, e);
		else
			rl_error_set(e, "redis.reply", "%s: SCRIPT LOAD: not a sha",
			    r->u.shown);
		freeReplyObject(rep);
		return -1;
	}
	memcpy(s->sha, rep->str, 40);
	s->sha[40] = 0;
	freeReplyObject(rep);
	return 0;
}

redisReply *
rl_redis_eval(struct rl_redis *r, struct rl_redis_script *s, int nkeys,
	const struct rl_redis_args *a, int flags, struct rl_error *e)
{
	const char **v = vector(a, 3);
	size_t *len = rl_xcalloc(a->n + 3, sizeof *len);
	char nk[16];
	redisReply *rep = NULL;
	int round;

	snprintf(nk, sizeof nk, "%d", nkeys);
	v[0] = "EVALSHA";
	v[2] = nk;
	len[0] = 7;
	len[1] = 40;
	len[2] = strlen(nk);
	memcpy(len + 3, a->len, a->n * sizeof *len);
	for (round = 0; round < 2; round++) {
		if (!s->sha[0] && load(r, s, e) < 0)
			break;
		v[1] = s->sha;
		rep = run(r, (int)a->n + 3, v, len, flags, s->name, e);
		if (!rep || rep->type != REDIS_REPLY_ERROR)
			break;
		if (round == 0 && is_code(rep, "NOSCRIPT")) {
			/* flushed, or a restarted server: load it and go again
			 * (NOSCRIPT ran nothing) */
			freeReplyObject(rep);
			rep = NULL;
			s->sha[0] = 0;
			continue;
		}
		reply_error(r, rep, s->name, e);
		freeReplyObject(rep);
		rep = NULL;
		break;
	}
	free(v);
	free(len);
	return rep;
}

/* --- persistence -------------------------------------------------------- */

/* The value of "name:" in an INFO reply into out. */
static void
info_field(const redisReply *rep, const char *name, char *out, size_t n)
{
	size_t k = strlen(name);
	const char *p = rep->str, *end = rep->str + rep->len, *nl;

	*out = 0;
	for (; p < end; p = nl + 1) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		if ((size_t)(nl - p) > k && !strncmp(p, name, k) && p[k] == ':') {
			snprintf(out, n, "%.*s", (int)(nl - p - k - 1), p + k + 1);
			out[strcspn(out, "\r")] = 0;
			return;
		}
	}
}

static redisReply *
two(struct rl_redis *r, const char *a0, const char *a1, const char *a2,
	struct rl_error *e)
{
	struct rl_redis_args a = {0};
	redisReply *rep;

	rl_redis_arg(&a, a0);
	rl_redis_arg(&a, a1);
	if (a2)
		rl_redis_arg(&a, a2);
	rep = rl_redis_cmd(r, &a, RL_REDIS_RESEND, e);
	rl_redis_args_free(&a);
	return rep;
}

int
rl_redis_persistence(struct rl_redis *r, struct rl_redis_persistence *p,
	struct rl_error *e)
{
	static const char *names[] = {"appendfsync", "save", "maxmemory-policy"};
	struct {
		char *v;
		size_t n;
	} out[] = {{p->appendfsync, sizeof p->appendfsync}, {p->save,
	    sizeof p->save}, {p->maxmemory_policy, sizeof p->maxmemory_policy}};
	redisReply *rep;
	char aof[8];
	int i;

	memset(p, 0, sizeof *p);
	if (!(rep = two(r, "INFO", "server", NULL, e)))
		return -1;
	if (rep->type == REDIS_REPLY_STRING)
		info_field(rep, "redis_version", p->version, sizeof p->version);
	freeReplyObject(rep);
	if (!(rep = two(r, "INFO", "persistence", NULL, e)))
		return -1;
	if (rep->type == REDIS_REPLY_STRING)
		info_field(rep, "aof_enabled", aof, sizeof aof);
	p->aof = rep->type == REDIS_REPLY_STRING && !strcmp(aof, "1");
	freeReplyObject(rep);
	for (i = 0; i < 3; i++) {
		rep = two(r, "CONFIG", "GET", names[i], e);
		if (!rep) {
			if (!strcmp(e->code, "redis.unreachable") ||
			    !strcmp(e->code, "redis.timeout") ||
			    !strcmp(e->code, "redis.lost_reply"))
				return -1;
			p->config_refused = 1;
			snprintf(p->refused, sizeof p->refused, "%.255s", e->message);
			return 0;
		}
		if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
		    rep->element[1]->type == REDIS_REPLY_STRING)
			snprintf(out[i].v, out[i].n, "%s", rep->element[1]->str);
		freeReplyObject(rep);
	}
	return 0;
}

/* "redis-cli -h H -p P [--user U] [--askpass]": how to reach r's server. */
static void
cli(const struct rl_redis *r, struct rl_buf *out)
{
	if (r->u.unix_socket)
		rl_buf_printf(out, "redis-cli -s %s", r->u.path);
	else
		rl_buf_printf(out, "redis-cli -h %s -p %d", r->u.host, r->u.port);
	if (*r->u.user)
		rl_buf_printf(out, " --user %s", r->u.user);
	if (*r->u.password)
		rl_buf_adds(out, " --askpass");
}

int
rl_redis_persistence_risks(const struct rl_redis *r,
	const struct rl_redis_persistence *p, struct rl_buf *out)
{
	int n = 0;

	if (!p->aof) {
		rl_buf_printf(out, "appendonly no: a crash of Redis loses every "
		    "write since its last snapshot (save '%s'), acknowledged "
		    "messages too (fix: ", p->config_refused ? "unknown" : p->save);
		cli(r, out);
		rl_buf_adds(out, " CONFIG SET appendonly yes)\n");
		n++;
	}
	if (p->config_refused) {
		rl_buf_printf(out, "appendfsync unknown: CONFIG GET was refused "
		    "(%s), so whether an acknowledged write survives a crash of "
		    "the machine cannot be told (fix: ask the server's "
		    "administrator to run: ", p->refused);
		cli(r, out);
		rl_buf_adds(out, " CONFIG GET appendfsync)\n");
		return n + 1;
	}
	if (!strncmp(p->maxmemory_policy, "allkeys-", 8)) {
		rl_buf_printf(out, "maxmemory-policy %s: when Redis is full it "
		    "removes any key, messages too (fix: ", p->maxmemory_policy);
		cli(r, out);
		rl_buf_adds(out, " CONFIG SET maxmemory-policy noeviction)\n");
		n++;
	}
	if (!strcmp(p->appendfsync, "always"))
		return n;
	if (!strcmp(p->appendfsync, "everysec"))
		rl_buf_adds(out, "appendfsync everysec: a crash of the machine "
		    "(power, kernel) can lose the last second or two of "
		    "acknowledged writes; a crash of Redis alone loses none (fix: ");
	else
		rl_buf_printf(out, "appendfsync %s: the kernel writes when it "
		    "likes, so a crash of the machine can lose about 30 seconds "
		    "of acknowledged writes (fix: ", *p->appendfsync ?
		    p->appendfsync : "unknown");
	cli(r, out);
	rl_buf_adds(out, " CONFIG SET appendfsync always)\n");
	return n + 1;
}

int
rl_redis_check(struct rl_redis *r, cJSON *report, struct rl_buf *risks,
	struct rl_error *e)
{
	struct rl_redis_persistence p;

	if (rl_redis_persistence(r, &p, e) < 0)
		return -1;
	cJSON_AddStringToObject(report, "server", rl_redis_name(r));
	cJSON_AddStringToObject(report, "version", p.version);
	cJSON_AddStringToObject(report, "appendonly", p.aof ? "yes" : "no");
	if (p.config_refused) {
		cJSON_AddNullToObject(report, "appendfsync");
		cJSON_AddNullToObject(report, "save");
		cJSON_AddNullToObject(report, "maxmemory_policy");
	} else {
		cJSON_AddStringToObject(report, "appendfsync", p.appendfsync);
		cJSON_AddStringToObject(report, "save", p.save);
		cJSON_AddStringToObject(report, "maxmemory_policy",
		    p.maxmemory_policy);
	}
	return rl_redis_persistence_risks(r, &p, risks);
}
