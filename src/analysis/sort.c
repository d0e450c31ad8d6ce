/*
 * pstats' sort keys: names, accepted prefixes, and the comparison that
 * sort_stats() applies (a stable sort, so ties keep file order).
 */
#include <profkit/analysis.h>

#include <string.h>

#include "alloc.h"
#include "msort.h"

typedef struct key_word {
    const char *word;
    pk_sort_key key;
} key_word;

/* In the order of pstats' sort_arg_dict_default (3.11): prefix ownership
 * depends on it. */
static const key_word key_words[] = {
    {"calls", PK_SORT_CALLS},     {"ncalls", PK_SORT_CALLS},
    {"cumtime", PK_SORT_CUMULATIVE}, {"cumulative", PK_SORT_CUMULATIVE},
    {"filename", PK_SORT_FILE},   {"line", PK_SORT_LINE},
    {"module", PK_SORT_FILE},     {"name", PK_SORT_NAME},
    {"nfl", PK_SORT_NFL},         {"pcalls", PK_SORT_PCALLS},
    {"stdname", PK_SORT_STDNAME}, {"time", PK_SORT_TIME},
    {"tottime", PK_SORT_TIME},
};
#define NWORDS (sizeof key_words / sizeof key_words[0])

/*
 * pstats walks the words in order and registers every prefix of each,
 * longest first, until it meets a prefix already taken: that prefix is
 * then dropped for everyone. Returns the index of the word owning `frag`,
 * or -1 when no word owns it or it was dropped.
 */
static int prefix_owner(const char *frag)
{
    size_t flen = strlen(frag);
    int owner = -1;
    size_t w;

    for (w = 0; w < NWORDS; w++) {
        const char *word = key_words[w].word;
        size_t len;
        for (len = strlen(word); len > 0; len--) {
            bool taken = false;
            size_t v;
            for (v = 0; v < w && !taken; v++)
                taken = strlen(key_words[v].word) >= len &&
                        strncmp(key_words[v].word, word, len) == 0;
            if (taken) {
                if (len == flen && strncmp(word, frag, len) == 0)
                    return -1; /* the collision drops this prefix */
                break;
            }
            if (len == flen && strncmp(word, frag, len) == 0 && owner < 0)
                owner = (int)w;
        }
    }
    return owner;
}

int pk_sort_key_parse(pk_sort_key *out, const char *word)
{
    int w;

    if (word[0] == '\0')
        return PK_EINVAL;
    /* "cum" is dropped by pstats only because cumtime and cumulative
     * collide on it; both mean the same key, so accept it. */
    if (strcmp(word, "cum") == 0) {
        *out = PK_SORT_CUMULATIVE;
        return PK_OK;
    }
    w = prefix_owner(word);
    if (w < 0)
        return PK_EINVAL;
    *out = key_words[w].key;
    return PK_OK;
}

const char *pk_sort_key_description(pk_sort_key k)
{
    switch (k) {
    case PK_SORT_CALLS: return "call count";
    case PK_SORT_PCALLS: return "primitive call count";
    case PK_SORT_TIME: return "internal time";
    case PK_SORT_CUMULATIVE: return "cumulative time";
    case PK_SORT_FILE: return "file name";
    case PK_SORT_LINE: return "line number";
    case PK_SORT_NAME: return "function name";
    case PK_SORT_NFL: return "name/file/line";
    case PK_SORT_STDNAME: return "standard name";
    }
    return "";
}

/* ---- comparison ---- */

typedef struct sort_ctx {
    const pk_profile *p;
    pk_stdnames *names;
    const pk_sort_key *keys;
    size_t nkeys;
} sort_ctx;

static int cmp_num(double l, double r)
{
    return l < r ? -1 : l > r ? 1 : 0;
}

static int cmp_int(int64_t l, int64_t r)
{
    return l < r ? -1 : l > r ? 1 : 0;
}

/* Python str comparison: by code point, which for UTF-8 is byte order. */
static int cmp_str(const pk_profile *p, pk_str a, pk_str b)
{
    size_t la = pk_profile_str_len(p, a), lb = pk_profile_str_len(p, b);
    int c = memcmp(pk_profile_str(p, a), pk_profile_str(p, b), la < lb ? la : lb);
    return c ? (c < 0 ? -1 : 1) : cmp_int((int64_t)la, (int64_t)lb);
}

static int cmp_key(const sort_ctx *c, pk_sort_key k, uint32_t a, uint32_t b)
{
    const pk_func *fa = pk_profile_func_c(c->p, a), *fb = pk_profile_func_c(c->p, b);
    int r;

    switch (k) {
    case PK_SORT_CALLS: return -cmp_int(fa->stats.ncalls, fb->stats.ncalls);
    case PK_SORT_PCALLS: return -cmp_int(fa->stats.pcalls, fb->stats.pcalls);
    case PK_SORT_TIME: return -cmp_num(fa->stats.tottime, fb->stats.tottime);
    case PK_SORT_CUMULATIVE: return -cmp_num(fa->stats.cumtime, fb->stats.cumtime);
    case PK_SORT_FILE: return cmp_str(c->p, fa->file, fb->file);
    case PK_SORT_LINE: return cmp_int(fa->line, fb->line);
    case PK_SORT_NAME: return cmp_str(c->p, fa->name, fb->name);
    case PK_SORT_NFL:
        r = cmp_str(c->p, fa->name, fb->name);
        if (!r)
            r = cmp_str(c->p, fa->file, fb->file);
        return r ? r : cmp_int(fa->line, fb->line);
    case PK_SORT_STDNAME:
        r = strcmp(pk_stdnames_get(c->names, a), pk_stdnames_get(c->names, b));
        return r < 0 ? -1 : r > 0;
    }
    return 0;
}

static int compare_funcs(const void *ctx, uint32_t a, uint32_t b)
{
    const sort_ctx *c = ctx;
    size_t i;

    for (i = 0; i < c->nkeys; i++) {
        int r = cmp_key(c, c->keys[i], a, b);
        if (r)
            return r;
    }
    return 0;
}

/* The one numeric key most reports sort by, as a descending number per
 * function, so the comparison reads an array instead of the model. */
static bool numeric_key(pk_sort_key k)
{
    return k == PK_SORT_CALLS || k == PK_SORT_PCALLS || k == PK_SORT_TIME ||
           k == PK_SORT_CUMULATIVE;
}

static double key_value(const pk_func *f, pk_sort_key k)
{
    switch (k) {
    case PK_SORT_CALLS: return (double)f->stats.ncalls;
    case PK_SORT_PCALLS: return (double)f->stats.pcalls;
    case PK_SORT_TIME: return f->stats.tottime;
    default: return f->stats.cumtime;
    }
}

static int compare_values(const void *ctx, uint32_t a, uint32_t b)
{
    const double *v = ctx;
    return -cmp_num(v[a], v[b]);
}

int pk__sort_funcs(uint32_t *funcs, size_t n, const pk_profile *p,
                   pk_stdnames *names, const pk_sort_key *keys, size_t nkeys)
{
    sort_ctx ctx = {p, names, keys, nkeys};
    size_t i, nfuncs = pk_profile_func_count(p);
    double *values;
    bool ok;

    /* Counts above 2^53 would lose precision as doubles: compare those
     * through the model, exactly. */
    if (nkeys != 1 || !numeric_key(keys[0]) || nfuncs > SIZE_MAX / sizeof *values)
        return pk_msort(funcs, n, compare_funcs, &ctx) ? PK_OK : PK_ENOMEM;
    values = pk_malloc((nfuncs ? nfuncs : 1) * sizeof *values);
    if (!values)
        return PK_ENOMEM;
    for (i = 0; i < n; i++) {
        const pk_func *f = pk_profile_func_c(p, funcs[i]);
        values[funcs[i]] = key_value(f, keys[0]);
        if ((keys[0] == PK_SORT_CALLS || keys[0] == PK_SORT_PCALLS) &&
            (f->stats.ncalls > (1LL << 53) || f->stats.pcalls > (1LL << 53) ||
             f->stats.ncalls < -(1LL << 53) || f->stats.pcalls < -(1LL << 53))) {
            pk_free(values);
            return pk_msort(funcs, n, compare_funcs, &ctx) ? PK_OK : PK_ENOMEM;
        }
    }
    ok = pk_msort(funcs, n, compare_values, values);
    pk_free(values);
    return ok ? PK_OK : PK_ENOMEM;
}
