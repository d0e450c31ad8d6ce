/*
 * prof-diff's machine-readable forms: CSV and JSON with exact numbers
 * (the shortest text that reads back as the same double).
 */
#include <profkit/diff.h>

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "pyfmt.h"

static const char *const STATUS[] = {"both", "new", "vanished"};
static const char *const MATCH[] = {"exact", "moved", "none"};

/* ---- CSV ---- */

/* Whole numbers (call counts) print as integers, not "1.813e+04". */
static bool whole(double v)
{
    return fabs(v) < 9007199254740992.0 && v == floor(v);
}

static void csv_num(FILE *out, double v)
{
    char buf[40];
    if (isnan(v))
        return; /* an empty field */
    if (whole(v))
        snprintf(buf, sizeof buf, "%.0f", v);
    else
        pk_fmt_shortest(buf, sizeof buf, v);
    fputs(buf, out);
}

static void json_num(FILE *out, double v)
{
    if (whole(v))
        fprintf(out, "%.0f", v);
    else
        pk_print_json_double(out, v);
}

static void csv_line(FILE *out, int64_t line)
{
    if (line >= 0)
        fprintf(out, "%" PRId64, line);
}

static void csv_header(FILE *out, const pk_diff *d)
{
    size_t m;

    fputs("status,match,file,line_before,line_after,function,name", out);
    for (m = 0; m < pk_diff_metric_count(d); m++) {
        const char *nm = pk_diff_metric_at(d, m)->name;
        fprintf(out, ",%s_before,%s_after,%s_delta,%s_percent", nm, nm, nm, nm);
    }
    fputc('\n', out);
}

static void csv_row(FILE *out, const pk_diff *d, const pk_diff_row *r)
{
    char name[1024];
    size_t m;

    fprintf(out, "%s,%s,", STATUS[r->status], MATCH[r->match]);
    pk_print_csv_str(out, r->file);
    fputc(',', out);
    csv_line(out, r->line_before);
    fputc(',', out);
    csv_line(out, r->line_after);
    fputc(',', out);
    pk_print_csv_str(out, r->func);
    fputc(',', out);
    pk_diff_row_name(name, sizeof name, d, r);
    pk_print_csv_str(out, name);
    for (m = 0; m < pk_diff_metric_count(d); m++) {
        fputc(',', out);
        csv_num(out, r->before[m]);
        fputc(',', out);
        csv_num(out, r->after[m]);
        fputc(',', out);
        csv_num(out, pk_diff_delta(r, m));
        fputc(',', out);
        csv_num(out, pk_diff_percent(r, m));
    }
    fputc('\n', out);
}

int pk_render_diff_csv(FILE *out, const pk_diff *d, const uint32_t *rows, size_t n,
                       const pk_diff_render_opts *o, pk_error *err)
{
    size_t i;

    (void)o;
    (void)err;
    csv_header(out, d);
    for (i = 0; i < n; i++)
        csv_row(out, d, pk_diff_row_at(d, rows[i]));
    return PK_OK;
}

/* ---- JSON ---- */

static void json_line(FILE *out, int64_t line)
{
    if (line >= 0)
        fprintf(out, "%" PRId64, line);
    else
        fputs("null", out);
}

/* {"tottime": v, ...} for one of before, after, delta, percent. */
static void json_values(FILE *out, const pk_diff *d, const pk_diff_row *r, int which)
{
    size_t m;

    fputc('{', out);
    for (m = 0; m < pk_diff_metric_count(d); m++) {
        double v = which == 0 ? r->before[m] : which == 1 ? r->after[m] :
                   which == 2 ? pk_diff_delta(r, m) : pk_diff_percent(r, m);
        if (m)
            fputc(',', out);
        pk_print_json_str(out, pk_diff_metric_at(d, m)->name);
        fputc(':', out);
        json_num(out, v);
    }
    fputc('}', out);
}

static void json_row(FILE *out, const pk_diff *d, const pk_diff_row *r)
{
    static const char *const PARTS[] = {"before", "after", "delta", "percent"};
    char name[1024];
    int k;

    pk_diff_row_name(name, sizeof name, d, r);
    fprintf(out, "{\"status\":\"%s\",\"match\":\"%s\",\"file\":", STATUS[r->status],
            MATCH[r->match]);
    pk_print_json_str(out, r->file);
    fputs(",\"function\":", out);
    pk_print_json_str(out, r->func);
    fputs(",\"line_before\":", out);
    json_line(out, r->line_before);
    fputs(",\"line_after\":", out);
    json_line(out, r->line_after);
    fputs(",\"name\":", out);
    pk_print_json_str(out, name);
    for (k = 0; k < 4; k++) {
        fprintf(out, ",\"%s\":", PARTS[k]);
        json_values(out, d, r, k);
    }
    fputc('}', out);
}

static void json_head(FILE *out, const pk_diff *d, const pk_diff_render_opts *o)
{
    static const char *const KIND[] = {"functions", "lines", "memory"};
    double b = pk_diff_total_before(d), a = pk_diff_total_after(d);
    size_t m;

    fprintf(out, "{\"kind\":\"%s\",\"before_path\":", KIND[pk_diff_kind_of(d)]);
    pk_print_json_str(out, o->before_path);
    fputs(",\"after_path\":", out);
    pk_print_json_str(out, o->after_path);
    fputs(",\"scale\":", out);
    pk_print_json_double(out, pk_diff_scale(d));
    fputs(",\"metrics\":[", out);
    for (m = 0; m < pk_diff_metric_count(d); m++) {
        const pk_diff_metric *mt = pk_diff_metric_at(d, m);
        fprintf(out, "%s{\"name\":", m ? "," : "");
        pk_print_json_str(out, mt->name);
        fputs(",\"unit\":", out);
        pk_print_json_str(out, mt->unit);
        fputc('}', out);
    }
    fputs("],\"sort_metric\":", out);
    pk_print_json_str(out, pk_diff_metric_at(d, o->metric)->name);
    fputs(",\"total\":{\"name\":", out);
    pk_print_json_str(out, pk_diff_total_name(d));
    fprintf(out, ",\"unit\":\"%s\",\"before\":", pk_diff_total_unit(d));
    pk_print_json_double(out, b);
    fputs(",\"after\":", out);
    pk_print_json_double(out, a);
    fputs(",\"delta\":", out);
    pk_print_json_double(out, a - b);
    fputs(",\"percent\":", out);
    pk_print_json_double(out, b != 0.0 ? 100.0 * (a - b) / b : (double)NAN);
    fprintf(out, "},\"row_count\":%zu,\"rows\":[", pk_diff_row_count(d));
}

int pk_render_diff_json(FILE *out, const pk_diff *d, const uint32_t *rows, size_t n,
                        const pk_diff_render_opts *o, pk_error *err)
{
    size_t i;

    (void)err;
    json_head(out, d, o);
    for (i = 0; i < n; i++) {
        fputs(i ? ",\n" : "\n", out);
        json_row(out, d, pk_diff_row_at(d, rows[i]));
    }
    fputs("\n]}\n", out);
    return PK_OK;
}
