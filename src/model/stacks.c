/* The stacks part of a profile (see parts.h). */
#include "parts.h"

#include "alloc.h"

struct pk_stacks {
    int unused; /* filled in by the stacks module's owner */
};

void pk_stacks__free(struct pk_stacks *x)
{
    pk_free(x);
}
