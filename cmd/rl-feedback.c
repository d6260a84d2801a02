/*
 * rl-feedback - the feedback agent: judge the observations, then loop
 * back or go on (rl-feedback(1)).
 *
 * Batons with next "feedback" get a `feedback` member {verdict, reason}
 * and go where the verdict says:
 *   continue  act, to run the steps that did not succeed
 *   replan    plan (upstream), next iteration
 *   rethink   reason (upstream), next iteration
 *   done      complete
 *   fail      complete, which writes FAILED
 * A bias_request in the reply is moved to the baton's top level, for the
 * supervisor to grant or refuse.  The prompt shows the task, the plan and
 * this iteration's observations, their output cut short (head and tail;
 * a test run's tail), a failed edit with why.  A "continue" or "replan"
 * carries the steps that failed, with what they said, in feedback.failed:
 * plan shows it, and act's prompt shows the feedback.
 */
#include <string.h>

#include "rl_agent.h"
#include "rl_json.h"
#include "rl_text.h"

/* Bytes of each stream of an observation the prompt shows: its head
 * and tail, or a test run's tail, where make and the tests say what
 * failed. */
#define SHOWN 512
#define TAIL 2000

/* Append the last max bytes of s (whole UTF-8 sequences). */
static void
tail(const char *s, size_t max, struct rl_buf *p)
{
	size_t n = strlen(s), k = n > max ? max : n;

	while (k < n && ((unsigned char)s[n - k] & 0xc0) == 0x80)
		k--;
	if (k < n)
		rl_buf_adds(p, "...");
	rl_buf_add(p, s + n - k, k);
}

static void
stream(const cJSON *o, const char *name, int tests, struct rl_buf *p)
{
	const char *s = rl_json_str(o, name);
	size_t n;

	if (!s || !*s)
		return;
	rl_buf_printf(p, " %s: ", name);
	if (tests) {
		tail(s, TAIL, p);
	} else {
		n = strlen(s) > 2 * SHOWN ? rl_utf8_prefix(s, SHOWN) : strlen(s);
		rl_buf_add(p, s, n);
		if (n < strlen(s))
			tail(s + n, SHOWN, p);
	}
	rl_buf_addc(p, '\n');
}

/* What a failed step said: its error, the edits that did not apply with
 * why (rl-act edit's results), or the tail of its output. */
static void
said(const cJSON *o, struct rl_buf *p)
{
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(o, "error");
	const char *out = rl_json_str(o, "stdout"), *nl, *m;
	cJSON *r;

	if (err) {
		rl_buf_printf(p, "%s: %s\n", rl_json_str(err, "code"),
		    rl_json_str(err, "message"));
		return;
	}
	if (cJSON_GetObjectItemCaseSensitive(o, "edits")) {
		for (; out && *out; out = nl ? nl + 1 : "") {
			nl = strchr(out, '\n');
			r = cJSON_ParseWithLength(out, nl ? (size_t)(nl - out) : strlen(out));
			if (r && (m = rl_json_str(r, "message")))
				rl_buf_printf(p, "edit %d (%s) %s: %.*s\n", (int)rl_json_num(
				    r, "block", 0), rl_json_str(r, "path"), rl_json_str(r,
				    "status"), (int)strcspn(m, "\n"), m);
			cJSON_Delete(r);
		}
		return;
	}
	tail(rl_json_str(o, "stderr") && *rl_json_str(o, "stderr") ?
	    rl_json_str(o, "stderr") : out ? out : "", TAIL, p);
}

static int
failed(const cJSON *o)
{
	return cJSON_GetObjectItemCaseSensitive(o, "error") ||
	    rl_json_num(o, "exit", -1) != 0;
}

static void
context(struct rl_agent_run *R, const cJSON *baton, struct rl_buf *p)
{
	double iter = rl_json_num(baton, "iter", 0);
	const cJSON *o;
	const char *tool;
	int tests;

	(void)R;
	rl_buf_adds(p, "Observations:\n");
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(baton,
	    "observations")) {
		if (rl_json_num(o, "iter", 0) != iter)
			continue;
		tool = rl_json_str(o, "tool") ? rl_json_str(o, "tool") : "?";
		tests = strcmp(tool, "run_tests") == 0;
		rl_buf_printf(p, "step %.0f %s", rl_json_num(o, "step", 0), tool);
		if (cJSON_GetObjectItemCaseSensitive(o, "error") ||
		    (failed(o) && cJSON_GetObjectItemCaseSensitive(o, "edits"))) {
			rl_buf_adds(p, " failed: ");
			said(o, p);
			continue;
		}
		rl_buf_printf(p, " exit %.0f%s\n", rl_json_num(o, "exit", -1),
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "changed")) ?
		    " (changed the tree)" : "");
		stream(o, "stdout", tests, p);
		stream(o, "stderr", tests, p);
	}
}

/* The steps of this iteration that failed, with what they said: the
 * feedback the baton carries to plan (which shows it) or act. */
static cJSON *
failures(const cJSON *baton)
{
	cJSON *a = cJSON_CreateArray(), *f;
	const cJSON *o;
	struct rl_buf b = {0};

	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(baton,
	    "observations")) {
		if (rl_json_num(o, "iter", 0) != rl_json_num(baton, "iter", 0) ||
		    !failed(o))
			continue;
		b.len = 0;
		said(o, &b);
		f = cJSON_CreateObject();
		cJSON_AddNumberToObject(f, "step", rl_json_num(o, "step", 0));
		cJSON_AddStringToObject(f, "tool", rl_json_str(o, "tool") ?
		    rl_json_str(o, "tool") : "?");
		cJSON_AddNumberToObject(f, "exit", rl_json_num(o, "exit", -1));
		cJSON_AddStringToObject(f, "said", b.data ? b.data : "");
		cJSON_AddItemToArray(a, f);
	}
	rl_buf_free(&b);
	return a;
}

static int
apply(struct rl_agent_run *R, cJSON *baton, cJSON *reply, struct rl_error *e)
{
	static const char *const go[][2] = {
		{"continue", "act"}, {"replan", "plan"}, {"rethink", "reason"},
		{"done", "complete"}, {"fail", "complete"}
	};
	const char *verdict = rl_json_str(reply, "verdict");
	cJSON *req;
	size_t i;

	(void)R;
	(void)e;
	for (i = 0; strcmp(go[i][0], verdict) != 0; i++)
		;
	if (i < 2)
		cJSON_AddItemToObject(reply, "failed", failures(baton));
	if (i == 1 || i == 2)
		rl_json_set(baton, "iter",
		    cJSON_CreateNumber(rl_json_num(baton, "iter", 1) + 1));
	if ((req = cJSON_DetachItemFromObjectCaseSensitive(reply, "bias_request")))
		rl_json_set(baton, "bias_request", req);
	rl_json_set(baton, "next", cJSON_CreateString(go[i][1]));
	rl_json_set(baton, "feedback", reply);
	return 0;
}

static const char *const fields[] = {"plan", NULL};

static const struct rl_agent feedback = {
	.name = "feedback",
	.fields = fields,
	.context = context,
	.apply = apply,
};

int
main(int argc, char **argv)
{
	return rl_agent_main(&feedback, argc, argv);
}
