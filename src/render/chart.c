/*
 * mprof-plot's chart: memory over time, laid out once in pixels and drawn
 * through a canvas (canvas.h) as SVG or PNG. What is drawn follows
 * `mprof plot`: each run shifted to start at 0 s, the main series with the
 * function entry/exit points merged in, "+" markers, children as their own
 * series, the peak marked with red dashed lines, each call as a pair of
 * brackets labelled "name 0.259s" in the legend, or with --flame the calls
 * as bars stacked by depth (here in a band under the curve rather than over
 * it, so neither hides the other).
 */
#include <profkit/memory.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "canvas.h"
#include "memgroup.h"

#define TITLE_SIZE 15.0
#define LABEL_SIZE 12.0
#define TICK_SIZE 11.0
#define LEGEND_SIZE 11.0
#define BAR_SIZE 10.0
#define ROW_PX 18.0
#define MAX_FLAME_ROWS 32
#define MAX_LABEL 240

/* matplotlib's one-letter colours, as mprof picks them. */
static const pk_rgb K = {0, 0, 0}, B = {0, 0, 1}, R = {1, 0, 0}, G = {0, 0.5, 0},
                    C = {0, 0.75, 0.75}, Y = {0.75, 0.75, 0}, M = {0.75, 0, 0.75};
static const pk_rgb GRID = {0.85, 0.85, 0.85}, FRAME = {0.2, 0.2, 0.2},
                    TREND = {0, 0.89, 0.847}, WHITE = {1, 1, 1};

static pk_rgb line_color(size_t i)
{
    const pk_rgb c[] = {K, B, R, G, C, Y, M};
    return c[i % 7];
}

static pk_rgb func_color(size_t i)
{
    const pk_rgb c[] = {C, Y, G, R, B};
    return c[i % 5];
}

typedef struct fit {
    bool ok;
    double slope, intercept; /* MiB/s, MiB */
} fit;

typedef struct trace {
    const pk_profile *p;
    const pk_mem_run *run;
    const char *path;
    size_t run_no, nruns;   /* 1-based run number in its file */
    double start;           /* epoch seconds of t = 0 */
    pk_mem_sample *curve;   /* MEM samples and call end points, relative, by time */
    size_t ncurve;
    size_t first_child;     /* colour index of its first child */
    fit trend;
    fit *child_trends;
} trace;

typedef struct chart {
    const pk_chart_opts *o;
    trace *traces;
    size_t ntraces;
    bool funcs;             /* brackets or bars: one run, functions on */
    uint32_t *group;        /* per call of traces[0]: its function, by first call */
    char **labels;          /* per function: mprof's shortest unique dotted suffix */
    size_t *group_calls;    /* per function: its calls */
    double *group_time;     /* per function: their summed durations */
    size_t ngroups;
    int32_t max_depth;
    double x0, x1, y0, y1;  /* the data range shown */
    bool peak, child_peak;
    double peak_t, peak_mib, cpeak_t, cpeak_mib;
    int64_t cpeak_pid;
    char title[MAX_LABEL + 8];
    double *xy;             /* scratch for polylines: 2 per point of the longest series */
} chart;

/* Plot geometry in pixels, found by draw(). */
typedef struct frame {
    double px, py, pw, ph;  /* memory plot */
    double fy, fh;          /* flame band (fh = 0: none) */
    double lx, lw;          /* legend */
    size_t capacity;        /* legend rows that fit */
} frame;

/* ---- text ---- */

/* Length of the UTF-8 sequence at s (n bytes left), or 0 when invalid:
 * no overlongs, surrogates or code points past U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len, i;
    unsigned cp;

    if (s[0] < 0x80)
        return 1;
    len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (len == 0 || len > n || s[0] > 0xf4)
        return 0;
    cp = s[0] & (0x7fu >> len);
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* Copies s into out (size n) as clean text: invalid UTF-8 becomes U+FFFD
 * and control characters '?'; cut at a character boundary with "…". */
static void clean(char *out, size_t n, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t left = strlen(s), k = 0;

    while (left > 0) {
        size_t len = utf8_len(u, left);
        const char *piece = len ? (const char *)u : "\xef\xbf\xbd";
        size_t plen = len ? len : 3;
        if (k + plen + 4 > n) {
            memcpy(out + k, "\xe2\x80\xa6", 3);
            k += 3;
            break;
        }
        if (plen == 1 && (u[0] < 0x20 || u[0] == 0x7f))
            out[k++] = '?';
        else {
            memcpy(out + k, piece, plen);
            k += plen;
        }
        u += len ? len : 1;
        left -= len ? len : 1;
    }
    out[k] = '\0';
}

/* Shortens clean text in place, ending it with "…", until it fits w px. */
static void fit_width(pk_canvas *c, char *s, double size, double w)
{
    size_t n = strlen(s);
    if (c->ops->text_width(c, s, size) <= w)
        return;
    while (n > 0) {
        do
            n--;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80);
        memcpy(s + n, "\xe2\x80\xa6", 4);
        if (c->ops->text_width(c, s, size) <= w)
            return;
    }
}

static void draw_text(pk_canvas *c, double x, double y, const char *s, double size,
                      pk_anchor a, bool vertical, pk_rgb col, double max_w)
{
    char buf[MAX_LABEL + 8];
    clean(buf, sizeof buf, s);
    if (max_w > 0)
        fit_width(c, buf, size, max_w);
    if (buf[0])
        c->ops->text(c, x, y, buf, size, a, vertical, col);
}

/* ---- data ---- */

typedef struct point {
    double t, mib;
    size_t seq;
} point;

static int point_cmp(const void *pa, const void *pb)
{
    const point *a = pa, *b = pb;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* mprof's curve: MEM samples plus every call's entry and exit points,
 * sorted by time, relative to the run start. */
static int build_curve(trace *tr)
{
    const pk_mem_run *r = tr->run;
    size_t i, n = 0, total;
    point *pts;

    if (!pk_size_mul(&total, r->ncalls, 2) || !pk_size_add(&total, total, r->main.n))
        return PK_ENOMEM;
    pts = pk_calloc(total ? total : 1, sizeof *pts);
    tr->curve = pk_calloc(total ? total : 1, sizeof *tr->curve);
    if (!pts || !tr->curve) {
        pk_free(pts);
        return PK_ENOMEM;
    }
    for (i = 0; i < r->main.n; i++, n++) {
        pts[n].t = r->main.samples[i].t;
        pts[n].mib = r->main.samples[i].mib;
        pts[n].seq = n;
    }
    for (i = 0; i < r->ncalls; i++) {
        pts[n].t = r->calls[i].t0;
        pts[n].mib = r->calls[i].mem0;
        pts[n].seq = n;
        n++;
        pts[n].t = r->calls[i].t1;
        pts[n].mib = r->calls[i].mem1;
        pts[n].seq = n;
        n++;
    }
    qsort(pts, n, sizeof *pts, point_cmp);
    for (i = 0; i < n; i++) {
        tr->curve[i].t = pts[i].t - tr->start;
        tr->curve[i].mib = pts[i].mib;
    }
    tr->ncurve = n;
    pk_free(pts);
    return PK_OK;
}

/* Least squares over samples (times shifted by `shift`). */
static fit linear_fit(const pk_mem_sample *s, size_t n, double shift)
{
    fit f = {false, 0.0, 0.0};
    double mt = 0, mm = 0, stt = 0, stm = 0;
    size_t i;

    if (n < 2)
        return f;
    for (i = 0; i < n; i++) {
        mt += s[i].t - shift;
        mm += s[i].mib;
    }
    mt /= (double)n;
    mm /= (double)n;
    for (i = 0; i < n; i++) {
        double dt = s[i].t - shift - mt;
        stt += dt * dt;
        stm += dt * (s[i].mib - mm);
    }
    if (!(stt > 0))
        return f;
    f.ok = true;
    f.slope = stm / stt;
    f.intercept = mm - f.slope * mt;
    return f;
}

static void free_chart(chart *ch)
{
    size_t i;
    for (i = 0; i < ch->ntraces; i++) {
        pk_free(ch->traces[i].curve);
        pk_free(ch->traces[i].child_trends);
    }
    for (i = 0; ch->labels && i < ch->ngroups; i++)
        pk_free(ch->labels[i]);
    pk_free(ch->labels);
    pk_free(ch->group_calls);
    pk_free(ch->group_time);
    pk_free(ch->group);
    pk_free(ch->traces);
    pk_free(ch->xy);
}

static int add_traces(chart *ch, const pk_profile *const *profiles, const char *const *paths,
                      size_t n)
{
    size_t i, r, total = 0, kids = 0;

    for (i = 0; i < n; i++)
        total += pk_memory_run_count(profiles[i]);
    ch->traces = pk_calloc(total ? total : 1, sizeof *ch->traces);
    if (!ch->traces)
        return PK_ENOMEM;
    for (i = 0; i < n; i++) {
        size_t nruns = pk_memory_run_count(profiles[i]);
        for (r = 0; r < nruns; r++) {
            trace *tr = &ch->traces[ch->ntraces];
            double end;
            tr->p = profiles[i];
            tr->run = pk_memory_run(profiles[i], r);
            tr->path = paths[i];
            tr->run_no = r + 1;
            tr->nruns = nruns;
            if (!pk_mem_run_span(&tr->start, &end, tr->run))
                continue; /* nothing timed in this run */
            ch->ntraces++;
            tr->first_child = kids;
            kids += tr->run->nchildren;
        }
    }
    return PK_OK;
}

/* Size of the longest series, for the polyline scratch buffer. */
static size_t longest(const chart *ch)
{
    size_t i, k, n = 5;
    for (i = 0; i < ch->ntraces; i++) {
        const trace *tr = &ch->traces[i];
        if (tr->ncurve > n)
            n = tr->ncurve;
        for (k = 0; k < tr->run->nchildren; k++) {
            if (tr->run->children[k].n > n)
                n = tr->run->children[k].n;
        }
    }
    return n;
}

static int prepare_trends(trace *tr)
{
    size_t k;
    tr->trend = linear_fit(tr->curve, tr->ncurve, 0.0);
    tr->child_trends = pk_calloc(tr->run->nchildren ? tr->run->nchildren : 1,
                                 sizeof *tr->child_trends);
    if (!tr->child_trends)
        return PK_ENOMEM;
    for (k = 0; k < tr->run->nchildren; k++)
        tr->child_trends[k] = linear_fit(tr->run->children[k].samples,
                                         tr->run->children[k].n, tr->start);
    return PK_OK;
}

/* Numbers the single run's functions by first call and labels each. */
static int prepare_functions(chart *ch)
{
    const trace *tr = &ch->traces[0];
    const pk_mem_run *run = tr->run;
    size_t n = run->ncalls ? run->ncalls : 1, i, g;
    uint32_t *first = pk_calloc(n, sizeof *first);
    const char **names = pk_calloc(n, sizeof *names);
    const char **labels = pk_calloc(n, sizeof *labels);
    int rc = PK_ENOMEM;

    ch->group = pk_calloc(n, sizeof *ch->group);
    ch->labels = pk_calloc(n, sizeof *ch->labels);
    ch->group_calls = pk_calloc(n, sizeof *ch->group_calls);
    ch->group_time = pk_calloc(n, sizeof *ch->group_time);
    if (first && names && labels && ch->group && ch->labels && ch->group_calls && ch->group_time)
        rc = pk_mem__group_calls(ch->group, first, &ch->ngroups, run);
    for (i = 0; rc == PK_OK && i < run->ncalls; i++) {
        if (run->calls[i].depth > ch->max_depth)
            ch->max_depth = run->calls[i].depth;
        ch->group_calls[ch->group[i]]++;
        ch->group_time[ch->group[i]] += run->calls[i].t1 - run->calls[i].t0;
    }
    for (g = 0; rc == PK_OK && g < ch->ngroups; g++) {
        names[g] = pk_profile_str(tr->p, run->calls[first[g]].name);
        labels[g] = names[g];
    }
    /* mprof's labels; past 256 functions the legend lists only some, and
     * the full names are kept */
    if (rc == PK_OK && ch->ngroups <= 256)
        rc = pk_mem__labels(labels, names, ch->ngroups);
    for (g = 0; rc == PK_OK && g < ch->ngroups; g++) {
        const char *s = labels[g];
        size_t len = strlen(s);
        ch->labels[g] = pk_malloc(len + 1);
        if (!ch->labels[g])
            rc = PK_ENOMEM;
        else
            memcpy(ch->labels[g], s, len + 1);
    }
    pk_free(first);
    pk_free(names);
    pk_free(labels);
    return rc;
}

/* ---- ranges and the peak ---- */

static void widen(double *lo, double *hi, bool *any, double v)
{
    if (!*any || v < *lo)
        *lo = v;
    if (!*any || v > *hi)
        *hi = v;
    *any = true;
}

/* The time range: every trace from 0 to its end, padded 5% each side as
 * matplotlib pads, or exactly the window. */
static void x_range(chart *ch)
{
    double lo = 0.0, hi = 0.0, pad;
    bool any = false;
    size_t i;

    if (ch->o->window) {
        ch->x0 = ch->o->window_t0;
        ch->x1 = ch->o->window_t1;
        return;
    }
    for (i = 0; i < ch->ntraces; i++) {
        double t0, t1;
        pk_mem_run_span(&t0, &t1, ch->traces[i].run);
        widen(&lo, &hi, &any, 0.0);
        widen(&lo, &hi, &any, t1 - t0);
    }
    pad = hi > lo ? (hi - lo) * 0.05 : 0.5;
    ch->x0 = lo - pad;
    ch->x1 = hi + pad;
}

static bool shown(const chart *ch, double t)
{
    return t >= ch->x0 && t <= ch->x1;
}

static void peak_of(bool *found, double *t, double *mib, double st, double sm)
{
    if (!*found || sm > *mib) {
        *found = true;
        *t = st;
        *mib = sm;
    }
}

/* The memory range of what is shown, and the peaks in it. */
static void y_range(chart *ch)
{
    double lo = 0.0, hi = 0.0, pad;
    bool any = false;
    size_t i, k, j;

    for (i = 0; i < ch->ntraces; i++) {
        const trace *tr = &ch->traces[i];
        for (j = 0; j < tr->ncurve; j++) {
            if (!shown(ch, tr->curve[j].t))
                continue;
            widen(&lo, &hi, &any, tr->curve[j].mib);
            peak_of(&ch->peak, &ch->peak_t, &ch->peak_mib, tr->curve[j].t, tr->curve[j].mib);
        }
        for (k = 0; k < tr->run->nchildren; k++) {
            const pk_mem_series *s = &tr->run->children[k];
            for (j = 0; j < s->n; j++) {
                double t = s->samples[j].t - tr->start;
                if (!shown(ch, t))
                    continue;
                widen(&lo, &hi, &any, s->samples[j].mib);
                if (!ch->child_peak || s->samples[j].mib > ch->cpeak_mib)
                    ch->cpeak_pid = s->pid;
                peak_of(&ch->child_peak, &ch->cpeak_t, &ch->cpeak_mib, t, s->samples[j].mib);
            }
        }
    }
    pad = hi > lo ? (hi - lo) * 0.05 : (fabs(hi) > 0 ? fabs(hi) * 0.05 : 1.0);
    ch->y0 = lo - pad;
    ch->y1 = hi + pad;
}

/* ---- ticks ---- */

typedef struct ticks {
    double first, step;
    int n, decimals;
} ticks;

/* Steps of 1, 2, 2.5 or 5 times a power of ten, about `target` of them. */
static ticks make_ticks(double lo, double hi, int target)
{
    ticks t;
    double raw = (hi - lo) / (target > 1 ? target : 1), mag, f;

    if (!(raw > 0) || !isfinite(raw))
        raw = 1.0;
    mag = pow(10.0, floor(log10(raw)));
    f = raw / mag;
    t.step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
    t.first = ceil(lo / t.step - 1e-9) * t.step;
    t.n = (int)floor((hi - t.first) / t.step + 1e-9) + 1;
    if (t.n < 0)
        t.n = 0;
    if (t.n > 64)
        t.n = 64;
    t.decimals = (int)-floor(log10(t.step) + 1e-9);
    if (t.decimals < 0)
        t.decimals = 0;
    if (fabs(t.step / pow(10.0, -t.decimals) - 2.5) < 1e-6)
        t.decimals++;
    return t;
}

static void tick_text(char *buf, size_t n, const ticks *t, int i)
{
    double v = t->first + i * t->step;
    if (fabs(v) < t->step * 1e-6)
        v = 0.0;
    snprintf(buf, n, "%.*f", t->decimals, v);
}

/* ---- legend ---- */

typedef enum legend_mode {
    LEGEND_SERIES_ONLY,
    LEGEND_PER_CALL,     /* mprof: one entry per call */
    LEGEND_PER_FUNCTION, /* when the calls do not fit: one per function */
} legend_mode;

typedef struct legend_item {
    pk_rgb color;
    bool line;           /* a line swatch (series, brackets); else text only */
    bool marker;         /* a "+" on the swatch (series) */
    char text[MAX_LABEL + 80];
} legend_item;

static size_t series_count(const chart *ch)
{
    size_t i, n = 0;
    for (i = 0; i < ch->ntraces; i++)
        n += 1 + ch->traces[i].run->nchildren;
    return n;
}

static legend_mode pick_mode(const chart *ch, size_t capacity)
{
    size_t s = series_count(ch), calls = ch->funcs ? ch->traces[0].run->ncalls : 0;
    if (!ch->funcs || ch->o->flame || calls == 0 || s >= capacity)
        return LEGEND_SERIES_ONLY;
    return s + calls <= capacity ? LEGEND_PER_CALL : LEGEND_PER_FUNCTION;
}

static size_t legend_count(const chart *ch, size_t capacity)
{
    size_t s = series_count(ch), n;
    switch (pick_mode(ch, capacity)) {
    case LEGEND_PER_CALL: n = s + ch->traces[0].run->ncalls; break;
    case LEGEND_PER_FUNCTION: n = s + ch->ngroups; break;
    default: n = s; break;
    }
    return n < capacity ? n : capacity;
}

/* mprof plot's label for a run's memory line: its start in local time,
 * "%d / %m / %Y - start at %H:%M:%S" and the milliseconds as mprof rounds
 * them (the fraction of a second times 1000, rounded half to even, so
 * ".1000" can happen), in the time zone of TZ as there. */
static void start_text(char *buf, size_t n, double start)
{
    double whole = floor(start);
    time_t sec = (time_t)whole;
    struct tm tm;
    char when[64] = "?";

    if (localtime_r(&sec, &tm))
        strftime(when, sizeof when, "%d / %m / %Y - start at %H:%M:%S", &tm);
    snprintf(buf, n, "%s.%03d", when, (int)nearbyint((start - whole) * 1000.0));
}

/* mprof's " slope 0.12345" (MiB/s) after a series' label. */
static void slope_text(char *buf, size_t n, const chart *ch, const fit *f)
{
    if (ch->o->slope && f->ok)
        snprintf(buf, n, " slope %.5f", f->slope);
    else
        buf[0] = '\0';
}

static void series_item(const chart *ch, size_t k, legend_item *it)
{
    size_t i;
    char slope[64], when[64];

    for (i = 0; i < ch->ntraces; i++) {
        const trace *tr = &ch->traces[i];
        if (k == 0) {
            slope_text(slope, sizeof slope, ch, &tr->trend);
            start_text(when, sizeof when, tr->start);
            it->color = line_color(i);
            if (ch->ntraces == 1)
                snprintf(it->text, sizeof it->text, "%s%s", when, slope);
            else if (tr->nruns > 1)
                snprintf(it->text, sizeof it->text, "%.*s run %zu%s", MAX_LABEL, tr->path,
                         tr->run_no, slope);
            else
                snprintf(it->text, sizeof it->text, "%.*s%s", MAX_LABEL, tr->path, slope);
            return;
        }
        if (k <= tr->run->nchildren) {
            slope_text(slope, sizeof slope, ch, &tr->child_trends[k - 1]);
            it->color = line_color(ch->ntraces + tr->first_child + k - 1);
            snprintf(it->text, sizeof it->text, "child %lld%s",
                     (long long)tr->run->children[k - 1].pid, slope);
            return;
        }
        k -= 1 + tr->run->nchildren;
    }
}

/* Item k of the legend, which shows at most `capacity` items. */
static void legend_item_at(const chart *ch, size_t k, size_t capacity, legend_item *it)
{
    size_t s = series_count(ch), total;
    legend_mode mode = pick_mode(ch, capacity);
    const pk_mem_run *run = ch->traces[0].run;

    memset(it, 0, sizeof *it);
    it->line = true;
    total = mode == LEGEND_PER_CALL ? s + run->ncalls
          : mode == LEGEND_PER_FUNCTION ? s + ch->ngroups : s;
    if (k + 1 == capacity && total > capacity) {
        it->line = false;
        snprintf(it->text, sizeof it->text, "\xe2\x80\xa6 and %zu more", total - k);
    } else if (k < s) {
        it->marker = true;
        series_item(ch, k, it);
    } else if (mode == LEGEND_PER_CALL) {
        const pk_mem_call *c = &run->calls[k - s];
        it->color = func_color(ch->group[k - s]);
        snprintf(it->text, sizeof it->text, "%.*s %.3fs", MAX_LABEL,
                 ch->labels[ch->group[k - s]], c->t1 - c->t0);
    } else {
        size_t g = k - s;
        it->color = func_color(g);
        snprintf(it->text, sizeof it->text, "%.*s \xc3\x97%zu, %.3fs", MAX_LABEL,
                 ch->labels[g], ch->group_calls[g], ch->group_time[g]);
    }
}

static double legend_width(pk_canvas *c, const chart *ch, size_t capacity)
{
    size_t i, n = legend_count(ch, capacity);
    double w = 0.0;
    legend_item it;
    char buf[MAX_LABEL + 88];

    for (i = 0; i < n; i++) {
        double tw;
        legend_item_at(ch, i, capacity, &it);
        clean(buf, sizeof buf, it.text);
        tw = c->ops->text_width(c, buf, LEGEND_SIZE);
        if (tw > w)
            w = tw;
    }
    return w + 50.0;
}

/* ---- layout ---- */

static int flame_rows(const chart *ch)
{
    int rows = ch->max_depth + 1;
    return rows > MAX_FLAME_ROWS ? MAX_FLAME_ROWS : rows;
}

static bool has_flame(const chart *ch)
{
    return ch->funcs && ch->o->flame && ch->traces[0].run->ncalls > 0;
}

static void layout(pk_canvas *c, const chart *ch, frame *f)
{
    double top = ch->title[0] ? 48.0 : 18.0, bottom = 54.0, total_h, left = 0.0;
    ticks yt;
    int i;

    memset(f, 0, sizeof *f);
    total_h = c->height - top - bottom;
    f->capacity = total_h > ROW_PX ? (size_t)((total_h - 8.0) / ROW_PX) : 1;
    f->lw = legend_width(c, ch, f->capacity);
    if (f->lw > c->width * 0.4)
        f->lw = c->width * 0.4;
    yt = make_ticks(ch->y0, ch->y1, (int)(total_h / 50.0));
    for (i = 0; i < yt.n; i++) {
        char buf[64];
        double w;
        tick_text(buf, sizeof buf, &yt, i);
        w = c->ops->text_width(c, buf, TICK_SIZE);
        if (w > left)
            left = w;
    }
    f->px = left + 44.0;
    f->py = top;
    f->pw = c->width - f->px - f->lw - 28.0;
    if (f->pw < 40.0)
        f->pw = 40.0;
    f->lx = f->px + f->pw + 14.0;
    f->ph = total_h;
    if (has_flame(ch)) {
        int rows = flame_rows(ch);
        double rh = total_h * 0.35 / rows;
        rh = rh > ROW_PX ? ROW_PX : rh < 4.0 ? 4.0 : rh;
        f->fh = rows * rh;
        f->ph = total_h - f->fh - 10.0;
        f->fy = f->py + f->ph + 10.0;
    }
    if (f->ph < 20.0)
        f->ph = 20.0;
}

/* ---- drawing ---- */

static double px_x(const chart *ch, const frame *f, double t)
{
    return f->px + (t - ch->x0) / (ch->x1 - ch->x0) * f->pw;
}

static double px_y(const chart *ch, const frame *f, double mib)
{
    return f->py + f->ph - (mib - ch->y0) / (ch->y1 - ch->y0) * f->ph;
}

static void draw_axes(pk_canvas *c, const chart *ch, const frame *f)
{
    pk_stroke grid = {GRID, 1.0, false}, frame_line = {FRAME, 1.0, false};
    ticks xt = make_ticks(ch->x0, ch->x1, (int)(f->pw / 90.0));
    ticks yt = make_ticks(ch->y0, ch->y1, (int)((f->ph + f->fh) / 50.0));
    double bottom = f->fh > 0 ? f->fy + f->fh : f->py + f->ph, xy[4];
    char buf[64];
    int i;

    for (i = 0; i < xt.n; i++) {
        double x = px_x(ch, f, xt.first + i * xt.step);
        xy[0] = xy[2] = x;
        xy[1] = f->py;
        xy[3] = bottom;
        c->ops->polyline(c, xy, 2, &grid);
        tick_text(buf, sizeof buf, &xt, i);
        c->ops->text(c, x, bottom + 16.0, buf, TICK_SIZE, PK_ANCHOR_MIDDLE, false, K);
    }
    for (i = 0; i < yt.n; i++) {
        double y = px_y(ch, f, yt.first + i * yt.step);
        if (y < f->py - 0.5 || y > f->py + f->ph + 0.5)
            continue;
        xy[0] = f->px;
        xy[2] = f->px + f->pw;
        xy[1] = xy[3] = y;
        c->ops->polyline(c, xy, 2, &grid);
        tick_text(buf, sizeof buf, &yt, i);
        c->ops->text(c, f->px - 6.0, y + 4.0, buf, TICK_SIZE, PK_ANCHOR_END, false, K);
    }
    c->ops->rect(c, f->px, f->py, f->pw, f->ph, WHITE, 0.0, &frame_line);
    c->ops->text(c, f->px + f->pw / 2, bottom + 40.0, "time (in seconds)", LABEL_SIZE,
                 PK_ANCHOR_MIDDLE, false, K);
    c->ops->text(c, 18.0, f->py + f->ph / 2, "memory used (in MiB)", LABEL_SIZE,
                 PK_ANCHOR_MIDDLE, true, K);
}

/* Keeps, of each run of points that fall in one pixel column, the first,
 * the lowest, the highest and the last: the line looks the same, and a
 * series of millions of samples costs a few points per column to draw.
 * Works in place on n points of xy; returns how many are left. */
static size_t decimate(double *xy, size_t n)
{
    size_t i = 0, out = 0;

    while (i < n) {
        size_t j = i, lo = i, hi = i, keep[4], k, m = 0;
        double col = floor(xy[2 * i]);
        while (j < n && floor(xy[2 * j]) == col) {
            if (xy[2 * j + 1] < xy[2 * lo + 1])
                lo = j;
            if (xy[2 * j + 1] > xy[2 * hi + 1])
                hi = j;
            j++;
        }
        keep[m++] = i;
        if (lo != i)
            keep[m++] = lo;
        if (hi != i && hi != lo)
            keep[m++] = hi;
        if (j - 1 != i && j - 1 != lo && j - 1 != hi)
            keep[m++] = j - 1;
        for (k = 1; k < m; k++) { /* back in the order along the series */
            size_t v = keep[k], q = k;
            for (; q > 0 && keep[q - 1] > v; q--)
                keep[q] = keep[q - 1];
            keep[q] = v;
        }
        for (k = 0; k < m; k++) {
            xy[2 * out] = xy[2 * keep[k]];
            xy[2 * out + 1] = xy[2 * keep[k] + 1];
            out++;
        }
        i = j;
    }
    return out;
}

/* A series as a line with "+" at each sample (when they are not too dense). */
static void draw_series(pk_canvas *c, const chart *ch, const frame *f,
                        const pk_mem_sample *s, size_t n, double shift, pk_rgb col)
{
    pk_stroke line = {col, 1.5, false};
    size_t i, visible = 0;

    for (i = 0; i < n; i++) {
        ch->xy[2 * i] = px_x(ch, f, s[i].t - shift);
        ch->xy[2 * i + 1] = px_y(ch, f, s[i].mib);
        visible += shown(ch, s[i].t - shift);
    }
    if (visible <= f->pw / 5.0) {
        c->ops->polyline(c, ch->xy, n, &line);
        c->ops->markers(c, ch->xy, n, 4.0, col);
    } else {
        c->ops->polyline(c, ch->xy, decimate(ch->xy, n), &line);
    }
}

static void draw_trend(pk_canvas *c, const chart *ch, const frame *f, const fit *ft,
                       pk_rgb col, double width)
{
    pk_stroke s = {col, width, true};
    double xy[4];
    if (!ch->o->slope || !ft->ok)
        return;
    xy[0] = px_x(ch, f, ch->x0);
    xy[1] = px_y(ch, f, ft->intercept + ft->slope * ch->x0);
    xy[2] = px_x(ch, f, ch->x1);
    xy[3] = px_y(ch, f, ft->intercept + ft->slope * ch->x1);
    c->ops->polyline(c, xy, 2, &s);
}

static void call_tooltip(char *buf, size_t n, const chart *ch, const pk_mem_call *c)
{
    char name[MAX_LABEL + 8];
    clean(name, sizeof name, pk_profile_str(ch->traces[0].p, c->name));
    snprintf(buf, n, "%s: %.4f s, %.4f -> %.4f MiB, level %d", name, c->t1 - c->t0, c->mem0,
             c->mem1, (int)c->depth);
}

/* mprof's brackets: "[" at entry and "]" at exit, 1/60 of the width wide
 * and 1/10 of the height tall, in the function's colour. */
static void draw_brackets(pk_canvas *c, const chart *ch, const frame *f)
{
    const pk_mem_run *run = ch->traces[0].run;
    double hs = f->pw / 60.0, vs = f->ph / 20.0, xy[8];
    char tip[MAX_LABEL + 96];
    size_t i;

    for (i = 0; i < run->ncalls; i++) {
        const pk_mem_call *cl = &run->calls[i];
        pk_stroke s = {func_color(ch->group[i]), 2.0, false};
        double ends[2][3] = {{cl->t0 - ch->traces[0].start, cl->mem0, hs},
                             {cl->t1 - ch->traces[0].start, cl->mem1, -hs}};
        int e;
        call_tooltip(tip, sizeof tip, ch, cl);
        c->ops->group_begin(c, tip);
        for (e = 0; e < 2; e++) {
            double x = px_x(ch, f, ends[e][0]), y = px_y(ch, f, ends[e][1]), w = ends[e][2];
            if (!shown(ch, ends[e][0]))
                continue;
            xy[0] = x + w; xy[1] = y - vs;
            xy[2] = x;     xy[3] = y - vs;
            xy[4] = x;     xy[5] = y + vs;
            xy[6] = x + w; xy[7] = y + vs;
            c->ops->polyline(c, xy, 4, &s);
        }
        c->ops->group_end(c);
    }
}

static void draw_peak_lines(pk_canvas *c, const chart *ch, const frame *f, double t,
                            double mib)
{
    pk_stroke s = {R, 1.5, true};
    double xy[4];
    xy[0] = f->px;
    xy[2] = f->px + f->pw;
    xy[1] = xy[3] = px_y(ch, f, mib);
    c->ops->polyline(c, xy, 2, &s);
    xy[0] = xy[2] = px_x(ch, f, t);
    xy[1] = f->py;
    xy[3] = f->py + f->ph;
    c->ops->polyline(c, xy, 2, &s);
}

/* The peak's value next to its lines: above the horizontal line when there
 * is room, else below it, on a light box so the dashes do not cross it. */
static void draw_peak_label(pk_canvas *c, const chart *ch, const frame *f, double t,
                            double mib, const char *text, double nudge)
{
    double x = px_x(ch, f, t), y = px_y(ch, f, mib) - 5.0 - nudge;
    double w = c->ops->text_width(c, text, LEGEND_SIZE);
    bool right = x > f->px + f->pw * 0.65;
    double tx = right ? x - 6.0 : x + 6.0, bx = right ? tx - w - 2.0 : tx - 2.0;

    if (y - LEGEND_SIZE < f->py)
        y = px_y(ch, f, mib) + LEGEND_SIZE + 5.0 + nudge;
    c->ops->rect(c, bx, y - LEGEND_SIZE, w + 4.0, LEGEND_SIZE + 4.0, WHITE, 0.8, NULL);
    c->ops->text(c, tx, y, text, LEGEND_SIZE, right ? PK_ANCHOR_END : PK_ANCHOR_START, false, R);
}

static void draw_plot(pk_canvas *c, const chart *ch, const frame *f)
{
    char text[96];
    size_t i, k;

    c->ops->clip_begin(c, f->px, f->py, f->pw, f->ph);
    for (i = 0; i < ch->ntraces; i++) {
        const trace *tr = &ch->traces[i];
        for (k = 0; k < tr->run->nchildren; k++) {
            pk_rgb col = line_color(ch->ntraces + tr->first_child + k);
            draw_series(c, ch, f, tr->run->children[k].samples, tr->run->children[k].n,
                        tr->start, col);
            draw_trend(c, ch, f, &tr->child_trends[k], K, 0.8);
        }
        draw_series(c, ch, f, tr->curve, tr->ncurve, 0.0, line_color(i));
        draw_trend(c, ch, f, &tr->trend, ch->ntraces == 1 ? TREND : line_color(i), 1.2);
    }
    if (ch->funcs && !ch->o->flame)
        draw_brackets(c, ch, f);
    if (ch->child_peak)
        draw_peak_lines(c, ch, f, ch->cpeak_t, ch->cpeak_mib);
    if (ch->peak)
        draw_peak_lines(c, ch, f, ch->peak_t, ch->peak_mib);
    c->ops->clip_end(c);
    if (ch->peak) {
        snprintf(text, sizeof text, "peak %.3f MiB at %.3f s", ch->peak_mib, ch->peak_t);
        draw_peak_label(c, ch, f, ch->peak_t, ch->peak_mib, text, 0.0);
    }
    if (ch->child_peak) {
        /* keep clear of the main peak's label when the lines are close */
        bool close = ch->peak && fabs(px_y(ch, f, ch->peak_mib) - px_y(ch, f, ch->cpeak_mib)) <
                                     2 * LEGEND_SIZE + 8.0;
        snprintf(text, sizeof text, "child %lld peak %.3f MiB at %.3f s",
                 (long long)ch->cpeak_pid, ch->cpeak_mib, ch->cpeak_t);
        draw_peak_label(c, ch, f, ch->cpeak_t, ch->cpeak_mib, text,
                        close ? LEGEND_SIZE + 6.0 : 0.0);
    }
}

/* HSV with value 1 to RGB, as mprof's flame colours. */
static pk_rgb hs_rgb(double h, double s)
{
    double hh = h * 6.0, x = s * (1.0 - fabs(fmod(hh, 2.0) - 1.0));
    pk_rgb c = {1.0, 1.0 - s + x, 1.0 - s};
    if (hh >= 1.0) {
        c.r = 1.0 - s + x;
        c.g = 1.0;
    }
    return c;
}

static void draw_bar(pk_canvas *c, const chart *ch, const frame *f, size_t i, double y,
                     double h, pk_rgb col)
{
    const pk_mem_call *cl = &ch->traces[0].run->calls[i];
    double t0 = cl->t0 - ch->traces[0].start, t1 = cl->t1 - ch->traces[0].start;
    double x0 = px_x(ch, f, t0 < ch->x0 ? ch->x0 : t0), x1 = px_x(ch, f, t1 > ch->x1 ? ch->x1 : t1);
    pk_stroke border = {WHITE, 0.8, false};
    char tip[MAX_LABEL + 96], label[MAX_LABEL + 40];

    if (t1 < ch->x0 || t0 > ch->x1)
        return;
    if (x1 - x0 < 1.0)
        x1 = x0 + 1.0;
    call_tooltip(tip, sizeof tip, ch, cl);
    c->ops->group_begin(c, tip);
    c->ops->rect(c, x0, y, x1 - x0, h, col, 0.85, &border);
    if (h >= BAR_SIZE + 2.0) {
        snprintf(label, sizeof label, "%.*s %.3fs", MAX_LABEL, ch->labels[ch->group[i]],
                 t1 - t0);
        if (c->ops->text_width(c, label, BAR_SIZE) > x1 - x0 - 4.0)
            snprintf(label, sizeof label, "%s", ch->labels[ch->group[i]]);
        if (c->ops->text_width(c, label, BAR_SIZE) <= x1 - x0 - 4.0)
            draw_text(c, x0 + 2.0, y + h / 2 + BAR_SIZE * 0.35, label, BAR_SIZE,
                      PK_ANCHOR_START, false, K, 0);
    }
    c->ops->group_end(c);
}

/* Calls as bars, outermost at the bottom, in the band under the plot. */
static void draw_flame(pk_canvas *c, const chart *ch, const frame *f)
{
    const pk_mem_run *run = ch->traces[0].run;
    int rows = flame_rows(ch);
    double rh = f->fh / rows;
    size_t i, seen[MAX_FLAME_ROWS] = {0};
    pk_stroke frame_line = {FRAME, 1.0, false};

    c->ops->clip_begin(c, f->px, f->fy, f->pw, f->fh);
    for (i = 0; i < run->ncalls; i++) {
        int d = run->calls[i].depth;
        double sat = 1.0 - 0.75 * d / rows;
        if (d < 0 || d >= rows)
            continue;
        draw_bar(c, ch, f, i, f->fy + f->fh - (d + 1) * rh, rh,
                 hs_rgb(seen[d]++ % 2 ? 0.1 : 0.0, sat));
    }
    c->ops->clip_end(c);
    c->ops->rect(c, f->px, f->fy, f->pw, f->fh, WHITE, 0.0, &frame_line);
    c->ops->text(c, f->px - 6.0, f->fy + f->fh / 2 + 4.0, "calls", TICK_SIZE, PK_ANCHOR_END,
                 false, K);
}

static void draw_legend(pk_canvas *c, const chart *ch, const frame *f)
{
    size_t i, n = legend_count(ch, f->capacity);
    pk_stroke box = {GRID, 1.0, false};
    double text_w = f->lw - 49.0, xy[4]; /* legend_width() adds 50 */
    legend_item it;

    c->ops->rect(c, f->lx, f->py, f->lw, n * ROW_PX + 8.0, WHITE, 0.8, &box);
    for (i = 0; i < n; i++) {
        double y = f->py + 4.0 + i * ROW_PX + ROW_PX / 2;
        legend_item_at(ch, i, f->capacity, &it);
        if (it.line) {
            pk_stroke s = {it.color, it.marker ? 1.5 : 2.0, false};
            xy[0] = f->lx + 8.0;
            xy[1] = xy[3] = y;
            xy[2] = f->lx + 36.0;
            c->ops->polyline(c, xy, 2, &s);
            if (it.marker) {
                xy[0] = f->lx + 22.0;
                c->ops->markers(c, xy, 1, 4.0, it.color);
            }
        }
        draw_text(c, f->lx + 42.0, y + 4.0, it.text, LEGEND_SIZE, PK_ANCHOR_START, false, K,
                  text_w);
    }
}

static void draw(pk_canvas *c, const void *data)
{
    const chart *ch = data;
    frame f;

    layout(c, ch, &f);
    draw_axes(c, ch, &f);
    draw_plot(c, ch, &f);
    if (f.fh > 0)
        draw_flame(c, ch, &f);
    if (ch->title[0])
        draw_text(c, f.px + f.pw / 2, 30.0, ch->title, TITLE_SIZE, PK_ANCHOR_MIDDLE, false, K,
                  c->width - 20.0);
    draw_legend(c, ch, &f);
}

/* ---- entry ---- */

static int check_opts(const pk_chart_opts *o, pk_error *err)
{
    if (o->width < PK_CHART_MIN_SIZE || o->width > PK_CHART_MAX_SIZE ||
        o->height < PK_CHART_MIN_SIZE || o->height > PK_CHART_MAX_SIZE)
        return pk_error_set(err, PK_EINVAL, NULL, -1, "chart size %dx%d outside %d..%d pixels",
                            o->width, o->height, PK_CHART_MIN_SIZE, PK_CHART_MAX_SIZE);
    if (o->window && !(o->window_t0 < o->window_t1 && isfinite(o->window_t0) &&
                       isfinite(o->window_t1)))
        return pk_error_set(err, PK_EINVAL, NULL, -1, "the window needs T0 < T1");
    return PK_OK;
}

static void pick_title(chart *ch, const pk_profile *const *profiles, size_t n)
{
    size_t runs;
    if (ch->o->title) {
        clean(ch->title, sizeof ch->title, ch->o->title);
        return;
    }
    /* mprof: the command line, when one file is plotted (its last run's) */
    runs = n == 1 ? pk_memory_run_count(profiles[0]) : 0;
    if (runs && pk_memory_run(profiles[0], runs - 1)->has_cmdline)
        clean(ch->title, sizeof ch->title,
              pk_profile_str(profiles[0], pk_memory_run(profiles[0], runs - 1)->cmdline));
}

static int prepare(chart *ch, const pk_profile *const *profiles, const char *const *paths,
                   size_t n)
{
    size_t i, bytes;
    int rc = add_traces(ch, profiles, paths, n);

    for (i = 0; rc == PK_OK && i < ch->ntraces; i++) {
        rc = build_curve(&ch->traces[i]);
        if (rc == PK_OK)
            rc = prepare_trends(&ch->traces[i]);
    }
    if (rc != PK_OK)
        return rc;
    ch->funcs = ch->ntraces == 1 && ch->o->functions;
    if (ch->funcs && (rc = prepare_functions(ch)) != PK_OK)
        return rc;
    if (!pk_size_mul(&bytes, longest(ch), 2 * sizeof *ch->xy) || !(ch->xy = pk_malloc(bytes)))
        return PK_ENOMEM;
    x_range(ch);
    y_range(ch);
    pick_title(ch, profiles, n);
    return PK_OK;
}

int pk_render_memory_chart(FILE *out, const pk_profile *const *profiles,
                           const char *const *paths, size_t n, const pk_chart_opts *o,
                           pk_error *err)
{
    chart ch;
    size_t i;
    int rc = check_opts(o, err);

    if (rc != PK_OK)
        return rc;
    for (i = 0; i < n; i++) {
        if (pk_memory_run_count(profiles[i]) == 0) {
            rc = pk_error_set(err, PK_ENODATA, NULL, -1, "no memory data (not an mprof .dat file)");
            pk_error_set_path(err, paths[i]);
            return rc;
        }
    }
    memset(&ch, 0, sizeof ch);
    ch.o = o;
    rc = prepare(&ch, profiles, paths, n);
    if (rc == PK_OK && ch.ntraces == 0)
        rc = pk_error_set(err, PK_ENODATA, NULL, -1, "nothing to plot: no MEM, CHLD or FUNC line");
    if (rc == PK_OK)
        rc = o->format == PK_CHART_PNG ? pk_chart__png(out, o->width, o->height, draw, &ch, err)
                                       : pk_chart__svg(out, o->width, o->height, draw, &ch, err);
    if (rc == PK_ENOMEM)
        pk_error_set(err, rc, NULL, -1, "out of memory");
    free_chart(&ch);
    return rc;
}
