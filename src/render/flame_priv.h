/*
 * Shared by the flame graph renderers (SVG, PNG): the frame layout that
 * reproduces flamegraph.pl's, its colours, and its text rules.
 */
#ifndef PK_RENDER_FLAME_PRIV_H
#define PK_RENDER_FLAME_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <profkit/flame.h>
#include <profkit/stacks.h>

#include "buf.h"

/* One box: a frame from stime to etime (in counts) at depth (0: root). */
typedef struct pk_flame_box {
    uint32_t node;
    uint32_t depth;
    double stime, etime;
    double delta;
    bool has_delta;
    bool delta_float; /* from counts with a '.', which Perl keeps as floats:
                         their zero negates to "-0.00" */
} pk_flame_box;

typedef struct pk_flame_layout {
    pk_flame_box *boxes;
    size_t n, cap;
    double time;      /* sum of the counts, added line by line */
    double timemax;   /* time, or the --total that replaced it */
    double maxdelta;  /* largest |delta| of a line, at least 1 */
    uint32_t depthmax;
    bool total_ignored;
    bool differential; /* some box has a delta */
    /* Geometry, as flamegraph.pl computes it. */
    double xpad, ypad1, ypad2, ypad3, framepad;
    double widthpertime;
    double image_height;
} pk_flame_layout;

/* Resolved options: defaults filled in, the title chosen. */
typedef struct pk_flame_cfg {
    pk_flame_opts o;
    const char *title;
    const char *count_name;
    const char *bg1, *bg2;
    char bgbuf[8];
} pk_flame_cfg;

int pk_flame__config(pk_flame_cfg *c, pk_profile *p, const pk_flame_opts *o, pk_error *err);
int pk_flame__layout(pk_flame_layout *out, pk_profile *p, const pk_flame_cfg *c, pk_error *err);
void pk_flame__layout_dispose(pk_flame_layout *l);

/* Box geometry: x1, x2 unrounded; y1, y2 as flamegraph.pl computes them. */
void pk_flame__box_geometry(const pk_flame_layout *l, const pk_flame_cfg *c,
                            const pk_flame_box *b, double *x1, double *x2, double *y1,
                            double *y2);

/* The frame's fill "rgb(r,g,b)" into buf (>= 64 bytes), and r, g, b. */
int pk_flame__color(char *buf, int rgb[3], pk_profile *p, const pk_flame_layout *l,
                    const pk_flame_cfg *c, const pk_flame_box *b);

/* Perl's srand(seed); rand(1): one drand48 step from (seed << 16) | 0x330E. */
double pk_flame__perl_rand(uint32_t seed);

/* The sum of a UTF-8 name's code points, as unpack("%32W*") computes it. */
uint32_t pk_flame__code_point_sum(const char *s, size_t len);

/* Name without a trailing _[k] _[w] _[i] _[j] annotation: its length. */
size_t pk_flame__strip_annotation(const char *s, size_t len);

/* The label flamegraph.pl prints in a box `chars` characters wide (code
 * points), unescaped: appended to b. */
void pk_flame__label(pk_buf *b, const char *name, size_t len, long chars);

/* Appends s with & < > (and " when quote) escaped. */
void pk_flame__escape(pk_buf *b, const char *s, size_t len, bool quote);

/* The title text of a box: "name (N samples, P%)" and so on, unescaped
 * name; into b (escaped for XML). */
void pk_flame__title(pk_buf *b, pk_profile *p, const pk_flame_layout *l,
                     const pk_flame_cfg *c, const pk_flame_box *b_);

/* The script embedded in the SVG, one line per element, NULL-terminated. */
extern const char *const pk_flame__script_lines[];

/* Perl's number printing (%.15g, integers whole). */
size_t pk_flame__num(char *buf, size_t cap, double v);

#endif
