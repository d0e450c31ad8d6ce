/*
 * Fuzz target for the pprof reader: read (raw protobuf, or gzip when the
 * input starts like it); if that works, write pprof, read it back: the
 * model (functions, edges, every stack's value, unit) must be the same, and a
 * second write must give the same bytes. A failed read must say why.
 * Any crash, leak or UB is a finding.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <profkit/profkit.h>

#include "fuzz_support.h"
#include "profile_eq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* p written as format (which must work). */
static char *write_as(pk_profile *p, pk_format format, size_t *len)
{
    pk_write_opts wo = PK_WRITE_OPTS_INIT;

    wo.format = format;
    return pk_fuzz_write(p, &wo, len);
}

/* Both profiles' stacks as folded text (every stack and its value) are
 * the same. */
static bool same_stacks(pk_profile *a, pk_profile *b)
{
    size_t la, lb;
    char *fa = write_as(a, PK_FORMAT_FOLDED, &la), *fb = write_as(b, PK_FORMAT_FOLDED, &lb);
    bool same = la == lb && memcmp(fa, fb, la) == 0;

    free(fa);
    free(fb);
    return same;
}

/* True when every stack's value is small enough to survive value ->
 * double -> value exactly: sums below 2^50 (13 days in nanoseconds). */
static bool exact_values(const pk_profile *p)
{
    double sum = 0;
    size_t node;

    for (node = 0; node < pk_stacks_node_count(p); node++) {
        double v = pk_stacks_self(p, (uint32_t)node);
        sum += v < 0 ? -v : v;
    }
    return sum < 1e15;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pk_profile *p = pk_fuzz_read(data, size, PK_FORMAT_PPROF), *back;
    char why[200] = "";
    char *w1, *w2;
    size_t l1, l2;

    if (!p)
        return 0;
    w1 = write_as(p, PK_FORMAT_PPROF, &l1);
    back = pk_fuzz_read_back(w1, l1, PK_FORMAT_PPROF);
    if (!exact_values(p)) {
        pk_profile_free(back);
        pk_profile_free(p);
        free(w1);
        return 0;
    }
    if (!pk_test_profiles_equal(p, back, why, sizeof why) || !same_stacks(p, back) ||
        pk_stacks_node_count(p) != pk_stacks_node_count(back) ||
        strcmp(pk_stacks_unit(p), pk_stacks_unit(back)) != 0) {
        fprintf(stderr, "round trip changed the model: %s\n", why);
        abort();
    }
    w2 = write_as(back, PK_FORMAT_PPROF, &l2);
    if (l1 != l2 || memcmp(w1, w2, l1) != 0) {
        fprintf(stderr, "second write differs\n");
        abort();
    }
    pk_profile_free(back);
    pk_profile_free(p);
    free(w1);
    free(w2);
    return 0;
}
