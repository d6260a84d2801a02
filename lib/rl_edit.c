/*
 * rl_edit.c - edits applied to the files of a repository; see rl_edit.h.
 *
 * Edits are grouped by the file they reach (after symbolic links), each
 * file read once and changed in memory edit after edit, so that blocks
 * which only make sense together (one opens a brace, the next closes it)
 * are written, and checked, together.  Then each changed file is written
 * whole (rl_fs_replace) and checked; a file whose check finds errors the
 * edits added is put back as it was.  Nothing is ever written half: an
 * edit that fails leaves its file as the edits before it made it, and in
 * an atomic run (a patch) leaves every file as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rl_edit.h"
#include "rl_fs.h"
#include "rl_json.h"
#include "rl_proc.h"

/* Bytes of a check's output kept, and shown. */
#define CHECK_OUT (64 << 10)
#define CHECK_SHOWN 3000
#define EDIT_SHOWN 2000

/* One file the edits reach. */
struct file {
	char *real;               /* where it is (symbolic links followed) */
	char *rel;                /* its path from the repository, for the
	                             check */
	int exists, created, deleted, changed, written;
	mode_t mode;
	struct rl_buf old, now;   /* its text before, and as edited */
	char *made;               /* the topmost directory made for it */
	char *parent;             /* its nearest directory that exists */
	struct timespec times[2], ptimes[2];   /* its and parent's, so that
	                             a file put back looks untouched */
	const char *code;         /* the file cannot be edited: why */
	char *why;
};

/* --- paths -------------------------------------------------------------- */

/* Whether rel (from the top of the repository) may be edited; why not in
 * why. */
static int
allowed(const char *rel, struct rl_buf *why)
{
	const char *p = rel, *e;
	size_t n;
	int first = 1;

	for (; *p; p = *e ? e + 1 : e, first = 0) {
		e = strchr(p, '/') ? strchr(p, '/') : p + strlen(p);
		n = (size_t)(e - p);
		if (n == 2 && memcmp(p, "..", 2) == 0) {
			rl_buf_adds(why, "has a .. component: give the path from "
			    "the repository's top, without ..");
			return 0;
		}
		if (n == 4 && memcmp(p, ".git", 4) == 0) {
			rl_buf_adds(why, "is in .git, which no edit may change");
			return 0;
		}
		if (first && n == 8 && memcmp(p, ".redline", 8) == 0) {
			rl_buf_adds(why, "is in .redline, the repository's redline "
			    "settings, which no edit may change");
			return 0;
		}
	}
	return 1;
}

/* The part of real below root, or NULL when real is not below it. */
static const char *
below(const char *root, const char *real)
{
	size_t n = strlen(root);

	if (strcmp(root, "/") == 0)
		return real + 1;
	if (strncmp(real, root, n) == 0 && real[n] == '/')
		return real + n + 1;
	return NULL;
}

/*
 * Where path (relative to dir, whose real path is root) really is, into
 * f->real and f->rel, f->exists set; -1 with f->code and f->why when it
 * may not be edited.
 */
static int
resolve(const char *root, const char *dir, const char *path, struct file *f)
{
	struct rl_buf full = {0}, why = {0};
	struct stat st;
	char *r = NULL, *slash, *tail = NULL;
	const char *rel, *p, *e;
	size_t n;

	if (!*path)
		rl_buf_adds(&why, "the path is empty");
	else if (path[0] == '/')
		rl_buf_adds(&why, "is absolute: give it relative to the "
		    "repository's top");
	else
		allowed(path, &why);
	if (why.len)
		goto refuse;
	/* dir/path without "." and empty components */
	rl_buf_adds(&full, dir);
	for (p = path; *p; p = *e ? e + 1 : e) {
		e = strchr(p, '/') ? strchr(p, '/') : p + strlen(p);
		if (e == p || (e - p == 1 && *p == '.'))
			continue;
		rl_buf_addc(&full, '/');
		rl_buf_add(&full, p, (size_t)(e - p));
	}
	if (full.len == strlen(dir)) {
		rl_buf_adds(&why, "names the repository itself, not a file");
		goto refuse;
	}
	f->rel = rl_xstrdup(full.data + strlen(dir) + 1);
	if (lstat(full.data, &st) == 0) {
		f->exists = 1;
		r = realpath(full.data, NULL);
	} else if (errno == ENOENT) {
		/* the nearest parent that exists is the one to follow */
		tail = rl_xstrdup(full.data);
		while ((slash = strrchr(full.data, '/')) && slash > full.data) {
			*slash = 0;
			if (lstat(full.data, &st) == 0)
				break;
		}
		if ((r = realpath(full.data, NULL)) && (stat(r, &st) < 0 ||
		    !S_ISDIR(st.st_mode))) {
			rl_buf_printf(&why, "cannot be made: %s is not a directory",
			    full.data + strlen(dir) + 1);
			goto refuse;
		}
		if (r) {
			n = strlen(full.data);
			rl_buf_reset(&full);
			rl_buf_printf(&full, "%s/%s", r, tail + n + 1);
			free(r);
			r = rl_buf_detach(&full);
		}
	}
	if (!r) {
		rl_buf_printf(&why, "cannot be reached: %s", strerror(errno));
		goto refuse;
	}
	if (!(rel = below(root, r))) {
		rl_buf_adds(&why, "leads out of the repository (through a "
		    "symbolic link)");
		goto refuse;
	}
	if (!allowed(rel, &why))
		goto refuse;
	if (f->exists && (stat(r, &st) < 0 || !S_ISREG(st.st_mode))) {
		rl_buf_adds(&why, "is not a regular file");
		goto refuse;
	}
	f->real = r;
	f->mode = f->exists ? st.st_mode & 0777 : 0666;
	rl_buf_free(&full);
	free(tail);
	return 0;
refuse:
	f->code = "edit.path";
	f->why = rl_buf_detach(&why);
	free(r);
	free(tail);
	rl_buf_free(&full);
	return -1;
}

static void
times_of(const struct stat *st, struct timespec t[2])
{
	t[0] = st->st_atim;
	t[1] = st->st_mtim;
}

/* Read f's text, refusing a binary or too large file; note its times
 * and its directory's. */
static void
load(struct file *f)
{
	struct rl_buf why = {0};
	struct stat st;
	char *slash;

	f->parent = rl_xstrdup(f->real);
	while ((slash = strrchr(f->parent, '/')) && slash > f->parent) {
		*slash = 0;
		if (stat(f->parent, &st) == 0) {
			times_of(&st, f->ptimes);
			break;
		}
	}
	if (f->exists && stat(f->real, &st) == 0)
		times_of(&st, f->times);

	rl_buf_adds(&f->old, "");
	if (f->exists && rl_fs_read_regular(f->real, &f->old, RL_EDIT_FILE_MAX) < 0) {
		f->code = errno == EFBIG ? "edit.too_large" : "edit.io";
		if (errno == EFBIG)
			rl_buf_printf(&why, "has over %lu bytes: too large to edit "
			    "this way", RL_EDIT_FILE_MAX);
		else
			rl_buf_printf(&why, "cannot be read: %s", strerror(errno));
	} else if (memchr(f->old.data, 0, f->old.len < RL_EDIT_BINARY_SCAN ?
	    f->old.len : RL_EDIT_BINARY_SCAN)) {
		f->code = "edit.binary";
		rl_buf_adds(&why, "is a binary file (a NUL byte in its first 8 KiB): "
		    "it is not edited as text");
	}
	if (why.len)
		f->why = rl_buf_detach(&why);
	rl_buf_add(&f->now, f->old.data, f->old.len);
	rl_buf_adds(&f->now, "");
}

static void
fail(struct rl_edit_result *r, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
fail(struct rl_edit_result *r, const char *code, const char *fmt, ...)
{
	struct rl_buf m = {0};
	va_list ap;

	va_start(ap, fmt);
	rl_buf_vprintf(&m, fmt, ap);
	va_end(ap);
	free(r->message);
	r->message = rl_buf_detach(&m);
	r->status = "failed";
	r->code = code;
	r->how = NULL;
	r->line = 0;
}

/* Apply edit e to f's text in memory, into r. */
/* --- applying ----------------------------------------------------------- */

static void
apply_one(struct file *f, const struct rl_edit *e, struct rl_edit_result *r)
{
	struct rl_buf out = {0}, msg = {0}, before = {0};
	struct rl_edit_match m;
	int there = (f->exists || f->created) && !f->deleted;

	if (e->kind == RL_EDIT_DELETE) {
		if (!there)
			fail(r, "edit.no_file", "%s does not exist, so it cannot be "
			    "deleted", e->path);
		else if (f->now.len)
			fail(r, "edit.no_match", "the patch deletes %s, but its hunks "
			    "leave lines in it; nothing was changed", e->path);
		else {
			f->deleted = f->changed = 1;
			r->status = "applied";
			r->how = "deleted";
		}
		return;
	}
	if (there)
		rl_buf_add(&before, f->now.data ? f->now.data : "", f->now.len);
	if (e->kind == RL_EDIT_WHOLE) {
		rl_buf_reset(&f->now);
		rl_buf_adds(&f->now, e->replace);
		r->how = there ? "whole file" : "new file";
		r->line = 1;
	} else if (!*e->search && there) {
		fail(r, "edit.empty_search", "%s exists, and SEARCH is empty: an "
		    "empty SEARCH only makes a new file. To add lines, put in "
		    "SEARCH the lines next to where they go, and in REPLACE those "
		    "lines with the new ones; nothing was changed.", e->path);
		rl_buf_free(&before);
		return;
	} else if (*e->search && !there) {
		fail(r, "edit.no_file", "%s does not exist: to make it, send an "
		    "empty SEARCH with the whole file in REPLACE", e->path);
		return;
	} else if (rl_edit_text(f->now.data, f->now.len, e->search, e->replace,
	    &out, &m, &msg) < 0) {
		fail(r, m.code, "%s", msg.data);
		rl_buf_free(&msg);
		rl_buf_free(&before);
		return;
	} else {
		rl_buf_reset(&f->now);
		rl_buf_add(&f->now, out.data ? out.data : "", out.len);
		rl_buf_adds(&f->now, "");
		r->how = there ? m.how : "new file";
		r->line = m.line;
	}
	f->created |= !there;
	f->deleted = 0;
	f->changed = 1;
	r->status = "applied";
	rl_edit_diffstat(before.data, before.len, f->now.data, f->now.len,
	    &r->added, &r->removed);
	rl_buf_free(&out);
	rl_buf_free(&msg);
	rl_buf_free(&before);
}

/* --- writing, and putting back ----------------------------------------- */

/* Make f's missing directories, remembering the topmost made. */
static int
make_dirs(struct file *f)
{
	char *d = rl_xstrdup(f->real);
	size_t i, n = (size_t)(strrchr(d, '/') - d);   /* real is absolute */
	struct stat st;
	int rc = 0;

	d[n] = 0;
	for (i = 1; i <= n && !f->made; i++) {
		if (d[i] != '/' && d[i] != 0)
			continue;
		d[i] = 0;
		if (stat(d, &st) < 0)
			f->made = rl_xstrdup(d);
		if (i < n)
			d[i] = '/';
	}
	if (f->made)
		rc = rl_fs_mkdirs(d, 0777);
	free(d);
	return rc;
}

static int
write_text(struct file *f, const struct rl_buf *t)
{
	if (!f->exists && make_dirs(f) < 0)
		return -1;
	if (rl_fs_replace(f->real, t->data, t->len, f->mode) < 0)
		return -1;
	/* the umask may have taken bits the file had */
	return f->exists ? chmod(f->real, f->mode) : 0;
}

/* Write f as edited. */
static int
put_new(struct file *f)
{
	if (f->deleted)
		return unlink(f->real);
	return write_text(f, &f->now);
}

/* Put f back as it was before the edits. */
static void
put_old(struct file *f)
{
	char *d, *p;

	if (f->exists) {
		if (write_text(f, &f->old) == 0)
			utimensat(AT_FDCWD, f->real, f->times, 0);
	} else {
		unlink(f->real);
		/* and the directories made for it, from the deepest up */
		d = rl_xstrdup(f->real);
		while (f->made && (p = strrchr(d, '/')) && strlen(d) >
		    strlen(f->made)) {
			*p = 0;
			if (rmdir(d) < 0)
				break;
		}
		free(d);
	}
	utimensat(AT_FDCWD, f->parent, f->ptimes, 0);
}

/* --- the syntax check --------------------------------------------------- */

/* The check for f's kind: checks[EXT], or NULL. */
static const char *
check_for(const cJSON *checks, const char *rel)
{
	const char *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	const char *dot = strrchr(base, '.');
	const char *c;

	if (!dot || dot == base || !dot[1])
		return NULL;
	c = rl_json_str(checks, dot + 1);
	return c && *c ? c : NULL;
}

static int
run_plain(void *ctx, char *const argv[], struct rl_buf *out)
{
	long long ms = *(const long long *)ctx;
	int st = rl_proc_run(argv, NULL, ms, out, CHECK_OUT, NULL, 0);

	if (st == RL_PROC_TIMEOUT)
		return 124;
	if (st < 0) {
		rl_buf_printf(out, "cannot run %s: %s", argv[0], strerror(errno));
		return -1;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Run command on f in the repository (root, its real path); its output
 * in out.  Returns as a runner. */
static int
check(const struct rl_edit_env *env, const char *root, const char *command,
	const struct file *f, struct rl_buf *out)
{
	struct rl_buf script = {0}, file = {0};
	long long ms = env->check_ms > 0 ? env->check_ms : RL_EDIT_CHECK_MS;
	const char *p, *q;
	char *argv[7];
	int st;

	/* the path reaches the shell as "$1", never as text */
	rl_buf_adds(&script, "exec 2>&1; cd -- \"$2\" || exit 125; ");
	for (p = command; (q = strstr(p, "{file}")); p = q + 6) {
		rl_buf_add(&script, p, (size_t)(q - p));
		rl_buf_adds(&script, "\"$1\"");
	}
	rl_buf_adds(&script, p);
	if (!strstr(command, "{file}"))
		rl_buf_adds(&script, " \"$1\"");
	rl_buf_printf(&file, "%s%s", f->rel[0] == '-' ? "./" : "", f->rel);
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = script.data;
	argv[3] = "sh";
	argv[4] = file.data;
	argv[5] = (char *)root;
	argv[6] = NULL;
	rl_buf_reset(out);
	st = env->run ? env->run(env->ctx, argv, out) : run_plain(&ms, argv, out);
	rl_buf_free(&script);
	rl_buf_free(&file);
	return st;
}

/* Lines of a check's output that say "error", in any case; at least 1
 * when it failed. */
static size_t
errors(const struct rl_buf *out)
{
	const char *p = out->data ? out->data : "", *e;
	size_t k = 0;

	for (; *p; p = *e ? e + 1 : e) {
		e = strchr(p, '\n') ? strchr(p, '\n') : p + strlen(p);
		if (memmem(p, (size_t)(e - p), "error", 5) ||
		    memmem(p, (size_t)(e - p), "Error", 5) ||
		    memmem(p, (size_t)(e - p), "ERROR", 5))
			k++;
	}
	return k ? k : 1;
}

/* The message of an edit that a check reverted. */
static void
reverted(struct rl_edit_result *r, const struct rl_edit *e,
	const char *command, const struct file *f, const struct rl_buf *out,
	const char *also)
{
	struct rl_buf m = {0};

	rl_buf_printf(&m, "the edit was NOT applied: the check `%s` finds "
	    "errors in %s with it that it does not find without it, so %s %s%s."
	    "\nThe edit:\n", command, f->rel, f->rel, f->exists ? "is as it was" :
	    "was not made", also ? also : "");
	if (e->kind == RL_EDIT_REPLACE)
		rl_buf_printf(&m, "<<<<<<< SEARCH\n%.*s=======\n%.*s>>>>>>> REPLACE\n",
		    EDIT_SHOWN, e->search, EDIT_SHOWN, e->replace);
	else
		rl_buf_printf(&m, "(the whole file)\n%.*s\n", EDIT_SHOWN, e->replace);
	rl_buf_printf(&m, "The errors:\n%.*s", CHECK_SHOWN, out->data ? out->data : "");
	free(r->message);
	r->message = rl_buf_detach(&m);
	r->status = "reverted";
	r->code = "edit.syntax";
	r->how = NULL;
	r->line = 0;
}

/* Say on each applied edit of file k a note (NULL: none). */
static void
note(struct rl_edit_result *R, const size_t *of, size_t n, size_t k,
	const char *text)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (of[i] == k && strcmp(R[i].status, "applied") == 0) {
			free(R[i].message);
			R[i].message = rl_xstrdup(text);
		}
}

/* Check file k; 1 when it has errors its edits added (then it is put
 * back and its edits say so). */
static int
check_file(const struct rl_edit_env *env, const char *root,
	const struct rl_edits *E, struct file *F, size_t k,
	struct rl_edit_result *R, const size_t *of)
{
	const char *command = check_for(env->checks, F[k].rel);
	struct rl_buf after = {0}, before = {0}, m = {0};
	int st, bst, adds = 1, back = 0;
	size_t i;

	if (!command || !F[k].written || F[k].deleted)
		return 0;
	st = check(env, root, command, &F[k], &after);
	if (st < 0 || (st >= 125 && st <= 127)) {
		rl_buf_printf(&m, "the check `%s` could not run, so the edit was not "
		    "checked: %.*s", command, 300, after.data ? after.data : "");
		note(R, of, E->n, k, m.data);
		st = 0;
	}
	if (st == 0)
		goto out;
	put_old(&F[k]);
	if (F[k].exists) {
		bst = check(env, root, command, &F[k], &before);
		adds = bst == 0 || bst < 0 || (bst >= 125 && bst <= 127) ||
		    errors(&after) > errors(&before);
	}
	if (!adds && put_new(&F[k]) == 0) {
		rl_buf_printf(&m, "the check `%s` finds errors in %s, as it did "
		    "before this edit: the edit adds none", command, F[k].rel);
		note(R, of, E->n, k, m.data);
		goto out;
	}
	F[k].written = 0;
	back = 1;
	for (i = 0; i < E->n; i++)
		if (of[i] == k && strcmp(R[i].status, "applied") == 0)
			reverted(&R[i], &E->v[i], command, &F[k], &after,
			    env->atomic ? ", and so is every file of the patch" : NULL);
out:
	rl_buf_free(&after);
	rl_buf_free(&before);
	rl_buf_free(&m);
	return back;
}

static void
file_free(struct file *f)
{
	free(f->real);
	free(f->rel);
	free(f->made);
	free(f->parent);
	free(f->why);
	rl_buf_free(&f->old);
	rl_buf_free(&f->now);
}

/* Every applied edit of an atomic run, not written after all. */
static void
undo_all(struct file *F, size_t nf, struct rl_edit_result *R, size_t n,
	const char *status, const char *code, const char *why)
{
	size_t i;

	for (i = 0; i < nf; i++)
		if (F[i].written) {
			put_old(&F[i]);
			F[i].written = 0;
		}
	for (i = 0; i < n; i++)
		if (strcmp(R[i].status, "applied") == 0) {
			free(R[i].message);
			R[i].message = rl_xstrdup(why);
			R[i].status = status;
			R[i].code = code;
			R[i].how = NULL;
			R[i].line = 0;
		}
}

/* Group edit i with the others of its file, read that file, and apply
 * the edit to its text in memory. */
static void
stage(const struct rl_edit_env *env, const char *root, const struct rl_edit *e,
	struct file *F, size_t *nf, size_t *of, struct rl_edit_result *r)
{
	struct file probe = {0};
	size_t k;

	if (e->error) {
		fail(r, "edit.parse", "%s", e->error);
		return;
	}
	if (!*e->path) {
		fail(r, "edit.path", "the edit names no file: give the file's path "
		    "from the repository's top");
		return;
	}
	if (resolve(root, env->dir, e->path, &probe) < 0) {
		fail(r, probe.code, "%s %s", e->path, probe.why);
		file_free(&probe);
		return;
	}
	for (k = 0; k < *nf && strcmp(F[k].real, probe.real) != 0; k++)
		;
	if (k == *nf) {
		F[(*nf)++] = probe;
		load(&F[k]);
	} else {
		file_free(&probe);
	}
	*of = k;
	if (F[k].code)
		fail(r, F[k].code, "%s %s", e->path, F[k].why);
	else
		apply_one(&F[k], e, r);
}

size_t
rl_edit_apply(const struct rl_edit_env *env, const struct rl_edits *E,
	struct rl_edit_result **Rp)
{
	struct rl_edit_result *R = rl_xcalloc(E->n + 1, sizeof *R);
	struct file *F = rl_xcalloc(E->n + 1, sizeof *F);
	size_t *of = rl_xcalloc(E->n + 1, sizeof *of), nf = 0, i, k, failed = 0;
	char *root = realpath(env->dir, NULL), first[64];
	int err;

	for (i = 0; i < E->n; i++) {
		R[i].block = (int)i + 1;
		R[i].path = E->v[i].path;
		R[i].status = "failed";
		of[i] = (size_t)-1;
		if (!root)
			fail(&R[i], "edit.path", "the repository %s cannot be reached: "
			    "%s", env->dir, strerror(errno));
		else
			stage(env, root, &E->v[i], F, &nf, &of[i], &R[i]);
	}
	for (i = 0; i < E->n; i++)
		if (strcmp(R[i].status, "applied") != 0 && !failed++)
			snprintf(first, sizeof first, "%zu", i + 1);
	if (env->atomic && failed) {
		char why[160];

		snprintf(why, sizeof why, "not written: block %s did not apply, and "
		    "a patch applies whole or not at all", first);
		undo_all(F, nf, R, E->n, "skipped", "edit.skipped", why);
		goto out;
	}
	for (k = 0; k < nf; k++) {
		if (!F[k].changed)
			continue;
		if (put_new(&F[k]) == 0) {
			F[k].written = 1;
			continue;
		}
		err = errno;
		for (i = 0; i < E->n; i++)
			if (of[i] == k && strcmp(R[i].status, "applied") == 0)
				fail(&R[i], "edit.io", "%s cannot be written: %s; it is as "
				    "it was", F[k].rel, strerror(err));
		if (env->atomic) {
			undo_all(F, nf, R, E->n, "skipped", "edit.skipped", "not "
			    "written: a file of the patch could not be written, and a "
			    "patch applies whole or not at all");
			break;
		}
	}
	for (k = 0; k < nf; k++)
		if (check_file(env, root, E, F, k, R, of) && env->atomic)
			undo_all(F, nf, R, E->n, "reverted", "edit.syntax", "not applied: "
			    "a file of the patch has errors it added, and a patch "
			    "applies whole or not at all");
out:
	for (i = 0, failed = 0; i < E->n; i++)
		failed += strcmp(R[i].status, "applied") != 0;
	for (k = 0; k < nf; k++)
		file_free(&F[k]);
	free(F);
	free(of);
	free(root);
	*Rp = R;
	return failed;
}

void
rl_edit_results_free(struct rl_edit_result *R, size_t n)
{
	size_t i;

	for (i = 0; R && i < n; i++)
		free(R[i].message);
	free(R);
}

cJSON *
rl_edit_result_json(const struct rl_edit_result *r)
{
	cJSON *o = cJSON_CreateObject();
	int ok = strcmp(r->status, "applied") == 0;

	cJSON_AddNumberToObject(o, "block", r->block);
	cJSON_AddStringToObject(o, "path", r->path);
	cJSON_AddStringToObject(o, "status", r->status);
	if (ok) {
		cJSON_AddStringToObject(o, "how", r->how);
		cJSON_AddNumberToObject(o, "line", (double)r->line);
		cJSON_AddNumberToObject(o, "added", (double)r->added);
		cJSON_AddNumberToObject(o, "removed", (double)r->removed);
		if (r->message)
			cJSON_AddStringToObject(o, "note", r->message);
	} else {
		cJSON_AddStringToObject(o, "code", r->code);
		cJSON_AddStringToObject(o, "message", r->message ? r->message : "");
	}
	return o;
}

void
rl_edit_feedback(const cJSON *results, struct rl_buf *out)
{
	const cJSON *r;
	struct rl_buf ok = {0};
	size_t bad = 0, good = 0;

	cJSON_ArrayForEach(r, results) {
		if (strcmp(rl_json_str(r, "status") ? rl_json_str(r, "status") : "",
		    "applied") == 0) {
			rl_buf_printf(&ok, "%s%d (%s)", good++ ? ", " : "",
			    (int)rl_json_num(r, "block", 0), rl_json_str(r, "path"));
			continue;
		}
		bad++;
		rl_buf_printf(out, "Block %d (%s) was not applied: %s\n\n",
		    (int)rl_json_num(r, "block", 0), rl_json_str(r, "path") ?
		    rl_json_str(r, "path") : "", rl_json_str(r, "message") ?
		    rl_json_str(r, "message") : "");
	}
	if (bad && good)
		rl_buf_printf(out, "Block%s %s %s applied: do not send %s again.\n",
		    good > 1 ? "s" : "", ok.data, good > 1 ? "were" : "was",
		    good > 1 ? "them" : "it");
	if (bad)
		rl_buf_adds(out, "Send again only the blocks that were not applied, "
		    "each rebuilt from the file's current lines.\n");
	rl_buf_free(&ok);
}
