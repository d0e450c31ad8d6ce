/*
 * pstats reader and writer (formats/marshal.c, formats/pstats.c).
 *
 * Real files from Python 2.7 and 3.6-3.13 live in tests/data/pstats, the
 * hand-made malformed ones in tests/data/bad/pstats with their expected
 * messages in expected.txt. Byte-level cases are built in code with the
 * small marshal builder below.
 *
 * Set PK_PSTATS_DUMP=DIR to also write the writer's output for the
 * hand-built profiles into DIR, for checking with Python's marshal.
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

#include <profkit/analysis.h>
#include <profkit/profile.h>

#include "buf.h"
#include "formats.h"
#include "profile_eq.h"
#include "test_files.h"

#define DATA_DIR PK_SOURCE_ROOT "/tests/data/pstats"
#define BAD_DIR PK_SOURCE_ROOT "/tests/data/bad/pstats"

/* ---- helpers: files ---- */

/* Sorted names of the samples, NULL-terminated; free with free_names. */
static char **sample_names(void)
{
    return pk_test_list(DATA_DIR, "", false, 25);
}

#define free_names pk_test_free_names

static uint8_t *load_sample(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", DATA_DIR, name);
    return pk_test_load(path, len);
}

/* ---- helpers: profiles ---- */

static int read_bytes(pk_profile **out, const void *data, size_t len, pk_error *err)
{
    pk_error_clear(err);
    assert_int_equal(pk_profile_new(out), PK_OK);
    return pk_pstats__read(*out, data, len, err);
}

/* Reads data that must be valid. */
static pk_profile *read_ok(const void *data, size_t len)
{
    pk_profile *p;
    pk_error err = PK_ERROR_INIT;
    int rc = read_bytes(&p, data, len, &err);

    if (rc != PK_OK)
        fail_msg("read failed: %s", err.msg);
    return p;
}

/* Reads data that must fail with PK_EFORMAT and this message. */
static void read_fails(const void *data, size_t len, const char *msg)
{
    pk_profile *p;
    pk_error err = PK_ERROR_INIT;

    assert_int_equal(read_bytes(&p, data, len, &err), PK_EFORMAT);
    assert_int_equal(err.code, PK_EFORMAT);
    assert_string_equal(err.format, "pstats");
    if (msg)
        assert_string_equal(err.msg, msg);
    pk_profile_free(p);
}

static bool str_is(const pk_profile *p, pk_str id, const char *s)
{
    return pk_profile_str_len(p, id) == strlen(s) &&
           memcmp(pk_profile_str(p, id), s, strlen(s)) == 0;
}

/* "<code object NAME at 0xHHHHHHHHHHHH, file "FILE", line N>"; the
 * address (unknown) is a hash of the code object. Returns the address. */
static unsigned long long code_name(const pk_profile *p, pk_str id, const char *name,
                                    const char *file, int line)
{
    char head[256], tail[256];
    const char *s = pk_profile_str(p, id);
    size_t len = pk_profile_str_len(p, id), hl, tl, i;

    snprintf(head, sizeof head, "<code object %s at 0x", name);
    snprintf(tail, sizeof tail, ", file \"%s\", line %d>", file, line);
    hl = strlen(head);
    tl = strlen(tail);
    if (len != hl + 12 + tl || memcmp(s, head, hl) != 0 ||
        memcmp(s + hl + 12, tail, tl) != 0)
        fail_msg("unexpected code object name %s", s);
    for (i = hl; i < hl + 12; i++)
        assert_non_null(strchr("0123456789abcdef", s[i]));
    return strtoull(s + hl, NULL, 16);
}

/* The index of function (file, line, name), failing the test if absent. */
static uint32_t func_index(const pk_profile *p, const char *file, int64_t line,
                           const char *name)
{
    uint32_t i;
    for (i = 0; i < pk_profile_func_count(p); i++) {
        const pk_func *f = pk_profile_func_c(p, i);
        if (f->line == line && str_is(p, f->file, file) && str_is(p, f->name, name))
            return i;
    }
    fail_msg("no function %s:%lld(%s)", file, (long long)line, name);
    return 0;
}

static const pk_func *func(const pk_profile *p, const char *file, int64_t line,
                           const char *name)
{
    return pk_profile_func_c(p, func_index(p, file, line, name));
}

static const pk_edge *edge(const pk_profile *p, uint32_t caller, uint32_t callee)
{
    uint32_t e;
    assert_true(pk_profile_edge_find(&e, p, caller, callee));
    return pk_profile_edge_c(p, e);
}

static void assert_stats(const pk_stats *s, int64_t nc, int64_t cc, double tt, double ct)
{
    assert_int_equal(s->ncalls, nc);
    assert_int_equal(s->pcalls, cc);
    assert_true(s->tottime == tt);
    assert_true(s->cumtime == ct);
}

static bool same_double(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b));
}

static bool same_stats(const pk_stats *a, const pk_stats *b)
{
    return a->ncalls == b->ncalls && a->pcalls == b->pcalls &&
           same_double(a->tottime, b->tottime) && same_double(a->cumtime, b->cumtime);
}

/* Same functions and edges at the same indices. The writer stores a code
 * object key's name as a plain string, so PK_FUNC_CODE_KEY is not kept. */
static void assert_same_profile(const pk_profile *a, const pk_profile *b)
{
    uint32_t i, mask = ~(uint32_t)PK_FUNC_CODE_KEY;

    assert_int_equal(pk_profile_func_count(a), pk_profile_func_count(b));
    assert_int_equal(pk_profile_edge_count(a), pk_profile_edge_count(b));
    for (i = 0; i < pk_profile_func_count(a); i++) {
        const pk_func *x = pk_profile_func_c(a, i), *y = pk_profile_func_c(b, i);
        assert_int_equal(x->line, y->line);
        assert_int_equal(pk_profile_str_len(a, x->file), pk_profile_str_len(b, y->file));
        assert_memory_equal(pk_profile_str(a, x->file), pk_profile_str(b, y->file),
                            pk_profile_str_len(a, x->file));
        assert_int_equal(pk_profile_str_len(a, x->name), pk_profile_str_len(b, y->name));
        assert_memory_equal(pk_profile_str(a, x->name), pk_profile_str(b, y->name),
                            pk_profile_str_len(a, x->name));
        assert_int_equal(x->flags & mask, y->flags & mask);
        assert_true(same_stats(&x->stats, &y->stats));
    }
    for (i = 0; i < pk_profile_edge_count(a); i++) {
        const pk_edge *x = pk_profile_edge_c(a, i), *y = pk_profile_edge_c(b, i);
        assert_int_equal(x->caller, y->caller);
        assert_int_equal(x->callee, y->callee);
        assert_int_equal(x->flags, y->flags);
        assert_true(same_stats(&x->stats, &y->stats));
    }
    assert_true(same_double(pk_profile_total_time(a), pk_profile_total_time(b)));
}

/* ---- helpers: a marshal builder ---- */

static void b_raw(pk_buf *b, const void *data, size_t n) { pk_buf_append(b, data, n); }
static void b_u8(pk_buf *b, unsigned v) { pk_buf_byte(b, (uint8_t)v); }
static void b_u32(pk_buf *b, uint32_t v) { pk_buf_u32le(b, v); }

static void b_int(pk_buf *b, int32_t v)      /* 'i' */
{
    b_u8(b, 'i');
    b_u32(b, (uint32_t)v);
}

static void b_float(pk_buf *b, double v)     /* 'g' */
{
    b_u8(b, 'g');
    pk_buf_f64le(b, v);
}

static void b_z(pk_buf *b, const char *s)    /* 'z' short ASCII */
{
    b_u8(b, 'z');
    b_u8(b, (unsigned)strlen(s));
    b_raw(b, s, strlen(s));
}

/* A string with a 4-byte length and the given type code. */
static void b_str(pk_buf *b, unsigned code, const char *s, size_t n)
{
    b_u8(b, code);
    b_u32(b, (uint32_t)n);
    b_raw(b, s, n);
}

static void b_key(pk_buf *b, const char *file, int32_t line, const char *name)
{
    b_raw(b, ")\x03", 2);
    b_z(b, file);
    b_int(b, line);
    b_z(b, name);
}

/* (cc, nc, tt, ct, then the callers dict follows) */
static void b_value(pk_buf *b, int32_t cc, int32_t nc, double tt, double ct)
{
    b_raw(b, ")\x05", 2);
    b_int(b, cc);
    b_int(b, nc);
    b_float(b, tt);
    b_float(b, ct);
}

static void b_caller4(pk_buf *b, int32_t nc, int32_t cc, double tt, double ct)
{
    b_raw(b, ")\x04", 2);
    b_int(b, nc);
    b_int(b, cc);
    b_float(b, tt);
    b_float(b, ct);
}

/* A minimal Python 3.11 code object; co_consts and co_name are given as
 * marshalled bytes. */
static void b_code311_raw(pk_buf *b, unsigned flag, const char *file, const void *name,
                          size_t name_len, int32_t line, const void *consts,
                          size_t consts_len)
{
    int i;

    b_u8(b, 'c' | flag);
    for (i = 0; i < 5; i++)
        b_u32(b, 0);
    b_str(b, 's', "", 0);          /* co_code */
    b_raw(b, consts, consts_len);   /* co_consts */
    b_raw(b, ")\x00)\x00", 4);      /* names, localsplusnames */
    b_str(b, 's', "", 0);          /* localspluskinds */
    b_z(b, file);
    b_raw(b, name, name_len);       /* co_name */
    b_z(b, "q");                    /* co_qualname */
    b_u32(b, (uint32_t)line);
    b_str(b, 's', "", 0);          /* linetable */
    b_str(b, 's', "", 0);          /* exceptiontable */
}

static void b_code311(pk_buf *b, unsigned flag, const char *file, const char *name,
                      int32_t line, const void *consts, size_t consts_len)
{
    pk_buf z = PK_BUF_INIT;

    b_z(&z, name);
    b_code311_raw(b, flag, file, z.data, z.len, line, consts, consts_len);
    pk_buf_dispose(&z);
}

/* ======================================================================
 * Real files
 * ====================================================================== */

static void test_pstats__samples_parse(void **state)
{
    char **names = sample_names();
    size_t i;

    (void)state;
    for (i = 0; names[i]; i++) {
        size_t len;
        uint8_t *data = load_sample(names[i], &len);
        pk_profile *p;
        pk_error err = PK_ERROR_INIT;
        int rc = read_bytes(&p, data, len, &err);

        if (rc != PK_OK)
            fail_msg("%s: %s", names[i], err.msg);
        assert_true(pk_pstats__sniff(data, len));
        assert_int_equal(pk_profile_source(p), PK_SOURCE_PSTATS);
        if (strncmp(names[i], "empty_", 6) == 0)
            assert_int_equal(pk_profile_func_count(p), 0);
        else
            assert_true(pk_profile_func_count(p) > 0);
        pk_profile_free(p);
        free(data);
    }
    free_names(names);
}

/* Numbers from python3 -c 'import marshal; print(marshal.load(...))'. */
static void test_pstats__tiny_py311_values(void **state)
{
    size_t len;
    uint8_t *data = load_sample("tiny_cprofile_py3.11.7.pstats", &len);
    pk_profile *p = read_ok(data, len);
    uint32_t module = func_index(p, "tiny.py", 1, "<module>");
    uint32_t fib = func_index(p, "tiny.py", 1, "fib");
    uint32_t mainf = func_index(p, "tiny.py", 4, "main");
    uint32_t exec = func_index(p, "~", 0, "<built-in method builtins.exec>");

    (void)state;
    assert_int_equal(pk_profile_func_count(p), 7);
    assert_int_equal(pk_profile_edge_count(p), 6);
    /* dict order */
    assert_int_equal(module, 0);
    assert_int_equal(fib, 1);
    assert_int_equal(mainf, 2);
    assert_int_equal(func_index(p, "~", 0,
                                "<method 'disable' of '_lsprof.Profiler' objects>"), 3);
    /* main tuple is (cc, nc, ...) */
    assert_stats(&pk_profile_func_c(p, fib)->stats, 15, 1, 9.765e-06, 9.765e-06);
    assert_stats(&pk_profile_func_c(p, module)->stats, 1, 1, 2.7040000000000003e-06,
                 1.9269e-05);
    assert_stats(&pk_profile_func_c(p, exec)->stats, 1, 1, 4.616e-06,
                 2.3885000000000003e-05);
    /* caller tuples are (nc, cc, ...) */
    assert_stats(&edge(p, fib, fib)->stats, 14, 2, 8.653e-06, 8.653e-06);
    assert_stats(&edge(p, mainf, fib)->stats, 1, 1, 1.1120000000000001e-06, 9.765e-06);
    assert_stats(&edge(p, exec, module)->stats, 1, 1, 2.7040000000000003e-06, 1.9269e-05);
    assert_int_equal(edge(p, fib, fib)->flags, 0);
    assert_true(pk_profile_total_time(p) == 2.4145e-05);
    pk_profile_free(p);
    free(data);
}

/* Numbers from Python 2.7's marshal.load. The file starts with main's key
 * (FORMATS.md 1.3); Python 2 itself iterates its dict in hash order. */
static void test_pstats__tiny_py27_values(void **state)
{
    size_t len;
    uint8_t *data = load_sample("tiny_cprofile_py2.7.18.pstats", &len);
    pk_profile *p = read_ok(data, len);
    uint32_t mainf = func_index(p, "tiny.py", 4, "main");
    uint32_t fib = func_index(p, "tiny.py", 1, "fib");
    uint32_t module = func_index(p, "tiny.py", 1, "<module>");

    (void)state;
    assert_int_equal(mainf, 0);
    assert_int_equal(pk_profile_func_count(p), 6);
    assert_int_equal(pk_profile_edge_count(p), 5);
    assert_stats(&pk_profile_func_c(p, fib)->stats, 15, 1, 3.9999999999999998e-06,
                 3.9999999999999998e-06);
    assert_stats(&pk_profile_func_c(p, mainf)->stats, 1, 1, 1.9999999999999999e-06,
                 7.9999999999999996e-06);
    assert_stats(&func(p, "~", 0, "<sorted>")->stats, 1, 1, 1.9999999999999999e-06,
                 1.9999999999999999e-06);
    assert_stats(&func(p, "~", 0, "<len>")->stats, 1, 1, 0.0, 0.0);
    assert_stats(&edge(p, fib, fib)->stats, 14, 2, 3.0000000000000001e-06,
                 3.0000000000000001e-06);
    assert_stats(&edge(p, mainf, fib)->stats, 1, 1, 9.9999999999999995e-07,
                 3.9999999999999998e-06);
    assert_stats(&edge(p, module, mainf)->stats, 1, 1, 1.9999999999999999e-06,
                 7.9999999999999996e-06);
    assert_int_equal(pk_profile_func_c(p, module)->flags, 0);
    pk_profile_free(p);
    free(data);
}

/* `python -m profile`: a code object as a key's name, int caller counts,
 * int zero times. */
static void test_pstats__pyprofile_code_key(void **state)
{
    static const char *const files[] = {
        "tiny_pyprofile_cli_py2.7.18.pstats", "tiny_pyprofile_cli_py3.11.7.pstats",
        "tiny_pyprofile_cli_py3.13.0.pstats", "recursion_pyprofile_py3.6.15.pstats",
        "recursion_pyprofile_py3.8.18.pstats", "recursion_pyprofile_py3.10.13.pstats",
    };
    size_t k;

    (void)state;
    for (k = 0; k < sizeof files / sizeof files[0]; k++) {
        size_t len, n = 0, counts = 0;
        uint8_t *data = load_sample(files[k], &len);
        pk_profile *p = read_ok(data, len);
        const char *file = files[k][0] == 't' ? "tiny.py" : "recursion.py";
        int line = strstr(files[k], "3.6") || strstr(files[k], "3.8") ? 5 : 1;
        uint32_t i;

        for (i = 0; i < pk_profile_func_count(p); i++) {
            const pk_func *f = pk_profile_func_c(p, i);
            if (f->flags & PK_FUNC_CODE_KEY) {
                n++;
                assert_true(str_is(p, f->file, "profile"));
                assert_int_equal(f->line, 0);
                code_name(p, f->name, "<module>", file, line);
            }
        }
        assert_int_equal(n, 1);
        for (i = 0; i < pk_profile_edge_count(p); i++) {
            const pk_edge *e = pk_profile_edge_c(p, i);
            assert_int_equal(e->flags, PK_EDGE_COUNT_ONLY);
            assert_int_equal(e->stats.ncalls, e->stats.pcalls);
            counts++;
        }
        assert_true(counts > 0);
        assert_stats(&func(p, "profile", 0, "profiler")->stats, 0, 0, 0.0, 0.0);
        pk_profile_free(p);
        free(data);
    }
}

static void test_pstats__textfloat_and_long_samples(void **state)
{
    size_t len, len3;
    uint8_t *v0 = load_sample("tiny_v0_textfloat_py3.11.7.pstats", &len);
    uint8_t *v3 = load_sample("tiny_v3_py3.11.7.pstats", &len3);
    uint8_t *lg;
    pk_profile *a = read_ok(v0, len), *b = read_ok(v3, len3), *c;

    (void)state;
    /* marshal v0 (text floats) and v3 hold the same dict */
    assert_same_profile(a, b);
    pk_profile_free(a);
    pk_profile_free(b);
    free(v0);
    free(v3);
    /* {('x.py',1,'f'): (2**31, -5, 2**40, 0.5, {})} */
    lg = load_sample("long_synth_py3.11.7.pstats", &len);
    c = read_ok(lg, len);
    assert_stats(&func(c, "x.py", 1, "f")->stats, -5, 2147483648LL, 1099511627776.0, 0.5);
    pk_profile_free(c);
    free(lg);
}

/* ======================================================================
 * Type codes, built byte by byte
 * ====================================================================== */

static void test_pstats__int64_and_long(void **state)
{
    pk_buf b = PK_BUF_INIT;
    pk_profile *p;
    static const uint8_t two31[] = {'l', 3, 0, 0, 0, 0, 0, 0, 0, 2, 0};      /* 2**31 */
    static const uint8_t minus5[] = {'l', 0xff, 0xff, 0xff, 0xff, 5, 0};     /* -5 */
    static const uint8_t min64[] = {'l', 0xfb, 0xff, 0xff, 0xff,             /* -2**63 */
                                    0, 0, 0, 0, 0, 0, 0, 0, 8, 0};
    static const uint8_t max64[] = {'l', 5, 0, 0, 0, 0xff, 0x7f, 0xff, 0x7f, /* 2**63-1 */
                                    0xff, 0x7f, 0xff, 0x7f, 7, 0};
    static const uint8_t zero[] = {'l', 0, 0, 0, 0};                          /* 0 */

    (void)state;
    b_u8(&b, '{');
    b_raw(&b, ")\x03", 2);
    b_z(&b, "a.py");
    b_raw(&b, minus5, sizeof minus5);                        /* line */
    b_z(&b, "f");
    b_raw(&b, ")\x05", 2);
    b_raw(&b, two31, sizeof two31);                          /* cc */
    b_raw(&b, "I\x00\xf2\x05\x2a\x01\x00\x00\x00", 9);       /* nc: INT64 5000000000 */
    b_raw(&b, max64, sizeof max64);                          /* tt: an int */
    b_raw(&b, zero, sizeof zero);                            /* ct */
    b_u8(&b, '{');
    b_key(&b, "b.py", 1, "g");
    b_raw(&b, min64, sizeof min64);                          /* count-only caller */
    b_raw(&b, "00", 2);
    assert_false(b.failed);
    p = read_ok(b.data, b.len);
    assert_stats(&func(p, "a.py", -5, "f")->stats, 5000000000LL, 2147483648LL,
                 9223372036854775807.0, 0.0);
    assert_int_equal(pk_profile_edge_c(p, 0)->stats.ncalls, INT64_MIN);
    assert_int_equal(pk_profile_edge_c(p, 0)->flags, PK_EDGE_COUNT_ONLY);
    pk_profile_free(p);
    pk_buf_dispose(&b);
}

static void test_pstats__text_float(void **state)
{
    static const char *const texts[] = {"0.25", "1e-05", "-3.5E+2", "inf", "-inf", "nan",
                                        "7"};
    static const double values[] = {0.25, 1e-05, -350.0, (double)INFINITY,
                                    -(double)INFINITY, (double)NAN, 7.0};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        pk_buf b = PK_BUF_INIT;
        pk_profile *p;
        double tt;

        b_u8(&b, '{');
        b_key(&b, "a.py", 1, "f");
        b_raw(&b, ")\x05", 2);
        b_int(&b, 1);
        b_int(&b, 1);
        b_u8(&b, 'f');
        b_u8(&b, (unsigned)strlen(texts[i]));
        b_raw(&b, texts[i], strlen(texts[i]));
        b_float(&b, 0.5);
        b_raw(&b, "{00", 3);
        p = read_ok(b.data, b.len);
        tt = pk_profile_func_c(p, 0)->stats.tottime;
        assert_true(same_double(tt, values[i]));
        pk_profile_free(p);
        pk_buf_dispose(&b);
    }
}

/* FLAG_REF on ints, floats and tuples, and TYPE_REF to each. */
static void test_pstats__flag_ref(void **state)
{
    pk_buf b = PK_BUF_INIT;
    pk_profile *p;
    uint32_t f, g;

    (void)state;
    b_u8(&b, '{');                               /* not flagged: no slot */
    b_raw(&b, "\xa9\x03", 2);                    /* ref 0: key tuple */
    b_raw(&b, "\xfa\x04" "a.py", 6);             /* ref 1 */
    b_raw(&b, "\xe9\x07\x00\x00\x00", 5);        /* ref 2: int 7 */
    b_raw(&b, "\xfa\x01" "f", 3);                /* ref 3 */
    b_raw(&b, ")\x05", 2);
    b_raw(&b, "\xe9\x03\x00\x00\x00", 5);        /* ref 4: cc = 3 */
    b_raw(&b, "r\x02\x00\x00\x00", 5);           /* nc = ref 2 = 7 */
    b_u8(&b, 'g' | 0x80);                        /* ref 5: tt = 0.75 */
    pk_buf_f64le(&b, 0.75);
    b_raw(&b, "r\x05\x00\x00\x00", 5);           /* ct = ref 5 */
    b_u8(&b, '{');
    b_raw(&b, "r\x00\x00\x00\x00", 5);           /* caller = ref 0 (itself) */
    b_raw(&b, ")\x04", 2);
    b_raw(&b, "r\x04\x00\x00\x00", 5);           /* nc = 3 */
    b_raw(&b, "\xd4", 1);                        /* flagged True: no slot */
    b_raw(&b, "r\x05\x00\x00\x00", 5);
    b_raw(&b, "\xf2\x05\x00\x00\x00", 5);        /* flagged ref: no slot */
    b_u8(&b, '0');
    b_raw(&b, ")\x03", 2);                       /* second key reuses strings */
    b_raw(&b, "r\x01\x00\x00\x00", 5);
    b_raw(&b, "i\x09\x00\x00\x00", 5);
    b_raw(&b, "\xfa\x01" "g", 3);                /* ref 6 (not 7 or 8) */
    b_raw(&b, ")\x05", 2);
    b_int(&b, 1);
    b_int(&b, 1);
    b_float(&b, 0.0);
    b_float(&b, 0.0);
    b_u8(&b, '{');
    b_raw(&b, "r\x00\x00\x00\x00", 5);
    b_raw(&b, "r\x02\x00\x00\x00", 5);           /* count-only caller: 7 */
    b_u8(&b, 0xb0);                              /* flagged NULL ends a dict too */
    b_raw(&b, ")\x03" "r\x01\x00\x00\x00" "i\x01\x00\x00\x00" "r\x06\x00\x00\x00", 17);
    b_value(&b, 2, 2, 0.0, 0.0);
    b_raw(&b, "{00", 3);
    p = read_ok(b.data, b.len);
    f = func_index(p, "a.py", 7, "f");
    g = func_index(p, "a.py", 9, "g");
    assert_stats(&pk_profile_func_c(p, f)->stats, 7, 3, 0.75, 0.75);
    assert_stats(&edge(p, f, f)->stats, 3, 1, 0.75, 0.75);
    assert_stats(&edge(p, f, g)->stats, 7, 7, 0.0, 0.0);
    assert_int_equal(edge(p, f, g)->flags, PK_EDGE_COUNT_ONLY);
    assert_int_equal(func_index(p, "a.py", 1, "g"), 2);
    assert_int_equal(pk_profile_func_count(p), 3);
    pk_profile_free(p);
    pk_buf_dispose(&b);
}

/* Python 2: '(' tuples, 's' and 't' strings, 'R' into the 't' table. */
static void test_pstats__python2_stringref(void **state)
{
    pk_buf b = PK_BUF_INIT;
    pk_profile *p;
    uint32_t f, g;

    (void)state;
    b_u8(&b, '{');
    b_raw(&b, "(\x03\x00\x00\x00", 5);
    b_str(&b, 's', "a.py", 4);
    b_int(&b, 1);
    b_str(&b, 't', "main", 4);                   /* string 0 */
    b_raw(&b, "(\x05\x00\x00\x00", 5);
    b_int(&b, 1);
    b_int(&b, 1);
    b_float(&b, 0.5);
    b_float(&b, 0.5);
    b_u8(&b, '{');
    b_raw(&b, "(\x03\x00\x00\x00", 5);
    b_str(&b, 't', "b.py", 4);                   /* string 1 */
    b_int(&b, 2);
    b_str(&b, 'u', "caller", 6);
    b_raw(&b, "(\x04\x00\x00\x00", 5);
    b_int(&b, 1);
    b_int(&b, 1);
    b_float(&b, 0.25);
    b_float(&b, 0.25);
    b_u8(&b, '0');
    b_raw(&b, "(\x03\x00\x00\x00", 5);
    b_raw(&b, "R\x01\x00\x00\x00", 5);           /* "b.py" */
    b_int(&b, 3);
    b_raw(&b, "R\x00\x00\x00\x00", 5);           /* "main" */
    b_raw(&b, "(\x05\x00\x00\x00", 5);
    b_int(&b, 2);
    b_int(&b, 2);
    b_float(&b, 0.0);
    b_float(&b, 0.0);
    b_raw(&b, "{00", 3);
    p = read_ok(b.data, b.len);
    f = func_index(p, "a.py", 1, "main");
    g = func_index(p, "b.py", 3, "main");
    assert_int_equal(f, 0);
    assert_int_equal(g, 1);
    g = func_index(p, "b.py", 2, "caller");
    assert_stats(&edge(p, g, f)->stats, 1, 1, 0.25, 0.25);
    pk_profile_free(p);
    pk_buf_dispose(&b);
}

/* Every string type; non-ASCII kept byte for byte, except the one-byte
 * (Latin-1) types, which CPython reads as code points U+0080..U+00FF. */
static void test_pstats__string_types(void **state)
{
    pk_buf b = PK_BUF_INIT;
    pk_profile *p;
    char longname[300];
    static const char surrogate[] = "bad\xed\xb3\xbfname.py";   /* U+DCFF */

    (void)state;
    memset(longname, 'x', sizeof longname);
    b_u8(&b, '{');
    b_raw(&b, ")\x03", 2);
    b_str(&b, 'u', surrogate, sizeof surrogate - 1);
    b_int(&b, 1);
    b_str(&b, 'a', longname, sizeof longname);
    b_value(&b, 1, 1, 0.0, 0.0);
    b_raw(&b, "{0", 2);
    b_raw(&b, ")\x03", 2);
    b_str(&b, 'A', "r\xe9sum\xe9.py", 9);                     /* Latin-1 é */
    b_int(&b, 2);
    b_raw(&b, "Z\x01g", 3);
    b_value(&b, 1, 1, 0.0, 0.0);
    b_raw(&b, "{0", 2);
    b_raw(&b, ")\x03", 2);
    b_str(&b, 't', "\xc3\xbcn\xc3\xaf.py", 8);                /* UTF-8 ünï */
    b_int(&b, 3);
    b_raw(&b, "z\x02h\xff", 4);                               /* Latin-1 ÿ */
    b_value(&b, 1, 1, 0.0, 0.0);
    b_raw(&b, "{00", 3);
    p = read_ok(b.data, b.len);
    assert_int_equal(pk_profile_str_len(p, pk_profile_func_c(p, 0)->file),
                     sizeof surrogate - 1);
    assert_memory_equal(pk_profile_str(p, pk_profile_func_c(p, 0)->file), surrogate,
                        sizeof surrogate - 1);
    assert_int_equal(pk_profile_str_len(p, pk_profile_func_c(p, 0)->name), 300);
    func(p, "r\xc3\xa9sum\xc3\xa9.py", 2, "g");
    func(p, "\xc3\xbcn\xc3\xaf.py", 3, "h\xc3\xbf");
    pk_profile_free(p);
    pk_buf_dispose(&b);
}

/* Python 2 byte strings that are not UTF-8 (a Latin-1 file name): each
 * stray byte becomes U+DC80 + byte, as Python 3 reads the name. A cut
 * sequence escapes byte by byte; valid UTF-8 around it is kept. */
static void test_pstats__py2_bytes_not_utf8(void **state)
{
    pk_buf b = PK_BUF_INIT;
    pk_profile *p;

    (void)state;
    b_u8(&b, '{');
    b_raw(&b, "(\x03\x00\x00\x00", 5);
    b_str(&b, 's', "lat\xe9n/m.py", 10);                       /* Latin-1 é */
    b_int(&b, 1);
    b_str(&b, 't', "f\xe9\x80\xc3\xa9", 5);                    /* cut, then é */
    b_value(&b, 1, 1, 0.0, 0.0);
    b_raw(&b, "{0", 2);
    b_raw(&b, "(\x03\x00\x00\x00", 5);
    b_str(&b, 's', "\xff", 1);
    b_int(&b, 2);
    b_str(&b, 's', "g", 1);
    b_value(&b, 1, 1, 0.0, 0.0);
    b_raw(&b, "{00", 3);
    p = read_ok(b.data, b.len);
    func(p, "lat\xed\xb3\xa9n/m.py", 1, "f\xed\xb3\xa9\xed\xb2\x80\xc3\xa9");
    func(p, "\xed\xb3\xbf", 2, "g");
    pk_profile_free(p);
    pk_buf_dispose(&b);
}

/* bool is an int in Python, so pstats would count True as 1. */
static void test_pstats__bools_as_ints(void **state)
{
    pk_buf b = PK_BUF_INIT;
    pk_profile *p;

    (void)state;
    b_u8(&b, '{');
    b_raw(&b, ")\x03", 2);
    b_z(&b, "a.py");
    b_u8(&b, 'T');
    b_z(&b, "f");
    b_raw(&b, ")\x05" "TFTF", 6);
    b_raw(&b, "{00", 3);
    p = read_ok(b.data, b.len);
    assert_stats(&func(p, "a.py", 1, "f")->stats, 0, 1, 1.0, 0.0);
    pk_profile_free(p);
    pk_buf_dispose(&b);
}

/* Types pstats never holds parse generically (inside a code object here)
 * but are errors where pstats needs a number. */
static void test_pstats__generic_types(void **state)
{
    static const struct { const char *bytes; size_t len; const char *found; } cases[] = {
        {"[\x01\x00\x00\x00N", 6, "a list"},
        {"<\x00\x00\x00\x00", 5, "a set"},
        {">\x01\x00\x00\x00i\x01\x00\x00\x00", 10, "a frozenset"},
        {"y\0\0\0\0\0\0\xf0?\0\0\0\0\0\0\0@", 17, "a complex"},
        {"x\x03" "1.5" "\x01" "2", 7, "a complex"},
        {"N", 1, "None"},
        {"S", 1, "StopIteration"},
        {".", 1, "Ellipsis"},
        {"s\x01\x00\x00\x00x", 6, "a byte string"},
        {"l\x05\x00\x00\x00\0\0\0\0\0\0\0\0\x10\0", 15,
         "an int outside the 64-bit range"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pk_buf b = PK_BUF_INIT, consts = PK_BUF_INIT;
        pk_profile *p;
        char msg[160];

        /* as a constant of a code object: fine */
        b_raw(&consts, "(\x01\x00\x00\x00", 5);
        b_raw(&consts, cases[i].bytes, cases[i].len);
        b_u8(&b, '{');
        b_raw(&b, ")\x03", 2);
        b_z(&b, "profile");
        b_int(&b, 0);
        b_code311(&b, 0, "x.py", "<module>", 3, consts.data, consts.len);
        b_value(&b, 1, 1, 0.0, 0.0);
        b_raw(&b, "{00", 3);
        p = read_ok(b.data, b.len);
        assert_true(pk_profile_func_c(p, 0)->flags & PK_FUNC_CODE_KEY);
        code_name(p, pk_profile_func_c(p, 0)->name, "<module>", "x.py", 3);
        pk_profile_free(p);

        /* as tottime: an error naming it */
        b.len = 0;
        b_u8(&b, '{');
        b_key(&b, "a.py", 1, "f");
        b_raw(&b, ")\x05", 2);
        b_int(&b, 1);
        b_int(&b, 1);
        b_raw(&b, cases[i].bytes, cases[i].len);
        b_float(&b, 0.0);
        b_raw(&b, "{00", 3);
        snprintf(msg, sizeof msg, "expected a number (tt), found %s at byte 29",
                 cases[i].found);
        read_fails(b.data, b.len, msg);
        pk_buf_dispose(&b);
        pk_buf_dispose(&consts);
    }
}

/* A code object referenced as a caller key, flagged, and nested in the
 * consts of another: all use the layout the first one fixed. */
static void test_pstats__code_object_refs(void **state)
{
    pk_buf b = PK_BUF_INIT, inner = PK_BUF_INIT, consts = PK_BUF_INIT;
    pk_profile *p;
    uint32_t f = 0, g;

    (void)state;
    b_code311(&inner, 0, "x.py", "inner", 2, ")\x00", 2);
    b_raw(&consts, ")\x02", 2);
    b_raw(&consts, inner.data, inner.len);
    b_u8(&consts, 'N');
    b_u8(&b, '{');
    b_raw(&b, "\xa9\x03", 2);                          /* ref 0 */
    b_z(&b, "profile");
    b_int(&b, 0);
    b_code311(&b, 0x80, "x.py", "<module>", 1, consts.data, consts.len); /* ref 1 */
    b_value(&b, 1, 1, 0.0, 0.0);
    b_raw(&b, "{0", 2);
    b_raw(&b, ")\x03", 2);
    b_z(&b, "x.py");
    b_int(&b, 1);
    b_z(&b, "g");
    b_value(&b, 1, 1, 0.0, 0.0);
    b_u8(&b, '{');
    b_raw(&b, "r\x00\x00\x00\x00", 5);                  /* the code key again */
    b_int(&b, 1);
    b_raw(&b, ")\x03", 2);
    b_z(&b, "profile");
    b_int(&b, 0);
    b_raw(&b, "r\x01\x00\x00\x00", 5);                  /* same code, new tuple */
    b_int(&b, 2);
    b_raw(&b, "00", 2);
    p = read_ok(b.data, b.len);
    assert_true(pk_profile_func_c(p, f)->flags & PK_FUNC_CODE_KEY);
    code_name(p, pk_profile_func_c(p, f)->name, "<module>", "x.py", 1);
    g = func_index(p, "x.py", 1, "g");
    assert_int_equal(pk_profile_func_count(p), 2);
    assert_int_equal(edge(p, f, g)->stats.ncalls, 2);  /* later value wins */
    assert_int_equal(pk_profile_edge_count(p), 1);
    pk_profile_free(p);
    pk_buf_dispose(&b);
    pk_buf_dispose(&inner);
    pk_buf_dispose(&consts);
}

/* Code objects are told apart by value, as Python compares them: the
 * same code marshalled differently is one key, different code another. */
static void test_pstats__code_object_identity(void **state)
{
    pk_buf b = PK_BUF_INIT;
    pk_profile *p;
    unsigned long long a1, a2;

    (void)state;
    b_u8(&b, '{');
    b_raw(&b, ")\x03", 2);
    b_z(&b, "profile");
    b_int(&b, 0);
    b_code311_raw(&b, 0, "x.py", "\xfa\x01m", 3, 1,   /* ref 0: "m" */
                  ")\x01i\x05\x00\x00\x00", 7);
    b_value(&b, 1, 1, 0.0, 0.0);
    b_raw(&b, "{0", 2);
    b_raw(&b, ")\x03", 2);                           /* same code, name by reference */
    b_z(&b, "profile");
    b_int(&b, 0);
    b_code311_raw(&b, 0x80, "x.py", "r\x00\x00\x00\x00", 5, 1,
                  "\xa9\x01\xe9\x05\x00\x00\x00", 7);   /* flags change nothing */
    b_value(&b, 2, 2, 0.0, 0.0);
    b_raw(&b, "{0", 2);
    b_raw(&b, ")\x03", 2);                           /* another constant */
    b_z(&b, "profile");
    b_int(&b, 0);
    b_code311(&b, 0, "x.py", "m", 1, ")\x01i\x06\x00\x00\x00", 7);
    b_value(&b, 3, 3, 0.0, 0.0);
    b_raw(&b, "{00", 3);
    p = read_ok(b.data, b.len);
    assert_int_equal(pk_profile_func_count(p), 2);
    a1 = code_name(p, pk_profile_func_c(p, 0)->name, "m", "x.py", 1);
    a2 = code_name(p, pk_profile_func_c(p, 1)->name, "m", "x.py", 1);
    assert_true(a1 != a2);
    assert_int_equal(pk_profile_func_c(p, 0)->stats.ncalls, 2);
    pk_profile_free(p);
    pk_buf_dispose(&b);
}

/* Nesting: a dict, key tuple, code object, then tuples in its consts. */
static void test_pstats__nesting_limit(void **state)
{
    int depth;

    (void)state;
    for (depth = 60; depth <= 62; depth++) {
        pk_buf b = PK_BUF_INIT, consts = PK_BUF_INIT;
        pk_profile *p;
        pk_error err = PK_ERROR_INIT;
        int i, rc;

        for (i = 0; i < depth; i++)
            b_raw(&consts, ")\x01", 2);
        b_u8(&consts, 'N');
        b_u8(&b, '{');
        b_raw(&b, ")\x03", 2);
        b_z(&b, "profile");
        b_int(&b, 0);
        b_code311(&b, 0, "x.py", "m", 1, consts.data, consts.len);
        b_value(&b, 1, 1, 0.0, 0.0);
        b_raw(&b, "{00", 3);
        rc = read_bytes(&p, b.data, b.len, &err);
        /* 3 levels + 61 tuples = 64 */
        assert_int_equal(rc, depth <= 61 ? PK_OK : PK_EFORMAT);
        pk_profile_free(p);
        pk_buf_dispose(&b);
        pk_buf_dispose(&consts);
    }
}

/* ======================================================================
 * Structure
 * ====================================================================== */

static void test_pstats__empty_dict(void **state)
{
    pk_profile *p;

    (void)state;
    p = read_ok("\xfb" "0", 2);
    assert_int_equal(pk_profile_func_count(p), 0);
    assert_true(pk_profile_total_time(p) == 0.0);
    assert_int_equal(pk_profile_source(p), PK_SOURCE_PSTATS);
    pk_profile_free(p);
    p = read_ok("{0", 2);
    assert_int_equal(pk_profile_func_count(p), 0);
    pk_profile_free(p);
}

/* A repeated key keeps its first position and takes the last value,
 * callers included; a repeated caller key likewise. */
static void test_pstats__duplicate_keys(void **state)
{
    pk_buf b = PK_BUF_INIT;
    pk_profile *p;
    uint32_t f, g, x, y, z;
    const uint32_t *callers;
    size_t n;

    (void)state;
    b_u8(&b, '{');
    b_key(&b, "a.py", 1, "f");
    b_value(&b, 1, 1, 100.0, 100.0);
    b_u8(&b, '{');
    b_key(&b, "x.py", 1, "x");
    b_caller4(&b, 9, 9, 9.0, 9.0);
    b_u8(&b, '0');
    b_key(&b, "a.py", 2, "g");
    b_value(&b, 2, 2, 2.0, 2.0);
    b_raw(&b, "{0", 2);
    b_key(&b, "a.py", 1, "f");                   /* again */
    b_value(&b, 3, 4, 1.0, 1.5);
    b_u8(&b, '{');
    b_key(&b, "z.py", 1, "z");
    b_caller4(&b, 1, 1, 0.5, 0.5);
    b_key(&b, "y.py", 1, "y");
    b_caller4(&b, 2, 2, 0.25, 0.25);
    b_key(&b, "z.py", 1, "z");                   /* repeated caller */
    b_int(&b, 5);
    b_raw(&b, "00", 2);
    p = read_ok(b.data, b.len);
    f = func_index(p, "a.py", 1, "f");
    g = func_index(p, "a.py", 2, "g");
    assert_int_equal(f, 0);
    assert_int_equal(g, 1);
    assert_stats(&pk_profile_func_c(p, f)->stats, 4, 3, 1.0, 1.5);
    /* x.py was a caller only in the replaced value: no function, no edge */
    for (x = 0; x < pk_profile_func_count(p); x++)
        assert_false(str_is(p, pk_profile_func_c(p, x)->file, "x.py"));
    z = func_index(p, "z.py", 1, "z");
    y = func_index(p, "y.py", 1, "y");
    assert_int_equal(pk_profile_callers(&callers, &n, p, f), PK_OK);
    assert_int_equal(n, 2);
    assert_int_equal(pk_profile_edge_c(p, callers[0])->caller, z);
    assert_int_equal(pk_profile_edge_c(p, callers[1])->caller, y);
    assert_stats(&pk_profile_edge_c(p, callers[0])->stats, 5, 5, 0.0, 0.0);
    assert_int_equal(pk_profile_edge_c(p, callers[0])->flags, PK_EDGE_COUNT_ONLY);
    /* the dict sum: f's last tt in f's first position, then g */
    assert_true(pk_profile_total_time(p) == 3.0);
    pk_profile_free(p);
    pk_buf_dispose(&b);
}

/* Callers that are not keys get functions flagged PK_FUNC_NO_ENTRY, after
 * all keys; a caller that is a key anywhere in the dict is not flagged. */
static void test_pstats__caller_only_functions(void **state)
{
    pk_buf b = PK_BUF_INIT;
    pk_profile *p;

    (void)state;
    b_u8(&b, '{');
    b_key(&b, "a.py", 1, "f");
    b_value(&b, 1, 1, 0.5, 0.5);
    b_u8(&b, '{');
    b_key(&b, "c.py", 1, "only_caller");
    b_caller4(&b, 1, 1, 0.5, 0.5);
    b_key(&b, "b.py", 1, "later_key");
    b_caller4(&b, 1, 1, 0.5, 0.5);
    b_u8(&b, '0');
    b_key(&b, "b.py", 1, "later_key");
    b_value(&b, 1, 1, 0.25, 1.0);
    b_raw(&b, "{00", 3);
    p = read_ok(b.data, b.len);
    assert_int_equal(pk_profile_func_count(p), 3);
    assert_int_equal(func_index(p, "a.py", 1, "f"), 0);
    assert_int_equal(func_index(p, "b.py", 1, "later_key"), 1);
    assert_int_equal(func_index(p, "c.py", 1, "only_caller"), 2);
    assert_int_equal(pk_profile_func_c(p, 0)->flags, 0);
    assert_int_equal(pk_profile_func_c(p, 1)->flags, 0);
    assert_int_equal(pk_profile_func_c(p, 2)->flags, PK_FUNC_NO_ENTRY);
    assert_stats(&pk_profile_func_c(p, 2)->stats, 0, 0, 0.0, 0.0);
    assert_true(pk_profile_total_time(p) == 0.75);
    pk_profile_free(p);
    pk_buf_dispose(&b);
}

/* Σtt in file order: (1e16 + 1) - 1e16 is 0 in doubles, not 1. */
static void test_pstats__total_time_order(void **state)
{
    static const double tts[] = {1e16, 1.0, -1e16};
    pk_buf b = PK_BUF_INIT;
    pk_profile *p;
    int i;

    (void)state;
    b_u8(&b, '{');
    for (i = 0; i < 3; i++) {
        b_key(&b, "a.py", i, "f");
        b_value(&b, 1, 1, tts[i], 0.0);
        b_raw(&b, "{0", 2);
    }
    b_u8(&b, '0');
    p = read_ok(b.data, b.len);
    assert_true(pk_profile_total_time(p) == 0.0);
    pk_profile_free(p);
    pk_buf_dispose(&b);
}

/* A long name shared by reference is interned once per object, and a
 * callers dict shared by many values is refused, not expanded n^2 times. */
static void test_pstats__shared_objects_stay_linear(void **state)
{
    enum { LONG_LEN = 1 << 20, CALLERS = 50000 };
    pk_buf b = PK_BUF_INIT;
    pk_profile *p;
    char *name = malloc(LONG_LEN);
    uint32_t i;

    (void)state;
    assert_non_null(name);
    memset(name, 'n', LONG_LEN);
    b_u8(&b, '{');
    b_raw(&b, ")\x03", 2);
    b_str(&b, 'a' | 0x80, name, LONG_LEN);     /* ref 0 */
    b_int(&b, 0);
    b_z(&b, "f");
    b_value(&b, 1, 1, 0.0, 0.0);
    b_u8(&b, '{');
    for (i = 0; i < CALLERS; i++) {
        b_raw(&b, ")\x03" "r\x00\x00\x00\x00", 7);
        b_int(&b, (int32_t)i + 1);
        b_z(&b, "c");
        b_int(&b, 1);
    }
    b_raw(&b, "00", 2);
    assert_false(b.failed);
    p = read_ok(b.data, b.len);
    assert_int_equal(pk_profile_edge_count(p), CALLERS);
    pk_profile_free(p);
    pk_buf_dispose(&b);
    free(name);
}

/* ======================================================================
 * Robustness
 * ====================================================================== */

static void test_pstats__every_prefix_fails(void **state)
{
    char **names = sample_names();
    size_t i;

    (void)state;
    for (i = 0; names[i]; i++) {
        size_t len;
        uint8_t *data = load_sample(names[i], &len);
        pk_test_every_prefix_fails(read_bytes, "pstats", data, len, names[i]);
        free(data);
    }
    free_names(names);
}

static void test_pstats__byte_flips_never_crash(void **state)
{
    static const uint8_t xors[] = {0x01, 0x80, 0xff, 0x40};
    char **names = sample_names();
    size_t i, pos, k;

    (void)state;
    for (i = 0; names[i]; i++) {
        size_t len;
        uint8_t *data = load_sample(names[i], &len);

        if (len <= 1500) {
            for (pos = 0; pos < len; pos++) {
                for (k = 0; k < sizeof xors; k++) {
                    pk_profile *p;
                    pk_error err = PK_ERROR_INIT;
                    int rc;

                    data[pos] ^= xors[k];
                    rc = read_bytes(&p, data, len, &err);
                    if (rc != PK_OK) {
                        assert_int_equal(rc, PK_EFORMAT);
                        assert_true(err.msg[0] != '\0');
                    }
                    pk_profile_free(p);
                    data[pos] ^= xors[k];
                }
            }
        }
        free(data);
    }
    free_names(names);
}

/* read -> write(v) -> read gives the same model, and writing that again
 * gives the same bytes. */
static void test_pstats__round_trip(void **state)
{
    static const int versions[] = {2, 4};
    char **names = sample_names();
    size_t i, v;

    (void)state;
    for (i = 0; names[i]; i++) {
        size_t len;
        uint8_t *data = load_sample(names[i], &len);
        pk_profile *orig = read_ok(data, len);

        for (v = 0; v < 2; v++) {
            pk_buf out = PK_BUF_INIT, again = PK_BUF_INIT;
            pk_error err = PK_ERROR_INIT;
            pk_profile *back;

            assert_int_equal(pk_pstats__write(&out, orig, versions[v], &err), PK_OK);
            assert_true(pk_pstats__sniff(out.data, out.len));
            back = read_ok(out.data, out.len);
            assert_same_profile(orig, back);
            assert_int_equal(pk_pstats__write(&again, back, versions[v], &err), PK_OK);
            assert_int_equal(again.len, out.len);
            assert_memory_equal(again.data, out.data, out.len);
            pk_profile_free(back);
            pk_buf_dispose(&out);
            pk_buf_dispose(&again);
        }
        pk_profile_free(orig);
        free(data);
    }
    free_names(names);
}

/* Writes the profile ctx, marshal version 4. */
static int write_case(void *ctx, pk_error *err)
{
    pk_buf out = PK_BUF_INIT;
    int rc = pk_pstats__write(&out, ctx, 4, err);

    pk_buf_dispose(&out);
    return rc;
}

static void test_pstats__alloc_failures(void **state)
{
    static const char *const files[] = {
        "tiny_cprofile_py3.11.7.pstats", "tiny_cprofile_py2.7.18.pstats",
        "tiny_pyprofile_cli_py3.11.7.pstats", "nonascii_cprofile_py3.11.7.pstats",
        "tiny_v0_textfloat_py3.11.7.pstats", "longpath_cprofile_py3.11.7.pstats",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof files / sizeof files[0]; i++) {
        size_t len;
        uint8_t *data = load_sample(files[i], &len);
        pk_profile *full = read_ok(data, len);
        pk_test_read_alloc_failures(pk_pstats__read, "pstats", data, len);
        pk_test_alloc_failures(write_case, full);
        pk_profile_free(full);
        free(data);
    }
}

/* Each file in tests/data/bad/pstats fails with the message listed for it
 * in expected.txt (file, a tab, the message). */
static void bad_file(const uint8_t *data, size_t len, const char *name, const char *message)
{
    (void)name;
    read_fails(data, len, message);
}

static void test_pstats__bad_files(void **state)
{
    (void)state;
    pk_test_each_bad_file(BAD_DIR, 30, bad_file);
}

static void test_pstats__sniff(void **state)
{
    (void)state;
    assert_true(pk_pstats__sniff((const uint8_t *)"\xfb\xa9", 2));
    assert_true(pk_pstats__sniff((const uint8_t *)"{(", 2));
    assert_true(pk_pstats__sniff((const uint8_t *)"{0", 2));
    assert_true(pk_pstats__sniff((const uint8_t *)"\xfb" "0", 2));
    assert_false(pk_pstats__sniff((const uint8_t *)"{", 1));
    assert_false(pk_pstats__sniff((const uint8_t *)"{\"a\": 1}", 8));
    assert_false(pk_pstats__sniff((const uint8_t *)"\x1f\x8b", 2));
    assert_false(pk_pstats__sniff(NULL, 0));
}

/* ======================================================================
 * Writer
 * ====================================================================== */

static uint32_t add_func(pk_profile *p, const char *file, int64_t line, const char *name,
                         uint32_t flags, int64_t cc, int64_t nc, double tt, double ct)
{
    pk_str fs, ns;
    uint32_t i;
    pk_func *f;

    assert_int_equal(pk_profile_intern(&fs, p, file, strlen(file)), PK_OK);
    assert_int_equal(pk_profile_intern(&ns, p, name, strlen(name)), PK_OK);
    assert_int_equal(pk_profile_func_get(&i, NULL, p, fs, line, ns), PK_OK);
    f = pk_profile_func(p, i);
    f->flags = flags;
    f->stats.pcalls = cc;
    f->stats.ncalls = nc;
    f->stats.tottime = tt;
    f->stats.cumtime = ct;
    return i;
}

static void add_edge(pk_profile *p, uint32_t caller, uint32_t callee, uint32_t flags,
                     int64_t nc, int64_t cc, double tt, double ct)
{
    uint32_t i;
    pk_edge *e;

    assert_int_equal(pk_profile_edge_get(&i, NULL, p, caller, callee), PK_OK);
    e = pk_profile_edge(p, i);
    e->flags = flags;
    e->stats.ncalls = nc;
    e->stats.pcalls = cc;
    e->stats.tottime = tt;
    e->stats.cumtime = ct;
}

/* f <- g (tuple), h <- f (count only); g is caller-only (NO_ENTRY). */
static pk_profile *small_profile(void)
{
    pk_profile *p;
    uint32_t f, g, h;

    assert_int_equal(pk_profile_new(&p), PK_OK);
    f = add_func(p, "a.py", 1, "f", 0, 1, 2, 0.5, 1.0);
    g = add_func(p, "b.py", 2, "g", PK_FUNC_NO_ENTRY, 0, 0, 0.0, 0.0);
    h = add_func(p, "a.py", 3, "h", 0, 1, 1, 0.25, 0.25);
    add_edge(p, g, f, 0, 2, 1, 0.5, 1.0);
    add_edge(p, f, h, PK_EDGE_COUNT_ONLY, 7, 7, 0.0, 0.0);
    return p;
}

static void dump(const char *name, const pk_buf *b)
{
    const char *dir = getenv("PK_PSTATS_DUMP");
    char path[1024];
    FILE *f;

    if (!dir)
        return;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(b->data, 1, b->len, f);
    fclose(f);
}

static void test_pstats__write_v2_bytes(void **state)
{
    pk_profile *p = small_profile();
    pk_buf out = PK_BUF_INIT, want = PK_BUF_INIT;
    pk_error err = PK_ERROR_INIT;

    (void)state;
    b_u8(&want, '{');
    b_raw(&want, "(\x03\0\0\0", 5);
    b_str(&want, 'u', "a.py", 4);
    b_int(&want, 1);
    b_str(&want, 'u', "f", 1);
    b_raw(&want, "(\x05\0\0\0", 5);
    b_int(&want, 1);
    b_int(&want, 2);
    b_float(&want, 0.5);
    b_float(&want, 1.0);
    b_u8(&want, '{');
    b_raw(&want, "(\x03\0\0\0", 5);
    b_str(&want, 'u', "b.py", 4);
    b_int(&want, 2);
    b_str(&want, 'u', "g", 1);
    b_raw(&want, "(\x04\0\0\0", 5);
    b_int(&want, 2);
    b_int(&want, 1);
    b_float(&want, 0.5);
    b_float(&want, 1.0);
    b_u8(&want, '0');
    b_raw(&want, "(\x03\0\0\0", 5);
    b_str(&want, 'u', "a.py", 4);
    b_int(&want, 3);
    b_str(&want, 'u', "h", 1);
    b_raw(&want, "(\x05\0\0\0", 5);
    b_int(&want, 1);
    b_int(&want, 1);
    b_float(&want, 0.25);
    b_float(&want, 0.25);
    b_u8(&want, '{');
    b_raw(&want, "(\x03\0\0\0", 5);
    b_str(&want, 'u', "a.py", 4);
    b_int(&want, 1);
    b_str(&want, 'u', "f", 1);
    b_int(&want, 7);
    b_raw(&want, "00", 2);
    assert_int_equal(pk_pstats__write(&out, p, 2, &err), PK_OK);
    dump("small.v2.pstats", &out);
    assert_int_equal(out.len, want.len);
    assert_memory_equal(out.data, want.data, want.len);
    pk_profile_free(p);
    pk_buf_dispose(&out);
    pk_buf_dispose(&want);
}

static void test_pstats__write_v4_bytes(void **state)
{
    pk_profile *p = small_profile();
    pk_buf out = PK_BUF_INIT, want = PK_BUF_INIT;
    pk_error err = PK_ERROR_INIT;

    (void)state;
    b_u8(&want, 0xfb);                              /* ref 0 */
    b_raw(&want, "\xa9\x03", 2);                    /* ref 1: (a.py, 1, f) */
    b_raw(&want, "\xfa\x04" "a.py", 6);             /* ref 2 */
    b_int(&want, 1);
    b_raw(&want, "\xfa\x01" "f", 3);                /* ref 3 */
    b_raw(&want, ")\x05", 2);
    b_int(&want, 1);
    b_int(&want, 2);
    b_float(&want, 0.5);
    b_float(&want, 1.0);
    b_u8(&want, '{');
    b_raw(&want, "\xa9\x03", 2);                    /* ref 4: (b.py, 2, g) */
    b_raw(&want, "\xfa\x04" "b.py", 6);             /* ref 5 */
    b_int(&want, 2);
    b_raw(&want, "\xfa\x01" "g", 3);                /* ref 6 */
    b_caller4(&want, 2, 1, 0.5, 1.0);
    b_u8(&want, '0');
    b_raw(&want, "\xa9\x03", 2);                    /* ref 7: (a.py, 3, h) */
    b_raw(&want, "r\x02\0\0\0", 5);
    b_int(&want, 3);
    b_raw(&want, "\xfa\x01" "h", 3);                /* ref 8 */
    b_raw(&want, ")\x05", 2);
    b_int(&want, 1);
    b_int(&want, 1);
    b_float(&want, 0.25);
    b_float(&want, 0.25);
    b_u8(&want, '{');
    b_raw(&want, "r\x01\0\0\0", 5);
    b_int(&want, 7);
    b_raw(&want, "00", 2);
    assert_int_equal(pk_pstats__write(&out, p, 4, &err), PK_OK);
    dump("small.v4.pstats", &out);
    assert_int_equal(out.len, want.len);
    assert_memory_equal(out.data, want.data, want.len);
    pk_profile_free(p);
    pk_buf_dispose(&out);
    pk_buf_dispose(&want);
}

/* Large ints as 'l', non-ASCII as 'u', bytes that are not UTF-8 as 's',
 * a code key as its repr string; all read back the same. */
static void test_pstats__write_odd_values(void **state)
{
    static const int versions[] = {2, 4};
    pk_profile *p;
    uint32_t a, b, c;
    size_t v;

    (void)state;
    assert_int_equal(pk_profile_new(&p), PK_OK);
    a = add_func(p, "bad\xed\xb3\xbfname.py", INT64_MIN, "r\xc3\xa9sum\xc3\xa9", 0,
                 INT64_MAX, 2147483648LL, (double)NAN, (double)INFINITY);
    b = add_func(p, "latin1\xed\xb3\xa9.py", -2147483649LL, "g", 0, -1, 0, -0.0, 1e300);
    c = add_func(p, "profile", 0, "<code object <module> at 0x0, file \"t.py\", line 1>",
                 PK_FUNC_CODE_KEY, 1, 1, 0.0, 0.0);
    pk_profile_set_total_time(p, (double)NAN); /* what the reader sums: NaN + ... */
    add_edge(p, b, a, 0, INT64_MIN, 65536LL * 65536LL, 0.5, 0.5);
    add_edge(p, c, b, PK_EDGE_COUNT_ONLY, 1LL << 40, 1LL << 40, 0.0, 0.0);
    for (v = 0; v < 2; v++) {
        pk_buf out = PK_BUF_INIT;
        pk_error err = PK_ERROR_INIT;
        pk_profile *back;
        char name[64];

        assert_int_equal(pk_pstats__write(&out, p, versions[v], &err), PK_OK);
        snprintf(name, sizeof name, "odd.v%d.pstats", versions[v]);
        dump(name, &out);
        back = read_ok(out.data, out.len);
        assert_same_profile(p, back);
        assert_int_equal(pk_profile_func_c(back, c)->flags, 0);
        pk_profile_free(back);
        pk_buf_dispose(&out);
    }
    pk_profile_free(p);
}

static bool has_bytes(const pk_buf *b, const char *needle, size_t n)
{
    size_t i;
    for (i = 0; i + n <= b->len; i++) {
        if (memcmp(b->data + i, needle, n) == 0)
            return true;
    }
    return false;
}

/* A name that is not UTF-8 (from a folded or callgrind file, say) goes out
 * as bytes ('s'); read back, its stray byte is U+DC80 + byte, as Python 3
 * reads it. */
static void test_pstats__write_name_not_utf8(void **state)
{
    pk_buf out = PK_BUF_INIT;
    pk_error err = PK_ERROR_INIT;
    pk_profile *p, *back;
    static const char raw[] = "latin1\xe9.py";

    (void)state;
    assert_int_equal(pk_profile_new(&p), PK_OK);
    add_func(p, raw, 1, "f", 0, 1, 1, 0.0, 0.0);
    assert_int_equal(pk_pstats__write(&out, p, 2, &err), PK_OK);
    assert_true(has_bytes(&out, "s\x0a\x00\x00\x00latin1\xe9.py", 15) ||
                has_bytes(&out, "\xf3\x0a\x00\x00\x00latin1\xe9.py", 15));
    back = read_ok(out.data, out.len);
    func(back, "latin1\xed\xb3\xa9.py", 1, "f");
    pk_profile_free(back);
    pk_profile_free(p);
    pk_buf_dispose(&out);
}

static void test_pstats__write_bad_version(void **state)
{
    static const int versions[] = {-1, 0, 1, 3, 5};
    pk_profile *p = small_profile();
    size_t i;

    (void)state;
    for (i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        pk_buf out = PK_BUF_INIT;
        pk_error err = PK_ERROR_INIT;
        assert_int_equal(pk_pstats__write(&out, p, versions[i], &err), PK_EINVAL);
        assert_int_equal(err.code, PK_EINVAL);
        assert_int_equal(out.len, 0);
        pk_buf_dispose(&out);
    }
    pk_profile_free(p);
}

/* ======================================================================
 * Adding files to a profile (pk_pstats__add): the same profile as
 * pk_profile_merge() of the files read alone
 * ====================================================================== */

typedef struct file_set {
    uint8_t **data;
    size_t *len;
    size_t n;
} file_set;

/* Reads files[0] and adds the others. */
static int add_files(pk_profile **out, const file_set *fs, pk_error *err)
{
    size_t i;
    int rc = pk_profile_new(out);

    if (rc != PK_OK)
        return pk_error_set(err, rc, NULL, -1, "out of memory");
    rc = pk_pstats__read(*out, fs->data[0], fs->len[0], err);

    for (i = 1; rc == PK_OK && i < fs->n; i++)
        rc = pk_pstats__add(*out, fs->data[i], fs->len[i], err);
    return rc;
}

static pk_profile *merge_files(const file_set *fs)
{
    pk_profile **alone = calloc(fs->n, sizeof *alone), *merged = NULL;
    pk_error err = PK_ERROR_INIT;
    size_t i;

    assert_non_null(alone);
    for (i = 0; i < fs->n; i++)
        alone[i] = read_ok(fs->data[i], fs->len[i]);
    assert_int_equal(pk_profile_merge(&merged, alone, fs->n, &err), PK_OK);
    for (i = 0; i < fs->n; i++)
        pk_profile_free(alone[i]);
    free(alone);
    return merged;
}

static void assert_add_is_merge(const file_set *fs, const char *what)
{
    pk_profile *added = NULL, *merged = merge_files(fs);
    pk_error err = PK_ERROR_INIT;
    char why[128];

    if (add_files(&added, fs, &err) != PK_OK)
        fail_msg("%s: adding failed: %s", what, err.msg);
    if (!pk_test_profiles_identical(added, merged, why, sizeof why))
        fail_msg("%s: adding differs from merging: %s", what, why);
    pk_profile_free(added);
    pk_profile_free(merged);
}

static void load_set(file_set *fs, char **paths)
{
    size_t n = 0;

    while (paths[n])
        n++;
    fs->data = calloc(n, sizeof *fs->data);
    fs->len = calloc(n, sizeof *fs->len);
    assert_true(fs->data && fs->len);
    for (fs->n = 0; fs->n < n; fs->n++)
        fs->data[fs->n] = pk_test_load(paths[fs->n], &fs->len[fs->n]);
}

static void free_set(file_set *fs)
{
    size_t i;

    for (i = 0; i < fs->n; i++)
        free(fs->data[i]);
    free(fs->data);
    free(fs->len);
}

/* Every real file (cProfile and profile.py, Python 2.7 to 3.13): all of
 * them added in turn, each pair of neighbours, and each file to itself. */
static void test_pstats__add_samples(void **state)
{
    char **tests_dir = pk_test_list(DATA_DIR, "", true, 25);
    char **samples = pk_test_list(PK_SOURCE_ROOT "/samples/pstats", ".pstats", true, 40);
    file_set all, part;
    size_t i, j = 0;
    char **paths;

    (void)state;
    for (i = 0; tests_dir[i]; i++)
        ;
    for (j = 0; samples[j]; j++)
        ;
    paths = calloc(i + j + 1, sizeof *paths);
    assert_non_null(paths);
    memcpy(paths, tests_dir, i * sizeof *paths);
    memcpy(paths + i, samples, j * sizeof *paths);
    load_set(&all, paths);
    assert_add_is_merge(&all, "all files");
    for (i = 0; i + 1 < all.n; i++) {
        uint8_t *data[2] = {all.data[i], all.data[i + 1]};
        size_t len[2] = {all.len[i], all.len[i + 1]};
        part.data = data;
        part.len = len;
        part.n = 2;
        assert_add_is_merge(&part, paths[i]);
        data[1] = data[0];
        len[1] = len[0];
        assert_add_is_merge(&part, paths[i]);
    }
    free_set(&all);
    free(paths);
    pk_test_free_names(tests_dir);
    pk_test_free_names(samples);
}

static void b_callers_end(pk_buf *b) { b_u8(b, '0'); }

/* Three files whose callers-only functions become stats keys later (X in
 * b, Y in c) or stay callers only (Z, Q), with keys new in each file. */
static void caller_only_files(pk_buf f[3])
{
    /* a: f <- {X, g}, g <- {Y} */
    b_u8(&f[0], '{');
    b_key(&f[0], "a.py", 1, "f");
    b_value(&f[0], 1, 2, 0.5, 1.5);
    b_u8(&f[0], '{');
    b_key(&f[0], "x.py", 1, "X");
    b_caller4(&f[0], 1, 1, 0.25, 0.75);
    b_key(&f[0], "a.py", 2, "g");
    b_caller4(&f[0], 1, 1, 0.25, 0.75);
    b_callers_end(&f[0]);
    b_key(&f[0], "a.py", 2, "g");
    b_value(&f[0], 1, 1, 0.125, 0.5);
    b_u8(&f[0], '{');
    b_key(&f[0], "y.py", 1, "Y");
    b_caller4(&f[0], 1, 1, 0.125, 0.5);
    b_callers_end(&f[0]);
    b_callers_end(&f[0]);
    /* b: h <- {Z}, X <- {}, f <- {X} */
    b_u8(&f[1], '{');
    b_key(&f[1], "b.py", 1, "h");
    b_value(&f[1], 3, 3, 0.1, 0.2);
    b_u8(&f[1], '{');
    b_key(&f[1], "z.py", 1, "Z");
    b_caller4(&f[1], 3, 3, 0.1, 0.2);
    b_callers_end(&f[1]);
    b_key(&f[1], "x.py", 1, "X");
    b_value(&f[1], 1, 1, 0.3, 0.4);
    b_raw(&f[1], "{0", 2);
    b_key(&f[1], "a.py", 1, "f");
    b_value(&f[1], 1, 1, 0.7, 0.9);
    b_u8(&f[1], '{');
    b_key(&f[1], "x.py", 1, "X");
    b_caller4(&f[1], 1, 1, 0.7, 0.9);
    b_callers_end(&f[1]);
    b_callers_end(&f[1]);
    /* c: Y <- {X}, k <- {Y, Q}, g <- {} */
    b_u8(&f[2], '{');
    b_key(&f[2], "y.py", 1, "Y");
    b_value(&f[2], 2, 2, 0.05, 0.06);
    b_u8(&f[2], '{');
    b_key(&f[2], "x.py", 1, "X");
    b_caller4(&f[2], 2, 2, 0.05, 0.06);
    b_callers_end(&f[2]);
    b_key(&f[2], "c.py", 1, "k");
    b_value(&f[2], 2, 2, 0.01, 0.02);
    b_u8(&f[2], '{');
    b_key(&f[2], "y.py", 1, "Y");
    b_caller4(&f[2], 1, 1, 0.005, 0.01);
    b_key(&f[2], "q.py", 1, "Q");
    b_caller4(&f[2], 1, 1, 0.005, 0.01);
    b_callers_end(&f[2]);
    b_key(&f[2], "a.py", 2, "g");
    b_value(&f[2], 1, 1, 0.5, 0.5);
    b_raw(&f[2], "{0", 2);
    b_callers_end(&f[2]);
}

static void test_pstats__add_caller_only(void **state)
{
    static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                    {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    static const char *const order[] = {"f", "g", "h", "X", "Y", "k", "Z", "Q"};
    pk_buf f[3] = {PK_BUF_INIT, PK_BUF_INIT, PK_BUF_INIT};
    uint8_t *data[3];
    size_t len[3], i, k;
    file_set fs = {data, len, 3};
    pk_profile *p = NULL;
    pk_error err = PK_ERROR_INIT;
    char what[32];

    (void)state;
    caller_only_files(f);
    for (i = 0; i < 6; i++) {
        for (k = 0; k < 3; k++) {
            data[k] = f[perms[i][k]].data;
            len[k] = f[perms[i][k]].len;
        }
        for (fs.n = 1; fs.n <= 3; fs.n++) {
            snprintf(what, sizeof what, "order %zu, %zu files", i, fs.n);
            assert_add_is_merge(&fs, what);
        }
    }
    /* a, b, c: keys in the order they first are keys, then callers only. */
    fs.n = 3;
    for (k = 0; k < 3; k++) {
        data[k] = f[k].data;
        len[k] = f[k].len;
    }
    assert_int_equal(add_files(&p, &fs, &err), PK_OK);
    assert_int_equal(pk_profile_func_count(p), 8);
    for (k = 0; k < 8; k++) {
        const pk_func *fn = pk_profile_func_c(p, (uint32_t)k);
        assert_true(str_is(p, fn->name, order[k]));
        assert_int_equal(fn->flags, k < 6 ? 0 : PK_FUNC_NO_ENTRY);
    }
    assert_stats(&func(p, "a.py", 1, "f")->stats, 3, 2, 0.5 + 0.7, 1.5 + 0.9);
    assert_true(pk_profile_total_time(p) == (0.5 + 0.125) + (0.1 + 0.3 + 0.7) +
                                                 (0.05 + 0.01 + 0.5));
    pk_profile_free(p);
    for (k = 0; k < 3; k++)
        pk_buf_dispose(&f[k]);
}

/* A key repeated in the file added: its last value counts, once, at the
 * first key's place; so does the last of two caller entries that name
 * one function. */
static void test_pstats__add_duplicate_keys(void **state)
{
    pk_buf a = PK_BUF_INIT, b = PK_BUF_INIT;
    uint8_t *data[2];
    size_t len[2];
    file_set fs = {data, len, 2};
    pk_profile *p = NULL;
    pk_error err = PK_ERROR_INIT;

    (void)state;
    b_u8(&a, '{');
    b_key(&a, "a.py", 1, "f");
    b_value(&a, 1, 1, 1.0, 1.0);
    b_u8(&a, '{');
    b_key(&a, "a.py", 2, "g");
    b_caller4(&a, 1, 1, 1.0, 1.0);
    b_callers_end(&a);
    b_callers_end(&a);
    b_u8(&b, '{');
    for (int rep = 0; rep < 2; rep++) {
        b_key(&b, "a.py", 1, "f");
        b_value(&b, 2 + rep, 2 + rep, 2.0 + rep, 2.0 + rep);
        b_u8(&b, '{');
        b_key(&b, "a.py", 2, "g");
        b_caller4(&b, 5, 5, 5.0, 5.0);
        b_key(&b, "a.py", 2, "g");
        b_caller4(&b, 2 + rep, 2 + rep, 2.0 + rep, 2.0 + rep);
        b_callers_end(&b);
        b_key(&b, "b.py", 1, "h");
        b_value(&b, 1, 1, 0.5, 0.5);
        b_raw(&b, "{0", 2);
    }
    b_callers_end(&b);
    data[0] = a.data;
    len[0] = a.len;
    data[1] = b.data;
    len[1] = b.len;
    assert_add_is_merge(&fs, "duplicate keys");
    assert_int_equal(add_files(&p, &fs, &err), PK_OK);
    assert_stats(&func(p, "a.py", 1, "f")->stats, 4, 4, 4.0, 4.0);
    assert_int_equal(pk_profile_edge_count(p), 1);
    assert_stats(&pk_profile_edge_c(p, 0)->stats, 4, 4, 4.0, 4.0);
    assert_true(pk_profile_total_time(p) == 1.0 + (3.0 + 0.5));
    pk_profile_free(p);
    pk_buf_dispose(&a);
    pk_buf_dispose(&b);
}

/* 'I': an int64 (Python 2's two int32, low first). */
static void b_i64(pk_buf *b, int64_t v)
{
    b_u8(b, 'I');
    b_u32(b, (uint32_t)((uint64_t)v & 0xffffffffu));
    b_u32(b, (uint32_t)((uint64_t)v >> 32));
}

/* Counts that add up beyond int64 (Python would just grow its ints) stop
 * at its ends, added or merged alike; found by fuzz_pstats_merge as
 * signed overflow. */
static void test_pstats__add_huge_counts(void **state)
{
    const int64_t big = (int64_t)1 << 62;
    pk_buf a = PK_BUF_INIT;
    uint8_t *data[3];
    size_t len[3];
    file_set fs = {data, len, 3};
    pk_profile *p = NULL;
    pk_error err = PK_ERROR_INIT;

    (void)state;
    b_u8(&a, '{');
    b_key(&a, "a.py", 1, "f");
    b_raw(&a, ")\x05", 2);
    b_i64(&a, big);
    b_i64(&a, -big);
    b_float(&a, 0.5);
    b_float(&a, 0.5);
    b_u8(&a, '{');
    b_key(&a, "a.py", 2, "g");
    b_raw(&a, ")\x04", 2);
    b_i64(&a, big);
    b_i64(&a, -big);
    b_float(&a, 0.5);
    b_float(&a, 0.5);
    b_callers_end(&a);
    b_callers_end(&a);
    data[0] = data[1] = data[2] = a.data;
    len[0] = len[1] = len[2] = a.len;
    assert_add_is_merge(&fs, "huge counts");
    assert_int_equal(add_files(&p, &fs, &err), PK_OK);
    assert_true(func(p, "a.py", 1, "f")->stats.pcalls == INT64_MAX);
    assert_true(func(p, "a.py", 1, "f")->stats.ncalls == INT64_MIN);
    assert_true(pk_profile_edge_c(p, 0)->stats.ncalls == INT64_MAX);
    assert_true(pk_profile_edge_c(p, 0)->stats.pcalls == INT64_MIN);
    pk_profile_free(p);
    pk_buf_dispose(&a);
}

static int add_caller_only_files(void *ctx, pk_error *err)
{
    pk_profile *p = NULL;
    int rc = add_files(&p, ctx, err);

    pk_profile_free(p);
    return rc;
}

static void test_pstats__add_alloc_failures(void **state)
{
    pk_buf f[3] = {PK_BUF_INIT, PK_BUF_INIT, PK_BUF_INIT};
    uint8_t *data[3];
    size_t len[3], k;
    file_set fs = {data, len, 3};

    (void)state;
    caller_only_files(f);
    for (k = 0; k < 3; k++) {
        data[k] = f[k].data;
        len[k] = f[k].len;
    }
    assert_true(pk_test_alloc_failures(add_caller_only_files, &fs) > 10);
    for (k = 0; k < 3; k++)
        pk_buf_dispose(&f[k]);
}

/* A broken file fails as it does when read alone. */
static void test_pstats__add_bad_file(void **state)
{
    size_t len, cut;
    uint8_t *data = load_sample("prog_b_cprofile_py3.11.7.pstats", &len);
    pk_profile *p;

    (void)state;
    for (cut = 1; cut < len; cut += len / 7) {
        pk_error alone = PK_ERROR_INIT, added = PK_ERROR_INIT;
        pk_profile *q = NULL;
        assert_int_equal(read_bytes(&q, data, cut, &alone), PK_EFORMAT);
        pk_profile_free(q);
        p = read_ok(data, len);
        assert_int_equal(pk_pstats__add(p, data, cut, &added), PK_EFORMAT);
        assert_string_equal(added.msg, alone.msg);
        assert_int_equal(added.offset, alone.offset);
        pk_profile_free(p);
    }
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pstats__samples_parse),
        cmocka_unit_test(test_pstats__py2_bytes_not_utf8),
        cmocka_unit_test(test_pstats__tiny_py311_values),
        cmocka_unit_test(test_pstats__tiny_py27_values),
        cmocka_unit_test(test_pstats__pyprofile_code_key),
        cmocka_unit_test(test_pstats__textfloat_and_long_samples),
        cmocka_unit_test(test_pstats__int64_and_long),
        cmocka_unit_test(test_pstats__text_float),
        cmocka_unit_test(test_pstats__flag_ref),
        cmocka_unit_test(test_pstats__python2_stringref),
        cmocka_unit_test(test_pstats__string_types),
        cmocka_unit_test(test_pstats__bools_as_ints),
        cmocka_unit_test(test_pstats__generic_types),
        cmocka_unit_test(test_pstats__code_object_refs),
        cmocka_unit_test(test_pstats__code_object_identity),
        cmocka_unit_test(test_pstats__nesting_limit),
        cmocka_unit_test(test_pstats__empty_dict),
        cmocka_unit_test(test_pstats__duplicate_keys),
        cmocka_unit_test(test_pstats__caller_only_functions),
        cmocka_unit_test(test_pstats__total_time_order),
        cmocka_unit_test(test_pstats__shared_objects_stay_linear),
        cmocka_unit_test(test_pstats__every_prefix_fails),
        cmocka_unit_test(test_pstats__byte_flips_never_crash),
        cmocka_unit_test(test_pstats__round_trip),
        cmocka_unit_test(test_pstats__alloc_failures),
        cmocka_unit_test(test_pstats__bad_files),
        cmocka_unit_test(test_pstats__sniff),
        cmocka_unit_test(test_pstats__write_v2_bytes),
        cmocka_unit_test(test_pstats__write_v4_bytes),
        cmocka_unit_test(test_pstats__write_odd_values),
        cmocka_unit_test(test_pstats__write_name_not_utf8),
        cmocka_unit_test(test_pstats__write_bad_version),
        cmocka_unit_test(test_pstats__add_samples),
        cmocka_unit_test(test_pstats__add_caller_only),
        cmocka_unit_test(test_pstats__add_duplicate_keys),
        cmocka_unit_test(test_pstats__add_huge_counts),
        cmocka_unit_test(test_pstats__add_alloc_failures),
        cmocka_unit_test(test_pstats__add_bad_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
