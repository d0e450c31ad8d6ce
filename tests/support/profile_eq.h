/* Structural equality of two profiles, for round-trip tests and fuzzers. */
#ifndef PK_TESTS_PROFILE_EQ_H
#define PK_TESTS_PROFILE_EQ_H

#include <stdbool.h>
#include <stddef.h>

#include <profkit/profile.h>

/*
 * True when a and b hold the same entries (same keys, flags and stats, in
 * the same order) and the same caller edges per entry (same order and
 * stats). Doubles compare exactly, NaNs as equal to NaNs. On a difference,
 * why (if not NULL) gets a short description.
 */
bool pk_test_profiles_equal(pk_profile *a, pk_profile *b, char *why, size_t why_len);

#endif
