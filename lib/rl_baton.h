/*
 * rl_baton.h - making batons: ids and error batons.
 *
 * A baton is one JSON object per line holding one task's whole state;
 * redline-record(5) documents its fields and share/redline/schemas/
 * baton.json enforces them.  This module makes the batons that stand for
 * records that went wrong, so that nothing is ever dropped:
 *
 *   {"rl":1, "id":"...", "next":"done",
 *    "error":{"code":"input.not_json", "category":"input",
 *             "message":"...", "stage":"validate", "retryable":false},
 *    "raw":"the line as it came"}
 *
 * `raw` holds the original line when it is valid UTF-8 without NUL bytes;
 * otherwise `raw_b64` holds it base64-encoded.  An error baton keeps the
 * id of the record it replaces when that id is one baton.json allows.
 */
#ifndef RL_BATON_H
#define RL_BATON_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* The version of the record format this library writes ("rl": 1). */
#define RL_BATON_VERSION 1

/* Length of an id made by rl_baton_new_id, without its NUL. */
#define RL_BATON_ID_LEN 19

/*
 * Store a new id in out (RL_BATON_ID_LEN + 1 bytes): "rl-" and 16 hex
 * digits from the kernel's random source (the time and pid when that is
 * unavailable), plus a per-process counter.  Ids are unique in practice, not secret.
 */
void rl_baton_new_id(char *out);

/*
 * A new error baton for a record that failed in stage (may be NULL).
 * orig is the record as parsed, or NULL when it was not JSON; its string
 * `id` is kept.  Returns a tree the caller owns (cJSON_Delete).
 */
cJSON *rl_baton_error(const cJSON *orig, const char *code,
	const char *message, const char *stage);

/* Add the original line to an error baton as `raw` or `raw_b64`. */
void rl_baton_add_raw(cJSON *b, const char *text, size_t len);

#endif
