/*
 * The pickle machine (formats/pickle.c), the lprof reader and writer
 * (formats/lprof.c), the line part of the model (src/model/lines.c) and
 * the line-table renderers under allocation failures.
 *
 * Real files: samples/lprof (kernprof -l of samples/programs). Malformed
 * ones: tests/data/bad/lprof with their messages in expected.txt (written
 * by make_bad.py there). Byte-level cases are built here opcode by opcode
 * with the small pickle builder below, never by Python's pickle.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <profkit/lines.h>
#include <profkit/profile.h>

#include "buf.h"
#include "formats.h"
#include "test_files.h"
#include "pickle.h"
#include "utf8.h"

#define SAMPLE_DIR PK_SOURCE_ROOT "/samples/lprof"
#define PROGRAM_DIR PK_SOURCE_ROOT "/samples/programs"
#define BAD_DIR PK_SOURCE_ROOT "/tests/data/bad/lprof"

/* ======================================================================
 * Helpers: files
 * ====================================================================== */

/* Sorted names of the samples, NULL-terminated; free with free_names. */
static char **sample_names(void)
{
    return pk_test_list(SAMPLE_DIR, ".lprof", false, 4);
}

#define free_names pk_test_free_names

static uint8_t *load_sample(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", SAMPLE_DIR, name);
    return pk_test_load(path, len);
}

/* ======================================================================
 * Helpers: reading
 * ====================================================================== */

static int read_bytes(pk_profile **out, const void *data, size_t len, pk_error *err)
{
    pk_error_clear(err);
    assert_int_equal(pk_profile_new(out), PK_OK);
    return pk_lprof__read(*out, data, len, err);
}

static pk_profile *read_ok(const void *data, size_t len)
{
    pk_profile *p;
    pk_error err = PK_ERROR_INIT;

    if (read_bytes(&p, data, len, &err) != PK_OK)
        fail_msg("read failed: %s", err.msg);
    return p;
}

static void read_fails(const void *data, size_t len, int code, const char *msg)
{
    pk_profile *p;
    pk_error err = PK_ERROR_INIT;

    assert_int_equal(read_bytes(&p, data, len, &err), code);
    assert_int_equal(err.code, code);
    assert_string_equal(err.format, "lprof");
    if (msg)
        assert_string_equal(err.msg, msg);
    pk_profile_free(p);
}

/* memmem() is a GNU extension. */
static bool has_bytes(const uint8_t *hay, size_t n, const void *needle, size_t k)
{
    size_t i;
    for (i = 0; i + k <= n; i++) {
        if (memcmp(hay + i, needle, k) == 0)
            return true;
    }
    return false;
}

static bool str_is(const pk_profile *p, pk_str id, const char *s)
{
    return pk_profile_str_len(p, id) == strlen(s) &&
           memcmp(pk_profile_str(p, id), s, strlen(s)) == 0;
}

/* The i-th function with line data: key and rows. */
static const pk_line_stat *func_at(const pk_profile *p, size_t i, const char *file,
                                   int64_t line, const char *name, size_t nrows)
{
    uint32_t fi = pk_lines_func(p, i);
    const pk_func *f = pk_profile_func_c(p, fi);
    size_t n;
    const pk_line_stat *rows = pk_lines_rows(p, fi, &n);

    assert_true(str_is(p, f->file, file));
    assert_int_equal(f->line, line);
    assert_true(str_is(p, f->name, name));
    assert_true(pk_lines_has(p, fi));
    assert_int_equal(n, nrows);
    return rows;
}

static void assert_row(const pk_line_stat *r, int64_t line, int64_t hits, int64_t ticks)
{
    assert_int_equal(r->line, line);
    assert_int_equal(r->hits, hits);
    assert_true(r->ticks == ticks);
}

/* Same functions, stats, line data and unit. */
static void assert_same_lines(const pk_profile *a, const pk_profile *b)
{
    size_t i, n = pk_lines_func_count(a);

    assert_true(pk_lines_present(a) && pk_lines_present(b));
    assert_true(memcmp(&(double){pk_lines_unit(a)}, &(double){pk_lines_unit(b)}, sizeof(double)) == 0);
    assert_int_equal(pk_lines_func_count(b), n);
    assert_int_equal(pk_profile_func_count(a), pk_profile_func_count(b));
    for (i = 0; i < n; i++) {
        uint32_t fa = pk_lines_func(a, i), fb = pk_lines_func(b, i);
        const pk_func *x = pk_profile_func_c(a, fa), *y = pk_profile_func_c(b, fb);
        size_t na, nb;
        const pk_line_stat *ra = pk_lines_rows(a, fa, &na), *rb = pk_lines_rows(b, fb, &nb);

        assert_int_equal(x->line, y->line);
        assert_int_equal(pk_profile_str_len(a, x->file), pk_profile_str_len(b, y->file));
        assert_memory_equal(pk_profile_str(a, x->file), pk_profile_str(b, y->file),
                            pk_profile_str_len(a, x->file));
        assert_int_equal(pk_profile_str_len(a, x->name), pk_profile_str_len(b, y->name));
        assert_memory_equal(pk_profile_str(a, x->name), pk_profile_str(b, y->name),
                            pk_profile_str_len(a, x->name));
        assert_int_equal(x->stats.ncalls, y->stats.ncalls);
        assert_true(x->stats.tottime == y->stats.tottime || (isnan(x->stats.tottime) &&
                                                            isnan(y->stats.tottime)));
        assert_int_equal(na, nb);
        if (na)
            assert_memory_equal(ra, rb, na * sizeof *ra);
    }
}

/* ======================================================================
 * A pickle builder
 * ====================================================================== */

typedef struct pb {
    uint8_t b[16384];
    size_t n;
} pb;

static void put(pb *p, const void *data, size_t n)
{
    assert_true(p->n + n <= sizeof p->b);
    memcpy(p->b + p->n, data, n);
    p->n += n;
}

static void op(pb *p, uint8_t code)
{
    put(p, &code, 1);
}

static void le(pb *p, uint64_t v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        op(p, (uint8_t)(v >> (8 * i)));
}

/* SHORT_BINUNICODE s, then MEMOIZE. */
static void ustr(pb *p, const char *s)
{
    op(p, 0x8c);
    op(p, (uint8_t)strlen(s));
    put(p, s, strlen(s));
    op(p, 0x94);
}

static void binint1(pb *p, uint8_t v)
{
    op(p, 'K');
    op(p, v);
}

static void binint(pb *p, int32_t v)
{
    op(p, 'J');
    le(p, (uint32_t)v, 4);
}

static void long1(pb *p, const uint8_t *bytes, uint8_t n)
{
    op(p, 0x8a);
    op(p, n);
    put(p, bytes, n);
}

/* BINFLOAT, big-endian, from the double's bits. */
static void binfloat(pb *p, double v)
{
    uint64_t bits;
    int i;

    memcpy(&bits, &v, sizeof bits);
    op(p, 'G');
    for (i = 7; i >= 0; i--)
        op(p, (uint8_t)(bits >> (8 * i)));
}

/* PROTO 4/5, the class by STACK_GLOBAL, NEWOBJ, state dict, MARK,
 * 'timings', its dict and MARK: what line_profiler 4.x writes first. */
static void header(pb *p, int proto, const char *module)
{
    p->n = 0;
    op(p, 0x80);
    op(p, (uint8_t)proto);
    ustr(p, module);
    ustr(p, "LineStats");
    op(p, 0x93);
    op(p, 0x94);
    op(p, ')');
    op(p, 0x81);
    op(p, 0x94);
    op(p, '}');
    op(p, 0x94);
    op(p, '(');
    ustr(p, "timings");
    op(p, '}');
    op(p, 0x94);
    op(p, '(');
}

/* SETITEMS (timings), 'unit', BINFLOAT, SETITEMS, BUILD, STOP. */
static void tail(pb *p, double unit)
{
    op(p, 'u');
    ustr(p, "unit");
    binfloat(p, unit);
    op(p, 'u');
    op(p, 'b');
    op(p, '.');
}

/* (file, line, name) with TUPLE3, then MEMOIZE. */
static void key(pb *p, const char *file, uint8_t line, const char *name)
{
    ustr(p, file);
    binint1(p, line);
    ustr(p, name);
    op(p, 0x87);
    op(p, 0x94);
}

/* A list of one row whose time is BININT `ticks`. */
static void one_row(pb *p, uint8_t line, uint8_t hits, int32_t ticks)
{
    op(p, ']');
    op(p, 0x94);
    binint1(p, line);
    binint1(p, hits);
    binint(p, ticks);
    op(p, 0x87);
    op(p, 0x94);
    op(p, 'a');
}

/* ======================================================================
 * Opcodes, one pickle at a time
 * ====================================================================== */

/* What line_profiler 4.x under Python 3.8+ writes: protocol 5, a FRAME,
 * STACK_GLOBAL, MEMOIZE, BINGET, APPENDS, all the int sizes, BINFLOAT. */
static void test_lprof__protocol5_as_line_profiler_writes(void **state)
{
    static const uint8_t big[5] = {0x07, 0, 0, 0, 0x01}; /* 2^32 + 7 */
    pb p;
    pk_profile *prof;
    const pk_line_stat *r;
    const pk_func *f;

    (void)state;
    header(&p, 5, "line_profiler._line_profiler");
    key(&p, "a.py", 1, "f");
    op(&p, ']');
    op(&p, 0x94);
    op(&p, '(');
    binint1(&p, 2); binint1(&p, 3); op(&p, 'M'); le(&p, 700, 2); op(&p, 0x87); op(&p, 0x94);
    binint1(&p, 3); op(&p, 'M'); le(&p, 3000, 2); binint(&p, 70000); op(&p, 0x87); op(&p, 0x94);
    binint1(&p, 4); binint1(&p, 1); long1(&p, big, 5); op(&p, 0x87); op(&p, 0x94);
    op(&p, 'e');
    op(&p, 'h'); op(&p, 7); /* BINGET 'a.py' */
    binint1(&p, 10);
    ustr(&p, "g");
    op(&p, 0x87);
    op(&p, 0x94);
    one_row(&p, 11, 1, -5);
    tail(&p, 1e-9);
    {
        /* FRAME after PROTO, as CPython frames it: the rest of the file. */
        pb framed;
        framed.n = 0;
        put(&framed, p.b, 2);
        op(&framed, 0x95);
        le(&framed, p.n - 2, 8);
        put(&framed, p.b + 2, p.n - 2);
        prof = read_ok(framed.b, framed.n);
    }
    assert_true(pk_lines_present(prof));
    assert_true(pk_lines_unit(prof) == 1e-9);
    assert_int_equal(pk_profile_source(prof), PK_SOURCE_LPROF);
    assert_int_equal(pk_lines_func_count(prof), 2);
    r = func_at(prof, 0, "a.py", 1, "f", 3);
    assert_row(&r[0], 2, 3, 700);
    assert_row(&r[1], 3, 3000, 70000);
    assert_row(&r[2], 4, 1, ((int64_t)1 << 32) + 7);
    r = func_at(prof, 1, "a.py", 10, "g", 1);
    assert_row(&r[0], 11, 1, -5);
    /* derived pstats numbers: hits of the lowest line, sum of ticks * unit */
    f = pk_profile_func_c(prof, pk_lines_func(prof, 0));
    assert_int_equal(f->stats.ncalls, 3);
    assert_int_equal(f->stats.pcalls, 3);
    assert_true(f->stats.tottime == (double)(700 + 70000 + ((int64_t)1 << 32) + 7) * 1e-9);
    assert_true(f->stats.cumtime == f->stats.tottime);
    f = pk_profile_func_c(prof, pk_lines_func(prof, 1));
    assert_int_equal(f->stats.ncalls, 1);
    assert_true(f->stats.tottime == -5 * 1e-9);
    assert_true(pk_profile_total_time(prof) ==
                pk_profile_func_c(prof, pk_lines_func(prof, 0))->stats.tottime + f->stats.tottime);
    pk_profile_free(prof);
}

/* BINFLOAT is big-endian: the bytes of 1e-9 as line_profiler writes them. */
static void test_lprof__binfloat_big_endian(void **state)
{
    static const uint8_t unit_bytes[8] = {0x3e, 0x11, 0x2e, 0x0b, 0xe8, 0x26, 0xd6, 0x95};
    pb p;
    pk_profile *prof;

    (void)state;
    header(&p, 4, "line_profiler._line_profiler");
    op(&p, 'u');
    ustr(&p, "unit");
    op(&p, 'G');
    put(&p, unit_bytes, 8);
    op(&p, 'u');
    op(&p, 'b');
    op(&p, '.');
    prof = read_ok(p.b, p.n);
    assert_true(pk_lines_unit(prof) == 1e-9);
    assert_int_equal(pk_lines_func_count(prof), 0);
    assert_true(pk_lines_present(prof));
    pk_profile_free(prof);
}

static void test_lprof__class_paths(void **state)
{
    static const char *const ok[] = {"line_profiler._line_profiler",
                                      "line_profiler.line_profiler", "_line_profiler"};
    static const char *const refused[] = {"line_profiler", "line_profiler._line_profilerx", ""};
    size_t i;

    (void)state;
    for (i = 0; i < 3; i++) {
        pb p;
        pk_profile *prof;
        header(&p, 4, ok[i]);
        key(&p, "x.py", 3, "h");
        one_row(&p, 4, 2, 9);
        tail(&p, 1e-6);
        prof = read_ok(p.b, p.n);
        assert_row(func_at(prof, 0, "x.py", 3, "h", 1), 4, 2, 9);
        assert_true(pk_lines_unit(prof) == 1e-6);
        pk_profile_free(prof);
    }
    for (i = 0; i < 3; i++) {
        pb p;
        char msg[200];
        header(&p, 4, refused[i]);
        snprintf(msg, sizeof msg,
                 "refusing to load class %s.LineStats (only LineStats is allowed) at byte %zu",
                 refused[i], 2 + (3 + strlen(refused[i])) + 12);
        read_fails(p.b, p.n, PK_EFORMAT, msg);
    }
}

/* A foreign class, as an attacker's pickle names it, is refused by name
 * before anything else happens. */
static void test_lprof__foreign_class_refused(void **state)
{
    pb p;

    (void)state;
    p.n = 0;
    op(&p, 0x80); op(&p, 2);
    op(&p, 'c');
    put(&p, "os\nsystem\n", 10);
    op(&p, '(');
    op(&p, 'U'); op(&p, 2); put(&p, "id", 2);
    op(&p, 't');
    op(&p, 'R');
    op(&p, '.');
    read_fails(p.b, p.n, PK_EFORMAT,
               "refusing to load class os.system (only LineStats is allowed) at byte 2");
}

/* Python 2 era: protocol 2, GLOBAL + BINPUT, SHORT_BINSTRING and
 * BINSTRING, text INT for ints beyond 32 bits, TUPLE with MARK,
 * LONG_BINPUT, BINGET and LONG_BINGET, SETITEM. */
static void test_lprof__python2_protocol2(void **state)
{
    pb p;
    pk_profile *prof;
    const pk_line_stat *r;

    (void)state;
    p.n = 0;
    op(&p, 0x80); op(&p, 2);
    op(&p, 'c'); put(&p, "_line_profiler\nLineStats\n", 25);
    op(&p, 'q'); op(&p, 0);
    op(&p, ')');
    op(&p, 0x81);
    op(&p, 'q'); op(&p, 1);
    op(&p, '}');
    op(&p, 'q'); op(&p, 2);
    op(&p, '(');
    op(&p, 'U'); op(&p, 7); put(&p, "timings", 7);
    op(&p, 'q'); op(&p, 3);
    op(&p, '}');
    op(&p, 'r'); le(&p, 4, 4);                         /* LONG_BINPUT 4 */
    op(&p, '(');                                       /* its items */
    op(&p, '(');                                       /* key 1 with TUPLE */
    op(&p, 'T'); le(&p, 6, 4); put(&p, "mod.py", 6);   /* BINSTRING */
    op(&p, 'q'); op(&p, 5);
    op(&p, 'K'); op(&p, 1);
    op(&p, 'U'); op(&p, 3); put(&p, "run", 3);
    op(&p, 'q'); op(&p, 6);
    op(&p, 't');
    op(&p, 'q'); op(&p, 7);
    op(&p, ']');
    op(&p, 'q'); op(&p, 8);
    op(&p, '(');
    op(&p, 'K'); op(&p, 2); op(&p, 'K'); op(&p, 5);
    op(&p, 'I'); put(&p, "3000000000\n", 11);
    op(&p, 0x87);
    op(&p, 'q'); op(&p, 9);
    op(&p, 'K'); op(&p, 3); op(&p, 'K'); op(&p, 1);
    op(&p, 'I'); put(&p, "-4000000000\n", 12);
    op(&p, 0x87);
    op(&p, 'q'); op(&p, 10);
    op(&p, 'e');
    op(&p, 'h'); op(&p, 5);                            /* BINGET 'mod.py' */
    op(&p, 'K'); op(&p, 9);
    op(&p, 'j'); le(&p, 6, 4);                         /* LONG_BINGET 'run' */
    op(&p, 0x87);
    op(&p, 'q'); op(&p, 11);
    op(&p, ']');
    op(&p, 'q'); op(&p, 12);
    op(&p, 'u');
    op(&p, 'U'); op(&p, 4); put(&p, "unit", 4);
    op(&p, 'q'); op(&p, 13);
    binfloat(&p, 1e-6);
    op(&p, 'u');
    op(&p, 'b');
    op(&p, '.');
    prof = read_ok(p.b, p.n);
    assert_int_equal(pk_lines_func_count(prof), 2);
    r = func_at(prof, 0, "mod.py", 1, "run", 2);
    assert_row(&r[0], 2, 5, 3000000000LL);
    assert_row(&r[1], 3, 1, -4000000000LL);
    func_at(prof, 1, "mod.py", 9, "run", 0);
    assert_true(pk_lines_unit(prof) == 1e-6);
    pk_profile_free(prof);
}

/* Python 2's cPickle, which line_profiler 2.x pickled with: memo entries
 * numbered from 1, not 0, and objects met only once (here the key tuple)
 * left out, so the numbers have holes; BINGET reads them back. A MEMOIZE
 * after holes stores at the count of entries, as _pickle.c does. */
static void test_lprof__cpickle_memo_holes(void **state)
{
    pb p;
    pk_profile *prof;
    const pk_line_stat *r;

    (void)state;
    p.n = 0;
    op(&p, 0x80); op(&p, 2);
    op(&p, 'c'); put(&p, "_line_profiler\nLineStats\n", 25);
    op(&p, 'q'); op(&p, 1);
    op(&p, ')');
    op(&p, 0x81);
    op(&p, 'q'); op(&p, 2);
    op(&p, '}');
    op(&p, 'q'); op(&p, 3);
    op(&p, '(');
    op(&p, 'U'); op(&p, 4); put(&p, "unit", 4);
    op(&p, 'q'); op(&p, 4);
    binfloat(&p, 1e-6);
    op(&p, 'U'); op(&p, 7); put(&p, "timings", 7);
    op(&p, 'q'); op(&p, 5);
    op(&p, '}');
    op(&p, 'q'); op(&p, 6);
    op(&p, '(');
    op(&p, 'U'); op(&p, 6); put(&p, "mod.py", 6);
    op(&p, 'q'); op(&p, 9);                            /* a hole at 7 and 8 */
    op(&p, 'K'); op(&p, 1);
    op(&p, 'U'); op(&p, 3); put(&p, "run", 3);
    op(&p, 'q'); op(&p, 10);
    op(&p, 0x87);                                      /* key: not memoized */
    op(&p, ']');
    op(&p, 'q'); op(&p, 11);
    op(&p, '(');
    op(&p, 'K'); op(&p, 2); op(&p, 'K'); op(&p, 5); op(&p, 'K'); op(&p, 40);
    op(&p, 0x87);
    op(&p, 'e');
    op(&p, 'h'); op(&p, 9);                            /* BINGET 'mod.py' */
    op(&p, 'K'); op(&p, 7);
    op(&p, 'h'); op(&p, 10);                           /* BINGET 'run' */
    op(&p, 0x87);
    op(&p, ']');
    op(&p, 0x94);                                      /* MEMOIZE: entry 9 again */
    op(&p, 'u');
    op(&p, 'u');
    op(&p, 'b');
    op(&p, '.');
    prof = read_ok(p.b, p.n);
    assert_int_equal(pk_lines_func_count(prof), 2);
    r = func_at(prof, 0, "mod.py", 1, "run", 1);
    assert_row(&r[0], 2, 5, 40);
    func_at(prof, 1, "mod.py", 7, "run", 0);
    assert_true(pk_lines_unit(prof) == 1e-6);
    pk_profile_free(prof);
}

/* One row whose time is given by `ticks` (opcode and payload); returns
 * the read status, and the time in *out when it worked. */
static int read_ticks(int64_t *out, const uint8_t *ticks, size_t n, char *msg, size_t msg_len)
{
    pb p;
    pk_profile *prof;
    pk_error err = PK_ERROR_INIT;
    int rc;

    header(&p, 5, "line_profiler._line_profiler");
    key(&p, "t.py", 1, "t");
    op(&p, ']');
    op(&p, 0x94);
    binint1(&p, 2);
    binint1(&p, 1);
    put(&p, ticks, n);
    op(&p, 0x87);
    op(&p, 0x94);
    op(&p, 'a');
    tail(&p, 1e-9);
    rc = read_bytes(&prof, p.b, p.n, &err);
    if (rc == PK_OK) {
        size_t nrows;
        *out = pk_lines_rows(prof, pk_lines_func(prof, 0), &nrows)[0].ticks;
    }
    snprintf(msg, msg_len, "%s", err.msg);
    pk_profile_free(prof);
    return rc;
}

static void test_lprof__long1_long4_and_text_ints(void **state)
{
    static const struct {
        uint8_t bytes[20];
        size_t n;
        bool fits;
        int64_t value;
    } cases[] = {
        {{0x8a, 0}, 2, true, 0},
        {{0x8a, 1, 0xff}, 3, true, -1},
        {{0x8a, 2, 0x00, 0x80}, 4, true, -32768},
        {{0x8a, 5, 0x07, 0, 0, 0, 0x01}, 7, true, ((int64_t)1 << 32) + 7},
        {{0x8a, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, 10, true, INT64_MAX},
        {{0x8a, 8, 0, 0, 0, 0, 0, 0, 0, 0x80}, 10, true, INT64_MIN},
        {{0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0x80, 0xff}, 11, true, INT64_MIN},
        {{0x8a, 9, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00}, 11, true, INT64_MAX},
        {{0x8a, 9, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00}, 11, false, 0},
        {{0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0xff}, 11, false, 0},
        {{0x8a, 10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 12, false, 0},
        {{0x8b, 5, 0, 0, 0, 0x07, 0, 0, 0, 0x01}, 10, true, ((int64_t)1 << 32) + 7},
        {{'J', 0xfe, 0xff, 0xff, 0xff}, 5, true, -2},
        {{'I', '9', '2', '2', '3', '3', '7', '2', '0', '3', '6', '8', '5', '4', '7', '7', '\n'},
         17, true, 922337203685477LL},
        {{'I', '-', '1', '2', '\n'}, 5, true, -12},
        {{'I', '9', '9', '9', '9', '9', '9', '9', '9', '9', '9', '9', '9', '9', '9', '9', '\n'},
         17, true, 999999999999999LL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t v = 0;
        char msg[256];
        int rc = read_ticks(&v, cases[i].bytes, cases[i].n, msg, sizeof msg);
        if (cases[i].fits) {
            if (rc != PK_OK)
                fail_msg("case %zu: %s", i, msg);
            assert_true(v == cases[i].value);
        } else {
            assert_int_equal(rc, PK_EFORMAT);
            assert_non_null(strstr(msg, "time does not fit in 64 bits"));
        }
    }
}

static void test_lprof__int_text_errors(void **state)
{
    static const struct {
        const char *text;
        const char *msg;
    } cases[] = {
        {"I9223372036854775808\n", "time does not fit in 64 bits"},
        {"I-99999999999999999999\n", "time does not fit in 64 bits"},
        {"I01\n", "expected an int (time), found a bool"},
        {"I12x\n", "bad pickle INT text '12x'"},
        {"I\n", "bad pickle INT text ''"},
        {"I12", "truncated pickle INT text"},
        {"I1234567890123456789012345678901234567890123456789012345678901234567890\n",
         "pickle INT text longer than 63 bytes"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t v;
        char msg[256];
        assert_int_equal(read_ticks(&v, (const uint8_t *)cases[i].text, strlen(cases[i].text),
                                    msg, sizeof msg),
                         PK_EFORMAT);
        if (!strstr(msg, cases[i].msg))
            fail_msg("case %zu: '%s' lacks '%s'", i, msg, cases[i].msg);
    }
}

/* The rest of the data opcodes: NONE, NEWTRUE, NEWFALSE, POP, POP_MARK,
 * DUP, TUPLE1, TUPLE2, LIST, DICT, BINUNICODE, BINUNICODE8, the bytes
 * opcodes; unknown attributes of the object are ignored. */
static void test_lprof__other_data_opcodes(void **state)
{
    pb p;
    pk_profile *prof;
    const pk_line_stat *r;

    (void)state;
    p.n = 0;
    op(&p, 0x80); op(&p, 4);
    ustr(&p, "line_profiler.line_profiler");
    ustr(&p, "LineStats");
    op(&p, 0x93);
    op(&p, 'N'); op(&p, '0');                         /* NONE, POP */
    op(&p, '('); op(&p, 0x88); op(&p, 0x89); op(&p, '1'); /* MARK, bools, POP_MARK */
    op(&p, '('); op(&p, '0');                         /* POP of a MARK on top */
    op(&p, ')');
    op(&p, 0x81);
    op(&p, '(');                                      /* the state with DICT */
    ustr(&p, "timings");
    op(&p, '(');                                      /* timings with DICT */
    op(&p, 'X'); le(&p, 4, 4); put(&p, "m.py", 4);    /* BINUNICODE */
    op(&p, '2');                                      /* DUP, then POP it */
    op(&p, '0');
    binint1(&p, 5);
    op(&p, 0x8d); le(&p, 2, 8); put(&p, "fn", 2);     /* BINUNICODE8 */
    op(&p, 0x87);
    op(&p, '(');                                      /* rows with LIST */
    binint1(&p, 6); binint1(&p, 2); binint1(&p, 40); op(&p, 0x87);
    binint1(&p, 7); binint1(&p, 2); binint1(&p, 60); op(&p, 0x87);
    op(&p, 'l');
    op(&p, 'd');
    ustr(&p, "unit");
    binfloat(&p, 1e-9);
    ustr(&p, "extra");
    op(&p, 'N'); op(&p, 0x85);                        /* TUPLE1 (None,) */
    op(&p, 'C'); op(&p, 1); op(&p, 'x');              /* SHORT_BINBYTES */
    op(&p, 0x86);                                     /* TUPLE2 */
    ustr(&p, "more");
    op(&p, 'B'); le(&p, 1, 4); op(&p, 'y');           /* BINBYTES */
    op(&p, 0x8e); le(&p, 1, 8); op(&p, 'z');          /* BINBYTES8 */
    op(&p, 0x86);
    op(&p, 'd');
    op(&p, 'b');
    op(&p, '.');
    prof = read_ok(p.b, p.n);
    r = func_at(prof, 0, "m.py", 5, "fn", 2);
    assert_row(&r[0], 6, 2, 40);
    assert_row(&r[1], 7, 2, 60);
    assert_true(pk_lines_unit(prof) == 1e-9);
    pk_profile_free(prof);
}

/* BUILD with a (state, slotstate) tuple, and a second BUILD: the last
 * value of an attribute wins, as in Python. */
static void test_lprof__build_twice_and_slot_state(void **state)
{
    pb p;
    pk_profile *prof;

    (void)state;
    p.n = 0;
    op(&p, 0x80); op(&p, 4);
    ustr(&p, "line_profiler._line_profiler");
    ustr(&p, "LineStats");
    op(&p, 0x93);
    op(&p, ')');
    op(&p, 0x81);
    op(&p, '}');
    ustr(&p, "unit");
    binfloat(&p, 1e-6);
    op(&p, 's');
    op(&p, 'N');
    op(&p, 0x86);                                     /* ({'unit': 1e-6}, None) */
    op(&p, 'b');
    op(&p, '}');
    op(&p, '(');
    ustr(&p, "timings");
    op(&p, '}');
    key(&p, "k.py", 2, "k");
    one_row(&p, 3, 1, 1);
    op(&p, 's');
    ustr(&p, "unit");
    binfloat(&p, 1e-9);
    op(&p, 'u');
    op(&p, 'b');
    op(&p, '.');
    prof = read_ok(p.b, p.n);
    assert_true(pk_lines_unit(prof) == 1e-9);
    func_at(prof, 0, "k.py", 2, "k", 1);
    pk_profile_free(prof);
}

/* A key given twice keeps its first place and its last rows, as a dict
 * does; rows with the same line number are all kept, in order. */
static void test_lprof__duplicate_keys_and_lines(void **state)
{
    pb p;
    pk_profile *prof;
    const pk_line_stat *r;
    const pk_func *f;

    (void)state;
    header(&p, 5, "line_profiler._line_profiler");
    key(&p, "d.py", 1, "a");
    one_row(&p, 2, 1, 100);
    key(&p, "d.py", 5, "b");
    one_row(&p, 6, 1, 7);
    key(&p, "d.py", 1, "a");
    op(&p, ']');
    op(&p, '(');
    binint1(&p, 3); binint1(&p, 4); binint1(&p, 10); op(&p, 0x87);
    binint1(&p, 2); binint1(&p, 8); binint1(&p, 20); op(&p, 0x87);
    binint1(&p, 2); binint1(&p, 9); binint1(&p, 30); op(&p, 0x87);
    op(&p, 'e');
    tail(&p, 1e-9);
    prof = read_ok(p.b, p.n);
    assert_int_equal(pk_lines_func_count(prof), 2);
    r = func_at(prof, 0, "d.py", 1, "a", 3);
    assert_row(&r[0], 3, 4, 10);
    assert_row(&r[1], 2, 8, 20);
    assert_row(&r[2], 2, 9, 30);
    func_at(prof, 1, "d.py", 5, "b", 1);
    f = pk_profile_func_c(prof, pk_lines_func(prof, 0));
    assert_int_equal(f->stats.ncalls, 9); /* the last row of the lowest line */
    assert_true(f->stats.tottime == 60 * 1e-9);
    pk_profile_free(prof);
}

static void test_lprof__machine_limits(void **state)
{
    size_t n = PK_PICKLE_MAX_STACK + 3, i;
    uint8_t *b = malloc(n + 1);
    char msg[200];

    (void)state;
    assert_non_null(b);
    b[0] = 0x80;
    b[1] = 4;
    for (i = 2; i <= n; i++)
        b[i] = 'N';
    snprintf(msg, sizeof msg, "pickle stack deeper than %zu values at byte %zu",
             PK_PICKLE_MAX_STACK, PK_PICKLE_MAX_STACK + 2);
    read_fails(b, n + 1, PK_EFORMAT, msg);
    free(b);
    read_fails("\x80\x06N.", 4, PK_EUNSUPPORTED,
               "unsupported pickle protocol 6 (newest known: 5) at byte 0");
    read_fails("\x80\x04N", 3, PK_EFORMAT,
               "truncated pickle opcode (need 1 bytes, 0 left) at byte 3");
    read_fails("\x80\x04.", 3, PK_EFORMAT, "pickle stack underflow in STOP at byte 2");
    read_fails("\x80\x04N(.", 5, PK_EFORMAT, "pickle stack underflow in STOP at byte 4");
    /* DUP copies a value of the stack while the stack grows (fuzz finding) */
    b = malloc(5003);
    assert_non_null(b);
    memcpy(b, "\x80\x04N", 3);
    memset(b + 3, '2', 4999);
    b[5002] = '.';
    read_fails(b, 5003, PK_EFORMAT, "expected a LineStats object, found None at byte 2");
    free(b);
}

/* Inputs that cost a few bytes to repeat a big object must not cost
 * memory per repetition: BUILDs on one object are capped, and rows of one
 * list shared by many keys may not outnumber the file's bytes. */
static void test_lprof__repetition_bounds(void **state)
{
    pb p;
    size_t i, at = 0;
    char msg[200];

    (void)state;
    p.n = 0;
    op(&p, 0x80); op(&p, 4);
    ustr(&p, "line_profiler._line_profiler");
    ustr(&p, "LineStats");
    op(&p, 0x93);
    op(&p, ')');
    op(&p, 0x81);
    op(&p, '}');
    op(&p, 0x94); /* memo 2: the state dict */
    op(&p, 'b');
    for (i = 0; i < 8; i++) {
        op(&p, 'h'); op(&p, 2);
        at = p.n;
        op(&p, 'b');
    }
    snprintf(msg, sizeof msg, "more than 8 BUILDs on one object at byte %zu", at);
    read_fails(p.b, p.n, PK_EFORMAT, msg);

    header(&p, 4, "line_profiler._line_profiler");
    key(&p, "s.py", 1, "k0");
    at = p.n;
    op(&p, ']');
    op(&p, 'r'); le(&p, 9, 4); /* LONG_BINPUT 9: the shared list */
    op(&p, '(');
    for (i = 0; i < 100; i++) {
        binint1(&p, (uint8_t)(i + 2)); binint1(&p, 1); binint1(&p, 1); op(&p, 0x87);
    }
    op(&p, 'e');
    for (i = 1; i < 400; i++) {
        ustr(&p, "s.py");
        op(&p, 'M'); le(&p, i + 1, 2);
        ustr(&p, "k");
        op(&p, 0x87);
        op(&p, 'j'); le(&p, 9, 4);
    }
    tail(&p, 1e-9);
    assert_true(p.n < 400 * 100); /* fewer bytes than the 40000 rows the keys name */
    snprintf(msg, sizeof msg, "more line entries than the file has bytes (lists shared "
             "between functions) at byte %zu", at);
    read_fails(p.b, p.n, PK_EFORMAT, msg);
}

/* ======================================================================
 * The pickle machine directly
 * ====================================================================== */

static void test_lprof__pickle_values(void **state)
{
    static const pk_pclass none[] = {{"m", "C"}};
    /* [1, 'é', b'x', (True, None), {2: 3.5}] */
    static const uint8_t data[] = {
        0x80, 0x04, ']', '(', 'K', 1, 0x8c, 2, 0xc3, 0xa9, 'C', 1, 'x',
        0x88, 'N', 0x86, '}', 'K', 2, 'G', 0x40, 0x0c, 0, 0, 0, 0, 0, 0, 's', 'e', '.'};
    pk_pickle pk;
    pk_pval top;
    pk_error err = PK_ERROR_INIT;
    const pk_pval *t, *d;
    char buf[32];

    (void)state;
    pk_pickle__init(&pk, data, sizeof data, "pickle", none, 1, &err);
    assert_int_equal(pk_pickle__load(&top, &pk), PK_OK);
    assert_int_equal(top.kind, PK_P_LIST);
    assert_int_equal(pk_pickle__len(&pk, &top), 5);
    assert_int_equal(pk_pickle__item(&pk, &top, 0)->u.i, 1);
    assert_true(pk_pickle__str_is(pk_pickle__item(&pk, &top, 1), "\xc3\xa9"));
    assert_int_equal(pk_pickle__item(&pk, &top, 2)->kind, PK_P_BYTES);
    t = pk_pickle__item(&pk, &top, 3);
    assert_string_equal(pk_pickle__describe(buf, sizeof buf, t), "a 2-tuple");
    assert_int_equal(pk_pickle__item(&pk, t, 0)->kind, PK_P_BOOL);
    assert_int_equal(pk_pickle__item(&pk, t, 1)->kind, PK_P_NONE);
    d = pk_pickle__item(&pk, &top, 4);
    assert_int_equal(pk_pickle__len(&pk, d), 1);
    assert_true(pk_pickle__item(&pk, d, 1)->u.f == 3.5);
    pk_pickle__dispose(&pk);
}

/* Mutation through the memo reaches the one list, as in Python. */
static void test_lprof__pickle_memo_aliases(void **state)
{
    /* l = []; [l, l.append(1) -> via BINGET] : ]q\0 h\0 K\1 a ... */
    static const uint8_t data[] = {
        0x80, 0x02, ']', 'q', 0, '0', 'h', 0, 'K', 9, 'a', '0', 'h', 0, '.'};
    pk_pickle pk;
    pk_pval top;
    pk_error err = PK_ERROR_INIT;

    (void)state;
    pk_pickle__init(&pk, data, sizeof data, "pickle", NULL, 0, &err);
    assert_int_equal(pk_pickle__load(&top, &pk), PK_OK);
    assert_int_equal(pk_pickle__len(&pk, &top), 1);
    assert_int_equal(pk_pickle__item(&pk, &top, 0)->u.i, 9);
    pk_pickle__dispose(&pk);
}

static void test_lprof__utf8_rules(void **state)
{
    (void)state;
    assert_true(pk_utf8_ok((const uint8_t *)"abc", 3));
    assert_true(pk_utf8_ok((const uint8_t *)"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9));
    assert_true(pk_utf8_ok((const uint8_t *)"\xed\xa0\x80", 3)); /* surrogatepass */
    assert_false(pk_utf8_ok((const uint8_t *)"\xc0\x80", 2));    /* overlong */
    assert_false(pk_utf8_ok((const uint8_t *)"\xe0\x80\x80", 3));
    assert_false(pk_utf8_ok((const uint8_t *)"\xf4\x90\x80\x80", 4));
    assert_false(pk_utf8_ok((const uint8_t *)"\xc3", 1));
    assert_false(pk_utf8_ok((const uint8_t *)"\xff", 1));
}

/* ======================================================================
 * Real files
 * ====================================================================== */

/* The @profile decorators of a sample program: the functions its .lprof
 * must list, never-called ones included. */
static size_t decorated_functions(const char *program)
{
    char path[1024], line[512];
    FILE *f;
    size_t n = 0;

    snprintf(path, sizeof path, "%s/%s", PROGRAM_DIR, program);
    f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        const char *s = line + strspn(line, " \t");
        n += strcmp(s, "@profile\n") == 0;
    }
    fclose(f);
    return n;
}

static void test_lprof__samples(void **state)
{
    static const struct {
        const char *file, *program, *never_called;
    } samples[] = {
        {"lines_demo.lprof", "lines_demo.py", "never_called"},
        {"lines_demo_rootpath.lprof", "lines_demo.py", "at_the_end"},
        {"lines_calc.lprof", "lines_calc.py", NULL},
        {"longpath_lines_calc.lprof", "lines_calc.py", NULL},
    };
    size_t i, k;

    (void)state;
    for (i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        size_t len, n, empty = 0;
        uint8_t *data = load_sample(samples[i].file, &len);
        pk_profile *p = read_ok(data, len);

        assert_true(pk_lprof__sniff(data, len));
        assert_true(pk_lines_unit(p) == 1e-9); /* line_profiler 4.x on Linux */
        n = pk_lines_func_count(p);
        assert_int_equal(n, decorated_functions(samples[i].program));
        assert_int_equal(pk_profile_func_count(p), n);
        for (k = 0; k < n; k++) {
            uint32_t fi = pk_lines_func(p, k);
            size_t nrows, r;
            const pk_line_stat *rows = pk_lines_rows(p, fi, &nrows);
            const pk_func *f = pk_profile_func_c(p, fi);
            if (nrows == 0) {
                empty++;
                assert_true(samples[i].never_called != NULL);
                assert_int_equal(f->stats.ncalls, 0);
            }
            for (r = 0; r < nrows; r++) {
                /* rows lie in the body, below the decorator line */
                assert_true(rows[r].line > f->line);
                assert_true(rows[r].hits > 0);
                assert_true(r == 0 || rows[r].line > rows[r - 1].line);
            }
        }
        assert_int_equal(empty, samples[i].never_called ? 2 : 0);
        pk_profile_free(p);
        free(data);
    }
}

static void test_lprof__every_prefix_fails(void **state)
{
    char **names = sample_names();
    size_t i;

    (void)state;
    for (i = 0; names[i]; i++) {
        size_t len;
        uint8_t *data = load_sample(names[i], &len);
        pk_test_every_prefix_fails(read_bytes, "lprof", data, len, names[i]);
        free(data);
    }
    free_names(names);
}

static void test_lprof__byte_flips_never_crash(void **state)
{
    static const uint8_t xors[] = {0x01, 0x80, 0xff, 0x10};
    char **names = sample_names();
    size_t i, pos, k;

    (void)state;
    for (i = 0; names[i]; i++) {
        size_t len;
        uint8_t *data = load_sample(names[i], &len);

        for (pos = 0; pos < len; pos++) {
            for (k = 0; k < sizeof xors; k++) {
                pk_profile *p;
                pk_error err = PK_ERROR_INIT;
                int rc;

                data[pos] ^= xors[k];
                rc = read_bytes(&p, data, len, &err);
                if (rc != PK_OK) {
                    assert_true(rc == PK_EFORMAT || rc == PK_EUNSUPPORTED);
                    assert_true(err.msg[0] != '\0');
                }
                pk_profile_free(p);
                data[pos] ^= xors[k];
            }
        }
        free(data);
    }
    free_names(names);
}

/* read -> write -> read gives the same model; the writer's bytes are the
 * sample's own after the PROTO byte (CPython writes protocol 5 and we 4,
 * the rest is the same), and writing again gives the same bytes. */
static void test_lprof__round_trip(void **state)
{
    char **names = sample_names();
    size_t i;

    (void)state;
    for (i = 0; names[i]; i++) {
        size_t len;
        uint8_t *data = load_sample(names[i], &len);
        pk_profile *orig = read_ok(data, len), *back;
        pk_buf out = PK_BUF_INIT, again = PK_BUF_INIT;
        pk_error err = PK_ERROR_INIT;

        assert_int_equal(pk_lprof__write(&out, orig, &err), PK_OK);
        assert_int_equal(out.len, len);
        assert_int_equal(out.data[0], 0x80);
        assert_int_equal(out.data[1], 4);
        assert_memory_equal(out.data + 2, data + 2, len - 2);
        assert_true(pk_lprof__sniff(out.data, out.len));
        back = read_ok(out.data, out.len);
        assert_same_lines(orig, back);
        assert_int_equal(pk_lprof__write(&again, back, &err), PK_OK);
        assert_int_equal(again.len, out.len);
        assert_memory_equal(again.data, out.data, out.len);
        pk_profile_free(back);
        pk_profile_free(orig);
        pk_buf_dispose(&out);
        pk_buf_dispose(&again);
        free(data);
    }
    free_names(names);
}

/* ======================================================================
 * Writer
 * ====================================================================== */

static uint32_t add_func(pk_profile *p, const char *file, size_t flen, int64_t line,
                         const char *name)
{
    pk_str f, n;
    uint32_t fi;

    assert_int_equal(pk_profile_intern(&f, p, file, flen), PK_OK);
    assert_int_equal(pk_profile_intern(&n, p, name, strlen(name)), PK_OK);
    assert_int_equal(pk_profile_func_get(&fi, NULL, p, f, line, n), PK_OK);
    return fi;
}

/* CPython's layout for one function with one row: SETITEM and APPEND. */
static void test_lprof__write_bytes(void **state)
{
    static const pk_line_stat row = {2, 1, 300};
    pk_profile *p;
    pk_buf out = PK_BUF_INIT;
    pk_error err = PK_ERROR_INIT;
    pb want;

    (void)state;
    assert_int_equal(pk_profile_new(&p), PK_OK);
    assert_int_equal(pk_lines_set_unit(p, 1e-9), PK_OK);
    assert_int_equal(pk_lines_set(p, add_func(p, "w.py", 4, 1, "w"), &row, 1), PK_OK);
    assert_int_equal(pk_lprof__write(&out, p, &err), PK_OK);

    header(&want, 4, "line_profiler._line_profiler");
    want.n--; /* one item: no MARK */
    key(&want, "w.py", 1, "w");
    op(&want, ']');
    op(&want, 0x94);
    binint1(&want, 2);
    binint1(&want, 1);
    op(&want, 'M');
    le(&want, 300, 2);
    op(&want, 0x87);
    op(&want, 0x94);
    op(&want, 'a');
    op(&want, 's');
    ustr(&want, "unit");
    binfloat(&want, 1e-9);
    op(&want, 'u');
    op(&want, 'b');
    op(&want, '.');
    {
        pb framed; /* everything after PROTO in one frame */
        framed.n = 0;
        put(&framed, want.b, 2);
        op(&framed, 0x95);
        le(&framed, want.n - 2, 8);
        put(&framed, want.b + 2, want.n - 2);
        assert_int_equal(out.len, framed.n);
        assert_memory_equal(out.data, framed.b, framed.n);
    }
    pk_buf_dispose(&out);
    pk_profile_free(p);
}

/* Names that are not UTF-8 go out as Python 2 strings, long ones as
 * BINUNICODE, names repeated after 256 memo entries as LONG_BINGET; each
 * reads back the same. Ints of every width, an empty list. */
static void test_lprof__write_odd_values(void **state)
{
    static const pk_line_stat rows[] = {
        {1, 0, 0}, {2, 255, 256}, {3, 65535, 65536}, {4, INT32_MAX, INT32_MIN},
        {5, (int64_t)1 << 40, -((int64_t)1 << 40)}, {6, INT64_MAX, INT64_MIN}, {-7, -1, -129},
    };
    char longname[300];
    pk_profile *p, *back;
    pk_buf out = PK_BUF_INIT;
    pk_error err = PK_ERROR_INIT;
    int i;

    (void)state;
    memset(longname, 'n', sizeof longname);
    assert_int_equal(pk_profile_new(&p), PK_OK);
    assert_int_equal(pk_lines_set_unit(p, 3.3e-7), PK_OK);
    assert_int_equal(pk_lines_set(p, add_func(p, "caf\xe9.py", 7, 1, "latin"), rows, 7), PK_OK);
    assert_int_equal(pk_lines_set(p, add_func(p, longname, sizeof longname, 2, "long"), NULL, 0),
                     PK_OK);
    for (i = 0; i < 120; i++) {
        char name[16];
        snprintf(name, sizeof name, "f%d", i % 60);
        assert_int_equal(pk_lines_set(p, add_func(p, "x.py", 1, 10 + i, name), rows, 1), PK_OK);
    }
    assert_int_equal(pk_lines_derive_stats(p), PK_OK);
    assert_int_equal(pk_lprof__write(&out, p, &err), PK_OK);
    assert_true(has_bytes(out.data, out.len, "\x55\x07" "caf\xe9.py", 9)); /* SHORT_BINSTRING */
    assert_true(has_bytes(out.data, out.len, "X\x2c\x01\x00\x00", 5));     /* BINUNICODE 300 */
    /* "f59" was memo entry 259 (7 for the object, 11 and 4 for the first
     * two functions, then 4 per function from 22): LONG_BINGET 259 */
    assert_true(has_bytes(out.data, out.len, "j\x03\x01\x00\x00", 5));
    back = read_ok(out.data, out.len);
    assert_same_lines(p, back);
    pk_profile_free(back);
    pk_profile_free(p);
    pk_buf_dispose(&out);
}

static void test_lprof__write_needs_line_data(void **state)
{
    pk_profile *p;
    pk_buf out = PK_BUF_INIT;
    pk_error err = PK_ERROR_INIT;

    (void)state;
    assert_int_equal(pk_profile_new(&p), PK_OK);
    add_func(p, "a.py", 4, 1, "f");
    assert_int_equal(pk_lprof__write(&out, p, &err), PK_ENODATA);
    assert_string_equal(err.format, "lprof");
    assert_int_equal(out.len, 0);
    pk_profile_free(p);
    pk_buf_dispose(&out);
}

/* ======================================================================
 * The lines part of the model
 * ====================================================================== */

static void test_lprof__lines_model(void **state)
{
    static const pk_line_stat a[] = {{5, 2, 10}, {3, 7, 1}, {3, 8, 2}};
    static const pk_line_stat b[] = {{9, 1, INT64_MAX}, {10, 1, INT64_MAX}, {11, 1, 2}};
    pk_profile *p;
    uint32_t f, g, h;
    size_t n;
    int64_t ticks;
    double dticks;

    (void)state;
    assert_int_equal(pk_profile_new(&p), PK_OK);
    assert_false(pk_lines_present(p));
    assert_true(pk_lines_unit(p) == 0);
    assert_int_equal(pk_lines_func_count(p), 0);
    f = add_func(p, "m.py", 4, 1, "f");
    g = add_func(p, "m.py", 4, 8, "g");
    h = add_func(p, "m.py", 4, 20, "h");
    assert_int_equal(pk_lines_set(p, h + 1, a, 1), PK_EINVAL);
    assert_int_equal(pk_lines_set(p, g, b, 3), PK_OK);
    assert_int_equal(pk_lines_set(p, f, a, 3), PK_OK);
    assert_int_equal(pk_lines_set(p, g, a, 1), PK_OK); /* replaced, keeps its place */
    assert_true(pk_lines_present(p));
    assert_int_equal(pk_lines_func_count(p), 2);
    assert_int_equal(pk_lines_func(p, 0), g);
    assert_int_equal(pk_lines_func(p, 1), f);
    assert_false(pk_lines_has(p, h));
    assert_null(pk_lines_rows(p, h, &n));
    assert_int_equal(n, 0);
    assert_int_equal(pk_lines_rows(p, g, &n)[0].ticks, 10);
    assert_int_equal(n, 1);
    assert_true(pk_lines_ticks(&ticks, &dticks, p, f));
    assert_int_equal(ticks, 13);
    assert_int_equal(pk_lines_set(p, h, b, 3), PK_OK);
    assert_false(pk_lines_ticks(&ticks, &dticks, p, h)); /* beyond int64, still exact */
    assert_true(dticks == 2 * (double)INT64_MAX + 2);
    assert_int_equal(pk_lines_set_unit(p, 0.5), PK_OK);
    assert_int_equal(pk_lines_derive_stats(p), PK_OK);
    assert_int_equal(pk_profile_func(p, f)->stats.ncalls, 8);
    assert_true(pk_profile_func(p, f)->stats.tottime == 6.5);
    assert_true(pk_profile_func(p, h)->stats.cumtime == dticks * 0.5);
    pk_profile_free(p);
}

/* ======================================================================
 * Bad input, allocation failures, sniffing
 * ====================================================================== */

/* Each file of tests/data/bad/lprof fails with the message expected.txt
 * gives it. */
static void bad_file(const uint8_t *data, size_t len, const char *name, const char *message)
{
    read_fails(data, len, strcmp(name, "protocol_6.lprof") == 0 ? PK_EUNSUPPORTED : PK_EFORMAT,
               message);
}

static void test_lprof__bad_files(void **state)
{
    (void)state;
    pk_test_each_bad_file(BAD_DIR, 30, bad_file);
}

typedef int (*render_fn)(FILE *, const pk_profile *, const pk_lines_report_opts *, pk_error *);

typedef struct alloc_case {
    pk_profile *full;
    render_fn render;
    long runs;
} alloc_case;

static int write_case(void *ctx, pk_error *err)
{
    alloc_case *c = ctx;
    pk_buf out = PK_BUF_INIT;
    int rc = pk_lprof__write(&out, c->full, err);

    pk_buf_dispose(&out);
    return rc;
}

/* Renders to /dev/null, sorting by time on every other run. */
static int render_case(void *ctx, pk_error *err)
{
    alloc_case *c = ctx;
    pk_lines_report_opts o = PK_LINES_REPORT_OPTS_INIT;
    FILE *sink = fopen("/dev/null", "w");
    int rc;

    assert_non_null(sink);
    o.sort_by_time = c->runs++ % 2;
    rc = c->render(sink, c->full, &o, err);
    fclose(sink);
    return rc;
}

static void test_lprof__alloc_failures(void **state)
{
    static const render_fn renderers[] = {pk_render_lines_text, pk_render_lines_csv,
                                          pk_render_lines_json};
    char **names = sample_names();
    char cwd[4096];
    size_t i, r;

    (void)state;
    /* The text renderer reads the sources: run where kernprof ran. */
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(PROGRAM_DIR), 0);
    for (i = 0; names[i]; i++) {
        alloc_case c;
        size_t len;
        uint8_t *data = load_sample(names[i], &len);
        c.full = read_ok(data, len);
        pk_test_read_alloc_failures(pk_lprof__read, "lprof", data, len);
        pk_test_alloc_failures(write_case, &c);
        for (r = 0; r < sizeof renderers / sizeof renderers[0]; r++) {
            c.render = renderers[r];
            c.runs = 0;
            pk_test_alloc_failures(render_case, &c);
        }
        pk_profile_free(c.full);
        free(data);
    }
    assert_int_equal(chdir(cwd), 0);
    free_names(names);
}

static void test_lprof__render_needs_line_data(void **state)
{
    pk_profile *p;
    pk_error err = PK_ERROR_INIT;
    FILE *sink = fopen("/dev/null", "w");

    (void)state;
    assert_non_null(sink);
    assert_int_equal(pk_profile_new(&p), PK_OK);
    assert_int_equal(pk_render_lines_text(sink, p, NULL, &err), PK_ENODATA);
    pk_error_clear(&err);
    assert_int_equal(pk_render_lines_json(sink, p, NULL, &err), PK_ENODATA);
    fclose(sink);
    pk_profile_free(p);
}

static void test_lprof__sniff(void **state)
{
    (void)state;
    assert_true(pk_lprof__sniff((const uint8_t *)"\x80\x05\x95", 3));
    assert_true(pk_lprof__sniff((const uint8_t *)"\x80\x02\x63", 3));
    assert_true(pk_lprof__sniff((const uint8_t *)"\x80\x06N", 3)); /* refused by name later */
    assert_false(pk_lprof__sniff((const uint8_t *)"\x80\x01N", 3));
    assert_false(pk_lprof__sniff((const uint8_t *)"\x80\x05", 2));
    assert_false(pk_lprof__sniff((const uint8_t *)"{(\x80", 3));
    assert_false(pk_lprof__sniff((const uint8_t *)"MEM", 3));
    assert_false(pk_lprof__sniff(NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lprof__protocol5_as_line_profiler_writes),
        cmocka_unit_test(test_lprof__binfloat_big_endian),
        cmocka_unit_test(test_lprof__class_paths),
        cmocka_unit_test(test_lprof__foreign_class_refused),
        cmocka_unit_test(test_lprof__python2_protocol2),
        cmocka_unit_test(test_lprof__cpickle_memo_holes),
        cmocka_unit_test(test_lprof__long1_long4_and_text_ints),
        cmocka_unit_test(test_lprof__int_text_errors),
        cmocka_unit_test(test_lprof__other_data_opcodes),
        cmocka_unit_test(test_lprof__build_twice_and_slot_state),
        cmocka_unit_test(test_lprof__duplicate_keys_and_lines),
        cmocka_unit_test(test_lprof__machine_limits),
        cmocka_unit_test(test_lprof__repetition_bounds),
        cmocka_unit_test(test_lprof__pickle_values),
        cmocka_unit_test(test_lprof__pickle_memo_aliases),
        cmocka_unit_test(test_lprof__utf8_rules),
        cmocka_unit_test(test_lprof__samples),
        cmocka_unit_test(test_lprof__every_prefix_fails),
        cmocka_unit_test(test_lprof__byte_flips_never_crash),
        cmocka_unit_test(test_lprof__round_trip),
        cmocka_unit_test(test_lprof__write_bytes),
        cmocka_unit_test(test_lprof__write_odd_values),
        cmocka_unit_test(test_lprof__write_needs_line_data),
        cmocka_unit_test(test_lprof__lines_model),
        cmocka_unit_test(test_lprof__bad_files),
        cmocka_unit_test(test_lprof__alloc_failures),
        cmocka_unit_test(test_lprof__render_needs_line_data),
        cmocka_unit_test(test_lprof__sniff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
