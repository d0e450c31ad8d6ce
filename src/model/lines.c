/* The lines part of a profile (see parts.h). */
#include "parts.h"

#include "alloc.h"

struct pk_lines {
    int unused; /* filled in by the lines module's owner */
};

void pk_lines__free(struct pk_lines *x)
{
    pk_free(x);
}
