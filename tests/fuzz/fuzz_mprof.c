/*
 * Fuzz target for the mprof .dat reader: read; if that works, write the
 * memory runs back as .dat, read that, and the runs, series, calls and the
 * derived function entries must be the same; writing again must give the
 * same bytes. A failed read must say why, with a line number when it is
 * about a line. Any crash, leak or UB is a finding.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <profkit/profkit.h>

#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    pk_fuzz_fail(what, NULL);
}

static bool str_eq(const pk_profile *a, pk_str x, const pk_profile *b, pk_str y)
{
    return pk_profile_str_len(a, x) == pk_profile_str_len(b, y) &&
           memcmp(pk_profile_str(a, x), pk_profile_str(b, y), pk_profile_str_len(a, x)) == 0;
}

static bool series_eq(const pk_mem_series *a, const pk_mem_series *b)
{
    return a->pid == b->pid && a->n == b->n &&
           (a->n == 0 || memcmp(a->samples, b->samples, a->n * sizeof *a->samples) == 0);
}

static bool call_eq(const pk_profile *pa, const pk_mem_call *a, const pk_profile *pb,
                    const pk_mem_call *b)
{
    return str_eq(pa, a->name, pb, b->name) && a->t0 == b->t0 && a->t1 == b->t1 &&
           a->mem0 == b->mem0 && a->mem1 == b->mem1 && a->level == b->level &&
           a->depth == b->depth;
}

static bool run_eq(const pk_profile *pa, const pk_mem_run *a, const pk_profile *pb,
                   const pk_mem_run *b)
{
    size_t i;
    if (a->has_cmdline != b->has_cmdline || (a->has_cmdline && !str_eq(pa, a->cmdline, pb, b->cmdline)) ||
        !series_eq(&a->main, &b->main) || a->nchildren != b->nchildren || a->ncalls != b->ncalls)
        return false;
    for (i = 0; i < a->nchildren; i++) {
        if (!series_eq(&a->children[i], &b->children[i]))
            return false;
    }
    for (i = 0; i < a->ncalls; i++) {
        if (!call_eq(pa, &a->calls[i], pb, &b->calls[i]))
            return false;
    }
    return true;
}

static char *write_dat(pk_profile *p, size_t *len)
{
    pk_write_opts wo = PK_WRITE_OPTS_INIT;
    wo.format = PK_FORMAT_MPROF;
    return pk_fuzz_write(p, &wo, len);
}

static void round_trip(pk_profile *p)
{
    size_t len = 0, again_len = 0, r;
    char *buf = write_dat(p, &len), *again;
    pk_profile *back = pk_fuzz_read_back(buf, len, PK_FORMAT_MPROF);

    if (pk_memory_run_count(back) != pk_memory_run_count(p))
        fail("round trip changed the number of runs");
    for (r = 0; r < pk_memory_run_count(p); r++) {
        if (!run_eq(p, pk_memory_run(p, r), back, pk_memory_run(back, r)))
            fail("round trip changed a run");
    }
    pk_fuzz_assert_equal(p, back, "round trip changed the function entries");
    again = write_dat(back, &again_len);
    if (again_len != len || memcmp(again, buf, len) != 0)
        fail("writing the re-read profile gave other bytes");
    pk_profile_free(back);
    free(buf);
    free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pk_profile *p = pk_fuzz_read(data, size, PK_FORMAT_MPROF);

    if (!p)
        return 0;
    if (pk_memory_run_count(p) == 0)
        fail("a successful read has no run");
    round_trip(p);
    pk_profile_free(p);
    return 0;
}
