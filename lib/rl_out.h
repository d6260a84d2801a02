/*
 * rl_out.h - writing records to standard output.
 *
 * Every record is written with one write(2) (writev of the line and its
 * newline), so a line is never split between writes: a pipe reader sees
 * whole lines, and several writers appending to one file (O_APPEND) never
 * interleave inside a record.
 *
 * While the record loop works through input it has already read, it turns
 * batching on: records are gathered (whole, up to 64 KiB) and written
 * together before the loop next waits for input, or waits on anything
 * else, so a stage in the middle of a pipeline still passes each baton on
 * before it sleeps, at a fraction of the system calls.  Batching is off
 * outside the loop, and what is gathered is written at exit.
 *
 * A failed write is fatal (io.write, exit 111): the record could not be
 * delivered and carrying on would lose the ones after it silently.
 */
#ifndef RL_OUT_H
#define RL_OUT_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Called before each write(2) to stdout (rl_tty.h clears the lines it
 * shows at the bottom of a terminal stdout may share); NULL: nothing. */
extern void (*rl_out_before)(void);

/* Write the n bytes at s and a newline as one record. */
void rl_out_line(const char *s, size_t n);

/* Write v, serialized compactly, as one record. */
void rl_out_json(const cJSON *v);

/* Turn batching on or off (off writes what is gathered). */
void rl_out_batch(int on);

/*
 * Flush and close stdout and check it: a full disk or a closed pipe is an
 * error, not silence.  Returns RL_EXIT_OK, or RL_EXIT_TEMP after printing
 * an io.write diagnostic.
 */
int rl_out_close(void);

#endif
