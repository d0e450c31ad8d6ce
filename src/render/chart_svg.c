/*
 * The SVG canvas: charts written as plain SVG 1.1 by hand, one element per
 * shape, with <title> tooltips on groups. Numbers are printed with two
 * decimals, which is finer than any screen needs.
 */
#include "canvas.h"

#include <string.h>

typedef struct svg_canvas {
    pk_canvas base;
    FILE *out;
    unsigned clips;
} svg_canvas;

static FILE *out_of(pk_canvas *c)
{
    return ((svg_canvas *)(void *)c)->out;
}

static void color(FILE *f, pk_rgb c)
{
    fprintf(f, "#%02x%02x%02x", (unsigned)(c.r * 255.0 + 0.5), (unsigned)(c.g * 255.0 + 0.5),
            (unsigned)(c.b * 255.0 + 0.5));
}

/* Text content or an attribute value: the five XML specials escaped. */
static void escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default: fputc(*s, f); break;
        }
    }
}

static void stroke_attrs(FILE *f, const pk_stroke *s)
{
    fputs(" stroke=\"", f);
    color(f, s->color);
    fprintf(f, "\" stroke-width=\"%.2f\"", s->width);
    if (s->dashed)
        fprintf(f, " stroke-dasharray=\"%.2f %.2f\"", 3.7 * s->width, 1.6 * s->width);
}

static void svg_polyline(pk_canvas *c, const double *xy, size_t n, const pk_stroke *s)
{
    FILE *f = out_of(c);
    size_t i;

    if (n == 0)
        return;
    fputs("<path fill=\"none\" stroke-linejoin=\"round\"", f);
    stroke_attrs(f, s);
    fputs(" d=\"", f);
    for (i = 0; i < n; i++)
        fprintf(f, "%s%.2f %.2f", i ? " L" : "M", xy[2 * i], xy[2 * i + 1]);
    fputs("\"/>\n", f);
}

static void svg_markers(pk_canvas *c, const double *xy, size_t n, double r, pk_rgb col)
{
    FILE *f = out_of(c);
    size_t i;

    if (n == 0)
        return;
    fputs("<path fill=\"none\" stroke-width=\"1\" stroke=\"", f);
    color(f, col);
    fputs("\" d=\"", f);
    for (i = 0; i < n; i++)
        fprintf(f, "M%.2f %.2fh%.2fM%.2f %.2fv%.2f", xy[2 * i] - r, xy[2 * i + 1], 2 * r,
                xy[2 * i], xy[2 * i + 1] - r, 2 * r);
    fputs("\"/>\n", f);
}

static void svg_rect(pk_canvas *c, double x, double y, double w, double h, pk_rgb fill,
                     double alpha, const pk_stroke *stroke)
{
    FILE *f = out_of(c);

    fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"", x, y, w, h);
    if (alpha > 0) {
        fputs(" fill=\"", f);
        color(f, fill);
        fputc('"', f);
        if (alpha < 1)
            fprintf(f, " fill-opacity=\"%.2f\"", alpha);
    } else {
        fputs(" fill=\"none\"", f);
    }
    if (stroke)
        stroke_attrs(f, stroke);
    fputs("/>\n", f);
}

static void svg_text(pk_canvas *c, double x, double y, const char *s, double size,
                     pk_anchor anchor, bool vertical, pk_rgb col)
{
    static const char *const anchors[] = {"start", "middle", "end"};
    FILE *f = out_of(c);

    fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"%.1f\" text-anchor=\"%s\" fill=\"", x, y,
            size, anchors[anchor]);
    color(f, col);
    fputc('"', f);
    if (vertical)
        fprintf(f, " transform=\"rotate(-90 %.2f %.2f)\"", x, y);
    fputc('>', f);
    escaped(f, s);
    fputs("</text>\n", f);
}

static void svg_clip_begin(pk_canvas *c, double x, double y, double w, double h)
{
    svg_canvas *s = (svg_canvas *)(void *)c;
    s->clips++;
    fprintf(s->out,
            "<clipPath id=\"clip%u\"><rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/>"
            "</clipPath>\n<g clip-path=\"url(#clip%u)\">\n",
            s->clips, x, y, w, h, s->clips);
}

static void svg_group_end(pk_canvas *c)
{
    fputs("</g>\n", out_of(c));
}

static void svg_group_begin(pk_canvas *c, const char *tooltip)
{
    FILE *f = out_of(c);
    fputs("<g><title>", f);
    escaped(f, tooltip);
    fputs("</title>\n", f);
}

static double svg_text_width(pk_canvas *c, const char *s, double size)
{
    (void)c;
    return pk_chart__approx_width(s, size);
}

static const pk_canvas_ops svg_ops = {
    svg_polyline, svg_markers, svg_rect, svg_text, svg_clip_begin, svg_group_end,
    svg_group_begin, svg_group_end, svg_text_width,
};

int pk_chart__svg(FILE *out, int w, int h, pk_chart_draw_fn draw, const void *chart,
                  pk_error *err)
{
    svg_canvas s;

    (void)err;
    memset(&s, 0, sizeof s);
    s.base.ops = &svg_ops;
    s.base.width = w;
    s.base.height = h;
    s.out = out;
    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\">\n"
            "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
            w, h, w, h, w, h);
    draw(&s.base, chart);
    fputs("</svg>\n", out);
    return PK_OK;
}

/* Advance widths of DejaVu Sans in em, by character class: close enough to
 * lay out legends; backends that can measure do. */
double pk_chart__approx_width(const char *s, double size)
{
    double em = 0.0;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch & 0xc0) == 0x80)
            continue; /* UTF-8 continuation byte */
        if (ch == ' ' || ch == '.' || ch == ',' || ch == ':' || ch == ';' || ch == 'i' ||
            ch == 'l' || ch == 'j' || ch == '|' || ch == '\'' || ch == '!')
            em += 0.30;
        else if (ch == 'm' || ch == 'w' || ch == 'M' || ch == 'W')
            em += 0.90;
        else if (ch >= 'A' && ch <= 'Z')
            em += 0.70;
        else
            em += 0.60;
    }
    return em * size;
}
