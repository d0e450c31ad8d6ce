/*
 * Internals of the stacks part shared by the folded reader and writer, the
 * derivations and the flame graph layout (not public).
 *
 * flamegraph.pl sorts its input lines as strings and merges neighbouring
 * lines that share leading frames. pk_stacks__walk_sorted() visits the
 * leaf records in exactly that order without building the lines: each
 * line is the stack's frames joined by ';' plus the leaf's tail, so the
 * order follows from the tree, the frame names and the tails.
 */
#ifndef PK_MODEL_STACKS_WALK_H
#define PK_MODEL_STACKS_WALK_H

#include <stdbool.h>
#include <stddef.h>

#include <profkit/stacks.h>

#include "buf.h"

/*
 * pk_stacks_child() for builders: *added says whether the node is new, and
 * parent_is_new (the parent was added a moment ago, so it has no children)
 * skips the lookup.
 */
int pk_stacks__child(uint32_t *out, bool *added, pk_profile *p, uint32_t parent, pk_str name,
                     bool parent_is_new);

/* A hint: fetch the child table's slot for (parent, name) into the cache,
 * ahead of pk_stacks__child() (readers batch their lookups). */
void pk_stacks__prefetch_child(const pk_profile *p, uint32_t parent, pk_str name);

/* Room for one count as pk_stacks__format_count() writes it, and for a
 * tail made from two of them: " before after". */
#define PK_STACKS__COUNT_MAX 400
#define PK_STACKS__TAIL_MAX (2 * PK_STACKS__COUNT_MAX + 4)

/*
 * Parses a count as flamegraph.pl accepts it: \d+(\.\d*)? on the whole of
 * s[0, len), ASCII digits only. Returns false for anything else.
 */
bool pk_stacks__parse_count(const char *s, size_t len, double *out);

/* A count as flamegraph.pl reads counts (digits, maybe a point and more
 * digits: never an exponent), the shortest that reads back as v (whole
 * numbers without a point). cap is at least PK_STACKS__COUNT_MAX. */
size_t pk_stacks__format_count(char *buf, size_t cap, double v);

/* How Perl prints a number (%.15g; integers in full up to 2^53), which is
 * what difffolded.pl writes. */
size_t pk_stacks__format_perl(char *buf, size_t cap, double v);

/*
 * The parts of a tail, ';'* <ws> c1 [<ws> c2]: the number of leading ';',
 * the count(s) and their text. For a one-count tail, c1 is the count and
 * two is false. Returns false if t is not a tail.
 */
typedef struct pk_stacks__tail_parts {
    size_t semis;
    bool two;
    double c1, c2;
    const char *c1_text, *c2_text;
    size_t c1_len, c2_len;
} pk_stacks__tail_parts;

bool pk_stacks__parse_tail(pk_stacks__tail_parts *out, const char *t, size_t len);

/*
 * The tail text of a leaf record: its interned tail, or one made from its
 * counts into buf (at least PK_STACKS__TAIL_MAX bytes): " after", or
 * " before after" for a differential stack part. *text_out points to the
 * text; the length is returned.
 */
size_t pk_stacks__tail_text(const char **text_out, char *buf, const pk_profile *p,
                            const pk_stack_leaf *l);

/*
 * Appends the tail the folded writer gives a node, which it writes as one
 * line: the line's own text when the node was one input line, else the
 * node's summed counts after the first line's ';'s and separators (" 6"
 * for two lines " 3"), so a written file reads back to itself. Returns
 * false when out ran out of memory.
 */
bool pk_stacks__written_tail(pk_buf *out, const pk_profile *p, uint32_t node);

/* The count of one input line of a leaf (c2 for two counts) and its
 * delta c2 - c1; has_delta is false for one-count lines. */
void pk_stacks__line_counts(double *count_out, double *delta_out, bool *has_delta_out,
                            const pk_profile *p, const pk_stack_leaf *l);

/*
 * Calls fn for every leaf record in the order flamegraph.pl's `sort` puts
 * the lines. With as_written, each node with lines visits only its first
 * leaf record and sorts by the one line the writer makes of the node
 * (pk_stacks__written_tail), so that written files sort by their own text. fn returning non-zero stops the walk
 * with that value. Returns PK_OK, fn's value, or PK_ENOMEM.
 */
typedef int (*pk_stacks__visit_fn)(void *ctx, uint32_t leaf);
int pk_stacks__walk_sorted(pk_profile *p, bool as_written, pk_stacks__visit_fn fn, void *ctx);

/*
 * The walk with a shortcut for drawing: a child's block (every line of
 * the child's subtree that goes below it) whose counts sum to less than
 * `narrow` is not walked; block(ctx, node, sum) stands for all of its
 * lines, as one line ending at node. Every box inside such a block would
 * be narrower than `narrow`. The shortcut is exact only when no line has
 * a zero count (flamegraph.pl lets zero-width boxes replace others), all
 * counts are whole (sums do not round) and the input is not
 * differential; otherwise, or with narrow <= 0, everything is walked.
 */
typedef int (*pk_stacks__block_fn)(void *ctx, uint32_t node, double sum);
int pk_stacks__walk_sorted_narrow(pk_profile *p, pk_stacks__visit_fn fn,
                                  pk_stacks__block_fn block, double narrow, void *ctx);

/* The frames of node from the root's child down to node: ids into
 * *path (grown as needed), count into *n_out. PK_OK or PK_ENOMEM. */
int pk_stacks__path(uint32_t **path, size_t *cap, size_t *n_out, const pk_profile *p,
                    uint32_t node);

#endif
