/*
 * The mprof .dat reader and writer (formats/mprof.c), the line cursor
 * (formats/lines.c), the memory model (src/model/memory.c) and the memory
 * renderers: records built in code, the real samples in samples/mprof/,
 * every prefix of every sample, allocation failures, and the bad files in
 * tests/data/bad/mprof/ with the messages in expected.txt.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <profkit/memory.h>
#include <profkit/profile.h>

#include "buf.h"
#include "formats.h"
#include "lines.h"
#include "test_files.h"

#define SAMPLE_DIR PK_SOURCE_ROOT "/samples/mprof"
#define DATA_DIR PK_SOURCE_ROOT "/tests/data/mprof"
#define BAD_DIR PK_SOURCE_ROOT "/tests/data/bad/mprof"

/* ---- helpers ---- */

/* Sorted paths of the .dat samples, NULL-terminated; free with free_names. */
static char **sample_paths(void)
{
    return pk_test_list(SAMPLE_DIR, ".dat", true, 8);
}

#define free_names pk_test_free_names
#define load_file pk_test_load

static int read_bytes(pk_profile **out, const void *data, size_t len, pk_error *err)
{
    pk_error_clear(err);
    assert_int_equal(pk_profile_new(out), PK_OK);
    return pk_mprof__read(*out, data, len, err);
}

static pk_profile *read_ok(const char *text, size_t len)
{
    pk_profile *p;
    pk_error err = PK_ERROR_INIT;
    if (read_bytes(&p, text, len, &err) != PK_OK)
        fail_msg("read failed: %s", err.msg);
    return p;
}

static pk_profile *read_str(const char *text)
{
    return read_ok(text, strlen(text));
}

/* Reads data that must fail with exactly this message. */
static void read_fails(const void *data, size_t len, const char *msg)
{
    pk_profile *p;
    pk_error err = PK_ERROR_INIT;
    int rc = read_bytes(&p, data, len, &err);

    assert_int_equal(rc, PK_EFORMAT);
    assert_int_equal(err.code, PK_EFORMAT);
    assert_string_equal(err.format, "mprof");
    assert_string_equal(err.msg, msg);
    pk_profile_free(p);
}

static const char *str(const pk_profile *p, pk_str id)
{
    return pk_profile_str(p, id);
}

static const pk_func *func_named(pk_profile *p, const char *name)
{
    size_t i;
    for (i = 0; i < pk_profile_func_count(p); i++) {
        const pk_func *f = pk_profile_func_c(p, (uint32_t)i);
        if (strcmp(str(p, f->name), name) == 0)
            return f;
    }
    fail_msg("no function %s", name);
    return NULL;
}

static bool series_eq(const pk_mem_series *a, const pk_mem_series *b)
{
    return a->pid == b->pid && a->n == b->n &&
           (a->n == 0 || memcmp(a->samples, b->samples, a->n * sizeof *a->samples) == 0);
}

/* The memory parts of two profiles hold the same runs. */
static void assert_same_runs(const pk_profile *a, const pk_profile *b)
{
    size_t r, i;
    assert_int_equal(pk_memory_run_count(a), pk_memory_run_count(b));
    for (r = 0; r < pk_memory_run_count(a); r++) {
        const pk_mem_run *x = pk_memory_run(a, r), *y = pk_memory_run(b, r);
        assert_int_equal(x->has_cmdline, y->has_cmdline);
        assert_string_equal(str(a, x->cmdline), str(b, y->cmdline));
        assert_true(series_eq(&x->main, &y->main));
        assert_int_equal(x->nchildren, y->nchildren);
        for (i = 0; i < x->nchildren; i++)
            assert_true(series_eq(&x->children[i], &y->children[i]));
        assert_int_equal(x->ncalls, y->ncalls);
        for (i = 0; i < x->ncalls; i++) {
            assert_string_equal(str(a, x->calls[i].name), str(b, y->calls[i].name));
            assert_true(x->calls[i].t0 == y->calls[i].t0 && x->calls[i].t1 == y->calls[i].t1);
            assert_true(x->calls[i].mem0 == y->calls[i].mem0 &&
                        x->calls[i].mem1 == y->calls[i].mem1);
            assert_int_equal(x->calls[i].level, y->calls[i].level);
            assert_int_equal(x->calls[i].depth, y->calls[i].depth);
        }
    }
}

/* ---- the line cursor ---- */

static void test_mprof__cursor_lines(void **state)
{
    static const char text[] = "a b\r\n\nlast";
    pk_error err = PK_ERROR_INIT;
    pk_lc c;

    (void)state;
    pk_lc_init(&c, text, sizeof text - 1, "test", &err);
    assert_true(pk_lc_next(&c));
    assert_int_equal(c.line_len, 3); /* the CR is dropped */
    assert_memory_equal(c.line, "a b", 3);
    assert_int_equal(c.lineno, 1);
    assert_true(pk_lc_next(&c));
    assert_int_equal(c.line_len, 0);
    assert_true(pk_lc_next(&c));
    assert_int_equal(c.line_len, 4); /* no newline at the end */
    assert_int_equal(c.line_start, 6);
    assert_int_equal(c.lineno, 3);
    assert_false(pk_lc_next(&c));
    assert_false(c.failed);
}

static void test_mprof__cursor_nul_and_errors(void **state)
{
    static const char text[] = "ok\nab\0c\nnever";
    pk_error err = PK_ERROR_INIT;
    pk_lc c;
    pk_span s, head, tail;

    (void)state;
    pk_lc_init(&c, text, sizeof text - 1, "test", &err);
    assert_true(pk_lc_next(&c));
    s = pk_lc_span(&c);
    assert_false(pk_span_cut(&head, &tail, s, ' '));
    assert_false(pk_lc_next(&c));
    assert_true(c.failed);
    assert_int_equal(err.code, PK_EFORMAT);
    assert_string_equal(err.msg, "NUL byte in text at line 2, column 3");
    assert_int_equal(err.line, 2);
    assert_int_equal(err.offset, 5);
    assert_false(pk_lc_next(&c)); /* sticky */
    /* the first error wins */
    assert_int_equal(pk_lc_fail(&c, PK_EFORMAT, 1, "later"), PK_EFORMAT);
    assert_string_equal(err.msg, "NUL byte in text at line 2, column 3");
}

static pk_span span_of(const char *s)
{
    pk_span sp = {s, strlen(s), 7};
    return sp;
}

static void test_mprof__cursor_numbers(void **state)
{
    double d = 0;
    int64_t v = 0;
    pk_span head, tail;

    (void)state;
    assert_null(pk_span_double(&d, span_of("21.695312"), 0, 1e12));
    assert_true(d == 21.695312);
    assert_null(pk_span_double(&d, span_of("-1.5e3"), -1e6, 1e6));
    assert_true(d == -1500.0);
    assert_null(pk_span_double(&d, span_of(".5"), 0, 1));
    assert_null(pk_span_double(&d, span_of("7."), 0, 10));
    assert_string_equal(pk_span_double(&d, span_of(""), 0, 1), "empty number");
    assert_string_equal(pk_span_double(&d, span_of("1.5x"), 0, 9), "not a decimal number");
    assert_string_equal(pk_span_double(&d, span_of(" 1"), 0, 9), "not a decimal number");
    assert_string_equal(pk_span_double(&d, span_of("inf"), 0, 9), "not a decimal number");
    assert_string_equal(pk_span_double(&d, span_of("0x1p3"), 0, 9), "not a decimal number");
    assert_string_equal(pk_span_double(&d, span_of("1e"), 0, 9), "not a decimal number");
    assert_string_equal(pk_span_double(&d, span_of("."), 0, 9), "not a decimal number");
    assert_string_equal(pk_span_double(&d, span_of("1e400"), 0, 1e300), "number out of range");
    assert_string_equal(pk_span_double(&d, span_of("10.5"), 0, 10), "number out of range");
    assert_null(pk_span_i64(&v, span_of("9223372036854775807"), INT64_MIN, INT64_MAX));
    assert_true(v == INT64_MAX);
    assert_null(pk_span_i64(&v, span_of("-9223372036854775808"), INT64_MIN, INT64_MAX));
    assert_true(v == INT64_MIN);
    assert_string_equal(pk_span_i64(&v, span_of("9223372036854775808"), INT64_MIN, INT64_MAX),
                        "number out of range");
    assert_string_equal(pk_span_i64(&v, span_of("12a"), 0, 99), "not a whole number");
    assert_string_equal(pk_span_i64(&v, span_of("-"), -9, 9), "not a whole number");
    assert_string_equal(pk_span_i64(&v, span_of("+1"), -9, 9), "not a whole number");
    assert_string_equal(pk_span_i64(&v, span_of("100"), 0, 99), "number out of range");
    /* spans keep their columns */
    assert_true(pk_span_cut_last(&head, &tail, span_of("a b c"), ' '));
    assert_int_equal(head.len, 3);
    assert_int_equal(tail.col, 11);
    assert_int_equal(pk_span_count(span_of("a b c"), ' '), 2);
}

/* ---- each line kind ---- */

static void test_mprof__each_kind(void **state)
{
    pk_profile *p = read_str("CMDLINE /usr/bin/python3 prog.py --flag\n"
                             "MEM 1.500000 100.0000\n"
                             "CHLD 4242 3.250000 100.0500\n"
                             "MEM 2.250000 100.1000\n"
                             "FUNC __main__.f 1.5000 100.0200 2.2500 100.0800 0\n");
    const pk_mem_run *r;

    (void)state;
    assert_int_equal(pk_profile_source(p), PK_SOURCE_MPROF);
    assert_int_equal(pk_memory_run_count(p), 1);
    r = pk_memory_run(p, 0);
    assert_true(r->has_cmdline);
    assert_string_equal(str(p, r->cmdline), "/usr/bin/python3 prog.py --flag");
    assert_int_equal(r->main.pid, -1);
    assert_int_equal(r->main.n, 2);
    assert_true(r->main.samples[0].mib == 1.5 && r->main.samples[0].t == 100.0);
    assert_true(r->main.samples[1].mib == 2.25 && r->main.samples[1].t == 100.1);
    assert_int_equal(r->nchildren, 1);
    assert_int_equal(r->children[0].pid, 4242);
    assert_int_equal(r->children[0].n, 1);
    assert_true(r->children[0].samples[0].mib == 3.25);
    assert_int_equal(r->ncalls, 1);
    assert_string_equal(str(p, r->calls[0].name), "__main__.f");
    assert_true(r->calls[0].mem0 == 1.5 && r->calls[0].t0 == 100.02);
    assert_true(r->calls[0].mem1 == 2.25 && r->calls[0].t1 == 100.08);
    assert_int_equal(r->calls[0].level, 0);
    assert_int_equal(r->calls[0].line, 5);
    assert_int_equal(pk_memory_unknown_lines(p), 0);
    pk_profile_free(p);
}

static void test_mprof__func_forms(void **state)
{
    /* with a level (>= 0.56), without (<= 0.55), and a label with spaces
     * (which mprof writes but cannot read back) in both forms */
    pk_profile *p = read_str("FUNC m.outer 1.0000 10.0000 2.0000 20.0000 0\n"
                             "FUNC m.inner 1.0000 11.0000 2.0000 12.0000\n"
                             "FUNC .two words 1.0000 13.0000 2.0000 14.0000 1\n"
                             "FUNC .no level here 1.0000 15.0000 2.0000 16.0000\n"
                             "FUNC m.f 1 17 2 18\n");
    const pk_mem_run *r;

    (void)state;
    r = pk_memory_run(p, 0);
    assert_false(r->has_cmdline);
    assert_int_equal(r->ncalls, 5);
    assert_int_equal(r->calls[0].level, 0);
    assert_int_equal(r->calls[1].level, -1);
    assert_int_equal(r->calls[1].depth, 1); /* found by nesting: inside outer */
    assert_string_equal(str(p, r->calls[2].name), ".two words");
    assert_int_equal(r->calls[2].level, 1);
    assert_true(r->calls[2].t0 == 13.0);
    assert_string_equal(str(p, r->calls[3].name), ".no level here");
    assert_int_equal(r->calls[3].level, -1);
    assert_true(r->calls[3].t1 == 16.0 && r->calls[3].mem1 == 2.0);
    assert_int_equal(r->calls[4].level, -1); /* 5 fields: never a level */
    assert_true(r->calls[4].t1 == 18.0);
    assert_int_equal(r->calls[4].depth, 1); /* inside outer [10, 20] */
    pk_profile_free(p);
}

/* ---- order, runs, CRLF ---- */

static void test_mprof__out_of_order(void **state)
{
    /* FUNC before CMDLINE (what mprof writes), MEM out of time order,
     * children interleaved: the same model as the tidy file */
    pk_profile *a = read_str("FUNC m.f 1.0000 10.5000 2.0000 11.5000 0\n"
                             "CMDLINE prog\n"
                             "MEM 3.000000 12.0000\n"
                             "CHLD 7 4.000000 10.2000\n"
                             "MEM 1.000000 10.0000\n"
                             "CHLD 7 5.000000 10.1000\n"
                             "MEM 2.000000 11.0000\n");
    pk_profile *b = read_str("CMDLINE prog\n"
                             "MEM 1.000000 10.0000\n"
                             "MEM 2.000000 11.0000\n"
                             "MEM 3.000000 12.0000\n"
                             "CHLD 7 5.000000 10.1000\n"
                             "CHLD 7 4.000000 10.2000\n"
                             "FUNC m.f 1.0000 10.5000 2.0000 11.5000 0\n");
    const pk_mem_run *r = pk_memory_run(a, 0);

    (void)state;
    assert_true(r->main.samples[0].t == 10.0 && r->main.samples[2].t == 12.0);
    assert_true(r->children[0].samples[0].mib == 5.0);
    assert_int_equal(r->ncalls, 1);
    assert_same_runs(a, b);
    pk_profile_free(a);
    pk_profile_free(b);
}

static void test_mprof__equal_times_keep_file_order(void **state)
{
    pk_profile *p = read_str("MEM 2.0 5.0\nMEM 1.0 4.0\nMEM 3.0 5.0\nMEM 0.5 4.0\n");
    const pk_mem_series *s = &pk_memory_run(p, 0)->main;

    (void)state;
    assert_true(s->samples[0].mib == 1.0 && s->samples[1].mib == 0.5);
    assert_true(s->samples[2].mib == 2.0 && s->samples[3].mib == 3.0);
    pk_profile_free(p);
}

static void test_mprof__appended_runs(void **state)
{
    /* mprof run -o F twice: each run's FUNC lines land before its CMDLINE */
    pk_profile *p = read_str("FUNC a.f 1.0000 10.1000 2.0000 10.2000 0\n"
                             "CMDLINE one\n"
                             "MEM 1.000000 10.0000\n"
                             "MEM 2.000000 10.3000\n"
                             "FUNC a.f 1.0000 20.1000 2.0000 20.2000 0\n"
                             "FUNC a.g 1.0000 29.0000 2.0000 29.5000 0\n"
                             "CMDLINE two\n"
                             "MEM 1.000000 20.0000\n"
                             "MEM 5.000000 20.3000\n");
    const pk_mem_run *r1, *r2;

    (void)state;
    assert_int_equal(pk_memory_run_count(p), 2);
    r1 = pk_memory_run(p, 0);
    r2 = pk_memory_run(p, 1);
    assert_string_equal(str(p, r1->cmdline), "one");
    assert_string_equal(str(p, r2->cmdline), "two");
    assert_int_equal(r1->main.n, 2);
    assert_int_equal(r2->main.n, 2);
    assert_int_equal(r1->ncalls, 1);
    assert_true(r1->calls[0].t0 == 10.1);
    /* inside run two's span, and after it (nearest run) */
    assert_int_equal(r2->ncalls, 2);
    assert_true(r2->calls[0].t0 == 20.1 && r2->calls[1].t0 == 29.0);
    assert_int_equal(func_named(p, "a.f")->stats.ncalls, 2);
    pk_profile_free(p);
}

static void test_mprof__appended_sample(void **state)
{
    size_t len, r, i;
    uint8_t *data = load_file(SAMPLE_DIR "/alloc_twice.dat", &len);
    pk_profile *p = read_ok((const char *)data, len);

    (void)state;
    assert_int_equal(pk_memory_run_count(p), 2);
    for (r = 0; r < 2; r++) {
        const pk_mem_run *run = pk_memory_run(p, r);
        double t0, t1;
        assert_string_equal(str(p, run->cmdline), "/usr/bin/python3 mem_alloc.py");
        assert_int_equal(run->ncalls, 4); /* pipeline, 2 x build_lists, grow_buffer */
        assert_true(pk_mem_run_span(&t0, &t1, run));
        t0 = run->main.samples[0].t;
        t1 = run->main.samples[run->main.n - 1].t;
        for (i = 0; i < run->ncalls; i++)
            assert_true(run->calls[i].t0 >= t0 && run->calls[i].t0 <= t1);
    }
    pk_profile_free(p);
    free(data);
}

static void test_mprof__samples_before_cmdline(void **state)
{
    pk_profile *p = read_str("MEM 1.0 1.0\nCMDLINE later\nMEM 2.0 2.0\n");
    (void)state;
    assert_int_equal(pk_memory_run_count(p), 2);
    assert_false(pk_memory_run(p, 0)->has_cmdline);
    assert_true(pk_memory_run(p, 1)->has_cmdline);
    pk_profile_free(p);
}

static void test_mprof__crlf(void **state)
{
    static const char lf[] = "CMDLINE x y\nMEM 1.000000 10.0000\n"
                             "FUNC m.f 1.0000 10.0000 2.0000 10.5000 0\nMEM 2.000000 10.5000\n";
    static const char crlf[] = "CMDLINE x y\r\nMEM 1.000000 10.0000\r\n"
                               "FUNC m.f 1.0000 10.0000 2.0000 10.5000 0\r\nMEM 2.000000 10.5000";
    pk_profile *a = read_str(lf), *b = read_str(crlf);

    (void)state;
    assert_same_runs(a, b);
    assert_string_equal(str(b, pk_memory_run(b, 0)->cmdline), "x y");
    pk_profile_free(a);
    pk_profile_free(b);
}

static void test_mprof__unknown_kinds_counted(void **state)
{
    pk_profile *p = read_str("CMDLINE x\nNOTE something\nMEM 1.0 1.0\nmem 2.0 2.0\nX y\n");
    (void)state;
    assert_int_equal(pk_memory_unknown_lines(p), 3);
    assert_int_equal(pk_memory_run(p, 0)->main.n, 1);
    pk_profile_free(p);
}

/* ---- the derived function entries ---- */

static void test_mprof__function_entries(void **state)
{
    /* outer [0, 10] holds two calls of alloc (2 s and 3 s) and alloc's
     * second call holds a call of leaf (1 s) */
    pk_profile *p = read_str("FUNC m.alloc 1.0 1.0 2.0 3.0 1\n"
                             "FUNC m.alloc 2.0 4.0 3.0 7.0 1\n"
                             "FUNC m.leaf 2.0 5.0 3.0 6.0 2\n"
                             "FUNC m.outer 1.0 0.0 3.0 10.0 0\n"
                             "MEM 1.0 0.0\n");
    const pk_func *outer = func_named(p, "m.outer"), *alloc = func_named(p, "m.alloc");
    const pk_func *leaf = func_named(p, "m.leaf");

    (void)state;
    assert_int_equal(alloc->stats.ncalls, 2);
    assert_int_equal(alloc->stats.pcalls, 2);
    assert_true(fabs(alloc->stats.cumtime - 5.0) < 1e-12);
    assert_true(fabs(alloc->stats.tottime - 4.0) < 1e-12);
    assert_true(fabs(outer->stats.cumtime - 10.0) < 1e-12);
    assert_true(fabs(outer->stats.tottime - 5.0) < 1e-12);
    assert_true(fabs(leaf->stats.tottime - 1.0) < 1e-12);
    assert_int_equal(outer->line, 0);
    assert_string_equal(str(p, outer->file), "");
    assert_true(fabs(pk_profile_total_time(p) - 10.0) < 1e-12);
    pk_profile_free(p);
}

static void test_mprof__recursion_counts_outermost_time(void **state)
{
    /* without levels: f [0,9] holds f [1,8], which holds g [2,3] */
    pk_profile *p = read_str("FUNC r.f 1.0 0.0 1.0 9.0\n"
                             "FUNC r.f 1.0 1.0 1.0 8.0\n"
                             "FUNC r.g 1.0 2.0 1.0 3.0\n");
    const pk_func *f = func_named(p, "r.f");
    const pk_mem_run *r = pk_memory_run(p, 0);

    (void)state;
    assert_int_equal(f->stats.ncalls, 2);
    assert_true(fabs(f->stats.cumtime - 9.0) < 1e-12);
    assert_true(fabs(f->stats.tottime - 8.0) < 1e-12); /* 2 + 6 */
    assert_int_equal(r->calls[0].depth, 0);
    assert_int_equal(r->calls[1].depth, 1);
    assert_int_equal(r->calls[2].depth, 2);
    pk_profile_free(p);
}

/* ---- real samples ---- */

static void test_mprof__samples_parse(void **state)
{
    char **paths = sample_paths();
    size_t i, with_children = 0, with_calls = 0;

    (void)state;
    for (i = 0; paths[i]; i++) {
        size_t len, r;
        uint8_t *data = load_file(paths[i], &len);
        pk_profile *p = read_ok((const char *)data, len);
        assert_true(pk_mprof__sniff(data, len));
        assert_true(pk_memory_run_count(p) >= 1);
        for (r = 0; r < pk_memory_run_count(p); r++) {
            const pk_mem_run *run = pk_memory_run(p, r);
            assert_true(run->has_cmdline);
            assert_true(run->main.n >= 2);
            with_children += run->nchildren > 0;
            with_calls += run->ncalls > 0;
        }
        pk_profile_free(p);
        free(data);
    }
    assert_true(with_children >= 2); /* the -M samples */
    assert_true(with_calls >= 4);
    free_names(paths);
}

/* Every prefix of every sample either reads or fails with a line number;
 * nothing crashes (the sanitizer build checks the rest). */
static void test_mprof__every_prefix_never_crashes(void **state)
{
    char **paths = sample_paths();
    size_t i, failures = 0;

    (void)state;
    for (i = 0; paths[i]; i++) {
        size_t len, n;
        uint8_t *data = load_file(paths[i], &len);
        for (n = 1; n < len; n++) {
            pk_profile *p;
            pk_error err = PK_ERROR_INIT;
            int rc = read_bytes(&p, data, n, &err);
            if (rc != PK_OK) {
                assert_int_equal(rc, PK_EFORMAT);
                assert_non_null(strstr(err.msg, " at line "));
                assert_true(err.line >= 1);
                failures++;
            } else {
                assert_true(pk_memory_run_count(p) >= 1);
            }
            pk_profile_free(p);
        }
        free(data);
    }
    assert_true(failures > 0);
    free_names(paths);
}

typedef struct alloc_case {
    pk_profile *full;
    const pk_profile *one[1];
    const char *names[1];
    FILE *sink;
    bool flame;
} alloc_case;

static int write_case(void *ctx, pk_error *err)
{
    alloc_case *c = ctx;
    pk_buf out = PK_BUF_INIT;
    int rc = pk_mprof__write(&out, c->full, err);

    pk_buf_dispose(&out);
    return rc;
}

static int summary_case(void *ctx, pk_error *err)
{
    alloc_case *c = ctx;
    return pk_render_memory_text(c->sink, c->one, c->names, 1, err);
}

static int chart_case(void *ctx, pk_error *err)
{
    alloc_case *c = ctx;
    pk_chart_opts o = PK_CHART_OPTS_INIT;

    o.flame = c->flame;
    return pk_render_memory_chart(c->sink, c->one, c->names, 1, &o, err);
}

static void test_mprof__alloc_failures(void **state)
{
    char **paths = sample_paths();
    size_t i;

    (void)state;
    for (i = 0; paths[i]; i++) {
        alloc_case c;
        size_t len;
        uint8_t *data = load_file(paths[i], &len);
        c.full = read_ok((const char *)data, len);
        c.one[0] = c.full;
        c.names[0] = "x.dat";
        c.sink = fopen("/dev/null", "w");
        assert_non_null(c.sink);
        pk_test_read_alloc_failures(pk_mprof__read, "mprof", data, len);
        pk_test_alloc_failures(write_case, &c);
        pk_test_alloc_failures(summary_case, &c);
        /* the chart, with brackets and as a flame chart */
        c.flame = false;
        pk_test_alloc_failures(chart_case, &c);
        c.flame = true;
        pk_test_alloc_failures(chart_case, &c);
        fclose(c.sink);
        pk_profile_free(c.full);
        free(data);
    }
    free_names(paths);
}

/* Each file in tests/data/bad/mprof fails with the message listed for it
 * in expected.txt (file, a tab, the message). */
static void bad_file(const uint8_t *data, size_t len, const char *name, const char *message)
{
    (void)name;
    read_fails(data, len, message);
}

static void test_mprof__bad_files(void **state)
{
    (void)state;
    pk_test_each_bad_file(BAD_DIR, 25, bad_file);
}

static void test_mprof__bad_line_numbers(void **state)
{
    static const char *const cases[][2] = {
        {"CMDLINE x\nMEM 1.0 2.0\nMEM 1.0 2.0\nMEM 1.0 oops\n",
         "bad MEM time 'oops': not a decimal number at line 4, column 9"},
        {"CMDLINE x\r\nCHLD 1 2.0\r\n",
         "CHLD needs 3 fields (pid, mib, time), found 2 at line 2, column 6"},
        {"FUNC f 1.0 2.0 3.0 4.0\n\n", "blank line (mprof refuses the file too) at line 2"},
        {"MEM 1.0 2.0\nCHLD 1 2.0 x\n", "bad CHLD time 'x': not a decimal number at line 2, column 12"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        read_fails(cases[i][0], strlen(cases[i][0]), cases[i][1]);
    (void)state;
}

static void test_mprof__sniff(void **state)
{
    (void)state;
    assert_true(pk_mprof__sniff((const uint8_t *)"CMDLINE x", 9));
    assert_true(pk_mprof__sniff((const uint8_t *)"MEM 1 2", 7));
    assert_true(pk_mprof__sniff((const uint8_t *)"FUNC f", 6));
    assert_true(pk_mprof__sniff((const uint8_t *)"CHLD 1", 6));
    assert_false(pk_mprof__sniff((const uint8_t *)"MEM", 3));
    assert_false(pk_mprof__sniff((const uint8_t *)"main;f 3", 8));
    assert_false(pk_mprof__sniff((const uint8_t *)"\xfb{", 2));
    assert_false(pk_mprof__sniff(NULL, 0));
}

/* ---- the writer ---- */

static bool contains_text(const uint8_t *data, size_t len, const char *t)
{
    size_t i, n = strlen(t);
    for (i = 0; i + n <= len; i++) {
        if (memcmp(data + i, t, n) == 0)
            return true;
    }
    return false;
}

static void test_mprof__write_round_trip(void **state)
{
    char **paths = sample_paths();
    size_t i, identical = 0;

    (void)state;
    for (i = 0; paths[i]; i++) {
        size_t len;
        uint8_t *data = load_file(paths[i], &len);
        pk_profile *p = read_ok((const char *)data, len), *back;
        pk_buf out = PK_BUF_INIT;
        pk_error err = PK_ERROR_INIT;

        assert_int_equal(pk_mprof__write(&out, p, &err), PK_OK);
        back = read_ok((const char *)out.data, out.len);
        assert_same_runs(p, back);
        /* mprof's own layout comes back byte for byte unless CHLD lines
         * were interleaved with MEM lines (the writer groups them) */
        if (!contains_text(data, len, "CHLD ")) {
            assert_int_equal(out.len, len);
            assert_memory_equal(out.data, data, len);
            identical++;
        }
        pk_profile_free(back);
        pk_profile_free(p);
        pk_buf_dispose(&out);
        free(data);
    }
    assert_true(identical >= 6);
    free_names(paths);
}

static void test_mprof__write_exact_numbers(void **state)
{
    pk_profile *p = read_str("MEM 1.23456789 1e-300\nFUNC x 1 2 3 4\nFUNC .a b 0.1 0.2 0.3 0.4 2\n");
    pk_buf out = PK_BUF_INIT;
    pk_error err = PK_ERROR_INIT;
    static const char want[] = "FUNC x 1.0000 2.0000 3.0000 4.0000\n"
                               "FUNC .a b 0.1000 0.2000 0.3000 0.4000 2\n"
                               "MEM 1.23456789 1e-300\n";

    (void)state;
    assert_int_equal(pk_mprof__write(&out, p, &err), PK_OK);
    assert_int_equal(out.len, sizeof want - 1);
    assert_memory_equal(out.data, want, out.len);
    pk_profile_free(p);
    pk_buf_dispose(&out);
}

static void test_mprof__write_needs_memory(void **state)
{
    pk_profile *p;
    pk_buf out = PK_BUF_INIT;
    pk_error err = PK_ERROR_INIT;

    (void)state;
    assert_int_equal(pk_profile_new(&p), PK_OK);
    assert_int_equal(pk_mprof__write(&out, p, &err), PK_ENODATA);
    assert_int_equal(err.code, PK_ENODATA);
    pk_profile_free(p);
    pk_buf_dispose(&out);
}

/* ---- the summary ---- */

static char *render_text(const pk_profile *p, const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    pk_error err = PK_ERROR_INIT;
    const pk_profile *one[1] = {p};
    const char *names[1] = {path};

    assert_non_null(f);
    assert_int_equal(pk_render_memory_text(f, one, names, 1, &err), PK_OK);
    fclose(f);
    return buf;
}

static void test_mprof__summary_text(void **state)
{
    pk_profile *p = read_str("FUNC m.f 10.0000 100.2000 12.5000 100.5000 0\n"
                             "FUNC m.f 12.5000 100.6000 11.0000 100.7000 0\n"
                             "CMDLINE prog a\n"
                             "MEM 10.000000 100.0000\n"
                             "MEM 20.500000 100.4000\n"
                             "CHLD 9 3.000000 100.1000\n"
                             "MEM 20.500000 100.6000\n"
                             "MEM 5.000000 101.0000\n"
                             "CHLD 9 4.000000 100.5000\n"
                             "WHAT ever\n");
    char *text = render_text(p, "run.dat");
    static const char want[] =
        "run.dat\t20.500 MiB\n"
        "  Child 9\t\t\t4.000 MiB\n"
        "\n"
        "run.dat\n"
        "\n"
        "run 1 of 1: prog a\n"
        "  start      100.0000 (epoch seconds)\n"
        "  duration   1.000 s\n"
        "  samples    4\n"
        "  peak       20.500 MiB at 0.400 s\n"
        "  child 9  peak 4.000 MiB at 0.500 s, 2 samples\n"
        "\n"
        "  function   calls    total (s) per call (s)  mem delta (MiB)    max (MiB)\n"
        "  m.f            2        0.400        0.200           +1.000       12.500\n"
        "\n"
        "  ignored 1 line of unknown kinds, as mprof does\n";

    (void)state;
    assert_string_equal(text, want);
    free(text);
    pk_profile_free(p);
}

static void test_mprof__summary_needs_memory(void **state)
{
    pk_profile *p;
    const pk_profile *one[1];
    const char *names[1] = {"x.pstats"};
    pk_error err = PK_ERROR_INIT;

    (void)state;
    assert_int_equal(pk_profile_new(&p), PK_OK);
    one[0] = p;
    assert_int_equal(pk_render_memory_json(stdout, one, names, 1, &err), PK_ENODATA);
    assert_string_equal(err.path, "x.pstats");
    pk_profile_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mprof__cursor_lines),
        cmocka_unit_test(test_mprof__cursor_nul_and_errors),
        cmocka_unit_test(test_mprof__cursor_numbers),
        cmocka_unit_test(test_mprof__each_kind),
        cmocka_unit_test(test_mprof__func_forms),
        cmocka_unit_test(test_mprof__out_of_order),
        cmocka_unit_test(test_mprof__equal_times_keep_file_order),
        cmocka_unit_test(test_mprof__appended_runs),
        cmocka_unit_test(test_mprof__appended_sample),
        cmocka_unit_test(test_mprof__samples_before_cmdline),
        cmocka_unit_test(test_mprof__crlf),
        cmocka_unit_test(test_mprof__unknown_kinds_counted),
        cmocka_unit_test(test_mprof__function_entries),
        cmocka_unit_test(test_mprof__recursion_counts_outermost_time),
        cmocka_unit_test(test_mprof__samples_parse),
        cmocka_unit_test(test_mprof__every_prefix_never_crashes),
        cmocka_unit_test(test_mprof__alloc_failures),
        cmocka_unit_test(test_mprof__bad_files),
        cmocka_unit_test(test_mprof__bad_line_numbers),
        cmocka_unit_test(test_mprof__sniff),
        cmocka_unit_test(test_mprof__write_round_trip),
        cmocka_unit_test(test_mprof__write_exact_numbers),
        cmocka_unit_test(test_mprof__write_needs_memory),
        cmocka_unit_test(test_mprof__summary_text),
        cmocka_unit_test(test_mprof__summary_needs_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
