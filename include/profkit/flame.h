/*
 * Flame graphs from the stacks part of a profile: the interactive SVG
 * flamegraph.pl draws (same frames, geometry and colours; our own
 * script for zoom, search and tooltips), and the same picture as PNG.
 *
 * The renderers write to a FILE the caller owns and never close it.
 * Ownership: a pk_flame_colormap returned through **out belongs to the
 * caller (pk_flame_colormap_free, which accepts NULL).
 */
#ifndef PROFKIT_FLAME_H
#define PROFKIT_FLAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "profile.h"

typedef enum pk_flame_palette {
    PK_FLAME_HOT = 0, /* flamegraph.pl's default */
    PK_FLAME_MEM,
    PK_FLAME_IO,
    PK_FLAME_RED,
    PK_FLAME_GREEN,
    PK_FLAME_BLUE,
    PK_FLAME_AQUA,
    PK_FLAME_YELLOW,
    PK_FLAME_PURPLE,
    PK_FLAME_ORANGE,
    PK_FLAME_PYTHON /* ours: one colour per source file, hue by kind of file */
} pk_flame_palette;

/* Parses a palette name (hot mem io red green blue aqua yellow purple
 * orange python). Returns PK_OK or PK_EINVAL. */
int pk_flame_palette_parse(pk_flame_palette *out, const char *name);

/*
 * flamegraph.pl's consistent palette (--cp, "palette.map"): lines
 * "NAME->rgb(R,G,B)". Colours found here are used as they are; the others
 * are computed and added, so writing the map back keeps them stable.
 */
typedef struct pk_flame_colormap pk_flame_colormap;

int pk_flame_colormap_new(pk_flame_colormap **out);
/* Adds the entries of a palette.map text. Returns PK_OK or PK_ENOMEM. */
int pk_flame_colormap_parse(pk_flame_colormap *m, const char *text, size_t len);
/* Writes every entry sorted by name, as flamegraph.pl writes the file. */
int pk_flame_colormap_write(FILE *f, const pk_flame_colormap *m);
void pk_flame_colormap_free(pk_flame_colormap *m);

typedef struct pk_flame_opts {
    const char *title;      /* NULL: "Flame Graph", "Icicle Graph", "Flame Chart" */
    const char *subtitle;   /* NULL or "": none */
    const char *notes;      /* the NOTES comment; no '<' or '>' */
    int width;              /* image width in pixels */
    int frame_height;       /* pixels per frame */
    double min_width;       /* frames narrower than this are left out */
    bool min_width_percent; /* min_width is a percentage of the total */
    const char *font_type;
    double font_size;
    double font_width;      /* average character width / font size */
    const char *count_name; /* NULL: the stacks' unit ("samples") */
    const char *name_type;  /* shown before a frame's name in the details line */
    pk_flame_palette palette;
    const char *bgcolors;   /* NULL: by palette; yellow blue green grey or #rrggbb */
    bool hash;              /* colours from a hash of the name, not drand48 */
    bool inverted;          /* icicle graph: the root at the top */
    bool flamechart;        /* input order, no merging (needs an ordered read) */
    bool negate;            /* differential: swap red and blue */
    double total;           /* > 0: draw as if the counts summed to this */
    pk_flame_colormap *colormap; /* --cp: consult and extend, or NULL */
} pk_flame_opts;

#define PK_FLAME_OPTS_INIT                                                              \
    {NULL, NULL, "", 1200, 16, 0.1, false, "Verdana", 12.0, 0.59, NULL, "Function:",  \
     PK_FLAME_HOT, NULL, false, false, false, false, 0.0, NULL}

/* What a render found, for the caller's warnings. */
typedef struct pk_flame_info {
    double total;        /* the sum of the counts */
    size_t frames;       /* frames drawn (after min_width) */
    bool total_ignored;  /* opts->total was below the real total */
    bool differential;   /* drawn with differential colours */
} pk_flame_info;

/*
 * Writes the flame graph of p's stacks as flamegraph.pl's interactive SVG.
 * info may be NULL. Returns PK_OK, PK_ENODATA (no stacks, or no counts:
 * "no stack counts found"), PK_EINVAL (bad options; flame chart without
 * an ordered read) or PK_ENOMEM. A failed write shows in ferror(out).
 */
int pk_render_flame_svg(FILE *out, pk_profile *p, const pk_flame_opts *o,
                        pk_flame_info *info, pk_error *err);

/* The same picture, without the script, as a PNG drawn with cairo. Same
 * return values, plus PK_EIO when cairo cannot write. */
int pk_render_flame_png(FILE *out, pk_profile *p, const pk_flame_opts *o,
                        pk_flame_info *info, pk_error *err);

#endif
