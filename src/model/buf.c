#include "buf.h"

#include <string.h>

#include "alloc.h"

bool pk_buf_reserve(pk_buf *b, size_t extra)
{
    size_t need;

    if (b->failed)
        return false;
    if (!pk_size_add(&need, b->len, extra) ||
        !pk_grow((void **)&b->data, &b->cap, need, 1)) {
        b->failed = true;
        return false;
    }
    return true;
}

void pk_buf_append(pk_buf *b, const void *data, size_t n)
{
    if (n == 0 || !pk_buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, data, n);
    b->len += n;
}

void pk_buf_byte(pk_buf *b, uint8_t v)
{
    pk_buf_append(b, &v, 1);
}

void pk_buf_u32le(pk_buf *b, uint32_t v)
{
    uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                     (uint8_t)(v >> 24)};
    pk_buf_append(b, le, 4);
}

void pk_buf_f64le(pk_buf *b, double v)
{
    uint64_t bits;
    uint8_t le[8];
    int i;

    memcpy(&bits, &v, 8);
    for (i = 0; i < 8; i++)
        le[i] = (uint8_t)(bits >> (8 * i));
    pk_buf_append(b, le, 8);
}

void pk_buf_dispose(pk_buf *b)
{
    pk_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}
