/* The memory part of a profile (see parts.h). */
#include "parts.h"

#include "alloc.h"

struct pk_memory {
    int unused; /* filled in by the memory module's owner */
};

void pk_memory__free(struct pk_memory *x)
{
    pk_free(x);
}
