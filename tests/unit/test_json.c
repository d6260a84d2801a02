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

/*
 * The parsing cases of JSONTestSuite (github.com/nst/JSONTestSuite),
 * written out here from the grammar: every n_ case that fits on one
 * line must be refused and every y_ case accepted (the duplicate keys
 * of y_object_duplicated_key are, rl_json_find_duplicate refuses them
 * later).  Lengths are explicit: some hold NUL bytes.
 */
struct jcase {
	const char *name, *text;
	size_t len;
};
#define J(name, lit) {name, lit, sizeof lit - 1}

static const struct jcase refused[] = {
	J("array_1_true_without_comma", "[1 true]"),
	J("array_a_invalid_utf8", "[a\xe5]"),
	J("array_colon_instead_of_comma", "[\"\": 1]"),
	J("array_comma_after_close", "[\"\"],"),
	J("array_comma_and_number", "[,1]"),
	J("array_double_comma", "[1,,2]"),
	J("array_double_extra_comma", "[\"x\",,]"),
	J("array_extra_close", "[\"x\"]]"),
	J("array_extra_comma", "[\"\",]"),
	J("array_incomplete", "[\"x\""),
	J("array_incomplete_invalid_value", "[x"),
	J("array_inner_array_no_comma", "[3[4]]"),
	J("array_invalid_utf8", "[\xff]"),
	J("array_items_separated_by_semicolon", "[1:2]"),
	J("array_just_comma", "[,]"),
	J("array_just_minus", "[-]"),
	J("array_missing_value", "[   , \"\"]"),
	J("array_number_and_comma", "[1,]"),
	J("array_number_and_several_commas", "[1,,]"),
	J("array_spaces_vertical_tab_formfeed", "[\"\va\"\\f]"),
	J("array_star_inside", "[*]"),
	J("array_unclosed", "[\"\""),
	J("array_unclosed_trailing_comma", "[1,"),
	J("array_unclosed_with_object_inside", "[{}"),
	J("incomplete_false", "[fals]"),
	J("incomplete_null", "[nul]"),
	J("incomplete_true", "[tru]"),
	J("multidigit_number_then_00", "123\0"),
	J("number_++", "[++1234]"),
	J("number_+1", "[+1]"),
	J("number_+Inf", "[+Inf]"),
	J("number_-01", "[-01]"),
	J("number_-1.0.", "[-1.0.]"),
	J("number_-2.", "[-2.]"),
	J("number_-NaN", "[-NaN]"),
	J("number_.-1", "[.-1]"),
	J("number_.2e-3", "[.2e-3]"),
	J("number_0.1.2", "[0.1.2]"),
	J("number_0.3e+", "[0.3e+]"),
	J("number_0.3e", "[0.3e]"),
	J("number_0.e1", "[0.e1]"),
	J("number_0_capital_E+", "[0E+]"),
	J("number_0_capital_E", "[0E]"),
	J("number_0e+", "[0e+]"),
	J("number_0e", "[0e]"),
	J("number_1.0e+", "[1.0e+]"),
	J("number_1.0e-", "[1.0e-]"),
	J("number_1.0e", "[1.0e]"),
	J("number_1_000", "[1 000.0]"),
	J("number_1eE2", "[1eE2]"),
	J("number_2.e+3", "[2.e+3]"),
	J("number_2.e-3", "[2.e-3]"),
	J("number_2.e3", "[2.e3]"),
	J("number_9.e+", "[9.e+]"),
	J("number_Inf", "[Inf]"),
	J("number_NaN", "[NaN]"),
	J("number_U+FF11_fullwidth_digit_one", "[\xef\xbc\x91]"),
	J("number_expression", "[1+2]"),
	J("number_hex_1_digit", "[0x1]"),
	J("number_hex_2_digits", "[0x42]"),
	J("number_infinity", "[Infinity]"),
	J("number_invalid+-", "[0e+-1]"),
	J("number_invalid-negative-real", "[-123.123foo]"),
	J("number_invalid-utf-8-in-bigger-int", "[123\xe5]"),
	J("number_invalid-utf-8-in-exponent", "[1e1\xe5]"),
	J("number_invalid-utf-8-in-int", "[0\xe5]"),
	J("number_minus_infinity", "[-Infinity]"),
	J("number_minus_sign_with_trailing_garbage", "[-foo]"),
	J("number_minus_space_1", "[- 1]"),
	J("number_neg_int_starting_with_zero", "[-012]"),
	J("number_neg_real_without_int_part", "[-.123]"),
	J("number_neg_with_garbage_at_end", "[-1x]"),
	J("number_real_garbage_after_e", "[1ea]"),
	J("number_real_with_invalid_utf8_after_e", "[1e\xe5]"),
	J("number_real_without_fractional_part", "[1.]"),
	J("number_starting_with_dot", "[.123]"),
	J("number_with_alpha", "[1.2a-3]"),
	J("number_with_alpha_char", "[1.8011670033376514H-308]"),
	J("number_with_leading_zero", "[012]"),
	J("object_bad_value", "[\"x\", truth]"),
	J("object_bracket_key", "{[: \"x\"}"),
	J("object_comma_instead_of_colon", "{\"x\", null}"),
	J("object_double_colon", "{\"x\"::\"b\"}"),
	J("object_emoji", "{\xf0\x9f\x87\xa8\xf0\x9f\x87\xad}"),
	J("object_garbage_at_end", "{\"a\":\"a\" 123}"),
	J("object_key_with_single_quotes", "{key: 'value'}"),
	J("object_lone_continuation_byte_in_key_and_trailing_comma", "{\"\xb9\":\"0\",}"),
	J("object_missing_colon", "{\"a\" b}"),
	J("object_missing_key", "{:\"b\"}"),
	J("object_missing_semicolon", "{\"a\" \"b\"}"),
	J("object_missing_value", "{\"a\":"),
	J("object_no-colon", "{\"a\""),
	J("object_non_string_key", "{1:1}"),
	J("object_non_string_key_but_huge_number_instead", "{9999E9999:1}"),
	J("object_repeated_null_null", "{null:null,null:null}"),
	J("object_several_trailing_commas", "{\"id\":0,,,,,}"),
	J("object_single_quote", "{'a':0}"),
	J("object_trailing_comma", "{\"id\":0,}"),
	J("object_trailing_comment", "{\"a\":\"b\"}/**/"),
	J("object_trailing_comment_open", "{\"a\":\"b\"}/**//"),
	J("object_trailing_comment_slash_open", "{\"a\":\"b\"}//"),
	J("object_trailing_comment_slash_open_incomplete", "{\"a\":\"b\"}/"),
	J("object_two_commas_in_a_row", "{\"a\":\"b\",,\"c\":\"d\"}"),
	J("object_unquoted_key", "{a: \"b\"}"),
	J("object_unterminated-value", "{\"a\":\"a"),
	J("object_with_single_string", "{ \"foo\" : \"bar\", \"a\" }"),
	J("object_with_trailing_garbage", "{\"a\":\"b\"}#"),
	J("single_space", " "),
	J("string_1_surrogate_then_escape", "[\"\\uD800\\\"]"),
	J("string_1_surrogate_then_escape_u", "[\"\\uD800\\u\"]"),
	J("string_1_surrogate_then_escape_u1", "[\"\\uD800\\u1\"]"),
	J("string_1_surrogate_then_escape_u1x", "[\"\\uD800\\u1x\"]"),
	J("string_accentuated_char_no_quotes", "[\xc3\xa9]"),
	J("string_backslash_00", "[\"\\\0\"]"),
	J("string_escape_x", "[\"\\x00\"]"),
	J("string_escaped_backslash_bad", "[\"\\\\\\\"]"),
	J("string_escaped_ctrl_char_tab", "[\"\\\t\"]"),
	J("string_escaped_emoji", "[\"\\\xf0\x9f\x8c\x80\"]"),
	J("string_incomplete_escape", "[\"\\\"]"),
	J("string_incomplete_escaped_character", "[\"\\u00A\"]"),
	J("string_incomplete_surrogate", "[\"\\uD834\\uDd\"]"),
	J("string_incomplete_surrogate_escape_invalid", "[\"\\uD800\\uD800\\x\"]"),
	J("string_invalid-utf-8-in-escape", "[\"\\u\xe5\"]"),
	J("string_invalid_backslash_esc", "[\"\\a\"]"),
	J("string_invalid_unicode_escape", "[\"\\uqqqq\"]"),
	J("string_invalid_utf8_after_escape", "[\"\\\xe5\"]"),
	J("string_leading_uescaped_thinspace", "[\\u0020\"asd\"]"),
	J("string_no_quotes_with_bad_escape", "[\\n]"),
	J("string_single_doublequote", "\""),
	J("string_single_quote", "['single quote']"),
	J("string_single_string_no_double_quotes", "abc"),
	J("string_start_escape_unclosed", "[\"\\"),
	J("string_unescaped_ctrl_char", "[\"a\0a\"]"),
	J("string_unescaped_tab", "[\"\t\"]"),
	J("string_unicode_CapitalU", "\"\\UA66D\""),
	J("string_with_trailing_garbage", "\"\"x"),
	J("structure_U+2060_word_joined", "[\xe2\x81\xa0]"),
	J("structure_UTF8_BOM_no_data", "\xef\xbb\xbf"),
	J("structure_angle_bracket_.", "<.>"),
	J("structure_angle_bracket_null", "[<null>]"),
	J("structure_array_trailing_garbage", "[1]x"),
	J("structure_array_with_extra_array_close", "[1]]"),
	J("structure_array_with_unclosed_string", "[\"asd]"),
	J("structure_ascii-unicode-identifier", "a\xc3\xa5"),
	J("structure_capitalized_True", "[True]"),
	J("structure_close_unopened_array", "1]"),
	J("structure_comma_instead_of_closing_brace", "{\"x\": true,"),
	J("structure_double_array", "[][]"),
	J("structure_end_array", "]"),
	J("structure_incomplete_UTF8_BOM", "\xef\xbb{}"),
	J("structure_lone-invalid-utf-8", "\xe5"),
	J("structure_lone-open-bracket", "["),
	J("structure_no_data", ""),
	J("structure_null-byte-outside-string", "[\0]"),
	J("structure_number_with_trailing_garbage", "2@"),
	J("structure_object_followed_by_closing_object", "{}}"),
	J("structure_object_unclosed_no_value", "{\"\":"),
	J("structure_object_with_comment", "{\"a\":/*comment*/\"b\"}"),
	J("structure_object_with_trailing_garbage", "{\"a\": true} \"x\""),
	J("structure_open_array_apostrophe", "['"),
	J("structure_open_array_comma", "[,"),
	J("structure_open_array_open_object", "[{"),
	J("structure_open_array_open_string", "[\"a"),
	J("structure_open_array_string", "[\"a\""),
	J("structure_open_object", "{"),
	J("structure_open_object_close_array", "{]"),
	J("structure_open_object_comma", "{,"),
	J("structure_open_object_open_array", "{["),
	J("structure_open_object_open_string", "{\"a"),
	J("structure_open_object_string_with_apostrophes", "{'a'"),
	J("structure_open_open", "[\"\\{[\"\\{[\"\\{[\"\\{"),
	J("structure_single_eacute", "\xe9"),
	J("structure_single_star", "*"),
	J("structure_trailing_#", "{\"a\":\"b\"}#{}"),
	J("structure_uescaped_LF_before_string", "[\\u000A\"\"]"),
	J("structure_unclosed_array", "[1"),
	J("structure_unclosed_array_partial_null", "[ false, nul"),
	J("structure_unclosed_array_unfinished_false", "[ true, fals"),
	J("structure_unclosed_array_unfinished_true", "[ false, tru"),
	J("structure_unclosed_object", "{\"asd\":\"asd\""),
	J("structure_unicode-identifier", "\xc3\xa5"),
	J("structure_whitespace_U+2060_word_joiner", "[\xe2\x81\xa0]"),
	J("structure_whitespace_formfeed", "[\f]"),
	/* and beyond the suite: a byte order mark anywhere */
	J("BOM before a value", "\xef\xbb\xbf{}"),
	J("BOM after white space", " \xef\xbb\xbf{}"),
};

static const struct jcase accepted[] = {
	J("array_arraysWithSpaces", "[[]   ]"),
	J("array_empty-string", "[\"\"]"),
	J("array_empty", "[]"),
	J("array_ending_with_newline", "[\"a\"]"),
	J("array_false", "[false]"),
	J("array_heterogeneous", "[null, 1, \"1\", {}]"),
	J("array_null", "[null]"),
	J("array_with_1_and_newline", "[1\n]"),
	J("array_with_leading_space", " [1]"),
	J("array_with_several_null", "[1,null,null,null,2]"),
	J("array_with_trailing_space", "[2] "),
	J("number", "[123e65]"),
	J("number_0e+1", "[0e+1]"),
	J("number_0e1", "[0e1]"),
	J("number_after_space", "[ 4]"),
	J("number_double_close_to_zero", "[-0.000000000000000000000000000000000000000000000000000000000000000000000000000001]"),
	J("number_int_with_exp", "[20e1]"),
	J("number_minus_zero", "[-0]"),
	J("number_negative_int", "[-123]"),
	J("number_negative_one", "[-1]"),
	J("number_negative_zero", "[-0]"),
	J("number_real_capital_e", "[1E22]"),
	J("number_real_capital_e_neg_exp", "[1E-2]"),
	J("number_real_capital_e_pos_exp", "[1E+2]"),
	J("number_real_exponent", "[123e45]"),
	J("number_real_fraction_exponent", "[123.456e78]"),
	J("number_real_neg_exp", "[1e-2]"),
	J("number_real_pos_exponent", "[1e+2]"),
	J("number_simple_int", "[123]"),
	J("number_simple_real", "[123.456789]"),
	J("object", "{\"asd\":\"sdf\", \"dfg\":\"fgh\"}"),
	J("object_basic", "{\"asd\":\"sdf\"}"),
	J("object_duplicated_key", "{\"a\":\"b\",\"a\":\"c\"}"),
	J("object_duplicated_key_and_value", "{\"a\":\"b\",\"a\":\"b\"}"),
	J("object_empty", "{}"),
	J("object_empty_key", "{\"\":0}"),
	J("object_escaped_null_in_key", "{\"foo\\u0000bar\": 42}"),
	J("object_extreme_numbers", "{ \"min\": -1.0e+28, \"max\": 1.0e+28 }"),
	J("object_long_strings", "{\"x\":[{\"id\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}], \"id\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}"),
	J("object_simple", "{\"a\":[]}"),
	J("object_string_unicode", "{\"title\":\"\\u041f\\u043e\\u043b\\u0442\\u043e\\u0440\\u0430 \\u0417\\u0435\\u043c\\u043b\\u0435\\u043a\\u043e\\u043f\\u0430\" }"),
	J("object_with_newlines", "{\n\"a\": \"b\"\n}"),
	J("string_1_2_3_bytes_UTF-8_sequences", "[\"\\u0060\\u012a\\u12AB\"]"),
	J("string_accepted_surrogate_pair", "[\"\\uD801\\udc37\"]"),
	J("string_accepted_surrogate_pairs", "[\"\\ud83d\\ude39\\ud83d\\udc8d\"]"),
	J("string_allowed_escapes", "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]"),
	J("string_backslash_and_u_escaped_zero", "[\"\\\\u0000\"]"),
	J("string_backslash_doublequotes", "[\"\\\"\"]"),
	J("string_comments", "[\"a/*b*/c/*d//e\"]"),
	J("string_double_escape_a", "[\"\\\\a\"]"),
	J("string_double_escape_n", "[\"\\\\n\"]"),
	J("string_escaped_control_character", "[\"\\u0012\"]"),
	J("string_escaped_noncharacter", "[\"\\uFFFF\"]"),
	J("string_in_array", "[\"asd\"]"),
	J("string_in_array_with_leading_space", "[ \"asd\"]"),
	J("string_last_surrogates_1_and_2", "[\"\\uDBFF\\uDFFF\"]"),
	J("string_nbsp_uescaped", "[\"new\\u00A0line\"]"),
	J("string_nonCharacterInUTF-8_U+10FFFF", "[\"\xf4\x8f\xbf\xbf\"]"),
	J("string_nonCharacterInUTF-8_U+FFFF", "[\"\xef\xbf\xbf\"]"),
	J("string_null_escape", "[\"\\u0000\"]"),
	J("string_one-byte-utf-8", "[\"\\u002c\"]"),
	J("string_pi", "[\"\xcf\x80\"]"),
	J("string_reservedCharacterInUTF-8_U+1BFFF", "[\"\xf0\x9b\xbf\xbf\"]"),
	J("string_simple_ascii", "[\"asd \"]"),
	J("string_space", "\" \""),
	J("string_surrogates_U+1D11E_MUSICAL_SYMBOL_G_CLEF", "[\"\\uD834\\uDd1e\"]"),
	J("string_three-byte-utf-8", "[\"\\u0821\"]"),
	J("string_two-byte-utf-8", "[\"\\u0123\"]"),
	J("string_u+2028_line_sep", "[\"\xe2\x80\xa8\"]"),
	J("string_u+2029_par_sep", "[\"\xe2\x80\xa9\"]"),
	J("string_uEscape", "[\"\\u0061\\u30af\\u30EA\\u30b9\"]"),
	J("string_uescaped_newline", "[\"new\\u000Aline\"]"),
	J("string_unescaped_char_delete", "[\"\x7f\"]"),
	J("string_unicode", "[\"\\uA66D\"]"),
	J("string_unicodeEscapedBackslash", "[\"\\u005C\"]"),
	J("string_unicode_2", "[\"\xe2\x8d\x82\xe3\x88\xb4\xe2\x8d\x82\"]"),
	J("string_unicode_U+10FFFE_nonchar", "[\"\\uDBFF\\uDFFE\"]"),
	J("string_unicode_U+1FFFE_nonchar", "[\"\\uD83F\\uDFFE\"]"),
	J("string_unicode_U+200B_ZERO_WIDTH_SPACE", "[\"\\u200B\"]"),
	J("string_unicode_U+2064_invisible_plus", "[\"\\u2064\"]"),
	J("string_unicode_U+FDD0_nonchar", "[\"\\uFDD0\"]"),
	J("string_unicode_U+FFFE_nonchar", "[\"\\uFFFE\"]"),
	J("string_unicode_escaped_double_quote", "[\"\\u0022\"]"),
	J("string_utf8", "[\"\xe2\x82\xac\xf0\x9d\x84\x9e\"]"),
	J("string_with_del_character", "[\"a\x7f" "a\"]"),
	J("structure_lonely_false", "false"),
	J("structure_lonely_int", "42"),
	J("structure_lonely_negative_real", "-0.1"),
	J("structure_lonely_null", "null"),
	J("structure_lonely_string", "\"asd\""),
	J("structure_lonely_true", "true"),
	J("structure_string_empty", "\"\""),
	J("structure_trailing_newline", "[\"a\"]\n"),
	J("structure_true_in_array", "[true]"),
	J("structure_whitespace_array", " [] "),
	/* and beyond the suite: U+FEFF inside a string is a character */
	J("BOM in a string", "[\"\xef\xbb\xbf\"]"),
};

static void
suite(void)
{
	char what[160];
	size_t i, off;

	for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		snprintf(what, sizeof what, "n_%s is refused", refused[i].name);
		CHECK(strcmp(code_of(refused[i].text, refused[i].len, 100, &off),
		    "ok") != 0, what);
	}
	for (i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
		snprintf(what, sizeof what, "y_%s is accepted", accepted[i].name);
		CHECK_STR(code_of(accepted[i].text, accepted[i].len, 100, &off),
		    "ok", what);
	}
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
	CHECK_STR(code_of("1e400", 5, 10, &off), "input.number_range", "a number beyond a double");
	CHECK_STR(code_of("[-1e400]", 8, 10, &off), "input.number_range", "a negative one too");
	CHECK(off == 1, "out of range: offset of the number");
	CHECK_STR(code_of("[1.7976931348623157e308, 1e-400]", 32, 10, &off), "ok", "the largest double, and an underflow to zero");
	CHECK_STR(code_of("123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890", 90, 10, &off), "ok", "a 90-digit number parses");
	CHECK_STR(code_of("", 0, 10, &off), "input.not_json", "empty text");
	CHECK_STR(code_of("\"a long string with no special bytes for sixteen and more \\u00e9 caf\xc3\xa9\"", 71, 10, &off), "ok", "long text with escapes and UTF-8");

	suite();
	CHECK_STR(code_of("[\"a\tb\"]", 7, 10, &off), "input.not_json", "a tab in a string");
	CHECK(off == 3, "a tab in a string: its offset");
	CHECK_STR(code_of("[\"\\uqqqq\"]", 10, 10, &off), "input.not_json", "a bad \\u escape");
	CHECK(off == 2, "a bad escape: the offset of its backslash");
	CHECK_STR(code_of("[012]", 5, 10, &off), "input.not_json", "a leading zero");
	CHECK(off == 2, "a leading zero: the offset of the digit after it");
	CHECK_STR(code_of("[1.", 3, 10, &off), "input.not_json", "cut in a number");
	CHECK(off == 3, "cut in a number: the offset is the end");
	CHECK_STR(code_of("\xef\xbb\xbf{}", 5, 10, &off), "input.bad_utf8", "a byte order mark");
	CHECK_STR(code_of("[\f]", 3, 10, &off), "input.not_json", "a form feed is not white space");
	CHECK(off == 1, "a form feed: its offset");
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
