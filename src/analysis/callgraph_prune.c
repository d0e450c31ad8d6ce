/*
 * Pruning a call graph as gprof2dot's Profile.prune, prune_root and
 * prune_leaf do, plus a pprof-style cap on the number of nodes.
 *
 * One difference from gprof2dot, on purpose: with --depth, gprof2dot walks
 * from the roots taking nodes from a Python set in hash order and never
 * revisits a node, so a node first met on a long path can hide what lies
 * within `depth` calls of it on a shorter one. Here the walk is breadth
 * first: every node at most `depth` calls away is kept. Without --depth
 * both keep every reachable node.
 */
#include "callgraph_int.h"

#include <string.h>

#include "alloc.h"
#include "msort.h"

/* ---- fnmatch.fnmatch() of Python (POSIX: case-sensitive) ---- */

/* Decodes one UTF-8 sequence at s[*i] (generalised: surrogates allowed);
 * an invalid byte stands for itself, above the Unicode range. */
static uint32_t utf8_next(const char *s, size_t n, size_t *i)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t c = u[*i];
    size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1, k;

    if (c < 0x80 || c >= 0xf8 || (c >= 0x80 && c < 0xc0) || *i + len > n) {
        (*i)++;
        return c < 0x80 ? c : 0x110000 + c;
    }
    c &= 0x3fu >> (len - 1);
    for (k = 1; k < len; k++) {
        if ((u[*i + k] & 0xc0) != 0x80) {
            (*i)++;
            return 0x110000 + u[*i - 1];
        }
        c = (c << 6) | (u[*i + k] & 0x3f);
    }
    *i += len;
    return c;
}

typedef enum { G_LIT, G_ANY, G_STAR, G_SET } gkind;

typedef struct gtok {
    gkind kind;
    uint32_t c;          /* G_LIT */
    bool negate;         /* G_SET */
    size_t set_at, nset; /* G_SET: ranges[set_at .. set_at + nset) */
} gtok;

typedef struct glob {
    gtok *toks;
    uint32_t (*ranges)[2];
    size_t ntoks, nranges;
} glob;

/* A bracket expression, as fnmatch.translate reads it: "[!" negates, a
 * "]" right after "[" or "[!" is a member, a "-" between two members makes
 * a range, and "[" with no closing "]" is a literal. pat[*i] follows '['. */
static bool parse_set(glob *gl, const uint32_t *pat, size_t n, size_t *i)
{
    size_t j = *i, k, end;
    gtok *t = &gl->toks[gl->ntoks];

    if (j < n && pat[j] == '!')
        j++;
    if (j < n && pat[j] == ']')
        j++;
    while (j < n && pat[j] != ']')
        j++;
    if (j >= n)
        return false;
    t->kind = G_SET;
    t->negate = pat[*i] == '!';
    t->set_at = gl->nranges;
    k = *i + t->negate;
    for (end = j; k < end; k++) {
        uint32_t lo = pat[k], hi = pat[k];
        if (k + 2 < end && pat[k + 1] == '-') {
            hi = pat[k + 2];
            k += 2;
        }
        gl->ranges[gl->nranges][0] = lo;
        gl->ranges[gl->nranges++][1] = hi;
    }
    t->nset = gl->nranges - t->set_at;
    gl->ntoks++;
    *i = j + 1;
    return true;
}

static void glob_free(glob *gl)
{
    pk_free(gl->toks);
    pk_free(gl->ranges);
}

static int glob_compile(glob *gl, const char *pattern)
{
    size_t n = strlen(pattern), np = 0, i = 0;
    uint32_t *pat = pk_malloc((n + 1) * sizeof *pat);

    memset(gl, 0, sizeof *gl);
    gl->toks = pk_malloc((n + 1) * sizeof *gl->toks);
    gl->ranges = pk_malloc((n + 1) * sizeof *gl->ranges);
    if (!pat || !gl->toks || !gl->ranges) {
        pk_free(pat);
        glob_free(gl);
        return PK_ENOMEM;
    }
    while (i < n)
        pat[np++] = utf8_next(pattern, n, &i);
    for (i = 0; i < np;) {
        uint32_t c = pat[i++];
        gtok *t = &gl->toks[gl->ntoks];
        if (c == '[' && parse_set(gl, pat, np, &i))
            continue;
        if (c == '*' && gl->ntoks && gl->toks[gl->ntoks - 1].kind == G_STAR)
            continue;
        t->kind = c == '*' ? G_STAR : c == '?' ? G_ANY : G_LIT;
        t->c = c;
        gl->ntoks++;
    }
    pk_free(pat);
    return PK_OK;
}

static bool glob_tok_matches(const glob *gl, const gtok *t, uint32_t c)
{
    size_t k;
    bool in = false;

    if (t->kind == G_ANY)
        return true;
    if (t->kind == G_LIT)
        return t->c == c;
    for (k = 0; k < t->nset && !in; k++)
        in = gl->ranges[t->set_at + k][0] <= c && c <= gl->ranges[t->set_at + k][1];
    return in != t->negate;
}

/* The whole of s must match; a star backs up one character at a time. */
static bool glob_match(const glob *gl, const char *s)
{
    size_t n = strlen(s), si = 0, ti = 0, star_ti = SIZE_MAX, star_si = 0;

    while (si < n) {
        size_t next = si;
        uint32_t c = utf8_next(s, n, &next);
        if (ti < gl->ntoks && gl->toks[ti].kind == G_STAR) {
            star_ti = ti++;
            star_si = si;
        } else if (ti < gl->ntoks && glob_tok_matches(gl, &gl->toks[ti], c)) {
            ti++;
            si = next;
        } else if (star_ti != SIZE_MAX) {
            ti = star_ti + 1;
            utf8_next(s, n, &star_si);
            si = star_si;
        } else {
            return false;
        }
    }
    while (ti < gl->ntoks && gl->toks[ti].kind == G_STAR)
        ti++;
    return ti == gl->ntoks;
}

/* ---- selecting roots and leaves ---- */

typedef struct scratch {
    uint32_t *queue, *dist;
    bool *mark;
} scratch;

/* Ties keep id order: the sort is stable and the input ascends. */
static int by_name(const void *ctx, uint32_t a, uint32_t b)
{
    return strcmp(pk_callgraph_node_name(ctx, a), pk_callgraph_node_name(ctx, b));
}

/* The alive nodes whose name matches the glob, into queue; of several with
 * one name only the highest id, as gprof2dot's {name: id} dict keeps. */
static int select_glob(size_t *n_out, pk_callgraph *g, const char *pattern, uint32_t *queue)
{
    size_t i, n = 0, kept = 0;
    glob gl;

    if (glob_compile(&gl, pattern) != PK_OK)
        return PK_ENOMEM;
    for (i = 0; i < g->nnodes; i++) {
        if (g->nodes[i].alive && glob_match(&gl, pk_callgraph_node_name(g, (uint32_t)i)))
            queue[n++] = (uint32_t)i;
    }
    glob_free(&gl);
    if (!pk_msort(queue, n, by_name, g))
        return PK_ENOMEM;
    for (i = 0; i < n; i++) {
        if (i + 1 < n && strcmp(pk_callgraph_node_name(g, queue[i]),
                                pk_callgraph_node_name(g, queue[i + 1])) == 0)
            continue;
        queue[kept++] = queue[i];
    }
    *n_out = kept;
    return PK_OK;
}

static int keep_reachable(pk_callgraph *g, scratch *s, const char *pattern, bool down,
                          int64_t depth, pk_error *err)
{
    size_t n;

    if (select_glob(&n, g, pattern, s->queue) != PK_OK)
        return pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory pruning the call graph");
    if (n == 0)
        return pk_error_set(err, PK_ENODATA, NULL, -1,
                            "%s node '%s' not found (might already be pruned: try -n 0 -e 0)",
                            down ? "root" : "leaf", pattern);
    memset(s->mark, 0, g->nnodes * sizeof *s->mark);
    pk_cg__reach(g, s->queue, n, s->dist, s->mark, down, depth);
    pk_cg__keep_only(g, s->mark);
    return PK_OK;
}

/* ---- thresholds ---- */

static bool file_in_paths(const char *file, const pk_cg_prune_opts *o)
{
    size_t i;
    /* gprof2dot keeps functions with an empty file name. */
    if (!file[0])
        return true;
    for (i = 0; i < o->npaths; i++) {
        if (strncmp(file, o->paths[i], strlen(o->paths[i])) == 0)
            return true;
    }
    return false;
}

static void prune_thresholds(pk_callgraph *g, const pk_cg_prune_opts *o)
{
    size_t i;

    for (i = 0; i < g->nnodes; i++) {
        pk_cg_node *n = &g->nodes[i];
        if (n->alive && n->has_weight && n->weight < o->node_thres)
            pk_cg__kill_node(g, (uint32_t)i);
    }
    for (i = 0; o->npaths && i < g->nnodes; i++) {
        if (g->nodes[i].alive && !file_in_paths(pk_callgraph_node_file(g, (uint32_t)i), o))
            pk_cg__kill_node(g, (uint32_t)i);
    }
    for (i = 0; i < g->nedges; i++) {
        if (g->edges[i].weight < o->edge_thres)
            g->edges[i].alive = false;
    }
    g->sorted_ok = false;
}

/* --color-nodes-by-selftime: self ratio over the largest one left (weights
 * stay as they are when that is 0, where Python divides by zero). */
static void weigh_by_self(pk_callgraph *g)
{
    double max_ratio = 1.0;
    bool any = false;
    size_t i;

    for (i = 0; i < g->nnodes; i++) {
        const pk_cg_node *n = &g->nodes[i];
        if (!n->alive || !n->has_stats)
            continue;
        if (!any || n->self_ratio > max_ratio)
            max_ratio = n->self_ratio;
        any = true;
    }
    if (max_ratio == 0.0)
        return;
    for (i = 0; i < g->nnodes; i++) {
        pk_cg_node *n = &g->nodes[i];
        if (n->alive && n->has_stats)
            n->weight = n->self_ratio / max_ratio;
    }
}

/* ---- the node cap ---- */

static int heavier_first(const void *ctx, uint32_t a, uint32_t b)
{
    const pk_cg_node *na = &((const pk_callgraph *)ctx)->nodes[a];
    const pk_cg_node *nb = &((const pk_callgraph *)ctx)->nodes[b];
    double wa = na->has_weight ? na->weight : 0.0, wb = nb->has_weight ? nb->weight : 0.0;

    return wa > wb ? -1 : wa < wb ? 1 : 0;
}

static int cap_nodes(pk_callgraph *g, scratch *s, size_t max_nodes)
{
    size_t i, n = 0;

    for (i = 0; i < g->nnodes; i++) {
        if (g->nodes[i].alive)
            s->queue[n++] = (uint32_t)i;
    }
    if (n <= max_nodes)
        return PK_OK;
    if (!pk_msort(s->queue, n, heavier_first, g))
        return PK_ENOMEM;
    for (i = max_nodes; i < n; i++)
        pk_cg__kill_node(g, s->queue[i]);
    return PK_OK;
}

int pk_callgraph_prune(pk_callgraph *g, const pk_cg_prune_opts *o, pk_error *err)
{
    size_t n = g->nnodes + 1;
    scratch s;
    int rc = PK_OK;

    s.queue = pk_malloc(n * sizeof *s.queue);
    s.dist = pk_malloc(n * sizeof *s.dist);
    s.mark = pk_malloc(n * sizeof *s.mark);
    if (!s.queue || !s.dist || !s.mark)
        rc = pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory pruning the call graph");
    if (rc == PK_OK) {
        prune_thresholds(g, o);
        if (o->color_by_self)
            weigh_by_self(g);
        if (o->root && o->root[0])
            rc = keep_reachable(g, &s, o->root, true, o->depth, err);
    }
    if (rc == PK_OK && o->leaf && o->leaf[0])
        rc = keep_reachable(g, &s, o->leaf, false, o->depth, err);
    if (rc == PK_OK && o->max_nodes && cap_nodes(g, &s, o->max_nodes) != PK_OK)
        rc = pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory pruning the call graph");
    pk_free(s.queue);
    pk_free(s.dist);
    pk_free(s.mark);
    return rc;
}
