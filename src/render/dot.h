/*
 * Shared between the DOT writer (dot.c), the node-name processing it uses
 * (dot_name.c) and the Graphviz renderer (gvc.c).
 */
#ifndef PK_RENDER_DOT_H
#define PK_RENDER_DOT_H

#include <profkit/callgraph.h>

#include "buf.h"

/* Appends the DOT text of the graph's alive part to b (no NUL).
 * Returns PK_OK, PK_EINVAL (negative skew) or PK_ENOMEM. */
int pk_dot__build(pk_buf *b, pk_callgraph *g, const pk_dot_opts *o, pk_error *err);

/*
 * Appends a node's name as gprof2dot shows it: with -s, (...) and <...>
 * groups and a trailing " const" removed; cut to 4095 characters plus "…"
 * from 4096 characters on; with -w, wrapped at 32 characters by Python's
 * textwrap rules, ", " and "> >" tightened.
 */
void pk_dot__node_name(pk_buf *out, const char *name, bool strip, bool wrap);

#endif
