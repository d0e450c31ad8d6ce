/*
 * The line cursor for text formats (mprof .dat, folded stacks): the only
 * code that indexes the bytes of a text input, as rd.h is for binary ones.
 *
 * pk_lc_next() steps through the input one line at a time. A line ends at
 * "\n"; a "\r" right before it is dropped (CRLF files), and the last line
 * may lack its newline. A NUL byte anywhere is an error: text formats never
 * hold one, and it would cut C strings short.
 *
 * Errors are sticky, like rd.h's: the first one is recorded with its line
 * and column ("... at line 3, column 5"), err->line is set, err->offset is
 * the byte offset of that column, and every later pk_lc_next() returns
 * false. Parsing helpers return NULL on success or a static description
 * of what was wrong, which the caller passes to pk_lc_fail() with the
 * column (jq's style: inner helpers say what, the driver says where).
 */
#ifndef PK_FORMATS_LINES_H
#define PK_FORMATS_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <profkit/error.h>

typedef struct pk_lc {
    const uint8_t *buf;
    size_t len;
    size_t pos;          /* start of the next line; invariant: pos <= len */
    const char *line;    /* the current line, without its "\n" / "\r\n" */
    size_t line_len;
    size_t line_start;   /* byte offset of the current line */
    uint64_t lineno;     /* 1-based number of the current line, 0 before the first */
    const char *format;  /* static name used in messages */
    pk_error *err;
    bool failed;
} pk_lc;

/* A piece of the current line: its bytes and its 1-based column. */
typedef struct pk_span {
    const char *p;
    size_t len;
    size_t col;
} pk_span;

void pk_lc_init(pk_lc *c, const void *buf, size_t len, const char *format,
                pk_error *err);

/*
 * Moves to the next line. Returns false at the end of the input or after a
 * failure (check c->failed to tell them apart). A NUL byte in the line
 * fails the cursor with the line and column where it is.
 */
bool pk_lc_next(pk_lc *c);

/*
 * Records an error on the current line (the first error wins) and marks
 * the cursor failed. col is 1-based (0: no column). The message gets
 * " at line N" or " at line N, column M" appended. Returns code.
 */
int pk_lc_fail(pk_lc *c, int code, size_t col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* The current line as a span (column 1). */
pk_span pk_lc_span(const pk_lc *c);

/*
 * Splits s at the first occurrence of sep: *head gets what is before it,
 * *tail what is after. Returns false (head = s, tail empty) when s has no
 * sep.
 */
bool pk_span_cut(pk_span *head, pk_span *tail, pk_span s, char sep);

/* Splits s at the last occurrence of sep, like pk_span_cut(). */
bool pk_span_cut_last(pk_span *head, pk_span *tail, pk_span s, char sep);

/* True when s holds exactly the NUL-terminated text t. */
bool pk_span_eq(pk_span s, const char *t);

/* True when s contains the byte ch. */
bool pk_span_has(pk_span s, char ch);

/* How many times s contains the byte ch. */
size_t pk_span_count(pk_span s, char ch);

/*
 * A printable excerpt of s for messages, NUL-terminated in out (n > 4): at
 * most 24 bytes, "..." when cut, and bytes outside printable ASCII as '?'.
 * Returns out.
 */
const char *pk_span_excerpt(char *out, size_t n, pk_span s);

/*
 * Parses all of s as a decimal floating-point number: optional sign,
 * digits with an optional fraction, optional exponent (no hex, inf, nan or
 * spaces). The value must be finite and within [min, max]. Returns NULL
 * and sets *out, or a static message.
 */
const char *pk_span_double(double *out, pk_span s, double min, double max);

/*
 * Parses all of s as a decimal integer (optional '-' sign, digits only)
 * within [min, max]. Returns NULL and sets *out, or a static message.
 */
const char *pk_span_i64(int64_t *out, pk_span s, int64_t min, int64_t max);

#endif
