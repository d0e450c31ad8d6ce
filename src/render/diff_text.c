/*
 * prof-diff's tables for people: an aligned text table (pstats' habit of
 * numbers first, name last) and a GitHub-flavoured Markdown table for a
 * CI comment. Both show the same rows with the same rounding.
 */
#include <profkit/diff.h>

#include <math.h>
#include <string.h>

#include "pyfmt.h"

static const char *status_word(const pk_diff_row *r)
{
    switch (r->status) {
    case PK_DIFF_NEW: return "new";
    case PK_DIFF_VANISHED: return "vanished";
    default: return r->match == PK_MATCH_MOVED ? "moved" : "";
    }
}

/* A value in its unit's usual precision. */
static void num_text(char *buf, size_t n, double v, const char *unit)
{
    if (strcmp(unit, "s") == 0)
        snprintf(buf, n, "%.6f", v);
    else if (strcmp(unit, "MiB") == 0)
        snprintf(buf, n, "%.3f", v);
    else
        snprintf(buf, n, "%.0f", v);
}

static void delta_text(char *buf, size_t n, double v, const char *unit)
{
    num_text(buf + 1, n - 1, fabs(v), unit);
    buf[0] = v < 0 ? '-' : '+';
}

/* "+12.3%", "new" (nothing before), "gone" (nothing after), "" (0 -> 0). */
static void percent_text(char *buf, size_t n, const pk_diff_row *r, size_t m)
{
    double p = pk_diff_percent(r, m);

    if (!isnan(p))
        snprintf(buf, n, "%+.1f%%", p);
    else
        snprintf(buf, n, "%s", r->after[m] != 0.0 ? "new" : "");
}

typedef struct cells {
    char before[40], after[40], delta[40], percent[24];
} cells;

static void metric_cells(cells *c, const pk_diff *d, const pk_diff_row *r, size_t m)
{
    const char *unit = pk_diff_metric_at(d, m)->unit;
    num_text(c->before, sizeof c->before, r->before[m], unit);
    num_text(c->after, sizeof c->after, r->after[m], unit);
    delta_text(c->delta, sizeof c->delta, pk_diff_delta(r, m), unit);
    percent_text(c->percent, sizeof c->percent, r, m);
}

/* Rows by status, and moved rows, over the whole diff. */
static void counts(size_t c[4], const pk_diff *d)
{
    size_t i;

    memset(c, 0, 4 * sizeof *c);
    for (i = 0; i < pk_diff_row_count(d); i++) {
        const pk_diff_row *r = pk_diff_row_at(d, i);
        c[r->status]++;
        c[3] += r->match == PK_MATCH_MOVED;
    }
}

/* "total time: 1.000000s -> 1.100000s (+10.0%)". */
static void total_line(FILE *out, const pk_diff *d, const char *arrow)
{
    const char *unit = pk_diff_total_unit(d);
    double b = pk_diff_total_before(d), a = pk_diff_total_after(d);
    char vb[40], va[40];

    num_text(vb, sizeof vb, b, unit);
    num_text(va, sizeof va, a, unit);
    fprintf(out, "%s: %s%s %s %s%s", pk_diff_total_name(d), vb, unit, arrow, va, unit);
    if (b != 0.0)
        fprintf(out, " (%+.1f%%)", 100.0 * (a - b) / b);
}

static void summary(FILE *out, const pk_diff *d, size_t n, const pk_diff_render_opts *o,
                    const char *eol)
{
    size_t c[4];

    counts(c, d);
    if (pk_diff_scale(d) != 1.0)
        fprintf(out, "normalized: BEFORE's times scaled by %.6g to equal AFTER's total%s",
                pk_diff_scale(d), eol);
    fprintf(out, "%zu rows: %zu new, %zu vanished, %zu moved; %zu shown, by %s%s",
            pk_diff_row_count(d), c[PK_DIFF_NEW], c[PK_DIFF_VANISHED], c[3], n,
            pk_diff_metric_at(d, o->metric)->name, eol);
}

/* ---- text ---- */

#define COL 12
#define PCOL 10

static void text_header(FILE *out, const pk_diff *d)
{
    size_t m;

    for (m = 0; m < pk_diff_metric_count(d); m++) {
        const pk_diff_metric *mt = pk_diff_metric_at(d, m);
        char title[64];
        snprintf(title, sizeof title, "%s%s%s%s", mt->name, mt->unit[0] ? " (" : "", mt->unit,
                 mt->unit[0] ? ")" : "");
        fprintf(out, "%-*s", 3 * COL + PCOL + 2, title);
    }
    fputs("status    function\n", out);
    for (m = 0; m < pk_diff_metric_count(d); m++)
        fprintf(out, "%*s %*s %*s %*s  ", COL - 1, "before", COL - 1, "after", COL - 1, "delta",
                PCOL - 1, "%");
    fputc('\n', out);
}

static void text_row(FILE *out, const pk_diff *d, const pk_diff_row *r)
{
    char name[1024];
    size_t m;

    for (m = 0; m < pk_diff_metric_count(d); m++) {
        cells c;
        metric_cells(&c, d, r, m);
        fprintf(out, "%*s %*s %*s %*s  ", COL - 1, c.before, COL - 1, c.after, COL - 1,
                c.delta, PCOL - 1, c.percent);
    }
    pk_diff_row_name(name, sizeof name, d, r);
    fprintf(out, "%-9s ", status_word(r));
    pk_print_py_text(out, name); /* an undecodable file name byte as itself */
    if (r->match == PK_MATCH_MOVED)
        fprintf(out, " (was line %lld)", (long long)r->line_before);
    fputc('\n', out);
}

int pk_render_diff_text(FILE *out, const pk_diff *d, const uint32_t *rows, size_t n,
                        const pk_diff_render_opts *o, pk_error *err)
{
    size_t i;

    (void)err;
    fprintf(out, "BEFORE: %s\nAFTER:  %s\n", o->before_path, o->after_path);
    total_line(out, d, "->");
    fputc('\n', out);
    summary(out, d, n, o, "\n");
    fputc('\n', out);
    text_header(out, d);
    for (i = 0; i < n; i++)
        text_row(out, d, pk_diff_row_at(d, rows[i]));
    return PK_OK;
}

/* ---- Markdown ---- */

/* A code span, so <module> is not taken for HTML; '|' escaped for the
 * table (GitHub unescapes it inside code spans too). */
static void md_code(FILE *out, const char *s)
{
    const char *fence = strchr(s, '`') ? "`` " : "`";
    fputs(fence, out);
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', out);
        if (*s == '\n' || *s == '\r')
            fputc(' ', out);
        else
            fputc(*s, out);
    }
    fputs(strchr(fence, ' ') ? " ``" : "`", out);
}

static void md_header(FILE *out, const pk_diff *d)
{
    size_t m;

    fputs("| function | status |", out);
    for (m = 0; m < pk_diff_metric_count(d); m++) {
        const pk_diff_metric *mt = pk_diff_metric_at(d, m);
        const char *u = mt->unit;
        fprintf(out, " %s before%s%s%s | %s after%s%s%s | %s delta | %s %% |", mt->name,
                u[0] ? " (" : "", u, u[0] ? ")" : "", mt->name, u[0] ? " (" : "", u,
                u[0] ? ")" : "", mt->name, mt->name);
    }
    fputs("\n|---|---|", out);
    for (m = 0; m < pk_diff_metric_count(d); m++)
        fputs("---:|---:|---:|---:|", out);
    fputc('\n', out);
}

static void md_row(FILE *out, const pk_diff *d, const pk_diff_row *r)
{
    char name[1024];
    size_t m;

    pk_diff_row_name(name, sizeof name, d, r);
    fputs("| ", out);
    md_code(out, name);
    fprintf(out, " | %s", status_word(r));
    if (r->match == PK_MATCH_MOVED)
        fprintf(out, " (was line %lld)", (long long)r->line_before);
    fputs(" |", out);
    for (m = 0; m < pk_diff_metric_count(d); m++) {
        cells c;
        metric_cells(&c, d, r, m);
        fprintf(out, " %s | %s | %s | %s |", c.before, c.after, c.delta, c.percent);
    }
    fputc('\n', out);
}

int pk_render_diff_markdown(FILE *out, const pk_diff *d, const uint32_t *rows, size_t n,
                            const pk_diff_render_opts *o, pk_error *err)
{
    size_t i;

    (void)err;
    fputs("**BEFORE** ", out);
    md_code(out, o->before_path);
    fputs(" → **AFTER** ", out);
    md_code(out, o->after_path);
    fputs("\n\n**", out);
    total_line(out, d, "→");
    fputs("**\n\n", out);
    summary(out, d, n, o, "\n\n");
    md_header(out, d);
    for (i = 0; i < n; i++)
        md_row(out, d, pk_diff_row_at(d, rows[i]));
    return PK_OK;
}
