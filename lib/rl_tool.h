/*
 * rl_tool.h - the tool catalog: versioned, validated manifests.
 *
 * A tool is a JSON manifest (redline-tools(5), schema SHARE/schemas/
 * tool.json) in SHARE/tools, the user's $XDG_CONFIG_HOME/redline/tools or
 * the project's .redline/tools; a later directory's manifest of a name
 * replaces an earlier one.  A manifest's argv is a template: "{name}" in
 * an element is replaced by the argument's value, inside that one element
 * (so no argument ever becomes two, or reaches a shell as code); an
 * element whose arguments are all absent, with no default, is left out;
 * "{config:KEY}" is the configuration's value at KEY (a string as it is,
 * another value as JSON text, an unset key as nothing); "{rl:CMD}" is
 * the absolute path of redline's own command rl-CMD (rl_proc_rl_path),
 * since the sandbox's PATH may not lead to it.  A manifest whose
 * argv runs a shell must say shell: true, and then its script (argv[2])
 * may hold no argument, only {config:KEY}: arguments reach a shell script
 * as positional parameters.
 */
#ifndef RL_TOOL_H
#define RL_TOOL_H
#include <cjson/cJSON.h>
#include "rl_buf.h"
#include "rl_config.h"
#include "rl_err.h"
#include "rl_schema.h"

struct rl_tool {
	const char *name, *version, *description;   /* inside doc */
	cJSON *doc;               /* the manifest */
	struct rl_schema *args;   /* its arguments' schema */
	char *path;               /* the file it came from */
	int enabled, writes, shell;
	double timeout;           /* seconds; 0: sandbox.timeout */
	long long output_bytes;   /* 0: sandbox.output_bytes */
};

struct rl_tools {
	struct rl_tool *t;
	size_t n;
	cJSON *problems;          /* [{"file", "code", "message"}] */
};

/*
 * Load every manifest of the three directories into T (zeroed by the
 * caller); config tools.enable and tools.disable apply.  A manifest that
 * is not valid is left out and described in T->problems.  Returns the
 * number of problems.
 */
int rl_tools_load(const struct rl_config *cfg, struct rl_tools *T);

const struct rl_tool *rl_tools_find(const struct rl_tools *T, const char *name);

/* 1 when agent may use t. */
int rl_tool_allowed(const struct rl_tool *t, const char *agent);

/*
 * Check what t requires (commands in PATH, minimum versions from
 * `COMMAND --version`).  Returns 1 when all is there; else 0 and appends
 * a message per missing thing to missing (an array; may be NULL).
 */
int rl_tool_requirements(const struct rl_tool *t, cJSON *missing);

/*
 * Validate args against t's schema (defaults filled in) and expand argv
 * (a NULL-terminated vector in one allocation: free(*argv)) and stdin
 * (into in).  Returns 0, or -1 with e set: tool.bad_args, naming what is
 * wrong.
 */
int rl_tool_argv(const struct rl_tool *t, const cJSON *args,
	const struct rl_config *cfg, char ***argv, struct rl_buf *in,
	struct rl_error *e);

void rl_tools_free(struct rl_tools *T);

#endif
