#include "profile_eq.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <profkit/analysis.h>

static bool same_double(double x, double y)
{
    return x == y || (isnan(x) && isnan(y));
}

static bool same_stats(const pk_stats *x, const pk_stats *y)
{
    return x->ncalls == y->ncalls && x->pcalls == y->pcalls &&
           same_double(x->tottime, y->tottime) && same_double(x->cumtime, y->cumtime);
}

static bool same_str(const pk_profile *a, pk_str sa, const pk_profile *b, pk_str sb)
{
    size_t la = pk_profile_str_len(a, sa);
    return la == pk_profile_str_len(b, sb) &&
           memcmp(pk_profile_str(a, sa), pk_profile_str(b, sb), la) == 0;
}

static bool same_key(const pk_profile *a, uint32_t fa, const pk_profile *b, uint32_t fb)
{
    const pk_func *x = pk_profile_func_c(a, fa), *y = pk_profile_func_c(b, fb);
    return x->line == y->line && same_str(a, x->file, b, y->file) &&
           same_str(a, x->name, b, y->name);
}

static bool fail(char *why, size_t n, const char *msg, size_t index)
{
    if (why && n)
        snprintf(why, n, "%s (entry %zu)", msg, index);
    return false;
}

static bool same_callers(pk_profile *a, uint32_t fa, pk_profile *b, uint32_t fb,
                         char *why, size_t n, size_t index)
{
    const uint32_t *ea, *eb;
    size_t na, nb, i;

    if (pk_profile_callers(&ea, &na, a, fa) != PK_OK ||
        pk_profile_callers(&eb, &nb, b, fb) != PK_OK)
        return fail(why, n, "out of memory", index);
    if (na != nb)
        return fail(why, n, "caller counts differ", index);
    for (i = 0; i < na; i++) {
        const pk_edge *x = pk_profile_edge_c(a, ea[i]), *y = pk_profile_edge_c(b, eb[i]);
        if (!same_key(a, x->caller, b, y->caller))
            return fail(why, n, "caller keys differ", index);
        if (x->flags != y->flags || !same_stats(&x->stats, &y->stats))
            return fail(why, n, "caller stats differ", index);
    }
    return true;
}

/* The next entry (stats-dict key) at or after *i, or false at the end. */
static bool next_entry(const pk_profile *p, size_t *i)
{
    size_t n = pk_profile_func_count(p);
    while (*i < n && !pk_func_is_entry(pk_profile_func_c(p, (uint32_t)*i)))
        (*i)++;
    return *i < n;
}

bool pk_test_profiles_equal(pk_profile *a, pk_profile *b, char *why, size_t why_len)
{
    size_t ia = 0, ib = 0, k = 0;

    for (;; ia++, ib++, k++) {
        bool more_a = next_entry(a, &ia), more_b = next_entry(b, &ib);
        const pk_func *x, *y;
        if (more_a != more_b)
            return fail(why, why_len, "entry counts differ", k);
        if (!more_a)
            return true;
        x = pk_profile_func_c(a, (uint32_t)ia);
        y = pk_profile_func_c(b, (uint32_t)ib);
        if (!same_key(a, (uint32_t)ia, b, (uint32_t)ib))
            return fail(why, why_len, "keys differ", k);
        /* A code object key is written as its description, so the flag
         * saying it was one cannot survive a round trip. */
        if ((x->flags & ~(uint32_t)PK_FUNC_CODE_KEY) != (y->flags & ~(uint32_t)PK_FUNC_CODE_KEY) ||
            !same_stats(&x->stats, &y->stats))
            return fail(why, why_len, "stats differ", k);
        if (!same_callers(a, (uint32_t)ia, b, (uint32_t)ib, why, why_len, k))
            return false;
    }
}

/* The callees of function f in a and b: same keys, in the same order. */
static bool same_callees(pk_profile *a, pk_profile *b, uint32_t f, char *why, size_t n)
{
    const uint32_t *ea, *eb;
    size_t na, nb, i;

    if (pk_profile_callees(&ea, &na, a, f) != PK_OK ||
        pk_profile_callees(&eb, &nb, b, f) != PK_OK)
        return fail(why, n, "out of memory", f);
    if (na != nb)
        return fail(why, n, "callee counts differ", f);
    for (i = 0; i < na; i++) {
        if (!same_key(a, pk_profile_edge_c(a, ea[i])->callee, b,
                      pk_profile_edge_c(b, eb[i])->callee))
            return fail(why, n, "callees differ", f);
    }
    return true;
}

bool pk_test_profiles_identical(pk_profile *a, pk_profile *b, char *why, size_t why_len)
{
    size_t n = pk_profile_func_count(a), i;

    if (n != pk_profile_func_count(b))
        return fail(why, why_len, "function counts differ", n);
    if (pk_profile_edge_count(a) != pk_profile_edge_count(b))
        return fail(why, why_len, "edge counts differ", pk_profile_edge_count(a));
    if (!same_double(pk_profile_total_time(a), pk_profile_total_time(b)) ||
        pk_profile_source(a) != pk_profile_source(b))
        return fail(why, why_len, "total time or source differs", 0);
    for (i = 0; i < n; i++) {
        const pk_func *x = pk_profile_func_c(a, (uint32_t)i);
        const pk_func *y = pk_profile_func_c(b, (uint32_t)i);
        if (!same_key(a, (uint32_t)i, b, (uint32_t)i))
            return fail(why, why_len, "keys differ", i);
        if (x->flags != y->flags || !same_stats(&x->stats, &y->stats))
            return fail(why, why_len, "flags or stats differ", i);
        if (!same_callers(a, (uint32_t)i, b, (uint32_t)i, why, why_len, i) ||
            !same_callees(a, b, (uint32_t)i, why, why_len))
            return false;
    }
    return true;
}
