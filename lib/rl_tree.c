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

/* In a git work tree, the files git knows or would add: tracked ones
 * that are there, and untracked ones .gitignore does not exclude.  -1
 * when dir is no work tree (or git is missing). */
static int
from_git(const char *dir, struct rl_tree *T)
{
	char *argv[] = {"git", "-C", (char *)dir, "ls-files", "-z", "--cached",
		"--others", "--exclude-standard", NULL};
	struct rl_buf out = {0}, path = {0};
	struct stat st;
	const char *p, *end;
	int status, rc = -1;

	if (!rl_proc_findable("git"))
		return -1;
	status = rl_proc_run(argv, NULL, 60000, &out, (size_t)1 << 30, NULL, 0);
	if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		rc = 0;
		for (p = out.data, end = p ? p + out.len : p; p && p < end;
		    p += strlen(p) + 1) {
			/* hidden entries stay out, as in the walk */
			if (*p == '.' || strstr(p, "/."))
				continue;
			rl_buf_reset(&path);
			rl_buf_printf(&path, "%s/%s", dir, p);
			if (lstat(path.data, &st) == 0 && S_ISREG(st.st_mode))
				add(T, rl_xstrdup(p));
		}
	}
	rl_buf_free(&out);
	rl_buf_free(&path);
	return rc;
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

void
rl_tree_free(struct rl_tree *T)
{
	size_t i;

	for (i = 0; i < T->n; i++)
		free(T->v[i]);
	free(T->v);
	memset(T, 0, sizeof *T);
}
