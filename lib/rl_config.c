/*
 * rl_config.c - layered configuration; see rl_config.h.
 *
 * The schema is the one list of keys: their types, their environment
 * variables ("x-env") and their descriptions all come from it, so adding
 * a key is one edit to share/redline/schemas/config.json.
 */
#include <errno.h>
#include <math.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rl_config.h"
#include "rl_err.h"
#include "rl_fs.h"
#include "rl_json.h"
#include "rl_path.h"
#include "rl_trust.h"

#define CONFIG_MAX (1UL << 20)

static const char *layer_names[] = {"default", "system", "user", "project"};

const char *
rl_config_layer_name(enum rl_layer layer)
{
	return layer_names[layer];
}

static const char *
home(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && *h)
		return h;
	pw = getpwuid(getuid());
	return pw && pw->pw_dir ? pw->pw_dir : "/";
}

/* $VAR/sub, or ~/fallback/sub when VAR is unset or not absolute. */
static void
xdg(const char *var, const char *fallback, const char *sub, struct rl_buf *out)
{
	const char *v = getenv(var);

	if (v && v[0] == '/')
		rl_buf_printf(out, "%s/%s", v, sub);
	else
		rl_buf_printf(out, "%s/%s/%s", home(), fallback, sub);
}

void
rl_config_layer_path(enum rl_layer layer, struct rl_buf *out)
{
	const char *etc = getenv("RL_SYSCONFDIR");

	switch (layer) {
	case RL_LAYER_DEFAULT:
		rl_share_path("config.json", out);
		break;
	case RL_LAYER_SYSTEM:
		rl_buf_printf(out, "%s/config.json",
		    etc && *etc ? etc : "/etc/redline");
		break;
	case RL_LAYER_USER:
		xdg("XDG_CONFIG_HOME", ".config", "redline/config.json", out);
		break;
	default:
		rl_buf_adds(out, ".redline/config.json");
		break;
	}
}

void
rl_config_state_dir(const struct rl_config *cfg, struct rl_buf *out)
{
	const char *dir = rl_config_str(cfg, "state_dir", NULL);

	if (dir && *dir)
		rl_buf_adds(out, dir);
	else
		xdg("XDG_STATE_HOME", ".local/state", "redline", out);
}

/* The schema of a member named seg of an object whose schema is s: its
 * own in "properties", else the one of "additionalProperties" (the
 * members named by the user, as providers.NAME) when "propertyNames"
 * allows the name; NULL when there is none. */
static const cJSON *
member_schema(const cJSON *s, const char *seg)
{
	const cJSON *m, *names, *v;

	m = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(s, "properties"), seg);
	if (m)
		return m;
	m = cJSON_GetObjectItemCaseSensitive(s, "additionalProperties");
	if (!cJSON_IsObject(m))
		return NULL;
	names = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(s, "propertyNames"), "enum");
	if (!names)
		return m;
	cJSON_ArrayForEach(v, names)
		if (cJSON_IsString(v) && strcmp(v->valuestring, seg) == 0)
			return m;
	return NULL;
}

/* Dotted key -> schema, walking "properties" (and "additionalProperties"
 * for members named by the user). */
static const cJSON *
key_schema(const cJSON *schema, const char *key, const cJSON **parent,
	char **last, size_t *at)
{
	const cJSON *s = schema, *props;
	const char *p, *dot;
	char *seg;

	*parent = NULL;
	*last = NULL;
	for (p = key; s && *p; p = dot + 1) {
		dot = p + strcspn(p, ".");
		seg = rl_xstrndup(p, (size_t)(dot - p));
		props = cJSON_GetObjectItemCaseSensitive(s, "properties");
		/* the names to suggest from: the members', or those allowed */
		*parent = props ? props : cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(s, "propertyNames"),
		    "enum");
		s = member_schema(s, seg);
		if (!s) {
			*last = seg;
			*at = (size_t)(p - key);
			break;
		}
		free(seg);
		if (!*dot)
			break;
	}
	return s;
}

static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, *row, prev, tmp, best;

	row = rl_xmalloc((lb + 1) * sizeof *row);
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	best = row[lb];
	free(row);
	return best;
}

const cJSON *
rl_config_key_schema(const struct rl_config *cfg, const char *key,
	struct rl_buf *suggest)
{
	const cJSON *parent, *s, *c;
	const char *best = NULL, *name;
	size_t d, bestd = (size_t)-1, keep = 0;
	char *last;

	s = key_schema(rl_schema_doc(cfg->schema), key, &parent, &last, &keep);
	if (s && !last)
		return s;
	if (suggest && last) {
		cJSON_ArrayForEach(c, parent) {
			name = c->string ? c->string : c->valuestring;
			if (!name || strcmp(name, "env") == 0)
				continue;
			d = distance(last, name);
			if (d < bestd) {
				bestd = d;
				best = name;
			}
		}
		if (best && bestd <= (strlen(last) + 2) / 3 + 1)
			rl_buf_printf(suggest, "%.*s%s", (int)keep, key, best);
	}
	free(last);
	return NULL;
}

static void
unknown_key(const struct rl_config *cfg, const char *where, const char *key)
{
	struct rl_buf near = {0};

	rl_config_key_schema(cfg, key, &near);
	if (!*key)
		key = "\"\" (an empty name)";
	if (near.len)
		rl_diag(where, 0, "config.unknown_key", "%s: unknown key "
		    "(did you mean '%s'?)", key, near.data);
	else
		rl_diag(where, 0, "config.unknown_key", "%s: unknown key "
		    "(see 'rl-config show' for the keys there are)", key);
	rl_buf_free(&near);
}

/* "/limits/max_depth" -> "limits.max_depth" */
static void
dotted(const char *ptr, struct rl_buf *out)
{
	for (; *ptr; ptr++) {
		if (*ptr == '/') {
			if (out->len)
				rl_buf_addc(out, '.');
		} else if (*ptr == '~' && (ptr[1] == '0' || ptr[1] == '1')) {
			rl_buf_addc(out, *++ptr == '0' ? '~' : '/');
		} else {
			rl_buf_addc(out, *ptr);
		}
	}
}

static const char *
fix_for(const char *keyword)
{
	if (strcmp(keyword, "type") == 0)
		return "give it a value of the type named";
	if (strstr(keyword, "imum"))
		return "give it a value within the limit";
	if (strcmp(keyword, "enum") == 0 || strcmp(keyword, "const") == 0)
		return "use one of the values redline-config(5) lists";
	if (strcmp(keyword, "minLength") == 0)
		return "give it a non-empty value";
	return "see redline-config(5)";
}

int
rl_config_check_doc(const struct rl_config *cfg, const cJSON *doc,
	const char *path)
{
	cJSON *errs = cJSON_CreateArray(), *e;
	struct rl_buf key = {0};
	const char *kw, *desc, *where;
	const cJSON *ks;
	int n = 0;

	rl_schema_check(cfg->schema, doc, errs, 50);
	cJSON_ArrayForEach(e, errs) {
		n++;
		rl_buf_reset(&key);
		rl_buf_adds(&key, "");     /* a key may be "" */
		dotted(rl_json_str(e, "path"), &key);
		kw = rl_json_str(e, "keyword");
		if (strcmp(kw, "additionalProperties") == 0) {
			unknown_key(cfg, path, key.data);
			continue;
		}
		ks = key.len ? rl_config_key_schema(cfg, key.data, NULL) : NULL;
		desc = ks ? rl_json_str(ks, "description") : NULL;
		where = path ? path : rl_config_origin(cfg, key.data);
		rl_diag(where ? where : "config", 0, "config.invalid", "%s: %s (fix: %s%s%s)",
		    key.len ? key.data : "(top level)", rl_json_str(e, "message"),
		    fix_for(kw), desc ? "; it is: " : "", desc ? desc : "");
	}
	cJSON_Delete(errs);
	rl_buf_free(&key);
	return n;
}

int
rl_config_migrate(cJSON *doc, struct rl_buf *log)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "version");
	int version, applied = 0;

	if (!v) {
		version = 0;
	} else if (!rl_json_is_integer(v) || v->valuedouble < 0) {
		return -1;
	} else if (v->valuedouble > RL_CONFIG_VERSION) {
		return -1;
	} else {
		version = (int)v->valuedouble;
	}
	/* The migrations, one per version step. */
	if (version == 0) {
		/* 0 is a file written before files had versions. */
		cJSON_AddNumberToObject(doc, "version", 1);
		if (log)
			rl_buf_adds(log, "version 0 -> 1: add \"version\": 1\n");
		version = 1;
		applied++;
	}
	return applied;
}

static void
set_origins(cJSON *origins, const cJSON *v, struct rl_buf *key,
	const char *origin)
{
	const cJSON *c;
	size_t mark = key->len;

	if (!cJSON_IsObject(v) || !v->child) {
		cJSON_DeleteItemFromObjectCaseSensitive(origins, key->data);
		cJSON_AddStringToObject(origins, key->data, origin);
		return;
	}
	cJSON_ArrayForEach(c, v) {
		rl_buf_printf(key, ".%s", c->string);
		set_origins(origins, c, key, origin);
		key->len = mark;
		key->data[mark] = 0;
	}
}

/* Forget the origins of key and of everything below it. */
static void
drop_origins(cJSON *origins, const char *key)
{
	size_t n = strlen(key);
	cJSON *c, *next;

	for (c = origins->child; c; c = next) {
		next = c->next;
		if (strncmp(c->string, key, n) == 0 &&
		    (c->string[n] == 0 || c->string[n] == '.'))
			cJSON_Delete(cJSON_DetachItemViaPointer(origins, c));
	}
}

static void
merge(struct rl_config *cfg, cJSON *dst, const cJSON *src, const char *prefix,
	const char *origin)
{
	struct rl_buf key = {0};
	const cJSON *c;
	cJSON *old;

	cJSON_ArrayForEach(c, src) {
		rl_buf_reset(&key);
		rl_buf_printf(&key, "%s%s%s", prefix, *prefix ? "." : "",
		    c->string);
		old = cJSON_GetObjectItemCaseSensitive(dst, c->string);
		if (cJSON_IsObject(old) && cJSON_IsObject(c)) {
			merge(cfg, old, c, key.data, origin);
			continue;
		}
		drop_origins(cfg->origins, key.data);
		if (old)
			cJSON_ReplaceItemViaPointer(dst, old, cJSON_Duplicate(c, 1));
		else
			cJSON_AddItemToObject(dst, c->string, cJSON_Duplicate(c, 1));
		set_origins(cfg->origins, c, &key, origin);
	}
	rl_buf_free(&key);
}

void
rl_config_doc_set(cJSON *doc, const char *key, cJSON *item)
{
	char *copy = rl_xstrdup(key), *seg, *next, *save = NULL;
	cJSON *c = doc, *o;

	for (seg = strtok_r(copy, ".", &save); seg; seg = next) {
		next = strtok_r(NULL, ".", &save);
		o = cJSON_GetObjectItemCaseSensitive(c, seg);
		if (!next) {
			if (o)    /* (the item takes the member's name) */
				cJSON_ReplaceItemInObjectCaseSensitive(c, seg, item);
			else
				cJSON_AddItemToObject(c, seg, item);
		} else if (!cJSON_IsObject(o)) {
			cJSON_DeleteItemFromObjectCaseSensitive(c, seg);
			o = cJSON_CreateObject();
			cJSON_AddItemToObject(c, seg, o);
		}
		c = o;
	}
	free(copy);
}

/* Put item (owned) at key in the merged tree: it goes through merge() so
 * that origins stay right. */
static void
put(struct rl_config *cfg, const char *key, cJSON *item, const char *origin)
{
	cJSON *wrap = cJSON_CreateObject();

	rl_config_doc_set(wrap, key, item);
	merge(cfg, cfg->tree, wrap, "", origin);
	cJSON_Delete(wrap);
}

cJSON *
rl_config_convert(const struct rl_config *cfg, const char *key,
	const char *text, const char *where)
{
	const cJSON *ks = rl_config_key_schema(cfg, key, NULL);
	const char *type;
	char *end;
	cJSON *v = NULL;
	double d;

	if (!ks) {
		unknown_key(cfg, where, key);
		return NULL;
	}
	type = rl_json_str(ks, "type");
	type = type ? type : "";
	errno = 0;
	if (strcmp(type, "integer") == 0 || strcmp(type, "number") == 0) {
		d = strtod(text, &end);
		if (*text && !*end && errno == 0 && isfinite(d) &&
		    (type[0] == 'n' || floor(d) == d))
			v = cJSON_CreateNumber(d);
	} else if (strcmp(type, "boolean") == 0) {
		if (!strcmp(text, "true") || !strcmp(text, "yes") ||
		    !strcmp(text, "on") || !strcmp(text, "1"))
			v = cJSON_CreateTrue();
		else if (!strcmp(text, "false") || !strcmp(text, "no") ||
		    !strcmp(text, "off") || !strcmp(text, "0"))
			v = cJSON_CreateFalse();
	} else if (strcmp(type, "string") == 0) {
		v = cJSON_CreateString(text);
	} else {
		v = cJSON_Parse(text);
		if (!v)
			type = "JSON value";
	}
	if (!v)
		rl_diag(where, 0, "config.invalid", "%s: '%s' is not %s %s "
		    "(fix: write the value as %s %s)", key, text,
		    strchr("aeiou", type[0]) ? "an" : "a", type,
		    strchr("aeiou", type[0]) ? "an" : "a", type);
	return v;
}

int
rl_config_set(struct rl_config *cfg, const char *key, const char *text,
	const char *origin)
{
	cJSON *v = rl_config_convert(cfg, key, text, origin);

	if (!v)
		return -1;
	put(cfg, key, v, origin);
	/* the type is right; the merged tree tells if the value is */
	return rl_config_check_doc(cfg, cfg->tree, NULL) ? -1 : 0;
}

/* RL_LIMITS_MAX_DEPTH for limits.max_depth, unless "x-env" says. */
static void
env_name(const cJSON *ks, const char *key, struct rl_buf *out)
{
	const char *x = rl_json_str(ks, "x-env");

	if (x) {
		rl_buf_adds(out, x);
		return;
	}
	rl_buf_adds(out, "RL_");
	for (; *key; key++)
		rl_buf_addc(out, *key == '.' ? '_' :
		    (*key >= 'a' && *key <= 'z') ? *key - 32 : *key);
}

/* The environment layer: every leaf key's variable. */
static int
load_env(struct rl_config *cfg, const cJSON *schema, const char *prefix)
{
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
	struct rl_buf key = {0}, var = {0}, where = {0};
	const cJSON *c;
	const char *val;
	int bad = 0;

	cJSON_ArrayForEach(c, props) {
		if (!*prefix && (!strcmp(c->string, "env") ||
		    !strcmp(c->string, "version")))
			continue;
		rl_buf_reset(&key);
		rl_buf_printf(&key, "%s%s%s", prefix, *prefix ? "." : "",
		    c->string);
		if (cJSON_GetObjectItemCaseSensitive(c, "properties")) {
			bad += load_env(cfg, c, key.data);
			continue;
		}
		rl_buf_reset(&var);
		env_name(c, key.data, &var);
		if (!(val = getenv(var.data)))
			continue;
		rl_buf_reset(&where);
		rl_buf_printf(&where, "env %s", var.data);
		if (rl_config_set(cfg, key.data, val, where.data) < 0)
			bad++;
	}
	rl_buf_free(&key);
	rl_buf_free(&var);
	rl_buf_free(&where);
	return bad;
}

int
rl_config_read_file(const char *path, cJSON **doc)
{
	struct rl_buf text = {0}, dup = {0};
	struct rl_json_err e;
	unsigned long line, col;
	int rc = -1;

	*doc = NULL;
	if (rl_fs_read_regular(path, &text, CONFIG_MAX) < 0) {
		if (errno == ENOENT)
			rc = 0;
		else if (errno == EINVAL)
			rl_diag(path, 0, "config.invalid", "not a regular file "
			    "(fix: make it a file holding one JSON object, or "
			    "remove it)");
		else
			rl_diag(path, 0, "config.invalid", "cannot read: %s",
			    strerror(errno));
	} else if (rl_json_parse(text.data ? text.data : "", text.len, 64, doc,
	    &e) < 0) {
		rl_json_linecol(text.data, text.len, e.offset, &line, &col);
		rl_diag(path, line, "config.syntax", "%s at column %lu "
		    "(fix: correct the JSON there)", e.message, col);
	} else if (!cJSON_IsObject(*doc)) {
		rl_diag(path, 0, "config.invalid", "the file must hold one "
		    "JSON object (fix: wrap the settings in { })");
		cJSON_Delete(*doc);
		*doc = NULL;
	} else if (rl_json_find_duplicate(*doc, &dup)) {
		rl_buf_reset(&text);
		dotted(dup.data, &text);
		rl_diag(path, 0, "config.syntax", "%s: the key is given twice "
		    "(fix: keep the one you mean)", text.data);
		cJSON_Delete(*doc);
		*doc = NULL;
	} else {
		rc = 0;
	}
	rl_buf_free(&text);
	rl_buf_free(&dup);
	return rc;
}

void
rl_config_version_error(const char *path)
{
	rl_diag(path, 0, "config.version", "version: must be an integer "
	    "from 0 to %d (fix: upgrade redline, or correct the version)",
	    RL_CONFIG_VERSION);
}

/* --- the project layer ----------------------------------------------- */

/* What a repository's configuration never sets, trusted or not: where the
 * state lives (the stores and the rate store: a server we connect to),
 * the sandbox, where work and keys are sent, which key is sent.  "*"
 * stands for one key of a map.  (provider.name and agents.NAME.provider
 * are checked by their value: no cmd: program, no URL.) */
static const char *const project_never[] = {
	"state_dir", "sandbox", "queue.backend", "mem.backend",
	"provider.rate_store", "provider.base_url", "provider.api_key_env", "provider.api_key_file",
	"provider.api_key_cmd", "providers.*.base_url", "providers.*.api_key_env",
	"providers.*.api_key_file", "providers.*.api_key_cmd", NULL
};

/* 1 if dotted key matches pattern, segment by segment. */
static int
key_match(const char *pattern, const char *key)
{
	size_t n;

	for (;;) {
		n = strcspn(key, ".");
		if (pattern[0] == '*' && (pattern[1] == '.' || !pattern[1])) {
			pattern++;
		} else if (strncmp(pattern, key, n) == 0 &&
		    (pattern[n] == '.' || !pattern[n])) {
			pattern += n;
		} else {
			return 0;
		}
		key += n;
		if (!*pattern || !*key)
			return !*pattern && !*key;
		pattern++;
		key++;
	}
}

/* 1 if the project layer may not set key (env sections stripped) to v. */
static int
never(const char *key, const cJSON *v)
{
	const char *s = cJSON_GetStringValue(v);
	size_t i;

	for (i = 0; project_never[i]; i++)
		if (key_match(project_never[i], key))
			return 1;
	return (strcmp(key, "provider.name") == 0 ||
	    key_match("agents.*.provider", key)) && s &&
	    (strncmp(s, "cmd:", 4) == 0 || strncmp(s, "http://", 7) == 0 ||
	    strncmp(s, "https://", 8) == 0);
}

static void
forbidden(const struct rl_config *cfg, const char *path, const char *key,
	const char *bare, int loading)
{
	struct rl_buf user = {0}, var = {0};
	const cJSON *ks = rl_config_key_schema(cfg, bare, NULL);

	rl_config_layer_path(RL_LAYER_USER, &user);
	if (ks && !cJSON_GetObjectItemCaseSensitive(ks, "properties"))
		env_name(ks, bare, &var);
	if (cfg->quiet_trust)
		return;
	rl_diag(path, 0, "config.forbidden", "%s: a repository's configuration "
	    "cannot set this%s (fix: set it in %s%s%s, or with a flag)", key,
	    loading ? ", so it is ignored" : "", user.data,
	    var.len ? " or in $" : "", var.len ? var.data : "");
	rl_buf_free(&user);
	rl_buf_free(&var);
}

int
rl_config_project_filter(const struct rl_config *cfg, cJSON *doc,
	const char *path, const char *prefix, int loading)
{
	struct rl_buf key = {0};
	const char *bare;
	cJSON *c, *next;
	int n = 0;

	for (c = doc ? doc->child : NULL; c; c = next) {
		next = c->next;
		rl_buf_reset(&key);
		rl_buf_printf(&key, "%s%s%s", prefix, *prefix ? "." : "",
		    c->string);
		/* the same rules inside env sections: env.NAME.KEY is KEY */
		for (bare = key.data; strncmp(bare, "env.", 4) == 0 &&
		    strchr(bare + 4, '.'); bare = strchr(bare + 4, '.') + 1)
			;
		if (never(bare, c)) {
			forbidden(cfg, path, key.data, bare, loading);
			cJSON_Delete(cJSON_DetachItemViaPointer(doc, c));
			n++;
		} else if (cJSON_IsObject(c)) {
			n += rl_config_project_filter(cfg, c, path, key.data,
			    loading);
		}
	}
	rl_buf_free(&key);
	return n;
}

/* Whether the project layer applies: the user trusts ./.redline as it is
 * (rl_trust.h).  The state directory is the one the layers below and the
 * environment name: the project layer cannot move it. */
static int
project_trusted(struct rl_config *cfg)
{
	struct rl_buf state = {0};
	const char *home = getenv("RL_HOME");

	if (home && home[0] == '/')
		rl_buf_adds(&state, home);
	else
		rl_config_state_dir(cfg, &state);
	cfg->project = rl_trust_check(state.data, ".");
	if (cfg->project == RL_TRUST_NO && !cfg->quiet_trust)
		rl_diag(".redline", 0, "config.untrusted", "this repository's "
		    ".redline/ (settings, tools, prompts) is not trusted, so it "
		    "is ignored (fix: read it, then run 'redline trust')");
	rl_buf_free(&state);
	return cfg->project == RL_TRUST_YES;
}

/* Read, migrate and check one file layer; NULL if absent or bad. */
static cJSON *
load_file(struct rl_config *cfg, const char *path, int required)
{
	cJSON *doc;

	if (rl_config_read_file(path, &doc) < 0) {
		cfg->errors++;
	} else if (!doc) {
		if (required) {
			rl_diag(path, 0, "config.invalid", "cannot read: %s",
			    strerror(ENOENT));
			cfg->errors++;
		}
	} else if (rl_config_migrate(doc, NULL) < 0) {
		rl_config_version_error(path);
		cfg->errors++;
		cJSON_Delete(doc);
		doc = NULL;
	} else if (rl_config_check_doc(cfg, doc, path)) {
		cfg->errors++;
		cJSON_Delete(doc);
		doc = NULL;
	}
	return doc;
}

int
rl_config_load(struct rl_config *cfg)
{
	struct rl_buf path = {0}, msg = {0}, origin = {0};
	const char *envname = getenv("REDLINE_ENV");
	cJSON *docs[RL_LAYER_FILES] = {0}, *sec;
	char *paths[RL_LAYER_FILES];
	int i;

	cfg->tree = cJSON_CreateObject();
	cfg->origins = cJSON_CreateObject();
	rl_share_path("schemas/config.json", &path);
	if (!(cfg->schema = rl_schema_load(path.data, &msg))) {
		rl_diag(NULL, 0, "config.invalid", "%s", msg.data);
		cfg->errors++;
		goto out;
	}
	for (i = 0; i < RL_LAYER_FILES; i++) {
		rl_buf_reset(&path);
		rl_config_layer_path((enum rl_layer)i, &path);
		paths[i] = rl_xstrdup(path.data);
		docs[i] = NULL;
		if (i == RL_LAYER_PROJECT && !project_trusted(cfg))
			continue;
		docs[i] = load_file(cfg, path.data, i == RL_LAYER_DEFAULT);
		if (i == RL_LAYER_PROJECT)
			rl_config_project_filter(cfg, docs[i], path.data, "", 1);
		if (docs[i])
			merge(cfg, cfg->tree, docs[i], "", path.data);
		cJSON_DeleteItemFromObjectCaseSensitive(cfg->tree, "env");
		drop_origins(cfg->origins, "env");
	}
	for (i = 0; envname && *envname && i < RL_LAYER_FILES; i++) {
		sec = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(docs[i], "env"), envname);
		if (!sec)
			continue;
		rl_buf_reset(&origin);
		rl_buf_printf(&origin, "%s (env %s)", paths[i], envname);
		merge(cfg, cfg->tree, sec, "", origin.data);
	}
	for (i = 0; i < RL_LAYER_FILES; i++) {
		cJSON_Delete(docs[i]);
		free(paths[i]);
	}
	cfg->errors += load_env(cfg, rl_schema_doc(cfg->schema), "");
out:
	rl_buf_free(&path);
	rl_buf_free(&msg);
	rl_buf_free(&origin);
	return cfg->errors ? -1 : 0;
}

const cJSON *
rl_config_get(const struct rl_config *cfg, const char *key)
{
	char *copy = rl_xstrdup(key), *seg, *save = NULL;
	const cJSON *v = cfg->tree;

	for (seg = strtok_r(copy, ".", &save); v && seg;
	    seg = strtok_r(NULL, ".", &save))
		v = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, seg) : NULL;
	free(copy);
	return v;
}

double
rl_config_num(const struct rl_config *cfg, const char *key, double dflt)
{
	const cJSON *v = rl_config_get(cfg, key);

	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

const char *
rl_config_str(const struct rl_config *cfg, const char *key, const char *dflt)
{
	const cJSON *v = rl_config_get(cfg, key);

	return cJSON_IsString(v) ? v->valuestring : dflt;
}

int
rl_config_bool(const struct rl_config *cfg, const char *key, int dflt)
{
	const cJSON *v = rl_config_get(cfg, key);

	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}

const char *
rl_config_origin(const struct rl_config *cfg, const char *key)
{
	return rl_json_str(cfg->origins, key);
}

void
rl_config_free(struct rl_config *cfg)
{
	cJSON_Delete(cfg->tree);
	cJSON_Delete(cfg->origins);
	rl_schema_free(cfg->schema);
	memset(cfg, 0, sizeof *cfg);
}
