#include "name_memo.h"

#include <string.h>

#include "alloc.h"

static void place(pk_name_memo *m, uint64_t key, pk_str id)
{
    size_t mask = ((size_t)1 << m->bits) - 1, i;

    for (i = pk_name_memo__slot(m, key); m->keys[i] != 0; i = (i + 1) & mask)
        ;
    m->keys[i] = key;
    m->ids[i] = id;
}

/* Moves the keys into a table of 1 << bits slots. */
static bool rehash(pk_name_memo *m, unsigned bits)
{
    pk_name_memo bigger = {NULL, NULL, bits, m->count};
    size_t n = (size_t)1 << bits, old = m->bits ? (size_t)1 << m->bits : 0, i;

    bigger.keys = pk_calloc(n, sizeof *bigger.keys);
    bigger.ids = pk_malloc(n * sizeof *bigger.ids);
    if (!bigger.keys || !bigger.ids) {
        pk_name_memo_dispose(&bigger);
        return false;
    }
    for (i = 0; i < old; i++) {
        if (m->keys[i] != 0)
            place(&bigger, m->keys[i], m->ids[i]);
    }
    pk_name_memo_dispose(m);
    *m = bigger;
    return true;
}

/* Keeps the load under one half. */
bool pk_name_memo_reserve(pk_name_memo *m, size_t count)
{
    unsigned bits = m->bits ? m->bits : 6;

    while (bits < 40 && count * 2 > (size_t)1 << bits)
        bits++;
    if (count * 2 > (size_t)1 << bits)
        return false;
    return bits == m->bits || rehash(m, bits);
}

bool pk_name_memo_add(pk_name_memo *m, uint64_t key, pk_str id)
{
    if (!pk_name_memo_reserve(m, m->count + 1))
        return false;
    place(m, key, id);
    m->count++;
    return true;
}

void pk_name_memo_dispose(pk_name_memo *m)
{
    pk_free(m->keys);
    pk_free(m->ids);
    memset(m, 0, sizeof *m);
}
