/*
 * Line rows of a diff: line_profiler's (line, hits, time) rows of two
 * profiles. Functions pair up as function rows do, by (file, first line,
 * name) and then by (file, name); inside a pair a line pairs with the line
 * at the same distance from its function's first line, so a function that
 * moved keeps its lines matched.
 */
#include "diff_int.h"

#include <profkit/lines.h>

#include "alloc.h"

enum { LINE_TIME, LINE_HITS };

/* Group ids of functions without a partner: apart from pairs and from
 * each other's side. */
#define ONLY_BEFORE 0x80000000u
#define ONLY_AFTER 0xC0000000u

typedef struct line_side {
    const pk_profile *p;
    size_t nfuncs;
    pk_diff_key *fkeys;  /* per function with line data */
    size_t nlines;
    pk_diff_key *lkeys;  /* per line row, grouped */
    uint32_t *lfunc;     /* per line row: its function's position */
    uint32_t *lrow;      /* per line row: its index in the function's rows */
} line_side;

static const char *file_key(const char *file, bool strip)
{
    return strip ? pk_diff__basename(file) : file;
}

static bool function_keys(line_side *s, bool strip)
{
    size_t i;

    s->nfuncs = pk_lines_func_count(s->p);
    s->fkeys = pk_malloc((s->nfuncs ? s->nfuncs : 1) * sizeof *s->fkeys);
    if (!s->fkeys)
        return false;
    s->nlines = 0;
    for (i = 0; i < s->nfuncs; i++) {
        const pk_func *f = pk_profile_func_c(s->p, pk_lines_func(s->p, i));
        size_t n;
        s->fkeys[i].group = 0;
        s->fkeys[i].file = file_key(pk_profile_str(s->p, f->file), strip);
        s->fkeys[i].name = pk_profile_str(s->p, f->name);
        s->fkeys[i].line = f->line;
        pk_lines_rows(s->p, pk_lines_func(s->p, i), &n);
        s->nlines += n;
    }
    return true;
}

/* groups[i]: the group of function i's lines. */
static bool line_keys(line_side *s, const uint32_t *groups)
{
    size_t i, k, at = 0, cap = s->nlines ? s->nlines : 1;

    s->lkeys = pk_malloc(cap * sizeof *s->lkeys);
    s->lfunc = pk_malloc(cap * sizeof *s->lfunc);
    s->lrow = pk_malloc(cap * sizeof *s->lrow);
    if (!s->lkeys || !s->lfunc || !s->lrow)
        return false;
    for (i = 0; i < s->nfuncs; i++) {
        size_t n;
        const pk_line_stat *rows = pk_lines_rows(s->p, pk_lines_func(s->p, i), &n);
        for (k = 0; k < n; k++, at++) {
            s->lkeys[at].group = groups[i];
            s->lkeys[at].file = "";
            s->lkeys[at].name = "";
            s->lkeys[at].line = rows[k].line - s->fkeys[i].line;
            s->lfunc[at] = (uint32_t)i;
            s->lrow[at] = (uint32_t)k;
        }
    }
    return true;
}

static void dispose(line_side *s)
{
    pk_free(s->fkeys);
    pk_free(s->lkeys);
    pk_free(s->lfunc);
    pk_free(s->lrow);
}

static const pk_line_stat *line_at(const line_side *s, size_t l)
{
    size_t n;
    return &pk_lines_rows(s->p, pk_lines_func(s->p, s->lfunc[l]), &n)[s->lrow[l]];
}

static pk_diff_row *line_row(pk_diff *d, const line_side *s, size_t l, pk_diff_status st,
                             pk_diff_match how, bool strip)
{
    const pk_func *f = pk_profile_func_c(s->p, pk_lines_func(s->p, s->lfunc[l]));
    const pk_line_stat *ls = line_at(s, l);
    double unit = pk_lines_unit(s->p);
    pk_diff_row *r = pk_diff__add_row(d, st, how,
                                      file_key(pk_profile_str(s->p, f->file), strip),
                                      pk_profile_str(s->p, f->name));
    double *v;

    if (!r)
        return NULL;
    r->func_line = f->line;
    v = st == PK_DIFF_VANISHED ? r->before : r->after;
    v[LINE_TIME] = (double)ls->ticks * unit;
    v[LINE_HITS] = (double)ls->hits;
    *(st == PK_DIFF_VANISHED ? &r->line_before : &r->line_after) = ls->line;
    return r;
}

static int add_line_rows(pk_diff *d, const line_side *b, const line_side *a,
                         const uint32_t *b_of_a, const pk_diff_match *fhow, bool strip)
{
    bool *used = pk_calloc(b->nlines ? b->nlines : 1, sizeof *used);
    size_t i;
    int rc = PK_OK;

    for (i = 0; used && rc == PK_OK && i < a->nlines; i++) {
        bool both = b_of_a[i] != PK_DIFF_NO_MATCH;
        pk_diff_row *r = line_row(d, a, i, both ? PK_DIFF_BOTH : PK_DIFF_NEW,
                                  both ? fhow[a->lfunc[i]] : PK_MATCH_NONE, strip);
        if (!r)
            rc = PK_ENOMEM;
        else if (both) {
            const pk_line_stat *ls = line_at(b, b_of_a[i]);
            used[b_of_a[i]] = true;
            r->before[LINE_TIME] = (double)ls->ticks * pk_lines_unit(b->p);
            r->before[LINE_HITS] = (double)ls->hits;
            r->line_before = ls->line;
        }
    }
    for (i = 0; used && rc == PK_OK && i < b->nlines; i++) {
        if (!used[i] && !line_row(d, b, i, PK_DIFF_VANISHED, PK_MATCH_NONE, strip))
            rc = PK_ENOMEM;
    }
    pk_free(used);
    return used ? rc : PK_ENOMEM;
}

static double total_time(const line_side *s)
{
    double t = 0.0;
    size_t i, k, n;

    for (i = 0; i < s->nfuncs; i++) {
        const pk_line_stat *rows = pk_lines_rows(s->p, pk_lines_func(s->p, i), &n);
        for (k = 0; k < n; k++)
            t += (double)rows[k].ticks * pk_lines_unit(s->p);
    }
    return t;
}

/* Function pair k is group k; the rest get groups of their own. */
static void assign_groups(uint32_t *gb, uint32_t *ga, const uint32_t *fb_of_a, size_t nb,
                          size_t na)
{
    size_t i;
    for (i = 0; i < nb; i++)
        gb[i] = ONLY_BEFORE + (uint32_t)i;
    for (i = 0; i < na; i++) {
        ga[i] = ONLY_AFTER + (uint32_t)i;
        if (fb_of_a[i] != PK_DIFF_NO_MATCH)
            ga[i] = gb[fb_of_a[i]] = (uint32_t)i;
    }
}

static int match_lines(pk_diff *d, line_side *b, line_side *a, const pk_diff_opts *o)
{
    size_t nb = b->nfuncs, na = a->nfuncs;
    uint32_t *fb_of_a = pk_malloc((na ? na : 1) * sizeof *fb_of_a);
    pk_diff_match *fhow = pk_malloc((na ? na : 1) * sizeof *fhow);
    uint32_t *gb = pk_malloc((nb ? nb : 1) * sizeof *gb), *ga = pk_malloc((na ? na : 1) * sizeof *ga);
    uint32_t *lb_of_a = NULL;
    int rc = PK_ENOMEM;

    if (fb_of_a && fhow && gb && ga &&
        pk_diff__match(fb_of_a, fhow, b->fkeys, nb, a->fkeys, na, o->no_moved) == PK_OK) {
        assign_groups(gb, ga, fb_of_a, nb, na);
        lb_of_a = pk_malloc((a->nlines ? a->nlines : 1) * sizeof *lb_of_a);
        if (lb_of_a && line_keys(b, gb) && line_keys(a, ga) &&
            pk_diff__match(lb_of_a, NULL, b->lkeys, b->nlines, a->lkeys, a->nlines, true) == PK_OK)
            rc = add_line_rows(d, b, a, lb_of_a, fhow, o->strip_dirs);
    }
    pk_free(fb_of_a);
    pk_free(fhow);
    pk_free(gb);
    pk_free(ga);
    pk_free(lb_of_a);
    return rc;
}

int pk_diff__build_lines(pk_diff *d, const pk_profile *before, const pk_profile *after,
                         const pk_diff_opts *o)
{
    line_side b = {before, 0, NULL, 0, NULL, NULL, NULL};
    line_side a = {after, 0, NULL, 0, NULL, NULL, NULL};
    int rc = PK_ENOMEM;

    pk_diff__metric(d, "time", "s", true);
    pk_diff__metric(d, "hits", "", false);
    d->default_metric = LINE_TIME;
    if (function_keys(&b, o->strip_dirs) && function_keys(&a, o->strip_dirs)) {
        d->total_before = total_time(&b);
        d->total_after = total_time(&a);
        rc = match_lines(d, &b, &a, o);
    }
    dispose(&b);
    dispose(&a);
    return rc;
}
