/* rl_arena.c - a bump allocator for cJSON; see rl_arena.h. */
#include <stddef.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "rl_arena.h"
#include "rl_buf.h"

#define CHUNK (1UL << 20)
#define ALIGN 16

struct chunk {
	struct chunk *next;
	size_t size, used;
	_Alignas(ALIGN) unsigned char data[];
};

static struct {
	struct chunk *head;      /* the chunk being filled; older ones follow */
	int active, hooked;
} A;

static void *
arena_malloc(size_t n)
{
	struct chunk *c = A.head;
	size_t size;
	void *p;

	if (!A.active)
		return malloc(n);
	n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (!c || c->size - c->used < n) {
		size = n > CHUNK ? n : CHUNK;
		c = rl_xmalloc(sizeof *c + size);
		c->size = size;
		c->used = 0;
		c->next = A.head;
		A.head = c;
	}
	p = c->data + c->used;
	c->used += n;
	return p;
}

static int
in_arena(const void *p)
{
	const struct chunk *c;
	const unsigned char *q = p;

	for (c = A.head; c; c = c->next)
		if (q >= c->data && q < c->data + c->size)
			return 1;
	return 0;
}

static void
arena_free(void *p)
{
	if (p && !in_arena(p))
		free(p);
}

void
rl_arena_begin(void)
{
	cJSON_Hooks h = {arena_malloc, arena_free};

	if (!A.hooked) {
		cJSON_InitHooks(&h);
		A.hooked = 1;
	}
	A.active = 1;
}

void
rl_arena_end(void)
{
	A.active = 0;
}

void
rl_arena_reset(void)
{
	struct chunk *c, *next;

	if (!A.head)
		return;
	/* keep the oldest chunk, which is the first one made */
	for (c = A.head; c->next; c = next) {
		next = c->next;
		free(c);
	}
	A.head = c;
	c->used = 0;
}

void
rl_arena_free(void)
{
	rl_arena_reset();
	free(A.head);
	A.head = NULL;
	A.active = 0;
	if (A.hooked) {
		cJSON_InitHooks(NULL);
		A.hooked = 0;
	}
}
