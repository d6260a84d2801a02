/*
 * rl_arena.h - a bump allocator for the cJSON trees of records.
 *
 * Parsing a record with cJSON makes one malloc per value and per string,
 * and freeing the tree one free each: on a typical baton that was a fifth
 * of rl-validate's time.  While an arena is active, cJSON allocates from
 * large chunks by bumping a pointer; rl_arena_end deactivates it and
 * rl_arena_reset makes all of it free again at once.
 *
 * cJSON's hooks are process-wide, so they are installed once and decide
 * per call: allocations go to the arena only while it is active, and a
 * free of a pointer inside the arena is a no-op (it is reclaimed by the
 * next reset), anything else goes to free().  So a tree parsed in the
 * arena may be changed afterwards, have malloc'ed items attached, and be
 * deleted with cJSON_Delete as usual.  What it may not do is outlive the
 * next rl_arena_reset: copy it (cJSON_Duplicate, outside the arena) to
 * keep it.
 *
 * Single-threaded, like cJSON's hooks themselves.
 */
#ifndef RL_ARENA_H
#define RL_ARENA_H

/* Route cJSON's allocations to the arena until rl_arena_end. */
void rl_arena_begin(void);

/* Route them to malloc again; arena memory stays valid. */
void rl_arena_end(void);

/* Reclaim all arena memory (keeps the first chunk for reuse). */
void rl_arena_reset(void);

/* Free every chunk and uninstall the hooks (for leak checkers). */
void rl_arena_free(void);

#endif
