/*
 * Machine-readable line tables: CSV and JSON with the exact numbers (ticks
 * as integers, seconds in their shortest round-trip form).
 */
#include <profkit/lines.h>

#include <inttypes.h>
#include <string.h>

#include "alloc.h"
#include "json.h"
#include "lines_report.h"
#include "pyfmt.h"

/* ---- CSV ---- */

static void csv_num(FILE *out, double v)
{
    char buf[40];
    pk_fmt_shortest(buf, sizeof buf, v);
    fputs(buf, out);
}

static void csv_key(FILE *out, const pk_profile *p, const pk_func *f)
{
    pk_print_csv_strn(out, pk_profile_str(p, f->file), pk_profile_str_len(p, f->file));
    fprintf(out, ",%" PRId64 ",", f->line);
    pk_print_csv_strn(out, pk_profile_str(p, f->name), pk_profile_str_len(p, f->name));
}

static void csv_func(FILE *out, const pk_profile *p, uint32_t fi)
{
    const pk_func *f = pk_profile_func_c(p, fi);
    size_t n, i;
    const pk_line_stat *rows = pk_lines_rows(p, fi, &n);

    if (n == 0) {
        csv_key(out, p, f);
        fputs(",,,,\r\n", out);
    }
    for (i = 0; i < n; i++) {
        csv_key(out, p, f);
        fprintf(out, ",%" PRId64 ",%" PRId64 ",%" PRId64 ",", rows[i].line, rows[i].hits,
                rows[i].ticks);
        csv_num(out, (double)rows[i].ticks * pk_lines_unit(p));
        fputs("\r\n", out);
    }
}

int pk_render_lines_csv(FILE *out, const pk_profile *p, const pk_lines_report_opts *o,
                        pk_error *err)
{
    pk_lines_report_opts defaults = PK_LINES_REPORT_OPTS_INIT;
    uint32_t *funcs;
    size_t n, i;
    int rc;

    if (!o)
        o = &defaults;
    if (!pk_lines_present(p))
        return pk_error_set(err, PK_ENODATA, NULL, -1, "the profile has no line data");
    rc = pk_lines__order(&funcs, &n, p, o);
    if (rc != PK_OK)
        return pk_error_set(err, rc, NULL, -1, "out of memory");
    fputs("file,first_line,function,line,hits,ticks,seconds\r\n", out);
    for (i = 0; i < n; i++) {
        if (!pk_lines__skipped(p, funcs[i], o))
            csv_func(out, p, funcs[i]);
    }
    pk_free(funcs);
    return PK_OK;
}

/* ---- JSON ---- */

/* A name as a JSON string (names may hold NUL bytes). */
static void json_str(FILE *out, const pk_profile *p, pk_str id)
{
    pk_json__print_str(out, pk_profile_str(p, id), pk_profile_str_len(p, id));
}

static void json_func(FILE *out, const pk_profile *p, uint32_t fi, bool first)
{
    const pk_func *f = pk_profile_func_c(p, fi);
    size_t n, i;
    const pk_line_stat *rows = pk_lines_rows(p, fi, &n);
    int64_t ticks;
    double dticks;

    pk_lines_ticks(&ticks, &dticks, p, fi);
    fputs(first ? "\n    {\"file\": " : ",\n    {\"file\": ", out);
    json_str(out, p, f->file);
    fprintf(out, ", \"first_line\": %" PRId64 ", \"function\": ", f->line);
    json_str(out, p, f->name);
    fputs(", \"total_ticks\": ", out);
    pk_print_json_double(out, dticks);
    fputs(", \"total_seconds\": ", out);
    pk_print_json_double(out, dticks * pk_lines_unit(p));
    fputs(", \"lines\": [", out);
    for (i = 0; i < n; i++) {
        fprintf(out, "%s{\"line\": %" PRId64 ", \"hits\": %" PRId64 ", \"ticks\": %" PRId64
                     ", \"seconds\": ",
                i ? ", " : "", rows[i].line, rows[i].hits, rows[i].ticks);
        pk_print_json_double(out, (double)rows[i].ticks * pk_lines_unit(p));
        fputc('}', out);
    }
    fputs("]}", out);
}

int pk_render_lines_json(FILE *out, const pk_profile *p, const pk_lines_report_opts *o,
                         pk_error *err)
{
    pk_lines_report_opts defaults = PK_LINES_REPORT_OPTS_INIT;
    uint32_t *funcs;
    size_t n, i, shown = 0;
    int rc;

    if (!o)
        o = &defaults;
    if (!pk_lines_present(p))
        return pk_error_set(err, PK_ENODATA, NULL, -1, "the profile has no line data");
    rc = pk_lines__order(&funcs, &n, p, o);
    if (rc != PK_OK)
        return pk_error_set(err, rc, NULL, -1, "out of memory");
    fputs("{\n  \"unit\": ", out);
    pk_print_json_double(out, pk_lines_unit(p));
    fputs(",\n  \"files\": [", out);
    for (i = 0; i < o->npaths; i++) {
        fputs(i ? ", " : "", out);
        pk_print_json_str(out, o->paths[i]);
    }
    fputs("],\n  \"functions\": [", out);
    for (i = 0; i < n; i++) {
        if (!pk_lines__skipped(p, funcs[i], o))
            json_func(out, p, funcs[i], shown++ == 0);
    }
    fputs(shown ? "\n  ]\n}\n" : "]\n}\n", out);
    pk_free(funcs);
    return PK_OK;
}
