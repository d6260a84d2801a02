/* test_ring_share.c - the machine id, stamps and ring.elsewhere
 * (lib/rl_ring_share.c). */
#include <stdlib.h>
#include <unistd.h>

#include "rl_fs.h"
#include "rl_json.h"
#include "rl_ring_share.h"
#include "unit.h"

static struct rl_config
state(const char *dir)
{
	struct rl_config c = {0};

	c.tree = cJSON_CreateObject();
	cJSON_AddStringToObject(c.tree, "state_dir", dir);
	return c;
}

int
main(void)
{
	char dir[] = "/tmp/rl-test-ring-share.XXXXXX", other[160], path[160];
	char a[RL_RING_MACHINE_MAX + 1], b[RL_RING_MACHINE_MAX + 1];
	char c2[RL_RING_MACHINE_MAX + 1];
	struct rl_config ca, cb;
	struct rl_error e = {0};
	struct rl_buf text = {0};
	cJSON *local, *git, *err;
	const char *msg;

	CHECK(mkdtemp(dir) != NULL, "scratch directory");
	snprintf(other, sizeof other, "%s/b", dir);
	ca = state(dir);
	cb = state(other);
	CHECK(rl_ring_machine(&ca, a, &e) == 0, "a machine id is made");
	CHECK(rl_ring_machine(&ca, c2, &e) == 0 && strcmp(a, c2) == 0,
	    "and read again the same");
	CHECK(rl_ring_machine(&cb, b, &e) == 0 && strcmp(a, b) != 0,
	    "another state directory is another machine");
	snprintf(path, sizeof path, "%s/machine", dir);
	CHECK(rl_fs_read(path, &text, 256) == 0 && text.len == strlen(a) + 1 &&
	    strncmp(text.data, a, strlen(a)) == 0, "kept in STATE/machine");
	CHECK(strlen(a) > 13 && a[strlen(a) - 13] == '-', "host-hex12");

	local = cJSON_Parse("{\"id\":\"t1\",\"repo\":\"/src\"}");
	git = cJSON_Parse("{\"id\":\"t2\",\"git\":{\"url\":\"file:///r\","
	    "\"rev\":\"0123456789012345678901234567890123456789\"}}");
	rl_ring_stamp(local, a);
	rl_ring_stamp(git, a);
	CHECK_STR(rl_json_str(local, "machine"), a, "a local-path task is stamped");
	CHECK(!cJSON_GetObjectItemCaseSensitive(git, "machine"),
	    "a git task is not");
	rl_ring_stamp(local, b);
	CHECK_STR(rl_json_str(local, "machine"), a, "a stamp stays the first");
	CHECK(rl_ring_share_elsewhere(local, a) == NULL, "at home: runs");
	CHECK_STR(rl_ring_share_elsewhere(local, b), a,
	    "elsewhere: the machine it belongs to");
	CHECK(rl_ring_share_elsewhere(git, b) == NULL, "a git task runs anywhere");
	CHECK(rl_ring_is_git(git) && !rl_ring_is_git(local), "git tasks told");

	err = rl_ring_elsewhere_error(a, b, "redline-ring", "q-1");
	msg = rl_json_str(err, "message");
	CHECK_STR(rl_json_str(err, "code"), "ring.elsewhere", "ring.elsewhere");
	CHECK(msg && strstr(msg, a) && strstr(msg, "rl-queue -q redline-ring "
	    "requeue q-1") && strstr(msg, "rl-task --git URL"),
	    "the message names the machine and what to do");
	CHECK(!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(err, "retryable")),
	    "not retryable");

	cJSON_Delete(err);
	cJSON_Delete(local);
	cJSON_Delete(git);
	cJSON_Delete(ca.tree);
	cJSON_Delete(cb.tree);
	rl_buf_free(&text);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	CHECK(system(path) == 0, "scratch removed");
	return unit_done();
}
