/* Shared checks of the reader unit tests (see test_files.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <profkit/profkit.h>

#include "alloc.h"
#include "test_files.h"

#ifndef PK_SOURCE_ROOT
#define PK_SOURCE_ROOT "."
#endif

uint8_t *pk_test_load(const char *path, size_t *len)
{
    char full[4096];
    FILE *f;
    uint8_t *buf;
    long n;

    if (path[0] == '/')
        snprintf(full, sizeof full, "%s", path);
    else
        snprintf(full, sizeof full, "%s/%s", PK_SOURCE_ROOT, path);
    f = fopen(full, "rb");
    if (!f)
        fail_msg("cannot open %s", full);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

int pk_test_read(pk_profile **out, const void *buf, size_t len, const pk_read_opts *opts,
                 pk_error *err)
{
    int rc = pk_read_buffer(out, buf, len, "test", opts, err);

    if (rc != PK_OK) {
        assert_null(*out);
        assert_int_equal(err->code, rc);
        if (err->msg[0] == '\0')
            fail_msg("a failure (%d) without a message", rc);
    }
    return rc;
}

static void prefix_fails(const uint8_t *buf, size_t n, const pk_read_opts *opts,
                         bool allow_unsupported)
{
    pk_profile *p = NULL;
    pk_error err = PK_ERROR_INIT;
    /* A copy of exactly n bytes, so that ASan sees any read past the end. */
    uint8_t *copy = malloc(n ? n : 1);
    int rc;

    assert_non_null(copy);
    memcpy(copy, buf, n);
    rc = pk_test_read(&p, copy, n, opts, &err);
    if (rc == PK_OK)
        fail_msg("a prefix of %zu bytes was read as a whole profile", n);
    if (rc != PK_EFORMAT && !(allow_unsupported && rc == PK_EUNSUPPORTED))
        fail_msg("prefix of %zu bytes: status %d (%s)", n, rc, err.msg);
    free(copy);
}

void pk_test_every_prefix_fails(const uint8_t *buf, size_t len, const pk_read_opts *opts,
                                size_t step, bool allow_unsupported)
{
    size_t n;

    if (step == 0)
        step = 1;
    for (n = 0; n < len; n++) {
        if (n % step == 0 || len - n <= 64)
            prefix_fails(buf, n, opts, allow_unsupported);
    }
}

long pk_test_alloc_failures(const uint8_t *buf, size_t len, const pk_read_opts *opts)
{
    long k;

    for (k = 0;; k++) {
        pk_profile *p = NULL;
        pk_error err = PK_ERROR_INIT;
        int rc;

        pk_alloc_fail_after(k);
        rc = pk_test_read(&p, buf, len, opts, &err);
        pk_alloc_fail_after(-1);
        if (rc == PK_OK) {
            pk_profile_free(p);
            return k;
        }
        if (rc != PK_ENOMEM)
            fail_msg("allocation %ld failing gave status %d (%s)", k, rc, err.msg);
    }
}
