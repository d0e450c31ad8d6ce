/*
 * Choosing and ordering the functions to print, as pstats'
 * get_print_list(): sort (or file order), optional reversal, then each
 * restriction in turn.
 */
#include <profkit/analysis.h>

#include <string.h>

#include "alloc.h"
#include "msort.h"

/* pstats: `count = int(count * sel + .5)` for a float in [0, 1). */
static size_t fraction_count(size_t n, double fraction)
{
    return (size_t)((double)n * fraction + .5);
}

static int apply_regex(pk_selection *s, pk_select_step *step, pk_stdnames *names,
                       const char *pattern, pk_error *err)
{
    pk_regex *re = NULL;
    pk_error ignored = PK_ERROR_INIT;
    size_t i, kept = 0;
    int rc = pk_regex_compile(&re, pattern, &ignored);

    if (rc == PK_EINVAL) {
        /* pstats notes "<Invalid regular expression ...>" and keeps the list. */
        step->invalid_regex = true;
        return PK_OK;
    }
    if (rc != PK_OK)
        return pk_error_set(err, rc, NULL, -1, "%s", ignored.msg);
    for (i = 0; i < s->n; i++) {
        if (pk_regex_search(re, pk_stdnames_get(names, s->funcs[i])))
            s->funcs[kept++] = s->funcs[i];
    }
    s->n = kept;
    pk_regex_free(re);
    return PK_OK;
}

static int apply(pk_selection *s, pk_select_step *step, pk_stdnames *names,
                 const pk_restriction *r, pk_error *err)
{
    step->before = s->n;
    switch (r->kind) {
    case PK_RESTRICT_REGEX: {
        int rc = apply_regex(s, step, names, r->regex, err);
        if (rc != PK_OK)
            return rc;
        break;
    }
    case PK_RESTRICT_FRACTION:
        if (r->fraction >= 0.0 && r->fraction < 1.0)
            s->n = fraction_count(s->n, r->fraction);
        break;
    case PK_RESTRICT_COUNT:
        if (r->count >= 0 && (uint64_t)r->count < s->n)
            s->n = (size_t)r->count;
        break;
    }
    step->after = s->n;
    return PK_OK;
}

static void reverse(uint32_t *a, size_t n)
{
    size_t i;
    for (i = 0; i < n / 2; i++) {
        uint32_t t = a[i];
        a[i] = a[n - 1 - i];
        a[n - 1 - i] = t;
    }
}

int pk_select(pk_selection *out, pk_profile *p, pk_stdnames *names,
              const pk_select_opts *opts, pk_error *err)
{
    size_t i, nfuncs = pk_profile_func_count(p);
    int rc = PK_OK;

    memset(out, 0, sizeof *out);
    out->funcs = pk_malloc((nfuncs ? nfuncs : 1) * sizeof *out->funcs);
    out->steps = pk_calloc(opts->nrestrictions ? opts->nrestrictions : 1, sizeof *out->steps);
    if (!out->funcs || !out->steps) {
        pk_selection_dispose(out);
        return pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory");
    }
    for (i = 0; i < nfuncs; i++) {
        if (pk_func_is_entry(pk_profile_func_c(p, (uint32_t)i)))
            out->funcs[out->n++] = (uint32_t)i;
    }
    out->entries = out->n;
    /* pstats tests `if self.fcn_list:`, so sorting nothing is no order. */
    out->ordered = opts->nkeys > 0 && out->n > 0;
    if (out->ordered)
        rc = pk__sort_funcs(out->funcs, out->n, p, names, opts->keys, opts->nkeys);
    if (rc == PK_OK && out->ordered && opts->reverse)
        reverse(out->funcs, out->n);
    for (i = 0; rc == PK_OK && i < opts->nrestrictions; i++) {
        rc = apply(out, &out->steps[i], names, &opts->restrictions[i], err);
        out->nsteps = i + 1;
    }
    if (rc == PK_OK && pk_stdnames_failed(names))
        rc = PK_ENOMEM; /* a name for sorting or matching could not be built */
    if (rc != PK_OK) {
        pk_selection_dispose(out);
        return pk_error_set(err, rc, NULL, -1, "out of memory");
    }
    return PK_OK;
}

void pk_selection_dispose(pk_selection *s)
{
    if (!s)
        return;
    pk_free(s->funcs);
    pk_free(s->steps);
    memset(s, 0, sizeof *s);
}
