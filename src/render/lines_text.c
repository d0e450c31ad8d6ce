/*
 * The text `python3 -m line_profiler FILE` prints (line_profiler 4.0.2's
 * show_text and show_func), with line_profiler 4.1's -t order and -m
 * summary as options. Numbers go through the same float operations in
 * the same order as the Python code, so every digit matches.
 */
#include <profkit/lines.h>

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "lines_report.h"
#include "msort.h"
#include "pysource.h"

/* Above this many filler lines for a missing file (line_profiler makes a
 * list of that many empty strings), only lines with data are printed. */
#define MAX_FILLER ((uint64_t)1 << 20)

static const char TEMPLATE[] = "%6s %9s %12s %8s %8s  ";

/* ---- order ---- */

static int cmp_str(const pk_profile *p, pk_str a, pk_str b)
{
    size_t la = pk_profile_str_len(p, a), lb = pk_profile_str_len(p, b);
    int c = memcmp(pk_profile_str(p, a), pk_profile_str(p, b), la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

/* Python's order of (file, line, name) tuples; UTF-8 bytes sort as code
 * points do. */
static int cmp_key(const void *ctx, uint32_t a, uint32_t b)
{
    const pk_profile *p = ctx;
    const pk_func *x = pk_profile_func_c(p, a), *y = pk_profile_func_c(p, b);
    int c = cmp_str(p, x->file, y->file);

    if (c)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return cmp_str(p, x->name, y->name);
}

/* Each function's total, computed once before sorting. */
typedef struct func_total {
    int64_t ticks;
    double dticks;
    bool exact;
} func_total;

typedef struct time_ctx {
    const func_total *totals; /* by position in the unsorted list */
    bool reverse;
} time_ctx;

static int cmp_time(const void *ctx, uint32_t a, uint32_t b)
{
    const time_ctx *t = ctx;
    const func_total *x = &t->totals[a], *y = &t->totals[b];
    int c;

    /* Exact while the sums fit in 64 bits; beyond, the nearest doubles. */
    if (x->exact && y->exact)
        c = (x->ticks > y->ticks) - (x->ticks < y->ticks);
    else
        c = (x->dticks > y->dticks) - (x->dticks < y->dticks);
    return t->reverse ? -c : c;
}

/* Sorts positions 0..n-1 by total time, then maps them to functions. */
static bool sort_by_time(uint32_t *funcs, size_t n, const pk_profile *p, bool reverse)
{
    func_total *totals = pk_malloc((n ? n : 1) * sizeof *totals);
    uint32_t *pos = pk_malloc((n ? n : 1) * sizeof *pos);
    time_ctx t = {totals, reverse};
    size_t i;
    bool ok = totals && pos;

    for (i = 0; ok && i < n; i++) {
        totals[i].exact = pk_lines_ticks(&totals[i].ticks, &totals[i].dticks, p, funcs[i]);
        pos[i] = (uint32_t)i;
    }
    ok = ok && pk_msort(pos, n, cmp_time, &t);
    for (i = 0; ok && i < n; i++)
        pos[i] = funcs[pos[i]];
    if (ok && n)
        memcpy(funcs, pos, n * sizeof *funcs);
    pk_free(totals);
    pk_free(pos);
    return ok;
}

int pk_lines__order(uint32_t **out, size_t *n_out, const pk_profile *p,
                    const pk_lines_report_opts *o)
{
    size_t i, n = pk_lines_func_count(p);
    uint32_t *funcs = pk_malloc((n ? n : 1) * sizeof *funcs);
    bool ok;

    *out = NULL;
    *n_out = 0;
    if (!funcs)
        return PK_ENOMEM;
    for (i = 0; i < n; i++)
        funcs[i] = pk_lines_func(p, i);
    ok = o->sort_by_time ? sort_by_time(funcs, n, p, o->reverse)
                         : pk_msort(funcs, n, cmp_key, p);
    if (!ok) {
        pk_free(funcs);
        return PK_ENOMEM;
    }
    *out = funcs;
    *n_out = n;
    return PK_OK;
}

double pk_lines__float_ticks(const pk_profile *p, uint32_t func)
{
    size_t n, i;
    const pk_line_stat *rows = pk_lines_rows(p, func, &n);
    double total = 0.0;

    for (i = 0; i < n; i++)
        total += (double)rows[i].ticks;
    return total;
}

bool pk_lines__skipped(const pk_profile *p, uint32_t func, const pk_lines_report_opts *o)
{
    return o->skip_zero && pk_lines__float_ticks(p, func) == 0;
}

double pk_lines__output_unit(const pk_lines_report_opts *o)
{
    return o->output_unit > 0 ? o->output_unit : 1e-6;
}

/* ---- numbers as Python formats them ---- */

/* The formats Python applies here: '%5.1f', '%6.2f' and '%g'. */
typedef enum num_fmt { F5_1, F6_2, G } num_fmt;

/* One double as Python's % operator formats it; NaN as "nan", no sign. */
static void fmt_num(char *buf, size_t n, num_fmt f, double v)
{
    int width = f == F5_1 ? 5 : f == F6_2 ? 6 : 0;

    if (isnan(v))
        snprintf(buf, n, "%*s", width, "nan");
    else if (f == F5_1)
        snprintf(buf, n, "%5.1f", v);
    else if (f == F6_2)
        snprintf(buf, n, "%6.2f", v);
    else
        snprintf(buf, n, "%g", v);
}

/* 100 * time / total_time, with Python's exact int product. */
static double percent(int64_t ticks, double total)
{
    int64_t hundred;

    if (__builtin_mul_overflow(ticks, (int64_t)100, &hundred))
        return (double)ticks * 100.0 / total;
    return (double)hundred / total;
}

/* ---- one function ---- */

/* What a table needs of the source: the lines (if read) and which of them
 * to show, starting at line number `start`. */
typedef struct shown {
    pk_pysource src;
    size_t first;    /* index of the first shown line in src */
    uint64_t count;  /* lines in the table */
    bool blank;      /* no source: empty contents */
} shown;

/* all_lines[start_lineno - 1:] in Python: where the slice begins. */
static size_t slice_start(int64_t start, size_t nlines)
{
    uint64_t back;

    if (start >= 1)
        return (uint64_t)(start - 1) > nlines ? nlines : (size_t)(start - 1);
    back = (uint64_t)1 + ((uint64_t)0 - (uint64_t)start); /* 1 - start, without overflow */
    return back >= nlines ? 0 : nlines - (size_t)back;
}

/* A name tempfile would give a notebook cell (is_ipython_kernel_cell). */
static bool notebook_cell(const char *file, const char *tmpdir)
{
    static const char *const tails[] = {"ipykernel_", "xpython_"};
    char prefix[1024];
    size_t i, n = strlen(tmpdir);

    if (strncmp(file, "<ipython-input-", 15) == 0)
        return true;
    for (i = 0; i < 2; i++) {
        snprintf(prefix, sizeof prefix, "%s%s%s", tmpdir,
                 n && tmpdir[n - 1] == '/' ? "" : "/", tails[i]);
        if (strncmp(file, prefix, strlen(prefix)) == 0)
            return true;
    }
    return false;
}

/* The rows' line span, as line_profiler counts the empty lines it shows
 * for a missing file: max(lines) - min(min(lines), start) + 1 (or 1). */
static uint64_t filler_count(const pk_line_stat *rows, size_t n, int64_t start)
{
    int64_t lo = start, hi;
    size_t i;

    if (n == 0)
        return 1;
    hi = rows[0].line;
    for (i = 0; i < n; i++) {
        if (rows[i].line < lo)
            lo = rows[i].line;
        if (rows[i].line > hi)
            hi = rows[i].line;
    }
    if (hi < lo)
        return 0;
    return (uint64_t)hi - (uint64_t)lo + 1; /* 0 when the span is all 2^64 */
}

static void print_missing(FILE *out, const char *file, size_t len)
{
    fputs("\nCould not find file ", out);
    fwrite(file, 1, len, out);
    fputs("\nAre you sure you are running this program from the same directory\n"
          "that you ran the profiler from?\n"
          "Continuing without the function's contents.\n", out);
}

static int find_source(shown *s, FILE *out, const pk_profile *p, const pk_func *f,
                       const pk_line_stat *rows, size_t n, const pk_lines_report_opts *o)
{
    const char *file = pk_profile_str(p, f->file);
    size_t len = pk_profile_str_len(p, f->file), block;
    bool exists = pk_pysource_exists(file, len);
    int rc;

    memset(s, 0, sizeof *s);
    if (!exists && !(strlen(file) == len && notebook_cell(file, o->tmpdir ? o->tmpdir : "/tmp"))) {
        print_missing(out, file, len);
        s->blank = true;
        s->count = filler_count(rows, n, f->line);
        if (s->count == 0)
            s->count = UINT64_MAX;
        return PK_OK;
    }
    fputs("File: ", out);
    fwrite(file, 1, len, out);
    fputs("\nFunction: ", out);
    fwrite(pk_profile_str(p, f->name), 1, pk_profile_str_len(p, f->name), out);
    fprintf(out, " at line %" PRId64 "\n", f->line);
    if (!exists)
        return PK_OK; /* a notebook cell linecache does not know: no lines */
    rc = pk_pysource_load(&s->src, file);
    if (rc != PK_OK)
        return rc;
    s->first = slice_start(f->line, s->src.nlines);
    rc = pk_pysource_block(&block, &s->src, s->first);
    s->count = block;
    return rc;
}

/* The line number k lines below start, as Python's unbounded ints print it. */
static void print_lineno(FILE *out, int64_t start, uint64_t k)
{
    char num[32];

    if (start >= 0)
        snprintf(num, sizeof num, "%" PRIu64, (uint64_t)start + k);
    else
        snprintf(num, sizeof num, "%" PRId64, (int64_t)((uint64_t)start + k));
    fprintf(out, "%6s ", num);
}

typedef struct table {
    const pk_line_stat *rows;
    const uint32_t *by_line;  /* row indices sorted by line, stable */
    size_t n;
    double total;             /* show_func's float total */
    double scalar;            /* unit / output_unit */
} table;

static void print_cells(FILE *out, const table *t, const pk_line_stat *r)
{
    char hits[32], time[64], per_hit[64], pct[64] = "";
    double scaled = (double)r->ticks * t->scalar;

    snprintf(hits, sizeof hits, "%" PRId64, r->hits);
    fmt_num(time, sizeof time, F5_1, scaled);
    /* line_profiler divides by the hits; with none Python raises, and we
     * print what the division gives. */
    fmt_num(per_hit, sizeof per_hit, F5_1, scaled / (double)r->hits);
    if (t->total != 0)
        fmt_num(pct, sizeof pct, F5_1, percent(r->ticks, t->total));
    fprintf(out, "%9s %12s %8s %8s  ", hits, time, per_hit, pct);
}

/* The row shown for line number `line` (the last one, as a dict keeps it),
 * advancing *j through t->by_line; NULL when the line has no data. */
static const pk_line_stat *row_for(const table *t, size_t *j, int64_t line)
{
    const pk_line_stat *found = NULL;

    while (*j < t->n && t->rows[t->by_line[*j]].line < line)
        (*j)++;
    while (*j < t->n && t->rows[t->by_line[*j]].line == line)
        found = &t->rows[t->by_line[(*j)++]];
    return found;
}

static void print_row(FILE *out, const table *t, const shown *s, int64_t start,
                      uint64_t k, const pk_line_stat *r)
{
    print_lineno(out, start, k);
    if (r)
        print_cells(out, t, r);
    else
        fprintf(out, "%9s %12s %8s %8s  ", "", "", "", "");
    if (!s->blank) {
        size_t len;
        const char *line = pk_pysource_line(&s->src, s->first + (size_t)k, &len);
        fwrite(line, 1, len, out);
    }
    fputc('\n', out);
}

static void print_rows(FILE *out, const table *t, const shown *s, int64_t start)
{
    size_t j = 0;
    uint64_t k;

    if (s->blank && s->count > MAX_FILLER) {
        /* Too many empty lines to print: only the lines with data. */
        for (j = 0; j < t->n; j++) {
            const pk_line_stat *r = &t->rows[t->by_line[j]];
            uint64_t off = (uint64_t)r->line - (uint64_t)start;
            bool last = j + 1 == t->n || t->rows[t->by_line[j + 1]].line != r->line;
            if (r->line >= start && off < s->count && last)
                print_row(out, t, s, start, off, r);
        }
        return;
    }
    for (k = 0; k < s->count; k++) {
        const pk_line_stat *r = NULL;
        /* Line numbers beyond int64 have no data. */
        if (start < 0 || k <= (uint64_t)(INT64_MAX - start))
            r = row_for(t, &j, (int64_t)((uint64_t)start + k));
        print_row(out, t, s, start, k, r);
    }
}

static int cmp_line(const void *ctx, uint32_t a, uint32_t b)
{
    const pk_line_stat *rows = ctx;
    return (rows[a].line > rows[b].line) - (rows[a].line < rows[b].line);
}

static int show_func(FILE *out, const pk_profile *p, uint32_t fi,
                     const pk_lines_report_opts *o)
{
    const pk_func *f = pk_profile_func_c(p, fi);
    table t;
    shown s;
    uint32_t *by_line;
    char num[64];
    size_t i;
    int rc;

    memset(&t, 0, sizeof t);
    t.rows = pk_lines_rows(p, fi, &t.n);
    t.total = pk_lines__float_ticks(p, fi);
    t.scalar = pk_lines_unit(p) / pk_lines__output_unit(o);
    by_line = pk_malloc((t.n ? t.n : 1) * sizeof *by_line);
    if (!by_line)
        return PK_ENOMEM;
    for (i = 0; i < t.n; i++)
        by_line[i] = (uint32_t)i;
    if (!pk_msort(by_line, t.n, cmp_line, t.rows)) {
        pk_free(by_line);
        return PK_ENOMEM;
    }
    t.by_line = by_line;
    fmt_num(num, sizeof num, G, t.total * pk_lines_unit(p));
    fprintf(out, "Total time: %s s\n", num);
    rc = find_source(&s, out, p, f, t.rows, t.n, o);
    if (rc == PK_OK) {
        fputc('\n', out);
        fprintf(out, TEMPLATE, "Line #", "Hits", "Time", "Per Hit", "% Time");
        fputs("Line Contents\n", out);
        fputs("==============================================================\n", out);
        print_rows(out, &t, &s, f->line);
        fputc('\n', out);
    }
    pk_pysource_dispose(&s.src);
    pk_free(by_line);
    return rc;
}

/* ---- the whole report ---- */

/* line_profiler 4.1's -m: total seconds, file:line - name. */
static void print_summary(FILE *out, const pk_profile *p, const uint32_t *funcs,
                          size_t n, const pk_lines_report_opts *o)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const pk_func *f = pk_profile_func_c(p, funcs[i]);
        int64_t ticks;
        double dticks, seconds;
        char num[64];

        pk_lines_ticks(&ticks, &dticks, p, funcs[i]);
        seconds = dticks * pk_lines_unit(p);
        if (o->skip_zero && seconds == 0)
            continue;
        fmt_num(num, sizeof num, F6_2, seconds);
        fprintf(out, "%s seconds - ", num);
        fwrite(pk_profile_str(p, f->file), 1, pk_profile_str_len(p, f->file), out);
        fprintf(out, ":%" PRId64 " - ", f->line);
        fwrite(pk_profile_str(p, f->name), 1, pk_profile_str_len(p, f->name), out);
        fputc('\n', out);
    }
}

int pk_render_lines_text(FILE *out, const pk_profile *p, const pk_lines_report_opts *o,
                         pk_error *err)
{
    pk_lines_report_opts defaults = PK_LINES_REPORT_OPTS_INIT;
    uint32_t *funcs = NULL;
    char num[64];
    size_t n, i;
    int rc;

    if (!o)
        o = &defaults;
    if (!pk_lines_present(p))
        return pk_error_set(err, PK_ENODATA, NULL, -1, "the profile has no line data");
    rc = pk_lines__order(&funcs, &n, p, o);
    if (rc != PK_OK)
        return pk_error_set(err, rc, NULL, -1, "out of memory");
    fmt_num(num, sizeof num, G, pk_lines__output_unit(o));
    fprintf(out, "Timer unit: %s s\n\n", num);
    for (i = 0; rc == PK_OK && i < n; i++) {
        if (!pk_lines__skipped(p, funcs[i], o))
            rc = show_func(out, p, funcs[i], o);
    }
    if (rc == PK_OK && o->summarize)
        print_summary(out, p, funcs, n, o);
    pk_free(funcs);
    if (rc != PK_OK)
        return pk_error_set(err, rc, NULL, -1, "out of memory");
    return PK_OK;
}
