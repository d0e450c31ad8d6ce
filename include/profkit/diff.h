/*
 * Comparing two profiles: which functions (or lines, or memory entries)
 * got slower between a BEFORE and an AFTER run, and a CI gate over the
 * result (prof-diff, prof2dot --diff).
 *
 * Rows are matched by key in two passes. First the exact key: cProfile's
 * (file, first line, name) for functions; the line's offset from its
 * function's first line, inside a matched function, for line tables; the
 * name for memory_profiler's function entries. Then, for what is left, the
 * key without the line, (file, name), when it is unique among the
 * unmatched rows of both sides: a function that moved inside its file
 * still pairs up. Rows left over are new (AFTER only) or vanished (BEFORE
 * only). With strip_dirs, functions are first merged as pstats'
 * strip_dirs() merges them, so paths that differ between machines match.
 *
 * Ownership: a pk_diff returned through **out belongs to the caller, who
 * frees it with pk_diff_free() (NULL is fine). It borrows nothing: the
 * profiles may be freed before it. Rows, metrics and strings returned as
 * pointers are borrowed from the diff.
 */
#ifndef PROFKIT_DIFF_H
#define PROFKIT_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "profile.h"

/* What the rows are: chosen from the parts both profiles have. */
typedef enum pk_diff_kind {
    PK_DIFF_FUNCTIONS, /* pstats numbers: tottime, cumtime, ncalls */
    PK_DIFF_LINES,     /* line_profiler rows: time, hits */
    PK_DIFF_MEMORY     /* mprof function entries: increment, maxmem, ncalls, time */
} pk_diff_kind;

typedef enum pk_diff_status {
    PK_DIFF_BOTH,    /* in both profiles */
    PK_DIFF_NEW,     /* only in AFTER */
    PK_DIFF_VANISHED /* only in BEFORE */
} pk_diff_status;

typedef enum pk_diff_match {
    PK_MATCH_EXACT, /* same key */
    PK_MATCH_MOVED, /* same file and name, another line */
    PK_MATCH_NONE   /* new or vanished */
} pk_diff_match;

#define PK_DIFF_MAX_METRICS 4

/* One measured quantity of the rows. */
typedef struct pk_diff_metric {
    const char *name; /* "tottime", "cumtime", "ncalls", "time", "hits", ... */
    const char *unit; /* "s", "MiB" or "" for counts */
    bool scaled;      /* --normalize scales it (times; never counts) */
} pk_diff_metric;

typedef struct pk_diff_row {
    pk_diff_status status;
    pk_diff_match match;
    const char *file;    /* "" for memory entries */
    const char *func;    /* function name */
    int64_t line_before; /* the key's line in BEFORE, -1 when absent */
    int64_t line_after;  /* the key's line in AFTER, -1 when absent */
    int64_t func_line;   /* lines diffs: the function's first line (AFTER's if any) */
    double before[PK_DIFF_MAX_METRICS]; /* 0 when absent */
    double after[PK_DIFF_MAX_METRICS];
} pk_diff_row;

typedef struct pk_diff pk_diff;

typedef struct pk_diff_opts {
    bool strip_dirs; /* match on base names (pstats' strip_dirs) */
    bool normalize;  /* scale BEFORE's times so its total equals AFTER's */
    bool no_moved;   /* only exact keys: no (file, name) fallback */
} pk_diff_opts;

#define PK_DIFF_OPTS_INIT {false, false, false}

/*
 * Compares two profiles. The kind is MEMORY when both have memory data,
 * LINES when both have line tables, else FUNCTIONS (every profile has
 * pstats numbers). Rows come in AFTER's order, then the vanished rows in
 * BEFORE's order. Returns PK_OK, PK_ENODATA (a memory profile against a
 * non-memory one, or normalizing a zero total) or PK_ENOMEM.
 */
int pk_diff_build(pk_diff **out, pk_profile *before, pk_profile *after,
                  const pk_diff_opts *o, pk_error *err);

void pk_diff_free(pk_diff *d);

pk_diff_kind pk_diff_kind_of(const pk_diff *d);
size_t pk_diff_metric_count(const pk_diff *d);
const pk_diff_metric *pk_diff_metric_at(const pk_diff *d, size_t i);

/* The index of the metric called name, or -1. */
int pk_diff_metric_find(const pk_diff *d, const char *name);

/* The metric rows are ranked by unless told otherwise: tottime (cumtime
 * would always put <module> and main first), time or increment. */
size_t pk_diff_default_metric(const pk_diff *d);

size_t pk_diff_row_count(const pk_diff *d);
const pk_diff_row *pk_diff_row_at(const pk_diff *d, size_t i);

/* Whole-profile totals: the profile's total time (functions), the sum of
 * line times (lines) or the largest MEM sample, mprof's peak (memory),
 * before and after (BEFORE's scaled when normalizing). */
double pk_diff_total_before(const pk_diff *d);
double pk_diff_total_after(const pk_diff *d);
/* "total time" or "peak memory"; unit "s" or "MiB". */
const char *pk_diff_total_name(const pk_diff *d);
const char *pk_diff_total_unit(const pk_diff *d);

/* The factor BEFORE's scaled metrics were multiplied by (1 without
 * normalize). */
double pk_diff_scale(const pk_diff *d);

/* after - before, and 100 * delta / before (NaN when before is 0). */
double pk_diff_delta(const pk_diff_row *r, size_t metric);
double pk_diff_percent(const pk_diff_row *r, size_t metric);

/* The row's printed name: "file:line(func)" as pstats prints it, AFTER's
 * line when there is one; "{name}" for cProfile built-ins; the bare name
 * for memory entries. Written into buf (always NUL-terminated). */
void pk_diff_row_name(char *buf, size_t n, const pk_diff *d, const pk_diff_row *r);

/* ---- thresholds: "10%", "+5ms", "-2", "1.5MiB" ---- */

typedef enum pk_diff_unit {
    PK_UNIT_NONE,    /* a plain number, in the metric's own unit */
    PK_UNIT_PERCENT, /* of the BEFORE value */
    PK_UNIT_SECONDS, /* s, ms, us: value is in seconds */
    PK_UNIT_MIB      /* MiB, KiB, GiB: value is in MiB */
} pk_diff_unit;

typedef struct pk_diff_threshold {
    int sign;      /* +1: an increase, -1: a decrease; 0 when not given */
    double value;  /* >= 0, converted to seconds or MiB */
    pk_diff_unit unit;
} pk_diff_threshold;

/* Parses [+-]N[%|s|ms|us|MiB|KiB|GiB]. Returns PK_OK or PK_EINVAL (with
 * a message saying what is wrong). */
int pk_diff_threshold_parse(pk_diff_threshold *out, const char *text, pk_error *err);

/* ---- choosing and ordering rows ---- */

typedef enum pk_diff_sort {
    PK_DIFF_SORT_REGRESSION, /* delta of the metric, largest increase first */
    PK_DIFF_SORT_PERCENT,    /* percent of the metric, largest first; new rows first */
    PK_DIFF_SORT_VALUE,      /* the metric's AFTER value (BEFORE for vanished), largest first */
    PK_DIFF_SORT_NAME        /* printed name, ascending */
} pk_diff_sort;

typedef struct pk_diff_select_opts {
    pk_diff_sort sort;
    size_t metric;              /* index of the metric to sort and filter by */
    bool has_min_delta;
    pk_diff_threshold min_delta; /* keep rows whose |change| is at least this */
    size_t limit;               /* 0: all */
} pk_diff_select_opts;

/*
 * The rows to print, in order, as row indices in *rows_out (the caller
 * frees it with pk_diff_rows_free). Ties keep row order. A signed
 * min_delta keeps only changes in its direction; a percent one keeps rows
 * without a BEFORE value (no percent) when they change that way. Returns PK_OK, PK_EINVAL (a unit the metric does not
 * have) or PK_ENOMEM.
 */
int pk_diff_select(uint32_t **rows_out, size_t *n_out, const pk_diff *d,
                   const pk_diff_select_opts *o, pk_error *err);
void pk_diff_rows_free(uint32_t *rows);

/* ---- the CI gate: --fail-on METRIC:THRESHOLD ---- */

typedef struct pk_diff_rule {
    char metric[16];          /* a metric name, or "total" / "peak" */
    pk_diff_threshold limit;  /* sign defaults to +1 */
    char text[64];            /* the threshold as given, for messages */
} pk_diff_rule;

/* Parses "METRIC:[+-]N[unit]". The metric is checked against a diff only
 * by pk_diff_check. Returns PK_OK or PK_EINVAL (message in err). */
int pk_diff_rule_parse(pk_diff_rule *out, const char *expr, pk_error *err);

typedef struct pk_diff_breach {
    size_t rule;    /* index into the rules */
    bool total;     /* the totals breached, not a row */
    uint32_t row;   /* row index when !total */
    size_t metric;  /* metric index when !total */
    double before, after;
} pk_diff_breach;

/*
 * Evaluates every rule against the totals ("total", and "peak" for
 * memory) or against each of the n rows (a metric name): a rule is
 * breached when the change in its direction exceeds the threshold --
 * strictly more than N (absolute) or N percent of BEFORE (rows with
 * BEFORE 0 have no percent and never breach a percent rule). Breaches go
 * to *out (freed with pk_diff_breaches_free), rule by rule, rows in the
 * order given. Returns PK_OK, PK_EINVAL (a metric this kind of diff lacks,
 * or a unit that does not fit it) or PK_ENOMEM.
 */
int pk_diff_check(pk_diff_breach **out, size_t *n_out, const pk_diff *d,
                  const pk_diff_rule *rules, size_t nrules, const uint32_t *rows,
                  size_t n, pk_error *err);
void pk_diff_breaches_free(pk_diff_breach *b);

/* One line (no newline) saying what breached: "regression: NAME cumtime
 * +12.3% (0.512s -> 0.575s) exceeds +10%". */
void pk_diff_breach_describe(char *buf, size_t n, const pk_diff *d,
                             const pk_diff_rule *rules, const pk_diff_breach *b);

/* ---- rendering ---- */

typedef struct pk_diff_render_opts {
    const char *before_path, *after_path; /* named in the header */
    size_t metric;                        /* the ranking metric (named in headers) */
} pk_diff_render_opts;

/* An aligned table: a header with the totals, then per row the printed
 * name's status mark and before, after, delta and percent per metric. */
int pk_render_diff_text(FILE *out, const pk_diff *d, const uint32_t *rows, size_t n,
                        const pk_diff_render_opts *o, pk_error *err);
/* The same as a GitHub-flavoured Markdown table, for a CI comment. */
int pk_render_diff_markdown(FILE *out, const pk_diff *d, const uint32_t *rows, size_t n,
                            const pk_diff_render_opts *o, pk_error *err);
/* One CSV row per diff row (header row first), exact numbers. */
int pk_render_diff_csv(FILE *out, const pk_diff *d, const uint32_t *rows, size_t n,
                       const pk_diff_render_opts *o, pk_error *err);
/* A JSON document: kind, metrics, totals, scale and the rows. */
int pk_render_diff_json(FILE *out, const pk_diff *d, const uint32_t *rows, size_t n,
                        const pk_diff_render_opts *o, pk_error *err);

/* ---- matching alone (prof2dot --diff) ---- */

#define PK_DIFF_NO_MATCH UINT32_MAX

/*
 * Matches the functions of two profiles as pk_diff_build does (exact key,
 * then unique (file, name) unless no_moved): before_of_after[i] receives
 * the BEFORE function matched to AFTER function i, or PK_DIFF_NO_MATCH.
 * The array holds pk_profile_func_count(after) entries. Caller-only
 * functions match too. Returns PK_OK or PK_ENOMEM.
 */
int pk_diff_match_functions(uint32_t *before_of_after, const pk_profile *before,
                            const pk_profile *after, bool no_moved, pk_error *err);

#endif
