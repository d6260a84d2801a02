/* rl_metrics.c - the metrics log; see rl_metrics.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "rl_dur.h"
#include "rl_err.h"
#include "rl_fs.h"
#include "rl_json.h"
#include "rl_metrics.h"

/* Distinct error codes a process reports, counted for one event each at
 * exit: a stream of a million bad lines is one event, not a million. */
#define MAX_CODES 64

struct tally {
	char code[64];
	char provider[128], model[128], tool[64];   /* the context, or "" */
	unsigned long count;
	char sample[256];        /* the first message */
};

static struct {
	struct timespec start;
	char *path;
	int failed;
	struct tally codes[MAX_CODES];
	int ncodes, hooked;
	char provider[128], model[128], tool[64];   /* rl_metrics_context */
} M;

void
rl_metrics_context(const char *key, const char *value)
{
	char *to = strcmp(key, "provider") == 0 ? M.provider :
	    strcmp(key, "model") == 0 ? M.model : strcmp(key, "tool") == 0 ?
	    M.tool : NULL;

	if (to)
		snprintf(to, strcmp(key, "tool") == 0 ? sizeof M.tool :
		    sizeof M.provider, "%s", value ? value : "");
}

void
rl_metrics_count(const char *code, const char *message)
{
	struct tally *t;
	int i;

	for (i = 0; i < M.ncodes; i++) {
		t = &M.codes[i];
		if (strcmp(t->code, code) == 0 && strcmp(t->provider, M.provider) == 0 &&
		    strcmp(t->model, M.model) == 0 && strcmp(t->tool, M.tool) == 0) {
			t->count++;
			return;
		}
	}
	if (M.ncodes == MAX_CODES)
		return;
	t = &M.codes[M.ncodes++];
	snprintf(t->code, sizeof t->code, "%s", code);
	memcpy(t->provider, M.provider, sizeof t->provider);
	memcpy(t->model, M.model, sizeof t->model);
	memcpy(t->tool, M.tool, sizeof t->tool);
	t->count = 1;
	snprintf(t->sample, sizeof t->sample, "%s", message);
}

static void
log_errors(void)
{
	cJSON *f;
	int i, n = M.ncodes;

	M.ncodes = 0;            /* an event that fails is not counted again */
	for (i = 0; i < n; i++) {
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "code", M.codes[i].code);
		cJSON_AddStringToObject(f, "category", rl_err_category(M.codes[i].code));
		cJSON_AddNumberToObject(f, "count", (double)M.codes[i].count);
		cJSON_AddStringToObject(f, "message", M.codes[i].sample);
		if (*M.codes[i].provider)
			cJSON_AddStringToObject(f, "provider", M.codes[i].provider);
		if (*M.codes[i].model)
			cJSON_AddStringToObject(f, "model", M.codes[i].model);
		if (*M.codes[i].tool)
			cJSON_AddStringToObject(f, "tool", M.codes[i].tool);
		rl_metrics_event("error", f);
	}
}

void
rl_metrics_open(const struct rl_config *cfg)
{
	struct rl_buf dir = {0};

	clock_gettime(CLOCK_MONOTONIC, &M.start);
	free(M.path);
	M.path = NULL;
	if (!rl_config_bool(cfg, "metrics.enabled", 1))
		return;
	/* every diagnostic with a code is counted, and logged at exit as
	 * "error" events; a forked child that ends in _exit logs nothing */
	rl_diag_hook = rl_metrics_count;
	if (!M.hooked && atexit(log_errors) == 0)
		M.hooked = 1;
	rl_config_state_dir(cfg, &dir);
	if (rl_fs_mkdirs(dir.data, 0700) < 0) {
		rl_diag(dir.data, 0, "io.write", "cannot create the state "
		    "directory: %s", strerror(errno));
		M.failed = 1;
	}
	rl_buf_reset(&dir);
	rl_metrics_log_path(cfg, &dir);
	M.path = rl_buf_detach(&dir);
}

void
rl_metrics_log_path(const struct rl_config *cfg, struct rl_buf *out)
{
	rl_config_state_dir(cfg, out);
	rl_buf_adds(out, "/metrics.ndjson");
}

const char *
rl_metrics_path(void)
{
	return M.path;
}

static double
ms(const struct timeval *tv)
{
	return (double)tv->tv_sec * 1e3 + (double)tv->tv_usec / 1e3;
}

void
rl_metrics_add_usage(cJSON *fields, int who)
{
	struct timespec now;
	struct rusage ru;

	clock_gettime(CLOCK_MONOTONIC, &now);
	cJSON_AddNumberToObject(fields, "wall_ms",
	    (double)(now.tv_sec - M.start.tv_sec) * 1e3 +
	    (double)(now.tv_nsec - M.start.tv_nsec) / 1e6);
	if (getrusage(who, &ru) == 0) {
		cJSON_AddNumberToObject(fields, "cpu_ms",
		    ms(&ru.ru_utime) + ms(&ru.ru_stime));
		cJSON_AddNumberToObject(fields, "max_rss_kb", (double)ru.ru_maxrss);
	}
}

int
rl_metrics_event(const char *kind, cJSON *fields)
{
	struct rl_buf line = {0};
	struct timespec ts;
	char at[96];
	cJSON *ev, *c;
	int rc = -1;

	if (!M.path || M.failed) {
		cJSON_Delete(fields);
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	rl_dur_iso((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, at,
	    sizeof at);
	ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "at", at);
	cJSON_AddStringToObject(ev, "cmd", rl_prog);
	cJSON_AddNumberToObject(ev, "pid", (double)getpid());
	cJSON_AddStringToObject(ev, "kind", kind);
	while (fields && (c = fields->child)) {
		cJSON_DetachItemViaPointer(fields, c);
		cJSON_AddItemToObject(ev, c->string, c);
	}
	cJSON_Delete(fields);
	rl_json_print(ev, &line);
	rl_buf_addc(&line, '\n');
	cJSON_Delete(ev);
	if (rl_fs_append(M.path, line.data, line.len) == 0) {
		rc = 0;
	} else {
		rl_diag(M.path, 0, "io.write", "cannot log metrics: %s",
		    strerror(errno));
		M.failed = 1;
	}
	rl_buf_free(&line);
	return rc;
}

long
rl_metrics_parse(const char *text, size_t len,
	int (*fn)(const cJSON *ev, void *arg), void *arg, long *skipped)
{
	struct rl_json_err e;
	const char *p = text, *nl, *end = text ? text + len : text;
	long n = 0, skip = 0;
	cJSON *ev;

	for (; p && p < end; p = nl + 1) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p)))) {
			skip++;         /* a torn last line */
			break;
		}
		/* an event with a number beyond a double (a writer that was
		 * not this one) is kept: its readers ignore the infinity */
		if (rl_json_parse(p, (size_t)(nl - p), 64, &ev, &e) < 0 &&
		    strcmp(e.code, "input.number_range") == 0)
			ev = cJSON_ParseWithLength(p, (size_t)(nl - p));
		if (!cJSON_IsObject(ev)) {
			cJSON_Delete(ev);
			skip++;
			continue;
		}
		n++;
		if (fn(ev, arg) != 0) {
			cJSON_Delete(ev);
			break;
		}
		cJSON_Delete(ev);
	}
	if (skipped)
		*skipped += skip;
	return n;
}

long
rl_metrics_read(const char *path, int (*fn)(const cJSON *ev, void *arg),
	void *arg, long *skipped)
{
	struct rl_buf text = {0};
	long n;

	if (skipped)
		*skipped = 0;
	if (rl_fs_read(path, &text, (size_t)-1 / 2) < 0)
		return -1;
	n = rl_metrics_parse(text.data, text.len, fn, arg, skipped);
	rl_buf_free(&text);
	return n;
}
