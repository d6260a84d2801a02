/*
 * fuzz_schema.c - libFuzzer target for JSON Schemas from outside (a
 * repository's tool manifests, rl-validate -s): compiling any document,
 * then checking and sanitizing any value against what compiled.
 * `make fuzz`.
 *
 * The input's first line is the schema, the rest is the value:
 *     {"properties":{"a":{"pattern":"^x"}}}
 *     {"a":"xy"}
 * Besides the sanitizers' findings, the target aborts when the two ways
 * of asking disagree: the yes/no answer and the error listing, or a
 * listing that is empty for an invalid value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rl_json.h"
#include "rl_schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *nl = memchr(text, '\n', size);
	size_t n = nl ? (size_t)(nl - text) : size;
	struct rl_json_err e;
	struct rl_buf msg = {0};
	struct rl_schema *s;
	cJSON *doc, *v, *errs, *copy;
	int valid, listed;

	if (rl_json_parse(text, n, RL_JSON_DEPTH_MAX, &doc, &e) < 0)
		return 0;
	if (!(s = rl_schema_compile(doc, &msg))) {
		if (!msg.len)
			abort();        /* a refusal says why */
		cJSON_Delete(doc);
		rl_buf_free(&msg);
		return 0;
	}
	if (nl && rl_json_parse(nl + 1, size - n - 1, 128, &v, &e) == 0) {
		errs = cJSON_CreateArray();
		valid = rl_schema_valid(s, v);
		listed = rl_schema_check(s, v, errs, 0);
		if (valid != listed || valid != (cJSON_GetArraySize(errs) == 0))
			abort();
		copy = cJSON_Duplicate(v, 1);
		rl_schema_sanitize(s, copy, errs);
		cJSON_Delete(copy);
		cJSON_Delete(errs);
		cJSON_Delete(v);
	}
	rl_schema_free(s);
	rl_buf_free(&msg);
	return 0;
}
