/*
 * The DOT text gprof2dot's DotWriter.graph() writes, byte for byte: its
 * themes and colour maths (HSL, skew, gamma), number formats, attribute
 * order (sorted by name), quoting and escaping.
 *
 * The floating-point steps are written in the order Python evaluates
 * them, so colours and sizes round the same way.
 */
#include "dot.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"

/* ---- themes ---- */

typedef struct theme {
    double mincolor[3], maxcolor[3]; /* h, s, l */
    const char *fontcolor;           /* graph-wide node font colour */
    bool filled;                     /* node style "filled", else "solid" */
    double minfontsize, maxfontsize, minpenwidth, maxpenwidth, gamma;
} theme;

static const theme THEMES[] = {
    [PK_DOT_THEME_COLOR] = {{2.0 / 3.0, 0.80, 0.25}, {0.0, 1.0, 0.5}, "white", true,
                            10.0, 10.0, 0.5, 4.0, 1.0},
    [PK_DOT_THEME_PINK] = {{0.0, 1.0, 0.90}, {0.0, 1.0, 0.5}, "white", true,
                           10.0, 10.0, 0.5, 4.0, 2.2},
    [PK_DOT_THEME_GRAY] = {{0.0, 0.0, 0.85}, {0.0, 0.0, 0.0}, "white", true,
                           10.0, 10.0, 0.5, 4.0, 2.2},
    [PK_DOT_THEME_BW] = {{0.0, 0.0, 0.0}, {0.0, 0.0, 0.0}, "white", true,
                         8.0, 24.0, 0.1, 8.0, 2.2},
    [PK_DOT_THEME_PRINT] = {{0.0, 0.0, 0.0}, {0.0, 0.0, 0.0}, "black", false,
                            18.0, 30.0, 0.1, 8.0, 2.2},
};

static const char *const THEME_NAMES[] = {"color", "pink", "gray", "bw", "print"};
static const char *const LABEL_NAMES[] = {"self-time", "self-time-percentage", "total-time",
                                          "total-time-percentage"};

int pk_dot_theme_parse(pk_dot_theme *out, const char *name)
{
    size_t i;
    for (i = 0; i < sizeof THEME_NAMES / sizeof THEME_NAMES[0]; i++) {
        if (strcmp(name, THEME_NAMES[i]) == 0) {
            *out = (pk_dot_theme)i;
            return PK_OK;
        }
    }
    return PK_EINVAL;
}

int pk_dot_label_parse(pk_dot_label *out, const char *name)
{
    size_t i;
    for (i = 0; i < sizeof LABEL_NAMES / sizeof LABEL_NAMES[0]; i++) {
        if (strcmp(name, LABEL_NAMES[i]) == 0) {
            *out = (pk_dot_label)i;
            return PK_OK;
        }
    }
    return PK_EINVAL;
}

/* ---- colour maths (Theme.color, hsl_to_rgb, _hue_to_rgb) ---- */

typedef struct rgb {
    double c[3];
} rgb;

/* Python's float % 1.0: the result takes the sign of the divisor. */
static double py_mod1(double x)
{
    double m = fmod(x, 1.0);
    if (m != 0.0) {
        if (m < 0.0)
            m += 1.0;
    } else {
        m = copysign(0.0, 1.0);
    }
    return m;
}

static double hue_to_rgb(double m1, double m2, double h)
{
    if (h < 0.0)
        h += 1.0;
    else if (h > 1.0)
        h -= 1.0;
    if (h * 6 < 1.0)
        return m1 + (m2 - m1) * h * 6.0;
    if (h * 2 < 1.0)
        return m2;
    if (h * 3 < 2.0)
        return m1 + (m2 - m1) * (2.0 / 3.0 - h) * 6.0;
    return m1;
}

/* Python's min(max(x, lo), hi): max keeps x unless lo > x. */
static double clamp(double x, double lo, double hi)
{
    double v = lo > x ? lo : x;
    return hi < v ? hi : v;
}

static rgb hsl_to_rgb(const theme *t, double h, double s, double l)
{
    double m1, m2;
    rgb out;
    int i;

    h = py_mod1(h);
    s = clamp(s, 0.0, 1.0);
    l = clamp(l, 0.0, 1.0);
    if (l <= 0.5)
        m2 = l * (s + 1.0);
    else
        m2 = l + s - l * s;
    m1 = l * 2.0 - m2;
    out.c[0] = hue_to_rgb(m1, m2, h + 1.0 / 3.0);
    out.c[1] = hue_to_rgb(m1, m2, h);
    out.c[2] = hue_to_rgb(m1, m2, h - 1.0 / 3.0);
    for (i = 0; i < 3; i++)
        out.c[i] = pow(out.c[i], t->gamma);
    return out;
}

static rgb weight_color(const theme *t, double skew, double weight)
{
    double hsl[3];
    int i;

    weight = clamp(weight, 0.0, 1.0);
    for (i = 0; i < 3; i++) {
        double lo = t->mincolor[i], hi = t->maxcolor[i];
        if (skew == 1.0)
            hsl[i] = lo + weight * (hi - lo);
        else
            hsl[i] = lo + ((hi - lo) * (-1.0 + pow(skew, weight)) / (skew - 1.0));
    }
    return hsl_to_rgb(t, hsl[0], hsl[1], hsl[2]);
}

static unsigned to_byte(double f)
{
    if (f <= 0.0)
        return 0;
    if (f >= 1.0)
        return 255;
    return (unsigned)(255.0 * f + 0.5);
}

static void color_text(char out[8], rgb c)
{
    snprintf(out, 8, "#%02x%02x%02x", to_byte(c.c[0]), to_byte(c.c[1]), to_byte(c.c[2]));
}

static double py_max(double a, double b)
{
    return b > a ? b : a;
}

static double fontsize(const theme *t, double weight)
{
    return py_max(pow(weight, 2.0) * t->maxfontsize, t->minfontsize);
}

static double penwidth(const theme *t, double weight)
{
    return py_max(weight * t->maxpenwidth, t->minpenwidth);
}

/* ---- DOT syntax ---- */

/* "%.2f" (digits 2) or "%.7g" (digits 7), with Python's spelling of NaN. */
static void fmt_num(char *buf, size_t n, int digits, double v)
{
    if (isnan(v))
        snprintf(buf, n, "nan");
    else if (digits == 7)
        snprintf(buf, n, "%.7g", v);
    else
        snprintf(buf, n, "%.2f", v);
}

/* DotWriter.id(): bare if alphanumeric (ASCII here: see the note on
 * quoting in the man page), not "0x..." and not a keyword; else quoted. */
static bool bare_id(const char *s)
{
    static const char *const keywords[] = {"node", "edge", "graph", "digraph", "subgraph",
                                           "strict"};
    size_t i, n = strlen(s);

    if (n == 0 || strncmp(s, "0x", 2) == 0)
        return false;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            return false;
    }
    for (i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
        size_t k;
        if (strlen(keywords[i]) != n)
            continue;
        for (k = 0; k < n && (s[k] | 0x20) == keywords[i][k]; k++)
            ;
        if (k == n)
            return false;
    }
    return true;
}

static void put(pk_buf *b, const char *s)
{
    pk_buf_append(b, s, strlen(s));
}

static const char *escape_of(char c)
{
    switch (c) {
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\t': return "\\t";
    case '"': return "\\\"";
    default: return NULL;
    }
}

static void put_id(pk_buf *b, const char *s)
{
    const char *run = s;

    if (bare_id(s)) {
        put(b, s);
        return;
    }
    pk_buf_byte(b, '"');
    for (; *s; s++) {
        const char *esc = escape_of(*s);
        if (!esc)
            continue;
        pk_buf_append(b, run, (size_t)(s - run));
        put(b, esc);
        run = s + 1;
    }
    pk_buf_append(b, run, (size_t)(s - run));
    pk_buf_byte(b, '"');
}

/* name=value, with ", " before all but the first attribute. */
static void put_attr(pk_buf *b, bool *first, const char *name, const char *value)
{
    put(b, *first ? " [" : ", ");
    *first = false;
    put(b, name);
    pk_buf_byte(b, '=');
    put_id(b, value);
}

/* ---- the graph ---- */

typedef struct writer {
    pk_buf *b;
    pk_callgraph *g;
    const theme *t;
    double skew;
    const pk_dot_opts *o;
    pk_buf label; /* scratch */
} writer;

static void header(writer *w)
{
    char line[256];

    put(w->b, "digraph {\n\ttooltip=\" \"\n"
              "\tgraph [fontname=Arial, nodesep=0.125, ranksep=0.25];\n");
    snprintf(line, sizeof line,
             "\tnode [fontcolor=%s, fontname=Arial, height=0, shape=box, style=%s, width=0];\n"
             "\tedge [fontname=Arial];\n",
             w->t->fontcolor, w->t->filled ? "filled" : "solid");
    put(w->b, line);
}

static void label_line(pk_buf *label, const char *text)
{
    pk_buf_byte(label, '\n');
    put(label, text);
}

static void node_label(writer *w, uint32_t id, const pk_cg_node *n)
{
    static const pk_dot_label defaults[] = {PK_DOT_LABEL_TOTAL_PERCENT,
                                            PK_DOT_LABEL_SELF_PERCENT};
    const pk_dot_label *labels = w->o->labels ? w->o->labels : defaults;
    size_t nlabels = w->o->labels ? w->o->nlabels : 2, i;
    char text[64];

    w->label.len = 0;
    pk_dot__node_name(&w->label, pk_callgraph_node_name(w->g, id), w->o->strip, w->o->wrap);
    for (i = 0; n->has_stats && i < nlabels; i++) {
        switch (labels[i]) {
        case PK_DOT_LABEL_SELF_TIME:
            fmt_num(text + 1, sizeof text - 2, 7, n->self_time);
            text[0] = '(';
            strcat(text, ")");
            break;
        case PK_DOT_LABEL_SELF_PERCENT:
            fmt_num(text + 1, sizeof text - 3, 2, n->self_ratio * 100.0);
            text[0] = '(';
            strcat(text, "%)");
            break;
        case PK_DOT_LABEL_TOTAL_TIME:
            fmt_num(text, sizeof text, 7, n->total_time);
            break;
        case PK_DOT_LABEL_TOTAL_PERCENT:
            fmt_num(text, sizeof text - 1, 2, n->total_ratio * 100.0);
            strcat(text, "%");
            break;
        }
        label_line(&w->label, text);
    }
    if (n->has_stats) {
        snprintf(text, sizeof text, "%" PRId64 "\xc3\x97", n->calls);
        label_line(&w->label, text);
    }
    pk_buf_byte(&w->label, 0);
}

/* ---- prof2dot --diff: colour and label by change ---- */

/* Red when slower, blue when faster, deeper up to a change of 100%; grey
 * within the band; purple when new. Dark fills get white text. */
static void change_colors(char color[8], char font[8], double before, double after, double band)
{
    const theme *t = &THEMES[PK_DOT_THEME_COLOR]; /* gamma 1: plain HSL */
    double rel, depth, l;

    if (isnan(before)) {
        color_text(color, hsl_to_rgb(t, 0.8, 0.6, 0.45));
        color_text(font, hsl_to_rgb(t, 0.0, 0.0, 1.0));
        return;
    }
    rel = before > 0.0 ? (after - before) / before : after > 0.0 ? 1.0 : 0.0;
    if (fabs(rel) <= band) {
        color_text(color, hsl_to_rgb(t, 0.0, 0.0, 0.7));
        color_text(font, hsl_to_rgb(t, 0.0, 0.0, 0.0));
        return;
    }
    depth = fabs(rel) < 1.0 ? fabs(rel) : 1.0;
    l = 0.8 - 0.4 * depth;
    color_text(color, hsl_to_rgb(t, rel > 0.0 ? 0.0 : 2.0 / 3.0, 0.9, l));
    color_text(font, hsl_to_rgb(t, 0.0, 0.0, l < 0.55 ? 1.0 : 0.0));
}

/* "+12.3%", "new", or "was 0". */
static void change_text(char *buf, size_t n, double before, double after)
{
    if (isnan(before))
        snprintf(buf, n, "new");
    else if (before > 0.0)
        snprintf(buf, n, "%+.1f%%", 100.0 * (after - before) / before);
    else
        snprintf(buf, n, "%s", after > 0.0 ? "was 0" : "+0.0%");
}

static void diff_node_label(writer *w, uint32_t id, const pk_cg_node *n, double before)
{
    char text[96];

    w->label.len = 0;
    pk_dot__node_name(&w->label, pk_callgraph_node_name(w->g, id), w->o->strip, w->o->wrap);
    if (n->has_stats) {
        if (isnan(before))
            snprintf(text, sizeof text, "%.4gs", n->total_time);
        else
            snprintf(text, sizeof text, "%.4gs -> %.4gs", before, n->total_time);
        label_line(&w->label, text);
        change_text(text, sizeof text, before, n->total_time);
        label_line(&w->label, text);
        snprintf(text, sizeof text, "%" PRId64 "\xc3\x97", n->calls);
        label_line(&w->label, text);
    }
    pk_buf_byte(&w->label, 0);
}

/* A node line with its attributes in gprof2dot's order; the label is the
 * one just built in w->label. */
static void put_node(writer *w, uint32_t id, const char *color, const char *fontcolor,
                     const char *size)
{
    char line[32];
    bool first = true;

    snprintf(line, sizeof line, "\t%" PRIu32, id);
    put(w->b, line);
    put_attr(w->b, &first, "color", color);
    put_attr(w->b, &first, "fontcolor", fontcolor);
    put_attr(w->b, &first, "fontsize", size);
    put_attr(w->b, &first, "label", w->label.failed ? "" : (const char *)w->label.data);
    put_attr(w->b, &first, "tooltip", pk_callgraph_node_file(w->g, id));
    put(w->b, "];\n");
}

static void write_diff_node(writer *w, uint32_t id)
{
    const pk_cg_node *n = pk_callgraph_node(w->g, id);
    double before = w->o->diff->node_before[id];
    double weight = n->has_weight ? n->weight : 0.0;
    char color[8], fontcolor[8], size[32];

    diff_node_label(w, id, n, before);
    change_colors(color, fontcolor, before, n->total_time, w->o->diff->band);
    fmt_num(size, sizeof size, 2, fontsize(w->t, weight));
    put_node(w, id, color, fontcolor, size);
}

static void write_node(writer *w, uint32_t id)
{
    const pk_cg_node *n = pk_callgraph_node(w->g, id);
    double weight = n->has_weight ? n->weight : 0.0;
    char color[8], fontcolor[8], size[32];

    node_label(w, id, n);
    color_text(color, weight_color(w->t, w->skew, weight));
    if (w->t->filled) {
        rgb white = hsl_to_rgb(w->t, 0.0, 0.0, 1.0);
        color_text(fontcolor, white);
    } else {
        memcpy(fontcolor, color, sizeof color);
    }
    fmt_num(size, sizeof size, 2, fontsize(w->t, weight));
    put_node(w, id, color, fontcolor, size);
}

static void write_edge(writer *w, const pk_cg_edge *e, uint32_t index)
{
    double pen = penwidth(w->t, e->weight);
    char line[64], color[8], unused[8], arrow[32], font[32], label[96], pw[32];
    bool first = true;

    if (w->o->diff) {
        double before = w->o->diff->edge_before[index];
        change_colors(color, unused, before, e->total_time, w->o->diff->band);
        change_text(label, 40, before, e->total_time);
        snprintf(label + strlen(label), sizeof label - strlen(label), "\n%" PRId64 "\xc3\x97",
                 e->calls);
    } else {
        color_text(color, weight_color(w->t, w->skew, e->weight));
        fmt_num(label, 40, 2, e->ratio * 100.0);
        snprintf(label + strlen(label), sizeof label - strlen(label), "%%\n%" PRId64 "\xc3\x97",
                 e->calls);
    }
    fmt_num(arrow, sizeof arrow, 2, 0.5 * sqrt(pen));
    fmt_num(font, sizeof font, 2, fontsize(w->t, e->weight));
    fmt_num(pw, sizeof pw, 2, pen);
    snprintf(line, sizeof line, "\t%" PRIu32 " -> %" PRIu32, e->caller, e->callee);
    put(w->b, line);
    put_attr(w->b, &first, "arrowsize", arrow);
    put_attr(w->b, &first, "color", color);
    put_attr(w->b, &first, "fontcolor", color);
    put_attr(w->b, &first, "fontsize", font);
    put_attr(w->b, &first, "label", label);
    put_attr(w->b, &first, "labeldistance", pw);
    put_attr(w->b, &first, "penwidth", pw);
    put(w->b, "];\n");
}

/* Writes the text out every 64 KiB when there is a file to write it to,
 * so a graph of any size needs little memory. */
static void drain(pk_buf *b, FILE *sink)
{
    if (sink && b->len >= 65536 && !b->failed) {
        fwrite(b->data, 1, b->len, sink);
        b->len = 0;
    }
}

static int build_dot(pk_buf *b, FILE *sink, pk_callgraph *g, const pk_dot_opts *o,
                     pk_error *err)
{
    pk_dot_opts defaults = PK_DOT_OPTS_INIT;
    writer w;
    size_t i, n = pk_callgraph_node_count(g);
    int rc = PK_OK;

    if (!o)
        o = &defaults;
    if (o->skew < 0.0 || isnan(o->skew))
        return pk_error_set(err, PK_EINVAL, NULL, -1, "skew must be 0 or more");
    if ((unsigned)o->theme > PK_DOT_THEME_PRINT)
        return pk_error_set(err, PK_EINVAL, NULL, -1, "unknown colour map");
    if (o->diff && (o->diff->nnodes != pk_callgraph_node_count(g) ||
                    o->diff->nedges != pk_callgraph_edge_count(g)))
        return pk_error_set(err, PK_EINVAL, NULL, -1, "the diff was made for another graph");
    memset(&w, 0, sizeof w);
    w.b = b;
    w.g = g;
    w.o = o;
    w.t = &THEMES[o->theme];
    /* gprof2dot ignores a zero skew (it tests the option for truth). */
    w.skew = o->skew == 0.0 ? 1.0 : o->skew;
    header(&w);
    for (i = 0; rc == PK_OK && i < n; i++) {
        const uint32_t *edges;
        size_t ne, k;
        if (!pk_callgraph_node(g, (uint32_t)i)->alive)
            continue;
        if (o->diff)
            write_diff_node(&w, (uint32_t)i);
        else
            write_node(&w, (uint32_t)i);
        rc = pk_callgraph_out_edges(&edges, &ne, g, (uint32_t)i, err);
        for (k = 0; rc == PK_OK && k < ne; k++)
            write_edge(&w, pk_callgraph_edge(g, edges[k]), edges[k]);
        drain(b, sink);
    }
    put(b, "}\n");
    if (rc == PK_OK && (b->failed || w.label.failed))
        rc = pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory writing DOT");
    pk_buf_dispose(&w.label);
    return rc;
}

int pk_dot__build(pk_buf *b, pk_callgraph *g, const pk_dot_opts *o, pk_error *err)
{
    return build_dot(b, NULL, g, o, err);
}

int pk_callgraph_write_dot(FILE *out, pk_callgraph *g, const pk_dot_opts *o, pk_error *err)
{
    pk_buf b = PK_BUF_INIT;
    int rc = build_dot(&b, out, g, o, err);

    if (rc == PK_OK && b.len)
        fwrite(b.data, 1, b.len, out);
    pk_buf_dispose(&b);
    return rc;
}
