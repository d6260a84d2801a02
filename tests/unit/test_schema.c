/*
 * test_schema.c - the JSON Schema validator (lib/rl_schema*.c).
 *
 * Most cases live in the files of tests/unit/schema, in the layout of the JSON
 * Schema test suite: [{description, schema, tests: [{description, data,
 * valid}]}].  This program runs each, then checks what the files cannot
 * say: error reports, bad schemas, and sanitizing.
 */
#include <dirent.h>
#include <locale.h>
#include <stdlib.h>

#include "rl_fs.h"
#include "rl_json.h"
#include "rl_schema.h"
#include "unit.h"

#ifndef RL_TOP
#define RL_TOP "."
#endif

static void
run_file(const char *path)
{
	struct rl_buf text = {0}, msg = {0}, what = {0};
	cJSON *doc, *group, *t;
	struct rl_schema *s;

	if (rl_fs_read(path, &text, 1 << 22) < 0 || !(doc = cJSON_Parse(text.data))) {
		CHECK(0, path);
		return;
	}
	cJSON_ArrayForEach(group, doc) {
		cJSON *schema = cJSON_DetachItemFromObject(group, "schema");
		rl_buf_reset(&msg);
		s = rl_schema_compile(schema, &msg);
		rl_buf_reset(&what);
		rl_buf_printf(&what, "%s: %s: compiles", strrchr(path, '/') + 1,
		    rl_json_str(group, "description"));
		CHECK(s != NULL, what.data);
		if (!s) {
			printf("#   %s\n", msg.data);
			cJSON_Delete(schema);
			continue;
		}
		cJSON_ArrayForEach(t, cJSON_GetObjectItem(group, "tests")) {
			int want = cJSON_IsTrue(cJSON_GetObjectItem(t, "valid"));
			const cJSON *data = cJSON_GetObjectItem(t, "data");
			cJSON *errs = cJSON_CreateArray();
			int fast = rl_schema_valid(s, data);
			int full = rl_schema_check(s, data, errs, 0);
			rl_buf_reset(&what);
			rl_buf_printf(&what, "%s: %s: %s", strrchr(path, '/') + 1,
			    rl_json_str(group, "description"),
			    rl_json_str(t, "description"));
			CHECK(fast == want && full == want &&
			    (cJSON_GetArraySize(errs) == 0) == want, what.data);
			cJSON_Delete(errs);
		}
		rl_schema_free(s);
	}
	cJSON_Delete(doc);
	rl_buf_free(&text);
	rl_buf_free(&msg);
	rl_buf_free(&what);
}

static const char *
compile_error(const char *schema)
{
	static struct rl_buf msg;
	cJSON *doc = cJSON_Parse(schema);
	struct rl_schema *s;

	rl_buf_reset(&msg);
	if ((s = rl_schema_compile(doc, &msg))) {
		rl_schema_free(s);
		return "(compiled)";
	}
	cJSON_Delete(doc);
	return msg.data;
}

static const char *
errors_of(const char *schema, const char *data)
{
	static struct rl_buf out;
	struct rl_buf msg = {0};
	struct rl_schema *s = rl_schema_compile(cJSON_Parse(schema), &msg);
	cJSON *v = cJSON_Parse(data), *errs = cJSON_CreateArray();

	rl_schema_check(s, v, errs, 0);
	rl_buf_reset(&out);
	rl_json_print(errs, &out);
	cJSON_Delete(errs);
	cJSON_Delete(v);
	rl_schema_free(s);
	rl_buf_free(&msg);
	return out.data;
}

static const char *
sanitized(const char *schema, const char *data, int *n)
{
	static struct rl_buf out;
	struct rl_buf msg = {0};
	struct rl_schema *s = rl_schema_compile(cJSON_Parse(schema), &msg);
	cJSON *v = cJSON_Parse(data), *changes = cJSON_CreateArray();

	*n = rl_schema_sanitize(s, v, changes);
	rl_buf_reset(&out);
	rl_json_print(v, &out);
	rl_buf_adds(&out, " ");
	rl_json_print(changes, &out);
	cJSON_Delete(changes);
	cJSON_Delete(v);
	rl_schema_free(s);
	rl_buf_free(&msg);
	return out.data;
}

int
main(void)
{
	const char *dir = RL_TOP "/tests/unit/schema";
	struct dirent **names;
	char path[1024];
	int i, n;

	setlocale(LC_CTYPE, "C.UTF-8");     /* as rl_cmd_start does */
	n = scandir(dir, &names, NULL, alphasort);
	CHECK(n > 2, "the suite is there");
	for (i = 0; i < n; i++) {
		if (strstr(names[i]->d_name, ".json")) {
			snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
			run_file(path);
		}
		free(names[i]);
	}
	free(names);

	CHECK_STR(compile_error("{\"type\":\"strnig\"}"), "/type: unknown type 'strnig'", "unknown type named with its pointer");
	CHECK_STR(compile_error("{\"properties\":{\"a\":{\"minLength\":-1}}}"), "/properties/a/minLength: must be a non-negative integer", "negative length");
	CHECK_STR(compile_error("{\"pattern\":\"(\"}"), "/pattern: bad pattern '(': Unmatched ( or \\(", "bad pattern");
	CHECK_STR(compile_error("{\"$ref\":\"#/$defs/nope\"}"), "/$ref: cannot resolve '#/$defs/nope' (only local references \"#/...\" are supported)", "unresolvable $ref");
	CHECK_STR(compile_error("{\"$ref\":\"other.json#/a\"}"), "/$ref: cannot resolve 'other.json#/a' (only local references \"#/...\" are supported)", "remote $ref refused");
	CHECK_STR(compile_error("{\"items\":[{}]}"), "/items: must be a schema (draft 2020-12: a list of schemas is prefixItems)", "old items form");
	CHECK_STR(compile_error("{\"multipleOf\":0}"), "/multipleOf: must be greater than 0", "multipleOf 0");
	CHECK_STR(compile_error("{\"required\":[1]}"), "/required: must be an array of strings", "required of numbers");
	CHECK_STR(compile_error("{\"allOf\":[]}"), "/allOf: must be a non-empty array of schemas", "empty allOf");
	CHECK_STR(compile_error("5"), "/: a schema must be an object or a boolean", "a number is no schema");
	CHECK_STR(compile_error("{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/a\"}},\"$ref\":\"#/$defs/a\"}"), "(compiled)", "a self-referencing $ref compiles");
	CHECK_STR(compile_error("{\"x-anything\":[1],\"title\":\"t\"}"), "(compiled)", "unknown keywords ignored");

	CHECK_STR(errors_of("{\"properties\":{\"a\":{\"type\":\"integer\",\"minimum\":0}},\"required\":[\"b\"]}", "{\"a\":-1.5}"),
	    "[{\"path\":\"/a\",\"keyword\":\"type\",\"message\":\"must be integer, not number\"},{\"path\":\"\",\"keyword\":\"required\",\"message\":\"'b' is required\"}]",
	    "errors carry pointer, keyword, message");
	CHECK_STR(errors_of("{\"additionalProperties\":false}", "{\"x~y\":1}"),
	    "[{\"path\":\"/x~0y\",\"keyword\":\"additionalProperties\",\"message\":\"is not allowed here (no such member)\"}]",
	    "a forbidden member is named by its pointer");
	CHECK_STR(errors_of("{\"items\":{\"maxLength\":2}}", "[\"ok\",\"long\"]"),
	    "[{\"path\":\"/1\",\"keyword\":\"maxLength\",\"message\":\"must be at most 2 characters long\"}]",
	    "array items by index");
	CHECK_STR(errors_of("{\"enum\":[\"a\",\"b\"]}", "\"c\""),
	    "[{\"path\":\"\",\"keyword\":\"enum\",\"message\":\"must be one of [\\\"a\\\",\\\"b\\\"]\"}]",
	    "enum lists its values");

	CHECK_STR(sanitized("{\"properties\":{\"t\":{\"maxLength\":3}},\"additionalProperties\":false}",
	    "{\"t\":\"caf\\u00e9!\",\"x\":1}", &n),
	    "{\"t\":\"caf\"} [{\"path\":\"/t\",\"action\":\"truncated\"},{\"path\":\"/x\",\"action\":\"removed\"}]",
	    "truncate to maxLength in code points, drop a forbidden member");
	CHECK(n == 2, "two changes counted");
	CHECK_STR(sanitized("true", "[\"a\\u0001b\\tc\\u007f\\u0085d\\ne\"]", &n),
	    "[\"ab\\tcd\\ne\"] [{\"path\":\"/0\",\"action\":\"stripped\"}]",
	    "control characters stripped but tab and newline");
	CHECK_STR(sanitized("{\"$ref\":\"#/$defs/s\",\"$defs\":{\"s\":{\"properties\":{\"a\":{\"maxLength\":1}}}}}",
	    "{\"a\":\"xyz\"}", &n), "{\"a\":\"x\"} [{\"path\":\"/a\",\"action\":\"truncated\"}]",
	    "sanitize follows $ref");
	CHECK_STR(sanitized("{\"maxLength\":5}", "\"fine\"", &n), "\"fine\" []", "nothing to do");
	CHECK(n == 0, "no change counted");
	return unit_done();
}
