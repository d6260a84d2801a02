/*
 * fuzz_config.c - libFuzzer target for a configuration file, which a
 * repository may ship (.redline/config.json): reading it (a regular file
 * only, strict JSON, no key given twice), migrating it, checking it
 * against the configuration's schema with its diagnostics, dropping what
 * a project may not set, and setting a key in it.  `make fuzz`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rl_config.h"
#include "rl_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rl_config cfg;
static int fd = -1;
static char path[64];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rl_buf msg = {0};
	cJSON *doc = NULL;

	if (fd < 0) {
		if (!(cfg.schema = rl_schema_load(RL_TOP
		    "/share/redline/schemas/config.json", &msg)))
			abort();
		cfg.tree = cJSON_CreateObject();
		cfg.origins = cJSON_CreateObject();
		if ((fd = memfd_create("config.json", 0)) < 0)
			abort();
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if (rl_config_read_file(path, &doc) == 0 && doc) {
		if (rl_config_migrate(doc, &msg) >= 0) {
			rl_config_check_doc(&cfg, doc, "fuzz");
			rl_config_project_filter(&cfg, doc, "fuzz", "", 1);
			rl_config_doc_set(doc, "limits.max_depth",
			    cJSON_CreateNumber(7));
			rl_config_doc_set(doc, "limits.max_depth",
			    cJSON_CreateNumber(8));
			rl_config_check_doc(&cfg, doc, "fuzz");
		}
		cJSON_Delete(doc);
	}
	rl_buf_free(&msg);
	return 0;
}
