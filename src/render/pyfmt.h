/*
 * Formatting numbers and strings the way Python prints them, so text
 * output can match the reference tools byte for byte.
 */
#ifndef PK_RENDER_PYFMT_H
#define PK_RENDER_PYFMT_H

#include <stddef.h>
#include <stdio.h>

/* The shortest "%.Ng" text that reads back as the same double. */
void pk_fmt_shortest(char *buf, size_t n, double v);

/* Python's repr() of a float: shortest digits, ".0" on integral values,
 * exponent form below 1e-4 and from 1e16 ("1e-05", "1e+16"). */
void pk_fmt_py_float_repr(char *buf, size_t n, double v);

/* Python's repr() of a str given as UTF-8: quotes chosen as Python does,
 * backslash escapes for quotes, backslashes and control characters. */
void pk_print_py_str_repr(FILE *out, const char *s);

/* Prints s, UTF-8 with encoded surrogates, as Python writes a str to a
 * stream whose error handler is surrogateescape (what sys.stdout uses in
 * the C locale, and the only way pstats prints such a str without raising):
 * U+DC80..U+DCFF, what Python 3 made of an undecodable byte of a file name,
 * becomes that byte again; everything else is written as it is. */
void pk_print_py_text(FILE *out, const char *s);

/* Prints s (as pk_print_py_text), then spaces up to `width` code points
 * (str.ljust). */
void pk_print_ljust(FILE *out, const char *s, size_t s_width, size_t width);

/* Prints the NUL-terminated s as a JSON string literal (any bytes: see
 * pk_json__print_str() in src/model/json.h). */
void pk_print_json_str(FILE *out, const char *s);

/* Prints s as one CSV field (RFC 4180): quoted, with doubled quotes,
 * when it holds a comma, a quote or a line break; an encoded U+DC80..U+DCFF
 * as its byte, as pk_print_py_text (what Python's csv module writes to a
 * surrogateescape file). */
void pk_print_csv_str(FILE *out, const char *s);
void pk_print_csv_strn(FILE *out, const char *s, size_t len);

/* A JSON number (shortest round-trip form), or null when not finite. */
void pk_print_json_double(FILE *out, double v);

#endif
