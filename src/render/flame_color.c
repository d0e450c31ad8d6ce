/*
 * Frame colours as flamegraph.pl picks them, and the consistent palette
 * file (--cp). flamegraph.pl's "random" colours are reproducible: for each
 * name it calls srand(sum of the code points) and then rand(1), and Perl's
 * rand is drand48 (FORMATS.md 5b), so one LCG step gives the same value.
 */
#include "flame_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "hashidx.h"

double pk_flame__perl_rand(uint32_t seed)
{
    uint64_t x = ((uint64_t)seed << 16) | 0x330Eu;
    x = (x * 0x5DEECE66Dull + 0xBu) & ((1ull << 48) - 1);
    return (double)x / 281474976710656.0; /* 2^48: exact */
}

/* Decodes one UTF-8 character at s[*i]; a byte that starts no valid
 * sequence stands for itself. */
static uint32_t next_code_point(const char *s, size_t len, size_t *i)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t c = u[*i], cp;
    size_t need = c >= 0xF0 && c < 0xF8 ? 3 : c >= 0xE0 && c < 0xF0 ? 2 : c >= 0xC0 && c < 0xE0 ? 1 : 0;
    size_t k;

    if (need == 0 || len - *i <= need) {
        (*i)++;
        return c;
    }
    cp = c & (0x3Fu >> need);
    for (k = 1; k <= need; k++) {
        if ((u[*i + k] & 0xC0) != 0x80) {
            (*i)++;
            return c;
        }
        cp = cp << 6 | (u[*i + k] & 0x3Fu);
    }
    *i += need + 1;
    return cp;
}

uint32_t pk_flame__code_point_sum(const char *s, size_t len)
{
    uint32_t sum = 0;
    size_t i = 0;
    while (i < len)
        sum += next_code_point(s, len, &i);
    return sum;
}

/* flamegraph.pl's --hash: a vector over the first three characters of
 * the name, weighting early ones more, after s/.(.*?)`// has dropped a
 * "module`" prefix (everything up to the first '`' after the first
 * character). */
static double name_hash(const uint32_t *cps, size_t n)
{
    double vector = 0, weight = 1, max = 1;
    int mod = 10;
    size_t i, start = 0;

    for (i = 1; i < n; i++) {
        if (cps[i] == '`') {
            start = i + 1;
            break;
        }
    }
    for (i = start; i < n; i++) {
        int v = (int)(cps[i] % (uint32_t)mod);
        vector += ((double)v / (mod - 1)) * weight;
        mod++;
        max += weight;
        weight *= 0.70;
        if (mod > 12)
            break;
    }
    return 1 - vector / max;
}

/* v1 from the name, v2 from the name reversed. */
static int hash_values(double *v1, double *v2, const char *s, size_t len)
{
    uint32_t *cps = pk_malloc((len + 1) * sizeof *cps);
    size_t n = 0, i = 0;

    if (!cps)
        return PK_ENOMEM;
    while (i < len)
        cps[n++] = next_code_point(s, len, &i);
    *v1 = name_hash(cps, n);
    for (i = 0; i < n / 2; i++) {
        uint32_t t = cps[i];
        cps[i] = cps[n - 1 - i];
        cps[n - 1 - i] = t;
    }
    *v2 = name_hash(cps, n);
    pk_free(cps);
    return PK_OK;
}

typedef struct rgb {
    int r, g, b;
} rgb;

static rgb palette_rgb(pk_flame_palette pal, double v1, double v2, double v3)
{
    switch (pal) {
    case PK_FLAME_HOT:
        return (rgb){205 + (int)(50 * v3), (int)(230 * v1), (int)(55 * v2)};
    case PK_FLAME_MEM:
        return (rgb){0, 190 + (int)(50 * v2), (int)(210 * v1)};
    case PK_FLAME_IO: {
        int r = 80 + (int)(60 * v1);
        return (rgb){r, r, 190 + (int)(55 * v2)};
    }
    case PK_FLAME_RED: {
        int x = 50 + (int)(80 * v1);
        return (rgb){200 + (int)(55 * v1), x, x};
    }
    case PK_FLAME_GREEN: {
        int x = 50 + (int)(60 * v1);
        return (rgb){x, 200 + (int)(55 * v1), x};
    }
    case PK_FLAME_BLUE: {
        int x = 80 + (int)(60 * v1);
        return (rgb){x, x, 205 + (int)(50 * v1)};
    }
    case PK_FLAME_YELLOW: {
        int x = 175 + (int)(55 * v1);
        return (rgb){x, x, 50 + (int)(20 * v1)};
    }
    case PK_FLAME_PURPLE: {
        int x = 190 + (int)(65 * v1);
        return (rgb){x, 80 + (int)(60 * v1), x};
    }
    case PK_FLAME_AQUA:
        return (rgb){50 + (int)(60 * v1), 165 + (int)(55 * v1), 165 + (int)(55 * v1)};
    case PK_FLAME_ORANGE:
        return (rgb){190 + (int)(65 * v1), 90 + (int)(65 * v1), 0};
    case PK_FLAME_PYTHON:
        break;
    }
    return (rgb){0, 0, 0};
}

static bool contains(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle), i;
    for (i = 0; i + n <= len; i++) {
        if (memcmp(s + i, needle, n) == 0)
            return true;
    }
    return false;
}

/*
 * Ours: one colour per source file, so a module's functions read as one
 * block, with the hue saying what kind of code it is: warm (hot) for the
 * program's own files, aqua for the standard library, green for
 * installed packages, purple for built-ins. The shade comes from the file
 * name the way flamegraph.pl's comes from the frame name.
 */
static rgb python_rgb(const char *name, size_t len)
{
    size_t flen, fstart, filelen;
    int64_t line;
    const char *key = name;
    size_t klen = len;
    pk_flame_palette pal = PK_FLAME_HOT;
    double v;

    if (pk_stacks_parse_frame(name, len, &flen, &fstart, &filelen, &line)) {
        key = name + fstart;
        klen = filelen;
        if (contains(key, klen, "site-packages/") || contains(key, klen, "dist-packages/"))
            pal = PK_FLAME_GREEN;
        else if (contains(key, klen, "/lib/python") || (klen > 0 && key[0] == '<'))
            pal = PK_FLAME_AQUA;
    } else if (len > 0 && (name[0] == '<' || name[0] == '{' || contains(name, len, "built-in"))) {
        pal = PK_FLAME_PURPLE;
    }
    v = pk_flame__perl_rand(pk_flame__code_point_sum(key, klen));
    return palette_rgb(pal, v, v, v);
}

static int name_rgb(rgb *out, const pk_flame_cfg *c, const char *name, size_t len)
{
    double v1, v2, v3;

    if (c->o.palette == PK_FLAME_PYTHON) {
        *out = python_rgb(name, len);
        return PK_OK;
    }
    if (c->o.hash) {
        if (hash_values(&v1, &v2, name, len) != PK_OK)
            return PK_ENOMEM;
        v3 = v2;
    } else {
        v1 = v2 = v3 = pk_flame__perl_rand(pk_flame__code_point_sum(name, len));
    }
    *out = palette_rgb(c->o.palette, v1, v2, v3);
    return PK_OK;
}

/* White to red for growth, white to blue for shrinkage. */
static rgb scale_rgb(double value, double max, bool negate)
{
    rgb out = {255, 255, 255};
    if (negate)
        value = -value;
    if (value > 0)
        out.g = out.b = (int)(210 * (max - value) / max);
    else if (value < 0)
        out.r = out.g = (int)(210 * (max + value) / max);
    return out;
}

/* ---- the consistent palette ---- */

typedef struct cm_entry {
    char *name;
    size_t len;
    char *color;
} cm_entry;

struct pk_flame_colormap {
    cm_entry *e;
    size_t n, cap;
    pk_hashidx index;
};

typedef struct cm_key {
    const pk_flame_colormap *m;
    const char *s;
    size_t len;
} cm_key;

static bool cm_eq(const void *ctx, uint32_t pos)
{
    const cm_key *k = ctx;
    return k->m->e[pos].len == k->len && memcmp(k->m->e[pos].name, k->s, k->len) == 0;
}

static const char *cm_find(const pk_flame_colormap *m, const char *s, size_t len)
{
    cm_key k = {m, s, len};
    uint32_t pos;
    return pk_hashidx_find(&pos, &m->index, pk_hash_bytes(s, len), cm_eq, &k) ? m->e[pos].color
                                                                               : NULL;
}

static char *dup_bytes(const char *s, size_t len)
{
    char *d = pk_malloc(len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

/* Sets name -> color (replacing, as a later line of the file does). */
static int cm_set(pk_flame_colormap *m, const char *s, size_t len, const char *color, size_t clen)
{
    cm_key k = {m, s, len};
    uint64_t h = pk_hash_bytes(s, len);
    uint32_t pos;
    char *c = dup_bytes(color, clen);

    if (!c)
        return PK_ENOMEM;
    if (pk_hashidx_find(&pos, &m->index, h, cm_eq, &k)) {
        pk_free(m->e[pos].color);
        m->e[pos].color = c;
        return PK_OK;
    }
    if (m->n >= UINT32_MAX - 1 || !pk_grow((void **)&m->e, &m->cap, m->n + 1, sizeof *m->e)) {
        pk_free(c);
        return PK_ENOMEM;
    }
    m->e[m->n] = (cm_entry){dup_bytes(s, len), len, c};
    if (!m->e[m->n].name || !pk_hashidx_insert(&m->index, h, (uint32_t)m->n)) {
        pk_free(m->e[m->n].name);
        pk_free(c);
        return PK_ENOMEM;
    }
    m->n++;
    return PK_OK;
}

int pk_flame_colormap_new(pk_flame_colormap **out)
{
    *out = pk_calloc(1, sizeof **out);
    return *out ? PK_OK : PK_ENOMEM;
}

void pk_flame_colormap_free(pk_flame_colormap *m)
{
    size_t i;
    if (!m)
        return;
    for (i = 0; i < m->n; i++) {
        pk_free(m->e[i].name);
        pk_free(m->e[i].color);
    }
    pk_free(m->e);
    pk_hashidx_dispose(&m->index);
    pk_free(m);
}

/* A line is split on "->" as Perl's split does: the key is the first
 * field, the colour the second (a name holding "->" loses its tail, as
 * in flamegraph.pl). */
static int parse_line(pk_flame_colormap *m, const char *s, size_t len)
{
    const char *arrow = NULL, *end = s + len, *next;
    size_t i;

    for (i = 0; i + 1 < len; i++) {
        if (s[i] == '-' && s[i + 1] == '>') {
            arrow = s + i;
            break;
        }
    }
    if (!arrow)
        return PK_OK; /* no colour: flamegraph.pl stores an undefined one */
    for (next = arrow + 2; next + 1 < end; next++) {
        if (next[0] == '-' && next[1] == '>')
            break;
    }
    if (next + 1 >= end)
        next = end;
    return cm_set(m, s, (size_t)(arrow - s), arrow + 2, (size_t)(next - arrow - 2));
}

int pk_flame_colormap_parse(pk_flame_colormap *m, const char *text, size_t len)
{
    size_t pos = 0;
    int rc = PK_OK;

    while (rc == PK_OK && pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        rc = parse_line(m, text + pos, n);
        pos += n + 1;
    }
    return rc;
}

static int entry_cmp(const void *a, const void *b)
{
    const cm_entry *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->name, y->name, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

int pk_flame_colormap_write(FILE *f, const pk_flame_colormap *m)
{
    cm_entry *sorted;
    size_t i;

    if (m->n == 0)
        return PK_OK;
    sorted = pk_malloc(m->n * sizeof *sorted);
    if (!sorted)
        return PK_ENOMEM;
    memcpy(sorted, m->e, m->n * sizeof *sorted);
    qsort(sorted, m->n, sizeof *sorted, entry_cmp);
    for (i = 0; i < m->n; i++) {
        fwrite(sorted[i].name, 1, sorted[i].len, f);
        fprintf(f, "->%s\n", sorted[i].color);
    }
    pk_free(sorted);
    return ferror(f) ? PK_EIO : PK_OK;
}

/* ---- a box's colour ---- */

static int parse_rgb(const char *s, int out[3])
{
    return sscanf(s, "rgb(%d,%d,%d)", &out[0], &out[1], &out[2]) == 3;
}

int pk_flame__color(char *buf, int out[3], pk_profile *p, const pk_flame_layout *l,
                    const pk_flame_cfg *c, const pk_flame_box *b)
{
    pk_str id = pk_stacks_name(p, b->node);
    const char *name = pk_profile_str(p, id);
    size_t len = pk_profile_str_len(p, id);
    rgb col;

    if (b->depth > 0 && len == 2 && memcmp(name, "--", 2) == 0)
        col = (rgb){160, 160, 160};
    else if (b->depth > 0 && len == 1 && name[0] == '-')
        col = (rgb){200, 200, 200};
    else if (b->has_delta)
        col = scale_rgb(b->delta, l->maxdelta, c->o.negate);
    else if (c->o.colormap) {
        const char *known = cm_find(c->o.colormap, name, len);
        char made[32];
        if (!known) {
            if (name_rgb(&col, c, name, len) != PK_OK)
                return PK_ENOMEM;
            snprintf(made, sizeof made, "rgb(%d,%d,%d)", col.r, col.g, col.b);
            if (cm_set(c->o.colormap, name, len, made, strlen(made)) != PK_OK)
                return PK_ENOMEM;
            known = cm_find(c->o.colormap, name, len);
        }
        snprintf(buf, 64, "%s", known);
        if (!parse_rgb(known, out))
            out[0] = out[1] = out[2] = 0;
        return PK_OK;
    } else if (name_rgb(&col, c, name, len) != PK_OK)
        return PK_ENOMEM;
    out[0] = col.r;
    out[1] = col.g;
    out[2] = col.b;
    snprintf(buf, 64, "rgb(%d,%d,%d)", col.r, col.g, col.b);
    return PK_OK;
}
