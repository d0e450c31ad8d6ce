/*
 * Node names as gprof2dot prints them: Function.stripped_name() for -s,
 * a cut at 4096 characters, and DotWriter.wrap_function_name() for -w,
 * which is Python's textwrap.fill(name, 32, break_long_words=False).
 *
 * Text is UTF-8 from the profile (surrogates allowed); lengths count code
 * points, as Python's len() does. The patterns of -s are ASCII, so they
 * run on bytes; wrapping runs on code points. textwrap's word boundaries
 * depend on Unicode's \w; ASCII is exact, and other characters count as
 * letters except the common punctuation and symbol blocks.
 */
#include "dot.h"

#include <string.h>

#include "alloc.h"

#define WRAP_WIDTH 32
#define MAX_NAME 4096

/* ---- -s: remove (...) and <...> groups, innermost first, and " const" ---- */

/* One pass of re.subn(r'\([^()]*\)', '', s): every group without nested
 * brackets goes. Returns true if anything went. */
static bool remove_groups(char *s, size_t *n, char open, char close)
{
    size_t r, w = 0, k;
    bool changed = false;

    for (r = 0; r < *n; r++) {
        if (s[r] == open) {
            for (k = r + 1; k < *n && s[k] != open && s[k] != close; k++)
                ;
            if (k < *n && s[k] == close) {
                r = k;
                changed = true;
                continue;
            }
        }
        s[w++] = s[r];
    }
    *n = w;
    return changed;
}

static bool is_space_byte(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* re.sub(r'\s+const$', '', s): `$` also matches before a final newline. */
static void remove_const(char *s, size_t *n)
{
    size_t end = *n, at, w;

    if (end > 0 && s[end - 1] == '\n' && !(end >= 5 && memcmp(s + end - 5, "const", 5) == 0))
        end--;
    if (end < 5 || memcmp(s + end - 5, "const", 5) != 0)
        return;
    at = end - 5;
    for (w = at; w > 0 && is_space_byte(s[w - 1]); w--)
        ;
    if (w == at)
        return;
    memmove(s + w, s + end, *n - end);
    *n -= end - w;
}

static void strip_name(char *s, size_t *n)
{
    while (remove_groups(s, n, '(', ')'))
        ;
    remove_const(s, n);
    while (remove_groups(s, n, '<', '>'))
        ;
}

/* ---- code points ---- */

typedef struct cps {
    uint32_t *c;
    size_t n, cap;
    bool failed;
} cps;

static void cps_push(cps *a, uint32_t c)
{
    if (a->n == a->cap &&
        (a->failed || !pk_grow((void **)&a->c, &a->cap, a->n + 1, sizeof *a->c))) {
        a->failed = true;
        return;
    }
    a->c[a->n++] = c;
}

/* Invalid bytes become 0x110000 + byte and are written back unchanged. */
static void decode(cps *a, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, len, k;

    while (i < n) {
        uint32_t c = u[i];
        len = c >= 0xf0 && c < 0xf8 ? 4 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xc0 && c < 0xe0 ? 2 : 1;
        for (k = 1; k < len && i + k < n && (u[i + k] & 0xc0) == 0x80; k++)
            ;
        if (c >= 0x80 && (len == 1 || k < len)) {
            cps_push(a, 0x110000 + c);
            i++;
            continue;
        }
        if (len > 1)
            c &= 0x3fu >> (len - 1);
        for (k = 1; k < len; k++)
            c = (c << 6) | (u[i + k] & 0x3f);
        cps_push(a, c);
        i += len;
    }
}

static void encode(pk_buf *b, const uint32_t *c, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        uint32_t v = c[i];
        uint8_t out[4];
        size_t len;
        if (v >= 0x110000) {
            out[0] = (uint8_t)(v - 0x110000);
            len = 1;
        } else if (v < 0x80) {
            out[0] = (uint8_t)v;
            len = 1;
        } else if (v < 0x800) {
            out[0] = (uint8_t)(0xc0 | (v >> 6));
            out[1] = (uint8_t)(0x80 | (v & 0x3f));
            len = 2;
        } else if (v < 0x10000) {
            out[0] = (uint8_t)(0xe0 | (v >> 12));
            out[1] = (uint8_t)(0x80 | ((v >> 6) & 0x3f));
            out[2] = (uint8_t)(0x80 | (v & 0x3f));
            len = 3;
        } else {
            out[0] = (uint8_t)(0xf0 | (v >> 18));
            out[1] = (uint8_t)(0x80 | ((v >> 12) & 0x3f));
            out[2] = (uint8_t)(0x80 | ((v >> 6) & 0x3f));
            out[3] = (uint8_t)(0x80 | (v & 0x3f));
            len = 4;
        }
        pk_buf_append(b, out, len);
    }
}

/* ---- character classes of Python's re and str ---- */

static bool py_isspace(uint32_t c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f) || c == 0x85 ||
           c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
           c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

/* \w: ASCII exactly; elsewhere letters, except Latin-1 signs, general
 * punctuation and symbols, CJK punctuation and surrogates. */
static bool is_word(uint32_t c)
{
    if (c < 0x80)
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               c == '_';
    if (c >= 0x110000 || py_isspace(c) || c == 0xd7 || c == 0xf7)
        return false;
    if (c <= 0xbf)
        return c == 0xaa || c == 0xb2 || c == 0xb3 || c == 0xb5 || c == 0xb9 || c == 0xba ||
               (c >= 0xbc && c <= 0xbe);
    return !(c >= 0x2000 && c <= 0x2bff) && !(c >= 0x3000 && c <= 0x303f) &&
           !(c >= 0xd800 && c <= 0xdfff);
}

static bool is_letter(uint32_t c) /* [^\d\W] */
{
    return is_word(c) && !(c >= '0' && c <= '9');
}

static bool is_word_punct(uint32_t c) /* [\w!"'&.,?] */
{
    return is_word(c) || (c < 0x80 && strchr("!\"'&.,?", (int)c) && c != 0);
}

static bool is_wrap_space(uint32_t c) /* textwrap's _whitespace */
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* ---- textwrap: chunks ---- */

static size_t hyphen_run(const uint32_t *c, size_t n, size_t i)
{
    size_t k = i;
    while (k < n && c[k] == '-')
        k++;
    return k - i;
}

/* (?<=[\w!"'&.,?])(?=-{2,}\w) at j: an em-dash follows a word. */
static bool em_dash_at(const uint32_t *c, size_t n, size_t j)
{
    size_t r;
    if (j == 0 || !is_word_punct(c[j - 1]))
        return false;
    r = hyphen_run(c, n, j);
    return r >= 2 && j + r < n && is_word(c[j + r]);
}

/* The hyphen at j ends a piece of a hyphenated word: two letters (or
 * letter-hyphen-letter) before it, a letter, maybe a hyphen, and a letter
 * after it. */
static bool hyphen_break(const uint32_t *c, size_t n, size_t j)
{
    bool behind, ahead;

    if (c[j] != '-')
        return false;
    behind = (j >= 2 && is_letter(c[j - 2]) && is_letter(c[j - 1])) ||
             (j >= 3 && is_letter(c[j - 3]) && c[j - 2] == '-' && is_letter(c[j - 1]));
    ahead = j + 1 < n && is_letter(c[j + 1]) &&
            ((j + 2 < n && is_letter(c[j + 2])) ||
             (j + 3 < n && c[j + 2] == '-' && is_letter(c[j + 3])));
    return behind && ahead;
}

/* Where the chunk starting at i ends: TextWrapper.wordsep_re's
 * alternatives (spaces | em-dash | word up to a hyphen break, a space, the
 * end or an em-dash), the word part being non-greedy. */
static size_t chunk_end(const uint32_t *c, size_t n, size_t i)
{
    size_t j;

    if (is_wrap_space(c[i])) {
        for (j = i; j < n && is_wrap_space(c[j]); j++)
            ;
        return j;
    }
    if (em_dash_at(c, n, i))
        return i + hyphen_run(c, n, i);
    for (j = i + 1;; j++) {
        if (j < n && hyphen_break(c, n, j))
            return j + 1;
        if (j == n || is_wrap_space(c[j]))
            return j;
        if (em_dash_at(c, n, j))
            return j;
    }
}

static bool only_spaces(const uint32_t *c, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (!py_isspace(c[i]))
            return false;
    }
    return true;
}

/* ---- textwrap: lines ---- */

typedef struct chunk {
    size_t at, len;
} chunk;

/* TextWrapper._wrap_chunks with width 32, no indents, drop_whitespace and
 * break_long_words=False: a word too long for a line gets a line alone. */
static void wrap_chunks(cps *out, const uint32_t *c, const chunk *ch, size_t nch)
{
    size_t k = 0, nlines = 0, i;

    while (k < nch) {
        size_t start, end, len = 0;
        if (nlines && only_spaces(c + ch[k].at, ch[k].len))
            k++;
        for (start = k; k < nch && len + ch[k].len <= WRAP_WIDTH; k++)
            len += ch[k].len;
        end = k;
        if (k < nch && ch[k].len > WRAP_WIDTH && end == start)
            end = ++k;
        if (end > start && only_spaces(c + ch[end - 1].at, ch[end - 1].len))
            end--;
        if (end == start)
            continue;
        if (nlines++)
            cps_push(out, '\n');
        for (i = start; i < end; i++) {
            size_t j;
            for (j = 0; j < ch[i].len; j++)
                cps_push(out, c[ch[i].at + j]);
        }
    }
}

/* expandtabs(8), then each of \t\n\v\f\r becomes a space. */
static void munge(cps *out, const uint32_t *c, size_t n)
{
    size_t i, col = 0;

    for (i = 0; i < n; i++) {
        if (c[i] == '\t') {
            do
                cps_push(out, ' ');
            while (++col % 8);
            continue;
        }
        col = (c[i] == '\n' || c[i] == '\r') ? 0 : col + 1;
        cps_push(out, is_wrap_space(c[i]) ? ' ' : c[i]);
    }
}

static void wrap(cps *out, const uint32_t *c, size_t n)
{
    cps m = {NULL, 0, 0, false};
    chunk *ch = NULL;
    size_t nch = 0, cap = 0, i;

    munge(&m, c, n);
    for (i = 0; !m.failed && i < m.n; nch++) {
        size_t end = chunk_end(m.c, m.n, i);
        if (!pk_grow((void **)&ch, &cap, nch + 1, sizeof *ch)) {
            m.failed = true;
            break;
        }
        ch[nch].at = i;
        ch[nch].len = end - i;
        i = end;
    }
    if (m.failed)
        out->failed = true;
    else
        wrap_chunks(out, m.c, ch, nch);
    pk_free(m.c);
    pk_free(ch);
}

/* ---- the whole name ---- */

static void replace_all(pk_buf *dst, const uint8_t *s, size_t n, const char *from,
                        const char *to)
{
    size_t i = 0, flen = strlen(from);

    while (i < n) {
        if (i + flen <= n && memcmp(s + i, from, flen) == 0) {
            pk_buf_append(dst, to, strlen(to));
            i += flen;
        } else {
            pk_buf_byte(dst, s[i++]);
        }
    }
}

/* The code points of the name after -s and the cut. */
static void prepare(cps *a, const char *name, bool strip)
{
    size_t n = strlen(name);
    char *s = pk_malloc(n + 1);

    if (!s) {
        a->failed = true;
        return;
    }
    memcpy(s, name, n);
    if (strip)
        strip_name(s, &n);
    decode(a, s, n);
    pk_free(s);
    if (a->n >= MAX_NAME) {
        a->n = MAX_NAME - 1;
        cps_push(a, 0x2026); /* … */
    }
}

void pk_dot__node_name(pk_buf *out, const char *name, bool strip, bool wrap_it)
{
    cps a = {NULL, 0, 0, false}, w = {NULL, 0, 0, false};
    pk_buf text = PK_BUF_INIT, once = PK_BUF_INIT, twice = PK_BUF_INIT;
    bool wrapped;

    /* Fewer bytes than the cut means fewer characters: nothing to change. */
    if (!strip && !wrap_it && strlen(name) < MAX_NAME) {
        pk_buf_append(out, name, strlen(name));
        return;
    }
    prepare(&a, name, strip);
    wrapped = wrap_it && a.n > WRAP_WIDTH;
    if (wrapped)
        wrap(&w, a.c, a.n);
    if (a.failed || w.failed) {
        out->failed = true;
    } else if (!wrap_it) {
        encode(out, a.c, a.n);
    } else {
        encode(&text, wrapped ? w.c : a.c, wrapped ? w.n : a.n);
        replace_all(&once, text.data, text.len, ", ", ",");
        replace_all(&twice, once.data, once.len, "> >", ">>");
        replace_all(out, twice.data, twice.len, "> >", ">>");
        out->failed |= text.failed || once.failed || twice.failed;
    }
    pk_free(a.c);
    pk_free(w.c);
    pk_buf_dispose(&text);
    pk_buf_dispose(&once);
    pk_buf_dispose(&twice);
}
