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
 */
#ifndef RL_PROV_RATELIMIT_H
#define RL_PROV_RATELIMIT_H

struct rl_prov_ratelimit {
	char *path;               /* the state file; NULL: no limits */
	double rpm, tpm;          /* 0: no limit of that kind */
};

/* Set up limits for provider name under state_dir.  rpm and tpm of 0
 * mean none; with both 0 nothing is ever read or written. */
void rl_prov_ratelimit_init(struct rl_prov_ratelimit *rl, const char *state_dir,
	const char *name, double rpm, double tpm);

/*
 * Take one request and tokens (an estimate) at now_ms.  Returns 0 when
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
