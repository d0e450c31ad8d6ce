/*
 * Derivations between the stacks part and the functions/edges of a
 * profile (<profkit/stacks.h>): stacks -> functions and edges, exactly;
 * functions and edges -> stacks, approximately ("from call ratios"); and
 * the stack-to-stack rewrites flame graphs need (merge, reverse, diff).
 *
 * Tree walks use explicit stacks, never recursion: a folded file may hold
 * a stack thousands of frames deep.
 */
#include <profkit/stacks.h>

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "round.h"
#include "stacks_walk.h"

#define NONE PK_STACK_NONE

/* Perl's int(): toward zero. */
static double truncate_count(double v)
{
    return v > -9.2e18 && v < 9.2e18 ? (double)(int64_t)v : v;
}

static int oom(pk_error *err)
{
    return pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory");
}

/* ---- frame names ---- */

bool pk_stacks_parse_frame(const char *name, size_t len, size_t *func_len_out,
                           size_t *file_start_out, size_t *file_len_out,
                           int64_t *line_out)
{
    const char *open = NULL;
    size_t i, colon;
    int64_t line = 0;

    /* "func (file:line)": the first " (" opens the location, the last ':'
     * before the closing ')' ends the file. */
    if (len < 6 || name[len - 1] != ')')
        return false;
    for (i = 0; i + 1 < len; i++) {
        if (name[i] == ' ' && name[i + 1] == '(') {
            open = name + i;
            break;
        }
    }
    if (!open)
        return false;
    for (colon = len - 1; colon > (size_t)(open - name) + 2 && name[colon - 1] != ':'; colon--)
        ;
    if (colon <= (size_t)(open - name) + 2 || colon == len - 1)
        return false;
    for (i = colon; i < len - 1; i++) {
        if (name[i] < '0' || name[i] > '9' || line > (INT64_MAX - 9) / 10)
            return false;
        line = line * 10 + (name[i] - '0');
    }
    *func_len_out = (size_t)(open - name);
    *file_start_out = (size_t)(open - name) + 2;
    *file_len_out = colon - 1 - *file_start_out;
    *line_out = line;
    return true;
}

/* The function key of a frame name: py-spy's "func (file:line)", else a
 * built-in-like ("~", 0, name), which pstats prints as the bare name. */
static int frame_func(uint32_t *out, pk_profile *p, pk_str name_id)
{
    const char *name = pk_profile_str(p, name_id);
    size_t len = pk_profile_str_len(p, name_id), flen, fstart, filelen;
    int64_t line;
    pk_str file, func;
    int rc;

    if (pk_stacks_parse_frame(name, len, &flen, &fstart, &filelen, &line)) {
        rc = pk_profile_intern(&file, p, name + fstart, filelen);
        if (rc == PK_OK)
            rc = pk_profile_intern(&func, p, name, flen);
    } else {
        line = 0;
        func = name_id;
        rc = pk_profile_intern(&file, p, "~", 1);
    }
    return rc == PK_OK ? pk_profile_func_get(out, NULL, p, file, line, func) : rc;
}

/* ---- stacks -> functions and edges ---- */

/*
 * One depth-first walk over sorted children. A frame of the walk knows its
 * node's function and edge and whether they were already active above it;
 * when it leaves, its subtree's total is known, and goes to the function's
 * and the edge's cumulative counts only if they were not (so a sample
 * counts once per function and edge, recursion or not). Nothing is kept
 * per node: memory is the path plus one entry per function and per edge.
 */
typedef struct walk_frame {
    uint32_t node, func, edge;
    bool func_first, edge_first;
    const uint32_t *kids;
    size_t nkids, next;
    double sum; /* the node's self count plus its finished children's totals */
} walk_frame;

typedef struct derive_state {
    pk_profile *p;
    uint32_t *name_func; /* by name id */
    size_t name_func_cap;
    uint32_t *fn_active, *edge_active;
    size_t fn_cap, edge_cap;
    double *fn_cum, *fn_self, *edge_cum, *edge_self;
    size_t fn_cum_cap, fn_self_cap, edge_cum_cap, edge_self_cap;
    walk_frame *st;
    size_t n, cap;
} derive_state;

static int func_of_node(uint32_t *out, derive_state *d, uint32_t node)
{
    pk_str name = pk_stacks_name(d->p, node);
    size_t old = d->name_func_cap, i;
    int rc;

    if (name >= old) {
        if (!pk_grow((void **)&d->name_func, &d->name_func_cap, (size_t)name + 1,
                     sizeof *d->name_func))
            return PK_ENOMEM;
        for (i = old; i < d->name_func_cap; i++)
            d->name_func[i] = NONE;
    }
    if (d->name_func[name] == NONE) {
        rc = frame_func(&d->name_func[name], d->p, name);
        if (rc != PK_OK)
            return rc;
    }
    *out = d->name_func[name];
    return PK_OK;
}

static bool grow_func(derive_state *d, uint32_t f)
{
    return pk_grow_zeroed((void **)&d->fn_active, &d->fn_cap, f, sizeof *d->fn_active) &&
           pk_grow_zeroed((void **)&d->fn_cum, &d->fn_cum_cap, f, sizeof *d->fn_cum) &&
           pk_grow_zeroed((void **)&d->fn_self, &d->fn_self_cap, f, sizeof *d->fn_self);
}

static bool grow_edge(derive_state *d, uint32_t e)
{
    return pk_grow_zeroed((void **)&d->edge_active, &d->edge_cap, e, sizeof *d->edge_active) &&
           pk_grow_zeroed((void **)&d->edge_cum, &d->edge_cum_cap, e, sizeof *d->edge_cum) &&
           pk_grow_zeroed((void **)&d->edge_self, &d->edge_self_cap, e, sizeof *d->edge_self);
}

/* Pushes node's frame (under the top one, if any). */
static int enter(derive_state *d, uint32_t node)
{
    walk_frame fr;
    double self = pk_stacks_self(d->p, node);
    int rc;

    memset(&fr, 0, sizeof fr);
    fr.node = node;
    fr.func = fr.edge = NONE;
    fr.sum = self;
    rc = pk_stacks_children(&fr.kids, &fr.nkids, d->p, node);
    if (rc == PK_OK && node != PK_STACK_ROOT) {
        rc = func_of_node(&fr.func, d, node);
        if (rc == PK_OK && d->st[d->n - 1].node != PK_STACK_ROOT)
            rc = pk_profile_edge_get(&fr.edge, NULL, d->p, d->st[d->n - 1].func, fr.func);
        if (rc == PK_OK && !grow_func(d, fr.func))
            rc = PK_ENOMEM;
        if (rc == PK_OK && fr.edge != NONE && !grow_edge(d, fr.edge))
            rc = PK_ENOMEM;
    }
    if (rc == PK_OK && !pk_grow((void **)&d->st, &d->cap, d->n + 1, sizeof *d->st))
        rc = PK_ENOMEM;
    if (rc != PK_OK)
        return rc;
    if (fr.func != NONE) {
        fr.func_first = d->fn_active[fr.func]++ == 0;
        d->fn_self[fr.func] += self;
    }
    if (fr.edge != NONE) {
        fr.edge_first = d->edge_active[fr.edge]++ == 0;
        d->edge_self[fr.edge] += self;
    }
    d->st[d->n++] = fr;
    return PK_OK;
}

/* Pops the top frame: its total is complete. */
static void leave(derive_state *d)
{
    walk_frame fr = d->st[--d->n];

    if (fr.func != NONE) {
        d->fn_active[fr.func]--;
        if (fr.func_first)
            d->fn_cum[fr.func] += fr.sum;
    }
    if (fr.edge != NONE) {
        d->edge_active[fr.edge]--;
        if (fr.edge_first)
            d->edge_cum[fr.edge] += fr.sum;
    }
    if (d->n > 0)
        d->st[d->n - 1].sum += fr.sum;
}

static int derive_walk(derive_state *d)
{
    int rc = enter(d, PK_STACK_ROOT);

    while (rc == PK_OK && d->n > 0) {
        walk_frame *top = &d->st[d->n - 1];
        if (top->next == top->nkids)
            leave(d);
        else
            rc = enter(d, top->kids[top->next++]);
    }
    return rc;
}

static void store_stats(derive_state *d)
{
    size_t i, nf = pk_profile_func_count(d->p), ne = pk_profile_edge_count(d->p);
    double total = 0.0;

    for (i = 0; i < nf; i++) {
        pk_stats *s = &pk_profile_func(d->p, (uint32_t)i)->stats;
        s->tottime = d->fn_self[i];
        s->cumtime = d->fn_cum[i];
        s->ncalls = s->pcalls = pk_round_i64(d->fn_cum[i]);
        total += s->tottime;
    }
    for (i = 0; i < ne; i++) {
        pk_stats *s = &pk_profile_edge(d->p, (uint32_t)i)->stats;
        s->tottime = d->edge_self[i];
        s->cumtime = d->edge_cum[i];
        s->ncalls = s->pcalls = pk_round_i64(d->edge_cum[i]);
    }
    pk_profile_set_total_time(d->p, total);
}

int pk_stacks_derive_functions(pk_profile *p, pk_error *err)
{
    derive_state d;
    int rc;

    if (!pk_stacks_present(p))
        return pk_error_set(err, PK_ENODATA, NULL, -1, "the profile has no stacks");
    if (pk_profile_func_count(p) != 0)
        return pk_error_set(err, PK_EINVAL, NULL, -1, "the profile has functions already");
    memset(&d, 0, sizeof d);
    d.p = p;
    rc = derive_walk(&d);
    /* Functions or edges that exist got their arrays grown; a profile with
     * only root samples has none. */
    if (rc == PK_OK && pk_profile_func_count(p) > 0)
        store_stats(&d);
    pk_free(d.name_func);
    pk_free(d.fn_active);
    pk_free(d.edge_active);
    pk_free(d.fn_cum);
    pk_free(d.fn_self);
    pk_free(d.edge_cum);
    pk_free(d.edge_self);
    pk_free(d.st);
    if (rc == PK_ENOMEM)
        return oom(err);
    if (rc != PK_OK)
        return pk_error_set(err, rc, NULL, -1, "cannot derive functions from stacks");
    return PK_OK;
}

/* ---- functions and edges -> stacks (approximate) ---- */

#define MAX_APPROX_DEPTH 512

/* The stack frame name for a function: "name (file:line)", or the bare
 * name of a cProfile built-in ('~', 0, name). */
static int frame_name(pk_str *out, pk_profile *p, uint32_t f, pk_buf *scratch)
{
    const pk_func *fn = pk_profile_func_c(p, f);
    const char *file = pk_profile_str(p, fn->file);
    char line[32];
    int n;

    if (fn->line == 0 && strcmp(file, "~") == 0) {
        *out = fn->name;
        return PK_OK;
    }
    scratch->len = 0;
    pk_buf_append(scratch, pk_profile_str(p, fn->name), pk_profile_str_len(p, fn->name));
    pk_buf_append(scratch, " (", 2);
    pk_buf_append(scratch, file, pk_profile_str_len(p, fn->file));
    n = snprintf(line, sizeof line, ":%lld)", (long long)fn->line);
    pk_buf_append(scratch, line, (size_t)n);
    if (scratch->failed)
        return PK_ENOMEM;
    return pk_profile_intern(out, p, (const char *)scratch->data, scratch->len);
}

/* Time the callee of edge e spent under its caller, as cumulative time. */
static double edge_time(pk_profile *p, const pk_edge *e)
{
    const pk_func *callee = pk_profile_func_c(p, e->callee);
    if (!(e->flags & PK_EDGE_COUNT_ONLY))
        return e->stats.cumtime;
    /* Pure-Python `profile`: only a call count; share the callee's time. */
    return callee->stats.ncalls > 0
               ? callee->stats.cumtime * (double)e->stats.ncalls / (double)callee->stats.ncalls
               : 0.0;
}

typedef struct approx_frame {
    uint32_t func, node;
    double value;
} approx_frame;

typedef struct approx_state {
    pk_profile *p;
    pk_str *names;      /* by function, 0 until made */
    uint8_t *on_path;   /* by function */
    approx_frame *st;
    size_t n, cap;
    double threshold;
    pk_buf scratch;
} approx_state;

static int approx_node(uint32_t *out, approx_state *a, uint32_t parent, uint32_t f)
{
    if (a->names[f] == PK_STR_EMPTY) {
        int rc = frame_name(&a->names[f], a->p, f, &a->scratch);
        if (rc != PK_OK)
            return rc;
    }
    return pk_stacks_child(out, a->p, parent, a->names[f]);
}

/* Expands one function in a context worth `value` microseconds: its
 * callees get their share of the edges' time, what is left is its own. */
static int approx_expand(approx_state *a, approx_frame fr, size_t depth)
{
    const pk_func *fn = pk_profile_func_c(a->p, fr.func);
    const uint32_t *edges;
    size_t ne, i;
    double ct = fn->stats.cumtime, sum = 0.0, scale = 1.0, used = 0.0;
    int rc = pk_profile_callees(&edges, &ne, a->p, fr.func);

    for (i = 0; rc == PK_OK && i < ne; i++) {
        const pk_edge *e = pk_profile_edge_c(a->p, edges[i]);
        if (!a->on_path[e->callee] && ct > 0)
            sum += edge_time(a->p, e) * fr.value / ct;
    }
    if (ct > 0 && sum + fn->stats.tottime * fr.value / ct > fr.value && sum > 0)
        scale = fr.value / (sum + fn->stats.tottime * fr.value / ct);
    for (i = 0; rc == PK_OK && i < ne && ct > 0 && depth < MAX_APPROX_DEPTH; i++) {
        const pk_edge *e = pk_profile_edge_c(a->p, edges[i]);
        double v = edge_time(a->p, e) * fr.value / ct * scale;
        approx_frame child = {e->callee, 0, v};
        if (a->on_path[e->callee] || v < a->threshold || v <= 0)
            continue;
        rc = approx_node(&child.node, a, fr.node, e->callee);
        if (rc == PK_OK && !pk_grow((void **)&a->st, &a->cap, a->n + 1, sizeof *a->st))
            rc = PK_ENOMEM;
        if (rc == PK_OK) {
            a->st[a->n++] = child;
            used += v;
        }
    }
    if (rc == PK_OK && fr.value - used > 0)
        rc = pk_stacks_add(a->p, fr.node, PK_STR_EMPTY, 1, fr.value - used, 0.0, false);
    return rc;
}

/* Expands depth first; a marker frame (node NONE) pops the path. */
static int approx_from(approx_state *a, uint32_t root, double seconds)
{
    approx_frame top = {root, 0, seconds * 1e6};
    size_t depth = 0;
    int rc;

    if (top.value < a->threshold || top.value <= 0)
        return PK_OK;
    rc = approx_node(&top.node, a, PK_STACK_ROOT, root);
    a->n = 0;
    if (rc == PK_OK && pk_grow((void **)&a->st, &a->cap, 1, sizeof *a->st))
        a->st[a->n++] = top;
    else if (rc == PK_OK)
        rc = PK_ENOMEM;
    while (rc == PK_OK && a->n > 0) {
        approx_frame fr = a->st[--a->n];
        if (fr.node == NONE) {
            a->on_path[fr.func] = 0;
            depth--;
            continue;
        }
        a->st[a->n++] = (approx_frame){fr.func, NONE, 0}; /* room is there: fr was */
        a->on_path[fr.func] = 1;
        depth++;
        rc = approx_expand(a, fr, depth);
    }
    return rc;
}

/*
 * The time f spent called from the top of the program: its cumulative
 * time less what its callers account for (recursive calls aside). A
 * function nobody calls is all top; one that is also called from the top
 * (cProfile's exec, which importlib calls again for each import) keeps
 * the rest. A remainder under 5% of its time is timer noise, not a root.
 */
static double top_time(pk_profile *p, uint32_t f, int *rc)
{
    const pk_func *fn = pk_profile_func_c(p, f);
    const uint32_t *edges;
    size_t n, i;
    double inflow = 0.0, rest;
    bool called = false;

    *rc = pk_profile_callers(&edges, &n, p, f);
    for (i = 0; *rc == PK_OK && i < n; i++) {
        const pk_edge *e = pk_profile_edge_c(p, edges[i]);
        if (e->caller != f) {
            inflow += edge_time(p, e);
            called = true;
        }
    }
    rest = fn->stats.cumtime - inflow;
    if (!called)
        return fn->stats.cumtime;
    return rest > 0.05 * fn->stats.cumtime ? rest : 0.0;
}

int pk_stacks_from_calls(pk_profile *p, double min_fraction, pk_error *err)
{
    size_t nf = pk_profile_func_count(p), i;
    approx_state a;
    double total = 0.0, best = -1.0;
    uint32_t best_f = 0;
    bool any = false;
    int rc;

    if (nf == 0)
        return pk_error_set(err, PK_ENODATA, NULL, -1, "the profile has no functions");
    if (pk_stacks_present(p))
        return pk_error_set(err, PK_EINVAL, NULL, -1, "the profile has stacks already");
    rc = pk_stacks_init(p, PK_STACKS_APPROXIMATE);
    if (rc == PK_OK)
        rc = pk_stacks_set_unit(p, "microseconds");
    memset(&a, 0, sizeof a);
    a.p = p;
    a.names = pk_calloc(nf, sizeof *a.names);
    a.on_path = pk_calloc(nf, 1);
    if (rc == PK_OK && (!a.names || !a.on_path))
        rc = PK_ENOMEM;
    for (i = 0; rc == PK_OK && i < nf; i++) {
        const pk_func *fn = pk_profile_func_c(p, (uint32_t)i);
        if (fn->stats.cumtime > best) {
            best = fn->stats.cumtime;
            best_f = (uint32_t)i;
        }
        total += top_time(p, (uint32_t)i, &rc) * 1e6;
    }
    a.threshold = total * (min_fraction > 0 ? min_fraction : 0);
    for (i = 0; rc == PK_OK && i < nf; i++) {
        double top = top_time(p, (uint32_t)i, &rc);
        if (rc == PK_OK && top > 0) {
            any = true;
            rc = approx_from(&a, (uint32_t)i, top);
        }
    }
    /* Everything is called by something (one big cycle): start at the
     * function with the most cumulative time. */
    if (rc == PK_OK && !any && best > 0)
        rc = approx_from(&a, best_f, best);
    pk_free(a.names);
    pk_free(a.on_path);
    pk_free(a.st);
    pk_buf_dispose(&a.scratch);
    return rc == PK_OK ? PK_OK
                       : rc == PK_ENOMEM ? oom(err)
                                         : pk_error_set(err, rc, NULL, -1, "cannot build stacks");
}

/* ---- stack-to-stack rewrites ---- */

/* Copies the frames of src's node into dst (interning the names there),
 * optionally reversed, and returns dst's node. `drop_tail_empty` removes
 * trailing empty frames as Perl's split would (their number goes to
 * *dropped_out). */
typedef struct copier {
    pk_profile *dst, *src;
    uint32_t *path;
    size_t path_cap;
    pk_buf tail;
} copier;

/* Puts src's path to node in c->path (root first, or reversed with the
 * trailing empty frames dropped, their number in *dropped_out). */
static int path_of(size_t *n_out, size_t *dropped_out, copier *c, uint32_t node, bool reverse)
{
    size_t n, i, dropped = 0;
    int rc = pk_stacks__path(&c->path, &c->path_cap, &n, c->src, node);

    if (rc == PK_OK && reverse) {
        for (i = 0; i < n / 2; i++) {
            uint32_t t = c->path[i];
            c->path[i] = c->path[n - 1 - i];
            c->path[n - 1 - i] = t;
        }
        while (n > 0 && pk_profile_str_len(c->src, pk_stacks_name(c->src, c->path[n - 1])) == 0) {
            n--;
            dropped++;
        }
    }
    *n_out = n;
    if (dropped_out)
        *dropped_out = dropped;
    return rc;
}

/* Makes the frames c->path[0, n) in dst, the last one named last_len
 * bytes of its name when last_len is not SIZE_MAX; *out is dst's node. */
static int intern_path(uint32_t *out, copier *c, size_t n, size_t last_len)
{
    uint32_t at = PK_STACK_ROOT;
    int rc = PK_OK;
    size_t i;

    for (i = 0; rc == PK_OK && i < n; i++) {
        pk_str name = pk_stacks_name(c->src, c->path[i]), dname;
        size_t len = i + 1 == n && last_len != SIZE_MAX ? last_len
                                                        : pk_profile_str_len(c->src, name);
        rc = pk_profile_intern(&dname, c->dst, pk_profile_str(c->src, name), len);
        if (rc == PK_OK)
            rc = pk_stacks_child(&at, c->dst, at, dname);
    }
    *out = at;
    return rc;
}

static int copy_path(uint32_t *out, size_t *dropped_out, copier *c, uint32_t node,
                     bool reverse)
{
    size_t n;
    int rc = path_of(&n, dropped_out, c, node, reverse);

    return rc == PK_OK ? intern_path(out, c, n, SIZE_MAX) : rc;
}

static int copy_str(pk_str *out, pk_profile *dst, const char *s, size_t len)
{
    if (len == 0) {
        *out = PK_STR_EMPTY;
        return PK_OK;
    }
    return pk_profile_intern(out, dst, s, len);
}

static int merge_leaf(copier *c, uint32_t leaf, uint32_t reps, bool by_run)
{
    const pk_stack_leaf *l = pk_stacks_leaf(c->src, leaf);
    bool diff = (pk_stacks_flags(c->src) & PK_STACKS_DIFFERENTIAL) != 0;
    double after = l->after, before = l->before, count, delta;
    uint32_t node;
    pk_str tail;
    bool has_delta;
    int rc = copy_path(&node, NULL, c, l->node, false);

    if (rc == PK_OK)
        rc = copy_str(&tail, c->dst, pk_profile_str(c->src, l->tail),
                      pk_profile_str_len(c->src, l->tail));
    if (by_run) {
        pk_stacks__line_counts(&count, &delta, &has_delta, c->src, l);
        after = count * reps;
        before = (count - delta) * reps;
    }
    return rc == PK_OK ? pk_stacks_add(c->dst, node, tail, by_run ? reps : l->lines, after,
                                       before, diff)
                       : rc;
}

int pk_stacks_merge_into(pk_profile *dst, pk_profile *src, pk_error *err)
{
    copier c = {dst, src, NULL, 0, PK_BUF_INIT};
    size_t nruns, i;
    const pk_stack_run *runs = pk_stacks_runs(src, &nruns);
    uint64_t ign, dign;
    int64_t first, dfirst;
    int rc;

    if (!pk_stacks_present(src))
        return pk_error_set(err, PK_ENODATA, NULL, -1, "the profile has no stacks");
    rc = pk_stacks_init(dst, pk_stacks_flags(src));
    if (rc == PK_OK && strcmp(pk_stacks_unit(dst), pk_stacks_unit(src)) != 0)
        rc = pk_stacks_set_unit(dst, pk_stacks_unit(src));
    if (runs) {
        for (i = 0; rc == PK_OK && i < nruns; i++)
            rc = merge_leaf(&c, runs[i].leaf, runs[i].reps, true);
    } else {
        for (i = 0; rc == PK_OK && i < pk_stacks_leaf_count(src); i++)
            rc = merge_leaf(&c, (uint32_t)i, 0, false);
    }
    pk_stacks_ignored(&ign, &first, src);
    pk_stacks_ignored(&dign, &dfirst, dst);
    pk_stacks_set_ignored(dst, ign + dign, dfirst ? dfirst : first);
    pk_free(c.path);
    pk_buf_dispose(&c.tail);
    return rc == PK_OK ? PK_OK : oom(err);
}

/* flamegraph.pl's \s on ASCII: space, \t \n \v \f \r. */
static bool is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Where a frame name ends in whitespace and a count, as the last frame of
 * a reversed line can: the whitespace's offset, else SIZE_MAX. Only the
 * last whitespace can start such an end. */
static size_t count_at_end(const char *name, size_t len)
{
    size_t i = len;
    double ignored;

    while (i > 0 && !is_space(name[i - 1]))
        i--;
    if (i == 0 || !pk_stacks__parse_count(name + i, len - i, &ignored))
        return SIZE_MAX;
    return i - 1;
}

/*
 * One reversed line. flamegraph.pl --reverse writes "<reversed stack>
 * <count>[ <count2>]" and parses that text again, splitting the stack at
 * ';' (Perl's split drops trailing empty frames, whose ';' stay in the
 * text). A one-count line whose new last frame ends in whitespace and a
 * number (a root frame such as "worker 0") is then read as a two-count
 * line: the frame loses that number, which becomes the first count, and
 * the graph turns differential. That is odd, but it is what flamegraph.pl
 * draws, so it is reproduced; the line's text, which the sort uses, stays
 * what flamegraph.pl sorted.
 */
static int reverse_leaf(copier *c, uint32_t leaf, uint32_t reps, bool by_run)
{
    const pk_stack_leaf *l = pk_stacks_leaf(c->src, leaf);
    bool diff = (pk_stacks_flags(c->src) & PK_STACKS_DIFFERENTIAL) != 0;
    uint32_t lines = by_run ? reps : l->lines, node;
    size_t n = 0, semis = 0, cut = SIZE_MAX, last_len = SIZE_MAX, tn;
    char buf[PK_STACKS__TAIL_MAX];
    const char *t, *name = "";
    size_t name_len = 0;
    pk_stacks__tail_parts tp;
    double after, before;
    pk_str tail;
    int rc = path_of(&n, &semis, c, l->node, true);

    tn = pk_stacks__tail_text(&t, buf, c->src, l);
    if (rc == PK_OK && !pk_stacks__parse_tail(&tp, t, tn))
        rc = PK_EINVAL;
    if (rc == PK_OK && !tp.two && semis == 0 && n > 0) {
        pk_str last = pk_stacks_name(c->src, c->path[n - 1]);
        name = pk_profile_str(c->src, last);
        name_len = pk_profile_str_len(c->src, last);
        cut = count_at_end(name, name_len);
    }
    if (cut != SIZE_MAX) {
        last_len = cut;
        if (cut == 0) { /* the frame was only " N": split drops it, and what it exposes */
            do {
                n--;
                semis++;
            } while (n > 0 && pk_profile_str_len(c->src, pk_stacks_name(c->src, c->path[n - 1])) == 0);
            last_len = SIZE_MAX;
        }
    }
    if (rc == PK_OK)
        rc = intern_path(&node, c, n, last_len);
    if (rc != PK_OK)
        return rc;
    c->tail.len = 0;
    for (size_t i = 0; i < semis; i++)
        pk_buf_byte(&c->tail, ';');
    if (cut != SIZE_MAX) {
        /* the frame's whitespace and number, then the count */
        pk_buf_append(&c->tail, name + cut, name_len - cut);
        pk_buf_byte(&c->tail, ' ');
        pk_buf_append(&c->tail, tp.c1_text, tp.c1_len);
        diff = true;
        pk_stacks__parse_count(name + cut + 1, name_len - cut - 1, &before);
        before *= lines;
        after = tp.c1 * lines;
    } else {
        pk_buf_byte(&c->tail, ' ');
        pk_buf_append(&c->tail, tp.c1_text, tp.c1_len);
        if (tp.two) {
            pk_buf_byte(&c->tail, ' ');
            pk_buf_append(&c->tail, tp.c2_text, tp.c2_len);
        }
        double count, delta;
        bool has_delta;
        pk_stacks__line_counts(&count, &delta, &has_delta, c->src, l);
        after = by_run ? count * reps : l->after;
        before = by_run ? (count - delta) * reps : l->before;
    }
    if (c->tail.failed)
        return PK_ENOMEM;
    rc = pk_profile_intern(&tail, c->dst, (const char *)c->tail.data, c->tail.len);
    return rc == PK_OK ? pk_stacks_add(c->dst, node, tail, lines, after, before, diff) : rc;
}

int pk_stacks_reversed(pk_profile **out, pk_profile *src, pk_error *err)
{
    copier c = {NULL, src, NULL, 0, PK_BUF_INIT};
    size_t nruns, i;
    const pk_stack_run *runs = pk_stacks_runs(src, &nruns);
    int rc;

    *out = NULL;
    if (!pk_stacks_present(src))
        return pk_error_set(err, PK_ENODATA, NULL, -1, "the profile has no stacks");
    rc = pk_profile_new(&c.dst);
    if (rc == PK_OK)
        rc = pk_stacks_init(c.dst, pk_stacks_flags(src));
    if (rc == PK_OK)
        rc = pk_stacks_set_unit(c.dst, pk_stacks_unit(src));
    if (runs) {
        for (i = 0; rc == PK_OK && i < nruns; i++)
            rc = reverse_leaf(&c, runs[i].leaf, runs[i].reps, true);
    } else {
        for (i = 0; rc == PK_OK && i < pk_stacks_leaf_count(src); i++)
            rc = reverse_leaf(&c, (uint32_t)i, 0, false);
    }
    pk_free(c.path);
    pk_buf_dispose(&c.tail);
    if (rc != PK_OK) {
        pk_profile_free(c.dst);
        return rc == PK_ENOMEM ? oom(err) : pk_error_set(err, rc, NULL, -1, "bad stack tail");
    }
    *out = c.dst;
    return PK_OK;
}

/* ---- difffolded.pl ---- */

/* difffolded.pl keys its sums by the stack text, which is the frames plus
 * any ';' the line had before its count: keep those ';' as the key's tail
 * while summing. */
static int sum_side(copier *c, pk_profile *side, bool is_after, double *total)
{
    size_t i;
    int rc = PK_OK;

    for (i = 0; rc == PK_OK && i < pk_stacks_leaf_count(side); i++) {
        const pk_stack_leaf *l = pk_stacks_leaf(side, (uint32_t)i);
        char buf[PK_STACKS__TAIL_MAX];
        const char *t;
        size_t n = pk_stacks__tail_text(&t, buf, side, l), semis = 0;
        uint32_t node;
        pk_str key;
        while (semis < n && t[semis] == ';')
            semis++;
        c->src = side;
        rc = copy_path(&node, NULL, c, l->node, false);
        if (rc == PK_OK)
            rc = copy_str(&key, c->dst, t, semis);
        if (rc == PK_OK)
            rc = pk_stacks_add(c->dst, node, key, 1, is_after ? l->after : 0.0,
                               is_after ? 0.0 : l->after, true);
        *total += l->after;
    }
    return rc;
}

/* The final line of one summed stack: " c1 c2" as difffolded.pl prints
 * them, and counts read back from that text, as flamegraph.pl reads it. */
static int emit_diff(copier *c, pk_profile *sums, const pk_stack_leaf *l, double t1, double t2,
                     bool normalize)
{
    double c1 = l->before, c2 = l->after;
    char num[40];
    size_t n;
    uint32_t node;
    pk_str tail;
    pk_stacks__tail_parts tp;
    int rc;

    if (normalize && t1 != t2 && t1 != 0)
        c1 = truncate_count(c1 * t2 / t1);
    c->tail.len = 0;
    pk_buf_append(&c->tail, pk_profile_str(sums, l->tail), pk_profile_str_len(sums, l->tail));
    pk_buf_byte(&c->tail, ' ');
    n = pk_stacks__format_perl(num, sizeof num, c1);
    pk_buf_append(&c->tail, num, n);
    pk_buf_byte(&c->tail, ' ');
    n = pk_stacks__format_perl(num, sizeof num, c2);
    pk_buf_append(&c->tail, num, n);
    if (c->tail.failed)
        return PK_ENOMEM;
    /* Perl prints very large or small sums with an exponent, which
     * flamegraph.pl then ignores: so is the line here. */
    if (!pk_stacks__parse_tail(&tp, (const char *)c->tail.data, c->tail.len))
        return PK_OK;
    c->src = sums;
    rc = copy_path(&node, NULL, c, l->node, false);
    if (rc == PK_OK)
        rc = pk_profile_intern(&tail, c->dst, (const char *)c->tail.data, c->tail.len);
    return rc == PK_OK ? pk_stacks_add(c->dst, node, tail, 1, tp.c2, tp.c1, true) : rc;
}

int pk_stacks_diff(pk_profile **out, pk_profile *before, pk_profile *after, bool normalize,
                   pk_error *err)
{
    copier c = {NULL, NULL, NULL, 0, PK_BUF_INIT};
    pk_profile *sums = NULL, *res = NULL;
    double t1 = 0.0, t2 = 0.0;
    size_t i;
    int rc;

    *out = NULL;
    if (!pk_stacks_present(before) || !pk_stacks_present(after))
        return pk_error_set(err, PK_ENODATA, NULL, -1, "a differential needs two stack profiles");
    rc = pk_profile_new(&sums);
    if (rc == PK_OK)
        rc = pk_stacks_init(sums, 0);
    c.dst = sums;
    if (rc == PK_OK)
        rc = sum_side(&c, before, false, &t1);
    if (rc == PK_OK)
        rc = sum_side(&c, after, true, &t2);
    if (rc == PK_OK)
        rc = pk_profile_new(&res);
    if (rc == PK_OK)
        rc = pk_stacks_init(res, 0);
    if (rc == PK_OK)
        rc = pk_stacks_set_unit(res, pk_stacks_unit(after));
    c.dst = res;
    for (i = 0; rc == PK_OK && i < pk_stacks_leaf_count(sums); i++)
        rc = emit_diff(&c, sums, pk_stacks_leaf(sums, (uint32_t)i), t1, t2, normalize);
    pk_free(c.path);
    pk_buf_dispose(&c.tail);
    pk_profile_free(sums);
    if (rc != PK_OK) {
        pk_profile_free(res);
        return rc == PK_ENOMEM ? oom(err) : pk_error_set(err, rc, NULL, -1, "bad stack tail");
    }
    *out = res;
    return PK_OK;
}
