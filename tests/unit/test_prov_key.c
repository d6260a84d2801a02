/* test_prov_key.c - blanking the key out of what a service sends
 * (lib/rl_prov_key.c). */
#include <stdlib.h>

#include "rl_proc.h"
#include "rl_prov_key.h"
#include "unit.h"

#define KEY "sk-canary/4f3a9c2e7b1d8e6f"

/* The whole of s redacted. */
static const char *
whole(const char *s, const char *key)
{
	static struct rl_buf b;

	rl_buf_free(&b);
	rl_buf_adds(&b, s);
	rl_prov_key_redact(&b, key);
	return b.data ? b.data : "";
}

/*
 * s redacted as a stream that arrives in pieces of step bytes after a
 * first piece of cut bytes, as rl_provider.c does for on_text.
 */
static const char *
streamed(const char *s, const char *key, size_t cut, size_t step)
{
	static struct rl_buf out;
	struct rl_buf t = {0};
	size_t n = strlen(s), at = 0, shown = 0, k;

	rl_buf_free(&out);
	while (at < n) {
		k = at == 0 ? cut : step;
		if (k > n - at)
			k = n - at;
		rl_buf_add(&t, s + at, k);
		at += k;
		shown = rl_prov_key_redact_part(t.data, t.len, shown, key, 0,
		    &out);
	}
	rl_prov_key_redact_part(t.data ? t.data : "", t.len, shown, key, 1,
	    &out);
	rl_buf_free(&t);
	return out.data ? out.data : "";
}

/* Every way of cutting s into a first piece and pieces of 1..3 bytes
 * gives what the whole gives; returns 1 when all do. */
static int
every_cut(const char *s, const char *key)
{
	char *want = strdup(whole(s, key));
	size_t cut, step, n = strlen(s);
	int ok = 1;

	for (step = 1; step <= 3; step++)
		for (cut = 1; cut <= n; cut++)
			if (strcmp(streamed(s, key, cut, step), want) != 0) {
				printf("#   cut %zu step %zu: '%s'\n", cut, step,
				    streamed(s, key, cut, step));
				ok = 0;
			}
	free(want);
	return ok;
}

int
main(void)
{
	struct rl_buf o = {0};
	const char *t;
	size_t m;

	CHECK_STR(whole("key " KEY " end", KEY), "key [redacted] end", "as sent");
	CHECK_STR(whole(KEY KEY, KEY), "[redacted][redacted]", "twice, touching");
	CHECK_STR(whole("\"sk-canary\\/4f3a9c2e7b1d8e6f\"", KEY), "\"[redacted]\"",
	    "with / escaped as JSON may");
	CHECK_STR(whole("\\u0073\\u006B\\u002d\\u0063anary\\u002F4f3a9c2e7b1d8e6f.", KEY),
	    "[redacted].", "with \\u escapes, either case");
	CHECK_STR(whole("quoted: sk-canary/4f3a...", KEY), "quoted: [redacted]...",
	    "a beginning of 12 bytes or more");
	CHECK_STR(whole("cut: sk-canary/4f3a9c", KEY), "cut: [redacted]",
	    "a key cut at the end of the text");
	CHECK_STR(whole("sk-canary/4 is public", KEY), "sk-canary/4 is public",
	    "fewer than 12 bytes of a long key stay");
	CHECK_STR(whole("abcdefg-ab", "abcdefghij"), "abcdefg-ab",
	    "a 10-byte key: fewer than 8 bytes of it stay");
	CHECK_STR(whole("abcdefgh-ab", "abcdefghijklmnopq"), "[redacted]-ab",
	    "a 17-byte key: 8 bytes of its beginning go");
	CHECK_STR(whole("no key here", KEY), "no key here", "a text without it");
	CHECK_STR(whole("bad \\x escape \\u12", KEY), "bad \\x escape \\u12",
	    "broken escapes are text");
	CHECK_STR(whole("take k, not kin or k9 or -k", "k"), "take [redacted], not kin or k9 or -k",
	    "a short key as a whole word only");
	CHECK_STR(whole("ollama: \"ollama\" ollama_x", "ollama"),
	    "[redacted]: \"[redacted]\" ollama_x", "a short key at the edges of the text");
	CHECK_STR(whole("a\\\\b and a\\b", "a\\b"), "[redacted] and [redacted]",
	    "a key with a backslash, escaped or not");
	CHECK_STR(whole("anything", ""), "anything", "no key: no change");
	CHECK_STR(whole("anything", NULL), "anything", "a NULL key: no change");

	m = rl_prov_key_redact_part("x sk-canary/4f", 14, 0, KEY, 0, &o);
	CHECK(m == 2 && o.len == 2, "a possible beginning of the key is held back");
	rl_buf_free(&o);
	m = rl_prov_key_redact_part("x \\u00", 6, 0, KEY, 0, &o);
	CHECK(m == 2, "so is an escape cut in the middle");
	rl_buf_free(&o);
	m = rl_prov_key_redact_part("x sk-canary/4", 13, 0, KEY, 1, &o);
	CHECK(m == 13 && strcmp(o.data, "x sk-canary/4") == 0,
	    "at the end it goes out as it is");
	rl_buf_free(&o);
	m = rl_prov_key_redact_part("see k", 5, 0, "k", 0, &o);
	CHECK(m == 4, "a short key at the end waits for what follows it");
	rl_buf_free(&o);
	m = rl_prov_key_redact_part("ab k", 4, 3, "k", 0, &o);
	CHECK(m == 3, "the text before from decides whether a short key stands alone");
	rl_buf_free(&o);
	m = rl_prov_key_redact_part("abk", 3, 2, "k", 1, &o);
	CHECK(m == 3 && strcmp(o.data, "k") == 0, "k inside a word stays, though cut there");
	rl_buf_free(&o);

	t = "reply: " KEY ", sk-canary\\/4f3a9c2e7b1d8e6f and "
	    "\\u0073\\u006b\\u002d\\u0063\\u0061\\u006e\\u0061\\u0072\\u0079"
	    "\\u002f\\u0034\\u0066\\u0033\\u0061\\u0039\\u0063\\u0032\\u0065"
	    "\\u0037\\u0062\\u0031\\u0064\\u0038\\u0065\\u0036\\u0066, sk-canary/4f3a9 end";
	CHECK_STR(whole(t, KEY), "reply: [redacted], [redacted] and [redacted], [redacted] end",
	    "every spelling in one text");
	CHECK(every_cut(t, KEY), "streamed in pieces cut anywhere: the same text, no key");
	CHECK(every_cut("k k kk, k", "k"), "a short key streamed: the same text");
	CHECK(every_cut("sk-canary/4f3 sk-canary/4f3a9c2e7b1d8e6", KEY),
	    "beginnings of the key streamed: the same text");
	/* a key variable of any name never reaches a child */
	{
		char *argv[] = {"sh", "-c", "echo ${MYLLM:-unset} ${OTHER:-unset}", NULL};
		struct rl_buf out = {0};
		struct rl_error ke;
		const char *src;
		char *key = NULL;

		setenv("MYLLM", "s3cret-value", 1);
		setenv("OTHER", "kept", 1);
		CHECK(rl_prov_key_load(NULL, NULL, "MYLLM", &key, &src, &ke) == 0 &&
		    key && strcmp(key, "s3cret-value") == 0, "a key from MYLLM");
		rl_proc_run(argv, NULL, 10000, &out, 4096, NULL, 0);
		CHECK_STR(out.data, "unset kept\n", "MYLLM is not in a child's environment");
		CHECK_STR(getenv("MYLLM"), "s3cret-value", "and is still ours");
		rl_prov_key_free(key);
		rl_buf_free(&out);
	}
	return unit_done();
}
