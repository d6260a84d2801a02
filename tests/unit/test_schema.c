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

#define TWICE "appears twice in its object (a name may appear once)"
#define CYCLE "this schema applies itself again to the same value (through " \
	"$ref, allOf, anyOf, oneOf, not or if/then/else), which would never end"
/* each level applies the next twice: 2^30 checks of the same value */
#define L(i, j) "\"l" #i "\":{\"allOf\":[{\"$ref\":\"#/$defs/l" #j "\"},{\"$ref\":\"#/$defs/l" #j "\"}]},"
#define EXPONENTIAL "{\"$ref\":\"#/$defs/l0\",\"$defs\":{" L(0, 1) L(1, 2) L(2, 3) L(3, 4) \
	L(4, 5) L(5, 6) L(6, 7) L(7, 8) L(8, 9) L(9, 10) L(10, 11) L(11, 12) \
	L(12, 13) L(13, 14) L(14, 15) L(15, 16) L(16, 17) L(17, 18) L(18, 19) \
	L(19, 20) L(20, 21) L(21, 22) L(22, 23) L(23, 24) L(24, 25) L(25, 26) \
	L(26, 27) L(27, 28) L(28, 29) L(29, 30) "\"l30\":true}}"

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

/* The errors of data, nested depth arrays deep (too deep to parse). */
static const char *
errors_deep(const char *schema, int depth)
{
	static struct rl_buf out;
	struct rl_buf msg = {0};
	struct rl_schema *s = rl_schema_compile(cJSON_Parse(schema), &msg);
	cJSON *v = cJSON_CreateArray(), *in = v, *errs = cJSON_CreateArray();
	int fast;

	while (--depth > 0) {
		cJSON_AddItemToArray(in, cJSON_CreateArray());
		in = in->child;
	}
	fast = rl_schema_valid(s, v);
	rl_buf_reset(&out);
	rl_buf_printf(&out, "%d %d ", fast, rl_schema_check(s, v, errs, 0));
	rl_json_print(errs, &out);
	cJSON_Delete(errs);
	cJSON_Delete(v);
	rl_schema_free(s);
	rl_buf_free(&msg);
	return out.data;
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
	CHECK_STR(compile_error("{\"pattern\":\"(\"}"), "/pattern: bad pattern '(': missing closing parenthesis", "bad pattern");
	CHECK_STR(compile_error("{\"$ref\":\"#/$defs/nope\"}"), "/$ref: cannot resolve '#/$defs/nope' (only local references \"#/...\" are supported)", "unresolvable $ref");
	CHECK_STR(compile_error("{\"$ref\":\"other.json#/a\"}"), "/$ref: cannot resolve 'other.json#/a' (only local references \"#/...\" are supported)", "remote $ref refused");
	CHECK_STR(compile_error("{\"items\":[{}]}"), "/items: must be a schema (draft 2020-12: a list of schemas is prefixItems)", "old items form");
	CHECK_STR(compile_error("{\"multipleOf\":0}"), "/multipleOf: must be greater than 0", "multipleOf 0");
	CHECK_STR(compile_error("{\"required\":[1]}"), "/required: must be an array of strings", "required of numbers");
	CHECK_STR(compile_error("{\"allOf\":[]}"), "/allOf: must be a non-empty array of schemas", "empty allOf");
	CHECK_STR(compile_error("5"), "/: a schema must be an object or a boolean", "a number is no schema");
	CHECK_STR(compile_error("{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/a\"}},\"$ref\":\"#/$defs/a\"}"), "/$defs/a: " CYCLE, "a $ref to itself is a cycle");
	CHECK_STR(compile_error("{\"x-anything\":[1],\"title\":\"t\"}"), "(compiled)", "unknown keywords ignored");

	/* a repeated name is refused before any keyword is read */
	CHECK_STR(compile_error("{\"patternProperties\":{\"a\":true,\"b\":true},\"patternProperties\":{\"c\":true}}"),
	    "/patternProperties: " TWICE, "repeated patternProperties");
	CHECK_STR(compile_error("{\"dependentRequired\":{\"a\":[\"b\"],\"c\":[\"d\"]},\"dependentRequired\":{\"e\":[\"f\"]}}"),
	    "/dependentRequired: " TWICE, "repeated dependentRequired");
	CHECK_STR(compile_error("{\"allOf\":[true],\"type\":\"string\",\"allOf\":[true,false]}"),
	    "/allOf: " TWICE, "repeated allOf");
	CHECK_STR(compile_error("{\"type\":\"string\",\"type\":\"number\"}"), "/type: " TWICE, "repeated type");
	CHECK_STR(compile_error("{\"items\":{\"properties\":{\"a\":{},\"b\":{},\"a\":{}}}}"),
	    "/items/properties/a: " TWICE, "a property named twice, deep down");

	/* cycles that never reach a smaller value; recursion that does */
	CHECK_STR(compile_error("{\"$ref\":\"#\"}"), "/: " CYCLE, "$ref to the root");
	CHECK_STR(compile_error("{\"properties\":{\"a\":{\"allOf\":[{\"$ref\":\"#/properties/a\"}]}}}"),
	    "/properties/a: " CYCLE, "allOf back to itself");
	CHECK_STR(compile_error("{\"$defs\":{\"a\":{\"not\":{\"$ref\":\"#/$defs/b\"}},\"b\":{\"if\":true,\"else\":{\"$ref\":\"#/$defs/c\"}},"
	    "\"c\":{\"anyOf\":[true,{\"$ref\":\"#/$defs/a\"}]}},\"items\":{\"$ref\":\"#/$defs/a\"}}"),
	    "/$defs/a: " CYCLE, "a cycle through not, else and anyOf");
	CHECK_STR(compile_error("{\"properties\":{\"children\":{\"items\":{\"$ref\":\"#\"}}},\"allOf\":[{\"$ref\":\"#/$defs/n\"}],"
	    "\"$defs\":{\"n\":{\"required\":[\"name\"]}}}"), "(compiled)", "a tree of children is recursion, not a cycle");
	CHECK_STR(compile_error("{\"propertyNames\":{\"$ref\":\"#\"},\"contains\":{\"$ref\":\"#\"},"
	    "\"additionalProperties\":{\"$ref\":\"#\"}}"), "(compiled)", "names, contains and members are smaller values");
	CHECK_STR(compile_error("{\"then\":{\"$ref\":\"#\"}}"), "(compiled)", "then without if never applies, so is no cycle");

	/* patterns: PCRE2's errors; limits that give up instead of hanging */
	CHECK_STR(compile_error("{\"pattern\":\"a+++++++++++++++++++++++++b\"}"),
	    "/pattern: bad pattern 'a+++++++++++++++++++++++++b': quantifier does not follow a repeatable item",
	    "a run of plus signs is refused at once");
	CHECK_STR(compile_error("{\"patternProperties\":{\"\\\\p{Nonsense}\":true}}"),
	    "/patternProperties/\\p{Nonsense}: bad pattern '\\p{Nonsense}': unknown property after \\P or \\p",
	    "an unknown property");
	CHECK_STR(errors_of("{\"pattern\":\"^(a+)+$\"}", "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\""),
	    "[{\"path\":\"\",\"keyword\":\"pattern\",\"message\":\"gave up matching the pattern '^(a+)+$': match limit exceeded\"}]",
	    "catastrophic backtracking gives up with an error");
	CHECK_STR(errors_of("{\"properties\":{\"k\":{\"not\":{\"pattern\":\"(x+x+)+[yz]\"}}}}", "{\"k\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}"),
	    "[{\"path\":\"/k\",\"keyword\":\"pattern\",\"message\":\"gave up matching the pattern '(x+x+)+[yz]': match limit exceeded\"}]",
	    "giving up inside a not is still invalid, not valid");
	CHECK_STR(errors_of("{\"patternProperties\":{\"^(a|aa)+$\":false}}", "{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\":1}"),
	    "[{\"path\":\"\",\"keyword\":\"patternProperties\",\"message\":\"gave up matching the pattern '^(a|aa)+$': match limit exceeded\"}]",
	    "a member name that makes a pattern give up");

	/* how deep checks nest and how many there are, both bounded */
	CHECK_STR(errors_deep("{\"items\":{\"anyOf\":[{\"$ref\":\"#\"}]}}", 1000), "1 1 []",
	    "a recursive schema over a value 1000 levels deep");
	CHECK_STR(errors_deep("{\"items\":{\"anyOf\":[{\"$ref\":\"#\"}]}}", 5000),
	    "0 0 [{\"path\":\"/0\",\"keyword\":\"limit\",\"message\":\"gave up: the schema applies more than 4000 levels deep here\"}]",
	    "deeper than the limit gives up");
	CHECK_STR(errors_of(EXPONENTIAL, "1"),
	    "[{\"path\":\"\",\"keyword\":\"limit\",\"message\":\"gave up: checking took more than 10000000 steps\"}]",
	    "2^30 checks of one value give up");

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
	CHECK_STR(sanitized("{\"patternProperties\":{\"^\\\\p{Lu}\":{\"maxLength\":1}},\"additionalProperties\":false}",
	    "{\"\u00c9t\u00e9\":\"abc\",\"hiver\":1}", &n),
	    "{\"\u00c9t\u00e9\":\"a\"} [{\"path\":\"/\u00c9t\u00e9\",\"action\":\"truncated\"},{\"path\":\"/hiver\",\"action\":\"removed\"}]",
	    "sanitize follows patternProperties with Unicode properties");
	CHECK_STR(sanitized("{\"patternProperties\":{\"^(a|aa)+$\":true},\"additionalProperties\":false}",
	    "{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\":1,\"b\":2}", &n),
	    "{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\":1} [{\"path\":\"/b\",\"action\":\"removed\"}]",
	    "a member whose pattern gives up is not removed on a guess");
	return unit_done();
}
