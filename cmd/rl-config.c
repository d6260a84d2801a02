/*
 * rl-config - show, query, change, check and migrate the configuration.
 *
 * The layers and their order are rl_config.h's; this command only shows
 * them and writes the user's or the project's file, crash-safely
 * (rl_fs_replace), after checking that the result is valid.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rl_buf.h"
#include "rl_cmd.h"
#include "rl_config.h"
#include "rl_err.h"
#include "rl_fs.h"
#include "rl_json.h"
#include "rl_out.h"
#include "rl_redis.h"
#include "rl_trust.h"

static const char usage[] =
    "usage: rl-config show [--origin]\n"
    "       rl-config get key\n"
    "       rl-config set key value [--scope user | project]\n"
    "       rl-config check\n"
    "       rl-config migrate [--dry-run]\n"
    "       rl-config path\n";

enum { OPT_ORIGIN = RL_OPT_LONG, OPT_DRY_RUN, OPT_SCOPE };

static const struct option opts[] = {
	{"origin", no_argument, NULL, OPT_ORIGIN},
	{"dry-run", no_argument, NULL, OPT_DRY_RUN},
	{"scope", required_argument, NULL, OPT_SCOPE},
	RL_CMD_OPTIONS
};

static struct rl_cmd_args A = {
	.usage = usage,
	.optstring = "h",
	.longopts = opts,
};

static struct rl_config cfg;
static int loaded;              /* cfg is valid */

/* The options, as given (or their defaults). */
static struct {
	const char *scope;
	int origin, dry_run;
} O = {.scope = "user"};

/* Every Redis URL in v with its password as "***". */
static void
redact(cJSON *v)
{
	char url[640];

	if (cJSON_IsString(v) && rl_redis_is_url(v->valuestring)) {
		rl_redis_redact(v->valuestring, url, sizeof url);
		cJSON_SetValuestring(v, url);
	}
	for (v = v->child; v; v = v->next)
		redact(v);
}

/* A copy of v to print, redacted, so what show and get print can go to a
 * terminal, a log or a ticket. */
static cJSON *
shown(const cJSON *v)
{
	cJSON *d = cJSON_Duplicate(v, 1);

	if (!d) {
		rl_diag(NULL, 0, "internal.nomem", "out of memory");
		exit(RL_EXIT_TEMP);
	}
	redact(d);
	return d;
}

/* Print a value: strings as they are, the rest as compact JSON. */
static void
print_value(const cJSON *v)
{
	struct rl_buf b = {0};

	if (cJSON_IsString(v))
		rl_buf_adds(&b, v->valuestring);
	else
		rl_json_print(v, &b);
	printf("%s\n", b.data);
	rl_buf_free(&b);
}

static void
origins(const struct rl_config *cfg, const cJSON *v, struct rl_buf *key)
{
	const cJSON *c;
	size_t mark = key->len;
	struct rl_buf val = {0};

	if (!cJSON_IsObject(v) || !v->child) {
		rl_json_print(v, &val);
		printf("%s\t%s\t%s\n", key->data, val.data,
		    rl_config_origin(cfg, key->data));
		rl_buf_free(&val);
		return;
	}
	cJSON_ArrayForEach(c, v) {
		rl_buf_printf(key, "%s%s", key->len ? "." : "", c->string);
		origins(cfg, c, key);
		key->len = mark;
		if (key->data)
			key->data[mark] = 0;
	}
}

static int
show(int argc, char **argv)
{
	struct rl_buf key = {0};
	cJSON *t;
	char *s;

	(void)argc;
	(void)argv;
	if (!loaded)
		return RL_EXIT_USAGE;
	if (O.origin) {
		t = shown(cfg.tree);
		origins(&cfg, t, &key);
		cJSON_Delete(t);
		rl_buf_free(&key);
		return RL_EXIT_OK;
	}
	t = shown(cfg.tree);
	s = cJSON_Print(t);
	printf("%s\n", s);
	cJSON_free(s);
	cJSON_Delete(t);
	return RL_EXIT_OK;
}

static int
get(int argc, char **argv)
{
	const char *key = argv[1];
	struct rl_buf near = {0};
	const cJSON *v;
	cJSON *t;

	(void)argc;
	if (!loaded)
		return RL_EXIT_USAGE;
	if (!rl_config_key_schema(&cfg, key, &near)) {
		rl_diag(NULL, 0, "config.unknown_key", "%s: unknown key%s%s%s",
		    key, near.len ? " (did you mean '" : "",
		    near.len ? near.data : "", near.len ? "'?)" : "");
		rl_buf_free(&near);
		return RL_EXIT_USAGE;
	}
	if (!(v = rl_config_get(&cfg, key)))
		return RL_EXIT_FAIL;
	print_value(t = shown(v));
	cJSON_Delete(t);
	return RL_EXIT_OK;
}

/* Read a file layer's document: a new {} when absent, NULL when bad. */
static cJSON *
read_doc(const char *path)
{
	cJSON *doc;

	if (rl_config_read_file(path, &doc) < 0)
		return NULL;
	return doc ? doc : cJSON_CreateObject();
}

static int
write_doc(const char *path, const cJSON *doc)
{
	char *s = cJSON_Print(doc), *slash, *r;
	struct rl_buf text = {0}, dir = {0};
	cJSON *t = shown(doc);
	int rc, secret;

	/* a file that holds a password is its owner's alone */
	r = cJSON_Print(t);
	secret = strcmp(s, r) != 0;
	cJSON_free(r);
	cJSON_Delete(t);
	rl_buf_printf(&text, "%s\n", s);
	cJSON_free(s);
	rl_buf_adds(&dir, path);
	if ((slash = strrchr(dir.data, '/'))) {
		*slash = 0;
		rl_fs_mkdirs(dir.data, 0755);
	}
	rc = rl_fs_replace(path, text.data, text.len, secret ? 0600 : 0644);
	if (rc < 0)
		rl_diag(path, 0, "io.write", "cannot write: %s", strerror(errno));
	rl_buf_free(&text);
	rl_buf_free(&dir);
	return rc;
}

static int
retrust(const struct rl_config *cfg)
{
	struct rl_buf state = {0};
	struct rl_error e;
	int status = RL_EXIT_OK;

	rl_config_state_dir(cfg, &state);
	if (rl_trust_set(state.data, ".", 1, NULL, NULL, &e) < 0)
		status = rl_error_report(&e, NULL);
	rl_buf_free(&state);
	return status;
}

static int
set(int argc, char **argv)
{
	const char *key = argv[1];
	enum rl_layer layer;
	struct rl_buf path = {0};
	cJSON *doc = NULL, *v;
	int status = RL_EXIT_USAGE;

	(void)argc;
	if (strcmp(O.scope, "user") == 0)
		layer = RL_LAYER_USER;
	else if (strcmp(O.scope, "project") == 0)
		layer = RL_LAYER_PROJECT;
	else
		return rl_cmd_usage(&A, RL_EXIT_USAGE);
	rl_config_layer_path(layer, &path);
	if (!(v = rl_config_convert(&cfg, key, argv[2], path.data)))
		goto out;
	if (!(doc = read_doc(path.data))) {
		cJSON_Delete(v);
		goto out;
	}
	rl_config_migrate(doc, NULL);
	rl_config_doc_set(doc, key, v);
	if (layer == RL_LAYER_PROJECT &&
	    rl_config_project_filter(&cfg, doc, path.data, "", 0))
		goto out;
	if (rl_config_check_doc(&cfg, doc, path.data) == 0)
		status = write_doc(path.data, doc) < 0 ? RL_EXIT_TEMP : RL_EXIT_OK;
	/* the user's own change keeps a layer they trusted (or had none)
	 * trusted; an untrusted one stays so */
	if (status == RL_EXIT_OK && layer == RL_LAYER_PROJECT &&
	    cfg.project != RL_TRUST_NO)
		status = retrust(&cfg);
out:
	cJSON_Delete(doc);
	rl_buf_free(&path);
	return status;
}

/* The configuration loaded: its diagnostics are printed already. */
static int
check(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return loaded ? RL_EXIT_OK : RL_EXIT_USAGE;
}

static int
migrate(int argc, char **argv)
{
	struct rl_buf path = {0}, log = {0};
	int layer, n, status = RL_EXIT_OK;
	cJSON *doc;

	(void)argc;
	(void)argv;
	for (layer = RL_LAYER_USER; layer <= RL_LAYER_PROJECT; layer++) {
		rl_buf_reset(&path);
		rl_config_layer_path((enum rl_layer)layer, &path);
		if (access(path.data, F_OK) < 0)
			continue;
		if (!(doc = read_doc(path.data))) {
			status = RL_EXIT_USAGE;
			continue;
		}
		rl_buf_reset(&log);
		if ((n = rl_config_migrate(doc, &log)) < 0) {
			rl_config_version_error(path.data);
			status = RL_EXIT_USAGE;
		} else if (rl_config_check_doc(&cfg, doc, path.data)) {
			status = RL_EXIT_USAGE;    /* migrated, still not valid */
		} else if (n == 0) {
			printf("%s: version %d, up to date\n", path.data,
			    RL_CONFIG_VERSION);
		} else {
			printf("%s: %s", path.data, log.data);
			if (!O.dry_run && write_doc(path.data, doc) < 0)
				status = RL_EXIT_TEMP;
		}
		cJSON_Delete(doc);
	}
	rl_buf_free(&path);
	rl_buf_free(&log);
	return status;
}

static int
paths(int argc, char **argv)
{
	struct rl_buf p = {0};
	int layer;

	(void)argc;
	(void)argv;
	for (layer = 0; layer < RL_LAYER_FILES; layer++) {
		rl_buf_reset(&p);
		rl_config_layer_path((enum rl_layer)layer, &p);
		printf("%s\t%s\t%s\n", rl_config_layer_name((enum rl_layer)layer),
		    p.data, access(p.data, F_OK) != 0 ? "absent" :
		    layer == RL_LAYER_PROJECT && cfg.project != RL_TRUST_YES ?
		    "untrusted" : "present");
	}
	rl_buf_reset(&p);
	rl_config_state_dir(&cfg, &p);
	printf("state\t%s\t%s\n", p.data,
	    access(p.data, F_OK) == 0 ? "present" : "absent");
	rl_buf_free(&p);
	return RL_EXIT_OK;
}

/* show and get need a valid configuration; the others report or
 * repair an invalid one.  validate is check's old name. */
static const struct rl_cmd_sub subs[] = {
	{"show", show, 0, 0, "origin"},
	{"get", get, 1, 1, ""},
	{"set", set, 2, 2, "scope"},
	{"check", check, 0, 0, ""},
	{"validate", check, 0, 0, ""},
	{"migrate", migrate, 0, 0, "dry-run"},
	{"path", paths, 0, 0, ""},
	{NULL, NULL, 0, 0, NULL}
};

int
main(int argc, char **argv)
{
	const struct rl_cmd_sub *sub;
	int c, status;

	rl_cmd_stdio();
	rl_init(argv[0]);
	while ((c = rl_cmd_getopt(&A, argc, argv)) != -1) {
		switch (c) {
		case OPT_ORIGIN: O.origin = 1; break;
		case OPT_DRY_RUN: O.dry_run = 1; break;
		case OPT_SCOPE: O.scope = optarg; break;
		}
	}
	if (A.status >= 0)
		return A.status;
	if (!(sub = rl_cmd_sub(subs, &A, "")))
		return RL_EXIT_USAGE;
	loaded = rl_config_load(&cfg) == 0;
	status = cfg.schema ? sub->run(A.sargc, A.sargv) : RL_EXIT_USAGE;
	return rl_cmd_finish(&cfg, NULL, status);
}
