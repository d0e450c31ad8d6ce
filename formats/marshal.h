/*
 * Python's marshal format: a generic value reader and the writer primitives
 * the pstats module needs (FORMATS.md section 1.2).
 *
 * Reading builds a small value tree for one object at a time. Values are
 * pk_mval structs; strings are views into the input buffer (never copied),
 * containers keep their items in the reader's node array. The node array,
 * the reference list and the other tables are parse-time scratch owned by
 * the pk_marshal reader and freed by pk_marshal__dispose(); nothing here
 * allocates per object.
 *
 * Items of containers flagged FLAG_REF, and everything inside them, go to
 * a second node array that lives until dispose, so a later TYPE_REF can
 * always be expanded. A caller that streams a large container (pstats
 * streams its top dict) takes pk_marshal__mark() before each item and
 * pk_marshal__release()s it afterwards, which drops the other nodes read
 * since the mark: memory stays proportional to the shared objects plus
 * the largest item, not to the file.
 *
 * Ownership: pointers returned by pk_marshal__item() are borrowed and stay
 * valid until the next read or release. Writers append to a caller-owned
 * pk_buf; a failed append sets the buffer's `failed` flag.
 */
#ifndef PK_FORMATS_MARSHAL_H
#define PK_FORMATS_MARSHAL_H

#include <locale.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <profkit/error.h>

#include "buf.h"
#include "rd.h"

/* Bit 7 of a type byte: the object goes into the reference list. */
#define PK_MARSHAL_FLAG_REF 0x80u

typedef enum pk_mkind {
    PK_M_NULL,      /* TYPE_NULL: ends a dict; never a value */
    PK_M_NONE,
    PK_M_BOOL,      /* u.i is 0 or 1 */
    PK_M_INT,       /* 'i', 'I', or an 'l' that fits int64: u.i */
    PK_M_BIGINT,    /* an 'l' outside int64 (no value kept) */
    PK_M_FLOAT,     /* 'g' or 'f': u.f */
    PK_M_COMPLEX,   /* 'y' or 'x' (no value kept) */
    PK_M_STR,       /* any string type: n bytes at u.s (a view of the input) */
    PK_M_TUPLE,     /* n items in nodes[u.first ...] */
    PK_M_LIST,
    PK_M_SET,
    PK_M_FROZENSET,
    PK_M_DICT,      /* n pairs: key, value, key, value ... in nodes[u.first ...] */
    PK_M_CODE,      /* nodes[u.first]: filename, [+1] name, [+2] firstlineno
                       (an INT whose `at` is the code object's own offset),
                       [+3] a hash of its value in u.h */
    PK_M_OTHER,     /* StopIteration, Ellipsis */
    PK_M_PENDING    /* a reference slot whose container is still being read */
} pk_mkind;

typedef struct pk_mval {
    uint8_t kind;   /* pk_mkind */
    uint8_t code;   /* type byte without FLAG_REF (of the target for a ref) */
    uint8_t kept;   /* containers: items are in the kept node array, at
                       indices that stay valid until dispose */
    uint8_t shared; /* flagged FLAG_REF, a Python 2 interned string, or
                       reached by a reference: may be read again */
    uint32_t n;     /* STR: byte length; containers: item (dict: pair) count */
    size_t at;      /* offset of the type byte; for a TYPE_REF, of the ref */
    union {
        int64_t i;
        uint64_t h;
        double f;
        const uint8_t *s; /* STR */
        size_t first; /* containers, CODE */
    } u;
} pk_mval;

typedef struct pk_marshal {
    pk_rd rd;
    pk_mval *nodes;         /* container items, released by the streamer */
    size_t nnodes, nodes_cap;
    pk_mval *kept;          /* items reachable through references */
    size_t nkept, kept_cap;
    unsigned keep_depth;    /* flagged containers being read */
    pk_mval *refs;          /* FLAG_REF objects, for TYPE_REF */
    size_t nrefs, refs_cap;
    pk_mval *strs;          /* Python 2 TYPE_INTERNED strings, for TYPE_STRINGREF */
    size_t nstrs, strs_cap;
    pk_mval *stack;         /* items of the dicts being read */
    size_t nstack, stack_cap;
    int layout;             /* code object layout, -1 until one is found */
    size_t hash_budget;     /* work left for hashing code objects */
    locale_t c_numeric;     /* for text floats; (locale_t)0 until needed */
} pk_marshal;

/* Prepares a reader over buf (borrowed; it must outlive the reader).
 * Errors go to err with the given static format name. */
void pk_marshal__init(pk_marshal *m, const uint8_t *buf, size_t len,
                      const char *format, pk_error *err);

/* Makes room for refs references and kept container items, so that a
 * reader that can estimate them does not regrow the tables. Returns false
 * when out of memory. */
bool pk_marshal__reserve(pk_marshal *m, size_t refs, size_t kept);

/* Frees the reader's scratch tables. */
void pk_marshal__dispose(pk_marshal *m);

/*
 * Reads one complete object into *out. A TYPE_NULL is returned as PK_M_NULL
 * when allow_null is true and is an error otherwise. Returns false on
 * failure, with the error recorded in the cursor (m->rd.failed).
 */
bool pk_marshal__read(pk_mval *out, pk_marshal *m, bool allow_null);

/* The next type byte without FLAG_REF, or -1 at the end of the input. */
int pk_marshal__peek(const pk_marshal *m);

/*
 * Streams a dict instead of reading it whole: consumes the dict's type byte
 * (the next byte must be '{'), takes its reference slot and one nesting
 * level. Read items with pk_marshal__read(..., true) until PK_M_NULL, then
 * call pk_marshal__dict_close(). A TYPE_REF to a streamed dict is an error.
 */
bool pk_marshal__dict_open(pk_marshal *m);
void pk_marshal__dict_close(pk_marshal *m);

/* pk_marshal__dict_open() for an unflagged dict only (one that no
 * reference can name, so streaming it loses nothing). Returns false with
 * nothing consumed when the next object is anything else, and false with
 * the error recorded (m->rd.failed) when the dict nests too deep. */
bool pk_marshal__plain_dict_open(pk_marshal *m);

/*
 * A fast path for the number tuples that make up most of a pstats file.
 * If the next object is an unflagged tuple of n >= 4 items whose first
 * four are two ints and two numbers ('i' or 'g', flagged or not, or
 * references to such), reads its header and those items, as
 * pk_marshal__read would (same reference slots), stores them in ints[]
 * and nums[] (an int as a double there) and returns true. When n > 4 it
 * also enters the tuple's nesting level: read the other items with
 * pk_marshal__read, then call pk_marshal__tuple_close().
 * Otherwise (any other shape or type, too little input, nesting too deep)
 * returns false with the reader exactly as it was and no error recorded:
 * the caller reads the object the general way, which reports any problem.
 */
bool pk_marshal__stat_numbers(pk_marshal *m, uint32_t n, int64_t ints[2], double nums[2]);
void pk_marshal__tuple_close(pk_marshal *m);

/*
 * A fast path for pstats keys. If the next object is a 3-tuple, flagged or
 * not, of (string, 'i' int, string), each item flagged or not or a
 * reference to such an item, reads it into *out exactly as
 * pk_marshal__read would (same nodes, same reference slots) and returns
 * true. Otherwise returns false with the reader exactly as it was and no
 * error recorded: the caller reads the object the general way.
 */
bool pk_marshal__key_tuple(pk_mval *out, pk_marshal *m);

/* Node watermark: release(mark) drops the transient nodes read since
 * mark; values read since then must not be used afterwards. */
size_t pk_marshal__mark(const pk_marshal *m);
void pk_marshal__release(pk_marshal *m, size_t mark);

/* Item i of a container value (a dict's item 2k is key k, 2k+1 its value). */
const pk_mval *pk_marshal__item(const pk_marshal *m, const pk_mval *v, size_t i);

/* "a dict", "a 3-tuple", "an int", ...: names a value's type in messages. */
const char *pk_marshal__describe(char *buf, size_t n, const pk_mval *v);

/* Records an out-of-memory failure at offset at; returns false. */
bool pk_marshal__nomem(pk_marshal *m, size_t at);

/* ---- writing ---- */

/* 'i' for int32 values, 'l' (base 2^15 digits) otherwise. */
void pk_marshal__w_int(pk_buf *b, int64_t v);

/* 'g': IEEE-754 double, little-endian. */
void pk_marshal__w_float(pk_buf *b, double v);

/*
 * A string, typed the way the target version reads it best: version 2
 * writes 'u'; version 4 writes 'z'/'a' for ASCII and 'u' otherwise. Bytes
 * that are not UTF-8 (encoded surrogates allowed, as Python's surrogatepass
 * decoder does) go out as 's', because 'u' would make Python's load fail.
 * flag is 0 or PK_MARSHAL_FLAG_REF. Returns false (nothing written) when
 * len does not fit marshal's int32 length.
 */
bool pk_marshal__w_str(pk_buf *b, const char *s, size_t len, int version,
                       unsigned flag);

/* A tuple header: ')' with a u8 count when version >= 4 and n < 256,
 * else '(' with an int32 count. */
void pk_marshal__w_tuple(pk_buf *b, uint32_t n, int version, unsigned flag);

void pk_marshal__w_dict(pk_buf *b, unsigned flag);  /* '{' */
void pk_marshal__w_null(pk_buf *b);                 /* '0', ends a dict */
void pk_marshal__w_ref(pk_buf *b, uint32_t index);  /* 'r' */

#endif
