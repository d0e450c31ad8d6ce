/*
 * What the reader unit tests share: loading files of the source tree,
 * listing samples, the bad-file table (expected.txt), and the checks every
 * reader gets (every truncated prefix fails cleanly; allocation failures
 * are reported as such). A new reader's unit test uses these instead of
 * writing them again.
 */
#ifndef PK_TESTS_TEST_FILES_H
#define PK_TESTS_TEST_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <profkit/io.h>

/* The whole file at path (absolute, or relative to the source root) in a
 * malloc'd buffer with a NUL after its len bytes; fails the test if the
 * file cannot be read. */
uint8_t *pk_test_load(const char *path, size_t *len);

/* Sorted names of the files in dir (as pk_test_load takes it) ending in
 * suffix ("" for all but dot files), NULL-terminated; at least min_count
 * of them. With full_path, each name is "dir/name". pk_test_free_names. */
char **pk_test_list(const char *dir, const char *suffix, bool full_path, size_t min_count);
void pk_test_free_names(char **names);

/* Calls check(data, len, name, message) for each line "name<TAB>message"
 * of dir/expected.txt, with the file's bytes; at least min_count lines. */
void pk_test_each_bad_file(const char *dir, size_t min_count,
                           void (*check)(const uint8_t *data, size_t len, const char *name,
                                         const char *message));

/* A reader under test: makes *out (which the caller frees, also after a
 * failure) from len bytes. */
typedef int (*pk_test_read_fn)(pk_profile **out, const void *data, size_t len, pk_error *err);

/* Every proper prefix of data (a copy of exactly that many bytes, so ASan
 * sees any read past it) fails with PK_EFORMAT, err->format == format, a
 * message, and an offset (if any) inside the prefix; the whole of data
 * reads. name is used in failure messages. */
void pk_test_every_prefix_fails(pk_test_read_fn read, const char *format, const uint8_t *data,
                                size_t len, const char *name);

/* Runs op(ctx, err) with the k-th allocation failing, k = 0, 1, ... until
 * it succeeds: every earlier run must fail with PK_ENOMEM, recorded in err.
 * Returns the number of failing runs. */
long pk_test_alloc_failures(int (*op)(void *ctx, pk_error *err), void *ctx);

/* A format's reader into a profile the caller made (pk_<format>__read). */
typedef int (*pk_test_read_into_fn)(pk_profile *p, const uint8_t *buf, size_t len,
                                    pk_error *err);

/* pk_test_alloc_failures of read into a fresh profile from len bytes of
 * data. Making the profile is under the injected failures too (there is no
 * window outside them); its failure is reported as PK_ENOMEM of format.
 * Returns the number of failing runs. */
long pk_test_read_alloc_failures(pk_test_read_into_fn read, const char *format,
                                 const uint8_t *data, size_t len);

#endif
