/*
 * JSON string escaping for arbitrary bytes: see json.h.
 */
#include "json.h"

#include <stdint.h>

/* Length of the UTF-8 sequence at s (n bytes left) and its code point, or
 * 0 if the bytes are not a well-formed shortest-form sequence up to
 * U+10FFFF. Encoded surrogates are accepted: names may carry them. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len, i;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (len == 0 || len > n || s[0] > 0xf4)
        return 0;
    *cp = s[0] & (0x7fu >> len);
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3fu);
    }
    if ((len == 3 && *cp < 0x800) || (len == 4 && (*cp < 0x10000 || *cp > 0x10ffff)))
        return 0;
    return len;
}

static void emit_u_escape(pk_json__emit_fn emit, void *ctx, uint32_t cp)
{
    static const char hex[] = "0123456789abcdef";
    char esc[6] = {'\\', 'u', hex[(cp >> 12) & 15], hex[(cp >> 8) & 15],
                   hex[(cp >> 4) & 15], hex[cp & 15]};
    emit(ctx, esc, sizeof esc);
}

void pk_json__escape(pk_json__emit_fn emit, void *ctx, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, plain = 0; /* u[plain, i) is copied as it is */

    emit(ctx, "\"", 1);
    while (i < len) {
        uint32_t cp;
        size_t k = utf8_next(u + i, len - i, &cp);
        if (k != 0 && cp >= 0x20 && cp != '"' && cp != '\\' && (cp < 0xd800 || cp > 0xdfff)) {
            i += k;
            continue;
        }
        if (i > plain)
            emit(ctx, s + plain, i - plain);
        if (k == 0) {
            emit_u_escape(emit, ctx, u[i]); /* a stray byte, read as Latin-1 */
            k = 1;
        } else if (cp == '"' || cp == '\\') {
            char esc[2] = {'\\', (char)cp};
            emit(ctx, esc, 2);
        } else {
            emit_u_escape(emit, ctx, cp);
        }
        i += k;
        plain = i;
    }
    if (i > plain)
        emit(ctx, s + plain, i - plain);
    emit(ctx, "\"", 1);
}

static void emit_to_buf(void *ctx, const char *piece, size_t n)
{
    pk_buf_append(ctx, piece, n);
}

static void emit_to_file(void *ctx, const char *piece, size_t n)
{
    fwrite(piece, 1, n, ctx);
}

void pk_json__buf_str(pk_buf *b, const char *s, size_t len)
{
    pk_json__escape(emit_to_buf, b, s, len);
}

void pk_json__print_str(FILE *out, const char *s, size_t len)
{
    pk_json__escape(emit_to_file, out, s, len);
}
