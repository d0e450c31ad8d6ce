/*
 * Machine-readable forms of the pstats table: CSV and JSON. Numbers are
 * printed in their shortest exact form, so nothing is lost to rounding.
 */
#include <profkit/render.h>

#include <inttypes.h>
#include <string.h>

#include "json.h"
#include "pyfmt.h"

/* ---- CSV ---- */

static void csv_num(FILE *out, double v)
{
    char buf[40];
    pk_fmt_shortest(buf, sizeof buf, v);
    fputs(buf, out);
}

/* ncalls,pcalls,tottime,tottime_percall,cumtime,cumtime_percall */
static void csv_stats(FILE *out, const pk_stats *s)
{
    fprintf(out, "%" PRId64 ",%" PRId64 ",", s->ncalls, s->pcalls);
    csv_num(out, s->tottime);
    fputc(',', out);
    if (s->ncalls)
        csv_num(out, s->tottime / (double)s->ncalls);
    fputc(',', out);
    csv_num(out, s->cumtime);
    fputc(',', out);
    if (s->pcalls)
        csv_num(out, s->cumtime / (double)s->pcalls);
}

static void csv_key(FILE *out, const pk_profile *p, uint32_t fi)
{
    const pk_func *f = pk_profile_func_c(p, fi);
    pk_print_csv_str(out, pk_profile_str(p, f->file));
    fprintf(out, ",%" PRId64 ",", f->line);
    pk_print_csv_str(out, pk_profile_str(p, f->name));
}

static int csv_edges(FILE *out, pk_profile *p, uint32_t f, bool callers)
{
    const uint32_t *edges;
    size_t n, i;
    int rc = callers ? pk_profile_callers(&edges, &n, p, f) : pk_profile_callees(&edges, &n, p, f);

    for (i = 0; rc == PK_OK && i < n; i++) {
        const pk_edge *e = pk_profile_edge_c(p, edges[i]);
        csv_key(out, p, e->caller);
        fputc(',', out);
        csv_key(out, p, e->callee);
        fputc(',', out);
        csv_stats(out, &e->stats);
        fputc('\n', out);
    }
    return rc;
}

int pk_render_pstats_csv(FILE *out, pk_profile *p, pk_stdnames *names,
                         const pk_selection *sel, const pk_report_opts *o,
                         pk_error *err)
{
    size_t i;
    int rc = PK_OK;

    (void)names;
    if (o->kind == PK_REPORT_STATS) {
        fputs("ncalls,pcalls,tottime,tottime_percall,cumtime,cumtime_percall,file,line,function\n", out);
        for (i = 0; i < sel->n; i++) {
            csv_stats(out, &pk_profile_func_c(p, sel->funcs[i])->stats);
            fputc(',', out);
            csv_key(out, p, sel->funcs[i]);
            fputc('\n', out);
        }
        return PK_OK;
    }
    /* One row per edge: the caller's key, the callee's key, the edge's stats. */
    fputs("caller_file,caller_line,caller_function,callee_file,callee_line,callee_function,"
          "ncalls,pcalls,tottime,tottime_percall,cumtime,cumtime_percall\n", out);
    for (i = 0; rc == PK_OK && i < sel->n; i++)
        rc = csv_edges(out, p, sel->funcs[i], o->kind == PK_REPORT_CALLERS);
    return rc == PK_OK ? PK_OK : pk_error_set(err, rc, NULL, -1, "out of memory");
}

/* ---- JSON ---- */

static void json_stats(FILE *out, const pk_stats *s)
{
    fprintf(out, "\"ncalls\":%" PRId64 ",\"pcalls\":%" PRId64 ",\"tottime\":", s->ncalls,
            s->pcalls);
    pk_print_json_double(out, s->tottime);
    fputs(",\"cumtime\":", out);
    pk_print_json_double(out, s->cumtime);
}

static void json_key(FILE *out, const pk_profile *p, uint32_t fi)
{
    const pk_func *f = pk_profile_func_c(p, fi);
    fputs("\"file\":", out);
    pk_json__print_str(out, pk_profile_str(p, f->file), pk_profile_str_len(p, f->file));
    fprintf(out, ",\"line\":%" PRId64 ",\"name\":", f->line);
    pk_json__print_str(out, pk_profile_str(p, f->name), pk_profile_str_len(p, f->name));
}

static int json_edges(FILE *out, pk_profile *p, uint32_t f, bool callers)
{
    const uint32_t *edges;
    size_t n, i;
    int rc = callers ? pk_profile_callers(&edges, &n, p, f) : pk_profile_callees(&edges, &n, p, f);

    if (rc != PK_OK)
        return rc;
    fprintf(out, ",\"%s\":[", callers ? "callers" : "callees");
    for (i = 0; i < n; i++) {
        const pk_edge *e = pk_profile_edge_c(p, edges[i]);
        fputs(i ? ",{" : "{", out);
        json_key(out, p, callers ? e->caller : e->callee);
        fputc(',', out);
        if (e->flags & PK_EDGE_COUNT_ONLY)
            fprintf(out, "\"ncalls\":%" PRId64, e->stats.ncalls);
        else
            json_stats(out, &e->stats);
        fputc('}', out);
    }
    fputc(']', out);
    return PK_OK;
}

static void json_header(FILE *out, const pk_profile *p, const pk_report_opts *o)
{
    size_t i, n = pk_profile_func_count(p);
    int64_t calls = 0, prim = 0;

    for (i = 0; i < n; i++) {
        const pk_func *f = pk_profile_func_c(p, (uint32_t)i);
        if (pk_func_is_entry(f)) {
            calls += f->stats.ncalls;
            prim += f->stats.pcalls;
        }
    }
    fputs("{\"files\":[", out);
    for (i = 0; i < o->npaths; i++) {
        if (i)
            fputc(',', out);
        pk_print_json_str(out, o->paths[i]);
    }
    fprintf(out, "],\"total_calls\":%" PRId64 ",\"primitive_calls\":%" PRId64
            ",\"total_time\":", calls, prim);
    pk_print_json_double(out, pk_profile_total_time(p));
}

int pk_render_pstats_json(FILE *out, pk_profile *p, pk_stdnames *names,
                          const pk_selection *sel, const pk_report_opts *o,
                          pk_error *err)
{
    size_t i;
    int rc = PK_OK;

    (void)names;
    json_header(out, p, o);
    fputs(",\"functions\":[", out);
    for (i = 0; rc == PK_OK && i < sel->n; i++) {
        fputs(i ? ",\n{" : "\n{", out);
        json_key(out, p, sel->funcs[i]);
        fputc(',', out);
        json_stats(out, &pk_profile_func_c(p, sel->funcs[i])->stats);
        if (o->json_both_edges) {
            rc = json_edges(out, p, sel->funcs[i], true);
            if (rc == PK_OK)
                rc = json_edges(out, p, sel->funcs[i], false);
        } else if (o->kind != PK_REPORT_STATS) {
            rc = json_edges(out, p, sel->funcs[i], o->kind == PK_REPORT_CALLERS);
        }
        fputc('}', out);
    }
    fputs("]}\n", out);
    return rc == PK_OK ? PK_OK : pk_error_set(err, rc, NULL, -1, "out of memory");
}
