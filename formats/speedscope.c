/*
 * speedscope's JSON file format (FORMATS.md section 5e), written only: one
 * "sampled" profile made from the profile's stacks.
 *
 * Every stack node with a weight of its own becomes one sample: the list
 * of frame indices from the root down (speedscope's samples are
 * root-first), with the node's summed count as its weight. Frames are
 * shared: one entry per distinct frame name, in the order first met. A
 * name in py-spy's form "func (file:line)" (what the collector's sampler
 * and the pstats approximation write) becomes {name, file, line}; any
 * other name is kept whole as the frame's name.
 *
 * A profile without stacks (pstats, or line tables) gets approximate ones
 * from its call ratios first, as prof-flame draws pstats input
 * (pk_stacks_from_calls); the profile's name then says so, because
 * speedscope shows it in its title bar.
 */
#include "formats.h"

#include <errno.h>
#include <string.h>

#include <profkit/stacks.h>

#include "alloc.h"
#include "json.h"
#include "stacks_walk.h"

#define FORMAT "speedscope"
#define SCHEMA "https://www.speedscope.app/file-format-schema.json"
#define FLUSH_BYTES ((size_t)64 * 1024)
/* Parts of the approximation below this share of the total are dropped,
 * the same cut prof-flame uses: it bounds the tree a large pstats makes. */
#define APPROX_MIN_FRACTION 1e-5
#define NO_FRAME UINT32_MAX

typedef struct writer {
    pk_profile *p;
    FILE *f;
    pk_buf out;
    uint32_t *frame_of; /* by name id: frame index, or NO_FRAME */
    size_t frame_of_cap;
    uint32_t *order;    /* frame index -> name id */
    size_t nframes, order_cap;
    uint32_t *path;
    size_t path_cap;
    pk_error *err;
} writer;

static int oom(writer *w)
{
    return pk_error_set(w->err, PK_ENOMEM, FORMAT, -1, "out of memory writing");
}

static int flush_out(writer *w, size_t at_least)
{
    if (w->out.failed)
        return oom(w);
    if (w->out.len < at_least)
        return PK_OK;
    if (w->out.len && fwrite(w->out.data, 1, w->out.len, w->f) != w->out.len)
        return pk_error_set(w->err, PK_EIO, FORMAT, -1, "write failed: %s", strerror(errno));
    w->out.len = 0;
    return PK_OK;
}

static void put(writer *w, const char *s)
{
    pk_buf_append(&w->out, s, strlen(s));
}

static void put_number(writer *w, double v)
{
    char text[PK_STACKS__COUNT_MAX];
    /* Plain decimals, never an exponent: valid JSON, and exact. */
    pk_buf_append(&w->out, text, pk_stacks__format_count(text, sizeof text, v));
}

/* speedscope's unit for what the stack counts are. */
static const char *unit_of(const pk_profile *p)
{
    static const char *const same[] = {"nanoseconds", "microseconds", "milliseconds",
                                       "seconds", "bytes"};
    const char *unit = pk_stacks_unit(p);
    size_t i;

    for (i = 0; i < sizeof same / sizeof same[0]; i++) {
        if (strcmp(unit, same[i]) == 0)
            return same[i];
    }
    return "none"; /* samples, or counts of anything else */
}

/* The frame index of a stack node's name, given one on first sight. */
static int frame_index(uint32_t *out, writer *w, uint32_t node)
{
    pk_str name = pk_stacks_name(w->p, node);
    size_t old = w->frame_of_cap, i;

    if (name >= old) {
        if (!pk_grow((void **)&w->frame_of, &w->frame_of_cap, (size_t)name + 1,
                     sizeof *w->frame_of))
            return oom(w);
        for (i = old; i < w->frame_of_cap; i++)
            w->frame_of[i] = NO_FRAME;
    }
    if (w->frame_of[name] == NO_FRAME) {
        if (!pk_grow((void **)&w->order, &w->order_cap, w->nframes + 1, sizeof *w->order))
            return oom(w);
        w->order[w->nframes] = name;
        w->frame_of[name] = (uint32_t)w->nframes++;
    }
    *out = w->frame_of[name];
    return PK_OK;
}

/* Numbers every frame name under the root, in node order. */
static int number_frames(writer *w)
{
    size_t n = pk_stacks_node_count(w->p), i;
    uint32_t ignored;
    int rc = PK_OK;

    for (i = 1; rc == PK_OK && i < n; i++)
        rc = frame_index(&ignored, w, (uint32_t)i);
    return rc;
}

/* {"name": ..., "file": ..., "line": ...} for one frame name. */
static void put_frame(writer *w, pk_str name_id)
{
    const char *name = pk_profile_str(w->p, name_id);
    size_t len = pk_profile_str_len(w->p, name_id), flen, fstart, filelen;
    int64_t line;

    put(w, "{\"name\":");
    if (pk_stacks_parse_frame(name, len, &flen, &fstart, &filelen, &line)) {
        char num[32];
        pk_json__buf_str(&w->out, name, flen);
        put(w, ",\"file\":");
        pk_json__buf_str(&w->out, name + fstart, filelen);
        snprintf(num, sizeof num, ",\"line\":%lld", (long long)line);
        put(w, num);
    } else {
        pk_json__buf_str(&w->out, name, len);
    }
    put(w, "}");
}

static int put_frames(writer *w)
{
    size_t i;
    int rc = PK_OK;

    put(w, "\"shared\":{\"frames\":[");
    for (i = 0; rc == PK_OK && i < w->nframes; i++) {
        put(w, i ? ",\n" : "\n");
        put_frame(w, w->order[i]);
        rc = flush_out(w, FLUSH_BYTES);
    }
    put(w, "]},\n");
    return rc;
}

/* One sample: the frames from the root's child down to node. */
static int put_sample(writer *w, uint32_t node, bool first)
{
    size_t n, i;
    char num[16];

    if (pk_stacks__path(&w->path, &w->path_cap, &n, w->p, node) != PK_OK)
        return oom(w);
    put(w, first ? "\n[" : ",\n[");
    for (i = 0; i < n; i++) {
        snprintf(num, sizeof num, i ? ",%u" : "%u", (unsigned)w->frame_of[pk_stacks_name(w->p, w->path[i])]);
        put(w, num);
    }
    put(w, "]");
    return flush_out(w, FLUSH_BYTES);
}

/* "samples" (with_stacks) or "weights": one entry per node with weight. */
static int put_samples(writer *w, bool with_stacks)
{
    size_t n = pk_stacks_node_count(w->p), i;
    bool first = true;
    int rc = PK_OK;

    put(w, with_stacks ? "\"samples\":[" : "\"weights\":[");
    for (i = 0; rc == PK_OK && i < n; i++) {
        double self = pk_stacks_self(w->p, (uint32_t)i);
        if (self == 0)
            continue; /* speedscope ignores weight 0; inner nodes have none */
        if (with_stacks) {
            rc = put_sample(w, (uint32_t)i, first);
        } else {
            put(w, first ? "\n" : ",\n");
            put_number(w, self);
            rc = flush_out(w, FLUSH_BYTES);
        }
        first = false;
    }
    put(w, "]");
    return rc;
}

static double total_weight(const pk_profile *p)
{
    size_t n = pk_stacks_node_count(p), i;
    double total = 0;

    for (i = 0; i < n; i++)
        total += pk_stacks_self(p, (uint32_t)i);
    return total;
}

static int put_profile(writer *w)
{
    bool approx = (pk_stacks_flags(w->p) & PK_STACKS_APPROXIMATE) != 0;
    const char *name = approx ? "approximate stacks from call ratios (not sampled)"
                              : "sampled stacks";
    int rc;

    put(w, "\"name\":\"");
    put(w, name);
    put(w, "\",\"activeProfileIndex\":0,\"exporter\":\"profkit\",\n\"profiles\":[{\"type\":\"sampled\",\"name\":\"");
    put(w, name);
    put(w, "\",\"unit\":\"");
    put(w, unit_of(w->p));
    put(w, "\",\"startValue\":0,\"endValue\":");
    put_number(w, total_weight(w->p));
    put(w, ",\n");
    rc = put_samples(w, true);
    put(w, ",\n");
    if (rc == PK_OK)
        rc = put_samples(w, false);
    put(w, "}]}\n");
    return rc;
}

/* The stacks to write: the profile's own, or approximate ones. */
static int ensure_stacks(pk_profile *p, pk_error *err)
{
    if (pk_stacks_present(p)) {
        if (pk_stacks_flags(p) & PK_STACKS_DIFFERENTIAL)
            return pk_error_set(err, PK_ENODATA, FORMAT, -1,
                                "differential stacks (two counts per line) have no speedscope form");
        return PK_OK;
    }
    if (pk_profile_func_count(p) == 0)
        return pk_error_set(err, PK_ENODATA, FORMAT, -1,
                            "the profile has neither stacks nor function times to write as speedscope");
    return pk_stacks_from_calls(p, APPROX_MIN_FRACTION, err);
}

int pk_speedscope__write(FILE *f, pk_profile *p, pk_error *err)
{
    writer w;
    int rc = ensure_stacks(p, err);

    if (rc != PK_OK)
        return rc;
    memset(&w, 0, sizeof w);
    w.p = p;
    w.f = f;
    w.err = err;
    rc = number_frames(&w);
    if (rc == PK_OK) {
        put(&w, "{\"$schema\":\"" SCHEMA "\",\n");
        rc = put_frames(&w);
    }
    if (rc == PK_OK)
        rc = put_profile(&w);
    if (rc == PK_OK)
        rc = flush_out(&w, 0);
    pk_buf_dispose(&w.out);
    pk_free(w.frame_of);
    pk_free(w.order);
    pk_free(w.path);
    return rc;
}
