/*
 * What the reader tests share: loading files of the source tree, and the
 * checks every reader gets (every truncated prefix fails cleanly, every
 * allocation failure is reported as such). A new reader's unit test uses
 * these instead of writing them again.
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

/* Reads buf as a profile with opts (NULL: defaults). On failure the error
 * must explain itself: a code, a message. Returns the status. */
int pk_test_read(pk_profile **out, const void *buf, size_t len, const pk_read_opts *opts,
                 pk_error *err);

/* Every proper prefix of buf (lengths 0 .. len-1) read with opts fails
 * with an explained error and no crash, leak or half-made profile; each
 * failure must be one of the codes allowed (PK_EFORMAT, and PK_EUNSUPPORTED
 * when allow_unsupported). `step` > 1 checks every step-th prefix and the
 * last 64 ones (for large inputs). */
void pk_test_every_prefix_fails(const uint8_t *buf, size_t len, const pk_read_opts *opts,
                                size_t step, bool allow_unsupported);

/* Reads buf with the n-th allocation failing, for n = 0, 1, ... until the
 * read succeeds: every failure before that must be PK_ENOMEM with a
 * message. Returns how many failures were injected. */
long pk_test_alloc_failures(const uint8_t *buf, size_t len, const pk_read_opts *opts);

#endif
