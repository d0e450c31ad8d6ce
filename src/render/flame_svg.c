/*
 * The interactive flame graph SVG. The document has flamegraph.pl's
 * structure (FORMATS.md 5b), which is what its users' tools and our
 * script look for: the background, the title, details, "Reset Zoom",
 * "Search", "ic" and "Matched" texts by id, then under <g id="frames">
 * one <g> per frame holding <title>, <rect> and <text>, with the numbers
 * formatted as flamegraph.pl formats them, so frames compare exactly.
 */
#include <profkit/flame.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "flame_priv.h"

#define FLUSH_AT ((size_t)1 << 16)

typedef struct svg {
    FILE *f;
    pk_buf b;
    pk_profile *p;
    const pk_flame_cfg *c;
    const pk_flame_layout *l;
} svg;

static void put(svg *s, const char *text)
{
    pk_buf_append(&s->b, text, strlen(text));
}

/* v with `decimals` (1 or 2) digits after the point, as "%0.1f"/"%0.2f". */
static void put_fixed(svg *s, int decimals, double v)
{
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%.*f", decimals, v);
    if (n > 0)
        pk_buf_append(&s->b, buf, (size_t)n);
}

static void put_num(svg *s, double v)
{
    char buf[64];
    pk_buf_append(&s->b, buf, pk_flame__num(buf, sizeof buf, v));
}

static void put_esc(svg *s, const char *text)
{
    pk_flame__escape(&s->b, text, strlen(text), true);
}

static int flush(svg *s)
{
    if (s->b.failed)
        return PK_ENOMEM;
    if (s->b.len)
        fwrite(s->b.data, 1, s->b.len, s->f);
    s->b.len = 0;
    return PK_OK;
}

/* A JavaScript string literal safe inside CDATA and XML. */
static void put_js_string(svg *s, const char *text)
{
    const unsigned char *u = (const unsigned char *)text;
    char esc[8];

    pk_buf_byte(&s->b, '"');
    for (; *u; u++) {
        if (*u < 0x20 || *u == '"' || *u == '\\' || *u == '<' || *u == '>' || *u == '&' ||
            *u == ']') {
            snprintf(esc, sizeof esc, "\\u%04x", *u);
            put(s, esc);
        } else {
            pk_buf_byte(&s->b, *u);
        }
    }
    pk_buf_byte(&s->b, '"');
}

static void put_header(svg *s)
{
    const pk_flame_layout *l = s->l;
    const pk_flame_cfg *c = s->c;

    put(s, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
           "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
           "\"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n<svg version=\"1.1\" width=\"");
    put_num(s, c->o.width);
    put(s, "\" height=\"");
    put_num(s, l->image_height);
    put(s, "\" onload=\"init(evt)\" viewBox=\"0 0 ");
    put_num(s, c->o.width);
    put(s, " ");
    put_num(s, l->image_height);
    put(s, "\" xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n"
           "<!-- Flame graph drawn by profkit's prof-flame: click a frame to zoom, "
           "search with a regular expression. -->\n<!-- NOTES: ");
    put(s, c->o.notes);
    put(s, " -->\n<defs>\n\t<linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\" >\n"
           "\t\t<stop stop-color=\"");
    put(s, c->bg1);
    put(s, "\" offset=\"5%\" />\n\t\t<stop stop-color=\"");
    put(s, c->bg2);
    put(s, "\" offset=\"95%\" />\n\t</linearGradient>\n</defs>\n");
}

static void put_style(svg *s)
{
    const pk_flame_cfg *c = s->c;

    put(s, "<style type=\"text/css\">\n\ttext { font-family:");
    put_esc(s, c->o.font_type);
    put(s, "; font-size:");
    put_num(s, c->o.font_size);
    put(s, "px; fill:rgb(0,0,0); }\n\t#title { text-anchor:middle; font-size:");
    put_num(s, c->o.font_size + 5);
    put(s, "px; }\n"
           "\t#subtitle { text-anchor:middle; fill:rgb(160,160,160); }\n"
           "\t#unzoom, #search, #ignorecase { cursor:pointer; }\n"
           "\t#search, #ignorecase { opacity:0.1; }\n"
           "\t#search.show, #search:hover, #ignorecase.show, #ignorecase:hover { opacity:1; }\n"
           "\t#frames > g:hover { cursor:pointer; stroke:rgb(0,0,0); stroke-width:0.5; }\n"
           "\t.parent { opacity:0.5; }\n"
           "\t.hide { display:none; }\n"
           "</style>\n");
}

static void put_script(svg *s)
{
    const pk_flame_cfg *c = s->c;
    size_t i;

    put(s, "<script type=\"text/ecmascript\">\n<![CDATA[\n\"use strict\";\nvar fg = {xpad: ");
    put_num(s, s->l->xpad);
    put(s, ", width: ");
    put_num(s, c->o.width);
    put(s, ", fontSize: ");
    put_num(s, c->o.font_size);
    put(s, ", fontWidth: ");
    put_num(s, c->o.font_width);
    put(s, c->o.inverted ? ", inverted: true" : ", inverted: false");
    put(s, ", searchColor: \"rgb(230,0,230)\", nameType: ");
    put_js_string(s, c->o.name_type);
    put(s, "};\n");
    for (i = 0; pk_flame__script_lines[i]; i++)
        put(s, pk_flame__script_lines[i]);
    put(s, "]]>\n</script>\n");
}

/* <text id=.. x=.. y=.. extra>content</text>, as flamegraph.pl's stringTTF. */
static void put_text(svg *s, const char *id, double x, double y, const char *extra,
                     const char *content)
{
    put(s, "<text ");
    if (id) {
        put(s, "id=\"");
        put(s, id);
        put(s, "\"");
    }
    put(s, " x=\"");
    put_fixed(s, 2, x);
    put(s, "\" y=\"");
    put_num(s, y);
    put(s, "\" ");
    put(s, extra);
    put(s, ">");
    put_esc(s, content);
    put(s, "</text>\n");
}

static void put_chrome(svg *s)
{
    const pk_flame_cfg *c = s->c;
    const pk_flame_layout *l = s->l;
    double fs = c->o.font_size, w = c->o.width, h = l->image_height;

    put(s, "<rect x=\"0.0\" y=\"0\" width=\"");
    put_fixed(s, 1, w);
    put(s, "\" height=\"");
    put_fixed(s, 1, h);
    put(s, "\" fill=\"url(#background)\"  />\n");
    put_text(s, "title", (double)(c->o.width / 2), fs * 2, "", c->title);
    if (c->o.subtitle && c->o.subtitle[0])
        put_text(s, "subtitle", (double)(c->o.width / 2), fs * 4, "", c->o.subtitle);
    put_text(s, "details", l->xpad, h - l->ypad2 / 2, "", " ");
    put_text(s, "unzoom", l->xpad, fs * 2, "class=\"hide\"", "Reset Zoom");
    put_text(s, "search", w - l->xpad - 100, fs * 2, "", "Search");
    put_text(s, "ignorecase", w - l->xpad - 16, fs * 2, "", "ic");
    put_text(s, "matched", w - l->xpad - 100, h - l->ypad2 / 2, "", " ");
}

static int put_frame(svg *s, const pk_flame_box *b)
{
    const pk_flame_cfg *c = s->c;
    double x1, x2, y1, y2, rx1, rx2;
    char fill[64], num[64];
    int rgb[3];
    pk_str id = pk_stacks_name(s->p, b->node);
    long chars;

    pk_flame__box_geometry(s->l, c, b, &x1, &x2, &y1, &y2);
    if (pk_flame__color(fill, rgb, s->p, s->l, c, b) != PK_OK)
        return PK_ENOMEM;
    put(s, "<g >\n<title>");
    pk_flame__title(&s->b, s->p, s->l, c, b);
    /* Width is the difference of the rounded ends, rounded again. */
    snprintf(num, sizeof num, "%0.1f", x1);
    rx1 = strtod(num, NULL);
    snprintf(num, sizeof num, "%0.1f", x2);
    rx2 = strtod(num, NULL);
    put(s, "</title><rect x=\"");
    put_fixed(s, 1, x1);
    put(s, "\" y=\"");
    put_num(s, y1);
    put(s, "\" width=\"");
    put_fixed(s, 1, rx2 - rx1);
    put(s, "\" height=\"");
    put_fixed(s, 1, y2 - y1);
    put(s, "\" fill=\"");
    put(s, fill);
    put(s, "\" rx=\"2\" ry=\"2\" />\n<text ");
    put(s, " x=\"");
    put_fixed(s, 2, x1 + 3);
    put(s, "\" y=\"");
    put_num(s, 3 + (y1 + y2) / 2);
    put(s, "\" >");
    chars = (long)((x2 - x1) / (c->o.font_size * c->o.font_width));
    if (b->depth > 0)
        pk_flame__label(&s->b, pk_profile_str(s->p, id), pk_profile_str_len(s->p, id), chars);
    put(s, "</text>\n</g>\n");
    return s->b.len >= FLUSH_AT ? flush(s) : PK_OK;
}

static int box_cmp(const void *x, const void *y)
{
    const pk_flame_box *a = x, *b = y;
    if (a->depth != b->depth)
        return a->depth < b->depth ? -1 : 1;
    return (a->stime > b->stime) - (a->stime < b->stime);
}

static void fill_info(pk_flame_info *info, const pk_flame_layout *l)
{
    if (!info)
        return;
    info->total = l->time;
    info->frames = l->n;
    info->total_ignored = l->total_ignored;
    info->differential = l->differential;
}

int pk_render_flame_svg(FILE *out, pk_profile *p, const pk_flame_opts *o,
                        pk_flame_info *info, pk_error *err)
{
    pk_flame_cfg c;
    pk_flame_layout l;
    svg s;
    size_t i;
    int rc = pk_flame__config(&c, p, o, err);

    if (rc != PK_OK)
        return rc;
    rc = pk_flame__layout(&l, p, &c, err);
    if (rc != PK_OK)
        return rc;
    fill_info(info, &l);
    qsort(l.boxes, l.n, sizeof *l.boxes, box_cmp);
    memset(&s, 0, sizeof s);
    s.f = out;
    s.p = p;
    s.c = &c;
    s.l = &l;
    put_header(&s);
    put_style(&s);
    put_script(&s);
    put_chrome(&s);
    put(&s, "<g id=\"frames\">\n");
    for (i = 0; rc == PK_OK && i < l.n; i++)
        rc = put_frame(&s, &l.boxes[i]);
    put(&s, "</g>\n</svg>\n");
    if (rc == PK_OK)
        rc = flush(&s);
    pk_buf_dispose(&s.b);
    pk_flame__layout_dispose(&l);
    if (rc != PK_OK)
        return pk_error_set(err, rc, NULL, -1, "out of memory writing the flame graph");
    return PK_OK;
}

int pk_flame_palette_parse(pk_flame_palette *out, const char *name)
{
    static const char *const names[] = {"hot",    "mem",    "io",     "red",
                                        "green",  "blue",   "aqua",   "yellow",
                                        "purple", "orange", "python"};
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(names[i], name) == 0) {
            *out = (pk_flame_palette)i;
            return PK_OK;
        }
    }
    return PK_EINVAL;
}
