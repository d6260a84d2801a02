/*
 * rl-validate - validate (and sanitize) records against a JSON Schema.
 *
 * A filter: valid records pass through byte for byte; every other line
 * becomes an error baton (rl_loop_reject) and the stream goes on.  The
 * schema is compiled once; a record is first checked in the fast yes/no
 * mode and only a failing one is walked again to list its errors.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rl_buf.h"
#include "rl_cmd.h"
#include "rl_err.h"
#include "rl_json.h"
#include "rl_loop.h"
#include "rl_out.h"
#include "rl_path.h"
#include "rl_schema.h"

#define MAX_ERRORS 20

static const char usage[] =
    "usage: rl-validate [-S] [-s schema] [--quiet] [file ...]\n";

struct state {
	struct rl_schema *schema;
	int sanitize;
	const struct rl_loop *L;
};

/* "PATH: MESSAGE (and N more)" from the first error of errs. */
static void
summary(const cJSON *errs, struct rl_buf *msg)
{
	const cJSON *e = errs->child;
	int n = cJSON_GetArraySize(errs);

	rl_buf_printf(msg, "%s: %s", *rl_json_str(e, "path") ?
	    rl_json_str(e, "path") : "(record)", rl_json_str(e, "message"));
	if (n > 1)
		rl_buf_printf(msg, " (and %d more)", n - 1);
}

static int
each(struct rl_rec *r, void *arg)
{
	struct state *st = arg;
	struct rl_buf msg = {0};
	cJSON *changes = NULL, *errs, *extra;
	int changed = 0, status;

	if (st->sanitize) {
		changes = cJSON_CreateArray();
		if (r->repaired) {
			cJSON *c = cJSON_CreateObject();
			cJSON_AddStringToObject(c, "path", "");
			cJSON_AddStringToObject(c, "action", "repaired");
			cJSON_AddItemToArray(changes, c);
		}
		changed = rl_schema_sanitize(st->schema, r->json, changes) > 0 ||
		    r->repaired;
	}
	if (rl_schema_valid(st->schema, r->json)) {
		if (!changed) {
			rl_out_line(r->text, r->len);
		} else {
			if (cJSON_IsObject(r->json)) {
				cJSON_DeleteItemFromObjectCaseSensitive(r->json,
				    "sanitized");
				cJSON_AddItemToObject(r->json, "sanitized", changes);
				changes = NULL;
			}
			rl_out_json(r->json);
		}
		cJSON_Delete(changes);
		return RL_EXIT_OK;
	}
	cJSON_Delete(changes);
	errs = cJSON_CreateArray();
	rl_schema_check(st->schema, r->json, errs, MAX_ERRORS);
	summary(errs, &msg);
	extra = cJSON_CreateObject();
	cJSON_AddItemToObject(extra, "errors", errs);
	status = rl_loop_reject(st->L, r, "validate.schema", msg.data, extra);
	rl_buf_free(&msg);
	return status;
}

int
main(int argc, char **argv)
{
	enum { OPT_QUIET = RL_OPT_LONG };
	static const struct option opts[] = {
		{"sanitize", no_argument, NULL, 'S'},
		{"schema", required_argument, NULL, 's'},
		{"quiet", no_argument, NULL, OPT_QUIET},
		RL_CMD_OPTIONS
	};
	struct rl_cmd_args A = {.usage = usage, .optstring = "hSs:" RL_OLD("q"),
	    .longopts = opts};
	struct rl_config cfg = {0};
	struct state st = {0};
	struct rl_loop L = {.fn = each, .arg = &st, .stage = "validate"};
	struct rl_buf path = {0}, msg = {0};
	const char *schema = NULL;
	int c;

	rl_cmd_start(argv[0], &cfg);
	while ((c = rl_cmd_getopt(&A, argc, argv)) != -1) {
		switch (c) {
		case 'q':
			rl_cmd_renamed(&A, OPT_QUIET, "-q", "--quiet: -q is the "
			    "queue everywhere else");
			/* FALLTHROUGH */
		case OPT_QUIET: L.flags |= RL_LOOP_QUIET; break;
		case 'S': st.sanitize = 1; L.flags |= RL_LOOP_REPAIR; break;
		case 's': schema = optarg; break;
		}
	}
	if (A.status >= 0)
		return rl_cmd_finish(&cfg, NULL, A.status);
	if (!schema)
		rl_share_path("schemas/baton.json", &path);
	if (!(st.schema = rl_schema_load(schema ? schema : path.data, &msg)))
		rl_die(RL_EXIT_USAGE, "validate.bad_schema", "%s", msg.data);
	rl_buf_free(&path);
	rl_buf_free(&msg);
	rl_cmd_limits(&cfg, &L);
	st.L = &L;
	c = rl_loop_run(&L, A.nops, A.ops);
	rl_schema_free(st.schema);
	return rl_cmd_finish(&cfg, &L, c);
}
