/* The second file of cgwork: a static scale() like cgwork.c's, so two
 * functions share a name in different files. */
#include <string.h>

#include "cgwork.h"

static long scale(long v)
{
    return v * 5 - 2;
}

long checksum(const char *s, int rounds)
{
    long h = 0;
    size_t n = strlen(s), i;
    int r;

    for (r = 0; r < rounds; r++)
        for (i = 0; i < n; i++)
            h = scale(h % 100003 + (long)mix((unsigned char)s[i] + (unsigned)r));
    return h;
}
