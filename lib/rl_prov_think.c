/*
 * rl_prov_think.c - inline <think> blocks told from the reply; see
 * rl_prov_think.h.
 */
#include <string.h>

#include "rl_prov_think.h"

static void
emit(struct rl_prov_think *t, const char *p, size_t n)
{
	if (!t->in && t->lead) {
		while (n && strchr(" \t\r\n", *p)) {
			p++;
			n--;
		}
		if (n)
			t->lead = 0;
	}
	if (n)
		t->fn(t->arg, t->in, p, n);
}

/* Pass on s[0..n) up to a tag that may be cut; return what is held. */
static size_t
scan(struct rl_prov_think *t, const char *s, size_t n, int final)
{
	size_t i, start = 0, k;
	const char *tag;

	for (i = 0; i < n; i++) {
		if (s[i] != '<')
			continue;
		tag = t->in ? "</think>" : "<think>";
		k = strlen(tag);
		if (n - i >= k) {
			if (memcmp(s + i, tag, k) != 0)
				continue;
			emit(t, s + start, i - start);
			t->in = !t->in;
			t->lead = !t->in;
			i += k - 1;
			start = i + 1;
		} else if (!final && memcmp(s + i, tag, n - i) == 0) {
			emit(t, s + start, i - start);
			return n - i;
		}
	}
	emit(t, s + start, n - start);
	return 0;
}

void
rl_prov_think_feed(struct rl_prov_think *t, const char *p, size_t n)
{
	struct rl_buf all = {0};
	size_t held;

	rl_buf_add(&all, t->hold.data ? t->hold.data : "", t->hold.len);
	rl_buf_add(&all, p, n);
	rl_buf_reset(&t->hold);
	held = scan(t, all.data ? all.data : "", all.len, 0);
	if (held)
		rl_buf_add(&t->hold, all.data + all.len - held, held);
	rl_buf_free(&all);
}

void
rl_prov_think_end(struct rl_prov_think *t)
{
	if (t->hold.len)
		scan(t, t->hold.data, t->hold.len, 1);
	rl_buf_free(&t->hold);
}
