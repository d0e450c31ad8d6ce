#include "marshal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "hashidx.h"
#include "utf8.h"

enum { LAYOUT_UNKNOWN = -1 };

/*
 * Code object layouts after the 'c' byte (FORMATS.md 1.2). A pstats file
 * has no version field, so the first code object is tried against each
 * layout in turn; type checks on the fields reject wrong guesses early.
 *   i = raw int32, l = raw int32 co_firstlineno, b = bytes (any string
 *   type), t = tuple, f = co_filename, n = co_name, s = str (co_qualname)
 */
static const char *const code_layouts[] = {
    "iiiii" "bttt" "b" "fns" "l" "bb", /* 3.11 - 3.13 */
    "iiiiii" "bttttt" "fn" "l" "b",    /* 3.8 - 3.10 */
    "iiiii" "bttttt" "fn" "l" "b",     /* 3.0 - 3.7 */
    "iiii" "bttttt" "fn" "l" "b",      /* 2.7 */
};
#define N_LAYOUTS ((int)(sizeof code_layouts / sizeof code_layouts[0]))

static bool read_obj(pk_mval *out, pk_marshal *m, bool allow_null);

void pk_marshal__init(pk_marshal *m, const uint8_t *buf, size_t len,
                      const char *format, pk_error *err)
{
    memset(m, 0, sizeof *m);
    pk_rd_init(&m->rd, buf, len, format, err);
    m->layout = LAYOUT_UNKNOWN;
    m->hash_budget = len < (SIZE_MAX - 4096) / 4 ? 4 * len + 4096 : SIZE_MAX;
    m->c_numeric = (locale_t)0;
}

void pk_marshal__dispose(pk_marshal *m)
{
    pk_free(m->nodes);
    pk_free(m->kept);
    pk_free(m->refs);
    pk_free(m->strs);
    pk_free(m->stack);
    if (m->c_numeric != (locale_t)0)
        freelocale(m->c_numeric);
    memset(m, 0, sizeof *m);
}

bool pk_marshal__reserve(pk_marshal *m, size_t refs, size_t kept)
{
    return pk_grow((void **)&m->refs, &m->refs_cap, refs, sizeof *m->refs) &&
           pk_grow((void **)&m->kept, &m->kept_cap, kept, sizeof *m->kept);
}

bool pk_marshal__nomem(pk_marshal *m, size_t at)
{
    return pk_rd_fail(&m->rd, PK_ENOMEM, at, "out of memory");
}

/* ---- scratch tables ---- */

static bool push(pk_marshal *m, pk_mval **items, size_t *n, size_t *cap,
                 const pk_mval *v)
{
    if (!pk_grow((void **)items, cap, *n + 1, sizeof **items))
        return pk_marshal__nomem(m, v->at);
    (*items)[(*n)++] = *v;
    return true;
}

/* Appends n uninitialised nodes for the items of v (to the kept array
 * inside flagged containers) and sets v->kept and v->u.first. */
static bool alloc_nodes(pk_mval *v, pk_marshal *m, size_t n)
{
    bool kept = m->keep_depth > 0;
    pk_mval **items = kept ? &m->kept : &m->nodes;
    size_t *len = kept ? &m->nkept : &m->nnodes;
    size_t need;

    if (!pk_size_add(&need, *len, n) ||
        !pk_grow((void **)items, kept ? &m->kept_cap : &m->nodes_cap, need,
                 sizeof **items))
        return pk_marshal__nomem(m, v->at);
    v->kept = kept;
    v->u.first = *len;
    *len = need;
    return true;
}

static pk_mval *node(pk_marshal *m, const pk_mval *v, size_t i)
{
    return (v->kept ? m->kept : m->nodes) + v->u.first + i;
}

/* Containers take their reference slot before their items are read (the
 * order CPython numbers them in); the slot stays PENDING until finished.
 * Until then, everything read goes to the kept node array. */
static bool reserve_ref(size_t *slot, pk_marshal *m, const pk_mval *v, unsigned flag)
{
    pk_mval pending = *v;

    if (!flag)
        return true;
    pending.kind = PK_M_PENDING;
    pending.shared = 1;
    *slot = m->nrefs;
    m->keep_depth++;
    return push(m, &m->refs, &m->nrefs, &m->refs_cap, &pending);
}

static bool finish_ref(pk_marshal *m, unsigned flag, size_t slot, const pk_mval *v)
{
    if (flag) {
        m->refs[slot] = *v;
        m->refs[slot].shared = 1;
        m->keep_depth--;
    }
    return true;
}

/* ---- scalars ---- */

static bool read_null(pk_mval *out, pk_marshal *m, bool allow_null)
{
    if (!allow_null)
        return pk_rd_fail(&m->rd, PK_EFORMAT, out->at,
                          "marshal NULL where an object was expected");
    out->kind = PK_M_NULL;
    return true;
}

static bool read_int64(pk_mval *out, pk_marshal *m)
{
    uint64_t u = pk_rd_u64le(&m->rd, out->at, "marshal int64");

    /* Two's complement without implementation-defined conversion. */
    out->u.i = u <= INT64_MAX ? (int64_t)u : -(int64_t)(UINT64_MAX - u) - 1;
    out->kind = PK_M_INT;
    return !m->rd.failed;
}

/* Adds base-2^15 digit k to a magnitude; false once it exceeds 64 bits. */
static bool add_digit(uint64_t *mag, uint64_t k, uint64_t d)
{
    if (d == 0)
        return true;
    if (k > 4 || (k == 4 && d >= 16))
        return false;
    *mag |= d << (15 * k);
    return true;
}

/* Applies the sign; false if the value is outside int64. */
static bool signed_value(int64_t *out, uint64_t mag, bool negative)
{
    if (!negative) {
        if (mag > INT64_MAX)
            return false;
        *out = (int64_t)mag;
    } else {
        if (mag > (uint64_t)INT64_MAX + 1)
            return false;
        *out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    }
    return true;
}

/* TYPE_LONG. Values outside int64 are kept as PK_M_BIGINT, not rejected:
 * code object constants may hold any integer, and only pstats knows
 * whether a number must fit. */
static bool read_long(pk_mval *out, pk_marshal *m)
{
    size_t at = out->at;
    int32_t n = pk_rd_i32le(&m->rd, at, "marshal long");
    uint64_t ndigits = n < 0 ? (uint64_t)(-(int64_t)n) : (uint64_t)n;
    uint64_t mag = 0, k;
    bool fits = true;

    if (!pk_rd_count(&m->rd, at, ndigits, 2, "marshal long digit"))
        return false;
    for (k = 0; k < ndigits; k++) {
        uint16_t d = pk_rd_u16le(&m->rd, at, "marshal long");
        if (d >= 0x8000)
            return pk_rd_fail(&m->rd, PK_EFORMAT, at,
                              "marshal long digit 0x%04x out of range", d);
        if (d == 0 && k + 1 == ndigits)
            return pk_rd_fail(&m->rd, PK_EFORMAT, at, "unnormalized marshal long");
        fits = fits && add_digit(&mag, k, d);
    }
    fits = fits && signed_value(&out->u.i, mag, n < 0);
    out->kind = fits ? PK_M_INT : PK_M_BIGINT;
    return !m->rd.failed;
}

/* What Python's float() accepts without whitespace: digits, sign, point,
 * exponent, inf/infinity/nan. strtod alone would also take hex and
 * "nan(...)". */
static bool float_text_ok(const char *s, size_t n)
{
    static const char allowed[] = "0123456789.+-eEiInNfFtTyYaA";
    size_t i;

    if (n == 0)
        return false;
    for (i = 0; i < n; i++) {
        if (s[i] == '\0' || !strchr(allowed, s[i]))
            return false;
    }
    return true;
}

/* One text float: u8 length + ASCII (marshal versions 0 and 1). Parsed in
 * the C locale, whatever the application set, so "0.5" never depends on
 * LC_NUMERIC. */
static bool read_text_float(double *out, pk_marshal *m, size_t at)
{
    uint8_t n = pk_rd_u8(&m->rd, at, "marshal float");
    const uint8_t *s = pk_rd_view(&m->rd, at, n, "marshal float");
    char text[256];
    char *end;
    locale_t old;

    if (!s)
        return false;
    memcpy(text, s, n);
    text[n] = '\0';
    if (!float_text_ok(text, n))
        return pk_rd_fail(&m->rd, PK_EFORMAT, at, "bad marshal float text");
    if (m->c_numeric == (locale_t)0) {
        m->c_numeric = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
        if (m->c_numeric == (locale_t)0)
            return pk_marshal__nomem(m, at);
    }
    old = uselocale(m->c_numeric);
    *out = strtod(text, &end);
    uselocale(old);
    if (end != text + n)
        return pk_rd_fail(&m->rd, PK_EFORMAT, at, "bad marshal float text");
    return true;
}

static bool read_complex(pk_mval *out, pk_marshal *m)
{
    double re, im;

    out->kind = PK_M_COMPLEX;
    if (out->code == 'y') {
        pk_rd_view(&m->rd, out->at, 16, "marshal complex");
        return !m->rd.failed;
    }
    return read_text_float(&re, m, out->at) && read_text_float(&im, m, out->at);
}

static bool read_string(pk_mval *out, pk_marshal *m)
{
    size_t at = out->at;
    uint32_t len;
    const uint8_t *s;

    if (out->code == 'z' || out->code == 'Z') {
        len = pk_rd_u8(&m->rd, at, "marshal string");
    } else {
        int32_t n = pk_rd_i32le(&m->rd, at, "marshal string");
        if (n < 0)
            return pk_rd_fail(&m->rd, PK_EFORMAT, at,
                              "negative marshal string length %ld", (long)n);
        len = (uint32_t)n;
    }
    s = pk_rd_view(&m->rd, at, len, "marshal string");
    if (!s)
        return false;
    out->kind = PK_M_STR;
    out->n = len;
    out->u.s = s;
    /* Python 2 numbers its interned strings for TYPE_STRINGREF. */
    if (out->code == 't') {
        out->shared = 1;
        return push(m, &m->strs, &m->nstrs, &m->strs_cap, out);
    }
    return true;
}

static bool read_stringref(pk_mval *out, pk_marshal *m)
{
    size_t at = out->at;
    int32_t i = pk_rd_i32le(&m->rd, at, "marshal string reference");

    if (m->rd.failed)
        return false;
    if (i < 0 || (uint32_t)i >= m->nstrs)
        return pk_rd_fail(&m->rd, PK_EFORMAT, at, "string reference %ld out of "
                          "range (%zu interned strings so far)", (long)i, m->nstrs);
    *out = m->strs[i];
    out->at = at;
    return true;
}

/* Objects without items. FLAG_REF is handled by the caller. */
static bool read_scalar(pk_mval *out, pk_marshal *m)
{
    switch (out->code) {
    case 'i':
        out->kind = PK_M_INT;
        out->u.i = pk_rd_i32le(&m->rd, out->at, "marshal int");
        return !m->rd.failed;
    case 'I':
        return read_int64(out, m);
    case 'l':
        return read_long(out, m);
    case 'g':
        out->kind = PK_M_FLOAT;
        out->u.f = pk_rd_f64le(&m->rd, out->at, "marshal float");
        return !m->rd.failed;
    case 'f':
        out->kind = PK_M_FLOAT;
        return read_text_float(&out->u.f, m, out->at);
    case 'y': case 'x':
        return read_complex(out, m);
    case 's': case 't': case 'u': case 'a': case 'A': case 'z': case 'Z':
        return read_string(out, m);
    case 'R':
        return read_stringref(out, m);
    default:
        return pk_rd_fail(&m->rd, PK_EFORMAT, out->at,
                          "unknown marshal type code 0x%02x", out->code);
    }
}

/* ---- references ---- */

static const char *container_name(uint8_t code)
{
    switch (code) {
    case '{': return "dict";
    case '[': return "list";
    case '<': return "set";
    case '>': return "frozenset";
    case 'c': return "code object";
    default: return "tuple";
    }
}

static bool read_ref(pk_mval *out, pk_marshal *m)
{
    size_t at = out->at;
    int32_t i = pk_rd_i32le(&m->rd, at, "marshal reference");

    if (m->rd.failed)
        return false;
    if (i < 0 || (uint32_t)i >= m->nrefs)
        return pk_rd_fail(&m->rd, PK_EFORMAT, at,
                          "reference %ld out of range (%zu objects so far)",
                          (long)i, m->nrefs);
    /* CPython refuses these too (tuples, code) or would build a cycle
     * (dicts); no pstats shape contains one. */
    if (m->refs[i].kind == PK_M_PENDING)
        return pk_rd_fail(&m->rd, PK_EFORMAT, at,
                          "reference %ld to a %s that is still being read",
                          (long)i, container_name(m->refs[i].code));
    *out = m->refs[i];
    out->at = at;
    return true;
}

/* ---- containers ---- */

static bool read_count(uint32_t *n, pk_marshal *m, const pk_mval *v)
{
    const char *what = container_name(v->code);
    int32_t count;

    if (v->code == ')') {
        *n = pk_rd_u8(&m->rd, v->at, "marshal tuple");
        return !m->rd.failed;
    }
    count = pk_rd_i32le(&m->rd, v->at, "marshal container size");
    if (m->rd.failed)
        return false;
    if (count < 0)
        return pk_rd_fail(&m->rd, PK_EFORMAT, v->at, "negative marshal %s size %ld",
                          what, (long)count);
    *n = (uint32_t)count;
    /* Every item takes at least one byte: a lying count cannot make us
     * allocate more than the input could fill. */
    return pk_rd_count(&m->rd, v->at, *n, 1,
                       v->code == '(' ? "marshal tuple" :
                       v->code == '[' ? "marshal list" : "marshal set");
}

static uint8_t seq_kind(uint8_t code)
{
    switch (code) {
    case '[': return PK_M_LIST;
    case '<': return PK_M_SET;
    case '>': return PK_M_FROZENSET;
    default: return PK_M_TUPLE;
    }
}

/* Tuples, lists and sets: a count, then the items. */
static bool read_seq(pk_mval *out, pk_marshal *m, unsigned flag)
{
    size_t slot = 0, i;
    uint32_t n = 0;
    pk_mval item;

    if (!read_count(&n, m, out))
        return false;
    if (!reserve_ref(&slot, m, out, flag))
        return false;
    if (!pk_rd_enter(&m->rd, out->at) || !alloc_nodes(out, m, n))
        return false;
    for (i = 0; i < n; i++) {
        if (!read_obj(&item, m, false))
            return false;
        *node(m, out, i) = item;
    }
    pk_rd_leave(&m->rd);
    out->kind = seq_kind(out->code);
    out->n = n;
    return finish_ref(m, flag, slot, out);
}

/* A dict has no count: items collect on the stack (nested dicts stack
 * above them) and move into one node block at the NULL. */
static bool read_dict(pk_mval *out, pk_marshal *m, unsigned flag)
{
    size_t slot = 0, base = m->nstack, nitems;
    pk_mval key, value;

    if (!reserve_ref(&slot, m, out, flag))
        return false;
    if (!pk_rd_enter(&m->rd, out->at))
        return false;
    for (;;) {
        if (!read_obj(&key, m, true))
            return false;
        if (key.kind == PK_M_NULL)
            break;
        if (!read_obj(&value, m, false) ||
            !push(m, &m->stack, &m->nstack, &m->stack_cap, &key) ||
            !push(m, &m->stack, &m->nstack, &m->stack_cap, &value))
            return false;
    }
    pk_rd_leave(&m->rd);
    nitems = m->nstack - base;
    if (nitems / 2 > UINT32_MAX)
        return pk_rd_fail(&m->rd, PK_EFORMAT, out->at, "marshal dict too large");
    if (!alloc_nodes(out, m, nitems))
        return false;
    if (nitems)
        memcpy(node(m, out, 0), m->stack + base, nitems * sizeof *m->stack);
    m->nstack = base;
    out->kind = PK_M_DICT;
    out->n = (uint32_t)(nitems / 2);
    return finish_ref(m, flag, slot, out);
}

/* ---- code objects ---- */

/*
 * A hash of a value with references resolved, so that equal code objects
 * hash equal however they were marshalled (Python 2 writes a repeated
 * string as 't' once and 'R' after). References can make a value much
 * larger than its bytes, so the work has a budget linked to the input
 * size and a depth cap; past either, parts hash as a constant, which is
 * still deterministic for a given file.
 */
static uint64_t value_hash(pk_marshal *m, const pk_mval *v, unsigned depth)
{
    uint64_t h = pk_hash_mix(0, v->kind == PK_M_BOOL ? PK_M_INT : v->kind);
    size_t cost = v->kind == PK_M_STR ? 1 + v->n / 8 : 1, i, n;
    uint64_t bits;

    if (cost > m->hash_budget || depth > m->rd.max_depth)
        return h;
    m->hash_budget -= cost;
    switch (v->kind) {
    case PK_M_STR:
        return pk_hash_mix(h, pk_hash_bytes(v->u.s, v->n));
    case PK_M_INT: case PK_M_BOOL:
        return pk_hash_mix(h, (uint64_t)v->u.i);
    case PK_M_FLOAT:
        memcpy(&bits, &v->u.f, sizeof bits);
        return pk_hash_mix(h, bits);
    case PK_M_CODE:
        return pk_hash_mix(h, node(m, v, 3)->u.h);
    case PK_M_TUPLE: case PK_M_LIST: case PK_M_SET: case PK_M_FROZENSET: case PK_M_DICT:
        n = v->kind == PK_M_DICT ? 2 * (size_t)v->n : v->n;
        for (i = 0; i < n; i++)
            h = pk_hash_mix(h, value_hash(m, node(m, v, i), depth + 1));
        return pk_hash_mix(h, n);
    default:
        return h;
    }
}

static bool field_type_ok(char field, const pk_mval *v)
{
    return field == 't' ? v->kind == PK_M_TUPLE : v->kind == PK_M_STR;
}

/* Reads the fields of one layout; sum gets filename, name, firstlineno
 * and the hash of all fields. */
static bool read_code_fields(pk_mval sum[4], pk_marshal *m, int layout, size_t at)
{
    const char *f;
    pk_mval v;
    char found[32];
    uint64_t h = pk_hash_mix(0, (uint64_t)layout);

    for (f = code_layouts[layout]; *f && !m->rd.failed; f++) {
        if (*f == 'i' || *f == 'l') {
            int32_t x = pk_rd_i32le(&m->rd, at, "marshal code object");
            h = pk_hash_mix(h, (uint64_t)(int64_t)x);
            if (*f == 'l') {
                memset(&sum[2], 0, sizeof sum[2]);
                sum[2].kind = PK_M_INT;
                sum[2].code = 'i';
                sum[2].at = at;
                sum[2].u.i = x;
            }
            continue;
        }
        if (!read_obj(&v, m, false))
            return false;
        if (!field_type_ok(*f, &v))
            return pk_rd_fail(&m->rd, PK_EFORMAT, v.at,
                              "marshal code object field is %s, expected a %s",
                              pk_marshal__describe(found, sizeof found, &v),
                              *f == 't' ? "tuple" : "string");
        h = pk_hash_mix(h, value_hash(m, &v, 0));
        if (*f == 'f')
            sum[0] = v;
        else if (*f == 'n')
            sum[1] = v;
    }
    memset(&sum[3], 0, sizeof sum[3]);
    sum[3].kind = PK_M_OTHER;
    sum[3].u.h = h;
    return !m->rd.failed;
}

typedef struct reader_state {
    size_t pos, nnodes, nkept, nrefs, nstrs, nstack, hash_budget;
    unsigned depth, keep_depth;
} reader_state;

static reader_state save_state(const pk_marshal *m)
{
    reader_state s = {m->rd.pos, m->nnodes, m->nkept, m->nrefs, m->nstrs,
                      m->nstack, m->hash_budget, m->rd.depth, m->keep_depth};
    return s;
}

static void restore_state(pk_marshal *m, const reader_state *s)
{
    m->rd.pos = s->pos;
    m->rd.depth = s->depth;
    m->rd.failed = false;
    m->nnodes = s->nnodes;
    m->nkept = s->nkept;
    m->nrefs = s->nrefs;
    m->nstrs = s->nstrs;
    m->nstack = s->nstack;
    m->hash_budget = s->hash_budget;
    m->keep_depth = s->keep_depth;
}

/*
 * The first code object decides the layout for the whole file: each trial
 * reads nested code objects with the layout being tried only, so a file
 * costs at most N_LAYOUTS reads of one code object, never a search tree.
 * Trial errors go to a scratch pk_error. Out of memory is real; so is
 * running out of input (a truncated file), which is reported as such.
 */
static bool find_layout(pk_mval sum[4], pk_marshal *m, size_t at)
{
    reader_state s = save_state(m);
    pk_error *real = m->rd.err;
    pk_error scratch = PK_ERROR_INIT, truncated = PK_ERROR_INIT;
    int i;

    for (i = 0; i < N_LAYOUTS; i++) {
        m->layout = i;
        m->rd.err = &scratch;
        if (read_code_fields(sum, m, i, at)) {
            m->rd.err = real;
            return true;
        }
        m->rd.err = real;
        restore_state(m, &s);
        if (scratch.code == PK_ENOMEM)
            return pk_marshal__nomem(m, at);
        if (strncmp(scratch.msg, "truncated ", 10) == 0 && truncated.code == PK_OK)
            truncated = scratch;
        pk_error_clear(&scratch);
    }
    m->layout = LAYOUT_UNKNOWN;
    if (truncated.code != PK_OK) {
        m->rd.failed = true;
        pk_error_set(real, truncated.code, truncated.format, truncated.offset, "%s",
                     truncated.msg);
        return false;
    }
    return pk_rd_fail(&m->rd, PK_EFORMAT, at,
                      "marshal code object matches no known python layout");
}

/* Keeps only what a pstats key needs: filename, name, firstlineno and
 * something to tell different code objects apart. */
static bool read_code(pk_mval *out, pk_marshal *m, unsigned flag)
{
    size_t slot = 0;
    pk_mval sum[4];

    if (!reserve_ref(&slot, m, out, flag))
        return false;
    if (!pk_rd_enter(&m->rd, out->at))
        return false;
    if (m->layout == LAYOUT_UNKNOWN ? !find_layout(sum, m, out->at)
                                    : !read_code_fields(sum, m, m->layout, out->at))
        return false;
    pk_rd_leave(&m->rd);
    if (!alloc_nodes(out, m, 4))
        return false;
    memcpy(node(m, out, 0), sum, sizeof sum);
    out->kind = PK_M_CODE;
    return finish_ref(m, flag, slot, out);
}

/* ---- objects ---- */

static bool read_obj(pk_mval *out, pk_marshal *m, bool allow_null)
{
    size_t at = m->rd.pos;
    uint8_t byte = pk_rd_u8(&m->rd, at, "marshal object");
    unsigned flag = byte & PK_MARSHAL_FLAG_REF;

    if (m->rd.failed)
        return false;
    memset(out, 0, sizeof *out);
    out->code = (uint8_t)(byte & ~PK_MARSHAL_FLAG_REF);
    out->at = at;
    /* Like CPython, singletons, NULL and references ignore FLAG_REF. */
    switch (out->code) {
    case '0':
        return read_null(out, m, allow_null);
    case 'N':
        out->kind = PK_M_NONE;
        return true;
    case 'T': case 'F':
        out->kind = PK_M_BOOL;
        out->u.i = out->code == 'T';
        return true;
    case 'S': case '.':
        out->kind = PK_M_OTHER;
        return true;
    case 'r':
        return read_ref(out, m);
    case '(': case ')': case '[': case '<': case '>':
        return read_seq(out, m, flag);
    case '{':
        return read_dict(out, m, flag);
    case 'c':
        return read_code(out, m, flag);
    default:
        if (!read_scalar(out, m))
            return false;
        if (!flag)
            return true;
        out->shared = 1;
        return push(m, &m->refs, &m->nrefs, &m->refs_cap, out);
    }
}

bool pk_marshal__read(pk_mval *out, pk_marshal *m, bool allow_null)
{
    if (m->rd.failed)
        return false;
    return read_obj(out, m, allow_null);
}

/* ---- the numbers fast path ---- */

/* Little-endian loads from bytes already known to be there. */
static inline uint32_t load_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline int32_t load_i32le(const uint8_t *p)
{
    uint32_t u = load_u32le(p);
    return u <= INT32_MAX ? (int32_t)u : -(int32_t)(UINT32_MAX - u) - 1;
}

static inline double load_f64le(const uint8_t *p)
{
    uint64_t bits = (uint64_t)load_u32le(p) | (uint64_t)load_u32le(p + 4) << 32;
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* Takes the reference slot of a flagged number read at offset at, as
 * read_obj() does; false when out of memory. */
static bool push_number(pk_marshal *m, uint8_t kind, uint8_t code, size_t at, int64_t i,
                        double f)
{
    pk_mval *v;

    if (!pk_grow((void **)&m->refs, &m->refs_cap, m->nrefs + 1, sizeof *m->refs))
        return false;
    v = &m->refs[m->nrefs++];
    memset(v, 0, sizeof *v);
    v->kind = kind;
    v->code = code;
    v->shared = 1;
    v->at = at;
    if (kind == PK_M_FLOAT)
        v->u.f = f;
    else
        v->u.i = i;
    return true;
}

/*
 * One item at p (offset at) as read_obj() would make it, when it is an
 * 'i', flagged or not, or a reference to an int; or, when `number`, also
 * a 'g' or a reference to a float, the int then as a double. A flagged
 * item takes its reference slot. Returns the bytes it took, or 0 to give
 * up (any other item, or out of memory: the general reader meets that
 * again and reports it). The caller made sure 9 bytes are there.
 */
static inline size_t raw_number(int64_t *i, double *f, pk_marshal *m, const uint8_t *p,
                                size_t at, bool number)
{
    uint8_t code = (uint8_t)(p[0] & ~PK_MARSHAL_FLAG_REF);
    bool flagged = p[0] & PK_MARSHAL_FLAG_REF;
    const pk_mval *t;
    uint32_t ref;

    if (code == 'r') {
        ref = load_u32le(p + 1);
        if (ref >= m->nrefs)
            return 0;
        t = &m->refs[ref];
        if (t->kind == PK_M_INT) {
            *i = t->u.i;
            *f = (double)t->u.i;
        } else if (t->kind == PK_M_FLOAT && number) {
            *f = t->u.f;
        } else {
            return 0;
        }
        return 5;
    }
    if (code == 'i') {
        *i = load_i32le(p + 1);
        *f = (double)*i;
        return !flagged || push_number(m, PK_M_INT, code, at, *i, 0.0) ? 5 : 0;
    }
    if (code == 'g' && number) {
        *f = load_f64le(p + 1);
        return !flagged || push_number(m, PK_M_FLOAT, code, at, 0, *f) ? 9 : 0;
    }
    return 0;
}

/* The header of an unflagged tuple of n items at p: bytes taken, or 0. */
static inline size_t raw_tuple_header(const uint8_t *p, uint32_t n)
{
    if (p[0] == ')')
        return p[1] == n ? 2 : 0;
    return p[0] == '(' && load_u32le(p + 1) == n ? 5 : 0;
}

bool pk_marshal__stat_numbers(pk_marshal *m, uint32_t n, int64_t ints[2], double nums[2])
{
    const uint8_t *start = m->rd.buf + m->rd.pos, *p = start;
    size_t nrefs = m->nrefs, used;
    int64_t unused_i;
    double unused_f;
    int k;

    /* The longest shape: a 5-byte header and four 9-byte floats. */
    if (m->rd.failed || m->rd.depth >= m->rd.max_depth || pk_rd_left(&m->rd) < 5 + 4 * 9 ||
        !(used = raw_tuple_header(p, n)))
        return false;
    for (k = 0, p += used; k < 4; k++, p += used) {
        used = k < 2 ? raw_number(&ints[k], &unused_f, m, p, (size_t)(p - m->rd.buf), false)
                     : raw_number(&unused_i, &nums[k - 2], m, p, (size_t)(p - m->rd.buf), true);
        if (!used) {
            m->nrefs = nrefs;
            return false;
        }
    }
    m->rd.pos += (size_t)(p - start);
    if (n > 4)
        m->rd.depth++;
    return true;
}

void pk_marshal__tuple_close(pk_marshal *m)
{
    pk_rd_leave(&m->rd);
}

/* ---- the key tuple fast path ---- */

/* Takes a reference slot for a flagged object, as read_obj() does, but
 * gives up silently when out of memory (the general reader meets it
 * again and reports it). */
static bool fast_push_ref(pk_marshal *m, const pk_mval *v)
{
    if (!pk_grow((void **)&m->refs, &m->refs_cap, m->nrefs + 1, sizeof *m->refs))
        return false;
    m->refs[m->nrefs++] = *v;
    return true;
}

/* One string of a key, as read_obj() makes it: 'z'/'Z' (u8 length) or
 * 'a'/'A'/'u'/'s' (int32 length), flagged or not, or a reference to a
 * string. Python 2's 't' and anything else is left to the general reader.
 * Only reads that fit the bytes left are made, so none can fail. */
static bool fast_key_str(pk_mval *out, pk_marshal *m)
{
    size_t at = m->rd.pos, left = pk_rd_left(&m->rd);
    uint8_t byte, code;
    int32_t i;
    uint32_t len;

    if (left < 5)
        return false;
    byte = pk_rd_u8(&m->rd, at, "marshal object");
    code = (uint8_t)(byte & ~PK_MARSHAL_FLAG_REF);
    if (code == 'r') {
        i = pk_rd_i32le(&m->rd, at, "marshal reference");
        if (i < 0 || (uint32_t)i >= m->nrefs || m->refs[i].kind != PK_M_STR)
            return false;
        *out = m->refs[i];
        out->at = at;
        return true;
    }
    if (code == 'z' || code == 'Z') {
        len = pk_rd_u8(&m->rd, at, "marshal string");
        left -= 2;
    } else if (code == 'a' || code == 'A' || code == 'u' || code == 's') {
        i = pk_rd_i32le(&m->rd, at, "marshal string");
        if (i < 0)
            return false;
        len = (uint32_t)i;
        left -= 5;
    } else {
        return false;
    }
    if (len > left)
        return false;
    memset(out, 0, sizeof *out);
    out->kind = PK_M_STR;
    out->code = code;
    out->at = at;
    out->n = len;
    out->u.s = pk_rd_view(&m->rd, at, len, "marshal string");
    if (!(byte & PK_MARSHAL_FLAG_REF))
        return true;
    out->shared = 1;
    return fast_push_ref(m, out);
}

/* The line number of a key: an 'i', flagged or not, or a reference to an
 * int (of any origin: read_obj() would copy it just the same). */
static bool fast_key_int(pk_mval *out, pk_marshal *m)
{
    size_t at = m->rd.pos;
    uint8_t byte, code;
    int32_t i;

    if (pk_rd_left(&m->rd) < 5)
        return false;
    byte = pk_rd_u8(&m->rd, at, "marshal object");
    code = (uint8_t)(byte & ~PK_MARSHAL_FLAG_REF);
    i = pk_rd_i32le(&m->rd, at, "marshal int");
    if (code == 'r') {
        if (i < 0 || (uint32_t)i >= m->nrefs || m->refs[i].kind != PK_M_INT)
            return false;
        *out = m->refs[i];
        out->at = at;
        return true;
    }
    if (code != 'i')
        return false;
    memset(out, 0, sizeof *out);
    out->kind = PK_M_INT;
    out->code = 'i';
    out->at = at;
    out->u.i = i;
    if (!(byte & PK_MARSHAL_FLAG_REF))
        return true;
    out->shared = 1;
    return fast_push_ref(m, out);
}

/* The header of a 3-tuple, flagged or not: sets out->code, *flag gets
 * FLAG_REF. */
static bool fast_key_header(pk_mval *out, unsigned *flag, pk_marshal *m)
{
    size_t at = m->rd.pos;
    uint8_t byte;

    if (pk_rd_left(&m->rd) < 5)
        return false;
    byte = pk_rd_u8(&m->rd, at, "marshal object");
    out->code = (uint8_t)(byte & ~PK_MARSHAL_FLAG_REF);
    *flag = byte & PK_MARSHAL_FLAG_REF;
    if (out->code == ')')
        return pk_rd_u8(&m->rd, at, "marshal tuple") == 3;
    return out->code == '(' && pk_rd_u32le(&m->rd, at, "marshal container size") == 3;
}

/* The key's items, into nodes allocated as alloc_nodes() does (in the kept
 * array inside flagged containers); false on any other shape. */
static bool fast_key_items(pk_mval *out, pk_marshal *m)
{
    bool kept = m->keep_depth > 0;
    pk_mval **items = kept ? &m->kept : &m->nodes;
    size_t *len = kept ? &m->nkept : &m->nnodes;
    pk_mval item[3];

    if (!fast_key_str(&item[0], m) || !fast_key_int(&item[1], m) ||
        !fast_key_str(&item[2], m) ||
        !pk_grow((void **)items, kept ? &m->kept_cap : &m->nodes_cap, *len + 3,
                 sizeof **items))
        return false;
    out->kept = kept;
    out->u.first = *len;
    memcpy(*items + *len, item, sizeof item);
    *len += 3;
    return true;
}

/* A reference to a finished object of any kind, as read_ref() resolves
 * it; anything else is left to the general reader, untouched. */
static bool fast_key_ref(pk_mval *out, pk_marshal *m)
{
    pk_rd rd = m->rd;
    size_t at = rd.pos;
    int32_t i;

    if (pk_rd_left(&rd) < 5 || pk_rd_u8(&rd, at, "marshal object") != 'r')
        return false;
    i = pk_rd_i32le(&rd, at, "marshal reference");
    if (i < 0 || (uint32_t)i >= m->nrefs || m->refs[i].kind == PK_M_PENDING)
        return false;
    *out = m->refs[i];
    out->at = at;
    m->rd.pos = rd.pos;
    return true;
}

bool pk_marshal__key_tuple(pk_mval *out, pk_marshal *m)
{
    reader_state s;
    pk_mval pending;
    size_t slot;
    unsigned flag = 0;

    if (m->rd.failed || m->rd.depth >= m->rd.max_depth)
        return false;
    /* Most keys of callers dicts name a key tuple seen before. */
    if (fast_key_ref(out, m))
        return true;
    s = save_state(m);
    memset(out, 0, sizeof *out);
    out->at = m->rd.pos;
    if (!fast_key_header(out, &flag, m))
        goto give_up;
    /* A flagged tuple takes its slot before its items (reserve_ref()). */
    slot = m->nrefs;
    if (flag) {
        pending = *out;
        pending.kind = PK_M_PENDING;
        pending.shared = 1;
        if (!fast_push_ref(m, &pending))
            goto give_up;
        m->keep_depth++;
    }
    if (!fast_key_items(out, m))
        goto give_up;
    out->kind = PK_M_TUPLE;
    out->n = 3;
    if (flag) {
        m->refs[slot] = *out;
        m->refs[slot].shared = 1;
        m->keep_depth--;
    }
    return true;
give_up:
    restore_state(m, &s);
    return false;
}

/* True if the next type byte has FLAG_REF set. */
static bool pk_marshal__peek_flagged(const pk_marshal *m)
{
    pk_rd copy = m->rd;

    return pk_rd_u8(&copy, copy.pos, "marshal object") & PK_MARSHAL_FLAG_REF;
}

int pk_marshal__peek(const pk_marshal *m)
{
    pk_rd copy = m->rd;

    if (m->rd.failed || pk_rd_left(&m->rd) == 0)
        return -1;
    return pk_rd_u8(&copy, copy.pos, "marshal object") & ~PK_MARSHAL_FLAG_REF;
}

bool pk_marshal__dict_open(pk_marshal *m)
{
    size_t at = m->rd.pos, slot;
    uint8_t byte = pk_rd_u8(&m->rd, at, "marshal object");
    pk_mval v;

    if (m->rd.failed)
        return false;
    memset(&v, 0, sizeof v);
    v.code = (uint8_t)(byte & ~PK_MARSHAL_FLAG_REF);
    v.at = at;
    if (v.code != '{')
        return pk_rd_fail(&m->rd, PK_EFORMAT, at, "expected a marshal dict");
    /* Its slot is taken but stays PENDING for good: the streamed items
     * are not kept, so nothing can expand a reference to it. */
    if (byte & PK_MARSHAL_FLAG_REF) {
        if (!reserve_ref(&slot, m, &v, 1))
            return false;
        m->keep_depth--;
    }
    return pk_rd_enter(&m->rd, at);
}

bool pk_marshal__plain_dict_open(pk_marshal *m)
{
    if (pk_marshal__peek(m) != '{' || pk_marshal__peek_flagged(m))
        return false;
    return pk_marshal__dict_open(m);
}

void pk_marshal__dict_close(pk_marshal *m)
{
    pk_rd_leave(&m->rd);
}

size_t pk_marshal__mark(const pk_marshal *m)
{
    return m->nnodes;
}

void pk_marshal__release(pk_marshal *m, size_t mark)
{
    if (mark < m->nnodes)
        m->nnodes = mark;
}

const pk_mval *pk_marshal__item(const pk_marshal *m, const pk_mval *v, size_t i)
{
    return (v->kept ? m->kept : m->nodes) + v->u.first + i;
}

const char *pk_marshal__describe(char *buf, size_t n, const pk_mval *v)
{
    switch (v->kind) {
    case PK_M_NULL: return "a marshal NULL";
    case PK_M_NONE: return "None";
    case PK_M_BOOL: return "a bool";
    case PK_M_INT: return "an int";
    case PK_M_BIGINT: return "an int outside the 64-bit range";
    case PK_M_FLOAT: return "a float";
    case PK_M_COMPLEX: return "a complex";
    case PK_M_STR: return v->code == 's' ? "a byte string" : "a str";
    case PK_M_TUPLE:
        if (v->n == 0)
            return "an empty tuple";
        snprintf(buf, n, "a %lu-tuple", (unsigned long)v->n);
        return buf;
    case PK_M_LIST: return "a list";
    case PK_M_SET: return "a set";
    case PK_M_FROZENSET: return "a frozenset";
    case PK_M_DICT: return "a dict";
    case PK_M_CODE: return "a code object";
    case PK_M_OTHER: return v->code == 'S' ? "StopIteration" : "Ellipsis";
    default: return "an unfinished container";
    }
}

/* ---- writing ---- */

void pk_marshal__w_int(pk_buf *b, int64_t v)
{
    uint8_t digits[10];
    uint64_t mag;
    size_t nd = 0;

    if (v >= INT32_MIN && v <= INT32_MAX) {
        pk_buf_byte(b, 'i');
        pk_buf_u32le(b, (uint32_t)v);
        return;
    }
    /* Base 2^15 digits, least significant first, count carries the sign. */
    mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    while (mag) {
        digits[nd++] = (uint8_t)(mag & 0xff);
        digits[nd++] = (uint8_t)((mag >> 8) & 0x7f);
        mag >>= 15;
    }
    pk_buf_byte(b, 'l');
    pk_buf_u32le(b, v < 0 ? 0 - (uint32_t)(nd / 2) : (uint32_t)(nd / 2));
    pk_buf_append(b, digits, nd);
}

void pk_marshal__w_float(pk_buf *b, double v)
{
    pk_buf_byte(b, 'g');
    pk_buf_f64le(b, v);
}

bool pk_marshal__w_str(pk_buf *b, const char *s, size_t len, int version,
                       unsigned flag)
{
    const uint8_t *u = (const uint8_t *)s;
    uint8_t code;

    if (len > INT32_MAX)
        return false;
    if (!pk_utf8_ok(u, len))
        code = 's';
    else if (version < 4 || pk_utf8_ascii_prefix(u, len) < len)
        code = 'u';
    else
        code = len < 256 ? 'z' : 'a';
    pk_buf_byte(b, (uint8_t)(code | flag));
    if (code == 'z')
        pk_buf_byte(b, (uint8_t)len);
    else
        pk_buf_u32le(b, (uint32_t)len);
    pk_buf_append(b, s, len);
    return true;
}

void pk_marshal__w_tuple(pk_buf *b, uint32_t n, int version, unsigned flag)
{
    if (version >= 4 && n < 256) {
        pk_buf_byte(b, (uint8_t)(')' | flag));
        pk_buf_byte(b, (uint8_t)n);
    } else {
        pk_buf_byte(b, (uint8_t)('(' | flag));
        pk_buf_u32le(b, n);
    }
}

void pk_marshal__w_dict(pk_buf *b, unsigned flag)
{
    pk_buf_byte(b, (uint8_t)('{' | flag));
}

void pk_marshal__w_null(pk_buf *b)
{
    pk_buf_byte(b, '0');
}

void pk_marshal__w_ref(pk_buf *b, uint32_t index)
{
    pk_buf_byte(b, 'r');
    pk_buf_u32le(b, index);
}
