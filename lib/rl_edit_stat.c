/*
 * rl_edit_stat.c - what edits changed: the lines of one counted as a line
 * diff counts them, and a task's files summed from its edits' results;
 * see rl_edit.h.
 */
#include <stdlib.h>
#include <string.h>

#include "rl_edit.h"
#include "rl_json.h"
#include "rl_mem.h"

/* Past this many lines of difference, the diff stops looking. */
#define DIFF_MAX 1000

struct line {
	const char *s;
	size_t n;                 /* with its newline */
};

/* The lines of t[0..len), in a new array; their number in *n. */
static struct line *
lines_of(const char *t, size_t len, long *n)
{
	struct line *v = rl_xmalloc((len + 1) * sizeof *v);
	const char *nl;
	size_t off = 0;

	*n = 0;
	while (off < len) {
		nl = memchr(t + off, '\n', len - off);
		v[*n].s = t + off;
		v[*n].n = nl ? (size_t)(nl - (t + off)) + 1 : len - off;
		off += v[(*n)++].n;
	}
	return v;
}

static int
same(const struct line *a, const struct line *b)
{
	return a->n == b->n && memcmp(a->s, b->s, a->n) == 0;
}

/* The fewest lines added and removed that turn a[0..n) into b[0..m)
 * (Myers' greedy walk), or -1 past max. */
static long
distance(const struct line *a, long n, const struct line *b, long m, long max)
{
	long *v, off = max + 1, d, k, x, y;

	if (n == 0 || m == 0)
		return n + m;
	v = rl_xcalloc((size_t)(2 * max + 3), sizeof *v);
	for (d = 0; d <= max; d++) {
		for (k = -d; k <= d; k += 2) {
			if (k == -d || (k != d && v[off + k - 1] < v[off + k + 1]))
				x = v[off + k + 1];
			else
				x = v[off + k - 1] + 1;
			y = x - k;
			while (x < n && y < m && same(&a[x], &b[y])) {
				x++;
				y++;
			}
			v[off + k] = x;
			if (x >= n && y >= m) {
				free(v);
				return d;
			}
		}
	}
	free(v);
	return -1;
}

void
rl_edit_diffstat(const char *a, size_t an, const char *b, size_t bn,
	unsigned long *added, unsigned long *removed)
{
	long na, nb, p = 0, q = 0, n, m, d;
	struct line *la = lines_of(a ? a : "", a ? an : 0, &na);
	struct line *lb = lines_of(b ? b : "", b ? bn : 0, &nb);

	while (p < na && p < nb && same(&la[p], &lb[p]))
		p++;
	while (q < na - p && q < nb - p && same(&la[na - 1 - q], &lb[nb - 1 - q]))
		q++;
	n = na - p - q;
	m = nb - p - q;
	d = distance(la + p, n, lb + p, m, n + m < DIFF_MAX ? n + m : DIFF_MAX);
	if (d < 0) {
		*added = (unsigned long)m;
		*removed = (unsigned long)n;
	} else {
		/* d = n + m - 2 * (lines in common) */
		*added = (unsigned long)(m - (n + m - d) / 2);
		*removed = (unsigned long)(n - (n + m - d) / 2);
	}
	free(la);
	free(lb);
}

/* --- what a task's edits changed ------------------------------------- */

/* Whether observation o ran `rl-act edit`: its results are its stdout. */
static int
ran_edit(const cJSON *o)
{
	const cJSON *av = cJSON_GetObjectItemCaseSensitive(o, "argv");
	const cJSON *a0 = cJSON_GetArrayItem(av, 0), *a1 = cJSON_GetArrayItem(av, 1);
	const char *base;

	if (!cJSON_IsString(a0) || !cJSON_IsString(a1) ||
	    strcmp(a1->valuestring, "edit") != 0)
		return 0;
	base = strrchr(a0->valuestring, '/');
	return strcmp(base ? base + 1 : a0->valuestring, "rl-act") == 0;
}

/* Add the applied results of the lines of out to changes. */
static void
add_changes(cJSON *changes, const char *out)
{
	const char *nl, *path;
	cJSON *r, *c;

	for (; out && *out; out = nl ? nl + 1 : "") {
		nl = strchr(out, '\n');
		r = cJSON_ParseWithLength(out, nl ? (size_t)(nl - out) : strlen(out));
		path = rl_json_str(r, "path");
		if (path && rl_json_str(r, "status") &&
		    strcmp(rl_json_str(r, "status"), "applied") == 0) {
			cJSON_ArrayForEach(c, changes)
				if (strcmp(rl_json_str(c, "path"), path) == 0)
					break;
			if (!c) {
				c = cJSON_CreateObject();
				cJSON_AddStringToObject(c, "path", path);
				cJSON_AddNumberToObject(c, "added", 0);
				cJSON_AddNumberToObject(c, "removed", 0);
				cJSON_AddItemToArray(changes, c);
			}
			rl_json_set(c, "added", cJSON_CreateNumber(rl_json_num(c,
			    "added", 0) + rl_json_num(r, "added", 0)));
			rl_json_set(c, "removed", cJSON_CreateNumber(rl_json_num(c,
			    "removed", 0) + rl_json_num(r, "removed", 0)));
		}
		cJSON_Delete(r);
	}
}

cJSON *
rl_edit_changes(const cJSON *baton, struct rl_mem *mem)
{
	cJSON *changes = cJSON_CreateArray();
	const cJSON *o;
	struct rl_buf whole = {0};
	const char *out, *key;

	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(baton,
	    "observations")) {
		if (!ran_edit(o))
			continue;
		out = rl_json_str(o, "stdout");
		/* every result whole: the baton's stdout may be cut */
		whole.len = 0;
		if ((key = rl_json_str(o, "stdout_key")) && mem &&
		    rl_mem_get(mem, "act", key, &whole, NULL) == 0)
			out = whole.data;
		add_changes(changes, out);
	}
	rl_buf_free(&whole);
	return changes;
}
