/*
 * A small drawing interface for charts: chart.c lays a chart out once in
 * pixels and draws it through one of these, chart_svg.c writing SVG by
 * hand and chart_png.c painting with cairo. Coordinates are pixels from
 * the top left; text is anchored at its baseline; strings are valid UTF-8
 * without control characters (chart.c cleans them first).
 */
#ifndef PK_RENDER_CANVAS_H
#define PK_RENDER_CANVAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <profkit/error.h>

typedef struct pk_rgb {
    double r, g, b; /* 0..1 */
} pk_rgb;

typedef enum pk_anchor {
    PK_ANCHOR_START,
    PK_ANCHOR_MIDDLE,
    PK_ANCHOR_END
} pk_anchor;

typedef struct pk_stroke {
    pk_rgb color;
    double width;
    bool dashed;
} pk_stroke;

typedef struct pk_canvas pk_canvas;

typedef struct pk_canvas_ops {
    /* A polyline through n points (xy holds 2n numbers). */
    void (*polyline)(pk_canvas *c, const double *xy, size_t n, const pk_stroke *s);
    /* "+" markers of half-size r at n points. */
    void (*markers)(pk_canvas *c, const double *xy, size_t n, double r, pk_rgb color);
    /* A rectangle filled with fill at alpha (0: no fill), outlined when
     * stroke is not NULL. */
    void (*rect)(pk_canvas *c, double x, double y, double w, double h, pk_rgb fill,
                 double alpha, const pk_stroke *stroke);
    void (*text)(pk_canvas *c, double x, double y, const char *s, double size,
                 pk_anchor anchor, bool vertical, pk_rgb color);
    /* Drawing is clipped to the rectangle until clip_end. */
    void (*clip_begin)(pk_canvas *c, double x, double y, double w, double h);
    void (*clip_end)(pk_canvas *c);
    /* A group of shapes with a tooltip (SVG <title>); may do nothing. */
    void (*group_begin)(pk_canvas *c, const char *tooltip);
    void (*group_end)(pk_canvas *c);
    /* The advance width of s at this size, in pixels. */
    double (*text_width)(pk_canvas *c, const char *s, double size);
} pk_canvas_ops;

struct pk_canvas {
    const pk_canvas_ops *ops;
    double width, height;
};

/* Draws the whole chart on c (defined in chart.c, given to the backends). */
typedef void (*pk_chart_draw_fn)(pk_canvas *c, const void *chart);

/*
 * The backends: each sets up a canvas of w x h pixels on a white
 * background, calls draw(c, chart) and writes the result to out.
 * Return PK_OK, PK_ENOMEM or PK_EIO (err set).
 */
int pk_chart__svg(FILE *out, int w, int h, pk_chart_draw_fn draw, const void *chart,
                  pk_error *err);
int pk_chart__png(FILE *out, int w, int h, pk_chart_draw_fn draw, const void *chart,
                  pk_error *err);

/* Approximate advance width of UTF-8 text in a DejaVu/Verdana-like sans
 * face, for backends that cannot measure. */
double pk_chart__approx_width(const char *s, double size);

#endif
