/*
 * rl_edit.h - edits a model writes, and applying them to a repository.
 *
 * THE FORMAT.  A model writes edits as plain text, never inside a JSON
 * string, so that it need not escape code.  A search/replace block is
 *
 *     src/cli.c
 *     <<<<<<< SEARCH
 *         if (argc < 2)
 *             usage();
 *     =======
 *         if (argc < 2) {
 *             usage();
 *             return 2;
 *         }
 *     >>>>>>> REPLACE
 *
 * the file's path on its own line, then the exact current lines, then the
 * new lines.  Prose around blocks is ignored; a fenced block (``` or ~~~)
 * around them is allowed, and the path may be the fence's info string
 * (```src/cli.c), wrapped in backticks or ** or end in a colon.  A block
 * with no path line of its own edits the file of the block before it.
 * The markers may have 5 to 9 of their character (<, =, >); SEARCH and
 * REPLACE are their words.  An empty SEARCH makes a new file.  A short
 * file may be sent whole: its path on its own line (a name with a dot or
 * a slash: ./Makefile, not Makefile), then a fenced block holding the
 * whole new text, with no markers in it.
 *
 * Parsed, edits go into the baton as JSON (rl_edits_json):
 *     [{"path": "src/cli.c", "search": "...", "replace": "..."},
 *      {"path": "NOTES.md", "content": "..."}]
 * so that the baton stays the record of what was asked.
 *
 * MATCHING.  A SEARCH is a sequence of whole lines; it is looked for in
 * the file's current text (never a copy shown earlier), rule after rule,
 * and the first rule that finds it decides:
 *   1. exact ("exact");
 *   2. ignoring trailing white space ("trailing whitespace");
 *   3. ignoring leading and trailing white space, where every non-blank
 *      line of the file is indented by the same number of columns more
 *      (or less) than the SEARCH's, a tab counting 8 columns, or else 4;
 *      the REPLACE lines are then re-indented by that offset, in the
 *      file's style: tabs where its matched lines indent with tabs
 *      ("indentation");
 *   4. as 3, with Unicode quotes, dashes, the ellipsis and non-breaking
 *      spaces read as their ASCII forms; where SEARCH had such
 *      characters and the file did not, REPLACE's are made ASCII too
 *      ("unicode");
 *   5. when SEARCH has lines that are only "...": each such line stands
 *      for unchanged lines, REPLACE must have as many, and each piece
 *      between them is matched by rules 1 to 4, in order, each after the
 *      one before ("ellipsis").
 * A SEARCH that a rule finds in more than one place is refused, naming
 * the line of every place; no rule guesses among places, and nothing
 * looser than these rules is ever tried.  A file with CRLF line ends is
 * matched without the CRs and keeps them.
 *
 * A refused edit is answered with a message that teaches: the closest
 * lines of the file (a line-based similarity of at least
 * RL_EDIT_SIMILAR, with RL_EDIT_CONTEXT lines around, numbered), and
 * "the REPLACE lines are already in the file" when they are.
 *
 * APPLYING.  rl_edit_apply works in a repository: a path must be
 * relative, with no ".." and no ".git" component, not under .redline,
 * and must not lead out of the repository through a symbolic link (the
 * real path of the file, or of its nearest existing parent, is compared
 * with the repository's).  A file with a NUL byte in its first 8 KiB is
 * binary and refused.  A file is replaced crash-safely (rl_fs_replace)
 * keeping its mode; a new file's missing directories are made.  The
 * blocks of one file are applied in their order to its text in memory
 * and the file is written once; then its syntax check runs, if one is
 * configured for its kind (checks[EXT], EXT the name's last suffix: "c"
 * for a.c).  When the check fails, it is run on the old text too; the
 * edit adds errors when the old text passed, or when the check's output
 * has more lines saying "error" than before.  Such an edit is reverted
 * (the old text put back, a new file removed) and reported with the
 * edit, the errors and that the change was NOT applied.
 *
 * A check is a shell command line: "{file}" in it is the file's path, or
 * the path is appended; the path reaches the shell as "$1", never as
 * text, so a file's name is never code.  It runs in the repository with
 * stdout and stderr together.
 *
 * The syntax check runs a program.  rl-act's edit tools run
 * `rl-act edit` inside the sandbox, so the check runs there too; by hand,
 * `rl-act edit` runs it in a sandbox of its own (rl-act(1)).
 */
#ifndef RL_EDIT_H
#define RL_EDIT_H

#include <cjson/cJSON.h>

#include "rl_buf.h"
#include "rl_err.h"

struct rl_mem;

#define RL_EDIT_REPLY_MAX (1UL << 20)  /* bytes of a reply or patch read */
#define RL_EDIT_FILE_MAX (8UL << 20)   /* bytes of a file edited */
#define RL_EDIT_BINARY_SCAN 8192       /* bytes looked at for a NUL */
#define RL_EDIT_SIMILAR 0.6            /* least similarity shown */
#define RL_EDIT_CONTEXT 5              /* lines shown around the closest */
#define RL_EDIT_CHECK_MS 60000         /* a check's default deadline */

enum rl_edit_kind {
	RL_EDIT_REPLACE,      /* search -> replace; search "" makes a file */
	RL_EDIT_WHOLE,        /* replace is the whole new text */
	RL_EDIT_DELETE        /* remove the file, which must be empty by then
	                         (a patch's +++ /dev/null) */
};

struct rl_edit {
	enum rl_edit_kind kind;
	char *path;           /* as written, relative to the repository */
	char *search;         /* whole lines, each ending in "\n"; "" none */
	char *replace;        /* the same; RL_EDIT_WHOLE: the whole text */
	unsigned long line;   /* where it began in the reply; 0: not parsed */
	char *error;          /* a block that could not be read: why; such
	                         an edit is reported failed (edit.parse) and
	                         never applied */
};

/* A list of edits; a zeroed struct is empty.  Owns every string. */
struct rl_edits {
	struct rl_edit *v;
	size_t n;
};

/*
 * Parse a reply's text (len bytes) into E (appended to).  Every block
 * found becomes an edit, a malformed one with its error set, so that the
 * others still apply.  Returns the number of edits found, or -1 with e
 * set when the text is over RL_EDIT_REPLY_MAX bytes (edit.too_large) or
 * holds no edit at all (edit.parse); nothing is appended then.
 */
int rl_edit_parse(const char *text, size_t len, struct rl_edits *E,
	struct rl_error *e);

/*
 * Parse a unified diff into edits: each hunk becomes a search/replace of
 * its context and removed lines by its context and added lines; line
 * numbers and counts are ignored, git's headers are optional (--- and
 * +++ name the file; a/ and b/ are taken off), prose and fences around
 * are skipped, "\ No newline at end of file" is ignored.  --- /dev/null
 * makes a file (empty SEARCH); +++ /dev/null ends the file's hunks with
 * an RL_EDIT_DELETE.  A hunk that renames is an edit with its error set.
 * Returns the number of edits, or -1 with e set as rl_edit_parse.
 */
int rl_edit_parse_patch(const char *text, size_t len, struct rl_edits *E,
	struct rl_error *e);

/* Append one edit (copies of the strings; search NULL for
 * RL_EDIT_WHOLE). */
void rl_edits_add(struct rl_edits *E, enum rl_edit_kind kind,
	const char *path, const char *search, const char *replace);

/* E as the baton's JSON array (a new item the caller owns):
 * {"path", "search", "replace"}, {"path", "content"}, {"path",
 * "delete": true}, each with "error" when the block was malformed. */
cJSON *rl_edits_json(const struct rl_edits *E);

/*
 * Read edits back from that JSON (the baton's form; also what
 * `rl-act edit --json` reads).  Returns 0, or -1 with e set
 * (validate.schema: an item that is not an object with a string path and
 * either search and replace, content, delete, or an error); nothing is
 * appended then.
 */
int rl_edits_from_json(const cJSON *a, struct rl_edits *E,
	struct rl_error *e);

void rl_edits_free(struct rl_edits *E);

/* --- matching one edit in a text --------------------------------------- */

struct rl_edit_match {
	const char *code;     /* NULL when it applied; else edit.no_match,
	                         edit.ambiguous, edit.empty_search */
	const char *how;      /* the rule that matched: "exact", ... */
	unsigned long line;   /* the first line it changed, from 1 */
};

/*
 * Apply search -> replace to text (len bytes), by the rules above.  On
 * success returns 0, the new text in out and m filled.  Else returns -1
 * with m->code set and the teaching message in msg (the lines numbered
 * as they are in text); out is left as it was.  An empty search on an
 * empty text makes replace the text; on any other text it is refused
 * (edit.empty_search).
 */
int rl_edit_text(const char *text, size_t len, const char *search,
	const char *replace, struct rl_buf *out, struct rl_edit_match *m,
	struct rl_buf *msg);

/*
 * The similarity of two line sequences, 0 to 1, line by line (a and b
 * have n lines each, white space at both ends of a line left out): 2 *
 * the characters the lines have in common, in order, over all their
 * characters, as difflib's ratio counts them.  Exposed for the tests.
 */
double rl_edit_similarity(const char *const *a, const char *const *b,
	size_t n);

/* --- applying edits to a repository -------------------------------------- */

/*
 * Run argv (a check: sh -c SCRIPT sh FILE DIR) and append what it wrote,
 * stdout and stderr, to out.  Returns its exit status as a shell says it
 * (0 to 255, 124 past its deadline, 128 + a signal), or -1 when it could
 * not be run at all, with why in out.
 */
typedef int (*rl_edit_runner)(void *ctx, char *const argv[],
	struct rl_buf *out);

struct rl_edit_env {
	const char *dir;          /* the repository */
	const cJSON *checks;      /* {EXT: command}; NULL or "" none */
	rl_edit_runner run;       /* NULL: a plain child (rl_proc_run) */
	void *ctx;                /* run's */
	long long check_ms;       /* a plain child's deadline; 0:
	                             RL_EDIT_CHECK_MS */
	int atomic;               /* all edits, or none (a patch) */
};

struct rl_edit_result {
	int block;                /* the edit's number, from 1 */
	const char *path;         /* the edit's (borrowed from it) */
	const char *status;       /* "applied", "failed", "reverted" (the
	                             check found errors it added), "skipped"
	                             (atomic: another edit failed) */
	const char *code;         /* NULL when applied; edit.* */
	const char *how;          /* when applied: the rule, "new file",
	                             "whole file", "deleted" */
	unsigned long line;       /* when applied: the first line changed */
	unsigned long added, removed;   /* when applied: lines it added and
	                             removed (rl_edit_diffstat) */
	char *message;            /* when not applied: why, to teach; when
	                             applied: a note (a check that could not
	                             run) or NULL */
};

/*
 * Apply E in env->dir as said above; R (E->n results, in E's order) is
 * allocated and must be freed with rl_edit_results_free.  Returns the
 * number of edits not applied.  With env->atomic, an edit that fails
 * leaves every file as it was (the others "skipped"), and a check that
 * finds errors added reverts every file.
 */
size_t rl_edit_apply(const struct rl_edit_env *env, const struct rl_edits *E,
	struct rl_edit_result **R);

void rl_edit_results_free(struct rl_edit_result *R, size_t n);

/*
 * How many lines text b adds to text a, and removes from it, as a line
 * diff counts them (a line is its bytes and its newline; the fewest lines
 * added and removed that turn a into b).  Past a thousand lines of
 * difference it stops looking and counts every line between the first
 * and the last that differ.
 */
void rl_edit_diffstat(const char *a, size_t an, const char *b, size_t bn,
	unsigned long *added, unsigned long *removed);

/*
 * What baton's edits changed, file by file, in the order first changed:
 *     [{"path": "sum.c", "added": 4, "removed": 15}, ...]
 * summed from the results of its steps that ran `rl-act edit` (the edit
 * tools), read whole from mem (NULL: the baton's copy, which may be
 * cut).  A command a tool ran that changed a file is not counted.  The
 * caller owns the array.
 */
cJSON *rl_edit_changes(const cJSON *baton, struct rl_mem *mem);

/* A result as one JSON object (caller owns): {"block", "path", "status",
 * "how", "line"} when applied (and "note"), {"block", "path", "status",
 * "code", "message"} when not. */
cJSON *rl_edit_result_json(const struct rl_edit_result *r);

/*
 * What to tell the model after a reply's edits were tried, from the
 * results' JSON (an array of rl_edit_result_json objects, as
 * `rl-act edit` prints them): every failed block with its message, the
 * blocks that applied ("do not send them again"), and what to send.
 * Appends to out; nothing when every block applied.
 */
void rl_edit_feedback(const cJSON *results, struct rl_buf *out);

#endif
