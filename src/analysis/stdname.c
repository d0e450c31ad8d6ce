/*
 * The names pstats prints (func_std_string): "file:line(name)", or for
 * cProfile built-ins ('~', 0, '<x>') the text "{x}" (and a built-in name
 * without angle brackets as it is). Built lazily into an arena, so
 * returned pointers stay valid while more names are built.
 */
#include <profkit/analysis.h>

#include <string.h>

#include "alloc.h"
#include "arena.h"

struct pk_stdnames {
    const pk_profile *p;
    const char **names; /* per function, NULL until built */
    pk_arena arena;
    bool failed;
};

/* Python's len() of UTF-8 text: bytes that do not continue a character. */
static size_t code_points(const char *s, size_t len)
{
    size_t i, n = 0;
    for (i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

static bool is_builtin(const pk_profile *p, const pk_func *f)
{
    return f->line == 0 && strcmp(pk_profile_str(p, f->file), "~") == 0;
}

/* A built-in's "<x>" shows as "{x}". */
static bool bracketed(const char *name, size_t len)
{
    return len >= 2 && name[0] == '<' && name[len - 1] == '>';
}

/* The decimal digits of line, most significant first; returns the count. */
static size_t line_digits(char out[24], int64_t line)
{
    char rev[24];
    uint64_t v = line < 0 ? 0 - (uint64_t)line : (uint64_t)line;
    size_t n = 0, len = 0;

    do {
        rev[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (line < 0)
        out[len++] = '-';
    while (n)
        out[len++] = rev[--n];
    return len;
}

static char *build(pk_stdnames *n, const pk_func *f)
{
    const pk_profile *p = n->p;
    const char *name = pk_profile_str(p, f->name), *file = pk_profile_str(p, f->file);
    size_t nlen = pk_profile_str_len(p, f->name), flen = pk_profile_str_len(p, f->file);
    char digits[24], *out, *w;
    size_t dlen;

    if (is_builtin(p, f)) {
        bool br = bracketed(name, nlen);
        out = pk_arena_alloc(&n->arena, nlen + 1);
        if (out) {
            memcpy(out, name, nlen);
            out[nlen] = '\0';
            if (br) {
                out[0] = '{';
                out[nlen - 1] = '}';
            }
        }
        return out;
    }
    dlen = line_digits(digits, f->line);
    out = w = pk_arena_alloc(&n->arena, flen + dlen + nlen + 4);
    if (!out)
        return NULL;
    memcpy(w, file, flen);
    w += flen;
    *w++ = ':';
    memcpy(w, digits, dlen);
    w += dlen;
    *w++ = '(';
    memcpy(w, name, nlen);
    w += nlen;
    *w++ = ')';
    *w = '\0';
    return out;
}

int pk_stdnames_build(pk_stdnames **out, const pk_profile *p)
{
    size_t count = pk_profile_func_count(p);
    pk_stdnames *n = pk_calloc(1, sizeof *n);

    *out = NULL;
    if (!n)
        return PK_ENOMEM;
    n->p = p;
    n->names = pk_calloc(count ? count : 1, sizeof *n->names);
    if (!n->names) {
        pk_free(n);
        return PK_ENOMEM;
    }
    *out = n;
    return PK_OK;
}

const char *pk_stdnames_get(pk_stdnames *n, uint32_t func)
{
    if (!n->names[func]) {
        char *built = build(n, pk_profile_func_c(n->p, func));
        if (!built) {
            n->failed = true;
            return "";
        }
        n->names[func] = built;
    }
    return n->names[func];
}

size_t pk_stdnames_width(pk_stdnames *n, uint32_t func)
{
    const pk_profile *p = n->p;
    const pk_func *f = pk_profile_func_c(p, func);
    const char *name = pk_profile_str(p, f->name);
    size_t nlen = pk_profile_str_len(p, f->name);
    char digits[24];

    if (is_builtin(p, f))
        return code_points(name, nlen);
    return code_points(pk_profile_str(p, f->file), pk_profile_str_len(p, f->file)) +
           line_digits(digits, f->line) + 3 + code_points(name, nlen);
}

bool pk_stdnames_failed(const pk_stdnames *n)
{
    return n->failed;
}

void pk_stdnames_free(pk_stdnames *n)
{
    if (!n)
        return;
    pk_arena_dispose(&n->arena);
    pk_free(n->names);
    pk_free(n);
}
