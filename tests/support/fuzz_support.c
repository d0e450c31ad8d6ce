/* Shared steps of the fuzz harnesses (see fuzz_support.h). */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_support.h"
#include "profile_eq.h"

void pk_fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

pk_profile *pk_fuzz_read(const uint8_t *data, size_t size, pk_format format)
{
    pk_read_opts ro = PK_READ_OPTS_INIT;
    pk_error err = PK_ERROR_INIT;
    pk_profile *p = NULL;

    ro.format = format;
    ro.max_input = PK_FUZZ_MAX_INPUT;
    if (pk_read_buffer(&p, data, size, "fuzz", &ro, &err) != PK_OK) {
        if (err.code == PK_OK || err.msg[0] == '\0')
            pk_fuzz_fail("a failed read without a message", NULL);
        return NULL;
    }
    return p;
}

char *pk_fuzz_write(pk_profile *p, const pk_write_opts *wo, size_t *len)
{
    pk_error err = PK_ERROR_INIT;
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);

    if (!f)
        abort();
    if (pk_write(f, p, wo, &err) != PK_OK) {
        fclose(f);
        pk_fuzz_fail("writing failed", err.msg);
    }
    if (fclose(f) != 0)
        pk_fuzz_fail("closing the memory stream failed", NULL);
    return buf;
}

pk_profile *pk_fuzz_read_back(const char *buf, size_t len, pk_format format)
{
    pk_read_opts ro = PK_READ_OPTS_INIT;
    pk_error err = PK_ERROR_INIT;
    pk_profile *back = NULL;

    ro.format = format;
    if (pk_read_buffer(&back, buf, len, "round-trip", &ro, &err) != PK_OK)
        pk_fuzz_fail("reading back what was written failed", err.msg);
    return back;
}

void pk_fuzz_assert_equal(pk_profile *a, pk_profile *b, const char *what)
{
    char why[160];
    if (!pk_test_profiles_equal(a, b, why, sizeof why))
        pk_fuzz_fail(what, why);
}
