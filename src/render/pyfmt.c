#include "pyfmt.h"

#include "buf.h"
#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* If a precision reads back as v, every longer one does too (its digits
 * are at least as close), so a binary search finds the shortest in 5
 * tries instead of up to 17: a tenth of prof-diff's JSON time. */
void pk_fmt_shortest(char *buf, size_t n, double v)
{
    int lo = 1, hi = 17;

    while (lo < hi) {
        int mid = (lo + hi) / 2;
        snprintf(buf, n, "%.*g", mid, v);
        if (strtod(buf, NULL) == v)
            hi = mid;
        else
            lo = mid + 1;
    }
    snprintf(buf, n, "%.*g", lo, v);
}

void pk_fmt_py_float_repr(char *buf, size_t n, double v)
{
    char digits[40];
    double mag = fabs(v);

    if (isnan(v)) {
        snprintf(buf, n, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, n, v < 0 ? "-inf" : "inf");
        return;
    }
    pk_fmt_shortest(digits, sizeof digits, v);
    if (mag != 0 && (mag < 1e-4 || mag >= 1e16)) {
        /* %g already gives d.ddde-05; Python writes the same exponent form. */
        snprintf(buf, n, "%s", digits);
        return;
    }
    if (strchr(digits, 'e')) {
        /* %g chose an exponent Python would not use: print positionally. */
        int prec;
        for (prec = 0; prec <= 20; prec++) {
            snprintf(buf, n, "%.*f", prec, v);
            if (strtod(buf, NULL) == v)
                break;
        }
    } else {
        snprintf(buf, n, "%s", digits);
    }
    if (!strchr(buf, '.') && !strchr(buf, 'e') && strlen(buf) + 2 < n)
        strcat(buf, ".0");
}

void pk_print_py_str_repr(FILE *out, const char *s)
{
    char quote = '\'';
    const unsigned char *p;

    if (strchr(s, '\'') && !strchr(s, '"'))
        quote = '"';
    fputc(quote, out);
    for (p = (const unsigned char *)s; *p; p++) {
        if (*p == '\\' || *p == (unsigned char)quote)
            fprintf(out, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\r')
            fputs("\\r", out);
        else if (*p == '\t')
            fputs("\\t", out);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
    }
    fputc(quote, out);
}

/* Writes len bytes of s, each escaped byte (pk_escaped_byte) as itself. */
static void put_py_text(FILE *out, const char *s, size_t len)
{
    uint8_t byte;

    for (;;) {
        size_t run = pk_py_text_run(s, len, &byte);
        fwrite(s, 1, run, out);
        if (run == len)
            return;
        fputc(byte, out);
        s += run + 3;
        len -= run + 3;
    }
}

void pk_print_py_text(FILE *out, const char *s)
{
    put_py_text(out, s, strlen(s));
}

void pk_print_ljust(FILE *out, const char *s, size_t s_width, size_t width)
{
    pk_print_py_text(out, s);
    for (; s_width < width; s_width++)
        fputc(' ', out);
}

void pk_print_json_str(FILE *out, const char *s)
{
    pk_json__print_str(out, s, strlen(s));
}

void pk_print_json_double(FILE *out, double v)
{
    char buf[40];
    if (!isfinite(v)) {
        fputs("null", out);
        return;
    }
    pk_fmt_shortest(buf, sizeof buf, v);
    fputs(buf, out);
}

void pk_print_csv_strn(FILE *out, const char *s, size_t len)
{
    size_t i;

    if (!memchr(s, ',', len) && !memchr(s, '"', len) && !memchr(s, '\r', len) &&
        !memchr(s, '\n', len)) {
        put_py_text(out, s, len);
        return;
    }
    fputc('"', out);
    for (i = 0; i < len; i++) {
        const char *q = memchr(s + i, '"', len - i);
        size_t run = q ? (size_t)(q - (s + i)) + 1 : len - i;
        put_py_text(out, s + i, run);
        if (q)
            fputc('"', out);
        i += run - 1;
    }
    fputc('"', out);
}

void pk_print_csv_str(FILE *out, const char *s)
{
    pk_print_csv_strn(out, s, strlen(s));
}
