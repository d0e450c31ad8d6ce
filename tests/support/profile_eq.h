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

/*
 * Stricter: every function (caller-only ones too) in the same order with
 * the same key, flags and stats, each with the same callers and callees in
 * the same order, and the same total time and source. For two ways of
 * making one profile, such as a merge and adding files one by one.
 */
bool pk_test_profiles_identical(pk_profile *a, pk_profile *b, char *why, size_t why_len);

#endif
