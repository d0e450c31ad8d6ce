/*
 * Beyond gprof2dot, after pprof: --focus keeps what leads to or follows
 * from some functions; --hide removes functions but keeps their callers
 * connected to their callees.
 */
#include "callgraph_int.h"

#include <string.h>

#include "alloc.h"
#include "hashidx.h"

static int nomem(pk_error *err)
{
    return pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory selecting call graph nodes");
}

static size_t match_nodes(uint32_t *out, const pk_callgraph *g, const pk_regex *re)
{
    size_t i, n = 0;
    for (i = 0; i < g->nnodes; i++) {
        if (g->nodes[i].alive && pk_regex_search(re, pk_callgraph_node_name(g, (uint32_t)i)))
            out[n++] = (uint32_t)i;
    }
    return n;
}

int pk_callgraph_focus(pk_callgraph *g, const pk_regex *re, size_t *matched_out,
                       pk_error *err)
{
    size_t n = g->nnodes + 1, nmatch;
    uint32_t *queue = pk_malloc(n * sizeof *queue), *dist = pk_malloc(n * sizeof *dist);
    uint32_t *starts = pk_malloc(n * sizeof *starts);
    bool *keep = pk_calloc(n, sizeof *keep);
    int rc = PK_OK;

    if (!queue || !dist || !starts || !keep) {
        rc = nomem(err);
        goto done;
    }
    nmatch = match_nodes(starts, g, re);
    if (matched_out)
        *matched_out = nmatch;
    if (nmatch == 0) {
        rc = pk_error_set(err, PK_ENODATA, NULL, -1, "no function matches the focus regex");
        goto done;
    }
    memcpy(queue, starts, nmatch * sizeof *queue);
    pk_cg__reach(g, queue, nmatch, dist, keep, true, -1);
    memcpy(queue, starts, nmatch * sizeof *queue);
    pk_cg__reach(g, queue, nmatch, dist, keep, false, -1);
    pk_cg__keep_only(g, keep);
done:
    pk_free(queue);
    pk_free(dist);
    pk_free(starts);
    pk_free(keep);
    return rc;
}

/* ---- hide ---- */

/* Edges by (caller, callee), so a bypass adds to an existing edge. */
typedef struct edge_map {
    pk_hashidx idx;
    const pk_callgraph *g;
    uint32_t caller, callee; /* the key being looked up */
} edge_map;

static uint64_t edge_hash(uint32_t caller, uint32_t callee)
{
    return pk_hash_mix(pk_hash_mix(0x9e3779b97f4a7c15u, caller), callee);
}

static bool edge_eq(const void *ctx, uint32_t pos)
{
    const edge_map *m = ctx;
    return m->g->edges[pos].caller == m->caller && m->g->edges[pos].callee == m->callee;
}

static int map_fill(edge_map *m, const pk_callgraph *g)
{
    size_t i;

    m->g = g;
    for (i = 0; i < g->nedges; i++) {
        const pk_cg_edge *e = &g->edges[i];
        if (e->alive && !pk_hashidx_insert(&m->idx, edge_hash(e->caller, e->callee), (uint32_t)i))
            return PK_ENOMEM;
    }
    return PK_OK;
}

/* Adds time and calls to the edge caller -> callee, creating it if need be. */
static int bypass(edge_map *m, pk_callgraph *g, uint32_t caller, uint32_t callee,
                  double t, int64_t calls)
{
    uint64_t h = edge_hash(caller, callee);
    uint32_t e;
    pk_cg_edge *edge;

    m->caller = caller;
    m->callee = callee;
    if (!pk_hashidx_find(&e, &m->idx, h, edge_eq, m)) {
        if (pk_cg__add_edge(&e, g, caller, callee, 0, 0.0) != PK_OK ||
            !pk_hashidx_insert(&m->idx, h, e))
            return PK_ENOMEM;
    }
    edge = &g->edges[e];
    if (!edge->alive) { /* a leftover between two live nodes: start afresh */
        edge->alive = true;
        edge->calls = 0;
        edge->total_time = 0.0;
    }
    edge->total_time += t;
    edge->calls += calls;
    edge->ratio = edge->weight = pk_cg__ratio(edge->total_time, g->total);
    return PK_OK;
}

/* Growable scratch lists of edge indices. */
typedef struct edge_list {
    uint32_t *e;
    size_t n, cap;
} edge_list;

/* The alive edges into (or out of) h from other alive nodes. */
static int around(edge_list *out, const pk_callgraph *g, uint32_t h, bool in)
{
    uint32_t e = in ? g->first_in[h] : g->first_out[h];

    out->n = 0;
    for (; e != PK_CG_NONE; e = in ? g->links[e].next_in : g->links[e].next_out) {
        const pk_cg_edge *edge = &g->edges[e];
        uint32_t other = in ? edge->caller : edge->callee;
        if (!edge->alive || other == h || !g->nodes[other].alive)
            continue;
        if (!pk_grow((void **)&out->e, &out->cap, out->n + 1, sizeof *out->e))
            return PK_ENOMEM;
        out->e[out->n++] = e;
    }
    return PK_OK;
}

/* What the callers' shares of h are measured by: time, else calls, else
 * one each. */
static double inflow(const pk_callgraph *g, const edge_list *ins, int *by)
{
    double t = 0.0, calls = 0.0;
    size_t i;

    for (i = 0; i < ins->n; i++) {
        t += g->edges[ins->e[i]].total_time;
        calls += (double)g->edges[ins->e[i]].calls;
    }
    *by = t > 0.0 ? 0 : calls > 0.0 ? 1 : 2;
    return t > 0.0 ? t : calls > 0.0 ? calls : (double)ins->n;
}

static double share_of(const pk_cg_edge *in, int by, double total)
{
    return (by == 0 ? in->total_time : by == 1 ? (double)in->calls : 1.0) / total;
}

static int64_t share_calls(double share, int64_t calls)
{
    double c = share * (double)calls;

    /* A call that happened is at least one call. */
    if (c > 0.0 && c < 1.0)
        return 1;
    if (!(c > -9.2e18 && c < 9.2e18)) /* NaN or beyond int64_t */
        return c > 0.0 ? INT64_MAX : 0;
    return (int64_t)(c < 0.0 ? c - 0.5 : c + 0.5);
}

static int hide_node(edge_map *m, pk_callgraph *g, uint32_t h, edge_list *ins,
                     edge_list *outs)
{
    size_t i, j;
    double total;
    int by, rc = around(ins, g, h, true);

    if (rc == PK_OK)
        rc = around(outs, g, h, false);
    total = inflow(g, ins, &by);
    for (i = 0; rc == PK_OK && i < ins->n; i++) {
        uint32_t caller = g->edges[ins->e[i]].caller;
        double share = share_of(&g->edges[ins->e[i]], by, total);
        for (j = 0; rc == PK_OK && j < outs->n; j++) {
            const pk_cg_edge *out = &g->edges[outs->e[j]];
            rc = bypass(m, g, caller, out->callee, share * out->total_time,
                        share_calls(share, out->calls));
        }
    }
    pk_cg__kill_node(g, h);
    return rc;
}

int pk_callgraph_hide(pk_callgraph *g, const pk_regex *re, size_t *hidden_out,
                      pk_error *err)
{
    uint32_t *match = pk_malloc((g->nnodes + 1) * sizeof *match);
    edge_list ins = {NULL, 0, 0}, outs = {NULL, 0, 0};
    size_t nmatch, i;
    edge_map m;
    int rc = PK_OK;

    memset(&m, 0, sizeof m);
    if (!match)
        return nomem(err);
    nmatch = match_nodes(match, g, re);
    if (hidden_out)
        *hidden_out = nmatch;
    if (nmatch)
        rc = map_fill(&m, g);
    for (i = 0; rc == PK_OK && i < nmatch; i++)
        rc = hide_node(&m, g, match[i], &ins, &outs);
    pk_hashidx_dispose(&m.idx);
    pk_free(match);
    pk_free(ins.e);
    pk_free(outs.e);
    return rc == PK_OK ? PK_OK : nomem(err);
}
