/*
 * The names pstats prints (func_std_string): "file:line(name)", or for
 * cProfile built-ins ('~', 0, '<x>') the text "{x}" (and a built-in name
 * without angle brackets as it is).
 */
#include <profkit/analysis.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"

struct pk_stdnames {
    size_t *offset; /* into text, one per function */
    size_t *width;  /* in code points */
    pk_buf text;    /* NUL-separated names */
};

/* Python's len() of UTF-8 text: bytes that do not continue a character. */
static size_t code_points(const char *s, size_t len)
{
    size_t i, n = 0;
    for (i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

static void append_name(pk_buf *b, const pk_profile *p, const pk_func *f)
{
    const char *file = pk_profile_str(p, f->file);
    const char *name = pk_profile_str(p, f->name);
    size_t nlen = pk_profile_str_len(p, f->name);

    if (f->line == 0 && strcmp(file, "~") == 0) {
        if (nlen >= 2 && name[0] == '<' && name[nlen - 1] == '>') {
            pk_buf_byte(b, '{');
            pk_buf_append(b, name + 1, nlen - 2);
            pk_buf_byte(b, '}');
        } else {
            pk_buf_append(b, name, nlen);
        }
    } else {
        char line[32];
        int n = snprintf(line, sizeof line, ":%" PRId64 "(", f->line);
        pk_buf_append(b, file, pk_profile_str_len(p, f->file));
        pk_buf_append(b, line, (size_t)n);
        pk_buf_append(b, name, nlen);
        pk_buf_byte(b, ')');
    }
    pk_buf_byte(b, '\0');
}

int pk_stdnames_build(pk_stdnames **out, const pk_profile *p)
{
    size_t i, n = pk_profile_func_count(p);
    pk_stdnames *names = pk_calloc(1, sizeof *names);

    *out = NULL;
    if (!names)
        return PK_ENOMEM;
    names->offset = pk_malloc((n ? n : 1) * sizeof *names->offset);
    names->width = pk_malloc((n ? n : 1) * sizeof *names->width);
    if (!names->offset || !names->width) {
        pk_stdnames_free(names);
        return PK_ENOMEM;
    }
    for (i = 0; i < n; i++) {
        size_t start = names->text.len;
        append_name(&names->text, p, pk_profile_func_c(p, (uint32_t)i));
        if (names->text.failed)
            break;
        names->offset[i] = start;
        names->width[i] = code_points((const char *)names->text.data + start,
                                      names->text.len - start - 1);
    }
    if (names->text.failed) {
        pk_stdnames_free(names);
        return PK_ENOMEM;
    }
    *out = names;
    return PK_OK;
}

const char *pk_stdnames_get(const pk_stdnames *n, uint32_t func)
{
    return (const char *)n->text.data + n->offset[func];
}

size_t pk_stdnames_width(const pk_stdnames *n, uint32_t func)
{
    return n->width[func];
}

void pk_stdnames_free(pk_stdnames *n)
{
    if (!n)
        return;
    pk_free(n->offset);
    pk_free(n->width);
    pk_buf_dispose(&n->text);
    pk_free(n);
}
