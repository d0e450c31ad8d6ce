/*
 * The flame graph as a PNG, drawn with cairo: the same layout, colours,
 * titles and labels as the SVG (the same rounded coordinates), without
 * the interactive parts.
 */
#include <profkit/flame.h>

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "flame_priv.h"

/* The largest image we agree to allocate: 16k x 64k pixels. */
#define MAX_SIDE_W 16384
#define MAX_SIDE_H 65536
#define HALF_PI 1.57079632679489661923

static cairo_status_t write_png(void *closure, const unsigned char *data, unsigned int len)
{
    return fwrite(data, 1, len, closure) == len ? CAIRO_STATUS_SUCCESS
                                                : CAIRO_STATUS_WRITE_ERROR;
}

static void background(cairo_t *cr, const pk_flame_cfg *c, double w, double h)
{
    cairo_pattern_t *g = cairo_pattern_create_linear(0, 0, 0, h);
    unsigned a = (unsigned)strtoul(c->bg1 + 1, NULL, 16);
    unsigned b = (unsigned)strtoul(c->bg2 + 1, NULL, 16);

    cairo_pattern_add_color_stop_rgb(g, 0.05, ((a >> 16) & 255) / 255.0,
                                     ((a >> 8) & 255) / 255.0, (a & 255) / 255.0);
    cairo_pattern_add_color_stop_rgb(g, 0.95, ((b >> 16) & 255) / 255.0,
                                     ((b >> 8) & 255) / 255.0, (b & 255) / 255.0);
    cairo_rectangle(cr, 0, 0, w, h);
    cairo_set_source(cr, g);
    cairo_fill(cr);
    cairo_pattern_destroy(g);
}

/* Text at x (left, or centred) with its baseline at y, like SVG text. */
static void text(cairo_t *cr, const char *s, double x, double y, bool centre, double size,
                 double gray)
{
    cairo_text_extents_t ext;

    cairo_set_font_size(cr, size);
    if (centre) {
        cairo_text_extents(cr, s, &ext);
        x -= ext.width / 2 + ext.x_bearing;
    }
    cairo_set_source_rgb(cr, gray, gray, gray);
    cairo_move_to(cr, x, y);
    cairo_show_text(cr, s);
}

static void rounded_rect(cairo_t *cr, double x, double y, double w, double h)
{
    double r = 2;
    if (w < 2 * r || h < 2 * r) {
        cairo_rectangle(cr, x, y, w, h);
        return;
    }
    cairo_new_sub_path(cr);
    cairo_arc(cr, x + w - r, y + r, r, -HALF_PI, 0);
    cairo_arc(cr, x + w - r, y + h - r, r, 0, HALF_PI);
    cairo_arc(cr, x + r, y + h - r, r, HALF_PI, 2 * HALF_PI);
    cairo_arc(cr, x + r, y + r, r, 2 * HALF_PI, 3 * HALF_PI);
    cairo_close_path(cr);
}

static double rounded(double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%0.1f", v);
    return strtod(buf, NULL);
}

static int frame(cairo_t *cr, pk_profile *p, const pk_flame_layout *l, const pk_flame_cfg *c,
                 const pk_flame_box *b, pk_buf *label)
{
    double x1, x2, y1, y2, rx1, rx2;
    char fill[64];
    int rgb[3];
    pk_str id = pk_stacks_name(p, b->node);

    pk_flame__box_geometry(l, c, b, &x1, &x2, &y1, &y2);
    if (pk_flame__color(fill, rgb, p, l, c, b) != PK_OK)
        return PK_ENOMEM;
    rx1 = rounded(x1);
    rx2 = rounded(x2);
    rounded_rect(cr, rx1, y1, rounded(rx2 - rx1), rounded(y2 - y1));
    cairo_set_source_rgb(cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
    cairo_fill(cr);
    if (b->depth == 0)
        return PK_OK;
    label->len = 0;
    /* The SVG label is XML-escaped; cairo wants the plain text. */
    {
        long chars = (long)((x2 - x1) / (c->o.font_size * c->o.font_width));
        const char *name = pk_profile_str(p, id);
        size_t len = pk_flame__strip_annotation(name, pk_profile_str_len(p, id));
        pk_buf esc = PK_BUF_INIT;
        pk_flame__label(&esc, name, len, chars);
        /* Undo the three escapes the label helper applies. */
        for (size_t i = 0; i < esc.len; i++) {
            const char *at = (const char *)esc.data + i;
            if (strncmp(at, "&amp;", 5) == 0)
                pk_buf_byte(label, '&'), i += 4;
            else if (strncmp(at, "&lt;", 4) == 0)
                pk_buf_byte(label, '<'), i += 3;
            else if (strncmp(at, "&gt;", 4) == 0)
                pk_buf_byte(label, '>'), i += 3;
            else
                pk_buf_byte(label, esc.data[i]);
        }
        pk_buf_dispose(&esc);
    }
    pk_buf_byte(label, '\0');
    if (label->failed)
        return PK_ENOMEM;
    text(cr, (const char *)label->data, rounded(x1 + 3) + 0.0, 3 + (y1 + y2) / 2, false,
         c->o.font_size, 0);
    return PK_OK;
}

static int draw(cairo_t *cr, pk_profile *p, const pk_flame_layout *l, const pk_flame_cfg *c)
{
    double w = c->o.width, h = l->image_height, fs = c->o.font_size;
    pk_buf label = PK_BUF_INIT;
    size_t i;
    int rc = PK_OK;

    background(cr, c, w, h);
    cairo_select_font_face(cr, c->o.font_type, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    text(cr, c->title, (double)(c->o.width / 2), fs * 2, true, fs + 5, 0);
    if (c->o.subtitle && c->o.subtitle[0])
        text(cr, c->o.subtitle, (double)(c->o.width / 2), fs * 4, true, fs, 160 / 255.0);
    for (i = 0; rc == PK_OK && i < l->n; i++)
        rc = frame(cr, p, l, c, &l->boxes[i], &label);
    pk_buf_dispose(&label);
    return rc;
}

int pk_render_flame_png(FILE *out, pk_profile *p, const pk_flame_opts *o,
                        pk_flame_info *info, pk_error *err)
{
    pk_flame_cfg c;
    pk_flame_layout l;
    cairo_surface_t *surface = NULL;
    cairo_t *cr = NULL;
    int rc = pk_flame__config(&c, p, o, err);

    if (rc != PK_OK)
        return rc;
    rc = pk_flame__layout(&l, p, &c, err);
    if (rc != PK_OK)
        return rc;
    if (info) {
        info->total = l.time;
        info->frames = l.n;
        info->total_ignored = l.total_ignored;
        info->differential = l.differential;
    }
    if (c.o.width > MAX_SIDE_W || l.image_height > MAX_SIDE_H) {
        pk_flame__layout_dispose(&l);
        return pk_error_set(err, PK_EINVAL, NULL, -1,
                            "image of %d x %.0f pixels is larger than a PNG we draw (%d x %d)",
                            c.o.width, l.image_height, MAX_SIDE_W, MAX_SIDE_H);
    }
    surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, c.o.width, (int)ceil(l.image_height));
    cr = cairo_create(surface);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        rc = pk_error_set(err, PK_ENOMEM, NULL, -1, "cairo: %s",
                          cairo_status_to_string(cairo_status(cr)));
    if (rc == PK_OK && draw(cr, p, &l, &c) != PK_OK)
        rc = pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory drawing the flame graph");
    if (rc == PK_OK && cairo_surface_write_to_png_stream(surface, write_png, out) !=
                           CAIRO_STATUS_SUCCESS)
        rc = pk_error_set(err, PK_EIO, NULL, -1, "cannot write the PNG");
    cairo_destroy(cr);
    cairo_surface_destroy(surface);
    pk_flame__layout_dispose(&l);
    return rc;
}
