/* test_cache.c - results kept by content hash (lib/rl_cache.c). */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rl_cache.h"
#include "rl_fs.h"
#include "unit.h"

/* The value under key in a freshly opened store, or "" for a miss. */
static const char *
lookup(const char *dir, const char *magic, const char *key, char *out,
	size_t size)
{
	struct rl_cache C;
	const char *b;
	size_t n;

	rl_cache_open(&C, dir, "/the/repo", "t", magic);
	b = rl_cache_get(&C, key, &n);
	snprintf(out, size, "%.*s", b ? (int)n : 0, b ? b : "");
	rl_cache_close(&C);
	return out;
}

static void
put_text(const char *path, const char *s)
{
	rl_fs_replace(path, s, strlen(s), 0600);
}

int
main(void)
{
	char dir[] = "/tmp/rl-test-cache.XXXXXX", a[RL_CACHE_KEY], b[RL_CACHE_KEY];
	char c[RL_CACHE_KEY], got[64], bad[300], *path;
	struct rl_cache C;
	struct rl_buf text = {0};
	struct stat st;
	size_t n;

	CHECK(mkdtemp(dir) != NULL, "scratch directory");
	rl_cache_key("scan", "int x;\n", 7, a);
	rl_cache_key("ctags", "int x;\n", 7, b);
	rl_cache_key("scan", "int y;\n", 7, c);
	CHECK(strlen(a) == 64 && strcmp(a, b) != 0 && strcmp(a, c) != 0,
	    "the key hashes the tag and the bytes");

	/* a store is written only when something was put */
	rl_cache_open(&C, dir, "/the/repo", "t", "fmt 1");
	CHECK(rl_cache_get(&C, a, &n) == NULL, "an empty store misses");
	CHECK(rl_cache_save(&C) == 0, "nothing put: nothing to save");
	path = strdup(C.path);
	CHECK(stat(path, &st) < 0, "and no file is made");
	rl_cache_put(&C, a, "1\t0\tx\tint x;\n", 13);
	rl_cache_put(&C, b, "", 0);
	rl_cache_put(&C, a, "1\t0\tx\tint x;\n", 13);
	CHECK(rl_cache_save(&C) == 0, "saved");
	rl_cache_close(&C);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "mode 0600");
	CHECK_STR(lookup(dir, "fmt 1", a, got, sizeof got), "1\t0\tx\tint x;\n",
	    "a result read back");
	rl_fs_read(path, &text, 1 << 20);
	CHECK(strstr(text.data, a) && !strstr(strstr(text.data, a) + 1, a),
	    "a key put twice is kept once");
	CHECK_STR(lookup(dir, "fmt 2", a, got, sizeof got), "",
	    "another format: every entry misses");

	/* only what was got or put is kept */
	rl_cache_open(&C, dir, "/the/repo", "t", "fmt 1");
	CHECK(rl_cache_get(&C, b, &n) != NULL && n == 0, "an empty result is a hit");
	rl_cache_put(&C, c, "2\t0\ty\tint y;\n", 13);
	CHECK(rl_cache_save(&C) == 0, "saved again");
	rl_cache_close(&C);
	CHECK_STR(lookup(dir, "fmt 1", a, got, sizeof got), "",
	    "an entry not used is dropped");
	CHECK_STR(lookup(dir, "fmt 1", c, got, sizeof got), "2\t0\ty\tint y;\n",
	    "a new one kept");
	rl_cache_open(&C, dir, "/other/repo", "t", "fmt 1");
	CHECK(rl_cache_get(&C, c, &n) == NULL, "each scope has its own store");
	rl_cache_close(&C);

	/* a torn store: the entry cut, and what follows, miss */
	rl_buf_reset(&text);
	rl_fs_read(path, &text, 1 << 20);
	CHECK(truncate(path, (off_t)text.len - 3) == 0, "the store torn");
	rl_cache_open(&C, dir, "/the/repo", "t", "fmt 1");
	CHECK(rl_cache_get(&C, b, &n) != NULL, "the entry before the tear is whole");
	CHECK(rl_cache_get(&C, c, &n) == NULL, "the torn one misses");
	rl_cache_close(&C);
	put_text(path, "fmt 1\n@ zz 3\nabc");
	rl_cache_open(&C, dir, "/the/repo", "t", "fmt 1");
	CHECK(C.n == 0, "a malformed line ends the reading");
	rl_cache_close(&C);
	snprintf(bad, sizeof bad, "fmt 1\n@ %s 99\nabc", a);
	put_text(path, bad);
	rl_cache_open(&C, dir, "/the/repo", "t", "fmt 1");
	CHECK(C.n == 0, "a length past the end is no entry");
	rl_cache_close(&C);

	/* no directory: nothing kept, nothing written */
	rl_cache_open(&C, NULL, "/the/repo", "t", "fmt 1");
	rl_cache_put(&C, a, "x", 1);
	CHECK(rl_cache_get(&C, a, &n) == NULL && rl_cache_save(&C) == 0,
	    "no store");
	rl_cache_close(&C);

	/* a directory that cannot be made: an error to warn of */
	put_text(path, "");
	snprintf(bad, sizeof bad, "%s/sub", path);
	rl_cache_open(&C, bad, "/the/repo", "t", "fmt 1");
	rl_cache_put(&C, a, "x", 1);
	CHECK(rl_cache_save(&C) < 0, "a store that cannot be written fails");
	rl_cache_close(&C);
	unlink(path);
	rmdir(dir);
	free(path);
	rl_buf_free(&text);
	return unit_done();
}
