/*
 * Fuzz target for the speedscope writer: read any input profkit reads
 * (folded stacks with any bytes in their names, pstats for the
 * approximation), write speedscope JSON, and check the result is strict
 * JSON: the grammar of RFC 8259, raw text valid UTF-8 with no encoded
 * surrogates (those must be \u escapes), no raw control characters in
 * strings. A failed read or a refusal must say why. Any crash, leak or UB
 * is a finding. (speedscope itself reading our files is
 * tests/browser/speedscope_consumer.mjs.)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <profkit/profkit.h>

#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DEPTH 64

typedef struct json {
    const uint8_t *p, *end;
} json;

static void ws(json *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
        j->p++;
}

static bool lit(json *j, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
        return false;
    j->p += n;
    return true;
}

/* One raw UTF-8 character, strictly: no overlongs, no surrogates. */
static bool utf8_char(json *j)
{
    uint8_t c = *j->p;
    size_t len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                               : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    uint8_t lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
    uint8_t hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
    size_t k;

    if (len == 0 || (size_t)(j->end - j->p) < len)
        return false;
    if (len > 1 && (j->p[1] < lo || j->p[1] > hi))
        return false;
    for (k = 2; k < len; k++) {
        if ((j->p[k] & 0xc0) != 0x80)
            return false;
    }
    j->p += len;
    return true;
}

static bool string(json *j)
{
    if (!lit(j, "\""))
        return false;
    while (j->p < j->end && *j->p != '"') {
        if (*j->p < 0x20)
            return false;
        if (*j->p == '\\') {
            j->p++;
            if (j->p >= j->end)
                return false;
            if (*j->p == 'u') {
                int k;
                for (k = 1; k <= 4; k++) {
                    if (j->p + k >= j->end || !strchr("0123456789abcdefABCDEF", j->p[k]) || j->p[k] == 0)
                        return false;
                }
                j->p += 5;
            } else if (strchr("\"\\/bfnrt", *j->p) && *j->p) {
                j->p++;
            } else {
                return false;
            }
        } else if (!utf8_char(j)) {
            return false;
        }
    }
    return lit(j, "\"");
}

static bool digits(json *j)
{
    const uint8_t *start = j->p;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
        j->p++;
    return j->p > start;
}

static bool number(json *j)
{
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p < j->end && *j->p == '0')
        j->p++;
    else if (!digits(j))
        return false;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (!digits(j))
            return false;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            j->p++;
        if (!digits(j))
            return false;
    }
    return true;
}

static bool value(json *j, int depth);

/* [v, v] or {"k": v, "k": v} */
static bool container(json *j, int depth, char close, bool keys)
{
    j->p++;
    ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        return true;
    }
    for (;;) {
        ws(j);
        if (keys) {
            if (!string(j))
                return false;
            ws(j);
            if (!lit(j, ":"))
                return false;
        }
        if (!value(j, depth + 1))
            return false;
        ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        return j->p < j->end && *j->p++ == close;
    }
}

static bool value(json *j, int depth)
{
    ws(j);
    if (j->p >= j->end || depth > MAX_DEPTH)
        return false;
    switch (*j->p) {
    case '{': return container(j, depth, '}', true);
    case '[': return container(j, depth, ']', false);
    case '"': return string(j);
    case 't': return lit(j, "true");
    case 'f': return lit(j, "false");
    case 'n': return lit(j, "null");
    default: return number(j);
    }
}

static bool strict_json(const char *text, size_t len)
{
    json j = {(const uint8_t *)text, (const uint8_t *)text + len};
    if (!value(&j, 0))
        return false;
    ws(&j);
    return j.p == j.end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pk_write_opts wo = PK_WRITE_OPTS_INIT;
    pk_error err = PK_ERROR_INIT;
    /* Anything not detected is read as folded: names with any bytes. */
    pk_format format = pk_detect_format(data, size) == PK_FORMAT_AUTO ? PK_FORMAT_FOLDED
                                                                        : PK_FORMAT_AUTO;
    pk_profile *p = pk_fuzz_read(data, size, format);
    char *buf = NULL;
    size_t len = 0;
    FILE *f;
    int rc;

    if (!p)
        return 0;
    f = open_memstream(&buf, &len);
    if (!f)
        abort();
    wo.format = PK_FORMAT_SPEEDSCOPE;
    rc = pk_write(f, p, &wo, &err);
    if (fclose(f) != 0)
        abort();
    if (rc != PK_OK && (rc != PK_ENODATA || err.msg[0] == '\0')) {
        fprintf(stderr, "writing speedscope failed: %s\n", err.msg);
        abort();
    }
    if (rc == PK_OK && !strict_json(buf, len)) {
        fprintf(stderr, "speedscope output is not strict JSON\n");
        abort();
    }
    free(buf);
    pk_profile_free(p);
    return 0;
}
