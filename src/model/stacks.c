/*
 * The stacks part of a profile (see parts.h and <profkit/stacks.h>): a
 * prefix tree of frames with leaf records, built by the folded reader, the
 * derivations and, later, the collector.
 *
 * Lookups go through one open-addressing table per relation: children by
 * (parent, name), and extra leaf records by (node, tail) for nodes that
 * already have one (the first leaf of a node needs no table entry, and most
 * nodes have at most one). A slot is 8 bytes, the id and a hash tag; the
 * key itself stays in the node or leaf array. Memory is what limits a big
 * file: about 12 bytes per node plus 8-16 bytes of table while reading,
 * and the table is dropped for a sorted child index (8 bytes per node)
 * once anyone walks the tree.
 */
/* For madvise(MADV_HUGEPAGE), a Linux hint; elsewhere it compiles away. */
#define _DEFAULT_SOURCE 1

#include <profkit/stacks.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "alloc.h"
#include "parts.h"
#include "stacks_walk.h"

typedef struct stk_node {
    pk_str name;
    uint32_t parent;
    uint32_t first_leaf;
} stk_node;

/* An open-addressing index of ids. The key of an id lives in the node or
 * leaf array; a slot holds id + 1 (0: empty) in its low half and half of
 * the key's hash in its high half, so a probe only reads the array when
 * the hashes agree. */
typedef struct id_table {
    uint64_t *slots;
    size_t cap, count; /* cap is a power of two, or 0 */
} id_table;

struct pk_stacks {
    stk_node *nodes;
    size_t nnodes, nodes_cap;
    pk_stack_leaf *leaves;
    size_t nleaves, leaves_cap;
    id_table children;     /* by (parent, name); dropped once child_ids exist */
    bool children_indexed; /* `children` holds every node but the root */
    id_table extra_leaves; /* by (node, tail), for a node's second and later leaves */
    pk_stack_run *runs;
    size_t nruns, runs_cap;
    unsigned flags;
    uint64_t ignored;
    int64_t first_ignored;
    const char *unit;
    /* Derived indexes: the sorted children (stale once a node is added)
     * and the totals (stale once a count changes). */
    bool fresh;
    uint32_t *child_start; /* children of n: child_ids[child_start[n] .. [n + 1]) */
    uint32_t *child_ids;
    double *totals;
    const pk_profile *owner; /* for name comparisons while sorting */
};

void pk_stacks__free(struct pk_stacks *s)
{
    if (!s)
        return;
    pk_free(s->nodes);
    pk_free(s->leaves);
    pk_free(s->children.slots);
    pk_free(s->extra_leaves.slots);
    pk_free(s->runs);
    pk_free(s->child_start);
    pk_free(s->child_ids);
    pk_free(s->totals);
    pk_free(s);
}

static struct pk_stacks *get(const pk_profile *p)
{
    /* The slot accessor takes a mutable profile; reading through it does
     * not change anything. */
    return *pk_profile__stacks((pk_profile *)(uintptr_t)p);
}

/*
 * The node array and the child table of a large file are hundreds of MB
 * read at random; with 4 KB pages nearly every lookup also misses the TLB.
 * Asking for huge pages on the aligned inside of a large block (it came
 * from malloc, which maps such blocks on their own) saves about a tenth of
 * the reading time. Only a hint: failure changes nothing.
 */
static void advise_huge(void *block, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t lo = ((uintptr_t)block + huge - 1) & ~(huge - 1);
    uintptr_t hi = ((uintptr_t)block + bytes) & ~(huge - 1);

    if (bytes >= 4 * huge && hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
    (void)block;
    (void)bytes;
#endif
}

/* ---- the id tables ---- */

static uint64_t pair_hash(uint32_t a, uint32_t b)
{
    uint64_t h = ((uint64_t)a << 32 | b) * 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 29);
}

/* The key (a, b) of id in table t: a node's (parent, name) for the child
 * table, a leaf's (node, tail) for the leaf table. */
static void key_of(const struct pk_stacks *s, const id_table *t, uint32_t id, uint32_t *a,
                   uint32_t *b)
{
    if (t == &s->children) {
        *a = s->nodes[id].parent;
        *b = s->nodes[id].name;
    } else {
        *a = s->leaves[id].node;
        *b = s->leaves[id].tail;
    }
}

/* A slot's tag is the high half of the key's hash and also picks the
 * slot, so growing the table moves slots without reading any key. */
static bool table_find(uint32_t *out, const struct pk_stacks *s, const id_table *t, uint32_t a,
                       uint32_t b)
{
    uint32_t tag = (uint32_t)(pair_hash(a, b) >> 32);
    size_t mask, i;

    if (t->cap == 0)
        return false;
    mask = t->cap - 1;
    for (i = tag & mask; t->slots[i] != 0; i = (i + 1) & mask) {
        uint32_t ka, kb, id = (uint32_t)t->slots[i] - 1;
        if ((uint32_t)(t->slots[i] >> 32) != tag)
            continue;
        key_of(s, t, id, &ka, &kb);
        if (ka == a && kb == b) {
            *out = id;
            return true;
        }
    }
    return false;
}

void pk_stacks__prefetch_child(const pk_profile *p, uint32_t parent, pk_str name)
{
#if defined(__GNUC__)
    const struct pk_stacks *s = get(p);
    if (s && s->children.cap > 0) {
        uint32_t tag = (uint32_t)(pair_hash(parent, name) >> 32);
        __builtin_prefetch(&s->children.slots[tag & (s->children.cap - 1)]);
    }
#else
    (void)p;
    (void)parent;
    (void)name;
#endif
}

static void table_place(uint64_t *slots, size_t cap, uint64_t slot)
{
    size_t mask = cap - 1, i;

    for (i = (uint32_t)(slot >> 32) & mask; slots[i] != 0; i = (i + 1) & mask)
        ;
    slots[i] = slot;
}

/* Adds id (whose key the caller checked is absent). The load stays under
 * 3/4, so probes stay short. */
static bool table_insert(const struct pk_stacks *s, id_table *t, uint32_t id)
{
    uint32_t a, b;

    if ((t->count + 1) * 4 > t->cap * 3) {
        size_t cap = t->cap ? t->cap * 2 : 256, i;
        uint64_t *slots;
        if (cap > ((size_t)1 << 32))
            return false;
        slots = pk_calloc(cap, sizeof *slots);
        if (!slots)
            return false;
        advise_huge(slots, cap * sizeof *slots);
        for (i = 0; i < t->cap; i++) {
            if (t->slots[i] != 0)
                table_place(slots, cap, t->slots[i]);
        }
        pk_free(t->slots);
        t->slots = slots;
        t->cap = cap;
    }
    key_of(s, t, id, &a, &b);
    table_place(t->slots, t->cap, (pair_hash(a, b) >> 32) << 32 | (id + 1u));
    t->count++;
    return true;
}

static void table_dispose(id_table *t)
{
    pk_free(t->slots);
    t->slots = NULL;
    t->cap = t->count = 0;
}

/* Indexes every node by (parent, name) again, after the sorted child
 * index replaced the table and a node is to be added. */
static bool index_children(struct pk_stacks *s)
{
    size_t i;

    if (s->children_indexed)
        return true;
    table_dispose(&s->children);
    for (i = 1; i < s->nnodes; i++) {
        if (!table_insert(s, &s->children, (uint32_t)i)) {
            table_dispose(&s->children);
            return false;
        }
    }
    s->children_indexed = true;
    return true;
}

/* ---- building ---- */

bool pk_stacks_present(const pk_profile *p)
{
    return get(p) != NULL;
}

static int add_node(struct pk_stacks *s, pk_str name, uint32_t parent, uint32_t *out)
{
    size_t cap = s->nodes_cap;

    if (s->nnodes >= UINT32_MAX - 1)
        return PK_ENOMEM;
    if (!pk_grow((void **)&s->nodes, &s->nodes_cap, s->nnodes + 1, sizeof *s->nodes))
        return PK_ENOMEM;
    if (s->nodes_cap != cap)
        advise_huge(s->nodes, s->nodes_cap * sizeof *s->nodes);
    s->nodes[s->nnodes] = (stk_node){name, parent, PK_STACK_NONE};
    *out = (uint32_t)s->nnodes++;
    s->fresh = false;
    return PK_OK;
}

int pk_stacks_init(pk_profile *p, unsigned flags)
{
    struct pk_stacks **slot = pk_profile__stacks(p);
    struct pk_stacks *s;
    uint32_t root;

    if (*slot)
        return PK_OK;
    s = pk_calloc(1, sizeof *s);
    if (!s)
        return PK_ENOMEM;
    s->flags = flags & (PK_STACKS_ORDERED | PK_STACKS_APPROXIMATE);
    s->unit = "samples";
    s->children_indexed = true;
    if (add_node(s, PK_STR_EMPTY, PK_STACK_NONE, &root) != PK_OK) {
        pk_stacks__free(s);
        return PK_ENOMEM;
    }
    *slot = s;
    return PK_OK;
}

unsigned pk_stacks_flags(const pk_profile *p)
{
    const struct pk_stacks *s = get(p);
    return s ? s->flags : 0;
}

size_t pk_stacks_node_count(const pk_profile *p)
{
    const struct pk_stacks *s = get(p);
    return s ? s->nnodes : 0;
}

pk_str pk_stacks_name(const pk_profile *p, uint32_t node)
{
    return get(p)->nodes[node].name;
}

uint32_t pk_stacks_parent(const pk_profile *p, uint32_t node)
{
    return get(p)->nodes[node].parent;
}

uint32_t pk_stacks_depth(const pk_profile *p, uint32_t node)
{
    const struct pk_stacks *s = get(p);
    uint32_t d = 0;
    while (s->nodes[node].parent != PK_STACK_NONE) {
        node = s->nodes[node].parent;
        d++;
    }
    return d;
}

static int name_cmp(const pk_profile *p, pk_str a, pk_str b);

/* Without the table: a binary search of the sorted child index. */
static bool find_sorted(uint32_t *out, const pk_profile *p, const struct pk_stacks *s,
                        uint32_t parent, pk_str name)
{
    uint32_t lo = s->child_start[parent], hi = s->child_start[parent + 1];

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = name_cmp(p, s->nodes[s->child_ids[mid]].name, name);
        if (c == 0) {
            *out = s->child_ids[mid];
            return true;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

bool pk_stacks_find_child(uint32_t *out, const pk_profile *p, uint32_t parent,
                          pk_str name)
{
    const struct pk_stacks *s = get(p);

    if (!s || parent >= s->nnodes)
        return false;
    if (s->children_indexed)
        return table_find(out, s, &s->children, parent, name);
    if (s->fresh)
        return find_sorted(out, p, s, parent, name);
    /* Neither index (building the sorted one ran out of memory): scan. */
    for (uint32_t i = 1; i < s->nnodes; i++) {
        if (s->nodes[i].parent == parent && s->nodes[i].name == name) {
            *out = i;
            return true;
        }
    }
    return false;
}

int pk_stacks__child(uint32_t *out, bool *added, pk_profile *p, uint32_t parent, pk_str name,
                     bool parent_is_new)
{
    struct pk_stacks *s = get(p);
    uint32_t id;

    *added = false;
    if (!s)
        return PK_ENODATA;
    if (parent >= s->nnodes)
        return PK_EINVAL;
    if (!index_children(s))
        return PK_ENOMEM;
    /* A node made a moment ago has no children to look through. */
    if (!parent_is_new && table_find(out, s, &s->children, parent, name))
        return PK_OK;
    if (add_node(s, name, parent, &id) != PK_OK)
        return PK_ENOMEM;
    if (!table_insert(s, &s->children, id)) {
        s->nnodes--; /* keep the tree consistent: the node was never linked */
        return PK_ENOMEM;
    }
    *out = id;
    *added = true;
    return PK_OK;
}

int pk_stacks_child(uint32_t *out, pk_profile *p, uint32_t parent, pk_str name)
{
    bool added;
    return pk_stacks__child(out, &added, p, parent, name, false);
}

/* The leaf record of (node, tail), created if absent. */
static int leaf_for(uint32_t *out, struct pk_stacks *s, uint32_t node, pk_str tail)
{
    stk_node *n = &s->nodes[node];
    uint32_t id;

    if (n->first_leaf != PK_STACK_NONE && s->leaves[n->first_leaf].tail == tail) {
        *out = n->first_leaf;
        return PK_OK;
    }
    if (n->first_leaf != PK_STACK_NONE && table_find(out, s, &s->extra_leaves, node, tail))
        return PK_OK;
    if (s->nleaves >= UINT32_MAX - 1 ||
        !pk_grow((void **)&s->leaves, &s->leaves_cap, s->nleaves + 1, sizeof *s->leaves))
        return PK_ENOMEM;
    id = (uint32_t)s->nleaves;
    /* New records go second in the chain, so the first stays the first seen. */
    s->leaves[id] = (pk_stack_leaf){node, tail, PK_STACK_NONE, 0, 0.0, 0.0};
    if (n->first_leaf != PK_STACK_NONE && !table_insert(s, &s->extra_leaves, id))
        return PK_ENOMEM;
    if (n->first_leaf == PK_STACK_NONE) {
        n->first_leaf = id;
    } else {
        s->leaves[id].next = s->leaves[n->first_leaf].next;
        s->leaves[n->first_leaf].next = id;
    }
    s->nleaves++;
    *out = id;
    return PK_OK;
}

static int add_run(struct pk_stacks *s, uint32_t leaf, uint32_t lines)
{
    pk_stack_run *last = s->nruns ? &s->runs[s->nruns - 1] : NULL;

    if (last && last->leaf == leaf && last->reps <= UINT32_MAX - lines) {
        last->reps += lines;
        return PK_OK;
    }
    if (!pk_grow((void **)&s->runs, &s->runs_cap, s->nruns + 1, sizeof *s->runs))
        return PK_ENOMEM;
    s->runs[s->nruns++] = (pk_stack_run){leaf, lines};
    return PK_OK;
}

int pk_stacks_add(pk_profile *p, uint32_t node, pk_str tail, uint32_t lines,
                  double after, double before, bool differential)
{
    struct pk_stacks *s = get(p);
    pk_stack_leaf *l;
    uint32_t id;

    if (!s || node >= s->nnodes)
        return PK_EINVAL;
    if (leaf_for(&id, s, node, tail) != PK_OK)
        return PK_ENOMEM;
    if ((s->flags & PK_STACKS_ORDERED) && add_run(s, id, lines) != PK_OK)
        return PK_ENOMEM;
    l = &s->leaves[id];
    l->after += after;
    l->lines = l->lines > UINT32_MAX - lines ? UINT32_MAX : l->lines + lines;
    if (differential) {
        l->before += before;
        s->flags |= PK_STACKS_DIFFERENTIAL;
    }
    pk_free(s->totals);
    s->totals = NULL;
    return PK_OK;
}

uint32_t pk_stacks_first_leaf(const pk_profile *p, uint32_t node)
{
    return get(p)->nodes[node].first_leaf;
}

size_t pk_stacks_leaf_count(const pk_profile *p)
{
    const struct pk_stacks *s = get(p);
    return s ? s->nleaves : 0;
}

const pk_stack_leaf *pk_stacks_leaf(const pk_profile *p, uint32_t leaf)
{
    return &get(p)->leaves[leaf];
}

double pk_stacks_self(const pk_profile *p, uint32_t node)
{
    const struct pk_stacks *s = get(p);
    double sum = 0.0;
    uint32_t l;
    for (l = s->nodes[node].first_leaf; l != PK_STACK_NONE; l = s->leaves[l].next)
        sum += s->leaves[l].after;
    return sum;
}

double pk_stacks_self_before(const pk_profile *p, uint32_t node)
{
    const struct pk_stacks *s = get(p);
    double sum = 0.0;
    uint32_t l;
    for (l = s->nodes[node].first_leaf; l != PK_STACK_NONE; l = s->leaves[l].next)
        sum += s->leaves[l].before;
    return sum;
}

const pk_stack_run *pk_stacks_runs(const pk_profile *p, size_t *n_out)
{
    const struct pk_stacks *s = get(p);
    *n_out = s ? s->nruns : 0;
    return s ? s->runs : NULL;
}

void pk_stacks_ignored(uint64_t *count_out, int64_t *first_line_out,
                       const pk_profile *p)
{
    const struct pk_stacks *s = get(p);
    *count_out = s ? s->ignored : 0;
    *first_line_out = s ? s->first_ignored : 0;
}

void pk_stacks_set_ignored(pk_profile *p, uint64_t count, int64_t first_line)
{
    struct pk_stacks *s = get(p);
    if (s) {
        s->ignored = count;
        s->first_ignored = first_line;
    }
}

const char *pk_stacks_unit(const pk_profile *p)
{
    const struct pk_stacks *s = get(p);
    return s ? s->unit : "samples";
}

int pk_stacks_set_unit(pk_profile *p, const char *unit)
{
    struct pk_stacks *s = get(p);
    pk_str id;

    if (!s)
        return PK_ENODATA;
    /* Interned, so the caller's string need not outlive the call. */
    if (pk_profile_intern(&id, p, unit, strlen(unit)) != PK_OK)
        return PK_ENOMEM;
    s->unit = pk_profile_str(p, id);
    return PK_OK;
}

/* ---- derived indexes ---- */

static int name_cmp(const pk_profile *p, pk_str a, pk_str b)
{
    size_t la = pk_profile_str_len(p, a), lb = pk_profile_str_len(p, b);
    int c = memcmp(pk_profile_str(p, a), pk_profile_str(p, b), la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

/* Sorting context for qsort, which takes no user pointer. Indexes are built
 * single-threaded, per the model's thread rules (one profile per thread). */
static _Thread_local const struct pk_stacks *sort_stacks;

static int child_cmp(const void *x, const void *y)
{
    const stk_node *a = &sort_stacks->nodes[*(const uint32_t *)x];
    const stk_node *b = &sort_stacks->nodes[*(const uint32_t *)y];
    return name_cmp(sort_stacks->owner, a->name, b->name);
}

static int build_children(struct pk_stacks *s)
{
    size_t n = s->nnodes, i;

    pk_free(s->child_start);
    pk_free(s->child_ids);
    s->child_start = pk_calloc(n + 1, sizeof *s->child_start);
    s->child_ids = pk_malloc(n * sizeof *s->child_ids);
    if (!s->child_start || !s->child_ids)
        return PK_ENOMEM;
    /* Counts, then starts; placing a child moves its parent's start to the
     * next parent's, so one shift puts the starts back. */
    for (i = 1; i < n; i++)
        s->child_start[s->nodes[i].parent + 1]++;
    for (i = 0; i < n; i++)
        s->child_start[i + 1] += s->child_start[i];
    for (i = 1; i < n; i++)
        s->child_ids[s->child_start[s->nodes[i].parent]++] = (uint32_t)i;
    for (i = n; i > 0; i--)
        s->child_start[i] = s->child_start[i - 1];
    s->child_start[0] = 0;
    sort_stacks = s;
    for (i = 0; i < n; i++) {
        uint32_t lo = s->child_start[i], hi = s->child_start[i + 1];
        if (hi - lo > 1)
            qsort(s->child_ids + lo, hi - lo, sizeof *s->child_ids, child_cmp);
    }
    return PK_OK;
}

static int build_totals(struct pk_stacks *s)
{
    size_t i;

    pk_free(s->totals);
    s->totals = pk_calloc(s->nnodes, sizeof *s->totals);
    if (!s->totals)
        return PK_ENOMEM;
    for (i = 0; i < s->nleaves; i++)
        s->totals[s->leaves[i].node] += s->leaves[i].after;
    /* Children have larger ids than their parents. */
    for (i = s->nnodes; i-- > 1;)
        s->totals[s->nodes[i].parent] += s->totals[i];
    return PK_OK;
}

/* The sorted child index, built after a change. It replaces the hash
 * table, which is dropped to keep the peak memory low; lookups then use
 * the index, and the table comes back if a node is added. */
static int refresh(pk_profile *p, struct pk_stacks *s)
{
    int rc;
    if (s->fresh)
        return PK_OK;
    s->owner = p;
    pk_free(s->totals);
    s->totals = NULL;
    /* The table goes first, so the two never take memory at once. */
    table_dispose(&s->children);
    s->children_indexed = false;
    rc = build_children(s);
    if (rc == PK_OK)
        s->fresh = true;
    return rc;
}

int pk_stacks_totals(const double **out, pk_profile *p)
{
    struct pk_stacks *s = get(p);
    int rc;

    *out = NULL;
    if (!s)
        return PK_ENODATA;
    rc = refresh(p, s);
    if (rc == PK_OK && !s->totals)
        rc = build_totals(s);
    if (rc == PK_OK)
        *out = s->totals;
    return rc;
}

int pk_stacks_children(const uint32_t **out, size_t *n_out, pk_profile *p,
                       uint32_t node)
{
    struct pk_stacks *s = get(p);
    int rc;

    *out = NULL;
    *n_out = 0;
    if (!s)
        return PK_ENODATA;
    rc = refresh(p, s);
    if (rc != PK_OK)
        return rc;
    *out = s->child_ids + s->child_start[node];
    *n_out = s->child_start[node + 1] - s->child_start[node];
    return PK_OK;
}
