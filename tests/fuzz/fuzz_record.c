/*
 * fuzz_record.c - libFuzzer target for what every record goes through:
 * strict parsing, the duplicate check, the baton schema (yes/no, error
 * listing, sanitizing) and error batons with the raw line.  `make fuzz`.
 */
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>

#include "rl_arena.h"
#include "rl_baton.h"
#include "rl_json.h"
#include "rl_schema.h"
#include "rl_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rl_schema *schema;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rl_json_err e;
	struct rl_buf b = {0};
	cJSON *v = NULL, *errs, *err, *copy;
	int rc;

	if (!schema) {
		setlocale(LC_CTYPE, "C.UTF-8");
		if (!(schema = rl_schema_load(RL_TOP "/share/redline/schemas/baton.json", &b)))
			abort();
		rl_buf_reset(&b);
	}
	rl_arena_begin();
	rc = rl_json_parse((const char *)data, size, 64, &v, &e);
	rl_arena_end();
	if (rc == 0 && !rl_json_find_duplicate(v, &b)) {
		errs = cJSON_CreateArray();
		if (rl_schema_valid(schema, v) != rl_schema_check(schema, v, errs, 0))
			abort();
		copy = cJSON_Duplicate(v, 1);
		rl_schema_sanitize(schema, copy, errs);
		rl_json_print(copy, &b);
		cJSON_Delete(copy);
		cJSON_Delete(errs);
	}
	err = rl_baton_error(v, rc ? e.code : "validate.schema", "fuzz", NULL);
	rl_baton_add_raw(err, (const char *)data, size);
	rl_buf_reset(&b);
	rl_utf8_repair((const char *)data, size, &b);
	cJSON_Delete(err);
	cJSON_Delete(v);
	rl_arena_reset();
	rl_buf_free(&b);
	return 0;
}
