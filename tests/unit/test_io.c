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

static pk_profile *read_ok(const uint8_t *buf, size_t len, const pk_read_opts *opts)
{
    pk_profile *p = NULL;
    pk_error err = PK_ERROR_INIT;
    if (pk_test_read(&p, buf, len, opts, &err) != PK_OK)
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
    size_t len, glen;
    uint8_t *plain = pk_test_load(SAMPLE, &len);
    uint8_t *gz = gzip_bytes(plain, len, &glen);

    (void)state;
    pk_test_every_prefix_fails(gz, glen, NULL, 1, false);
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
    assert_int_equal(pk_test_read(&p, gz, glen, &ro, &err), PK_EFORMAT);
    assert_string_equal(err.format, "gzip");
    snprintf(want, sizeof want, "decompressed size exceeds the %zu-byte limit at byte", len - 1);
    assert_memory_equal(err.msg, want, strlen(want));
    pk_error_clear(&err);
    assert_int_equal(pk_test_read(&p, plain, len, &ro, &err), PK_EFORMAT);
    snprintf(want, sizeof want, "input larger than the %zu-byte limit", len - 1);
    assert_string_equal(err.msg, want);
    free(gz);
    free(plain);
}

/* Each file of tests/data/bad/gzip fails with its expected.txt line. */
static void test_io__bad_files(void **state)
{
    char line[1024], path[1024];
    FILE *list;
    size_t count = 0;

    (void)state;
    snprintf(path, sizeof path, "%s/%s/expected.txt", PK_SOURCE_ROOT, BAD_DIR);
    list = fopen(path, "r");
    assert_non_null(list);
    while (fgets(line, sizeof line, list)) {
        char *name = strtok(line, "\t"), *limit = strtok(NULL, "\t"), *want = strtok(NULL, "\n");
        pk_read_opts ro = PK_READ_OPTS_INIT;
        pk_error err = PK_ERROR_INIT;
        pk_profile *p = NULL;
        char got[1024];
        uint8_t *data;
        size_t len;

        assert_non_null(want);
        snprintf(path, sizeof path, "%s/%s", BAD_DIR, name);
        data = pk_test_load(path, &len);
        ro.max_input = (size_t)strtoull(limit, NULL, 10);
        assert_int_equal(pk_test_read(&p, data, len, &ro, &err), PK_EFORMAT);
        err.path[0] = '\0'; /* compare "format: message at byte N" */
        pk_error_format(got, sizeof got, &err);
        if (strcmp(got, want) != 0)
            fail_msg("%s: got '%s', want '%s'", name, got, want);
        free(data);
        count++;
    }
    fclose(list);
    assert_true(count >= 5);
}

/* zlib's allocations go through pk_malloc too, so they fail on demand. */
static void test_io__gzip_alloc_failures(void **state)
{
    size_t len, glen;
    uint8_t *plain = pk_test_load(SAMPLE, &len);
    uint8_t *gz = gzip_bytes(plain, len, &glen);

    (void)state;
    assert_true(pk_test_alloc_failures(gz, glen, NULL) > pk_test_alloc_failures(plain, len, NULL));
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
