/*
 * rl_context.c - the repository map and the code windows; see
 * rl_context.h.
 *
 * One call reads the tree once: every file's bytes (for its hash, its
 * definitions, the uses of the named identifiers and the windows), the
 * cache file of the repository, and, for the files the cache does not
 * know, one ctags run over them all (or the built-in scanner).  Nothing
 * is kept between calls: the tree may have changed (rl-act edits it
 * between one baton and the next), and the cache makes a call on an
 * unchanged tree cheap.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rl_cache.h"
#include "rl_context.h"
#include "rl_err.h"
#include "rl_fs.h"
#include "rl_json.h"
#include "rl_proc.h"
#include "rl_text.h"
#include "rl_tree.h"

#define FILE_MAX (1UL << 20)       /* bytes of a file read */
#define TOTAL_MAX (64UL << 20)     /* bytes of a tree read */
#define FILES_MAX 20000            /* files of a tree looked at */
#define CTAGS_MS 60000             /* how long ctags may take */
#define CTAGS_OUT (256UL << 20)    /* bytes of its output read */
/* the cache's format and what a scan yields: bump when either changes */
#define CACHE_MAGIC "rl-context 3"
#define REFS_MAX 15                /* uses of named identifiers a file scores */
#define LINE_SHOWN 400             /* bytes of a line a window shows
                                      (more: cut, and marked " [cut]") */
#define ABOVE 5                    /* lines a window shows above a definition */
#define MORE_NOTE 32               /* bytes kept for "(N more files)" */
#define WINDOW_MIN 5               /* lines a cut window shows, at least */

struct file {
	const char *path;            /* the tree's */
	char *text;                  /* NULL: listed by name only */
	size_t len;
	size_t *lo;                  /* line offsets, lines + 1 of them */
	unsigned lines;
	char key[RL_CACHE_KEY];
	struct rl_context_defs d;
	unsigned char *hit;          /* per definition: the text names it */
	int have, named, stem;
	size_t refs, hits;
	double score;
};

struct word {
	char *w;
	size_t len;
	int strong;                  /* a call, or identifier-shaped */
	int defined;                 /* some file defines it */
};

struct ctx {
	const struct rl_context_settings *S;
	const struct rl_context_ask *q;
	char *dir;                   /* absolute */
	struct rl_tree T;
	struct file *f;
	size_t n;
	struct word *w;
	size_t nw, capw;
	char **paths;                /* path-like words */
	size_t np, capp;
	size_t *order;               /* files, most relevant first */
};

static int ctags_broken;         /* ctags failed once: not tried again */

/* --- settings ----------------------------------------------------------- */

void
rl_context_settings(const struct rl_config *cfg, struct rl_context_settings *S)
{
	struct rl_buf dir = {0};

	memset(S, 0, sizeof *S);
	S->map_tokens = (size_t)rl_config_num(cfg, "context.map_tokens", 1024);
	S->whole_file_lines = (size_t)rl_config_num(cfg,
	    "context.whole_file_lines", 150);
	S->window_lines = (size_t)rl_config_num(cfg, "context.window_lines", 100);
	S->ctags = rl_config_bool(cfg, "context.ctags", 1);
	rl_config_state_dir(cfg, &dir);
	rl_buf_adds(&dir, "/context");
	S->cache_dir = rl_buf_detach(&dir);
}

void
rl_context_settings_free(struct rl_context_settings *S)
{
	free(S->cache_dir);
	S->cache_dir = NULL;
}

/* --- the files ---------------------------------------------------------- */

/* Read path (not following a symbolic link) into f, unless it is too
 * big, binary, or would pass total. */
static void
read_file(struct ctx *X, struct file *f, size_t *total)
{
	struct rl_buf path = {0}, b = {0};
	struct stat st;
	int fd;

	rl_buf_printf(&path, "%s/%s", X->dir, f->path);
	fd = open(path.data, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	rl_buf_free(&path);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > FILE_MAX || *total + (size_t)st.st_size > TOTAL_MAX ||
	    rl_fs_read_fd(fd, &b, FILE_MAX) < 0 ||
	    memchr(b.data ? b.data : "", '\0', b.len < 8192 ? b.len : 8192)) {
		close(fd);
		rl_buf_free(&b);
		return;
	}
	close(fd);
	*total += b.len;
	f->len = b.len;
	f->text = b.data ? rl_buf_detach(&b) : rl_xstrdup("");
}

/* The line offsets of f: line L (from 1) is text[lo[L-1], lo[L]). */
static void
index_lines(struct file *f)
{
	size_t i, n = 0, cap = 64;

	f->lo = rl_xmalloc(cap * sizeof *f->lo);
	f->lo[n++] = 0;
	for (i = 0; i < f->len; i++) {
		if (f->text[i] != '\n' && i + 1 < f->len)
			continue;
		if (n == cap)
			f->lo = rl_xrealloc(f->lo, (cap *= 2) * sizeof *f->lo);
		f->lo[n++] = i + 1;
	}
	f->lines = (unsigned)(n - 1);
}

/* Line l of f without its newline: its start, its length in *len. */
static const char *
line_of(const struct file *f, unsigned l, size_t *len)
{
	size_t a = f->lo[l - 1], b = f->lo[l];

	if (b > a && f->text[b - 1] == '\n')
		b--;
	if (b > a && f->text[b - 1] == '\r')
		b--;
	*len = b - a;
	return f->text + a;
}

static int
cmp_path(const void *a, const void *b)
{
	return strcmp((const char *)a, ((const struct file *)b)->path);
}

static struct file *
find_file(struct ctx *X, const char *path)
{
	return bsearch(path, X->f, X->n, sizeof *X->f, cmp_path);
}

static int
cmp_def(const void *a, const void *b)
{
	const struct rl_context_def *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* --- ctags -------------------------------------------------------------- */

static int
kept_kind(const cJSON *t)
{
	static const char *const kinds[] = {"function", "method", "class",
	    "struct", "union", "enum", "typedef", "macro", "interface", "trait",
	    "type", "target", "subroutine", "procedure", "module",
	    "implementation", "singletonMethod", "func", "prototype", NULL};
	static const char *const owners[] = {"class", "interface", "trait",
	    "implementation", "module", NULL};
	const char *kind = rl_json_str(t, "kind"), *scope = rl_json_str(t,
	    "scopeKind"), *lang = rl_json_str(t, "language");
	size_t i;
	int ok = 0;

	if (!kind)
		return 0;
	for (i = 0; kinds[i]; i++)
		ok |= strcmp(kind, kinds[i]) == 0;
	/* Python's methods are members */
	if (strcmp(kind, "member") == 0 && lang && strcmp(lang, "Python") == 0)
		ok = 1;
	if (!ok || !rl_json_str(t, "scope"))
		return ok;
	/* within something: only what a class, a trait, an impl holds */
	if (strcmp(kind, "function") && strcmp(kind, "method") &&
	    strcmp(kind, "member") && strcmp(kind, "singletonMethod"))
		return 0;
	for (i = 0; scope && owners[i]; i++)
		if (strcmp(scope, owners[i]) == 0)
			return 1;
	return 0;
}

/* The signature of name at line l of f, from its source: a return type
 * alone on the line above (BSD style) joins it, and a parameter list
 * goes on over up to four lines.  NULL for an include guard. */
static char *
source_sig(const struct file *f, unsigned l, const char *name)
{
	struct rl_buf b = {0};
	const char *s, *p;
	size_t n, pn, k, nl = strlen(name);
	int depth = 0;
	unsigned i;
	char *sig;

	s = line_of(f, l, &n);
	if (n && s[0] == '#') {
		/* "#define NAME" and nothing after it */
		p = memmem(s, n, name, nl);
		for (k = p ? (size_t)(p - s) + nl : 0; p && k < n &&
		    (s[k] == ' ' || s[k] == '\t' || s[k] == '\r'); k++)
			;
		if (p && k == n)
			return NULL;
	}
	if (l > 1 && n > nl && memcmp(s, name, nl) == 0 && s[nl] == '(') {
		p = line_of(f, l - 1, &pn);
		for (k = 0; k < pn && !strchr(";{}()=:\"'", p[k]); k++)
			;
		if (pn && pn < 64 && k == pn && !strchr(" \t#/*", p[0])) {
			rl_buf_add(&b, p, pn);
			rl_buf_addc(&b, ' ');
		}
	}
	for (i = 0; ; i++) {
		rl_buf_add(&b, s, n);
		for (k = 0; k < n; k++)
			depth += (s[k] == '(') - (s[k] == ')');
		if (depth <= 0 || i == 4 || l + i + 1 > f->lines ||
		    b.len > RL_CONTEXT_SIG_MAX)
			break;
		s = line_of(f, l + i + 1, &n);
		rl_buf_addc(&b, ' ');
	}
	sig = rl_context_fold(b.data ? b.data : "", b.len);
	rl_buf_free(&b);
	return sig;
}

static void
take_tag(struct ctx *X, const cJSON *t)
{
	const char *path = rl_json_str(t, "path"), *name = rl_json_str(t, "name");
	size_t dl = strlen(X->dir), i;
	double line = rl_json_num(t, "line", 0);
	struct rl_context_defs *D;
	struct file *f;
	char *sig;

	if (!path || !name || !*name || strncmp(name, "__anon", 6) == 0 ||
	    strncmp(path, X->dir, dl) != 0 ||
	    path[dl] != '/' || !(f = find_file(X, path + dl + 1)) || !f->text ||
	    line < 1 || line > f->lines || !kept_kind(t))
		return;
	if (!(sig = source_sig(f, (unsigned)line, name)))
		return;
	D = &f->d;
	if (D->n == D->cap) {
		D->cap = D->cap ? 2 * D->cap : 16;
		D->v = rl_xrealloc(D->v, D->cap * sizeof *D->v);
	}
	D->v[D->n].line = (unsigned)line;
	D->v[D->n].end = (unsigned)rl_json_num(t, "end", 0);
	D->v[D->n].name = rl_xstrdup(name);
	for (i = 0; D->v[D->n].name[i]; i++)
		if (strchr("\t\r\n", D->v[D->n].name[i]))
			D->v[D->n].name[i] = ' ';
	D->v[D->n++].sig = sig;
}

/* One ctags run over the files whose definitions are not known; 0, or
 * -1 when it failed (the caller scans them itself). */
static int
run_ctags(struct ctx *X)
{
	/* --options=NONE first: no option file of the repository, the
	 * home or the environment is read */
	char *argv[] = {"ctags", "--options=NONE", "-f", "-",
	    "--output-format=json", "--fields=+nKle-P", "--kinds-C=+p",
	    "--kinds-C++=+p", "--sort=no", "-L", "-", NULL};
	struct rl_buf list = {0}, out = {0};
	char err[256] = "", why[300];
	const char *p, *e;
	size_t i, any = 0;
	cJSON *t;
	int st;

	for (i = 0; i < X->n; i++) {
		if (!X->f[i].text || X->f[i].have || strchr(X->f[i].path, '\n'))
			continue;
		rl_buf_printf(&list, "%s/%s\n", X->dir, X->f[i].path);
		any++;
	}
	if (!any) {
		rl_buf_free(&list);
		return 0;
	}
	st = rl_proc_run(argv, list.data, CTAGS_MS, &out, CTAGS_OUT, err, sizeof err);
	rl_buf_free(&list);
	if (st == -1 || st == RL_PROC_TIMEOUT || !WIFEXITED(st) || WEXITSTATUS(st)) {
		if (st == RL_PROC_TIMEOUT)
			snprintf(why, sizeof why, "it took over %d s", CTAGS_MS / 1000);
		else if (st == -1)
			snprintf(why, sizeof why, "%s", strerror(errno));
		else
			rl_proc_status(st, why, sizeof why);
		fprintf(stderr, "%s: warning: ctags failed (%s%s%s): the built-in "
		    "scanner finds the definitions; set context.ctags to false "
		    "to skip it\n", rl_prog, why, *err ? ": " : "", err);
		ctags_broken = 1;
		rl_buf_free(&out);
		return -1;
	}
	for (p = out.data; p && *p; p = e + (*e != '\0')) {
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		if ((t = cJSON_ParseWithLength(p, (size_t)(e - p)))) {
			take_tag(X, t);
			cJSON_Delete(t);
		}
	}
	rl_buf_free(&out);
	for (i = 0; i < X->n; i++)
		if (X->f[i].text && !X->f[i].have && !strchr(X->f[i].path, '\n')) {
			if (X->f[i].d.n > 1)
				qsort(X->f[i].d.v, X->f[i].d.n, sizeof *X->f[i].d.v,
				    cmp_def);
			X->f[i].have = 1;
		}
	return 0;
}

/* --- the cache ---------------------------------------------------------- */

/* Definition lines "LINE\tEND\tNAME\tSIG" (s, n bytes) into f's. */
static void
parse_defs(struct file *f, const char *s, size_t n)
{
	struct rl_context_defs *D = &f->d;
	const char *end = s + n, *e, *name, *tab;
	unsigned long line, last;
	char *x;

	for (; s < end; s = e + 1) {
		if (!(e = memchr(s, '\n', (size_t)(end - s))))
			e = end;
		line = strtoul(s, &x, 10);
		if (x >= e || *x != '\t' || line == 0 || line > f->lines)
			continue;
		last = strtoul(x + 1, &x, 10);
		if (x >= e || *x != '\t' || last > f->lines)
			continue;
		name = x + 1;
		if (!(tab = memchr(name, '\t', (size_t)(e - name))) || tab == name)
			continue;
		if (D->n == D->cap) {
			D->cap = D->cap ? 2 * D->cap : 16;
			D->v = rl_xrealloc(D->v, D->cap * sizeof *D->v);
		}
		D->v[D->n].line = (unsigned)line;
		D->v[D->n].end = (unsigned)last;
		D->v[D->n].name = rl_xstrndup(name, (size_t)(tab - name));
		D->v[D->n++].sig = rl_xstrndup(tab + 1, (size_t)(e - tab - 1));
	}
}

/* Take from the cache the definitions of the files whose key it holds. */
static void
cache_load(struct ctx *X, struct rl_cache *C)
{
	const char *body;
	size_t i, len;

	for (i = 0; i < X->n; i++) {
		if (!X->f[i].text || !(body = rl_cache_get(C, X->f[i].key, &len)))
			continue;
		parse_defs(&X->f[i], body, len);
		X->f[i].have = 1;
	}
}

/* Keep the definitions of the files scanned now (a file whose key is
 * blank, scanned after ctags failed, is left out). */
static void
cache_save(struct ctx *X, struct rl_cache *C, const unsigned char *fresh)
{
	static int warned;
	struct rl_buf text = {0};
	const struct rl_context_def *d;
	size_t i, j;

	for (i = 0; i < X->n; i++) {
		if (!fresh[i] || !X->f[i].key[0])
			continue;
		rl_buf_reset(&text);
		for (j = 0; j < X->f[i].d.n; j++) {
			d = &X->f[i].d.v[j];
			rl_buf_printf(&text, "%u\t%u\t%s\t%s\n", d->line, d->end,
			    d->name, d->sig);
		}
		rl_cache_put(C, X->f[i].key, text.data ? text.data : "", text.len);
	}
	if (rl_cache_save(C) < 0 && !warned++)
		fprintf(stderr, "%s: warning: cannot write the context cache %s: "
		    "%s\n", rl_prog, C->path, strerror(errno));
	rl_buf_free(&text);
}

/* --- what the text names ------------------------------------------------ */

/* Common English words: not names, unless written as a call. */
static int
common(const char *w, size_t n)
{
	static const char *const words[] = {"about", "above", "add", "after",
	    "again", "all", "also", "and", "any", "are", "because", "been",
	    "before", "being", "below", "between", "both", "but", "can",
	    "change", "changes", "code", "could", "debt", "did", "does",
	    "doing", "done", "down", "each", "else", "every", "few", "file",
	    "files", "find", "fix", "for", "from", "function", "functions",
	    "further", "had", "has", "have", "having", "her", "here", "his",
	    "how", "into", "its", "itself", "just", "keep", "less", "like",
	    "line", "lines", "make", "many", "may", "more", "most", "much",
	    "must", "need", "new", "not", "now", "off", "once", "one", "only",
	    "other", "our", "out", "over", "own", "part", "pay", "same",
	    "shall", "she", "should", "shorten", "simplify", "some", "split",
	    "such", "task", "technical", "than", "that", "the", "their",
	    "them", "then", "there", "these", "they", "this", "those",
	    "through", "too", "two", "under", "until", "upon", "use", "used",
	    "uses", "using", "very", "was", "way", "were", "what", "when",
	    "where", "which", "while", "who", "whom", "why", "will", "with",
	    "without", "would", "yet", "you", "your", NULL};
	char low[16];
	size_t i;

	if (n >= sizeof low)
		return 0;
	for (i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)w[i]);
	low[n] = '\0';
	for (i = 0; words[i]; i++)
		if (strcmp(low, words[i]) == 0)
			return 1;
	return 0;
}

static int
id_start(int c)
{
	return isalpha(c) || c == '_';
}

static int
id_char(int c)
{
	return isalnum(c) || c == '_';
}

static void
add_word(struct ctx *X, const char *w, size_t n, int strong)
{
	size_t i;

	for (i = 0; i < X->nw; i++)
		if (X->w[i].len == n && memcmp(X->w[i].w, w, n) == 0) {
			X->w[i].strong |= strong;
			return;
		}
	if (X->nw == X->capw)
		X->w = rl_xrealloc(X->w, (X->capw = X->capw ? 2 * X->capw : 32) *
		    sizeof *X->w);
	X->w[X->nw].w = rl_xstrndup(w, n);
	X->w[X->nw].len = n;
	X->w[X->nw].strong = strong;
	X->w[X->nw++].defined = 0;
}

static int
path_char(int c)
{
	return isalnum(c) || (c && strchr("_./+-", c));
}

/* The identifier-like and the path-like words of text. */
static void
take_names(struct ctx *X, const char *text)
{
	const unsigned char *s = (const unsigned char *)(text ? text : ""), *p,
	    *b, *e, *dot;
	size_t n, i;
	int strong;

	for (p = s; *p;) {
		if (!id_start(*p) || (p > s && id_char(p[-1]))) {
			p++;
			continue;
		}
		for (b = p; id_char(*p); p++)
			;
		n = (size_t)(p - b);
		/* a part of a path ("wordstat" of wordstat.c) names the file */
		if ((b > s && (b[-1] == '/' || (b[-1] == '.' && b - 1 > s &&
		    path_char(b[-2])))) || *p == '/' || (*p == '.' && isalnum(p[1])))
			continue;
		for (e = p; *e == ' '; e++)
			;
		strong = *e == '(' || memchr(b, '_', n) != NULL;
		for (i = 0; i < n && !strong; i++)
			strong = isdigit(b[i]) || (i > 0 && isupper(b[i]));
		if (n <= 128 && (strong || (n >= 3 && !common((const char *)b, n))))
			add_word(X, (const char *)b, n, strong);
	}
	for (p = s; *p;) {
		if (!path_char(*p)) {
			p++;
			continue;
		}
		for (b = p; path_char(*p); p++)
			;
		for (e = p; e > b && strchr(".-/", e[-1]); e--)
			;
		if (e - b > 2 && b[0] == '.' && b[1] == '/')
			b += 2;
		for (dot = e; dot > b && dot[-1] != '.'; dot--)
			;
		if (e - b < 3 || (!memchr(b, '/', (size_t)(e - b)) &&
		    !(dot > b + 1 && dot < e && isalnum(*dot))))
			continue;
		if (X->np == X->capp)
			X->paths = rl_xrealloc(X->paths, (X->capp = X->capp ?
			    2 * X->capp : 16) * sizeof *X->paths);
		X->paths[X->np++] = rl_xstrndup((const char *)b, (size_t)(e - b));
	}
}

/* --- ranking ------------------------------------------------------------ */

#define NAMED_PATH 50     /* the text names the file */
#define NAMED_STEM 5      /* the text names the file's stem ("wordstat") */
#define NAMED_DEF 10      /* per definition the text names; twice for a call */
#define DEBT_MAX 15       /* at most, from debt x 2 */
#define PARTNER 10        /* a named file's partner: its header, its source */
#define NEIGHBOUR 1       /* in the directory of a named file */
#define ANCHORS 32        /* named files whose partners and neighbours score */

static double
debt_of(const cJSON *debt, const char *path)
{
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(debt, "files"), *x;
	double d = 0;

	if (cJSON_IsObject(files)) {
		x = cJSON_GetObjectItemCaseSensitive(files, path);
		d = cJSON_IsNumber(x) ? x->valuedouble : 0;
	} else {
		cJSON_ArrayForEach(x, files)
			if (rl_json_str(x, "path") && strcmp(rl_json_str(x, "path"), path) == 0)
				d = rl_json_num(x, "debt", 0);
	}
	return d > 0 ? (2 * d > DEBT_MAX ? DEBT_MAX : 2 * d) : 0;
}

static int
names_file(const struct ctx *X, const char *path)
{
	size_t i, n = strlen(path), k;

	for (i = 0; i < X->np; i++) {
		k = strlen(X->paths[i]);
		if (strcmp(path, X->paths[i]) == 0 || (k < n &&
		    path[n - k - 1] == '/' && strcmp(path + n - k, X->paths[i]) == 0))
			return 1;
	}
	return 0;
}

static int
names_stem(const struct ctx *X, const char *path)
{
	const char *b = strrchr(path, '/'), *dot;
	size_t i, n;

	b = b ? b + 1 : path;
	dot = strrchr(b, '.');
	n = dot && dot > b ? (size_t)(dot - b) : strlen(b);
	for (i = 0; n >= 3 && i < X->nw; i++)
		if (X->w[i].len == n && memcmp(X->w[i].w, b, n) == 0)
			return 1;
	return 0;
}

/* Uses of the named identifiers (those some file defines, and the
 * identifier-shaped ones) in f. */
static size_t
uses(const struct ctx *X, const struct file *f)
{
	const char *s = f->text, *end = f->text + f->len, *b;
	size_t i, n, count = 0;

	for (; s < end;) {
		if (!id_start((unsigned char)*s)) {
			s++;
			continue;
		}
		for (b = s; s < end && id_char((unsigned char)*s); s++)
			;
		n = (size_t)(s - b);
		for (i = 0; i < X->nw; i++)
			if (X->w[i].len == n && X->w[i].w[0] == b[0] &&
			    (X->w[i].strong || X->w[i].defined) &&
			    memcmp(X->w[i].w, b, n) == 0) {
				count++;
				break;
			}
	}
	return count;
}

/* The length of path's directory part (0: the top). */
static size_t
dir_len(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? (size_t)(b - path) : 0;
}

/* 1 if a and b differ only in their extension (rl_agent.c, rl_agent.h). */
static int
partners(const char *a, const char *b)
{
	const char *x = strrchr(a, '.'), *y = strrchr(b, '.');
	size_t n = x ? (size_t)(x - a) : strlen(a);

	return strcmp(a, b) != 0 && n > dir_len(a) && n == (y ? (size_t)(y - b) :
	    strlen(b)) && memcmp(a, b, n) == 0;
}

/* What a file gets for being near the files the text names. */
static double
nearness(const struct ctx *X, const struct file *f, const size_t *anchor,
	size_t na)
{
	size_t i;
	double s = 0, near = 0;

	for (i = 0; i < na; i++) {
		const char *a = X->f[anchor[i]].path;

		if (partners(a, f->path))
			s = PARTNER;
		if (a != f->path && dir_len(a) == dir_len(f->path) &&
		    strncmp(a, f->path, dir_len(a)) == 0)
			near = NEIGHBOUR;
	}
	return s + near;
}

static const struct ctx *sort_ctx;

static int
by_score(const void *a, const void *b)
{
	const struct file *x = &sort_ctx->f[*(const size_t *)a];
	const struct file *y = &sort_ctx->f[*(const size_t *)b];

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(x->path, y->path);
}

static void
rank(struct ctx *X)
{
	struct file *f;
	size_t i, j, k, r, anchor[ANCHORS], na = 0;

	for (i = 0; i < X->n; i++) {
		f = &X->f[i];
		f->named = names_file(X, f->path);
		f->stem = names_stem(X, f->path);
		f->hit = rl_xcalloc(f->d.n + 1, 1);
		for (j = 0; j < f->d.n; j++)
			for (k = 0; k < X->nw; k++)
				if (strcmp(f->d.v[j].name, X->w[k].w) == 0) {
					f->hit[j] = X->w[k].strong ? 2 : 1;
					f->hits++;
					X->w[k].defined = 1;
				}
	}
	for (i = 0; i < X->n && na < ANCHORS; i++)
		if (X->f[i].named || X->f[i].hits)
			anchor[na++] = i;
	for (i = 0; i < X->n; i++) {
		f = &X->f[i];
		r = f->text && X->nw ? uses(X, f) : 0;
		f->refs = r > f->hits ? r - f->hits : 0;
		f->score = NAMED_PATH * f->named + NAMED_STEM * f->stem +
		    (f->refs > REFS_MAX ? REFS_MAX : (double)f->refs) +
		    debt_of(X->q->debt, f->path) + nearness(X, f, anchor, na);
		for (j = 0; j < f->d.n; j++)
			f->score += NAMED_DEF * f->hit[j];
	}
	X->order = rl_xcalloc(X->n + 1, sizeof *X->order);
	for (i = 0; i < X->n; i++)
		X->order[i] = i;
	sort_ctx = X;
	qsort(X->order, X->n, sizeof *X->order, by_score);
	sort_ctx = NULL;
}

/* Forget the names and the ranking, to rank for another text. */
static void
unrank(struct ctx *X)
{
	size_t i;

	for (i = 0; i < X->n; i++) {
		free(X->f[i].hit);
		X->f[i].hit = NULL;
		X->f[i].named = X->f[i].stem = 0;
		X->f[i].refs = X->f[i].hits = 0;
		X->f[i].score = 0;
	}
	for (i = 0; i < X->nw; i++)
		free(X->w[i].w);
	for (i = 0; i < X->np; i++)
		free(X->paths[i]);
	X->nw = X->np = 0;
	free(X->order);
	X->order = NULL;
}

/* --- the map ------------------------------------------------------------ */

/* f's part of the map in at most left bytes, into out: "PATH:" and the
 * definitions that fit in cap, the named ones first, shown in line
 * order.  Nothing when not even the path fits. */
static void
map_file(const struct file *f, size_t left, size_t cap, struct rl_buf *out)
{
	unsigned char *take;
	size_t j, need, room, skipped = 0, pass;
	struct rl_buf line = {0};

	need = strlen(f->path) + 2 + (f->d.n ? 16 : 0);    /* "  (N more)" */
	if (need > left)
		return;
	rl_buf_printf(out, "%s%s\n", f->path, f->d.n ? ":" : "");
	if (!f->d.n)
		return;
	room = (cap < left ? cap : left);
	room = room > need ? room - need : 0;
	take = rl_xcalloc(f->d.n, 1);
	for (pass = 0; pass < 2; pass++)
		for (j = 0; j < f->d.n; j++) {
			if (take[j] || (pass == 0 && !f->hit[j]))
				continue;
			rl_buf_reset(&line);
			rl_buf_printf(&line, "  %u %s\n", f->d.v[j].line, f->d.v[j].sig);
			if (line.len > room)
				continue;
			room -= line.len;
			take[j] = 1;
		}
	for (j = 0; j < f->d.n; j++) {
		if (!take[j]) {
			skipped++;
			continue;
		}
		rl_buf_printf(out, "  %u %s\n", f->d.v[j].line, f->d.v[j].sig);
	}
	if (skipped)
		rl_buf_printf(out, "  (%zu more)\n", skipped);
	free(take);
	rl_buf_free(&line);
}

static size_t
render_map(const struct ctx *X, size_t budget, struct rl_buf *out)
{
	static const char head[] = "Repository map (most relevant first):\n";
	struct rl_buf part = {0};
	size_t i, used, shown = 0, cap;

	if (budget < sizeof head + 2 * MORE_NOTE)
		return 0;
	used = sizeof head - 1;
	for (i = 0; i < X->n && used + MORE_NOTE < budget; i++) {
		const struct file *f = &X->f[X->order[i]];

		cap = f->score > 0 ? budget / 2 : budget / 10;
		rl_buf_reset(&part);
		map_file(f, budget - MORE_NOTE - used, cap < 160 ? 160 : cap, &part);
		if (!part.len)
			break;
		if (!shown++)
			rl_buf_adds(out, head);
		rl_buf_add(out, part.data, part.len);
		used += part.len;
	}
	rl_buf_free(&part);
	if (!shown)
		return 0;
	if (shown < X->T.n) {
		rl_buf_printf(out, "(%zu more file%s)\n", X->T.n - shown,
		    X->T.n - shown == 1 ? "" : "s");
		used += 20;
	}
	return used;
}

/* --- the windows -------------------------------------------------------- */

struct range {
	unsigned a, b;
};

static int
cmp_range(const void *x, const void *y)
{
	const struct range *r = x, *s = y;

	return (r->a > s->a) - (r->a < s->a);
}

/* The line ranges f shows, merged, in order; how many. */
static size_t
ranges(const struct ctx *X, const struct file *f, struct range *r)
{
	size_t j, n = 0, m;
	unsigned w = (unsigned)(X->S->window_lines ? X->S->window_lines : 1), a, b;
	const struct rl_context_def *d;

	if (f->lines <= X->S->whole_file_lines) {
		r[0] = (struct range){1, f->lines};
		return 1;
	}
	for (j = 0; j < f->d.n; j++) {
		if (!f->hit[j])
			continue;
		d = &f->d.v[j];
		a = d->line > ABOVE ? d->line - ABOVE : 1;
		b = a + w - 1;
		if (d->end >= d->line && d->end < b)
			b = d->end;
		r[n++] = (struct range){a, b < f->lines ? b : f->lines};
	}
	if (!n)
		r[n++] = (struct range){1, w < f->lines ? w : f->lines};
	qsort(r, n, sizeof *r, cmp_range);
	for (j = 1, m = 0; j < n; j++) {
		if (r[j].a <= r[m].b + 3) {
			if (r[j].b > r[m].b)
				r[m].b = r[j].b;
		} else {
			r[++m] = r[j];
		}
	}
	return m + 1;
}

/* f's windows in at most left bytes into out; 1 when it was cut (the
 * budget is spent). */
static int
window(const struct ctx *X, const struct file *f, size_t left,
	struct rl_buf *out)
{
	struct range *r = rl_xcalloc(f->d.n + 1, sizeof *r);
	size_t n = ranges(X, f, r), k, start = out->len, len;
	unsigned l, prev = 0, shown = 0;
	int width = 4, cut = 0, long_line;
	char num[16];
	const char *s;

	width = snprintf(num, sizeof num, "%u", f->lines);
	width = width < 4 ? 4 : width;
	rl_buf_printf(out, "%s:\n", f->path);
	for (k = 0; k < n && !cut; k++) {
		if (r[k].a > prev + 1)
			rl_buf_printf(out, "(%u line%s above)\n", r[k].a - prev - 1,
			    r[k].a - prev - 1 == 1 ? "" : "s");
		for (l = r[k].a; l <= r[k].b; l++) {
			s = line_of(f, l, &len);
			/* LINE_SHOWN characters, and never past the line's end */
			long_line = len > LINE_SHOWN;
			if (long_line && rl_utf8_prefix(s, LINE_SHOWN) < len)
				len = rl_utf8_prefix(s, LINE_SHOWN);
			else
				long_line = 0;
			if (out->len - start + len + (size_t)width + 3 + MORE_NOTE > left) {
				cut = 1;
				break;
			}
			rl_buf_printf(out, "%*u| %.*s%s\n", width, l, (int)len, s,
			    long_line ? " [cut]" : "");
			shown++;
			prev = l;
		}
	}
	/* a window of a line or two shows nothing worth its tokens */
	if (shown < WINDOW_MIN && shown < r[0].b - r[0].a + 1) {
		out->len = start;
		out->data[start] = '\0';
	} else if (prev < f->lines) {
		rl_buf_printf(out, "(%u line%s below)\n", f->lines - prev,
		    f->lines - prev == 1 ? "" : "s");
	}
	free(r);
	return cut;
}

static size_t
render_windows(const struct ctx *X, size_t budget, struct rl_buf *out)
{
	static const char head[] = "Code:\n";
	struct rl_buf part = {0};
	size_t i, used = sizeof head - 1;
	int cut = 0;

	for (i = 0; i < X->n && !cut && used < budget; i++) {
		const struct file *f = &X->f[X->order[i]];

		if (!f->text || !f->lines || (!f->named && !f->hits))
			continue;
		rl_buf_reset(&part);
		cut = window(X, f, budget - used, &part);
		if (!part.len)
			continue;
		if (used == sizeof head - 1)
			rl_buf_adds(out, head);
		rl_buf_add(out, part.data, part.len);
		used += part.len;
	}
	rl_buf_free(&part);
	return used > sizeof head - 1 ? used : 0;
}

/* --- the whole ---------------------------------------------------------- */

static void
ctx_free(struct ctx *X)
{
	size_t i;

	if (X->f)
		unrank(X);
	for (i = 0; i < X->n; i++) {
		free(X->f[i].text);
		free(X->f[i].lo);
		rl_context_defs_free(&X->f[i].d);
	}
	free(X->f);
	free(X->w);
	free(X->paths);
	free(X->dir);
	rl_tree_free(&X->T);
}

size_t
rl_context_add(const struct rl_context_settings *S,
	const struct rl_context_ask *q, struct rl_buf *out)
{
	struct ctx X = {0};
	struct rl_cache C;
	unsigned char *fresh_now = NULL;
	char abs[PATH_MAX];
	struct rl_buf *mapout = q->map ? q->map : out;
	const char *map_text = q->map_text ? q->map_text : q->text;
	size_t i, total = 0, fresh = 0, start = out->len, mstart = mapout->len;
	size_t map, budget;
	int ctags;
	struct file *f;
	struct rl_buf tag = {0};

	if (!q->room || !q->dir)
		return 0;
	X.S = S;
	X.q = q;
	X.dir = rl_xstrdup(realpath(q->dir, abs) ? abs : q->dir);
	if (rl_tree_files(X.dir, &X.T) < 0 || X.T.n == 0)
		goto out;
	X.n = X.T.n < FILES_MAX ? X.T.n : FILES_MAX;
	X.f = rl_xcalloc(X.n, sizeof *X.f);
	ctags = S->ctags && !ctags_broken && rl_proc_findable("ctags");
	/* definitions found by another ctags are not this one's */
	rl_buf_adds(&tag, ctags ? "ctags " : "scan");
	if (ctags)
		rl_proc_identity("ctags", &tag);
	for (i = 0; i < X.n; i++) {
		f = &X.f[i];
		f->path = X.T.v[i];
		read_file(&X, f, &total);
		if (!f->text)
			continue;
		index_lines(f);
		rl_cache_key(tag.data, f->text, f->len, f->key);
	}
	rl_cache_open(&C, S->cache_dir, X.dir, "defs", CACHE_MAGIC);
	cache_load(&X, &C);
	fresh_now = rl_xcalloc(X.n + 1, 1);
	for (i = 0; i < X.n; i++)
		fresh += fresh_now[i] = X.f[i].text && !X.f[i].have;
	if (fresh && ctags && run_ctags(&X) < 0)
		for (i = 0; i < X.n; i++)
			if (!X.f[i].have)
				X.f[i].key[0] = '\0';
	for (i = 0; i < X.n; i++) {
		f = &X.f[i];
		if (f->text && !f->have) {
			rl_context_scan(f->path, f->text, f->len, &f->d);
			f->have = 1;
		}
	}
	if (fresh)
		cache_save(&X, &C, fresh_now);
	rl_cache_close(&C);
	free(fresh_now);
	take_names(&X, map_text);
	rank(&X);
	budget = q->room * 4;
	map = render_map(&X, (S->map_tokens < q->room ? S->map_tokens : q->room) * 4,
	    mapout);
	if (q->windows && budget > map) {
		if (strcmp(map_text ? map_text : "", q->text ? q->text : "") != 0) {
			unrank(&X);
			take_names(&X, q->text);
			rank(&X);
		}
		render_windows(&X, budget - map, out);
	}
out:
	ctx_free(&X);
	rl_buf_free(&tag);
	return mapout == out ? out->len - start :
	    out->len - start + mapout->len - mstart;
}
