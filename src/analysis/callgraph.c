/*
 * The call graph of a profile as gprof2dot builds it for pstats input
 * (PstatsParser): one node per function, one edge per caller entry, times
 * taken from cProfile directly, ratios over the profile's total. Also the
 * graph's indexes and the recursion cycles (an iterative Tarjan).
 */
#include "callgraph_int.h"

#include <string.h>

#include "alloc.h"

double pk_cg__ratio(double num, double den)
{
    double r;

    /* Python raises ZeroDivisionError and gprof2dot answers 1.0. */
    if (den == 0.0)
        return 1.0;
    r = num / den;
    if (r < 0.0)
        return 0.0;
    if (r > 1.0)
        return 1.0;
    return r;
}

static int nomem(pk_error *err)
{
    return pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory building the call graph");
}

/* ---- edges and lists ---- */

int pk_cg__add_edge(uint32_t *out, pk_callgraph *g, uint32_t caller, uint32_t callee,
                    int64_t calls, double total_time)
{
    pk_cg_edge *e;
    uint32_t i;

    if (g->nedges >= PK_CG_NONE - 1)
        return PK_ENOMEM;
    if (!pk_grow((void **)&g->edges, &g->edges_cap, g->nedges + 1, sizeof *g->edges) ||
        !pk_grow((void **)&g->links, &g->links_cap, g->nedges + 1, sizeof *g->links))
        return PK_ENOMEM;
    i = (uint32_t)g->nedges++;
    e = &g->edges[i];
    e->caller = caller;
    e->callee = callee;
    e->alive = true;
    e->calls = calls;
    e->total_time = total_time;
    e->ratio = e->weight = pk_cg__ratio(total_time, g->total);
    g->links[i].next_out = g->first_out[caller];
    g->links[i].next_in = g->first_in[callee];
    g->first_out[caller] = g->first_in[callee] = i;
    g->sorted_ok = false;
    if (out)
        *out = i;
    return PK_OK;
}

void pk_cg__kill_node(pk_callgraph *g, uint32_t id)
{
    uint32_t e;

    g->nodes[id].alive = false;
    for (e = g->first_out[id]; e != PK_CG_NONE; e = g->links[e].next_out)
        g->edges[e].alive = false;
    for (e = g->first_in[id]; e != PK_CG_NONE; e = g->links[e].next_in)
        g->edges[e].alive = false;
    g->sorted_ok = false;
}

void pk_cg__keep_only(pk_callgraph *g, const bool *keep)
{
    size_t i;
    for (i = 0; i < g->nnodes; i++) {
        if (g->nodes[i].alive && !keep[i])
            pk_cg__kill_node(g, (uint32_t)i);
    }
}

void pk_cg__reach(pk_callgraph *g, uint32_t *queue, size_t nstart, uint32_t *dist,
                  bool *mark, bool forwards, int64_t depth)
{
    size_t head = 0, tail = nstart, i;

    for (i = 0; i < g->nnodes; i++)
        dist[i] = PK_CG_NONE;
    for (i = 0; i < nstart; i++) {
        dist[queue[i]] = 0;
        mark[queue[i]] = true;
    }
    while (head < tail) {
        uint32_t v = queue[head++], e;
        if (depth >= 0 && (int64_t)dist[v] >= depth)
            continue;
        e = forwards ? g->first_out[v] : g->first_in[v];
        for (; e != PK_CG_NONE;
             e = forwards ? g->links[e].next_out : g->links[e].next_in) {
            uint32_t w = forwards ? g->edges[e].callee : g->edges[e].caller;
            if (!g->edges[e].alive || !g->nodes[w].alive || dist[w] != PK_CG_NONE)
                continue;
            dist[w] = dist[v] + 1;
            mark[w] = true;
            queue[tail++] = w;
        }
    }
}

/* ---- building ---- */

/* posixpath.splitext(file)[0], then basename(): "pkg/mod.py" -> "mod". */
static void module_of(const char *s, size_t n, size_t *start_out, size_t *len_out)
{
    size_t base = n, dot = n, end = n, i;

    while (base > 0 && s[base - 1] != '/')
        base--;
    for (i = n; i > base; i--) {
        if (s[i - 1] == '.') {
            dot = i - 1;
            break;
        }
    }
    /* A dot that only leads the base name ("/x/.bashrc") starts no extension. */
    for (i = base; dot < n && i < dot; i++) {
        if (s[i] != '.') {
            end = dot;
            break;
        }
    }
    *start_out = base;
    *len_out = end - base;
}

/* ":<line>:" into buf (at least 24 bytes); returns its length. */
static size_t line_text(char *buf, int64_t line)
{
    char digits[24];
    uint64_t v = line < 0 ? 0 - (uint64_t)line : (uint64_t)line;
    size_t n = 0, len = 0;

    do
        digits[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    buf[len++] = ':';
    if (line < 0)
        buf[len++] = '-';
    while (n)
        buf[len++] = digits[--n];
    buf[len++] = ':';
    return len;
}

static int add_name(pk_callgraph *g, uint32_t id)
{
    const pk_func *f = pk_profile_func_c(g->p, g->nodes[id].func);
    const char *file = pk_profile_str(g->p, f->file);
    size_t name_len = pk_profile_str_len(g->p, f->name), start, len, line_len;
    char line[24];
    uint8_t *at;

    module_of(file, pk_profile_str_len(g->p, f->file), &start, &len);
    line_len = line_text(line, f->line);
    g->name_at[id] = g->names.len;
    if (!pk_buf_reserve(&g->names, len + line_len + name_len + 1))
        return PK_ENOMEM;
    at = g->names.data + g->names.len;
    memcpy(at, file + start, len);
    memcpy(at + len, line, line_len);
    memcpy(at + len + line_len, pk_profile_str(g->p, f->name), name_len + 1);
    g->names.len += len + line_len + name_len + 1;
    return PK_OK;
}

/* gprof2dot numbers functions as it meets them walking the stats dict:
 * each entry, then the entry's callers. */
static uint32_t node_for(pk_callgraph *g, uint32_t *node_of, uint32_t func)
{
    if (node_of[func] == PK_CG_NONE) {
        pk_cg_node *n = &g->nodes[g->nnodes];
        memset(n, 0, sizeof *n);
        n->func = func;
        n->alive = true;
        n->cycle = PK_CG_NONE;
        node_of[func] = (uint32_t)g->nnodes++;
    }
    return node_of[func];
}

static int number_nodes(pk_callgraph *g, uint32_t *node_of)
{
    size_t nf = pk_profile_func_count(g->p), f, i;

    for (f = 0; f < nf; f++) {
        const uint32_t *edges;
        size_t n;
        if (!pk_func_is_entry(pk_profile_func_c(g->p, (uint32_t)f)))
            continue;
        node_for(g, node_of, (uint32_t)f);
        if (pk_profile_callers(&edges, &n, g->p, (uint32_t)f) != PK_OK)
            return PK_ENOMEM;
        for (i = 0; i < n; i++)
            node_for(g, node_of, pk_profile_edge_c(g->p, edges[i])->caller);
    }
    /* Functions no entry names (never the case for pstats files). */
    for (f = 0; f < nf; f++)
        node_for(g, node_of, (uint32_t)f);
    return PK_OK;
}

/* The node numbers, and the total ratios divide by: gprof2dot's
 * max(total_tt, every ct) in dict order, and the sum of tt for self. */
static double set_node_stats(pk_callgraph *g, const uint32_t *node_of)
{
    size_t nf = pk_profile_func_count(g->p), f;
    double sum_tt = 0.0, total = pk_profile_total_time(g->p);

    for (f = 0; f < nf; f++) {
        const pk_func *fn = pk_profile_func_c(g->p, (uint32_t)f);
        pk_cg_node *n = &g->nodes[node_of[f]];
        if (!pk_func_is_entry(fn))
            continue;
        n->has_stats = true;
        n->calls = fn->stats.ncalls;
        n->self_time = fn->stats.tottime;
        n->total_time = fn->stats.cumtime;
        sum_tt += fn->stats.tottime;
        if (fn->stats.cumtime > total)
            total = fn->stats.cumtime;
    }
    for (f = 0; f < g->nnodes; f++) {
        pk_cg_node *n = &g->nodes[f];
        if (!n->has_stats)
            continue;
        n->self_ratio = pk_cg__ratio(n->self_time, sum_tt);
        n->total_ratio = n->weight = pk_cg__ratio(n->total_time, total);
        n->has_weight = true;
    }
    return total;
}

/*
 * The edges into one entry. A cProfile caller tuple (nc, cc, tt, ct) gives
 * cc calls and ct seconds. A plain count (pure-Python profile) gives its
 * share of the callee's calls times the callee's ct; gprof2dot takes that
 * nc and ct from the last tuple seen before in the same callers dict, if
 * any, which only a merge of both kinds of file can show.
 */
static int add_entry_edges(pk_callgraph *g, const uint32_t *node_of, uint32_t f)
{
    const pk_func *fn = pk_profile_func_c(g->p, f);
    int64_t nc = fn->stats.ncalls;
    double ct = fn->stats.cumtime;
    const uint32_t *edges;
    size_t n, i;
    int rc = pk_profile_callers(&edges, &n, g->p, f);

    for (i = 0; rc == PK_OK && i < n; i++) {
        const pk_edge *e = pk_profile_edge_c(g->p, edges[i]);
        int64_t calls = e->stats.pcalls;
        double t = e->stats.cumtime;
        if (e->flags & PK_EDGE_COUNT_ONLY) {
            calls = e->stats.ncalls;
            t = pk_cg__ratio((double)calls, (double)nc) * ct;
        } else {
            nc = e->stats.ncalls;
            ct = e->stats.cumtime;
        }
        rc = pk_cg__add_edge(NULL, g, node_of[e->caller], node_of[f], calls, t);
    }
    return rc;
}

static int add_edges(pk_callgraph *g, const uint32_t *node_of)
{
    size_t nf = pk_profile_func_count(g->p), ne = pk_profile_edge_count(g->p), i;
    int rc = PK_OK;

    for (i = 0; rc == PK_OK && i < nf; i++) {
        if (pk_func_is_entry(pk_profile_func_c(g->p, (uint32_t)i)))
            rc = add_entry_edges(g, node_of, (uint32_t)i);
    }
    /* Edges into caller-only functions (no pstats file has them). */
    for (i = 0; rc == PK_OK && i < ne; i++) {
        const pk_edge *e = pk_profile_edge_c(g->p, (uint32_t)i);
        if (pk_func_is_entry(pk_profile_func_c(g->p, e->callee)))
            continue;
        rc = pk_cg__add_edge(NULL, g, node_of[e->caller], node_of[e->callee],
                             (e->flags & PK_EDGE_COUNT_ONLY) ? e->stats.ncalls : e->stats.pcalls,
                             e->stats.cumtime);
    }
    return rc;
}

static int alloc_nodes(pk_callgraph *g, size_t n)
{
    size_t i, bytes;

    if (n >= PK_CG_NONE || !pk_size_mul(&bytes, n + 1, sizeof *g->sorted_start))
        return PK_ENOMEM;
    /* Room for every edge of the profile; --hide may add more later. */
    if (!pk_grow((void **)&g->edges, &g->edges_cap, pk_profile_edge_count(g->p) + 1,
                 sizeof *g->edges) ||
        !pk_grow((void **)&g->links, &g->links_cap, pk_profile_edge_count(g->p) + 1,
                 sizeof *g->links))
        return PK_ENOMEM;
    g->nodes = pk_malloc((n + 1) * sizeof *g->nodes);
    g->first_out = pk_malloc((n + 1) * sizeof *g->first_out);
    g->first_in = pk_malloc((n + 1) * sizeof *g->first_in);
    g->name_at = pk_malloc((n + 1) * sizeof *g->name_at);
    g->sorted_start = pk_malloc(bytes);
    if (!g->nodes || !g->first_out || !g->first_in || !g->name_at || !g->sorted_start)
        return PK_ENOMEM;
    for (i = 0; i <= n; i++)
        g->first_out[i] = g->first_in[i] = PK_CG_NONE;
    return PK_OK;
}

static int build(pk_callgraph *g, pk_error *err)
{
    size_t nf = pk_profile_func_count(g->p), i;
    uint32_t *node_of = NULL;
    int rc = alloc_nodes(g, nf);

    if (rc == PK_OK)
        node_of = pk_malloc((nf + 1) * sizeof *node_of);
    if (!node_of)
        return nomem(err);
    for (i = 0; i < nf; i++)
        node_of[i] = PK_CG_NONE;
    rc = number_nodes(g, node_of);
    if (rc == PK_OK) {
        g->total = set_node_stats(g, node_of);
        rc = add_edges(g, node_of);
    }
    /* In function order: the profile's records are then read in sequence. */
    for (i = 0; rc == PK_OK && i < nf; i++)
        rc = add_name(g, node_of[i]);
    pk_free(node_of);
    return rc == PK_OK ? PK_OK : nomem(err);
}

int pk_callgraph_build(pk_callgraph **out, pk_profile *p, pk_error *err)
{
    pk_callgraph *g = pk_calloc(1, sizeof *g);
    int rc;

    *out = NULL;
    if (!g)
        return nomem(err);
    g->p = p;
    rc = build(g, err);
    if (rc != PK_OK) {
        pk_callgraph_free(g);
        return rc;
    }
    *out = g;
    return PK_OK;
}

void pk_callgraph_free(pk_callgraph *g)
{
    if (!g)
        return;
    pk_free(g->nodes);
    pk_free(g->edges);
    pk_free(g->links);
    pk_free(g->first_out);
    pk_free(g->first_in);
    pk_buf_dispose(&g->names);
    pk_free(g->name_at);
    pk_free(g->sorted_start);
    pk_free(g->sorted);
    pk_free(g);
}

/* ---- accessors ---- */

size_t pk_callgraph_node_count(const pk_callgraph *g) { return g->nnodes; }
size_t pk_callgraph_edge_count(const pk_callgraph *g) { return g->nedges; }

const pk_cg_node *pk_callgraph_node(const pk_callgraph *g, uint32_t id)
{
    return &g->nodes[id];
}

const pk_cg_edge *pk_callgraph_edge(const pk_callgraph *g, uint32_t i)
{
    return &g->edges[i];
}

void pk_callgraph_alive(const pk_callgraph *g, size_t *nodes_out, size_t *edges_out)
{
    size_t i, n = 0, e = 0;

    for (i = 0; i < g->nnodes; i++)
        n += g->nodes[i].alive;
    for (i = 0; i < g->nedges; i++)
        e += g->edges[i].alive;
    if (nodes_out)
        *nodes_out = n;
    if (edges_out)
        *edges_out = e;
}

const char *pk_callgraph_node_name(const pk_callgraph *g, uint32_t id)
{
    return (const char *)g->names.data + g->name_at[id];
}

const char *pk_callgraph_node_file(const pk_callgraph *g, uint32_t id)
{
    return pk_profile_str(g->p, pk_profile_func_c(g->p, g->nodes[id].func)->file);
}

size_t pk_callgraph_cycle_count(const pk_callgraph *g) { return g->ncycles; }

/* Counting sort of the alive edges by callee, then (stably) by caller: each
 * caller's run comes out sorted by callee, in O(nodes + edges). */
static int sort_edges(pk_callgraph *g)
{
    uint32_t *by_callee = NULL, *count = g->sorted_start;
    size_t i, n = 0;

    pk_free(g->sorted);
    g->sorted = pk_malloc((g->nedges + 1) * sizeof *g->sorted);
    by_callee = pk_malloc((g->nedges + 1) * sizeof *by_callee);
    if (!g->sorted || !by_callee) {
        pk_free(by_callee);
        return PK_ENOMEM;
    }
    memset(count, 0, (g->nnodes + 1) * sizeof *count);
    for (i = 0; i < g->nedges; i++)
        count[g->edges[i].callee] += g->edges[i].alive;
    for (i = 0; i < g->nnodes; i++) {
        uint32_t c = count[i];
        count[i] = (uint32_t)n;
        n += c;
    }
    for (i = 0; i < g->nedges; i++) {
        if (g->edges[i].alive)
            by_callee[count[g->edges[i].callee]++] = (uint32_t)i;
    }
    memset(count, 0, (g->nnodes + 1) * sizeof *count);
    for (i = 0; i < n; i++)
        count[g->edges[by_callee[i]].caller + 1]++;
    for (i = 0; i < g->nnodes; i++)
        count[i + 1] += count[i];
    for (i = 0; i < n; i++) {
        uint32_t e = by_callee[i];
        g->sorted[count[g->edges[e].caller]++] = e;
    }
    /* count[c] now ends caller c's run: shift back into starts. */
    memmove(count + 1, count, g->nnodes * sizeof *count);
    count[0] = 0;
    pk_free(by_callee);
    g->sorted_ok = true;
    return PK_OK;
}

int pk_callgraph_out_edges(const uint32_t **edges_out, size_t *n_out, pk_callgraph *g,
                           uint32_t id, pk_error *err)
{
    if (!g->sorted_ok && sort_edges(g) != PK_OK)
        return nomem(err);
    *edges_out = g->sorted + g->sorted_start[id];
    *n_out = g->sorted_start[id + 1] - g->sorted_start[id];
    return PK_OK;
}

/* ---- recursion cycles: Tarjan's algorithm with an explicit stack ---- */

typedef struct tarjan {
    uint32_t *index, *low; /* PK_CG_NONE: not visited yet */
    uint32_t *stack;       /* nodes of components not finished */
    uint32_t *frame_node, *frame_edge; /* the explicit call stack */
    uint32_t *comp;        /* per node: its component if part of a cycle */
    bool *on_stack;
    size_t nstack, nframes;
    uint32_t next_index, ncomps;
} tarjan;

static void tarjan_enter(tarjan *t, const pk_callgraph *g, uint32_t v)
{
    t->index[v] = t->low[v] = t->next_index++;
    t->stack[t->nstack++] = v;
    t->on_stack[v] = true;
    t->frame_node[t->nframes] = v;
    t->frame_edge[t->nframes++] = g->first_out[v];
}

/* Pops a finished root's component; only components of two or more
 * nodes are cycles (gprof2dot makes no cycle of a lone recursive function). */
static void tarjan_pop_component(tarjan *t, uint32_t v)
{
    size_t start = t->nstack, i;

    do
        start--;
    while (t->stack[start] != v);
    for (i = start; i < t->nstack; i++) {
        t->on_stack[t->stack[i]] = false;
        t->comp[t->stack[i]] = t->nstack - start > 1 ? t->ncomps : PK_CG_NONE;
    }
    t->ncomps += t->nstack - start > 1;
    t->nstack = start;
}

static void tarjan_from(tarjan *t, const pk_callgraph *g, uint32_t root)
{
    tarjan_enter(t, g, root);
    while (t->nframes) {
        uint32_t v = t->frame_node[t->nframes - 1];
        uint32_t *e = &t->frame_edge[t->nframes - 1];
        bool descended = false;
        while (*e != PK_CG_NONE && !descended) {
            const pk_cg_edge *edge = &g->edges[*e];
            uint32_t w = edge->callee;
            *e = g->links[*e].next_out;
            if (!edge->alive || !g->nodes[w].alive)
                continue;
            if (t->index[w] == PK_CG_NONE) {
                tarjan_enter(t, g, w);
                descended = true;
            } else if (t->on_stack[w] && t->index[w] < t->low[v]) {
                t->low[v] = t->index[w];
            }
        }
        if (descended)
            continue;
        t->nframes--;
        if (t->low[v] == t->index[v])
            tarjan_pop_component(t, v);
        if (t->nframes) {
            uint32_t parent = t->frame_node[t->nframes - 1];
            if (t->low[v] < t->low[parent])
                t->low[parent] = t->low[v];
        }
    }
}

static void tarjan_free(tarjan *t)
{
    pk_free(t->index);
    pk_free(t->low);
    pk_free(t->stack);
    pk_free(t->frame_node);
    pk_free(t->frame_edge);
    pk_free(t->comp);
    pk_free(t->on_stack);
}

int pk_callgraph_find_cycles(pk_callgraph *g, pk_error *err)
{
    size_t n = g->nnodes + 1, i;
    uint32_t *renumber;
    tarjan t;

    memset(&t, 0, sizeof t);
    t.index = pk_malloc(n * sizeof *t.index);
    t.low = pk_malloc(n * sizeof *t.low);
    t.stack = pk_malloc(n * sizeof *t.stack);
    t.frame_node = pk_malloc(n * sizeof *t.frame_node);
    t.frame_edge = pk_malloc(n * sizeof *t.frame_edge);
    t.comp = pk_malloc(n * sizeof *t.comp);
    t.on_stack = pk_calloc(n, sizeof *t.on_stack);
    if (!t.index || !t.low || !t.stack || !t.frame_node || !t.frame_edge || !t.comp ||
        !t.on_stack) {
        tarjan_free(&t);
        return nomem(err);
    }
    for (i = 0; i < g->nnodes; i++)
        t.index[i] = t.comp[i] = PK_CG_NONE;
    for (i = 0; i < g->nnodes; i++) {
        if (g->nodes[i].alive && t.index[i] == PK_CG_NONE)
            tarjan_from(&t, g, (uint32_t)i);
    }
    /* Number cycles by their lowest node id, as gprof2dot lists them. */
    renumber = t.low; /* free now: reuse it */
    for (i = 0; i < t.ncomps; i++)
        renumber[i] = PK_CG_NONE;
    g->ncycles = 0;
    for (i = 0; i < g->nnodes; i++) {
        uint32_t c = t.comp[i];
        if (c != PK_CG_NONE && renumber[c] == PK_CG_NONE)
            renumber[c] = (uint32_t)g->ncycles++;
        g->nodes[i].cycle = c == PK_CG_NONE ? PK_CG_NONE : renumber[c];
    }
    tarjan_free(&t);
    return PK_OK;
}
