/*
 * Thresholds and the CI gate: parsing "[+-]N[unit]" and "METRIC:THRESHOLD",
 * checking rules against a diff, and the line that reports a breach.
 */
#include "diff_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

typedef struct unit_word {
    const char *word;
    pk_diff_unit unit;
    double factor; /* to seconds or MiB */
} unit_word;

static const unit_word UNITS[] = {
    {"", PK_UNIT_NONE, 1.0},        {"%", PK_UNIT_PERCENT, 1.0},
    {"s", PK_UNIT_SECONDS, 1.0},    {"ms", PK_UNIT_SECONDS, 1e-3},
    {"us", PK_UNIT_SECONDS, 1e-6},  {"MiB", PK_UNIT_MIB, 1.0},
    {"KiB", PK_UNIT_MIB, 1.0 / 1024.0}, {"GiB", PK_UNIT_MIB, 1024.0},
};

int pk_diff_threshold_parse(pk_diff_threshold *out, const char *text, pk_error *err)
{
    const char *s = text;
    char *end;
    size_t i;

    out->sign = 0;
    if (*s == '+' || *s == '-')
        out->sign = *s++ == '+' ? 1 : -1;
    if (!((*s >= '0' && *s <= '9') || *s == '.'))
        return pk_error_set(err, PK_EINVAL, NULL, -1, "'%s' does not start with a number", text);
    out->value = strtod(s, &end);
    if (end == s || !isfinite(out->value))
        return pk_error_set(err, PK_EINVAL, NULL, -1, "'%s' is not a number", text);
    for (i = 0; i < sizeof UNITS / sizeof UNITS[0]; i++) {
        if (strcmp(end, UNITS[i].word) == 0) {
            out->unit = UNITS[i].unit;
            out->value *= UNITS[i].factor;
            return PK_OK;
        }
    }
    return pk_error_set(err, PK_EINVAL, NULL, -1,
                        "unknown unit '%s' in '%s' (%%, s, ms, us, MiB, KiB, GiB)", end, text);
}

int pk_diff_rule_parse(pk_diff_rule *out, const char *expr, pk_error *err)
{
    const char *colon = strchr(expr, ':');
    size_t len;
    int rc;

    memset(out, 0, sizeof *out);
    if (!colon)
        return pk_error_set(err, PK_EINVAL, NULL, -1,
                            "'%s' is not METRIC:THRESHOLD (e.g. cumtime:+10%%)", expr);
    len = (size_t)(colon - expr);
    if (len == 0 || len >= sizeof out->metric)
        return pk_error_set(err, PK_EINVAL, NULL, -1, "no metric name in '%s'", expr);
    memcpy(out->metric, expr, len);
    rc = pk_diff_threshold_parse(&out->limit, colon + 1, err);
    if (rc != PK_OK)
        return rc;
    if (out->limit.sign == 0)
        out->limit.sign = 1;
    snprintf(out->text, sizeof out->text, "%s%s",
             colon[1] == '+' || colon[1] == '-' ? "" : "+", colon + 1);
    return PK_OK;
}

/* Whether a threshold's unit fits a metric of unit `unit`. */
static bool unit_fits(pk_diff_unit u, const char *unit)
{
    if (u == PK_UNIT_NONE || u == PK_UNIT_PERCENT)
        return true;
    if (u == PK_UNIT_SECONDS)
        return strcmp(unit, "s") == 0;
    return strcmp(unit, "MiB") == 0;
}

int pk_diff__check_unit(const pk_diff_threshold *t, const char *metric, const char *unit,
                        pk_error *err)
{
    if (unit_fits(t->unit, unit))
        return PK_OK;
    return pk_error_set(err, PK_EINVAL, NULL, -1, "%s is %s, so a threshold in %s does not fit",
                        metric, unit[0] ? (strcmp(unit, "s") == 0 ? "in seconds" : "in MiB")
                                        : "a count",
                        t->unit == PK_UNIT_SECONDS ? "seconds" : "MiB");
}

/* The change in the rule's direction exceeds its limit. */
static bool exceeds(const pk_diff_threshold *t, double before, double after)
{
    double change = (double)t->sign * (after - before);

    if (t->unit == PK_UNIT_PERCENT)
        return before > 0.0 && 100.0 * change / before > t->value;
    return change > t->value;
}

static bool is_total(const pk_diff *d, const char *metric)
{
    return strcmp(metric, "total") == 0 ||
           (d->kind == PK_DIFF_MEMORY && strcmp(metric, "peak") == 0);
}

static int bind_rule(int *metric_out, const pk_diff *d, const pk_diff_rule *r, pk_error *err)
{
    const char *kind = d->kind == PK_DIFF_FUNCTIONS ? "function" :
                       d->kind == PK_DIFF_LINES ? "line" : "memory";
    size_t i;
    char names[96] = "total";

    if (is_total(d, r->metric)) {
        *metric_out = -1;
        return pk_diff__check_unit(&r->limit, r->metric, pk_diff_total_unit(d), err);
    }
    *metric_out = pk_diff_metric_find(d, r->metric);
    if (*metric_out >= 0)
        return pk_diff__check_unit(&r->limit, r->metric, d->metrics[*metric_out].unit, err);
    for (i = 0; i < d->nmetrics; i++) {
        strncat(names, ", ", sizeof names - strlen(names) - 1);
        strncat(names, d->metrics[i].name, sizeof names - strlen(names) - 1);
    }
    if (d->kind == PK_DIFF_MEMORY)
        strncat(names, ", peak", sizeof names - strlen(names) - 1);
    return pk_error_set(err, PK_EINVAL, NULL, -1, "a %s diff has no metric '%s' (%s)", kind,
                        r->metric, names);
}

static bool push(pk_diff_breach **b, size_t *n, size_t *cap, pk_diff_breach v)
{
    if (!pk_grow((void **)b, cap, *n + 1, sizeof **b))
        return false;
    (*b)[(*n)++] = v;
    return true;
}

int pk_diff_check(pk_diff_breach **out, size_t *n_out, const pk_diff *d,
                  const pk_diff_rule *rules, size_t nrules, const uint32_t *rows,
                  size_t n, pk_error *err)
{
    pk_diff_breach *b = NULL;
    size_t nb = 0, cap = 0, i, k;
    int metric, rc = PK_OK;

    *out = NULL;
    *n_out = 0;
    /* Every rule is valid before any is evaluated: a bad one is a usage
     * error, not a breach. */
    for (i = 0; rc == PK_OK && i < nrules; i++)
        rc = bind_rule(&metric, d, &rules[i], err);
    for (i = 0; rc == PK_OK && i < nrules; i++) {
        const pk_diff_threshold *t = &rules[i].limit;
        bind_rule(&metric, d, &rules[i], NULL); /* valid: checked above */
        if (metric < 0) {
            pk_diff_breach v = {i, true, 0, 0, d->total_before, d->total_after};
            if (exceeds(t, v.before, v.after) && !push(&b, &nb, &cap, v))
                rc = PK_ENOMEM;
            continue;
        }
        for (k = 0; rc == PK_OK && k < n; k++) {
            const pk_diff_row *r = &d->rows[rows[k]];
            pk_diff_breach v = {i, false, rows[k], (size_t)metric, r->before[metric],
                                r->after[metric]};
            if (exceeds(t, v.before, v.after) && !push(&b, &nb, &cap, v))
                rc = PK_ENOMEM;
        }
    }
    if (rc != PK_OK) {
        pk_free(b);
        return rc == PK_ENOMEM ? pk_error_set(err, rc, NULL, -1, "out of memory") : rc;
    }
    *out = b;
    *n_out = nb;
    return PK_OK;
}

void pk_diff_breaches_free(pk_diff_breach *b)
{
    pk_free(b);
}

/* "0.512s", "12", "3.25MiB". */
static void value_text(char *buf, size_t n, double v, const char *unit)
{
    snprintf(buf, n, "%.6g%s", v, unit);
}

void pk_diff_breach_describe(char *buf, size_t n, const pk_diff *d,
                             const pk_diff_rule *rules, const pk_diff_breach *b)
{
    const pk_diff_rule *r = &rules[b->rule];
    const char *unit = b->total ? pk_diff_total_unit(d) : d->metrics[b->metric].unit;
    char name[512], vb[48], va[48], change[48];

    if (b->total)
        snprintf(name, sizeof name, "%s", pk_diff_total_name(d));
    else
        pk_diff_row_name(name, sizeof name, d, &d->rows[b->row]);
    value_text(vb, sizeof vb, b->before, unit);
    value_text(va, sizeof va, b->after, unit);
    if (r->limit.unit == PK_UNIT_PERCENT)
        snprintf(change, sizeof change, "%+.1f%%", 100.0 * (b->after - b->before) / b->before);
    else
        snprintf(change, sizeof change, "%+.6g%s", b->after - b->before, unit);
    snprintf(buf, n, "%s: %s%s%s %s (%s -> %s) exceeds %s",
             r->limit.sign > 0 ? "regression" : "decrease", name, b->total ? "" : " ",
             b->total ? "" : d->metrics[b->metric].name, change, vb, va, r->text);
}
