#include "hashidx.h"

#include <string.h>

#include "alloc.h"

bool pk_hashidx_find(uint32_t *pos_out, const pk_hashidx *h, uint64_t hash,
                     pk_hashidx_eq eq, const void *ctx)
{
    size_t mask, i;

    if (h->cap == 0)
        return false;
    mask = h->cap - 1;
    for (i = (size_t)hash & mask; h->slots[i] != 0; i = (i + 1) & mask) {
        if (h->hashes[i] == hash && (!eq || eq(ctx, h->slots[i] - 1))) {
            *pos_out = h->slots[i] - 1;
            return true;
        }
    }
    return false;
}

static void place(uint32_t *slots, uint64_t *hashes, size_t cap,
                  uint64_t hash, uint32_t slot_value)
{
    size_t mask = cap - 1;
    size_t i = (size_t)hash & mask;

    while (slots[i] != 0)
        i = (i + 1) & mask;
    slots[i] = slot_value;
    hashes[i] = hash;
}

/* Moves the items into a table of cap slots (a power of two). */
static bool rehash_to(pk_hashidx *h, size_t cap)
{
    uint32_t *slots = pk_calloc(cap, sizeof *slots);
    uint64_t *hashes = pk_malloc(cap * sizeof *hashes);
    size_t i;

    if (!slots || !hashes || cap > ((size_t)1 << 40)) {
        pk_free(slots);
        pk_free(hashes);
        return false;
    }
    for (i = 0; i < h->cap; i++) {
        if (h->slots[i] != 0)
            place(slots, hashes, cap, h->hashes[i], h->slots[i]);
    }
    pk_free(h->slots);
    pk_free(h->hashes);
    h->slots = slots;
    h->hashes = hashes;
    h->cap = cap;
    return true;
}

bool pk_hashidx_reserve(pk_hashidx *h, size_t count)
{
    size_t cap = h->cap ? h->cap : 64;

    if (count > ((size_t)1 << 39))
        return false;
    while (count * 2 > cap)
        cap *= 2;
    return cap == h->cap || rehash_to(h, cap);
}

/* Keeps the load factor under one half. */
bool pk_hashidx_insert(pk_hashidx *h, uint64_t hash, uint32_t pos)
{
    if ((h->count + 1) * 2 > h->cap && !rehash_to(h, h->cap ? h->cap * 2 : 64))
        return false;
    place(h->slots, h->hashes, h->cap, hash, pos + 1);
    h->count++;
    return true;
}

void pk_hashidx_dispose(pk_hashidx *h)
{
    pk_free(h->slots);
    pk_free(h->hashes);
    memset(h, 0, sizeof *h);
}

uint64_t pk_hash_mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
    return h;
}

uint64_t pk_hash_bytes(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ull ^ len;
    size_t i = 0;

    /* Eight bytes at a time, then the tail: names are short, so this keeps
     * hashing cheap without a dependency. */
    for (; i + 8 <= len; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        h = pk_hash_mix(h, v);
    }
    if (i < len) {
        uint64_t v = 0;
        memcpy(&v, p + i, len - i);
        h = pk_hash_mix(h, v);
    }
    return pk_hash_mix(h, len);
}
