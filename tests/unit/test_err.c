/* test_err.c - the error taxonomy (lib/rl_err.c, rl_baton.c). */
#include "rl_baton.h"
#include "rl_err.h"
#include "rl_json.h"
#include "unit.h"

int
main(void)
{
	char id[RL_BATON_ID_LEN + 1], id2[RL_BATON_ID_LEN + 1];
	cJSON *orig, *b;
	struct rl_buf out = {0};

	CHECK_STR(rl_err_category("input.not_json"), "input", "input family");
	CHECK_STR(rl_err_category("provider.http_429"), "ratelimit", "429 is a rate limit");
	CHECK_STR(rl_err_category("provider.http_503"), "server", "5xx by prefix");
	CHECK_STR(rl_err_category("provider.http_404"), "request", "other HTTP status");
	CHECK_STR(rl_err_category("provider.new_thing"), "provider", "family default");
	CHECK(rl_err_retryable("provider.http_429"), "429 retryable");
	CHECK(!rl_err_retryable("provider.http_401"), "401 final");
	CHECK(rl_err_retryable("io.write"), "io.write retryable");
	CHECK(!rl_err_retryable("input.not_json"), "bad input is final");
	CHECK(rl_err_status("config.invalid") == RL_EXIT_USAGE, "config ends with 2");
	CHECK(rl_err_status("provider.timeout") == RL_EXIT_TEMP, "timeout ends with 111");
	CHECK(rl_err_valid_code("tool.denied"), "tool.denied well formed");
	CHECK(!rl_err_valid_code("Tool.denied"), "uppercase family refused");
	CHECK(!rl_err_valid_code("nofamily"), "no dot refused");
	CHECK(!rl_err_valid_code("weird.code"), "unknown family refused");
	CHECK(!rl_err_valid_code("input.Bad"), "uppercase name refused");

	CHECK(rl_exit_merge(0, 1) == 1, "1 over 0");
	CHECK(rl_exit_merge(111, 1) == 111, "111 over 1");
	CHECK(rl_exit_merge(111, 124) == 124, "124 over 111");
	CHECK(rl_exit_merge(2, 124) == 2, "2 over 124");
	CHECK(rl_exit_merge(0, 0) == 0, "0 and 0");

	{
		struct rl_error e = {0};
		CHECK(rl_error_set(&e, "mem.full", "%s holds %d", "ns", 3) == -1 &&
		    strcmp(e.code, "mem.full") == 0 &&
		    strcmp(e.message, "ns holds 3") == 0, "rl_error_set fills code and message");
		rl_error_set(&e, e.code, "%s (and more)", e.message);
		CHECK_STR(e.message, "ns holds 3 (and more)", "a message may quote itself");
		CHECK(rl_error_report(&e, "where") == RL_EXIT_FAIL, "report returns the code's status");
	}

	rl_baton_new_id(id);
	rl_baton_new_id(id2);
	CHECK(strlen(id) == RL_BATON_ID_LEN && strncmp(id, "rl-", 3) == 0, "id shape");
	CHECK(strcmp(id, id2) != 0, "ids differ");

	orig = cJSON_Parse("{\"id\":\"keep-me\",\"next\":\"plan\"}");
	b = rl_baton_error(orig, "validate.schema", "bad", "validate");
	rl_baton_add_raw(b, "x\0y", 3);
	rl_json_print(b, &out);
	CHECK_STR(out.data, "{\"rl\":1,\"id\":\"keep-me\",\"next\":\"done\",\"error\":{\"code\":\"validate.schema\",\"category\":\"validate\",\"message\":\"bad\",\"stage\":\"validate\",\"retryable\":false},\"raw_b64\":\"eAB5\"}", "error baton keeps the id, NUL goes to raw_b64");
	cJSON_Delete(b);
	cJSON_Delete(orig);
	orig = cJSON_Parse("{\"id\":\"has space\"}");
	b = rl_baton_error(orig, "input.not_json", "m", NULL);
	CHECK(strncmp(rl_json_str(b, "id"), "rl-", 3) == 0, "an id baton.json refuses is replaced");
	CHECK(!cJSON_GetObjectItem(cJSON_GetObjectItem(b, "error"), "stage"), "no stage when none given");
	cJSON_Delete(b);
	cJSON_Delete(orig);
	rl_buf_free(&out);
	return unit_done();
}
