/* Building small profiles by hand in unit tests. Each step must work
 * (the test fails otherwise). */
#ifndef PK_TESTS_TEST_BUILD_H
#define PK_TESTS_TEST_BUILD_H

#include <stdint.h>

#include <profkit/profile.h>

/* The id of s interned in p. */
pk_str pk_test_intern(pk_profile *p, const char *s);

/* The function (file, line, name), added if absent, with ncalls = pcalls
 * = nc, tottime tt and cumtime ct. */
uint32_t pk_test_func(pk_profile *p, const char *file, int64_t line, const char *name,
                      int64_t nc, double tt, double ct);

#endif
