/*
 * Building the memory part of a profile (see <profkit/memory.h>): what the
 * mprof reader calls, line by line, then once pk_memory__finish().
 *
 * Runs: a CMDLINE starts a new run, and MEM and CHLD lines belong to the
 * run of the latest CMDLINE (mprof's parent process writes CMDLINE first,
 * then its samples); samples before any CMDLINE form a run without a
 * command line. FUNC lines are written by the profiled child when it exits,
 * so in a file that several runs were appended to they come before their
 * own run's CMDLINE: calls are therefore kept aside and given at finish to
 * the run whose time span holds their start (or the nearest one).
 */
#ifndef PK_MODEL_MEMORY_BUILD_H
#define PK_MODEL_MEMORY_BUILD_H

#include <profkit/memory.h>

/* Starts a new run with this command line. PK_OK or PK_ENOMEM. */
int pk_memory__begin_run(pk_profile *p, const char *cmdline, size_t len);

/* A sample of the main series of the current run. PK_OK or PK_ENOMEM. */
int pk_memory__add_sample(pk_profile *p, double t, double mib);

/* A sample of child `pid` in the current run. PK_OK or PK_ENOMEM. */
int pk_memory__add_child_sample(pk_profile *p, int64_t pid, double t, double mib);

/* A call interval (name, times, memory, level, line; depth is ignored).
 * PK_OK or PK_ENOMEM. */
int pk_memory__add_call(pk_profile *p, const pk_mem_call *c);

/* Counts a line of an unknown kind. PK_OK or PK_ENOMEM. */
int pk_memory__count_unknown(pk_profile *p);

/*
 * Ends the building: assigns the calls to runs, sorts every series by time,
 * computes call depths and adds the function entries and total time (see
 * memory.h). PK_OK or PK_ENOMEM (the part may then be half finished: the
 * caller frees the profile).
 */
int pk_memory__finish(pk_profile *p);

#endif
