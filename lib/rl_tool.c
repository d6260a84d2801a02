/* rl_tool.c - the tool catalog; see rl_tool.h. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rl_fs.h"
#include "rl_json.h"
#include "rl_path.h"
#include "rl_proc.h"
#include "rl_trust.h"
#include "rl_tool.h"

static void
problem(struct rl_tools *T, const char *file, const char *code,
	const char *msg)
{
	cJSON *p = cJSON_CreateObject();

	cJSON_AddStringToObject(p, "file", file);
	cJSON_AddStringToObject(p, "code", code);
	cJSON_AddStringToObject(p, "message", msg);
	cJSON_AddItemToArray(T->problems, p);
}

/* 1 when name is in the comma-separated list. */
static int
listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : "")
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == 0))
			return 1;
	return 0;
}

static int
is_shell(const char *argv0)
{
	static const char *shells[] = {"sh", "bash", "dash", "zsh", "ksh",
	    "mksh", "busybox", "env", NULL};
	const char *base = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
	size_t i;

	for (i = 0; shells[i]; i++)
		if (strcmp(base, shells[i]) == 0)
			return 1;
	return 0;
}

/*
 * The next {placeholder} of the template at p: returns where it opens,
 * sets *close to its closing brace and name to what is between; NULL when
 * there is none (an opening brace with no closing one included).
 */
static const char *
next_ref(const char *p, const char **close, char *name, size_t size)
{
	const char *open = strchr(p, '{');
	size_t n;

	if (!open || !(*close = strchr(open, '}')))
		return NULL;
	n = (size_t)(*close - open - 1);
	snprintf(name, size, "%.*s", (int)(n < size - 1 ? n : size - 1), open + 1);
	return open;
}

/* 1 when name is {rl:CMD}: the absolute path of redline's command rl-CMD
 * (rl_proc_rl_path), for a tool that runs one in the sandbox, whose PATH
 * may not lead to it. */
static int
command_ref(const char *name)
{
	return strncmp(name, "rl:", 3) == 0 && name[3] &&
	    strspn(name + 3, "abcdefghijklmnopqrstuvwxyz") == strlen(name + 3);
}

/*
 * Check the {placeholders} of s.  In an element, each must be an argument
 * of props or config:KEY; in a shell script (script set), braces are the
 * shell's, but none may name an argument.  The first bad one goes to bad
 * ("" when all are good).
 */
static void
check_refs(const char *s, const cJSON *props, int script, char *bad,
	size_t size)
{
	const char *p, *open, *close;
	char name[128];
	int arg;

	bad[0] = 0;
	for (p = s; (open = next_ref(p, &close, name, sizeof name)); p = close + 1) {
		arg = cJSON_GetObjectItemCaseSensitive(props, name) != NULL;
		if (strncmp(name, "config:", 7) != 0 && (script || !command_ref(name)) &&
		    (script ? arg : !arg)) {
			snprintf(bad, size, "{%s}", name);
			return;
		}
	}
	if (!script && (open = strchr(p, '{')))
		snprintf(bad, size, "%s", open);     /* never closed */
}

/* The checks a schema cannot make; a message in msg when one fails. */
static int
check_manifest(const cJSON *doc, const char *file_name, struct rl_buf *msg)
{
	const cJSON *argv = cJSON_GetObjectItemCaseSensitive(doc, "argv"), *a;
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(doc, "args"), "properties");
	const char *name = rl_json_str(doc, "name"), *in = rl_json_str(doc, "stdin");
	int shell = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "shell"));
	int i = 0;
	size_t n = strlen(name);
	char bad[160];

	if (strncmp(file_name, name, n) != 0 || strcmp(file_name + n, ".json") != 0) {
		rl_buf_printf(msg, "the file of tool '%s' must be named %s.json",
		    name, name);
		return -1;
	}
	if (is_shell(cJSON_GetArrayItem(argv, 0)->valuestring) && !shell) {
		rl_buf_printf(msg, "argv runs %s: say \"shell\": true",
		    cJSON_GetArrayItem(argv, 0)->valuestring);
		return -1;
	}
	if (shell && (cJSON_GetArraySize(argv) < 3 ||
	    strcmp(cJSON_GetArrayItem(argv, 1)->valuestring, "-c") != 0)) {
		rl_buf_adds(msg, "a shell tool's argv is [SHELL, \"-c\", SCRIPT, ...]");
		return -1;
	}
	cJSON_ArrayForEach(a, argv) {
		/* a shell script takes arguments as $1..., never as text */
		check_refs(a->valuestring, props, shell && i == 2, bad, sizeof bad);
		if (bad[0]) {
			rl_buf_printf(msg, "argv[%d]: %s %s", i, bad, shell && i == 2 ?
			    "may not be in a shell script: pass it as a positional "
			    "parameter" : "is not an argument of the tool");
			return -1;
		}
		i++;
	}
	if (in) {
		check_refs(in, props, 0, bad, sizeof bad);
		if (bad[0]) {
			rl_buf_printf(msg, "stdin: %s is not an argument of the tool", bad);
			return -1;
		}
	}
	return 0;
}

/* 1 if a requirement of doc asks for a version: checking it runs the
 * program (`COMMAND --version`) outside any sandbox. */
static int
runs_at_load(const cJSON *doc)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(doc, "requires"))
		if (cJSON_GetObjectItemCaseSensitive(r, "version"))
			return 1;
	return 0;
}

static void
load_one(struct rl_tools *T, const struct rl_schema *schema, const char *dir,
	const char *file_name, int project)
{
	struct rl_buf path = {0}, text = {0}, msg = {0};
	struct rl_json_err je;
	struct rl_tool t = {0};
	cJSON *doc = NULL, *errs = cJSON_CreateArray(), *args;
	size_t i;

	rl_buf_printf(&path, "%s/%s", dir, file_name);
	if (rl_fs_read(path.data, &text, 1 << 20) < 0) {
		rl_buf_printf(&msg, "cannot read: %s", strerror(errno));
	} else if (rl_json_parse(text.data, text.len, 64, &doc, &je) < 0) {
		rl_buf_printf(&msg, "%s at byte %zu", je.message, je.offset);
	} else if (!rl_schema_check(schema, doc, errs, 1)) {
		const cJSON *e0 = cJSON_GetArrayItem(errs, 0);

		rl_buf_printf(&msg, "%s: %s", *rl_json_str(e0, "path") ?
		    rl_json_str(e0, "path") : "/", rl_json_str(e0, "message"));
	} else if (project && runs_at_load(doc)) {
		rl_buf_adds(&msg, "requires: a repository's tool cannot ask for a "
		    "version: checking one runs the program outside the sandbox "
		    "(fix: drop \"version\", or keep the manifest in your own "
		    "tools directory)");
	} else if (check_manifest(doc, file_name, &msg) == 0) {
		args = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(doc, "args"), 1);
		if (!(t.args = rl_schema_compile(args, &msg)))
			cJSON_Delete(args);
	}
	cJSON_Delete(errs);
	rl_buf_free(&text);
	if (msg.len) {
		problem(T, path.data, "tool.bad_manifest", msg.data);
		cJSON_Delete(doc);
		rl_buf_free(&msg);
		rl_buf_free(&path);
		return;
	}
	t.doc = doc;
	t.path = rl_buf_detach(&path);
	t.name = rl_json_str(doc, "name");
	t.version = rl_json_str(doc, "version");
	t.description = rl_json_str(doc, "description");
	t.enabled = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(doc, "enabled"));
	t.writes = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "writes"));
	t.shell = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "shell"));
	t.timeout = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(doc, "timeout"));
	t.output_bytes = (long long)cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(doc, "output_bytes"));
	if (isnan(t.timeout))
		t.timeout = 0;
	if (t.output_bytes < 0)
		t.output_bytes = 0;
	/* a later directory's manifest replaces an earlier one */
	for (i = 0; i < T->n; i++)
		if (strcmp(T->t[i].name, t.name) == 0)
			break;
	if (i < T->n) {
		rl_schema_free(T->t[i].args);
		cJSON_Delete(T->t[i].doc);
		free(T->t[i].path);
	} else {
		T->t = rl_xrealloc(T->t, (T->n + 1) * sizeof *T->t);
		T->n++;
	}
	T->t[i] = t;
}

static int
json_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

static void
load_dir(struct rl_tools *T, const struct rl_schema *schema, const char *dir,
	int project)
{
	struct dirent **ents;
	int n, i;

	if ((n = scandir(dir, &ents, json_file, alphasort)) < 0)
		return;       /* an absent directory holds no tools */
	for (i = 0; i < n; i++) {
		load_one(T, schema, dir, ents[i]->d_name, project);
		free(ents[i]);
	}
	free(ents);
}

int
rl_tools_load(const struct rl_config *cfg, struct rl_tools *T)
{
	struct rl_buf p = {0}, msg = {0};
	struct rl_schema *schema;
	enum rl_layer layers[] = {RL_LAYER_USER, RL_LAYER_PROJECT};
	const char *en = rl_config_str(cfg, "tools.enable", "");
	const char *dis = rl_config_str(cfg, "tools.disable", "");
	size_t i;
	char *slash;

	T->problems = cJSON_CreateArray();
	rl_share_path("schemas/tool.json", &p);
	if (!(schema = rl_schema_load(p.data, &msg))) {
		problem(T, p.data, "config.invalid", msg.data ? msg.data : "");
		rl_buf_free(&p);
		rl_buf_free(&msg);
		return cJSON_GetArraySize(T->problems);
	}
	rl_buf_reset(&p);
	rl_share_path("tools", &p);
	load_dir(T, schema, p.data, 0);
	for (i = 0; i < sizeof layers / sizeof *layers; i++) {
		/* a repository's tools only when the user trusts them */
		if (layers[i] == RL_LAYER_PROJECT && cfg->project != RL_TRUST_YES)
			continue;
		rl_buf_reset(&p);
		rl_config_layer_path(layers[i], &p);
		if ((slash = strrchr(p.data, '/')))
			*slash = 0;
		else
			rl_buf_reset(&p);
		p.len = strlen(p.data ? p.data : "");
		rl_buf_adds(&p, p.len ? "/tools" : "tools");
		load_dir(T, schema, p.data, layers[i] == RL_LAYER_PROJECT);
	}
	for (i = 0; i < T->n; i++) {
		if (listed(en, T->t[i].name))
			T->t[i].enabled = 1;
		if (listed(dis, T->t[i].name))
			T->t[i].enabled = 0;
	}
	rl_schema_free(schema);
	rl_buf_free(&p);
	rl_buf_free(&msg);
	return cJSON_GetArraySize(T->problems);
}

const struct rl_tool *
rl_tools_find(const struct rl_tools *T, const char *name)
{
	size_t i;

	for (i = 0; name && i < T->n; i++)
		if (strcmp(T->t[i].name, name) == 0)
			return &T->t[i];
	return NULL;
}

int
rl_tool_allowed(const struct rl_tool *t, const char *agent)
{
	const cJSON *a;

	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(t->doc, "agents"))
		if (cJSON_IsString(a) && strcmp(a->valuestring, agent) == 0)
			return 1;
	return 0;
}

/* Compare dotted versions: <0, 0, >0. */
static int
vercmp(const char *a, const char *b)
{
	long x, y;
	char *ea, *eb;

	while (*a || *b) {
		x = strtol(a, &ea, 10);
		y = strtol(b, &eb, 10);
		if (x != y)
			return x < y ? -1 : 1;
		a = *ea == '.' ? ea + 1 : ea;
		b = *eb == '.' ? eb + 1 : eb;
		if (ea == a && eb == b)
			break;
		if (!*ea && !*eb)
			break;
	}
	return 0;
}

/* The first dotted number in `command --version`'s first line. */
static int
version_of(const char *command, char *out, size_t size)
{
	char *argv[] = {(char *)command, "--version", NULL};
	struct rl_buf o = {0};
	const char *p;
	size_t n;
	int st = rl_proc_run(argv, NULL, 10000, &o, 4096, NULL, 0);

	out[0] = 0;
	for (p = o.data ? o.data : ""; *p && *p != '\n'; p++)
		if (*p >= '0' && *p <= '9') {
			n = strspn(p, "0123456789.");
			snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), p);
			break;
		}
	rl_buf_free(&o);
	return st == 0 && out[0] ? 0 : -1;
}

int
rl_tool_requirements(const struct rl_tool *t, cJSON *missing)
{
	const cJSON *r;
	const char *cmd, *want;
	char have[64], m[300];
	int ok = 1;

	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(t->doc, "requires")) {
		cmd = rl_json_str(r, "command");
		want = rl_json_str(r, "version");
		m[0] = 0;
		if (!rl_proc_findable(cmd))
			snprintf(m, sizeof m, "%s is not installed (not in PATH)", cmd);
		else if (want && version_of(cmd, have, sizeof have) < 0)
			snprintf(m, sizeof m, "%s --version says no version; %s or later "
			    "is needed", cmd, want);
		else if (want && vercmp(have, want) < 0)
			snprintf(m, sizeof m, "%s is version %s; %s or later is needed",
			    cmd, have, want);
		if (m[0]) {
			ok = 0;
			if (missing)
				cJSON_AddItemToArray(missing, cJSON_CreateString(m));
		}
	}
	return ok;
}

/* Append the text of an argument's value. */
static void
value_text(const cJSON *v, struct rl_buf *out)
{
	if (cJSON_IsString(v))
		rl_buf_adds(out, v->valuestring);
	else
		rl_json_print(v, out);
}

/* Expand template s into out; 0, or 1 when it names only absent
 * arguments (the element is then left out).  In a shell script only
 * {config:KEY} is expanded: other braces are the shell's. */
static int
expand(const char *s, const cJSON *args, const struct rl_config *cfg,
	int script, struct rl_buf *out)
{
	const char *p, *open, *close;
	const cJSON *v;
	char name[128];
	int refs = 0, present = 0;

	for (p = s; (open = next_ref(p, &close, name, sizeof name)); p = close + 1) {
		rl_buf_add(out, p, (size_t)(open - p));
		if (strncmp(name, "config:", 7) == 0) {
			v = rl_config_get(cfg, name + 7);
			if (cJSON_IsString(v) || !v)
				rl_buf_adds(out, rl_config_str(cfg, name + 7, ""));
			else
				rl_json_print(v, out);
		} else if (script) {
			rl_buf_add(out, open, (size_t)(close - open + 1));
		} else if (command_ref(name)) {
			rl_proc_rl_path(name + 3, out);
		} else {
			refs++;
			if ((v = cJSON_GetObjectItemCaseSensitive(args, name))) {
				present++;
				value_text(v, out);
			}
		}
	}
	rl_buf_adds(out, p);
	return refs && !present;
}

int
rl_tool_argv(const struct rl_tool *t, const cJSON *args,
	const struct rl_config *cfg, char ***argvp, struct rl_buf *in,
	struct rl_error *e)
{
	const cJSON *schema = rl_schema_doc(t->args), *prop, *a;
	const char *tin = rl_json_str(t->doc, "stdin");
	cJSON *full = args ? cJSON_Duplicate(args, 1) : cJSON_CreateObject();
	cJSON *errs = cJSON_CreateArray();
	struct rl_buf strs = {0}, el = {0};
	size_t offs[256], n = 0, i;
	char **argv, *base;
	int k = 0, script;

	if (!cJSON_IsObject(full)) {
		cJSON_Delete(full);
		cJSON_Delete(errs);
		return rl_error_set(e, "tool.bad_args", "%s: the arguments must be "
		    "an object", t->name);
	}
	/* defaults first, so the schema sees what will run */
	cJSON_ArrayForEach(prop, cJSON_GetObjectItemCaseSensitive(schema, "properties"))
		if (!cJSON_GetObjectItemCaseSensitive(full, prop->string) &&
		    cJSON_GetObjectItemCaseSensitive(prop, "default"))
			cJSON_AddItemToObject(full, prop->string, cJSON_Duplicate(
			    cJSON_GetObjectItemCaseSensitive(prop, "default"), 1));
	if (!rl_schema_check(t->args, full, errs, 1)) {
		const cJSON *e0 = cJSON_GetArrayItem(errs, 0);

		rl_error_set(e, "tool.bad_args", "%s: argument%s%s: %s", t->name,
		    *rl_json_str(e0, "path") ? " " : "s", *rl_json_str(e0, "path") ?
		    rl_json_str(e0, "path") + 1 : "", rl_json_str(e0, "message"));
		cJSON_Delete(full);
		cJSON_Delete(errs);
		return -1;
	}
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(t->doc, "argv")) {
		rl_buf_reset(&el);
		script = t->shell && k++ == 2;
		if (expand(a->valuestring, full, cfg, script, &el) || n == 255)
			continue;
		offs[n++] = strs.len;
		rl_buf_add(&strs, el.data ? el.data : "", el.len);
		rl_buf_addc(&strs, 0);
	}
	if (tin)
		expand(tin, full, cfg, 0, in);
	argv = rl_xmalloc((n + 1) * sizeof *argv + strs.len);
	base = (char *)(argv + n + 1);
	memcpy(base, strs.data, strs.len);
	for (i = 0; i < n; i++)
		argv[i] = base + offs[i];
	argv[n] = NULL;
	*argvp = argv;
	rl_buf_free(&strs);
	rl_buf_free(&el);
	cJSON_Delete(full);
	cJSON_Delete(errs);
	return 0;
}

void
rl_tools_free(struct rl_tools *T)
{
	size_t i;

	for (i = 0; i < T->n; i++) {
		rl_schema_free(T->t[i].args);
		cJSON_Delete(T->t[i].doc);
		free(T->t[i].path);
	}
	free(T->t);
	cJSON_Delete(T->problems);
	memset(T, 0, sizeof *T);
}
