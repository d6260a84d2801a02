/*
 * rl_ring_share.c - the ring on a shared journal; see rl_ring_share.h
 * for the design.  Its first half is what needs nothing of the ring (the
 * machine id, the stamp, git tasks' work trees and changes); its second
 * the ring's steps that only a shared journal or a git task takes
 * (rl_ring_impl.h): renewing leases, a lease taken over, a baton of
 * another machine's, a work tree's end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "rl_dur.h"
#include "rl_fs.h"
#include "rl_git.h"
#include "rl_json.h"
#include "rl_board.h"
#include "rl_proc.h"
#include "rl_ring_impl.h"
#include "rl_ring_share.h"
#include "rl_stats.h"

/* An id as STATE/machine holds it: 1 to RL_RING_MACHINE_MAX bytes of
 * [A-Za-z0-9._-], and a newline. */
static int
read_id(const char *path, char *id)
{
	struct rl_buf b = {0};
	size_t n;
	int ok = 0;

	if (rl_fs_read(path, &b, 256) == 0 && b.len) {
		n = strspn(b.data, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789._-");
		if (n > 0 && n <= RL_RING_MACHINE_MAX && (n == b.len ||
		    b.data[n] == '\n')) {
			memcpy(id, b.data, n);
			id[n] = 0;
			ok = 1;
		}
	}
	rl_buf_free(&b);
	return ok;
}

static void
new_id(char *id)
{
	char host[64] = "";
	unsigned long long r;
	size_t i;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = (unsigned long long)rl_now_ms() * 6364136223846793005ULL ^
		    (unsigned long long)getpid();
	if (gethostname(host, sizeof host - 1) < 0 || !*host)
		snprintf(host, sizeof host, "%s", "host");
	for (i = 0; host[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789.-", host[i]))
			host[i] = '_';
	snprintf(id, RL_RING_MACHINE_MAX + 1, "%.24s-%012llx", host,
	    r & 0xffffffffffffULL);
}

int
rl_ring_machine(const struct rl_config *cfg, char *id, struct rl_error *e)
{
	struct rl_buf path = {0}, tmp = {0};
	char made[RL_RING_MACHINE_MAX + 2];
	int fd, rc = -1;
	size_t n;

	rl_config_state_dir(cfg, &path);
	rl_fs_mkdirs(path.data, 0700);
	rl_buf_printf(&tmp, "%s/.machine.tmp.%ld", path.data, (long)getpid());
	rl_buf_adds(&path, "/machine");
	if (read_id(path.data, id)) {
		rc = 0;
		goto out;
	}
	/* made once: written whole beside it, then linked, which fails when
	 * another process made it first (then its id is the one) */
	new_id(made);
	n = strlen(made);
	made[n] = '\n';
	unlink(tmp.data);
	if ((fd = open(tmp.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0 || rl_fs_write_all(fd, made, n + 1) < 0 || fsync(fd) < 0) {
		rl_error_set(e, "io.write", "%s: %s", tmp.data, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp.data);
		goto out;
	}
	close(fd);
	if (link(tmp.data, path.data) < 0 && errno != EEXIST) {
		rl_error_set(e, "io.write", "%s: %s", path.data, strerror(errno));
		unlink(tmp.data);
		goto out;
	}
	unlink(tmp.data);
	if (!read_id(path.data, id)) {
		rl_error_set(e, "io.read", "%s: not a machine id (fix: remove it, "
		    "and a new one is made)", path.data);
		goto out;
	}
	rc = 0;
out:
	rl_buf_free(&path);
	rl_buf_free(&tmp);
	return rc;
}

int
rl_ring_is_git(const cJSON *baton)
{
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(baton, "git");

	return cJSON_IsObject(g) && rl_json_str(g, "url") != NULL;
}

void
rl_ring_stamp(cJSON *baton, const char *machine)
{
	if (rl_ring_is_git(baton) ||
	    cJSON_GetObjectItemCaseSensitive(baton, "machine"))
		return;
	cJSON_AddStringToObject(baton, "machine", machine);
}

const char *
rl_ring_share_elsewhere(const cJSON *baton, const char *machine)
{
	const char *m = rl_json_str(baton, "machine");

	if (rl_ring_is_git(baton) || !m || strcmp(m, machine) == 0)
		return NULL;
	return m;
}

cJSON *
rl_ring_elsewhere_error(const char *owner, const char *here,
	const char *ring, const char *msgid)
{
	struct rl_buf m = {0};
	cJSON *err;

	rl_buf_printf(&m, "the task's repository is a local path of machine "
	    "%s, and this is %s: it went to the dead letters (fix: on %s, "
	    "rl-queue -q %s requeue %s, then redline run there; or give the "
	    "task as rl-task --git URL, which any machine checks out)", owner,
	    here, owner, ring, msgid);
	err = rl_err_object("ring.elsewhere", m.data, "run");
	rl_buf_free(&m);
	return err;
}

/* Ready, delayed and leased messages of q. */
static long
left(struct rl_queue *q, unsigned long *ready)
{
	struct rl_queue_stats st = {0};
	long n;

	if (rl_queue_stats(q, &st) < 0) {
		cJSON_Delete(st.by_priority);
		cJSON_Delete(st.dead_by_code);
		return -1;
	}
	n = (long)(st.count[0] + st.count[1] + st.count[2]);
	if (ready)
		*ready = st.count[0] + st.count[1];
	cJSON_Delete(st.by_priority);
	cJSON_Delete(st.dead_by_code);
	return n;
}

long
rl_ring_share_left(struct rl_queue *todo, struct rl_queue *ring,
	unsigned long *waiting)
{
	long a, b;

	if ((a = left(todo, waiting)) < 0 || (b = left(ring, NULL)) < 0)
		return -1;
	return a + b;
}

/* --- git tasks ------------------------------------------------------------ */

/* The error object of e, for a baton (the caller owns it). */
cJSON *
rl_ring_git_error(const struct rl_error *e)
{
	return rl_err_object(e->code ? e->code : "git.failed", e->message,
	    "run");
}

int
rl_ring_git_enter(const struct rl_config *cfg, cJSON *baton,
	struct rl_error *e)
{
	char *dir;

	if (!rl_ring_is_git(baton))
		return 0;
	if (!(dir = rl_git_checkout(cfg, baton, e)))
		return -1;
	rl_json_set(baton, "repo", cJSON_CreateString(dir));
	free(dir);
	return 0;
}

int
rl_ring_git_leave(cJSON *baton, struct rl_error *e)
{
	const char *dir = rl_json_str(baton, "repo");
	const char *rev = rl_json_str(cJSON_GetObjectItemCaseSensitive(baton,
	    "git"), "rev");
	char *change;

	if (!rl_ring_is_git(baton))
		return 0;
	if (!dir || !rev)
		return rl_error_set(e, "validate.schema", "a git task's baton "
		    "needs repo and git.rev");
	if (!(change = rl_git_change(dir, rev, e)))
		return -1;
	rl_json_set(baton, "change", cJSON_CreateString(change));
	free(change);
	return 0;
}

/* branch with each "{id}" replaced by id, into b. */
static void
branch_name(const char *branch, const char *id, struct rl_buf *b)
{
	const char *p;

	while ((p = strstr(branch, "{id}"))) {
		rl_buf_add(b, branch, (size_t)(p - branch));
		rl_buf_adds(b, id);
		branch = p + 4;
	}
	rl_buf_adds(b, branch);
}

int
rl_ring_git_push(const struct rl_config *cfg, cJSON *baton,
	const char *branch, struct rl_error *e)
{
	const char *id = rl_json_str(baton, "id");
	const char *url = rl_json_str(cJSON_GetObjectItemCaseSensitive(baton,
	    "git"), "url");
	const char *task = rl_json_str(baton, "task");
	struct rl_buf name = {0}, msg = {0};
	char sha[41], *dir;
	cJSON *pushed;
	int rc = -1;

	if (!rl_ring_is_git(baton) || !id)
		return 0;
	/* the work tree, on a machine that took the finished task over too */
	if (!(dir = rl_git_checkout(cfg, baton, e)))
		return -1;
	branch_name(branch, id, &name);
	rl_buf_printf(&msg, "%.72s\n\nTask %s, made with redline.\n", task ? task :
	    id, id);
	if (rl_git_push(cfg, dir, url, name.data, msg.data, sha, e) == 0) {
		pushed = cJSON_CreateObject();
		cJSON_AddStringToObject(pushed, "branch", name.data);
		cJSON_AddStringToObject(pushed, "commit", sha);
		rl_json_set(baton, "pushed", pushed);
		rc = 0;
	}
	free(dir);
	rl_buf_free(&name);
	rl_buf_free(&msg);
	return rc;
}

/* --- the ring's steps on a shared journal (rl_ring_impl.h) --------------- */

/* Shared: f's lease ran out and another pop has its task now; what this
 * supervisor made of it since the last handoff is dropped, with f.  If
 * the pop was this supervisor's own, the newer state it took waits in
 * another flight of the task, and goes on now. */
void
rl_ring_taken_over(struct rl_ring *S, struct flight *f)
{
	char id[ID_MAX + 1];
	struct flight *w = NULL;
	cJSON *b;
	size_t i;

	snprintf(id, sizeof id, "%s", f->id);
	rl_ring_say("%s: its lease ran out (not renewed within run.lease_seconds) and "
	    "another pop took the task over; the work on it since its last "
	    "handoff is dropped", id);
	rl_ring_drop(S, f);
	for (i = 0; i < S->nf; i++)
		if (S->f[i].wait && strcmp(S->f[i].id, id) == 0)
			w = &S->f[i];
	if (!w) {
		rl_board_drop(S->board, id);
		rl_git_release(S->cfg, id);
		return;
	}
	b = w->wait;
	w->wait = NULL;
	rl_ring_route(S, w, b);
}

/* A git task ends: with --push, a task that finished has its change
 * pushed (one that cannot reach the remote is tried again: -1, baton
 * consumed; one the remote refuses ends with the error); then its work
 * tree goes. */
int
rl_ring_git_end(struct rl_ring *S, struct flight *f, cJSON *baton)
{
	const char *st = rl_json_str(baton, "status");
	struct rl_error e = {0};
	cJSON *err;

	if (S->push && st && strcmp(st, "FINISH") == 0 &&
	    !cJSON_GetObjectItemCaseSensitive(baton, "error") &&
	    rl_ring_git_push(S->cfg, baton, S->push, &e) < 0) {
		err = rl_ring_git_error(&e);
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(err,
		    "retryable"))) {
			rl_ring_retry(S, f, err);
			cJSON_Delete(err);
			cJSON_Delete(baton);
			return -1;
		}
		/* it ends on the error: status ERROR, the error said */
		rl_json_set(baton, "error", err);
		cJSON_DeleteItemFromObjectCaseSensitive(baton, "status");
	}
	rl_git_release(S->cfg, f->id);
	return 0;
}

/* A work tree of task id was made here: kept while the task comes back
 * to this machine, removed at the end of the run (rl_ring_run). */
void
rl_ring_tree_made(struct rl_ring *S, const char *id)
{
	size_t i;

	for (i = 0; i < S->ntrees; i++)
		if (strcmp(S->trees[i], id) == 0)
			return;
	S->trees = rl_xrealloc(S->trees, (S->ntrees + 1) * sizeof *S->trees);
	S->trees[S->ntrees++] = rl_xstrdup(id);
}

/* A git task's work tree could not be made or read (e): tried again
 * when that may work (the remote unreachable), else the task ends with
 * the error.  baton is consumed. */
void
rl_ring_git_failed(struct rl_ring *S, struct flight *f, cJSON *baton,
	const struct rl_error *e)
{
	cJSON *err = rl_ring_git_error(e);

	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(err, "retryable"))) {
		rl_ring_retry(S, f, err);
		cJSON_Delete(err);
		cJSON_Delete(baton);
		return;
	}
	rl_diag(f->id, 0, rl_json_str(err, "code"), "%s", rl_json_str(err,
	    "message"));
	rl_json_set(baton, "error", err);
	rl_ring_finish(S, f, baton);
}

/* Shared: a baton of a local-path task of another machine cannot run
 * here (its repository is there): to the dead letters, saying where. */
void
rl_ring_elsewhere(struct rl_ring *S, struct rl_qmsg *m, const char *id)
{
	cJSON *err = rl_ring_elsewhere_error(rl_ring_share_elsewhere(m->body,
	    S->machine), S->machine, S->ring->name, m->id);
	cJSON *b = cJSON_Duplicate(m->body, 1);

	rl_diag(id, 0, "ring.elsewhere", "%s", rl_json_str(err, "message"));
	rl_json_set(b, "error", cJSON_Duplicate(err, 1));
	rl_stats_log_run(b);
	cJSON_Delete(b);
	if (rl_queue_nack(S->ring, m->lease, err, 1) < 0)
		rl_ring_fail(S->ring);
	cJSON_Delete(err);
	S->dead++;
	S->status = rl_exit_merge(S->status, RL_EXIT_FAIL);
}

/* Shared: every third of a lease, the leases of the batons this
 * supervisor holds are renewed; one that ran out is another's now. */
void
rl_ring_renew(struct rl_ring *S)
{
	long long now = rl_proc_mono_ms();
	size_t i;
	int rc;

	if (!S->shared || now - S->renewed < S->lease_ms / 3)
		return;
	S->renewed = now;
	for (i = 0; i < S->nf; i++) {
		if (S->f[i].lost)
			continue;
		if ((rc = rl_queue_renew(S->ring, S->f[i].lease, S->lease_ms)) < 0)
			rl_ring_fail(S->ring);
		if (rc == 1)
			S->f[i].lost = 1;   /* said when its stage answers */
	}
}

/* Whether the run has nothing more to do without input: every task it
 * let in has ended; shared, every machine's (the journal is empty). */
int
rl_ring_all_done(struct rl_ring *S)
{
	long n;

	if (!S->shared)
		return S->tasks == 0 && S->waiting == 0;
	if (S->nf)
		return 0;
	if ((n = rl_ring_share_left(S->todo, S->ring, &S->waiting)) < 0)
		rl_ring_fail(S->todo->err.code ? S->todo : S->ring);
	return n == 0;
}

int
rl_ring_take_again(struct rl_ring *S, struct rl_qmsg *m, const char *id)
{
	struct flight *f;
	size_t i;

	if (!rl_ring_find(S, id))
		return 0;
	/* only a lease that ran out lets a task be popped again: what this
	 * supervisor holds of it is stale; the new state waits until the
	 * stage that holds the old one has answered */
	for (i = S->nf; i-- > 0;) {
		if (strcmp(S->f[i].id, id) != 0)
			continue;
		S->f[i].lost = 1;
		if (S->f[i].stage < 0) {
			cJSON_Delete(S->f[i].wait);
			rl_ring_drop(S, &S->f[i]);
		}
	}
	if (!rl_ring_find(S, id))
		return 0;
	f = rl_ring_add(S, m, id);
	f->wait = m->body;
	m->body = NULL;
	return 1;
}
