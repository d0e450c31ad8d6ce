/*
 * The texts of a flame graph, as flamegraph.pl writes them: numbers as
 * Perl prints them, titles with thousands separators, labels cut to the
 * box with "..", XML escapes.
 */
#include "flame_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t pk_flame__num(char *buf, size_t cap, double v)
{
    int n;
    if (v > -1e15 && v < 1e15 && v == (double)(int64_t)v)
        n = snprintf(buf, cap, "%.0f", v);
    else
        n = snprintf(buf, cap, "%.15g", v);
    return n < 0 ? 0 : (size_t)n;
}

/* XML has no lone surrogates, which pstats names carry for bytes Python 3
 * could not decode (flamegraph.pl never meets them: folded stacks are
 * bytes). U+DC80 + byte, such a byte, is shown as Latin-1 reads it (as dot
 * does with such a byte); any other surrogate as U+FFFD. Sets *rep and
 * returns the bytes replaced, or 0 when s does not start with one. */
static size_t surrogate_text(const char *s, size_t len, char rep[3], size_t *rep_len)
{
    const unsigned char *u = (const unsigned char *)s;
    uint8_t byte;

    if (len < 3 || u[0] != 0xed || u[1] < 0xa0 || u[1] > 0xbf)
        return 0;
    if (pk_escaped_byte(s, len, &byte)) {
        rep[0] = (char)(0xc0 | (byte >> 6));
        rep[1] = (char)(0x80 | (byte & 0x3f));
        *rep_len = 2;
    } else {
        memcpy(rep, "\xef\xbf\xbd", 3);
        *rep_len = 3;
    }
    return 3;
}

void pk_flame__escape(pk_buf *b, const char *s, size_t len, bool quote)
{
    size_t i, start = 0, skip, rep_len;
    char sur[3];

    for (i = 0; i < len; i++) {
        const char *rep = s[i] == '&'             ? "&amp;"
                          : s[i] == '<'           ? "&lt;"
                          : s[i] == '>'           ? "&gt;"
                          : quote && s[i] == '"' ? "&quot;"
                                                  : NULL;
        skip = 1;
        if (rep) {
            rep_len = strlen(rep);
        } else if ((skip = surrogate_text(s + i, len - i, sur, &rep_len)) != 0) {
            rep = sur;
        } else {
            continue;
        }
        pk_buf_append(b, s + start, i - start);
        pk_buf_append(b, rep, rep_len);
        start = i + skip;
        i += skip - 1;
    }
    pk_buf_append(b, s + start, len - start);
}

size_t pk_flame__strip_annotation(const char *s, size_t len)
{
    if (len >= 4 && s[len - 4] == '_' && s[len - 3] == '[' && s[len - 1] == ']' &&
        strchr("kwij", s[len - 2]) && s[len - 2] != '\0')
        return len - 4;
    return len;
}

/* Byte length of the first n code points of s. */
static size_t prefix_bytes(const char *s, size_t len, long n)
{
    size_t i = 0;
    while (i < len && n > 0) {
        i++;
        while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        n--;
    }
    return i;
}

static long code_points(const char *s, size_t len)
{
    long n = 0;
    size_t i;
    for (i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

void pk_flame__label(pk_buf *b, const char *name, size_t len, long chars)
{
    size_t keep;

    if (chars < 3)
        return;
    len = pk_flame__strip_annotation(name, len);
    if (chars < code_points(name, len)) {
        keep = prefix_bytes(name, len, chars - 2);
        pk_flame__escape(b, name, keep, false);
        pk_buf_append(b, "..", 2);
        return;
    }
    pk_flame__escape(b, name, len, false);
}

/* "1234567" -> "1,234,567" */
static void append_grouped(pk_buf *b, const char *digits)
{
    size_t n = strlen(digits), i, lead = 0;

    if (digits[0] == '-' || digits[0] == '+') {
        pk_buf_byte(b, (uint8_t)digits[0]);
        digits++;
        n--;
    }
    lead = n % 3 ? n % 3 : 3;
    for (i = 0; i < n; i++) {
        if (i >= lead && (i - lead) % 3 == 0)
            pk_buf_byte(b, ',');
        pk_buf_byte(b, (uint8_t)digits[i]);
    }
}

void pk_flame__title(pk_buf *b, pk_profile *p, const pk_flame_layout *l, const pk_flame_cfg *c,
                     const pk_flame_box *box)
{
    double etime = box->depth == 0 ? l->timemax : box->etime;
    char samples[64], pct[64];
    pk_str id = pk_stacks_name(p, box->node);
    const char *name = pk_profile_str(p, id);
    size_t len = pk_profile_str_len(p, id);

    snprintf(samples, sizeof samples, "%.0f", etime - box->stime);
    if (box->depth == 0) {
        pk_buf_append(b, "all (", 5);
        append_grouped(b, samples);
        pk_buf_byte(b, ' ');
        pk_flame__escape(b, c->count_name, strlen(c->count_name), true);
        pk_buf_append(b, ", 100%)", 7);
        return;
    }
    /* The percentage uses the rounded sample count, as flamegraph.pl does. */
    snprintf(pct, sizeof pct, "%.2f", 100 * strtod(samples, NULL) / l->timemax);
    pk_flame__escape(b, name, pk_flame__strip_annotation(name, len), true);
    pk_buf_append(b, " (", 2);
    append_grouped(b, samples);
    pk_buf_byte(b, ' ');
    pk_flame__escape(b, c->count_name, strlen(c->count_name), true);
    pk_buf_append(b, ", ", 2);
    pk_buf_append(b, pct, strlen(pct));
    pk_buf_byte(b, '%');
    if (box->has_delta) {
        double d = c->o.negate ? -box->delta : box->delta;
        if (d == 0 && !box->delta_float)
            d = 0; /* Perl's integer zero has no sign */
        char dp[64];
        snprintf(dp, sizeof dp, "%s%.2f", d > 0 ? "+" : "", 100 * d / l->timemax);
        pk_buf_append(b, "; ", 2);
        pk_buf_append(b, dp, strlen(dp));
        pk_buf_byte(b, '%');
    }
    pk_buf_byte(b, ')');
}
