/* rl_cmd.c - start and end of every command; see rl_cmd.h. */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "rl_cmd.h"
#include "rl_err.h"
#include "rl_history.h"
#include "rl_metrics.h"
#include "rl_out.h"

void
rl_cmd_stdio(void)
{
	int fd;

	/* lowest first, so each open lands on the descriptor it mends */
	for (fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY) != fd)
			_exit(RL_EXIT_TEMP);   /* no /dev/null: nowhere to say so */
	}
	signal(SIGPIPE, SIG_IGN);
}

void
rl_cmd_start(const char *argv0, struct rl_config *cfg)
{
	rl_cmd_stdio();
	rl_init(argv0);
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "");
	if (rl_config_load(cfg) < 0) {
		rl_config_free(cfg);
		exit(RL_EXIT_USAGE);
	}
	rl_metrics_open(cfg);
}

void
rl_cmd_limits(const struct rl_config *cfg, struct rl_loop *L)
{
	L->max_bytes = (size_t)rl_config_num(cfg, "limits.max_record_bytes",
	    (double)RL_LOOP_MAX_BYTES);
	L->max_depth = (int)rl_config_num(cfg, "limits.max_depth",
	    RL_LOOP_MAX_DEPTH);
}

int
rl_cmd_finish(struct rl_config *cfg, const struct rl_loop *L, int status)
{
	cJSON *f = cJSON_CreateObject();

	status = rl_exit_merge(status, rl_out_close());
	if (L) {
		cJSON_AddNumberToObject(f, "records", (double)L->records);
		cJSON_AddNumberToObject(f, "failed", (double)L->failed);
		cJSON_AddNumberToObject(f, "bytes_in", (double)L->bytes);
	}
	cJSON_AddNumberToObject(f, "status", status);
	rl_metrics_add_usage(f, RUSAGE_SELF);
	rl_metrics_event("stage", f);
	if (rl_metrics_path())
		rl_history_rotate(cfg);
	rl_config_free(cfg);
	return status;
}
