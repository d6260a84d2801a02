/*
 * redline - the front command, and the supervisor of the agent ring.
 *
 *   redline CMD [arg ...]   runs rl-CMD (as git runs git-CMD)
 *   redline help [CMD]      the commands, one line each; rl-CMD --help
 *   redline run [-C dir] [-j jobs] [-p provider] [-m model] [-v]
 *               [--journal name] [--no-sandbox] [--push branch]
 *               [--resume | --discard] [task ...]
 *
 * `redline run` reads its options, makes batons of tasks given as words
 * (rl-task), and hands the rest to the ring (rl_ring.h): the stages, the
 * journal, resume and the restart policy live there.  The options of run
 * may come before it too; a command's own options are the command's.
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
    "usage: redline run [-C dir] [-j jobs] [-p provider] [-m model] [-v] "
    "[--journal name] [--no-sandbox] [--push branch] [--resume | --discard] "
    "[task ...]\n"
    "       redline help [command]\n"
    "       redline command [arg ...]\n";

/* The commands `redline help` lists: the name after redline, and what
 * its page's NAME says (tests/0001-docs.bats holds them to it). */
static const struct {
	const char *name, *what;
} commands[] = {
	{"run", "supervise the agent ring, with a journal (redline(1))"},
	{"task", "make task batons, to start a pipeline from a sentence"},
	{"trust", "trust a repository's .redline/ settings, tools and prompts"},
	{"reason", "the reasoning agent: explain a task, find its gaps, "
	    "derive findings"},
	{"plan", "the planning agent: a plan of tool calls"},
	{"act", "run a plan's tools, and any command, in redline's sandbox"},
	{"feedback", "the feedback agent: judge what the tools did, then loop "
	    "back or go on"},
	{"complete", "the completion agent: verify, and write a task's final "
	    "status"},
	{"validate", "validate and sanitize records against a JSON Schema"},
	{"config", "show, query, change, check and migrate the redline "
	    "configuration"},
	{"mem", "the agents' persistent memory"},
	{"queue", "a persistent priority queue with leases, retries and dead "
	    "letters"},
	{"provider", "ask a model from the shell, check a provider, list "
	    "providers"},
	{"stats", "summaries and error patterns of the metrics log"},
	{"reward", "measure technical debt, score runs, choose models by their "
	    "rewards"},
};

enum { OPT_JOURNAL = RL_OPT_LONG, OPT_NO_SANDBOX, OPT_RESUME, OPT_DISCARD,
	OPT_PUSH };

static const struct option opts[] = {
	{"directory", required_argument, NULL, 'C'},
	{"jobs", required_argument, NULL, 'j'},
	{"provider", required_argument, NULL, 'p'},
	{"model", required_argument, NULL, 'm'},
	{"verbose", no_argument, NULL, 'v'},
	{"journal", required_argument, NULL, OPT_JOURNAL},
	{"no-sandbox", no_argument, NULL, OPT_NO_SANDBOX},
	{"resume", no_argument, NULL, OPT_RESUME},
	{"discard", no_argument, NULL, OPT_DISCARD},
	{"push", required_argument, NULL, OPT_PUSH},
	RL_OLD_OPT("tasks", required_argument, 'n'),
	RL_CMD_OPTIONS
};

static struct rl_cmd_args A = {
	.usage = usage,
	.optstring = "hC:j:p:m:v" RL_OLD("n:J:"),
	.longopts = opts,
};

/* run's options, as given: what is not given comes from the
 * configuration (run.tasks, run.journal) */
static struct {
	struct rl_ring_opts o;
	const char *dir;
} O;

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
	struct rl_ring_opts o = O.o;
	struct rl_loop L = {0};
	struct rl_error e;
	struct rl_ring *R;
	pid_t task = -1;
	int status = RL_EXIT_OK;

	if (!o.max_tasks)
		o.max_tasks = (int)rl_config_num(&cfg, "run.tasks", 4);
	o.restarts = (int)rl_config_num(&cfg, "run.restarts", 5);
	o.stop_ms = (long long)(rl_config_num(&cfg, "run.stop_seconds", 10) *
	    1000);
	if (!o.journal)
		o.journal = rl_config_str(&cfg, "run.journal", "redline");
	argc--;
	argv++;
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
		task = task_maker(O.dir, argc, argv);
	/* resuming at a terminal: nothing more to read */
	if (task > 0 || !o.resume || !isatty(0)) {
		rl_cmd_limits(&cfg, &L);
		status = rl_ring_feed(R, &L, 0, NULL);
	}
	if (task > 0)
		status = task_made(task, status);
	return rl_ring_close(R, rl_exit_merge(status, rl_ring_run(R)));
}

/* The usage, the long options of run and the commands, on stdout for
 * help, on stderr for a mistake; returns status. */
static int
help(int status)
{
	FILE *f = status == RL_EXIT_OK ? stdout : stderr;
	size_t i;

	rl_cmd_help(&A, f);
	fputs("\ncommands (redline command runs rl-command):\n", f);
	for (i = 0; i < sizeof commands / sizeof *commands; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].what);
	fputs("\nredline help command, or man rl-command, tells more\n", f);
	return status;
}

/* An option of run's, checked; -1 after saying what is wrong. */
static int
option(int c)
{
	char *end;

	switch (c) {
	case 'C': O.dir = optarg; break;
	case 'p': O.o.provider = optarg; break;
	case 'm': O.o.model = optarg; break;
	case 'v': O.o.verbose = 1; break;
	case OPT_NO_SANDBOX: O.o.no_sandbox = 1; break;
	case OPT_RESUME: O.o.resume = 1; break;
	case OPT_DISCARD: O.o.discard = 1; break;
	case OPT_PUSH: O.o.push = optarg; break;
	case 'J':
		rl_cmd_renamed(&A, OPT_JOURNAL, "-J NAME", "--journal NAME: -J is "
		    "NDJSON output everywhere else");
		/* FALLTHROUGH */
	case OPT_JOURNAL: O.o.journal = optarg; break;
	case 'n':
	case RL_OPT_OLD + 'n':
		rl_cmd_renamed(&A, 'j', c == 'n' ? "-n TASKS" : "--tasks TASKS",
		    "-j TASKS (--jobs)");
		/* FALLTHROUGH */
	case 'j':
		O.o.max_tasks = (int)strtol(optarg, &end, 10);
		if (*end || O.o.max_tasks < 1 || O.o.max_tasks > 1000) {
			rl_diag(NULL, 0, "usage.bad_value", "-j %s: give 1 to 1000 "
			    "tasks", optarg);
			return -1;
		}
		break;
	}
	return 0;
}

static const struct rl_cmd_sub subs[] = {
	{"run", cmd_run, 0, -1, "directory jobs provider model verbose journal "
	    "no-sandbox resume discard push"},
	{NULL, NULL, 0, 0, NULL}
};

/* rl-CMD with argv, whose argv[0] is replaced: returns only when it
 * cannot be run. */
static int
exec_rl(const char *cmd, char **argv)
{
	char prog[64];

	if (strchr(cmd, '/') || strlen(cmd) > 40) {
		rl_diag(NULL, 0, "usage.bad_value", "'%s' is not a redline "
		    "command", cmd);
		return RL_EXIT_USAGE;
	}
	snprintf(prog, sizeof prog, "rl-%s", cmd);
	argv[0] = prog;
	rl_proc_exec_rl(cmd, argv);
	rl_diag(NULL, 0, "tool.not_found", "'%s' is not a redline command "
	    "(no rl-%s): %s; 'redline help' lists them", cmd, cmd,
	    strerror(errno));
	return RL_EXIT_USAGE;
}

/* redline help [CMD]: the commands; run's usage; rl-CMD --help. */
static int
help_with(int argc, char **argv)
{
	char *hargv[] = {NULL, "--help", NULL};

	if (argc == 0)
		return help(RL_EXIT_OK);
	if (argc > 1)
		return help(RL_EXIT_USAGE);
	if (strcmp(argv[0], "run") == 0)
		return rl_cmd_usage(&A, RL_EXIT_OK);
	return exec_rl(argv[0], hargv);
}

/* redline run, its options before or after the word run. */
static int
run(int argc, char **argv)
{
	const struct rl_cmd_sub *s;
	int c;

	while ((c = rl_cmd_getopt(&A, argc, argv)) != -1)
		if (option(c) < 0)
			return RL_EXIT_USAGE;
	if (A.status >= 0)
		return A.status;
	if (!(s = rl_cmd_sub(subs, &A, "")))
		return RL_EXIT_USAGE;
	rl_cmd_start(argv[0], &cfg);
	return rl_cmd_finish(&cfg, NULL, s->run(A.sargc, A.sargv));
}

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	rl_proc_exec_dir(argv[0]);
	rl_init(argv[0]);
	if (!cmd)
		return help(RL_EXIT_USAGE);
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0)
		return help(RL_EXIT_OK);
	if (strcmp(cmd, "help") == 0)
		return help_with(argc - 2, argv + 2);
	if (*cmd == '-' || strcmp(cmd, "run") == 0)
		return run(argc, argv);
	return exec_rl(cmd, argv + 1);
}
