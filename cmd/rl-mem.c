/*
 * rl-mem - the agents' persistent memory from the shell.
 *
 * One subcommand per operation of the store (rl_mem.h), `batch`, which
 * reads NDJSON operations through the record loop and answers each with
 * one NDJSON result, in one process: the fast path for pipelines; and
 * `check`, what the store is and whether it keeps what it acknowledges.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rl_buf.h"
#include "rl_cmd.h"
#include "rl_dur.h"
#include "rl_err.h"
#include "rl_fs.h"
#include "rl_json.h"
#include "rl_loop.h"
#include "rl_mem.h"
#include "rl_out.h"
#include "rl_text.h"

static const char usage[] =
    "usage: rl-mem [-b backend] [-n ns] put key [value | -] [--ttl duration] [--type type]\n"
    "       rl-mem [-b backend] [-n ns] get key\n"
    "       rl-mem [-b backend] [-n ns] del key\n"
    "       rl-mem [-b backend] [-n ns] incr key [delta]\n"
    "       rl-mem [-b backend] [-n ns] ls [-l] [prefix]\n"
    "       rl-mem [-b backend] [-n ns] clear [--all]\n"
    "       rl-mem [-b backend] [-n ns] gc [--max-age duration] [--max-bytes n] [--max-entries n]\n"
    "       rl-mem [-b backend] [-n ns] stats [-J]\n"
    "       rl-mem [-b backend] [-n ns] batch [file ...]\n"
    "       rl-mem [-b backend] check\n";

enum {
	OPT_TTL = RL_OPT_LONG, OPT_TYPE, OPT_ALL, OPT_MAX_AGE, OPT_MAX_BYTES,
	OPT_MAX_ENTRIES
};

static const struct option opts[] = {
	{"backend", required_argument, NULL, 'b'},
	{"namespace", required_argument, NULL, 'n'},
	{"long", no_argument, NULL, 'l'},
	{"ndjson", no_argument, NULL, 'J'},
	{"ttl", required_argument, NULL, OPT_TTL},
	{"type", required_argument, NULL, OPT_TYPE},
	{"all", no_argument, NULL, OPT_ALL},
	{"max-age", required_argument, NULL, OPT_MAX_AGE},
	{"max-bytes", required_argument, NULL, OPT_MAX_BYTES},
	{"max-entries", required_argument, NULL, OPT_MAX_ENTRIES},
	RL_CMD_OPTIONS
};

static struct rl_cmd_args A = {
	.usage = usage,
	.optstring = "hb:n:lJ",
	.longopts = opts,
};

static struct rl_mem *M;
static const char *NS;           /* -n, or NULL */

/* The options, as given (or their defaults). */
static struct {
	const char *type;
	double ttl;
	int longform, nd, all;
	struct rl_mem_gc gc;
} O = {.gc = {-1, -1, -1}};

static struct rl_config *C;

/* Report the store's last error; returns the exit status for it. */
static int
failed(void)
{
	return rl_error_report(&M->err, NULL);
}

static int
read_stdin(struct rl_buf *b)
{
	char chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
		rl_buf_add(b, chunk, n);
	return ferror(stdin) ? -1 : 0;
}

static int
cmd_put(int argc, char **argv)
{
	struct rl_buf val = {0};
	int rc;

	if (argc == 3 && strcmp(argv[2], "-") != 0)
		rl_buf_adds(&val, argv[2]);
	else if (read_stdin(&val) < 0)
		rl_die(RL_EXIT_TEMP, "io.read", "stdin: cannot read");
	rc = rl_mem_put(M, NS ? NS : "default", argv[1],
	    val.data ? val.data : "", val.len, O.ttl, O.type);
	rl_buf_free(&val);
	return rc < 0 ? failed() : RL_EXIT_OK;
}

static int
cmd_get(int argc, char **argv)
{
	struct rl_buf val = {0};
	int rc = rl_mem_get(M, NS ? NS : "default", argv[1], &val, NULL);

	(void)argc;
	if (rc == 0 && val.len && fwrite(val.data, 1, val.len, stdout) != val.len)
		rc = -1;
	rl_buf_free(&val);
	return rc < 0 ? failed() : rc;
}

static int
cmd_del(int argc, char **argv)
{
	int rc = rl_mem_del(M, NS ? NS : "default", argv[1]);

	(void)argc;
	return rc < 0 ? failed() : rc;
}

static int
cmd_incr(int argc, char **argv)
{
	long long d = 1, v;
	char *end;

	if (argc == 3) {
		d = strtoll(argv[2], &end, 10);
		if (!*argv[2] || *end)
			return rl_cmd_usage(&A, RL_EXIT_USAGE);
	}
	if (rl_mem_incr(M, NS ? NS : "default", argv[1], d, &v) < 0)
		return failed();
	printf("%lld\n", v);
	return RL_EXIT_OK;
}

struct ls {
	int longform, corrupt;
	long long now;
};

static int
ls_one(const struct rl_mem_entry *e, void *arg)
{
	struct ls *L = arg;
	char age[32];

	if (e->corrupt) {
		rl_diag(e->ns, 0, "mem.corrupt", "'%s' is not a valid entry "
		    "(fix: rl-mem -n %s del '%s')", e->key, e->ns, e->key);
		L->corrupt++;
		return 0;
	}
	if (L->longform) {
		rl_dur_format(L->now - e->meta.created, age, sizeof age);
		printf("%llu\t%s\t%s\n", e->meta.size, age, e->key);
	} else {
		printf("%s\n", e->key);
	}
	return 0;
}

static int
cmd_ls(int argc, char **argv)
{
	struct ls L = {O.longform, 0, rl_now_ms()};

	if (rl_mem_list(M, NS ? NS : "default", argc > 1 ? argv[1] : NULL,
	    ls_one, &L) < 0)
		return failed();
	return L.corrupt ? RL_EXIT_FAIL : RL_EXIT_OK;
}

static void
iso(long long ms, char *out, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
stats_one(const struct rl_mem_stats *s, void *arg)
{
	int table = *(int *)arg;
	char oldest[32] = "-", newest[32] = "-";
	cJSON *o;

	if (s->entries) {
		iso(s->oldest, oldest, sizeof oldest);
		iso(s->newest, newest, sizeof newest);
	}
	if (table) {
		printf("%-16s %8llu %12llu %8llu %8llu %7llu  %-20s %s\n", s->ns,
		    s->entries, s->bytes, s->hits, s->misses, s->corrupt,
		    oldest, newest);
		return 0;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "ns", s->ns);
	cJSON_AddNumberToObject(o, "entries", (double)s->entries);
	cJSON_AddNumberToObject(o, "bytes", (double)s->bytes);
	cJSON_AddNumberToObject(o, "hits", (double)s->hits);
	cJSON_AddNumberToObject(o, "misses", (double)s->misses);
	cJSON_AddNumberToObject(o, "corrupt", (double)s->corrupt);
	if (s->entries) {
		cJSON_AddStringToObject(o, "oldest", oldest);
		cJSON_AddStringToObject(o, "newest", newest);
	}
	rl_out_json(o);
	cJSON_Delete(o);
	return 0;
}

static int
cmd_stats(int argc, char **argv)
{
	int table = isatty(STDOUT_FILENO) && !O.nd;

	(void)argc;
	(void)argv;
	if (table)
		printf("%-16s %8s %12s %8s %8s %7s  %-20s %s\n", "NAMESPACE",
		    "ENTRIES", "BYTES", "HITS", "MISSES", "CORRUPT", "OLDEST",
		    "NEWEST");
	fflush(stdout);
	return rl_mem_stats(M, NS, stats_one, &table) < 0 ? failed() : RL_EXIT_OK;
}

static int
cmd_gc(int argc, char **argv)
{
	struct rl_mem_gc_result r;

	(void)argc;
	(void)argv;
	if (rl_mem_gc(M, NS, &O.gc, &r) < 0)
		return failed();
	printf("{\"expired\":%lu,\"aged\":%lu,\"evicted\":%lu,\"temp\":%lu,"
	    "\"bytes\":%llu}\n", r.expired, r.aged, r.evicted, r.temp, r.bytes);
	return RL_EXIT_OK;
}

static int
cmd_clear(int argc, char **argv)
{
	unsigned long removed;

	(void)argc;
	(void)argv;
	if (O.all && NS)
		return rl_cmd_usage(&A, RL_EXIT_USAGE);
	if (rl_mem_clear(M, O.all ? NULL : NS ? NS : "default", &removed) < 0)
		return failed();
	printf("%lu\n", removed);
	return RL_EXIT_OK;
}

static int
cmd_batch(int argc, char **argv)
{
	struct rl_mem_batch B;
	struct rl_loop L = {.stage = "mem"};
	int status;

	rl_mem_batch_start(&B, M, NS ? NS : "default", &L);
	rl_cmd_limits(C, &L);
	status = rl_loop_run(&L, argc - 1, argv + 1);
	return rl_exit_merge(status, rl_mem_batch_finish(&B));
}

/* What keeps entries across a crash, as rl-queue check says it: one
 * JSON object on stdout, a warning on stderr for each setting that can
 * lose an acknowledged write, with its fix; exit 1 when there is one. */
static int
cmd_check(int argc, char **argv)
{
	struct rl_buf risks = {0};
	cJSON *o = cJSON_CreateObject();
	int n;

	(void)argc;
	(void)argv;
	if ((n = rl_mem_check(M, o, &risks)) < 0) {
		cJSON_Delete(o);
		rl_buf_free(&risks);
		return failed();
	}
	return rl_cmd_check_report(o, &risks, n);
}

static const struct rl_cmd_sub subs[] = {
	{"put", cmd_put, 1, 2, "ttl type"},
	{"get", cmd_get, 1, 1, ""},
	{"del", cmd_del, 1, 1, ""},
	{"incr", cmd_incr, 1, 2, ""},
	{"ls", cmd_ls, 0, 1, "long"},
	{"clear", cmd_clear, 0, 0, "all"},
	{"gc", cmd_gc, 0, 0, "max-age max-bytes max-entries"},
	{"stats", cmd_stats, 0, 0, "ndjson"},
	{"batch", cmd_batch, 0, -1, ""},
	{"check", cmd_check, 0, 0, ""},
	{NULL, NULL, 0, 0, NULL}
};

/* An option's value, checked; -1 after the usage. */
static int
option(int c)
{
	long long v;
	char *end;

	switch (c) {
	case 'b':
		return rl_config_set(C, "mem.backend", optarg, "flag -b") < 0 ?
		    -2 : 0;
	case 'n': NS = optarg; return 0;
	case 'l': O.longform = 1; return 0;
	case 'J': O.nd = 1; return 0;
	case OPT_TYPE: O.type = optarg; return 0;
	case OPT_ALL: O.all = 1; return 0;
	case OPT_TTL:
		if (rl_dur_parse(optarg, &O.ttl) == 0)
			return 0;
		rl_diag(NULL, 0, "mem.bad_op", "'%s': not a duration", optarg);
		break;
	case OPT_MAX_AGE:
		if (rl_dur_parse(optarg, &O.gc.max_age) == 0)
			return 0;
		break;
	case OPT_MAX_BYTES:
	case OPT_MAX_ENTRIES:
		v = strtoll(optarg, &end, 10);
		if (*optarg && !*end && v >= 0) {
			if (c == OPT_MAX_BYTES)
				O.gc.max_bytes = v;
			else
				O.gc.max_entries = v;
			return 0;
		}
		break;
	}
	rl_cmd_usage(&A, RL_EXIT_USAGE);
	return -1;
}

int
main(int argc, char **argv)
{
	struct rl_config cfg = {0};
	struct rl_error err;
	const struct rl_cmd_sub *sub;
	int c, status;

	rl_cmd_start(argv[0], &cfg);
	C = &cfg;
	signal(SIGXFSZ, SIG_IGN);   /* a file size limit is an error, EFBIG */
	while ((c = rl_cmd_getopt(&A, argc, argv)) != -1)
		if (option(c) < 0)
			return rl_cmd_finish(&cfg, NULL, RL_EXIT_USAGE);
	if (A.status >= 0)
		return rl_cmd_finish(&cfg, NULL, A.status);
	if (!(sub = rl_cmd_sub(subs, &A, "namespace backend")))
		return rl_cmd_finish(&cfg, NULL, RL_EXIT_USAGE);
	if (NS && !rl_fs_safe_name(NS))
		rl_die(RL_EXIT_USAGE, "mem.bad_key", "'%s': a namespace is "
		    RL_FS_NAME_RULE, NS);
	if (!(M = rl_mem_open(&cfg, &err)))
		return rl_cmd_finish(&cfg, NULL, rl_error_report(&err, NULL));
	status = sub->run(A.sargc, A.sargv);
	rl_mem_close(M);
	return rl_cmd_finish(&cfg, NULL, status);
}
