/*
 * The text pstats prints: print_stats(), print_callers(), print_callees()
 * of Python 3.11's pstats module, reproduced byte for byte.
 */
#include <profkit/render.h>

#include <inttypes.h>
#include <string.h>

#include "alloc.h"
#include "msort.h"
#include "pyfmt.h"

/* pstats' f8(). */
static void f8(FILE *out, double x)
{
    fprintf(out, "%8.3f", x);
}

static void print_totals(FILE *out, const pk_profile *p)
{
    size_t i, n = pk_profile_func_count(p);
    int64_t calls = 0, prim = 0;

    for (i = 0; i < n; i++) {
        const pk_func *f = pk_profile_func_c(p, (uint32_t)i);
        if (!pk_func_is_entry(f))
            continue;
        calls += f->stats.ncalls;
        prim += f->stats.pcalls;
    }
    fprintf(out, "         %" PRId64 " function calls ", calls);
    if (calls != prim)
        fprintf(out, "(%" PRId64 " primitive calls) ", prim);
    fprintf(out, "in %.3f seconds\n\n", pk_profile_total_time(p));
}

static void print_restriction_repr(FILE *out, const pk_restriction *r)
{
    char num[40];
    switch (r->kind) {
    case PK_RESTRICT_COUNT:
        fprintf(out, "%" PRId64, r->count);
        break;
    case PK_RESTRICT_FRACTION:
        pk_fmt_py_float_repr(num, sizeof num, r->fraction);
        fputs(num, out);
        break;
    case PK_RESTRICT_REGEX:
        pk_print_py_str_repr(out, r->regex);
        break;
    }
}

/* The message block of get_print_list(), then its blank line. */
static void print_list_message(FILE *out, const pk_selection *sel,
                               const pk_select_opts *so)
{
    size_t i;

    if (sel->ordered) {
        fputs("   Ordered by: ", out);
        for (i = 0; i < so->nkeys; i++)
            fprintf(out, "%s%s", i ? ", " : "", pk_sort_key_description(so->keys[i]));
        fputc('\n', out);
    } else {
        fputs("   Random listing order was used\n", out);
    }
    for (i = 0; i < sel->nsteps; i++) {
        const pk_select_step *st = &sel->steps[i];
        if (st->invalid_regex) {
            fputs("   <Invalid regular expression ", out);
            print_restriction_repr(out, &so->restrictions[i]);
            fputs(">\n", out);
        } else if (st->before != st->after) {
            fprintf(out, "   List reduced from %zu to %zu due to restriction <",
                    st->before, st->after);
            print_restriction_repr(out, &so->restrictions[i]);
            fputs(">\n", out);
        }
    }
    fputc('\n', out);
}

/* get_print_list()'s width: the longest name of the whole stats when
 * nothing was cut, else of the list, plus two. */
static size_t name_width(const pk_profile *p, pk_stdnames *names,
                         const pk_selection *sel)
{
    size_t i, width = 0;

    if (sel->n < sel->entries) {
        for (i = 0; i < sel->n; i++) {
            size_t w = pk_stdnames_width(names, sel->funcs[i]);
            width = w > width ? w : width;
        }
    } else {
        for (i = 0; i < pk_profile_func_count(p); i++) {
            size_t w = pk_stdnames_width(names, (uint32_t)i);
            if (pk_func_is_entry(pk_profile_func_c(p, (uint32_t)i)) && w > width)
                width = w;
        }
    }
    return width + 2;
}

static void print_stats_line(FILE *out, const pk_profile *p, pk_stdnames *names,
                             uint32_t fi)
{
    const pk_stats *s = &pk_profile_func_c(p, fi)->stats;
    char calls[48];

    if (s->ncalls != s->pcalls)
        snprintf(calls, sizeof calls, "%" PRId64 "/%" PRId64, s->ncalls, s->pcalls);
    else
        snprintf(calls, sizeof calls, "%" PRId64, s->ncalls);
    fprintf(out, "%9s ", calls);
    f8(out, s->tottime);
    fputc(' ', out);
    if (s->ncalls == 0)
        fputs("        ", out);
    else
        f8(out, s->tottime / (double)s->ncalls);
    fputc(' ', out);
    f8(out, s->cumtime);
    fputc(' ', out);
    if (s->pcalls == 0)
        fputs("        ", out);
    else
        f8(out, s->cumtime / (double)s->pcalls);
    fputc(' ', out);
    pk_print_py_text(out, pk_stdnames_get(names, fi));
    fputc('\n', out);
}

static void print_stats(FILE *out, pk_profile *p, pk_stdnames *names,
                        const pk_selection *sel, const pk_report_opts *o)
{
    size_t i;

    for (i = 0; i < o->nfile_lines; i++)
        fprintf(out, "%s\n", o->file_lines[i]);
    if (o->nfile_lines)
        fputc('\n', out);
    print_totals(out, p);
    if (sel->n == 0)
        return;
    print_list_message(out, sel, o->select);
    fputs("   ncalls  tottime  percall  cumtime  percall filename:lineno(function)\n", out);
    for (i = 0; i < sel->n; i++)
        print_stats_line(out, p, names, sel->funcs[i]);
    fputs("\n\n", out);
}

/* ---- callers and callees ---- */

typedef struct call_list {
    uint32_t *edges;
    size_t n;
} call_list;

typedef struct key_ctx {
    const pk_profile *p;
    bool by_caller; /* sort edges by their caller's key, else callee's */
} key_ctx;

/* Python's ordering of (file, line, name) tuples. */
static int cmp_keys(const pk_profile *p, uint32_t a, uint32_t b)
{
    const pk_func *fa = pk_profile_func_c(p, a), *fb = pk_profile_func_c(p, b);
    const char *sa = pk_profile_str(p, fa->file), *sb = pk_profile_str(p, fb->file);
    size_t la = pk_profile_str_len(p, fa->file), lb = pk_profile_str_len(p, fb->file);
    int c = memcmp(sa, sb, la < lb ? la : lb);

    if (c || la != lb)
        return c ? c : (la < lb ? -1 : 1);
    if (fa->line != fb->line)
        return fa->line < fb->line ? -1 : 1;
    sa = pk_profile_str(p, fa->name);
    sb = pk_profile_str(p, fb->name);
    la = pk_profile_str_len(p, fa->name);
    lb = pk_profile_str_len(p, fb->name);
    c = memcmp(sa, sb, la < lb ? la : lb);
    return c ? c : (la < lb ? -1 : la > lb);
}

static int cmp_edges(const void *ctx, uint32_t a, uint32_t b)
{
    const key_ctx *k = ctx;
    const pk_edge *ea = pk_profile_edge_c(k->p, a), *eb = pk_profile_edge_c(k->p, b);
    return k->by_caller ? cmp_keys(k->p, ea->caller, eb->caller)
                        : cmp_keys(k->p, ea->callee, eb->callee);
}

/* pstats prints a function's callers (or callees) sorted by key. */
static int sorted_edges(call_list *out, pk_profile *p, uint32_t f, bool callers)
{
    const uint32_t *edges;
    size_t n;
    key_ctx ctx = {p, callers};
    int rc = callers ? pk_profile_callers(&edges, &n, p, f)
                     : pk_profile_callees(&edges, &n, p, f);

    if (rc != PK_OK)
        return rc;
    out->edges = pk_malloc((n ? n : 1) * sizeof *out->edges);
    if (!out->edges)
        return PK_ENOMEM;
    memcpy(out->edges, edges, n * sizeof *edges);
    out->n = n;
    return pk_msort(out->edges, n, cmp_edges, &ctx) ? PK_OK : PK_ENOMEM;
}

/* pstats prints the "ncalls tottime cumtime" sub-header when the first
 * caller value of the first entry that has callers is a tuple. */
static int tuple_callers(pk_profile *p, bool *out)
{
    size_t i, n = pk_profile_func_count(p);

    *out = false;
    for (i = 0; i < n; i++) {
        const uint32_t *edges;
        size_t ne;
        int rc;
        if (!pk_func_is_entry(pk_profile_func_c(p, (uint32_t)i)))
            continue;
        rc = pk_profile_callers(&edges, &ne, p, (uint32_t)i);
        if (rc != PK_OK)
            return rc;
        if (ne) {
            *out = !(pk_profile_edge_c(p, edges[0])->flags & PK_EDGE_COUNT_ONLY);
            return PK_OK;
        }
    }
    return PK_OK;
}

static void print_call_item(FILE *out, const pk_profile *p, pk_stdnames *names,
                            size_t width, const pk_edge *e, uint32_t other, bool first)
{
    const char *name = pk_stdnames_get(names, other);
    size_t pad;

    if (e->flags & PK_EDGE_COUNT_ONLY) {
        /* profile.py's int values: '%s(%r) %s' with the other side's cumtime. */
        for (pad = first ? 0 : width + 3; pad > 0; pad--)
            fputc(' ', out);
        pk_print_py_text(out, name);
        fprintf(out, "(%" PRId64 ") ", e->stats.ncalls);
        f8(out, pk_profile_func_c(p, other)->stats.cumtime);
        fputc('\n', out);
        return;
    }
    char calls[48];
    if (e->stats.ncalls != e->stats.pcalls)
        snprintf(calls, sizeof calls, "%" PRId64 "/%" PRId64, e->stats.ncalls, e->stats.pcalls);
    else
        snprintf(calls, sizeof calls, "%" PRId64, e->stats.ncalls);
    for (pad = first ? 0 : width + 1; pad > 0; pad--)
        fputc(' ', out);
    fprintf(out, "%*s ", first ? 7 : 9, calls);
    f8(out, e->stats.tottime);
    fputc(' ', out);
    f8(out, e->stats.cumtime);
    fputs("  ", out);
    pk_print_py_text(out, name);
    fputc('\n', out);
}

static int print_call_line(FILE *out, pk_profile *p, pk_stdnames *names,
                           size_t width, uint32_t f, bool callers)
{
    call_list list = {NULL, 0};
    size_t i;
    int rc = sorted_edges(&list, p, f, callers);

    if (rc != PK_OK)
        return rc;
    pk_print_ljust(out, pk_stdnames_get(names, f), pk_stdnames_width(names, f), width);
    fputs(callers ? "<- " : "-> ", out);
    if (list.n == 0)
        fputc('\n', out);
    for (i = 0; i < list.n; i++) {
        const pk_edge *e = pk_profile_edge_c(p, list.edges[i]);
        print_call_item(out, p, names, width, e, callers ? e->caller : e->callee, i == 0);
    }
    pk_free(list.edges);
    return PK_OK;
}

static int print_calls(FILE *out, pk_profile *p, pk_stdnames *names,
                       const pk_selection *sel, const pk_report_opts *o)
{
    bool callers = o->kind == PK_REPORT_CALLERS;
    bool subheader;
    size_t i, width;
    int rc;

    if (sel->n == 0)
        return PK_OK;
    print_list_message(out, sel, o->select);
    width = name_width(p, names, sel);
    pk_print_ljust(out, "Function ", 9, width);
    fputs(callers ? "was called by...\n" : "called...\n", out);
    rc = tuple_callers(p, &subheader);
    if (rc != PK_OK)
        return rc;
    if (subheader) {
        for (i = 0; i < width; i++)
            fputc(' ', out);
        fputs("    ncalls  tottime  cumtime\n", out);
    }
    for (i = 0; i < sel->n; i++) {
        rc = print_call_line(out, p, names, width, sel->funcs[i], callers);
        if (rc != PK_OK)
            return rc;
    }
    fputs("\n\n", out);
    return PK_OK;
}

int pk_render_pstats_text(FILE *out, pk_profile *p, pk_stdnames *names,
                          const pk_selection *sel, const pk_report_opts *o,
                          pk_error *err)
{
    int rc = PK_OK;

    if (o->kind == PK_REPORT_STATS)
        print_stats(out, p, names, sel, o);
    else
        rc = print_calls(out, p, names, sel, o);
    if (rc == PK_OK && pk_stdnames_failed(names))
        rc = PK_ENOMEM;
    if (rc != PK_OK)
        return pk_error_set(err, rc, NULL, -1, "out of memory");
    return PK_OK;
}
