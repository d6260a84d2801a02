/*
 * rl_prov_ratelimit.c - machine-wide token buckets, or buckets shared by
 * every machine through Redis; see rl_prov_ratelimit.h.
 *
 * The state file is one short text line, "REQUESTS TOKENS AT_MS", read
 * and rewritten in place under the lock.  It is not fsync'ed: after a
 * crash the worst case is a full bucket, which the service's own limits
 * still bound.  The Redis bucket (BUCKET below) is the same arithmetic
 * in Lua, run by the server as one step; it expires once it would be
 * full again, and a missing bucket is a full one, so idle providers
 * leave nothing behind.
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rl_buf.h"
#include "rl_config.h"
#include "rl_dur.h"
#include "rl_err.h"
#include "rl_fs.h"
#include "rl_prov_ratelimit.h"
#include "rl_redis.h"

/* After a rate store failed, the files stand in this long. */
#define STORE_RETRY_MS 60000

/*
 * KEYS[1] the bucket (a hash: r requests, t tokens, at ms); ARGV rpm,
 * tpm, tokens, and "take" or "settle".  Returns the ms to wait (0: taken
 * or settled).  The same rules as update() below, by the server's clock.
 */
static const char bucket_lua[] =
"local now = redis.call('TIME')\n"
"now = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)\n"
"local rpm, tpm, tokens = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])\n"
"local rc, tc = math.max(1, rpm / 60), math.max(1, tpm / 60)\n"
"local s = redis.call('HMGET', KEYS[1], 'r', 't', 'at')\n"
"local r, t, at = tonumber(s[1]), tonumber(s[2]), tonumber(s[3])\n"
"if not r or not t or not at or at > now + 86400000 then r, t, at = rc, tc, now end\n"
"if now < at then now = at end\n"
"r = math.min(rc, r + (now - at) * rpm / 60000)\n"
"t = math.min(tc, t + (now - at) * tpm / 60000)\n"
"local wait = 0\n"
"if ARGV[4] == 'settle' then\n"
"  t = t - tokens\n"
"else\n"
"  local need = math.min(tokens, tc)\n"
"  if rpm > 0 and r < 1 then wait = math.ceil((1 - r) * 60000 / rpm) end\n"
"  if tpm > 0 and t < need then\n"
"    wait = math.max(wait, math.ceil((need - t) * 60000 / tpm))\n"
"  end\n"
"  if wait == 0 then r, t = r - 1, t - tokens end\n"
"end\n"
"local full = 0\n"
"if rpm > 0 then full = math.max(full, (rc - r) * 60000 / rpm) end\n"
"if tpm > 0 then full = math.max(full, (tc - t) * 60000 / tpm) end\n"
"redis.call('HSET', KEYS[1], 'r', string.format('%.6f', r),\n"
"  't', string.format('%.6f', t), 'at', string.format('%d', now))\n"
"redis.call('PEXPIRE', KEYS[1], math.ceil(full) + 1000)\n"
"return wait\n";

static struct rl_redis_script BUCKET = {"rate limit", bucket_lua, ""};

void
rl_prov_ratelimit_init(struct rl_prov_ratelimit *rl, const char *state_dir,
	const char *name, double rpm, double tpm)
{
	struct rl_buf p = {0};

	memset(rl, 0, sizeof *rl);
	rl->rpm = rpm > 0 ? rpm : 0;
	rl->tpm = tpm > 0 ? tpm : 0;
	if (!rl->rpm && !rl->tpm)
		return;
	rl_buf_printf(&p, "%s/ratelimit", state_dir);
	if (rl_fs_mkdirs(p.data, 0700) < 0) {
		rl_buf_free(&p);
		rl->rpm = rl->tpm = 0;
		return;
	}
	/* a name is a preset, a configured name or cmd:/script:, so keep
	 * only the characters a file name may have */
	rl_buf_addc(&p, '/');
	for (; *name; name++)
		rl_buf_addc(&p, (*name >= 'a' && *name <= 'z') ||
		    (*name >= 'A' && *name <= 'Z') || (*name >= '0' && *name <= '9') ||
		    *name == '-' || *name == '.' ? *name : '_');
	rl->path = rl_buf_detach(&p);
}

static double
cap(double per_minute)
{
	double c = per_minute / 60;

	return c < 1 ? 1 : c;
}

/* Lock, load, refill to now, call fn, store, unlock. */
static long long
update(struct rl_prov_ratelimit *rl, long long now_ms, double tokens,
	int settle)
{
	char lock[4096], line[128];
	double r, t, rc = cap(rl->rpm), tc = cap(rl->tpm), dt;
	long long at, wait = 0;
	int lfd, fd, n;

	if (!rl->path)
		return 0;
	snprintf(lock, sizeof lock, "%s.lock", rl->path);
	if ((lfd = rl_fs_lock(lock, 1)) < 0)
		return 0;
	if ((fd = open(rl->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		close(lfd);
		return 0;
	}
	n = (int)pread(fd, line, sizeof line - 1, 0);
	line[n > 0 ? n : 0] = 0;
	if (sscanf(line, "%lf %lf %lld", &r, &t, &at) != 3 || !isfinite(r) ||
	    !isfinite(t) || at > now_ms + 86400000LL) {
		r = rc;
		t = tc;
		at = now_ms;
	}
	/* now_ms was read before the lock was won, so another process may
	 * have stored a later time: never move the stored time backwards,
	 * or the same interval would refill the bucket twice */
	if (now_ms < at)
		now_ms = at;
	dt = (double)(now_ms - at);
	r = fmin(rc, r + dt * rl->rpm / 60000);
	t = fmin(tc, t + dt * rl->tpm / 60000);
	if (settle) {
		t -= tokens;
	} else {
		double need_t = tokens > tc ? tc : tokens;   /* a full bucket will do */

		if (rl->rpm && r < 1)
			wait = (long long)ceil((1 - r) * 60000 / rl->rpm);
		if (rl->tpm && t < need_t) {
			long long w = (long long)ceil((need_t - t) * 60000 / rl->tpm);

			wait = w > wait ? w : wait;
		}
		if (!wait) {
			r -= 1;
			t -= tokens;
		}
	}
	n = snprintf(line, sizeof line, "%.6f %.6f %lld\n", r, t, now_ms);
	if (pwrite(fd, line, (size_t)n, 0) == n)
		(void)ftruncate(fd, n);
	close(fd);
	close(lfd);
	return wait > 0 ? wait : 0;
}

void
rl_prov_ratelimit_store(struct rl_prov_ratelimit *rl,
	const struct rl_config *cfg, const char *url)
{
	struct rl_config *own;
	cJSON *redis;
	double v;

	if (!rl->path || !url || !*url)
		return;
	/* the connection's own settings: tried once, quickly, since a
	 * limit never stops work and the files can stand in */
	own = rl_xcalloc(1, sizeof *own);
	own->tree = cJSON_CreateObject();
	redis = cJSON_AddObjectToObject(own->tree, "redis");
	v = rl_config_num(cfg, "redis.connect_timeout", 1);
	cJSON_AddNumberToObject(redis, "connect_timeout", v < 1 ? v : 1);
	v = rl_config_num(cfg, "redis.command_timeout", 2);
	cJSON_AddNumberToObject(redis, "command_timeout", v < 2 ? v : 2);
	cJSON_AddNumberToObject(redis, "retry", 0);
	rl->settings = own;
	rl->store = rl_xstrdup(url);
	rl->key = rl_xstrdup(strrchr(rl->path, '/') + 1);
}

/* The shared buckets: 0 and the wait in *wait, or -1 when the store
 * cannot answer now (said once; the files stand in). */
static int
shared(struct rl_prov_ratelimit *rl, double tokens, int settle,
	long long *wait)
{
	struct rl_redis_args a = {0};
	struct rl_error e;
	redisReply *rep = NULL;
	long long now = rl_now_ms();

	if (!rl->store || now < rl->retry_at)
		return -1;
	if (!rl->redis)
		rl->redis = rl_redis_open(rl->settings, rl->store, &e);
	if (rl->redis) {
		rl_redis_argf(&a, "rl:ratelimit:%s", rl->key);
		rl_redis_argf(&a, "%.17g", rl->rpm);
		rl_redis_argf(&a, "%.17g", rl->tpm);
		rl_redis_argf(&a, "%.17g", tokens);
		rl_redis_arg(&a, settle ? "settle" : "take");
		rep = rl_redis_eval(rl->redis, &BUCKET, 1, &a, 0, &e);
		rl_redis_args_free(&a);
	}
	if (rep && rep->type == REDIS_REPLY_INTEGER) {
		*wait = rep->integer > 0 ? rep->integer : 0;
		freeReplyObject(rep);
		return 0;
	}
	if (rep) {
		rl_error_set(&e, "redis.reply", "%s: rate limit: not a number of "
		    "ms", rl_redis_name(rl->redis));
		freeReplyObject(rep);
	}
	if (!rl->said++)
		rl_diag(NULL, 0, e.code, "provider.rate_store: %s; until it answers, "
		    "the rate limits hold for this machine alone", e.message);
	rl->retry_at = now + STORE_RETRY_MS;
	return -1;
}

long long
rl_prov_ratelimit_take(struct rl_prov_ratelimit *rl, double tokens,
	long long now_ms)
{
	long long wait;

	tokens = rl->tpm ? tokens : 0;
	if (shared(rl, tokens, 0, &wait) == 0)
		return wait;
	return update(rl, now_ms, tokens, 0);
}

void
rl_prov_ratelimit_settle(struct rl_prov_ratelimit *rl, double tokens,
	long long now_ms)
{
	long long wait;

	if (!rl->tpm || tokens == 0 || shared(rl, tokens, 1, &wait) == 0)
		return;
	update(rl, now_ms, tokens, 1);
}

void
rl_prov_ratelimit_free(struct rl_prov_ratelimit *rl)
{
	if (rl->redis)
		rl_redis_close(rl->redis);
	if (rl->settings) {
		rl_config_free(rl->settings);
		free(rl->settings);
	}
	free(rl->store);
	free(rl->key);
	free(rl->path);
	memset(rl, 0, sizeof *rl);
}
