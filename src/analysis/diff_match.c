/*
 * Pairing the rows of two profiles by key: exact keys first, then a
 * unique (file, name) among what is left, so a function that moved inside
 * its file still pairs up. Both sides are sorted by key (stably, so equal
 * keys keep their order) and walked together: O(n log n).
 */
#include "diff_int.h"

#include <string.h>

#include "alloc.h"
#include "msort.h"

typedef struct side {
    const pk_diff_key *keys;
    uint32_t *order; /* indices sorted by key */
    size_t n;
} side;

static int cmp_i64(int64_t a, int64_t b)
{
    return a < b ? -1 : a > b;
}

/* (group, file, name), then line unless `with_line` is false. */
static int key_cmp(const pk_diff_key *a, const pk_diff_key *b, bool with_line)
{
    int c = cmp_i64(a->group, b->group);
    if (c == 0)
        c = strcmp(a->file, b->file);
    if (c == 0)
        c = strcmp(a->name, b->name);
    if (c == 0 && with_line)
        c = cmp_i64(a->line, b->line);
    return c;
}

static int sort_cmp(const void *ctx, uint32_t a, uint32_t b)
{
    const pk_diff_key *keys = ctx;
    return key_cmp(&keys[a], &keys[b], true);
}

static bool sort_side(side *s, const pk_diff_key *keys, size_t n)
{
    size_t i;

    s->keys = keys;
    s->n = n;
    s->order = pk_malloc((n ? n : 1) * sizeof *s->order);
    if (!s->order)
        return false;
    for (i = 0; i < n; i++)
        s->order[i] = (uint32_t)i;
    return pk_msort(s->order, n, sort_cmp, keys);
}

/* Walks both sorted sides; inside each run of keys equal on (group, file,
 * name[, line]) pairs the unmatched entries in order. With `unique`, a run
 * pairs only when it has exactly one unmatched entry on each side. */
static void pair_runs(uint32_t *b_of_a, pk_diff_match *how, bool *b_used, const side *b,
                      const side *a, bool with_line, bool unique, pk_diff_match kind)
{
    size_t i = 0, j = 0;

    while (i < b->n && j < a->n) {
        const pk_diff_key *kb = &b->keys[b->order[i]], *ka = &a->keys[a->order[j]];
        int c = key_cmp(kb, ka, with_line);
        size_t ie = i, je = j, nb = 0, na = 0, x, y;
        if (c != 0) {
            c < 0 ? i++ : j++;
            continue;
        }
        while (ie < b->n && key_cmp(&b->keys[b->order[ie]], kb, with_line) == 0)
            nb += !b_used[b->order[ie++]];
        while (je < a->n && key_cmp(&a->keys[a->order[je]], ka, with_line) == 0)
            na += b_of_a[a->order[je++]] == PK_DIFF_NO_MATCH;
        if (!unique || (nb == 1 && na == 1)) {
            for (x = i, y = j; x < ie && y < je;) {
                uint32_t bi = b->order[x], ai = a->order[y];
                if (b_used[bi]) { x++; continue; }
                if (b_of_a[ai] != PK_DIFF_NO_MATCH) { y++; continue; }
                b_of_a[ai] = bi;
                b_used[bi] = true;
                if (how)
                    how[ai] = kind;
                x++, y++;
            }
        }
        i = ie;
        j = je;
    }
}

int pk_diff__match(uint32_t *before_of_after, pk_diff_match *how, const pk_diff_key *before,
                   size_t nb, const pk_diff_key *after, size_t na, bool no_moved)
{
    side b = {NULL, NULL, 0}, a = {NULL, NULL, 0};
    bool *b_used = pk_calloc(nb ? nb : 1, sizeof *b_used);
    int rc = PK_ENOMEM;
    size_t i;

    for (i = 0; i < na; i++) {
        before_of_after[i] = PK_DIFF_NO_MATCH;
        if (how)
            how[i] = PK_MATCH_NONE;
    }
    if (b_used && sort_side(&b, before, nb) && sort_side(&a, after, na)) {
        pair_runs(before_of_after, how, b_used, &b, &a, true, false, PK_MATCH_EXACT);
        if (!no_moved)
            pair_runs(before_of_after, how, b_used, &b, &a, false, true, PK_MATCH_MOVED);
        rc = PK_OK;
    }
    pk_free(b.order);
    pk_free(a.order);
    pk_free(b_used);
    return rc;
}

const char *pk_diff__basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Functions are keyed (file, line, name); caller-only ones too. */
static pk_diff_key *function_keys(const pk_profile *p)
{
    size_t i, n = pk_profile_func_count(p);
    pk_diff_key *keys = pk_malloc((n ? n : 1) * sizeof *keys);

    for (i = 0; keys && i < n; i++) {
        const pk_func *f = pk_profile_func_c(p, (uint32_t)i);
        keys[i].group = 0;
        keys[i].file = pk_profile_str(p, f->file);
        keys[i].name = pk_profile_str(p, f->name);
        keys[i].line = f->line;
    }
    return keys;
}

int pk_diff__match_functions(uint32_t *before_of_after, pk_diff_match *how,
                             const pk_profile *before, const pk_profile *after, bool no_moved)
{
    pk_diff_key *kb = function_keys(before), *ka = function_keys(after);
    int rc = PK_ENOMEM;

    if (kb && ka)
        rc = pk_diff__match(before_of_after, how, kb, pk_profile_func_count(before), ka,
                            pk_profile_func_count(after), no_moved);
    pk_free(kb);
    pk_free(ka);
    return rc;
}

int pk_diff_match_functions(uint32_t *before_of_after, const pk_profile *before,
                            const pk_profile *after, bool no_moved, pk_error *err)
{
    int rc = pk_diff__match_functions(before_of_after, NULL, before, after, no_moved);
    return rc == PK_OK ? PK_OK : pk_error_set(err, rc, NULL, -1, "out of memory matching functions");
}
