/*
 * rl_proc.h - running a program as a filter: text in, text out, a
 * deadline.
 *
 *     status = rl_proc_run(argv, prompt, 60000, &out, 1 << 20,
 *         errline, sizeof errline);
 *
 * The program (argv[0], found in PATH) runs in its own process group with
 * a scrubbed environment (rl_key_scrub_env: no credential variables),
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
 * dropped.  The last non-empty line of stderr goes to err_line (size
 * bytes; may be NULL).  Returns the wait status (waitpid), RL_PROC_TIMEOUT,
 * or -1 when it could not start (errno set; ENOENT when argv[0] is not
 * found).
 */
int rl_proc_run(char *const argv[], const char *text, long long timeout_ms,
	struct rl_buf *out, size_t max, char *err_line, size_t size);

/*
 * 1 when argv0 names a program this process could run: a path that is
 * executable, or a name found executable in PATH as execvp would look.
 */
int rl_proc_findable(const char *argv0);

/* "exit 3", "killed by signal 9" for a wait status, in out (size bytes). */
void rl_proc_status(int status, char *out, size_t size);
#endif
