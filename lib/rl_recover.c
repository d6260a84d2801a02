/*
 * rl_recover.c - recovering from a step killed mid-way; see rl_recover.h.
 *
 * The listing is text, a line a file: "SIZE SEC.NSEC PATH", sorted by
 * path; a path with a newline in it is left out (it cannot be a line).
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rl_buf.h"
#include "rl_recover.h"
#include "rl_tree.h"

#define NS "act"

struct entry {
	const char *path;          /* into the listing's text */
	long long size, sec, nsec;
};

static struct rl_buf *walked;
static size_t skip;            /* the length of "DIR/" */

static int
visit(const char *path, const struct stat *st, int type, struct FTW *f)
{
	if (type == FTW_D && strcmp(path + f->base, ".git") == 0)
		return FTW_SKIP_SUBTREE;
	if (type != FTW_F || !S_ISREG(st->st_mode) || strchr(path, '\n') ||
	    strlen(path) <= skip)
		return FTW_CONTINUE;
	rl_buf_printf(walked, "%lld %lld.%09ld %s\n", (long long)st->st_size,
	    (long long)st->st_mtim.tv_sec, (long)st->st_mtim.tv_nsec,
	    path + skip);
	return FTW_CONTINUE;
}

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path,
	    ((const struct entry *)b)->path);
}

/* Parse a listing (its text is changed: paths end in NUL) into *out,
 * sorted; the count. */
static size_t
parse(char *text, struct entry **out)
{
	struct entry *v = NULL;
	size_t n = 0, cap = 0;
	char *line, *nl, *p;

	for (line = text; line && *line; line = nl ? nl + 1 : NULL) {
		if ((nl = strchr(line, '\n')))
			*nl = 0;
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			v = rl_xrealloc(v, cap * sizeof *v);
		}
		if (sscanf(line, "%lld %lld.%lld", &v[n].size, &v[n].sec,
		    &v[n].nsec) != 3 || !(p = strchr(line, ' ')) ||
		    !(p = strchr(p + 1, ' ')))
			continue;
		v[n++].path = p + 1;
	}
	if (n)
		qsort(v, n, sizeof *v, cmp_entry);
	*out = v;
	return n;
}

/* The tree of dir as a listing into out; -1 when it cannot be walked. */
static int
listing(const char *dir, struct rl_buf *out)
{
	struct rl_buf top = {0};
	int rc;

	rl_buf_printf(&top, "%s", dir);
	while (top.len > 1 && top.data[top.len - 1] == '/')
		top.data[--top.len] = 0;
	walked = out;
	skip = top.len + 1;
	rc = nftw(top.data, visit, 64, FTW_PHYS | FTW_ACTIONRETVAL);
	walked = NULL;
	rl_buf_free(&top);
	return rc == 0 ? 0 : -1;
}

static void
key_of(const char *id, struct rl_buf *key)
{
	rl_buf_printf(key, "running/%s", id);
}

/* Put back what the killed step was writing: then and now are listings. */
static void
put_back(const char *dir, char *then, char *now, cJSON *obs)
{
	struct entry *a, *b, *found, want;
	struct rl_tree tracked = {0};
	struct rl_buf path = {0};
	cJSON *rec = NULL, *removed = NULL, *changed = NULL;
	size_t na = parse(then, &a), nb = parse(now, &b), i;
	int git = rl_tree_tracked(dir, &tracked) == 0;

	for (i = 0; i < nb; i++) {
		want.path = b[i].path;
		found = na ? bsearch(&want, a, na, sizeof *a, cmp_entry) : NULL;
		if (found && found->size == b[i].size && found->sec == b[i].sec &&
		    found->nsec == b[i].nsec)
			continue;
		if (!rec)
			rec = cJSON_AddObjectToObject(obs, "recovered");
		rl_buf_reset(&path);
		rl_buf_printf(&path, "%s/%s", dir, b[i].path);
		if ((!git || !rl_tree_has(&tracked, b[i].path)) &&
		    (git || !found) && unlink(path.data) == 0) {
			if (!removed)
				removed = cJSON_AddArrayToObject(rec, "removed");
			cJSON_AddItemToArray(removed, cJSON_CreateString(b[i].path));
		} else {
			if (!changed)
				changed = cJSON_AddArrayToObject(rec, "changed");
			cJSON_AddItemToArray(changed, cJSON_CreateString(b[i].path));
		}
	}
	free(a);
	free(b);
	rl_tree_free(&tracked);
	rl_buf_free(&path);
}

void
rl_recover_begin(struct rl_mem *mem, const char *dir, const char *id,
	cJSON *obs)
{
	struct rl_buf key = {0}, then = {0}, now = {0};

	if (!mem)
		return;
	key_of(id, &key);
	if (listing(dir, &now) == 0) {
		if (rl_mem_get(mem, NS, key.data, &then, NULL) == 0 && then.data) {
			put_back(dir, then.data, now.data, obs);
			rl_buf_reset(&now);
			listing(dir, &now);
		}
		rl_mem_put(mem, NS, key.data, now.data ? now.data : "", now.len, 0,
		    "text/plain");
	}
	rl_buf_free(&key);
	rl_buf_free(&then);
	rl_buf_free(&now);
}

void
rl_recover_end(struct rl_mem *mem, const char *id)
{
	struct rl_buf key = {0};

	if (!mem)
		return;
	key_of(id, &key);
	rl_mem_del(mem, NS, key.data);
	rl_buf_free(&key);
}
