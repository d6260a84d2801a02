/*
 * rl_config.h - layered JSON configuration.
 *
 * Layers, each overriding the ones before it:
 *   1. default   SHARE/config.json (rl_path.h)
 *   2. system    /etc/redline/config.json ($RL_SYSCONFDIR/config.json)
 *   3. user      $XDG_CONFIG_HOME/redline/config.json (~/.config/...)
 *   4. project   ./.redline/config.json, only when the user trusts the
 *                repository's .redline/ as it is (rl_trust.h); else it is
 *                ignored with one warning (config.untrusted) that names
 *                `redline trust`.  Even then it never sets state_dir,
 *                sandbox.*, queue.backend, mem.backend,
 *                provider.rate_store, a provider's
 *                base_url or api_key_* (in provider or providers.NAME),
 *                nor provider.name to a cmd: program or a URL: each such
 *                key is dropped with a warning (config.forbidden); the
 *                same holds inside its env sections.  Those come from the
 *                user's own files, the environment and flags.
 *   5. the section env.NAME of each file above, in the same order, when
 *      REDLINE_ENV=NAME
 *   6. environment variables: each key has one (its "x-env" in the
 *      schema, e.g. RL_HOME for state_dir)
 *   7. flags, set by the command through rl_config_set
 * Objects merge member by member; any other value replaces the one below.
 * Every value remembers the layer it came from (rl_config_origin).
 *
 * The keys, their types and their variables are defined by one schema,
 * SHARE/schemas/config.json; every file is validated against it as it is
 * loaded, and an error names the file, the key's dotted path and a fix:
 *     rl-config: ./.redline/config.json: config.unknown_key:
 *         limits.max_dept: unknown key (did you mean 'limits.max_depth'?)
 * A file that is not JSON is reported with its line and column.
 *
 * Each file has a "version"; files older than RL_CONFIG_VERSION are
 * migrated in memory when loaded (and on disk by `rl-config migrate`),
 * files newer than it are refused.
 *
 * Loading functions print their diagnostics (rl_diag) and return -1; the
 * caller exits RL_EXIT_USAGE.
 */
#ifndef RL_CONFIG_H
#define RL_CONFIG_H

#include <cjson/cJSON.h>

#include "rl_buf.h"
#include "rl_schema.h"

#define RL_CONFIG_VERSION 1

enum rl_layer {
	RL_LAYER_DEFAULT, RL_LAYER_SYSTEM, RL_LAYER_USER, RL_LAYER_PROJECT,
	RL_LAYER_FILES   /* number of file layers */
};

struct rl_config {
	cJSON *tree;              /* the merged values */
	cJSON *origins;           /* dotted key -> origin string */
	struct rl_schema *schema;
	int errors;               /* problems reported while loading */
	int project;              /* ./.redline: an enum rl_trust */
	int quiet_trust;          /* no config.untrusted nor config.forbidden
	                             warnings (rl-trust reports on its own) */
};

/* Name of a file layer ("default", "system", "user", "project"). */
const char *rl_config_layer_name(enum rl_layer layer);

/* Append the path of a file layer to out. */
void rl_config_layer_path(enum rl_layer layer, struct rl_buf *out);

/*
 * Load every layer into cfg (zeroed by the caller).  Returns 0, or -1
 * after reporting every problem found (cfg->errors of them); cfg is
 * filled in as far as it could be either way and must be freed.
 */
int rl_config_load(struct rl_config *cfg);

/*
 * Set key (dotted, e.g. "limits.max_depth") from its text form, converted
 * to the key's type, as the flags layer; origin says where it came from
 * ("flag --max-depth").  Returns 0, or -1 after a diagnostic.
 */
int rl_config_set(struct rl_config *cfg, const char *key, const char *text,
	const char *origin);

/* The value of a dotted key, or NULL when it is not set. */
const cJSON *rl_config_get(const struct rl_config *cfg, const char *key);

/* The value as a number, or dflt when unset or not a number. */
double rl_config_num(const struct rl_config *cfg, const char *key,
	double dflt);

/* The value as a string, or dflt when unset or not a string. */
const char *rl_config_str(const struct rl_config *cfg, const char *key,
	const char *dflt);

/* The value as a boolean, or dflt when unset or not a boolean. */
int rl_config_bool(const struct rl_config *cfg, const char *key, int dflt);

/* Where the value of key came from, or NULL when it is not set. */
const char *rl_config_origin(const struct rl_config *cfg, const char *key);

/*
 * The schema of a dotted key, or NULL when no such key exists; when
 * suggest is not NULL, the closest known key is appended to it then.
 */
const cJSON *rl_config_key_schema(const struct rl_config *cfg,
	const char *key, struct rl_buf *suggest);

/*
 * Convert text to the type key's schema asks for (integer, number,
 * boolean, string; JSON text for anything else).  Returns a new item or
 * NULL after a diagnostic naming where.
 */
cJSON *rl_config_convert(const struct rl_config *cfg, const char *key,
	const char *text, const char *where);

/*
 * Read and parse one configuration file into *doc (caller frees).
 * Returns 0 with *doc set, 0 with *doc NULL when the file does not
 * exist, or -1 after a diagnostic (unreadable, not a regular file, not
 * JSON: with its line and column, a key given twice, not an object).
 */
int rl_config_read_file(const char *path, cJSON **doc);

/*
 * Drop from doc (a project layer's document; prefix "" at its top) every
 * key a repository may not set (see above), each with a config.forbidden
 * diagnostic naming path; loading says the key "is ignored".  Returns
 * how many were dropped.
 */
int rl_config_project_filter(const struct rl_config *cfg, cJSON *doc,
	const char *path, const char *prefix, int loading);

/* Report a file whose version this program cannot read. */
void rl_config_version_error(const char *path);

/* Set dotted key in doc to item (consumed), making objects on the way. */
void rl_config_doc_set(cJSON *doc, const char *key, cJSON *item);

/*
 * Validate one file's document; diagnostics name path, or, when path is
 * NULL, the origin of each failing key (for the merged tree).  Returns
 * the number of problems.
 */
int rl_config_check_doc(const struct rl_config *cfg, const cJSON *doc,
	const char *path);

/*
 * Bring doc up to RL_CONFIG_VERSION.  Returns the number of migrations
 * applied (0 when current), or -1 when the version is newer than this
 * program knows or is not an integer.  When log is not NULL, one line per
 * migration is appended to it ("version 0 -> 1: ...").
 */
int rl_config_migrate(cJSON *doc, struct rl_buf *log);

/*
 * The state directory: state_dir from cfg, else $XDG_STATE_HOME/redline,
 * else ~/.local/state/redline; appended to out.  It is not created.
 */
void rl_config_state_dir(const struct rl_config *cfg, struct rl_buf *out);

void rl_config_free(struct rl_config *cfg);

#endif
