/*
 * The call graph's insides, shared by callgraph.c (building, indexes,
 * cycles), callgraph_prune.c (thresholds, root/leaf, node cap) and
 * callgraph_hide.c (focus and hide).
 *
 * Edges live in one growable array; each node heads two singly linked lists
 * (edges out, edges in) threaded through `links`, so --hide can add edges
 * cheaply. Removing a node or edge only clears `alive`; the lists skip
 * dead entries. The list of edges sorted by callee, which the DOT writer
 * wants, is rebuilt on demand once something changed.
 */
#ifndef PK_ANALYSIS_CALLGRAPH_INT_H
#define PK_ANALYSIS_CALLGRAPH_INT_H

#include <profkit/callgraph.h>

#include "buf.h"

typedef struct pk_cg_link {
    uint32_t next_out; /* next edge with the same caller, or PK_CG_NONE */
    uint32_t next_in;  /* next edge with the same callee, or PK_CG_NONE */
} pk_cg_link;

struct pk_callgraph {
    pk_profile *p;        /* borrowed */
    pk_cg_node *nodes;
    size_t nnodes;
    pk_cg_edge *edges;
    pk_cg_link *links;    /* parallel to edges */
    size_t nedges, edges_cap, links_cap;
    uint32_t *first_out;  /* per node: head of its out list */
    uint32_t *first_in;   /* per node: head of its in list */
    pk_buf names;         /* NUL-terminated node names, one after another */
    size_t *name_at;      /* per node: offset in names */
    double total;         /* what ratios divide by: max(sum tt, largest ct) */
    size_t ncycles;
    /* Edges out of each node sorted by callee (valid while sorted_ok). */
    uint32_t *sorted_start; /* nnodes + 1 */
    uint32_t *sorted;       /* alive edges */
    bool sorted_ok;
};

/* gprof2dot's ratio(): num / den clamped to [0, 1], and 1 when den is 0. */
double pk_cg__ratio(double num, double den);

/* Appends an edge (alive, links set). Returns PK_OK or PK_ENOMEM. */
int pk_cg__add_edge(uint32_t *out, pk_callgraph *g, uint32_t caller, uint32_t callee,
                    int64_t calls, double total_time);

/* Marks a node and every edge touching it dead. */
void pk_cg__kill_node(pk_callgraph *g, uint32_t id);

/* Visits nodes breadth first from the `nstart` ids in queue[0..nstart),
 * along alive edges forwards (callees) or backwards (callers), at most
 * `depth` steps (negative: no limit). Reached nodes get mark[id] = true
 * (the starts included). queue must hold nnodes ids and dist nnodes
 * entries. */
void pk_cg__reach(pk_callgraph *g, uint32_t *queue, size_t nstart, uint32_t *dist,
                  bool *mark, bool forwards, int64_t depth);

/* Kills every alive node whose keep[id] is false. */
void pk_cg__keep_only(pk_callgraph *g, const bool *keep);

#endif
