/*
 * Line tables: the part of a profile that line_profiler (.lprof) files
 * hold. For each profiled function, keyed like every function of the model
 * by (file, first line, name) -- the line of its decorator, as
 * line_profiler stores it -- a list of (line, hits, time) rows in file
 * order, and for the whole profile the unit of the times: seconds per
 * tick.
 *
 * A function "has line data" once a list was set for it, even an empty
 * one: line_profiler lists every function it was asked to profile, and a
 * function that never ran has no rows. Rows keep the order and the
 * duplicates of the input (line_profiler 4.0 keeps one row per line, 5.x
 * files may repeat a line number).
 *
 * Line data also gives the functions their pstats numbers, so every tool
 * that wants function totals accepts line data (pk_lines_derive_stats):
 *   tottime = cumtime = sum of the function's ticks * unit. A line's time
 *     includes the calls made on it, so this is inclusive time; the self
 *     time of a function that calls other profiled functions is not known
 *     and is reported as the inclusive time too.
 *   ncalls = pcalls = the hits of the function's first profiled line (the
 *     row with the lowest line number, the last such row if repeated): the
 *     first statement of the body runs once per call. It counts one more
 *     per pass when that statement is a loop header that the body jumps
 *     back to, so read it as an estimate.
 *   The profile's total time is the sum of those tottimes.
 *
 * Ownership: the rows returned by pk_lines_rows() are borrowed from the
 * profile and stay valid until the next pk_lines_set() on it or until it
 * is freed.
 */
#ifndef PROFKIT_LINES_H
#define PROFKIT_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "profile.h"

/* One row of line_profiler's timings: a line of a profiled function. */
typedef struct pk_line_stat {
    int64_t line;  /* line number in the function's file */
    int64_t hits;  /* times the line ran */
    int64_t ticks; /* time spent on it, in units of pk_lines_unit() */
} pk_line_stat;

/* True when the profile holds line data (a unit or any function's rows). */
bool pk_lines_present(const pk_profile *p);

/* Seconds per tick of the line times; 0 when the profile has no line data. */
double pk_lines_unit(const pk_profile *p);

/* Sets the seconds per tick, adding the line part if absent.
 * Returns PK_OK or PK_ENOMEM. */
int pk_lines_set_unit(pk_profile *p, double unit);

/*
 * Gives function `func` (an index from pk_profile_func_get) the n rows
 * (copied; rows may be NULL when n is 0), replacing any it had, as a
 * Python dict keeps the last value of a repeated key. The function keeps
 * its place among the functions with line data. Returns PK_OK, PK_ENOMEM,
 * or PK_EINVAL when func is not a function of the profile.
 */
int pk_lines_set(pk_profile *p, uint32_t func, const pk_line_stat *rows, size_t n);

/* How many functions have line data. */
size_t pk_lines_func_count(const pk_profile *p);

/* The i-th function with line data (i < pk_lines_func_count()), in the
 * order their lists were first set: the order of the .lprof file. */
uint32_t pk_lines_func(const pk_profile *p, size_t i);

/* True when function func has line data (possibly no rows). */
bool pk_lines_has(const pk_profile *p, uint32_t func);

/* The rows of function func and their count in *n_out (borrowed; NULL and
 * 0 when it has none). */
const pk_line_stat *pk_lines_rows(const pk_profile *p, uint32_t func, size_t *n_out);

/*
 * Sum of a function's ticks, exactly as Python's sum() of the time column
 * gives it: in *out when it fits in 64 bits (the return value says so),
 * and always in *dout (may be NULL) as the double nearest to the exact
 * sum, which is what Python's float() of the sum gives.
 */
bool pk_lines_ticks(int64_t *out, double *dout, const pk_profile *p, uint32_t func);

/*
 * Sets the pstats numbers of every function with line data, and the
 * profile's total time, from the rows and the unit (see the top of this
 * header for the rules). Returns PK_OK.
 */
int pk_lines_derive_stats(pk_profile *p);

/* ---- rendering: the tables of `python -m line_profiler` ---- */

typedef struct pk_lines_report_opts {
    /* Seconds per output unit of the Time and Per Hit columns (line
     * profiler's -u); line_profiler's command line uses 1e-6. */
    double output_unit;
    /* Leave out functions whose total time is zero (-z). */
    bool skip_zero;
    /* Order functions by ascending total time, ties in file order, as
     * line_profiler 4.1's -t does; without it they are sorted by
     * (file, first line, name). */
    bool sort_by_time;
    /* With sort_by_time: descending instead. */
    bool reverse;
    /* After the tables, one "%6.2f seconds - file:line - name" line per
     * function, as line_profiler 4.1's -m prints. */
    bool summarize;
    /* tempfile.gettempdir(): names under it starting "ipykernel_" or
     * "xpython_" are notebook cells, shown as line_profiler shows them.
     * NULL means "/tmp". */
    const char *tmpdir;
    /* The input paths, for machine-readable output. */
    const char *const *paths;
    size_t npaths;
} pk_lines_report_opts;

#define PK_LINES_REPORT_OPTS_INIT {1e-6, false, false, false, false, NULL, NULL, 0}

/*
 * Prints what `python3 -m line_profiler FILE` (line_profiler 4.0.2)
 * prints: "Timer unit", then per function its total time, file, name and
 * one row per source line, read from the file on disk the way
 * line_profiler reads it (relative names from the current directory; a
 * missing file gives line_profiler's "Could not find file" note and blank
 * lines). Returns PK_OK, PK_ENODATA (no line data) or PK_ENOMEM.
 */
int pk_render_lines_text(FILE *out, const pk_profile *p, const pk_lines_report_opts *o,
                         pk_error *err);

/* One CSV row per line entry (header first): file, first_line, function,
 * line, hits, ticks, seconds; a function without entries gets one row with
 * the last four empty. Same order and -z as the text. */
int pk_render_lines_csv(FILE *out, const pk_profile *p, const pk_lines_report_opts *o,
                        pk_error *err);

/* A JSON document: the unit, the input paths, and per function its key,
 * total ticks and seconds and its entries. Same order and -z as the text. */
int pk_render_lines_json(FILE *out, const pk_profile *p, const pk_lines_report_opts *o,
                         pk_error *err);

#endif
