/*
 * The lines part of a profile (parts.h, <profkit/lines.h>): line_profiler's
 * rows per function, and the unit of their times.
 *
 * All rows live in one array; a function's rows are a run in it. Setting a
 * function's rows again (a repeated dict key) appends a new run and leaves
 * the old one unused, which only happens for hand-made files.
 */
#include <profkit/lines.h>

#include <string.h>

#include "alloc.h"
#include "parts.h"

typedef struct line_func {
    uint32_t func;     /* function index in the profile */
    size_t start, n;   /* its rows: rows[start .. start + n) */
} line_func;

struct pk_lines {
    double unit;
    pk_line_stat *rows;
    size_t nrows, rows_cap;
    line_func *funcs;  /* in the order their rows were first set */
    size_t nfuncs, funcs_cap;
    uint32_t *slot;    /* per profile function: funcs index + 1, or 0 */
    size_t slot_cap;
};

void pk_lines__free(struct pk_lines *x)
{
    if (!x)
        return;
    pk_free(x->rows);
    pk_free(x->funcs);
    pk_free(x->slot);
    pk_free(x);
}

/* parts.h hands out the slot through a mutable profile; reading it
 * changes nothing, so the const getters go through here. */
static const struct pk_lines *part(const pk_profile *p)
{
    return *pk_profile__lines((pk_profile *)(uintptr_t)p);
}

static struct pk_lines *part_or_new(pk_profile *p)
{
    struct pk_lines **slot = pk_profile__lines(p);

    if (!*slot)
        *slot = pk_calloc(1, sizeof **slot);
    return *slot;
}

bool pk_lines_present(const pk_profile *p)
{
    return part(p) != NULL;
}

double pk_lines_unit(const pk_profile *p)
{
    const struct pk_lines *l = part(p);
    return l ? l->unit : 0.0;
}

int pk_lines_set_unit(pk_profile *p, double unit)
{
    struct pk_lines *l = part_or_new(p);

    if (!l)
        return PK_ENOMEM;
    l->unit = unit;
    return PK_OK;
}

/* The entry of func in l->funcs, adding it (with no rows) if absent. */
static line_func *entry_for(struct pk_lines *l, uint32_t func)
{
    size_t have = l->slot_cap;

    if (func >= have) {
        if (!pk_grow((void **)&l->slot, &l->slot_cap, (size_t)func + 1, sizeof *l->slot))
            return NULL;
        memset(l->slot + have, 0, (l->slot_cap - have) * sizeof *l->slot);
    }
    if (l->slot[func] == 0) {
        if (!pk_grow((void **)&l->funcs, &l->funcs_cap, l->nfuncs + 1, sizeof *l->funcs))
            return NULL;
        memset(&l->funcs[l->nfuncs], 0, sizeof l->funcs[0]);
        l->funcs[l->nfuncs].func = func;
        l->slot[func] = (uint32_t)++l->nfuncs;
    }
    return &l->funcs[l->slot[func] - 1];
}

int pk_lines_set(pk_profile *p, uint32_t func, const pk_line_stat *rows, size_t n)
{
    struct pk_lines *l;
    line_func *e;
    size_t need;

    if (func >= pk_profile_func_count(p))
        return PK_EINVAL;
    l = part_or_new(p);
    if (!l || !pk_size_add(&need, l->nrows, n) ||
        !pk_grow((void **)&l->rows, &l->rows_cap, need, sizeof *l->rows))
        return PK_ENOMEM;
    e = entry_for(l, func);
    if (!e)
        return PK_ENOMEM;
    if (n)
        memcpy(l->rows + l->nrows, rows, n * sizeof *rows);
    e->start = l->nrows;
    e->n = n;
    l->nrows += n;
    return PK_OK;
}

size_t pk_lines_func_count(const pk_profile *p)
{
    const struct pk_lines *l = part(p);
    return l ? l->nfuncs : 0;
}

uint32_t pk_lines_func(const pk_profile *p, size_t i)
{
    return part(p)->funcs[i].func;
}

static const line_func *find(const pk_profile *p, uint32_t func)
{
    const struct pk_lines *l = part(p);

    if (!l || func >= l->slot_cap || l->slot[func] == 0)
        return NULL;
    return &l->funcs[l->slot[func] - 1];
}

bool pk_lines_has(const pk_profile *p, uint32_t func)
{
    return find(p, func) != NULL;
}

const pk_line_stat *pk_lines_rows(const pk_profile *p, uint32_t func, size_t *n_out)
{
    const line_func *e = find(p, func);

    *n_out = e ? e->n : 0;
    return e && e->n ? part(p)->rows + e->start : NULL;
}

/* 128 bits hold any sum of up to 2^64 int64 values exactly. */
__extension__ typedef __int128 sum128;

bool pk_lines_ticks(int64_t *out, double *dout, const pk_profile *p, uint32_t func)
{
    size_t n, i;
    const pk_line_stat *rows = pk_lines_rows(p, func, &n);
    sum128 sum = 0;
    bool fits;

    for (i = 0; i < n; i++)
        sum += rows[i].ticks;
    fits = sum >= INT64_MIN && sum <= INT64_MAX;
    *out = fits ? (int64_t)sum : 0;
    if (dout)
        *dout = (double)sum; /* rounded once, as Python's float(int) is */
    return fits;
}

/* The hits of the first profiled line: the lowest line number, the last
 * row of it when repeated. */
static int64_t first_line_hits(const pk_line_stat *rows, size_t n)
{
    size_t i, best = 0;

    for (i = 1; i < n; i++) {
        if (rows[i].line <= rows[best].line)
            best = i;
    }
    return n ? rows[best].hits : 0;
}

int pk_lines_derive_stats(pk_profile *p)
{
    size_t i, n = pk_lines_func_count(p);
    double unit = pk_lines_unit(p), total = 0;

    for (i = 0; i < n; i++) {
        uint32_t fi = pk_lines_func(p, i);
        pk_func *f = pk_profile_func(p, fi);
        size_t nrows;
        const pk_line_stat *rows = pk_lines_rows(p, fi, &nrows);
        int64_t ticks;
        double dticks;

        pk_lines_ticks(&ticks, &dticks, p, fi);
        f->stats.ncalls = f->stats.pcalls = first_line_hits(rows, nrows);
        f->stats.tottime = f->stats.cumtime = dticks * unit;
        total += f->stats.tottime;
    }
    pk_profile_set_total_time(p, total);
    return PK_OK;
}
