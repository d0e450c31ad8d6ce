/*
 * JSON string literals for any bytes (not public). Profile names are bytes
 * as the profiler stored them: usually UTF-8, sometimes with lone
 * surrogates encoded as generalised UTF-8 (ED A0-BF xx, what pstats keeps
 * for undecodable file names), sometimes not UTF-8 at all. The result is
 * always valid JSON: a surrogate becomes its \udXXX escape (the string
 * Python decodes), a byte that starts no well-formed sequence becomes
 * \u00XX (the byte read as Latin-1), control characters, '"' and '\'
 * are escaped, and everything else is copied.
 *
 * One escaper for every JSON writer: the speedscope writer (formats/) and
 * the csv/json renderers (src/render/).
 */
#ifndef PK_MODEL_JSON_H
#define PK_MODEL_JSON_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"

/* Receives the pieces of an escaped string, in order. */
typedef void (*pk_json__emit_fn)(void *ctx, const char *piece, size_t n);

/* Emits "s" (len bytes, NULs allowed), quotes included, as JSON. */
void pk_json__escape(pk_json__emit_fn emit, void *ctx, const char *s, size_t len);

/* pk_json__escape() appending to b (b->failed on out of memory). */
void pk_json__buf_str(pk_buf *b, const char *s, size_t len);

/* pk_json__escape() printing to out (errors show in ferror(out)). */
void pk_json__print_str(FILE *out, const char *s, size_t len);

#endif
