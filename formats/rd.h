/*
 * The bounds-checked byte cursor: the only code that indexes file bytes.
 *
 * Errors are sticky: after the first failure every read returns 0 and the
 * position stays put, so a parser may check r->failed once per record.
 * Messages name the format and the byte offset where the item started.
 */
#ifndef PK_FORMATS_RD_H
#define PK_FORMATS_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <profkit/error.h>

typedef struct pk_rd {
    const uint8_t *buf;
    size_t len;
    size_t pos;          /* invariant: pos <= len */
    unsigned depth, max_depth;
    const char *format;  /* static name used in messages */
    pk_error *err;
    bool failed;
} pk_rd;

void pk_rd_init(pk_rd *r, const void *buf, size_t len, const char *format,
                pk_error *err);

/* Bytes left to read. */
size_t pk_rd_left(const pk_rd *r);

/* Records "truncated <what> (need n bytes, m left) at byte <at>"; false. */
bool pk_rd__truncated(pk_rd *r, size_t at, size_t n, const char *what);

/* The reads below are defined here so that the compiler inlines them:
 * parsers call them for every byte of large files. */

/* Fails ("truncated <what> (need n bytes, m left) at byte <at>") unless n
 * bytes remain; `at` is where the item being read started. */
static inline bool pk_rd_need(pk_rd *r, size_t at, size_t n, const char *what)
{
    if (r->failed)
        return false;
    if (n > r->len - r->pos)
        return pk_rd__truncated(r, at, n, what);
    return true;
}

/* A view of the next n bytes (not copied), or NULL on failure. */
static inline const uint8_t *pk_rd_view(pk_rd *r, size_t at, size_t n, const char *what)
{
    const uint8_t *p;

    if (!pk_rd_need(r, at, n, what))
        return NULL;
    p = r->buf + r->pos;
    r->pos += n;
    return p;
}

static inline uint8_t pk_rd_u8(pk_rd *r, size_t at, const char *what)
{
    const uint8_t *p = pk_rd_view(r, at, 1, what);
    return p ? p[0] : 0;
}

/* Little-endian, assembled by shifts (never a cast of file bytes). */
static inline uint32_t pk_rd_u32le(pk_rd *r, size_t at, const char *what)
{
    const uint8_t *p = pk_rd_view(r, at, 4, what);
    if (!p)
        return 0;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline int32_t pk_rd_i32le(pk_rd *r, size_t at, const char *what)
{
    uint32_t u = pk_rd_u32le(r, at, what);
    /* Two's complement without implementation-defined conversion. */
    return u <= INT32_MAX ? (int32_t)u : -(int32_t)(UINT32_MAX - u) - 1;
}

static inline uint64_t pk_rd_u64le(pk_rd *r, size_t at, const char *what)
{
    const uint8_t *p = pk_rd_view(r, at, 8, what);

    if (!p)
        return 0;
    /* Written out rather than looped: compilers turn this into one load. */
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
           (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
           (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

/* IEEE-754 bits, copied into the double (no type punning through casts). */
static inline double pk_rd_f64le(pk_rd *r, size_t at, const char *what)
{
    uint64_t bits = pk_rd_u64le(r, at, what);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

uint16_t pk_rd_u16le(pk_rd *r, size_t at, const char *what);
double pk_rd_f64be(pk_rd *r, size_t at, const char *what);

/*
 * Checks a count read from the file against the bytes left before anything
 * is allocated for it: each item needs at least min_item_bytes, so a lying
 * header cannot ask for a huge allocation.
 */
bool pk_rd_count(pk_rd *r, size_t at, uint64_t n, size_t min_item_bytes,
                 const char *what);

/* Records the error (the first wins) and marks the cursor failed.
 * The message gets " at byte <at>" appended. Returns false. */
bool pk_rd_fail(pk_rd *r, int code, size_t at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Enters/leaves one level of nesting; fails past max_depth. */
bool pk_rd_enter(pk_rd *r, size_t at);
void pk_rd_leave(pk_rd *r);

#endif
