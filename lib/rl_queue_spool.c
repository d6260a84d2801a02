/*
 * rl_queue_spool.c - the spool directory backend of the queue (rl_queue.h).
 *
 * STATE/queue/NAME/ holds one directory per state, and a message is one
 * file that moves between them by rename(2), so it is always in exactly
 * one state, and a crash at any moment leaves it in the old state or
 * the new:
 *
 *   tmp/ID                       being written by a pusher
 *   ready/PRIO/SEQ               waiting; SEQ counts up per priority
 *   delayed/NOTBEFORE.DELAY.PRIO.ID   waiting for its time
 *   leased/LEASE.EXPIRES.LENGTH  popped, until ack, nack or expiry
 *   done/ID.LEASE                acked, kept queue.done_keep
 *   dead/ID                      out of attempts, or corrupt (*.corrupt)
 *
 * This departs from a maildir's single new/ directory on purpose: finding
 * the next message there means reading the whole directory, O(n) per pop.
 * Here the next message is ready/PRIO/HEAD for the highest PRIO that has
 * one, so a pop costs the same with 100 messages queued or 100,000.  HEAD
 * and TAIL per priority, and the earliest delayed time, are kept in
 * .state; it is a hint rewritten without fsync, and every reader heals
 * it: a missing HEAD is a rename that fails (skip to the next), a stale
 * TAIL a rename that finds the name taken (RENAME_NOREPLACE, try the
 * next), a lost .state a directory scan.
 *
 * The delayed messages are found from delayed/ itself, never from memory
 * alone, since a hint that says "nothing delayed" when something is would
 * strand it for good.  So the earliest time is written (and fsync'ed)
 * before the rename it describes, and .state records the modification
 * time of delayed/ it was true for: when that line is missing or the
 * directory has changed since (a crash between a rename and the save, an
 * old .state put back), the next pop reads delayed/ whole.  The sweep
 * reads it too, once a minute, whatever the hint says.
 *
 * Every change of state happens under an exclusive flock on .lock, which
 * dies with its holder.  Pushers write their files and make them durable
 * before they take it (one fsync, or one syncfs and a journal for a
 * batch: see "push" below); a file is renamed into place and its
 * directory fsync'ed before push returns.  Ack fsyncs too, so an acked message never comes back.
 * A pop needs no fsync: if its rename is lost in a crash the message is
 * simply ready again (at least once).
 *
 * Times come from the wall clock.  If it goes back, a delay or a lease
 * that now ends further away than its own length is cut back to that
 * length: nothing waits longer than it asked, and no live lease is taken
 * away.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rl_dur.h"
#include "rl_err.h"
#include "rl_fs.h"
#include "rl_json.h"
#include "rl_queue.h"

#define PRIO_MIN -1000
#define PRIO_MAX 1000
#define NPRIO (PRIO_MAX - PRIO_MIN + 1)
#define SWEEP_MS 60000
#define TMP_STALE_MS 3600000

enum { D_TMP, D_READY, D_DELAYED, D_LEASED, D_DONE, D_DEAD, D_N };
static const char *dirnames[D_N] = {"tmp", "ready", "delayed", "leased",
	"done", "dead"};

struct prio {
	long long head, tail;
	int known;               /* head and tail are worth trusting */
	int fd1;                 /* its directory, open, + 1; 0: not open */
};

struct spool {
	int root, dir[D_N], lock;
	struct prio *prio;       /* NPRIO of them, by priority - PRIO_MIN */
	long long next_due, sweep_at, seen;   /* seen: the latest clock read */
	int delayed_stale;       /* next_due may miss a file of delayed/ */
};

/* --- errors, names and the .state hint ---------------------------------- */

static int
sys_fail(struct rl_queue *q, const char *code, const char *what)
{
	return rl_error_set(&q->err, code, "%s: %s: %s", q->name, what,
	    strerror(errno));
}

static unsigned long long
token(void)
{
	unsigned long long r;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = (unsigned long long)rl_now_ms() ^ ((unsigned long long)getpid() << 32);
	return r;
}

/* rename without replacing; -1 with EEXIST when to is taken */
static int
rename_new(int fromdir, const char *from, int todir, const char *to)
{
	if (renameat2(fromdir, from, todir, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* a file system without RENAME_NOREPLACE: link fails on EEXIST */
	if (linkat(fromdir, from, todir, to, 0) < 0)
		return -1;
	return unlinkat(fromdir, from, 0);
}

/* The modification time of delayed/ as "SEC NSEC"; "" when unknown. */
static void
delayed_mtime(struct spool *s, char *out, size_t n)
{
	struct stat st;

	if (fstat(s->dir[D_DELAYED], &st) == 0)
		snprintf(out, n, "%lld %ld", (long long)st.st_mtim.tv_sec,
		    (long)st.st_mtim.tv_nsec);
	else
		snprintf(out, n, "%s", "");
}

static void
state_load(struct spool *s)
{
	struct rl_buf b = {0};
	char *line, *save = NULL, now[48];
	long long a, c, p;

	for (p = 0; p < NPRIO; p++) {    /* what is known goes; open dirs stay */
		s->prio[p].head = s->prio[p].tail = 0;
		s->prio[p].known = 0;
	}
	s->next_due = s->sweep_at = s->seen = 0;
	s->delayed_stale = 1;    /* until .state shows it is not */
	if (rl_fs_read_at(s->root, ".state", &b, 1 << 20) < 0) {
		rl_buf_free(&b);
		return;
	}
	delayed_mtime(s, now, sizeof now);
	for (line = strtok_r(b.data, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "due %lld sweep %lld seen %lld", &a, &c, &p) == 3) {
			s->next_due = a;
			s->sweep_at = c;
			s->seen = p;
		} else if (sscanf(line, "prio %lld %lld %lld", &p, &a, &c) == 3 &&
		    p >= PRIO_MIN && p <= PRIO_MAX && a >= 0 && c >= a) {
			s->prio[p - PRIO_MIN].head = a;
			s->prio[p - PRIO_MIN].tail = c;
			s->prio[p - PRIO_MIN].known = 1;
		} else if (strncmp(line, "delayed ", 8) == 0 && *now) {
			s->delayed_stale = strcmp(line + 8, now) != 0;
		}
	}
	rl_buf_free(&b);
}

/* Write .state; durable: fsync it too.  The time of delayed/ goes in
 * only while next_due is known to cover every file there. */
static void
state_save(struct spool *s, int durable)
{
	struct rl_buf b = {0};
	char mtime[48];
	int p, fd;

	rl_buf_printf(&b, "due %lld sweep %lld seen %lld\n", s->next_due,
	    s->sweep_at, s->seen);
	delayed_mtime(s, mtime, sizeof mtime);
	if (!s->delayed_stale && *mtime)
		rl_buf_printf(&b, "delayed %s\n", mtime);
	for (p = 0; p < NPRIO; p++)
		if (s->prio[p].known && s->prio[p].tail > s->prio[p].head)
			rl_buf_printf(&b, "prio %d %lld %lld\n", p + PRIO_MIN,
			    s->prio[p].head, s->prio[p].tail);
	fd = openat(s->root, ".state", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (pwrite(fd, b.data, b.len, 0) == (ssize_t)b.len &&
		    ftruncate(fd, (off_t)b.len) == 0 && durable)
			(void)!fdatasync(fd);
		close(fd);
	}
	rl_buf_free(&b);
}

/* Before a rename into delayed/: make the hint cover a message due at
 * not_before, durably, so no crash can leave the message unseen. */
static void
hint_delayed(struct spool *s, long long not_before)
{
	if (s->next_due && s->next_due <= not_before)
		return;
	s->next_due = not_before;
	state_save(s, 1);
}

/* --- the lock ----------------------------------------------------------- */

static int
lock(struct rl_queue *q)
{
	struct spool *s = q->impl;

	while (flock(s->lock, LOCK_EX) < 0)
		if (errno != EINTR)
			return sys_fail(q, "io.lock", "cannot lock");
	state_load(s);
	return 0;
}

static void
unlock(struct spool *s)
{
	s->seen = rl_now_ms();
	state_save(s, 0);
	flock(s->lock, LOCK_UN);
}

/* --- ready/: one directory per priority --------------------------------- */

/* The directory of priority p in ready/, made if need be; -1 on error. */
static int
prio_dir(struct spool *s, int p, int create)
{
	struct prio *pr = &s->prio[p - PRIO_MIN];
	char name[16];
	int fd;

	/* kept open once found: a batch opens it once, not per message */
	if (pr->fd1)
		return dup(pr->fd1 - 1);
	snprintf(name, sizeof name, "%d", p);
	if ((fd = openat(s->dir[D_READY], name, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0 && errno == ENOENT && create &&
	    (mkdirat(s->dir[D_READY], name, 0700) == 0 || errno == EEXIST))
		fd = openat(s->dir[D_READY], name, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
	if (fd < 0)
		return -1;
	pr->fd1 = fd + 1;
	return dup(fd);
}

/* Find head and tail of priority p by reading its directory. */
static void
prio_scan(struct spool *s, int p, int pfd)
{
	struct prio *pr = &s->prio[p - PRIO_MIN];
	int dfd = dup(pfd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *e;
	long long v;
	char *end;

	pr->head = -1;
	pr->tail = 0;
	while (d && (e = readdir(d))) {
		v = strtoll(e->d_name, &end, 10);
		if (e->d_name[0] == '.' || *end || v < 0)
			continue;
		if (pr->head < 0 || v < pr->head)
			pr->head = v;
		if (v + 1 > pr->tail)
			pr->tail = v + 1;
	}
	if (d)
		closedir(d);
	else if (dfd >= 0)
		close(dfd);
	if (pr->head < 0)
		pr->head = pr->tail;
	pr->known = 1;
}

/* Move file from dir/name into ready/PRIO/ at the tail.  Not fsync'ed:
 * callers that promise durability sync the directory (sync_prio). */
static int
to_ready(struct spool *s, int dir, const char *name, int p)
{
	struct prio *pr = &s->prio[p - PRIO_MIN];
	char seq[24];
	int pfd = prio_dir(s, p, 1), rc;

	if (pfd < 0)
		return -1;
	if (!pr->known)
		prio_scan(s, p, pfd);
	for (;;) {
		snprintf(seq, sizeof seq, "%016lld", pr->tail);
		rc = rename_new(dir, name, pfd, seq);
		if (rc == 0 || errno != EEXIST)
			break;
		pr->tail++;          /* a stale tail: the name is taken */
	}
	if (rc == 0)
		pr->tail++;
	close(pfd);
	return rc;
}

/* fsync the directory of priority p in ready/. */
static int
sync_prio(struct spool *s, int p)
{
	int pfd = prio_dir(s, p, 0), rc;

	if (pfd < 0)
		return -1;
	rc = fsync(pfd);
	close(pfd);
	return rc;
}

/* --- message files ------------------------------------------------------ */

static int
write_file(int dir, const char *name, const cJSON *j, int replace, int sync)
{
	struct rl_buf b = {0};
	int fd, rc = -1;

	rl_json_print(j, &b);
	rl_buf_addc(&b, '\n');
	if (replace) {
		rc = rl_fs_replace_at(dir, name, b.data, b.len, 0600);
	} else if ((fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) >= 0) {
		rc = rl_fs_write_all(fd, b.data, b.len) == 0 &&
		    (!sync || fsync(fd) == 0) ? 0 : -1;
		if (close(fd) < 0)
			rc = -1;
		if (rc < 0) {
			int saved = errno;
			unlinkat(dir, name, 0);
			errno = saved;
		}
	}
	rl_buf_free(&b);
	return rc;
}

/* Read a message file; 0, -1 when unreadable, -2 when not a message. */
static int
read_msg(int dir, const char *name, struct rl_qmsg *m)
{
	struct rl_buf b = {0};
	struct rl_json_err e;
	cJSON *j = NULL;
	int rc = -1;

	if (rl_fs_read_at(dir, name, &b, 1UL << 30) == 0)
		rc = rl_json_parse(b.data, b.len, RL_JSON_DEPTH_MAX, &j, &e) == 0 &&
		    rl_qmsg_parse(j, m) == 0 ? 0 : -2;
	cJSON_Delete(j);
	rl_buf_free(&b);
	return rc;
}

/* --- open and close ----------------------------------------------------- */

static int
sp_open(struct rl_queue *q, const char *where)
{
	struct spool *s = rl_xcalloc(1, sizeof *s);
	int i;

	for (i = 0; i < D_N; i++)
		s->dir[i] = -1;
	s->lock = s->root = -1;
	if (((s->root = open(where, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 &&
	    rl_fs_mkdirs(where, 0700) < 0) || (s->root < 0 &&
	    (s->root = open(where, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0))
		goto fail;
	for (i = 0; i < D_N; i++) {
		/* open first: a read-only spool has its directories */
		if ((s->dir[i] = openat(s->root, dirnames[i],
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
			continue;
		if (mkdirat(s->root, dirnames[i], 0700) < 0 && errno != EEXIST)
			goto fail;
		if ((s->dir[i] = openat(s->root, dirnames[i],
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			goto fail;
	}
	/* flock works on a descriptor open for reading, as a read-only
	 * spool allows */
	if ((s->lock = openat(s->root, ".lock", O_RDWR | O_CREAT | O_CLOEXEC,
	    0600)) < 0 && (s->lock = openat(s->root, ".lock",
	    O_RDONLY | O_CLOEXEC)) < 0)
		goto fail;
	s->prio = rl_xcalloc(NPRIO, sizeof *s->prio);
	q->impl = s;
	return 0;
fail:
	rl_error_set(&q->err, "io.open", "cannot open the spool: %s",
	    strerror(errno));
	for (i = 0; i < D_N; i++)
		if (s->dir[i] >= 0)
			close(s->dir[i]);
	if (s->lock >= 0)
		close(s->lock);
	if (s->root >= 0)
		close(s->root);
	free(s);
	return -1;
}

static void
sp_close(struct rl_queue *q)
{
	struct spool *s = q->impl;
	int i;

	for (i = 0; i < NPRIO; i++)
		if (s->prio[i].fd1)
			close(s->prio[i].fd1 - 1);
	for (i = 0; i < D_N; i++)
		close(s->dir[i]);
	close(s->lock);
	close(s->root);
	free(s->prio);
	free(s);
}

static void
delayed_name(const struct rl_qmsg *m, long long delay, char *out, size_t n)
{
	snprintf(out, n, "%013lld.%lld.%d.%s", m->not_before, delay, m->priority,
	    m->id);
}

/* --- walking a directory ------------------------------------------------ */

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Call fn(dir, name, arg) for each file of dir whose name starts with
 * prefix (NULL: each not starting with '.'), in name order (so FIFO for
 * ready/ and time order for delayed/). */
static void
each_named(int dir, const char *prefix,
	void (*fn)(int dir, const char *name, void *arg), void *arg)
{
	int dfd = dup(dir);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, i;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	rewinddir(d);
	/* collect first: fn may rename files out of this directory */
	while ((e = readdir(d)))
		if (prefix ? !strncmp(e->d_name, prefix, strlen(prefix)) :
		    e->d_name[0] != '.') {
			names = rl_xrealloc(names, (n + 1) * sizeof *names);
			names[n++] = rl_xstrdup(e->d_name);
		}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_name);
	for (i = 0; i < n; i++) {
		fn(dir, names[i], arg);
		free(names[i]);
	}
	free(names);
}

static void
each_file(int dir, void (*fn)(int dir, const char *name, void *arg), void *arg)
{
	each_named(dir, NULL, fn, arg);
}

/* --- push: a batch is queued whole or not at all ----------------------- */

/*
 * A push of many messages writes their files without an fsync each, makes
 * them all durable with one syncfs(2), then writes a journal of the batch
 * (tmp/.batch.TOKEN: a line "ID PRIO NOTBEFORE DELAY" a message) before
 * it renames any of them into place, and removes the journal when all
 * are.  A crash before the journal is durable leaves only files in tmp/,
 * swept later: nothing of the batch is queued.  A crash after it leaves
 * the journal, and whoever takes the lock next finishes the batch (roll
 * forward): all of it is queued.  A pusher that finds its journal gone
 * when it gets the lock knows another process finished its batch.
 */

/* Move message id, of priority p (delayed until nb when nb > 0, by
 * delay ms), from tmp/ into place.  Not fsync'ed. */
static int
place(struct spool *s, const char *id, int p, long long nb, long long delay)
{
	struct rl_qmsg m = {0};
	char name[256];

	if (!nb)
		return to_ready(s, s->dir[D_TMP], id, p);
	snprintf(m.id, sizeof m.id, "%s", id);
	m.not_before = nb;
	m.priority = p;
	delayed_name(&m, delay, name, sizeof name);
	hint_delayed(s, nb);
	return rename_new(s->dir[D_TMP], id, s->dir[D_DELAYED], name);
}

/* Finish the batch of journal name (under the lock): every message still
 * in tmp/ goes into place, the directories are synced, the journal goes. */
static int
roll_forward(struct spool *s, const char *journal)
{
	struct rl_buf text = {0};
	char id[64], *line, *nl;
	long long nb, delay;
	int p, rc = 0, delayed = 0, last = PRIO_MAX + 1;
	struct stat st;

	if (rl_fs_read_at(s->dir[D_TMP], journal, &text, 1UL << 24) < 0)
		return errno == ENOENT ? 0 : -1;
	for (line = text.data; rc == 0 && line && *line; line = nl ? nl + 1 : NULL) {
		if ((nl = strchr(line, '\n')))
			*nl = 0;
		if (sscanf(line, "%63s %d %lld %lld", id, &p, &nb, &delay) != 4 ||
		    p < PRIO_MIN || p > PRIO_MAX || !rl_fs_safe_name(id))
			continue;
		if (fstatat(s->dir[D_TMP], id, &st, 0) < 0)
			continue;           /* placed before the crash */
		/* a batch has one priority: one sync of its directory */
		if ((rc = place(s, id, p, nb, delay)) == 0 && !nb && p != last) {
			if (last <= PRIO_MAX)
				rc = sync_prio(s, last);
			last = p;
		}
		delayed |= nb != 0;
	}
	if (rc == 0 && last <= PRIO_MAX)
		rc = sync_prio(s, last);
	if (rc == 0 && delayed)
		rc = fsync(s->dir[D_DELAYED]);
	if (rc == 0 && unlinkat(s->dir[D_TMP], journal, 0) == 0)
		rc = fsync(s->dir[D_TMP]);
	rl_buf_free(&text);
	return rc;
}

static void
roll_one(int dir, const char *name, void *arg)
{
	(void)dir;
	roll_forward(arg, name);
}

/* Finish every batch whose pusher died (under the lock). */
static void
roll_all(struct spool *s)
{
	each_named(s->dir[D_TMP], ".batch.", roll_one, s);
}

static int
sp_push(struct rl_queue *q, struct rl_qmsg *m, size_t n)
{
	struct spool *s = q->impl;
	struct rl_buf list = {0};
	char journal[64];
	size_t i;
	cJSON *j;
	int rc = 0;

	/* write every file before taking the lock: one at a time fsync'ed,
	 * a batch with one syncfs for all */
	for (i = 0; i < n; i++) {
		j = rl_qmsg_json(&m[i]);
		rc = write_file(s->dir[D_TMP], m[i].id, j, 0, n == 1);
		cJSON_Delete(j);
		if (rc < 0)
			break;
		rl_buf_printf(&list, "%s %d %lld %lld\n", m[i].id, m[i].priority,
		    m[i].not_before, m[i].not_before ? m[i].not_before -
		    m[i].pushed : 0);
	}
	snprintf(journal, sizeof journal, ".batch.%016llx", token());
	if (rc == 0 && n > 1 && (syncfs(s->dir[D_TMP]) < 0 ||
	    rl_fs_replace_at(s->dir[D_TMP], journal, list.data, list.len,
	    0600) < 0))
		rc = -1;
	rl_buf_free(&list);
	if (rc < 0) {
		sys_fail(q, "io.write", "cannot write a message");
		while (i-- > 0)
			unlinkat(s->dir[D_TMP], m[i].id, 0);
		if (n > 1)
			unlinkat(s->dir[D_TMP], journal, 0);
		return -1;
	}
	if (lock(q) < 0)
		return -1;      /* the journal stays: the next to lock finishes */
	if (n == 1) {
		rc = place(s, m[0].id, m[0].priority, m[0].not_before,
		    m[0].not_before ? m[0].not_before - m[0].pushed : 0);
		if (rc == 0)
			rc = m[0].not_before ? fsync(s->dir[D_DELAYED]) :
			    sync_prio(s, m[0].priority);
		if (rc < 0)
			unlinkat(s->dir[D_TMP], m[0].id, 0);
	} else {
		rc = roll_forward(s, journal);
	}
	unlock(s);
	if (rc < 0)
		return sys_fail(q, "io.write", n == 1 ? "cannot queue a message" :
		    "cannot queue a batch (it is journaled: the next operation "
		    "on the queue finishes it)");
	return 0;
}

/* --- housekeeping: expired leases, due delays, sweeps ------------------- */

struct sweep {
	long long now, keep;
};

static void
sweep_one(int dir, const char *name, void *arg)
{
	struct sweep *w = arg;
	struct stat st;

	if (fstatat(dir, name, &st, 0) == 0 &&
	    (long long)st.st_mtime * 1000 < w->now - w->keep)
		unlinkat(dir, name, 0);
}

struct reclaim {
	struct rl_queue *q;
	struct spool *s;
	long long now;
};

/* Take a message out of leased/ or delayed/ and put it where it goes
 * next: ready, delayed again, or dead. */
static int
move_on(struct rl_queue *q, int dir, const char *name, struct rl_qmsg *m,
	const cJSON *error, int dead)
{
	struct spool *s = q->impl;
	char next[160];
	long long now = rl_now_ms(), delay = 0;
	cJSON *j, *e;
	int rc;

	if (error) {
		m->attempts++;
		e = cJSON_Duplicate(error, 1);
		if (!cJSON_GetObjectItemCaseSensitive(e, "at"))
			cJSON_AddNumberToObject(e, "at", (double)now);
		cJSON_AddItemToArray(m->errors, e);
		if (m->attempts >= q->max_attempts)
			dead = 1;
		else if (!dead && rl_json_str(error, "code") &&
		    strcmp(rl_json_str(error, "code"), "queue.lease_expired"))
			delay = rl_queue_backoff(q, m->attempts - 1);
	}
	m->not_before = delay ? now + delay : 0;
	/* the new contents first, in place: the message stays in one state */
	j = rl_qmsg_json(m);
	rc = write_file(dir, name, j, 1, 1);
	cJSON_Delete(j);
	if (rc < 0)
		return -1;
	if (dead)
		return rename_new(dir, name, s->dir[D_DEAD], m->id) < 0 &&
		    renameat(dir, name, s->dir[D_DEAD], name) < 0 ? -1 :
		    fsync(s->dir[D_DEAD]);
	if (delay) {
		delayed_name(m, delay, next, sizeof next);
		hint_delayed(s, m->not_before);
		if (renameat(dir, name, s->dir[D_DELAYED], next) < 0)
			return -1;
		return fsync(s->dir[D_DELAYED]);
	}
	return to_ready(s, dir, name, m->priority);
}

static void
reclaim_one(int dir, const char *name, void *arg)
{
	struct reclaim *r = arg;
	char renamed[160], token_[40];
	long long exp, len;
	struct rl_qmsg m;
	cJSON *err;

	if (sscanf(name, "%39[^.].%lld.%lld", token_, &exp, &len) != 3)
		return;
	if (exp - r->now > len) {
		/* the clock went back: the lease keeps its length from now */
		snprintf(renamed, sizeof renamed, "%s.%lld.%lld", token_,
		    r->now + len, len);
		renameat(dir, name, dir, renamed);
		return;
	}
	if (r->now < exp)
		return;
	if (read_msg(dir, name, &m) < 0) {
		snprintf(renamed, sizeof renamed, "%s.corrupt", name);
		renameat(dir, name, r->s->dir[D_DEAD], renamed);
		return;
	}
	err = cJSON_CreateObject();
	cJSON_AddStringToObject(err, "code", "queue.lease_expired");
	cJSON_AddStringToObject(err, "message", "the lease expired before an ack");
	move_on(r->q, dir, name, &m, err, 0);
	cJSON_Delete(err);
	rl_qmsg_free(&m);
}

static void
promote_one(int dir, const char *name, void *arg)
{
	struct reclaim *r = arg;
	struct spool *s = r->s;
	char renamed[160], id[40];
	long long nb, delay;
	int p;

	if (sscanf(name, "%lld.%lld.%d.%39s", &nb, &delay, &p, id) != 4 ||
	    p < PRIO_MIN || p > PRIO_MAX)
		return;
	if (nb - r->now > delay) {
		/* the clock went back: wait no longer than the delay asked */
		nb = r->now + delay;
		snprintf(renamed, sizeof renamed, "%013lld.%lld.%d.%s", nb, delay, p, id);
		renameat(dir, name, dir, renamed);
		name = renamed;
	}
	if (nb <= r->now && to_ready(s, dir, name, p) == 0)
		return;
	/* not due yet, or it could not move: look again when due */
	if (!s->next_due || nb < s->next_due)
		s->next_due = nb;
}

/* Housekeeping every pop does, cheaply: expired leases, due delayed
 * messages, and now and then old done/ and orphaned tmp/ files. */
static void
housekeeping(struct rl_queue *q, long long now)
{
	struct spool *s = q->impl;
	struct reclaim r = {q, s, now};
	struct sweep w = {now, q->done_keep};

	int sweep = now >= s->sweep_at || s->sweep_at - now > SWEEP_MS;

	roll_all(s);
	each_file(s->dir[D_LEASED], reclaim_one, &r);
	/* delayed/ is read when something there is due, when the hint may
	 * miss a file (see the top), when the clock went back since the last
	 * look (then times are cut back), and at each sweep */
	if ((s->next_due && now >= s->next_due) || s->delayed_stale ||
	    now < s->seen || sweep) {
		s->next_due = 0;
		each_file(s->dir[D_DELAYED], promote_one, &r);
		s->delayed_stale = 0;
	}
	s->seen = now;
	if (sweep) {
		each_file(s->dir[D_DONE], sweep_one, &w);
		w.keep = TMP_STALE_MS;
		each_file(s->dir[D_TMP], sweep_one, &w);
		s->sweep_at = now + SWEEP_MS;
	}
}

/* --- pop ---------------------------------------------------------------- */

/* Lease the next message of priority p into out; 1 when there is none. */
static int
take(struct rl_queue *q, int p, long long lease_ms, struct rl_qmsg *out)
{
	struct spool *s = q->impl;
	struct prio *pr = &s->prio[p - PRIO_MIN];
	char seq[24], leased[160], tok[20];
	long long exp = rl_now_ms() + lease_ms;
	struct stat st;
	int pfd = prio_dir(s, p, 0), rc;

	if (pfd < 0)
		return 1;
	if (!pr->known)
		prio_scan(s, p, pfd);
	for (;;) {
		if (pr->head >= pr->tail) {
			/* heal a stale tail: is there a message past it? */
			snprintf(seq, sizeof seq, "%016lld", pr->tail);
			if (fstatat(pfd, seq, &st, 0) < 0) {
				close(pfd);
				return 1;
			}
			pr->tail++;
		}
		snprintf(seq, sizeof seq, "%016lld", pr->head);
		snprintf(tok, sizeof tok, "%016llx", token());
		snprintf(leased, sizeof leased, "%s.%lld.%lld", tok, exp, lease_ms);
		if (renameat(pfd, seq, s->dir[D_LEASED], leased) < 0) {
			if (errno != ENOENT) {
				close(pfd);
				return sys_fail(q, "io.write", "cannot lease");
			}
			pr->head++;      /* gone: popped before .state was saved */
			continue;
		}
		pr->head++;
		rc = read_msg(s->dir[D_LEASED], leased, out);
		if (rc < 0) {
			/* a corrupt file: to dead/, and on to the next one */
			char dead[64];
			snprintf(dead, sizeof dead, "%s.corrupt", tok);
			renameat(s->dir[D_LEASED], leased, s->dir[D_DEAD], dead);
			continue;
		}
		snprintf(out->lease, sizeof out->lease, "%s", tok);
		out->lease_expires = exp;
		close(pfd);
		return 0;
	}
}

static int
cmp_desc(const void *a, const void *b)
{
	return *(const int *)b - *(const int *)a;
}

/* The priorities that have a directory in ready/, highest first. */
static int
priorities(struct spool *s, int *out)
{
	int dfd = dup(s->dir[D_READY]), n = 0;
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *e;
	char *end;
	long v;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	rewinddir(d);
	while ((e = readdir(d)) && n < NPRIO) {
		v = strtol(e->d_name, &end, 10);
		if (e->d_name[0] != '.' && !*end && v >= PRIO_MIN && v <= PRIO_MAX)
			out[n++] = (int)v;
	}
	closedir(d);
	qsort(out, (size_t)n, sizeof *out, cmp_desc);
	return n;
}

static int
sp_pop(struct rl_queue *q, size_t max, long long lease_ms, struct rl_qmsg *out,
	size_t *n)
{
	struct spool *s = q->impl;
	int prios[NPRIO], np, i, rc = 0;

	if (lock(q) < 0)
		return -1;
	housekeeping(q, rl_now_ms());
	np = priorities(s, prios);
	for (i = 0; i < np && *n < max; ) {
		rc = take(q, prios[i], lease_ms, &out[*n]);
		if (rc < 0)
			break;
		if (rc == 1) {
			i++;
			rc = 0;
			continue;
		}
		(*n)++;
	}
	unlock(s);
	return rc;
}

/* --- ack, nack and renew ------------------------------------------------ */

/* The names in leased/, sorted, for looking leases up. */
struct leases {
	char **v;
	size_t n;
};

static void
collect_name(int dir, const char *name, void *arg)
{
	struct leases *l = arg;

	(void)dir;
	l->v = rl_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = rl_xstrdup(name);
}

static void
free_leases(struct leases *l)
{
	while (l->n > 0)
		free(l->v[--l->n]);
	free(l->v);
	l->v = NULL;
}

/* The leased/ file of lease (its name is "LEASE.EXPIRES.LENGTH"), or
 * NULL: a binary search, since each_file gives the names sorted. */
static const char *
lookup(const struct leases *l, const char *lease)
{
	size_t lo = 0, hi = l->n, mid, k = strlen(lease);
	int d;

	while (k && lo < hi) {
		mid = (lo + hi) / 2;
		d = strncmp(lease, l->v[mid], k);
		if (d == 0 && l->v[mid][k] == '.')
			return l->v[mid];
		if (d == 0)
			d = '.' - (unsigned char)l->v[mid][k];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Find the leased/ file of one lease into name; 0, or 1 when none. */
static int
find_lease(struct spool *s, const char *lease, char *name, size_t size)
{
	struct leases l = {0};
	const char *hit;

	each_file(s->dir[D_LEASED], collect_name, &l);
	if ((hit = lookup(&l, lease)))
		snprintf(name, size, "%s", hit);
	free_leases(&l);
	return hit ? 0 : 1;
}

static int
sp_ack(struct rl_queue *q, const char **leases, size_t n, int *found)
{
	struct spool *s = q->impl;
	char name[256], done[160];
	struct rl_qmsg m;
	size_t i;
	int rc = 0, any = 0;

	struct leases l = {0};
	const char *hit;

	if (lock(q) < 0)
		return -1;
	each_file(s->dir[D_LEASED], collect_name, &l);
	for (i = 0; i < n && rc == 0; i++) {
		hit = lookup(&l, leases[i]);
		found[i] = hit != NULL;
		if (!hit)
			continue;
		snprintf(name, sizeof name, "%s", hit);
		if (read_msg(s->dir[D_LEASED], name, &m) == 0) {
			snprintf(done, sizeof done, "%s.%s", m.id, leases[i]);
			rl_qmsg_free(&m);
		} else {
			snprintf(done, sizeof done, "%s.corrupt", leases[i]);
		}
		if (renameat(s->dir[D_LEASED], name, s->dir[D_DONE], done) < 0)
			rc = sys_fail(q, "io.write", "cannot ack");
		any = 1;
	}
	free_leases(&l);
	unlock(s);
	/* durable before we say so: an acked message never comes back */
	if (any && (fsync(s->dir[D_DONE]) < 0 || fsync(s->dir[D_LEASED]) < 0))
		rc = sys_fail(q, "io.write", "cannot make the ack durable");
	return rc;
}

static int
sp_nack(struct rl_queue *q, const char *lease, const cJSON *error, int dead)
{
	struct spool *s = q->impl;
	char name[256];
	struct rl_qmsg m;
	int rc;

	if (lock(q) < 0)
		return -1;
	if ((rc = find_lease(s, lease, name, sizeof name)) == 0) {
		if (read_msg(s->dir[D_LEASED], name, &m) < 0) {
			rc = rl_error_set(&q->err, "queue.corrupt", "%s: the leased "
			    "message is not readable", q->name);
		} else {
			if (move_on(q, s->dir[D_LEASED], name, &m, error, dead) < 0)
				rc = sys_fail(q, "io.write", "cannot nack");
			rl_qmsg_free(&m);
		}
	}
	unlock(s);
	return rc;
}

static int
sp_renew(struct rl_queue *q, const char *lease, long long lease_ms)
{
	struct spool *s = q->impl;
	char name[256], renamed[160];
	int rc;

	if (lock(q) < 0)
		return -1;
	if ((rc = find_lease(s, lease, name, sizeof name)) == 0) {
		snprintf(renamed, sizeof renamed, "%s.%lld.%lld", lease,
		    rl_now_ms() + lease_ms, lease_ms);
		if (renameat(s->dir[D_LEASED], name, s->dir[D_LEASED], renamed) < 0)
			rc = sys_fail(q, "io.write", "cannot renew");
	}
	unlock(s);
	return rc;
}

struct visit {
	int (*fn)(const struct rl_qmsg *m, void *arg);
	void *arg;
	const char *state;
	int stop;
};

/* --- list and stats ----------------------------------------------------- */

static void
visit_one(int dir, const char *name, void *arg)
{
	struct visit *v = arg;
	struct rl_qmsg m;

	if (v->stop)
		return;
	if (read_msg(dir, name, &m) < 0) {
		/* a corrupt file is still a message in this state */
		memset(&m, 0, sizeof m);
		snprintf(m.id, sizeof m.id, "%.39s", name);
		m.errors = cJSON_CreateArray();
		cJSON_AddItemToArray(m.errors, rl_err_object("input.not_json",
		    "the message file is not a message", NULL));
		m.body = cJSON_CreateNull();
	}
	snprintf(m.state, sizeof m.state, "%s", v->state);
	if (!strcmp(v->state, "leased"))
		sscanf(name, "%39[^.].%lld", m.lease, &m.lease_expires);
	v->stop = v->fn(&m, v->arg) != 0;
	rl_qmsg_free(&m);
}

static void
visit_state(struct spool *s, const char *state, struct visit *v)
{
	int prios[NPRIO], np, i, pfd;

	v->state = state;
	if (strcmp(state, "ready") != 0) {
		for (i = 0; i < D_N; i++)
			if (!strcmp(dirnames[i], state))
				each_file(s->dir[i], visit_one, v);
		return;
	}
	np = priorities(s, prios);
	for (i = 0; i < np; i++) {
		if ((pfd = prio_dir(s, prios[i], 0)) < 0)
			continue;
		each_file(pfd, visit_one, v);
		close(pfd);
	}
}

static int
sp_list(struct rl_queue *q, const char *state,
	int (*fn)(const struct rl_qmsg *m, void *arg), void *arg)
{
	static const char *order[] = {"ready", "delayed", "leased", "done", "dead"};
	struct spool *s = q->impl;
	struct visit v = {fn, arg, NULL, 0};
	size_t i;

	if (lock(q) < 0)
		return -1;
	for (i = 0; i < sizeof order / sizeof order[0] && !v.stop; i++)
		if (!state || !strcmp(state, order[i]))
			visit_state(s, order[i], &v);
	unlock(s);
	return 0;
}

static int
stat_one(const struct rl_qmsg *m, void *arg)
{
	static const char *order[] = {"ready", "delayed", "leased", "done", "dead"};
	struct rl_queue_stats *st = arg;
	const cJSON *last;
	const char *code;
	char prio[16];
	cJSON *c;
	size_t i;

	for (i = 0; i < 5; i++)
		if (!strcmp(m->state, order[i]))
			st->count[i]++;
	if (!strcmp(m->state, "ready")) {
		if (!st->oldest_ready || m->pushed < st->oldest_ready)
			st->oldest_ready = m->pushed;
		snprintf(prio, sizeof prio, "%d", m->priority);
		if ((c = cJSON_GetObjectItemCaseSensitive(st->by_priority, prio)))
			cJSON_SetNumberValue(c, c->valuedouble + 1);
		else
			cJSON_AddNumberToObject(st->by_priority, prio, 1);
	} else if (!strcmp(m->state, "dead")) {
		last = cJSON_GetArrayItem(m->errors, cJSON_GetArraySize(m->errors) - 1);
		code = rl_json_str(last, "code");
		code = code ? code : "none";
		if ((c = cJSON_GetObjectItemCaseSensitive(st->dead_by_code, code)))
			cJSON_SetNumberValue(c, c->valuedouble + 1);
		else
			cJSON_AddNumberToObject(st->dead_by_code, code, 1);
	}
	return 0;
}

static int
sp_stats(struct rl_queue *q, struct rl_queue_stats *st)
{
	return sp_list(q, NULL, stat_one, st);
}

struct requeue {
	struct rl_queue *q;
	const char *id;
	unsigned long *n;
	int rc;
};

/* --- requeue and purge -------------------------------------------------- */

static void
requeue_one(int dir, const char *name, void *arg)
{
	struct requeue *r = arg;
	struct rl_qmsg m;
	cJSON *j;

	if (r->rc < 0 || read_msg(dir, name, &m) < 0)
		return;
	if (!r->id || !strcmp(r->id, m.id)) {
		m.attempts = 0;
		m.not_before = 0;
		j = rl_qmsg_json(&m);
		if (write_file(dir, name, j, 1, 1) < 0 ||
		    to_ready(r->q->impl, dir, name, m.priority) < 0 ||
		    sync_prio(r->q->impl, m.priority) < 0)
			r->rc = sys_fail(r->q, "io.write", "cannot requeue");
		else
			(*r->n)++;
		cJSON_Delete(j);
	}
	rl_qmsg_free(&m);
}

static int
sp_requeue(struct rl_queue *q, const char *id, unsigned long *n)
{
	struct spool *s = q->impl;
	struct requeue r = {q, id, n, 0};

	if (lock(q) < 0)
		return -1;
	each_file(s->dir[D_DEAD], requeue_one, &r);
	unlock(s);
	if (r.rc == 0 && id && *n == 0)
		return 1;
	return r.rc;
}

struct purge {
	unsigned long *n;
};

static void
purge_one(int dir, const char *name, void *arg)
{
	struct purge *p = arg;

	if (unlinkat(dir, name, 0) == 0)
		(*p->n)++;
}

/* Call fn for every file of state, and sync what it changed. */
static void
each_in_state(struct spool *s, const char *state,
	void (*fn)(int dir, const char *name, void *arg), void *arg)
{
	int prios[NPRIO], np, i, pfd;

	if (!strcmp(state, "ready")) {
		np = priorities(s, prios);
		for (i = 0; i < np; i++) {
			if ((pfd = prio_dir(s, prios[i], 0)) < 0)
				continue;
			each_file(pfd, fn, arg);
			fsync(pfd);
			close(pfd);
			s->prio[prios[i] - PRIO_MIN].known = 0;
		}
		return;
	}
	for (i = 0; i < D_N; i++)
		if (!strcmp(dirnames[i], state)) {
			each_file(s->dir[i], fn, arg);
			fsync(s->dir[i]);
		}
}

static int
sp_purge(struct rl_queue *q, const char *state, unsigned long *n)
{
	struct spool *s = q->impl;
	struct purge p = {n};

	if (lock(q) < 0)
		return -1;
	each_in_state(s, state, purge_one, &p);
	unlock(s);
	return 0;
}

struct bury {
	struct rl_queue *q;
	const cJSON *error;
	unsigned long *n;
	int rc;
};

static void
bury_one(int dir, const char *name, void *arg)
{
	struct bury *b = arg;
	struct rl_qmsg m = {0};

	if (read_msg(dir, name, &m) == 0) {
		if (move_on(b->q, dir, name, &m, b->error, 1) == 0)
			(*b->n)++;
		else
			b->rc = -1;
	}
	rl_qmsg_free(&m);
}

static int
sp_bury(struct rl_queue *q, const char *state, const cJSON *error,
	unsigned long *n)
{
	struct spool *s = q->impl;
	struct bury b = {q, error, n, 0};

	if (lock(q) < 0)
		return -1;
	each_in_state(s, state, bury_one, &b);
	unlock(s);
	return b.rc < 0 ? sys_fail(q, "io.write", "cannot move a message to "
	    "the dead letters") : 0;
}

/* Every push and ack is fsync'ed before it returns: no risk to report. */
static int
sp_check(struct rl_queue *q, cJSON *report, struct rl_buf *risks)
{
	(void)q;
	(void)risks;
	cJSON_AddStringToObject(report, "durable", "push and ack fsync");
	return 0;
}

const struct rl_queue_backend rl_queue_spool = {
	"spool", NULL, sp_open, sp_push, sp_pop, sp_ack, sp_nack, sp_renew,
	sp_list, sp_stats, sp_requeue, sp_purge, sp_bury, sp_check, sp_close,
	0, NULL,
};
