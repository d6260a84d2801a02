/* rl_progress.c - what a command waits for, said once per change; see
 * rl_progress.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "rl_err.h"
#include "rl_json.h"
#include "rl_progress.h"
#include "rl_tty.h"

enum mode { UNKNOWN, EVENTS, LINE, NONE };

static enum mode mode;
static char shown[129];          /* LINE: the id whose wait is shown */

static enum mode
mode_now(void)
{
	const char *e;

	if (mode == UNKNOWN) {
		e = getenv("RL_PROGRESS");
		if (e && strcmp(e, "events") == 0)
			mode = EVENTS;
		else
			mode = rl_tty_open() ? LINE : NONE;
	}
	return mode;
}

/* One event line, in one write. */
static void
event(cJSON *o)
{
	struct rl_buf b = {0};
	ssize_t w;
	size_t off = 0;

	rl_buf_addc(&b, RL_PROGRESS_RS);
	rl_json_print(o, &b);
	rl_buf_addc(&b, '\n');
	while (off < b.len) {
		w = write(STDERR_FILENO, b.data + off, b.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	rl_buf_free(&b);
	cJSON_Delete(o);
}

void
rl_progress_text(const struct rl_progress *p, long long ms, struct rl_buf *out)
{
	rl_buf_printf(out, "waiting for %s (", p->what);
	if (p->attempt > 0 && p->of > 0)
		rl_buf_printf(out, "attempt %d of %d, ", p->attempt, p->of);
	if (ms < 0)
		ms = 0;
	if (ms < 1000)
		rl_buf_printf(out, "next in %.1f s)", (double)ms / 1000);
	else
		rl_buf_printf(out, "next in %lld s)", (ms + 999) / 1000);
}

void
rl_progress_wait(const char *id, const char *what, int attempt, int of,
	long long ms)
{
	struct rl_progress p = {.attempt = attempt, .of = of, .ms = ms};
	struct rl_buf line = {0};
	const char *l;
	cJSON *o;

	switch (mode_now()) {
	case EVENTS:
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", id ? id : "");
		cJSON_AddStringToObject(o, "wait", what);
		if (attempt > 0 && of > 0) {
			cJSON_AddNumberToObject(o, "attempt", attempt);
			cJSON_AddNumberToObject(o, "of", of);
		}
		cJSON_AddNumberToObject(o, "ms", (double)ms);
		event(o);
		break;
	case LINE:
		snprintf(p.what, sizeof p.what, "%s", what);
		rl_buf_printf(&line, "%s: ", rl_prog);
		if (id && *id)
			rl_buf_printf(&line, "%s: ", id);
		rl_progress_text(&p, ms, &line);
		l = line.data;
		rl_tty_show(&l, 1);
		snprintf(shown, sizeof shown, "%s", id ? id : "");
		rl_buf_free(&line);
		break;
	default:
		break;
	}
}

void
rl_progress_over(const char *id)
{
	cJSON *o;

	switch (mode_now()) {
	case EVENTS:
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", id ? id : "");
		event(o);
		break;
	case LINE:
		if (strcmp(shown, id ? id : "") == 0)
			rl_tty_hide();
		break;
	default:
		break;
	}
}

int
rl_progress_parse(const char *line, size_t n, struct rl_progress *p)
{
	cJSON *o;
	const char *s;

	if (n < 2 || line[0] != RL_PROGRESS_RS)
		return 0;
	if (!(o = cJSON_ParseWithLength(line + 1, n - 1)) || !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return 0;
	}
	memset(p, 0, sizeof *p);
	snprintf(p->id, sizeof p->id, "%s", (s = rl_json_str(o, "id")) ? s : "");
	snprintf(p->what, sizeof p->what, "%s", (s = rl_json_str(o, "wait")) ?
	    s : "");
	p->attempt = (int)rl_json_num(o, "attempt", 0);
	p->of = (int)rl_json_num(o, "of", 0);
	p->ms = (long long)rl_json_num(o, "ms", 0);
	cJSON_Delete(o);
	return 1;
}
