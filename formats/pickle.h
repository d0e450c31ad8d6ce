/*
 * Python's pickle format, data only (FORMATS.md section 2.1): a decoder
 * for protocols 2-5 and the writer primitives the lprof module needs.
 *
 * The decoder is a small stack machine for the opcodes that build None,
 * bools, ints, floats, strings, bytes, tuples, lists and dicts, plus the
 * few that make an instance of a class. It never imports or runs
 * anything: GLOBAL and STACK_GLOBAL are accepted only for the classes the
 * caller lists, NEWOBJ makes an empty instance of such a class, and BUILD
 * records the attributes of its state dict. Every other class, and every
 * opcode outside that set (REDUCE, persistent ids, buffers ...), is an
 * error naming it and its byte offset.
 *
 * Bounds: every value costs at least one input byte, so the tables grow
 * at most linearly with the input; counts and lengths are checked against
 * the bytes left before anything is read or allocated; memo indices must
 * stay below the input's size (holes are allowed, as in Python); the stack, the
 * number of open MARKs and the BUILDs on one object (each copies a state
 * dict that the file can name again for two bytes) are capped.
 *
 * Ownership: a pk_pickle owns its scratch tables (freed by
 * pk_pickle__dispose); values are small structs copied by value, strings
 * are views into the input buffer (borrowed: the buffer must outlive the
 * decoder), containers are indices into the decoder's tables. Writers
 * append to a caller-owned pk_buf; a failed append sets its `failed` flag.
 */
#ifndef PK_FORMATS_PICKLE_H
#define PK_FORMATS_PICKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <profkit/error.h>

#include "buf.h"
#include "rd.h"

/* The newest protocol this decoder knows (Python 3.8+ writes 5). */
#define PK_PICKLE_MAX_PROTO 5

/* Limits on the machine, far above what any LineStats pickle needs. */
#define PK_PICKLE_MAX_STACK ((size_t)1 << 20) /* values on the stack */
#define PK_PICKLE_MAX_MARKS 64u               /* MARKs open at once */
#define PK_PICKLE_MAX_BUILDS 8u               /* BUILDs on one object */

typedef enum pk_pkind {
    PK_P_NONE,
    PK_P_BOOL,   /* u.i is 0 or 1 */
    PK_P_INT,    /* u.i */
    PK_P_BIGINT, /* an int outside int64 (no value kept) */
    PK_P_FLOAT,  /* u.f */
    PK_P_STR,    /* unicode: n bytes of UTF-8 (surrogates allowed) at u.s */
    PK_P_BSTR,   /* a Python 2 str (SHORT_BINSTRING, BINSTRING): raw bytes */
    PK_P_BYTES,  /* a Python 3 bytes object */
    PK_P_TUPLE,  /* n items from u.first in the tuple item table */
    PK_P_LIST,   /* mutable: u.seq names its item table */
    PK_P_DICT,   /* mutable: u.seq, items are key, value, key, value ... */
    PK_P_CLASS,  /* an allowed class: cls indexes the caller's table */
    PK_P_OBJECT  /* an instance of class cls; u.seq holds its attributes
                    as name, value pairs in the order BUILD set them */
} pk_pkind;

typedef struct pk_pval {
    uint8_t kind;  /* pk_pkind */
    uint8_t cls;   /* CLASS, OBJECT */
    uint32_t n;    /* STR/BSTR/BYTES: length in bytes; TUPLE: item count */
    size_t at;     /* offset of the opcode that made the value */
    union {
        int64_t i;
        double f;
        const uint8_t *s;
        size_t first;
        size_t seq;
    } u;
} pk_pval;

/* A class the decoder may name: GLOBAL "module\nname\n" or STACK_GLOBAL. */
typedef struct pk_pclass {
    const char *module;
    const char *name;
} pk_pclass;

/* A mutable container's items. */
typedef struct pk_pseq {
    pk_pval *items;
    size_t n, cap;
    unsigned builds; /* objects: BUILDs so far (each copies its state) */
} pk_pseq;

typedef struct pk_pickle {
    pk_rd rd;
    const pk_pclass *classes;
    size_t nclasses;
    int status;          /* first failure's pk_status, PK_OK until then */
    int proto;           /* from PROTO, 0 until seen */
    pk_pval *stack;
    size_t nstack, stack_cap;
    size_t *marks;       /* stack heights at each open MARK */
    size_t nmarks, marks_cap;
    pk_pval *memo;       /* indexed by PUT number, with holes */
    size_t nmemo, memo_cap;
    size_t nstored;      /* memo entries that are not holes */
    pk_pval *titems;     /* items of every tuple, contiguous per tuple */
    size_t ntitems, titems_cap;
    pk_pseq *seqs;       /* lists, dicts and object attributes */
    size_t nseqs, seqs_cap;
} pk_pickle;

/*
 * Prepares a decoder over buf (borrowed). classes (borrowed, nclasses of
 * them) are the only globals allowed. Errors go to err with the static
 * format name given.
 */
void pk_pickle__init(pk_pickle *pk, const uint8_t *buf, size_t len,
                     const char *format, const pk_pclass *classes,
                     size_t nclasses, pk_error *err);

/* Frees the decoder's tables; values read from it become invalid. */
void pk_pickle__dispose(pk_pickle *pk);

/*
 * Runs the pickle from its first opcode to STOP and stores the value STOP
 * returns in *out. The input must end right after STOP. Returns PK_OK, or
 * PK_EFORMAT, PK_EUNSUPPORTED (a protocol newer than 5) or PK_ENOMEM with
 * the error recorded.
 */
int pk_pickle__load(pk_pval *out, pk_pickle *pk);

/* Item count of a TUPLE or LIST, pair count of a DICT or OBJECT. */
size_t pk_pickle__len(const pk_pickle *pk, const pk_pval *v);

/*
 * Item i of a TUPLE or LIST; for a DICT or OBJECT, item 2k is the k-th
 * key (attribute name) and 2k+1 its value. Borrowed until the decoder is
 * disposed.
 */
const pk_pval *pk_pickle__item(const pk_pickle *pk, const pk_pval *v, size_t i);

/* True when v is a STR or BSTR equal to the NUL-terminated s. */
bool pk_pickle__str_is(const pk_pval *v, const char *s);

/*
 * The value of attribute `name` of an OBJECT (the last one BUILD set, as
 * in Python), or NULL when it has none.
 */
const pk_pval *pk_pickle__attr(const pk_pickle *pk, const pk_pval *obj,
                               const char *name);

/* "an int", "a 3-tuple", "a str", ...: names a value's type in messages. */
const char *pk_pickle__describe(char *buf, size_t n, const pk_pval *v);

/* Records a format error at offset at (the first error wins); returns false. */
bool pk_pickle__fail(pk_pickle *pk, int code, size_t at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* ---- writing ---- */

/*
 * A pickle writer for protocol 4 or 5 that frames its output the way
 * CPython's pickler does: a frame opens at the first write, closes when
 * the next object begins once it holds 64 KiB, and a final frame shorter
 * than 4 bytes is left unframed.
 */
typedef struct pk_pwriter {
    pk_buf *out;
    size_t frame_start; /* offset of the open frame's header, or SIZE_MAX */
    uint32_t nmemo;     /* memo entries stored so far */
} pk_pwriter;

/* Starts a pickle: PROTO proto (4 or 5). */
void pk_pickle__w_begin(pk_pwriter *w, pk_buf *out, int proto);

/* Ends it: STOP, then closes the last frame. */
void pk_pickle__w_end(pk_pwriter *w);

/* Call before writing each object (also one fetched from the memo):
 * where CPython's pickler closes a frame that holds 64 KiB. */
void pk_pickle__w_boundary(pk_pwriter *w);

/* A one-byte opcode (MARK, EMPTY_DICT, APPENDS ...). */
void pk_pickle__w_op(pk_pwriter *w, uint8_t op);

/* An int as CPython writes it: BININT1/BININT2/BININT, else LONG1. */
void pk_pickle__w_int(pk_pwriter *w, int64_t v);

/* BINFLOAT: a big-endian IEEE-754 double. */
void pk_pickle__w_float(pk_pwriter *w, double v);

/*
 * A string: SHORT_BINUNICODE or BINUNICODE when the bytes are UTF-8 (as
 * pk_utf8_ok() accepts), else SHORT_BINSTRING or BINSTRING, the
 * Python 2 str a non-UTF-8 name came from. Returns false (nothing
 * written) when len does not fit a 32-bit length.
 */
bool pk_pickle__w_str(pk_pwriter *w, const void *s, size_t len);

/* MEMOIZE; returns the memo index it stored. */
uint32_t pk_pickle__w_memoize(pk_pwriter *w);

/* BINGET or LONG_BINGET of memo entry idx. */
void pk_pickle__w_get(pk_pwriter *w, uint32_t idx);

#endif
