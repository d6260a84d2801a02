/*
 * rl_debt.c - technical debt, measured; see rl_debt.h.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "rl_buf.h"
#include "rl_cache.h"
#include "rl_debt.h"
#include "rl_err.h"
#include "rl_fs.h"
#include "rl_json.h"
#include "rl_path.h"
#include "rl_proc.h"
#include "rl_tree.h"

#define FILE_MAX (64UL << 20)      /* bigger files are not read */
#define BINARY_PROBE 8192
#define CHUNK 200                  /* files per analyzer run */
#define ANALYZER_OUT (64UL << 20)
#define ANALYZER_MS (600 * 1000LL)
#define VALUE_MAX 64               /* bytes of a finding's value kept */
/* the analyzers' store: bump when what an entry holds changes */
#define CACHE_MAGIC "rl-debt 1"

enum { K_FUNC, K_NEST, K_LINE, K_DUP, K_MARK, K_SIZE, NKINDS };
static const char *const kinds[NKINDS] = {
	"long_function", "deep_nesting", "long_line", "duplicate", "marker",
	"oversized_file"
};
static const double weights[NKINDS] = {1, 1, 0.1, 0.5, 0.5, 1};

enum family { F_TEXT, F_C, F_SHELL, F_PY };

struct opts {
	long max_func, max_nest, max_line, window, max_file;
	double w[NKINDS];
};

struct win {                       /* a window of significant lines */
	uint64_t h;
	uint32_t file, first, last;
};

struct file {
	long lines;
	double count[NKINDS], debt[NKINDS];
	cJSON *extra;                  /* analyzer kinds: {KIND: {count, debt}} */
	char sum[RL_CACHE_KEY];        /* the hash of its bytes, when an
	                                  analyzer takes it */
	int pending;                   /* the analyzer runs over it now */
	struct rl_buf found;           /* what that run found in it */
};

struct analyzer {
	cJSON *a;                      /* the manifest, or NULL: not valid */
	cJSON *info;                   /* its part of the record */
	int runs;                      /* valid and installed */
	char id[RL_CACHE_KEY];         /* what its findings depend on */
};

struct measure {
	const struct rl_config *cfg;
	const char *dir;
	struct opts o;
	struct rl_tree T;
	struct file *f;
	struct win *w;
	size_t nw, capw;
	long lines;
	size_t measured;
	struct analyzer *an;           /* SHARE/debt.d, in name order */
	size_t nan;
	struct rl_cache cache;         /* their findings, by file */
};

static double
round3(double x)
{
	return floor(x * 1000 + 0.5) / 1000;
}

static void
load_opts(const struct rl_config *cfg, struct opts *o)
{
	char key[64];
	int k;

	o->max_func = (long)rl_config_num(cfg, "reward.max_function_lines", 40);
	o->max_nest = (long)rl_config_num(cfg, "reward.max_nesting", 4);
	o->max_line = (long)rl_config_num(cfg, "reward.max_line", 100);
	o->window = (long)rl_config_num(cfg, "reward.dup_window", 6);
	o->max_file = (long)rl_config_num(cfg, "reward.max_file_lines", 1000);
	for (k = 0; k < NKINDS; k++) {
		snprintf(key, sizeof key, "reward.weights.%s", kinds[k]);
		o->w[k] = rl_config_num(cfg, key, weights[k]);
	}
}

static enum family
family_of(const char *path)
{
	static const char *const c[] = {"c", "h", "cc", "cpp", "cxx", "hpp",
		"hh", "hxx", "java", "js", "mjs", "ts", "tsx", "jsx", "go", "rs",
		"cs", "swift", "kt", "kts", "scala", "php", "m", "mm", "dart", NULL};
	static const char *const sh[] = {"sh", "bash", "bats", "ksh", "zsh", NULL};
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	int i;

	if (!dot || (slash && dot < slash))
		return F_TEXT;
	dot++;
	for (i = 0; c[i]; i++)
		if (strcmp(dot, c[i]) == 0)
			return F_C;
	for (i = 0; sh[i]; i++)
		if (strcmp(dot, sh[i]) == 0)
			return F_SHELL;
	return strcmp(dot, "py") == 0 ? F_PY : F_TEXT;
}

static void
add(struct file *F, int k, double count, double debt)
{
	F->count[k] += count;
	F->debt[k] += debt;
}

/* A function of lines lines, nested nest blocks deep, has ended. */
static void
function_ended(const struct opts *o, struct file *F, long lines, long nest)
{
	if (lines > o->max_func)
		add(F, K_FUNC, 1, o->w[K_FUNC] * (double)lines / (double)o->max_func);
	if (nest > o->max_nest)
		add(F, K_NEST, 1, o->w[K_NEST] * (double)(nest - o->max_nest));
}

static int
word_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

/* Markers in the line s[0..n). */
static int
markers(const char *s, size_t n)
{
	static const char *const m[] = {"TODO", "FIXME", "XXX", "HACK"};
	size_t i, k, len;
	int found = 0;

	for (i = 0; i < n; i++) {
		if (s[i] != 'T' && s[i] != 'F' && s[i] != 'X' && s[i] != 'H')
			continue;
		if (i > 0 && word_char((unsigned char)s[i - 1]))
			continue;
		for (k = 0; k < 4; k++) {
			len = strlen(m[k]);
			if (i + len <= n && memcmp(s + i, m[k], len) == 0 &&
			    (i + len == n || !word_char((unsigned char)s[i + len]))) {
				found++;
				i += len - 1;
				break;
			}
		}
	}
	return found;
}

/* The brace scanner's state across lines. */
struct braces {
	int in_comment;         /* inside a block comment */
	long depth;
	int paren;              /* a ')' since the last ; { or } */
	int in_func;
	long func_depth, func_start, func_max;
};

static void
scan_braces(const struct opts *o, struct file *F, struct braces *B,
	const char *s, size_t n, long line, enum family fam)
{
	size_t i = 0;
	char q;

	/* a preprocessor line is not code that nests */
	if (fam == F_C && !B->in_comment) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i < n && s[i] == '#')
			return;
	}
	for (; i < n; i++) {
		if (B->in_comment) {
			if (s[i] == '*' && i + 1 < n && s[i + 1] == '/') {
				B->in_comment = 0;
				i++;
			}
			continue;
		}
		switch (s[i]) {
		case '/':
			if (fam == F_C && i + 1 < n && s[i + 1] == '/')
				return;
			if (fam == F_C && i + 1 < n && s[i + 1] == '*') {
				B->in_comment = 1;
				i++;
			}
			break;
		case '#':
			if (fam == F_SHELL && (i == 0 || s[i - 1] == ' ' ||
			    s[i - 1] == '\t'))
				return;
			break;
		case '"': case '\'': case '`':
			/* a literal, to its end on this line */
			if (fam == F_SHELL && s[i] == '\'' && i > 0 &&
			    word_char((unsigned char)s[i - 1]))
				break;
			q = s[i];
			for (i++; i < n && s[i] != q; i++)
				if (s[i] == '\\' && q != '\'')
					i++;
			break;
		case ')':
			B->paren = 1;
			break;
		case ';':
			B->paren = 0;
			break;
		case '{':
			if (!B->in_func && B->paren) {
				B->in_func = 1;
				B->func_depth = B->depth;
				B->func_start = line;
				B->func_max = 0;
			}
			B->depth++;
			if (B->in_func && B->depth - B->func_depth - 1 > B->func_max)
				B->func_max = B->depth - B->func_depth - 1;
			B->paren = 0;
			break;
		case '}':
			if (B->depth > 0)
				B->depth--;
			if (B->in_func && B->depth == B->func_depth) {
				function_ended(o, F, line - B->func_start + 1, B->func_max);
				B->in_func = 0;
			}
			B->paren = 0;
			break;
		}
	}
}

/* The indent scanner's state: a Python function. */
struct indents {
	int in_func;
	long def_indent, unit, start, last, max;
};

static void
scan_indent(const struct opts *o, struct file *F, struct indents *I,
	const char *s, size_t n, long line)
{
	long ind = 0, lvl;
	size_t i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		ind = s[i++] == '\t' ? (ind / 8 + 1) * 8 : ind + 1;
	if (i == n || s[i] == '#')
		return;                 /* blank or a comment: no say in blocks */
	if (I->in_func && ind <= I->def_indent) {
		function_ended(o, F, I->last - I->start + 1, I->max);
		I->in_func = 0;
	}
	if (!I->in_func && (strncmp(s + i, "def ", 4) == 0 ||
	    strncmp(s + i, "async def ", 10) == 0)) {
		I->in_func = 1;
		I->def_indent = ind;
		I->unit = 0;
		I->start = I->last = line;
		I->max = 0;
		return;
	}
	if (I->in_func) {
		if (!I->unit)
			I->unit = ind - I->def_indent;
		lvl = (ind - I->def_indent) / (I->unit > 0 ? I->unit : 1) - 1;
		if (lvl > I->max)
			I->max = lvl;
		I->last = line;
	}
}

static void
add_window(struct measure *M, uint64_t h, uint32_t file, uint32_t first,
	uint32_t last)
{
	if (M->nw == M->capw) {
		M->capw = M->capw ? 2 * M->capw : 4096;
		M->w = rl_xrealloc(M->w, M->capw * sizeof *M->w);
	}
	M->w[M->nw++] = (struct win){h, file, first, last};
}

/* Measure one file's text. */
static void
measure_text(struct measure *M, uint32_t idx, const char *s, size_t len,
	enum family fam)
{
	const struct opts *o = &M->o;
	struct file *F = &M->f[idx];
	struct braces B = {0};
	struct indents I = {0};
	uint64_t *sig = rl_xmalloc((size_t)o->window * sizeof *sig), wh;
	uint32_t *sigline = rl_xmalloc((size_t)o->window * sizeof *sigline);
	const char *p = s, *end = s + len, *nl;
	long line = 0, cols, nsig = 0, k, m;
	uint64_t h;
	size_t n, i;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n && p[n - 1] == '\r')
			n--;
		line++;
		/* columns, tabs to 8, UTF-8 continuation bytes not counted */
		for (i = 0, cols = 0; i < n; i++) {
			if (p[i] == '\t')
				cols = (cols / 8 + 1) * 8;
			else if (((unsigned char)p[i] & 0xc0) != 0x80)
				cols++;
		}
		if (cols > o->max_line)
			add(F, K_LINE, 1, o->w[K_LINE]);
		if ((m = markers(p, n)))
			add(F, K_MARK, (double)m, o->w[K_MARK] * (double)m);
		/* the line without white space, hashed: one of a window */
		h = 1469598103934665603ULL;
		for (i = 0, m = 0; i < n; i++) {
			if (p[i] == ' ' || p[i] == '\t')
				continue;
			h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
			m++;
		}
		if (m >= 3) {
			sig[nsig % o->window] = h;
			sigline[nsig % o->window] = (uint32_t)line;
			nsig++;
			if (nsig >= o->window) {
				for (k = nsig - o->window, wh = 14695981039346656037ULL;
				    k < nsig; k++)
					wh = (wh ^ sig[k % o->window]) * 1099511628211ULL;
				add_window(M, wh | 1, idx,
				    sigline[(nsig - o->window) % o->window], (uint32_t)line);
			}
		}
		if (fam == F_C || fam == F_SHELL)
			scan_braces(o, F, &B, p, n, line, fam);
		else if (fam == F_PY)
			scan_indent(o, F, &I, p, n, line);
		p = nl ? nl + 1 : end;
	}
	if (fam == F_PY && I.in_func)
		function_ended(o, F, I.last - I.start + 1, I.max);
	F->lines = line;
	M->lines += line;
	if (line > o->max_file)
		add(F, K_SIZE, 1, o->w[K_SIZE] * (double)line / (double)o->max_file);
	free(sig);
	free(sigline);
}

/* Windows seen before mark their lines duplicated. */
static void
duplicates(struct measure *M)
{
	size_t cap = 16, i, j, mask;
	uint64_t *seen;
	unsigned char *dup = NULL;
	uint32_t cur = UINT32_MAX;
	long n;

	while (cap < 2 * M->nw)
		cap *= 2;
	mask = cap - 1;
	seen = rl_xcalloc(cap, sizeof *seen);
	for (i = 0; i < M->nw; i++) {
		if (M->w[i].file != cur) {
			if (dup) {
				for (n = 1, j = 0; n <= M->f[cur].lines; n++)
					j += dup[n];
				if (j)
					add(&M->f[cur], K_DUP, (double)j, M->o.w[K_DUP] *
					    (double)j / (double)M->o.window);
			}
			free(dup);
			cur = M->w[i].file;
			dup = rl_xcalloc((size_t)M->f[cur].lines + 2, 1);
		}
		for (j = M->w[i].h & mask; seen[j] && seen[j] != M->w[i].h;
		    j = (j + 1) & mask)
			;
		if (seen[j]) {
			for (n = M->w[i].first; n <= (long)M->w[i].last; n++)
				dup[n] = 1;
		} else {
			seen[j] = M->w[i].h;
		}
	}
	if (dup) {
		for (n = 1, j = 0; n <= M->f[cur].lines; n++)
			j += dup[n];
		if (j)
			add(&M->f[cur], K_DUP, (double)j, M->o.w[K_DUP] * (double)j /
			    (double)M->o.window);
	}
	free(dup);
	free(seen);
}

static int wants(const cJSON *a, const char *path);

static void
measure_file(struct measure *M, uint32_t idx)
{
	struct rl_buf path = {0}, text = {0};
	size_t i;

	rl_buf_printf(&path, "%s/%s", M->dir, M->T.v[idx]);
	if (rl_fs_read(path.data, &text, FILE_MAX) == 0 &&
	    !memchr(text.data ? text.data : "", 0,
	    text.len < BINARY_PROBE ? text.len : BINARY_PROBE)) {
		measure_text(M, idx, text.data ? text.data : "", text.len,
		    family_of(M->T.v[idx]));
		M->measured++;
		/* the key of its findings, when an analyzer will want them */
		for (i = 0; i < M->nan; i++)
			if (M->an[i].runs && wants(M->an[i].a, M->T.v[idx])) {
				rl_cache_key("", text.data ? text.data : "", text.len,
				    M->f[idx].sum);
				break;
			}
	} else {
		M->f[idx].lines = -1;      /* binary, unreadable, or too big */
	}
	rl_buf_free(&path);
	rl_buf_free(&text);
}

/* --- analyzers ------------------------------------------------------------ */

static size_t
find_file(const struct measure *M, const char *rel)
{
	size_t lo = 0, hi = M->T.n, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(M->T.v[mid], rel)) == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (size_t)-1;
}

static void
add_extra(struct file *F, const char *kind, double debt)
{
	cJSON *k;

	if (!F->extra)
		F->extra = cJSON_CreateObject();
	if (!(k = cJSON_GetObjectItemCaseSensitive(F->extra, kind))) {
		k = cJSON_AddObjectToObject(F->extra, kind);
		cJSON_AddNumberToObject(k, "count", 0);
		cJSON_AddNumberToObject(k, "debt", 0);
	}
	rl_json_set(k, "count", cJSON_CreateNumber(rl_json_num(k, "count", 0) + 1));
	rl_json_set(k, "debt", cJSON_CreateNumber(rl_json_num(k, "debt", 0) + debt));
}

static int
wants(const cJSON *a, const char *path)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	const cJSON *x;

	if (!dot || (slash && dot < slash))
		return 0;
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(a, "extensions"))
		if (cJSON_IsString(x) && strcmp(x->valuestring, dot + 1) == 0)
			return 1;
	return 0;
}

/* A finding of analyzer a in file idx, its value the text v (NULL: it
 * has none): 1 when it is debt, which is added. */
static int
finding(struct measure *M, size_t idx, const cJSON *a, double weight,
	const char *v)
{
	double thr = rl_json_num(a, "threshold", 0), x, debt = weight;

	if (v) {
		x = strtod(v, NULL);
		debt = x > thr ? weight * (x - thr) : 0;
	}
	if (debt <= 0)
		return 0;
	add_extra(&M->f[idx], rl_json_str(a, "kind"), debt);
	return 1;
}

/*
 * Parse an analyzer's output; the findings.  Each is counted for the
 * file its line names, when the analyzer ran over that file now (a file
 * whose findings came from the cache has them already), and noted in the
 * file's found: a line "=VALUE", or "-" when it has no value.
 */
static long
parse(struct measure *M, const cJSON *a, regex_t *re, const char *out,
	double weight)
{
	int fg = (int)rl_json_num(a, "file", 1), vg = (int)rl_json_num(a, "value", 0);
	const char *line = out, *nl;
	size_t plen = strlen(M->dir), idx, n;
	char *l, *file, value[VALUE_MAX], *v;
	regmatch_t m[10];
	long found = 0;

	for (; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		l = rl_xstrndup(line, nl ? (size_t)(nl - line) : strlen(line));
		if (regexec(re, l, 10, m, 0) == 0 && fg < 10 && m[fg].rm_so >= 0) {
			v = NULL;
			if (vg > 0 && vg < 10 && m[vg].rm_so >= 0) {
				n = (size_t)(m[vg].rm_eo - m[vg].rm_so);
				snprintf(value, sizeof value, "%.*s", n < VALUE_MAX ?
				    (int)n : VALUE_MAX - 1, l + m[vg].rm_so);
				v = value;
			}
			file = l + m[fg].rm_so;
			l[m[fg].rm_eo] = '\0';
			while (*file == ' ')
				file++;
			if (strncmp(file, M->dir, plen) == 0 && file[plen] == '/')
				file += plen + 1;
			if ((idx = find_file(M, file)) != (size_t)-1 &&
			    M->f[idx].pending) {
				rl_buf_printf(&M->f[idx].found, "%s%s\n", v ? "=" : "-",
				    v ? v : "");
				found += finding(M, idx, a, weight, v);
			}
		}
		free(l);
	}
	return found;
}

/* The findings kept for file idx (body, len bytes: parse's lines). */
static long
cached(struct measure *M, size_t idx, const cJSON *a, double weight,
	const char *body, size_t len)
{
	const char *end = body + len, *nl;
	char value[VALUE_MAX];
	long found = 0;
	size_t n;

	for (; body < end; body = nl + 1) {
		if (!(nl = memchr(body, '\n', (size_t)(end - body))))
			break;
		n = (size_t)(nl - body);
		snprintf(value, sizeof value, "%.*s", n < VALUE_MAX ? (int)n :
		    VALUE_MAX - 1, body);
		found += finding(M, idx, a, weight, value[0] == '=' ? value + 1 :
		    NULL);
	}
	return found;
}

/* The key of analyzer A's findings in file idx: its identity, the
 * file's path and the hash of its bytes. */
static void
findings_key(const struct measure *M, const struct analyzer *A, size_t idx,
	char key[RL_CACHE_KEY])
{
	struct rl_buf tag = {0};

	rl_buf_printf(&tag, "%s %s", A->id, M->T.v[idx]);
	rl_cache_key(tag.data, M->f[idx].sum, strlen(M->f[idx].sum), key);
	rl_buf_free(&tag);
}

/*
 * Run analyzer A over the files of its languages whose findings the
 * cache does not hold (in groups of CHUNK); keep what it found in each
 * when every run ended by itself (a run killed, past its deadline, or
 * that could not exec its program, 126 or 127, leaves nothing kept).
 */
static void
run_analyzer(struct measure *M, struct analyzer *A)
{
	const cJSON *a = A->a, *cmd = cJSON_GetObjectItemCaseSensitive(a,
	    "command"), *x;
	char key[96], err[256], fkey[RL_CACHE_KEY];
	struct rl_buf out = {0};
	char **argv, **paths;
	size_t i, n, np = 0, k, first, *which, total = 0, len;
	const char *body;
	long found = 0;
	int st, ran = 0, keep = 1;
	regex_t re;
	double weight;

	snprintf(key, sizeof key, "reward.weights.%s", rl_json_str(a, "kind"));
	weight = rl_config_num(M->cfg, key, rl_json_num(a, "weight", 1));
	if (regcomp(&re, rl_json_str(a, "regex"), REG_EXTENDED) != 0) {
		cJSON_AddStringToObject(A->info, "note", "its regex does not compile");
		return;
	}
	paths = rl_xcalloc(M->T.n + 1, sizeof *paths);
	which = rl_xcalloc(M->T.n + 1, sizeof *which);
	for (i = 0; i < M->T.n; i++) {
		if (M->f[i].lines < 0 || !wants(a, M->T.v[i]))
			continue;
		total++;
		findings_key(M, A, i, fkey);
		if ((body = rl_cache_get(&M->cache, fkey, &len))) {
			found += cached(M, i, a, weight, body, len);
			continue;
		}
		rl_buf_printf(&out, "%s/%s", M->dir, M->T.v[i]);
		which[np] = i;
		paths[np++] = rl_buf_detach(&out);
		M->f[i].pending = 1;
	}
	n = (size_t)cJSON_GetArraySize(cmd);
	argv = rl_xcalloc(n + CHUNK + 1, sizeof *argv);
	for (first = 0; first < np; first += CHUNK) {
		k = 0;
		cJSON_ArrayForEach(x, cmd) {
			if (strcmp(x->valuestring, "{files}") == 0)
				for (i = first; i < np && i < first + CHUNK; i++)
					argv[k++] = paths[i];
			else
				argv[k++] = x->valuestring;
		}
		argv[k] = NULL;
		rl_buf_reset(&out);
		err[0] = '\0';
		st = rl_proc_run(argv, NULL, ANALYZER_MS, &out, ANALYZER_OUT, err,
		    sizeof err);
		if (st < 0) {
			cJSON_AddStringToObject(A->info, "note", st == RL_PROC_TIMEOUT ?
			    "it ran past its deadline" : "it could not be started");
			keep = 0;
			break;
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st) == 126 ||
		    WEXITSTATUS(st) == 127)
			keep = 0;
		ran = 1;
		found += parse(M, a, &re, out.data ? out.data : "", weight);
	}
	for (i = 0; i < np; i++) {
		if (keep) {
			findings_key(M, A, which[i], fkey);
			rl_cache_put(&M->cache, fkey, M->f[which[i]].found.data ?
			    M->f[which[i]].found.data : "", M->f[which[i]].found.len);
		}
		M->f[which[i]].pending = 0;
		rl_buf_free(&M->f[which[i]].found);
		free(paths[i]);
	}
	cJSON_AddBoolToObject(A->info, "ran", ran || np == 0);
	cJSON_AddNumberToObject(A->info, "findings", (double)found);
	if (!total)
		cJSON_AddStringToObject(A->info, "note", "no files of its languages");
	free(paths);
	free(which);
	free(argv);
	rl_buf_free(&out);
	regfree(&re);
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What analyzer A's findings depend on besides the files: its manifest,
 * and the program that analyzes (its path, size, time and inode, as a
 * package upgrade changes them). */
static void
identity(struct analyzer *A, const char *program)
{
	struct rl_buf b = {0};

	rl_json_print(A->a, &b);
	rl_buf_adds(&b, "\n");
	rl_proc_identity(program, &b);
	rl_cache_key("analyzer", b.data, b.len, A->id);
	rl_buf_free(&b);
}

/* One manifest of SHARE/debt.d, into A: whether it runs, its identity,
 * and the beginning of its record. */
static void
load_analyzer(struct analyzer *A, const char *file, const char *path)
{
	const cJSON *cmd, *prog = NULL;
	const char *program;

	A->info = cJSON_CreateObject();
	if (rl_config_read_file(path, &A->a) < 0 || !rl_json_str(A->a, "name") ||
	    !rl_json_str(A->a, "kind") || !rl_json_str(A->a, "regex") ||
	    !cJSON_IsArray(cmd = cJSON_GetObjectItemCaseSensitive(A->a, "command")) ||
	    !cJSON_IsString(cJSON_GetArrayItem(cmd, 0)) ||
	    ((prog = cJSON_GetObjectItemCaseSensitive(A->a, "program")) &&
	    !cJSON_IsString(prog))) {
		cJSON_Delete(A->a);
		A->a = NULL;
		cJSON_AddStringToObject(A->info, "name", file);
		cJSON_AddBoolToObject(A->info, "ran", 0);
		cJSON_AddStringToObject(A->info, "note", "not a valid analyzer manifest");
		return;
	}
	cJSON_AddStringToObject(A->info, "name", rl_json_str(A->a, "name"));
	cJSON_AddStringToObject(A->info, "kind", rl_json_str(A->a, "kind"));
	program = prog ? prog->valuestring : cJSON_GetArrayItem(cmd, 0)->valuestring;
	if (!rl_proc_findable(program)) {
		struct rl_buf note = {0};

		rl_buf_printf(&note, "%s is not installed", program);
		cJSON_AddBoolToObject(A->info, "ran", 0);
		cJSON_AddNumberToObject(A->info, "findings", 0);
		cJSON_AddStringToObject(A->info, "note", note.data);
		rl_buf_free(&note);
		return;
	}
	A->runs = 1;
	identity(A, program);
}

/* Each manifest of SHARE/debt.d, in name order, into M->an. */
static void
load_analyzers(struct measure *M)
{
	struct rl_buf dir = {0}, path = {0};
	char **names = NULL;
	size_t n = 0, i;
	struct dirent *d;
	DIR *D;

	rl_share_path("debt.d", &dir);
	if (!rl_config_bool(M->cfg, "reward.analyzers", 1) ||
	    !(D = opendir(dir.data))) {
		rl_buf_free(&dir);
		return;
	}
	while ((d = readdir(D)))
		if (d->d_name[0] != '.' && strstr(d->d_name, ".json")) {
			names = rl_xrealloc(names, (n + 1) * sizeof *names);
			names[n++] = rl_xstrdup(d->d_name);
		}
	closedir(D);
	if (n)
		qsort(names, n, sizeof *names, cmp_name);
	M->an = rl_xcalloc(n + 1, sizeof *M->an);
	for (i = 0; i < n; i++) {
		rl_buf_reset(&path);
		rl_buf_printf(&path, "%s/%s", dir.data, names[i]);
		load_analyzer(&M->an[M->nan++], names[i], path.data);
		free(names[i]);
	}
	free(names);
	rl_buf_free(&dir);
	rl_buf_free(&path);
}

/* Run the analyzers that run, with their findings in the files that did
 * not change read from STATE/debt; their records into list. */
static void
analyzers(struct measure *M, cJSON *list)
{
	static int warned;
	struct rl_buf state = {0};
	char *real = realpath(M->dir, NULL);
	size_t i;
	int any = 0;

	for (i = 0; i < M->nan; i++)
		any |= M->an[i].runs;
	if (any) {
		rl_config_state_dir(M->cfg, &state);
		rl_buf_adds(&state, "/debt");
	}
	/* one store per repository, wherever it is named from */
	rl_cache_open(&M->cache, any ? state.data : NULL, real ? real : M->dir,
	    "findings", CACHE_MAGIC);
	free(real);
	for (i = 0; i < M->nan; i++) {
		if (M->an[i].runs)
			run_analyzer(M, &M->an[i]);
		cJSON_AddItemToArray(list, M->an[i].info);
		M->an[i].info = NULL;
	}
	if (rl_cache_save(&M->cache) < 0 && !warned++)
		fprintf(stderr, "%s: warning: cannot write the analyzers' cache %s: "
		    "%s\n", rl_prog, M->cache.path, strerror(errno));
	rl_cache_close(&M->cache);
	rl_buf_free(&state);
}

/* --- the record ----------------------------------------------------------- */

static void
add_kind(cJSON *kinds_obj, const char *kind, double count, double debt)
{
	cJSON *k = cJSON_GetObjectItemCaseSensitive(kinds_obj, kind);

	if (!k) {
		k = cJSON_AddObjectToObject(kinds_obj, kind);
		cJSON_AddNumberToObject(k, "count", 0);
		cJSON_AddNumberToObject(k, "debt", 0);
	}
	rl_json_set(k, "count", cJSON_CreateNumber(rl_json_num(k, "count", 0) + count));
	rl_json_set(k, "debt", cJSON_CreateNumber(round3(rl_json_num(k, "debt", 0) +
	    debt)));
}

static cJSON *
record(struct measure *M, cJSON *alist)
{
	cJSON *r = cJSON_CreateObject(), *all, *files, *fo, *fk, *w, *x;
	double total = 0, ft;
	size_t i;
	int k;

	cJSON_AddStringToObject(r, "dir", M->dir);
	all = cJSON_CreateObject();
	for (k = 0; k < NKINDS; k++)
		add_kind(all, kinds[k], 0, 0);
	files = cJSON_CreateArray();
	for (i = 0; i < M->T.n; i++) {
		if (M->f[i].lines < 0)
			continue;
		fk = cJSON_CreateObject();
		ft = 0;
		for (k = 0; k < NKINDS; k++) {
			if (M->f[i].count[k] == 0)
				continue;
			add_kind(fk, kinds[k], M->f[i].count[k], M->f[i].debt[k]);
			add_kind(all, kinds[k], M->f[i].count[k], M->f[i].debt[k]);
			ft += M->f[i].debt[k];
		}
		cJSON_ArrayForEach(x, M->f[i].extra) {
			add_kind(fk, x->string, rl_json_num(x, "count", 0),
			    rl_json_num(x, "debt", 0));
			add_kind(all, x->string, rl_json_num(x, "count", 0),
			    rl_json_num(x, "debt", 0));
			ft += rl_json_num(x, "debt", 0);
		}
		if (ft <= 0) {
			cJSON_Delete(fk);
			continue;
		}
		total += ft;
		fo = cJSON_CreateObject();
		cJSON_AddStringToObject(fo, "path", M->T.v[i]);
		cJSON_AddNumberToObject(fo, "lines", (double)M->f[i].lines);
		cJSON_AddNumberToObject(fo, "debt", round3(ft));
		cJSON_AddItemToObject(fo, "kinds", fk);
		cJSON_AddItemToArray(files, fo);
	}
	cJSON_ArrayForEach(x, alist)
		if (rl_json_str(x, "kind") && !cJSON_GetObjectItemCaseSensitive(all,
		    rl_json_str(x, "kind")))
			add_kind(all, rl_json_str(x, "kind"), 0, 0);
	cJSON_AddNumberToObject(r, "total", round3(total));
	cJSON_AddNumberToObject(r, "files_measured", (double)M->measured);
	cJSON_AddNumberToObject(r, "lines", (double)M->lines);
	cJSON_AddItemToObject(r, "kinds", all);
	cJSON_AddItemToObject(r, "files", files);
	cJSON_AddItemToObject(r, "analyzers", alist);
	w = cJSON_AddObjectToObject(r, "weights");
	for (k = 0; k < NKINDS; k++)
		cJSON_AddNumberToObject(w, kinds[k], M->o.w[k]);
	return r;
}

cJSON *
rl_debt_kinds(const cJSON *record)
{
	cJSON *parts = cJSON_CreateObject();
	const cJSON *x;

	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(record, "kinds"))
		if (rl_json_num(x, "debt", 0) > 0)
			cJSON_AddNumberToObject(parts, x->string, rl_json_num(x, "debt", 0));
	return parts;
}

cJSON *
rl_debt_measure(const struct rl_config *cfg, const char *dir,
	struct rl_error *e)
{
	struct measure M = {0};
	cJSON *alist, *r;
	size_t i;

	M.cfg = cfg;
	M.dir = dir;
	load_opts(cfg, &M.o);
	if (rl_tree_files(dir, &M.T) < 0) {
		rl_error_set(e, "io.open", "cannot read %s: %s", dir, strerror(errno));
		return NULL;
	}
	M.f = rl_xcalloc(M.T.n + 1, sizeof *M.f);
	load_analyzers(&M);
	for (i = 0; i < M.T.n; i++)
		measure_file(&M, (uint32_t)i);
	duplicates(&M);
	alist = cJSON_CreateArray();
	analyzers(&M, alist);
	r = record(&M, alist);
	for (i = 0; i < M.T.n; i++)
		cJSON_Delete(M.f[i].extra);
	for (i = 0; i < M.nan; i++)
		cJSON_Delete(M.an[i].a);
	free(M.an);
	free(M.f);
	free(M.w);
	rl_tree_free(&M.T);
	return r;
}
