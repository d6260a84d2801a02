/* test_sha256.c - SHA-256 against FIPS 180-4's examples and sha256sum. */
#include <stdlib.h>

#include "rl_sha256.h"
#include "unit.h"

static const char *
digest(const char *s, size_t n, size_t chunk)
{
	static char hex[RL_SHA256_HEX];
	struct rl_sha256 h;
	size_t i, take;

	rl_sha256_init(&h);
	for (i = 0; i < n; i += take) {
		take = n - i < chunk ? n - i : chunk;
		rl_sha256_add(&h, s + i, take);
	}
	rl_sha256_hex(&h, hex);
	return hex;
}

int
main(void)
{
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char *million = malloc(1000000);

	CHECK_STR(digest("", 0, 1), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    "the empty message");
	CHECK_STR(digest("abc", 3, 1), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "one block: abc");
	CHECK_STR(digest(two, strlen(two), 7), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	    "two blocks, added seven bytes at a time");
	memset(million, 'a', 1000000);
	CHECK_STR(digest(million, 1000000, 4096), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	    "a million a's, added in 4 KiB pieces");
	CHECK_STR(digest(million, 64, 64), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
	    "exactly one block of a's");
	free(million);
	return unit_done();
}
