/*
 * rl_cmd.h - what every command does when it starts and when it ends.
 *
 *     int main(int argc, char **argv) {
 *         struct rl_config cfg = {0};
 *         struct rl_loop L = {.fn = each, .stage = "validate"};
 *         rl_cmd_start(argv[0], &cfg);
 *         ... options ...
 *         rl_cmd_limits(&cfg, &L);
 *         return rl_cmd_finish(&cfg, &L, rl_loop_run(&L, argc, argv));
 *     }
 */
#ifndef RL_CMD_H
#define RL_CMD_H

#include "rl_config.h"
#include "rl_loop.h"

/*
 * Make standard input, output and error safe to rely on.  One that is
 * closed would receive the next file the command opens (a queue's
 * directory read as stdin, records written into a store), so each closed
 * one gets /dev/null, opened the wrong way round: using it still fails
 * with EBADF, as using a closed descriptor does, and nothing else lands
 * there.  SIGPIPE is ignored: a reader that goes away makes the next
 * write fail with EPIPE, reported as io.write with exit status 111,
 * instead of a death by signal (141) outside the documented statuses.
 * Children set it back to its default before they exec (rl_proc.h).
 */
void rl_cmd_stdio(void);

/*
 * rl_cmd_stdio, name the program (rl_init), switch LC_CTYPE to UTF-8
 * (for patterns and character counts), load the configuration into cfg
 * (exit 2 after its diagnostics when it is invalid) and open the metrics
 * log.
 */
void rl_cmd_start(const char *argv0, struct rl_config *cfg);

/* Set the loop's record limits from limits.max_record_bytes and
 * limits.max_depth. */
void rl_cmd_limits(const struct rl_config *cfg, struct rl_loop *L);

/*
 * Log a "stage" metrics event for the run (records, failed, bytes_in,
 * status, wall, CPU and memory), close stdout, rotate the metrics log
 * when it is due (rl_history.h: compression goes on in the background,
 * never delaying the exit), free cfg, and return the
 * exit status to use: status merged with the result of closing stdout.
 * L may be NULL for a command without a record loop.
 */
int rl_cmd_finish(struct rl_config *cfg, const struct rl_loop *L, int status);

#endif
