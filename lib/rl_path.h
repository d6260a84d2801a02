/*
 * rl_path.h - where redline's shared files are.
 *
 * The share directory holds schemas, prompts, tools, the default config
 * and examples.  It is, in order:
 *   1. $RL_SHARE, when set;
 *   2. ../share/redline beside the running executable, when it exists
 *      (an installed tree: PREFIX/bin and PREFIX/share/redline);
 *   3. the directory compiled in as RL_SHAREDIR (PREFIX/share/redline).
 */
#ifndef RL_PATH_H
#define RL_PATH_H

#include "rl_buf.h"

/* The share directory; a static string, valid for the process. */
const char *rl_share_dir(void);

/* Append the share directory, "/" and rel to out. */
void rl_share_path(const char *rel, struct rl_buf *out);

#endif
