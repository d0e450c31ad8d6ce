/*
 * A growable byte buffer: writers build their output in one, and the input
 * loader collects files and decompressed gzip streams in one.
 */
#ifndef PK_MODEL_BUF_H
#define PK_MODEL_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pk_buf {
    uint8_t *data;
    size_t len, cap;
    bool failed; /* an append ran out of memory; later appends do nothing */
} pk_buf;

#define PK_BUF_INIT {NULL, 0, 0, false}

bool pk_buf_reserve(pk_buf *b, size_t extra);
void pk_buf_append(pk_buf *b, const void *data, size_t n);
void pk_buf_byte(pk_buf *b, uint8_t v);
void pk_buf_u32le(pk_buf *b, uint32_t v);
void pk_buf_f64le(pk_buf *b, double v);
void pk_buf_dispose(pk_buf *b);

/* Names keep an undecodable byte of a Python 3 name as the lone surrogate
 * Python made of it (U+DC80 + byte, encoded ED B2|B3 80..BF). When the n
 * bytes at s start with one, stores the byte in *byte and returns true. */
bool pk_escaped_byte(const char *s, size_t n, uint8_t *byte);

/* The length of the text before the first such surrogate in the n bytes
 * at s (its byte then in *byte; it takes 3 bytes), or n when none is. */
size_t pk_py_text_run(const char *s, size_t n, uint8_t *byte);

/* Appends n bytes of text as Python writes a str to a file opened with
 * errors="surrogateescape": each such surrogate as its byte again. */
void pk_buf_append_py_text(pk_buf *b, const char *s, size_t n);

#endif
