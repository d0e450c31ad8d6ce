/* Shared by the memory renderers (memory_text.c, chart.c). */
#ifndef PK_RENDER_MEMGROUP_H
#define PK_RENDER_MEMGROUP_H

#include <profkit/memory.h>

/*
 * Numbers the functions of a run's calls in order of each one's first call:
 * group[i] (r->ncalls entries, allocated by the caller) gets the number of
 * call i's function, *ngroups_out how many there are, and first[g] (also
 * r->ncalls entries) the index of function g's first call. O(n log n).
 * Returns PK_OK or PK_ENOMEM.
 */
int pk_mem__group_calls(uint32_t *group, uint32_t *first, size_t *ngroups_out,
                        const pk_mem_run *r);

#endif
