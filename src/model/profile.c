#include <profkit/profile.h>

#include <string.h>

#include "alloc.h"
#include "arena.h"
#include "hashidx.h"
#include "parts.h"

typedef struct pk_string {
    const char *text; /* NUL-terminated copy in the arena */
    size_t len;
} pk_string;

/* Edge indices grouped by function: edges of function f are
 * ids[start[f] .. start[f + 1]). Rebuilt when stale. */
typedef struct pk_edge_index {
    uint32_t *start;
    uint32_t *ids;
    bool fresh;
} pk_edge_index;

struct pk_profile {
    pk_arena arena;

    pk_string *strs;
    size_t nstrs, strs_cap;
    pk_hashidx str_index;

    pk_func *funcs;
    size_t nfuncs, funcs_cap;
    pk_hashidx func_index;

    pk_edge *edges;
    size_t nedges, edges_cap;
    pk_hashidx edge_index;

    pk_edge_index by_callee, by_caller;

    /* Optional parts (parts.h), NULL when the input has none. */
    struct pk_lines *lines;
    struct pk_stacks *stacks;
    struct pk_memory *memory;

    pk_source_format source;
    double total_time;
    bool has_cost_unit, has_command;
    pk_str cost_name, command;
    double cost_per_second;
};

/* a + b, held at the int64 range: Python's ints never overflow, ours
 * stop at the nearest end instead of wrapping (which C leaves undefined). */
static int64_t add_counts(int64_t a, int64_t b)
{
    int64_t sum;

    if (__builtin_add_overflow(a, b, &sum))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return sum;
}

void pk_stats_add(pk_stats *to, const pk_stats *from)
{
    to->ncalls = add_counts(to->ncalls, from->ncalls);
    to->pcalls = add_counts(to->pcalls, from->pcalls);
    to->tottime += from->tottime;
    to->cumtime += from->cumtime;
}

int pk_profile_new(pk_profile **out)
{
    pk_profile *p = pk_calloc(1, sizeof *p);
    pk_str empty;

    *out = NULL;
    if (!p)
        return PK_ENOMEM;
    if (pk_profile_intern(&empty, p, "", 0) != PK_OK) {
        pk_profile_free(p);
        return PK_ENOMEM;
    }
    *out = p;
    return PK_OK;
}

static void edge_index_dispose(pk_edge_index *x)
{
    pk_free(x->start);
    pk_free(x->ids);
    x->start = x->ids = NULL;
    x->fresh = false;
}

void pk_profile_free(pk_profile *p)
{
    if (!p)
        return;
    pk_arena_dispose(&p->arena);
    pk_free(p->strs);
    pk_hashidx_dispose(&p->str_index);
    pk_free(p->funcs);
    pk_hashidx_dispose(&p->func_index);
    pk_free(p->edges);
    pk_hashidx_dispose(&p->edge_index);
    edge_index_dispose(&p->by_callee);
    edge_index_dispose(&p->by_caller);
    pk_lines__free(p->lines);
    pk_stacks__free(p->stacks);
    pk_memory__free(p->memory);
    pk_free(p);
}

struct pk_lines **pk_profile__lines(pk_profile *p)
{
    return &p->lines;
}

struct pk_stacks **pk_profile__stacks(pk_profile *p)
{
    return &p->stacks;
}

struct pk_memory **pk_profile__memory(pk_profile *p)
{
    return &p->memory;
}

/* ---- strings ---- */

typedef struct str_key {
    const pk_profile *p;
    const char *s;
    size_t len;
} str_key;

static bool str_eq(const void *ctx, uint32_t pos)
{
    const str_key *k = ctx;
    const pk_string *e = &k->p->strs[pos];
    return e->len == k->len && memcmp(e->text, k->s, k->len) == 0;
}

int pk_profile_intern(pk_str *out, pk_profile *p, const char *s, size_t len)
{
    str_key key = {p, s, len};
    uint64_t h = pk_hash_bytes(s, len);
    uint32_t pos;
    char *copy;

    if (pk_hashidx_find(&pos, &p->str_index, h, str_eq, &key)) {
        *out = pos;
        return PK_OK;
    }
    if (p->nstrs >= UINT32_MAX - 1 || len == SIZE_MAX)
        return PK_ENOMEM;
    if (!pk_grow((void **)&p->strs, &p->strs_cap, p->nstrs + 1, sizeof *p->strs))
        return PK_ENOMEM;
    copy = pk_arena_alloc(&p->arena, len + 1);
    if (!copy)
        return PK_ENOMEM;
    if (len)
        memcpy(copy, s, len);
    copy[len] = '\0';
    if (!pk_hashidx_insert(&p->str_index, h, (uint32_t)p->nstrs))
        return PK_ENOMEM;
    p->strs[p->nstrs].text = copy;
    p->strs[p->nstrs].len = len;
    *out = (pk_str)p->nstrs++;
    return PK_OK;
}

const char *pk_profile_str(const pk_profile *p, pk_str id)
{
    return id < p->nstrs ? p->strs[id].text : "";
}

size_t pk_profile_str_len(const pk_profile *p, pk_str id)
{
    return id < p->nstrs ? p->strs[id].len : 0;
}

size_t pk_profile_str_count(const pk_profile *p)
{
    return p->nstrs;
}

/* ---- functions ---- */

typedef struct func_key {
    const pk_profile *p;
    pk_str file, name;
    int64_t line;
} func_key;

static uint64_t func_hash(pk_str file, int64_t line, pk_str name)
{
    return pk_hash_mix(pk_hash_mix(pk_hash_mix(0, file), (uint64_t)line), name);
}

static bool func_eq(const void *ctx, uint32_t pos)
{
    const func_key *k = ctx;
    const pk_func *f = &k->p->funcs[pos];
    return f->file == k->file && f->line == k->line && f->name == k->name;
}

bool pk_profile_func_find(uint32_t *out, const pk_profile *p, pk_str file,
                          int64_t line, pk_str name)
{
    func_key key = {p, file, name, line};
    return pk_hashidx_find(out, &p->func_index, func_hash(file, line, name),
                           func_eq, &key);
}

int pk_profile_func_get(uint32_t *out, bool *added, pk_profile *p, pk_str file,
                        int64_t line, pk_str name)
{
    pk_func *f;

    if (added)
        *added = false;
    if (pk_profile_func_find(out, p, file, line, name))
        return PK_OK;
    if (p->nfuncs >= UINT32_MAX - 1)
        return PK_EINVAL;
    if (!pk_grow((void **)&p->funcs, &p->funcs_cap, p->nfuncs + 1, sizeof *p->funcs))
        return PK_ENOMEM;
    if (!pk_hashidx_insert(&p->func_index, func_hash(file, line, name),
                           (uint32_t)p->nfuncs))
        return PK_ENOMEM;
    f = &p->funcs[p->nfuncs];
    memset(f, 0, sizeof *f);
    f->file = file;
    f->line = line;
    f->name = name;
    *out = (uint32_t)p->nfuncs++;
    p->by_callee.fresh = p->by_caller.fresh = false;
    if (added)
        *added = true;
    return PK_OK;
}

size_t pk_profile_func_count(const pk_profile *p)
{
    return p->nfuncs;
}

pk_func *pk_profile_func(pk_profile *p, uint32_t i)
{
    return &p->funcs[i];
}

const pk_func *pk_profile_func_c(const pk_profile *p, uint32_t i)
{
    return &p->funcs[i];
}

/* ---- edges ---- */

/* One-to-one on the 64-bit (caller, callee) pair: every step of
 * pk_hash_mix(0, v) (adding a constant, xor with a right shift,
 * multiplying by an odd constant) can be undone. So a lookup needs no
 * compare, and no read of the edge itself: a merge looks up an edge per
 * caller entry of every file, and that read was a cache miss each. */
static uint64_t edge_hash(uint32_t caller, uint32_t callee)
{
    return pk_hash_mix(0, ((uint64_t)caller << 32) | callee);
}

bool pk_profile_edge_find(uint32_t *out, const pk_profile *p, uint32_t caller,
                          uint32_t callee)
{
    return pk_hashidx_find(out, &p->edge_index, edge_hash(caller, callee), NULL, NULL);
}

int pk_profile_edge_get(uint32_t *out, bool *added, pk_profile *p,
                        uint32_t caller, uint32_t callee)
{
    pk_edge *e;

    if (added)
        *added = false;
    if (caller >= p->nfuncs || callee >= p->nfuncs)
        return PK_EINVAL;
    if (pk_profile_edge_find(out, p, caller, callee))
        return PK_OK;
    if (p->nedges >= UINT32_MAX - 1)
        return PK_EINVAL;
    if (!pk_grow((void **)&p->edges, &p->edges_cap, p->nedges + 1, sizeof *p->edges))
        return PK_ENOMEM;
    if (!pk_hashidx_insert(&p->edge_index, edge_hash(caller, callee),
                           (uint32_t)p->nedges))
        return PK_ENOMEM;
    e = &p->edges[p->nedges];
    memset(e, 0, sizeof *e);
    e->caller = caller;
    e->callee = callee;
    *out = (uint32_t)p->nedges++;
    p->by_callee.fresh = p->by_caller.fresh = false;
    if (added)
        *added = true;
    return PK_OK;
}

int pk_profile_edge_reserve(pk_profile *p, size_t n)
{
    size_t need;

    if (!pk_size_add(&need, p->nedges, n) ||
        !pk_grow((void **)&p->edges, &p->edges_cap, need, sizeof *p->edges) ||
        !pk_hashidx_reserve(&p->edge_index, need))
        return PK_ENOMEM;
    return PK_OK;
}

int pk_profile_func_reserve(pk_profile *p, size_t n)
{
    size_t funcs, strs;

    if (!pk_size_add(&funcs, p->nfuncs, n) || !pk_size_add(&strs, p->nstrs, n) ||
        !pk_grow((void **)&p->funcs, &p->funcs_cap, funcs, sizeof *p->funcs) ||
        !pk_hashidx_reserve(&p->func_index, funcs) ||
        !pk_grow((void **)&p->strs, &p->strs_cap, strs, sizeof *p->strs) ||
        !pk_hashidx_reserve(&p->str_index, strs))
        return PK_ENOMEM;
    return PK_OK;
}

/* The edge index rebuilt for the edges as they are now (after their
 * endpoints were renumbered); false when out of memory. */
static bool index_edges(pk_hashidx *out, const pk_profile *p)
{
    pk_hashidx x = PK_HASHIDX_INIT;
    size_t i;

    if (!pk_hashidx_reserve(&x, p->nedges)) {
        pk_hashidx_dispose(&x);
        return false;
    }
    for (i = 0; i < p->nedges; i++) /* reserved: cannot fail */
        (void)pk_hashidx_insert(&x, edge_hash(p->edges[i].caller, p->edges[i].callee),
                                (uint32_t)i);
    *out = x;
    return true;
}

int pk_profile_reorder_funcs(pk_profile *p, const uint32_t *order)
{
    pk_func *funcs = pk_malloc((p->nfuncs ? p->nfuncs : 1) * sizeof *funcs);
    uint32_t *new_of_old = pk_malloc((p->nfuncs ? p->nfuncs : 1) * sizeof *new_of_old);
    pk_hashidx edges = PK_HASHIDX_INIT;
    size_t i;

    if (!funcs || !new_of_old) {
        pk_free(funcs);
        pk_free(new_of_old);
        return PK_ENOMEM;
    }
    for (i = 0; i < p->nfuncs; i++) {
        funcs[i] = p->funcs[order[i]];
        new_of_old[order[i]] = (uint32_t)i;
    }
    for (i = 0; i < p->nedges; i++) {
        p->edges[i].caller = new_of_old[p->edges[i].caller];
        p->edges[i].callee = new_of_old[p->edges[i].callee];
    }
    if (!index_edges(&edges, p)) {
        for (i = 0; i < p->nedges; i++) { /* back to the old numbers */
            p->edges[i].caller = order[p->edges[i].caller];
            p->edges[i].callee = order[p->edges[i].callee];
        }
        pk_free(funcs);
        pk_free(new_of_old);
        return PK_ENOMEM;
    }
    /* A function's hash depends on its key only: its slot stays, with the
     * new position. */
    for (i = 0; i < p->func_index.cap; i++) {
        if (p->func_index.slots[i] != 0)
            p->func_index.slots[i] = new_of_old[p->func_index.slots[i] - 1] + 1;
    }
    pk_hashidx_dispose(&p->edge_index);
    p->edge_index = edges;
    memcpy(p->funcs, funcs, p->nfuncs * sizeof *funcs);
    p->by_callee.fresh = p->by_caller.fresh = false;
    pk_free(funcs);
    pk_free(new_of_old);
    return PK_OK;
}

size_t pk_profile_edge_count(const pk_profile *p)
{
    return p->nedges;
}

pk_edge *pk_profile_edge(pk_profile *p, uint32_t i)
{
    return &p->edges[i];
}

const pk_edge *pk_profile_edge_c(const pk_profile *p, uint32_t i)
{
    return &p->edges[i];
}

/* Counting sort of edge ids by one endpoint, stable in insertion order. */
static int build_edge_index(pk_edge_index *x, const pk_profile *p, bool by_callee)
{
    uint32_t *start = pk_calloc(p->nfuncs + 1, sizeof *start);
    uint32_t *ids = pk_malloc((p->nedges ? p->nedges : 1) * sizeof *ids);
    uint32_t *fill = pk_malloc((p->nfuncs + 1) * sizeof *fill);
    size_t i;

    if (!start || !ids || !fill) {
        pk_free(start);
        pk_free(ids);
        pk_free(fill);
        return PK_ENOMEM;
    }
    for (i = 0; i < p->nedges; i++)
        start[(by_callee ? p->edges[i].callee : p->edges[i].caller) + 1]++;
    for (i = 0; i < p->nfuncs; i++)
        start[i + 1] += start[i];
    memcpy(fill, start, (p->nfuncs + 1) * sizeof *fill);
    for (i = 0; i < p->nedges; i++)
        ids[fill[by_callee ? p->edges[i].callee : p->edges[i].caller]++] = (uint32_t)i;
    pk_free(fill);
    edge_index_dispose(x);
    x->start = start;
    x->ids = ids;
    x->fresh = true;
    return PK_OK;
}

static int edges_of(const uint32_t **edges_out, size_t *n_out, pk_profile *p,
                    uint32_t f, bool by_callee)
{
    pk_edge_index *x = by_callee ? &p->by_callee : &p->by_caller;

    *edges_out = NULL;
    *n_out = 0;
    if (f >= p->nfuncs)
        return PK_EINVAL;
    if (!x->fresh) {
        int rc = build_edge_index(x, p, by_callee);
        if (rc != PK_OK)
            return rc;
    }
    *edges_out = x->ids + x->start[f];
    *n_out = x->start[f + 1] - x->start[f];
    return PK_OK;
}

int pk_profile_callers(const uint32_t **edges_out, size_t *n_out,
                       pk_profile *p, uint32_t callee)
{
    return edges_of(edges_out, n_out, p, callee, true);
}

int pk_profile_callees(const uint32_t **edges_out, size_t *n_out,
                       pk_profile *p, uint32_t caller)
{
    return edges_of(edges_out, n_out, p, caller, false);
}

/* ---- meta ---- */

pk_source_format pk_profile_source(const pk_profile *p)
{
    return p->source;
}

void pk_profile_set_source(pk_profile *p, pk_source_format f)
{
    p->source = f;
}

bool pk_profile_has_function_data(const pk_profile *p)
{
    return pk_profile_func_count(p) > 0 || p->source == PK_SOURCE_PSTATS ||
           p->source == PK_SOURCE_CALLGRIND || p->source == PK_SOURCE_PPROF ||
           p->source == PK_SOURCE_NONE;
}

double pk_profile_total_time(const pk_profile *p)
{
    return p->total_time;
}

void pk_profile_set_total_time(pk_profile *p, double t)
{
    p->total_time = t;
}

const char *pk_profile_cost_name(const pk_profile *p)
{
    return p->has_cost_unit ? pk_profile_str(p, p->cost_name) : NULL;
}

double pk_profile_cost_per_second(const pk_profile *p)
{
    return p->has_cost_unit ? p->cost_per_second : 0.0;
}

int pk_profile_set_cost_unit(pk_profile *p, const char *name, size_t len,
                             double per_second)
{
    if (pk_profile_intern(&p->cost_name, p, name, len) != PK_OK)
        return PK_ENOMEM;
    p->cost_per_second = per_second;
    p->has_cost_unit = true;
    return PK_OK;
}

const char *pk_profile_command(const pk_profile *p)
{
    return p->has_command ? pk_profile_str(p, p->command) : NULL;
}

int pk_profile_set_command(pk_profile *p, const char *cmd, size_t len)
{
    if (pk_profile_intern(&p->command, p, cmd, len) != PK_OK)
        return PK_ENOMEM;
    p->has_command = true;
    return PK_OK;
}
