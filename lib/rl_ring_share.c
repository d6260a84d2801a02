/*
 * rl_ring_share.c - the ring on a shared journal; see rl_ring_share.h.
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
#include "rl_ring_share.h"

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
	rl_buf_printf(&msg, "%.72s\n\nredline task %s\n", task ? task : id, id);
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
