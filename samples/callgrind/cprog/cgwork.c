/*
 * A small C program for callgrind samples: recursion (fib), mutual
 * recursion (is_even/is_odd), a callback through libc (qsort), a helper in
 * another file, static functions with the same name in two files
 * (scale), and a header's static inline function (mix), which -O2 inlines
 * so that callgrind writes fi=/fe= lines. Deterministic: no time, no
 * randomness, same output every run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgwork.h"

static long fib(int n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static int is_odd(unsigned n);

static int is_even(unsigned n)
{
    return n == 0 ? 1 : is_odd(n - 1);
}

static int is_odd(unsigned n)
{
    return n == 0 ? 0 : is_even(n - 1);
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static long scale(long v)
{
    return v * 3 + 1;
}

static long sort_numbers(size_t n)
{
    long *v = malloc(n * sizeof *v);
    long sum = 0;
    size_t i;

    if (!v)
        return -1;
    for (i = 0; i < n; i++)
        v[i] = scale((long)mix((unsigned)i) % 1000);
    qsort(v, n, sizeof *v, cmp_long);
    for (i = 0; i < n; i += 7)
        sum += v[i];
    free(v);
    return sum;
}

static size_t count_words(const char *text)
{
    size_t n = 0;
    const char *p = text;

    while (*p) {
        p += strspn(p, " ");
        if (*p)
            n++;
        p += strcspn(p, " ");
    }
    return n;
}

int main(void)
{
    long f = fib(18);
    int even = is_even(301);
    long sorted = sort_numbers(2000);
    size_t words = count_words("callgrind counts every instruction of this short text");
    long hashed = checksum("profkit", 50);

    printf("fib=%ld even=%d sorted=%ld words=%zu hashed=%ld\n", f, even, sorted, words,
           hashed);
    return 0;
}
