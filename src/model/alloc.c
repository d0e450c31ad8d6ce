#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static long fail_countdown = -1;

/* True when the fault injector says this allocation must fail. */
static bool injected_failure(void)
{
    if (fail_countdown < 0)
        return false;
    if (fail_countdown == 0)
        return true;
    fail_countdown--;
    return false;
}

void pk_alloc_fail_after(long n)
{
    fail_countdown = n;
}

void *pk_malloc(size_t n)
{
    if (injected_failure())
        return NULL;
    return malloc(n ? n : 1);
}

void *pk_calloc(size_t count, size_t size)
{
    if (injected_failure())
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *pk_realloc(void *ptr, size_t n)
{
    if (injected_failure())
        return NULL;
    return realloc(ptr, n ? n : 1);
}

void pk_free(void *ptr)
{
    free(ptr);
}

bool pk_size_mul(size_t *out, size_t a, size_t b)
{
    size_t r;
    if (__builtin_mul_overflow(a, b, &r))
        return false;
    *out = r;
    return true;
}

bool pk_size_add(size_t *out, size_t a, size_t b)
{
    size_t r;
    if (__builtin_add_overflow(a, b, &r))
        return false;
    *out = r;
    return true;
}

bool pk_grow__slow(void **items, size_t *cap, size_t need, size_t item_size)
{
    size_t new_cap = *cap ? *cap : 8;
    size_t bytes;
    void *p;

    while (new_cap < need) {
        if (!pk_size_mul(&new_cap, new_cap, 2))
            return false;
    }
    if (!pk_size_mul(&bytes, new_cap, item_size))
        return false;
    p = pk_realloc(*items, bytes);
    if (!p)
        return false;
    *items = p;
    *cap = new_cap;
    return true;
}

bool pk_grow_zeroed(void **items, size_t *cap, size_t i, size_t item_size)
{
    size_t old = *cap;

    if (i < old)
        return true;
    if (i == SIZE_MAX || !pk_grow(items, cap, i + 1, item_size))
        return false;
    memset((char *)*items + old * item_size, 0, (*cap - old) * item_size);
    return true;
}
