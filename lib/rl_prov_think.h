/*
 * rl_prov_think.h - the <think> blocks a reasoning model writes inline in
 * its reply (Qwen3 or DeepSeek-R1 behind a server that does not take
 * them apart), told from the reply as the text streams.
 *
 *     struct rl_prov_think t = {.fn = out, .arg = ctx};
 *     rl_prov_think_feed(&t, piece, n);       as pieces arrive
 *     rl_prov_think_end(&t);                  the reply is complete
 *
 * out(arg, thought, p, n) gets the text in order, each run marked as
 * thought (inside <think>...</think>) or reply; a tag cut between two
 * pieces is held until it is whole, and the blank space that follows a
 * block's end is not part of the reply.  A block left open at the end
 * is all thought.  The agents' reply parsing has its own rules; this is
 * for showing a reply to a person (rl-provider ask).
 */
#ifndef RL_PROV_THINK_H
#define RL_PROV_THINK_H
#include <stddef.h>
#include "rl_buf.h"

struct rl_prov_think {
	void (*fn)(void *arg, int thought, const char *p, size_t n);
	void *arg;
	/* private */
	int in;                  /* inside a block */
	int lead;                /* a block just ended: blank space skipped */
	struct rl_buf hold;      /* what may begin a tag */
};

void rl_prov_think_feed(struct rl_prov_think *t, const char *p, size_t n);

/* Hand over what is held, and free it. */
void rl_prov_think_end(struct rl_prov_think *t);
#endif
