/*
 * rl-config - show, query, change, check and migrate the configuration.
 *
 * The layers and their order are rl_config.h's; this command only shows
 * them and writes the user's or the project's file, crash-safely
 * (rl_fs_replace), after checking that the result is valid.
 */
#include <errno.h>
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
#include "rl_trust.h"

static const char usage[] =
    "usage: rl-config show [--origin]\n"
    "       rl-config get key\n"
    "       rl-config set key value [--scope user | project]\n"
    "       rl-config validate\n"
    "       rl-config migrate [--dry-run]\n"
    "       rl-config path\n";

static int
bad_usage(void)
{
	fputs(usage, stderr);
	return RL_EXIT_USAGE;
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
show(const struct rl_config *cfg, int with_origin)
{
	struct rl_buf key = {0};
	char *s;

	if (with_origin) {
		origins(cfg, cfg->tree, &key);
		rl_buf_free(&key);
		return RL_EXIT_OK;
	}
	s = cJSON_Print(cfg->tree);
	printf("%s\n", s);
	cJSON_free(s);
	return RL_EXIT_OK;
}

static int
get(const struct rl_config *cfg, const char *key)
{
	struct rl_buf near = {0};
	const cJSON *v;

	if (!rl_config_key_schema(cfg, key, &near)) {
		rl_diag(NULL, 0, "config.unknown_key", "%s: unknown key%s%s%s",
		    key, near.len ? " (did you mean '" : "",
		    near.len ? near.data : "", near.len ? "'?)" : "");
		rl_buf_free(&near);
		return RL_EXIT_USAGE;
	}
	if (!(v = rl_config_get(cfg, key)))
		return RL_EXIT_FAIL;
	print_value(v);
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
	char *s = cJSON_Print(doc), *slash;
	struct rl_buf text = {0}, dir = {0};
	int rc;

	rl_buf_printf(&text, "%s\n", s);
	cJSON_free(s);
	rl_buf_adds(&dir, path);
	if ((slash = strrchr(dir.data, '/'))) {
		*slash = 0;
		rl_fs_mkdirs(dir.data, 0755);
	}
	rc = rl_fs_replace(path, text.data, text.len, 0644);
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
set(const struct rl_config *cfg, const char *key, const char *value,
	const char *scope)
{
	enum rl_layer layer;
	struct rl_buf path = {0};
	cJSON *doc = NULL, *v;
	int status = RL_EXIT_USAGE;

	if (strcmp(scope, "user") == 0)
		layer = RL_LAYER_USER;
	else if (strcmp(scope, "project") == 0)
		layer = RL_LAYER_PROJECT;
	else
		return bad_usage();
	rl_config_layer_path(layer, &path);
	if (!(v = rl_config_convert(cfg, key, value, path.data)))
		goto out;
	if (!(doc = read_doc(path.data))) {
		cJSON_Delete(v);
		goto out;
	}
	rl_config_migrate(doc, NULL);
	rl_config_doc_set(doc, key, v);
	if (layer == RL_LAYER_PROJECT &&
	    rl_config_project_filter(cfg, doc, path.data, "", 0))
		goto out;
	if (rl_config_check_doc(cfg, doc, path.data) == 0)
		status = write_doc(path.data, doc) < 0 ? RL_EXIT_TEMP : RL_EXIT_OK;
	/* the user's own change keeps a layer they trusted (or had none)
	 * trusted; an untrusted one stays so */
	if (status == RL_EXIT_OK && layer == RL_LAYER_PROJECT &&
	    cfg->project != RL_TRUST_NO)
		status = retrust(cfg);
out:
	cJSON_Delete(doc);
	rl_buf_free(&path);
	return status;
}

static int
migrate(const struct rl_config *cfg, int dry_run)
{
	struct rl_buf path = {0}, log = {0};
	int layer, n, status = RL_EXIT_OK;
	cJSON *doc;

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
		} else if (rl_config_check_doc(cfg, doc, path.data)) {
			status = RL_EXIT_USAGE;    /* migrated, still not valid */
		} else if (n == 0) {
			printf("%s: version %d, up to date\n", path.data,
			    RL_CONFIG_VERSION);
		} else {
			printf("%s: %s", path.data, log.data);
			if (!dry_run && write_doc(path.data, doc) < 0)
				status = RL_EXIT_TEMP;
		}
		cJSON_Delete(doc);
	}
	rl_buf_free(&path);
	rl_buf_free(&log);
	return status;
}

static int
paths(const struct rl_config *cfg)
{
	struct rl_buf p = {0};
	int layer;

	for (layer = 0; layer < RL_LAYER_FILES; layer++) {
		rl_buf_reset(&p);
		rl_config_layer_path((enum rl_layer)layer, &p);
		printf("%s\t%s\t%s\n", rl_config_layer_name((enum rl_layer)layer),
		    p.data, access(p.data, F_OK) != 0 ? "absent" :
		    layer == RL_LAYER_PROJECT && cfg->project != RL_TRUST_YES ?
		    "untrusted" : "present");
	}
	rl_buf_reset(&p);
	rl_config_state_dir(cfg, &p);
	printf("state\t%s\t%s\n", p.data,
	    access(p.data, F_OK) == 0 ? "present" : "absent");
	rl_buf_free(&p);
	return RL_EXIT_OK;
}

int
main(int argc, char **argv)
{
	struct rl_config cfg = {0};
	const char *cmd = argc > 1 ? argv[1] : "", *scope = "user";
	int status, loaded, i, origin = 0, dry = 0;
	char *args[3] = {0};
	int nargs = 0;

	rl_cmd_stdio();
	rl_init(argv[0]);
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--origin"))
			origin = 1;
		else if (!strcmp(argv[i], "--dry-run"))
			dry = 1;
		else if (!strcmp(argv[i], "--scope") && i + 1 < argc)
			scope = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1])
			return bad_usage();
		else if (nargs < 3)
			args[nargs++] = argv[i];
		else
			return bad_usage();
	}
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		fputs(usage, stdout);
		return RL_EXIT_OK;
	}
	/* show and get need a valid configuration; the others report or
	 * repair an invalid one. */
	loaded = rl_config_load(&cfg) == 0;
	if (!cfg.schema)
		status = RL_EXIT_USAGE;
	else if (dry && strcmp(cmd, "migrate"))
		status = bad_usage();
	else if (origin && strcmp(cmd, "show"))
		status = bad_usage();
	else if (!strcmp(cmd, "show") && nargs == 0)
		status = loaded ? show(&cfg, origin) : RL_EXIT_USAGE;
	else if (!strcmp(cmd, "get") && nargs == 1)
		status = loaded ? get(&cfg, args[0]) : RL_EXIT_USAGE;
	else if (!strcmp(cmd, "set") && nargs == 2)
		status = set(&cfg, args[0], args[1], scope);
	else if (!strcmp(cmd, "validate") && nargs == 0)
		status = loaded ? RL_EXIT_OK : RL_EXIT_USAGE;
	else if (!strcmp(cmd, "migrate") && nargs == 0)
		status = migrate(&cfg, dry);
	else if (!strcmp(cmd, "path") && nargs == 0)
		status = paths(&cfg);
	else
		status = bad_usage();
	return rl_cmd_finish(&cfg, NULL, status);
}
