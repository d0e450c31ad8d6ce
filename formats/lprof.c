/* The lprof format (to be written; see formats.h). */
#include "formats.h"

bool pk_lprof__sniff(const uint8_t *buf, size_t len)
{
    (void)buf;
    (void)len;
    return false;
}

int pk_lprof__read(pk_profile *p, const uint8_t *buf, size_t len, pk_error *err)
{
    (void)p;
    (void)buf;
    (void)len;
    return pk_error_set(err, PK_EUNSUPPORTED, "lprof", -1, "reading lprof files is not implemented yet");
}
