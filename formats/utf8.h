/*
 * UTF-8 as the Python readers and writers need it: the rules of Python's
 * surrogatepass codec (what marshal and pickle use for str), and names
 * kept as Python 3 keeps an undecodable byte (surrogateescape). One copy
 * for marshal, pickle, pstats and callgrind.
 */
#ifndef PK_FORMATS_UTF8_H
#define PK_FORMATS_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* The length of the ASCII run s starts with, tested eight bytes at a
 * time: every name read or written passes through here. */
size_t pk_utf8_ascii_prefix(const uint8_t *s, size_t n);

/* The length of the UTF-8 sequence s starts with (n > 0 bytes), as
 * Python's surrogatepass decoder reads it: well-formed, shortest form, up
 * to U+10FFFF, encoded surrogates (ED A0..BF xx) allowed; 0 when s[0]
 * does not start one. */
size_t pk_utf8_seq(const uint8_t *s, size_t n);

/* True when all n bytes at s are such sequences. */
bool pk_utf8_ok(const uint8_t *s, size_t n);

/* Appends the n bytes at s as name text: such sequences as they are, and
 * each other byte as U+DC80 + byte (encoded ED B2|B3 xx), as Python 3
 * decodes a name it cannot (surrogateescape). Readers keep names that way,
 * so a name reads the same from every file, whoever wrote its bytes. */
void pk_utf8_append_escaped(pk_buf *b, const uint8_t *s, size_t n);

/* The same for bytes of a text file that a writer made with
 * pk_buf_append_py_text (callgrind names), which wrote each encoded
 * U+DC80..U+DCFF as its byte: here such an encoded surrogate is three
 * stray bytes, as Python's strict decoder takes it. Reading what was
 * written then gives back the same name; had it been kept, the byte it
 * stood for and its neighbours could come back as another character. */
bool pk_utf8_file_text_ok(const uint8_t *s, size_t n);
void pk_utf8_append_file_text(pk_buf *b, const uint8_t *s, size_t n);

#endif
