/*
 * Protobuf wire format (protobuf.h). Decoding follows what pprof's own
 * decoder (profile/proto.go) accepts: a varint is at most 10 bytes and
 * bits past the 64th are dropped, wire types 0, 1, 2 and 5 exist, and a
 * length must fit in what is left of the enclosing message.
 */
#include "protobuf.h"

#define MAX_VARINT_BYTES 10

uint64_t pk_pb__varint(pk_rd *r, size_t at, const char *what)
{
    uint64_t v = 0;
    unsigned i;

    for (i = 0; i < MAX_VARINT_BYTES; i++) {
        uint8_t b = pk_rd_u8(r, at, what);
        if (r->failed)
            return 0;
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80))
            return v;
    }
    pk_rd_fail(r, PK_EFORMAT, at, "%s varint longer than 10 bytes", what);
    return 0;
}

static void skip_payload(pk_rd *r, pk_pb_field *f)
{
    size_t start = r->pos;

    if (f->value > pk_rd_left(r)) {
        pk_rd_fail(r, PK_EFORMAT, f->at,
                   "field %u length %llu exceeds the %zu bytes left in its message", f->number,
                   (unsigned long long)f->value, pk_rd_left(r));
        return;
    }
    f->start = start;
    f->len = (size_t)f->value;
    r->pos += f->len;
}

bool pk_pb__next(pk_rd *r, pk_pb_field *out)
{
    uint64_t key;

    if (r->failed || pk_rd_left(r) == 0)
        return false;
    out->at = r->pos;
    key = pk_pb__varint(r, out->at, "field key");
    if (key >> 3 > UINT32_MAX)
        return pk_rd_fail(r, PK_EFORMAT, out->at, "field number %llu out of range",
                          (unsigned long long)(key >> 3));
    out->number = (uint32_t)(key >> 3);
    out->wire = (unsigned)(key & 7);
    out->start = out->len = 0;
    switch (out->wire) {
    case PK_PB_VARINT:
        out->value = pk_pb__varint(r, out->at, "field");
        break;
    case PK_PB_FIXED64:
        out->value = pk_rd_u64le(r, out->at, "fixed64 field");
        break;
    case PK_PB_LEN:
        out->value = pk_pb__varint(r, out->at, "field length");
        if (!r->failed)
            skip_payload(r, out);
        break;
    case PK_PB_FIXED32:
        out->value = pk_rd_u32le(r, out->at, "fixed32 field");
        break;
    default:
        return pk_rd_fail(r, PK_EFORMAT, out->at, "unknown wire type %u (field %u)", out->wire,
                          out->number);
    }
    return !r->failed;
}

bool pk_pb__enter(pk_rd *sub, pk_rd *parent, const pk_pb_field *f)
{
    if (!pk_rd_enter(parent, f->at))
        return false;
    *sub = *parent;
    sub->pos = f->start;
    sub->len = f->start + f->len;
    return true;
}

void pk_pb__leave(pk_rd *parent, const pk_rd *sub)
{
    /* The error is recorded already (err is shared); mark the parent. */
    if (sub->failed)
        parent->failed = true;
    pk_rd_leave(parent);
}

bool pk_pb__scalars(pk_rd *r, const pk_pb_field *f, const char *what, pk_pb_scalar_fn fn,
                    void *ctx)
{
    pk_rd sub;

    if (f->wire == PK_PB_VARINT)
        return fn(ctx, f->value, f->at) || pk_rd_fail(r, PK_EFORMAT, f->at, "%s", what);
    if (f->wire != PK_PB_LEN)
        return pk_rd_fail(r, PK_EFORMAT, f->at, "%s has wire type %u, not a varint", what,
                          f->wire);
    if (!pk_pb__enter(&sub, r, f))
        return false;
    while (!sub.failed && pk_rd_left(&sub) > 0) {
        size_t at = sub.pos;
        uint64_t v = pk_pb__varint(&sub, at, what);
        if (!sub.failed && !fn(ctx, v, at))
            sub.failed = true; /* fn reported it */
    }
    pk_pb__leave(r, &sub);
    return !r->failed;
}

bool pk_pb__want_varint(pk_rd *r, const pk_pb_field *f, const char *what, uint64_t *out)
{
    if (f->wire != PK_PB_VARINT)
        return pk_rd_fail(r, PK_EFORMAT, f->at, "%s has wire type %u, not a varint", what,
                          f->wire);
    *out = f->value;
    return true;
}

int64_t pk_pb__i64(uint64_t v)
{
    return v <= INT64_MAX ? (int64_t)v : -(int64_t)(UINT64_MAX - v) - 1;
}

/* ---- writing ---- */

void pk_pb__put_varint(pk_buf *b, uint64_t v)
{
    uint8_t tmp[MAX_VARINT_BYTES];
    size_t n = 0;

    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    pk_buf_append(b, tmp, n);
}

void pk_pb__put_key(pk_buf *b, uint32_t number, unsigned wire)
{
    pk_pb__put_varint(b, (uint64_t)number << 3 | wire);
}

void pk_pb__put_uint(pk_buf *b, uint32_t number, uint64_t v)
{
    if (v == 0)
        return;
    pk_pb__put_key(b, number, PK_PB_VARINT);
    pk_pb__put_varint(b, v);
}

void pk_pb__put_int(pk_buf *b, uint32_t number, int64_t v)
{
    pk_pb__put_uint(b, number, (uint64_t)v); /* two's complement, as int64 is encoded */
}

void pk_pb__put_bytes(pk_buf *b, uint32_t number, const void *data, size_t n)
{
    pk_pb__put_key(b, number, PK_PB_LEN);
    pk_pb__put_varint(b, n);
    pk_buf_append(b, data, n);
}
