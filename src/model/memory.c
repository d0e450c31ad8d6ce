/*
 * The memory part of a profile (see parts.h, <profkit/memory.h> and
 * memory_build.h): runs of (time, MiB) series and call intervals from
 * memory_profiler, and the function entries derived from the intervals.
 */
#include "memory_build.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "hashidx.h"
#include "parts.h"

typedef struct sample_vec {
    pk_mem_sample *items;
    size_t n, cap;
} sample_vec;

typedef struct run_build {
    pk_mem_run pub;        /* the view handed out; pointers set by sync_view */
    sample_vec main;
    sample_vec *kids;      /* one per child, in order of first appearance */
    pk_mem_series *kid_views;
    size_t nkids, cap_kids, cap_views;
    pk_hashidx pids;       /* pid -> position in kids */
    pk_mem_call *calls;
    size_t ncalls, cap_calls;
} run_build;

struct pk_memory {
    run_build *runs;
    size_t nruns, cap_runs;
    pk_mem_call *pending;  /* calls not yet given to a run */
    size_t npending, cap_pending;
    uint64_t unknown;
};

static void run_dispose(run_build *r)
{
    size_t i;
    for (i = 0; i < r->nkids; i++)
        pk_free(r->kids[i].items);
    pk_free(r->kids);
    pk_free(r->kid_views);
    pk_free(r->main.items);
    pk_free(r->calls);
    pk_hashidx_dispose(&r->pids);
}

void pk_memory__free(struct pk_memory *m)
{
    size_t i;
    if (!m)
        return;
    for (i = 0; i < m->nruns; i++)
        run_dispose(&m->runs[i]);
    pk_free(m->runs);
    pk_free(m->pending);
    pk_free(m);
}

/* The part, created on first use; NULL when memory runs out. */
static struct pk_memory *part(pk_profile *p)
{
    struct pk_memory **slot = pk_profile__memory(p);
    if (!*slot) {
        *slot = pk_calloc(1, sizeof **slot);
    }
    return *slot;
}

/* The read-only view: a const profile's part, without casting const away
 * through a pointer type (-Wcast-qual). */
static const struct pk_memory *part_c(const pk_profile *p)
{
    return *pk_profile__memory((pk_profile *)(uintptr_t)p);
}

static run_build *new_run(struct pk_memory *m)
{
    run_build *r;
    if (!pk_grow((void **)&m->runs, &m->cap_runs, m->nruns + 1, sizeof *m->runs))
        return NULL;
    r = &m->runs[m->nruns++];
    memset(r, 0, sizeof *r);
    r->pub.main.pid = -1;
    return r;
}

int pk_memory__begin_run(pk_profile *p, const char *cmdline, size_t len)
{
    struct pk_memory *m = part(p);
    run_build *r;
    pk_str id;

    if (!m || pk_profile_intern(&id, p, cmdline, len) != PK_OK)
        return PK_ENOMEM;
    r = new_run(m);
    if (!r)
        return PK_ENOMEM;
    r->pub.has_cmdline = true;
    r->pub.cmdline = id;
    return PK_OK;
}

/* The run samples go to: the latest one, or a first run without a
 * command line when no CMDLINE came yet. */
static run_build *current_run(pk_profile *p)
{
    struct pk_memory *m = part(p);
    if (!m)
        return NULL;
    return m->nruns ? &m->runs[m->nruns - 1] : new_run(m);
}

static int push_sample(sample_vec *v, double t, double mib)
{
    if (!pk_grow((void **)&v->items, &v->cap, v->n + 1, sizeof *v->items))
        return PK_ENOMEM;
    v->items[v->n].t = t;
    v->items[v->n].mib = mib;
    v->n++;
    return PK_OK;
}

int pk_memory__add_sample(pk_profile *p, double t, double mib)
{
    run_build *r = current_run(p);
    return r ? push_sample(&r->main, t, mib) : PK_ENOMEM;
}

typedef struct pid_key {
    const run_build *run;
    int64_t pid;
} pid_key;

static bool pid_eq(const void *ctx, uint32_t pos)
{
    const pid_key *k = ctx;
    return k->run->kid_views[pos].pid == k->pid;
}

/* The position of child pid in r, added if new; false on ENOMEM. */
static bool find_kid(size_t *out, run_build *r, int64_t pid)
{
    pid_key key = {r, pid};
    uint64_t h = pk_hash_mix(0x6d70726f66ULL, (uint64_t)pid);
    uint32_t pos;

    if (pk_hashidx_find(&pos, &r->pids, h, pid_eq, &key)) {
        *out = pos;
        return true;
    }
    if (r->nkids >= UINT32_MAX - 1 ||
        !pk_grow((void **)&r->kids, &r->cap_kids, r->nkids + 1, sizeof *r->kids) ||
        !pk_grow((void **)&r->kid_views, &r->cap_views, r->nkids + 1, sizeof *r->kid_views) ||
        !pk_hashidx_insert(&r->pids, h, (uint32_t)r->nkids))
        return false;
    memset(&r->kids[r->nkids], 0, sizeof r->kids[0]);
    memset(&r->kid_views[r->nkids], 0, sizeof r->kid_views[0]);
    r->kid_views[r->nkids].pid = pid;
    *out = r->nkids++;
    return true;
}

int pk_memory__add_child_sample(pk_profile *p, int64_t pid, double t, double mib)
{
    run_build *r = current_run(p);
    size_t k;

    if (!r || !find_kid(&k, r, pid))
        return PK_ENOMEM;
    return push_sample(&r->kids[k], t, mib);
}

int pk_memory__add_call(pk_profile *p, const pk_mem_call *c)
{
    struct pk_memory *m = part(p);

    if (!m || !pk_grow((void **)&m->pending, &m->cap_pending, m->npending + 1,
                       sizeof *m->pending))
        return PK_ENOMEM;
    m->pending[m->npending] = *c;
    m->pending[m->npending].depth = c->level;
    m->npending++;
    return PK_OK;
}

int pk_memory__count_unknown(pk_profile *p)
{
    struct pk_memory *m = part(p);
    if (!m)
        return PK_ENOMEM;
    m->unknown++;
    return PK_OK;
}

/* ---- finishing: calls to runs ---- */

static void widen(double *lo, double *hi, bool *any, const sample_vec *v)
{
    size_t i;
    for (i = 0; i < v->n; i++) {
        if (!*any || v->items[i].t < *lo)
            *lo = v->items[i].t;
        if (!*any || v->items[i].t > *hi)
            *hi = v->items[i].t;
        *any = true;
    }
}

/* The time span of a run's samples; false when it has none. */
static bool sample_span(double *lo, double *hi, const run_build *r)
{
    bool any = false;
    size_t i;
    widen(lo, hi, &any, &r->main);
    for (i = 0; i < r->nkids; i++)
        widen(lo, hi, &any, &r->kids[i]);
    return any;
}

typedef struct run_span {
    double lo, hi;
    size_t run;
} run_span;

static int run_span_cmp(const void *pa, const void *pb)
{
    const run_span *a = pa, *b = pb;
    if (a->lo != b->lo)
        return a->lo < b->lo ? -1 : 1;
    return a->run < b->run ? -1 : a->run > b->run;
}

static double gap(const run_span *s, double t)
{
    return t < s->lo ? s->lo - t : t > s->hi ? t - s->hi : 0.0;
}

/* The run a call starting at t belongs to: the one whose sample span holds
 * t, else the nearest one (spans sorted by start; n > 0). */
static size_t run_for(const run_span *spans, size_t n, double t)
{
    size_t lo = 0, hi = n; /* first span starting after t: lo */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (spans[mid].lo <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return spans[0].run;
    if (lo == n || gap(&spans[lo - 1], t) <= gap(&spans[lo], t))
        return spans[lo - 1].run;
    return spans[lo].run;
}

static int assign_calls(struct pk_memory *m)
{
    run_span *spans;
    size_t i, n = 0;

    if (!m->npending)
        return PK_OK;
    if (!m->nruns && !new_run(m))
        return PK_ENOMEM;
    spans = pk_calloc(m->nruns, sizeof *spans);
    if (!spans)
        return PK_ENOMEM;
    for (i = 0; i < m->nruns; i++) {
        if (sample_span(&spans[n].lo, &spans[n].hi, &m->runs[i]))
            spans[n++].run = i;
    }
    qsort(spans, n, sizeof *spans, run_span_cmp);
    for (i = 0; i < m->npending; i++) {
        run_build *r = &m->runs[n ? run_for(spans, n, m->pending[i].t0) : 0];
        if (!pk_grow((void **)&r->calls, &r->cap_calls, r->ncalls + 1, sizeof *r->calls)) {
            pk_free(spans);
            return PK_ENOMEM;
        }
        r->calls[r->ncalls++] = m->pending[i];
    }
    pk_free(spans);
    pk_free(m->pending);
    m->pending = NULL;
    m->npending = m->cap_pending = 0;
    return PK_OK;
}

/* ---- finishing: sorting series by time (stable) ---- */

static void merge_runs(pk_mem_sample *dst, const pk_mem_sample *src, size_t lo,
                       size_t mid, size_t hi)
{
    size_t i = lo, j = mid, k = lo;
    while (i < mid && j < hi)
        dst[k++] = src[j].t < src[i].t ? src[j++] : src[i++];
    while (i < mid)
        dst[k++] = src[i++];
    while (j < hi)
        dst[k++] = src[j++];
}

static int sort_samples(sample_vec *v)
{
    pk_mem_sample *tmp, *a, *b;
    size_t i, width, bytes;
    bool sorted = true;

    for (i = 1; i < v->n && sorted; i++)
        sorted = !(v->items[i].t < v->items[i - 1].t);
    if (sorted)
        return PK_OK;
    if (!pk_size_mul(&bytes, v->n, sizeof *tmp) || !(tmp = pk_malloc(bytes)))
        return PK_ENOMEM;
    a = v->items;
    b = tmp;
    for (width = 1; width < v->n; width *= 2) {
        pk_mem_sample *swap;
        for (i = 0; i < v->n; i += 2 * width) {
            size_t mid = i + width < v->n ? i + width : v->n;
            size_t hi = mid + width < v->n ? mid + width : v->n;
            merge_runs(b, a, i, mid, hi);
        }
        swap = a;
        a = b;
        b = swap;
    }
    if (a != v->items)
        memcpy(v->items, a, bytes);
    pk_free(tmp);
    return PK_OK;
}

static int sort_run(run_build *r)
{
    size_t i;
    int rc = sort_samples(&r->main);
    for (i = 0; rc == PK_OK && i < r->nkids; i++)
        rc = sort_samples(&r->kids[i]);
    return rc;
}

static void sync_view(run_build *r)
{
    size_t i;
    r->pub.main.samples = r->main.items;
    r->pub.main.n = r->main.n;
    for (i = 0; i < r->nkids; i++) {
        r->kid_views[i].samples = r->kids[i].items;
        r->kid_views[i].n = r->kids[i].n;
    }
    r->pub.children = r->kid_views;
    r->pub.nchildren = r->nkids;
    r->pub.calls = r->calls;
    r->pub.ncalls = r->ncalls;
}

/* ---- finishing: nesting and function entries ---- */

typedef struct call_ref {
    double t0, t1;
    int32_t level;
    uint32_t idx;
} call_ref;

/* Outer calls first: by start, then level, then the longer one. */
static int call_ref_cmp(const void *pa, const void *pb)
{
    const call_ref *a = pa, *b = pb;
    if (a->t0 != b->t0)
        return a->t0 < b->t0 ? -1 : 1;
    if (a->level != b->level)
        return a->level < b->level ? -1 : 1;
    if (a->t1 != b->t1)
        return a->t1 > b->t1 ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Whether call b lies inside call a (a started no later, as sorted). */
static bool contains(const call_ref *a, const call_ref *b)
{
    if (b->t1 > a->t1)
        return false;
    return a->level < 0 || b->level < 0 || b->level > a->level;
}

static double duration(const pk_mem_call *c)
{
    return c->t1 > c->t0 ? c->t1 - c->t0 : 0.0;
}

/* Scratch arrays for one run's nesting sweep. */
typedef struct sweep {
    call_ref *refs;
    uint32_t *func;     /* function index per call */
    uint32_t *stack;    /* positions in refs */
    double *inner;      /* time of the calls directly inside each call */
    uint32_t *active;   /* open calls per function */
} sweep;

static void sweep_dispose(sweep *s)
{
    pk_free(s->refs);
    pk_free(s->func);
    pk_free(s->stack);
    pk_free(s->inner);
    pk_free(s->active);
}

static int sweep_init(sweep *s, pk_profile *p, const run_build *r)
{
    pk_str empty = PK_STR_EMPTY;
    size_t i, nf;

    memset(s, 0, sizeof *s);
    if (r->ncalls > UINT32_MAX - 1)
        return PK_ENOMEM;
    s->refs = pk_calloc(r->ncalls, sizeof *s->refs);
    s->func = pk_calloc(r->ncalls, sizeof *s->func);
    s->stack = pk_calloc(r->ncalls, sizeof *s->stack);
    s->inner = pk_calloc(r->ncalls, sizeof *s->inner);
    if (!s->refs || !s->func || !s->stack || !s->inner)
        return PK_ENOMEM;
    for (i = 0; i < r->ncalls; i++) {
        const pk_mem_call *c = &r->calls[i];
        int rc = pk_profile_func_get(&s->func[i], NULL, p, empty, 0, c->name);
        if (rc != PK_OK)
            return rc;
        s->refs[i].t0 = c->t0;
        s->refs[i].t1 = c->t1;
        s->refs[i].level = c->level;
        s->refs[i].idx = (uint32_t)i;
    }
    nf = pk_profile_func_count(p);
    s->active = pk_calloc(nf ? nf : 1, sizeof *s->active);
    return s->active ? PK_OK : PK_ENOMEM;
}

static void derive_run(pk_profile *p, run_build *r, sweep *s)
{
    size_t i, depth = 0;

    qsort(s->refs, r->ncalls, sizeof *s->refs, call_ref_cmp);
    for (i = 0; i < r->ncalls; i++) {
        const call_ref *cur = &s->refs[i];
        pk_mem_call *c = &r->calls[cur->idx];
        pk_func *f = pk_profile_func(p, s->func[cur->idx]);

        while (depth && !contains(&s->refs[s->stack[depth - 1]], cur))
            s->active[s->func[s->refs[s->stack[--depth]].idx]]--;
        if (depth)
            s->inner[s->refs[s->stack[depth - 1]].idx] += duration(c);
        c->depth = c->level >= 0 ? c->level : (int32_t)(depth < INT32_MAX ? depth : INT32_MAX);
        if (s->active[s->func[cur->idx]] == 0)
            f->stats.cumtime += duration(c);
        f->stats.ncalls++;
        f->stats.pcalls++;
        s->active[s->func[cur->idx]]++;
        s->stack[depth++] = (uint32_t)i;
    }
    for (i = 0; i < r->ncalls; i++) {
        double self = duration(&r->calls[i]) - s->inner[i];
        pk_profile_func(p, s->func[i])->stats.tottime += self > 0.0 ? self : 0.0;
    }
}

static int derive_functions(pk_profile *p, struct pk_memory *m)
{
    double total = 0.0;
    size_t i;

    for (i = 0; i < m->nruns; i++) {
        sweep s;
        int rc = sweep_init(&s, p, &m->runs[i]);
        if (rc == PK_OK)
            derive_run(p, &m->runs[i], &s);
        sweep_dispose(&s);
        if (rc != PK_OK)
            return rc;
    }
    for (i = 0; i < pk_profile_func_count(p); i++)
        total += pk_profile_func_c(p, (uint32_t)i)->stats.tottime;
    pk_profile_set_total_time(p, total);
    return PK_OK;
}

int pk_memory__finish(pk_profile *p)
{
    struct pk_memory *m = part(p);
    size_t i;
    int rc;

    if (!m)
        return PK_ENOMEM;
    rc = assign_calls(m);
    for (i = 0; rc == PK_OK && i < m->nruns; i++) {
        rc = sort_run(&m->runs[i]);
        sync_view(&m->runs[i]);
    }
    return rc == PK_OK ? derive_functions(p, m) : rc;
}

/* ---- the public, read-only view ---- */

size_t pk_memory_run_count(const pk_profile *p)
{
    const struct pk_memory *m = part_c(p);
    return m ? m->nruns : 0;
}

const pk_mem_run *pk_memory_run(const pk_profile *p, size_t i)
{
    return &part_c(p)->runs[i].pub;
}

uint64_t pk_memory_unknown_lines(const pk_profile *p)
{
    const struct pk_memory *m = part_c(p);
    return m ? m->unknown : 0;
}

bool pk_mem_series_peak(size_t *out, const pk_mem_series *s)
{
    size_t i, best = 0;

    if (s->n == 0)
        return false;
    for (i = 1; i < s->n; i++) {
        if (s->samples[i].mib > s->samples[best].mib)
            best = i;
    }
    *out = best;
    return true;
}

static void span_add(double *lo, double *hi, bool *any, double t)
{
    if (!*any || t < *lo)
        *lo = t;
    if (!*any || t > *hi)
        *hi = t;
    *any = true;
}

bool pk_mem_run_span(double *t0_out, double *t1_out, const pk_mem_run *r)
{
    double lo = 0.0, hi = 0.0;
    bool any = false;
    size_t i, k;

    for (i = 0; i < r->main.n; i++)
        span_add(&lo, &hi, &any, r->main.samples[i].t);
    for (k = 0; k < r->nchildren; k++) {
        for (i = 0; i < r->children[k].n; i++)
            span_add(&lo, &hi, &any, r->children[k].samples[i].t);
    }
    for (i = 0; i < r->ncalls; i++) {
        span_add(&lo, &hi, &any, r->calls[i].t0);
        span_add(&lo, &hi, &any, r->calls[i].t1);
    }
    if (any) {
        *t0_out = lo;
        *t1_out = hi;
    }
    return any;
}
