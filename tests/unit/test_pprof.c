/*
 * Unit tests of the pprof reader and writer and the protobuf wire layer:
 * wire cases written out as bytes (packed and unpacked repeated fields,
 * negative int64, unknown fields of every wire type), pprof's validity
 * rules, every truncated prefix of every sample, allocation failures,
 * and round trips (pprof -> pprof exact on the model, folded -> pprof
 * equal to the folded model).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include <profkit/profkit.h>

#include "alloc.h"
#include "formats.h"
#include "profile_eq.h"
#include "test_files.h"
#include "protobuf.h"

#ifndef PK_SOURCE_ROOT
#define PK_SOURCE_ROOT "."
#endif

static const char *const samples[] = {
    "samples/pprof/go_cpu.pb.gz", "samples/pprof/go_heap.pb.gz",
    "samples/pprof/go_allocs.pb.gz", "samples/pprof/before.pb", "samples/pprof/before.pb.gz",
};
#define NSAMPLES (sizeof samples / sizeof samples[0])

/* The protobuf bytes of a sample (gunzipped when needed). */
static uint8_t *sample_raw(size_t i, size_t *len)
{
    size_t n;
    uint8_t *buf = pk_test_load(samples[i], &n), *out;
    z_stream z;
    size_t cap = 1 << 20;

    if (n < 2 || buf[0] != 0x1f || buf[1] != 0x8b) {
        *len = n;
        return buf;
    }
    out = malloc(cap);
    assert_non_null(out);
    memset(&z, 0, sizeof z);
    assert_int_equal(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
    z.next_in = buf;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    *len = z.total_out;
    inflateEnd(&z);
    free(buf);
    return out;
}

static int read_pprof(pk_profile **out, const void *buf, size_t len, pk_error *err)
{
    pk_read_opts ro = PK_READ_OPTS_INIT;
    ro.format = PK_FORMAT_PPROF;
    return pk_read_buffer(out, buf, len, "t.pb", &ro, err);
}

static pk_profile *read_ok(const void *buf, size_t len)
{
    pk_profile *p = NULL;
    pk_error err = PK_ERROR_INIT;
    if (read_pprof(&p, buf, len, &err) != PK_OK)
        fail_msg("reading failed: %s", err.msg);
    return p;
}

/* The error message of reading buf, which must fail with PK_EFORMAT. */
static void expect_error(const void *buf, size_t len, const char *msg)
{
    pk_profile *p = NULL;
    pk_error err = PK_ERROR_INIT;
    assert_int_equal(read_pprof(&p, buf, len, &err), PK_EFORMAT);
    assert_null(p);
    assert_string_equal(err.format, "pprof");
    assert_string_equal(err.msg, msg);
}

/* p's stacks as folded text (sorted lines), for comparing stacks. */
static char *folded_text(pk_profile *p)
{
    pk_write_opts wo = PK_WRITE_OPTS_INIT;
    pk_error err = PK_ERROR_INIT;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    assert_non_null(f);
    wo.format = PK_FORMAT_FOLDED;
    assert_int_equal(pk_write(f, p, &wo, &err), PK_OK);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void write_pprof(pk_buf *out, pk_profile *p)
{
    pk_error err = PK_ERROR_INIT;
    if (pk_pprof__write(out, p, &err) != PK_OK)
        fail_msg("writing failed: %s", err.msg);
}

/* ---- a tiny profile, byte by byte ----
 * strings "", "samples", "count", "f", "a.py", "g"; function 1 = f
 * (a.py:7), function 2 = g (a.py:20); location 1 -> f, location 2 -> g. */
#define SAMPLE_TYPE "\x0a\x04\x08\x01\x10\x02"
#define FUNCS "\x2a\x08\x08\x01\x10\x03\x20\x04\x28\x07" \
              "\x2a\x08\x08\x02\x10\x05\x20\x04\x28\x14"
#define LOCS "\x22\x08\x08\x01\x22\x04\x08\x01\x10\x09" \
             "\x22\x08\x08\x02\x22\x04\x08\x02\x10\x15"
#define STRINGS "\x32\x00\x32\x07" "samples" "\x32\x05" "count" "\x32\x01" "f" "\x32\x04" "a.py" \
                "\x32\x01" "g"

static pk_profile *read_literal(const char *bytes, size_t len)
{
    return read_ok(bytes, len);
}

static void test_pprof__packed_and_unpacked_are_the_same(void **state)
{
    /* Sample {location_id [1, 2] (g calls f), value [5]}: packed, then
     * the same as one varint field per element. */
    static const char packed[] = SAMPLE_TYPE "\x12\x07\x0a\x02\x01\x02\x12\x01\x05" FUNCS LOCS STRINGS;
    static const char unpacked[] = SAMPLE_TYPE "\x12\x06\x08\x01\x08\x02\x10\x05" FUNCS LOCS STRINGS;
    pk_profile *a, *b;
    char why[200] = "";
    char *fa, *fb;
    (void)state;
    a = read_literal(packed, sizeof packed - 1);
    b = read_literal(unpacked, sizeof unpacked - 1);
    fa = folded_text(a);
    fb = folded_text(b);
    assert_string_equal(fa, "g (a.py:20);f (a.py:7) 5\n");
    assert_string_equal(fa, fb);
    assert_true(pk_test_profiles_equal(a, b, why, sizeof why));
    assert_string_equal(pk_stacks_unit(a), "samples");
    assert_int_equal(pk_profile_source(a), PK_SOURCE_PPROF);
    free(fa);
    free(fb);
    pk_profile_free(a);
    pk_profile_free(b);
}

static void test_pprof__negative_int64_is_ten_bytes_without_zigzag(void **state)
{
    /* value -3: ff ff ff ff ff ff ff ff ff 01 (two's complement). */
    static const char neg[] = SAMPLE_TYPE
        "\x12\x0f\x0a\x01\x01\x12\x0a\xfd\xff\xff\xff\xff\xff\xff\xff\xff\x01" FUNCS LOCS STRINGS;
    pk_profile *p;
    (void)state;
    p = read_literal(neg, sizeof neg - 1);
    assert_true(pk_stacks_self(p, pk_stacks_node_count(p) - 1) == -3.0);
    pk_profile_free(p);
    assert_int_equal(pk_pb__i64(UINT64_MAX), -1);
    assert_int_equal(pk_pb__i64((uint64_t)INT64_MAX + 1), INT64_MIN);
}

static void test_pprof__unknown_fields_are_skipped(void **state)
{
    /* Field 20 as varint, fixed64, bytes and fixed32 at the top level, and
     * field 9 (varint) inside a Function and a Sample. */
    static const char extra[] =
        "\xa0\x01\x7f" "\xa1\x01\x01\x02\x03\x04\x05\x06\x07\x08" "\xa2\x01\x03xyz"
        "\xa5\x01\x01\x02\x03\x04" SAMPLE_TYPE "\x12\x08\x0a\x01\x01\x12\x01\x05\x48\x01"
        "\x2a\x0a\x08\x01\x10\x03\x20\x04\x28\x07\x48\x05"
        "\x2a\x08\x08\x02\x10\x05\x20\x04\x28\x14" LOCS STRINGS;
    static const char plain[] = SAMPLE_TYPE "\x12\x06\x0a\x01\x01\x12\x01\x05" FUNCS LOCS STRINGS;
    pk_profile *a, *b;
    char why[200] = "";
    (void)state;
    a = read_literal(extra, sizeof extra - 1);
    b = read_literal(plain, sizeof plain - 1);
    assert_true(pk_test_profiles_equal(a, b, why, sizeof why));
    pk_profile_free(a);
    pk_profile_free(b);
    /* A group (wire type 3) is not skipped: profile.proto has none. */
    expect_error("\xa3\x01" STRINGS, sizeof("\xa3\x01" STRINGS) - 1, "unknown wire type 3 (field 20) at byte 0");
}

static void test_pprof__inlined_lines_expand_callee_first(void **state)
{
    /* One Location with Lines [f, g]: f was inlined into g, so the stack
     * is g -> f; then location 2 (g) as its caller. */
    static const char inl[] = SAMPLE_TYPE "\x12\x07\x0a\x02\x01\x02\x12\x01\x03" FUNCS
        "\x22\x0e\x08\x01\x22\x04\x08\x01\x10\x09\x22\x04\x08\x02\x10\x15"
        "\x22\x08\x08\x02\x22\x04\x08\x02\x10\x15" STRINGS;
    pk_profile *p;
    char *text;
    (void)state;
    p = read_literal(inl, sizeof inl - 1);
    text = folded_text(p);
    assert_string_equal(text, "g (a.py:20);g (a.py:20);f (a.py:7) 3\n");
    free(text);
    pk_profile_free(p);
}

static void test_pprof__value_is_default_type_else_last_in_seconds(void **state)
{
    /* sample_type [samples/count, cpu/nanoseconds]: the last, in seconds. */
    static const char two[] = "\x0a\x04\x08\x01\x10\x02\x0a\x04\x08\x06\x10\x07"
        "\x12\x0a\x0a\x01\x01\x12\x05\x02\x80\xe1\xeb\x17" FUNCS LOCS STRINGS
        "\x32\x03" "cpu\x32\x0bnanoseconds";
    /* The same with default_sample_type = "samples" (index 1). */
    static const char dflt[] = "\x0a\x04\x08\x01\x10\x02\x0a\x04\x08\x06\x10\x07"
        "\x12\x0a\x0a\x01\x01\x12\x05\x02\x80\xe1\xeb\x17" FUNCS LOCS STRINGS
        "\x32\x03" "cpu\x32\x0bnanoseconds\x70\x01";
    pk_profile *p;
    (void)state;
    p = read_literal(two, sizeof two - 1);
    assert_string_equal(pk_stacks_unit(p), "microseconds");
    assert_true(pk_stacks_self(p, 1) == 50000.0);
    assert_true(pk_profile_func_c(p, 0)->stats.tottime == 0.05);
    assert_int_equal(pk_profile_func_c(p, 0)->stats.ncalls, 0);
    pk_profile_free(p);
    p = read_literal(dflt, sizeof dflt - 1);
    assert_string_equal(pk_stacks_unit(p), "samples");
    assert_true(pk_profile_func_c(p, 0)->stats.tottime == 2.0);
    pk_profile_free(p);
}

#define BAD(bytes, msg) expect_error(bytes, sizeof(bytes) - 1, msg)

static void test_pprof__string_table_rules(void **state)
{
    (void)state;
    BAD(SAMPLE_TYPE, "no string table (string_table[0] must be \"\") at byte 0");
    BAD(SAMPLE_TYPE "\x32\x01" "x" "\x32\x07" "samples" "\x32\x05" "count",
        "string_table[0] must be \"\" at byte 6");
    /* type index 9 of 6 strings; then a negative index (-1). */
    BAD("\x0a\x04\x08\x09\x10\x02" STRINGS,
        "value type string index 9 out of range (6 strings) at byte 2");
    BAD("\x2a\x0d\x08\x01\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01" STRINGS,
        "function name string index -1 out of range (6 strings) at byte 4");
    BAD(STRINGS "\x30\x01", "string_table entry has wire type 0 at byte 30");
}

static void test_pprof__ids_must_exist_once_and_not_be_zero(void **state)
{
    (void)state;
    BAD(SAMPLE_TYPE "\x2a\x04\x10\x03\x20\x04" STRINGS, "function with the reserved id 0 at byte 6");
    BAD(SAMPLE_TYPE FUNCS "\x2a\x02\x08\x01" STRINGS, "two functions with id 1 at byte 26");
    BAD(SAMPLE_TYPE "\x22\x02\x08\x03\x22\x02\x08\x03" STRINGS, "two locations with id 3 at byte 10");
    BAD(SAMPLE_TYPE "\x1a\x02\x10\x05" STRINGS, "mapping with the reserved id 0 at byte 6");
    BAD(SAMPLE_TYPE "\x22\x06\x08\x01\x22\x02\x08\x07" STRINGS,
        "location line names function id 7, which does not exist at byte 10");
    BAD(SAMPLE_TYPE "\x12\x06\x0a\x01\x04\x12\x01\x05" FUNCS LOCS STRINGS,
        "sample names location id 4, which does not exist at byte 6");
}

static void test_pprof__sample_shape_rules(void **state)
{
    (void)state;
    BAD(SAMPLE_TYPE "\x12\x07\x0a\x01\x01\x12\x02\x05\x06" FUNCS LOCS STRINGS,
        "sample has 2 values for 1 sample types at byte 6");
    BAD("\x12\x06\x0a\x01\x01\x12\x01\x05" FUNCS LOCS STRINGS,
        "sample without sample types at byte 0");
    BAD("\x48\x01\x48\x02" STRINGS, "concatenated profiles (a second time_nanos) at byte 2");
    /* A Location whose Line claims 9 bytes, 4 left in the Location. */
    BAD(SAMPLE_TYPE "\x22\x06\x08\x01\x22\x09\x08\x01" STRINGS,
        "field 4 length 9 exceeds the 2 bytes left in its message at byte 10");
    /* The sample field itself runs past the end of the file. */
    BAD(STRINGS "\x12\x40\x0a", "field 2 length 64 exceeds the 1 bytes left in its message at byte 30");
    BAD(STRINGS "\x12\x05\x0a\x01\x01\x12", "field 2 length 5 exceeds the 4 bytes left in its message at byte 30");
    BAD(STRINGS "\x48\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
        "field varint longer than 10 bytes at byte 30");
    BAD(STRINGS "\x0a\x01\x08", "truncated field (need 1 bytes, 0 left) at byte 32");
    BAD(SAMPLE_TYPE "\x2a\x02\x12\x00" STRINGS, "function name has wire type 2, not a varint at byte 8");
    BAD(SAMPLE_TYPE "\x20\x01" STRINGS, "location has wire type 0, not a message at byte 6");
}

static void test_pprof__sniff_accepts_profiles_only(void **state)
{
    static const char prof[] = SAMPLE_TYPE FUNCS LOCS STRINGS;
    size_t i, len;
    (void)state;
    assert_true(pk_pprof__sniff((const uint8_t *)prof, sizeof prof - 1));
    assert_int_equal(pk_detect_format(prof, sizeof prof - 1), PK_FORMAT_PPROF);
    assert_false(pk_pprof__sniff((const uint8_t *)"main;foo 12\n", 12));
    assert_false(pk_pprof__sniff((const uint8_t *)"\x7b\x00", 2));
    assert_false(pk_pprof__sniff((const uint8_t *)"\x0a\x10", 2)); /* field cut at once */
    assert_int_equal(pk_detect_format("a;b 1\n", 6), PK_FORMAT_FOLDED);
    for (i = 0; i < NSAMPLES; i++) {
        uint8_t *raw = sample_raw(i, &len);
        assert_true(pk_pprof__sniff(raw, len));
        free(raw);
    }
}

/* ---- samples ---- */

/* Where the top-level fields of a message end (a prefix ending there is
 * a complete, shorter message). */
static bool at_field_boundary(const uint8_t *buf, size_t len, size_t cut)
{
    pk_rd rd;
    pk_pb_field f;

    pk_rd_init(&rd, buf, len, "pprof", NULL);
    while (rd.pos < cut && pk_pb__next(&rd, &f))
        ;
    return rd.pos == cut;
}

static void test_pprof__every_prefix_of_the_samples(void **state)
{
    size_t i, cut, len, failed = 0, complete = 0;
    (void)state;
    for (i = 0; i < NSAMPLES; i++) {
        uint8_t *raw = sample_raw(i, &len);
        for (cut = 0; cut < len; cut++) {
            pk_profile *p = NULL;
            pk_error err = PK_ERROR_INIT;
            int rc = read_pprof(&p, raw, cut, &err);
            if (rc == PK_OK) {
                /* Only a whole number of fields can be a valid message. */
                assert_true(at_field_boundary(raw, len, cut));
                complete++;
                pk_profile_free(p);
                continue;
            }
            assert_int_equal(rc, PK_EFORMAT);
            assert_true(err.msg[0] != '\0');
            assert_null(p);
            failed++;
        }
        free(raw);
    }
    /* The string table comes last in all of them: nearly every cut fails. */
    assert_true(failed > 10000);
    assert_true(complete < failed / 100);
}

static void test_pprof__every_prefix_of_the_gzip_files(void **state)
{
    size_t i, cut, len;
    (void)state;
    for (i = 0; i < NSAMPLES; i++) {
        uint8_t *buf = pk_test_load(samples[i], &len);
        if (buf[0] == 0x1f) {
            for (cut = 1; cut < len; cut++) {
                pk_profile *p = NULL;
                pk_error err = PK_ERROR_INIT;
                assert_int_equal(pk_read_buffer(&p, buf, cut, "t.pb.gz", NULL, &err), PK_EFORMAT);
                assert_true(err.msg[0] != '\0');
            }
        }
        free(buf);
    }
}

static void test_pprof__samples_read_as_pprof_shows_them(void **state)
{
    size_t len;
    uint8_t *buf = pk_test_load("samples/pprof/go_heap.pb.gz", &len);
    pk_profile *p = read_ok(buf, len);
    uint32_t f;
    pk_str file, name;
    (void)state;
    /* inuse_space is the last sample type: bytes. go tool pprof -top
     * shows main.buildWords with 18768kB flat. */
    assert_string_equal(pk_stacks_unit(p), "bytes");
    assert_int_equal(pk_profile_intern(&name, p, "main.buildWords", 15), PK_OK);
    file = PK_STR_EMPTY;
    for (f = 0; f < pk_profile_func_count(p); f++) {
        if (pk_profile_func_c(p, f)->name == name)
            file = pk_profile_func_c(p, f)->file;
    }
    assert_true(file != PK_STR_EMPTY);
    assert_true(pk_profile_func_find(&f, p, file, 0, name));
    assert_true(pk_profile_func_c(p, f)->stats.tottime == 18768.0 * 1024);
    pk_profile_free(p);
    free(buf);
}

/* read -> write -> read: the same model, stacks and unit; a second write
 * gives the same bytes. */
static void round_trip(pk_profile *a)
{
    pk_buf w1 = PK_BUF_INIT, w2 = PK_BUF_INIT;
    pk_profile *b, *c;
    char why[200] = "";
    char *fa, *fb;

    write_pprof(&w1, a);
    b = read_ok(w1.data, w1.len);
    assert_true(pk_test_profiles_equal(a, b, why, sizeof why));
    fa = folded_text(a);
    fb = folded_text(b);
    assert_string_equal(fa, fb);
    assert_string_equal(pk_stacks_unit(a), pk_stacks_unit(b));
    write_pprof(&w2, b);
    c = read_ok(w2.data, w2.len);
    assert_int_equal(w1.len, w2.len);
    assert_memory_equal(w1.data, w2.data, w1.len);
    if (!pk_test_profiles_equal(b, c, why, sizeof why))
        fail_msg("second round trip: %s", why);
    free(fa);
    free(fb);
    pk_profile_free(b);
    pk_profile_free(c);
    pk_buf_dispose(&w1);
    pk_buf_dispose(&w2);
}

static void test_pprof__samples_round_trip_exactly(void **state)
{
    size_t i, len;
    (void)state;
    for (i = 0; i < NSAMPLES; i++) {
        uint8_t *buf = pk_test_load(samples[i], &len);
        pk_profile *p = read_ok(buf, len);
        round_trip(p);
        pk_profile_free(p);
        free(buf);
    }
}

static void test_pprof__folded_through_pprof_is_the_folded_model(void **state)
{
    static const char *const folded[] = {
        "samples/folded/stdlib_mix.folded", "samples/folded/recursion.folded",
        "samples/folded/shapes.folded", "samples/folded/wordfreq.folded",
    };
    size_t i, len;
    (void)state;
    for (i = 0; i < sizeof folded / sizeof folded[0]; i++) {
        uint8_t *buf = pk_test_load(folded[i], &len);
        pk_profile *a = NULL, *b;
        pk_error err = PK_ERROR_INIT;
        pk_buf w = PK_BUF_INIT;
        char why[200] = "";
        char *fa, *fb;
        assert_int_equal(pk_read_buffer(&a, buf, len, folded[i], NULL, &err), PK_OK);
        write_pprof(&w, a);
        b = read_ok(w.data, w.len);
        if (!pk_test_profiles_equal(a, b, why, sizeof why))
            fail_msg("%s: %s", folded[i], why);
        fa = folded_text(a);
        fb = folded_text(b);
        assert_string_equal(fa, fb);
        round_trip(b);
        free(fa);
        free(fb);
        pk_buf_dispose(&w);
        pk_profile_free(a);
        pk_profile_free(b);
        free(buf);
    }
}

static void test_pprof__pstats_get_approximate_stacks(void **state)
{
    size_t len;
    uint8_t *buf = pk_test_load("samples/pstats/wordfreq_cprofile_py3.11.7.pstats", &len);
    pk_profile *p = NULL, *b;
    pk_error err = PK_ERROR_INIT;
    pk_buf w = PK_BUF_INIT;
    const double *totals;
    (void)state;
    assert_int_equal(pk_read_buffer(&p, buf, len, "w.pstats", NULL, &err), PK_OK);
    write_pprof(&w, p);
    assert_true(pk_stacks_flags(p) & PK_STACKS_APPROXIMATE);
    b = read_ok(w.data, w.len);
    assert_string_equal(pk_stacks_unit(b), "microseconds");
    assert_int_equal(pk_stacks_totals(&totals, b), PK_OK);
    /* Microseconds written as whole nanoseconds: the totals agree. */
    assert_true(totals[PK_STACK_ROOT] > 0);
    assert_int_equal(pk_stacks_totals(&totals, p), PK_OK);
    {
        double us = totals[PK_STACK_ROOT];
        assert_int_equal(pk_stacks_totals(&totals, b), PK_OK);
        assert_true(totals[PK_STACK_ROOT] > us - 1e-3 * (double)pk_stacks_node_count(p));
        assert_true(totals[PK_STACK_ROOT] < us + 1e-3 * (double)pk_stacks_node_count(p));
    }
    pk_buf_dispose(&w);
    pk_profile_free(p);
    pk_profile_free(b);
    free(buf);
}

static void test_pprof__nothing_to_write(void **state)
{
    pk_profile *p = NULL;
    pk_error err = PK_ERROR_INIT;
    pk_buf w = PK_BUF_INIT;
    (void)state;
    assert_int_equal(pk_profile_new(&p), PK_OK);
    assert_int_equal(pk_pprof__write(&w, p, &err), PK_ENODATA);
    assert_true(err.msg[0] != '\0');
    pk_buf_dispose(&w);
    pk_profile_free(p);
}

/* Read, write, read again: what the allocation-failure loop runs. */
typedef struct input_bytes {
    const uint8_t *data;
    size_t len;
} input_bytes;

static int read_write_read(void *ctx, pk_error *err)
{
    input_bytes *t = ctx;
    pk_profile *p = NULL, *back = NULL;
    pk_buf w = PK_BUF_INIT;
    int rc = read_pprof(&p, t->data, t->len, err);
    if (rc == PK_OK)
        rc = pk_pprof__write(&w, p, err);
    if (rc == PK_OK)
        rc = read_pprof(&back, w.data, w.len, err);
    pk_buf_dispose(&w);
    pk_profile_free(p);
    pk_profile_free(back);
    return rc;
}

static void test_pprof__allocation_failures_are_reported(void **state)
{
    input_bytes t;
    uint8_t *buf = pk_test_load("samples/pprof/go_cpu.pb.gz", &t.len);
    (void)state;
    t.data = buf;
    assert_true(pk_test_alloc_failures(read_write_read, &t) > 20);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pprof__packed_and_unpacked_are_the_same),
        cmocka_unit_test(test_pprof__negative_int64_is_ten_bytes_without_zigzag),
        cmocka_unit_test(test_pprof__unknown_fields_are_skipped),
        cmocka_unit_test(test_pprof__inlined_lines_expand_callee_first),
        cmocka_unit_test(test_pprof__value_is_default_type_else_last_in_seconds),
        cmocka_unit_test(test_pprof__string_table_rules),
        cmocka_unit_test(test_pprof__ids_must_exist_once_and_not_be_zero),
        cmocka_unit_test(test_pprof__sample_shape_rules),
        cmocka_unit_test(test_pprof__sniff_accepts_profiles_only),
        cmocka_unit_test(test_pprof__every_prefix_of_the_samples),
        cmocka_unit_test(test_pprof__every_prefix_of_the_gzip_files),
        cmocka_unit_test(test_pprof__samples_read_as_pprof_shows_them),
        cmocka_unit_test(test_pprof__samples_round_trip_exactly),
        cmocka_unit_test(test_pprof__folded_through_pprof_is_the_folded_model),
        cmocka_unit_test(test_pprof__pstats_get_approximate_stacks),
        cmocka_unit_test(test_pprof__nothing_to_write),
        cmocka_unit_test(test_pprof__allocation_failures_are_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
