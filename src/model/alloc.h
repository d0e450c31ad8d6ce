/*
 * The library's only entry to the heap. Test builds can make allocations
 * fail on demand (pk_alloc_fail_after) to prove every path handles
 * PK_ENOMEM; the library never aborts on a failed allocation, because the
 * collector lives inside someone else's process.
 */
#ifndef PK_MODEL_ALLOC_H
#define PK_MODEL_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

void *pk_malloc(size_t n);
void *pk_calloc(size_t count, size_t size);
void *pk_realloc(void *ptr, size_t n);
void pk_free(void *ptr);

/* After n more successful allocations, every allocation fails; n < 0 stops
 * the injection. Not thread-safe: for tests only. */
void pk_alloc_fail_after(long n);

/* *out = a * b or a + b; false (and *out untouched) on overflow. */
bool pk_size_mul(size_t *out, size_t a, size_t b);
bool pk_size_add(size_t *out, size_t a, size_t b);

bool pk_grow__slow(void **items, size_t *cap, size_t need, size_t item_size);

/*
 * Grows a heap array so it holds at least `need` items of item_size bytes,
 * doubling the capacity. Returns false (array untouched) on overflow or
 * allocation failure. Inline because it is called for every item appended
 * and almost never has to grow.
 */
static inline bool pk_grow(void **items, size_t *cap, size_t need, size_t item_size)
{
    return need <= *cap || pk_grow__slow(items, cap, need, item_size);
}

/* Grows *items so index i exists, zero-filling every new slot: for tables
 * indexed by ids that arrive in any order. Returns false on overflow or
 * when out of memory (the array is unchanged). */
bool pk_grow_zeroed(void **items, size_t *cap, size_t i, size_t item_size);

#endif
