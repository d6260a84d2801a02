/* test_metrics.c - the metrics log (lib/rl_metrics.c). */
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "rl_fs.h"
#include "rl_json.h"
#include "rl_metrics.h"
#include "unit.h"

static int
collect(const cJSON *ev, void *arg)
{
	struct rl_buf *b = arg;

	rl_buf_printf(b, "%s,", rl_json_str(ev, "kind"));
	return 0;
}

int
main(void)
{
	char dir[] = "/tmp/rl-test-metrics.XXXXXX", cmd[300];
	struct rl_config cfg = {0};
	struct rl_buf kinds = {0}, text = {0};
	cJSON *f;
	long skipped = -1, n;

	CHECK(mkdtemp(dir) != NULL, "scratch directory");
	cfg.tree = cJSON_CreateObject();
	cJSON_AddStringToObject(cfg.tree, "state_dir", dir);
	rl_metrics_open(&cfg);
	CHECK(rl_metrics_path() && strstr(rl_metrics_path(), "/metrics.ndjson"), "log in the state directory");

	f = cJSON_CreateObject();
	cJSON_AddNumberToObject(f, "records", 3);
	rl_metrics_add_usage(f, RUSAGE_SELF);
	CHECK(rl_metrics_event("stage", f) == 0, "event written");
	CHECK(rl_metrics_event("request", NULL) == 0, "event without fields");
	rl_fs_read(rl_metrics_path(), &text, 1 << 20);
	CHECK(strstr(text.data, "\"kind\":\"stage\"") && strstr(text.data, "\"records\":3") &&
	    strstr(text.data, "\"cpu_ms\":") && strstr(text.data, "\"max_rss_kb\":") &&
	    strstr(text.data, "\"wall_ms\":") && strstr(text.data, "\"at\":\"20"), "event has its fields and usage");

	/* a torn last line, as a killed writer leaves, is skipped */
	rl_fs_append(rl_metrics_path(), "{\"kind\":\"torn\",\"at", 18);
	n = rl_metrics_read(rl_metrics_path(), collect, &kinds, &skipped);
	CHECK(n == 2, "two whole events read");
	CHECK_STR(kinds.data, "stage,request,", "in order");
	CHECK(skipped == 1, "the torn line skipped and counted");
	CHECK(rl_metrics_read("/nonexistent/m.ndjson", collect, &kinds, NULL) == -1, "missing log is an error");

	cJSON_AddItemToObject(cfg.tree, "metrics", cJSON_Parse("{\"enabled\":false}"));
	rl_metrics_open(&cfg);
	CHECK(rl_metrics_path() == NULL, "metrics.enabled false: no log");
	CHECK(rl_metrics_event("stage", NULL) == -1, "events dropped when off");

	cJSON_Delete(cfg.tree);
	rl_buf_free(&kinds);
	rl_buf_free(&text);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0, "scratch removed");
	return unit_done();
}
