/*
 * The frame layout flamegraph.pl computes, from the stacks tree.
 *
 * flamegraph.pl sorts its lines, then walks them keeping the frames of the
 * previous line open: a frame stays one box while consecutive lines share
 * it and all frames below it, and a line's count advances the time (the
 * x axis). pk_stacks__walk_sorted() gives the lines in that order, so the
 * same walk here yields the same boxes: the same frame name can make two
 * boxes when another line sorts between (as "a" vs "a.b" can), just as in
 * flamegraph.pl. A differential box's delta is the one of the line that
 * opened it, and only if that line ends in it (0 otherwise).
 *
 * flamegraph.pl stores a closed box under the key "name;depth;end time".
 * A box that opens and closes at the instant an earlier box of the same
 * name and depth closed (lines with a zero count, common in differential
 * files) lands on the same key and replaces the earlier box's start, so
 * the earlier box vanishes. The `recent` table reproduces that: it holds
 * the boxes closed at the current instant, and is emptied when time moves.
 */
#include "flame_priv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "stacks_walk.h"

typedef struct open_frame {
    uint32_t node;
    double stime, delta;
    bool has_delta, delta_float;
} open_frame;

/* Boxes closed at the current instant, by (name, depth). */
typedef struct recent_slot {
    pk_str name;
    uint32_t depth;
    uint32_t box;  /* index in the layout, or PK_STACK_NONE if not kept */
    uint64_t gen;  /* the slot is in use when gen equals the table's */
} recent_slot;

typedef struct recent_table {
    recent_slot *slots;
    size_t cap, count;
    uint64_t gen;
} recent_table;

typedef struct flow {
    pk_profile *p;
    pk_flame_layout *l;
    open_frame *open;
    size_t nopen, open_cap;
    uint32_t *path;
    size_t path_cap;
    double keep_width; /* boxes narrower than this are not kept */
    recent_table recent;
} flow;

static size_t recent_hash(pk_str name, uint32_t depth)
{
    uint64_t h = ((uint64_t)name << 32 | depth) * 0x9e3779b97f4a7c15ull;
    return (size_t)(h ^ (h >> 31));
}

static recent_slot *recent_find(recent_table *t, pk_str name, uint32_t depth)
{
    size_t mask = t->cap - 1, i;

    if (t->cap == 0)
        return NULL;
    for (i = recent_hash(name, depth) & mask; t->slots[i].gen == t->gen; i = (i + 1) & mask) {
        if (t->slots[i].name == name && t->slots[i].depth == depth)
            return &t->slots[i];
    }
    return NULL;
}

static bool recent_add(recent_table *t, pk_str name, uint32_t depth, uint32_t box)
{
    size_t i, mask;

    if ((t->count + 1) * 2 > t->cap) {
        recent_table bigger = {NULL, t->cap ? t->cap * 2 : 64, 0, 1};
        bigger.slots = pk_calloc(bigger.cap, sizeof *bigger.slots);
        if (!bigger.slots)
            return false;
        for (i = 0; i < t->cap; i++) {
            if (t->slots[i].gen == t->gen) {
                recent_slot *s = &t->slots[i];
                size_t j = recent_hash(s->name, s->depth) & (bigger.cap - 1);
                while (bigger.slots[j].gen == bigger.gen)
                    j = (j + 1) & (bigger.cap - 1);
                bigger.slots[j] = (recent_slot){s->name, s->depth, s->box, bigger.gen};
                bigger.count++;
            }
        }
        pk_free(t->slots);
        *t = bigger;
    }
    mask = t->cap - 1;
    for (i = recent_hash(name, depth) & mask; t->slots[i].gen == t->gen; i = (i + 1) & mask)
        ;
    t->slots[i] = (recent_slot){name, depth, box, t->gen};
    t->count++;
    return true;
}

/* Time moved: forget every entry at once. */
static void recent_clear(recent_table *t)
{
    if (t->count == 0)
        return;
    t->gen++;
    t->count = 0;
}

/* flamegraph.pl files a closed frame under the key "name;depth;etime" and
 * later reads etime back out of that string. Perl prints a number that is
 * not whole (a sum of fractional counts), or that is past the 64-bit
 * integers, with %.15g, so the end it draws with is that rounding of the
 * real one: a frame of 12.5 samples can be labelled 13, and one of 1e29
 * samples ends where 1.23456789012346e+29 does. Whole numbers below 2^64
 * are integers in Perl and print in full. */
static double perl_key_time(double t)
{
    char buf[64];

    if (t == floor(t) && fabs(t) < 18446744073709551616.0)
        return t;
    snprintf(buf, sizeof buf, "%.15g", t);
    return strtod(buf, NULL);
}

static int emit(flow *f, size_t depth, double etime)
{
    const open_frame *o = &f->open[depth];
    pk_flame_layout *l = f->l;
    pk_str name = pk_stacks_name(f->p, o->node);
    recent_slot *earlier = o->stime == etime ? recent_find(&f->recent, name, (uint32_t)depth) : NULL;
    uint32_t box = PK_STACK_NONE;

    if (earlier) {
        /* Same key as a box closed at this instant: it takes that box's
         * place (its start, and its delta if it has one). */
        if (earlier->box != PK_STACK_NONE) {
            pk_flame_box *b = &l->boxes[earlier->box];
            b->stime = o->stime;
            if (o->has_delta) {
                b->delta = o->delta;
                b->has_delta = true;
                b->delta_float = o->delta_float;
            }
        }
        return PK_OK;
    }
    if (etime - o->stime >= f->keep_width) {
        if (!pk_grow((void **)&l->boxes, &l->cap, l->n + 1, sizeof *l->boxes))
            return PK_ENOMEM;
        box = (uint32_t)l->n;
        l->boxes[l->n++] = (pk_flame_box){o->node, (uint32_t)depth, o->stime,
                                          perl_key_time(etime), o->delta, o->has_delta,
                                          o->delta_float};
    }
    return recent_add(&f->recent, name, (uint32_t)depth, box) ? PK_OK : PK_ENOMEM;
}

/* One line (or `count` worth of identical consecutive lines) of node;
 * its delta is a float when its counts were written with a '.'. */
static int flow_line(flow *f, uint32_t node, double count, double delta, bool has_delta,
                     bool delta_float)
{
    size_t k, same = 0, d;
    int rc = pk_stacks__path(&f->path, &f->path_cap, &k, f->p, node);

    if (rc != PK_OK)
        return rc;
    /* this = [root, path...]; find the frames it shares with the open ones. */
    while (same < f->nopen && same <= k &&
           f->open[same].node == (same == 0 ? PK_STACK_ROOT : f->path[same - 1]))
        same++;
    for (d = f->nopen; d-- > same;) {
        rc = emit(f, d, f->l->time);
        if (rc != PK_OK)
            return rc;
    }
    if (!pk_grow((void **)&f->open, &f->open_cap, k + 1, sizeof *f->open))
        return PK_ENOMEM;
    for (d = same; d <= k; d++) {
        f->open[d] = (open_frame){d == 0 ? PK_STACK_ROOT : f->path[d - 1], f->l->time,
                                  has_delta && d == k ? delta : 0.0, has_delta,
                                  d == k && delta_float};
    }
    f->nopen = k + 1;
    if (has_delta) {
        f->l->differential = true;
        if (fabs(delta) > f->l->maxdelta)
            f->l->maxdelta = fabs(delta);
    }
    if (count != 0)
        recent_clear(&f->recent);
    f->l->time += count;
    return PK_OK;
}

static bool fractional(const pk_profile *p, const pk_stack_leaf *l)
{
    return l->tail != PK_STR_EMPTY &&
           memchr(pk_profile_str(p, l->tail), '.', pk_profile_str_len(p, l->tail)) != NULL;
}

static int visit_leaf(void *arg, uint32_t leaf)
{
    flow *f = arg;
    const pk_stack_leaf *l = pk_stacks_leaf(f->p, leaf);
    double count, delta;
    bool has_delta;
    int rc;

    pk_stacks__line_counts(&count, &delta, &has_delta, f->p, l);
    if (l->lines < 2 || !fractional(f->p, l))
        return flow_line(f, l->node, l->after, delta, has_delta, fractional(f->p, l));
    /* Identical input lines with a fractional count: flamegraph.pl adds
     * them one by one, and the rounding of that sum is not the rounding of
     * lines x count (nor of the record's summed count). Whole counts sum
     * exactly either way. */
    rc = flow_line(f, l->node, count, delta, has_delta, true);
    for (uint32_t i = 1; rc == PK_OK && i < l->lines; i++)
        f->l->time += count;
    return rc;
}

/* A narrow block, skipped by the walk: one line ending at node. */
static int visit_block(void *arg, uint32_t node, double sum)
{
    return flow_line(arg, node, sum, 0.0, false, false);
}

static int flow_chart(flow *f)
{
    size_t n, i;
    const pk_stack_run *runs = pk_stacks_runs(f->p, &n);
    int rc = PK_OK;

    for (i = 0; rc == PK_OK && i < n; i++) {
        const pk_stack_leaf *l = pk_stacks_leaf(f->p, runs[i].leaf);
        double count, delta;
        bool has_delta;
        pk_stacks__line_counts(&count, &delta, &has_delta, f->p, l);
        if (runs[i].reps < 2 || !fractional(f->p, l)) {
            rc = flow_line(f, l->node, count * runs[i].reps, delta, has_delta,
                           fractional(f->p, l));
            continue;
        }
        /* fractional: one by one, as for identical lines in visit_leaf */
        rc = flow_line(f, l->node, count, delta, has_delta, true);
        for (uint32_t k = 1; rc == PK_OK && k < runs[i].reps; k++)
            f->l->time += count;
    }
    return rc;
}

static double min_width_time(const pk_flame_cfg *c, double timemax, double widthpertime)
{
    return c->o.min_width_percent ? timemax * c->o.min_width / 100 : c->o.min_width / widthpertime;
}

/* --total replaces the real total only when it is larger. */
static double resolve_timemax(const pk_flame_cfg *c, double time, bool *ignored)
{
    *ignored = false;
    if (c->o.total > 0 && c->o.total < time) {
        *ignored = c->o.total / time > 0.02; /* flamegraph.pl warns only then */
        return time;
    }
    return c->o.total > 0 ? c->o.total : time;
}

/* Drops what the final minimum width excludes and finds the depth. */
static void finish(pk_flame_layout *l, const pk_flame_cfg *c)
{
    double min_time;
    size_t i, kept = 0;

    l->timemax = resolve_timemax(c, l->time, &l->total_ignored);
    l->xpad = 10;
    l->framepad = 1;
    l->ypad1 = c->o.font_size * 3;
    l->ypad2 = c->o.font_size * 2 + 10;
    l->ypad3 = c->o.font_size * 2;
    l->widthpertime = (c->o.width - 2 * l->xpad) / l->timemax;
    min_time = min_width_time(c, l->timemax, l->widthpertime);
    l->depthmax = 0;
    for (i = 0; i < l->n; i++) {
        pk_flame_box b = l->boxes[i];
        if (b.etime - b.stime < min_time)
            continue;
        if (b.depth > l->depthmax)
            l->depthmax = b.depth;
        l->boxes[kept++] = b;
    }
    l->n = kept;
    l->image_height = (l->depthmax + 1) * (double)c->o.frame_height + l->ypad1 + l->ypad2;
    if (c->o.subtitle && c->o.subtitle[0])
        l->image_height += l->ypad3;
}

int pk_flame__layout(pk_flame_layout *out, pk_profile *p, const pk_flame_cfg *c, pk_error *err)
{
    flow f;
    double est = 0, timemax;
    bool ignored;
    size_t i;
    int rc = PK_OK;

    memset(out, 0, sizeof *out);
    out->maxdelta = 1;
    memset(&f, 0, sizeof f);
    f.p = p;
    f.l = out;
    /* The walk adds line by line; the sum of the leaves is the same up to
     * the rounding of fractional counts, so prune a hair below the
     * estimate here and exactly once the real total is known. */
    for (i = 0; i < pk_stacks_leaf_count(p); i++)
        est += pk_stacks_leaf(p, (uint32_t)i)->after;
    if (est > 0) {
        timemax = resolve_timemax(c, est, &ignored);
        f.keep_width = min_width_time(c, timemax, (c->o.width - 20) / timemax) * (1 - 1e-9);
    }
    if (c->o.flamechart)
        rc = flow_chart(&f);
    else
        rc = pk_stacks__walk_sorted_narrow(p, visit_leaf, visit_block, f.keep_width, &f);
    for (size_t d = f.nopen; rc == PK_OK && d-- > 0;)
        rc = emit(&f, d, out->time);
    pk_free(f.open);
    pk_free(f.path);
    pk_free(f.recent.slots);
    if (rc != PK_OK) {
        pk_flame__layout_dispose(out);
        return pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory laying out frames");
    }
    if (!(out->time > 0)) {
        pk_flame__layout_dispose(out);
        return pk_error_set(err, PK_ENODATA, NULL, -1, "no stack counts found");
    }
    finish(out, c);
    return PK_OK;
}

void pk_flame__layout_dispose(pk_flame_layout *l)
{
    pk_free(l->boxes);
    l->boxes = NULL;
    l->n = l->cap = 0;
}

void pk_flame__box_geometry(const pk_flame_layout *l, const pk_flame_cfg *c,
                            const pk_flame_box *b, double *x1, double *x2, double *y1,
                            double *y2)
{
    double etime = b->depth == 0 ? l->timemax : b->etime;
    double fh = c->o.frame_height;

    *x1 = l->xpad + b->stime * l->widthpertime;
    *x2 = l->xpad + etime * l->widthpertime;
    if (!c->o.inverted) {
        *y1 = l->image_height - l->ypad2 - (b->depth + 1) * fh + l->framepad;
        *y2 = l->image_height - l->ypad2 - b->depth * fh;
    } else {
        *y1 = l->ypad1 + b->depth * fh;
        *y2 = l->ypad1 + (b->depth + 1) * fh - l->framepad;
    }
}

/* ---- options ---- */

static int set_background(pk_flame_cfg *c, pk_error *err)
{
    const char *bg = c->o.bgcolors;
    pk_flame_palette pal = c->o.palette;

    if (!bg || !bg[0])
        bg = pal == PK_FLAME_MEM ? "green"
             : pal == PK_FLAME_IO ? "blue"
             : (pal >= PK_FLAME_RED && pal <= PK_FLAME_ORANGE) ? "grey"
                                                                : "yellow";
    if (strcmp(bg, "yellow") == 0)
        c->bg1 = "#eeeeee", c->bg2 = "#eeeeb0";
    else if (strcmp(bg, "blue") == 0)
        c->bg1 = "#eeeeee", c->bg2 = "#e0e0ff";
    else if (strcmp(bg, "green") == 0)
        c->bg1 = "#eef2ee", c->bg2 = "#e0ffe0";
    else if (strcmp(bg, "grey") == 0)
        c->bg1 = "#f8f8f8", c->bg2 = "#e8e8e8";
    else if (strlen(bg) == 7 && bg[0] == '#' && strspn(bg + 1, "0123456789abcdefABCDEF") == 6) {
        memcpy(c->bgbuf, bg, 8);
        c->bg1 = c->bg2 = c->bgbuf;
    } else
        return pk_error_set(err, PK_EINVAL, NULL, -1, "unknown background colours '%s'", bg);
    return PK_OK;
}

int pk_flame__config(pk_flame_cfg *c, pk_profile *p, const pk_flame_opts *o, pk_error *err)
{
    memset(c, 0, sizeof *c);
    c->o = *o;
    if (!pk_stacks_present(p))
        return pk_error_set(err, PK_ENODATA, NULL, -1, "the profile has no stacks to draw");
    if (o->width <= 0 || o->frame_height <= 0 || !(o->font_size > 0) || !(o->font_width > 0) ||
        !(o->min_width >= 0))
        return pk_error_set(err, PK_EINVAL, NULL, -1, "sizes must be positive");
    if (o->notes && strpbrk(o->notes, "<>"))
        return pk_error_set(err, PK_EINVAL, NULL, -1, "notes cannot contain < or >");
    if (o->flamechart && !(pk_stacks_flags(p) & PK_STACKS_ORDERED))
        return pk_error_set(err, PK_EINVAL, NULL, -1,
                            "a flame chart needs the input order (read with keep_order)");
    if (!c->o.notes)
        c->o.notes = "";
    if (!c->o.font_type)
        c->o.font_type = "Verdana";
    if (!c->o.name_type)
        c->o.name_type = "Function:";
    c->title = o->title && o->title[0] ? o->title
               : o->flamechart         ? "Flame Chart"
               : o->inverted           ? "Icicle Graph"
                                       : "Flame Graph";
    c->count_name = o->count_name ? o->count_name : pk_stacks_unit(p);
    return set_background(c, err);
}
