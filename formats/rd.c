#include "rd.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void pk_rd_init(pk_rd *r, const void *buf, size_t len, const char *format,
                pk_error *err)
{
    memset(r, 0, sizeof *r);
    r->buf = buf;
    r->len = len;
    r->max_depth = 64;
    r->format = format;
    r->err = err;
}

size_t pk_rd_left(const pk_rd *r)
{
    return r->len - r->pos;
}

bool pk_rd_fail(pk_rd *r, int code, size_t at, const char *fmt, ...)
{
    char msg[200];
    va_list ap;

    if (r->failed)
        return false;
    r->failed = true;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pk_error_set(r->err, code, r->format, (int64_t)at, "%s at byte %zu", msg, at);
    return false;
}

bool pk_rd__truncated(pk_rd *r, size_t at, size_t n, const char *what)
{
    return pk_rd_fail(r, PK_EFORMAT, at, "truncated %s (need %zu bytes, %zu left)", what, n,
                      r->len - r->pos);
}

/* Little-endian unsigned of n <= 8 bytes, assembled by shifts. */
static uint64_t read_le(pk_rd *r, size_t at, size_t n, const char *what)
{
    const uint8_t *p = pk_rd_view(r, at, n, what);
    uint64_t v = 0;
    size_t i;

    if (!p)
        return 0;
    for (i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

uint16_t pk_rd_u16le(pk_rd *r, size_t at, const char *what)
{
    return (uint16_t)read_le(r, at, 2, what);
}

double pk_rd_f64be(pk_rd *r, size_t at, const char *what)
{
    const uint8_t *p = pk_rd_view(r, at, 8, what);
    uint64_t bits = 0;
    double d;
    int i;

    if (!p)
        return 0;
    for (i = 0; i < 8; i++)
        bits = (bits << 8) | p[i];
    memcpy(&d, &bits, sizeof d);
    return d;
}

bool pk_rd_count(pk_rd *r, size_t at, uint64_t n, size_t min_item_bytes,
                 const char *what)
{
    uint64_t left = r->len - r->pos;

    if (r->failed)
        return false;
    if (min_item_bytes && n > left / min_item_bytes)
        return pk_rd_fail(r, PK_EFORMAT, at,
                          "%s count %llu exceeds the %llu bytes left", what,
                          (unsigned long long)n, (unsigned long long)left);
    return true;
}

bool pk_rd_enter(pk_rd *r, size_t at)
{
    if (r->failed)
        return false;
    if (r->depth >= r->max_depth)
        return pk_rd_fail(r, PK_EFORMAT, at, "nesting deeper than %u levels",
                          r->max_depth);
    r->depth++;
    return true;
}

void pk_rd_leave(pk_rd *r)
{
    if (r->depth)
        r->depth--;
}
