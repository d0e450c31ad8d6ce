#include "test_build.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

pk_str pk_test_intern(pk_profile *p, const char *s)
{
    pk_str id;
    assert_int_equal(pk_profile_intern(&id, p, s, strlen(s)), PK_OK);
    return id;
}

uint32_t pk_test_func(pk_profile *p, const char *file, int64_t line, const char *name,
                      int64_t nc, double tt, double ct)
{
    uint32_t f;
    pk_func *fn;

    assert_int_equal(pk_profile_func_get(&f, NULL, p, pk_test_intern(p, file), line,
                                         pk_test_intern(p, name)),
                     PK_OK);
    fn = pk_profile_func(p, f);
    fn->stats.ncalls = fn->stats.pcalls = nc;
    fn->stats.tottime = tt;
    fn->stats.cumtime = ct;
    return f;
}
