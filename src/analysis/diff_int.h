/*
 * The diff's insides, shared by diff.c (building rows), diff_match.c (key
 * matching), diff_lines.c and diff_memory.c (the other kinds of rows),
 * diff_select.c (ordering, filtering) and diff_gate.c (thresholds, rules).
 */
#ifndef PK_ANALYSIS_DIFF_INT_H
#define PK_ANALYSIS_DIFF_INT_H

#include <profkit/diff.h>

#include "arena.h"

struct pk_diff {
    pk_diff_kind kind;
    pk_diff_metric metrics[PK_DIFF_MAX_METRICS];
    size_t nmetrics, default_metric;
    pk_diff_row *rows;
    size_t nrows, cap;
    double total_before, total_after, scale;
    pk_arena strings; /* copies of file and function names */
};

/* A row's key for matching. Only keys of one group match each other (for
 * line rows, the group is the matched function pair). */
typedef struct pk_diff_key {
    uint32_t group;
    const char *file;
    const char *name;
    int64_t line;
} pk_diff_key;

/*
 * Matches AFTER's keys to BEFORE's: equal keys pair in order of the
 * arrays, then (unless no_moved) keys of equal (group, file, name) pair
 * when exactly one of each is left. before_of_after[i] gets the BEFORE
 * index or PK_DIFF_NO_MATCH, how[i] (may be NULL) how it matched.
 * Returns PK_OK or PK_ENOMEM.
 */
int pk_diff__match(uint32_t *before_of_after, pk_diff_match *how, const pk_diff_key *before,
                   size_t nb, const pk_diff_key *after, size_t na, bool no_moved);

/* pk_diff__match over the functions of two profiles. */
int pk_diff__match_functions(uint32_t *before_of_after, pk_diff_match *how,
                             const pk_profile *before, const pk_profile *after, bool no_moved);

/* Appends a zeroed row (strings copied into the diff). NULL when memory
 * runs out. */
pk_diff_row *pk_diff__add_row(pk_diff *d, pk_diff_status status, pk_diff_match match,
                              const char *file, const char *func);

/* Adds a metric. */
void pk_diff__metric(pk_diff *d, const char *name, const char *unit, bool scaled);

/* The rows of the other kinds (diff_lines.c, diff_memory.c). */
int pk_diff__build_lines(pk_diff *d, const pk_profile *before, const pk_profile *after,
                         const pk_diff_opts *o);
int pk_diff__build_memory(pk_diff *d, const pk_profile *before, const pk_profile *after);

/* PK_OK when threshold t's unit fits a metric with that unit; else
 * PK_EINVAL with a message naming the metric. */
int pk_diff__check_unit(const pk_diff_threshold *t, const char *metric, const char *unit,
                        pk_error *err);

/* os.path.basename(). */
const char *pk_diff__basename(const char *path);

#endif
