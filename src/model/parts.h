/*
 * The optional parts of a profile, each owned by its own module:
 * line tables (lines.c, from line_profiler), sampled stacks (stacks.c,
 * from folded files and samplers) and memory series (memory.c, from mprof).
 * A profile holds one slot per part, NULL while the input has none; the
 * profile frees each through its module.
 */
#ifndef PK_MODEL_PARTS_H
#define PK_MODEL_PARTS_H

#include <profkit/profile.h>

struct pk_lines;
struct pk_stacks;
struct pk_memory;

void pk_lines__free(struct pk_lines *l);
void pk_stacks__free(struct pk_stacks *s);
void pk_memory__free(struct pk_memory *m);

/* The slot of each part (never NULL; *slot is NULL while the part is absent). */
struct pk_lines **pk_profile__lines(pk_profile *p);
struct pk_stacks **pk_profile__stacks(pk_profile *p);
struct pk_memory **pk_profile__memory(pk_profile *p);

#endif
