/*
 * rl_tree.c - the files of a repository; see rl_tree.h.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "rl_buf.h"
#include "rl_proc.h"
#include "rl_tree.h"

#define DEPTH_MAX 32

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
add(struct rl_tree *T, char *path)
{
	if (T->n == T->cap) {
		T->cap = T->cap ? 2 * T->cap : 64;
		T->v = rl_xrealloc(T->v, T->cap * sizeof *T->v);
	}
	T->v[T->n++] = path;
}

/* Walk dir/rel; -1 only when the top cannot be opened. */
static int
walk(const char *dir, const char *rel, int depth, struct rl_tree *T)
{
	struct rl_buf path = {0}, sub = {0};
	struct dirent *d;
	struct stat st;
	DIR *D;

	rl_buf_printf(&path, "%s%s%s", dir, *rel ? "/" : "", rel);
	D = opendir(path.data);
	if (!D) {
		rl_buf_free(&path);
		return depth == 0 ? -1 : 0;
	}
	while ((d = readdir(D))) {
		if (d->d_name[0] == '.')
			continue;
		rl_buf_reset(&sub);
		rl_buf_printf(&sub, "%s%s%s", rel, *rel ? "/" : "", d->d_name);
		rl_buf_reset(&path);
		rl_buf_printf(&path, "%s/%s", dir, sub.data);
		if (lstat(path.data, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth < DEPTH_MAX)
			walk(dir, sub.data, depth + 1, T);
		else if (S_ISREG(st.st_mode))
			add(T, rl_buf_detach(&sub));
	}
	closedir(D);
	rl_buf_free(&path);
	rl_buf_free(&sub);
	return 0;
}

/*
 * git ls-files -z in dir with the options given (up to 3), out of reach
 * of the repository's own configuration: this runs outside the sandbox,
 * and a repository's .git/config could name a program for git to run
 * (core.fsmonitor runs one for ls-files; hooks for others).  Returns
 * rl_proc_run's status.
 */
static int
ls_files(const char *dir, const char *const *opts, struct rl_buf *out)
{
	char *argv[16] = {"git", "-c", "core.fsmonitor=false", "-c",
		"core.hooksPath=/dev/null", "-c", "core.untrackedCache=false",
		"-C", (char *)dir, "ls-files", "-z"};
	int n = 11;

	while (*opts && n < 14)
		argv[n++] = (char *)*opts++;
	argv[n] = NULL;
	return rl_proc_run(argv, NULL, 60000, out, (size_t)1 << 30, NULL, 0);
}

/* The paths git ls-files lists with opts into T; with present, only the
 * regular files that are there, hidden entries left out as in the walk.
 * -1 when dir is no work tree (or git is missing). */
static int
git_paths(const char *dir, const char *const *opts, int present,
	struct rl_tree *T)
{
	struct rl_buf out = {0}, path = {0};
	struct stat st;
	const char *p, *end;
	int status, rc = -1;

	if (!rl_proc_findable("git"))
		return -1;
	status = ls_files(dir, opts, &out);
	if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		rc = 0;
		for (p = out.data, end = p ? p + out.len : p; p && p < end;
		    p += strlen(p) + 1) {
			if (present && (*p == '.' || strstr(p, "/.")))
				continue;
			rl_buf_reset(&path);
			rl_buf_printf(&path, "%s/%s", dir, p);
			if (!present || (lstat(path.data, &st) == 0 &&
			    S_ISREG(st.st_mode)))
				add(T, rl_xstrdup(p));
		}
	}
	rl_buf_free(&out);
	rl_buf_free(&path);
	return rc;
}

/* In a git work tree, the files git knows or would add: tracked ones
 * that are there, and untracked ones .gitignore does not exclude. */
static int
from_git(const char *dir, struct rl_tree *T)
{
	static const char *const opts[] = {"--cached", "--others",
		"--exclude-standard", NULL};

	return git_paths(dir, opts, 1, T);
}

int
rl_tree_tracked(const char *dir, struct rl_tree *T)
{
	static const char *const opts[] = {"--cached", NULL};
	size_t first = T->n;

	if (git_paths(dir, opts, 0, T) < 0)
		return -1;
	if (T->n > first)
		qsort(T->v + first, T->n - first, sizeof *T->v, cmp_str);
	return 0;
}

int
rl_tree_files(const char *dir, struct rl_tree *T)
{
	size_t first = T->n;
	struct stat st;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return -1;
	if (from_git(dir, T) < 0 && walk(dir, "", 0, T) < 0)
		return -1;
	if (T->n > first)
		qsort(T->v + first, T->n - first, sizeof *T->v, cmp_str);
	return 0;
}

int
rl_tree_has(const struct rl_tree *T, const char *path)
{
	return T->n && bsearch(&path, T->v, T->n, sizeof *T->v, cmp_str) != NULL;
}

void
rl_tree_free(struct rl_tree *T)
{
	size_t i;

	for (i = 0; i < T->n; i++)
		free(T->v[i]);
	free(T->v);
	memset(T, 0, sizeof *T);
}
