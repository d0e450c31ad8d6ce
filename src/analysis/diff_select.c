/*
 * Which diff rows to print and in what order: a minimum change, a sort
 * (largest regression first by default), a row limit.
 */
#include "diff_int.h"

#include <math.h>
#include <string.h>

#include "alloc.h"
#include "msort.h"

typedef struct sort_ctx {
    const pk_diff *d;
    size_t m;
} sort_ctx;

static int desc(double a, double b)
{
    return a > b ? -1 : a < b;
}

static int by_regression(const void *ctx, uint32_t a, uint32_t b)
{
    const sort_ctx *c = ctx;
    return desc(pk_diff_delta(&c->d->rows[a], c->m), pk_diff_delta(&c->d->rows[b], c->m));
}

/* New rows (no percent) first, then the largest increase. */
static int by_percent(const void *ctx, uint32_t a, uint32_t b)
{
    const sort_ctx *c = ctx;
    double pa = pk_diff_percent(&c->d->rows[a], c->m), pb = pk_diff_percent(&c->d->rows[b], c->m);
    if (isnan(pa) || isnan(pb))
        return isnan(pa) && isnan(pb) ? by_regression(ctx, a, b) : isnan(pa) ? -1 : 1;
    return desc(pa, pb);
}

static double shown_value(const pk_diff_row *r, size_t m)
{
    return r->status == PK_DIFF_VANISHED ? r->before[m] : r->after[m];
}

static int by_value(const void *ctx, uint32_t a, uint32_t b)
{
    const sort_ctx *c = ctx;
    return desc(shown_value(&c->d->rows[a], c->m), shown_value(&c->d->rows[b], c->m));
}

static int64_t shown_line(const pk_diff_row *r)
{
    return r->line_after >= 0 ? r->line_after : r->line_before;
}

static int by_name(const void *ctx, uint32_t a, uint32_t b)
{
    const sort_ctx *c = ctx;
    const pk_diff_row *ra = &c->d->rows[a], *rb = &c->d->rows[b];
    int k = strcmp(ra->file, rb->file);
    if (k == 0)
        k = shown_line(ra) < shown_line(rb) ? -1 : shown_line(ra) > shown_line(rb);
    return k ? k : strcmp(ra->func, rb->func);
}

static bool big_enough(const pk_diff_row *r, size_t m, const pk_diff_threshold *t)
{
    double change = pk_diff_delta(r, m);

    if (t->sign != 0)
        change *= (double)t->sign;
    else
        change = fabs(change);
    if (t->unit != PK_UNIT_PERCENT)
        return change >= t->value;
    if (r->before[m] == 0.0)
        return change > 0.0; /* new: no percent, but a change that way */
    return 100.0 * change / fabs(r->before[m]) >= t->value;
}

int pk_diff_select(uint32_t **rows_out, size_t *n_out, const pk_diff *d,
                   const pk_diff_select_opts *o, pk_error *err)
{
    static const pk_msort_cmp SORTS[] = {by_regression, by_percent, by_value, by_name};
    sort_ctx ctx = {d, o->metric};
    uint32_t *rows;
    size_t i, n = 0;

    *rows_out = NULL;
    *n_out = 0;
    if (o->metric >= d->nmetrics || (unsigned)o->sort > PK_DIFF_SORT_NAME)
        return pk_error_set(err, PK_EINVAL, NULL, -1, "no such metric or sort");
    if (o->has_min_delta &&
        pk_diff__check_unit(&o->min_delta, d->metrics[o->metric].name,
                            d->metrics[o->metric].unit, err) != PK_OK)
        return PK_EINVAL;
    rows = pk_malloc((d->nrows ? d->nrows : 1) * sizeof *rows);
    if (!rows)
        return pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory");
    for (i = 0; i < d->nrows; i++) {
        if (!o->has_min_delta || big_enough(&d->rows[i], o->metric, &o->min_delta))
            rows[n++] = (uint32_t)i;
    }
    if (!pk_msort(rows, n, SORTS[o->sort], &ctx)) {
        pk_free(rows);
        return pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory");
    }
    if (o->limit && o->limit < n)
        n = o->limit;
    *rows_out = rows;
    *n_out = n;
    return PK_OK;
}

void pk_diff_rows_free(uint32_t *rows)
{
    pk_free(rows);
}
