/*
 * prof-diff: what got slower between two profiles, and a CI gate.
 *
 *   prof-diff before.pstats after.pstats
 *   prof-diff --format markdown --fail-on 'cumtime:+10%' --fail-on 'total:+5%' a.pstats b.pstats
 *
 * Prints one row per function (line for .lprof, function entry for mprof
 * .dat) with before, after, delta and percent per metric, the largest
 * regression first. Exit 1 when a --fail-on rule is breached.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <profkit/profkit.h>

#include "cli.h"

#define MAX_RULES 32
#define MAX_INPUTS 64

static const pk_opt options[] = {
    {"before", 'b', required_argument, "FILE",
     "a BEFORE profile; repeatable (merged); instead of the first FILE"},
    {"after", 'a', required_argument, "FILE",
     "an AFTER profile; repeatable (merged); instead of the second FILE"},
    {"metric", 'm', required_argument, "NAME",
     "rank and filter by NAME: tottime (default), cumtime, ncalls; time, hits "
     "(.lprof); increment, maxmem, ncalls, time (mprof)"},
    {"sort", 's', required_argument, "KEY",
     "regression (default: largest increase first), percent, value, name, or a "
     "metric name (its largest increase first)"},
    {"limit", 'n', required_argument, "N", "print at most N rows"},
    {"min-delta", 0, required_argument, "[+-]N[UNIT]",
     "leave out rows whose change is smaller (units: %, s, ms, us, MiB)"},
    {"normalize", 0, no_argument, NULL, "scale BEFORE's times to AFTER's total first"},
    {"strip-dirs", 'S', no_argument, NULL, "match file names without their directories"},
    {"exact", 0, no_argument, NULL, "match exact keys only (no moved functions)"},
    {"fail-on", 0, required_argument, "METRIC:[+-]N[UNIT]",
     "exit 1 when a row's METRIC (or total) changes by more than N; repeatable"},
    {"format", 'F', required_argument, "FMT", "text (default), markdown, csv or json"},
    {"output", 'o', required_argument, "FILE", "write to FILE instead of stdout"},
    {"from", 0, required_argument, "FORMAT", "read inputs as FORMAT (default: detect)"},
    {NULL, 0, 0, NULL, NULL},
};

static const pk_cli cli = {
    "prof-diff", "[OPTION]... BEFORE AFTER",
    "Compare two profiles ('-' for stdin, on one side): per function the\n"
    "before and after values, their difference and percent change.",
    options,
    "Rules: METRIC is a metric name or 'total' (total time; 'peak' for mprof\n"
    "memory); '+10%' fails on an increase of more than 10% of BEFORE, '+5ms' on\n"
    "more than 5 ms, '-N' on a decrease. Rows without a BEFORE value have no\n"
    "percent and fail only absolute rules. --min-delta also limits the rules.\n"
    "\nExit status: 0 ok, 1 a --fail-on rule was breached, 2 usage or input error,\n"
    "3 I/O or internal error.\n",
};

typedef enum out_format { OUT_TEXT, OUT_MARKDOWN, OUT_CSV, OUT_JSON } out_format;
static const char *const FORMAT_NAMES[] = {"text", "markdown", "csv", "json"};

typedef struct args {
    char *before[MAX_INPUTS], *after[MAX_INPUTS];
    size_t nbefore, nafter;
    const char *metric, *sort, *output;
    long long limit;
    bool has_min_delta;
    pk_diff_threshold min_delta;
    pk_diff_opts diff;
    pk_diff_rule rules[MAX_RULES];
    size_t nrules;
    out_format format;
    pk_read_opts read;
} args;

/* ---- options ---- */

static int add_input(char **list, size_t *n, const char *v)
{
    if (*n == MAX_INPUTS)
        return pk_cli_usage_error(&cli, "too many input files");
    list[(*n)++] = (char *)(uintptr_t)v; /* argv strings are not changed */
    return PK_EXIT_OK;
}

static int set_format(args *a, const char *v)
{
    size_t i;
    for (i = 0; i < sizeof FORMAT_NAMES / sizeof FORMAT_NAMES[0]; i++) {
        if (strcmp(v, FORMAT_NAMES[i]) == 0) {
            a->format = (out_format)i;
            return PK_EXIT_OK;
        }
    }
    return pk_cli_usage_error(&cli, "unknown format '%s' (text, markdown, csv, json)", v);
}

static int add_rule(args *a, const char *v)
{
    pk_error err = PK_ERROR_INIT;

    if (a->nrules == MAX_RULES)
        return pk_cli_usage_error(&cli, "too many --fail-on options");
    if (pk_diff_rule_parse(&a->rules[a->nrules++], v, &err) != PK_OK)
        return pk_cli_usage_error(&cli, "bad --fail-on: %s", err.msg);
    return PK_EXIT_OK;
}

static int handle_short(args *a, int id, const char *v)
{
    pk_error err = PK_ERROR_INIT;

    switch (id) {
    case 'b': return add_input(a->before, &a->nbefore, v);
    case 'a': return add_input(a->after, &a->nafter, v);
    case 'm': a->metric = v; return PK_EXIT_OK;
    case 's': a->sort = v; return PK_EXIT_OK;
    case 'n':
        if (!pk_cli_parse_long(v, &a->limit) || a->limit < 1)
            return pk_cli_usage_error(&cli, "--limit wants a whole number of at least 1, "
                                      "not '%s'", v);
        return PK_EXIT_OK;
    case 'S': a->diff.strip_dirs = true; return PK_EXIT_OK;
    case 'F': return set_format(a, v);
    case 'o': a->output = v; return PK_EXIT_OK;
    default:
        if (id == pk_cli_id(&cli, "min-delta")) {
            a->has_min_delta = true;
            if (pk_diff_threshold_parse(&a->min_delta, v, &err) != PK_OK)
                return pk_cli_usage_error(&cli, "bad --min-delta: %s", err.msg);
        } else if (id == pk_cli_id(&cli, "normalize")) {
            a->diff.normalize = true;
        } else if (id == pk_cli_id(&cli, "exact")) {
            a->diff.no_moved = true;
        } else if (id == pk_cli_id(&cli, "fail-on")) {
            return add_rule(a, v);
        } else if (id == pk_cli_id(&cli, "from")) {
            a->read.format = pk_format_from_name(v);
            if (a->read.format == PK_FORMAT_AUTO)
                return pk_cli_usage_error(&cli, "unknown input format '%s'", v);
        }
        return PK_EXIT_OK;
    }
}

/* BEFORE AFTER as operands, or --before/--after. */
static int take_operands(args *a, int argc, char **argv)
{
    int rest = argc - optind;

    if ((a->nbefore == 0) != (a->nafter == 0))
        return pk_cli_usage_error(&cli, "--before and --after go together");
    if (a->nbefore && rest)
        return pk_cli_usage_error(&cli, "give BEFORE AFTER or --before/--after, not both");
    if (!a->nbefore && rest != 2)
        return pk_cli_usage_error(&cli, "want two profiles, BEFORE and AFTER (got %d)", rest);
    if (a->nbefore)
        return PK_EXIT_OK;
    add_input(a->before, &a->nbefore, argv[optind]);
    return add_input(a->after, &a->nafter, argv[optind + 1]);
}

static int check_stdin(const args *a)
{
    size_t i, dashes = 0;
    for (i = 0; i < a->nbefore; i++)
        dashes += strcmp(a->before[i], "-") == 0;
    for (i = 0; i < a->nafter; i++)
        dashes += strcmp(a->after[i], "-") == 0;
    if (dashes > 1)
        return pk_cli_usage_error(&cli, "standard input ('-') can be read only once");
    if (dashes && isatty(STDIN_FILENO))
        return pk_cli_usage_error(&cli, "'-' reads a profile from standard input, "
                                  "which is a terminal");
    return PK_EXIT_OK;
}

static int parse_args(args *a, int argc, char **argv)
{
    pk_diff_opts diff = PK_DIFF_OPTS_INIT;
    pk_read_opts read = PK_READ_OPTS_INIT;
    const char *v;
    int id, rc;

    memset(a, 0, sizeof *a);
    a->diff = diff;
    a->read = read;
    while ((id = pk_cli_next(&cli, argc, argv, &v)) != -1) {
        rc = id == '?' ? PK_EXIT_USAGE : handle_short(a, id, v);
        if (rc != PK_EXIT_OK)
            return rc;
    }
    rc = take_operands(a, argc, argv);
    return rc == PK_EXIT_OK ? check_stdin(a) : rc;
}

/* ---- choosing rows ---- */

static int metric_index(size_t *out, const pk_diff *d, const char *name, pk_error *err)
{
    int m;

    if (!name) {
        *out = pk_diff_default_metric(d);
        return PK_OK;
    }
    m = pk_diff_metric_find(d, name);
    if (m < 0)
        return pk_error_set(err, PK_EINVAL, NULL, -1, "this diff has no metric '%s'", name);
    *out = (size_t)m;
    return PK_OK;
}

/* --sort: a way of sorting, or a metric name (its regression). */
static int select_opts(pk_diff_select_opts *o, const args *a, const pk_diff *d, pk_error *err)
{
    static const char *const SORTS[] = {"regression", "percent", "value", "name"};
    size_t i;
    int rc = metric_index(&o->metric, d, a->metric, err);

    o->sort = PK_DIFF_SORT_REGRESSION;
    o->has_min_delta = a->has_min_delta;
    o->min_delta = a->min_delta;
    o->limit = 0; /* the gate sees every row; the limit applies to printing */
    if (rc != PK_OK || !a->sort)
        return rc;
    for (i = 0; i < sizeof SORTS / sizeof SORTS[0]; i++) {
        if (strcmp(a->sort, SORTS[i]) == 0) {
            o->sort = (pk_diff_sort)i;
            return PK_OK;
        }
    }
    if (pk_diff_metric_find(d, a->sort) >= 0)
        return metric_index(&o->metric, d, a->sort, err);
    return pk_error_set(err, PK_EINVAL, NULL, -1, "unknown --sort '%s' (regression, percent, "
                        "value, name or a metric name)", a->sort);
}

/* ---- output ---- */

/* "a.pstats" or, for merged inputs, "a.pstats + b.pstats" (malloc'd). */
static char *joined(char *const *paths, size_t n)
{
    size_t i, len = 1;
    char *s;

    for (i = 0; i < n; i++)
        len += strlen(paths[i]) + 3;
    s = malloc(len);
    if (!s)
        return NULL;
    s[0] = 0;
    for (i = 0; i < n; i++) {
        if (i)
            strcat(s, " + ");
        strcat(s, paths[i]);
    }
    return s;
}

static int render(const args *a, const pk_diff *d, const uint32_t *rows, size_t n,
                  size_t metric, pk_error *err)
{
    typedef int (*renderer)(FILE *, const pk_diff *, const uint32_t *, size_t,
                            const pk_diff_render_opts *, pk_error *);
    static const renderer RENDERERS[] = {pk_render_diff_text, pk_render_diff_markdown,
                                         pk_render_diff_csv, pk_render_diff_json};
    char *before = joined(a->before, a->nbefore), *after = joined(a->after, a->nafter);
    pk_diff_render_opts ro = {before, after, metric};
    pk_out out;
    int rc = before && after ? pk_out_open(&out, a->output, false, err)
                             : pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory");

    if (rc == PK_OK) {
        rc = RENDERERS[a->format](out.f, d, rows, n, &ro, err);
        if (rc == PK_OK)
            rc = pk_out_commit(&out, err);
        else
            pk_out_abort(&out);
    }
    free(before);
    free(after);
    return rc;
}

/* One line per breached rule, after the table. */
static void report_breaches(const args *a, const pk_diff *d, const pk_diff_breach *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char line[1024];
        pk_diff_breach_describe(line, sizeof line, d, a->rules, &b[i]);
        fprintf(stderr, "%s: %s\n", cli.tool, line);
    }
}

/* The rules are checked before anything is written, so a bad rule
 * (a metric this diff lacks) leaves no output. */
static int compare(size_t *nbreach, const args *a, pk_profile *before, pk_profile *after,
                   pk_error *err)
{
    pk_diff *d = NULL;
    pk_diff_select_opts so;
    pk_diff_breach *breaches = NULL;
    uint32_t *rows = NULL;
    size_t n = 0;
    int rc = pk_diff_build(&d, before, after, &a->diff, err);

    if (rc == PK_OK)
        rc = select_opts(&so, a, d, err);
    if (rc == PK_OK)
        rc = pk_diff_select(&rows, &n, d, &so, err);
    if (rc == PK_OK)
        rc = pk_diff_check(&breaches, nbreach, d, a->rules, a->nrules, rows, n, err);
    if (rc == PK_OK)
        rc = render(a, d, rows, a->limit && (size_t)a->limit < n ? (size_t)a->limit : n,
                    so.metric, err);
    if (rc == PK_OK)
        report_breaches(a, d, breaches, *nbreach);
    pk_diff_breaches_free(breaches);
    pk_diff_rows_free(rows);
    pk_diff_free(d);
    return rc;
}

static int run(size_t *nbreach, const args *a, pk_error *err)
{
    pk_profile *before = NULL, *after = NULL;
    int rc = pk_cli_load_merged(&before, a->before, a->nbefore, &a->read, err);

    if (rc == PK_OK)
        rc = pk_cli_load_merged(&after, a->after, a->nafter, &a->read, err);
    if (rc == PK_OK) {
        pk_error_clear(err); /* later messages name no input file */
        rc = compare(nbreach, a, before, after, err);
    }
    pk_profile_free(before);
    pk_profile_free(after);
    return rc;
}

int main(int argc, char **argv)
{
    args a;
    pk_error err = PK_ERROR_INIT;
    size_t nbreach = 0;
    int rc;

    pk_cli_init();
    rc = parse_args(&a, argc, argv);
    if (rc != PK_EXIT_OK)
        return rc;
    if (run(&nbreach, &a, &err) != PK_OK)
        return pk_cli_report(&cli, &err);
    return nbreach ? PK_EXIT_CHECK : PK_EXIT_OK;
}
