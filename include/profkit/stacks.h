/*
 * Sampled call stacks: the stacks part of a profile.
 *
 * Stacks form a prefix tree of frames. Node PK_STACK_ROOT is the unnamed
 * root; every other node is one frame (an interned name) under its parent,
 * and a parent has at most one child of a given name. A node's "leaves"
 * are the input lines that ended at it: each leaf record keeps the counts
 * (after, and before for differential input) and the line's text after
 * the stack (its "tail", e.g. " 12" or "\t3 5"), which is what flamegraph.pl
 * sorts lines by; a tail of PK_STR_EMPTY means the stack was built in code
 * and has no source text. Memory grows with unique (stack, tail) pairs,
 * never with input lines.
 *
 * Node ids are dense, and a child's id is always greater than its
 * parent's, so one pass over ids in reverse order visits children before
 * parents.
 *
 * Ownership: everything here lives in the profile and is freed with
 * pk_profile_free(). Pointers returned as values (leaf records, index
 * arrays) are borrowed and stay valid until the next node or leaf is added.
 */
#ifndef PROFKIT_STACKS_H
#define PROFKIT_STACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "profile.h"

#define PK_STACK_ROOT ((uint32_t)0)
#define PK_STACK_NONE UINT32_MAX

/* One input line ending at a node (or several with the same tail, summed). */
typedef struct pk_stack_leaf {
    uint32_t node;
    pk_str tail;   /* text after the stack, or PK_STR_EMPTY */
    uint32_t next; /* next leaf of the same node, or PK_STACK_NONE */
    uint32_t lines; /* how many input lines were summed here */
    double after;  /* the count (the second count of a differential line) */
    double before; /* the first count of a differential line, else 0 */
} pk_stack_leaf;

/* One run of the input order (kept only when asked, for flame charts):
 * `reps` consecutive input lines that were all the same leaf record. */
typedef struct pk_stack_run {
    uint32_t leaf;
    uint32_t reps;
} pk_stack_run;

enum pk_stacks_flags {
    PK_STACKS_DIFFERENTIAL = 1u << 0, /* some line had two counts */
    PK_STACKS_APPROXIMATE = 1u << 1,  /* derived from call ratios, not samples */
    PK_STACKS_ORDERED = 1u << 2       /* the input order is kept (runs) */
};

/* True when the profile has a stacks part. */
bool pk_stacks_present(const pk_profile *p);

/* Creates an empty stacks part (just the root) unless one exists, with
 * the given pk_stacks_flags (only PK_STACKS_ORDERED and
 * PK_STACKS_APPROXIMATE are taken). Returns PK_OK or PK_ENOMEM. */
int pk_stacks_init(pk_profile *p, unsigned flags);

unsigned pk_stacks_flags(const pk_profile *p);

/* Number of nodes, the root included (0 without a stacks part). */
size_t pk_stacks_node_count(const pk_profile *p);

pk_str pk_stacks_name(const pk_profile *p, uint32_t node);

/* The parent of node, or PK_STACK_NONE for the root. */
uint32_t pk_stacks_parent(const pk_profile *p, uint32_t node);

/* Frames between the root and node (0 for the root). */
uint32_t pk_stacks_depth(const pk_profile *p, uint32_t node);

/*
 * Finds the child of parent named name, adding it if absent. Returns
 * PK_OK, PK_ENOMEM, PK_EINVAL (bad parent) or PK_ENODATA (no stacks part).
 */
int pk_stacks_child(uint32_t *out, pk_profile *p, uint32_t parent, pk_str name);

/* Looks a child up without adding it. */
bool pk_stacks_find_child(uint32_t *out, const pk_profile *p, uint32_t parent,
                          pk_str name);

/*
 * Adds one input line (lines = 1) or several identical ones ending at node
 * to the leaf record with this tail (created if absent). before counts
 * only when differential is true; it marks the stacks differential. When
 * the input order is kept, a run is recorded as well. Returns PK_OK,
 * PK_ENOMEM or PK_EINVAL.
 */
int pk_stacks_add(pk_profile *p, uint32_t node, pk_str tail, uint32_t lines,
                  double after, double before, bool differential);

/* The first leaf record of node, or PK_STACK_NONE; follow ->next. */
uint32_t pk_stacks_first_leaf(const pk_profile *p, uint32_t node);
size_t pk_stacks_leaf_count(const pk_profile *p);
const pk_stack_leaf *pk_stacks_leaf(const pk_profile *p, uint32_t leaf);

/* Sums over node's leaf records. */
double pk_stacks_self(const pk_profile *p, uint32_t node);
double pk_stacks_self_before(const pk_profile *p, uint32_t node);

/*
 * Inclusive totals (after counts) of every node, indexed by node id;
 * *out is borrowed and rebuilt after a change. PK_OK or PK_ENOMEM.
 */
int pk_stacks_totals(const double **out, pk_profile *p);

/*
 * The children of node sorted by name bytes (shorter first on a tie of
 * the common part): a deterministic order. *out is borrowed and rebuilt
 * after a change. Returns PK_OK or PK_ENOMEM.
 */
int pk_stacks_children(const uint32_t **out, size_t *n_out, pk_profile *p,
                       uint32_t node);

/* The input order, as runs (NULL, 0 unless PK_STACKS_ORDERED). */
const pk_stack_run *pk_stacks_runs(const pk_profile *p, size_t *n_out);

/*
 * Lines the reader ignored because they are not "stack count" lines, as
 * flamegraph.pl ignores them: how many, and the first one's line number
 * (0 when none). The reader never fails for them; tools warn, or refuse
 * them with --strict.
 */
void pk_stacks_ignored(uint64_t *count_out, int64_t *first_line_out,
                       const pk_profile *p);
void pk_stacks_set_ignored(pk_profile *p, uint64_t count, int64_t first_line);

/* What the counts are ("samples" unless set), a static or interned string. */
const char *pk_stacks_unit(const pk_profile *p);
int pk_stacks_set_unit(pk_profile *p, const char *unit);

/* ---- derivations (src/model/derive.c) ---- */

/*
 * Fills the profile's functions and call edges from its stacks, exactly.
 * A frame named like py-spy's "func (file.py:line)" becomes the key
 * (file.py, line, func); any other frame becomes ("", 0, name). For each
 * function: tottime = the samples where it is the leaf; cumtime = the
 * samples where it is anywhere on the stack, counted once per sample even
 * under recursion; ncalls = pcalls = cumtime rounded (the samples that saw
 * it active, as no sampler knows true call counts). Each caller -> callee
 * edge gets the same numbers for samples holding that adjacent pair
 * (tottime: the callee's leaf samples under that caller). Functions are
 * added in depth-first order over sorted children. The profile must have
 * no functions yet. Returns PK_OK, PK_ENODATA, PK_EINVAL or PK_ENOMEM.
 */
int pk_stacks_derive_functions(pk_profile *p, pk_error *err);

/* Parses "func (file:line)" into its parts; false for other names. */
bool pk_stacks_parse_frame(const char *name, size_t len, size_t *func_len_out,
                           size_t *file_start_out, size_t *file_len_out,
                           int64_t *line_out);

/*
 * The approximate reverse, for pstats input: builds stacks from functions
 * and caller edges "from call ratios". A root is a function no other
 * function calls; the time of a function in a context is split between
 * its own time and its callees in proportion to tottime and the edges'
 * cumtime, scaled so the parts never exceed the context's time. A callee
 * already on the path (recursion) is not expanded again, and parts below
 * min_fraction of the total are dropped. Counts are in microseconds.
 * The profile gets a stacks part flagged PK_STACKS_APPROXIMATE.
 * Returns PK_OK, PK_ENODATA (no functions), PK_EINVAL or PK_ENOMEM.
 */
int pk_stacks_from_calls(pk_profile *p, double min_fraction, pk_error *err);

/*
 * Copies every leaf of src into dst (which gets a stacks part if needed),
 * stack by stack: inputs concatenated, as flamegraph.pl reads several files.
 * Returns PK_OK, PK_ENODATA (src has no stacks) or PK_ENOMEM.
 */
int pk_stacks_merge_into(pk_profile *dst, pk_profile *src, pk_error *err);

/*
 * A new profile whose stacks are src's with every stack reversed (leaf
 * first), as flamegraph.pl --reverse rewrites its input lines. With
 * PK_STACKS_ORDERED input the order is kept. Returns PK_OK, PK_ENODATA or
 * PK_ENOMEM.
 */
int pk_stacks_reversed(pk_profile **out, pk_profile *src, pk_error *err);

/*
 * A differential profile as difffolded.pl makes one: every stack of either
 * input, before = its count in `before`, after = its count in `after`
 * (0 when missing). With normalize, before counts are scaled by
 * total(after) / total(before) and truncated to integers, as
 * difffolded.pl -n does. Returns PK_OK, PK_ENODATA or PK_ENOMEM.
 */
int pk_stacks_diff(pk_profile **out, pk_profile *before, pk_profile *after,
                   bool normalize, pk_error *err);

#endif
