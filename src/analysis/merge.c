/*
 * Merging profiles (pstats' Stats.add) and stripping directories
 * (strip_dirs). Both rebuild a new profile in two passes: first every
 * stats entry, in order, then every caller edge. Entries therefore come
 * first and keep pstats' dict order even when a key was seen as a caller
 * before it was seen as an entry.
 */
#include <profkit/analysis.h>
#include <profkit/stacks.h>

#include <string.h>

#include "alloc.h"

bool pk_func_is_entry(const pk_func *f)
{
    return (f->flags & PK_FUNC_NO_ENTRY) == 0;
}

/* strip_dirs only: which source function last wrote a new edge, and the
 * edge's value before that function's callers were added. */
typedef struct edge_note {
    uint64_t stamp;
    pk_stats base;
} edge_note;

#define NOT_MAPPED UINT32_MAX

typedef struct rebuild {
    pk_profile *dst;
    bool strip;
    edge_note *notes;
    size_t nnotes, cap;
    /* Per input, the dst function of each src function once mapped:
     * both passes look functions up many times (once per edge), and
     * hashing their names again each time was a third of a merge. */
    uint32_t *maps;
    size_t *map_start; /* by input */
    uint32_t *map;     /* the current input's part of maps */
    /* The current input's strings in dst, by src string id, as file names
     * (basenames under strip_dirs) and as function names: functions share
     * file names, so each is hashed into dst once per input, not once per
     * function. */
    pk_str *file_map, *name_map;
} rebuild;

/* os.path.basename(): what follows the last '/'. */
static const char *basename_of(const char *s, size_t len, size_t *len_out)
{
    size_t i = len;
    while (i > 0 && s[i - 1] != '/')
        i--;
    *len_out = len - i;
    return s + i;
}

/* Src string id in dst (as a file name: stripped under strip_dirs),
 * through the current input's string map. */
static int map_str(pk_str *out, rebuild *rb, const pk_profile *src, pk_str id,
                   bool is_file)
{
    pk_str *slot = (is_file ? rb->file_map : rb->name_map) + id;
    const char *s = pk_profile_str(src, id);
    size_t len = pk_profile_str_len(src, id);
    int rc;

    if (*slot != NOT_MAPPED) {
        *out = *slot;
        return PK_OK;
    }
    if (is_file && rb->strip)
        s = basename_of(s, len, &len);
    rc = pk_profile_intern(out, rb->dst, s, len);
    if (rc == PK_OK)
        *slot = *out;
    return rc;
}

/* The function in dst with src function f's key (directories stripped if
 * asked), added if absent. */
static int map_func(uint32_t *out, bool *added, rebuild *rb,
                    const pk_profile *src, uint32_t f)
{
    const pk_func *sf = pk_profile_func_c(src, f);
    pk_str dfile, dname;
    int rc;

    rc = map_str(&dfile, rb, src, sf->file, true);
    if (rc == PK_OK)
        rc = map_str(&dname, rb, src, sf->name, false);
    if (rc == PK_OK)
        rc = pk_profile_func_get(out, added, rb->dst, dfile, sf->line, dname);
    if (rc == PK_OK)
        pk_profile_func(rb->dst, *out)->flags |= sf->flags & PK_FUNC_CODE_KEY;
    return rc;
}

/* map_func() through the current input's map. */
static int mapped_func(uint32_t *out, bool *added, rebuild *rb, const pk_profile *src,
                       uint32_t f)
{
    int rc;

    if (rb->map[f] != NOT_MAPPED) {
        *out = rb->map[f];
        if (added)
            *added = false; /* it was new, and flagged, when first mapped */
        return PK_OK;
    }
    rc = map_func(out, added, rb, src, f);
    if (rc == PK_OK)
        rb->map[f] = *out;
    return rc;
}

static int add_entries(rebuild *rb, pk_profile *src)
{
    size_t i, n = pk_profile_func_count(src);

    for (i = 0; i < n; i++) {
        const pk_func *sf = pk_profile_func_c(src, (uint32_t)i);
        uint32_t f;
        int rc;
        if (!pk_func_is_entry(sf))
            continue;
        rc = mapped_func(&f, NULL, rb, src, (uint32_t)i);
        if (rc != PK_OK)
            return rc;
        pk_stats_add(&pk_profile_func(rb->dst, f)->stats, &sf->stats);
    }
    return PK_OK;
}

/* The note for new edge e, grown with zeroed notes as edges appear. */
static edge_note *note_for(rebuild *rb, uint32_t e)
{
    if (e >= rb->nnotes) {
        if (!pk_grow((void **)&rb->notes, &rb->cap, (size_t)e + 1, sizeof *rb->notes))
            return NULL;
        memset(rb->notes + rb->nnotes, 0, ((size_t)e + 1 - rb->nnotes) * sizeof *rb->notes);
        rb->nnotes = (size_t)e + 1;
    }
    return &rb->notes[e];
}

/* Adds one source edge to the new edge e. Under strip_dirs, a second
 * caller of the same source function that maps to the same key replaces
 * the first (pstats builds that caller dict by assignment, then adds). */
static int add_edge_value(rebuild *rb, uint32_t e, const pk_edge *se, uint64_t stamp)
{
    pk_edge *de = pk_profile_edge(rb->dst, e);

    if (rb->strip) {
        edge_note *note = note_for(rb, e);
        if (!note)
            return PK_ENOMEM;
        if (note->stamp == stamp)
            de->stats = note->base;
        note->stamp = stamp;
        note->base = de->stats;
    }
    pk_stats_add(&de->stats, &se->stats);
    de->flags |= se->flags & PK_EDGE_COUNT_ONLY;
    return PK_OK;
}

static int add_callers_of(rebuild *rb, pk_profile *src, uint32_t f, uint64_t stamp)
{
    const uint32_t *edges;
    size_t n, i;
    uint32_t df;
    int rc = pk_profile_callers(&edges, &n, src, f);

    if (rc == PK_OK && n)
        rc = mapped_func(&df, NULL, rb, src, f);
    for (i = 0; rc == PK_OK && i < n; i++) {
        const pk_edge *se = pk_profile_edge_c(src, edges[i]);
        uint32_t caller, e;
        bool added;
        rc = mapped_func(&caller, &added, rb, src, se->caller);
        if (rc == PK_OK && added)
            pk_profile_func(rb->dst, caller)->flags |= PK_FUNC_NO_ENTRY;
        if (rc == PK_OK)
            rc = pk_profile_edge_get(&e, NULL, rb->dst, caller, df);
        if (rc == PK_OK)
            rc = add_edge_value(rb, e, se, stamp);
    }
    return rc;
}

static int add_edges(rebuild *rb, pk_profile *src, uint64_t input)
{
    size_t i, n = pk_profile_func_count(src);

    for (i = 0; i < n; i++) {
        int rc;
        if (!pk_func_is_entry(pk_profile_func_c(src, (uint32_t)i)))
            continue;
        rc = add_callers_of(rb, src, (uint32_t)i, (input << 32) + i + 1);
        if (rc != PK_OK)
            return rc;
    }
    return PK_OK;
}

/* The cost unit of the first input (callgrind's event), and the command
 * line when there is one input (strip_dirs): a merge of several runs has
 * no single command. */
static int copy_meta(pk_profile *dst, pk_profile *const *inputs, size_t n)
{
    const char *unit = n ? pk_profile_cost_name(inputs[0]) : NULL;
    const char *cmd = n == 1 ? pk_profile_command(inputs[0]) : NULL;
    int rc = PK_OK;

    if (unit)
        rc = pk_profile_set_cost_unit(dst, unit, strlen(unit),
                                      pk_profile_cost_per_second(inputs[0]));
    if (rc == PK_OK && cmd)
        rc = pk_profile_set_command(dst, cmd, strlen(cmd));
    return rc;
}

/* Two string maps (files, names) big enough for any input's strings. */
static int new_str_maps(rebuild *rb, pk_profile *const *inputs, size_t n)
{
    size_t most = 1, i;

    for (i = 0; i < n; i++) {
        if (pk_profile_str_count(inputs[i]) > most)
            most = pk_profile_str_count(inputs[i]);
    }
    rb->file_map = pk_malloc(most * sizeof *rb->file_map);
    rb->name_map = pk_malloc(most * sizeof *rb->name_map);
    return rb->file_map && rb->name_map ? PK_OK : PK_ENOMEM;
}

/* Starts input i: its function map, and string maps all NOT_MAPPED. */
static void start_input(rebuild *rb, pk_profile *const *inputs, size_t i)
{
    size_t nstrs = pk_profile_str_count(inputs[i]);

    rb->map = rb->maps + rb->map_start[i];
    memset(rb->file_map, 0xff, nstrs * sizeof *rb->file_map);
    memset(rb->name_map, 0xff, nstrs * sizeof *rb->name_map);
}

/* One NOT_MAPPED slot per function of every input. */
static int new_maps(rebuild *rb, pk_profile *const *inputs, size_t n)
{
    size_t total = 0, i, bytes;

    rb->map_start = pk_calloc(n ? n : 1, sizeof *rb->map_start);
    if (!rb->map_start)
        return PK_ENOMEM;
    for (i = 0; i < n; i++) {
        rb->map_start[i] = total;
        total += pk_profile_func_count(inputs[i]);
    }
    if (!pk_size_mul(&bytes, total ? total : 1, sizeof *rb->maps) ||
        !(rb->maps = pk_malloc(bytes)))
        return PK_ENOMEM;
    memset(rb->maps, 0xff, bytes); /* every slot NOT_MAPPED */
    return PK_OK;
}

static int rebuild_from(pk_profile **out, pk_profile *const *inputs, size_t n,
                        bool strip, pk_error *err)
{
    rebuild rb;
    double total = 0;
    size_t i;
    int rc;

    *out = NULL;
    memset(&rb, 0, sizeof rb);
    rb.strip = strip;
    rc = new_maps(&rb, inputs, n);
    if (rc == PK_OK)
        rc = new_str_maps(&rb, inputs, n);
    if (rc == PK_OK)
        rc = pk_profile_new(&rb.dst);
    for (i = 0; rc == PK_OK && i < n; i++) {
        start_input(&rb, inputs, i);
        rc = add_entries(&rb, inputs[i]);
        total += pk_profile_total_time(inputs[i]);
    }
    for (i = 0; rc == PK_OK && i < n; i++) {
        start_input(&rb, inputs, i);
        rc = add_edges(&rb, inputs[i], i);
    }
    pk_free(rb.file_map);
    pk_free(rb.name_map);
    pk_free(rb.notes);
    pk_free(rb.maps);
    pk_free(rb.map_start);
    if (rc != PK_OK) {
        pk_profile_free(rb.dst);
        return pk_error_set(err, rc, NULL, -1, "%s while %s profiles", pk_status_str(rc),
                            strip ? "stripping" : "merging");
    }
    if (n)
        pk_profile_set_source(rb.dst, pk_profile_source(inputs[0]));
    pk_profile_set_total_time(rb.dst, total);
    rc = copy_meta(rb.dst, inputs, n);
    if (rc != PK_OK) {
        pk_profile_free(rb.dst);
        return pk_error_set(err, rc, NULL, -1, "out of memory while merging profiles");
    }
    *out = rb.dst;
    return PK_OK;
}

int pk_profile_merge(pk_profile **out, pk_profile *const *inputs, size_t n,
                     pk_error *err)
{
    int rc = rebuild_from(out, inputs, n, false, err);
    bool stacks = n > 0;
    size_t i;

    /* Sampled stacks (folded inputs) are concatenated as well, so that a
     * merge of folded files can be written as folded again. */
    for (i = 0; i < n; i++)
        stacks = stacks && pk_stacks_present(inputs[i]);
    for (i = 0; rc == PK_OK && stacks && i < n; i++)
        rc = pk_stacks_merge_into(*out, inputs[i], err);
    if (rc != PK_OK && *out) {
        pk_profile_free(*out);
        *out = NULL;
    }
    return rc;
}

int pk_profile_strip_dirs(pk_profile **out, pk_profile *src, pk_error *err)
{
    return rebuild_from(out, &src, 1, true, err);
}
