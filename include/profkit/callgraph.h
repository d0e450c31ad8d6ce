/*
 * Call graphs: the nodes and edges gprof2dot draws for a profile, how they
 * are pruned, and how they are written as DOT or rendered through Graphviz.
 *
 * For pstats input the numbers are the ones gprof2dot computes: a node's
 * total time is cProfile's cumulative time (nothing is integrated over the
 * graph), its total ratio is that time over max(sum of self times, largest
 * cumulative time), and an edge carries the callee's cumulative time when
 * called from that caller. Node ids are gprof2dot's: the order in which
 * functions are first seen walking the stats entries, each followed by its
 * callers.
 *
 * Ownership: a graph returned through **out belongs to the caller, who
 * frees it with pk_callgraph_free() (which accepts NULL). It borrows the
 * profile it was built from, which must outlive it. Node, edge and index
 * pointers returned as values are borrowed and stay valid until the graph
 * changes (hide, focus, prune) or is freed.
 */
#ifndef PROFKIT_CALLGRAPH_H
#define PROFKIT_CALLGRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis.h"
#include "error.h"
#include "profile.h"

typedef struct pk_callgraph pk_callgraph;

/* "No such node / cycle". */
#define PK_CG_NONE UINT32_MAX

typedef struct pk_cg_node {
    uint32_t func;      /* the profile's function index */
    bool alive;         /* false once hidden, unfocused or pruned */
    bool has_stats;     /* false for caller-only functions: no times or calls */
    bool has_weight;    /* weight is set (every node with stats) */
    int64_t calls;      /* all calls (cProfile's nc): the "N×" line */
    double self_time;   /* seconds, cProfile's tt */
    double total_time;  /* seconds, cProfile's ct */
    double self_ratio;  /* self_time / sum of self times, in [0, 1] */
    double total_ratio; /* total_time / the profile's total, in [0, 1] */
    double weight;      /* what pruning and colouring use */
    uint32_t cycle;     /* index of its recursion cycle, or PK_CG_NONE */
} pk_cg_node;

typedef struct pk_cg_edge {
    uint32_t caller, callee; /* node ids */
    bool alive;
    int64_t calls;     /* the count gprof2dot shows (see pk_callgraph_build) */
    double total_time; /* seconds the callee spent when called from caller */
    double ratio;      /* total_time / the profile's total, in [0, 1] */
    double weight;     /* what pruning and colouring use */
} pk_cg_edge;

/*
 * Builds the call graph of every function and caller edge of p. An edge's
 * count is the second number of cProfile's caller tuple (primitive calls:
 * gprof2dot shows 2× for a recursive fib called 14 times by itself); for a
 * pure-Python `profile` count it is that count, and its time is the count's
 * share of the callee's calls times the callee's cumulative time. No node
 * is in a cycle until pk_callgraph_find_cycles() runs. p is not changed
 * except for the caller/callee indexes it builds on demand.
 * Returns PK_OK or PK_ENOMEM.
 */
int pk_callgraph_build(pk_callgraph **out, pk_profile *p, pk_error *err);

/* Frees the graph. Accepts NULL. */
void pk_callgraph_free(pk_callgraph *g);

/* Nodes (ids 0 .. count-1) and edges, alive or not. */
size_t pk_callgraph_node_count(const pk_callgraph *g);
size_t pk_callgraph_edge_count(const pk_callgraph *g);
const pk_cg_node *pk_callgraph_node(const pk_callgraph *g, uint32_t id);
const pk_cg_edge *pk_callgraph_edge(const pk_callgraph *g, uint32_t i);

/* How many nodes and edges are alive (either pointer may be NULL). */
void pk_callgraph_alive(const pk_callgraph *g, size_t *nodes_out, size_t *edges_out);

/* gprof2dot's node name, "<file's base name without extension>:<line>:<name>"
 * (borrowed). */
const char *pk_callgraph_node_name(const pk_callgraph *g, uint32_t id);

/* The function's file name as the profile holds it (borrowed). */
const char *pk_callgraph_node_file(const pk_callgraph *g, uint32_t id);

/*
 * The alive edges out of node `id`, as edge indices sorted by callee id:
 * the order gprof2dot writes them in. *edges_out is borrowed.
 * Returns PK_OK or PK_ENOMEM.
 */
int pk_callgraph_out_edges(const uint32_t **edges_out, size_t *n_out, pk_callgraph *g,
                           uint32_t id, pk_error *err);

/*
 * Finds the recursion cycles among the alive nodes and edges: strongly
 * connected components of more than one node (Tarjan's algorithm, run
 * iteratively, so any depth of call chain is safe). Cycles are numbered in
 * the order of their lowest node id; a self-recursive function alone is no
 * cycle, as in gprof2dot. gprof2dot only looks for cycles (to integrate
 * time over them) in inputs without cumulative times; for pstats it does
 * not, and they change nothing it draws, so pk_callgraph_build() leaves
 * this to callers that want to know.
 * Returns PK_OK or PK_ENOMEM.
 */
int pk_callgraph_find_cycles(pk_callgraph *g, pk_error *err);

/* The number of cycles found by the last pk_callgraph_find_cycles(). */
size_t pk_callgraph_cycle_count(const pk_callgraph *g);

/*
 * Keeps only the nodes whose name (pk_callgraph_node_name) matches re, and
 * everything they call or are called by, directly or not (pprof's focus).
 * *matched_out (may be NULL) receives the number of matching nodes; with
 * none, the graph is unchanged and PK_ENODATA is returned.
 * Returns PK_OK, PK_ENODATA or PK_ENOMEM.
 */
int pk_callgraph_focus(pk_callgraph *g, const pk_regex *re, size_t *matched_out,
                       pk_error *err);

/*
 * Removes the nodes whose name matches re but keeps their callers connected
 * to their callees (pprof's hide): for hidden H, each caller C -> H and
 * callee H -> D gives an edge C -> D (added to an existing one) that carries
 * C's share of the time H passed to D, the share being C's part of the time
 * spent in H through its callers; calls are split the same way and rounded.
 * Hidden nodes are taken in id order, so chains of hidden nodes collapse.
 * *hidden_out (may be NULL) receives the number of nodes hidden.
 * Returns PK_OK or PK_ENOMEM.
 */
int pk_callgraph_hide(pk_callgraph *g, const pk_regex *re, size_t *hidden_out,
                      pk_error *err);

typedef struct pk_cg_prune_opts {
    double node_thres;         /* fraction: nodes with a lower weight go */
    double edge_thres;         /* fraction: edges with a lower weight go */
    const char *const *paths;  /* keep only files starting with one (gprof2dot -p) */
    size_t npaths;
    bool color_by_self;        /* afterwards, weight = self ratio / largest self ratio */
    const char *root;          /* fnmatch glob over node names, or NULL (-z) */
    const char *leaf;          /* fnmatch glob over node names, or NULL (-l) */
    int64_t depth;             /* for root and leaf; negative: no limit */
    size_t max_nodes;          /* at the end keep the heaviest N; 0: no limit */
} pk_cg_prune_opts;

#define PK_CG_PRUNE_OPTS_INIT {0.005, 0.001, NULL, 0, false, NULL, NULL, -1, 0}

/*
 * Prunes the graph in gprof2dot's order: nodes under node_thres, files
 * outside paths, edges under edge_thres or to removed nodes, the colouring
 * weights, then the root's descendants (every node at most `depth` calls
 * below a root) and the leaf's ancestors. A glob matching several nodes of
 * one name picks the one with the highest id, as gprof2dot does. Finally
 * max_nodes keeps the heaviest nodes (ties: lower id first).
 * Returns PK_OK, PK_ENODATA (root or leaf matches no node left; message in
 * err) or PK_ENOMEM.
 */
int pk_callgraph_prune(pk_callgraph *g, const pk_cg_prune_opts *o, pk_error *err);

/* ---- writing and rendering (pk_render) ---- */

/* gprof2dot's colour maps. */
typedef enum pk_dot_theme {
    PK_DOT_THEME_COLOR, /* dark blue to red */
    PK_DOT_THEME_PINK,
    PK_DOT_THEME_GRAY,
    PK_DOT_THEME_BW,
    PK_DOT_THEME_PRINT
} pk_dot_theme;

/* The measures a node can show under its name (gprof2dot --node-label). */
typedef enum pk_dot_label {
    PK_DOT_LABEL_SELF_TIME,       /* "(%.7g)" seconds */
    PK_DOT_LABEL_SELF_PERCENT,    /* "(12.34%)" */
    PK_DOT_LABEL_TOTAL_TIME,      /* "%.7g" seconds */
    PK_DOT_LABEL_TOTAL_PERCENT    /* "12.34%" */
} pk_dot_label;

/*
 * What prof2dot --diff draws: for each node and edge of an AFTER graph, the
 * time of its counterpart in a BEFORE graph. Nodes and edges are then
 * coloured by the change of their total time instead of by weight: red
 * when slower, blue when faster (deeper for larger changes, full at +-100%),
 * grey within `band`, purple when new; labels show before -> after and the
 * percent. Built by pk_callgraph_diff(), freed by pk_cg_diff_free().
 */
typedef struct pk_cg_diff {
    double *node_before; /* per node id: BEFORE's total time (s), NaN when new */
    double *edge_before; /* per edge index: likewise */
    size_t nnodes, nedges;
    double band;         /* relative change drawn grey, e.g. 0.05 */
} pk_cg_diff;

/*
 * Pairs the alive nodes and edges of `after` with those of `before` (a
 * graph of another profile): before_of_after[f] is the BEFORE function
 * matched to AFTER function f (see pk_diff_match_functions), or
 * UINT32_MAX. BEFORE's times are multiplied by `scale` (1, or AFTER's
 * total over BEFORE's to compare shares of the run). Call it after pruning
 * `after`; it must not change before writing. Returns PK_OK or PK_ENOMEM.
 */
int pk_callgraph_diff(pk_cg_diff **out, pk_callgraph *after, pk_callgraph *before,
                      const uint32_t *before_of_after, double band, double scale,
                      pk_error *err);

void pk_cg_diff_free(pk_cg_diff *d);

typedef struct pk_dot_opts {
    pk_dot_theme theme;
    double skew;                /* colour curve skew; 0 or 1: linear */
    const pk_dot_label *labels; /* in order; NULL: total, then self percent */
    size_t nlabels;
    bool strip;                 /* drop (...) and <...> groups and " const" (-s) */
    bool wrap;                  /* wrap names longer than 32 characters (-w) */
    const pk_cg_diff *diff;     /* colour by change against BEFORE; NULL: gprof2dot's */
} pk_dot_opts;

#define PK_DOT_OPTS_INIT {PK_DOT_THEME_COLOR, 1.0, NULL, 0, false, false, NULL}

/* Parse gprof2dot's names ("color", "self-time-percentage"...).
 * Return PK_OK or PK_EINVAL. */
int pk_dot_theme_parse(pk_dot_theme *out, const char *name);
int pk_dot_label_parse(pk_dot_label *out, const char *name);

/*
 * Writes the alive part of the graph as DOT, byte for byte what gprof2dot
 * writes for the same graph: nodes in id order, each followed by its edges
 * in callee order, attributes sorted by name, UTF-8 text.
 * Returns PK_OK, PK_EINVAL (negative skew) or PK_ENOMEM; a failed write
 * shows in ferror(out).
 */
int pk_callgraph_write_dot(FILE *out, pk_callgraph *g, const pk_dot_opts *o,
                           pk_error *err);

/*
 * Lays the same DOT out with Graphviz's dot engine and renders it in
 * `format` ("png", "svg", "pdf", or any format a Graphviz plugin offers)
 * to out, in this process through libgvc. Graphviz's own messages are
 * caught, never printed.
 * Returns PK_OK, PK_EINVAL (negative skew), PK_ENOMEM, or PK_EIO when no
 * plugin offers the format or the layout or rendering fails (the message
 * in err says which).
 */
int pk_callgraph_render(FILE *out, pk_callgraph *g, const pk_dot_opts *o,
                        const char *format, pk_error *err);

#endif
