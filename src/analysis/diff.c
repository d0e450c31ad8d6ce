/*
 * Building a diff of two profiles: the function rows (pstats numbers),
 * normalization, and the accessors. Line and memory rows are built in
 * diff_lines.c and diff_memory.c.
 */
#include "diff_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <profkit/analysis.h>
#include <profkit/lines.h>
#include <profkit/memory.h>

#include "alloc.h"

enum { FUNC_TOTTIME, FUNC_CUMTIME, FUNC_NCALLS };

void pk_diff__metric(pk_diff *d, const char *name, const char *unit, bool scaled)
{
    pk_diff_metric *m = &d->metrics[d->nmetrics++];
    m->name = name;
    m->unit = unit;
    m->scaled = scaled;
}

static const char *copy_str(pk_diff *d, const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = pk_arena_alloc(&d->strings, n);
    if (c)
        memcpy(c, s, n);
    return c;
}

pk_diff_row *pk_diff__add_row(pk_diff *d, pk_diff_status status, pk_diff_match match,
                              const char *file, const char *func)
{
    pk_diff_row *r;

    if (d->nrows >= UINT32_MAX - 1 ||
        !pk_grow((void **)&d->rows, &d->cap, d->nrows + 1, sizeof *d->rows))
        return NULL;
    r = &d->rows[d->nrows];
    memset(r, 0, sizeof *r);
    r->status = status;
    r->match = match;
    r->line_before = r->line_after = r->func_line = -1;
    r->file = copy_str(d, file);
    r->func = copy_str(d, func);
    if (!r->file || !r->func)
        return NULL;
    d->nrows++;
    return r;
}

/* ---- function rows ---- */

/* The stats entries of p (caller-only functions are no rows). */
static uint32_t *entries_of(size_t *n_out, const pk_profile *p)
{
    size_t i, n = 0, all = pk_profile_func_count(p);
    uint32_t *idx = pk_malloc((all ? all : 1) * sizeof *idx);

    for (i = 0; idx && i < all; i++) {
        if (pk_func_is_entry(pk_profile_func_c(p, (uint32_t)i)))
            idx[n++] = (uint32_t)i;
    }
    *n_out = n;
    return idx;
}

static pk_diff_key *entry_keys(const pk_profile *p, const uint32_t *idx, size_t n)
{
    pk_diff_key *keys = pk_malloc((n ? n : 1) * sizeof *keys);
    size_t i;

    for (i = 0; keys && i < n; i++) {
        const pk_func *f = pk_profile_func_c(p, idx[i]);
        keys[i].group = 0;
        keys[i].file = pk_profile_str(p, f->file);
        keys[i].name = pk_profile_str(p, f->name);
        keys[i].line = f->line;
    }
    return keys;
}

static void put_stats(double v[PK_DIFF_MAX_METRICS], const pk_stats *s)
{
    v[FUNC_TOTTIME] = s->tottime;
    v[FUNC_CUMTIME] = s->cumtime;
    v[FUNC_NCALLS] = (double)s->ncalls;
}

static pk_diff_row *func_row(pk_diff *d, const pk_profile *p, uint32_t fi,
                             pk_diff_status st, pk_diff_match how)
{
    const pk_func *f = pk_profile_func_c(p, fi);
    pk_diff_row *r = pk_diff__add_row(d, st, how, pk_profile_str(p, f->file),
                                      pk_profile_str(p, f->name));
    if (r)
        r->func_line = f->line;
    return r;
}

/* AFTER's entries in order (matched or new), then BEFORE's unmatched. */
static int add_function_rows(pk_diff *d, const pk_profile *before, const pk_profile *after,
                             const uint32_t *eb, size_t nb, const uint32_t *ea, size_t na,
                             const uint32_t *b_of_a, const pk_diff_match *how, bool *used)
{
    size_t i;

    for (i = 0; i < na; i++) {
        bool both = b_of_a[i] != PK_DIFF_NO_MATCH;
        pk_diff_row *r = func_row(d, after, ea[i], both ? PK_DIFF_BOTH : PK_DIFF_NEW, how[i]);
        if (!r)
            return PK_ENOMEM;
        r->line_after = pk_profile_func_c(after, ea[i])->line;
        put_stats(r->after, &pk_profile_func_c(after, ea[i])->stats);
        if (both) {
            used[b_of_a[i]] = true;
            r->line_before = pk_profile_func_c(before, eb[b_of_a[i]])->line;
            put_stats(r->before, &pk_profile_func_c(before, eb[b_of_a[i]])->stats);
        }
    }
    for (i = 0; i < nb; i++) {
        pk_diff_row *r;
        if (used[i])
            continue;
        r = func_row(d, before, eb[i], PK_DIFF_VANISHED, PK_MATCH_NONE);
        if (!r)
            return PK_ENOMEM;
        r->line_before = r->func_line;
        put_stats(r->before, &pk_profile_func_c(before, eb[i])->stats);
    }
    return PK_OK;
}

static int build_functions(pk_diff *d, const pk_profile *before, const pk_profile *after,
                           const pk_diff_opts *o)
{
    size_t nb = 0, na = 0;
    uint32_t *eb = entries_of(&nb, before), *ea = entries_of(&na, after), *b_of_a = NULL;
    pk_diff_key *kb = NULL, *ka = NULL;
    pk_diff_match *how = NULL;
    bool *used = NULL;
    int rc = PK_ENOMEM;

    pk_diff__metric(d, "tottime", "s", true);
    pk_diff__metric(d, "cumtime", "s", true);
    pk_diff__metric(d, "ncalls", "", false);
    d->default_metric = FUNC_TOTTIME;
    d->total_before = pk_profile_total_time(before);
    d->total_after = pk_profile_total_time(after);
    if (eb && ea) {
        kb = entry_keys(before, eb, nb);
        ka = entry_keys(after, ea, na);
        b_of_a = pk_malloc((na ? na : 1) * sizeof *b_of_a);
        how = pk_malloc((na ? na : 1) * sizeof *how);
        used = pk_calloc(nb ? nb : 1, sizeof *used);
    }
    if (kb && ka && b_of_a && how && used)
        rc = pk_diff__match(b_of_a, how, kb, nb, ka, na, o->no_moved);
    if (rc == PK_OK)
        rc = add_function_rows(d, before, after, eb, nb, ea, na, b_of_a, how, used);
    pk_free(eb);
    pk_free(ea);
    pk_free(kb);
    pk_free(ka);
    pk_free(b_of_a);
    pk_free(how);
    pk_free(used);
    return rc;
}

/* ---- building ---- */

/* Scales BEFORE's times so that its total equals AFTER's (pprof's
 * -normalize and difffolded.pl -n scale the base side too). */
static int normalize(pk_diff *d, pk_error *err)
{
    size_t i, m;

    if (d->kind == PK_DIFF_MEMORY)
        return pk_error_set(err, PK_EINVAL, NULL, -1,
                            "--normalize applies to times, and memory diffs have no total time");
    if (d->total_before <= 0.0 || d->total_after <= 0.0)
        return pk_error_set(err, PK_ENODATA, NULL, -1,
                            "cannot normalize: a profile's total time is 0");
    d->scale = d->total_after / d->total_before;
    d->total_before = d->total_after; /* exactly, not up to rounding */
    for (i = 0; i < d->nrows; i++) {
        for (m = 0; m < d->nmetrics; m++) {
            if (d->metrics[m].scaled)
                d->rows[i].before[m] *= d->scale;
        }
    }
    return PK_OK;
}

static int choose_kind(pk_diff_kind *out, const pk_profile *before, const pk_profile *after,
                       pk_error *err)
{
    bool mb = pk_memory_run_count(before) > 0, ma = pk_memory_run_count(after) > 0;

    if (mb && ma)
        *out = PK_DIFF_MEMORY;
    else if (mb != ma)
        return pk_error_set(err, PK_ENODATA, NULL, -1,
                            "cannot compare a memory profile (mprof .dat) with a time profile");
    else if (pk_lines_func_count(before) > 0 && pk_lines_func_count(after) > 0)
        *out = PK_DIFF_LINES;
    else
        *out = PK_DIFF_FUNCTIONS;
    return PK_OK;
}

static int build_rows(pk_diff *d, pk_profile *before, pk_profile *after, const pk_diff_opts *o,
                      pk_error *err)
{
    pk_profile *sb = NULL, *sa = NULL;
    int rc;

    if (d->kind == PK_DIFF_MEMORY)
        return pk_diff__build_memory(d, before, after);
    if (d->kind == PK_DIFF_LINES)
        return pk_diff__build_lines(d, before, after, o);
    if (!o->strip_dirs)
        return build_functions(d, before, after, o);
    rc = pk_profile_strip_dirs(&sb, before, err);
    if (rc == PK_OK)
        rc = pk_profile_strip_dirs(&sa, after, err);
    if (rc == PK_OK)
        rc = build_functions(d, sb, sa, o);
    pk_profile_free(sb);
    pk_profile_free(sa);
    return rc;
}

int pk_diff_build(pk_diff **out, pk_profile *before, pk_profile *after,
                  const pk_diff_opts *o, pk_error *err)
{
    pk_diff_opts defaults = PK_DIFF_OPTS_INIT;
    pk_diff *d;
    int rc;

    *out = NULL;
    if (!o)
        o = &defaults;
    d = pk_calloc(1, sizeof *d);
    if (!d)
        return pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory comparing profiles");
    d->scale = 1.0;
    rc = choose_kind(&d->kind, before, after, err);
    if (rc == PK_OK)
        rc = build_rows(d, before, after, o, err);
    if (rc == PK_OK && o->normalize)
        rc = normalize(d, err);
    if (rc != PK_OK) {
        pk_diff_free(d);
        return rc == PK_ENOMEM ? pk_error_set(err, rc, NULL, -1,
                                              "out of memory comparing profiles") : rc;
    }
    *out = d;
    return PK_OK;
}

void pk_diff_free(pk_diff *d)
{
    if (!d)
        return;
    pk_arena_dispose(&d->strings);
    pk_free(d->rows);
    pk_free(d);
}

/* ---- accessors ---- */

pk_diff_kind pk_diff_kind_of(const pk_diff *d) { return d->kind; }
size_t pk_diff_metric_count(const pk_diff *d) { return d->nmetrics; }
const pk_diff_metric *pk_diff_metric_at(const pk_diff *d, size_t i) { return &d->metrics[i]; }
size_t pk_diff_default_metric(const pk_diff *d) { return d->default_metric; }
size_t pk_diff_row_count(const pk_diff *d) { return d->nrows; }
const pk_diff_row *pk_diff_row_at(const pk_diff *d, size_t i) { return &d->rows[i]; }
double pk_diff_total_before(const pk_diff *d) { return d->total_before; }
double pk_diff_total_after(const pk_diff *d) { return d->total_after; }
double pk_diff_scale(const pk_diff *d) { return d->scale; }

int pk_diff_metric_find(const pk_diff *d, const char *name)
{
    size_t i;
    for (i = 0; i < d->nmetrics; i++) {
        if (strcmp(d->metrics[i].name, name) == 0)
            return (int)i;
    }
    return -1;
}

const char *pk_diff_total_name(const pk_diff *d)
{
    return d->kind == PK_DIFF_MEMORY ? "peak memory" : "total time";
}

const char *pk_diff_total_unit(const pk_diff *d)
{
    return d->kind == PK_DIFF_MEMORY ? "MiB" : "s";
}

double pk_diff_delta(const pk_diff_row *r, size_t metric)
{
    return r->after[metric] - r->before[metric];
}

double pk_diff_percent(const pk_diff_row *r, size_t metric)
{
    if (r->before[metric] == 0.0)
        return (double)NAN;
    return 100.0 * (r->after[metric] - r->before[metric]) / r->before[metric];
}

/* pstats' func_std_string(). */
void pk_diff_row_name(char *buf, size_t n, const pk_diff *d, const pk_diff_row *r)
{
    int64_t line = r->line_after >= 0 ? r->line_after : r->line_before;
    size_t len = strlen(r->func);

    if (d->kind == PK_DIFF_MEMORY)
        snprintf(buf, n, "%s", r->func);
    else if (strcmp(r->file, "~") == 0 && line == 0 && len >= 2 && r->func[0] == '<' &&
             r->func[len - 1] == '>')
        snprintf(buf, n, "{%.*s}", (int)(len - 2), r->func + 1);
    else if (strcmp(r->file, "~") == 0 && line == 0)
        snprintf(buf, n, "%s", r->func);
    else
        snprintf(buf, n, "%s:%lld(%s)", r->file, (long long)line, r->func);
}
