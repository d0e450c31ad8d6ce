/*
 * Memory rows of a diff: memory_profiler's function entries (FUNC lines
 * of `mprof run` files) summed per name over every run of a file, as
 * pstat-view's memory summary sums them, and the file's peak (mprof peak:
 * the largest MEM sample) as the total.
 */
#include "diff_int.h"

#include <string.h>

#include <profkit/memory.h>

#include "alloc.h"
#include "msort.h"

enum { MEM_INCREMENT, MEM_MAXMEM, MEM_NCALLS, MEM_TIME };

typedef struct mem_func {
    const char *name;
    double v[PK_DIFF_MAX_METRICS];
} mem_func;

typedef struct mem_side {
    const pk_profile *p;
    const pk_mem_call **calls;
    size_t ncalls;
    mem_func *funcs;
    size_t nfuncs;
    double peak;
} mem_side;

static const char *call_name(const mem_side *s, uint32_t i)
{
    return pk_profile_str(s->p, s->calls[i]->name);
}

static int by_name(const void *ctx, uint32_t a, uint32_t b)
{
    return strcmp(call_name(ctx, a), call_name(ctx, b));
}

static bool collect_calls(mem_side *s)
{
    size_t r, k, n = 0;

    s->peak = 0.0;
    for (r = 0; r < pk_memory_run_count(s->p); r++) {
        const pk_mem_run *run = pk_memory_run(s->p, r);
        size_t top;
        n += run->ncalls;
        if (pk_mem_series_peak(&top, &run->main) && run->main.samples[top].mib > s->peak)
            s->peak = run->main.samples[top].mib;
    }
    s->calls = pk_malloc((n ? n : 1) * sizeof *s->calls);
    if (!s->calls || n > UINT32_MAX)
        return false;
    for (r = 0; r < pk_memory_run_count(s->p); r++) {
        const pk_mem_run *run = pk_memory_run(s->p, r);
        for (k = 0; k < run->ncalls; k++)
            s->calls[s->ncalls++] = &run->calls[k];
    }
    return true;
}

static void add_call(mem_func *f, const pk_mem_call *c)
{
    f->v[MEM_INCREMENT] += c->mem1 - c->mem0;
    f->v[MEM_NCALLS] += 1.0;
    f->v[MEM_TIME] += c->t1 - c->t0;
    if (c->mem0 > f->v[MEM_MAXMEM])
        f->v[MEM_MAXMEM] = c->mem0;
    if (c->mem1 > f->v[MEM_MAXMEM])
        f->v[MEM_MAXMEM] = c->mem1;
}

/* One entry per name, in name order. */
static bool sum_functions(mem_side *s)
{
    uint32_t *idx = pk_malloc((s->ncalls ? s->ncalls : 1) * sizeof *idx);
    size_t i;
    bool ok = idx != NULL;

    s->funcs = pk_calloc(s->ncalls ? s->ncalls : 1, sizeof *s->funcs);
    ok = ok && s->funcs;
    for (i = 0; ok && i < s->ncalls; i++)
        idx[i] = (uint32_t)i;
    ok = ok && pk_msort(idx, s->ncalls, by_name, s);
    for (i = 0; ok && i < s->ncalls; i++) {
        if (i == 0 || strcmp(call_name(s, idx[i]), call_name(s, idx[i - 1])) != 0)
            s->funcs[s->nfuncs++].name = call_name(s, idx[i]);
        add_call(&s->funcs[s->nfuncs - 1], s->calls[idx[i]]);
    }
    pk_free(idx);
    return ok;
}

static pk_diff_key *name_keys(const mem_side *s)
{
    pk_diff_key *keys = pk_malloc((s->nfuncs ? s->nfuncs : 1) * sizeof *keys);
    size_t i;
    for (i = 0; keys && i < s->nfuncs; i++) {
        keys[i].group = 0;
        keys[i].file = "";
        keys[i].name = s->funcs[i].name;
        keys[i].line = 0;
    }
    return keys;
}

static int add_rows(pk_diff *d, const mem_side *b, const mem_side *a, const uint32_t *b_of_a)
{
    bool *used = pk_calloc(b->nfuncs ? b->nfuncs : 1, sizeof *used);
    size_t i;
    pk_diff_row *r;
    int rc = used ? PK_OK : PK_ENOMEM;

    for (i = 0; rc == PK_OK && i < a->nfuncs; i++) {
        bool both = b_of_a[i] != PK_DIFF_NO_MATCH;
        r = pk_diff__add_row(d, both ? PK_DIFF_BOTH : PK_DIFF_NEW,
                             both ? PK_MATCH_EXACT : PK_MATCH_NONE, "", a->funcs[i].name);
        if (!r) {
            rc = PK_ENOMEM;
            break;
        }
        memcpy(r->after, a->funcs[i].v, sizeof r->after);
        if (both) {
            used[b_of_a[i]] = true;
            memcpy(r->before, b->funcs[b_of_a[i]].v, sizeof r->before);
        }
    }
    for (i = 0; rc == PK_OK && i < b->nfuncs; i++) {
        if (used[i])
            continue;
        r = pk_diff__add_row(d, PK_DIFF_VANISHED, PK_MATCH_NONE, "", b->funcs[i].name);
        if (!r)
            rc = PK_ENOMEM;
        else
            memcpy(r->before, b->funcs[i].v, sizeof r->before);
    }
    pk_free(used);
    return rc;
}

static int match(pk_diff *d, const mem_side *b, const mem_side *a)
{
    pk_diff_key *kb = name_keys(b), *ka = name_keys(a);
    uint32_t *b_of_a = pk_malloc((a->nfuncs ? a->nfuncs : 1) * sizeof *b_of_a);
    int rc = PK_ENOMEM;

    if (kb && ka && b_of_a &&
        pk_diff__match(b_of_a, NULL, kb, b->nfuncs, ka, a->nfuncs, true) == PK_OK)
        rc = add_rows(d, b, a, b_of_a);
    pk_free(kb);
    pk_free(ka);
    pk_free(b_of_a);
    return rc;
}

int pk_diff__build_memory(pk_diff *d, const pk_profile *before, const pk_profile *after)
{
    mem_side b = {before, NULL, 0, NULL, 0, 0.0}, a = {after, NULL, 0, NULL, 0, 0.0};
    int rc = PK_ENOMEM;

    pk_diff__metric(d, "increment", "MiB", false);
    pk_diff__metric(d, "maxmem", "MiB", false);
    pk_diff__metric(d, "ncalls", "", false);
    pk_diff__metric(d, "time", "s", false);
    d->default_metric = MEM_INCREMENT;
    if (collect_calls(&b) && collect_calls(&a) && sum_functions(&b) && sum_functions(&a)) {
        d->total_before = b.peak;
        d->total_after = a.peak;
        rc = match(d, &b, &a);
    }
    pk_free(b.calls);
    pk_free(a.calls);
    pk_free(b.funcs);
    pk_free(a.funcs);
    return rc;
}
