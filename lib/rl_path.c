/* rl_path.c - finding the share directory; see rl_path.h. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rl_path.h"

#ifndef RL_SHAREDIR
#define RL_SHAREDIR "/usr/local/share/redline"
#endif

const char *
rl_share_dir(void)
{
	static char dir[PATH_MAX];
	char exe[PATH_MAX];
	struct stat st;
	const char *env = getenv("RL_SHARE");
	char *slash;
	ssize_t n;

	if (env && *env)
		return env;
	if (dir[0])
		return dir;
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = 0;
		if ((slash = strrchr(exe, '/'))) {
			*slash = 0;
			char rel[PATH_MAX + 32];
			snprintf(rel, sizeof rel, "%s/../share/redline", exe);
			if (realpath(rel, dir) && stat(dir, &st) == 0 &&
			    S_ISDIR(st.st_mode))
				return dir;
		}
	}
	snprintf(dir, sizeof dir, "%s", RL_SHAREDIR);
	return dir;
}

void
rl_share_path(const char *rel, struct rl_buf *out)
{
	rl_buf_printf(out, "%s/%s", rl_share_dir(), rel);
}
