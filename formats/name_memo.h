/*
 * A map from an object of the input (a string by the address of its
 * bytes, a code object by its offset) to the interned name made of it, so
 * that readers intern each shared object once. Open addressing on the
 * 64-bit key itself, probed inline: a lookup happens for every name read,
 * and the general index (hashidx.h, with a compare callback and a table
 * of positions) cost several times as much here.
 */
#ifndef PK_FORMATS_NAME_MEMO_H
#define PK_FORMATS_NAME_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <profkit/profile.h>

typedef struct pk_name_memo {
    uint64_t *keys; /* 0 for an empty slot */
    pk_str *ids;
    unsigned bits;  /* the table has 1 << bits slots, or none */
    size_t count;
} pk_name_memo;

/* Keys: never 0, and a string never equals a code object. */
static inline uint64_t pk_name_memo_str_key(const void *bytes)
{
    return (uint64_t)(uintptr_t)bytes << 1;
}

static inline uint64_t pk_name_memo_offset_key(size_t offset)
{
    return (uint64_t)offset << 1 | 1;
}

static inline size_t pk_name_memo__slot(const pk_name_memo *m, uint64_t key)
{
    return (size_t)((key * 0x9e3779b97f4a7c15ull) >> (64 - m->bits));
}

/* True and *id when key is known. */
static inline bool pk_name_memo_find(pk_str *id, const pk_name_memo *m, uint64_t key)
{
    size_t mask, i;

    if (m->bits == 0)
        return false;
    mask = ((size_t)1 << m->bits) - 1;
    for (i = pk_name_memo__slot(m, key); m->keys[i] != 0; i = (i + 1) & mask) {
        if (m->keys[i] == key) {
            *id = m->ids[i];
            return true;
        }
    }
    return false;
}

/* Makes room for count keys in all. False when out of memory. */
bool pk_name_memo_reserve(pk_name_memo *m, size_t count);

/* Adds key (not yet known) with id. False when out of memory. */
bool pk_name_memo_add(pk_name_memo *m, uint64_t key, pk_str id);

void pk_name_memo_dispose(pk_name_memo *m);

#endif
