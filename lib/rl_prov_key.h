/*
 * rl_prov_key.h - API keys: where they come from, and where they never go.
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
 * value; children (cmd providers, tools, api_key_cmd itself) start with
 * rl_proc_scrub_env (rl_proc.h), so no key variable reaches their
 * environment; and whatever a service hands back (a reply, a streamed
 * piece, an error body, a model list) goes through rl_prov_key_redact_part
 * before anything else sees it, so a service that echoes the key echoes
 * "[redacted]".
 * rl_provider.c applies it where a provider hands data back; no caller
 * of the provider has to remember.
 *
 * What counts as the key in a text:
 *   - the key as it was sent, or as a JSON string may spell it: any of
 *     its characters may be written as an escape (\/ for "/", \" \\
 *     \b \f \n \r \t, or \u00XX), as a service or a model writing
 *     JSON does;
 *   - a key of 8 bytes or more also where only a beginning of it shows,
 *     as long as half the key, but at least 8 bytes and never more than
 *     12 needed, so a key cut short (a message truncated, an error that
 *     quotes "sk-proj-abcd...") is blanked as far as it goes;
 *   - a key shorter than 8 bytes (a placeholder such as "ollama" for a
 *     local server, more often than a secret) only as a whole word: not
 *     where a letter, digit, "_" or "-" touches it.  Blanking every "k"
 *     of every reply for a key "k" would wreck the replies; a short key
 *     written inside a longer word stays.  That is the one trade-off
 *     against false positives; a real key is long.
 */
#ifndef RL_PROV_KEY_H
#define RL_PROV_KEY_H
#include "rl_buf.h"
#include "rl_err.h"

/*
 * Find the key.  cmd, file, env may be NULL or "".  On success *key is
 * the key (the caller frees it with rl_prov_key_free) or NULL when no source
 * is set, and *source names where it came from.  Returns 0, or -1 with e
 * set (provider.no_key, provider.key_file).
 */
int rl_prov_key_load(const char *cmd, const char *file, const char *env,
	char **key, const char **source, struct rl_error *e);

/* Zero and free a key. */
void rl_prov_key_free(char *key);

/* What a secret is replaced with. */
#define RL_PROV_KEY_MARK "[redacted]"

/*
 * Redact t[from..n) as a stream: append it to out with every spelling of
 * key (see above) replaced by RL_PROV_KEY_MARK, and return m: out holds the
 * redaction of t[from..m).  Unless final, t[m..n) is held back because it
 * may be the beginning of the key (or of an escape in it): call again
 * with from = m once more text has been appended to t.  With final the
 * text is complete and m == n.  t[0..from) is read only to see whether a
 * short key stands alone.  key NULL or "": t[from..n) as it is.
 * Whatever is cut where, the pieces appended together never hold a
 * spelling of the key.
 */
size_t rl_prov_key_redact_part(const char *t, size_t n, size_t from,
	const char *key, int final, struct rl_buf *out);

/* Redact the whole of b in place (rl_prov_key_redact_part with final); the
 * bytes replaced are zeroed. */
void rl_prov_key_redact(struct rl_buf *b, const char *key);
#endif
