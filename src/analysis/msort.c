#include "msort.h"

#include <string.h>

#include "alloc.h"

/* Bottom-up merge sort: no recursion, O(n log n), stable. */
bool pk_msort(uint32_t *items, size_t n, pk_msort_cmp cmp, const void *ctx)
{
    uint32_t *tmp, *src = items, *dst;
    size_t width;

    if (n < 2)
        return true;
    tmp = pk_malloc(n * sizeof *tmp);
    if (!tmp)
        return false;
    dst = tmp;
    for (width = 1; width < n; width *= 2) {
        size_t lo;
        for (lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = cmp(ctx, src[j], src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != items)
        memcpy(items, src, n * sizeof *items);
    pk_free(tmp);
    return true;
}
