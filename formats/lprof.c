/*
 * line_profiler's .lprof files: a pickled LineStats object
 *   LineStats.__dict__ = {'timings': {(file, first_line, name):
 *                                     [(line, hits, ticks), ...], ...},
 *                         'unit': seconds_per_tick}
 * mapped to and from the line part of the model (FORMATS.md section 2).
 *
 * Reading runs the data-only pickle machine (pickle.c), which accepts
 * only the LineStats class paths below, then walks the one fixed shape
 * above; anything else in it is an error naming what was found and where.
 *
 * Writing produces what CPython's pickler writes for the same object with
 * protocol 4: the class line_profiler._line_profiler.LineStats (the one
 * line_profiler 3.0 to 5.x all load; Debian 12's 4.0.2 has no other), the
 * same memo entries, batches and frames.
 */
#include "formats.h"

#include <string.h>

#include <profkit/lines.h>

#include "alloc.h"
#include "pickle.h"

static const char FORMAT_NAME[] = "lprof";

/* The classes a .lprof file may name, newest writers last. */
static const pk_pclass line_stats_classes[] = {
    {"line_profiler._line_profiler", "LineStats"}, /* 3.0 - 5.0.0 (and what we write) */
    {"line_profiler.line_profiler", "LineStats"},  /* 5.0.1 and later */
    {"_line_profiler", "LineStats"},               /* 2.x, Python 2 */
};

#define WRITE_PROTOCOL 4
#define BATCH 1000 /* pickle's batch size for APPENDS and SETITEMS */

enum {
    OP_MARK = 0x28, OP_EMPTY_TUPLE = 0x29, OP_EMPTY_LIST = 0x5d, OP_APPEND = 0x61,
    OP_BUILD = 0x62, OP_APPENDS = 0x65, OP_SETITEM = 0x73, OP_SETITEMS = 0x75,
    OP_EMPTY_DICT = 0x7d, OP_NEWOBJ = 0x81, OP_TUPLE3 = 0x87, OP_STACK_GLOBAL = 0x93
};

bool pk_lprof__sniff(const uint8_t *buf, size_t len)
{
    pk_rd r;
    uint8_t op, proto;

    if (len < 3)
        return false;
    pk_rd_init(&r, buf, len, FORMAT_NAME, NULL);
    op = pk_rd_u8(&r, 0, "pickle opcode");
    proto = pk_rd_u8(&r, 1, "pickle protocol");
    /* PROTO 2-5; newer protocols are sniffed too, to be refused by name. */
    return op == 0x80 && proto >= 2 && proto < 16;
}

/* ======================================================================
 * Reading
 * ====================================================================== */

typedef struct reader {
    pk_pickle pk;
    pk_profile *p;
    pk_line_stat *rows; /* scratch for one function's rows */
    size_t rows_cap;
    size_t *last;       /* per function: its last pair in the timings dict */
    size_t budget;      /* rows the model may still take */
} reader;

static bool expected(reader *r, const pk_pval *v, const char *what)
{
    char buf[32];

    return pk_pickle__fail(&r->pk, PK_EFORMAT, v->at, "expected %s, found %s", what,
                           pk_pickle__describe(buf, sizeof buf, v));
}

static bool nomem(reader *r, size_t at)
{
    return pk_pickle__fail(&r->pk, PK_ENOMEM, at, "out of memory");
}

static bool get_int(int64_t *out, reader *r, const pk_pval *v, const char *what)
{
    if (v->kind == PK_P_BIGINT)
        return pk_pickle__fail(&r->pk, PK_EFORMAT, v->at,
                               "%s does not fit in 64 bits", what);
    if (v->kind != PK_P_INT) {
        char want[64];
        snprintf(want, sizeof want, "an int (%s)", what);
        return expected(r, v, want);
    }
    *out = v->u.i;
    return true;
}

static bool get_str(pk_str *out, reader *r, const pk_pval *v, const char *what)
{
    if (v->kind != PK_P_STR && v->kind != PK_P_BSTR) {
        char want[64];
        snprintf(want, sizeof want, "a str (%s)", what);
        return expected(r, v, want);
    }
    if (pk_profile_intern(out, r->p, (const char *)v->u.s, v->n) != PK_OK)
        return nomem(r, v->at);
    return true;
}

/* (file, first_line, name) -> the function's index. */
static bool read_key(uint32_t *func, reader *r, const pk_pval *key)
{
    pk_str file, name;
    int64_t line;
    int rc;

    if (key->kind != PK_P_TUPLE || key->n != 3)
        return expected(r, key, "a 3-tuple (file, line, name) as key");
    if (!get_str(&file, r, pk_pickle__item(&r->pk, key, 0), "file name") ||
        !get_int(&line, r, pk_pickle__item(&r->pk, key, 1), "first line") ||
        !get_str(&name, r, pk_pickle__item(&r->pk, key, 2), "function name"))
        return false;
    rc = pk_profile_func_get(func, NULL, r->p, file, line, name);
    if (rc == PK_ENOMEM)
        return nomem(r, key->at);
    if (rc != PK_OK)
        return pk_pickle__fail(&r->pk, PK_EFORMAT, key->at, "too many functions");
    return true;
}

static bool read_row(pk_line_stat *row, reader *r, const pk_pval *t)
{
    if (t->kind != PK_P_TUPLE || t->n != 3)
        return expected(r, t, "a 3-tuple (line, hits, time) as line entry");
    return get_int(&row->line, r, pk_pickle__item(&r->pk, t, 0), "line number") &&
           get_int(&row->hits, r, pk_pickle__item(&r->pk, t, 1), "hits") &&
           get_int(&row->ticks, r, pk_pickle__item(&r->pk, t, 2), "time");
}

static bool read_rows(reader *r, uint32_t func, const pk_pval *list)
{
    size_t i, n;
    int rc;

    if (list->kind != PK_P_LIST)
        return expected(r, list, "a list of line entries");
    n = pk_pickle__len(&r->pk, list);
    /* One list can be named by many keys for a few bytes each; copies of
     * it may not outgrow the file (line_profiler never shares lists). */
    if (n > r->budget)
        return pk_pickle__fail(&r->pk, PK_EFORMAT, list->at,
                               "more line entries than the file has bytes "
                               "(lists shared between functions)");
    r->budget -= n;
    if (n > r->rows_cap &&
        !pk_grow((void **)&r->rows, &r->rows_cap, n, sizeof *r->rows))
        return nomem(r, list->at);
    for (i = 0; i < n; i++) {
        if (!read_row(&r->rows[i], r, pk_pickle__item(&r->pk, list, i)))
            return false;
    }
    rc = pk_lines_set(r->p, func, r->rows, n);
    return rc == PK_OK || nomem(r, list->at);
}

/* A dict keeps a repeated key in its first place with its last value:
 * the keys make the functions (and their order) first, then each takes
 * the rows of its last pair only. */
static bool read_timings(reader *r, const pk_pval *timings)
{
    size_t i, n;

    if (timings->kind != PK_P_DICT)
        return expected(r, timings, "a dict (timings)");
    n = pk_pickle__len(&r->pk, timings);
    /* Each key adds at most one function to the profile. */
    r->last = pk_malloc((pk_profile_func_count(r->p) + n + 1) * sizeof *r->last);
    if (!r->last)
        return nomem(r, timings->at);
    for (i = 0; i < n; i++) {
        uint32_t func;
        if (!read_key(&func, r, pk_pickle__item(&r->pk, timings, 2 * i)))
            return false;
        if (pk_lines_set(r->p, func, NULL, 0) != PK_OK)
            return nomem(r, timings->at);
        r->last[func] = i;
    }
    for (i = 0; i < n; i++) {
        const pk_pval *key = pk_pickle__item(&r->pk, timings, 2 * i);
        uint32_t func;
        if (!read_key(&func, r, key))
            return false;
        if (r->last[func] == i && !read_rows(r, func, pk_pickle__item(&r->pk, timings, 2 * i + 1)))
            return false;
    }
    return true;
}

static bool read_unit(double *out, reader *r, const pk_pval *unit)
{
    if (unit->kind == PK_P_FLOAT)
        *out = unit->u.f;
    else if (unit->kind == PK_P_INT)
        *out = (double)unit->u.i;
    else
        return expected(r, unit, "a float (unit)");
    return true;
}

static bool read_stats(reader *r, const pk_pval *top)
{
    const pk_pval *timings, *unit;
    double seconds = 0;

    if (top->kind != PK_P_OBJECT)
        return expected(r, top, "a LineStats object");
    timings = pk_pickle__attr(&r->pk, top, "timings");
    unit = pk_pickle__attr(&r->pk, top, "unit");
    if (!timings || !unit)
        return pk_pickle__fail(&r->pk, PK_EFORMAT, top->at,
                               "LineStats object without a '%s' attribute",
                               timings ? "unit" : "timings");
    if (!read_unit(&seconds, r, unit))
        return false;
    if (pk_lines_set_unit(r->p, seconds) != PK_OK)
        return nomem(r, unit->at);
    return read_timings(r, timings);
}

int pk_lprof__read(pk_profile *p, const uint8_t *buf, size_t len, pk_error *err)
{
    reader r;
    pk_pval top;
    int rc;

    memset(&r, 0, sizeof r);
    r.p = p;
    r.budget = len;
    pk_pickle__init(&r.pk, buf, len, FORMAT_NAME, line_stats_classes,
                    sizeof line_stats_classes / sizeof line_stats_classes[0], err);
    rc = pk_pickle__load(&top, &r.pk);
    if (rc == PK_OK && !read_stats(&r, &top))
        rc = r.pk.status != PK_OK ? r.pk.status : PK_EFORMAT;
    if (rc == PK_OK) {
        pk_profile_set_source(p, PK_SOURCE_LPROF);
        rc = pk_lines_derive_stats(p);
    }
    pk_free(r.rows);
    pk_free(r.last);
    pk_pickle__dispose(&r.pk);
    return rc;
}

/* ======================================================================
 * Writing
 * ====================================================================== */

typedef struct writer {
    pk_pwriter w;
    pk_profile *p;
    uint32_t *memo_of; /* per string id: memo index + 1, or 0 */
    size_t memo_cap;
    bool too_long;     /* a string beyond pickle's 32-bit lengths */
} writer;

/* Every object starts with pk_pickle__w_boundary(): CPython's pickler
 * closes a full frame when save() begins, before nested objects too. */

/* A string of the data, written once and fetched from the memo after. */
static void w_str(writer *wr, pk_str id)
{
    size_t have = wr->memo_cap;

    pk_pickle__w_boundary(&wr->w);
    if (id < have && wr->memo_of[id]) {
        pk_pickle__w_get(&wr->w, wr->memo_of[id] - 1);
        return;
    }
    if (id >= have) {
        if (!pk_grow((void **)&wr->memo_of, &wr->memo_cap, (size_t)id + 1,
                     sizeof *wr->memo_of)) {
            wr->w.out->failed = true;
            return;
        }
        memset(wr->memo_of + have, 0, (wr->memo_cap - have) * sizeof *wr->memo_of);
    }
    if (!pk_pickle__w_str(&wr->w, pk_profile_str(wr->p, id), pk_profile_str_len(wr->p, id)))
        wr->too_long = true;
    wr->memo_of[id] = pk_pickle__w_memoize(&wr->w) + 1;
}

/* A fixed name of the format (class path, attribute): memoized, but never
 * shared with the data's strings, as CPython's objects would not be. */
static void w_name(writer *wr, const char *s)
{
    pk_pickle__w_boundary(&wr->w);
    pk_pickle__w_str(&wr->w, s, strlen(s));
    pk_pickle__w_memoize(&wr->w);
}

static void w_int(writer *wr, int64_t v)
{
    pk_pickle__w_boundary(&wr->w);
    pk_pickle__w_int(&wr->w, v);
}

static void w_key(writer *wr, uint32_t fi)
{
    const pk_func *f = pk_profile_func_c(wr->p, fi);

    pk_pickle__w_boundary(&wr->w);
    w_str(wr, f->file);
    w_int(wr, f->line);
    w_str(wr, f->name);
    pk_pickle__w_op(&wr->w, OP_TUPLE3);
    pk_pickle__w_memoize(&wr->w);
}

static void w_row(writer *wr, const pk_line_stat *row)
{
    pk_pickle__w_boundary(&wr->w);
    w_int(wr, row->line);
    w_int(wr, row->hits);
    w_int(wr, row->ticks);
    pk_pickle__w_op(&wr->w, OP_TUPLE3);
    pk_pickle__w_memoize(&wr->w);
}

/* A list as pickle's batch_list writes it: one APPEND for one item, else
 * MARK ... APPENDS per batch of 1000. */
static void w_rows(writer *wr, uint32_t fi)
{
    size_t n, i;
    const pk_line_stat *rows = pk_lines_rows(wr->p, fi, &n);

    pk_pickle__w_boundary(&wr->w);
    pk_pickle__w_op(&wr->w, OP_EMPTY_LIST);
    pk_pickle__w_memoize(&wr->w);
    if (n == 1) {
        w_row(wr, &rows[0]);
        pk_pickle__w_op(&wr->w, OP_APPEND);
    }
    for (i = 0; n > 1 && i < n; i += BATCH) {
        size_t k;
        pk_pickle__w_op(&wr->w, OP_MARK);
        for (k = i; k < n && k < i + BATCH; k++)
            w_row(wr, &rows[k]);
        pk_pickle__w_op(&wr->w, OP_APPENDS);
    }
}

/* The timings dict as pickle's batch_dict writes it: SETITEM for one
 * item, else MARK ... SETITEMS per batch of 1000, and one empty batch
 * more when the size is a multiple of 1000 (CPython's loop does that). */
static void w_timings(writer *wr)
{
    size_t n = pk_lines_func_count(wr->p), i = 0;

    pk_pickle__w_boundary(&wr->w);
    pk_pickle__w_op(&wr->w, OP_EMPTY_DICT);
    pk_pickle__w_memoize(&wr->w);
    if (n == 1) {
        w_key(wr, pk_lines_func(wr->p, 0));
        w_rows(wr, pk_lines_func(wr->p, 0));
        pk_pickle__w_op(&wr->w, OP_SETITEM);
    } else if (n > 1) {
        size_t in_batch;
        do {
            pk_pickle__w_op(&wr->w, OP_MARK);
            for (in_batch = 0; i < n && in_batch < BATCH; i++, in_batch++) {
                w_key(wr, pk_lines_func(wr->p, i));
                w_rows(wr, pk_lines_func(wr->p, i));
            }
            pk_pickle__w_op(&wr->w, OP_SETITEMS);
        } while (in_batch == BATCH);
    }
}

/* LineStats.__new__(LineStats), then BUILD with {'timings': ..., 'unit': ...}. */
static void w_line_stats(writer *wr)
{
    const pk_pclass *cls = &line_stats_classes[0];

    pk_pickle__w_boundary(&wr->w); /* the instance */
    pk_pickle__w_boundary(&wr->w); /* its class */
    w_name(wr, cls->module);
    w_name(wr, cls->name);
    pk_pickle__w_op(&wr->w, OP_STACK_GLOBAL);
    pk_pickle__w_memoize(&wr->w);
    pk_pickle__w_boundary(&wr->w); /* the empty argument tuple */
    pk_pickle__w_op(&wr->w, OP_EMPTY_TUPLE);
    pk_pickle__w_op(&wr->w, OP_NEWOBJ);
    pk_pickle__w_memoize(&wr->w);
    pk_pickle__w_boundary(&wr->w); /* the state dict */
    pk_pickle__w_op(&wr->w, OP_EMPTY_DICT);
    pk_pickle__w_memoize(&wr->w);
    pk_pickle__w_op(&wr->w, OP_MARK);
    w_name(wr, "timings");
    w_timings(wr);
    w_name(wr, "unit");
    pk_pickle__w_boundary(&wr->w);
    pk_pickle__w_float(&wr->w, pk_lines_unit(wr->p));
    pk_pickle__w_op(&wr->w, OP_SETITEMS);
    pk_pickle__w_op(&wr->w, OP_BUILD);
}

int pk_lprof__write(pk_buf *out, pk_profile *p, pk_error *err)
{
    writer wr;

    if (!pk_lines_present(p))
        return pk_error_set(err, PK_ENODATA, FORMAT_NAME, -1,
                            "lprof output needs line data, as read from one .lprof "
                            "file; this profile has none");
    memset(&wr, 0, sizeof wr);
    wr.p = p;
    pk_pickle__w_begin(&wr.w, out, WRITE_PROTOCOL);
    w_line_stats(&wr);
    pk_pickle__w_end(&wr.w);
    pk_free(wr.memo_of);
    if (wr.too_long)
        return pk_error_set(err, PK_EINVAL, FORMAT_NAME, -1,
                            "a name longer than 2 GiB does not fit a pickle string");
    if (out->failed)
        return pk_error_set(err, PK_ENOMEM, FORMAT_NAME, -1, "out of memory writing lprof");
    return PK_OK;
}
