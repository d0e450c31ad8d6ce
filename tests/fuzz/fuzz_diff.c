/*
 * Fuzz target for the diff: read the input as any profile (format
 * detected); compare it with itself (every row pairs exactly, every change
 * is 0 or NaN), with an empty profile both ways (every row vanished, or
 * new), select rows every way, check rules, render all four forms, and
 * colour its call graph against itself. Any crash, leak, UB or broken
 * invariant is a finding.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <profkit/profkit.h>

#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void render_all(const pk_diff *d, const uint32_t *rows, size_t n)
{
    pk_diff_render_opts ro = {"before", "after", pk_diff_default_metric(d)};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (!f)
        abort();
    if (pk_render_diff_text(f, d, rows, n, &ro, NULL) != PK_OK ||
        pk_render_diff_markdown(f, d, rows, n, &ro, NULL) != PK_OK ||
        pk_render_diff_csv(f, d, rows, n, &ro, NULL) != PK_OK ||
        pk_render_diff_json(f, d, rows, n, &ro, NULL) != PK_OK)
        abort();
    fclose(f);
    free(buf);
}

static void select_and_check(const pk_diff *d)
{
    static const char *const exprs[] = {"total:+1%", "ncalls:-1", "time:+1ms", "hits:+5%"};
    pk_diff_select_opts so = {PK_DIFF_SORT_REGRESSION, 0, true, {0, 1.0, PK_UNIT_PERCENT}, 3};
    pk_diff_rule rule;
    int s;

    for (s = PK_DIFF_SORT_REGRESSION; s <= PK_DIFF_SORT_NAME; s++) {
        uint32_t *rows = NULL;
        pk_diff_breach *br = NULL;
        size_t n = 0, nb = 0, i;
        so.sort = (pk_diff_sort)s;
        so.metric = (size_t)s % pk_diff_metric_count(d);
        so.has_min_delta = s % 2 == 0;
        if (pk_diff_select(&rows, &n, d, &so, NULL) != PK_OK)
            abort();
        render_all(d, rows, n);
        if (pk_diff_rule_parse(&rule, exprs[s], NULL) != PK_OK)
            abort();
        /* a metric this kind lacks is refused, never a crash */
        if (pk_diff_check(&br, &nb, d, &rule, 1, rows, n, NULL) == PK_OK) {
            for (i = 0; i < nb; i++) {
                char line[256];
                pk_diff_breach_describe(line, sizeof line, d, &rule, &br[i]);
            }
        }
        pk_diff_breaches_free(br);
        pk_diff_rows_free(rows);
    }
}

static void against_itself(pk_profile *p)
{
    pk_diff *d = NULL;
    size_t i, m;
    pk_error err = PK_ERROR_INIT;

    if (pk_diff_build(&d, p, p, NULL, &err) != PK_OK)
        abort();
    for (i = 0; i < pk_diff_row_count(d); i++) {
        const pk_diff_row *r = pk_diff_row_at(d, i);
        if (r->status != PK_DIFF_BOTH || r->match != PK_MATCH_EXACT)
            abort();
        for (m = 0; m < pk_diff_metric_count(d); m++) {
            double delta = pk_diff_delta(r, m);
            if (!isnan(delta) && delta != 0.0)
                abort();
        }
    }
    select_and_check(d);
    pk_diff_free(d);
}

/* With nothing on one side, everything is new or vanished. */
static void against_empty(pk_profile *p, pk_profile *empty, bool empty_first)
{
    pk_diff *d = NULL;
    pk_error err = PK_ERROR_INIT;
    pk_diff_status want = empty_first ? PK_DIFF_NEW : PK_DIFF_VANISHED;
    size_t i;
    int rc = empty_first ? pk_diff_build(&d, empty, p, NULL, &err)
                         : pk_diff_build(&d, p, empty, NULL, &err);

    if (rc != PK_OK) {
        if (rc != PK_ENODATA || err.msg[0] == '\0') /* memory vs nothing */
            abort();
        return;
    }
    for (i = 0; i < pk_diff_row_count(d); i++) {
        if (pk_diff_row_at(d, i)->status != want)
            abort();
    }
    select_and_check(d);
    pk_diff_free(d);
}

static void graph_against_itself(pk_profile *p)
{
    pk_callgraph *g = NULL;
    pk_cg_diff *cd = NULL;
    uint32_t *map = malloc((pk_profile_func_count(p) + 1) * sizeof *map);
    size_t i;

    if (!map || pk_callgraph_build(&g, p, NULL) != PK_OK ||
        pk_diff_match_functions(map, p, p, false, NULL) != PK_OK ||
        pk_callgraph_diff(&cd, g, g, map, 0.05, 1.0, NULL) != PK_OK)
        abort();
    for (i = 0; i < pk_callgraph_node_count(g); i++) {
        const pk_cg_node *n = pk_callgraph_node(g, (uint32_t)i);
        if (n->has_stats && !isnan(n->total_time) && cd->node_before[i] != n->total_time)
            abort();
    }
    pk_cg_diff_free(cd);
    pk_callgraph_free(g);
    free(map);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pk_profile *p = pk_fuzz_read(data, size, PK_FORMAT_AUTO), *empty = NULL;

    if (!p)
        return 0;
    if (pk_profile_new(&empty) != PK_OK)
        abort();
    against_itself(p);
    against_empty(p, empty, true);
    against_empty(p, empty, false);
    graph_against_itself(p);
    pk_profile_free(empty);
    pk_profile_free(p);
    return 0;
}
