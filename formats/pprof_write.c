/*
 * The stacks part of a profile written as pprof's profile.proto, gzip'd
 * as pprof and Go's runtime/pprof write it.
 *
 * One Sample per stack (per node that ends input lines), its location ids
 * leaf first; one Function per frame name, split back into name, file
 * name and start line where the name reads "name (file:line)"; one
 * Location per Function, at the function's line. Samples are written in
 * flamegraph.pl's line order (pk_stacks__walk_sorted), functions and
 * strings numbered as they first appear, so the output depends only on
 * the stacks and a second round trip gives the same bytes.
 *
 * pprof values are integers: counts are rounded, times are written as
 * nanoseconds. Profiles without stacks (pstats) get approximate stacks
 * from their call ratios first, as prof-flame draws them, and the file
 * says so in a comment.
 */
#include "formats.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include <profkit/stacks.h>

#include "alloc.h"
#include "round.h"
#include "protobuf.h"
#include "stacks_walk.h"
#include "zalloc.h"

#define FORMAT "pprof"
#define APPROX_MIN_FRACTION 1e-5 /* what prof-flame drops from approximate stacks */

typedef struct pw_func {
    pk_str name, file;
    int64_t line;
    uint64_t name_index, file_index; /* in string_table */
} pw_func;

typedef struct pw {
    pk_profile *p;
    pk_error *err;
    pk_buf msg, sample, packed;
    uint32_t *str_index; /* by pk_str: index in string_table, 0 = not yet (or "") */
    size_t str_index_cap;
    pk_str *strings;     /* string_table, in order */
    size_t nstrings, strings_cap;
    uint32_t *func_of_frame; /* by pk_str: function id, 0 = not yet */
    size_t func_of_frame_cap;
    pw_func *funcs;     /* function id i + 1 */
    size_t nfuncs, funcs_cap;
    uint32_t *path;
    size_t path_cap;
    uint64_t *ids;
    size_t ids_cap;
    double scale;        /* count -> pprof value */
} pw;

static int oom(pw *w)
{
    return pk_error_set(w->err, PK_ENOMEM, FORMAT, -1, "out of memory writing");
}

/* The string_table index of s, added on first use ("" is always 0). */
static int str_index(uint64_t *out, pw *w, pk_str s)
{
    if (s == PK_STR_EMPTY || pk_profile_str_len(w->p, s) == 0) {
        *out = 0;
        return PK_OK;
    }
    if (!pk_grow_zeroed((void **)&w->str_index, &w->str_index_cap, s, sizeof *w->str_index))
        return PK_ENOMEM;
    if (w->str_index[s] == 0) {
        if (!pk_grow((void **)&w->strings, &w->strings_cap, w->nstrings + 1, sizeof *w->strings))
            return PK_ENOMEM;
        w->str_index[s] = (uint32_t)w->nstrings;
        w->strings[w->nstrings++] = s;
    }
    *out = w->str_index[s];
    return PK_OK;
}

static int text_index(uint64_t *out, pw *w, const char *text)
{
    pk_str s;
    int rc = pk_profile_intern(&s, w->p, text, strlen(text));
    return rc == PK_OK ? str_index(out, w, s) : rc;
}

/* ValueType {type, unit} as field `number` of the Profile. */
static int put_value_type(pw *w, uint32_t number, const char *type, const char *unit)
{
    uint64_t t, u;
    int rc = text_index(&t, w, type);

    if (rc == PK_OK)
        rc = text_index(&u, w, unit);
    if (rc != PK_OK)
        return rc;
    w->packed.len = 0;
    pk_pb__put_uint(&w->packed, 1, t);
    pk_pb__put_uint(&w->packed, 2, u);
    pk_pb__put_bytes(&w->msg, number, w->packed.data, w->packed.len);
    return w->packed.failed || w->msg.failed ? PK_ENOMEM : PK_OK;
}

/* What the counts are, as a pprof value type, and the factor from a
 * count to the integer written. */
static int put_sample_type(pw *w)
{
    const char *unit = pk_stacks_unit(w->p);
    static const struct { const char *unit; double ns; } times[] = {
        {"seconds", 1e9}, {"milliseconds", 1e6}, {"microseconds", 1e3}, {"nanoseconds", 1.0},
    };
    pk_source_format src = pk_profile_source(w->p);
    const char *type = "samples", *pprof_unit = "count";
    size_t i;
    int rc;

    w->scale = 1.0;
    for (i = 0; i < sizeof times / sizeof times[0]; i++) {
        if (strcmp(unit, times[i].unit) == 0) {
            w->scale = times[i].ns;
            /* cProfile's default timer is the wall clock. */
            type = src == PK_SOURCE_PSTATS || src == PK_SOURCE_LPROF ? "wall" : "cpu";
            pprof_unit = "nanoseconds";
        }
    }
    if (strcmp(unit, "bytes") == 0) {
        type = "space";
        pprof_unit = "bytes";
    } else if (w->scale == 1.0 && strcmp(pprof_unit, "count") == 0) {
        type = unit;
    }
    rc = put_value_type(w, 1, type, pprof_unit);
    return rc == PK_OK ? put_value_type(w, 11, type, pprof_unit) : rc;
}

/* ---- functions ---- */

static int new_func(uint32_t *out, pw *w, pk_str frame)
{
    const char *name = pk_profile_str(w->p, frame);
    size_t len = pk_profile_str_len(w->p, frame), flen, fstart, filelen;
    pw_func f = {frame, PK_STR_EMPTY, 0, 0, 0};
    int rc = PK_OK;

    if (pk_stacks_parse_frame(name, len, &flen, &fstart, &filelen, &f.line)) {
        rc = pk_profile_intern(&f.name, w->p, name, flen);
        if (rc == PK_OK)
            rc = pk_profile_intern(&f.file, w->p, name + fstart, filelen);
    }
    /* Strings numbered in order of appearance: name, then file. */
    if (rc == PK_OK)
        rc = str_index(&f.name_index, w, f.name);
    if (rc == PK_OK)
        rc = str_index(&f.file_index, w, f.file);
    if (rc != PK_OK)
        return rc;
    if (w->nfuncs >= UINT32_MAX - 1 ||
        !pk_grow((void **)&w->funcs, &w->funcs_cap, w->nfuncs + 1, sizeof *w->funcs))
        return PK_ENOMEM;
    w->funcs[w->nfuncs++] = f;
    *out = (uint32_t)w->nfuncs;
    return PK_OK;
}

/* The function (and location) id of a frame name, made on first use. */
static int func_id(uint64_t *out, pw *w, pk_str frame)
{
    int rc;

    if (!pk_grow_zeroed((void **)&w->func_of_frame, &w->func_of_frame_cap, frame,
                     sizeof *w->func_of_frame))
        return PK_ENOMEM;
    if (w->func_of_frame[frame] == 0) {
        rc = new_func(&w->func_of_frame[frame], w, frame);
        if (rc != PK_OK)
            return rc;
    }
    *out = w->func_of_frame[frame];
    return PK_OK;
}

/* ---- samples ---- */

static void put_packed(pw *w, pk_buf *into, uint32_t number, const uint64_t *v, size_t n)
{
    size_t i;

    if (n == 0)
        return;
    w->packed.len = 0;
    for (i = 0; i < n; i++)
        pk_pb__put_varint(&w->packed, v[i]);
    pk_pb__put_bytes(into, number, w->packed.data, w->packed.len);
    if (w->packed.failed)
        into->failed = true;
}

static int write_sample(void *ctx, uint32_t leaf)
{
    pw *w = ctx;
    uint32_t node = pk_stacks_leaf(w->p, leaf)->node;
    uint64_t value = (uint64_t)pk_round_i64(pk_stacks_self(w->p, node) * w->scale);
    size_t n, i;
    int rc = pk_stacks__path(&w->path, &w->path_cap, &n, w->p, node);

    if (rc == PK_OK && !pk_grow((void **)&w->ids, &w->ids_cap, n + 1, sizeof *w->ids))
        rc = PK_ENOMEM;
    for (i = 0; rc == PK_OK && i < n; i++) /* leaf first */
        rc = func_id(&w->ids[i], w, pk_stacks_name(w->p, w->path[n - 1 - i]));
    if (rc != PK_OK)
        return oom(w);
    w->sample.len = 0;
    put_packed(w, &w->sample, 1, w->ids, n);
    put_packed(w, &w->sample, 2, &value, 1);
    pk_pb__put_bytes(&w->msg, 2, w->sample.data, w->sample.len);
    return w->sample.failed || w->msg.failed ? oom(w) : PK_OK;
}

/* ---- tables ---- */

static void put_tables(pw *w)
{
    size_t i;

    /* Location i: Line {function_id = i, line = the function's line}. */
    for (i = 0; i < w->nfuncs; i++) {
        const pw_func *f = &w->funcs[i];
        w->packed.len = 0;
        pk_pb__put_uint(&w->packed, 1, i + 1);
        pk_pb__put_int(&w->packed, 2, f->line);
        w->sample.len = 0;
        pk_pb__put_uint(&w->sample, 1, i + 1);
        pk_pb__put_bytes(&w->sample, 4, w->packed.data, w->packed.len);
        pk_pb__put_bytes(&w->msg, 4, w->sample.data, w->sample.len);
    }
    for (i = 0; i < w->nfuncs; i++) {
        const pw_func *f = &w->funcs[i];
        w->sample.len = 0;
        pk_pb__put_uint(&w->sample, 1, i + 1);
        pk_pb__put_uint(&w->sample, 2, f->name_index);
        pk_pb__put_uint(&w->sample, 3, f->name_index); /* system_name, as Go writes it */
        pk_pb__put_uint(&w->sample, 4, f->file_index);
        pk_pb__put_int(&w->sample, 5, f->line);
        pk_pb__put_bytes(&w->msg, 5, w->sample.data, w->sample.len);
    }
}

static void put_strings(pw *w)
{
    size_t i;

    for (i = 0; i < w->nstrings; i++) {
        pk_str s = w->strings[i];
        pk_pb__put_bytes(&w->msg, 6, i ? pk_profile_str(w->p, s) : "",
                         i ? pk_profile_str_len(w->p, s) : 0);
    }
}

/* ---- gzip ---- */

/* Appends in to out as one gzip member (mtime 0: the same bytes each run). */
static int gzip_into(pk_buf *out, const pk_buf *in, pk_error *err)
{
    z_stream z;
    int zrc;

    memset(&z, 0, sizeof z);
    pk_zlib_use_pk_alloc(&z);
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return pk_error_set(err, PK_ENOMEM, FORMAT, -1, "out of memory compressing");
    z.next_in = in->data;
    z.avail_in = 0;
    do {
        size_t used = (size_t)(z.next_in - in->data), room;
        if (!pk_buf_reserve(out, 1 << 16)) {
            deflateEnd(&z);
            return pk_error_set(err, PK_ENOMEM, FORMAT, -1, "out of memory compressing");
        }
        if (z.avail_in == 0)
            z.avail_in = (uInt)(in->len - used > UINT32_MAX ? UINT32_MAX : in->len - used);
        room = out->cap - out->len;
        z.next_out = out->data + out->len;
        z.avail_out = (uInt)(room > UINT32_MAX ? UINT32_MAX : room);
        zrc = deflate(&z, (size_t)(z.next_in - in->data) + z.avail_in == in->len ? Z_FINISH
                                                                                 : Z_NO_FLUSH);
        out->len = (size_t)(z.next_out - out->data);
    } while (zrc == Z_OK || zrc == Z_BUF_ERROR);
    deflateEnd(&z);
    if (zrc != Z_STREAM_END)
        return pk_error_set(err, PK_ENOMEM, FORMAT, -1, "compressing failed (zlib %d)", zrc);
    return PK_OK;
}

/* ---- the profile ---- */

static void pw_dispose(pw *w)
{
    pk_buf_dispose(&w->msg);
    pk_buf_dispose(&w->sample);
    pk_buf_dispose(&w->packed);
    pk_free(w->str_index);
    pk_free(w->strings);
    pk_free(w->func_of_frame);
    pk_free(w->funcs);
    pk_free(w->path);
    pk_free(w->ids);
}

static int put_comment(pw *w)
{
    uint64_t idx;
    int rc;

    if (!(pk_stacks_flags(w->p) & PK_STACKS_APPROXIMATE))
        return PK_OK;
    rc = text_index(&idx, w, "profkit: stacks approximated from call ratios (pstats has no stacks)");
    if (rc == PK_OK)
        pk_pb__put_uint(&w->msg, 13, idx);
    return rc;
}

static int build(pw *w)
{
    int rc;

    /* string_table[0] is "". */
    if (!pk_grow((void **)&w->strings, &w->strings_cap, 1, sizeof *w->strings))
        return oom(w);
    w->strings[w->nstrings++] = PK_STR_EMPTY;
    rc = put_sample_type(w);
    if (rc == PK_OK)
        rc = pk_stacks__walk_sorted(w->p, true, write_sample, w);
    if (rc == PK_OK)
        rc = put_comment(w);
    if (rc != PK_OK)
        return rc == PK_ENOMEM ? oom(w) : rc;
    put_tables(w);
    put_strings(w);
    return w->msg.failed || w->sample.failed || w->packed.failed ? oom(w) : PK_OK;
}

int pk_pprof__write(pk_buf *out, pk_profile *p, pk_error *err)
{
    pw w;
    int rc = PK_OK;

    if (!pk_stacks_present(p)) {
        if (pk_profile_func_count(p) == 0)
            return pk_error_set(err, PK_ENODATA, FORMAT, -1,
                                "the profile has neither stacks nor functions to write as pprof");
        rc = pk_stacks_from_calls(p, APPROX_MIN_FRACTION, err);
        if (rc != PK_OK)
            return rc;
    }
    memset(&w, 0, sizeof w);
    w.p = p;
    w.err = err;
    rc = build(&w);
    if (rc == PK_OK)
        rc = gzip_into(out, &w.msg, err);
    pw_dispose(&w);
    return rc;
}
