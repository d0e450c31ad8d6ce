/* Unit tests of the diff: matching (exact, moved, ambiguous), rows and
 * totals, normalize, selection, thresholds and rules (bad ones too), the
 * breach line, the renderers, prof2dot's graph diff, and allocation
 * failures everywhere. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <profkit/profkit.h>

#include "test_build.h"
#include "test_files.h"

#define SAMPLES PK_SOURCE_ROOT "/samples"

/* ---- building profiles ---- */

/* pk_test_func, keeping the profile's total time the sum of tottime. */
static uint32_t func(pk_profile *p, const char *file, int64_t line, const char *name,
                     int64_t nc, double tt, double ct)
{
    pk_profile_set_total_time(p, pk_profile_total_time(p) + tt);
    return pk_test_func(p, file, line, name, nc, tt, ct);
}

static void edge(pk_profile *p, uint32_t caller, uint32_t callee, double ct)
{
    uint32_t e;
    pk_edge *ed;
    assert_int_equal(pk_profile_edge_get(&e, NULL, p, caller, callee), PK_OK);
    ed = pk_profile_edge(p, e);
    ed->stats.ncalls = ed->stats.pcalls = 1;
    ed->stats.cumtime = ct;
}

static pk_profile *new_profile(void)
{
    pk_profile *p;
    assert_int_equal(pk_profile_new(&p), PK_OK);
    pk_profile_set_source(p, PK_SOURCE_PSTATS);
    return p;
}

/* Version 1 of a program, and version 2 in which `work` moved down to
 * line 30 and got slower, `old` is gone, `fresh` is new, and both `run`
 * methods moved (one file and name twice: no fallback can pair them). */
static pk_profile *before_profile(void)
{
    pk_profile *p = new_profile();
    uint32_t m = func(p, "/src/app.py", 1, "<module>", 1, 0.1, 2.0);
    uint32_t w = func(p, "/src/app.py", 10, "work", 2, 1.0, 1.2);
    func(p, "/src/app.py", 20, "old", 1, 0.2, 0.2);
    func(p, "/src/app.py", 40, "run", 1, 0.1, 0.1);
    func(p, "/src/app.py", 50, "run", 1, 0.1, 0.1);
    func(p, "~", 0, "<built-in method builtins.len>", 100, 0.5, 0.5);
    edge(p, m, w, 1.2);
    return p;
}

static pk_profile *after_profile(void)
{
    pk_profile *p = new_profile();
    uint32_t m = func(p, "/build/app.py", 1, "<module>", 1, 0.1, 3.0);
    uint32_t w = func(p, "/build/app.py", 30, "work", 2, 2.0, 2.2);
    func(p, "/build/app.py", 5, "fresh", 3, 0.3, 0.3);
    func(p, "/build/app.py", 44, "run", 1, 0.1, 0.1);
    func(p, "/build/app.py", 54, "run", 1, 0.1, 0.1);
    func(p, "~", 0, "<built-in method builtins.len>", 100, 0.5, 0.5);
    edge(p, m, w, 2.2);
    return p;
}

static pk_diff *build(pk_profile *b, pk_profile *a, const pk_diff_opts *o)
{
    pk_diff *d;
    pk_error err = PK_ERROR_INIT;
    assert_int_equal(pk_diff_build(&d, b, a, o, &err), PK_OK);
    return d;
}

static const pk_diff_row *row_named(const pk_diff *d, const char *name, pk_diff_status st)
{
    size_t i;
    for (i = 0; i < pk_diff_row_count(d); i++) {
        const pk_diff_row *r = pk_diff_row_at(d, i);
        if (strcmp(r->func, name) == 0 && r->status == st)
            return r;
    }
    fail_msg("no row %s", name);
    return NULL;
}

static size_t count_status(const pk_diff *d, pk_diff_status st)
{
    size_t i, n = 0;
    for (i = 0; i < pk_diff_row_count(d); i++)
        n += pk_diff_row_at(d, i)->status == st;
    return n;
}

/* ---- matching ---- */

static void test_diff__strip_dirs_then_moved_functions_match(void **state)
{
    pk_profile *b = before_profile(), *a = after_profile();
    pk_diff_opts o = PK_DIFF_OPTS_INIT;
    pk_diff *d;
    const pk_diff_row *r;
    (void)state;

    o.strip_dirs = true;
    d = build(b, a, &o);
    assert_int_equal(pk_diff_kind_of(d), PK_DIFF_FUNCTIONS);
    r = row_named(d, "work", PK_DIFF_BOTH);
    assert_int_equal(r->match, PK_MATCH_MOVED);
    assert_int_equal(r->line_before, 10);
    assert_int_equal(r->line_after, 30);
    assert_true(r->before[0] == 1.0 && r->after[0] == 2.0);
    assert_true(pk_diff_delta(r, 0) == 1.0 && pk_diff_percent(r, 0) == 100.0);
    assert_int_equal(row_named(d, "<module>", PK_DIFF_BOTH)->match, PK_MATCH_EXACT);
    assert_int_equal(row_named(d, "<built-in method builtins.len>", PK_DIFF_BOTH)->match,
                     PK_MATCH_EXACT);
    assert_true(isnan(pk_diff_percent(row_named(d, "fresh", PK_DIFF_NEW), 0)));
    row_named(d, "old", PK_DIFF_VANISHED);
    /* Two run() on each side: ambiguous, so two new and two vanished. */
    assert_int_equal(count_status(d, PK_DIFF_NEW), 3);
    assert_int_equal(count_status(d, PK_DIFF_VANISHED), 3);
    assert_int_equal(pk_diff_row_count(d), 9);
    assert_true(pk_diff_total_before(d) == pk_profile_total_time(b));
    assert_true(pk_diff_total_after(d) == pk_profile_total_time(a));
    pk_diff_free(d);
    pk_profile_free(b);
    pk_profile_free(a);
}

static void test_diff__without_strip_dirs_nothing_but_builtins_match(void **state)
{
    pk_profile *b = before_profile(), *a = after_profile();
    pk_diff *d = build(b, a, NULL);
    (void)state;
    /* Other directories: only the built-in pairs. */
    assert_int_equal(count_status(d, PK_DIFF_BOTH), 1);
    assert_int_equal(count_status(d, PK_DIFF_NEW), 5);
    assert_int_equal(count_status(d, PK_DIFF_VANISHED), 5);
    pk_diff_free(d);
    pk_profile_free(b);
    pk_profile_free(a);
}

static void test_diff__exact_only(void **state)
{
    pk_profile *b = before_profile(), *a = after_profile();
    pk_diff_opts o = PK_DIFF_OPTS_INIT;
    pk_diff *d;
    (void)state;
    o.strip_dirs = o.no_moved = true;
    d = build(b, a, &o);
    row_named(d, "work", PK_DIFF_NEW);
    row_named(d, "work", PK_DIFF_VANISHED);
    pk_diff_free(d);
    pk_profile_free(b);
    pk_profile_free(a);
}

static void test_diff__match_functions_for_graphs(void **state)
{
    pk_profile *b = before_profile(), *a = after_profile();
    uint32_t map[16];
    pk_diff *d;
    (void)state;
    /* Without stripping nothing under /build matches /src. */
    assert_int_equal(pk_diff_match_functions(map, b, a, false, NULL), PK_OK);
    assert_int_equal(map[0], PK_DIFF_NO_MATCH);
    assert_int_equal(map[5], 5);
    d = build(b, b, NULL);
    assert_int_equal(count_status(d, PK_DIFF_BOTH), pk_diff_row_count(d));
    pk_diff_free(d);
    assert_int_equal(pk_diff_match_functions(map, b, b, false, NULL), PK_OK);
    for (uint32_t i = 0; i < pk_profile_func_count(b); i++)
        assert_int_equal(map[i], i);
    pk_profile_free(b);
    pk_profile_free(a);
}

/* ---- normalize ---- */

static void test_diff__normalize_scales_before_times(void **state)
{
    pk_profile *b = before_profile(), *a = after_profile();
    pk_diff_opts o = PK_DIFF_OPTS_INIT;
    pk_diff *d;
    const pk_diff_row *r;
    double scale = pk_profile_total_time(a) / pk_profile_total_time(b);
    (void)state;
    o.strip_dirs = o.normalize = true;
    d = build(b, a, &o);
    assert_true(pk_diff_scale(d) == scale);
    assert_true(pk_diff_total_before(d) == pk_diff_total_after(d));
    r = row_named(d, "work", PK_DIFF_BOTH);
    assert_true(r->before[0] == 1.0 * scale && r->before[1] == 1.2 * scale);
    assert_true(r->before[2] == 2.0); /* counts are not scaled */
    pk_diff_free(d);
    pk_profile_free(b);
    pk_profile_free(a);
}

static void test_diff__normalize_refuses_zero_totals(void **state)
{
    pk_profile *b = new_profile(), *a = after_profile();
    pk_diff_opts o = PK_DIFF_OPTS_INIT;
    pk_error err = PK_ERROR_INIT;
    pk_diff *d = (pk_diff *)1;
    (void)state;
    o.normalize = true;
    assert_int_equal(pk_diff_build(&d, b, a, &o, &err), PK_ENODATA);
    assert_null(d);
    assert_non_null(strstr(err.msg, "total time is 0"));
    pk_profile_free(b);
    pk_profile_free(a);
}

/* ---- selection ---- */

static void test_diff__select_sorts_filters_and_limits(void **state)
{
    pk_profile *b = before_profile(), *a = after_profile();
    pk_diff_opts o = PK_DIFF_OPTS_INIT;
    pk_diff_select_opts so = {PK_DIFF_SORT_REGRESSION, 0, false, {0, 0.0, PK_UNIT_NONE}, 0};
    pk_error err = PK_ERROR_INIT;
    uint32_t *rows;
    size_t n;
    pk_diff *d;
    (void)state;
    o.strip_dirs = true;
    d = build(b, a, &o);
    assert_int_equal(pk_diff_default_metric(d), 0);
    assert_int_equal(pk_diff_select(&rows, &n, d, &so, &err), PK_OK);
    assert_int_equal(n, pk_diff_row_count(d));
    assert_string_equal(pk_diff_row_at(d, rows[0])->func, "work");  /* +1.0 s */
    assert_string_equal(pk_diff_row_at(d, rows[1])->func, "fresh"); /* +0.3 s */
    assert_string_equal(pk_diff_row_at(d, rows[n - 1])->func, "old"); /* -0.2 s */
    pk_diff_rows_free(rows);

    /* at least 0.25 s either way: work, fresh */
    so.has_min_delta = true;
    assert_int_equal(pk_diff_threshold_parse(&so.min_delta, "250ms", &err), PK_OK);
    assert_int_equal(pk_diff_select(&rows, &n, d, &so, &err), PK_OK);
    assert_int_equal(n, 2);
    pk_diff_rows_free(rows);
    /* decreases of at least 50%: old (vanished) only */
    assert_int_equal(pk_diff_threshold_parse(&so.min_delta, "-50%", &err), PK_OK);
    assert_int_equal(pk_diff_select(&rows, &n, d, &so, &err), PK_OK);
    assert_int_equal(n, 3); /* old and the two vanished run() */
    pk_diff_rows_free(rows);
    /* a unit the metric lacks */
    so.metric = 2;
    assert_int_equal(pk_diff_threshold_parse(&so.min_delta, "5ms", &err), PK_OK);
    assert_int_equal(pk_diff_select(&rows, &n, d, &so, &err), PK_EINVAL);
    assert_non_null(strstr(err.msg, "ncalls is a count"));

    so.has_min_delta = false;
    so.sort = PK_DIFF_SORT_NAME;
    so.limit = 2;
    assert_int_equal(pk_diff_select(&rows, &n, d, &so, NULL), PK_OK);
    assert_int_equal(n, 2);
    assert_string_equal(pk_diff_row_at(d, rows[0])->file, "app.py");
    assert_int_equal(pk_diff_row_at(d, rows[0])->line_after, 1);
    pk_diff_rows_free(rows);
    pk_diff_free(d);
    pk_profile_free(b);
    pk_profile_free(a);
}

/* ---- thresholds and rules ---- */

static void test_diff__threshold_parser(void **state)
{
    pk_diff_threshold t;
    pk_error err = PK_ERROR_INIT;
    (void)state;
    assert_int_equal(pk_diff_threshold_parse(&t, "+10%", NULL), PK_OK);
    assert_true(t.sign == 1 && t.value == 10.0 && t.unit == PK_UNIT_PERCENT);
    assert_int_equal(pk_diff_threshold_parse(&t, "-5ms", NULL), PK_OK);
    assert_true(t.sign == -1 && t.value == 5e-3 && t.unit == PK_UNIT_SECONDS);
    assert_int_equal(pk_diff_threshold_parse(&t, "250us", NULL), PK_OK);
    assert_true(t.sign == 0 && t.value == 250e-6);
    assert_int_equal(pk_diff_threshold_parse(&t, "2GiB", NULL), PK_OK);
    assert_true(t.value == 2048.0 && t.unit == PK_UNIT_MIB);
    assert_int_equal(pk_diff_threshold_parse(&t, "3", NULL), PK_OK);
    assert_true(t.unit == PK_UNIT_NONE && t.value == 3.0);
    assert_int_equal(pk_diff_threshold_parse(&t, "", &err), PK_EINVAL);
    pk_error_clear(&err);
    assert_int_equal(pk_diff_threshold_parse(&t, "+", &err), PK_EINVAL);
    pk_error_clear(&err);
    assert_int_equal(pk_diff_threshold_parse(&t, "--5", &err), PK_EINVAL);
    pk_error_clear(&err);
    assert_int_equal(pk_diff_threshold_parse(&t, "5 ms", &err), PK_EINVAL);
    assert_non_null(strstr(err.msg, "unknown unit ' ms'"));
    pk_error_clear(&err);
    assert_int_equal(pk_diff_threshold_parse(&t, "1e999", &err), PK_EINVAL);
    pk_error_clear(&err);
    assert_int_equal(pk_diff_threshold_parse(&t, "nan", &err), PK_EINVAL);
}

static void test_diff__rule_parser(void **state)
{
    pk_diff_rule r;
    pk_error err = PK_ERROR_INIT;
    (void)state;
    assert_int_equal(pk_diff_rule_parse(&r, "cumtime:+10%", NULL), PK_OK);
    assert_string_equal(r.metric, "cumtime");
    assert_string_equal(r.text, "+10%");
    assert_int_equal(pk_diff_rule_parse(&r, "total:5ms", NULL), PK_OK);
    assert_true(r.limit.sign == 1 && r.limit.value == 5e-3);
    assert_string_equal(r.text, "+5ms");
    assert_int_equal(pk_diff_rule_parse(&r, "ncalls:-3", NULL), PK_OK);
    assert_int_equal(r.limit.sign, -1);
    assert_int_equal(pk_diff_rule_parse(&r, "cumtime", &err), PK_EINVAL);
    assert_non_null(strstr(err.msg, "METRIC:THRESHOLD"));
    pk_error_clear(&err);
    assert_int_equal(pk_diff_rule_parse(&r, ":10%", &err), PK_EINVAL);
    pk_error_clear(&err);
    assert_int_equal(pk_diff_rule_parse(&r, "a_metric_name_far_too_long:1", &err), PK_EINVAL);
    pk_error_clear(&err);
    assert_int_equal(pk_diff_rule_parse(&r, "cumtime:", &err), PK_EINVAL);
    pk_error_clear(&err);
    assert_int_equal(pk_diff_rule_parse(&r, "cumtime:ten", &err), PK_EINVAL);
}

static size_t check_rules(pk_diff_breach **out, const pk_diff *d, const char *const *exprs,
                          size_t nrules, int want)
{
    pk_diff_rule rules[8];
    pk_error err = PK_ERROR_INIT;
    uint32_t *rows;
    size_t n, nb = 0, i;
    pk_diff_select_opts so = {PK_DIFF_SORT_REGRESSION, 0, false, {0, 0.0, PK_UNIT_NONE}, 0};

    for (i = 0; i < nrules; i++)
        assert_int_equal(pk_diff_rule_parse(&rules[i], exprs[i], NULL), PK_OK);
    assert_int_equal(pk_diff_select(&rows, &n, d, &so, NULL), PK_OK);
    assert_int_equal(pk_diff_check(out, &nb, d, rules, nrules, rows, n, &err), want);
    pk_diff_rows_free(rows);
    return nb;
}

static void test_diff__gate(void **state)
{
    pk_profile *b = before_profile(), *a = after_profile();
    pk_diff_opts o = PK_DIFF_OPTS_INIT;
    pk_diff_breach *br;
    pk_diff_rule rules[2];
    char line[512];
    pk_diff *d;
    static const char *const pct[] = {"tottime:+50%"};
    static const char *const abs_[] = {"tottime:+0.25s", "total:+10%"};
    static const char *const none[] = {"total:+100%", "cumtime:+2s"};
    static const char *const down[] = {"tottime:-0.15"};
    static const char *const bad[] = {"peak:+1MiB"};
    static const char *const badunit[] = {"ncalls:+1ms"};
    (void)state;
    o.strip_dirs = true;
    d = build(b, a, &o);

    /* percent: work +100%; fresh is new (no percent) */
    assert_int_equal(check_rules(&br, d, pct, 1, PK_OK), 1);
    assert_int_equal(pk_diff_rule_parse(&rules[0], pct[0], NULL), PK_OK);
    pk_diff_breach_describe(line, sizeof line, d, rules, &br[0]);
    assert_string_equal(line, "regression: app.py:30(work) tottime +100.0% (1s -> 2s) exceeds +50%");
    pk_diff_breaches_free(br);

    /* absolute: work (+1 s) and fresh (+0.3 s); total +1.1 s of 2.0 s */
    assert_int_equal(check_rules(&br, d, abs_, 2, PK_OK), 3);
    assert_false(br[0].total);
    assert_true(br[2].total && br[2].rule == 1);
    assert_int_equal(pk_diff_rule_parse(&rules[0], abs_[0], NULL), PK_OK);
    assert_int_equal(pk_diff_rule_parse(&rules[1], abs_[1], NULL), PK_OK);
    pk_diff_breach_describe(line, sizeof line, d, rules, &br[1]);
    assert_string_equal(line, "regression: app.py:5(fresh) tottime +0.3s (0s -> 0.3s) exceeds +0.25s");
    pk_diff_breach_describe(line, sizeof line, d, rules, &br[2]);
    assert_string_equal(line, "regression: total time +55.0% (2s -> 3.1s) exceeds +10%");
    pk_diff_breaches_free(br);

    assert_int_equal(check_rules(&br, d, none, 2, PK_OK), 0);
    assert_null(br);
    /* decreases of more than 0.15 s: old (-0.2 s) */
    assert_int_equal(check_rules(&br, d, down, 1, PK_OK), 1);
    assert_int_equal(pk_diff_rule_parse(&rules[0], down[0], NULL), PK_OK);
    pk_diff_breach_describe(line, sizeof line, d, rules, &br[0]);
    assert_string_equal(line, "decrease: app.py:20(old) tottime -0.2s (0.2s -> 0s) exceeds -0.15");
    pk_diff_breaches_free(br);

    check_rules(&br, d, bad, 1, PK_EINVAL);
    assert_null(br);
    check_rules(&br, d, badunit, 1, PK_EINVAL);
    pk_diff_free(d);
    pk_profile_free(b);
    pk_profile_free(a);
}

/* ---- other kinds, from real samples ---- */

static pk_profile *read_sample(const char *path)
{
    pk_profile *p;
    pk_error err = PK_ERROR_INIT;
    assert_int_equal(pk_read(&p, path, NULL, &err), PK_OK);
    return p;
}

static void test_diff__line_rows_follow_moved_functions(void **state)
{
    pk_profile *b = read_sample(SAMPLES "/diff/diffapp_v1.lprof");
    pk_profile *a = read_sample(SAMPLES "/diff/diffapp_v2.lprof");
    pk_diff *d = build(b, a, NULL);
    size_t i, moved = 0;
    (void)state;
    assert_int_equal(pk_diff_kind_of(d), PK_DIFF_LINES);
    assert_int_equal(pk_diff_metric_find(d, "hits"), 1);
    for (i = 0; i < pk_diff_row_count(d); i++) {
        const pk_diff_row *r = pk_diff_row_at(d, i);
        if (r->match != PK_MATCH_MOVED)
            continue;
        moved++;
        /* make_text moved 10 lines down, its lines with it */
        if (strcmp(r->func, "make_text") == 0)
            assert_int_equal(r->line_after - r->line_before, 10);
    }
    assert_true(moved >= 4);
    pk_diff_free(d);
    pk_profile_free(b);
    pk_profile_free(a);
}

static void test_diff__memory_rows_and_peak(void **state)
{
    pk_profile *b = read_sample(SAMPLES "/mprof/alloc.dat");
    pk_profile *a = read_sample(SAMPLES "/mprof/alloc_twice.dat");
    pk_profile *t = read_sample(SAMPLES "/diff/diffapp_v1.pstats");
    pk_diff_opts o = PK_DIFF_OPTS_INIT;
    pk_error err = PK_ERROR_INIT;
    pk_diff *d = build(b, a, NULL);
    (void)state;
    assert_int_equal(pk_diff_kind_of(d), PK_DIFF_MEMORY);
    assert_string_equal(pk_diff_total_name(d), "peak memory");
    assert_true(pk_diff_total_before(d) > 0.0);
    assert_int_equal(pk_diff_metric_find(d, "maxmem"), 1);
    /* twice the runs: twice the calls of each function */
    assert_true(pk_diff_row_at(d, 0)->after[2] == 2 * pk_diff_row_at(d, 0)->before[2]);
    pk_diff_free(d);
    assert_int_equal(pk_diff_build(&d, b, t, NULL, &err), PK_ENODATA);
    o.normalize = true;
    pk_error_clear(&err);
    assert_int_equal(pk_diff_build(&d, b, a, &o, &err), PK_EINVAL);
    pk_profile_free(b);
    pk_profile_free(a);
    pk_profile_free(t);
}

/* ---- rendering ---- */

static char *render(pk_diff *d, int which)
{
    pk_diff_render_opts ro = {"a.pstats", "b|c.pstats", 0};
    uint32_t *rows;
    size_t n, len;
    char *text = NULL;
    FILE *f = open_memstream(&text, &len);
    int rc;
    pk_diff_select_opts so = {PK_DIFF_SORT_REGRESSION, 0, false, {0, 0.0, PK_UNIT_NONE}, 0};

    assert_int_equal(pk_diff_select(&rows, &n, d, &so, NULL), PK_OK);
    rc = which == 0 ? pk_render_diff_text(f, d, rows, n, &ro, NULL) :
         which == 1 ? pk_render_diff_markdown(f, d, rows, n, &ro, NULL) :
         which == 2 ? pk_render_diff_csv(f, d, rows, n, &ro, NULL) :
                      pk_render_diff_json(f, d, rows, n, &ro, NULL);
    assert_int_equal(rc, PK_OK);
    fclose(f);
    pk_diff_rows_free(rows);
    return text;
}

static void test_diff__renderers(void **state)
{
    pk_profile *b = before_profile(), *a = after_profile();
    pk_diff_opts o = PK_DIFF_OPTS_INIT;
    pk_diff *d;
    char *t;
    (void)state;
    o.strip_dirs = true;
    d = build(b, a, &o);
    t = render(d, 0);
    assert_non_null(strstr(t, "total time: 2.000000s -> 3.100000s (+55.0%)"));
    assert_non_null(strstr(t, "9 rows: 3 new, 3 vanished, 1 moved"));
    assert_non_null(strstr(t, "moved     app.py:30(work) (was line 10)"));
    free(t);
    t = render(d, 1);
    assert_non_null(strstr(t, "`b\\|c.pstats`"));
    assert_non_null(strstr(t, "| `app.py:30(work)` | moved (was line 10) | 1.000000 | 2.000000 | "
                              "+1.000000 | +100.0% |"));
    assert_non_null(strstr(t, "| `{built-in method builtins.len}` |  |"));
    free(t);
    t = render(d, 2);
    assert_non_null(strstr(t, "both,moved,app.py,10,30,work,app.py:30(work),1,2,1,100,1.2,"
                              "2.2,1.0000000000000002,83.33333333333336,2,2,0,0\n"));
    assert_non_null(strstr(t, "new,none,app.py,,5,fresh,app.py:5(fresh),0,0.3,0.3,,"));
    free(t);
    t = render(d, 3);
    assert_non_null(strstr(t, "\"after_path\":\"b|c.pstats\""));
    assert_non_null(strstr(t, "\"percent\":{\"tottime\":null,\"cumtime\":null,\"ncalls\":null}"));
    free(t);
    pk_diff_free(d);
    pk_profile_free(b);
    pk_profile_free(a);
}

/* ---- prof2dot --diff ---- */

static void test_diff__callgraph_diff(void **state)
{
    pk_profile *b = before_profile(), *a = after_profile(), *sb, *sa;
    pk_callgraph *gb, *ga;
    pk_cg_diff *cd;
    uint32_t map[16];
    size_t i;
    (void)state;
    assert_int_equal(pk_profile_strip_dirs(&sb, b, NULL), PK_OK);
    assert_int_equal(pk_profile_strip_dirs(&sa, a, NULL), PK_OK);
    assert_int_equal(pk_callgraph_build(&gb, sb, NULL), PK_OK);
    assert_int_equal(pk_callgraph_build(&ga, sa, NULL), PK_OK);
    assert_int_equal(pk_diff_match_functions(map, sb, sa, false, NULL), PK_OK);
    assert_int_equal(pk_callgraph_diff(&cd, ga, gb, map, 0.05, 1.0, NULL), PK_OK);
    for (i = 0; i < pk_callgraph_node_count(ga); i++) {
        const char *name = pk_callgraph_node_name(ga, (uint32_t)i);
        if (strcmp(name, "app:30:work") == 0)
            assert_true(cd->node_before[i] == 1.2);
        if (strcmp(name, "app:5:fresh") == 0)
            assert_true(isnan(cd->node_before[i]));
    }
    for (i = 0; i < pk_callgraph_edge_count(ga); i++)
        assert_true(cd->edge_before[i] == 1.2); /* <module> -> work */
    pk_cg_diff_free(cd);
    pk_callgraph_free(ga);
    pk_callgraph_free(gb);
    pk_profile_free(sa);
    pk_profile_free(sb);
    pk_profile_free(b);
    pk_profile_free(a);
}

/* ---- allocation failures ---- */

typedef struct whole_run_ctx {
    pk_profile *b, *a;
    const pk_diff_opts *o;
    FILE *out;
} whole_run_ctx;

/* Build, select, check and render a diff, every step reporting to err. */
static int whole_run(void *ctx, pk_error *err)
{
    whole_run_ctx *c = ctx;
    pk_diff *d = NULL;
    pk_diff_breach *br = NULL;
    pk_diff_rule rule;
    pk_diff_select_opts so = {PK_DIFF_SORT_PERCENT, 0, false, {0, 0.0, PK_UNIT_NONE}, 0};
    pk_diff_render_opts ro = {"a", "b", 0};
    uint32_t *rows = NULL;
    size_t n = 0, nb = 0;
    int rc = pk_diff_build(&d, c->b, c->a, c->o, err);

    if (rc == PK_OK)
        rc = pk_diff_rule_parse(&rule, "total:+1%", err);
    if (rc == PK_OK)
        rc = pk_diff_select(&rows, &n, d, &so, err);
    if (rc == PK_OK)
        rc = pk_diff_check(&br, &nb, d, &rule, 1, rows, n, err);
    if (rc == PK_OK)
        rc = pk_render_diff_json(c->out, d, rows, n, &ro, err);
    pk_diff_breaches_free(br);
    pk_diff_rows_free(rows);
    pk_diff_free(d);
    return rc;
}

static void alloc_loop(pk_profile *b, pk_profile *a, const pk_diff_opts *o, FILE *out)
{
    whole_run_ctx c;

    c.b = b;
    c.a = a;
    c.o = o;
    c.out = out;
    pk_test_alloc_failures(whole_run, &c);
}

static void test_diff__allocation_failures(void **state)
{
    pk_profile *b = before_profile(), *a = after_profile();
    pk_profile *lb = read_sample(SAMPLES "/diff/diffapp_v1.lprof");
    pk_profile *la = read_sample(SAMPLES "/diff/diffapp_v2.lprof");
    pk_profile *mb = read_sample(SAMPLES "/mprof/alloc.dat");
    pk_profile *ma = read_sample(SAMPLES "/mprof/alloc_twice.dat");
    pk_diff_opts o = PK_DIFF_OPTS_INIT;
    FILE *out = fopen("/dev/null", "w");
    (void)state;
    assert_non_null(out);
    alloc_loop(b, a, &o, out);
    o.strip_dirs = o.normalize = true;
    alloc_loop(b, a, &o, out);
    alloc_loop(lb, la, &o, out);
    o.normalize = false;
    alloc_loop(mb, ma, &o, out);
    fclose(out);
    pk_profile_free(b);
    pk_profile_free(a);
    pk_profile_free(lb);
    pk_profile_free(la);
    pk_profile_free(mb);
    pk_profile_free(ma);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diff__strip_dirs_then_moved_functions_match),
        cmocka_unit_test(test_diff__without_strip_dirs_nothing_but_builtins_match),
        cmocka_unit_test(test_diff__exact_only),
        cmocka_unit_test(test_diff__match_functions_for_graphs),
        cmocka_unit_test(test_diff__normalize_scales_before_times),
        cmocka_unit_test(test_diff__normalize_refuses_zero_totals),
        cmocka_unit_test(test_diff__select_sorts_filters_and_limits),
        cmocka_unit_test(test_diff__threshold_parser),
        cmocka_unit_test(test_diff__rule_parser),
        cmocka_unit_test(test_diff__gate),
        cmocka_unit_test(test_diff__line_rows_follow_moved_functions),
        cmocka_unit_test(test_diff__memory_rows_and_peak),
        cmocka_unit_test(test_diff__renderers),
        cmocka_unit_test(test_diff__callgraph_diff),
        cmocka_unit_test(test_diff__allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
