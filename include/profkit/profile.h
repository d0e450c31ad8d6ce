/*
 * The profile model shared by every reader, analysis and renderer.
 *
 * A pk_profile holds interned strings, functions keyed like cProfile's
 * (file, line, name) with their stats, and caller -> callee edges with
 * per-edge stats, indexed both ways. Later parts (line tables, sampled
 * stacks, memory series) hang off the same object.
 *
 * Ownership: a profile returned through `**out` belongs to the caller, who
 * releases it and everything in it with pk_profile_free(). Pointers returned
 * as values (strings, pk_func, pk_edge, index arrays) are borrowed: strings
 * live until the profile is freed; pk_func/pk_edge pointers and index arrays
 * stay valid until the next function or edge is added.
 *
 * Order matters: functions and edges keep the order in which they were first
 * added, because pstats prints ties and unsorted listings in file order.
 * Readers add every stats entry before any caller-only function, so the
 * entries are the first functions, in dict order.
 */
#ifndef PROFKIT_PROFILE_H
#define PROFKIT_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct pk_profile pk_profile;

/* An interned string id; PK_STR_EMPTY is "". */
typedef uint32_t pk_str;
#define PK_STR_EMPTY ((pk_str)0)

/* cProfile's four numbers, for a function or for one caller -> callee edge. */
typedef struct pk_stats {
    int64_t ncalls;  /* all calls ("nc") */
    int64_t pcalls;  /* primitive, i.e. non-recursive, calls ("cc") */
    double tottime;  /* seconds in the function itself */
    double cumtime;  /* seconds including callees */
} pk_stats;

enum pk_func_flags {
    /* The key's name came from a marshalled code object (what
     * `python -m profile` stores for the script it ran); name holds a
     * description in the form of Python's repr of that code object. */
    PK_FUNC_CODE_KEY = 1u << 0,
    /* The function appears only as a caller, not as a key of the stats
     * dict: it is not listed and writers do not emit it as an entry. */
    PK_FUNC_NO_ENTRY = 1u << 1
};

typedef struct pk_func {
    pk_str file;     /* co_filename, "~" for cProfile built-ins */
    pk_str name;     /* co_name or the built-in's description */
    int64_t line;    /* co_firstlineno, 0 for built-ins */
    uint32_t flags;  /* pk_func_flags */
    pk_stats stats;
} pk_func;

enum pk_edge_flags {
    /* The caller value was a plain call count (pure-Python `profile`), not
     * cProfile's (nc, cc, tt, ct) tuple: only stats.ncalls is meaningful. */
    PK_EDGE_COUNT_ONLY = 1u << 0
};

typedef struct pk_edge {
    uint32_t caller; /* function index */
    uint32_t callee; /* function index */
    uint32_t flags;  /* pk_edge_flags */
    pk_stats stats;  /* what the callee spent when called from caller */
} pk_edge;

/* Adds from's four numbers to to's, in that order (pstats' add). Counts
 * that would leave the int64 range stop at its nearest end. */
void pk_stats_add(pk_stats *to, const pk_stats *from);

/* Creates an empty profile. Returns PK_OK or PK_ENOMEM. */
int pk_profile_new(pk_profile **out);

/* Frees the profile and everything it holds. Accepts NULL. */
void pk_profile_free(pk_profile *p);

/*
 * Interns len bytes of s (which need not be NUL-terminated and may hold any
 * bytes, including UTF-8-encoded surrogates) and stores its id in *out.
 * Returns PK_OK or PK_ENOMEM.
 */
int pk_profile_intern(pk_str *out, pk_profile *p, const char *s, size_t len);

/* The NUL-terminated text of an interned string (borrowed). */
const char *pk_profile_str(const pk_profile *p, pk_str id);

/* The length in bytes of an interned string. */
size_t pk_profile_str_len(const pk_profile *p, pk_str id);

/* How many strings are interned: ids run from 0 to this count - 1. */
size_t pk_profile_str_count(const pk_profile *p);

/*
 * Finds the function with key (file, line, name), adding it with zero stats
 * if absent. *out receives its index; *added (may be NULL) whether it is new.
 * Returns PK_OK, PK_ENOMEM, or PK_EINVAL when more than UINT32_MAX - 1
 * functions would exist.
 */
int pk_profile_func_get(uint32_t *out, bool *added, pk_profile *p, pk_str file,
                        int64_t line, pk_str name);

/* Looks a key up without adding it. Returns true and sets *out if found. */
bool pk_profile_func_find(uint32_t *out, const pk_profile *p, pk_str file,
                          int64_t line, pk_str name);

size_t pk_profile_func_count(const pk_profile *p);

/* The function at index i < pk_profile_func_count() (borrowed, mutable). */
pk_func *pk_profile_func(pk_profile *p, uint32_t i);
const pk_func *pk_profile_func_c(const pk_profile *p, uint32_t i);

/*
 * Finds the edge caller -> callee, adding it with zero stats if absent.
 * Same return values and out-params as pk_profile_func_get().
 */
int pk_profile_edge_get(uint32_t *out, bool *added, pk_profile *p,
                        uint32_t caller, uint32_t callee);

bool pk_profile_edge_find(uint32_t *out, const pk_profile *p, uint32_t caller,
                          uint32_t callee);

/* Makes room for n more edges, so adding them never regrows the tables.
 * Readers that know the count call it first. Returns PK_OK or PK_ENOMEM. */
int pk_profile_edge_reserve(pk_profile *p, size_t n);

/* Makes room for n more functions and their names (one string each) the
 * same way. Returns PK_OK or PK_ENOMEM. */
int pk_profile_func_reserve(pk_profile *p, size_t n);

/*
 * Puts the functions in a new order: order[j] is the current index of the
 * function that becomes function j (a permutation of 0 .. count - 1).
 * Edges keep their order and follow their functions. Returns PK_OK or
 * PK_ENOMEM (the profile is then unchanged).
 */
int pk_profile_reorder_funcs(pk_profile *p, const uint32_t *order);

size_t pk_profile_edge_count(const pk_profile *p);

pk_edge *pk_profile_edge(pk_profile *p, uint32_t i);
const pk_edge *pk_profile_edge_c(const pk_profile *p, uint32_t i);

/*
 * The edges into `callee` (its callers) or out of `caller` (its callees), as
 * edge indices in the order the edges were added. The index is built on first
 * use after a change. *edges_out is borrowed. Returns PK_OK or PK_ENOMEM.
 */
int pk_profile_callers(const uint32_t **edges_out, size_t *n_out,
                       pk_profile *p, uint32_t callee);
int pk_profile_callees(const uint32_t **edges_out, size_t *n_out,
                       pk_profile *p, uint32_t caller);

/* What the profile's numbers mean and where they came from. */
typedef enum pk_source_format {
    PK_SOURCE_NONE = 0,
    PK_SOURCE_PSTATS,
    PK_SOURCE_FOLDED,
    PK_SOURCE_LPROF,
    PK_SOURCE_MPROF,
    PK_SOURCE_CALLGRIND,
    PK_SOURCE_PPROF
} pk_source_format;

pk_source_format pk_profile_source(const pk_profile *p);
void pk_profile_set_source(pk_profile *p, pk_source_format f);

/*
 * True when the profile holds function stats to write or tabulate: it has
 * functions, or it was read from a format of function stats (pstats,
 * callgrind, pprof) or built in code: an empty pstats or callgrind file is
 * a valid empty set of stats. False for, e.g., a memory series without
 * function brackets.
 */
bool pk_profile_has_function_data(const pk_profile *p);

/*
 * Sum of tottime over the functions, added in the order pstats adds it:
 * per input file in file order, then file totals in merge order. Readers and
 * merges keep it; it is what the "in N seconds" line prints.
 */
double pk_profile_total_time(const pk_profile *p);
void pk_profile_set_total_time(pk_profile *p, double t);

/*
 * The unit of the functions' and edges' costs when the input named one
 * (callgrind's first event). per_second > 0: a time unit ("ns": 1e9 per
 * second) and the stats hold seconds; per_second == 0: a count ("Ir",
 * instructions) and the stats hold the counts unchanged. Without one
 * (pk_profile_cost_name() returns NULL) the stats hold seconds, or sample
 * counts for folded input (see stacks.h). The name is borrowed. The setter
 * copies len bytes of name; it returns PK_OK or PK_ENOMEM.
 */
const char *pk_profile_cost_name(const pk_profile *p);
double pk_profile_cost_per_second(const pk_profile *p);
int pk_profile_set_cost_unit(pk_profile *p, const char *name, size_t len,
                             double per_second);

/*
 * The command line that was profiled, when the input says (callgrind's
 * "cmd:"), or NULL. Borrowed. The setter copies len bytes; PK_OK or
 * PK_ENOMEM.
 */
const char *pk_profile_command(const pk_profile *p);
int pk_profile_set_command(pk_profile *p, const char *cmd, size_t len);

#endif
