/* rl_baton.c - ids and error batons; see rl_baton.h. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "rl_baton.h"
#include "rl_buf.h"
#include "rl_err.h"
#include "rl_json.h"
#include "rl_text.h"

void
rl_baton_new_id(char *out)
{
	static unsigned long long counter;
	unsigned long long r = 0;
	struct timespec ts;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
		clock_gettime(CLOCK_REALTIME, &ts);
		r = (unsigned long long)ts.tv_sec * 1000000007ULL ^
		    (unsigned long long)ts.tv_nsec << 20 ^
		    (unsigned long long)getpid() << 40;
	}
	r += counter++;
	snprintf(out, RL_BATON_ID_LEN + 1, "rl-%016llx", r);
}

/* An id an error baton may keep: what baton.json allows. */
static int
valid_id(const char *id)
{
	size_t n;

	if (!id || !isalnum((unsigned char)id[0]))
		return 0;
	for (n = 0; id[n]; n++)
		if (n >= 128 || !(isalnum((unsigned char)id[n]) ||
		    strchr("._:-", id[n])))
			return 0;
	return 1;
}

cJSON *
rl_baton_error(const cJSON *orig, const char *code, const char *message,
	const char *stage)
{
	cJSON *b = cJSON_CreateObject(), *e;
	const char *id = cJSON_IsObject(orig) ? rl_json_str(orig, "id") : NULL;
	char fresh[RL_BATON_ID_LEN + 1];

	if (!b || !(e = rl_err_object(code, message, stage)))
		rl_die(RL_EXIT_TEMP, "internal.nomem", "out of memory");
	if (!valid_id(id)) {
		rl_baton_new_id(fresh);
		id = fresh;
	}
	cJSON_AddNumberToObject(b, "rl", RL_BATON_VERSION);
	cJSON_AddStringToObject(b, "id", id);
	cJSON_AddStringToObject(b, "next", "done");
	cJSON_AddItemToObject(b, "error", e);
	return b;
}

void
rl_baton_add_raw(cJSON *b, const char *text, size_t len)
{
	struct rl_buf buf = {0};

	if (!memchr(text, 0, len) && rl_utf8_check(text, len) == len) {
		rl_buf_add(&buf, text, len);
		cJSON_AddStringToObject(b, "raw", buf.data);
	} else {
		rl_base64(text, len, &buf);
		cJSON_AddStringToObject(b, "raw_b64", buf.data ? buf.data : "");
	}
	rl_buf_free(&buf);
}
