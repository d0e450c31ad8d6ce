/*
 * Source lines for line tables (pysource.h): a file read the way Python
 * 3.11's linecache.getlines() reads it (tokenize.open's encoding
 * detection, strict decoding, universal newlines). pyblock.c finds the
 * lines of one function in them.
 */
#include "pysource.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <profkit/error.h>

#include "alloc.h"
#include "buf.h"

#define MAX_SOURCE ((size_t)256 << 20)

bool pk_pysource_exists(const char *path, size_t len)
{
    struct stat st;

    return len > 0 && strlen(path) == len && stat(path, &st) == 0;
}

void pk_pysource_dispose(pk_pysource *s)
{
    pk_free(s->text);
    pk_free(s->starts);
    memset(s, 0, sizeof *s);
}

const char *pk_pysource_line(const pk_pysource *s, size_t i, size_t *len)
{
    *len = s->starts[i + 1] - s->starts[i] - 1;
    return s->text + s->starts[i];
}

/* ---- reading and decoding ---- */

typedef enum encoding { ENC_UTF8, ENC_LATIN1, ENC_ASCII, ENC_UNKNOWN } encoding;

/* Reads a regular file of at most MAX_SOURCE bytes; false if not possible. */
static int slurp(pk_buf *b, const char *path, bool *ok)
{
    struct stat st;
    FILE *f;
    size_t n;

    *ok = false;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || (uintmax_t)st.st_size > MAX_SOURCE)
        return PK_OK;
    f = fopen(path, "rb");
    if (!f)
        return PK_OK;
    do {
        if (!pk_buf_reserve(b, 65536)) {
            fclose(f);
            return PK_ENOMEM;
        }
        n = fread(b->data + b->len, 1, 65536, f);
        b->len += n;
    } while (n > 0 && b->len <= MAX_SOURCE);
    *ok = !ferror(f) && b->len <= MAX_SOURCE;
    fclose(f);
    return PK_OK;
}

/* Strict UTF-8, as Python's "utf-8" codec decodes: no surrogates. */
static bool utf8_strict(const uint8_t *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint8_t c = s[i], lo = 0x80, hi = 0xbf;
        size_t len, k;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            len = 2;
        else if (c >= 0xe0 && c <= 0xef)
            len = 3;
        else if (c >= 0xf0 && c <= 0xf4)
            len = 4;
        else
            return false;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
        else if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
        if (len > n - i || s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (k = 2; k < len; k++) {
            if (s[i + k] < 0x80 || s[i + k] > 0xbf)
                return false;
        }
        i += len;
    }
    return true;
}

/* codecs.lookup()'s normalisation: lower case, runs of characters other
 * than letters, digits and '.' become one '_'. */
static void normalize_name(char *out, size_t cap, const char *name, size_t n)
{
    size_t o = 0, i;
    bool gap = false;

    for (i = 0; i < n && o + 2 < cap; i++) {
        unsigned char c = (unsigned char)name[i];
        if (isalnum(c) || c == '.') {
            if (gap && o > 0)
                out[o++] = '_';
            gap = false;
            out[o++] = (char)tolower(c);
        } else {
            gap = true;
        }
    }
    out[o] = '\0';
}

static bool in_list(const char *name, const char *const *list)
{
    for (; *list; list++) {
        if (strcmp(name, *list) == 0)
            return true;
    }
    return false;
}

/* The codec a cookie names, among those we decode. */
static encoding cookie_encoding(const char *name, size_t n)
{
    static const char *const utf8[] = {"utf_8", "utf8", "u8", "utf", "utf8_ucs2",
                                       "utf8_ucs4", "cp65001", NULL};
    static const char *const latin1[] = {"latin_1", "latin1", "latin", "l1", "iso8859_1",
                                         "iso_8859_1", "iso8859", "8859", "cp819",
                                         "csisolatin1", "ibm819", "iso_8859_1_1987",
                                         "iso_ir_100", NULL};
    static const char *const ascii[] = {"ascii", "us_ascii", "us", "646", "cp367",
                                        "csascii", "ibm367", "iso646_us", "iso_ir_6",
                                        "ansi_x3.4_1968", "ansi_x3_4_1968",
                                        "ansi_x3.4_1986", "iso_646.irv_1991", NULL};
    char norm[64];

    normalize_name(norm, sizeof norm, name, n);
    /* tokenize's _get_normal_name maps "utf-8-*" and "latin-1-*" first. */
    if (strncmp(norm, "utf_8_", 6) == 0)
        return ENC_UTF8;
    if (strncmp(norm, "latin_1_", 8) == 0 || strncmp(norm, "iso_8859_1_", 11) == 0 ||
        strncmp(norm, "iso_latin_1", 11) == 0)
        return ENC_LATIN1;
    if (in_list(norm, utf8))
        return ENC_UTF8;
    if (in_list(norm, latin1))
        return ENC_LATIN1;
    if (in_list(norm, ascii))
        return ENC_ASCII;
    return ENC_UNKNOWN;
}

static bool is_name_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '-' || c == '.';
}

/* cookie_re: ^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+) on one line. Returns
 * true and the name's span when the line declares an encoding. */
static bool find_cookie(const char *line, size_t n, size_t *name_at, size_t *name_len)
{
    size_t i = 0, k;

    while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\f'))
        i++;
    if (i >= n || line[i] != '#')
        return false;
    for (; i + 7 <= n; i++) {
        if (memcmp(line + i, "coding", 6) != 0 || (line[i + 6] != ':' && line[i + 6] != '='))
            continue;
        k = i + 7;
        while (k < n && (line[k] == ' ' || line[k] == '\t'))
            k++;
        *name_at = k;
        while (k < n && is_name_char((unsigned char)line[k]))
            k++;
        if (k > *name_at) {
            *name_len = k - *name_at;
            return true;
        }
    }
    return false;
}

/* blank_re: the line holds only whitespace, a comment or nothing. */
static bool blank_line(const char *line, size_t n)
{
    size_t i = 0;

    while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\f'))
        i++;
    return i == n || line[i] == '#' || line[i] == '\r' || line[i] == '\n';
}

/* tokenize.detect_encoding on the first two lines (bytes up to '\n'). */
static encoding detect_encoding(const uint8_t *data, size_t len, bool bom)
{
    size_t start = 0, probe;

    for (probe = 0; probe < 2 && start < len; probe++) {
        const uint8_t *nl = memchr(data + start, '\n', len - start);
        size_t n = nl ? (size_t)(nl - (data + start)) + 1 : len - start;
        const char *line = (const char *)data + start;
        size_t at, name_len;

        if (!utf8_strict(data + start, n))
            return ENC_UNKNOWN; /* "invalid or missing encoding declaration" */
        if (find_cookie(line, n, &at, &name_len)) {
            encoding e = cookie_encoding(line + at, name_len);
            return bom && e != ENC_UTF8 ? ENC_UNKNOWN : e;
        }
        if (!blank_line(line, n))
            break;
        start += n;
    }
    return ENC_UTF8;
}

/* Decodes into out as UTF-8 with "\r\n" and "\r" turned into "\n". */
static bool decode(pk_buf *out, const uint8_t *data, size_t len, encoding e)
{
    size_t i;

    if (e == ENC_UNKNOWN || (e == ENC_UTF8 && !utf8_strict(data, len)))
        return false;
    for (i = 0; i < len; i++) {
        uint8_t c = data[i];
        if (c == '\r') {
            pk_buf_byte(out, '\n');
            if (i + 1 < len && data[i + 1] == '\n')
                i++;
        } else if (c < 0x80 || e == ENC_UTF8) {
            pk_buf_byte(out, c);
        } else if (e == ENC_ASCII) {
            return false;
        } else {
            pk_buf_byte(out, (uint8_t)(0xc0 | (c >> 6)));
            pk_buf_byte(out, (uint8_t)(0x80 | (c & 0x3f)));
        }
    }
    return true;
}

static int split_lines(pk_pysource *s, pk_buf *text)
{
    size_t i, n = 0;

    if (text->len && text->data[text->len - 1] != '\n')
        pk_buf_byte(text, '\n');
    if (text->failed)
        return PK_ENOMEM;
    for (i = 0; i < text->len; i++)
        n += text->data[i] == '\n';
    s->starts = pk_malloc((n + 1) * sizeof *s->starts);
    if (!s->starts)
        return PK_ENOMEM;
    s->starts[0] = 0;
    for (i = 0; i < text->len; i++) {
        if (text->data[i] == '\n')
            s->starts[++s->nlines] = i + 1;
    }
    s->text = (char *)text->data;
    text->data = NULL;
    return PK_OK;
}

int pk_pysource_load(pk_pysource *out, const char *path)
{
    static const uint8_t bom[3] = {0xef, 0xbb, 0xbf};
    pk_buf raw = PK_BUF_INIT, text = PK_BUF_INIT;
    const uint8_t *data;
    size_t len;
    bool ok, has_bom;
    int rc;

    memset(out, 0, sizeof *out);
    rc = slurp(&raw, path, &ok);
    if (rc == PK_OK && ok && raw.len > 0) {
        has_bom = raw.len >= 3 && memcmp(raw.data, bom, 3) == 0;
        data = raw.data + (has_bom ? 3 : 0);
        len = raw.len - (has_bom ? 3 : 0);
        if (decode(&text, data, len, detect_encoding(data, len, has_bom)))
            rc = split_lines(out, &text);
        else if (text.failed)
            rc = PK_ENOMEM;
    }
    pk_buf_dispose(&raw);
    pk_buf_dispose(&text);
    return rc;
}
