/*
 * rl_git.c - a task's repository as a git remote; see rl_git.h.
 *
 * Every git command goes through run(): the fixed -c settings and the
 * environment of rl_git.h, a deadline (a fetch or a push may take long, a
 * local command should not), the last line of stderr kept for messages.
 * The cache is one bare repository per remote whose refs mirror the
 * remote's; work trees are linked work trees of it, so a task's checkout
 * costs no clone, and every object a change refers to is in the cache.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rl_buf.h"
#include "rl_fs.h"
#include "rl_git.h"
#include "rl_json.h"
#include "rl_proc.h"
#include "rl_sha256.h"

#define REMOTE_MS (10LL * 60 * 1000)   /* fetch, push */
#define LOCAL_MS (5LL * 60 * 1000)     /* anything on this machine */
#define OUT_MAX ((size_t)256 << 20)    /* a change, a listing */
#define MAX_ARGS 48

/* Settings no repository, remote or user configuration may change. */
static const char *const fixed[] = {
	"-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false",
	"-c", "core.autocrlf=false", "-c", "core.untrackedCache=false",
	"-c", "submodule.recurse=false", "-c", "fetch.recurseSubmodules=false",
	"-c", "push.recurseSubmodules=no", "-c", "gc.auto=0",
	"-c", "maintenance.auto=false", "-c", "advice.detachedHead=false",
	"-c", "commit.gpgSign=false", "-c", "push.gpgSign=false",
	"-c", "color.ui=false", "-c", "diff.suppressBlankEmpty=false",
	NULL
};

/* The environment every git command gets, after rl_proc's scrub. */
static const char *const base_env[] = {
	"GIT_ALLOW_PROTOCOL=file:git:http:https:ssh",
	"GIT_TERMINAL_PROMPT=0",
	"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
	"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE",
	"GIT_EXTERNAL_DIFF", "GIT_DIFF_OPTS", "GIT_PREFIX", "GIT_CONFIG",
	"GIT_CONFIG_COUNT", "GIT_QUARANTINE_PATH", "GIT_REPLACE_REF_BASE",
	"GIT_NO_REPLACE_OBJECTS", "GIT_SHALLOW_FILE", "GIT_CEILING_DIRECTORIES",
	NULL
};

static const char *const identity[] = {
	"GIT_AUTHOR_NAME=redline", "GIT_AUTHOR_EMAIL=redline@localhost",
	"GIT_COMMITTER_NAME=redline", "GIT_COMMITTER_EMAIL=redline@localhost",
	NULL
};

/* One git command: where, what to add to the environment, stdin, output. */
struct run {
	const char *dir;             /* -C dir; NULL: none */
	const char *const *env;      /* more "NAME=VALUE"; NULL: none */
	const char *index;           /* GIT_INDEX_FILE; NULL: the default */
	const char *text;            /* stdin; NULL: empty */
	struct rl_buf *out;          /* stdout; NULL: dropped */
	long long ms;                /* deadline; 0: LOCAL_MS */
	char err[400];               /* git's last line of stderr */
};

/*
 * What git's stderr says went wrong, into out: the first "fatal: x" or
 * "error: x" line as x (later lines are advice), else the last line.
 */
static void
what_went_wrong(const struct rl_buf *err, char *out, size_t size)
{
	const char *p = err->data, *end, *last = NULL, *last_end = NULL;

	for (; p && *p; p = *end ? end + 1 : end) {
		end = strchr(p, '\n');
		if (!end)
			end = p + strlen(p);
		if (end - p > 7 && (strncmp(p, "fatal: ", 7) == 0 ||
		    strncmp(p, "error: ", 7) == 0)) {
			snprintf(out, size, "%.*s", (int)(end - p - 7), p + 7);
			return;
		}
		if (end > p) {
			last = p;
			last_end = end;
		}
	}
	if (last)
		snprintf(out, size, "%.*s", (int)(last_end - last), last);
}

/*
 * Run git with the arguments after r (NULL-terminated).  Returns its exit
 * status (0 on success), or -1 when it could not run or was killed; r->err
 * then says why.
 */
static int
run(struct run *r, ...)
{
	const char *argv[MAX_ARGS + sizeof fixed / sizeof *fixed + 4];
	const char *env[sizeof base_env / sizeof *base_env + 12];
	char index_env[4200];
	const char *a, *cmd = NULL;
	struct rl_buf err = {0};
	size_t n = 0, k = 0, i;
	va_list ap;
	int st;

	argv[n++] = "git";
	for (i = 0; fixed[i]; i++)
		argv[n++] = fixed[i];
	if (r->dir) {
		argv[n++] = "-C";
		argv[n++] = r->dir;
	}
	va_start(ap, r);
	while ((a = va_arg(ap, const char *)) && n < sizeof argv / sizeof *argv - 1) {
		if (!cmd)
			cmd = a;
		argv[n++] = a;
	}
	va_end(ap);
	argv[n] = NULL;
	for (i = 0; base_env[i]; i++)
		env[k++] = base_env[i];
	if (!getenv("GIT_SSH_COMMAND") && !getenv("GIT_SSH"))
		env[k++] = "GIT_SSH_COMMAND=ssh -o BatchMode=yes";
	if (r->index) {
		snprintf(index_env, sizeof index_env, "GIT_INDEX_FILE=%s", r->index);
		env[k++] = index_env;
	}
	for (i = 0; r->env && r->env[i] && k < sizeof env / sizeof *env - 1; i++)
		env[k++] = r->env[i];
	env[k] = NULL;
	if (r->out)
		rl_buf_reset(r->out);
	r->err[0] = 0;
	st = rl_proc_run_env((char *const *)argv, env, r->text,
	    r->ms ? r->ms : LOCAL_MS, r->out, OUT_MAX, &err);
	what_went_wrong(&err, r->err, sizeof r->err);
	rl_buf_free(&err);
	if (st == -1) {
		snprintf(r->err, sizeof r->err, "cannot run git: %s%s",
		    strerror(errno), errno == ENOENT ? " (install git)" : "");
		return -1;
	}
	if (st == RL_PROC_TIMEOUT) {
		snprintf(r->err, sizeof r->err, "git %s did not finish in %lld s",
		    cmd ? cmd : "", (r->ms ? r->ms : LOCAL_MS) / 1000);
		return -1;
	}
	if (WIFSIGNALED(st)) {
		rl_proc_status(st, r->err, sizeof r->err);
		return -1;
	}
	if (!r->err[0] && WEXITSTATUS(st))
		snprintf(r->err, sizeof r->err, "git exited %d", WEXITSTATUS(st));
	return WEXITSTATUS(st);
}

/* Strip the trailing newline of a one-line answer. */
static void
chomp(struct rl_buf *b)
{
	while (b->len && (b->data[b->len - 1] == '\n' || b->data[b->len - 1] == '\r'))
		b->data[--b->len] = 0;
}

static int
is_sha(const char *s)
{
	size_t i;

	for (i = 0; i < 40; i++)
		if (!s[i] || !strchr("0123456789abcdef", s[i]))
			return 0;
	return s[40] == 0;
}

/* A URL git runs no command for, that no option parser takes for one. */
static int
check_url(const char *url, struct rl_error *e)
{
	static const char *const schemes[] = {
		"file", "git", "http", "https", "ssh", "git+ssh", "ssh+git", NULL
	};
	const char *p, *colon;
	size_t i, n;

	if (!url || !*url)
		return rl_error_set(e, "git.spec", "no repository URL given");
	if (*url == '-')
		return rl_error_set(e, "git.url", "repository URL %s starts with "
		    "'-': give a URL or a path", url);
	for (p = url; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return rl_error_set(e, "git.url", "repository URL has a control "
			    "character");
	if ((colon = strstr(url, "::")) && !memchr(url, '/', (size_t)(colon - url)))
		return rl_error_set(e, "git.url", "%s: the %.*s:: transport runs "
		    "programs and is refused; give a file, git, http(s) or ssh URL, "
		    "or a path", url, (int)(colon - url), url);
	if ((p = strstr(url, "://"))) {
		n = (size_t)(p - url);
		for (i = 0; schemes[i]; i++)
			if (strlen(schemes[i]) == n && strncmp(url, schemes[i], n) == 0)
				return 0;
		return rl_error_set(e, "git.url", "%s: the %.*s protocol is refused; "
		    "give a file, git, http(s) or ssh URL, or a path", url, (int)n, url);
	}
	return 0;
}

/* A revision that cannot be taken for an option or a range. */
static int
check_rev(const char *rev, struct rl_error *e)
{
	const char *p;

	if (!*rev)
		return rl_error_set(e, "git.spec", "empty revision: give a branch, "
		    "a tag or a commit");
	if (*rev == '-' || strlen(rev) > 255 || strstr(rev, ".."))
		return rl_error_set(e, "git.spec", "revision %s: give a branch, a "
		    "tag or a commit", rev);
	for (p = rev; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return rl_error_set(e, "git.spec", "revision %s has a space or "
			    "a control character", rev);
	return 0;
}

int
rl_git_spec(const char *spec, char **url, char **rev, struct rl_error *e)
{
	const char *start, *at = NULL, *p;
	char *u;

	*url = *rev = NULL;
	if (!spec || !*spec)
		return rl_error_set(e, "git.spec", "no repository given: give URL or "
		    "URL@REV");
	start = spec;
	for (p = spec; *p; p++)
		if (*p == '/' || *p == ':')
			start = p + 1;
	for (p = start; *p; p++)
		if (*p == '@')
			at = p;
	if (at && !at[1])
		return rl_error_set(e, "git.spec", "%s: nothing after '@': give a "
		    "branch, a tag or a commit, or leave the '@' out", spec);
	u = at ? rl_xstrndup(spec, (size_t)(at - spec)) : rl_xstrdup(spec);
	if (check_url(u, e) < 0 || (at && check_rev(at + 1, e) < 0)) {
		free(u);
		return -1;
	}
	*url = u;
	*rev = at ? rl_xstrdup(at + 1) : NULL;
	return 0;
}

/* --- the cache ------------------------------------------------------------ */

struct cache {
	struct rl_buf dir, lock;
	int fd;
};

/* STATE/sub appended to b. */
static void
state_path(const struct rl_config *cfg, const char *sub, struct rl_buf *b)
{
	rl_config_state_dir(cfg, b);
	rl_buf_printf(b, "/%s", sub);
}

static void
cache_close(struct cache *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	rl_buf_free(&c->dir);
	rl_buf_free(&c->lock);
}

/* Lock url's cache, making it when it is not there yet. */
static int
cache_open(const struct rl_config *cfg, const char *url, struct cache *c,
	struct rl_error *e)
{
	struct rl_sha256 h;
	char hex[RL_SHA256_HEX];
	struct rl_buf tmp = {0};
	struct run r = {0};
	struct stat st;

	*c = (struct cache){.fd = -1};
	rl_sha256_init(&h);
	rl_sha256_add(&h, url, strlen(url));
	rl_sha256_hex(&h, hex);
	state_path(cfg, "git", &c->dir);
	if (rl_fs_mkdirs(c->dir.data, 0700) < 0) {
		rl_error_set(e, "io.write", "cannot make %s: %s", c->dir.data,
		    strerror(errno));
		goto fail;
	}
	rl_buf_printf(&c->lock, "%s/%s.lock", c->dir.data, hex);
	rl_buf_printf(&c->dir, "/%s.git", hex);
	if ((c->fd = rl_fs_lock(c->lock.data, 1)) < 0) {
		rl_error_set(e, "io.lock", "cannot lock %s: %s", c->lock.data,
		    strerror(errno));
		goto fail;
	}
	if (stat(c->dir.data, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	/* made aside and renamed, so a crash never leaves half a cache */
	rl_buf_printf(&tmp, "%s.new", c->dir.data);
	rl_fs_remove_tree(tmp.data);
	if (run(&r, "init", "-q", "--bare", tmp.data, NULL) != 0 ||
	    run(&(struct run){.dir = tmp.data}, "config", "remote.origin.url", url,
	    NULL) != 0 || rename(tmp.data, c->dir.data) < 0) {
		rl_error_set(e, "git.failed", "cannot make the cache %s: %s",
		    c->dir.data, r.err[0] ? r.err : strerror(errno));
		rl_fs_remove_tree(tmp.data);
		rl_buf_free(&tmp);
		goto fail;
	}
	rl_buf_free(&tmp);
	return 0;
fail:
	cache_close(c);
	return -1;
}

/* The commit expr names in the cache, into sha: 0, or -1 when none. */
static int
have(struct cache *c, const char *expr, char sha[41])
{
	struct rl_buf out = {0}, x = {0};
	struct run r = {.dir = c->dir.data, .out = &out};
	int rc = -1;

	rl_buf_printf(&x, "%s^{commit}", expr);
	if (run(&r, "rev-parse", "-q", "--verify", "--end-of-options", x.data,
	    NULL) == 0) {
		chomp(&out);
		if (out.len == 40 && is_sha(out.data)) {
			memcpy(sha, out.data, 41);
			rc = 0;
		}
	}
	rl_buf_free(&out);
	rl_buf_free(&x);
	return rc;
}

/* Fetch the remote's branches and tags (and its HEAD when head), or the
 * one commit sha when not NULL. */
static int
fetch(struct cache *c, const char *url, int head, const char *sha,
	struct rl_error *e)
{
	struct run r = {.dir = c->dir.data, .ms = REMOTE_MS};
	struct rl_buf one = {0};
	int st;

	if (sha) {
		rl_buf_printf(&one, "+%s:refs/redline/commits/%s", sha, sha);
		st = run(&r, "fetch", "-q", "origin", one.data, NULL);
	} else {
		st = run(&r, "fetch", "-q", "--prune", "origin",
		    "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*",
		    head ? "+HEAD:refs/redline/HEAD" : NULL, NULL);
	}
	rl_buf_free(&one);
	if (st == 0)
		return 0;
	if (st > 0 && (strstr(r.err, "couldn't find remote ref") ||
	    strstr(r.err, "not our ref") || strstr(r.err, "unadvertised object")))
		return rl_error_set(e, "git.rev", "%s has %s: %s", url,
		    sha ? "no such commit" : "no HEAD (no commits?)", r.err);
	return rl_error_set(e, "git.unreachable", "cannot fetch %s: %s; check "
	    "the URL and the network, then try again", url, r.err);
}

/* rl_git_resolve on a locked cache. */
static int
resolve(struct cache *c, const char *url, const char *rev, char sha[41],
	struct rl_error *e)
{
	if (rev && strcmp(rev, "HEAD") == 0)
		rev = NULL;
	if (rev && is_sha(rev) && have(c, rev, sha) == 0)
		return 0;
	if (fetch(c, url, !rev, NULL, e) < 0)
		return -1;
	if (have(c, rev ? rev : "refs/redline/HEAD", sha) == 0)
		return 0;
	if (rev && is_sha(rev) && fetch(c, url, 0, rev, e) == 0 &&
	    have(c, rev, sha) == 0)
		return 0;
	return rl_error_set(e, "git.rev", "revision %s is not in %s: give one "
	    "of its branches, tags or commits", rev ? rev : "HEAD", url);
}

int
rl_git_resolve(const struct rl_config *cfg, const char *url, const char *rev,
	char sha[41], struct rl_error *e)
{
	struct cache c;
	int rc;

	if (check_url(url, e) < 0 || (rev && check_rev(rev, e) < 0))
		return -1;
	if (cache_open(cfg, url, &c, e) < 0)
		return -1;
	rc = resolve(&c, url, rev, sha, e);
	cache_close(&c);
	return rc;
}

/* --- work trees ----------------------------------------------------------- */

/* The absolute path of git's answer to rev-parse opt in dir, into out. */
static int
ask(const char *dir, const char *opt, const char *arg, struct rl_buf *out)
{
	struct run r = {.dir = dir, .out = out};

	if (run(&r, "rev-parse", "--path-format=absolute", opt, arg, NULL) != 0)
		return -1;
	chomp(out);
	return out->len ? 0 : -1;
}

/* 1 when dir is a work tree of cache c with HEAD at rev. */
static int
tree_of(struct cache *c, const char *dir, const char *rev)
{
	struct rl_buf common = {0}, head = {0};
	struct run r = {.dir = dir, .out = &head};
	char *real = realpath(c->dir.data, NULL);
	int yes = 0;

	if (real && ask(dir, "--git-common-dir", NULL, &common) == 0 &&
	    strcmp(common.data, real) == 0 &&
	    run(&r, "rev-parse", "-q", "--verify", "HEAD", NULL) == 0) {
		chomp(&head);
		yes = rev ? strcmp(head.data, rev) == 0 : 1;
	}
	free(real);
	rl_buf_free(&common);
	rl_buf_free(&head);
	return yes;
}

/* Put dir, a work tree of c, back to rev: 0, or -1. */
static int
reset(const char *dir, const char *rev)
{
	struct run r = {.dir = dir};

	return run(&r, "reset", "-q", "--hard", rev, NULL) == 0 &&
	    run(&r, "clean", "-ffdq", NULL) == 0 ? 0 : -1;
}

/* A new work tree of c at dir, at rev (whatever was at dir removed). */
static int
add_tree(struct cache *c, const char *dir, const char *rev, struct rl_error *e)
{
	struct run r = {.dir = c->dir.data};

	run(&r, "worktree", "remove", "--force", "--force", dir, NULL);
	rl_fs_remove_tree(dir);
	run(&r, "worktree", "prune", NULL);
	if (run(&r, "worktree", "add", "-q", "--detach", "-f", dir, rev, NULL))
		return rl_error_set(e, "git.failed", "cannot check %s out in %s: %s",
		    rev, dir, r.err);
	return 0;
}

char *
rl_git_checkout(const struct rl_config *cfg, const cJSON *baton,
	struct rl_error *e)
{
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(baton, "git");
	const char *id = rl_json_str(baton, "id"), *url = rl_json_str(g, "url");
	const char *rev = rl_json_str(g, "rev"), *change = rl_json_str(baton,
	    "change");
	struct rl_buf dir = {0};
	struct run r = {0};
	struct cache c;
	struct stat st;
	char sha[41], *now;

	if (!change)
		change = "";
	if (!id || !rl_fs_safe_name(id) || !url || !rev || !is_sha(rev)) {
		rl_error_set(e, "validate.schema", "a git task's baton needs an id "
		    "(" RL_FS_NAME_RULE "), git.url and git.rev (a full commit id)");
		return NULL;
	}
	if (check_url(url, e) < 0 || cache_open(cfg, url, &c, e) < 0)
		return NULL;
	if (resolve(&c, url, rev, sha, e) < 0)
		goto fail;
	state_path(cfg, "work", &dir);
	if (rl_fs_mkdirs(dir.data, 0700) < 0) {
		rl_error_set(e, "io.write", "cannot make %s: %s", dir.data,
		    strerror(errno));
		goto fail;
	}
	rl_buf_printf(&dir, "/%s", id);
	if (lstat(dir.data, &st) == 0 && tree_of(&c, dir.data, NULL)) {
		if (tree_of(&c, dir.data, sha)) {
			now = rl_git_change(dir.data, sha, e);
			if (now && strcmp(now, change) == 0) {
				free(now);
				cache_close(&c);
				return rl_buf_detach(&dir);
			}
			free(now);
		}
		if (reset(dir.data, sha) < 0 && add_tree(&c, dir.data, sha, e) < 0)
			goto fail;
	} else if (add_tree(&c, dir.data, sha, e) < 0) {
		goto fail;
	}
	r = (struct run){.dir = dir.data, .text = change};
	if (*change && run(&r, "apply", "--binary", "--whitespace=nowarn", "-",
	    NULL) != 0) {
		rl_error_set(e, "git.apply", "the task's change does not apply to "
		    "%.12s of %s: %s", sha, url, r.err);
		goto fail;
	}
	cache_close(&c);
	return rl_buf_detach(&dir);
fail:
	cache_close(&c);
	rl_buf_free(&dir);
	return NULL;
}

/* Copy the file at from to a new file to (0600): 0, or -1. */
static int
copy_file(const char *from, const char *to)
{
	struct rl_buf b = {0};
	int fd, rc = -1;

	if (rl_fs_read(from, &b, (size_t)1 << 30) < 0)
		return -1;
	if ((fd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) >= 0) {
		rc = rl_fs_write_all(fd, b.data ? b.data : "", b.len);
		if (close(fd) < 0)
			rc = -1;
	}
	rl_buf_free(&b);
	return rc;
}

char *
rl_git_change(const char *dir, const char *rev, struct rl_error *e)
{
	struct rl_buf index = {0}, tmp = {0}, out = {0};
	struct run r = {.dir = dir};
	char *res = NULL;

	if (check_rev(rev, e) < 0)
		return NULL;
	if (ask(dir, "--git-path", "index", &index) < 0) {
		rl_error_set(e, "git.failed", "%s is not a git work tree: %s", dir,
		    r.err);
		goto out;
	}
	/* a copy of the index: its stat data spares hashing unchanged files */
	rl_buf_printf(&tmp, "%s.redline-%ld", index.data, (long)getpid());
	r.index = tmp.data;
	if (copy_file(index.data, tmp.data) < 0 &&
	    run(&r, "read-tree", rev, NULL) != 0) {
		rl_error_set(e, "git.rev", "cannot read %s in %s: %s", rev, dir, r.err);
		goto out;
	}
	if (run(&r, "add", "-A", NULL) != 0) {
		rl_error_set(e, "git.failed", "cannot list the changes in %s: %s",
		    dir, r.err);
		goto out;
	}
	r.out = &out;
	if (run(&r, "diff", "--cached", "--binary", "--full-index", "--no-renames",
	    "--no-ext-diff", "--no-textconv", "--no-color", "--no-relative", "-U3",
	    "--src-prefix=a/", "--dst-prefix=b/", rev, "--", NULL) != 0) {
		rl_error_set(e, "git.rev", "cannot diff %s against %s: %s", dir, rev,
		    r.err);
		goto out;
	}
	if (out.len >= OUT_MAX) {
		rl_error_set(e, "git.failed", "the change in %s is over %zu MiB", dir,
		    OUT_MAX >> 20);
		goto out;
	}
	res = rl_buf_detach(&out);
out:
	if (tmp.len)
		unlink(tmp.data);
	rl_buf_free(&index);
	rl_buf_free(&tmp);
	rl_buf_free(&out);
	return res;
}

/* The reason in push --porcelain's output of a refused ref, or NULL. */
static const char *
refused(struct rl_buf *out, char *why, size_t size)
{
	const char *p = out->data, *end, *tab;

	for (; p && *p; p = end + (*end != 0)) {
		end = strchr(p, '\n');
		if (!end)
			end = p + strlen(p);
		if (*p == '!') {
			/* "!\tFROM:TO\tREASON" */
			tab = end - p > 2 ? memchr(p + 2, '\t', (size_t)(end - p - 2)) : NULL;
			tab = tab ? tab + 1 : p + 1;
			snprintf(why, size, "%.*s", (int)(end - tab), tab);
			return why;
		}
	}
	return NULL;
}

int
rl_git_push(const struct rl_config *cfg, const char *dir, const char *url,
	const char *branch, const char *message, char sha[41], struct rl_error *e)
{
	struct rl_buf ref = {0}, out = {0};
	struct run r = {.dir = dir};
	char why[200], adate[64], cdate[64];
	const char *env[] = {identity[0], identity[1], identity[2], identity[3],
	    adate, cdate, NULL};
	int rc = -1, st;

	(void)cfg;
	if (check_url(url, e) < 0)
		return -1;
	rl_buf_printf(&ref, "refs/heads/%s", branch ? branch : "");
	if (!branch || !*branch || *branch == '-' ||
	    run(&r, "check-ref-format", ref.data, NULL) != 0) {
		rl_error_set(e, "git.spec", "branch %s: not a valid branch name",
		    branch ? branch : "");
		goto out;
	}
	if (run(&r, "add", "-A", NULL) != 0) {
		rl_error_set(e, "git.failed", "cannot add the changes in %s: %s", dir,
		    r.err);
		goto out;
	}
	st = run(&r, "diff", "--cached", "--quiet", "--no-ext-diff", NULL);
	/* dated as the commit it is made on: the same change of the same
	 * task is the same commit on any machine, so a task finished twice
	 * (a machine died between its push and its ack) pushes it again as
	 * a no-op, not as a second commit the remote refuses */
	r.out = &out;
	if (st == 1 && run(&r, "log", "-1", "--format=%ct", "HEAD", NULL) != 0) {
		rl_error_set(e, "git.failed", "%s has no commit: %s", dir, r.err);
		goto out;
	}
	chomp(&out);
	snprintf(adate, sizeof adate, "GIT_AUTHOR_DATE=@%s +0000", out.data);
	snprintf(cdate, sizeof cdate, "GIT_COMMITTER_DATE=@%s +0000", out.data);
	r.out = NULL;
	r.env = env;
	r.text = message && *message ? message : "redline";
	if (st == 1 && run(&r, "commit", "-q", "--no-verify", "-F", "-", NULL)) {
		rl_error_set(e, "git.failed", "cannot commit in %s: %s", dir, r.err);
		goto out;
	}
	r = (struct run){.dir = dir, .out = &out};
	if (run(&r, "rev-parse", "-q", "--verify", "HEAD^{commit}", NULL) != 0) {
		rl_error_set(e, "git.failed", "%s has no commit: %s", dir, r.err);
		goto out;
	}
	chomp(&out);
	if (out.len != 40) {
		rl_error_set(e, "git.failed", "%s: HEAD is no commit", dir);
		goto out;
	}
	memcpy(sha, out.data, 41);
	rl_buf_reset(&ref);
	rl_buf_printf(&ref, "%s:refs/heads/%s", sha, branch);
	r = (struct run){.dir = dir, .out = &out, .ms = REMOTE_MS};
	if ((st = run(&r, "push", "--porcelain", "--", url, ref.data, NULL)) == 0)
		rc = 0;
	else if (st > 0 && refused(&out, why, sizeof why))
		rl_error_set(e, "git.push", "%s refused branch %s: %s", url, branch,
		    why);
	else
		rl_error_set(e, "git.unreachable", "cannot push to %s: %s; check the "
		    "URL and the network, then try again", url, r.err);
out:
	rl_buf_free(&ref);
	rl_buf_free(&out);
	return rc;
}

void
rl_git_release(const struct rl_config *cfg, const char *id)
{
	struct rl_buf dir = {0}, common = {0}, lock = {0}, caches = {0};
	struct run r = {0};
	struct stat st;
	char *real = NULL;
	size_t n;
	int fd = -1;

	if (!id || !rl_fs_safe_name(id))
		return;
	state_path(cfg, "work/", &dir);
	rl_buf_adds(&dir, id);
	if (lstat(dir.data, &st) < 0)
		goto out;
	/* a work tree of one of the caches, not a repository around STATE */
	state_path(cfg, "git", &caches);
	real = realpath(caches.data, NULL);
	n = real ? strlen(real) : 0;
	if (real && ask(dir.data, "--git-common-dir", NULL, &common) == 0 &&
	    common.len > n + 5 && strncmp(common.data, real, n) == 0 &&
	    common.data[n] == '/' && !strchr(common.data + n + 1, '/') &&
	    strcmp(common.data + common.len - 4, ".git") == 0) {
		rl_buf_printf(&lock, "%.*s.lock", (int)(common.len - 4), common.data);
		fd = rl_fs_lock(lock.data, 1);
		r.dir = common.data;
		run(&r, "worktree", "remove", "--force", "--force", dir.data, NULL);
	}
	rl_fs_remove_tree(dir.data);
	if (r.dir)
		run(&r, "worktree", "prune", NULL);
	if (fd >= 0)
		close(fd);
out:
	free(real);
	rl_buf_free(&dir);
	rl_buf_free(&common);
	rl_buf_free(&lock);
	rl_buf_free(&caches);
}
