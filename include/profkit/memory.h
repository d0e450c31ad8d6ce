/*
 * Memory over time: the part of a profile read from memory_profiler's
 * `mprof run` files (.dat), and what renders it.
 *
 * A file holds one or more runs: `mprof run -o F` appends, so running it
 * twice with the same F leaves two runs in F. Each run has the command line
 * it ran, the main series of (time, MiB) samples, one series per child
 * process (`mprof run -M`, keyed by the child's pid), and the intervals of
 * the functions and `profile.timestamp` blocks the program marked.
 * Times are Unix epoch seconds as in the file; MiB are 2^20 bytes.
 *
 * The reader also turns the intervals into function entries of the profile
 * (see pk_read in io.h): key ("", 0, name); ncalls = pcalls = the number
 * of intervals; cumtime = the summed durations of the calls not nested in a
 * call of the same name; tottime = durations less the durations of the
 * calls nested directly inside (never below 0). So other tools can list
 * and convert them like any profile.
 *
 * Ownership: everything returned here is borrowed from the profile and
 * valid until pk_profile_free(). Renderers write to a FILE the caller owns
 * and never close it; a failed write shows up in ferror(f).
 */
#ifndef PROFKIT_MEMORY_H
#define PROFKIT_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "profile.h"

typedef struct pk_mem_sample {
    double t;   /* epoch seconds */
    double mib; /* resident memory in MiB */
} pk_mem_sample;

/* One process's samples, sorted by time (ties keep file order). */
typedef struct pk_mem_series {
    int64_t pid;                  /* the child's pid; -1 for the main series */
    const pk_mem_sample *samples;
    size_t n;
} pk_mem_series;

/* One call of a profiled function, or one `profile.timestamp` block. */
typedef struct pk_mem_call {
    pk_str name;       /* "module.func", or ".label" for a timestamp block */
    double t0, t1;     /* entry and exit, epoch seconds */
    double mem0, mem1; /* MiB at entry and exit */
    int32_t level;     /* nesting depth from the file (0 = outermost), or -1
                          when the file has no level field (memory_profiler <= 0.55) */
    int32_t depth;     /* level, or when it is -1 the depth found by nesting
                          the intervals: what a flame chart stacks by */
    uint64_t line;     /* the line of the file it came from */
} pk_mem_call;

typedef struct pk_mem_run {
    bool has_cmdline;
    pk_str cmdline;                 /* CMDLINE text; PK_STR_EMPTY without one */
    pk_mem_series main;             /* MEM lines */
    const pk_mem_series *children;  /* CHLD lines, by pid, in order of first appearance */
    size_t nchildren;
    const pk_mem_call *calls;       /* FUNC lines, in file order */
    size_t ncalls;
} pk_mem_run;

/* The number of runs; 0 when the profile has no memory data. */
size_t pk_memory_run_count(const pk_profile *p);

/* Run i < pk_memory_run_count() (borrowed). */
const pk_mem_run *pk_memory_run(const pk_profile *p, size_t i);

/* Lines of unknown kinds the reader skipped, as mprof skips them. */
uint64_t pk_memory_unknown_lines(const pk_profile *p);

/*
 * The index of the largest sample of s (the first one in time among
 * equals), or false when s is empty.
 */
bool pk_mem_series_peak(size_t *out, const pk_mem_series *s);

/*
 * The earliest and latest time of anything in the run: samples of every
 * series and call intervals. False when the run holds no time at all.
 */
bool pk_mem_run_span(double *t0_out, double *t1_out, const pk_mem_run *r);

/* ---- pstat-view: the memory summary ---- */

/*
 * Summaries of n memory profiles (one per input file, in order), labelled
 * with paths[i]. The text form starts with exactly what `mprof peak FILE...`
 * prints (the file's peak MEM value, then each child's), then per run: the
 * command line, duration, peak and when, children, and per function the
 * calls, total time and memory deltas. CSV has one row per run, child and
 * function (a `kind` column tells them apart); JSON one object per file.
 * Returns PK_OK, PK_ENODATA (a profile has no memory data; err names it)
 * or PK_ENOMEM.
 */
int pk_render_memory_text(FILE *out, const pk_profile *const *profiles,
                          const char *const *paths, size_t n, pk_error *err);
int pk_render_memory_csv(FILE *out, const pk_profile *const *profiles,
                         const char *const *paths, size_t n, pk_error *err);
int pk_render_memory_json(FILE *out, const pk_profile *const *profiles,
                          const char *const *paths, size_t n, pk_error *err);

/* ---- mprof-plot: memory over time as a chart ---- */

typedef enum pk_chart_format {
    PK_CHART_SVG = 0,
    PK_CHART_PNG
} pk_chart_format;

#define PK_CHART_MIN_SIZE 200
#define PK_CHART_MAX_SIZE 16000

typedef struct pk_chart_opts {
    pk_chart_format format;
    int width, height;   /* pixels, PK_CHART_MIN_SIZE..PK_CHART_MAX_SIZE */
    const char *title;   /* NULL: the command line when there is one run */
    bool functions;      /* draw function brackets (or flame bars) */
    bool flame;          /* function intervals as a flame chart under the curve */
    bool slope;          /* a least-squares line per series, MiB/s in the legend */
    bool window;         /* plot only window_t0..window_t1 (seconds from start) */
    double window_t0, window_t1;
} pk_chart_opts;

/* mprof plot's figure: 14 x 6 inches at 90 dpi. */
#define PK_CHART_OPTS_INIT {PK_CHART_SVG, 1260, 540, NULL, true, false, false, false, 0.0, 0.0}

/*
 * Draws memory over time for every run of the n profiles, each shifted so
 * that it starts at 0 s (runs overlay, as `mprof plot a.dat b.dat` overlays
 * files): the main series with function entry/exit points merged in, child
 * series labelled "child <pid>", the peak marked with dashed lines, and with
 * a single run the function brackets or flame bars. paths[i] names profile
 * i in the legend when there are several runs. Returns PK_OK, PK_EINVAL
 * (bad options: size, window), PK_ENODATA (no samples to draw) or PK_ENOMEM.
 */
int pk_render_memory_chart(FILE *out, const pk_profile *const *profiles,
                           const char *const *paths, size_t n,
                           const pk_chart_opts *o, pk_error *err);

#endif
