/*
 * The PNG canvas: charts painted with cairo on an image surface and
 * written with cairo's PNG encoder. Text uses cairo's toy font API with the
 * fontconfig "sans-serif" face (DejaVu Sans on Debian).
 */
#include "canvas.h"

#include <errno.h>
#include <string.h>

#include <cairo.h>

#define STROKE_CHUNK 512

typedef struct png_canvas {
    pk_canvas base;
    cairo_t *cr;
} png_canvas;

static cairo_t *cr_of(pk_canvas *c)
{
    return ((png_canvas *)(void *)c)->cr;
}

static void set_stroke(cairo_t *cr, const pk_stroke *s)
{
    double dash[2];
    cairo_set_source_rgb(cr, s->color.r, s->color.g, s->color.b);
    cairo_set_line_width(cr, s->width);
    if (s->dashed) {
        dash[0] = 3.7 * s->width;
        dash[1] = 1.6 * s->width;
        cairo_set_dash(cr, dash, 2, 0);
    } else {
        cairo_set_dash(cr, NULL, 0, 0);
    }
}

static void png_polyline(pk_canvas *c, const double *xy, size_t n, const pk_stroke *s)
{
    cairo_t *cr = cr_of(c);
    size_t i;

    if (n == 0)
        return;
    set_stroke(cr, s);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    /* cairo strokes one long path in more than linear time: stroke pieces
     * of STROKE_CHUNK points, each starting where the last one ended */
    cairo_new_path(cr);
    for (i = 0; i < n; i++) {
        cairo_line_to(cr, xy[2 * i], xy[2 * i + 1]);
        if (i % STROKE_CHUNK == STROKE_CHUNK - 1 && i + 1 < n) {
            cairo_stroke(cr);
            cairo_move_to(cr, xy[2 * i], xy[2 * i + 1]);
        }
    }
    cairo_stroke(cr);
}

static void png_markers(pk_canvas *c, const double *xy, size_t n, double r, pk_rgb col)
{
    cairo_t *cr = cr_of(c);
    pk_stroke s = {col, 1.0, false};
    size_t i;

    cairo_new_path(cr);
    for (i = 0; i < n; i++) {
        cairo_move_to(cr, xy[2 * i] - r, xy[2 * i + 1]);
        cairo_line_to(cr, xy[2 * i] + r, xy[2 * i + 1]);
        cairo_move_to(cr, xy[2 * i], xy[2 * i + 1] - r);
        cairo_line_to(cr, xy[2 * i], xy[2 * i + 1] + r);
    }
    set_stroke(cr, &s);
    cairo_stroke(cr);
}

static void png_rect(pk_canvas *c, double x, double y, double w, double h, pk_rgb fill,
                     double alpha, const pk_stroke *stroke)
{
    cairo_t *cr = cr_of(c);

    cairo_new_path(cr);
    cairo_rectangle(cr, x, y, w, h);
    if (alpha > 0) {
        cairo_set_source_rgba(cr, fill.r, fill.g, fill.b, alpha);
        cairo_fill_preserve(cr);
    }
    if (stroke) {
        set_stroke(cr, stroke);
        cairo_stroke(cr);
    }
    cairo_new_path(cr);
}

static void png_text(pk_canvas *c, double x, double y, const char *s, double size,
                     pk_anchor anchor, bool vertical, pk_rgb col)
{
    cairo_t *cr = cr_of(c);
    cairo_text_extents_t ext;
    double shift;

    cairo_set_font_size(cr, size);
    cairo_text_extents(cr, s, &ext);
    shift = anchor == PK_ANCHOR_START ? 0.0 : anchor == PK_ANCHOR_MIDDLE ? ext.x_advance / 2
                                                                         : ext.x_advance;
    cairo_save(cr);
    cairo_translate(cr, x, y);
    if (vertical)
        cairo_rotate(cr, -1.5707963267948966);
    cairo_move_to(cr, -shift, 0);
    cairo_set_source_rgb(cr, col.r, col.g, col.b);
    cairo_show_text(cr, s);
    cairo_restore(cr);
}

static void png_clip_begin(pk_canvas *c, double x, double y, double w, double h)
{
    cairo_t *cr = cr_of(c);
    cairo_save(cr);
    cairo_new_path(cr);
    cairo_rectangle(cr, x, y, w, h);
    cairo_clip(cr);
}

static void png_clip_end(pk_canvas *c)
{
    cairo_restore(cr_of(c));
}

static void png_group_begin(pk_canvas *c, const char *tooltip)
{
    (void)c;
    (void)tooltip;
}

static void png_group_end(pk_canvas *c)
{
    (void)c;
}

static double png_text_width(pk_canvas *c, const char *s, double size)
{
    cairo_t *cr = cr_of(c);
    cairo_text_extents_t ext;
    cairo_set_font_size(cr, size);
    cairo_text_extents(cr, s, &ext);
    return ext.x_advance;
}

static const pk_canvas_ops png_ops = {
    png_polyline, png_markers, png_rect, png_text, png_clip_begin, png_clip_end,
    png_group_begin, png_group_end, png_text_width,
};

static cairo_status_t write_chunk(void *closure, const unsigned char *data, unsigned int n)
{
    return fwrite(data, 1, n, closure) == n ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static int cairo_failure(cairo_status_t st, pk_error *err)
{
    int code = st == CAIRO_STATUS_NO_MEMORY ? PK_ENOMEM
             : st == CAIRO_STATUS_WRITE_ERROR ? PK_EIO : PK_EINVAL;
    if (code == PK_EIO)
        return pk_error_set(err, code, "png", -1, "write failed: %s", strerror(errno));
    return pk_error_set(err, code, "png", -1, "cairo: %s", cairo_status_to_string(st));
}

int pk_chart__png(FILE *out, int w, int h, pk_chart_draw_fn draw, const void *chart,
                  pk_error *err)
{
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_status_t st = cairo_surface_status(surface);
    png_canvas p;

    if (st != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surface);
        return cairo_failure(st, err);
    }
    memset(&p, 0, sizeof p);
    p.base.ops = &png_ops;
    p.base.width = w;
    p.base.height = h;
    p.cr = cairo_create(surface);
    cairo_set_source_rgb(p.cr, 1, 1, 1);
    cairo_paint(p.cr);
    cairo_select_font_face(p.cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           CAIRO_FONT_WEIGHT_NORMAL);
    draw(&p.base, chart);
    st = cairo_status(p.cr);
    cairo_destroy(p.cr);
    cairo_surface_flush(surface);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_write_to_png_stream(surface, write_chunk, out);
    cairo_surface_destroy(surface);
    return st == CAIRO_STATUS_SUCCESS ? PK_OK : cairo_failure(st, err);
}
