/*
 * rl_tree.h - the files of a repository, as the agents and the debt
 * measure see them.
 *
 *     struct rl_tree T = {0};
 *     rl_tree_files(dir, &T);          T.v[0..T.n-1]: "src/a.c", ... sorted
 *     rl_tree_free(&T);
 *
 * In a git work tree, the files are those git lists: tracked ones that
 * are there, and untracked ones its ignore rules do not exclude, so build
 * output and other ignored files stay out.  Elsewhere (or without git) the
 * tree is walked.  Either way: regular files only; hidden entries (.git,
 * .redline, dot files) and anything below them are left out, symbolic
 * links are not followed, and the walk stops 32 directories deep.  The
 * order is strcmp's, so the same tree always lists the same way.
 *
 * git runs outside the sandbox, on a repository that is untrusted input,
 * so it runs with core.fsmonitor and core.hooksPath turned off: nothing
 * in the repository's .git/config chooses a program to run.
 */
#ifndef RL_TREE_H
#define RL_TREE_H
#include <stddef.h>

struct rl_tree {
	char **v;        /* paths relative to the directory walked */
	size_t n, cap;
};

/* Add the files under dir to T, sorted; 0, or -1 when dir cannot be
 * read (errno set). */
int rl_tree_files(const char *dir, struct rl_tree *T);

/* Add the files git tracks in dir (its index, whether they are there or
 * not) to T, sorted; 0, or -1 when dir is no work tree or git is
 * missing. */
int rl_tree_tracked(const char *dir, struct rl_tree *T);

/* 1 if path is among T's (sorted) paths. */
int rl_tree_has(const struct rl_tree *T, const char *path);

void rl_tree_free(struct rl_tree *T);

#endif
