/*
 * The protobuf wire format, as much as profile.proto needs: reading fields
 * through the bounds-checked cursor (rd.h) and appending them to a pk_buf.
 *
 * A message is read with a cursor whose `len` is the message's end, so a
 * nested length is checked against the enclosing message, not the file,
 * and every offset in a message stays the file's offset. Unknown fields
 * are skipped by their wire type; groups (wire types 3 and 4, deprecated
 * and absent from profile.proto) are refused.
 */
#ifndef PK_FORMATS_PROTOBUF_H
#define PK_FORMATS_PROTOBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "rd.h"

enum {
    PK_PB_VARINT = 0,
    PK_PB_FIXED64 = 1,
    PK_PB_LEN = 2,
    PK_PB_FIXED32 = 5
};

typedef struct pk_pb_field {
    uint32_t number;
    unsigned wire;    /* PK_PB_* */
    size_t at;        /* offset of the field's key */
    uint64_t value;   /* varint and fixed fields */
    size_t start, len; /* PK_PB_LEN: the payload's offset and length */
} pk_pb_field;

/* A varint of at most 10 bytes (the tenth may only hold the 64th bit);
 * `at` is where the item holding it started. */
uint64_t pk_pb__varint(pk_rd *r, size_t at, const char *what);

/*
 * Reads the next field of the message r holds. Returns false at the
 * message's end and on failure (r->failed tells them apart). A
 * length-delimited payload is checked against the bytes left and skipped.
 */
bool pk_pb__next(pk_rd *r, pk_pb_field *out);

/* A cursor over a length-delimited payload of parent's buffer, one level
 * deeper (fails past parent's max_depth). A failure in sub must be passed
 * back with pk_pb__leave. */
bool pk_pb__enter(pk_rd *sub, pk_rd *parent, const pk_pb_field *f);
void pk_pb__leave(pk_rd *parent, const pk_rd *sub);

/*
 * One repeated scalar field, packed (a payload of varints) or not (one
 * varint): calls fn for every value in order. Fails on any other wire
 * type. fn returning false stops with a failure (it reports the error).
 */
typedef bool (*pk_pb_scalar_fn)(void *ctx, uint64_t v, size_t at);
bool pk_pb__scalars(pk_rd *r, const pk_pb_field *f, const char *what, pk_pb_scalar_fn fn,
                    void *ctx);

/* A varint field's value: fails unless the wire type is varint. */
bool pk_pb__want_varint(pk_rd *r, const pk_pb_field *f, const char *what, uint64_t *out);

/* int64 stored as a plain varint: two's complement, no zigzag. */
int64_t pk_pb__i64(uint64_t v);

/* ---- writing ---- */

void pk_pb__put_varint(pk_buf *b, uint64_t v);
void pk_pb__put_key(pk_buf *b, uint32_t number, unsigned wire);
/* A varint field; zero is omitted, as proto3 writers do. */
void pk_pb__put_uint(pk_buf *b, uint32_t number, uint64_t v);
void pk_pb__put_int(pk_buf *b, uint32_t number, int64_t v);
void pk_pb__put_bytes(pk_buf *b, uint32_t number, const void *data, size_t n);

#endif
