/* A stable merge sort of index arrays (pstats relies on Python's stable
 * sort: ties keep their original order). */
#ifndef PK_ANALYSIS_MSORT_H
#define PK_ANALYSIS_MSORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <profkit/analysis.h>

typedef int (*pk_msort_cmp)(const void *ctx, uint32_t a, uint32_t b);

/* Sorts items stably; false when the scratch allocation fails. */
bool pk_msort(uint32_t *items, size_t n, pk_msort_cmp cmp, const void *ctx);

/* Sorts functions by pstats keys (sort.c); used by select.c. */
int pk__sort_funcs(uint32_t *funcs, size_t n, const pk_profile *p,
                   pk_stdnames *names, const pk_sort_key *keys, size_t nkeys);

#endif
