/* test_redis.c - Redis URLs and arguments (lib/rl_redis.c); the
 * connection itself is tested against a real server by the bats files. */
#include "rl_redis.h"
#include "unit.h"

static struct rl_redis_url u;
static struct rl_error e;

static int
parse(const char *url)
{
	memset(&e, 0, sizeof e);
	return rl_redis_url_parse(url, &u, &e);
}

/* url is refused with redis.bad_url, a message containing want and never
 * the password "s3cret". */
static void
refused(const char *url, const char *want)
{
	char what[256];
	int rc = parse(url);

	snprintf(what, sizeof what, "refused: %s", url);
	CHECK(rc == -1 && e.code && !strcmp(e.code, "redis.bad_url") &&
	    strstr(e.message, want) && !strstr(e.message, "s3cret"), what);
	if (!(rc == -1 && strstr(e.message, want)))
		printf("#   got: %s\n", e.message);
}

int
main(void)
{
	struct rl_redis_args a = {0};

	CHECK(parse("redis://localhost") == 0, "host alone");
	CHECK_STR(u.host, "localhost", "the host");
	CHECK(u.port == 6379 && u.db == 0 && !u.unix_socket && !*u.user &&
	    !*u.password, "defaults: port 6379, db 0, no user");
	CHECK(parse("redis://10.0.0.5:7000/3") == 0 && u.port == 7000 &&
	    u.db == 3, "port and db");
	CHECK_STR(u.host, "10.0.0.5", "an address");
	CHECK(parse("redis://h:7000/") == 0 && u.db == 0, "an empty path is db 0");
	CHECK(parse("redis://worker1:s3cret@h/2") == 0, "user and password");
	CHECK_STR(u.user, "worker1", "the user");
	CHECK_STR(u.password, "s3cret", "the password");
	CHECK_STR(u.shown, "redis://worker1:***@h/2", "shown with the password hidden");
	CHECK(parse("redis://:s3cret@h") == 0 && !*u.user, "a password alone");
	CHECK_STR(u.password, "s3cret", "the password alone");
	CHECK_STR(u.shown, "redis://:***@h", "a password alone is hidden");
	CHECK(parse("redis://u:p%40ss%3Aw@h") == 0, "percent-encoded password");
	CHECK_STR(u.password, "p@ss:w", "the password decoded");
	CHECK(parse("redis://u:a@b@h:1") == 0, "an '@' in the password: the last '@' ends it");
	CHECK_STR(u.password, "a@b", "the password with '@'");
	CHECK_STR(u.host, "h", "the host after the last '@'");
	CHECK(parse("redis://[::1]:6380/1") == 0 && u.port == 6380 && u.db == 1,
	    "IPv6 in brackets");
	CHECK_STR(u.host, "::1", "the IPv6 address without brackets");
	CHECK(parse("unix:///run/redis/redis.sock") == 0 && u.unix_socket &&
	    u.db == 0, "a socket");
	CHECK_STR(u.path, "/run/redis/redis.sock", "the socket's path");
	CHECK(parse("unix:///tmp/r.sock?db=5") == 0 && u.db == 5, "a socket's db");
	CHECK(parse("unix://w:s3cret@/tmp/r.sock") == 0, "a socket with a user");
	CHECK_STR(u.user, "w", "the socket's user");
	CHECK_STR(u.path, "/tmp/r.sock", "the socket's path after the user");
	CHECK_STR(u.shown, "unix://w:***@/tmp/r.sock", "the socket's password hidden");

	refused("redis://", "the host is missing");
	refused("redis://h:0", "the port is not a number from 1 to 65535");
	refused("redis://h:65536", "the port is not a number from 1 to 65535");
	refused("redis://h:63x", "the port");
	refused("redis://u:s3cret@h:99999", "redis://u:***@h:99999: the port");
	refused("redis://h/x", "the path is a database number");
	refused("redis://h/1/2", "the path is a database number");
	refused("redis://h?db=1", "takes no query");
	refused("redis://u:s3cret%zz@h", "the password is malformed");
	refused("redis://u:s3cret%00@h", "the password is malformed");
	refused("redis://user@h", "a user needs a password");
	refused("redis://[::1:6379", "lacks its ']'");
	refused("rediss://u:s3cret@h", "TLS is not available");
	refused("unix://relative.sock", "must be absolute");
	refused("unix:///tmp/r.sock?database=1", "the only query is ?db=N");
	refused("unix:///tmp/r.sock?db=-1", "the only query is ?db=N");
	refused("http://u:s3cret@h", "not a Redis URL");
	refused("spool", "not a Redis URL");

	CHECK(rl_redis_is_url("redis://h") && rl_redis_is_url("unix:///s") &&
	    rl_redis_is_url("rediss://h") && !rl_redis_is_url("spool") &&
	    !rl_redis_is_url(NULL), "URLs told from backend names");

	rl_redis_arg(&a, "SET");
	rl_redis_argn(&a, "k\0y", 3);
	rl_redis_argf(&a, "%d-%s", 42, "x");
	CHECK(a.n == 3 && a.len[1] == 3 && !memcmp(a.data.data + a.off[1], "k\0y", 3),
	    "arguments are binary-safe");
	CHECK(a.len[2] == 4 && !memcmp(a.data.data + a.off[2], "42-x", 4),
	    "a formatted argument");
	rl_redis_args_reset(&a);
	CHECK(a.n == 0, "reset empties the arguments");
	rl_redis_args_free(&a);
	return unit_done();
}
