/*
 * An open-addressing hash index: it maps keys to positions in an array the
 * caller owns (functions, edges, strings). The index stores only positions;
 * the caller supplies each key's hash and compares keys itself, so one
 * index type serves every table in the model.
 */
#ifndef PK_MODEL_HASHIDX_H
#define PK_MODEL_HASHIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pk_hashidx {
    uint32_t *slots;  /* position + 1, or 0 for an empty slot */
    uint64_t *hashes; /* the full hash of the slot's key, to skip compares */
    size_t cap;       /* power of two, or 0 */
    size_t count;
} pk_hashidx;

#define PK_HASHIDX_INIT {NULL, NULL, 0, 0}

/* Compares the key being looked up with the item at position pos. */
typedef bool (*pk_hashidx_eq)(const void *ctx, uint32_t pos);

/* Returns true and sets *pos_out when an item with this hash and key
 * exists. eq may be NULL when the hash is a one-to-one function of the
 * key: equal hashes then mean equal keys, and the item is not read. */
bool pk_hashidx_find(uint32_t *pos_out, const pk_hashidx *h, uint64_t hash,
                     pk_hashidx_eq eq, const void *ctx);

/* Adds position pos under hash (the caller checked it is absent).
 * Returns false when memory runs out. */
bool pk_hashidx_insert(pk_hashidx *h, uint64_t hash, uint32_t pos);

/* Makes room for `count` items in all, so inserting them never rehashes.
 * Returns false when memory runs out. */
bool pk_hashidx_reserve(pk_hashidx *h, size_t count);

void pk_hashidx_dispose(pk_hashidx *h);

/* Hashes of bytes and of integers, good enough for tables of names. */
uint64_t pk_hash_bytes(const void *data, size_t len);
uint64_t pk_hash_mix(uint64_t h, uint64_t v);

#endif
