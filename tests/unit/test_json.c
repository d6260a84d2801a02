/* test_json.c - strict parsing and helpers (lib/rl_json.c, rl_arena.c). */
#include <math.h>
#include <stdlib.h>

#include "rl_arena.h"
#include "rl_json.h"
#include "unit.h"

static const char *
code_of(const char *s, size_t n, int depth, size_t *off)
{
	static struct rl_json_err e;
	cJSON *v;

	if (rl_json_parse(s, n, depth, &v, &e) == 0) {
		cJSON_Delete(v);
		return "ok";
	}
	*off = e.offset;
	return e.code;
}

static const char *
dup_path(const char *s)
{
	static struct rl_buf path;
	cJSON *v = cJSON_Parse(s);

	rl_buf_reset(&path);
	rl_buf_adds(&path, "");
	if (!rl_json_find_duplicate(v, &path))
		rl_buf_adds(&path, "(none)");
	cJSON_Delete(v);
	return path.data;
}

int
main(void)
{
	size_t off = 0;
	unsigned long line, col;
	struct rl_buf b = {0};
	cJSON *v;
	struct rl_json_err e;

	CHECK_STR(code_of("{\"a\":[1,2]}", 11, 10, &off), "ok", "an object parses");
	CHECK_STR(code_of(" 5 \r\n", 5, 10, &off), "ok", "white space around a value");
	CHECK_STR(code_of("{\"a\":", 5, 10, &off), "input.not_json", "truncated");
	CHECK(off == 5, "truncated: offset is the end");
	CHECK_STR(code_of("{} x", 4, 10, &off), "input.not_json", "trailing garbage");
	CHECK(off == 3, "trailing garbage: offset of the garbage");
	CHECK_STR(code_of("\"a\0b\"", 5, 10, &off), "input.not_json", "NUL byte");
	CHECK(off == 2, "NUL byte: its offset");
	CHECK_STR(code_of("\"\xff\"", 3, 10, &off), "input.bad_utf8", "invalid UTF-8");
	CHECK_STR(code_of("\"\xed\xa0\x80\"", 5, 10, &off), "input.bad_utf8", "encoded surrogate");
	CHECK_STR(code_of("[[[]]]", 6, 3, &off), "ok", "depth at the limit");
	CHECK_STR(code_of("[[[[]]]]", 8, 3, &off), "input.too_deep", "depth over the limit");
	CHECK_STR(code_of("\"[[[[[[\"", 8, 2, &off), "ok", "brackets in strings do not nest");
	CHECK_STR(code_of("\"\\\"[[[\"", 7, 1, &off), "ok", "escaped quote keeps the string open");
	CHECK_STR(code_of("1e400", 5, 10, &off), "ok", "a huge number parses");
	CHECK_STR(code_of("123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890", 90, 10, &off), "ok", "a 90-digit number parses");
	CHECK_STR(code_of("", 0, 10, &off), "input.not_json", "empty text");
	CHECK_STR(code_of("\"a long string with no special bytes for sixteen and more \\u00e9 caf\xc3\xa9\"", 71, 10, &off), "ok", "long text with escapes and UTF-8");

	CHECK_STR(dup_path("{\"a\":1,\"b\":2}"), "(none)", "no duplicate");
	CHECK_STR(dup_path("{\"a\":1,\"a\":2}"), "/a", "duplicate at the top");
	CHECK_STR(dup_path("{\"x\":[{},{\"k/~\":1,\"k/~\":2}]}"), "/x/1/k~1~0", "nested duplicate, escaped pointer");
	CHECK_STR(dup_path("{\"a1\":1,\"a2\":1,\"a3\":1,\"a4\":1,\"a5\":1,\"a6\":1,\"a7\":1,\"a8\":1,\"a9\":1,\"b1\":1,\"b2\":1,\"b3\":1,\"b4\":1,\"b5\":1,\"b6\":1,\"b7\":1,\"b8\":1,\"a5\":2}"), "/a5", "duplicate in a large object");

	rl_json_linecol("ab\ncd\nef", 8, 4, &line, &col);
	CHECK(line == 2 && col == 2, "line and column of an offset");

	v = cJSON_Parse("[1, 2.5, \"s\", null, true, {}]");
	CHECK(rl_json_is_integer(cJSON_GetArrayItem(v, 0)), "1 is an integer");
	CHECK(!rl_json_is_integer(cJSON_GetArrayItem(v, 1)), "2.5 is not");
	CHECK_STR(rl_json_type(cJSON_GetArrayItem(v, 2)), "string", "type name string");
	CHECK_STR(rl_json_type(cJSON_GetArrayItem(v, 3)), "null", "type name null");
	CHECK_STR(rl_json_type(cJSON_GetArrayItem(v, 4)), "boolean", "type name boolean");
	CHECK_STR(rl_json_type(cJSON_GetArrayItem(v, 5)), "object", "type name object");
	rl_json_print(v, &b);
	CHECK_STR(b.data, "[1,2.5,\"s\",null,true,{}]", "compact print");
	cJSON_Delete(v);

	/* the serializer: escapes, numbers that read back the same */
	v = cJSON_Parse("{\"q\\\"\":\"a\\\\b\\n\\t\\u0001\\u001f caf\xc3\xa9 /\","
	    "\"n\":[0,-0,-7,123456789012345,1e15,0.1,-2.5e-8,1.7976931348623157e308,"
	    "0.30000000000000004]}");
	rl_buf_reset(&b);
	rl_json_print(v, &b);
	CHECK_STR(b.data, "{\"q\\\"\":\"a\\\\b\\n\\t\\u0001\\u001f caf\xc3\xa9 /\","
	    "\"n\":[0,0,-7,123456789012345,1e+15,0.1,-2.5e-08,1.7976931348623157e+308,"
	    "0.30000000000000004]}", "strings escaped, numbers exact and short");
	cJSON_Delete(v);
	v = cJSON_CreateArray();
	cJSON_AddItemToArray(v, cJSON_CreateNumber(NAN));
	cJSON_AddItemToArray(v, cJSON_CreateNumber(-INFINITY));
	cJSON_AddItemToArray(v, cJSON_CreateString("\b\f\r"));
	rl_buf_reset(&b);
	rl_json_print(v, &b);
	CHECK_STR(b.data, "[null,null,\"\\b\\f\\r\"]", "no NaN or infinity in JSON");
	cJSON_Delete(v);

	/* a tree made in the arena can take malloc'ed items and be deleted */
	rl_arena_begin();
	rl_json_parse("{\"a\":\"x\"}", 9, 10, &v, &e);
	rl_arena_end();
	cJSON_AddStringToObject(v, "b", "made outside the arena");
	rl_buf_reset(&b);
	rl_json_print(v, &b);
	CHECK_STR(b.data, "{\"a\":\"x\",\"b\":\"made outside the arena\"}", "arena tree mixed with heap items");
	cJSON_Delete(v);
	rl_arena_reset();
	rl_arena_free();
	rl_buf_free(&b);
	return unit_done();
}
