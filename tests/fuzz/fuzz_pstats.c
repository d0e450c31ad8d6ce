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

#include "profile_eq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(pk_profile *p, int version)
{
    pk_write_opts wo = PK_WRITE_OPTS_INIT;
    pk_read_opts ro = PK_READ_OPTS_INIT;
    pk_error err = PK_ERROR_INIT;
    pk_profile *back = NULL;
    char *buf = NULL;
    size_t len = 0;
    char why[128];
    FILE *f = open_memstream(&buf, &len);

    if (!f)
        abort();
    wo.marshal_version = version;
    if (pk_write(f, p, &wo, &err) != PK_OK || fclose(f) != 0) {
        fprintf(stderr, "write v%d failed: %s\n", version, err.msg);
        abort();
    }
    ro.format = PK_FORMAT_PSTATS;
    if (pk_read_buffer(&back, buf, len, "round-trip", &ro, &err) != PK_OK) {
        fprintf(stderr, "reading back v%d failed: %s\n", version, err.msg);
        abort();
    }
    if (!pk_test_profiles_equal(p, back, why, sizeof why)) {
        fprintf(stderr, "v%d round trip changed the profile: %s\n", version, why);
        abort();
    }
    pk_profile_free(back);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pk_read_opts ro = PK_READ_OPTS_INIT;
    pk_error err = PK_ERROR_INIT;
    pk_profile *p = NULL;

    ro.format = PK_FORMAT_PSTATS;
    ro.max_input = (size_t)64 << 20;
    if (pk_read_buffer(&p, data, size, "fuzz", &ro, &err) != PK_OK) {
        if (err.code == PK_OK || err.msg[0] == '\0')
            abort(); /* a failure must explain itself */
        return 0;
    }
    round_trip(p, 2);
    round_trip(p, 4);
    pk_profile_free(p);
    return 0;
}
