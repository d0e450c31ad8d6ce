/*
 * The pickle writer (pickle.h): protocol 4 output framed the way CPython's
 * C pickler frames it (Modules/_pickle.c: a frame starts with the first
 * byte written after the last one closed, is closed when an object begins
 * and it holds 64 KiB or more, and a last frame under 4 bytes gets no
 * FRAME header), with CPython's choice of opcode for each int and string.
 */
#include "pickle.h"
#include "utf8.h"

#include <string.h>

enum {
    OP_STOP = 0x2e, OP_BININT = 0x4a, OP_BININT1 = 0x4b, OP_BININT2 = 0x4d,
    OP_BINSTRING = 0x54, OP_SHORT_BINSTRING = 0x55, OP_BINUNICODE = 0x58,
    OP_BINGET = 0x68, OP_LONG_BINGET = 0x6a, OP_BINFLOAT = 0x47, OP_PROTO = 0x80,
    OP_LONG1 = 0x8a, OP_SHORT_BINUNICODE = 0x8c, OP_MEMOIZE = 0x94, OP_FRAME = 0x95
};

#define FRAME_HEADER 9
#define FRAME_TARGET ((size_t)64 * 1024)
#define FRAME_MIN 4
#define NO_FRAME SIZE_MAX

/* Every write goes here: a frame opens at the first byte after a commit. */
static void w_bytes(pk_pwriter *w, const void *data, size_t n)
{
    static const uint8_t placeholder[FRAME_HEADER] = {0};

    if (w->frame_start == NO_FRAME) {
        w->frame_start = w->out->len;
        pk_buf_append(w->out, placeholder, sizeof placeholder);
    }
    pk_buf_append(w->out, data, n);
}

/* Fills in the open frame's header, or drops it when the frame is tiny. */
static void commit_frame(pk_pwriter *w)
{
    pk_buf *b = w->out;
    size_t start = w->frame_start, len, i;

    if (start == NO_FRAME || b->failed)
        return;
    w->frame_start = NO_FRAME;
    len = b->len - start - FRAME_HEADER;
    if (len < FRAME_MIN) {
        memmove(b->data + start, b->data + start + FRAME_HEADER, len);
        b->len -= FRAME_HEADER;
        return;
    }
    b->data[start] = OP_FRAME;
    for (i = 0; i < 8; i++)
        b->data[start + 1 + i] = (uint8_t)((uint64_t)len >> (8 * i));
}

void pk_pickle__w_begin(pk_pwriter *w, pk_buf *out, int proto)
{
    uint8_t head[2] = {OP_PROTO, (uint8_t)proto};

    w->out = out;
    w->frame_start = NO_FRAME;
    w->nmemo = 0;
    pk_buf_append(out, head, sizeof head);
}

void pk_pickle__w_end(pk_pwriter *w)
{
    pk_pickle__w_op(w, OP_STOP);
    commit_frame(w);
}

void pk_pickle__w_boundary(pk_pwriter *w)
{
    if (w->frame_start != NO_FRAME && !w->out->failed &&
        w->out->len - w->frame_start - FRAME_HEADER >= FRAME_TARGET)
        commit_frame(w);
}

void pk_pickle__w_op(pk_pwriter *w, uint8_t op)
{
    w_bytes(w, &op, 1);
}

/* Minimal little-endian two's complement, as pickle's encode_long(). */
static void w_long1(pk_pwriter *w, int64_t v)
{
    uint8_t b[2 + 9];
    uint64_t u = (uint64_t)v, mag = v < 0 ? ~u + 1 : u;
    size_t bits = 0, n, i;

    while (bits < 64 && (mag >> bits) != 0)
        bits++;
    n = bits / 8 + 1;
    for (i = 0; i < n; i++)
        b[2 + i] = (uint8_t)(i < 8 ? (u >> (8 * i)) & 0xff : (v < 0 ? 0xffu : 0x00u));
    if (v < 0 && n > 1 && b[2 + n - 1] == 0xff && (b[2 + n - 2] & 0x80))
        n--;
    b[0] = OP_LONG1;
    b[1] = (uint8_t)n;
    w_bytes(w, b, 2 + n);
}

void pk_pickle__w_int(pk_pwriter *w, int64_t v)
{
    uint8_t b[5];
    uint32_t u = (uint32_t)v;

    if (v < INT32_MIN || v > INT32_MAX) {
        w_long1(w, v);
        return;
    }
    if (v >= 0 && v < 0x100) {
        b[0] = OP_BININT1;
        b[1] = (uint8_t)v;
        w_bytes(w, b, 2);
    } else if (v >= 0 && v < 0x10000) {
        b[0] = OP_BININT2;
        b[1] = (uint8_t)v;
        b[2] = (uint8_t)(v >> 8);
        w_bytes(w, b, 3);
    } else {
        b[0] = OP_BININT;
        b[1] = (uint8_t)u;
        b[2] = (uint8_t)(u >> 8);
        b[3] = (uint8_t)(u >> 16);
        b[4] = (uint8_t)(u >> 24);
        w_bytes(w, b, 5);
    }
}

void pk_pickle__w_float(pk_pwriter *w, double v)
{
    uint8_t b[9];
    uint64_t bits;
    int i;

    memcpy(&bits, &v, sizeof bits);
    b[0] = OP_BINFLOAT;
    for (i = 0; i < 8; i++)
        b[1 + i] = (uint8_t)(bits >> (56 - 8 * i));
    w_bytes(w, b, sizeof b);
}

bool pk_pickle__w_str(pk_pwriter *w, const void *s, size_t len)
{
    bool text = pk_utf8_ok(s, len);
    uint8_t head[5];
    size_t i;

    if (len > INT32_MAX)
        return false;
    if (len < 0x100) {
        head[0] = text ? OP_SHORT_BINUNICODE : OP_SHORT_BINSTRING;
        head[1] = (uint8_t)len;
        w_bytes(w, head, 2);
    } else {
        head[0] = text ? OP_BINUNICODE : OP_BINSTRING;
        for (i = 0; i < 4; i++)
            head[1 + i] = (uint8_t)(len >> (8 * i));
        w_bytes(w, head, 5);
    }
    w_bytes(w, s, len);
    return true;
}

uint32_t pk_pickle__w_memoize(pk_pwriter *w)
{
    pk_pickle__w_op(w, OP_MEMOIZE);
    return w->nmemo++;
}

void pk_pickle__w_get(pk_pwriter *w, uint32_t idx)
{
    uint8_t b[5];
    size_t i;

    if (idx < 0x100) {
        b[0] = OP_BINGET;
        b[1] = (uint8_t)idx;
        w_bytes(w, b, 2);
        return;
    }
    b[0] = OP_LONG_BINGET;
    for (i = 0; i < 4; i++)
        b[1 + i] = (uint8_t)(idx >> (8 * i));
    w_bytes(w, b, 5);
}
