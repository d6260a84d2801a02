/*
 * rl_context.h - the code an agent's prompt shows: a ranked repository
 * map and numbered windows of the files and symbols a text names.
 *
 * A model can only use what its prompt shows it, and it must not guess
 * what the repository holds, so the harness attaches the code:
 *
 *     struct rl_context_settings S;
 *     rl_context_settings(&cfg, &S);
 *     struct rl_context_ask q = {.dir = repo, .text = task, .room = 6000};
 *     rl_context_add(&S, &q, &prompt);
 *     rl_context_settings_free(&S);
 *
 * The definitions.  Each text file of the tree (rl_tree.h; a file over
 * 1 MiB, or with a NUL byte in its first 8 KiB, is listed by name only)
 * has its definitions found: functions, methods, types, macros, each
 * with its line, its last line when known, and a signature (the source's
 * declaration, white space folded, at most 160 bytes).  Universal Ctags
 * finds them when it is installed and context.ctags is true; it runs
 * with --options=NONE, so no option file of the repository or of the
 * environment steers it, on absolute paths, so no file name is taken
 * for an option.  Otherwise, or when it fails, the built-in scanner
 * (rl_context_scan) reads the C-like brace languages and shell.  The
 * result is cached by the SHA-256 of the scanner's name and the file's
 * bytes in STATE/context/REPO.defs, one file per repository, so a second
 * task on the same tree reads each file and scans none that is
 * unchanged.
 *
 * The ranking.  The names of the text are its identifier-like words
 * (common English words left out unless written as a call, "name(") and
 * its path-like words.  A file scores for each name it defines, for the
 * text naming its path or its stem, for each use of a named identifier
 * (up to 15), and for its debt when the baton's debt.files gives it
 * ({PATH: debt} or [{"path", "debt"}], as rl_debt.h measures it).
 * The map and the windows may be ranked for two texts (map_text, text):
 * the agents rank the map for the task alone, so that it is the same,
 * byte for byte, in every request of a task while the tree is unchanged
 * (a prefix a model server can cache), and the windows for all that the
 * stage's prompt names.
 *
 * What is appended, each part only when it has something to show:
 *
 *     Repository map (most relevant first):
 *     wordstat.c:
 *       9 struct stats {
 *       16 static void count(FILE *in, struct stats *st)
 *     Makefile
 *     (12 more files)
 *     Code:
 *     wordstat.c:
 *        1| #include <ctype.h>
 *     lib/big.c:
 *     (180 lines above)
 *      181| static int
 *      ...
 *     (20 lines below)
 *
 * The map takes at most min(map_tokens, room) tokens (bytes / 4, the
 * estimate the engine uses); the code windows take what the map leaves
 * of room.  A window is a whole file when it has at most whole_file_lines
 * lines, else about window_lines lines from a little above each named
 * definition of the file (to its end when that comes first); a file the
 * text names by path and none of whose definitions it names shows its
 * first window_lines lines.  Files go in rank order; the last window
 * that does not fit whole is cut, with "(N lines below)".
 */
#ifndef RL_CONTEXT_H
#define RL_CONTEXT_H
#include <stddef.h>
#include <cjson/cJSON.h>
#include "rl_buf.h"
#include "rl_config.h"

/* One definition. */
struct rl_context_def {
	unsigned line, end;          /* from 1; end 0 when unknown */
	char *name, *sig;
};

struct rl_context_defs {
	struct rl_context_def *v;
	size_t n, cap;
};

struct rl_context_settings {
	size_t map_tokens;           /* context.map_tokens */
	size_t whole_file_lines;     /* context.whole_file_lines */
	size_t window_lines;         /* context.window_lines */
	int ctags;                   /* context.ctags: use ctags if found */
	char *cache_dir;             /* STATE/context, or NULL: no cache */
};

/* What a prompt asks for. */
struct rl_context_ask {
	const char *dir;             /* the repository */
	const char *text;            /* where the names come from */
	const char *map_text;        /* where the map's names come from, when
	                                not from text (NULL): the task alone
	                                gives a map that is the same for every
	                                stage of a task */
	const cJSON *debt;           /* the baton's debt, or NULL */
	size_t room;                 /* tokens the map and windows may take */
	int windows;                 /* 0: the map alone */
	struct rl_buf *map;          /* where the map goes, or NULL: out,
	                                before the windows */
};

/* Fill S from cfg (context.*, the state directory); free it with
 * rl_context_settings_free. */
void rl_context_settings(const struct rl_config *cfg,
	struct rl_context_settings *S);
void rl_context_settings_free(struct rl_context_settings *S);

/* Append the map (to q->map when set) and the windows for q to out (see
 * above); returns the bytes appended to both.  Unreadable files are left
 * out; nothing is printed but a warning when ctags fails or the cache
 * cannot be written. */
size_t rl_context_add(const struct rl_context_settings *S,
	const struct rl_context_ask *q, struct rl_buf *out);

/*
 * The built-in scanner: the top-level definitions of text (n bytes),
 * whose language path's extension tells (C-like brace languages: C,
 * C++, Java, JavaScript, TypeScript, Go, Rust, C#, ...; shell), added to
 * D in line order.  Found: a function (a name followed by '(' at depth 0
 * whose body opens with '{'), struct, union, enum, class and the like
 * with a name, a typedef, and a #define with a value (an include guard
 * has none).  Strings, character literals and comments are skipped.
 * Returns how many were added; 0 for a language it does not read.
 */
size_t rl_context_scan(const char *path, const char *text, size_t n,
	struct rl_context_defs *D);

void rl_context_defs_free(struct rl_context_defs *D);

/* A signature from source text s (n bytes): white space folded to one
 * space, trimmed, cut to RL_CONTEXT_SIG_MAX bytes on a character
 * boundary.  The caller frees it. */
#define RL_CONTEXT_SIG_MAX 160
char *rl_context_fold(const char *s, size_t n);

#endif
