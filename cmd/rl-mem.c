/*
 * rl-mem - the agents' persistent memory from the shell.
 *
 * One subcommand per operation of the store (rl_mem.h), and `batch`,
 * which reads NDJSON operations through the record loop and answers each
 * with one NDJSON result, in one process: the fast path for pipelines.
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
    "usage: rl-mem [-n ns] put key [value | -] [--ttl duration] [--type type]\n"
    "       rl-mem [-n ns] get key\n"
    "       rl-mem [-n ns] del key\n"
    "       rl-mem [-n ns] incr key [delta]\n"
    "       rl-mem [-n ns] ls [-l] [prefix]\n"
    "       rl-mem [-n ns] clear [--all]\n"
    "       rl-mem [-n ns] gc [--max-age duration] [--max-bytes n] [--max-entries n]\n"
    "       rl-mem [-n ns] stats [-J]\n"
    "       rl-mem [-n ns] batch [file ...]\n";

static struct rl_mem *M;
static const char *NS;           /* -n, or NULL */

static int
bad_usage(void)
{
	fputs(usage, stderr);
	return RL_EXIT_USAGE;
}

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
	static const struct option opts[] = {
		{"ttl", required_argument, NULL, 't'},
		{"type", required_argument, NULL, 'y'}, {0, 0, 0, 0}};
	const char *type = NULL;
	struct rl_buf val = {0};
	double ttl = 0;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 't' && rl_dur_parse(optarg, &ttl) == 0)
			continue;
		if (c == 'y') {
			type = optarg;
			continue;
		}
		if (c == 't')
			rl_diag(NULL, 0, "mem.bad_op", "'%s': not a duration", optarg);
		return bad_usage();
	}
	if (argc - optind < 1 || argc - optind > 2)
		return bad_usage();
	if (argc - optind == 2 && strcmp(argv[optind + 1], "-") != 0)
		rl_buf_adds(&val, argv[optind + 1]);
	else if (read_stdin(&val) < 0)
		rl_die(RL_EXIT_TEMP, "io.read", "stdin: cannot read");
	rc = rl_mem_put(M, NS ? NS : "default", argv[optind], val.data ? val.data : "",
	    val.len, ttl, type);
	rl_buf_free(&val);
	return rc < 0 ? failed() : RL_EXIT_OK;
}

static int
cmd_get(const char *key)
{
	struct rl_buf val = {0};
	int rc = rl_mem_get(M, NS ? NS : "default", key, &val, NULL);

	if (rc == 0 && val.len && fwrite(val.data, 1, val.len, stdout) != val.len)
		rc = -1;
	rl_buf_free(&val);
	return rc < 0 ? failed() : rc;
}

static int
cmd_incr(const char *key, const char *delta)
{
	long long d = 1, v;
	char *end;

	if (delta) {
		d = strtoll(delta, &end, 10);
		if (!*delta || *end)
			return bad_usage();
	}
	if (rl_mem_incr(M, NS ? NS : "default", key, d, &v) < 0)
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
		    "(fix: rl-mem -n %s del it)", e->key, e->ns);
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
	struct ls L = {0, 0, rl_now_ms()};
	int c;

	while ((c = getopt(argc, argv, "l")) != -1) {
		if (c != 'l')
			return bad_usage();
		L.longform = 1;
	}
	if (argc - optind > 1)
		return bad_usage();
	if (rl_mem_list(M, NS ? NS : "default", argv[optind], ls_one, &L) < 0)
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
	int table = isatty(STDOUT_FILENO), c;

	while ((c = getopt(argc, argv, "J")) != -1) {
		if (c != 'J')
			return bad_usage();
		table = 0;
	}
	if (optind != argc)
		return bad_usage();
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
	static const struct option opts[] = {
		{"max-age", required_argument, NULL, 'a'},
		{"max-bytes", required_argument, NULL, 'b'},
		{"max-entries", required_argument, NULL, 'e'}, {0, 0, 0, 0}};
	struct rl_mem_gc gc = {-1, -1, -1};
	struct rl_mem_gc_result r;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'a' && rl_dur_parse(optarg, &gc.max_age) == 0)
			continue;
		if (c == 'b' || c == 'e') {
			long long v = strtoll(optarg, &end, 10);
			if (*optarg && !*end && v >= 0) {
				*(c == 'b' ? &gc.max_bytes : &gc.max_entries) = v;
				continue;
			}
		}
		return bad_usage();
	}
	if (optind != argc)
		return bad_usage();
	if (rl_mem_gc(M, NS, &gc, &r) < 0)
		return failed();
	printf("{\"expired\":%lu,\"aged\":%lu,\"evicted\":%lu,\"temp\":%lu,"
	    "\"bytes\":%llu}\n", r.expired, r.aged, r.evicted, r.temp, r.bytes);
	return RL_EXIT_OK;
}

static int
cmd_clear(int argc, char **argv)
{
	unsigned long removed;
	int all = argc == 2 && strcmp(argv[1], "--all") == 0;

	if (argc > 2 || (argc == 2 && !all) || (all && NS))
		return bad_usage();
	if (rl_mem_clear(M, all ? NULL : NS ? NS : "default", &removed) < 0)
		return failed();
	printf("%lu\n", removed);
	return RL_EXIT_OK;
}

static int
batch(const struct rl_config *cfg, int nfiles, char **files)
{
	struct rl_mem_batch B = {M, NS ? NS : "default"};
	struct rl_loop L = {.fn = rl_mem_batch_op, .arg = &B, .stage = "mem"};

	rl_cmd_limits(cfg, &L);
	return rl_loop_run(&L, nfiles, files);
}

int
main(int argc, char **argv)
{
	struct rl_config cfg = {0};
	const char *cmd;
	int c, status;

	rl_cmd_start(argv[0], &cfg);
	signal(SIGXFSZ, SIG_IGN);   /* a file size limit is an error, EFBIG */
	while ((c = getopt(argc, argv, "+hn:")) != -1) {
		switch (c) {
		case 'h': fputs(usage, stdout); return rl_cmd_finish(&cfg, NULL, 0);
		case 'n': NS = optarg; break;
		default: rl_config_free(&cfg); return bad_usage();
		}
	}
	if (optind >= argc) {
		rl_config_free(&cfg);
		return bad_usage();
	}
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	optind = 0;             /* GNU getopt: start afresh for the subcommand */
	if (argc > 2 && strcmp(argv[1], "--") == 0 && strcmp(cmd, "put") &&
	    strcmp(cmd, "ls")) {
		argc--;             /* get -- -key: getopt's end of options */
		argv++;
	}
	if (NS && !rl_fs_safe_name(NS))
		rl_die(RL_EXIT_USAGE, "mem.bad_key", "'%s': a namespace is "
		    RL_FS_NAME_RULE, NS);
	if (!(M = rl_mem_open(&cfg))) {
		rl_config_free(&cfg);
		return RL_EXIT_TEMP;
	}
	if (!strcmp(cmd, "put"))
		status = cmd_put(argc, argv);
	else if (!strcmp(cmd, "get") && argc == 2)
		status = cmd_get(argv[1]);
	else if (!strcmp(cmd, "del") && argc == 2)
		status = (c = rl_mem_del(M, NS ? NS : "default", argv[1])) < 0 ?
		    failed() : c;
	else if (!strcmp(cmd, "incr") && (argc == 2 || argc == 3))
		status = cmd_incr(argv[1], argc == 3 ? argv[2] : NULL);
	else if (!strcmp(cmd, "ls"))
		status = cmd_ls(argc, argv);
	else if (!strcmp(cmd, "stats"))
		status = cmd_stats(argc, argv);
	else if (!strcmp(cmd, "gc"))
		status = cmd_gc(argc, argv);
	else if (!strcmp(cmd, "clear"))
		status = cmd_clear(argc, argv);
	else if (!strcmp(cmd, "batch"))
		status = batch(&cfg, argc - 1, argv + 1);
	else
		status = bad_usage();
	rl_mem_close(M);
	return rl_cmd_finish(&cfg, NULL, status);
}
