/*
 * redline - the front command, and the supervisor of the agent ring.
 *
 *   redline CMD [arg ...]   runs rl-CMD (as git runs git-CMD)
 *   redline run [-C dir] [-n tasks] [-p provider] [-m model] [-J name]
 *               [--no-sandbox] [--resume | --discard] [task ...]
 *
 * `redline run` reads its options, makes batons of tasks given as words
 * (rl-task), and hands the rest to the ring (rl_ring.h): the stages, the
 * journal, resume and the restart policy live there.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rl_cmd.h"
#include "rl_proc.h"
#include "rl_ring.h"

static const char usage[] =
    "usage: redline run [-C dir] [-n tasks] [-p provider] [-m model] [-J journal] "
    "[-v] [--no-sandbox] [--resume | --discard] [task ...]\n"
    "       redline command [arg ...]\n";

static struct rl_config cfg;

/* Batons from tasks given as words: rl-task writes them on a pipe that
 * becomes our stdin.  Returns its pid, or -1. */
static pid_t
task_maker(const char *dir, int argc, char **argv)
{
	char **targv = rl_xmalloc((size_t)(argc + 5) * sizeof *targv);
	int po[2], n = 0, i;
	pid_t pid;

	targv[n++] = "rl-task";
	if (dir) {
		targv[n++] = "-C";
		targv[n++] = (char *)dir;
	}
	targv[n++] = "--";
	for (i = 0; i < argc; i++)
		targv[n++] = argv[i];
	targv[n] = NULL;
	if (pipe(po) < 0 || (pid = fork()) < 0)
		rl_die(RL_EXIT_TEMP, "io.open", "cannot start rl-task: %s",
		    strerror(errno));
	if (pid == 0) {
		setpgid(0, 0);
		if (dup2(po[1], 1) < 0)
			_exit(127);
		close(po[0]);
		close(po[1]);
		rl_proc_exec_rl("task", targv);
		fprintf(stderr, "%s: tool.not_found: cannot run rl-task: %s\n",
		    rl_prog, strerror(errno));
		_exit(127);
	}
	free(targv);
	if (dup2(po[0], 0) < 0)
		rl_die(RL_EXIT_TEMP, "io.open", "dup2: %s", strerror(errno));
	close(po[0]);
	close(po[1]);
	return pid;
}

/* rl-task's end, merged into status. */
static int
task_made(pid_t pid, int status)
{
	int st;

	if (rl_ring_stopped())
		kill(pid, SIGTERM);
	if (waitpid(pid, &st, 0) < 0 || (WIFEXITED(st) && WEXITSTATUS(st) == 0))
		return status;
	if (rl_ring_stopped())
		return status;
	return rl_exit_merge(status, WIFEXITED(st) ? WEXITSTATUS(st) :
	    RL_EXIT_FAIL);
}

static int
cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"no-sandbox", no_argument, NULL, 'S'},
		{"resume", no_argument, NULL, 'R'},
		{"discard", no_argument, NULL, 'D'},
		{"journal", required_argument, NULL, 'J'},
		{"tasks", required_argument, NULL, 'n'},
		{"provider", required_argument, NULL, 'p'},
		{"model", required_argument, NULL, 'm'},
		{NULL, 0, NULL, 0}
	};
	struct rl_ring_opts o = {0};
	struct rl_loop L = {0};
	struct rl_error e;
	struct rl_ring *R;
	const char *dir = NULL;
	pid_t task = -1;
	int c, status = RL_EXIT_OK;
	char *end;

	o.max_tasks = (int)rl_config_num(&cfg, "run.tasks", 4);
	o.restarts = (int)rl_config_num(&cfg, "run.restarts", 5);
	o.stop_ms = (long long)(rl_config_num(&cfg, "run.stop_seconds", 10) *
	    1000);
	o.journal = rl_config_str(&cfg, "run.journal", "redline");
	while ((c = getopt_long(argc, argv, "C:n:p:m:J:v", opts, NULL)) != -1) {
		switch (c) {
		case 'C': dir = optarg; break;
		case 'n':
			o.max_tasks = (int)strtol(optarg, &end, 10);
			if (*end || o.max_tasks < 1 || o.max_tasks > 1000) {
				rl_diag(NULL, 0, "usage.bad_value", "-n %s: give 1 to 1000 "
				    "tasks", optarg);
				return RL_EXIT_USAGE;
			}
			break;
		case 'p': o.provider = optarg; break;
		case 'm': o.model = optarg; break;
		case 'J': o.journal = optarg; break;
		case 'v': o.verbose = 1; break;
		case 'S': o.no_sandbox = 1; break;
		case 'R': o.resume = 1; break;
		case 'D': o.discard = 1; break;
		default:
			fputs(usage, stderr);
			return RL_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (o.resume && o.discard) {
		rl_diag(NULL, 0, "usage.bad_value", "--resume and --discard: one "
		    "or the other");
		return RL_EXIT_USAGE;
	}
	if (!(R = rl_ring_open(&cfg, &o, &e))) {
		rl_error_report(&e, NULL);
		return strcmp(e.code, "io.lock") == 0 ? RL_EXIT_TEMP : RL_EXIT_USAGE;
	}
	if (argc > 0)
		task = task_maker(dir, argc, argv);
	/* resuming at a terminal: nothing more to read */
	if (task > 0 || !o.resume || !isatty(0)) {
		rl_cmd_limits(&cfg, &L);
		status = rl_ring_feed(R, &L, 0, NULL);
	}
	if (task > 0)
		status = task_made(task, status);
	return rl_ring_close(R, rl_exit_merge(status, rl_ring_run(R)));
}

int
main(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	char prog[64];

	rl_proc_exec_dir(argv[0]);
	if (!sub || strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
		fputs(usage, sub ? stdout : stderr);
		return sub ? RL_EXIT_OK : RL_EXIT_USAGE;
	}
	if (strcmp(sub, "run") != 0) {
		rl_init(argv[0]);
		if (strchr(sub, '/') || strlen(sub) > 40) {
			rl_diag(NULL, 0, "usage.bad_value", "'%s' is not a redline "
			    "command", sub);
			return RL_EXIT_USAGE;
		}
		snprintf(prog, sizeof prog, "rl-%s", sub);
		argv[1] = prog;
		rl_proc_exec_rl(sub, argv + 1);
		rl_diag(NULL, 0, "tool.not_found", "'%s' is not a redline command "
		    "(no rl-%s): %s", sub, sub, strerror(errno));
		return RL_EXIT_USAGE;
	}
	rl_cmd_start(argv[0], &cfg);
	return rl_cmd_finish(&cfg, NULL, cmd_run(argc - 1, argv + 1));
}
