/*
 * Analyses over a profile: merging, stripping directories, sorting and
 * selecting functions the way Python's pstats does.
 *
 * Ownership: profiles returned through **out belong to the caller
 * (pk_profile_free); pk_stdnames and pk_regex are freed with their _free
 * functions, pk_selection with pk_selection_dispose. All _free/_dispose
 * functions accept NULL.
 */
#ifndef PROFKIT_ANALYSIS_H
#define PROFKIT_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "profile.h"

/*
 * Merges profiles the way pstats.Stats(a, b, c) does: stats of equal keys
 * are summed, caller edges are summed, and a key first seen in a later
 * input is listed after the earlier ones. Note pstats' own order: Stats(a,
 * b, c) loads a, then adds c, then b; pass `inputs` in the order the merge
 * should happen (a, c, b to imitate pstats). Returns PK_OK or PK_ENOMEM.
 */
int pk_profile_merge(pk_profile **out, pk_profile *const *inputs, size_t n,
                     pk_error *err);

/*
 * pstats' strip_dirs(): file names lose their directories and functions
 * that then share a key are merged. Kept quirk: when two callers of one
 * function collapse to the same key, the later caller's numbers replace the
 * earlier's instead of adding to them, exactly as pstats does.
 */
int pk_profile_strip_dirs(pk_profile **out, pk_profile *src, pk_error *err);

/* True for functions that are keys of the stats dict (not caller-only). */
bool pk_func_is_entry(const pk_func *f);

/* ---- pstats names ---- */

/*
 * The name pstats prints for each function: "file:line(name)", or for
 * ('~', 0, '<x>') built-ins "{x}". Names are built on first use, so a
 * report of ten rows formats ten names, not every function's; the profile
 * must outlive the table and not change meanwhile. Not thread-safe.
 */
typedef struct pk_stdnames pk_stdnames;

int pk_stdnames_build(pk_stdnames **out, const pk_profile *p);

/* The name of function func (borrowed, valid until pk_stdnames_free). If
 * memory runs out it returns "" and pk_stdnames_failed() turns true. */
const char *pk_stdnames_get(pk_stdnames *n, uint32_t func);

/* Width of the name in characters (code points), as Python's len()
 * counts it; computed without building the name. */
size_t pk_stdnames_width(pk_stdnames *n, uint32_t func);

/* True once a lookup ran out of memory (callers then return PK_ENOMEM). */
bool pk_stdnames_failed(const pk_stdnames *n);

void pk_stdnames_free(pk_stdnames *n);

/* ---- sorting ---- */

typedef enum pk_sort_key {
    PK_SORT_CALLS,      /* ncalls, descending */
    PK_SORT_PCALLS,     /* primitive calls, descending */
    PK_SORT_TIME,       /* tottime, descending */
    PK_SORT_CUMULATIVE, /* cumtime, descending */
    PK_SORT_FILE,       /* file name, ascending */
    PK_SORT_LINE,       /* line, ascending */
    PK_SORT_NAME,       /* function name, ascending */
    PK_SORT_NFL,        /* name, file, line */
    PK_SORT_STDNAME     /* the printed name, as a string */
} pk_sort_key;

/*
 * Parses a pstats sort word: a full key name (calls ncalls pcalls time
 * tottime cumulative cumtime filename module line name nfl stdname) or a
 * prefix pstats accepts. pstats drops a prefix once two keys share it
 * (so "c" and "t" fail) but keeps it for the first key it met when a
 * longer word collides; one case of that, "cum", is rejected by pstats
 * only because "cumtime" and "cumulative" collide, and is accepted here as
 * it is unambiguous in meaning. Returns PK_OK or PK_EINVAL.
 */
int pk_sort_key_parse(pk_sort_key *out, const char *word);

/* What "Ordered by:" says for a key ("internal time"). */
const char *pk_sort_key_description(pk_sort_key k);

/* ---- selection (sort + restrictions), as pstats' get_print_list ---- */

typedef enum pk_restriction_kind {
    PK_RESTRICT_COUNT,    /* keep the first `count` if 0 <= count < n */
    PK_RESTRICT_FRACTION, /* keep int(n * fraction + .5) if 0 <= fraction < 1 */
    PK_RESTRICT_REGEX     /* keep names where the regex matches */
} pk_restriction_kind;

typedef struct pk_restriction {
    pk_restriction_kind kind;
    int64_t count;
    double fraction;
    const char *regex; /* Python `re` syntax, translated to POSIX */
} pk_restriction;

typedef struct pk_select_opts {
    const pk_sort_key *keys; /* none: file order */
    size_t nkeys;
    bool reverse;
    const pk_restriction *restrictions;
    size_t nrestrictions;
} pk_select_opts;

typedef struct pk_select_step {
    size_t before, after;
    bool invalid_regex; /* the list was kept unchanged */
} pk_select_step;

typedef struct pk_selection {
    uint32_t *funcs;       /* chosen functions in print order */
    size_t n;
    size_t entries;        /* stats entries before any restriction */
    bool ordered;          /* sorted (pstats prints "Ordered by") */
    pk_select_step *steps; /* one per restriction */
    size_t nsteps;
} pk_selection;

int pk_select(pk_selection *out, pk_profile *p, pk_stdnames *names,
              const pk_select_opts *opts, pk_error *err);
void pk_selection_dispose(pk_selection *s);

/* ---- regular expressions with Python `re` syntax ---- */

typedef struct pk_regex pk_regex;

/*
 * Compiles a Python-style regex for searching (re.search semantics:
 * anywhere in the string). Python's \d \w \s \b classes, (?:...) groups,
 * non-greedy quantifiers and a leading (?i) are translated to POSIX ERE.
 * Returns PK_OK, PK_EINVAL (invalid or unsupported pattern, message in err)
 * or PK_ENOMEM.
 */
int pk_regex_compile(pk_regex **out, const char *pattern, pk_error *err);
bool pk_regex_search(const pk_regex *re, const char *text);
void pk_regex_free(pk_regex *re);

#endif
