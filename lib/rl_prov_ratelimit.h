/*
 * rl_prov_ratelimit.h - request and token limits shared by every process on
 * the machine.
 *
 * Each provider name has a token bucket for requests per minute and one
 * for tokens per minute, in STATE/ratelimit/NAME under an exclusive flock
 * on STATE/ratelimit/NAME.lock.  A bucket holds one second's worth of its
 * limit (at least one request) and refills continuously, so the rate is
 * smooth: with rpm 600 no second sees much more than 10 requests started,
 * whichever processes start them.  A request takes one request and its
 * estimated prompt tokens before it is sent; rl_prov_ratelimit_settle charges
 * the tokens the reply really cost afterwards, so the bucket may go into
 * debt and later requests wait for it to fill again.
 *
 * Nobody fails for a limit: rl_prov_ratelimit_take says how long to wait, and
 * the caller waits (rl_provider.c says so on a terminal).  A state file
 * that cannot be read (a crash mid-write) is a full bucket.
 *
 * With provider.rate_store set to a Redis URL (rl_prov_ratelimit_store),
 * the buckets are shared by every machine that names the same server and
 * the same provider: the two buckets are one hash, rl:ratelimit:NAME,
 * and a take or a settle is one Lua script that refills and charges
 * them by the server's clock (TIME), so machines whose clocks differ
 * still share one rate.  A server that cannot be reached does not stop
 * work: it is said once on stderr, and this machine's own buckets (the
 * files above) stand in for a minute before the server is tried again.
 * That connection is tried once, with at most 1 s to connect and 2 s
 * for a reply, whatever redis.retry says (unless the process has a
 * connection to that server already, for its queue or memory: the
 * rate limit then shares it, and its settings).
 */
#ifndef RL_PROV_RATELIMIT_H
#define RL_PROV_RATELIMIT_H

struct rl_redis;

struct rl_prov_ratelimit {
	char *path;               /* the state file; NULL: no limits */
	double rpm, tpm;          /* 0: no limit of that kind */
	/* provider.rate_store: */
	char *store;              /* its URL; NULL: the files alone */
	char *key;                /* the bucket's key there */
	struct rl_redis *redis;   /* the connection, once made */
	void *settings;           /* the connection's settings (a config) */
	long long retry_at;       /* ms: the files stand in until then */
	int said;                 /* the fallback was said on stderr */
};

/* Set up limits for provider name under state_dir.  rpm and tpm of 0
 * mean none; with both 0 nothing is ever read or written. */
void rl_prov_ratelimit_init(struct rl_prov_ratelimit *rl, const char *state_dir,
	const char *name, double rpm, double tpm);

struct rl_config;

/* Keep the buckets in the Redis server at url (provider.rate_store)
 * rather than in files; the connection's settings are cfg's redis.*,
 * bounded as said above.  Nothing is connected until the first take. */
void rl_prov_ratelimit_store(struct rl_prov_ratelimit *rl,
	const struct rl_config *cfg, const char *url);

/*
 * Take one request and tokens (an estimate) at now_ms (the files' clock;
 * a rate store uses its server's).  Returns 0 when
 * taken, or the ms to wait before trying again (nothing taken).  A
 * storage error takes nothing and returns 0: limits never stop work.
 */
long long rl_prov_ratelimit_take(struct rl_prov_ratelimit *rl, double tokens,
	long long now_ms);

/* Charge (or give back, when negative) tokens after a reply. */
void rl_prov_ratelimit_settle(struct rl_prov_ratelimit *rl, double tokens,
	long long now_ms);

void rl_prov_ratelimit_free(struct rl_prov_ratelimit *rl);
#endif
