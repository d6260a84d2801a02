/*
 * test_git.c - a task's repository as a git remote (lib/rl_git.c): specs,
 * the cache, a work tree per task, a change that travels in a baton to
 * another machine (another state directory), the push.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rl_buf.h"
#include "rl_git.h"
#include "unit.h"

static char top[64];

/* Run a shell line in the scratch directory: its exit status. */
static int
sh(const char *fmt, ...)
{
	struct rl_buf b = {0};
	va_list ap;
	int st;

	rl_buf_printf(&b, "cd '%s' && { ", top);
	va_start(ap, fmt);
	rl_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	rl_buf_adds(&b, "; } >/dev/null 2>&1");
	st = system(b.data);
	rl_buf_free(&b);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The first line a shell line prints, into out. */
static void
line_of(char *out, size_t n, const char *cmd)
{
	struct rl_buf b = {0};
	FILE *f;

	rl_buf_printf(&b, "cd '%s' && %s 2>/dev/null", top, cmd);
	out[0] = 0;
	if ((f = popen(b.data, "r"))) {
		if (fgets(out, (int)n, f))
			out[strcspn(out, "\n")] = 0;
		pclose(f);
	}
	rl_buf_free(&b);
}

static void
spec(const char *s, const char *url, const char *rev, const char *code)
{
	struct rl_error e = {0};
	char *u = NULL, *r = NULL, what[256];
	int rc = rl_git_spec(s, &u, &r, &e);

	snprintf(what, sizeof what, "spec %s", s);
	if (code) {
		CHECK(rc == -1 && e.code && strcmp(e.code, code) == 0 && !u && !r,
		    what);
		if (rc == 0 || !e.code || strcmp(e.code, code) != 0)
			printf("#   got %s, want %s\n", e.code ? e.code : "(none)", code);
		return;
	}
	CHECK(rc == 0, what);
	CHECK_STR(u, url, "its URL");
	if (rev)
		CHECK_STR(r, rev, "its revision");
	else
		CHECK(r == NULL, "no revision");
	free(u);
	free(r);
}

static void
specs(void)
{
	spec("https://host/r.git@v1.2", "https://host/r.git", "v1.2", NULL);
	spec("https://user@host/r.git", "https://user@host/r.git", NULL, NULL);
	spec("https://user@host/r.git@main", "https://user@host/r.git", "main",
	    NULL);
	spec("git@host:r.git", "git@host:r.git", NULL, NULL);
	spec("git@host:r.git@feature/x", "git@host:r.git@feature/x", NULL, NULL);
	spec("git@host:team/r.git@0123abc", "git@host:team/r.git", "0123abc",
	    NULL);
	spec("/srv/repo", "/srv/repo", NULL, NULL);
	spec("/srv/repo@HEAD", "/srv/repo", "HEAD", NULL);
	spec("file:///srv/repo@main", "file:///srv/repo", "main", NULL);
	spec("", NULL, NULL, "git.spec");
	spec("/srv/repo@", NULL, NULL, "git.spec");
	spec("/srv/repo@-x", NULL, NULL, "git.spec");
	spec("/srv/repo@a..b", NULL, NULL, "git.spec");
	spec("@main", NULL, NULL, "git.spec");
	spec("ext::sh -c touch% /tmp/pwned", NULL, NULL, "git.url");
	spec("fd::3", NULL, NULL, "git.url");
	spec("-uhack", NULL, NULL, "git.url");
	spec("ftp://host/r.git", NULL, NULL, "git.url");
}

static struct rl_config
state(const char *name)
{
	struct rl_config c = {0};
	char dir[128];

	snprintf(dir, sizeof dir, "%s/%s", top, name);
	c.tree = cJSON_CreateObject();
	cJSON_AddStringToObject(c.tree, "state_dir", dir);
	return c;
}

static cJSON *
baton(const char *url, const char *rev, const char *change)
{
	cJSON *b = cJSON_CreateObject(), *g;

	cJSON_AddStringToObject(b, "id", "t1");
	g = cJSON_AddObjectToObject(b, "git");
	cJSON_AddStringToObject(g, "url", url);
	cJSON_AddStringToObject(g, "rev", rev);
	if (change)
		cJSON_AddStringToObject(b, "change", change);
	return b;
}

int
main(void)
{
	struct rl_config A, B, C;
	struct rl_error e = {0};
	char sha[41], url[128], want[64], got[256], *dir, *dir2, *dir3, *change,
	    *again;
	struct stat before, after;
	cJSON *b;

	specs();
	snprintf(top, sizeof top, "/tmp/rl-test-git.XXXXXX");
	CHECK(mkdtemp(top) != NULL, "scratch directory");
	CHECK(sh("git init -q -b main src && cd src && printf 'one\\ntwo\\n' > a.txt"
	    " && printf 'gone\\n' > old.txt && printf 'out/\\n' > .gitignore && "
	    "git add -A && git -c user.name=t -c user.email=t@t commit -qm first && "
	    "git clone -q --bare . ../bare.git") == 0, "a remote with one commit");
	snprintf(url, sizeof url, "file://%s/bare.git", top);
	line_of(want, sizeof want, "git -C bare.git rev-parse main");
	A = state("a");
	B = state("b");

	CHECK(rl_git_resolve(&A, url, NULL, sha, &e) == 0, "resolve the HEAD");
	CHECK_STR(sha, want, "to the remote's main");
	CHECK(rl_git_resolve(&A, url, want, sha, &e) == 0, "resolve a full id");
	CHECK(rl_git_resolve(&A, url, "main", sha, &e) == 0, "resolve a branch");
	CHECK_STR(sha, want, "to its commit");
	CHECK(rl_git_resolve(&A, url, "nope", sha, &e) == -1 &&
	    strcmp(e.code, "git.rev") == 0, "an unknown revision is git.rev");
	CHECK(strstr(e.message, "nope") != NULL, "named in the message");
	snprintf(got, sizeof got, "file://%s/nowhere.git", top);
	CHECK(rl_git_resolve(&A, got, NULL, sha, &e) == -1 &&
	    strcmp(e.code, "git.unreachable") == 0, "no remote is unreachable");
	CHECK(rl_git_resolve(&A, "ext::sh -c id", NULL, sha, &e) == -1 &&
	    strcmp(e.code, "git.url") == 0, "ext:: is refused");

	/* two supervisors on one fresh state directory: one makes the cache,
	 * the other waits for it and fetches into it */
	{
		struct rl_config C = state("c");
		pid_t kid[2];
		int i, st, ok = 1;

		fflush(stdout);    /* the children's copy must not be printed */
		for (i = 0; i < 2; i++)
			if ((kid[i] = fork()) == 0)
				_exit(rl_git_resolve(&C, url, "main", sha, &e) == 0 &&
				    strcmp(sha, want) == 0 ? 0 : 1);
		for (i = 0; i < 2; i++)
			ok &= kid[i] > 0 && waitpid(kid[i], &st, 0) == kid[i] &&
			    WIFEXITED(st) && WEXITSTATUS(st) == 0;
		CHECK(ok, "two resolves at once on one state directory");
		cJSON_Delete(C.tree);
	}

	/* machine A works on the task */
	b = baton(url, want, NULL);
	dir = rl_git_checkout(&A, b, &e);
	CHECK(dir != NULL, "checkout on machine A");
	if (!dir) {
		printf("# %s: %s\n", e.code, e.message);
		return unit_done();
	}
	snprintf(got, sizeof got, "%s/a/work/t1", top);
	CHECK_STR(dir, got, "in STATE/work/ID");
	change = rl_git_change(dir, want, &e);
	CHECK_STR(change, "", "no change yet");
	free(change);
	CHECK(sh("cd a/work/t1 && printf 'one\\n2\\n' > a.txt && rm old.txt && "
	    "mkdir -p new out && printf 'fresh\\n' > new/b.txt && "
	    "head -c 3000 /dev/urandom > new/bin.dat && printf x > out/ignored && "
	    "chmod +x new/b.txt") == 0, "edit, remove, add text and binary files");
	change = rl_git_change(dir, want, &e);
	CHECK(change && strstr(change, "GIT binary patch"), "the change is binary");
	CHECK(change && strstr(change, "new/b.txt") && strstr(change, "old.txt"),
	    "with the new file and the removed one");
	CHECK(change && !strstr(change, "out/ignored"), "not the ignored one");
	line_of(got, sizeof got, "git -C a/work/t1 status --porcelain | head -1");
	CHECK(strncmp(got, " M", 2) == 0 || strncmp(got, " D", 2) == 0,
	    "the work tree's index is untouched");

	/* machine B takes the baton */
	cJSON_Delete(b);
	b = baton(url, want, change);
	dir2 = rl_git_checkout(&B, b, &e);
	CHECK(dir2 != NULL, "checkout on machine B");
	if (!dir2)
		printf("# %s: %s\n", e.code, e.message);
	CHECK(sh("diff -r -x .git -x out a/work/t1 b/work/t1") == 0,
	    "B holds the same files");
	CHECK(sh("test -x b/work/t1/new/b.txt") == 0, "with their modes");
	again = rl_git_change(dir2, want, &e);
	CHECK_STR(again, change, "and the same change");
	free(again);
	snprintf(got, sizeof got, "%s/b/work/t1/a.txt", top);
	stat(got, &before);
	free(dir2);
	dir2 = rl_git_checkout(&B, b, &e);
	CHECK(dir2 && stat(got, &after) == 0 && after.st_ino == before.st_ino &&
	    after.st_mtim.tv_nsec == before.st_mtim.tv_nsec &&
	    after.st_mtim.tv_sec == before.st_mtim.tv_sec,
	    "the same baton again: no reset (a.txt untouched)");
	free(dir2);

	/* an older state of the task: reset */
	cJSON_Delete(b);
	b = baton(url, want, "");
	dir2 = rl_git_checkout(&B, b, &e);
	CHECK(dir2 && sh("test ! -e b/work/t1/new && test -e b/work/t1/old.txt && "
	    "git -C b/work/t1 diff --quiet HEAD") == 0, "reset to the revision");
	free(dir2);
	cJSON_Delete(b);
	b = baton(url, want, "diff --git a/zz b/zz\n--- a/zz\n+++ b/zz\n"
	    "@@ -1 +1 @@\n-a\n+b\n");
	CHECK(rl_git_checkout(&B, b, &e) == NULL &&
	    strcmp(e.code, "git.apply") == 0, "a change that does not apply");
	cJSON_Delete(b);
	b = baton(url, want, change);
	dir2 = rl_git_checkout(&B, b, &e);
	CHECK(dir2 != NULL, "the change applied again");

	/* the push */
	e.code = NULL;
	CHECK(rl_git_push(&B, dir2, url, "redline/t1", "fix: two\n", sha, &e) == 0,
	    "push a branch");
	if (e.code)
		printf("# %s: %s\n", e.code, e.message);
	line_of(got, sizeof got, "git -C bare.git log -1 --format='%H %an %s' "
	    "redline/t1");
	CHECK(strncmp(got, sha, 40) == 0, "the remote holds the commit pushed");
	CHECK(strstr(got, " redline fix: two") != NULL, "by redline, its message");
	CHECK(sh("git -C bare.git show redline/t1:new/bin.dat | cmp - "
	    "a/work/t1/new/bin.dat") == 0, "with the binary file");
	CHECK(rl_git_push(&B, dir2, url, "redline/t1", "fix: two\n", got, &e) == 0 &&
	    strncmp(got, sha, 40) == 0, "pushed again: the same commit");
	/* the same task finished on a third machine too (one died between
	 * its push and its ack): the same commit, a push that changes nothing */
	C = state("c");
	dir3 = rl_git_checkout(&C, b, &e);
	CHECK(dir3 && rl_git_push(&C, dir3, url, "redline/t1", "fix: two\n", got,
	    &e) == 0 && strncmp(got, sha, 40) == 0,
	    "another machine's push of the same change: the same commit");
	rl_git_release(&C, "t1");
	free(dir3);
	cJSON_Delete(C.tree);
	CHECK(rl_git_push(&B, dir2, url, "main", "x", got, &e) == 0,
	    "a fast-forward of main");
	CHECK(rl_git_push(&A, dir, url, "main", "other", got, &e) == -1 &&
	    strcmp(e.code, "git.push") == 0, "not a fast-forward: git.push");
	CHECK(strstr(e.message, "refused branch main: [rejected] (") != NULL,
	    "with the remote's reason");
	printf("# %s\n", e.message);
	CHECK(rl_git_push(&B, dir2, url, "bad..name", "x", got, &e) == -1 &&
	    strcmp(e.code, "git.spec") == 0, "a bad branch name");
	snprintf(got, sizeof got, "file://%s/nowhere.git", top);
	CHECK(rl_git_push(&B, dir2, got, "x", "x", sha, &e) == -1 &&
	    strcmp(e.code, "git.unreachable") == 0, "no remote: git.unreachable");

	rl_git_release(&B, "t1");
	CHECK(sh("test ! -e b/work/t1") == 0, "released");
	line_of(got, sizeof got, "git -C b/git/*.git worktree list | wc -l");
	CHECK_STR(got, "1", "and gone from the cache's list");
	rl_git_release(&B, "t1");
	rl_git_release(&B, "../a");
	CHECK(sh("test -d a/work/t1") == 0, "release never leaves STATE/work");

	free(dir);
	free(dir2);
	free(change);
	cJSON_Delete(b);
	cJSON_Delete(A.tree);
	cJSON_Delete(B.tree);
	sh("cd / && rm -rf '%s'", top);
	return unit_done();
}
