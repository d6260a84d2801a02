/*
 * rl_tree.c - the files of a repository; see rl_tree.h.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rl_buf.h"
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

int
rl_tree_files(const char *dir, struct rl_tree *T)
{
	size_t first = T->n;

	if (walk(dir, "", 0, T) < 0)
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
