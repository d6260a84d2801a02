/*
 * rl_prov_ratelimit.c - machine-wide token buckets; see rl_prov_ratelimit.h.
 *
 * The state file is one short text line, "REQUESTS TOKENS AT_MS", read
 * and rewritten in place under the lock.  It is not fsync'ed: after a
 * crash the worst case is a full bucket, which the service's own limits
 * still bound.
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rl_buf.h"
#include "rl_fs.h"
#include "rl_prov_ratelimit.h"

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

long long
rl_prov_ratelimit_take(struct rl_prov_ratelimit *rl, double tokens,
	long long now_ms)
{
	return update(rl, now_ms, rl->tpm ? tokens : 0, 0);
}

void
rl_prov_ratelimit_settle(struct rl_prov_ratelimit *rl, double tokens,
	long long now_ms)
{
	if (rl->tpm && tokens != 0)
		update(rl, now_ms, tokens, 1);
}

void
rl_prov_ratelimit_free(struct rl_prov_ratelimit *rl)
{
	free(rl->path);
	rl->path = NULL;
}
