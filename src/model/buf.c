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

bool pk_escaped_byte(const char *s, size_t n, uint8_t *byte)
{
    const uint8_t *u = (const uint8_t *)s;

    if (n < 3 || u[0] != 0xed || (u[1] != 0xb2 && u[1] != 0xb3) || u[2] < 0x80 || u[2] > 0xbf)
        return false;
    *byte = (uint8_t)(0x80 + (((u[1] & 1) << 6) | (u[2] & 0x3f)));
    return true;
}

size_t pk_py_text_run(const char *s, size_t n, uint8_t *byte)
{
    const char *end = s + n, *e = s;

    while ((e = memchr(e, 0xed, (size_t)(end - e))) != NULL) {
        if (pk_escaped_byte(e, (size_t)(end - e), byte))
            return (size_t)(e - s);
        e++;
    }
    return n;
}

void pk_buf_append_py_text(pk_buf *b, const char *s, size_t n)
{
    uint8_t byte;

    for (;;) {
        size_t run = pk_py_text_run(s, n, &byte);
        pk_buf_append(b, s, run);
        if (run == n)
            return;
        pk_buf_byte(b, byte);
        s += run + 3;
        n -= run + 3;
    }
}
