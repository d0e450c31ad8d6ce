/*
 * prof2dot --diff: each alive node and edge of the AFTER graph gets the
 * total time of its counterpart in the BEFORE graph, found through the
 * function matching of prof-diff (exact key, then a unique file and name).
 */
#include "callgraph_int.h"

#include <math.h>

#include "alloc.h"

void pk_cg_diff_free(pk_cg_diff *d)
{
    if (!d)
        return;
    pk_free(d->node_before);
    pk_free(d->edge_before);
    pk_free(d);
}

/* node_of[f]: BEFORE's node of function f, or PK_CG_NONE. */
static uint32_t *node_of_func(const pk_callgraph *g)
{
    size_t i, nf = pk_profile_func_count(g->p);
    uint32_t *map = pk_malloc((nf ? nf : 1) * sizeof *map);

    for (i = 0; map && i < nf; i++)
        map[i] = PK_CG_NONE;
    for (i = 0; map && i < g->nnodes; i++)
        map[g->nodes[i].func] = (uint32_t)i;
    return map;
}

static uint32_t before_node(const pk_callgraph *after, uint32_t id, const uint32_t *b_of_a,
                            const uint32_t *node_of)
{
    uint32_t bf = b_of_a[after->nodes[id].func];
    return bf == UINT32_MAX ? PK_CG_NONE : node_of[bf];
}

/* The BEFORE edge caller -> callee (node ids), or PK_CG_NONE. */
static uint32_t find_edge(const pk_callgraph *g, uint32_t caller, uint32_t callee)
{
    uint32_t e;
    for (e = g->first_out[caller]; e != PK_CG_NONE; e = g->links[e].next_out) {
        if (g->edges[e].callee == callee && g->edges[e].alive)
            return e;
    }
    return PK_CG_NONE;
}

static void fill(pk_cg_diff *d, const pk_callgraph *after, const pk_callgraph *before,
                 const uint32_t *b_of_a, const uint32_t *node_of, double scale)
{
    size_t i;

    for (i = 0; i < after->nnodes; i++) {
        uint32_t b = before_node(after, (uint32_t)i, b_of_a, node_of);
        d->node_before[i] = b != PK_CG_NONE && before->nodes[b].has_stats
                                ? before->nodes[b].total_time * scale : (double)NAN;
    }
    for (i = 0; i < after->nedges; i++) {
        const pk_cg_edge *e = &after->edges[i];
        uint32_t bc = before_node(after, e->caller, b_of_a, node_of);
        uint32_t be = before_node(after, e->callee, b_of_a, node_of);
        uint32_t k = bc != PK_CG_NONE && be != PK_CG_NONE ? find_edge(before, bc, be)
                                                           : PK_CG_NONE;
        d->edge_before[i] = k != PK_CG_NONE ? before->edges[k].total_time * scale
                                             : (double)NAN;
    }
}

int pk_callgraph_diff(pk_cg_diff **out, pk_callgraph *after, pk_callgraph *before,
                      const uint32_t *before_of_after, double band, double scale,
                      pk_error *err)
{
    pk_cg_diff *d = pk_calloc(1, sizeof *d);
    uint32_t *node_of = node_of_func(before);

    *out = NULL;
    if (d) {
        d->nnodes = after->nnodes;
        d->nedges = after->nedges;
        d->band = band;
        d->node_before = pk_malloc((d->nnodes ? d->nnodes : 1) * sizeof *d->node_before);
        d->edge_before = pk_malloc((d->nedges ? d->nedges : 1) * sizeof *d->edge_before);
    }
    if (!d || !node_of || !d->node_before || !d->edge_before) {
        pk_free(node_of);
        pk_cg_diff_free(d);
        return pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory comparing call graphs");
    }
    fill(d, after, before, before_of_after, node_of, scale);
    pk_free(node_of);
    *out = d;
    return PK_OK;
}
