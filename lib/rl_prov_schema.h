/*
 * rl_prov_schema.h - a reply's JSON Schema as model servers take it for
 * structured output, and the reply brought back to the schema's shape.
 *
 * Servers constrain decoding to a schema (response_format json_schema),
 * but each takes only part of JSON Schema: OpenAI's strict mode wants
 * every property required, additionalProperties false on every object
 * and no allOf, not or if; llama.cpp's grammar has no
 * patternProperties, breaks on nested $ref and anchors patterns; others
 * differ again.  So a schema is sent as the subset all of them take:
 *
 *   - every object lists all its properties in required, and a property
 *     the schema left optional may be null instead ("type": [T, "null"]);
 *   - every object with properties has additionalProperties false;
 *   - local $ref are inlined, oneOf becomes anyOf;
 *   - what is left (pattern, lengths, bounds, formats, allOf, not,
 *     if/then/else, patternProperties, ...) is dropped.
 *
 * What is dropped is not enforced by the server, so the caller still
 * checks the reply against the whole schema, as it would without
 * structured output, and repairs or refuses it.  An object whose
 * members are free (no properties: {"type": "object"}) cannot be written
 * in strict mode; it is kept open and the schema is marked not strict.
 *
 *     int strict;
 *     cJSON *sent = rl_prov_schema_portable(schema, &strict);
 *     ... reply ...
 *     rl_prov_schema_unnull(schema, reply);    nulls of optional members out
 */
#ifndef RL_PROV_SCHEMA_H
#define RL_PROV_SCHEMA_H
#include <cjson/cJSON.h>

/*
 * The portable form of schema (a new tree the caller frees); *strict is
 * set to 1 when it meets strict mode's rules, else 0.
 */
cJSON *rl_prov_schema_portable(const cJSON *schema, int *strict);

/*
 * Remove from v, in place, every member that is null where schema left
 * the member optional and does not allow null: what the portable form
 * made the model write for "absent".  Returns how many were removed.
 */
int rl_prov_schema_unnull(const cJSON *schema, cJSON *v);
#endif
