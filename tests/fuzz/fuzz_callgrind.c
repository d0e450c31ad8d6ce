/*
 * Fuzz target for the callgrind reader and writer: read; if that works,
 * write callgrind, read that back: the same entries, stats, edges, total,
 * cost unit and command; writing again gives the same bytes. A failed
 * read must say why; the writer may refuse only what callgrind cannot
 * hold (a name ending in "\r", a cost beyond 2^63), with a message. Any
 * crash, leak or UB is a finding.
 *
 * Exactness is checked while the time costs stay below 2^50 units: a
 * time event is held as seconds (a double), and cost / 1e9 * 1e9 rounds
 * back to the same integer only below about 2^51.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <profkit/profkit.h>

#include "fuzz_support.h"
#include "profile_eq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define EXACT_LIMIT 1125899906842624.0 /* 2^50 */

/* NULL: the writer refused (with a reason). */
static char *write_cg(pk_profile *p, size_t *len)
{
    pk_write_opts wo = PK_WRITE_OPTS_INIT;
    pk_error err = PK_ERROR_INIT;
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    int rc;

    if (!f)
        abort();
    wo.format = PK_FORMAT_CALLGRIND;
    rc = pk_write(f, p, &wo, &err);
    if (fclose(f) != 0)
        abort();
    if (rc == PK_EINVAL && err.msg[0]) {
        free(buf);
        return NULL;
    }
    if (rc != PK_OK)
        pk_fuzz_fail("writing failed", err.msg);
    return buf;
}

static bool exact_range(pk_profile *p)
{
    double per = pk_profile_cost_per_second(p), big = 0;
    size_t i;

    if (per <= 0)
        return true; /* counts are integers in doubles either way */
    for (i = 0; i < pk_profile_func_count(p); i++) {
        const pk_func *f = pk_profile_func_c(p, (uint32_t)i);
        big = fmax(big, fmax(f->stats.tottime, f->stats.cumtime));
    }
    for (i = 0; i < pk_profile_edge_count(p); i++)
        big = fmax(big, pk_profile_edge_c(p, (uint32_t)i)->stats.cumtime);
    big = fmax(big, pk_profile_total_time(p));
    return big * per < EXACT_LIMIT;
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void round_trip(pk_profile *p)
{
    pk_profile *back = NULL;
    size_t l1 = 0, l2 = 0;
    char *w1 = write_cg(p, &l1), *w2, why[128];

    if (!w1)
        return;
    back = pk_fuzz_read_back(w1, l1, PK_FORMAT_CALLGRIND);
    if (exact_range(p)) {
        if (!pk_test_profiles_equal(p, back, why, sizeof why))
            pk_fuzz_fail("round trip changed the functions", why);
        if (pk_profile_func_count(p) != pk_profile_func_count(back) ||
            pk_profile_total_time(p) != pk_profile_total_time(back) ||
            !same_text(pk_profile_cost_name(p), pk_profile_cost_name(back)) ||
            pk_profile_cost_per_second(p) != pk_profile_cost_per_second(back) ||
            !same_text(pk_profile_command(p), pk_profile_command(back)))
            pk_fuzz_fail("round trip changed the totals, unit or command", NULL);
        w2 = write_cg(back, &l2);
        if (!w2 || l1 != l2 || memcmp(w1, w2, l1) != 0)
            pk_fuzz_fail("writing the re-read profile gave other bytes", NULL);
        free(w2);
    }
    pk_profile_free(back);
    free(w1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pk_profile *p = pk_fuzz_read(data, size, PK_FORMAT_CALLGRIND);

    if (!p)
        return 0;
    round_trip(p);
    pk_profile_free(p);
    return 0;
}
