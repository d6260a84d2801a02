/*
 * rl-act - run tools in redline's sandbox.
 *
 *   rl-act exec [-C dir] [-t seconds] [-v] [--no-sandbox] -- command [arg ...]
 *            run one command under exactly the sandbox a tool gets: its
 *            stdout and stderr on ours, its status as ours
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rl_cmd.h"
#include "rl_config.h"
#include "rl_dur.h"
#include "rl_err.h"
#include "rl_fs.h"
#include "rl_sandbox.h"

/* The most input a command is given. */
#define INPUT_MAX (64UL << 20)

static struct rl_config cfg;

static const char usage[] =
    "usage: rl-act exec [-C dir] [-t seconds] [-v] [--no-sandbox] -- command [arg ...]\n";

static int
bad_usage(void)
{
	fputs(usage, stderr);
	return RL_EXIT_USAGE;
}

/* The policy of config sandbox.*, for commands run in dir. */
static void
policy(struct rl_sandbox *sb, const char *dir, struct rl_buf *ro)
{
	sb->dir = dir;
	sb->timeout_ms = (long long)(rl_config_num(&cfg, "sandbox.timeout", 120) * 1000);
	sb->cpu_s = (long)rl_config_num(&cfg, "sandbox.cpu_seconds", 300);
	sb->mem_bytes = (long long)rl_config_num(&cfg, "sandbox.memory_bytes", 4294967296.0);
	sb->file_bytes = (long long)rl_config_num(&cfg, "sandbox.file_bytes", 1073741824.0);
	sb->files = (long)rl_config_num(&cfg, "sandbox.open_files", 1024);
	sb->procs = (long)rl_config_num(&cfg, "sandbox.processes", 512);
	sb->out_cap = (size_t)rl_config_num(&cfg, "sandbox.output_bytes", 1048576);
	/* where a hook or a memory could be planted: read-only */
	rl_buf_printf(ro, "%s/.git", dir);
	rl_buf_addc(ro, 0);
	rl_config_state_dir(&cfg, ro);
	rl_buf_addc(ro, 0);
}

static int
cmd_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{"no-sandbox", no_argument, NULL, 'n'},
		{NULL, 0, NULL, 0}
	};
	struct rl_sandbox sb = {0};
	struct rl_sandbox_result r;
	struct rl_error e;
	struct rl_buf ro = {0}, in = {0};
	const char *dir = ".", *ros[3];
	double secs = -1;
	int c, verbose = 0, off = 0, status;

	while ((c = getopt_long(argc, argv, "+C:t:v", opts, NULL)) != -1) {
		switch (c) {
		case 'C': dir = optarg; break;
		case 't':
			if (rl_dur_parse(optarg, &secs) < 0) {
				rl_diag(NULL, 0, "usage.bad_value", "-t %s: not a duration",
				    optarg);
				return RL_EXIT_USAGE;
			}
			break;
		case 'v': verbose = 1; break;
		case 'n': off = 1; break;
		default: return bad_usage();
		}
	}
	if (optind >= argc)
		return bad_usage();
	policy(&sb, dir, &ro);
	ros[0] = ro.data;
	ros[1] = ro.data + strlen(ro.data) + 1;
	ros[2] = NULL;
	sb.ro = ros;
	sb.off = off;
	if (secs >= 0)
		sb.timeout_ms = (long long)(secs * 1000);
	/* stdin, unless it is a terminal, is the command's input */
	if (!isatty(0)) {
		if (rl_fs_read_fd(0, &in, INPUT_MAX) < 0) {
			rl_diag(NULL, 0, "io.read", "stdin: %s", strerror(errno));
			status = RL_EXIT_USAGE;
			goto out_free;
		}
		sb.input = in.data;
		sb.input_len = in.len;
	}
	if (off)
		fprintf(stderr, "%s: warning: --no-sandbox: %s runs with only "
		    "limits, a deadline and a clean environment\n", rl_prog,
		    argv[optind]);
	if (rl_sandbox_run(&sb, argv + optind, &r, &e) < 0) {
		status = rl_error_report(&e, NULL);
		if (strcmp(e.code, "tool.not_found") == 0)
			status = 127;
		goto out;
	}
	if (r.out.len && rl_fs_write_all(1, r.out.data, r.out.len) < 0)
		rl_die(RL_EXIT_TEMP, "io.write", "stdout: cannot write");
	if (r.err.len && rl_fs_write_all(2, r.err.data, r.err.len) < 0)
		rl_die(RL_EXIT_TEMP, "io.write", "stderr: cannot write");
	if (r.out_bytes > r.out.len || r.err_bytes > r.err.len)
		rl_diag(NULL, 0, "tool.output_cut", "output over %zu bytes was cut: "
		    "stdout %llu bytes, stderr %llu", sb.out_cap, r.out_bytes, r.err_bytes);
	if (r.timed_out)
		rl_diag(NULL, 0, "tool.timeout", "%s ran past its deadline of %.1f s "
		    "and was killed", argv[optind], (double)sb.timeout_ms / 1000);
	if (verbose)
		fprintf(stderr, "%s: sandbox: %s; %lld ms\n", rl_prog, r.layers, r.ms);
	status = rl_sandbox_status(&r);
out:
	rl_sandbox_result_free(&r);
out_free:
	rl_buf_free(&ro);
	rl_buf_free(&in);
	return status;
}

int
main(int argc, char **argv)
{
	const char *sub;
	int status;

	rl_cmd_start(argv[0], &cfg);
	if (argc < 2) {
		rl_config_free(&cfg);
		return bad_usage();
	}
	sub = argv[1];
	if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
		fputs(usage, stdout);
		return rl_cmd_finish(&cfg, NULL, RL_EXIT_OK);
	}
	argc--;
	argv++;
	if (strcmp(sub, "exec") == 0)
		status = cmd_exec(argc, argv);
	else
		status = bad_usage();
	return rl_cmd_finish(&cfg, NULL, status);
}
