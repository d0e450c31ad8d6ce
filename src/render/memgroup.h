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

/* Passes pk_mem__labels makes at most (mprof's loop has no cap). */
#define PK_MEM_LABEL_MAX_PASSES 256

/*
 * The legend label of each of n distinct function names, as mprof's
 * function_labels() makes them (see memlabel.c): out[i] points into
 * names[i], at the shortest dotted suffix no other name's label shares.
 * Returns PK_OK or PK_ENOMEM.
 */
int pk_mem__labels(const char **out, const char *const *names, size_t n);

#endif
