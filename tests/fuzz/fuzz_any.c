/*
 * Fuzz target for what runs before any reader: gzip (one or more members,
 * the decompressed-size cap) and the format detection that picks the
 * reader, as a tool sees a file given without --from. The input is read
 * with PK_FORMAT_AUTO: a failure must explain itself; a profile read from
 * a detected format must then read the same from its own bytes with that
 * format named (detection and the reader agree).
 */
#include <stdint.h>
#include <stdlib.h>

#include <profkit/profkit.h>

#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pk_profile *p = pk_fuzz_read(data, size, PK_FORMAT_AUTO), *again;
    pk_format f;

    if (!p)
        return 0;
    f = pk_detect_format(data, size);
    if (f != PK_FORMAT_AUTO) { /* not gzip'd: the detected reader must agree */
        again = pk_fuzz_read(data, size, f);
        if (!again)
            pk_fuzz_fail("the detected format's reader refuses the input", pk_format_name(f));
        pk_fuzz_assert_equal(p, again, "reading with the detected format named changed the profile");
        pk_profile_free(again);
    }
    pk_profile_free(p);
    return 0;
}
