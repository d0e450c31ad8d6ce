/*
 * The steps every fuzz harness shares: read the input (a failure must
 * explain itself), write a profile into memory, read those bytes back
 * (which must work), compare. Any broken promise aborts, which libFuzzer
 * reports as a finding. A new reader's harness is these calls plus its
 * own comparisons.
 */
#ifndef PK_TESTS_FUZZ_SUPPORT_H
#define PK_TESTS_FUZZ_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include <profkit/profkit.h>

/* Input cap of the harnesses: far above any corpus entry, far below the
 * 256 MB malloc limit of run-fuzz.sh. */
#define PK_FUZZ_MAX_INPUT ((size_t)64 << 20)

/* Prints "fuzz: what" and aborts. */
void pk_fuzz_fail(const char *what, const char *detail);

/* The fuzz input read as format, or NULL after a failure that names its
 * problem (a failure without a message aborts). */
pk_profile *pk_fuzz_read(const uint8_t *data, size_t size, pk_format format);

/* p written with wo into a malloc'd buffer of *len bytes; aborts on failure. */
char *pk_fuzz_write(pk_profile *p, const pk_write_opts *wo, size_t *len);

/* buf (as written by pk_fuzz_write) read back as format; aborts on failure. */
pk_profile *pk_fuzz_read_back(const char *buf, size_t len, pk_format format);

/* Aborts unless a and b hold the same functions and edges (profile_eq.h). */
void pk_fuzz_assert_equal(pk_profile *a, pk_profile *b, const char *what);

#endif
