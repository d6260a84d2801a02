/* test_text.c - UTF-8 and base64 (lib/rl_text.c). */
#include <stdlib.h>

#include "rl_text.h"
#include "unit.h"

/* rl_text_fit of n names into cols, shown joined by '|' */
static const char *
fit(const char *const *names, size_t n, size_t cols, int keep_end)
{
	static struct rl_buf b;
	char *out[8];
	size_t i;

	rl_buf_reset(&b);
	rl_text_fit(names, n, cols, keep_end, "..", out);
	for (i = 0; i < n; i++) {
		rl_buf_printf(&b, "%s%s", i ? "|" : "", out[i]);
		free(out[i]);
	}
	return b.data ? b.data : "";
}

static const char *
repaired(const char *s, size_t n, size_t *fixes)
{
	static struct rl_buf b;

	rl_buf_reset(&b);
	*fixes = rl_utf8_repair(s, n, &b);
	return b.data ? b.data : "";
}

static const char *
b64(const char *s, size_t n)
{
	static struct rl_buf b;

	rl_buf_reset(&b);
	rl_base64(s, n, &b);
	return b.data ? b.data : "";
}

int
main(void)
{
	unsigned long cp = 0;
	size_t fixes;

	CHECK(rl_utf8_seq((const unsigned char *)"A", 1, &cp) == 1 && cp == 'A', "ascii");
	CHECK(rl_utf8_seq((const unsigned char *)"\xc3\xa9", 2, &cp) == 2 && cp == 0xe9, "two bytes");
	CHECK(rl_utf8_seq((const unsigned char *)"\xe2\x86\x92", 3, &cp) == 3 && cp == 0x2192, "three bytes");
	CHECK(rl_utf8_seq((const unsigned char *)"\xf0\x9f\x98\x80", 4, &cp) == 4 && cp == 0x1f600, "four bytes");
	CHECK(rl_utf8_seq((const unsigned char *)"\xc0\xaf", 2, NULL) == 0, "overlong two-byte form refused");
	CHECK(rl_utf8_seq((const unsigned char *)"\xe0\x80\xaf", 3, NULL) == 0, "overlong three-byte form refused");
	CHECK(rl_utf8_seq((const unsigned char *)"\xed\xa0\x80", 3, NULL) == 0, "surrogate refused");
	CHECK(rl_utf8_seq((const unsigned char *)"\xf4\x90\x80\x80", 4, NULL) == 0, "above U+10FFFF refused");
	CHECK(rl_utf8_seq((const unsigned char *)"\xe2\x86", 2, NULL) == 0, "truncated sequence refused");
	CHECK(rl_utf8_seq((const unsigned char *)"\x80", 1, NULL) == 0, "lone continuation refused");
	CHECK(rl_utf8_check("caf\xc3\xa9", 5) == 5, "valid text checks whole");
	CHECK(rl_utf8_check("ab\xff" "cd", 5) == 2, "offset of the first bad byte");

	CHECK_STR(repaired("ab\xff" "cd", 5, &fixes), "ab\xef\xbf\xbd" "cd", "bad byte becomes U+FFFD");
	CHECK(fixes == 1, "one repair counted");
	CHECK_STR(repaired("\xe2\x86" "x", 3, &fixes), "\xef\xbf\xbd" "x", "truncated sequence is one U+FFFD");
	CHECK_STR(repaired("\xf0\x80\x80", 3, &fixes), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "invalid lead and continuations: one U+FFFD each");
	CHECK(fixes == 3, "three repairs counted");
	CHECK_STR(repaired("ok", 2, &fixes), "ok", "valid text unchanged");
	CHECK(fixes == 0, "no repair counted");

	CHECK(rl_utf8_count("caf\xc3\xa9\xe2\x86\x92") == 5, "code points counted, not bytes");
	CHECK(rl_utf8_prefix("caf\xc3\xa9!", 4) == 5, "prefix of 4 code points is 5 bytes");
	CHECK(rl_utf8_prefix("abc", 10) == 3, "prefix longer than the text");

	CHECK_STR(b64("", 0), "", "base64 of nothing");
	CHECK_STR(b64("f", 1), "Zg==", "base64 one byte");
	CHECK_STR(b64("fo", 2), "Zm8=", "base64 two bytes");
	CHECK_STR(b64("foo", 3), "Zm9v", "base64 three bytes");
	CHECK_STR(b64("a\0\xff", 3), "YQD/", "base64 of NUL and 0xff");
	{
		struct rl_buf d = {0};
		CHECK(rl_base64_decode("YQD/", &d) == 0 && d.len == 3 &&
		    memcmp(d.data, "a\0\xff", 3) == 0, "base64 decodes bytes");
		rl_buf_reset(&d);
		CHECK(rl_base64_decode("Zm8=", &d) == 0 && d.len == 2, "padded");
		rl_buf_reset(&d);
		CHECK(rl_base64_decode("Zm8", &d) == 0 && d.len == 2, "unpadded");
		rl_buf_reset(&d);
		CHECK(rl_base64_decode("Zm9v!", &d) < 0, "a bad character refused");
		rl_buf_reset(&d);
		CHECK(rl_base64_decode("Zg=x", &d) < 0, "data after padding refused");
		rl_buf_reset(&d);
		CHECK(rl_base64_decode("Z", &d) < 0, "a lone sextet refused");
		rl_buf_free(&d);
	}
	{
		const char *urls[] = {"http://127.0.0.1:8081/v1",
		    "http://127.0.0.1:8082/v1", "ollama"};
		const char *tails[] = {"first run of the tests", "second run of the tests"};
		const char *twins[] = {"run the tests A then run the tests",
		    "run the tests B then run the tests"};
		const char *same[] = {"a long name that repeats", "a long name that repeats"};
		const char *utf[] = {"caf\xc3\xa9 cr\xc3\xa8me br\xc3\xbbl\xc3\xa9" "e"};

		CHECK_STR(fit(urls, 3, 12, 1), "...1:8081/v1|...1:8082/v1|ollama",
		    "cut keeping the end, the short name whole");
		CHECK_STR(fit(urls, 3, 14, 0), "...0.1:8081/v1|...0.1:8082/v1|ollama",
		    "starts alike: the end kept instead");
		CHECK_STR(fit(tails, 2, 12, 0), "first run ..|second run..",
		    "cut keeping the start");
		CHECK_STR(fit(twins, 2, 12, 1), "run the tests A then run the tests|"
		    "run the tests B then run the tests", "alike at both ends: "
		    "whole, never ambiguous");
		CHECK_STR(fit(same, 2, 10, 0), "a long n..|a long n..",
		    "equal names stay equal");
		CHECK_STR(fit(utf, 1, 8, 0), "caf\xc3\xa9 c..",
		    "cut on code points, never inside one");
		CHECK_STR(fit(utf, 1, 2, 0), "caf\xc3\xa9 cr\xc3\xa8me br\xc3\xbbl\xc3\xa9" "e",
		    "no room beside the mark: whole");
	}
	return unit_done();
}
