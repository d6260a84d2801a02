/*
 * rl-queue - a persistent priority queue from the shell: push records,
 * pop them under a lease, ack or nack them, let a pool of commands work
 * through them, and look after the dead letters.  The queue itself is
 * lib/rl_queue*.c; the worker pool lib/rl_work.c.
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
    "usage: rl-queue [-b backend] [-q name] push [-P priority] [--delay duration] [--schema file] [file ...]\n"
    "       rl-queue [-b backend] [-q name] pop [-c count] [--lease duration] [--wait duration]\n"
    "       rl-queue [-b backend] [-q name] ack lease ...\n"
    "       rl-queue [-b backend] [-q name] nack lease [--error json] [--dead]\n"
    "       rl-queue [-b backend] [-q name] work [-j jobs] [--lease duration] [--wait duration] [--out queue] -- command [arg ...]\n"
    "       rl-queue [-b backend] [-q name] ls [--state state]\n"
    "       rl-queue [-b backend] [-q name] stats\n"
    "       rl-queue [-b backend] [-q name] dead\n"
    "       rl-queue [-b backend] [-q name] requeue id | --all-dead\n"
    "       rl-queue [-b backend] [-q name] purge --state state\n"
    "       rl-queue [-b backend] [-q name] check\n";

enum {
	OPT_DELAY = RL_OPT_LONG, OPT_SCHEMA, OPT_LEASE, OPT_WAIT, OPT_ERROR,
	OPT_DEAD, OPT_OUT, OPT_STATE, OPT_ALL_DEAD
};

static const struct option opts[] = {
	{"backend", required_argument, NULL, 'b'},
	{"queue", required_argument, NULL, 'q'},
	{"priority", required_argument, NULL, 'P'},
	{"count", required_argument, NULL, 'c'},
	{"jobs", required_argument, NULL, 'j'},
	{"delay", required_argument, NULL, OPT_DELAY},
	{"schema", required_argument, NULL, OPT_SCHEMA},
	{"lease", required_argument, NULL, OPT_LEASE},
	{"wait", required_argument, NULL, OPT_WAIT},
	{"error", required_argument, NULL, OPT_ERROR},
	{"dead", no_argument, NULL, OPT_DEAD},
	{"out", required_argument, NULL, OPT_OUT},
	{"state", required_argument, NULL, OPT_STATE},
	{"all-dead", no_argument, NULL, OPT_ALL_DEAD},
	RL_CMD_OPTIONS
};

static struct rl_cmd_args A = {
	.usage = usage,
	.optstring = "hb:q:P:c:j:" RL_OLD("p:n:"),
	.longopts = opts,
};

/* The options, as given (or their defaults). */
static struct {
	const char *name, *schema, *error, *out, *state;
	int priority, jobs, dead, all_dead;
	long count;
	long long delay, lease, wait;
} O = {.name = "default", .jobs = 1, .count = 1, .lease = -1};

#define BATCH 256

static struct rl_config cfg;
static struct rl_queue *Q;

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
	struct push P = {0};
	struct rl_loop L = {.fn = push_one, .arg = &P, .stage = "queue"};
	struct rl_buf msg = {0};
	int st;

	P.priority = O.priority;
	P.delay = O.delay;
	if (O.schema && !(P.schema = rl_schema_load(O.schema, &msg)))
		rl_die(RL_EXIT_USAGE, "validate.bad_schema", "%s", msg.data);
	rl_buf_free(&msg);
	rl_cmd_limits(&cfg, &L);
	P.L = &L;
	st = rl_loop_run(&L, argc - 1, argv + 1);
	flush(&P);
	rl_schema_free(P.schema);
	return rl_exit_merge(st, P.status);
}

static int
cmd_pop(int argc, char **argv)
{
	long long lease = O.lease, until;
	struct rl_qmsg *m;
	size_t got = 0, i;
	int rc;

	(void)argc;
	(void)argv;
	if (lease <= 0)
		return rl_cmd_usage(&A, RL_EXIT_USAGE);
	m = rl_xcalloc((size_t)O.count, sizeof *m);
	until = rl_now_ms() + O.wait;
	while ((rc = rl_queue_pop(Q, (size_t)O.count, lease, m, &got)) == 0 &&
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
	cJSON *err = NULL;
	int rc;

	(void)argc;
	if (O.error && (!(err = cJSON_Parse(O.error)) || !cJSON_IsObject(err))) {
		cJSON_Delete(err);
		rl_diag(NULL, 0, "config.invalid", "--error: not a JSON object");
		return RL_EXIT_USAGE;
	}
	if (!err)
		err = rl_err_object("tool.failed", "nacked", "queue");
	rc = rl_queue_nack(Q, argv[1], err, O.dead);
	cJSON_Delete(err);
	if (rc < 0)
		return failed(Q);
	if (rc == 1)
		rl_diag(NULL, 0, "queue.lease_expired", "%s: no such lease "
		    "(expired, or acked already)", argv[1]);
	return rc;
}

static int
cmd_work(int argc, char **argv)
{
	struct rl_queue_work w = {0};
	int st;

	(void)argc;
	w.q = Q;
	w.jobs = O.jobs;
	w.lease_ms = O.lease;
	w.wait_ms = O.wait;
	if (w.lease_ms < 3)
		return rl_cmd_usage(&A, RL_EXIT_USAGE);
	if (O.out && !(w.out = rl_queue_open(&cfg, O.out, &st)))
		return st;
	st = rl_queue_work_run(&w, argv + 1);
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
cmd_stats(int argc, char **argv)
{
	static const char *names[] = {"ready", "delayed", "leased", "done", "dead"};
	struct rl_queue_stats s;
	cJSON *o;
	int i;

	(void)argc;
	(void)argv;
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

/* ls and dead: the messages of a state (all, without --state) */
static int
cmd_ls(int argc, char **argv)
{
	(void)argc;
	if (rl_queue_list(Q, strcmp(argv[0], "dead") ? O.state : "dead",
	    print_msg, NULL) < 0)
		return failed(Q);
	return RL_EXIT_OK;
}

static int
cmd_requeue(int argc, char **argv)
{
	unsigned long n;
	int rc;

	if ((argc == 2) == O.all_dead)      /* an id, or --all-dead */
		return rl_cmd_usage(&A, RL_EXIT_USAGE);
	if ((rc = rl_queue_requeue(Q, O.all_dead ? NULL : argv[1], &n)) < 0)
		return failed(Q);
	printf("%lu\n", n);
	return rc;
}

static int
cmd_purge(int argc, char **argv)
{
	unsigned long n;

	(void)argc;
	(void)argv;
	if (!O.state)
		return rl_cmd_usage(&A, RL_EXIT_USAGE);
	if (rl_queue_purge(Q, O.state, &n) < 0)
		return failed(Q);
	printf("%lu\n", n);
	return RL_EXIT_OK;
}

/* What keeps messages across a crash; a warning with its fix for each
 * setting that can lose an acked message, and then exit 1. */
static int
cmd_check(int argc, char **argv)
{
	struct rl_buf risks = {0};
	cJSON *o = cJSON_CreateObject();
	char *line, *save = NULL;
	int n;

	(void)argc;
	(void)argv;
	if ((n = rl_queue_check(Q, o, &risks)) < 0) {
		cJSON_Delete(o);
		rl_buf_free(&risks);
		return failed(Q);
	}
	cJSON_AddBoolToObject(o, "safe", n == 0);
	rl_out_json(o);
	cJSON_Delete(o);
	for (line = risks.data ? strtok_r(risks.data, "\n", &save) : NULL; line;
	    line = strtok_r(NULL, "\n", &save))
		rl_diag(NULL, 0, NULL, "warning: %s", line);
	rl_buf_free(&risks);
	return n ? RL_EXIT_FAIL : RL_EXIT_OK;
}

static const struct rl_cmd_sub subs[] = {
	{"push", cmd_push, 0, -1, "priority delay schema"},
	{"pop", cmd_pop, 0, 0, "count lease wait"},
	{"ack", cmd_ack, 1, -1, ""},
	{"nack", cmd_nack, 1, 1, "error dead"},
	{"work", cmd_work, 1, -1, "jobs lease wait out"},
	{"ls", cmd_ls, 0, 0, "state"},
	{"stats", cmd_stats, 0, 0, ""},
	{"dead", cmd_ls, 0, 0, ""},
	{"requeue", cmd_requeue, 0, 1, "all-dead"},
	{"purge", cmd_purge, 0, 0, "state"},
	{"check", cmd_check, 0, 0, ""},
	{NULL, NULL, 0, 0, NULL}
};

/* An option's value, checked; -1 after saying what is wrong. */
static int
option(int c)
{
	char *end;
	long v;

	switch (c) {
	case 'b':
		/* a flag: the last layer of the configuration, logged as one */
		return rl_config_set(&cfg, "queue.backend", optarg, "flag -b");
	case 'q': O.name = optarg; return 0;
	case 'p':
		rl_cmd_renamed(&A, 'P', "-p PRIORITY", "-P PRIORITY (--priority): "
		    "-p is the provider everywhere else");
		/* FALLTHROUGH */
	case 'P':
		v = strtol(optarg, &end, 10);
		if (!*optarg || *end || v < -1000 || v > 1000) {
			rl_diag(NULL, 0, "config.invalid", "-P %s: a priority "
			    "is an integer from -1000 to 1000", optarg);
			return -1;
		}
		O.priority = (int)v;
		return 0;
	case 'n':
		rl_cmd_renamed(&A, 'c', "-n COUNT", "-c COUNT (--count): "
		    "-n is rl-mem's namespace");
		/* FALLTHROUGH */
	case 'c':
		if ((O.count = strtol(optarg, &end, 10)) > 0 && !*end)
			return 0;
		break;
	case 'j':
		if ((O.jobs = (int)strtol(optarg, &end, 10)) > 0 && O.jobs <= 64 &&
		    !*end)
			return 0;
		break;
	case OPT_DELAY: return duration_ms(optarg, &O.delay);
	case OPT_LEASE: return duration_ms(optarg, &O.lease);
	case OPT_WAIT: return duration_ms(optarg, &O.wait);
	case OPT_SCHEMA: O.schema = optarg; return 0;
	case OPT_ERROR: O.error = optarg; return 0;
	case OPT_DEAD: O.dead = 1; return 0;
	case OPT_OUT: O.out = optarg; return 0;
	case OPT_STATE: O.state = optarg; return 0;
	case OPT_ALL_DEAD: O.all_dead = 1; return 0;
	}
	rl_cmd_usage(&A, RL_EXIT_USAGE);
	return -1;
}

int
main(int argc, char **argv)
{
	const struct rl_cmd_sub *sub;
	int c, status;

	rl_cmd_start(argv[0], &cfg);
	signal(SIGXFSZ, SIG_IGN);   /* a file size limit is an error, EFBIG */
	while ((c = rl_cmd_getopt(&A, argc, argv)) != -1)
		if (option(c) < 0)
			return rl_cmd_finish(&cfg, NULL, RL_EXIT_USAGE);
	if (A.status >= 0)
		return rl_cmd_finish(&cfg, NULL, A.status);
	if (O.lease < 0)
		O.lease = (long long)(rl_config_num(&cfg, "queue.lease", 300) * 1000);
	if (!(sub = rl_cmd_sub(subs, &A, "queue backend")))
		return rl_cmd_finish(&cfg, NULL, RL_EXIT_USAGE);
	if (!(Q = rl_queue_open(&cfg, O.name, &status)))
		return rl_cmd_finish(&cfg, NULL, status);
	status = sub->run(A.sargc, A.sargv);
	rl_queue_close(Q);
	return rl_cmd_finish(&cfg, NULL, status);
}
