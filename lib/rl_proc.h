/*
 * rl_proc.h - running a program as a filter: text in, text out, a
 * deadline.
 *
 *     status = rl_proc_run(argv, prompt, 60000, &out, 1 << 20,
 *         errline, sizeof errline);
 *
 * The program (argv[0], found in PATH) runs in its own process group with
 * a scrubbed environment (rl_proc_scrub_env: no credential variables),
 * text on its stdin, its stdout collected.  When the deadline passes the
 * whole group is killed (SIGKILL), so a program that forks cannot outlive
 * it.
 */
#ifndef RL_PROC_H
#define RL_PROC_H
#include <stddef.h>
#include "rl_buf.h"

/* rl_proc_run's result when the deadline passed. */
#define RL_PROC_TIMEOUT (-2)

/*
 * Run argv with text (may be NULL: empty stdin), killed after timeout_ms
 * (0: never).  At most max bytes of stdout go to out; the rest is read and
 * dropped.  The last non-empty line of the first 64 KiB of stderr goes
 * to err_line (size bytes; may be NULL).  Returns the wait status
 * (waitpid), RL_PROC_TIMEOUT, or -1 when it could not start (errno set;
 * ENOENT when argv[0] is not found).
 */
int rl_proc_run(char *const argv[], const char *text, long long timeout_ms,
	struct rl_buf *out, size_t max, char *err_line, size_t size);

/*
 * rl_proc_run with the child's environment changed after it is scrubbed
 * (env, NULL-terminated, may be NULL: "NAME=VALUE" sets, a bare "NAME"
 * removes, in order; never put a secret in it) and the first 64 KiB of
 * its stderr appended to err (may be NULL) instead of a last line.
 */
int rl_proc_run_env(char *const argv[], const char *const env[],
	const char *text, long long timeout_ms, struct rl_buf *out, size_t max,
	struct rl_buf *err);

/*
 * Start argv in the background and do not wait for it: it runs in its own
 * session, its stdin, stdout and stderr on /dev/null (so it never holds a
 * pipe the caller's reader waits on), as a grandchild that init reaps.
 * Returns 0 once it is started, or -1 with errno set.
 */
int rl_proc_detach(char *const argv[]);

/*
 * Feed a child and collect its output: text (len bytes) is written to in,
 * out and err are read until both end, at most ocap and ecap bytes kept
 * in obuf and ebuf (either may be NULL), obytes and ebytes counting all.
 * Each descriptor may be -1; all are closed on return.  SIGPIPE is
 * ignored meanwhile.  Returns 0, or RL_PROC_TIMEOUT when end_ms (on
 * rl_proc_mono_ms's clock; 0: none) came first.
 */
struct rl_pump {
	int in, out, err;
	const char *text;
	size_t len;
	long long end_ms;
	struct rl_buf *obuf, *ebuf;
	size_t ocap, ecap;
	unsigned long long obytes, ebytes;
};
int rl_proc_pump(struct rl_pump *p);

/*
 * In a child about to exec: remove from the environment every variable
 * that holds a credential (names ending in _API_KEY, _KEY, _TOKEN,
 * _SECRET or _PASSWORD, those rl_proc_secret_name named, and extra when
 * not NULL).  rl_proc_run does it
 * for every program it starts.  The list of endings lives here alone;
 * the presets' key variables (OPENAI_API_KEY, ...) all end in _API_KEY.
 */
void rl_proc_scrub_env(const char *extra);

/* Remember name as a variable that holds a secret (a provider's
 * api_key_env, whatever it ends in): every child after this starts
 * without it, as rl_proc_scrub_env removes it too.  Up to 16 names. */
void rl_proc_secret_name(const char *name);

/* Milliseconds on the monotonic clock, for deadlines. */
long long rl_proc_mono_ms(void);

/*
 * 1 when argv0 names a program this process could run: a path that is
 * executable, or a name found executable in PATH as execvp would look.
 */
int rl_proc_findable(const char *argv0);

/* The path of that program, appended to out: 0, or -1 when there is none. */
int rl_proc_which(const char *argv0, struct rl_buf *out);

/* What tells one build of that program from another, for cache keys:
 * its path, size, modification time and inode (a package upgrade changes
 * them), appended to out; nothing when it is not found. */
void rl_proc_identity(const char *argv0, struct rl_buf *out);

/* "exit 3", "killed by signal 9" for a wait status, in out (size bytes). */
void rl_proc_status(int status, char *out, size_t size);

/*
 * Where redline's own commands (rl-CMD) are looked for first: the
 * directory $RL_EXEC_PATH names, else the directory of argv0 when this
 * program was started by a path (so a build tree's commands run each
 * other); then $PATH.  Call once, from main.
 */
void rl_proc_exec_dir(const char *argv0);

/* Replace this process with rl-CMD (argv[0] as given), found as above.
 * Returns only on failure, with errno set. */
void rl_proc_exec_rl(const char *cmd, char **argv);

/*
 * Append to out the absolute path of rl-CMD, found as above (for a
 * command run where PATH may not lead to it, as in the sandbox).
 * Returns 0, or -1 when it is nowhere: then "rl-CMD" is appended.
 */
int rl_proc_rl_path(const char *cmd, struct rl_buf *out);
#endif
