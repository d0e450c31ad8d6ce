/*
 * Tails, counts and the sorted walk over the stacks tree (stacks_walk.h).
 *
 * The walk reproduces `sort @lines` without building the lines. Under a
 * node X, every line continues X's text with either one of X's own tails
 * (" 5", or "; 5" when the input line ended in ';') or ";" plus a child's
 * name and the rest. Sorting the lines of X's subtree therefore means
 * sorting, per node, a short list of keys:
 *   - a tail of X that starts with ';' (its line is X's, after X's ';'),
 *   - a child's name + each of its whitespace tails (one line each),
 *   - a child's name + ";", standing for every longer line of that child,
 *     all of which start with that text, so no other key falls inside.
 * The one exception is a child with an empty name E: its lines start with
 * ";;" relative to X, and so do X's own tails ";; 5"; those tails are
 * handed down and sorted among E's keys instead.
 */
#include "stacks_walk.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* flamegraph.pl's \s on ASCII: space, \t \n \v \f \r. */
static bool is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

bool pk_stacks__parse_count(const char *s, size_t len, double *out)
{
    char small[64];
    char *copy = small;
    size_t i = 0;

    while (i < len && is_digit(s[i]))
        i++;
    if (i == 0)
        return false;
    if (i < len && s[i] == '.') {
        for (i++; i < len && is_digit(s[i]); i++)
            ;
    }
    if (i != len)
        return false;
    /* strtod wants a terminated string; counts are short, but a line may
     * hold a thousand digits, so long ones get a heap copy. The tools never
     * call setlocale, so the decimal point is '.'. */
    if (len >= sizeof small) {
        copy = pk_malloc(len + 1);
        if (!copy)
            return false;
    }
    memcpy(copy, s, len);
    copy[len] = '\0';
    *out = strtod(copy, NULL);
    if (copy != small)
        pk_free(copy);
    return true;
}

/* A whole number doubles hold exactly (|v| < 2^53). */
static bool is_whole(double v)
{
    return v > -9007199254740992.0 && v < 9007199254740992.0 && v == (double)(int64_t)v;
}

size_t pk_stacks__format_count(char *buf, size_t cap, double v)
{
    int n = 0, prec;

    if (v > DBL_MAX) {
        /* A count too long for a double read as infinity: so does this. */
        buf[0] = '1';
        memset(buf + 1, '0', 309);
        buf[310] = '\0';
        return 310;
    }
    if (v >= 9007199254740992.0 || is_whole(v)) {
        n = snprintf(buf, cap, "%.0f", v); /* doubles this large are whole */
    } else {
        /* Fixed notation with the fewest decimals that read back the same;
         * absurdly small counts (< 1e-300) stop at 340 decimals. */
        for (prec = 1; prec <= 340; prec++) {
            n = snprintf(buf, cap, "%.*f", prec, v);
            if (strtod(buf, NULL) == v)
                break;
        }
    }
    return n < 0 ? 0 : (size_t)n;
}

size_t pk_stacks__format_perl(char *buf, size_t cap, double v)
{
    int n;
    if (is_whole(v))
        n = snprintf(buf, cap, "%.0f", v);
    else
        n = snprintf(buf, cap, "%.15g", v);
    return n < 0 ? 0 : (size_t)n;
}

bool pk_stacks__parse_tail(pk_stacks__tail_parts *out, const char *t, size_t len)
{
    size_t i = 0, start, sp;

    memset(out, 0, sizeof *out);
    while (i < len && t[i] == ';')
        i++;
    out->semis = i;
    if (i >= len || !is_space(t[i]))
        return false;
    start = ++i;
    for (sp = start; sp < len && !is_space(t[sp]); sp++)
        ;
    out->c1_text = t + start;
    out->c1_len = sp - start;
    if (!pk_stacks__parse_count(out->c1_text, out->c1_len, &out->c1))
        return false;
    if (sp == len)
        return true;
    out->two = true;
    out->c2_text = t + sp + 1;
    out->c2_len = len - sp - 1;
    return pk_stacks__parse_count(out->c2_text, out->c2_len, &out->c2);
}

size_t pk_stacks__tail_text(const char **text_out, char *buf, const pk_profile *p,
                            const pk_stack_leaf *l)
{
    size_t n = 0;

    if (l->tail != PK_STR_EMPTY) {
        *text_out = pk_profile_str(p, l->tail);
        return pk_profile_str_len(p, l->tail);
    }
    buf[n++] = ' ';
    if (pk_stacks_flags(p) & PK_STACKS_DIFFERENTIAL) {
        n += pk_stacks__format_count(buf + n, PK_STACKS__COUNT_MAX, l->before);
        buf[n++] = ' ';
    }
    n += pk_stacks__format_count(buf + n, PK_STACKS__COUNT_MAX, l->after);
    *text_out = buf;
    return n;
}

/* A node written as one line: its only line as it was read, or else the
 * summed counts after the first line's ';'s and separators. */
static bool merged_line(const pk_profile *p, uint32_t node)
{
    uint32_t first = pk_stacks_first_leaf(p, node);
    const pk_stack_leaf *l = pk_stacks_leaf(p, first);
    return l->next != PK_STACK_NONE || l->lines > 1;
}

/* Whether some line of node had two counts (so its one line needs two). */
static bool any_two_counts(const pk_profile *p, uint32_t node)
{
    uint32_t l;
    for (l = pk_stacks_first_leaf(p, node); l != PK_STACK_NONE; l = pk_stacks_leaf(p, l)->next) {
        double count, delta;
        bool two;
        pk_stacks__line_counts(&count, &delta, &two, p, pk_stacks_leaf(p, l));
        if (two)
            return true;
    }
    return false;
}

bool pk_stacks__written_tail(pk_buf *out, const pk_profile *p, uint32_t node)
{
    char buf[PK_STACKS__TAIL_MAX];
    const char *t;
    const pk_stack_leaf *l = pk_stacks_leaf(p, pk_stacks_first_leaf(p, node));
    size_t n = pk_stacks__tail_text(&t, buf, p, l);
    pk_stacks__tail_parts tp;
    char sep2 = ' ';

    if (!merged_line(p, node) || !pk_stacks__parse_tail(&tp, t, n)) {
        pk_buf_append(out, t, n);
        return !out->failed;
    }
    if (tp.two)
        sep2 = tp.c1_text[tp.c1_len];
    pk_buf_append(out, t, tp.semis + 1);
    if (any_two_counts(p, node)) {
        n = pk_stacks__format_count(buf, sizeof buf, pk_stacks_self_before(p, node));
        pk_buf_append(out, buf, n);
        pk_buf_byte(out, (uint8_t)sep2);
    }
    n = pk_stacks__format_count(buf, sizeof buf, pk_stacks_self(p, node));
    pk_buf_append(out, buf, n);
    return !out->failed;
}

void pk_stacks__line_counts(double *count_out, double *delta_out, bool *has_delta_out,
                            const pk_profile *p, const pk_stack_leaf *l)
{
    pk_stacks__tail_parts t;

    if (l->tail != PK_STR_EMPTY &&
        pk_stacks__parse_tail(&t, pk_profile_str(p, l->tail), pk_profile_str_len(p, l->tail))) {
        *has_delta_out = t.two;
        *count_out = t.two ? t.c2 : t.c1;
        *delta_out = t.two ? t.c2 - t.c1 : 0.0;
        return;
    }
    /* Made in code: one "line" carrying the whole leaf. */
    *has_delta_out = (pk_stacks_flags(p) & PK_STACKS_DIFFERENTIAL) != 0;
    *count_out = l->after;
    *delta_out = *has_delta_out ? l->after - l->before : 0.0;
}

int pk_stacks__path(uint32_t **path, size_t *cap, size_t *n_out, const pk_profile *p,
                    uint32_t node)
{
    size_t d = pk_stacks_depth(p, node), i;

    if (!pk_grow((void **)path, cap, d + 1, sizeof **path))
        return PK_ENOMEM;
    for (i = d; i-- > 0;) {
        (*path)[i] = node;
        node = pk_stacks_parent(p, node);
    }
    *n_out = d;
    return PK_OK;
}

/* ---- the sorted walk ---- */

/* A sort key: name + rest. A block's rest is ";"; a leaf's rest is its
 * tail, or part of it for tails handed down. */
typedef struct witem {
    const char *name, *rest;
    size_t name_len, rest_len;
    uint32_t leaf; /* PK_STACK_NONE for a block */
    uint32_t node; /* the block's node */
    size_t synth;  /* rest is at synth - 1 in the scratch text, 0: not */
} witem;

typedef struct wgap {
    uint32_t leaf;
    uint32_t skip; /* bytes of the tail already matched by ancestors */
} wgap;

typedef struct wctx {
    size_t items, nitems, cursor;
    size_t gaps, ngaps;  /* tails handed down to the empty-named child */
    uint32_t empty_child; /* or PK_STACK_NONE */
} wctx;

typedef struct walker {
    pk_profile *p;
    bool as_written;
    pk_stacks__block_fn block; /* with totals and narrow: the shortcut */
    uint32_t *totals;          /* whole counts, so 32 bits hold them */
    double narrow;
    pk_buf written; /* scratch for pk_stacks__written_tail */
    witem *items;
    size_t nitems, items_cap;
    wgap *gaps;
    size_t ngaps, gaps_cap;
    wctx *ctx;
    size_t nctx, ctx_cap;
    char *text; /* scratch for tails made from counts, per context */
    size_t text_len, text_cap;
} walker;

static int piece_cmp(const char *a, size_t an, const char *b, size_t bn, size_t *used)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp(a, b, n) : 0;
    *used = n;
    return c;
}

/* Compares name + rest of two items as one string each. */
static int item_cmp(const void *x, const void *y)
{
    const witem *a = x, *b = y;
    const char *ap[2] = {a->name, a->rest}, *bp[2] = {b->name, b->rest};
    size_t al[2] = {a->name_len, a->rest_len}, bl[2] = {b->name_len, b->rest_len};
    size_t ai = 0, bi = 0, used;

    for (;;) {
        int c;
        while (ai < 2 && al[ai] == 0)
            ai++;
        while (bi < 2 && bl[bi] == 0)
            bi++;
        if (ai == 2 || bi == 2)
            return (ai < 2) - (bi < 2);
        c = piece_cmp(ap[ai], al[ai], bp[bi], bl[bi], &used);
        if (c)
            return c;
        ap[ai] += used;
        al[ai] -= used;
        bp[bi] += used;
        bl[bi] -= used;
    }
}

static int push_item(walker *w, witem it)
{
    if (!pk_grow((void **)&w->items, &w->items_cap, w->nitems + 1, sizeof *w->items))
        return PK_ENOMEM;
    w->items[w->nitems++] = it;
    return PK_OK;
}

static int push_gap(walker *w, uint32_t leaf, uint32_t skip)
{
    if (!pk_grow((void **)&w->gaps, &w->gaps_cap, w->ngaps + 1, sizeof *w->gaps))
        return PK_ENOMEM;
    w->gaps[w->ngaps++] = (wgap){leaf, skip};
    return PK_OK;
}

/* A tail made here (from counts, or a written one): copied to the scratch
 * text and remembered by offset, as the scratch may move while it grows. */
static int copy_rest(walker *w, witem *it, uint32_t leaf, const char *t, size_t n, size_t skip)
{
    it->leaf = leaf;
    it->rest_len = n - skip;
    if (!pk_grow((void **)&w->text, &w->text_cap, w->text_len + n, 1))
        return PK_ENOMEM;
    memcpy(w->text + w->text_len, t + skip, n - skip);
    it->synth = w->text_len + 1;
    w->text_len += n - skip;
    return PK_OK;
}

/* A leaf's tail text: the interned one where it can, else made here. */
static int leaf_rest(walker *w, witem *it, uint32_t leaf, size_t skip)
{
    char buf[PK_STACKS__TAIL_MAX];
    const char *t;
    const pk_stack_leaf *l = pk_stacks_leaf(w->p, leaf);
    size_t n;

    if (w->as_written && merged_line(w->p, l->node)) {
        w->written.len = 0;
        if (!pk_stacks__written_tail(&w->written, w->p, l->node))
            return PK_ENOMEM;
        return copy_rest(w, it, leaf, (const char *)w->written.data, w->written.len, skip);
    }
    n = pk_stacks__tail_text(&t, buf, w->p, l);
    if (t == buf)
        return copy_rest(w, it, leaf, buf, n, skip);

    it->leaf = leaf;
    it->rest_len = n - skip;
    it->rest = t + skip;
    return PK_OK;
}

/* A gap of the context being built: sorted here, or handed down to the
 * empty-named child when it starts with ';'. */
static int add_gap(walker *w, wctx *c, uint32_t leaf, size_t skip)
{
    witem it;
    char first;
    int rc;

    memset(&it, 0, sizeof it);
    rc = leaf_rest(w, &it, leaf, skip);
    if (rc != PK_OK)
        return rc;
    first = it.rest_len == 0 ? '\0' : it.synth ? w->text[it.synth - 1] : it.rest[0];
    if (c->empty_child != PK_STACK_NONE && first == ';') {
        c->ngaps++;
        return push_gap(w, leaf, (uint32_t)(skip + 1));
    }
    return push_item(w, it);
}

static bool starts_with_semi(const pk_profile *p, uint32_t leaf)
{
    const pk_stack_leaf *l = pk_stacks_leaf(p, leaf);
    return l->tail != PK_STR_EMPTY && pk_profile_str(p, l->tail)[0] == ';';
}

/* A child's keys: one per whitespace tail, and its block if it has lines
 * below its own text + ";". */
static int add_child(walker *w, uint32_t child, size_t handed)
{
    const char *name = pk_profile_str(w->p, pk_stacks_name(w->p, child));
    size_t name_len = pk_profile_str_len(w->p, pk_stacks_name(w->p, child));
    const uint32_t *kids;
    size_t nkids;
    bool block = handed > 0;
    uint32_t l;
    int rc = pk_stacks_children(&kids, &nkids, w->p, child);

    for (l = pk_stacks_first_leaf(w->p, child); rc == PK_OK && l != PK_STACK_NONE;
         l = w->as_written ? PK_STACK_NONE : pk_stacks_leaf(w->p, l)->next) {
        witem it;
        if (starts_with_semi(w->p, l)) {
            block = true;
            continue;
        }
        memset(&it, 0, sizeof it);
        rc = leaf_rest(w, &it, l, 0);
        it.name = name;
        it.name_len = name_len;
        if (rc == PK_OK)
            rc = push_item(w, it);
    }
    if (rc == PK_OK && (block || nkids > 0)) {
        witem it = {name, ";", name_len, 1, PK_STACK_NONE, child, 0};
        rc = push_item(w, it);
    }
    return rc;
}

/* Pushes the context of node's block: its keys, sorted. `from`/`nfrom`
 * are gaps handed down by the parent (only for an empty-named node). */
static int push_ctx(walker *w, uint32_t node, size_t from, size_t nfrom)
{
    wctx c = {w->nitems, 0, 0, w->ngaps, 0, PK_STACK_NONE};
    const uint32_t *kids;
    size_t nkids, i;
    uint32_t l;
    int rc = pk_stacks_children(&kids, &nkids, w->p, node);

    w->text_len = 0;
    /* Children sort by name, so an empty-named one comes first. */
    if (rc == PK_OK && nkids > 0 && pk_profile_str_len(w->p, pk_stacks_name(w->p, kids[0])) == 0)
        c.empty_child = kids[0];
    /* The node's own ';' tails (all of the root's tails), then the gaps
     * handed down from above. */
    for (l = rc == PK_OK ? pk_stacks_first_leaf(w->p, node) : PK_STACK_NONE;
         rc == PK_OK && l != PK_STACK_NONE;
         l = w->as_written ? PK_STACK_NONE : pk_stacks_leaf(w->p, l)->next) {
        if (node == PK_STACK_ROOT)
            rc = add_gap(w, &c, l, 0);
        else if (starts_with_semi(w->p, l))
            rc = add_gap(w, &c, l, 1);
    }
    for (i = 0; rc == PK_OK && i < nfrom; i++)
        rc = add_gap(w, &c, w->gaps[from + i].leaf, w->gaps[from + i].skip);
    for (i = 0; rc == PK_OK && i < nkids; i++)
        rc = add_child(w, kids[i], kids[i] == c.empty_child ? c.ngaps : 0);
    if (rc != PK_OK)
        return rc;
    c.nitems = w->nitems - c.items;
    for (i = c.items; i < w->nitems; i++) {
        if (w->items[i].synth)
            w->items[i].rest = w->text + w->items[i].synth - 1;
    }
    if (c.nitems > 1) /* w->items may still be NULL when empty: qsort wants a pointer */
        qsort(w->items + c.items, c.nitems, sizeof *w->items, item_cmp);
    if (!pk_grow((void **)&w->ctx, &w->ctx_cap, w->nctx + 1, sizeof *w->ctx))
        return PK_ENOMEM;
    w->ctx[w->nctx++] = c;
    return PK_OK;
}

/* The sum of node's block: its subtree less its own whitespace tails
 * (those are items of the parent's context). */
static double block_sum(const walker *w, uint32_t node)
{
    double sum = w->totals[node];
    uint32_t l;
    for (l = pk_stacks_first_leaf(w->p, node); l != PK_STACK_NONE; l = pk_stacks_leaf(w->p, l)->next) {
        if (!starts_with_semi(w->p, l))
            sum -= pk_stacks_leaf(w->p, l)->after;
    }
    return sum;
}

static int walk(walker *w, pk_stacks__visit_fn fn, void *arg)
{
    int rc = push_ctx(w, PK_STACK_ROOT, 0, 0);

    while (rc == PK_OK && w->nctx > 0) {
        wctx *c = &w->ctx[w->nctx - 1];
        witem it;
        double sum;
        if (c->cursor == c->nitems) {
            w->nitems = c->items;
            w->ngaps = c->gaps;
            w->nctx--;
            continue;
        }
        it = w->items[c->items + c->cursor++];
        if (it.leaf != PK_STACK_NONE)
            rc = fn(arg, it.leaf);
        else if (it.node == c->empty_child)
            rc = push_ctx(w, it.node, c->gaps, c->ngaps);
        else if (w->block && (sum = block_sum(w, it.node)) < w->narrow)
            rc = w->block(arg, it.node, sum);
        else
            rc = push_ctx(w, it.node, 0, 0);
    }
    return rc;
}

static int walk_with(walker *w, pk_stacks__visit_fn fn, void *ctx)
{
    int rc = walk(w, fn, ctx);

    pk_free(w->items);
    pk_free(w->gaps);
    pk_free(w->ctx);
    pk_free(w->text);
    pk_buf_dispose(&w->written);
    return rc;
}

int pk_stacks__walk_sorted(pk_profile *p, bool as_written, pk_stacks__visit_fn fn, void *ctx)
{
    walker w;

    if (!pk_stacks_present(p))
        return PK_OK;
    memset(&w, 0, sizeof w);
    w.p = p;
    w.as_written = as_written;
    return walk_with(&w, fn, ctx);
}

/*
 * The subtree sums the shortcut needs, if it is exact (see the header):
 * whole counts only, so 32-bit sums hold a total below 2^32 exactly and
 * take half the memory of doubles. false when the shortcut does not apply.
 */
static bool narrow_totals(uint32_t **out, pk_profile *p, int *rc)
{
    size_t i, n = pk_stacks_leaf_count(p), nodes = pk_stacks_node_count(p);
    double grand = 0;
    uint32_t *t;

    *out = NULL;
    *rc = PK_OK;
    if (pk_stacks_flags(p) & PK_STACKS_DIFFERENTIAL)
        return false;
    for (i = 0; i < n; i++) {
        const pk_stack_leaf *l = pk_stacks_leaf(p, (uint32_t)i);
        if (!(l->after > 0) || !is_whole(l->after) || !is_whole(l->after / l->lines))
            return false;
        grand += l->after;
    }
    if (grand > (double)UINT32_MAX)
        return false;
    t = pk_calloc(nodes, sizeof *t);
    if (!t) {
        *rc = PK_ENOMEM;
        return false;
    }
    for (i = 0; i < n; i++) {
        const pk_stack_leaf *l = pk_stacks_leaf(p, (uint32_t)i);
        t[l->node] += (uint32_t)l->after;
    }
    /* Children have larger ids than their parents. */
    for (i = nodes; i-- > 1;)
        t[pk_stacks_parent(p, (uint32_t)i)] += t[i];
    *out = t;
    return true;
}

int pk_stacks__walk_sorted_narrow(pk_profile *p, pk_stacks__visit_fn fn,
                                  pk_stacks__block_fn block, double narrow, void *ctx)
{
    walker w;
    int rc = PK_OK;

    if (!pk_stacks_present(p))
        return PK_OK;
    memset(&w, 0, sizeof w);
    w.p = p;
    if (narrow > 0 && narrow_totals(&w.totals, p, &rc)) {
        w.block = block;
        w.narrow = narrow;
    }
    if (rc == PK_OK)
        rc = walk_with(&w, fn, ctx);
    pk_free(w.totals);
    return rc;
}
