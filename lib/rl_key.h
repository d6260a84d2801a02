/*
 * rl_key.h - API keys: where they come from, and where they never go.
 *
 * A key is read from the first of the provider's settings that is set:
 *   api_key_cmd   a command (sh -c) whose first output line is the key,
 *                 as a password manager prints it ("pass show openai")
 *   api_key_file  a file whose first line is the key; refused unless it
 *                 is a regular file owned by the user and not readable or
 *                 writable by group or others (chmod 600)
 *   api_key_env   an environment variable (each preset names its usual
 *                 one: OPENAI_API_KEY, DASHSCOPE_API_KEY, ...)
 *
 * The key is kept in memory only: messages name its source, never its
 * value; rl_key_redact blanks it out of any text that came back from a
 * service; children (cmd providers, tools, api_key_cmd itself) start with
 * rl_key_scrub_env, so no key variable reaches their environment.
 */
#ifndef RL_KEY_H
#define RL_KEY_H
#include "rl_buf.h"
#include "rl_err.h"

/*
 * Find the key.  cmd, file, env may be NULL or "".  On success *key is
 * the key (the caller frees it with rl_key_free) or NULL when no source
 * is set, and *source names where it came from.  Returns 0, or -1 with e
 * set (provider.no_key, provider.key_file).
 */
int rl_key_load(const char *cmd, const char *file, const char *env,
	char **key, const char **source, struct rl_error *e);

/* Zero and free a key. */
void rl_key_free(char *key);

/* Replace every occurrence of key (and of its first 12 bytes) in b with
 * "[redacted]". */
void rl_key_redact(struct rl_buf *b, const char *key);

/*
 * In a child about to exec: remove from the environment every variable
 * that holds a credential (names ending in _API_KEY, _KEY, _TOKEN,
 * _SECRET or _PASSWORD, and extra when not NULL).
 */
void rl_key_scrub_env(const char *extra);
#endif
