/* Shared by cgwork.c and helper.c; mix() is inlined at -O2, so callgrind
 * attributes its cost to this header with fi=/fe= lines. */
#ifndef CGWORK_H
#define CGWORK_H

static inline unsigned mix(unsigned x)
{
    x ^= x >> 7;
    x *= 2654435761u;
    x ^= x >> 13;
    return x;
}

long checksum(const char *s, int rounds);

#endif
