/*
 * Renderers: turn a profile and a selection of its functions into text.
 * They write to a FILE the caller owns and never close it; a failed write
 * shows up in ferror(f), which the caller checks.
 */
#ifndef PROFKIT_RENDER_H
#define PROFKIT_RENDER_H

#include <stdio.h>

#include "analysis.h"
#include "error.h"
#include "profile.h"

typedef enum pk_report_kind {
    PK_REPORT_STATS,   /* print_stats() */
    PK_REPORT_CALLERS, /* print_callers() */
    PK_REPORT_CALLEES  /* print_callees() */
} pk_report_kind;

typedef struct pk_report_opts {
    pk_report_kind kind;
    /* The header lines pstats prints first ("<ctime>    <path>"). */
    const char *const *file_lines;
    size_t nfile_lines;
    /* The input paths, for machine-readable output. */
    const char *const *paths;
    size_t npaths;
    /* What made the selection: its keys and restrictions are named in
     * the "Ordered by" and "List reduced" lines. */
    const pk_select_opts *select;
    /* JSON: every function gets both its callers and its callees,
     * whatever the kind (prof-convert --to json). */
    bool json_both_edges;
} pk_report_opts;

/* Prints exactly what pstats' print_stats/print_callers/print_callees
 * print for the same selection. Returns PK_OK or PK_ENOMEM. */
int pk_render_pstats_text(FILE *out, pk_profile *p, pk_stdnames *names,
                          const pk_selection *sel, const pk_report_opts *o,
                          pk_error *err);

/* One row per selected function (header row first), RFC 4180 quoting.
 * With callers/callees, one row per edge instead. */
int pk_render_pstats_csv(FILE *out, pk_profile *p, pk_stdnames *names,
                         const pk_selection *sel, const pk_report_opts *o,
                         pk_error *err);

/* A JSON document: files, totals, and the selected functions in order,
 * with their callers or callees when the report asks for them. */
int pk_render_pstats_json(FILE *out, pk_profile *p, pk_stdnames *names,
                          const pk_selection *sel, const pk_report_opts *o,
                          pk_error *err);

#endif
