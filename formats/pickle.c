/*
 * A data-only pickle machine (see pickle.h). The opcode semantics follow
 * CPython's C unpickler (Modules/_pickle.c): a value stack with a MARK
 * stack beside it, where an opcode may only take values above the newest
 * MARK (the "fence"); a memo filled by MEMOIZE and the PUT opcodes; and
 * containers that stay mutable after they are pushed, so APPEND through a
 * memo reference changes the one list. Nothing is ever looked up or run:
 * a class is an entry of the caller's table, an instance a list of
 * attribute pairs.
 */
#include "pickle.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "utf8.h"

enum {
    OP_MARK = 0x28, OP_STOP = 0x2e, OP_POP = 0x30, OP_POP_MARK = 0x31, OP_DUP = 0x32,
    OP_FLOAT = 0x46, OP_INT = 0x49, OP_BININT = 0x4a, OP_BININT1 = 0x4b,
    OP_LONG = 0x4c, OP_BININT2 = 0x4d, OP_NONE = 0x4e, OP_PERSID = 0x50,
    OP_BINPERSID = 0x51, OP_REDUCE = 0x52, OP_STRING = 0x53, OP_BINSTRING = 0x54,
    OP_SHORT_BINSTRING = 0x55, OP_UNICODE = 0x56, OP_BINUNICODE = 0x58,
    OP_APPEND = 0x61, OP_BUILD = 0x62, OP_GLOBAL = 0x63, OP_DICT = 0x64,
    OP_EMPTY_DICT = 0x7d, OP_APPENDS = 0x65, OP_GET = 0x67, OP_BINGET = 0x68,
    OP_INST = 0x69, OP_LONG_BINGET = 0x6a, OP_LIST = 0x6c, OP_EMPTY_LIST = 0x5d,
    OP_OBJ = 0x6f, OP_PUT = 0x70, OP_BINPUT = 0x71, OP_LONG_BINPUT = 0x72,
    OP_SETITEM = 0x73, OP_TUPLE = 0x74, OP_EMPTY_TUPLE = 0x29, OP_SETITEMS = 0x75,
    OP_BINFLOAT = 0x47,
    OP_PROTO = 0x80, OP_NEWOBJ = 0x81, OP_EXT1 = 0x82, OP_EXT2 = 0x83,
    OP_EXT4 = 0x84, OP_TUPLE1 = 0x85, OP_TUPLE2 = 0x86, OP_TUPLE3 = 0x87,
    OP_NEWTRUE = 0x88, OP_NEWFALSE = 0x89, OP_LONG1 = 0x8a, OP_LONG4 = 0x8b,
    OP_BINBYTES = 0x42, OP_SHORT_BINBYTES = 0x43,
    OP_SHORT_BINUNICODE = 0x8c, OP_BINUNICODE8 = 0x8d, OP_BINBYTES8 = 0x8e,
    OP_EMPTY_SET = 0x8f, OP_ADDITEMS = 0x90, OP_FROZENSET = 0x91,
    OP_NEWOBJ_EX = 0x92, OP_STACK_GLOBAL = 0x93, OP_MEMOIZE = 0x94, OP_FRAME = 0x95,
    OP_BYTEARRAY8 = 0x96, OP_NEXT_BUFFER = 0x97, OP_READONLY_BUFFER = 0x98
};

/* Opcodes this machine refuses, by name, so the message says what the
 * file asked for (pickletools' names). */
static const struct {
    uint8_t op;
    const char *name;
} refused[] = {
    {OP_FLOAT, "FLOAT"}, {OP_LONG, "LONG"}, {OP_PERSID, "PERSID"},
    {OP_BINPERSID, "BINPERSID"}, {OP_REDUCE, "REDUCE"}, {OP_STRING, "STRING"},
    {OP_UNICODE, "UNICODE"}, {OP_GET, "GET"}, {OP_INST, "INST"}, {OP_OBJ, "OBJ"},
    {OP_PUT, "PUT"}, {OP_EXT1, "EXT1"}, {OP_EXT2, "EXT2"}, {OP_EXT4, "EXT4"},
    {OP_EMPTY_SET, "EMPTY_SET"}, {OP_ADDITEMS, "ADDITEMS"}, {OP_FROZENSET, "FROZENSET"},
    {OP_NEWOBJ_EX, "NEWOBJ_EX"}, {OP_BYTEARRAY8, "BYTEARRAY8"},
    {OP_NEXT_BUFFER, "NEXT_BUFFER"}, {OP_READONLY_BUFFER, "READONLY_BUFFER"},
};

/* Longest GLOBAL module or name line read (the allowed ones are short). */
#define GLOBAL_MAX 256
/* Longest INT text line ("-9223372036854775808" and a little room). */
#define INT_TEXT_MAX 64

void pk_pickle__init(pk_pickle *pk, const uint8_t *buf, size_t len,
                     const char *format, const pk_pclass *classes,
                     size_t nclasses, pk_error *err)
{
    memset(pk, 0, sizeof *pk);
    pk_rd_init(&pk->rd, buf, len, format, err);
    pk->classes = classes;
    pk->nclasses = nclasses;
}

void pk_pickle__dispose(pk_pickle *pk)
{
    size_t i;

    for (i = 0; i < pk->nseqs; i++)
        pk_free(pk->seqs[i].items);
    pk_free(pk->seqs);
    pk_free(pk->stack);
    pk_free(pk->marks);
    pk_free(pk->memo);
    pk_free(pk->titems);
    memset(pk, 0, sizeof *pk);
}

bool pk_pickle__fail(pk_pickle *pk, int code, size_t at, const char *fmt, ...)
{
    char msg[200];
    va_list ap;

    if (pk->rd.failed)
        return false;
    if (pk->status == PK_OK)
        pk->status = code;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return pk_rd_fail(&pk->rd, code, at, "%s", msg);
}

static bool nomem(pk_pickle *pk, size_t at)
{
    return pk_pickle__fail(pk, PK_ENOMEM, at, "out of memory");
}

/* ---- describing values ---- */

const char *pk_pickle__describe(char *buf, size_t n, const pk_pval *v)
{
    static const char *const names[] = {
        "None", "a bool", "an int", "an int", "a float", "a str", "a str",
        "a bytes object", "a tuple", "a list", "a dict", "a class", "an object",
    };

    if (v->kind == PK_P_TUPLE && v->n == 0)
        snprintf(buf, n, "an empty tuple");
    else if (v->kind == PK_P_TUPLE)
        snprintf(buf, n, "a %u-tuple", (unsigned)v->n);
    else
        snprintf(buf, n, "%s", v->kind < sizeof names / sizeof names[0]
                                   ? names[v->kind] : "a value");
    return buf;
}

bool pk_pickle__str_is(const pk_pval *v, const char *s)
{
    size_t len = strlen(s);
    return (v->kind == PK_P_STR || v->kind == PK_P_BSTR) && v->n == len &&
           (len == 0 || memcmp(v->u.s, s, len) == 0);
}

/* ---- the tables ---- */

static bool push(pk_pickle *pk, const pk_pval *v)
{
    pk_pval copy = *v; /* v may point into the stack (DUP), which may move */

    if (pk->nstack >= PK_PICKLE_MAX_STACK)
        return pk_pickle__fail(pk, PK_EFORMAT, copy.at,
                               "pickle stack deeper than %zu values", PK_PICKLE_MAX_STACK);
    if (!pk_grow((void **)&pk->stack, &pk->stack_cap, pk->nstack + 1, sizeof *pk->stack))
        return nomem(pk, copy.at);
    pk->stack[pk->nstack++] = copy;
    return true;
}

/* Height of the stack at the newest MARK: values below it are fenced off. */
static size_t fence(const pk_pickle *pk)
{
    return pk->nmarks ? pk->marks[pk->nmarks - 1] : 0;
}

/* Fails unless k values sit above the fence. */
static bool need(pk_pickle *pk, size_t k, size_t at, const char *op)
{
    if (pk->nstack - fence(pk) >= k)
        return true;
    return pk_pickle__fail(pk, PK_EFORMAT, at, "pickle stack underflow in %s", op);
}

/* Pops the newest MARK and returns the stack height it recorded. */
static bool pop_mark(size_t *height, pk_pickle *pk, size_t at, const char *op)
{
    if (pk->nmarks == 0)
        return pk_pickle__fail(pk, PK_EFORMAT, at, "%s without a MARK", op);
    *height = pk->marks[--pk->nmarks];
    return true;
}

static bool new_seq(size_t *out, pk_pickle *pk, size_t at)
{
    if (!pk_grow((void **)&pk->seqs, &pk->seqs_cap, pk->nseqs + 1, sizeof *pk->seqs))
        return nomem(pk, at);
    memset(&pk->seqs[pk->nseqs], 0, sizeof pk->seqs[0]);
    *out = pk->nseqs++;
    return true;
}

/* Appends n stack values starting at `from` to a container's items. */
static bool seq_extend(pk_pickle *pk, size_t seq, size_t from, size_t n, size_t at)
{
    pk_pseq *s = &pk->seqs[seq];
    size_t need_n;

    if (n == 0)
        return true;
    if (!pk_size_add(&need_n, s->n, n) ||
        !pk_grow((void **)&s->items, &s->cap, need_n, sizeof *s->items))
        return nomem(pk, at);
    memcpy(s->items + s->n, pk->stack + from, n * sizeof *s->items);
    s->n += n;
    return true;
}

/* Makes a tuple of the n values on top of the stack and pushes it. */
static bool make_tuple(pk_pickle *pk, size_t n, size_t at)
{
    pk_pval t;
    size_t need_n, from = pk->nstack - n;

    memset(&t, 0, sizeof t);
    t.kind = PK_P_TUPLE;
    t.at = at;
    t.n = (uint32_t)n; /* n <= PK_PICKLE_MAX_STACK */
    t.u.first = pk->ntitems;
    if (n) {
        if (!pk_size_add(&need_n, pk->ntitems, n) ||
            !pk_grow((void **)&pk->titems, &pk->titems_cap, need_n, sizeof *pk->titems))
            return nomem(pk, at);
        memcpy(pk->titems + pk->ntitems, pk->stack + from, n * sizeof *pk->titems);
        pk->ntitems += n;
    }
    pk->nstack = from;
    return push(pk, &t);
}

/* Makes a LIST or DICT of the n values on top of the stack and pushes it. */
static bool make_container(pk_pickle *pk, uint8_t kind, size_t n, size_t at)
{
    pk_pval c;

    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.at = at;
    if (!new_seq(&c.u.seq, pk, at) || !seq_extend(pk, c.u.seq, pk->nstack - n, n, at))
        return false;
    pk->nstack -= n;
    return push(pk, &c);
}

/* ---- reading helpers ---- */

static bool push_scalar(pk_pickle *pk, uint8_t kind, size_t at, int64_t i)
{
    pk_pval v;

    memset(&v, 0, sizeof v);
    v.kind = kind;
    v.at = at;
    v.u.i = i;
    return push(pk, &v);
}

/* Little-endian two's complement of n bytes (LONG1, LONG4). */
static bool push_long(pk_pickle *pk, size_t at, size_t n)
{
    const uint8_t *b = pk_rd_view(&pk->rd, at, n, "pickle LONG");
    uint64_t u = 0;
    size_t i;
    bool neg;

    if (!b)
        return false;
    if (n == 0)
        return push_scalar(pk, PK_P_INT, at, 0);
    neg = (b[n - 1] & 0x80) != 0;
    /* Beyond 8 bytes, the extra high bytes must be pure sign extension. */
    for (i = 8; i < n; i++) {
        if (b[i] != (neg ? 0xff : 0x00))
            return push_scalar(pk, PK_P_BIGINT, at, 0);
    }
    for (i = 0; i < n && i < 8; i++)
        u |= (uint64_t)b[i] << (8 * i);
    if (n < 8 && neg)
        u |= ~(uint64_t)0 << (8 * n);
    if (n > 8 && ((u >> 63) != 0) != neg)
        return push_scalar(pk, PK_P_BIGINT, at, 0);
    /* Two's complement without implementation-defined conversion. */
    return push_scalar(pk, PK_P_INT, at,
                       u <= INT64_MAX ? (int64_t)u : -(int64_t)(UINT64_MAX - u) - 1);
}

static bool push_bytes(pk_pickle *pk, uint8_t kind, size_t at, uint64_t n, const char *what)
{
    pk_pval v;
    const uint8_t *s;

    if (n > UINT32_MAX || n > pk_rd_left(&pk->rd))
        return pk_rd_need(&pk->rd, at, n > SIZE_MAX ? SIZE_MAX : (size_t)n, what) &&
               pk_pickle__fail(pk, PK_EFORMAT, at, "%s longer than 4 GiB", what);
    s = pk_rd_view(&pk->rd, at, (size_t)n, what);
    if (!s)
        return false;
    if (kind == PK_P_STR && !pk_utf8_ok(s, (size_t)n))
        return pk_pickle__fail(pk, PK_EFORMAT, at, "%s is not valid UTF-8", what);
    memset(&v, 0, sizeof v);
    v.kind = kind;
    v.at = at;
    v.n = (uint32_t)n;
    v.u.s = s;
    return push(pk, &v);
}

/* Reads text up to '\n' into buf (NUL-terminated, without the '\n'). */
static bool read_line(char *buf, size_t cap, pk_pickle *pk, size_t at, const char *what)
{
    size_t n = 0;

    for (;;) {
        uint8_t c = pk_rd_u8(&pk->rd, at, what);
        if (pk->rd.failed)
            return false;
        if (c == '\n')
            break;
        if (n + 1 >= cap)
            return pk_pickle__fail(pk, PK_EFORMAT, at, "%s longer than %zu bytes",
                                   what, cap - 1);
        buf[n++] = (char)c;
    }
    buf[n] = '\0';
    return true;
}

/* INT: decimal text as Python 2 writes ints beyond 32 bits; "00"/"01"
 * are protocol 0's False/True. Parsed like CPython's load_int (strtol
 * with base 0); text beyond int64 is a big int. */
static bool push_int_text(pk_pickle *pk, size_t at)
{
    char text[INT_TEXT_MAX], *end;
    long long v;
    size_t i, len;

    if (!read_line(text, sizeof text, pk, at, "pickle INT text"))
        return false;
    len = strlen(text);
    errno = 0;
    v = strtoll(text, &end, 0);
    if (len > 0 && end == text + len && errno == 0) {
        if (len == 2 && (v == 0 || v == 1))
            return push_scalar(pk, PK_P_BOOL, at, v);
        return push_scalar(pk, PK_P_INT, at, v);
    }
    i = (text[0] == '-' || text[0] == '+') ? 1 : 0;
    if (errno == ERANGE && i < len && strspn(text + i, "0123456789") == len - i)
        return push_scalar(pk, PK_P_BIGINT, at, 0);
    return pk_pickle__fail(pk, PK_EFORMAT, at, "bad pickle INT text '%s'", text);
}

/* Up to 80 bytes of a name for a message, control characters as '?'. */
static const char *printable(char *buf, size_t cap, const uint8_t *s, size_t n)
{
    size_t i;

    if (n > 80)
        n = 80;
    if (n >= cap)
        n = cap - 1;
    for (i = 0; i < n; i++)
        buf[i] = (char)(s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i]);
    buf[n] = '\0';
    return buf;
}

static bool push_class(pk_pickle *pk, size_t at, const uint8_t *module, size_t mlen,
                       const uint8_t *name, size_t nlen)
{
    char mbuf[96], nbuf[96];
    size_t i;

    for (i = 0; i < pk->nclasses; i++) {
        const pk_pclass *c = &pk->classes[i];
        if (strlen(c->module) == mlen && memcmp(c->module, module, mlen) == 0 &&
            strlen(c->name) == nlen && memcmp(c->name, name, nlen) == 0) {
            pk_pval v;
            memset(&v, 0, sizeof v);
            v.kind = PK_P_CLASS;
            v.cls = (uint8_t)i;
            v.at = at;
            return push(pk, &v);
        }
    }
    return pk_pickle__fail(pk, PK_EFORMAT, at,
                           "refusing to load class %s.%s (only %s is allowed)",
                           printable(mbuf, sizeof mbuf, module, mlen),
                           printable(nbuf, sizeof nbuf, name, nlen),
                           pk->nclasses ? pk->classes[0].name : "data");
}

static bool load_global(pk_pickle *pk, size_t at)
{
    char module[GLOBAL_MAX], name[GLOBAL_MAX];

    if (!read_line(module, sizeof module, pk, at, "pickle GLOBAL module") ||
        !read_line(name, sizeof name, pk, at, "pickle GLOBAL name"))
        return false;
    return push_class(pk, at, (const uint8_t *)module, strlen(module),
                      (const uint8_t *)name, strlen(name));
}

static bool load_stack_global(pk_pickle *pk, size_t at)
{
    pk_pval module, name;

    if (!need(pk, 2, at, "STACK_GLOBAL"))
        return false;
    name = pk->stack[pk->nstack - 1];
    module = pk->stack[pk->nstack - 2];
    if (module.kind != PK_P_STR || name.kind != PK_P_STR)
        return pk_pickle__fail(pk, PK_EFORMAT, at, "STACK_GLOBAL needs two str values");
    pk->nstack -= 2;
    return push_class(pk, at, module.u.s, module.n, name.u.s, name.n);
}

/* ---- memo ---- */

/* Python's memo is a table indexed by the PUT's number, holes allowed:
 * pickle.py numbers its entries from 0, but Python 2's cPickle (which
 * line_profiler 2.x used) from 1, and it skips objects it will not meet
 * again. A hole is marked by this kind, which no value has. */
#define MEMO_HOLE UINT8_MAX

static bool memo_put(pk_pickle *pk, uint64_t idx, size_t at, const char *op)
{
    size_t old = pk->nmemo;

    if (!need(pk, 1, at, op))
        return false;
    /* Every PUT costs at least two bytes, so a real index stays below the
     * file's size; that also keeps the table linear in the input. */
    if (idx >= pk->rd.len)
        return pk_pickle__fail(pk, PK_EFORMAT, at,
                               "%s to memo index %llu, past the pickle's %zu bytes",
                               op, (unsigned long long)idx, pk->rd.len);
    if (idx >= old) {
        if (!pk_grow((void **)&pk->memo, &pk->memo_cap, (size_t)idx + 1, sizeof *pk->memo))
            return nomem(pk, at);
        for (; pk->nmemo <= idx; pk->nmemo++)
            pk->memo[pk->nmemo].kind = MEMO_HOLE;
    }
    if (pk->memo[idx].kind == MEMO_HOLE)
        pk->nstored++;
    pk->memo[idx] = pk->stack[pk->nstack - 1];
    return true;
}

static bool memo_get(pk_pickle *pk, uint64_t idx, size_t at)
{
    if (idx >= pk->nmemo || pk->memo[idx].kind == MEMO_HOLE)
        return pk_pickle__fail(pk, PK_EFORMAT, at,
                               "memo index %llu not stored yet (%zu entries)",
                               (unsigned long long)idx, pk->nstored);
    return push(pk, &pk->memo[idx]);
}

/* ---- containers ---- */

static bool is_kind(const pk_pval *v, uint8_t kind)
{
    return v->kind == kind;
}

static bool wrong_target(pk_pickle *pk, const pk_pval *v, size_t at, const char *op,
                         const char *want)
{
    char buf[32];
    return pk_pickle__fail(pk, PK_EFORMAT, at, "%s needs %s, found %s", op, want,
                           pk_pickle__describe(buf, sizeof buf, v));
}

/* APPEND / SETITEM: the container sits below `count` values. */
static bool add_items(pk_pickle *pk, size_t count, size_t at, bool dict)
{
    const char *op = dict ? "SETITEM" : "APPEND";
    pk_pval *target;

    if (!need(pk, count + 1, at, op))
        return false;
    target = &pk->stack[pk->nstack - count - 1];
    if (!is_kind(target, dict ? PK_P_DICT : PK_P_LIST))
        return wrong_target(pk, target, at, op, dict ? "a dict" : "a list");
    if (!seq_extend(pk, target->u.seq, pk->nstack - count, count, at))
        return false;
    pk->nstack -= count;
    return true;
}

/* APPENDS / SETITEMS: the values since the MARK go into the container
 * just below it. */
static bool add_marked(pk_pickle *pk, size_t at, bool dict)
{
    const char *op = dict ? "SETITEMS" : "APPENDS";
    size_t height = 0, n;
    pk_pval *target;

    if (!pop_mark(&height, pk, at, op))
        return false;
    if (height == 0 || height <= fence(pk))
        return pk_pickle__fail(pk, PK_EFORMAT, at, "pickle stack underflow in %s", op);
    n = pk->nstack - height;
    if (dict && n % 2)
        return pk_pickle__fail(pk, PK_EFORMAT, at, "odd number of items for SETITEMS");
    target = &pk->stack[height - 1];
    if (!is_kind(target, dict ? PK_P_DICT : PK_P_LIST))
        return wrong_target(pk, target, at, op, dict ? "a dict" : "a list");
    if (!seq_extend(pk, target->u.seq, height, n, at))
        return false;
    pk->nstack = height;
    return true;
}

/* TUPLE, LIST, DICT: everything since the MARK. */
static bool build_marked(pk_pickle *pk, size_t at, uint8_t op)
{
    size_t height = 0, n;

    if (!pop_mark(&height, pk, at, op == OP_TUPLE ? "TUPLE" : op == OP_LIST ? "LIST" : "DICT"))
        return false;
    n = pk->nstack - height;
    if (op == OP_TUPLE)
        return make_tuple(pk, n, at);
    if (op == OP_DICT && n % 2)
        return pk_pickle__fail(pk, PK_EFORMAT, at, "odd number of items for DICT");
    return make_container(pk, op == OP_LIST ? PK_P_LIST : PK_P_DICT, n, at);
}

static bool load_newobj(pk_pickle *pk, size_t at)
{
    pk_pval cls, args, obj;

    if (!need(pk, 2, at, "NEWOBJ"))
        return false;
    args = pk->stack[pk->nstack - 1];
    cls = pk->stack[pk->nstack - 2];
    if (cls.kind != PK_P_CLASS)
        return wrong_target(pk, &cls, at, "NEWOBJ", "a class");
    if (args.kind != PK_P_TUPLE)
        return wrong_target(pk, &args, at, "NEWOBJ", "an argument tuple");
    pk->nstack -= 2;
    memset(&obj, 0, sizeof obj);
    obj.kind = PK_P_OBJECT;
    obj.cls = cls.cls;
    obj.at = at;
    /* cls.__new__(cls, *args) of a plain class keeps nothing of args. */
    return new_seq(&obj.u.seq, pk, at) && push(pk, &obj);
}

/* Adds the pairs of a state dict to the object's attributes. */
static bool set_attrs(pk_pickle *pk, const pk_pval *obj, const pk_pval *state, size_t at)
{
    pk_pseq *from;
    pk_pseq *to;
    size_t need_n;

    if (state->kind == PK_P_NONE)
        return true;
    if (state->kind != PK_P_DICT)
        return wrong_target(pk, state, at, "BUILD", "a state dict");
    from = &pk->seqs[state->u.seq];
    to = &pk->seqs[obj->u.seq];
    if (from->n == 0)
        return true;
    if (!pk_size_add(&need_n, to->n, from->n) ||
        !pk_grow((void **)&to->items, &to->cap, need_n, sizeof *to->items))
        return nomem(pk, at);
    memcpy(to->items + to->n, from->items, from->n * sizeof *to->items);
    to->n += from->n;
    return true;
}

/* BUILD: state is a dict, or (dict or None, slot dict or None). */
static bool load_build(pk_pickle *pk, size_t at)
{
    pk_pval state, obj;

    if (!need(pk, 2, at, "BUILD"))
        return false;
    state = pk->stack[pk->nstack - 1];
    obj = pk->stack[pk->nstack - 2];
    if (obj.kind != PK_P_OBJECT)
        return wrong_target(pk, &obj, at, "BUILD", "an object");
    if (++pk->seqs[obj.u.seq].builds > PK_PICKLE_MAX_BUILDS)
        return pk_pickle__fail(pk, PK_EFORMAT, at, "more than %u BUILDs on one object",
                               PK_PICKLE_MAX_BUILDS);
    pk->nstack--;
    if (state.kind == PK_P_TUPLE && state.n == 2)
        return set_attrs(pk, &obj, &pk->titems[state.u.first], at) &&
               set_attrs(pk, &obj, &pk->titems[state.u.first + 1], at);
    return set_attrs(pk, &obj, &state, at);
}

/* POP: CPython pops a MARK standing at the top instead of a value. */
static bool load_pop(pk_pickle *pk, size_t at)
{
    size_t height = 0;

    if (pk->nmarks && pk->marks[pk->nmarks - 1] == pk->nstack)
        return pop_mark(&height, pk, at, "POP");
    if (!need(pk, 1, at, "POP"))
        return false;
    pk->nstack--;
    return true;
}

static bool load_mark(pk_pickle *pk, size_t at)
{
    if (pk->nmarks >= PK_PICKLE_MAX_MARKS)
        return pk_pickle__fail(pk, PK_EFORMAT, at, "more than %u MARKs open at once",
                               PK_PICKLE_MAX_MARKS);
    if (!pk_grow((void **)&pk->marks, &pk->marks_cap, pk->nmarks + 1, sizeof *pk->marks))
        return nomem(pk, at);
    pk->marks[pk->nmarks++] = pk->nstack;
    return true;
}

static bool load_proto(pk_pickle *pk, size_t at)
{
    uint8_t v = pk_rd_u8(&pk->rd, at, "pickle PROTO");

    if (pk->rd.failed)
        return false;
    if (v > PK_PICKLE_MAX_PROTO)
        return pk_pickle__fail(pk, PK_EUNSUPPORTED, at,
                               "unsupported pickle protocol %u (newest known: %d)", v,
                               PK_PICKLE_MAX_PROTO);
    pk->proto = v;
    return true;
}

/* FRAME: a length hint; it must not promise more than the file holds. */
static bool load_frame(pk_pickle *pk, size_t at)
{
    uint64_t n = pk_rd_u64le(&pk->rd, at, "pickle FRAME");

    if (pk->rd.failed)
        return false;
    if (n > pk_rd_left(&pk->rd))
        return pk_pickle__fail(pk, PK_EFORMAT, at,
                               "pickle FRAME of %llu bytes but %zu left",
                               (unsigned long long)n, pk_rd_left(&pk->rd));
    return true;
}

static bool bad_opcode(pk_pickle *pk, uint8_t op, size_t at)
{
    size_t i;

    for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        if (refused[i].op == op)
            return pk_pickle__fail(pk, PK_EFORMAT, at,
                                   "unsupported pickle opcode %s (0x%02x)",
                                   refused[i].name, op);
    }
    return pk_pickle__fail(pk, PK_EFORMAT, at, "unknown pickle opcode 0x%02x", op);
}

/* Scalars and strings. Returns false when op is not one of them. */
static bool load_value(bool *handled, pk_pickle *pk, uint8_t op, size_t at)
{
    pk_rd *r = &pk->rd;

    *handled = true;
    switch (op) {
    case OP_NONE: return push_scalar(pk, PK_P_NONE, at, 0);
    case OP_NEWTRUE: return push_scalar(pk, PK_P_BOOL, at, 1);
    case OP_NEWFALSE: return push_scalar(pk, PK_P_BOOL, at, 0);
    case OP_BININT1: return push_scalar(pk, PK_P_INT, at, pk_rd_u8(r, at, "pickle BININT1")) && !r->failed;
    case OP_BININT2: return push_scalar(pk, PK_P_INT, at, pk_rd_u16le(r, at, "pickle BININT2")) && !r->failed;
    case OP_BININT: return push_scalar(pk, PK_P_INT, at, pk_rd_i32le(r, at, "pickle BININT")) && !r->failed;
    case OP_INT: return push_int_text(pk, at);
    case OP_LONG1: return push_long(pk, at, pk_rd_u8(r, at, "pickle LONG1 length"));
    case OP_LONG4: {
        int32_t n = pk_rd_i32le(r, at, "pickle LONG4 length");
        if (!r->failed && n < 0)
            return pk_pickle__fail(pk, PK_EFORMAT, at, "LONG4 with negative byte count %d", (int)n);
        return !r->failed && push_long(pk, at, (size_t)n);
    }
    case OP_BINFLOAT: {
        pk_pval v;
        memset(&v, 0, sizeof v);
        v.kind = PK_P_FLOAT;
        v.at = at;
        v.u.f = pk_rd_f64be(r, at, "pickle BINFLOAT");
        return !r->failed && push(pk, &v);
    }
    case OP_SHORT_BINUNICODE:
        return push_bytes(pk, PK_P_STR, at, pk_rd_u8(r, at, "pickle string length"), "pickle string");
    case OP_BINUNICODE:
        return push_bytes(pk, PK_P_STR, at, pk_rd_u32le(r, at, "pickle string length"), "pickle string");
    case OP_BINUNICODE8:
        return push_bytes(pk, PK_P_STR, at, pk_rd_u64le(r, at, "pickle string length"), "pickle string");
    case OP_SHORT_BINSTRING:
        return push_bytes(pk, PK_P_BSTR, at, pk_rd_u8(r, at, "pickle string length"), "pickle string");
    case OP_BINSTRING: {
        int32_t n = pk_rd_i32le(r, at, "pickle string length");
        if (!r->failed && n < 0)
            return pk_pickle__fail(pk, PK_EFORMAT, at, "BINSTRING with negative length %d", (int)n);
        return !r->failed && push_bytes(pk, PK_P_BSTR, at, (uint64_t)n, "pickle string");
    }
    case OP_SHORT_BINBYTES:
        return push_bytes(pk, PK_P_BYTES, at, pk_rd_u8(r, at, "pickle bytes length"), "pickle bytes");
    case OP_BINBYTES:
        return push_bytes(pk, PK_P_BYTES, at, pk_rd_u32le(r, at, "pickle bytes length"), "pickle bytes");
    case OP_BINBYTES8:
        return push_bytes(pk, PK_P_BYTES, at, pk_rd_u64le(r, at, "pickle bytes length"), "pickle bytes");
    default:
        break;
    }
    *handled = false;
    return false;
}

/* Tuples, lists and dicts. */
static bool load_container(bool *handled, pk_pickle *pk, uint8_t op, size_t at)
{
    *handled = true;
    switch (op) {
    case OP_EMPTY_TUPLE: return make_tuple(pk, 0, at);
    case OP_TUPLE1: return need(pk, 1, at, "TUPLE1") && make_tuple(pk, 1, at);
    case OP_TUPLE2: return need(pk, 2, at, "TUPLE2") && make_tuple(pk, 2, at);
    case OP_TUPLE3: return need(pk, 3, at, "TUPLE3") && make_tuple(pk, 3, at);
    case OP_TUPLE:
    case OP_LIST:
    case OP_DICT: return build_marked(pk, at, op);
    case OP_EMPTY_LIST: return make_container(pk, PK_P_LIST, 0, at);
    case OP_EMPTY_DICT: return make_container(pk, PK_P_DICT, 0, at);
    case OP_APPEND: return add_items(pk, 1, at, false);
    case OP_APPENDS: return add_marked(pk, at, false);
    case OP_SETITEM: return add_items(pk, 2, at, true);
    case OP_SETITEMS: return add_marked(pk, at, true);
    default: break;
    }
    *handled = false;
    return false;
}

/* Stack and memo housekeeping, classes and instances. */
static bool load_control(pk_pickle *pk, uint8_t op, size_t at)
{
    pk_rd *r = &pk->rd;

    switch (op) {
    case OP_PROTO: return load_proto(pk, at);
    case OP_FRAME: return load_frame(pk, at);
    case OP_MARK: return load_mark(pk, at);
    case OP_POP: return load_pop(pk, at);
    case OP_POP_MARK: {
        size_t height = 0;
        if (!pop_mark(&height, pk, at, "POP_MARK"))
            return false;
        pk->nstack = height;
        return true;
    }
    case OP_DUP: return need(pk, 1, at, "DUP") && push(pk, &pk->stack[pk->nstack - 1]);
    /* MEMOIZE stores at the number of entries, as _pickle.c does (with
     * holes, that may be an index already used). */
    case OP_MEMOIZE: return memo_put(pk, pk->nstored, at, "MEMOIZE");
    case OP_BINPUT: {
        uint8_t i = pk_rd_u8(r, at, "pickle BINPUT");
        return !r->failed && memo_put(pk, i, at, "BINPUT");
    }
    case OP_LONG_BINPUT: {
        uint32_t i = pk_rd_u32le(r, at, "pickle LONG_BINPUT");
        return !r->failed && memo_put(pk, i, at, "LONG_BINPUT");
    }
    case OP_BINGET: {
        uint8_t i = pk_rd_u8(r, at, "pickle BINGET");
        return !r->failed && memo_get(pk, i, at);
    }
    case OP_LONG_BINGET: {
        uint32_t i = pk_rd_u32le(r, at, "pickle LONG_BINGET");
        return !r->failed && memo_get(pk, i, at);
    }
    case OP_GLOBAL: return load_global(pk, at);
    case OP_STACK_GLOBAL: return load_stack_global(pk, at);
    case OP_NEWOBJ: return load_newobj(pk, at);
    case OP_BUILD: return load_build(pk, at);
    default: break;
    }
    return bad_opcode(pk, op, at);
}

static bool load_stop(pk_pval *out, pk_pickle *pk, size_t at)
{
    if (!need(pk, 1, at, "STOP"))
        return false;
    *out = pk->stack[--pk->nstack];
    if (pk_rd_left(&pk->rd) != 0)
        return pk_pickle__fail(pk, PK_EFORMAT, pk->rd.pos,
                               "%zu bytes after the pickle's STOP opcode",
                               pk_rd_left(&pk->rd));
    return true;
}

int pk_pickle__load(pk_pval *out, pk_pickle *pk)
{
    pk_rd *r = &pk->rd;

    memset(out, 0, sizeof *out);
    while (!r->failed) {
        size_t at = r->pos;
        uint8_t op = pk_rd_u8(r, at, "pickle opcode");
        bool handled, ok;

        if (r->failed)
            break;
        if (op == OP_STOP) {
            if (load_stop(out, pk, at))
                return PK_OK;
            break;
        }
        ok = load_value(&handled, pk, op, at);
        if (!handled)
            ok = load_container(&handled, pk, op, at);
        if (!handled)
            ok = load_control(pk, op, at);
        if (!ok && !r->failed)
            pk_pickle__fail(pk, PK_EFORMAT, at, "pickle opcode 0x%02x failed", op);
    }
    return pk->status != PK_OK ? pk->status : PK_EFORMAT;
}

/* ---- access ---- */

size_t pk_pickle__len(const pk_pickle *pk, const pk_pval *v)
{
    switch (v->kind) {
    case PK_P_TUPLE: return v->n;
    case PK_P_LIST: return pk->seqs[v->u.seq].n;
    case PK_P_DICT:
    case PK_P_OBJECT: return pk->seqs[v->u.seq].n / 2;
    default: return 0;
    }
}

const pk_pval *pk_pickle__item(const pk_pickle *pk, const pk_pval *v, size_t i)
{
    if (v->kind == PK_P_TUPLE)
        return &pk->titems[v->u.first + i];
    return &pk->seqs[v->u.seq].items[i];
}

const pk_pval *pk_pickle__attr(const pk_pickle *pk, const pk_pval *obj,
                               const char *name)
{
    const pk_pseq *s = &pk->seqs[obj->u.seq];
    size_t i;

    for (i = s->n; i >= 2; i -= 2) {
        if (pk_pickle__str_is(&s->items[i - 2], name))
            return &s->items[i - 1];
    }
    return NULL;
}
