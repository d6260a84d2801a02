/* rl_cmd.c - start and end of every command; see rl_cmd.h. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* --- options, subcommands, usage, version ------------------------------- */

#ifndef RL_VERSION
#define RL_VERSION "unknown"
#endif

/* "-5", "-0.5": a number, so an operand (rl-mem incr key -5) */
static int
negative_number(const char *s)
{
	char *end;

	if (s[0] != '-' || !(isdigit((unsigned char)s[1]) || s[1] == '.'))
		return 0;
	strtod(s, &end);
	return *end == '\0';
}

static void
seen(struct rl_cmd_args *A, int c)
{
	int i;

	for (i = 0; i < A->nseen; i++)
		if (A->seen[i] == c)
			return;
	if (A->nseen < (int)(sizeof A->seen / sizeof *A->seen))
		A->seen[A->nseen++] = c;
}

int
rl_cmd_getopt(struct rl_cmd_args *A, int argc, char **argv)
{
	int c;

	if (!A->started) {
		/* "-": operands come back in order (as 1), whatever
		 * POSIXLY_CORRECT says; optind 0 makes glibc start afresh,
		 * on a first call that reads nothing, so that argv[1] gets
		 * the negative number test too */
		snprintf(A->opts, sizeof A->opts, "-%s", A->optstring);
		A->started = 1;
		A->status = -1;
		A->ops = argv + 1;
		A->nops = 0;
		A->nseen = 0;
		optind = 0;
		getopt_long(1, argv, A->opts, A->longopts, NULL);
		optind = 1;
	}
	if (A->status >= 0)
		return -1;
	for (;;) {
		/* never in the middle of a group of letters here: a group is
		 * not a number */
		if (optind < argc && negative_number(argv[optind])) {
			A->ops[A->nops++] = argv[optind++];
			continue;
		}
		c = getopt_long(argc, argv, A->opts, A->longopts, NULL);
		if (c == 1) {
			A->ops[A->nops++] = optarg;
			continue;
		}
		break;
	}
	switch (c) {
	case -1:            /* the end, or "--": the rest are operands */
		while (optind < argc)
			A->ops[A->nops++] = argv[optind++];
		A->ops[A->nops] = NULL;
		return -1;
	case 'h':
		A->status = rl_cmd_usage(A, RL_EXIT_OK);
		return -1;
	case RL_OPT_VERSION:
		A->status = rl_cmd_version();
		return -1;
	case '?':
	case ':':
		A->status = rl_cmd_usage(A, RL_EXIT_USAGE);
		return -1;
	default:
		seen(A, c);
		return c;
	}
}

/* The long options, each with its letter, wrapped for a terminal. */
static void
long_options(const struct rl_cmd_args *A, FILE *f)
{
	const struct option *o;
	char item[64];
	size_t col = 0, n;

	fputs("\nlong options:", f);
	col = 13;
	for (o = A->longopts; o->name; o++) {
		if (o->val >= RL_OPT_OLD)
			continue;
		if (o->val < 128 && strchr(A->optstring, o->val))
			snprintf(item, sizeof item, " --%s (-%c)%s", o->name, o->val,
			    o[1].name ? "," : "");
		else
			snprintf(item, sizeof item, " --%s%s", o->name,
			    o[1].name ? "," : "");
		n = strlen(item);
		if (col + n > 78) {
			fputs("\n ", f);
			col = 1;
		}
		fputs(item, f);
		col += n;
	}
	fprintf(f, "\nsee %s(1)\n", rl_prog);
}

void
rl_cmd_help(const struct rl_cmd_args *A, FILE *f)
{
	fputs(A->usage, f);
	long_options(A, f);
}

int
rl_cmd_usage(const struct rl_cmd_args *A, int status)
{
	if (status == RL_EXIT_OK)
		rl_cmd_help(A, stdout);
	else
		fputs(A->usage, stderr);
	return status;
}

int
rl_cmd_version(void)
{
	printf("%s %s\n", rl_prog, RL_VERSION);
	return RL_EXIT_OK;
}

int
rl_cmd_renamed(struct rl_cmd_args *A, int now, const char *was, const char *is)
{
	fprintf(stderr, "%s: warning: %s is now %s\n", rl_prog, was, is);
	if (A->nseen > 0)
		A->nseen--;     /* the old value, just met: counted as now */
	seen(A, now);
	return now;
}

/* Whether word is one of the space-separated words of list. */
static int
has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = list; p && (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return 1;
	return 0;
}

static const char *
long_name(const struct rl_cmd_args *A, int val)
{
	const struct option *o;

	for (o = A->longopts; o->name; o++)
		if (o->val == val)
			return o->name;
	return NULL;
}

const struct rl_cmd_sub *
rl_cmd_sub(const struct rl_cmd_sub *subs, struct rl_cmd_args *A,
	const char *global)
{
	const struct rl_cmd_sub *s, *dflt = NULL;
	const char *name;
	int i, n;

	for (s = subs; s->name; s++) {
		if (!*s->name)
			dflt = s;
		else if (A->nops && strcmp(s->name, A->ops[0]) == 0)
			break;
	}
	if (s->name) {
		A->sargc = A->nops;
		A->sargv = A->ops;
	} else if ((s = dflt)) {
		A->sargc = A->nops + 1;     /* the program's name, then all */
		A->sargv = A->ops - 1;
	} else {
		rl_cmd_usage(A, RL_EXIT_USAGE);
		return NULL;
	}
	n = A->sargc - 1;
	if (n < s->min || (s->max >= 0 && n > s->max)) {
		rl_cmd_usage(A, RL_EXIT_USAGE);
		return NULL;
	}
	for (i = 0; i < A->nseen; i++) {
		name = long_name(A, A->seen[i]);
		if (!name || has_word(s->opts, name) || has_word(global, name))
			continue;
		rl_diag(NULL, 0, "usage.bad_value", "--%s does not go with %s%s",
		    name, *s->name ? s->name : rl_prog, *s->name ? "" : " alone");
		rl_cmd_usage(A, RL_EXIT_USAGE);
		return NULL;
	}
	return s;
}

int
rl_cmd_check_report(cJSON *report, struct rl_buf *risks, int n)
{
	char *line, *save = NULL;

	cJSON_AddBoolToObject(report, "safe", n == 0);
	rl_out_json(report);
	cJSON_Delete(report);
	for (line = risks->data ? strtok_r(risks->data, "\n", &save) : NULL;
	    line; line = strtok_r(NULL, "\n", &save))
		rl_diag(NULL, 0, NULL, "warning: %s", line);
	rl_buf_free(risks);
	return n ? RL_EXIT_FAIL : RL_EXIT_OK;
}
