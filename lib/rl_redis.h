/*
 * rl_redis.h - a connection to a Redis server, on hiredis: what every
 * store kept on Redis (the queue, the memory, the rate limit) shares.
 *
 *     struct rl_error e;
 *     struct rl_redis *r = rl_redis_open(&cfg, "redis://host/0", &e);
 *     struct rl_redis_args a = {0};
 *     rl_redis_arg(&a, "GET");
 *     rl_redis_arg(&a, "key");
 *     redisReply *rep = rl_redis_cmd(r, &a, RL_REDIS_RESEND, &e);
 *     ... freeReplyObject(rep); rl_redis_args_free(&a);
 *     rl_redis_close(r);
 *
 * Where the server is, as a URL:
 *
 *     redis://[user[:password]@]host[:port][/db]   TCP; port 6379, db 0
 *     unix://[user[:password]@]/path[?db=N]        a Unix domain socket
 *
 * user and password are percent-decoded (%40 for '@', %3A for ':'); a
 * password alone is written ":password@"; an IPv6 host goes in brackets
 * ("redis://[::1]:6379").  rediss:// (TLS) is refused: Debian's hiredis
 * 0.14 is built without TLS (redline-redis(7) shows a tunnel instead).
 * A password is never printed: messages name the URL with "***" for it
 * (rl_redis_url.shown).
 *
 * One connection per process and URL: rl_redis_open hands out the same
 * connection to every caller that names the same URL (counted; the last
 * rl_redis_close closes it, and exit closes what is left).  Its socket
 * is close-on-exec, so programs a worker starts never hold it.
 *
 * Settings, from the configuration (redline-config(5)):
 *   redis.connect_timeout   seconds a connection may take (default 5)
 *   redis.command_timeout   seconds a reply may take (default 10)
 *   redis.retry             seconds an operation keeps reconnecting,
 *                           with backoff, before it fails (default 30)
 *
 * Faults.  A connection that is lost (the server restarted, the network
 * cut) is made again before the next command, with AUTH and SELECT, with
 * a backoff of 50 ms doubling to 2 s (minus up to a quarter at random)
 * for up to redis.retry seconds.  A command whose reply is lost after it
 * was sent may or may not have run:
 *   - with RL_REDIS_RESEND (the caller says that running it twice does
 *     what running it once does) it is sent again on the new connection;
 *   - without it, the call fails with redis.lost_reply, which is
 *     retryable: nothing is assumed about whether it ran.
 * A server that says it cannot run a command yet (LOADING after a
 * restart, BUSY, MASTERDOWN, TRYAGAIN) did not run it: it is tried again
 * within the same budget.
 *
 * Errors (struct rl_error codes, see rl_err.c and redline(7)):
 *   redis.bad_url      the URL is malformed (exit 2)
 *   redis.unreachable  no connection within redis.retry (exit 111)
 *   redis.timeout      no reply within redis.command_timeout (exit 111)
 *   redis.lost_reply   the connection went while a command was in
 *                      flight; it may or may not have run (exit 111)
 *   redis.auth         AUTH failed, or a password is needed (exit 2)
 *   redis.denied       the ACL forbids a command or key (exit 2)
 *   redis.busy         the server refuses writes for now: out of memory,
 *                      a failed save, a replica (exit 111)
 *   redis.reply        any other error reply, or a reply of the wrong
 *                      shape (exit 1)
 * Messages carry the server's own words and the shown URL.
 */
#ifndef RL_REDIS_H
#define RL_REDIS_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "rl_buf.h"
#include "rl_config.h"
#include "rl_err.h"

struct rl_redis_url {
	int unix_socket;          /* 1: path is a socket's */
	char host[256];           /* a host name or address, no brackets */
	char path[256];           /* the socket */
	int port;
	int db;
	char user[128];           /* "" for the default user */
	char password[256];       /* "" for none; zeroed by rl_redis_close */
	char shown[640];          /* the URL for messages, password "***" */
};

/* 1 if s names a Redis server (redis://, rediss:// or unix://) rather
 * than a backend by name; the URL may still be malformed. */
int rl_redis_is_url(const char *s);

/* url with the password of its user information as "***" (redis://u:***@h,
 * unix://u:***@/path), cut to n bytes; a URL without one as it is. */
void rl_redis_redact(const char *url, char *out, size_t n);

/* Parse url into u.  Returns 0, or -1 with e set (redis.bad_url; the
 * message says what is wrong and never holds the password). */
int rl_redis_url_parse(const char *url, struct rl_redis_url *u,
	struct rl_error *e);

struct rl_redis;

/*
 * The process's connection to the server of url, connected (and
 * authenticated, its db selected) within the retry budget; the settings
 * come from cfg (NULL: the defaults).  NULL with e set on failure.
 */
struct rl_redis *rl_redis_open(const struct rl_config *cfg, const char *url,
	struct rl_error *e);

/* The URL as messages show it (password "***"). */
const char *rl_redis_name(const struct rl_redis *r);

/* The parsed URL (for hints that name host, port or socket). */
const struct rl_redis_url *rl_redis_url(const struct rl_redis *r);

/* Give the connection back; the last one closes it. */
void rl_redis_close(struct rl_redis *r);

/*
 * The arguments of one command, binary-safe, copied in.  A zeroed struct
 * is empty; rl_redis_args_free frees it (and leaves it empty and usable).
 */
struct rl_redis_args {
	struct rl_buf data;       /* every argument, back to back */
	size_t n, cap;
	size_t *off, *len;
};

void rl_redis_arg(struct rl_redis_args *a, const char *s);
void rl_redis_argn(struct rl_redis_args *a, const void *p, size_t n);
void rl_redis_argf(struct rl_redis_args *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void rl_redis_args_reset(struct rl_redis_args *a);
void rl_redis_args_free(struct rl_redis_args *a);

/* Flags of a call. */
#define RL_REDIS_RESEND 1    /* idempotent: send again if the reply is lost */

/*
 * Run the command a on r.  Returns the reply (the caller frees it with
 * freeReplyObject), or NULL with e set: connection faults as above, and
 * an error reply mapped to its code (redis.denied, redis.busy,
 * redis.reply...).  A reply is never an error reply.
 */
redisReply *rl_redis_cmd(struct rl_redis *r, const struct rl_redis_args *a,
	int flags, struct rl_error *e);

/*
 * A Lua script, run with EVALSHA.  sha is filled in the first time the
 * script is loaded (SCRIPT LOAD); a server that answers NOSCRIPT (it was
 * restarted, or its scripts flushed) gets it loaded again, and the call
 * is made again.  Keep one static struct per script.
 */
struct rl_redis_script {
	const char *name;         /* for messages: "queue push" */
	const char *source;
	char sha[41];
};

/*
 * Run script s with nkeys keys and then the arguments, all in a (the
 * first nkeys are KEYS, the rest ARGV).  As rl_redis_cmd; an error the
 * script raises is redis.reply with its message, unless it is one of
 * the codes above (a script's redis.call passes NOPERM, OOM... on).
 */
redisReply *rl_redis_eval(struct rl_redis *r, struct rl_redis_script *s,
	int nkeys, const struct rl_redis_args *a, int flags, struct rl_error *e);

/*
 * What the server keeps across a crash, for `rl-queue check` and
 * `rl-mem check`: its version, and its persistence settings where the
 * ACL lets CONFIG GET tell them.
 */
struct rl_redis_persistence {
	char version[32];         /* "7.0.15" */
	int aof;                  /* appendonly: 1 yes, 0 no (from INFO) */
	char appendfsync[16];     /* "always", "everysec", "no"; "" unknown */
	char save[128];           /* the RDB schedule; "" none or unknown */
	char maxmemory_policy[32];   /* "noeviction"...; "" unknown */
	int config_refused;       /* CONFIG GET was refused */
	char refused[256];        /* what the server said then */
};

/* Fill p from INFO and CONFIG GET.  0, or -1 with e set. */
int rl_redis_persistence(struct rl_redis *r, struct rl_redis_persistence *p,
	struct rl_error *e);

/*
 * Append to out a line for each way p can lose an acknowledged write
 * ("WHAT: HOW IT IS LOST (fix: COMMAND)\n"), where COMMAND is a
 * redis-cli line that changes the setting on r's server; none when p
 * keeps every acknowledged write.  Returns how many lines.
 */
int rl_redis_persistence_risks(const struct rl_redis *r,
	const struct rl_redis_persistence *p, struct rl_buf *out);

/*
 * The report of `rl-queue check` and `rl-mem check`, one for both: add
 * to report the server (as rl_redis_name shows it), version, appendonly,
 * appendfsync, save and maxmemory_policy (the last three null where
 * CONFIG GET was refused), and append to risks what
 * rl_redis_persistence_risks says.  Returns how many risks, or -1 with
 * e set.
 */
int rl_redis_check(struct rl_redis *r, cJSON *report, struct rl_buf *risks,
	struct rl_error *e);

#endif
