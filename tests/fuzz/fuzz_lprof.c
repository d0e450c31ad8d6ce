/*
 * Fuzz target for the lprof reader (the data-only pickle machine): read;
 * if that works, write the line data as lprof and read it back, and the
 * model (functions, their derived stats, rows and unit) must be the same;
 * the JSON line table must render. A failed read must say why. Any crash,
 * leak or UB is a finding.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <profkit/profkit.h>

#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_double(double x, double y)
{
    return memcmp(&x, &y, sizeof x) == 0 || (isnan(x) && isnan(y));
}

/* The line part: same unit, same functions in the same order, same rows. */
static bool same_lines(const pk_profile *a, const pk_profile *b)
{
    size_t i, n = pk_lines_func_count(a);

    if (!same_double(pk_lines_unit(a), pk_lines_unit(b)) || pk_lines_func_count(b) != n)
        return false;
    for (i = 0; i < n; i++) {
        size_t na, nb;
        const pk_line_stat *ra = pk_lines_rows(a, pk_lines_func(a, i), &na);
        const pk_line_stat *rb = pk_lines_rows(b, pk_lines_func(b, i), &nb);
        if (pk_lines_func(a, i) != pk_lines_func(b, i) || na != nb ||
            (na && memcmp(ra, rb, na * sizeof *ra) != 0))
            return false;
    }
    return true;
}

static void round_trip(pk_profile *p)
{
    pk_write_opts wo = PK_WRITE_OPTS_INIT;
    size_t len = 0;
    char *buf;
    pk_profile *back;

    wo.format = PK_FORMAT_LPROF;
    buf = pk_fuzz_write(p, &wo, &len);
    back = pk_fuzz_read_back(buf, len, PK_FORMAT_LPROF);
    pk_fuzz_assert_equal(p, back, "the round trip changed the profile");
    if (!same_lines(p, back))
        pk_fuzz_fail("the round trip changed the line data", NULL);
    pk_profile_free(back);
    free(buf);
}

static void render(pk_profile *p)
{
    pk_error err = PK_ERROR_INIT;
    FILE *sink = fopen("/dev/null", "w");

    if (!sink)
        abort();
    if (pk_render_lines_json(sink, p, NULL, &err) != PK_OK) {
        fprintf(stderr, "json rendering failed: %s\n", err.msg);
        abort();
    }
    fclose(sink);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pk_profile *p = pk_fuzz_read(data, size, PK_FORMAT_LPROF);

    if (!p)
        return 0;
    round_trip(p);
    render(p);
    pk_profile_free(p);
    return 0;
}
