/* The line cursor for text formats (see lines.h). */
#include "lines.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longer numbers than this are refused rather than copied: no format we
 * read writes more than 30 characters for one. */
#define MAX_NUMBER_TEXT 63

void pk_lc_init(pk_lc *c, const void *buf, size_t len, const char *format,
                pk_error *err)
{
    memset(c, 0, sizeof *c);
    c->buf = buf;
    c->len = len;
    c->format = format;
    c->err = err;
    c->line = "";
}

bool pk_lc_next(pk_lc *c)
{
    const uint8_t *start, *nl, *nul;
    size_t left, n;

    if (c->failed || c->pos >= c->len)
        return false;
    start = c->buf + c->pos;
    left = c->len - c->pos;
    nl = memchr(start, '\n', left);
    n = nl ? (size_t)(nl - start) : left;
    c->line = (const char *)start;
    c->line_start = c->pos;
    c->line_len = n;
    c->lineno++;
    c->pos += nl ? n + 1 : n;
    nul = memchr(start, '\0', n);
    if (nul) {
        pk_lc_fail(c, PK_EFORMAT, (size_t)(nul - start) + 1, "NUL byte in text");
        return false;
    }
    if (n > 0 && start[n - 1] == '\r')
        c->line_len--;
    return true;
}

int pk_lc_fail(pk_lc *c, int code, size_t col, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    int64_t offset = (int64_t)c->line_start + (col ? (int64_t)col - 1 : 0);

    c->failed = true;
    if (!c->err || c->err->code != PK_OK)
        return code;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (col)
        pk_error_set(c->err, code, c->format, offset, "%s at line %llu, column %zu", msg,
                     (unsigned long long)c->lineno, col);
    else
        pk_error_set(c->err, code, c->format, offset, "%s at line %llu", msg,
                     (unsigned long long)c->lineno);
    c->err->line = (int64_t)c->lineno;
    return code;
}

pk_span pk_lc_span(const pk_lc *c)
{
    pk_span s = {c->line, c->line_len, 1};
    return s;
}

static void split_at(pk_span *head, pk_span *tail, pk_span s, size_t i)
{
    pk_span h = {s.p, i, s.col};
    pk_span t = {s.p + i + 1, s.len - i - 1, s.col + i + 1};
    *head = h;
    *tail = t;
}

bool pk_span_cut(pk_span *head, pk_span *tail, pk_span s, char sep)
{
    const char *at = s.len ? memchr(s.p, sep, s.len) : NULL;
    pk_span empty = {s.p + s.len, 0, s.col + s.len};

    if (!at) {
        *head = s;
        *tail = empty;
        return false;
    }
    split_at(head, tail, s, (size_t)(at - s.p));
    return true;
}

bool pk_span_cut_last(pk_span *head, pk_span *tail, pk_span s, char sep)
{
    size_t i = s.len;
    pk_span empty = {s.p + s.len, 0, s.col + s.len};

    while (i > 0) {
        if (s.p[--i] == sep) {
            split_at(head, tail, s, i);
            return true;
        }
    }
    *head = s;
    *tail = empty;
    return false;
}

bool pk_span_eq(pk_span s, const char *t)
{
    size_t n = strlen(t);
    return s.len == n && memcmp(s.p, t, n) == 0;
}

bool pk_span_has(pk_span s, char ch)
{
    return s.len && memchr(s.p, ch, s.len) != NULL;
}

size_t pk_span_count(pk_span s, char ch)
{
    size_t i, n = 0;
    for (i = 0; i < s.len; i++)
        n += s.p[i] == ch;
    return n;
}

const char *pk_span_excerpt(char *out, size_t n, pk_span s)
{
    size_t i, k = 0;
    for (i = 0; i < s.len && k + 4 < n && i < 24; i++)
        out[k++] = s.p[i] >= 0x20 && s.p[i] < 0x7f ? s.p[i] : '?';
    if (i < s.len && k + 4 < n) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
    return out;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Number of digits of s starting at i. */
static size_t digits(pk_span s, size_t i)
{
    size_t n = 0;
    while (i + n < s.len && is_digit(s.p[i + n]))
        n++;
    return n;
}

/* Checks the decimal float syntax: [+-] digits [. digits] [e [+-] digits],
 * with at least one digit before the exponent. */
static bool float_syntax(pk_span s)
{
    size_t i = 0, whole, frac = 0;

    if (i < s.len && (s.p[i] == '-' || s.p[i] == '+'))
        i++;
    whole = digits(s, i);
    i += whole;
    if (i < s.len && s.p[i] == '.') {
        frac = digits(s, i + 1);
        i += 1 + frac;
    }
    if (whole + frac == 0)
        return false;
    if (i < s.len && (s.p[i] == 'e' || s.p[i] == 'E')) {
        size_t exp;
        i++;
        if (i < s.len && (s.p[i] == '-' || s.p[i] == '+'))
            i++;
        exp = digits(s, i);
        if (exp == 0)
            return false;
        i += exp;
    }
    return i == s.len;
}

const char *pk_span_double(double *out, pk_span s, double min, double max)
{
    char text[MAX_NUMBER_TEXT + 1];
    double v;

    if (s.len == 0)
        return "empty number";
    if (s.len > MAX_NUMBER_TEXT)
        return "number too long";
    if (!float_syntax(s))
        return "not a decimal number";
    memcpy(text, s.p, s.len);
    text[s.len] = '\0';
    errno = 0;
    v = strtod(text, NULL);
    if (!isfinite(v) || (errno == ERANGE && fabs(v) > 1.0))
        return "number out of range";
    if (v < min || v > max)
        return "number out of range";
    *out = v;
    return NULL;
}

const char *pk_span_i64(int64_t *out, pk_span s, int64_t min, int64_t max)
{
    bool neg = s.len > 0 && s.p[0] == '-';
    size_t i = neg ? 1 : 0;
    uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    int64_t r;

    if (s.len == 0)
        return "empty number";
    if (i == s.len || digits(s, i) != s.len - i)
        return "not a whole number";
    for (; i < s.len; i++) {
        uint64_t d = (uint64_t)(s.p[i] - '0');
        if (v > (limit - d) / 10)
            return "number out of range";
        v = v * 10 + d;
    }
    if (neg)
        r = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    else
        r = (int64_t)v;
    if (r < min || r > max)
        return "number out of range";
    *out = r;
    return NULL;
}
