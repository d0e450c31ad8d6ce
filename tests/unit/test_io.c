/*
 * Unit tests of pk_read_buffer's layer under every reader: gzip (one or
 * more members, truncation, corruption, the decompressed-size cap that
 * stops zip bombs), the input-size cap, and allocation failures while
 * decompressing. Bad gzip files: tests/data/bad/gzip/, with expected.txt
 * (file, max_input, error line) made by make_bad.py there.
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

#include "profile_eq.h"
#include "test_files.h"

#define SAMPLE "samples/pstats/wordfreq_cprofile_py3.11.7.pstats"
#define BAD_DIR "tests/data/bad/gzip"

/* buf gzip'd by zlib into a malloc'd buffer (level 6, as gzip(1)). */
static uint8_t *gzip_bytes(const uint8_t *buf, size_t len, size_t *out_len)
{
    z_stream z;
    size_t cap = compressBound((uLong)len) + 64;
    uint8_t *out = malloc(cap);

    assert_non_null(out);
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)buf;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = z.total_out;
    deflateEnd(&z);
    return out;
}

/* pk_read_buffer; a failure must explain itself. */
static int read_buffer(pk_profile **out, const void *buf, size_t len, const pk_read_opts *opts,
                       pk_error *err)
{
    int rc = pk_read_buffer(out, buf, len, "test", opts, err);

    if (rc != PK_OK) {
        assert_null(*out);
        assert_int_equal(err->code, rc);
        assert_true(err->msg[0] != '\0');
    }
    return rc;
}

static pk_profile *read_ok(const uint8_t *buf, size_t len, const pk_read_opts *opts)
{
    pk_profile *p = NULL;
    pk_error err = PK_ERROR_INIT;
    if (read_buffer(&p, buf, len, opts, &err) != PK_OK)
        fail_msg("read failed: %s", err.msg);
    return p;
}

static void assert_same(pk_profile *a, pk_profile *b)
{
    char why[256];
    if (!pk_test_profiles_equal(a, b, why, sizeof why))
        fail_msg("profiles differ: %s", why);
}

static void test_io__gzip_reads_as_plain(void **state)
{
    size_t len, glen;
    uint8_t *plain = pk_test_load(SAMPLE, &len);
    uint8_t *gz = gzip_bytes(plain, len, &glen);
    pk_profile *a = read_ok(plain, len, NULL), *b = read_ok(gz, glen, NULL);

    (void)state;
    assert_same(a, b);
    pk_profile_free(a);
    pk_profile_free(b);
    free(gz);
    free(plain);
}

/* gzip -c a > f; gzip -c b >> f: one stream of a then b, as gunzip reads
 * it. Bytes after a member that are not another member are ignored. */
static void test_io__gzip_members_and_trailing_bytes(void **state)
{
    size_t len, g1, g2, half;
    uint8_t *plain = pk_test_load(SAMPLE, &len);
    uint8_t *a, *b, *both;
    pk_profile *want = read_ok(plain, len, NULL), *got;

    (void)state;
    half = len / 2;
    a = gzip_bytes(plain, half, &g1);
    b = gzip_bytes(plain + half, len - half, &g2);
    both = malloc(g1 + g2 + 4);
    assert_non_null(both);
    memcpy(both, a, g1);
    memcpy(both + g1, b, g2);
    got = read_ok(both, g1 + g2, NULL);
    assert_same(want, got);
    pk_profile_free(got);
    memcpy(both + g1 + g2, "\0\0\0\0", 4); /* zero padding, as tape archives add */
    got = read_ok(both, g1 + g2 + 4, NULL);
    assert_same(want, got);
    pk_profile_free(got);
    pk_profile_free(want);
    free(both);
    free(b);
    free(a);
    free(plain);
}

/* A cut gzip stream is never read as a (shorter) profile. */
static void test_io__gzip_every_prefix_fails(void **state)
{
    size_t len, glen, n;
    uint8_t *plain = pk_test_load(SAMPLE, &len);
    uint8_t *gz = gzip_bytes(plain, len, &glen);

    (void)state;
    for (n = 0; n < glen; n++) {
        pk_profile *p = NULL;
        pk_error err = PK_ERROR_INIT;
        uint8_t *prefix = malloc(n ? n : 1); /* exactly n bytes, for ASan */
        assert_non_null(prefix);
        memcpy(prefix, gz, n);
        if (read_buffer(&p, prefix, n, NULL, &err) != PK_EFORMAT)
            fail_msg("a gzip prefix of %zu bytes did not fail", n);
        free(prefix);
    }
    free(gz);
    free(plain);
}

/* The decompressed size stops at max_input, wherever it is crossed, and a
 * plain input over max_input is refused before it is parsed. */
static void test_io__size_caps(void **state)
{
    size_t len, glen;
    uint8_t *plain = pk_test_load(SAMPLE, &len);
    uint8_t *gz = gzip_bytes(plain, len, &glen);
    pk_read_opts ro = PK_READ_OPTS_INIT;
    pk_profile *p = NULL;
    pk_error err = PK_ERROR_INIT;
    char want[128];

    (void)state;
    ro.max_input = len;
    pk_profile_free(read_ok(gz, glen, &ro));
    pk_profile_free(read_ok(plain, len, &ro));
    ro.max_input = len - 1;
    assert_int_equal(read_buffer(&p, gz, glen, &ro, &err), PK_EFORMAT);
    assert_string_equal(err.format, "gzip");
    snprintf(want, sizeof want, "decompressed size exceeds the %zu-byte limit at byte", len - 1);
    assert_memory_equal(err.msg, want, strlen(want));
    pk_error_clear(&err);
    assert_int_equal(read_buffer(&p, plain, len, &ro, &err), PK_EFORMAT);
    snprintf(want, sizeof want, "input larger than the %zu-byte limit at byte %zu", len - 1, len - 1);
    assert_string_equal(err.msg, want);
    free(gz);
    free(plain);
}

/* Each file of tests/data/bad/gzip fails with its expected.txt line:
 * "max_input<TAB>format: message at byte N". */
static void bad_gzip(const uint8_t *data, size_t len, const char *name, const char *expected)
{
    pk_read_opts ro = PK_READ_OPTS_INIT;
    pk_error err = PK_ERROR_INIT;
    pk_profile *p = NULL;
    char *want, got[1024];

    ro.max_input = (size_t)strtoull(expected, &want, 10);
    assert_true(*want == '\t');
    assert_int_equal(read_buffer(&p, data, len, &ro, &err), PK_EFORMAT);
    err.path[0] = '\0'; /* compare "format: message at byte N" */
    pk_error_format(got, sizeof got, &err);
    if (strcmp(got, want + 1) != 0)
        fail_msg("%s: got '%s', want '%s'", name, got, want + 1);
}

static void test_io__bad_files(void **state)
{
    (void)state;
    pk_test_each_bad_file(BAD_DIR, 5, bad_gzip);
}

typedef struct read_job {
    const uint8_t *buf;
    size_t len;
} read_job;

static int read_job_run(void *ctx, pk_error *err)
{
    read_job *job = ctx;
    pk_profile *p = NULL;
    int rc = read_buffer(&p, job->buf, job->len, NULL, err);
    pk_profile_free(p);
    return rc;
}

/* zlib's allocations go through pk_malloc too, so they fail on demand. */
static void test_io__gzip_alloc_failures(void **state)
{
    size_t len, glen;
    uint8_t *plain = pk_test_load(SAMPLE, &len);
    uint8_t *gz = gzip_bytes(plain, len, &glen);
    read_job as_gzip = {gz, glen}, as_plain = {plain, len};

    (void)state;
    assert_true(pk_test_alloc_failures(read_job_run, &as_gzip) >
                pk_test_alloc_failures(read_job_run, &as_plain));
    free(gz);
    free(plain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_io__gzip_reads_as_plain),
        cmocka_unit_test(test_io__gzip_members_and_trailing_bytes),
        cmocka_unit_test(test_io__gzip_every_prefix_fails),
        cmocka_unit_test(test_io__size_caps),
        cmocka_unit_test(test_io__bad_files),
        cmocka_unit_test(test_io__gzip_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
