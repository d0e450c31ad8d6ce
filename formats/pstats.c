/*
 * pstats files: the marshalled dict
 *   { (file, line, name): (cc, nc, tt, ct, {caller_key: caller_value}) }
 * mapped to and from the profile model (FORMATS.md section 1).
 *
 * Reading streams the top dict one entry at a time. Functions for the
 * stats keys are created in dict order as they are read; their stats and
 * the caller edges are collected and stored once the dict is complete,
 * because a repeated key replaces its earlier value, callers included
 * (Python dict semantics), and the model cannot take an edge back.
 *
 * The same reader also adds a file to a profile that already holds others
 * (pk_pstats__add), as pstats.Stats.add does, with the result
 * pk_profile_merge() would give: a merge of many files then interns each
 * name and finds each function once, in the merged profile, instead of
 * building a profile per file and mapping it over.
 */
#include "formats.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "marshal.h"
#include "name_memo.h"
#include "utf8.h"

static const char FORMAT_NAME[] = "pstats";

bool pk_pstats__sniff(const uint8_t *buf, size_t len)
{
    pk_rd r;
    unsigned first, second;

    if (len < 2)
        return false;
    pk_rd_init(&r, buf, len, FORMAT_NAME, NULL);
    first = pk_rd_u8(&r, 0, "marshal object");
    second = pk_rd_u8(&r, 1, "marshal object") & ~PK_MARSHAL_FLAG_REF;
    /* A flagged dict (0xfb, Python >= 3.4) never starts text, so it is
     * claimed whatever follows and a damaged file gets the reader's precise
     * message. An unflagged '{' must be followed by a tuple key or the
     * NULL of an empty dict, so text starting with '{' is not taken. */
    if (first == ('{' | PK_MARSHAL_FLAG_REF))
        return true;
    return first == '{' && (second == '(' || second == ')' || second == '0');
}

/* ======================================================================
 * Reading
 * ====================================================================== */

#define NO_FUNC UINT32_MAX

/* A function key as read. */
typedef struct fkey {
    pk_str file, name;
    int64_t line;
    uint32_t flags; /* PK_FUNC_CODE_KEY when name came from a code object */
    uint32_t func;  /* its function once known, else NO_FUNC */
} fkey;

/* One caller entry, kept until the top dict is complete. */
typedef struct edge_rec {
    uint32_t callee; /* function of the stats key */
    uint32_t entry;  /* ordinal of the top-level entry that listed it */
    uint32_t flags;  /* pk_edge_flags */
    uint32_t caller; /* index into reader.keys */
    uint32_t edge;   /* its edge, once add_callers() found it */
    pk_stats stats;
} edge_rec;

/* A distinct stats key of this file, in dict order: its function, the
 * entry that counts (the last with this key) and that entry's stats. */
typedef struct file_key {
    uint32_t func;
    uint32_t last_entry;
    size_t first_rec; /* that entry's callers: recs from here on */
    bool new_key;     /* the function was no stats key before this file */
    pk_stats stats;
} file_key;

/* reader.top_of values besides an index into reader.tops. */
#define NOT_SEEN UINT32_MAX        /* not met in this file yet */
#define CALLER_SEEN (UINT32_MAX - 1) /* met as a caller only */

/* A caller entry of a streamed callers dict: its key, and its value as
 * the stats of an (nc, cc, tt, ct) tuple of numbers or else as read. */
typedef struct caller_in {
    pk_mval key, value;
    pk_stats stats;
    bool numeric;
} caller_in;

typedef struct reader {
    pk_marshal m;
    pk_profile *p;
    edge_rec *recs;
    size_t nrecs, recs_cap;
    fkey *keys;           /* every key read, or once per reused key tuple */
    size_t nkeys, keys_cap;
    uint32_t *key_of_node; /* kept key tuple's first node -> keys index + 1 */
    size_t key_of_node_len, key_of_node_cap;
    file_key *tops;       /* the file's stats keys, in dict order */
    size_t ntops, tops_cap;
    uint32_t *top_of;     /* by function: index into tops, or NOT_SEEN, CALLER_SEEN */
    size_t top_of_len, top_of_cap;
    bool adding;          /* add to the profile's stats instead of setting them */
    size_t nbefore;       /* functions the profile had before this file */
    pk_name_memo memo;    /* names already interned, per input object */
    caller_in *cin;       /* the entry's callers, when streamed */
    size_t ncin, cin_cap;
    pk_buf text;          /* scratch for names that need rewriting */
    size_t budget;        /* caller entries we may still expand */
} reader;

static bool fail_nomem(reader *r, size_t at)
{
    return pk_marshal__nomem(&r->m, at);
}

static const pk_mval *item(const reader *r, const pk_mval *v, size_t i)
{
    return pk_marshal__item(&r->m, v, i);
}

static bool expected(reader *r, const pk_mval *v, const char *what)
{
    char buf[32];

    return pk_rd_fail(&r->m.rd, PK_EFORMAT, v->at, "expected %s, found %s", what,
                      pk_marshal__describe(buf, sizeof buf, v));
}

/* ---- interning ---- */

static bool memo_add(reader *r, uint64_t key, pk_str id, size_t at)
{
    return pk_name_memo_add(&r->memo, key, id) || fail_nomem(r, at);
}

/* True for the string types CPython builds with one byte per code point
 * (Latin-1), as opposed to UTF-8 ('u', 't') or raw bytes ('s'). */
static bool is_latin1_type(uint8_t code)
{
    return code == 'a' || code == 'A' || code == 'z' || code == 'Z';
}

/* Appends a string's text as UTF-8. Writers only put ASCII in the Latin-1
 * types, but CPython reads any byte there as U+0000..U+00FF. The other
 * types are kept byte for byte (surrogates and all), except bytes that are
 * not UTF-8, which only Python 2 byte strings hold (a file name in another
 * encoding): each becomes U+DC80..U+DCFF, as Python 3 reads such a name
 * and as its own profiles store it, so that both name the function alike
 * and it prints back as the same byte. */
static void append_text(pk_buf *b, const pk_mval *v)
{
    uint32_t i;

    if (!is_latin1_type(v->code)) {
        pk_utf8_append_escaped(b, v->u.s, v->n);
        return;
    }
    for (i = 0; i < v->n; i++) {
        uint8_t c = v->u.s[i];
        if (c < 0x80) {
            pk_buf_byte(b, c);
        } else {
            pk_buf_byte(b, (uint8_t)(0xc0 | (c >> 6)));
            pk_buf_byte(b, (uint8_t)(0x80 | (c & 0x3f)));
        }
    }
}

/* True if a string needs append_text to rewrite it: a Latin-1 string with
 * a byte >= 0x80 or another with bytes that are not UTF-8 (names rarely
 * do). ASCII is tested eight bytes at a time: every new name passes here. */
static bool needs_rewrite(const pk_mval *v)
{
    uint64_t word, high = 0;
    uint32_t i = 0;

    for (; i + 8 <= v->n; i += 8) {
        memcpy(&word, v->u.s + i, sizeof word);
        high |= word;
    }
    for (; i < v->n; i++)
        high |= v->u.s[i];
    if ((high & 0x8080808080808080ull) == 0)
        return false;
    return is_latin1_type(v->code) || !pk_utf8_ok(v->u.s, v->n);
}

static bool intern_text(pk_str *out, reader *r, size_t at)
{
    if (r->text.failed ||
        pk_profile_intern(out, r->p, (const char *)r->text.data, r->text.len) != PK_OK)
        return fail_nomem(r, at);
    return true;
}

/* Strings that can be read again (flagged, Python 2 interned, or reached
 * by reference) are interned once per object: a long name referenced a
 * million times is not hashed a million times, and Python 2 files, which
 * name every repeated string by 'R', skip most hashing and compares. */
static bool intern_str(pk_str *out, reader *r, const pk_mval *v)
{
    uint64_t key = pk_name_memo_str_key(v->u.s);
    bool memoise = v->shared;

    if (memoise && pk_name_memo_find(out, &r->memo, key))
        return true;
    if (needs_rewrite(v)) {
        r->text.len = 0;
        append_text(&r->text, v);
        if (!intern_text(out, r, v->at))
            return false;
    } else if (pk_profile_intern(out, r->p, (const char *)v->u.s, v->n) != PK_OK) {
        return fail_nomem(r, v->at);
    }
    return !memoise || memo_add(r, key, *out, v->at);
}

/*
 * A code object as a key's name (`python -m profile` output), stored the
 * way Python's repr shows it: <code object NAME at 0xADDR, file "FILE",
 * line N>. The address is unknowable; a 48-bit hash of the code object's
 * value stands in for it, so that, as in Python (which compares code
 * objects by value), merging files keeps different code objects (say from
 * two Python versions) apart and equal ones together. Memoised per code
 * object: each caller entry naming it may be a reference.
 */
static bool intern_code(pk_str *out, reader *r, const pk_mval *code)
{
    const pk_mval *file = item(r, code, 0);
    const pk_mval *name = item(r, code, 1);
    const pk_mval *line = item(r, code, 2);
    const pk_mval *hash = item(r, code, 3);
    uint64_t key = pk_name_memo_offset_key(line->at);
    char text[64];

    if (pk_name_memo_find(out, &r->memo, key))
        return true;
    r->text.len = 0;
    pk_buf_append(&r->text, "<code object ", 13);
    append_text(&r->text, name);
    snprintf(text, sizeof text, " at 0x%012llx, file \"",
             (unsigned long long)(hash->u.h & 0xffffffffffffull));
    pk_buf_append(&r->text, text, strlen(text));
    append_text(&r->text, file);
    snprintf(text, sizeof text, "\", line %lld>", (long long)line->u.i);
    pk_buf_append(&r->text, text, strlen(text));
    return intern_text(out, r, code->at) && memo_add(r, key, *out, code->at);
}

/* ---- values ---- */

/* Python's bool is an int, so True/False count as 1/0 as they would in
 * pstats itself. */
static bool get_int(int64_t *out, reader *r, const pk_mval *v, const char *what)
{
    if (v->kind != PK_M_INT && v->kind != PK_M_BOOL)
        return expected(r, v, what);
    *out = v->u.i;
    return true;
}

/* Times are floats, but the pure-Python profiler stores some as int 0. */
static bool get_time(double *out, reader *r, const pk_mval *v, const char *what)
{
    if (v->kind == PK_M_FLOAT) {
        *out = v->u.f;
        return true;
    }
    if (v->kind != PK_M_INT && v->kind != PK_M_BOOL)
        return expected(r, v, what);
    *out = (double)v->u.i;
    return true;
}

static bool parse_key(fkey *k, reader *r, const pk_mval *v, const char *what)
{
    const pk_mval *file, *line, *name;

    if (v->kind != PK_M_TUPLE || v->n != 3)
        return expected(r, v, what);
    file = item(r, v, 0);
    line = item(r, v, 1);
    name = item(r, v, 2);
    if (file->kind != PK_M_STR)
        return expected(r, file, "a str (file name)");
    if (!get_int(&k->line, r, line, "an int (line number)") ||
        !intern_str(&k->file, r, file))
        return false;
    k->flags = 0;
    k->func = NO_FUNC;
    if (name->kind == PK_M_CODE) {
        k->flags = PK_FUNC_CODE_KEY;
        return intern_code(&k->name, r, name);
    }
    if (name->kind != PK_M_STR)
        return expected(r, name, "a str (function name)");
    return intern_str(&k->name, r, name);
}

/* The slot remembering which key a tuple holds, for tuples whose items
 * are kept (reachable by reference; their index is never reused). Python
 * 3.4+ files name most callers by a reference to a key tuple seen before,
 * so this saves re-interning and re-finding each of them. */
static uint32_t *key_slot(reader *r, const pk_mval *v)
{
    size_t first = v->u.first, need = first + 1;

    if (v->kind != PK_M_TUPLE || v->n != 3 || !v->kept)
        return NULL;
    if (need > r->key_of_node_len) {
        if (!pk_grow((void **)&r->key_of_node, &r->key_of_node_cap, need,
                     sizeof *r->key_of_node))
            return NULL;
        memset(r->key_of_node + r->key_of_node_len, 0,
               (need - r->key_of_node_len) * sizeof *r->key_of_node);
        r->key_of_node_len = need;
    }
    return &r->key_of_node[first];
}

/* Reads a key; *out is its index in r->keys. */
static bool read_key(uint32_t *out, reader *r, const pk_mval *v, const char *what)
{
    uint32_t *slot = key_slot(r, v);

    if (slot && *slot) {
        *out = *slot - 1;
        return true;
    }
    if (r->nkeys >= UINT32_MAX - 1 ||
        !pk_grow((void **)&r->keys, &r->keys_cap, r->nkeys + 1, sizeof *r->keys))
        return fail_nomem(r, v->at);
    if (!parse_key(&r->keys[r->nkeys], r, v, what))
        return false;
    *out = (uint32_t)r->nkeys++;
    if (slot)
        *slot = *out + 1;
    return true;
}

/* The items of an (nc, cc, tt, ct) caller value. */
static bool caller_numbers(edge_rec *e, reader *r, const pk_mval *nc,
                           const pk_mval *cc, const pk_mval *tt, const pk_mval *ct)
{
    e->flags = 0;
    return get_int(&e->stats.ncalls, r, nc, "an int (nc)") &&
           get_int(&e->stats.pcalls, r, cc, "an int (cc)") &&
           get_time(&e->stats.tottime, r, tt, "a number (tt)") &&
           get_time(&e->stats.cumtime, r, ct, "a number (ct)");
}

/* cProfile stores (nc, cc, tt, ct) per caller, the pure-Python profiler a
 * plain call count. */
static bool read_caller_value(edge_rec *e, reader *r, const pk_mval *v)
{
    memset(&e->stats, 0, sizeof e->stats);
    if (v->kind == PK_M_INT || v->kind == PK_M_BOOL) {
        e->flags = PK_EDGE_COUNT_ONLY;
        e->stats.ncalls = e->stats.pcalls = v->u.i;
        return true;
    }
    if (v->kind != PK_M_TUPLE || v->n != 4)
        return expected(r, v, "a caller value (an int or a 4-tuple (nc, cc, tt, ct))");
    return caller_numbers(e, r, item(r, v, 0), item(r, v, 1), item(r, v, 2),
                          item(r, v, 3));
}

/* The caller entry at e from its key and value. */
static bool read_caller(edge_rec *e, reader *r, const caller_in *c)
{
    if (!read_key(&e->caller, r, &c->key,
                  "a 3-tuple (file, line, name) as caller key"))
        return false;
    if (!c->numeric)
        return read_caller_value(e, r, &c->value);
    e->flags = 0;
    e->stats = c->stats;
    return true;
}

/* Makes room for the n entries of a callers dict starting at byte at. */
static bool callers_budget(reader *r, size_t n, size_t at)
{
    /* Input bytes bound the entries of dicts written out in full. Only
     * references to one dict from many values could exceed it, and that
     * would make the work quadratic in the input size. */
    if (n > r->budget)
        return pk_rd_fail(&r->m.rd, PK_EFORMAT, at, "callers dicts shared by "
                          "reference expand to more than %zu entries", r->m.rd.len);
    r->budget -= n;
    if (!pk_grow((void **)&r->recs, &r->recs_cap, r->nrecs + n, sizeof *r->recs))
        return fail_nomem(r, at);
    return true;
}

/* Adds the caller entry c of function callee (top-level entry `entry`). */
static bool add_caller(reader *r, uint32_t callee, uint32_t entry, const caller_in *c)
{
    edge_rec *e = &r->recs[r->nrecs];

    e->callee = callee;
    e->entry = entry;
    if (!read_caller(e, r, c))
        return false;
    r->nrecs++;
    return true;
}

static bool read_callers(reader *r, uint32_t callee, uint32_t entry,
                         const pk_mval *d)
{
    caller_in c;
    uint32_t i;

    if (d->kind != PK_M_DICT)
        return expected(r, d, "a dict (callers)");
    if (!callers_budget(r, d->n, d->at))
        return false;
    c.numeric = false;
    for (i = 0; i < d->n; i++) {
        c.key = *item(r, d, 2 * (size_t)i);
        c.value = *item(r, d, 2 * (size_t)i + 1);
        if (!add_caller(r, callee, entry, &c))
            return false;
    }
    return true;
}

/* The callers read by stream_callers(), from the dict at byte at. */
static bool add_streamed_callers(reader *r, uint32_t callee, uint32_t entry,
                                 size_t at)
{
    size_t i;

    if (!callers_budget(r, r->ncin, at))
        return false;
    for (i = 0; i < r->ncin; i++) {
        if (!add_caller(r, callee, entry, &r->cin[i]))
            return false;
    }
    return true;
}

/* Function fi's slot in top_of, which grows (NOT_SEEN) to reach it. */
static uint32_t *top_slot(reader *r, uint32_t fi, size_t at)
{
    size_t need = (size_t)fi + 1;

    if (need > r->top_of_len) {
        if (!pk_grow((void **)&r->top_of, &r->top_of_cap, need, sizeof *r->top_of)) {
            fail_nomem(r, at);
            return NULL;
        }
        memset(r->top_of + r->top_of_len, 0xff, (need - r->top_of_len) * sizeof *r->top_of);
        r->top_of_len = need;
    }
    return &r->top_of[fi];
}

/* The function of a stats key, created in dict order on first sight;
 * *t is its entry in tops. */
static bool define_func(file_key **t, reader *r, uint32_t key, uint32_t entry, size_t at)
{
    fkey *k = &r->keys[key];
    uint32_t *slot;
    pk_func *f;
    int rc;

    if (k->func == NO_FUNC) {
        rc = pk_profile_func_get(&k->func, NULL, r->p, k->file, k->line, k->name);
        if (rc != PK_OK) {
            k->func = NO_FUNC;
            return rc == PK_ENOMEM ? fail_nomem(r, at)
                                   : pk_rd_fail(&r->m.rd, rc, at, "too many functions");
        }
    }
    if (!(slot = top_slot(r, k->func, at)))
        return false;
    f = pk_profile_func(r->p, k->func);
    if (*slot == NOT_SEEN) {
        if (!pk_grow((void **)&r->tops, &r->tops_cap, r->ntops + 1, sizeof *r->tops))
            return fail_nomem(r, at);
        r->tops[r->ntops].func = k->func;
        r->tops[r->ntops].new_key = k->func >= r->nbefore || (f->flags & PK_FUNC_NO_ENTRY);
        *slot = (uint32_t)r->ntops++;
    }
    *t = &r->tops[*slot];
    (*t)->last_entry = entry;
    (*t)->first_rec = r->nrecs;
    f->flags = (f->flags & ~(uint32_t)PK_FUNC_NO_ENTRY) | k->flags;
    return true;
}

/* The (cc, nc, tt, ct) items of a value, as the key's stats. */
static bool func_stats(reader *r, file_key *t, const pk_mval *cc, const pk_mval *nc,
                       const pk_mval *tt, const pk_mval *ct)
{
    pk_stats st;

    if (!get_int(&st.pcalls, r, cc, "an int (cc)") ||
        !get_int(&st.ncalls, r, nc, "an int (nc)") ||
        !get_time(&st.tottime, r, tt, "a number (tt)") ||
        !get_time(&st.cumtime, r, ct, "a number (ct)"))
        return false;
    t->stats = st;
    return true;
}

static bool read_value(reader *r, file_key *t, uint32_t entry, const pk_mval *v)
{
    if (v->kind != PK_M_TUPLE || v->n != 5)
        return expected(r, v, "a 5-tuple (cc, nc, tt, ct, callers)");
    return func_stats(r, t, item(r, v, 0), item(r, v, 1), item(r, v, 2),
                      item(r, v, 3)) &&
           read_callers(r, t->func, entry, item(r, v, 4));
}

/* ---- the fast path ---- */

/*
 * Most of a cProfile file is (cc, nc, tt, ct, {caller: (nc, cc, tt, ct)})
 * values. When a value has that shape, its numbers are read straight from
 * the bytes (pk_marshal__stat_numbers) and its callers dict is streamed
 * into r->cin, instead of building the general value tree. The reads and
 * checks happen in the order of the general path (the whole value read
 * first, then checked), so every file, odd or broken, reads the same and
 * fails with the same message either way.
 */

/* The four numbers of a stats tuple of n items by the fast path: a
 * function's (cc, nc, tt, ct) or a caller's (nc, cc, tt, ct). */
static bool read_stats(pk_stats *s, reader *r, uint32_t n, bool cc_first)
{
    int64_t ints[2];
    double nums[2];

    if (!pk_marshal__stat_numbers(&r->m, n, ints, nums))
        return false;
    s->pcalls = ints[cc_first ? 0 : 1];
    s->ncalls = ints[cc_first ? 1 : 0];
    s->tottime = nums[0];
    s->cumtime = nums[1];
    return true;
}

/* Reads the entries of the unflagged callers dict just opened. */
static bool stream_callers(reader *r)
{
    caller_in *c;

    for (r->ncin = 0;; r->ncin++) {
        if (!pk_grow((void **)&r->cin, &r->cin_cap, r->ncin + 1, sizeof *r->cin))
            return fail_nomem(r, r->m.rd.pos);
        c = &r->cin[r->ncin];
        if (!pk_marshal__key_tuple(&c->key, &r->m) &&
            !pk_marshal__read(&c->key, &r->m, true))
            return false;
        if (c->key.kind == PK_M_NULL)
            break;
        c->numeric = read_stats(&c->stats, r, 4, false);
        if (!c->numeric && !pk_marshal__read(&c->value, &r->m, false))
            return false;
    }
    pk_marshal__dict_close(&r->m);
    return true;
}

/* The rest of a value whose four numbers were read: the callers dict
 * (streamed when unflagged, else read whole into *d), then the end of
 * the tuple. *streamed_at is where a streamed dict starts. */
static bool read_value_tail(reader *r, pk_mval *d, bool *streamed, size_t *at)
{
    *at = r->m.rd.pos;
    *streamed = pk_marshal__plain_dict_open(&r->m);
    if (*streamed ? !stream_callers(r) : !pk_marshal__read(d, &r->m, false))
        return false;
    pk_marshal__tuple_close(&r->m);
    return true;
}

/* The value of entry `entry` with key k, by the fast path; false with
 * *tried unset when its shape does not fit. */
static bool read_value_fast(bool *tried, reader *r, uint32_t k, uint32_t entry,
                            size_t key_at)
{
    pk_mval d;
    pk_stats stats;
    bool streamed = false;
    size_t at;
    file_key *t = NULL;

    *tried = read_stats(&stats, r, 5, true);
    if (!*tried)
        return false;
    if (!read_value_tail(r, &d, &streamed, &at) ||
        !define_func(&t, r, k, entry, key_at))
        return false;
    t->stats = stats;
    return streamed ? add_streamed_callers(r, t->func, entry, at)
                    : read_callers(r, t->func, entry, &d);
}

/* One key: value pair of the top dict; *done at the closing NULL. */
static bool read_entry(bool *done, reader *r, uint32_t entry)
{
    size_t mark = pk_marshal__mark(&r->m);
    pk_mval key, value;
    uint32_t k = 0;
    file_key *t = NULL;
    bool fast = false;

    if (!pk_marshal__key_tuple(&key, &r->m) &&
        !pk_marshal__read(&key, &r->m, true))
        return false;
    *done = key.kind == PK_M_NULL;
    if (*done)
        return true;
    if (entry == UINT32_MAX)
        return pk_rd_fail(&r->m.rd, PK_EFORMAT, key.at, "too many entries");
    if (!read_key(&k, r, &key, "a 3-tuple (file, line, name) as key"))
        return false;
    if (!read_value_fast(&fast, r, k, entry, key.at) &&
        (fast || r->m.rd.failed ||
         !pk_marshal__read(&value, &r->m, false) ||
         !define_func(&t, r, k, entry, key.at) ||
         !read_value(r, t, entry, &value)))
        return false;
    pk_marshal__release(&r->m, mark);
    return true;
}

static bool read_top(reader *r)
{
    pk_mval v;
    bool done = false;
    uint32_t entry;

    if (pk_marshal__peek(&r->m) != '{') {
        if (pk_marshal__read(&v, &r->m, false))
            expected(r, &v, "a dict of function stats");
        return false;
    }
    if (!pk_marshal__dict_open(&r->m))
        return false;
    for (entry = 0; !done; entry++) {
        if (!read_entry(&done, r, entry))
            return false;
    }
    pk_marshal__dict_close(&r->m);
    if (pk_rd_left(&r->m.rd))
        return pk_rd_fail(&r->m.rd, PK_EFORMAT, r->m.rd.pos,
                          "%zu bytes of trailing data after the stats dict",
                          pk_rd_left(&r->m.rd));
    return true;
}

/* The function of a caller key, added after the stats keys (flagged
 * PK_FUNC_NO_ENTRY) when it is none. A key that is no stats key of this
 * file lends its code-object flag when it is first met, as merging a
 * profile of this file alone would. */
static int caller_func(uint32_t *out, reader *r, fkey *k)
{
    uint32_t *slot;
    bool added = false;
    int rc;

    if (k->func == NO_FUNC) {
        rc = pk_profile_func_get(&k->func, &added, r->p, k->file, k->line, k->name);
        if (rc != PK_OK) {
            k->func = NO_FUNC;
            return rc;
        }
        if (!(slot = top_slot(r, k->func, 0)))
            return PK_ENOMEM;
        if (added)
            pk_profile_func(r->p, k->func)->flags |= PK_FUNC_NO_ENTRY;
        if (*slot == NOT_SEEN) {
            pk_profile_func(r->p, k->func)->flags |= k->flags;
            *slot = CALLER_SEEN;
        }
    }
    *out = k->func;
    return PK_OK;
}

/* Stores (or adds) the edges from the callers of stats key t: the edge
 * of each is found first, so that when two callers of one dict are one
 * function only the last counts, as when it is read alone. edge_last
 * has room for every edge id. */
static int add_callers(reader *r, const file_key *t, uint32_t *edge_last)
{
    size_t i;
    int rc = PK_OK;

    for (i = t->first_rec; rc == PK_OK && i < r->nrecs && r->recs[i].entry == t->last_entry;
         i++) {
        edge_rec *e = &r->recs[i];
        uint32_t caller = 0;
        rc = caller_func(&caller, r, &r->keys[e->caller]);
        if (rc == PK_OK)
            rc = pk_profile_edge_get(&e->edge, NULL, r->p, caller, t->func);
        if (rc == PK_OK)
            edge_last[e->edge] = (uint32_t)i;
    }
    for (i = t->first_rec; rc == PK_OK && i < r->nrecs && r->recs[i].entry == t->last_entry;
         i++) {
        const edge_rec *e = &r->recs[i];
        pk_edge *edge = pk_profile_edge(r->p, e->edge);
        if (edge_last[e->edge] != i)
            continue;
        if (r->adding) {
            pk_stats_add(&edge->stats, &e->stats);
            edge->flags |= e->flags;
        } else {
            edge->stats = e->stats;
            edge->flags = e->flags;
        }
    }
    return rc;
}

/* The edges of the entries that survived (the last value of each key),
 * key by key in dict order, each key's callers in their order: the order
 * pk_profile_merge() walks a profile in. Callers that are not stats keys
 * become functions of their own, after the keys. */
static int add_edges(reader *r, pk_error *err)
{
    uint32_t *edge_last = NULL;
    size_t i, most;
    int rc = PK_OK;

    if (!pk_size_add(&most, pk_profile_edge_count(r->p), r->nrecs) ||
        pk_profile_edge_reserve(r->p, r->nrecs) != PK_OK ||
        !(edge_last = pk_malloc((most ? most : 1) * sizeof *edge_last)))
        rc = PK_ENOMEM;
    for (i = 0; rc == PK_OK && i < r->ntops; i++)
        rc = add_callers(r, &r->tops[i], edge_last);
    pk_free(edge_last);
    if (rc != PK_OK)
        return pk_error_set(err, rc, FORMAT_NAME, -1, "%s",
                            rc == PK_ENOMEM ? "out of memory" : "too many functions");
    return PK_OK;
}

/* Stores (or adds) the stats of the file's keys and returns the file's
 * total time: pstats.Stats sums tt over the dict in its order (a repeated
 * key keeps its first position and its last value); the same order here
 * gives the same rounding. */
static double store_stats(reader *r)
{
    double t = 0.0;
    size_t i;

    for (i = 0; i < r->ntops; i++) {
        pk_func *f = pk_profile_func(r->p, r->tops[i].func);
        if (r->adding)
            pk_stats_add(&f->stats, &r->tops[i].stats);
        else
            f->stats = r->tops[i].stats;
        t += r->tops[i].stats.tottime;
    }
    return t;
}

/* True when function i was a stats key before this file. */
static bool old_key(const reader *r, uint32_t i)
{
    uint32_t t = i < r->top_of_len ? r->top_of[i] : NOT_SEEN;

    if (pk_profile_func_c(r->p, i)->flags & PK_FUNC_NO_ENTRY)
        return false;
    return t == NOT_SEEN || t == CALLER_SEEN || !r->tops[t].new_key;
}

/*
 * After adding a file, the order pk_profile_merge() gives: the stats keys
 * the profile had, then the file's new keys (in dict order), then the
 * functions that are callers only. New functions come last in the order
 * they were added, so nothing moves unless the profile already had
 * caller-only functions (`mixed`) and the file has new keys.
 */
static int reorder(reader *r, bool mixed)
{
    size_t n = pk_profile_func_count(r->p), j = 0, i;
    bool moves = false;
    uint32_t *order;
    int rc = PK_OK;

    for (i = 0; i < r->ntops && mixed && !moves; i++)
        moves = r->tops[i].new_key;
    if (!moves)
        return PK_OK;
    if (!(order = pk_malloc((n ? n : 1) * sizeof *order)))
        return PK_ENOMEM;
    for (i = 0; i < r->nbefore; i++) {
        if (old_key(r, (uint32_t)i))
            order[j++] = (uint32_t)i;
    }
    for (i = 0; i < r->ntops; i++) {
        if (r->tops[i].new_key)
            order[j++] = r->tops[i].func;
    }
    for (i = 0; i < n; i++) {
        if (pk_profile_func_c(r->p, (uint32_t)i)->flags & PK_FUNC_NO_ENTRY)
            order[j++] = (uint32_t)i;
    }
    for (i = 0; i < n && order[i] == i; i++)
        ;
    if (i < n)
        rc = pk_profile_reorder_funcs(r->p, order);
    pk_free(order);
    return rc;
}

static bool has_caller_only(const pk_profile *p)
{
    size_t i, n = pk_profile_func_count(p);

    for (i = 0; i < n; i++) {
        if (pk_profile_func_c(p, (uint32_t)i)->flags & PK_FUNC_NO_ENTRY)
            return true;
    }
    return false;
}

/*
 * cProfile files take about 130 bytes per stats entry and 75 per caller
 * entry, and have a marshal reference per 100 bytes and a kept key
 * tuple item per 160 (Python 3.6 to 3.13). Sizing the tables for somewhat more than
 * that up front saves regrowing (and copying) them a dozen times per
 * file. Denser files just grow as before; sparser ones waste at most
 * about the file's size in memory.
 */
enum { BYTES_PER_ENTRY = 128, BYTES_PER_CALLER = 64, BYTES_PER_REF = 64,
       BYTES_PER_KEY_ITEM = 96 };

static bool reserve_tables(reader *r, size_t len)
{
    size_t entries = len / BYTES_PER_ENTRY, callers = len / BYTES_PER_CALLER;
    size_t key_items = len / BYTES_PER_KEY_ITEM;

    if (pk_profile_func_reserve(r->p, entries) != PK_OK ||
        !pk_marshal__reserve(&r->m, len / BYTES_PER_REF, key_items) ||
        !pk_grow((void **)&r->key_of_node, &r->key_of_node_cap, key_items,
                 sizeof *r->key_of_node) ||
        !pk_grow((void **)&r->recs, &r->recs_cap, callers, sizeof *r->recs) ||
        !pk_grow((void **)&r->keys, &r->keys_cap, entries, sizeof *r->keys) ||
        !pk_grow((void **)&r->tops, &r->tops_cap, entries, sizeof *r->tops) ||
        !pk_name_memo_reserve(&r->memo, entries) ||
        !top_slot(r, (uint32_t)pk_profile_func_count(r->p), 0))
        return fail_nomem(r, 0);
    return true;
}

static void reader_dispose(reader *r)
{
    pk_marshal__dispose(&r->m);
    pk_free(r->recs);
    pk_free(r->cin);
    pk_free(r->keys);
    pk_free(r->key_of_node);
    pk_free(r->tops);
    pk_free(r->top_of);
    pk_name_memo_dispose(&r->memo);
    pk_buf_dispose(&r->text);
}

/* Reads the file into p (adding to its stats when `adding`). */
static int read_into(pk_profile *p, bool adding, const uint8_t *buf, size_t len,
                     pk_error *err)
{
    bool mixed = adding && has_caller_only(p);
    reader r;
    pk_error local = PK_ERROR_INIT;
    int rc = PK_OK;

    if (!err)
        err = &local;
    memset(&r, 0, sizeof r); /* all tables start empty */
    pk_marshal__init(&r.m, buf, len, FORMAT_NAME, err);
    r.p = p;
    r.adding = adding;
    r.nbefore = pk_profile_func_count(p);
    r.budget = len;
    if (!reserve_tables(&r, len) || !read_top(&r))
        rc = err->code != PK_OK ? err->code : PK_EFORMAT;
    if (rc == PK_OK)
        rc = add_edges(&r, err);
    if (rc == PK_OK) {
        double t = store_stats(&r);
        pk_profile_set_source(p, PK_SOURCE_PSTATS);
        pk_profile_set_total_time(p, adding ? pk_profile_total_time(p) + t : t);
    }
    if (rc == PK_OK && reorder(&r, mixed) != PK_OK)
        rc = pk_error_set(err, PK_ENOMEM, FORMAT_NAME, -1, "out of memory");
    reader_dispose(&r);
    return rc;
}

int pk_pstats__read(pk_profile *p, const uint8_t *buf, size_t len, pk_error *err)
{
    /* Functions are numbered from 0 in dict order and indexed that way. */
    if (pk_profile_func_count(p) != 0)
        return pk_error_set(err, PK_EINVAL, FORMAT_NAME, -1,
                            "the profile to read into is not empty");
    return read_into(p, false, buf, len, err);
}

int pk_pstats__add(pk_profile *p, const uint8_t *buf, size_t len, pk_error *err)
{
    return read_into(p, true, buf, len, err);
}

/* ======================================================================
 * Writing
 * ====================================================================== */

/* Version 4 reuses strings and key tuples through references, as CPython
 * does for objects it sees twice. Tables map to reference slot + 1. */
typedef struct writer {
    pk_buf *out;
    pk_profile *p;
    int version;
    uint32_t nrefs;
    uint32_t *str_ref;
    size_t str_ref_len, str_ref_cap;
    uint32_t *key_ref;
    pk_error *err;
    int rc;
} writer;

/* CPython's reader refuses reference lists of 0x7ffffffe or more. */
#define MAX_REFS 0x7ffffffdu

/* Takes the next reference slot if this version uses them. */
static unsigned take_ref(uint32_t *table_entry, writer *w)
{
    if (w->version < 4 || w->nrefs >= MAX_REFS)
        return 0;
    *table_entry = ++w->nrefs;
    return PK_MARSHAL_FLAG_REF;
}

static uint32_t *str_slot(writer *w, pk_str id)
{
    size_t need = (size_t)id + 1;

    if (need > w->str_ref_len) {
        if (!pk_grow((void **)&w->str_ref, &w->str_ref_cap, need, sizeof *w->str_ref)) {
            w->rc = PK_ENOMEM;
            return NULL;
        }
        memset(w->str_ref + w->str_ref_len, 0,
               (need - w->str_ref_len) * sizeof *w->str_ref);
        w->str_ref_len = need;
    }
    return &w->str_ref[id];
}

static void write_str(writer *w, pk_str id)
{
    uint32_t scratch = 0, *slot = &scratch;
    unsigned flag;

    if (w->version >= 4 && !(slot = str_slot(w, id)))
        return;
    if (*slot) {
        pk_marshal__w_ref(w->out, *slot - 1);
        return;
    }
    flag = take_ref(slot, w);
    if (!pk_marshal__w_str(w->out, pk_profile_str(w->p, id),
                           pk_profile_str_len(w->p, id), w->version, flag))
        w->rc = pk_error_set(w->err, PK_EINVAL, FORMAT_NAME, -1,
                             "a string of %zu bytes is too long for marshal",
                             pk_profile_str_len(w->p, id));
}

/* A key tuple. The container takes its slot before its items, as the
 * reader numbers them. */
static void write_key(writer *w, uint32_t fi)
{
    const pk_func *f = pk_profile_func_c(w->p, fi);
    uint32_t scratch = 0, *slot = w->key_ref ? &w->key_ref[fi] : &scratch;

    if (*slot) {
        pk_marshal__w_ref(w->out, *slot - 1);
        return;
    }
    pk_marshal__w_tuple(w->out, 3, w->version, take_ref(slot, w));
    write_str(w, f->file);
    pk_marshal__w_int(w->out, f->line);
    write_str(w, f->name);
}

static void write_stats4(writer *w, const pk_stats *s, bool caller_order)
{
    pk_marshal__w_int(w->out, caller_order ? s->ncalls : s->pcalls);
    pk_marshal__w_int(w->out, caller_order ? s->pcalls : s->ncalls);
    pk_marshal__w_float(w->out, s->tottime);
    pk_marshal__w_float(w->out, s->cumtime);
}

/* The value of one entry: (cc, nc, tt, ct, {caller: (nc, cc, tt, ct)}),
 * or a plain call count for edges that only have one. */
static void write_value(writer *w, uint32_t fi)
{
    const uint32_t *edges;
    size_t n, i;
    int rc = pk_profile_callers(&edges, &n, w->p, fi);

    if (rc != PK_OK) {
        w->rc = rc;
        return;
    }
    pk_marshal__w_tuple(w->out, 5, w->version, 0);
    write_stats4(w, &pk_profile_func_c(w->p, fi)->stats, false);
    pk_marshal__w_dict(w->out, 0);
    for (i = 0; i < n && w->rc == PK_OK; i++) {
        const pk_edge *e = pk_profile_edge_c(w->p, edges[i]);
        write_key(w, e->caller);
        if (e->flags & PK_EDGE_COUNT_ONLY) {
            pk_marshal__w_int(w->out, e->stats.ncalls);
        } else {
            pk_marshal__w_tuple(w->out, 4, w->version, 0);
            write_stats4(w, &e->stats, true);
        }
    }
    pk_marshal__w_null(w->out);
}

/*
 * Functions flagged PK_FUNC_CODE_KEY are written with their name as a
 * plain string (the repr text the reader made): the code object itself
 * was not kept, and its layout depends on the Python version that would
 * load it, so it cannot be rebuilt portably. Functions flagged
 * PK_FUNC_NO_ENTRY were never keys and appear only as callers.
 */
static void write_dict(writer *w)
{
    uint32_t top = 0, i, n = (uint32_t)pk_profile_func_count(w->p);

    pk_marshal__w_dict(w->out, take_ref(&top, w));
    for (i = 0; i < n && w->rc == PK_OK; i++) {
        if (pk_profile_func_c(w->p, i)->flags & PK_FUNC_NO_ENTRY)
            continue;
        write_key(w, i);
        write_value(w, i);
    }
    pk_marshal__w_null(w->out);
}

int pk_pstats__write(pk_buf *out, pk_profile *p, int marshal_version,
                     pk_error *err)
{
    writer w;
    size_t start = out->len;
    size_t nfuncs = pk_profile_func_count(p);

    if (marshal_version != 2 && marshal_version != 4)
        return pk_error_set(err, PK_EINVAL, FORMAT_NAME, -1,
                            "marshal version %d is not supported (use 2 or 4)",
                            marshal_version);
    if (!pk_profile_has_function_data(p))
        return pk_error_set(err, PK_ENODATA, FORMAT_NAME, -1,
                            "the profile has no function stats to write as pstats");
    memset(&w, 0, sizeof w);
    w.out = out;
    w.p = p;
    w.version = marshal_version;
    w.err = err;
    if (marshal_version >= 4 && !(w.key_ref = pk_calloc(nfuncs, sizeof *w.key_ref)))
        w.rc = PK_ENOMEM;
    if (w.rc == PK_OK)
        write_dict(&w);
    if (w.rc == PK_OK && out->failed)
        w.rc = PK_ENOMEM;
    if (w.rc == PK_ENOMEM)
        pk_error_set(err, PK_ENOMEM, FORMAT_NAME, -1, "out of memory");
    if (w.rc != PK_OK)
        out->len = start;
    pk_free(w.str_ref);
    pk_free(w.key_ref);
    return w.rc;
}
