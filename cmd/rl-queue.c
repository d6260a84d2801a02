/*
 * rl-queue - a persistent priority queue from the shell: push records,
 * pop them under a lease, ack or nack them, let a pool of commands work
 * through them, and look after the dead letters.  The queue itself is
 * lib/rl_queue*.c; the worker pool lib/rl_queue_work.c.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rl_buf.h"
#include "rl_cmd.h"
#include "rl_dur.h"
#include "rl_err.h"
#include "rl_json.h"
#include "rl_loop.h"
#include "rl_out.h"
#include "rl_queue.h"
#include "rl_queue_work.h"
#include "rl_schema.h"

static const char usage[] =
    "usage: rl-queue [-q name] push [-p priority] [--delay duration] [--schema file] [file ...]\n"
    "       rl-queue [-q name] pop [-n count] [--lease duration] [--wait duration]\n"
    "       rl-queue [-q name] ack lease ...\n"
    "       rl-queue [-q name] nack lease [--error json] [--dead]\n"
    "       rl-queue [-q name] work [-j jobs] [--lease duration] [--wait duration] [--out queue] -- command [arg ...]\n"
    "       rl-queue [-q name] ls [--state state]\n"
    "       rl-queue [-q name] stats\n"
    "       rl-queue [-q name] dead\n"
    "       rl-queue [-q name] requeue id | --all-dead\n"
    "       rl-queue [-q name] purge --state state\n";

#define BATCH 256

static struct rl_config cfg;
static struct rl_queue *Q;

static int
bad_usage(void)
{
	fputs(usage, stderr);
	return RL_EXIT_USAGE;
}

static int
failed(struct rl_queue *q)
{
	return rl_error_report(&q->err, NULL);
}

static int
duration_ms(const char *s, long long *ms)
{
	double secs;

	if (rl_dur_parse(s, &secs) < 0) {
		rl_diag(NULL, 0, "config.invalid", "'%s': not a duration", s);
		return -1;
	}
	*ms = (long long)(secs * 1000);
	return 0;
}

struct push {
	struct rl_schema *schema;
	const struct rl_loop *L;
	cJSON *batch[BATCH];
	size_t n;
	int priority, status;
	long long delay;
};

static void
flush(struct push *P)
{
	if (P->n && rl_queue_push(Q, P->batch, P->n, P->priority, P->delay, NULL) < 0)
		P->status = rl_exit_merge(P->status, failed(Q));
	while (P->n > 0)
		cJSON_Delete(P->batch[--P->n]);
}

static int
push_one(struct rl_rec *r, void *arg)
{
	struct push *P = arg;
	struct rl_buf msg = {0};
	cJSON *errs, *extra;
	int st;

	if (P->schema && !rl_schema_valid(P->schema, r->json)) {
		errs = cJSON_CreateArray();
		rl_schema_check(P->schema, r->json, errs, 20);
		rl_buf_printf(&msg, "%s: %s (not queued)",
		    *rl_json_str(errs->child, "path") ?
		    rl_json_str(errs->child, "path") : "(record)",
		    rl_json_str(errs->child, "message"));
		extra = cJSON_CreateObject();
		cJSON_AddItemToObject(extra, "errors", errs);
		st = rl_loop_reject(P->L, r, "validate.schema", msg.data, extra);
		rl_buf_free(&msg);
		return st;
	}
	/* the record lives in the loop's arena: the batch keeps a copy */
	P->batch[P->n++] = cJSON_Duplicate(r->json, 1);
	if (P->n == BATCH)
		flush(P);
	return RL_EXIT_OK;
}

static int
cmd_push(int argc, char **argv)
{
	static const struct option opts[] = {
		{"delay", required_argument, NULL, 'd'},
		{"schema", required_argument, NULL, 's'}, {0, 0, 0, 0}};
	struct push P = {0};
	struct rl_loop L = {.fn = push_one, .arg = &P, .stage = "queue"};
	struct rl_buf msg = {0};
	char *end;
	int c, st;

	while ((c = getopt_long(argc, argv, "p:", opts, NULL)) != -1) {
		if (c == 'p') {
			long v = strtol(optarg, &end, 10);
			if (!*optarg || *end || v < -1000 || v > 1000) {
				rl_diag(NULL, 0, "config.invalid", "-p %s: a priority "
				    "is an integer from -1000 to 1000", optarg);
				return RL_EXIT_USAGE;
			}
			P.priority = (int)v;
		} else if (c == 'd') {
			if (duration_ms(optarg, &P.delay) < 0)
				return RL_EXIT_USAGE;
		} else if (c == 's') {
			if (!(P.schema = rl_schema_load(optarg, &msg)))
				rl_die(RL_EXIT_USAGE, "validate.bad_schema", "%s", msg.data);
		} else {
			return bad_usage();
		}
	}
	rl_buf_free(&msg);
	rl_cmd_limits(&cfg, &L);
	P.L = &L;
	st = rl_loop_run(&L, argc - optind, argv + optind);
	flush(&P);
	rl_schema_free(P.schema);
	return rl_exit_merge(st, P.status);
}

static int
cmd_pop(int argc, char **argv)
{
	static const struct option opts[] = {
		{"lease", required_argument, NULL, 'l'},
		{"wait", required_argument, NULL, 'w'}, {0, 0, 0, 0}};
	long long lease = (long long)(rl_config_num(&cfg, "queue.lease", 300) * 1000);
	long long wait = 0, until;
	struct rl_qmsg *m;
	size_t got = 0, i;
	long count = 1;
	char *end;
	int c, rc;

	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		if (c == 'n' && (count = strtol(optarg, &end, 10)) > 0 && !*end)
			continue;
		if ((c == 'l' && duration_ms(optarg, &lease) == 0) ||
		    (c == 'w' && duration_ms(optarg, &wait) == 0))
			continue;
		return bad_usage();
	}
	if (optind != argc || lease <= 0)
		return bad_usage();
	m = rl_xcalloc((size_t)count, sizeof *m);
	until = rl_now_ms() + wait;
	while ((rc = rl_queue_pop(Q, (size_t)count, lease, m, &got)) == 0 &&
	    got == 0 && rl_now_ms() < until)
		usleep(100000);
	for (i = 0; i < got; i++) {
		cJSON *j = rl_qmsg_json(&m[i]);
		rl_out_json(j);
		cJSON_Delete(j);
		rl_qmsg_free(&m[i]);
	}
	free(m);
	if (rc < 0)
		return failed(Q);
	return got ? RL_EXIT_OK : RL_EXIT_FAIL;
}

static int
cmd_ack(int argc, char **argv)
{
	int *found, i, status = RL_EXIT_OK;

	if (argc < 2)
		return bad_usage();
	found = rl_xcalloc((size_t)argc, sizeof *found);
	if (rl_queue_ack(Q, (const char **)argv + 1, (size_t)argc - 1, found) < 0) {
		free(found);
		return failed(Q);
	}
	for (i = 0; i < argc - 1; i++) {
		if (found[i])
			continue;
		rl_diag(NULL, 0, "queue.lease_expired", "%s: no such lease "
		    "(expired, or acked already)", argv[i + 1]);
		status = RL_EXIT_FAIL;
	}
	free(found);
	return status;
}

static int
cmd_nack(int argc, char **argv)
{
	static const struct option opts[] = {
		{"error", required_argument, NULL, 'e'},
		{"dead", no_argument, NULL, 'd'}, {0, 0, 0, 0}};
	cJSON *err = NULL;
	int c, dead = 0, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'e') {
			cJSON_Delete(err);
			if (!(err = cJSON_Parse(optarg)) || !cJSON_IsObject(err)) {
				cJSON_Delete(err);
				rl_diag(NULL, 0, "config.invalid", "--error: not a "
				    "JSON object");
				return RL_EXIT_USAGE;
			}
		} else if (c == 'd') {
			dead = 1;
		} else {
			return bad_usage();
		}
	}
	if (argc - optind != 1)
		return bad_usage();
	if (!err)
		err = rl_err_object("tool.failed", "nacked", "queue");
	rc = rl_queue_nack(Q, argv[optind], err, dead);
	cJSON_Delete(err);
	if (rc < 0)
		return failed(Q);
	if (rc == 1)
		rl_diag(NULL, 0, "queue.lease_expired", "%s: no such lease "
		    "(expired, or acked already)", argv[optind]);
	return rc;
}

static int
cmd_work(int argc, char **argv)
{
	static const struct option opts[] = {
		{"lease", required_argument, NULL, 'l'},
		{"wait", required_argument, NULL, 'w'},
		{"out", required_argument, NULL, 'o'}, {0, 0, 0, 0}};
	struct rl_queue_work w = {0};
	const char *out = NULL;
	char *end;
	int c, st;

	w.q = Q;
	w.jobs = 1;
	w.lease_ms = (long long)(rl_config_num(&cfg, "queue.lease", 300) * 1000);
	while ((c = getopt_long(argc, argv, "+j:", opts, NULL)) != -1) {
		if (c == 'j' && (w.jobs = (int)strtol(optarg, &end, 10)) > 0 &&
		    w.jobs <= 64 && !*end)
			continue;
		if ((c == 'l' && duration_ms(optarg, &w.lease_ms) == 0) ||
		    (c == 'w' && duration_ms(optarg, &w.wait_ms) == 0))
			continue;
		if (c == 'o') {
			out = optarg;
			continue;
		}
		return bad_usage();
	}
	if (optind >= argc || w.lease_ms < 3)
		return bad_usage();
	if (out && !(w.out = rl_queue_open(&cfg, out)))
		return RL_EXIT_USAGE;
	st = rl_queue_work_run(&w, argv + optind);
	rl_queue_close(w.out);
	return st;
}

static int
print_msg(const struct rl_qmsg *m, void *arg)
{
	cJSON *j = rl_qmsg_json(m);

	(void)arg;
	rl_out_json(j);
	cJSON_Delete(j);
	return 0;
}

static int
cmd_stats(void)
{
	static const char *names[] = {"ready", "delayed", "leased", "done", "dead"};
	struct rl_queue_stats s;
	cJSON *o;
	int i;

	if (rl_queue_stats(Q, &s) < 0)
		return failed(Q);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "queue", Q->name);
	for (i = 0; i < 5; i++)
		cJSON_AddNumberToObject(o, names[i], (double)s.count[i]);
	cJSON_AddNumberToObject(o, "oldest_ready_ms", s.oldest_ready ?
	    (double)(rl_now_ms() - s.oldest_ready) : 0);
	cJSON_AddItemToObject(o, "ready_by_priority", s.by_priority);
	cJSON_AddItemToObject(o, "dead_by_code", s.dead_by_code);
	rl_out_json(o);
	cJSON_Delete(o);
	return RL_EXIT_OK;
}

/* "--state S" as the only option; NULL when absent. */
static int
state_opt(int argc, char **argv, const char **state)
{
	*state = NULL;
	if (argc == 1)
		return 0;
	if (argc == 3 && strcmp(argv[1], "--state") == 0) {
		*state = argv[2];
		return 0;
	}
	return -1;
}

static int
dispatch(const char *cmd, int argc, char **argv)
{
	const char *state;
	unsigned long n;
	int rc;

	if (!strcmp(cmd, "push"))
		return cmd_push(argc, argv);
	if (!strcmp(cmd, "pop"))
		return cmd_pop(argc, argv);
	if (!strcmp(cmd, "ack"))
		return cmd_ack(argc, argv);
	if (!strcmp(cmd, "nack"))
		return cmd_nack(argc, argv);
	if (!strcmp(cmd, "work"))
		return cmd_work(argc, argv);
	if (!strcmp(cmd, "stats") && argc == 1)
		return cmd_stats();
	if ((!strcmp(cmd, "ls") && state_opt(argc, argv, &state) == 0) ||
	    (!strcmp(cmd, "dead") && argc == 1 && (state = "dead"))) {
		rc = rl_queue_list(Q, state, print_msg, NULL);
		return rc < 0 ? failed(Q) : RL_EXIT_OK;
	}
	if (!strcmp(cmd, "requeue") && argc == 2) {
		rc = rl_queue_requeue(Q, strcmp(argv[1], "--all-dead") ? argv[1] :
		    NULL, &n);
		if (rc < 0)
			return failed(Q);
		printf("%lu\n", n);
		return rc;
	}
	if (!strcmp(cmd, "purge") && state_opt(argc, argv, &state) == 0 && state) {
		if (rl_queue_purge(Q, state, &n) < 0)
			return failed(Q);
		printf("%lu\n", n);
		return RL_EXIT_OK;
	}
	return bad_usage();
}

int
main(int argc, char **argv)
{
	const char *name = "default";
	int c, status;

	rl_cmd_start(argv[0], &cfg);
	signal(SIGXFSZ, SIG_IGN);   /* a file size limit is an error, EFBIG */
	while ((c = getopt(argc, argv, "+hq:")) != -1) {
		switch (c) {
		case 'h': fputs(usage, stdout); return rl_cmd_finish(&cfg, NULL, 0);
		case 'q': name = optarg; break;
		default: rl_config_free(&cfg); return bad_usage();
		}
	}
	if (optind >= argc) {
		rl_config_free(&cfg);
		return bad_usage();
	}
	if (!(Q = rl_queue_open(&cfg, name))) {
		rl_config_free(&cfg);
		return RL_EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	optind = 0;             /* GNU getopt: start afresh for the subcommand */
	status = dispatch(argv[0], argc, argv);
	rl_queue_close(Q);
	return rl_cmd_finish(&cfg, NULL, status);
}
