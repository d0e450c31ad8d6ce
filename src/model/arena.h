/*
 * A bump allocator: blocks come from large pages and are all released at
 * once by pk_arena_dispose(). One arena per profile holds its strings.
 * With -Darena_debug=true every block is its own malloc, so AddressSanitizer
 * sees overruns between neighbouring blocks.
 */
#ifndef PK_MODEL_ARENA_H
#define PK_MODEL_ARENA_H

#include <stddef.h>

typedef struct pk_arena_page pk_arena_page;

typedef struct pk_arena {
    pk_arena_page *pages;
    size_t used;   /* bytes used in the newest page */
    size_t size;   /* usable bytes of the newest page */
} pk_arena;

#define PK_ARENA_INIT {NULL, 0, 0}

/* n bytes aligned for any type, or NULL when memory runs out. */
void *pk_arena_alloc(pk_arena *a, size_t n);

/* Frees every block. The arena can be used again afterwards. */
void pk_arena_dispose(pk_arena *a);

#endif
