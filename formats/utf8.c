#include "utf8.h"

#include <string.h>

size_t pk_utf8_ascii_prefix(const uint8_t *s, size_t n)
{
    size_t i = 0;
    uint64_t word;

    for (; i + 8 <= n; i += 8) {
        memcpy(&word, s + i, sizeof word);
        if (word & 0x8080808080808080ull)
            break;
    }
    while (i < n && s[i] < 0x80)
        i++;
    return i;
}

size_t pk_utf8_seq(const uint8_t *s, size_t n)
{
    size_t len, k;
    uint8_t lo = 0x80, hi = 0xbf, c = s[0];

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, lo = c == 0xe0 ? 0xa0 : 0x80;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    else
        return 0;
    if (len > n || s[1] < lo || s[1] > hi)
        return 0;
    for (k = 2; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
    }
    return len;
}

/* A sequence's length as utf8_seq has it; for file text, an encoded
 * U+DC80..U+DCFF (ED B2|B3 xx) is no sequence: see append_file_text. */
static size_t seq_len(const uint8_t *s, size_t n, bool file_text)
{
    size_t len = pk_utf8_seq(s, n);

    if (file_text && len == 3 && s[0] == 0xed && (s[1] == 0xb2 || s[1] == 0xb3))
        return 0;
    return len;
}

static bool text_ok(const uint8_t *s, size_t n, bool file_text)
{
    size_t i = pk_utf8_ascii_prefix(s, n), len;

    for (; i < n; i += len) {
        len = seq_len(s + i, n - i, file_text);
        if (len == 0)
            return false;
    }
    return true;
}

static void append_escaped(pk_buf *b, const uint8_t *s, size_t n, bool file_text)
{
    size_t i = 0, len;

    while (i < n) {
        len = seq_len(s + i, n - i, file_text);
        if (len) {
            pk_buf_append(b, s + i, len);
            i += len;
            continue;
        }
        pk_buf_byte(b, 0xed); /* U+DC80 + s[i]: 1101 1100 1xxx xxxx */
        pk_buf_byte(b, (uint8_t)(0xb2 | (s[i] >> 6 & 1)));
        pk_buf_byte(b, (uint8_t)(0x80 | (s[i] & 0x3f)));
        i++;
    }
}

bool pk_utf8_ok(const uint8_t *s, size_t n)
{
    return text_ok(s, n, false);
}

void pk_utf8_append_escaped(pk_buf *b, const uint8_t *s, size_t n)
{
    append_escaped(b, s, n, false);
}

bool pk_utf8_file_text_ok(const uint8_t *s, size_t n)
{
    return text_ok(s, n, true);
}

void pk_utf8_append_file_text(pk_buf *b, const uint8_t *s, size_t n)
{
    append_escaped(b, s, n, true);
}
