/*
 * rl_edit_parse.c - edits out of a model's reply, out of a unified diff,
 * and to and from the baton's JSON; see rl_edit.h for the format.
 *
 * The reply is read line by line.  A line <<<<<<< SEARCH opens a block;
 * its path is the nearest line above it that is a path alone (looking
 * through blank lines and a fence's opening line, whose info string may
 * be the path), and never above the block before.  A fenced block with
 * no marker inside, right under a line that is a path with a dot or a
 * slash, is a whole file.  Everything else is prose and is skipped.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "rl_edit.h"
#include "rl_json.h"

struct rd {
	const char *p;
	size_t n;
};

/* The reply as lines, CRs at their ends taken off. */
static size_t
lines_of(const char *s, size_t len, struct rd **out)
{
	size_t i, start = 0, n = 0, cap = 64;
	struct rd *l = rl_xmalloc(cap * sizeof *l);

	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '\n')
			continue;
		if (i == len && start == len)
			break;
		if (n == cap)
			l = rl_xrealloc(l, (cap *= 2) * sizeof *l);
		l[n].p = s + start;
		l[n].n = i - start;
		if (l[n].n && l[n].p[l[n].n - 1] == '\r')
			l[n].n--;
		n++;
		start = i + 1;
	}
	*out = l;
	return n;
}

static void
trim(const char **p, size_t *n)
{
	while (*n && isspace((unsigned char)**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n && isspace((unsigned char)(*p)[*n - 1]))
		(*n)--;
}

/* A marker: 5 to 9 of c, then word (NULL: nothing), white space around. */
static int
marker(const struct rd *l, int c, const char *word)
{
	const char *p = l->p;
	size_t n = l->n, k = 0, w;

	trim(&p, &n);
	while (k < n && p[k] == c)
		k++;
	if (k < 5 || k > 9)
		return 0;
	p += k;
	n -= k;
	trim(&p, &n);
	if (!word)
		return n == 0;
	w = strlen(word);
	return n == w && memcmp(p, word, w) == 0;
}

static int
empty(const struct rd *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!isspace((unsigned char)l->p[i]))
			return 0;
	return 1;
}

#define SEARCH(l) marker((l), '<', "SEARCH")
#define DIVIDER(l) marker((l), '=', NULL)
#define REPLACE(l) marker((l), '>', "REPLACE")

/* A fence line (``` or ~~~, 3 or more, up to 3 spaces in): its
 * character and length, its info string in *info. */
static size_t
fence(const struct rd *l, char *c, struct rd *info)
{
	const char *p = l->p;
	size_t n = l->n, k = 0, sp = 0;

	while (sp < 3 && sp < n && p[sp] == ' ')
		sp++;
	p += sp;
	n -= sp;
	if (!n || (p[0] != '`' && p[0] != '~'))
		return 0;
	while (k < n && p[k] == p[0])
		k++;
	if (k < 3)
		return 0;
	*c = p[0];
	info->p = p + k;
	info->n = n - k;
	trim(&info->p, &info->n);
	return k;
}

/*
 * Whether a line, taken of its decoration (a heading's #, ** or `
 * around it, a colon after), is a path alone: one word with a letter or
 * digit, of none of the characters of the markers and fences.  strict:
 * it must also have a dot or a slash (a fence's info string is most often
 * a language, and a line above a fence most often prose).
 */
static int
path_line(const struct rd *l, int strict, struct rd *path)
{
	const char *p = l->p;
	size_t n = l->n, i;
	int alnum = 0, dot = 0;

	trim(&p, &n);
	while (n && *p == '#') {
		p++;
		n--;
	}
	trim(&p, &n);
	while (n >= 2 && (p[0] == '*' || p[0] == '`' || p[0] == '_') &&
	    p[n - 1] == p[0]) {
		p++;
		n -= 2;
	}
	if (n && p[n - 1] == ':')
		n--;
	while (n >= 2 && (p[0] == '*' || p[0] == '`') && p[n - 1] == p[0]) {
		p++;
		n -= 2;
	}
	if (!n || n > 1024)
		return 0;
	for (i = 0; i < n; i++) {
		if (isspace((unsigned char)p[i]) || strchr("`<>|\"'", p[i]))
			return 0;
		alnum |= isalnum((unsigned char)p[i]) != 0;
		dot |= p[i] == '.' || p[i] == '/';
	}
	if (!alnum || (strict && !dot))
		return 0;
	path->p = p;
	path->n = n;
	return 1;
}

/* A fence's info string as a path: "src/a.c", "c src/a.c", "c:src/a.c". */
static int
info_path(struct rd info, struct rd *path)
{
	const char *sp;
	size_t k;

	for (k = info.n; k > 0 && !isspace((unsigned char)info.p[k - 1]); k--)
		;
	info.p += k;
	info.n -= k;
	if ((sp = memchr(info.p, ':', info.n)) && (size_t)(sp - info.p) + 1 < info.n) {
		info.n -= (size_t)(sp - info.p) + 1;
		info.p = sp + 1;
	}
	return path_line(&info, 1, path);
}

/* Join lines [a, b) of l, each ended by "\n". */
static char *
join(const struct rd *l, size_t a, size_t b)
{
	struct rl_buf t = {0};

	rl_buf_adds(&t, "");
	for (; a < b; a++) {
		rl_buf_add(&t, l[a].p, l[a].n);
		rl_buf_addc(&t, '\n');
	}
	return rl_buf_detach(&t);
}

static struct rl_edit *
push(struct rl_edits *E)
{
	E->v = rl_xrealloc(E->v, (E->n + 1) * sizeof *E->v);
	memset(&E->v[E->n], 0, sizeof *E->v);
	return &E->v[E->n++];
}

static char *
span(struct rd r)
{
	return rl_xstrndup(r.p, r.n);
}

/* The path of the block at line i: the nearest path line above it, not
 * above line floor; *prev when there is none. */
static int
path_above(const struct rd *l, size_t i, size_t floor, const struct rd *prev,
	struct rd *path)
{
	struct rd info;
	char c;

	while (i-- > floor) {
		if (empty(&l[i]))
			continue;
		if (fence(&l[i], &c, &info)) {
			if (info.n && info_path(info, path))
				return 1;
			continue;
		}
		if (path_line(&l[i], 0, path))
			return 1;
		break;
	}
	if (prev && prev->p) {
		*path = *prev;
		return 1;
	}
	return 0;
}

/* The closing line of the fence opened at line i (c, k), or n. */
static size_t
fence_end(const struct rd *l, size_t n, size_t i, char c, size_t k)
{
	struct rd info;
	char c2;
	size_t k2;

	for (i++; i < n; i++)
		if ((k2 = fence(&l[i], &c2, &info)) && c2 == c && k2 >= k && !info.n)
			return i;
	return n;
}

/*
 * The block whose <<<<<<< SEARCH is line i; returns the line after it,
 * and sets *floor to the line the next block's path may be looked for
 * from: after this block, or, when it is broken, after its marker (its
 * lines may hold the next block's path).
 */
static size_t
block(const struct rd *l, size_t n, size_t i, size_t *floor, struct rd *prev,
	struct rl_edits *E)
{
	struct rl_edit *e = push(E);
	struct rd path = {0};
	size_t d, r;

	e->kind = RL_EDIT_REPLACE;
	e->line = i + 1;
	for (d = i + 1; d < n && !DIVIDER(&l[d]) && !SEARCH(&l[d]) && !REPLACE(&l[d]); d++)
		;
	for (r = d + 1; d < n && r < n && !REPLACE(&l[r]) && !SEARCH(&l[r]); r++)
		;
	if (path_above(l, i, *floor, prev, &path)) {
		e->path = span(path);
		*prev = path;
	} else {
		e->path = rl_xstrdup("");
	}
	*floor = i + 1;
	if (d == n || !DIVIDER(&l[d])) {
		e->error = rl_xstrdup("the block has no ======= line between "
		    "<<<<<<< SEARCH and >>>>>>> REPLACE");
		return d == n ? n : d;
	}
	if (r >= n || !REPLACE(&l[r])) {
		e->error = rl_xstrdup("the block has no >>>>>>> REPLACE line to "
		    "end it");
		return r >= n ? n : r;
	}
	*floor = r + 1;
	e->search = join(l, i + 1, d);
	e->replace = join(l, d + 1, r);
	if (!*e->path)
		e->error = rl_xstrdup("the block names no file: put the file's "
		    "path, alone, on the line before <<<<<<< SEARCH");
	return r + 1;
}

int
rl_edit_parse(const char *text, size_t len, struct rl_edits *E,
	struct rl_error *err)
{
	struct rd *l, info, path, prev = {0};
	size_t n, i = 0, floor = 0, end, j, k, before = E->n, wrap = (size_t)-1;
	char c;

	if (len > RL_EDIT_REPLY_MAX)
		return rl_error_set(err, "edit.too_large", "the reply has %zu "
		    "bytes, over the %lu edits may have: send fewer, smaller "
		    "blocks", len, RL_EDIT_REPLY_MAX);
	n = lines_of(text, len, &l);
	while (i < n) {
		if (SEARCH(&l[i])) {
			i = block(l, n, i, &floor, &prev, E);
			continue;
		}
		if (i == wrap || !(k = fence(&l[i], &c, &info))) {
			i++;
			continue;
		}
		end = fence_end(l, n, i, c, k);
		for (j = i + 1; j < end && !SEARCH(&l[j]); j++)
			;
		if (j < end) {         /* a fence around blocks */
			wrap = end;
			i++;
			continue;
		}
		/* a whole file: the path is the info string or the line above */
		if ((info.n && info_path(info, &path)) || (i > floor &&
		    !empty(&l[i - 1]) && path_line(&l[i - 1], 1, &path))) {
			struct rl_edit *e = push(E);

			e->kind = RL_EDIT_WHOLE;
			e->line = i + 1;
			e->path = span(path);
			if (end == n)
				e->error = rl_xstrdup("the fenced block of the whole file "
				    "is not closed");
			else
				e->replace = join(l, i + 1, end);
			prev = path;
			floor = end + 1;
			i = end + 1;
		} else {
			/* prose's own code: skipped when closed (it holds no
			 * marker), else read on as lines */
			i = end < n ? end + 1 : i + 1;
		}
	}
	free(l);
	if (E->n == before)
		return rl_error_set(err, "edit.parse", "the reply holds no edit: "
		    "write each as the file's path on a line, then <<<<<<< SEARCH, "
		    "the exact current lines, =======, the new lines, >>>>>>> "
		    "REPLACE");
	return (int)(E->n - before);
}

/* --- unified diffs ------------------------------------------------------ */

static int
starts(const struct rd *l, const char *s)
{
	size_t n = strlen(s);

	return l->n >= n && memcmp(l->p, s, n) == 0;
}

/* A header's path: up to a tab (a date may follow), white space off. */
static struct rd
header_path(const struct rd *l)
{
	struct rd r = {l->p + 4, l->n - 4};
	const char *tab = memchr(r.p, '\t', r.n);

	if (tab)
		r.n = (size_t)(tab - r.p);
	trim(&r.p, &r.n);
	return r;
}

static int
is_null(struct rd r)
{
	return r.n == 9 && memcmp(r.p, "/dev/null", 9) == 0;
}

static int
is_header(const struct rd *l, size_t n, size_t i)
{
	return (starts(&l[i], "--- ") && i + 1 < n && starts(&l[i + 1], "+++ ")) ||
	    starts(&l[i], "diff --git ");
}

/* The hunk whose @@ line is i, for the file old -> new; returns the
 * line after it. */
static size_t
hunk(const struct rd *l, size_t n, size_t i, struct rd old, struct rd new,
	struct rl_edits *E)
{
	struct rl_buf s = {0}, r = {0};
	struct rl_edit *e;
	size_t j, last = i, k;
	int removed = 0;

	for (j = i + 1; j < n && !starts(&l[j], "@@") && !is_header(l, n, j); j++) {
		if (l[j].n && !strchr(" -+\\", l[j].p[0]))
			break;
		if (l[j].n)
			last = j;
	}
	rl_buf_adds(&s, "");
	rl_buf_adds(&r, "");
	for (k = i + 1; k <= last && last > i; k++) {
		const char *p = l[k].n ? l[k].p + 1 : "";
		size_t m = l[k].n ? l[k].n - 1 : 0;
		char c = l[k].n ? l[k].p[0] : ' ';

		if (c == '\\')
			continue;     /* "\ No newline at end of file" */
		if (c != '+') {
			rl_buf_add(&s, p, m);
			rl_buf_addc(&s, '\n');
		}
		if (c != '-') {
			rl_buf_add(&r, p, m);
			rl_buf_addc(&r, '\n');
		}
		removed |= c != '+';
	}
	e = push(E);
	e->kind = RL_EDIT_REPLACE;
	e->line = i + 1;
	e->path = span(is_null(old) ? new : old);
	e->search = rl_buf_detach(&s);
	e->replace = rl_buf_detach(&r);
	if (is_null(old) && removed)
		e->error = rl_xstrdup("the hunk makes a new file (--- /dev/null) "
		    "yet has context or removed lines");
	else if (!is_null(old) && !is_null(new) && (old.n != new.n ||
	    memcmp(old.p, new.p, old.n)))
		e->error = rl_xstrdup("the patch renames the file (--- and +++ "
		    "name different files): apply_patch changes files in place; "
		    "make the new file with an empty SEARCH instead");
	return j;
}

static void
delete_file(struct rd path, size_t line, struct rl_edits *E)
{
	struct rl_edit *e = push(E);

	e->kind = RL_EDIT_DELETE;
	e->line = line;
	e->path = span(path);
}

int
rl_edit_parse_patch(const char *text, size_t len, struct rl_edits *E,
	struct rl_error *err)
{
	struct rd *l, old = {0}, new = {0};
	size_t n, i = 0, before = E->n, hdr = 0;
	int deleting = 0, a, b;

	if (len > RL_EDIT_REPLY_MAX)
		return rl_error_set(err, "edit.too_large", "the patch has %zu "
		    "bytes, over the %lu it may have: send a smaller one", len,
		    RL_EDIT_REPLY_MAX);
	n = lines_of(text, len, &l);
	while (i < n) {
		if (starts(&l[i], "--- ") && i + 1 < n && starts(&l[i + 1], "+++ ")) {
			if (deleting)
				delete_file(old, hdr, E);
			old = header_path(&l[i]);
			new = header_path(&l[i + 1]);
			/* git's a/ and b/ */
			a = old.n > 2 && memcmp(old.p, "a/", 2) == 0;
			b = new.n > 2 && memcmp(new.p, "b/", 2) == 0;
			if (a && (b || is_null(new))) {
				old.p += 2;
				old.n -= 2;
			}
			if (b && (a || is_null(old))) {
				new.p += 2;
				new.n -= 2;
			}
			deleting = is_null(new);
			hdr = i + 1;
			i += 2;
		} else if (starts(&l[i], "@@") && old.p) {
			i = hunk(l, n, i, old, new, E);
		} else if (starts(&l[i], "@@")) {
			struct rl_edit *e = push(E);

			e->kind = RL_EDIT_REPLACE;
			e->line = i + 1;
			e->path = rl_xstrdup("");
			e->error = rl_xstrdup("a hunk comes before any --- and +++ "
			    "lines, which name its file");
			i++;
		} else {
			i++;
		}
	}
	if (deleting)
		delete_file(old, hdr, E);
	free(l);
	if (E->n == before)
		return rl_error_set(err, "edit.parse", "the patch holds no hunk: "
		    "it needs --- and +++ lines naming the file, then @@ lines, "
		    "each followed by its lines: ' ' unchanged, '-' removed, '+' "
		    "added");
	return (int)(E->n - before);
}

/* --- the list, and its JSON ---------------------------------------------- */

void
rl_edits_add(struct rl_edits *E, enum rl_edit_kind kind, const char *path,
	const char *search, const char *replace)
{
	struct rl_edit *e = push(E);

	e->kind = kind;
	e->path = rl_xstrdup(path);
	e->search = search ? rl_xstrdup(search) : NULL;
	e->replace = replace ? rl_xstrdup(replace) : NULL;
}

cJSON *
rl_edits_json(const struct rl_edits *E)
{
	cJSON *a = cJSON_CreateArray(), *o;
	size_t i;

	for (i = 0; i < E->n; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "path", E->v[i].path);
		if (E->v[i].kind == RL_EDIT_DELETE) {
			cJSON_AddBoolToObject(o, "delete", 1);
		} else if (E->v[i].kind == RL_EDIT_WHOLE) {
			if (E->v[i].replace)
				cJSON_AddStringToObject(o, "content", E->v[i].replace);
		} else if (E->v[i].search && E->v[i].replace) {
			cJSON_AddStringToObject(o, "search", E->v[i].search);
			cJSON_AddStringToObject(o, "replace", E->v[i].replace);
		}
		if (E->v[i].error)
			cJSON_AddStringToObject(o, "error", E->v[i].error);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

/* Forget the edits from number `from` on. */
static void
drop_from(struct rl_edits *E, size_t from)
{
	while (E->n > from) {
		E->n--;
		free(E->v[E->n].path);
		free(E->v[E->n].search);
		free(E->v[E->n].replace);
		free(E->v[E->n].error);
	}
}

int
rl_edits_from_json(const cJSON *a, struct rl_edits *E, struct rl_error *err)
{
	const cJSON *o;
	const char *path, *s, *r, *c;
	size_t before = E->n;
	int i = 0;

	if (!cJSON_IsArray(a))
		return rl_error_set(err, "validate.schema", "the edits must be a "
		    "JSON array");
	cJSON_ArrayForEach(o, a) {
		path = rl_json_str(o, "path");
		s = rl_json_str(o, "search");
		r = rl_json_str(o, "replace");
		c = rl_json_str(o, "content");
		if (!cJSON_IsObject(o) || !path || (!c && !(s && r) &&
		    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "delete")) &&
		    !rl_json_str(o, "error"))) {
			drop_from(E, before);
			return rl_error_set(err, "validate.schema", "edit %d: needs a "
			    "string path and either search and replace, content, or "
			    "delete: true", i + 1);
		}
		rl_edits_add(E, c ? RL_EDIT_WHOLE : cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(o, "delete")) ? RL_EDIT_DELETE :
		    RL_EDIT_REPLACE, path, c ? NULL : s, c ? c : r);
		if (rl_json_str(o, "error"))
			E->v[E->n - 1].error = rl_xstrdup(rl_json_str(o, "error"));
		i++;
	}
	return 0;
}

void
rl_edits_free(struct rl_edits *E)
{
	drop_from(E, 0);
	free(E->v);
	memset(E, 0, sizeof *E);
}
