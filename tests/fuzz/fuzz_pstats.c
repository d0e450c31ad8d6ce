/*
 * Fuzz target for the pstats reader: read; if that works, write as marshal
 * version 2 and 4 and read each back, and the model must be the same.
 * A failed read must say why. Any crash, leak or UB is a finding.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <profkit/profkit.h>

#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(pk_profile *p, int version)
{
    pk_write_opts wo = PK_WRITE_OPTS_INIT;
    size_t len = 0;
    char *buf, what[64];
    pk_profile *back;

    wo.marshal_version = version;
    buf = pk_fuzz_write(p, &wo, &len);
    back = pk_fuzz_read_back(buf, len, PK_FORMAT_PSTATS);
    snprintf(what, sizeof what, "the v%d round trip changed the profile", version);
    pk_fuzz_assert_equal(p, back, what);
    pk_profile_free(back);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pk_profile *p = pk_fuzz_read(data, size, PK_FORMAT_PSTATS);

    if (!p)
        return 0;
    round_trip(p, 2);
    round_trip(p, 4);
    pk_profile_free(p);
    return 0;
}
