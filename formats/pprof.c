/*
 * pprof's profile.proto (FORMATS.md 5d) read into the stacks model.
 *
 * Every Sample becomes one stack: its location ids are leaf first, and a
 * Location with several Lines is a chain of inlined calls whose first
 * line is the innermost callee, so the frames in file order are leaf
 * first and are reversed into a root-first stack. A frame is a Function
 * named "name (filename:start_line)" (the bare name when there is no
 * file name), which the stacks model turns into the cProfile key
 * (filename, start_line, name) exactly as for folded input; functions
 * and call edges are then derived from the stacks (derive.c).
 *
 * One value per sample is kept, the one pprof shows by default: the
 * sample type named by default_sample_type, else the last one. Time
 * units become microseconds in the stacks (whole numbers for flame
 * graphs) and seconds in the functions, other units stay counts.
 *
 * The message is read in three passes over its top-level fields, because
 * field order is free (string_table may come last): the string table
 * first, then the value types, mappings, functions and locations, then
 * the samples. What pprof's CheckValid refuses is refused with its
 * reason: string_table[0] not "", an index outside the string table, an
 * id of 0, two functions, locations or mappings with one id, a location
 * id or function id that does not exist, a sample whose value count is
 * not the sample type count, a second time_nanos (concatenated profiles).
 */
#include "formats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <profkit/stacks.h>

#include "alloc.h"
#include "protobuf.h"

#define FORMAT "pprof"

/* Profile fields (profile.proto). */
enum {
    F_SAMPLE_TYPE = 1, F_SAMPLE = 2, F_MAPPING = 3, F_LOCATION = 4, F_FUNCTION = 5,
    F_STRING_TABLE = 6, F_DROP_FRAMES = 7, F_KEEP_FRAMES = 8, F_TIME_NANOS = 9,
    F_DURATION_NANOS = 10, F_PERIOD_TYPE = 11, F_PERIOD = 12, F_COMMENT = 13,
    F_DEFAULT_SAMPLE_TYPE = 14, F_DOC_URL = 15
};

typedef struct pp_str {
    size_t start, len;
} pp_str;

typedef struct pp_type {
    int64_t type, unit; /* string indices */
} pp_type;

typedef struct pp_func {
    uint64_t id;
    size_t at;
    int64_t name, filename, start_line;
    pk_str frame; /* made on first use; PK_STR_EMPTY until then */
    bool has_frame;
} pp_func;

typedef struct pp_line {
    uint64_t function_id;
    size_t at;
    uint32_t func; /* index into funcs, once resolved */
} pp_line;

typedef struct pp_loc {
    uint64_t id;
    size_t at;
    uint64_t address;
    size_t first_line, nlines;
    pk_str frame; /* for a location without lines: its address */
} pp_loc;

typedef struct pp_id {
    uint64_t id;
    size_t at;
} pp_id;

typedef struct pp_reader {
    pk_rd rd; /* the Profile message: the whole buffer */
    pk_profile *p;
    pk_error *err;
    pp_str *strings;
    size_t nstrings;
    pp_type *types;
    size_t ntypes, types_cap;
    pp_func *funcs;
    size_t nfuncs, funcs_cap;
    pp_loc *locs;
    size_t nlocs, locs_cap;
    pp_line *lines;
    size_t nlines, lines_cap;
    pp_id *mappings;
    size_t nmappings, mappings_cap;
    int64_t default_type;
    uint64_t time_nanos;
    /* One sample at a time. */
    uint64_t *loc_ids;
    size_t nloc_ids, loc_ids_cap;
    uint64_t *values;
    size_t nvalues, values_cap;
    pk_str *frames;
    size_t nframes, frames_cap;
    /* Per stack node: the raw values summed (whole numbers, exact below
     * 2^53) and how many samples; divided once at the end, so a written
     * file reads back to the same doubles. */
    double *node_sum;
    uint32_t *node_samples;
    size_t node_sum_cap, node_samples_cap;
    pk_buf scratch;
    size_t value_index;
    double per_second; /* time units: values per second (1e9 for ns); else 0 */
} pp_reader;

static bool oom(pp_reader *r, size_t at)
{
    return pk_rd_fail(&r->rd, PK_ENOMEM, at, "out of memory");
}

/* ---- strings ---- */

static bool check_str(pk_rd *rd, const pp_reader *r, int64_t idx, size_t at, const char *what)
{
    if (idx < 0 || (uint64_t)idx >= r->nstrings)
        return pk_rd_fail(rd, PK_EFORMAT, at, "%s string index %lld out of range (%zu strings)",
                          what, (long long)idx, r->nstrings);
    return true;
}

static const char *str_data(const pp_reader *r, int64_t idx, size_t *len)
{
    *len = r->strings[idx].len;
    return (const char *)r->rd.buf + r->strings[idx].start;
}

static bool str_is(const pp_reader *r, int64_t idx, const char *s)
{
    size_t len;
    const char *d = str_data(r, idx, &len);
    return len == strlen(s) && memcmp(d, s, len) == 0;
}

/* pprof compares the type names, not their indices. */
static bool str_eq(const pp_reader *r, int64_t a, int64_t b)
{
    size_t la, lb;
    const char *da = str_data(r, a, &la), *db = str_data(r, b, &lb);
    return la == lb && memcmp(da, db, la) == 0;
}

/* Pass 1: the string table. Counted first, so it is allocated once and
 * never larger than the input allows (each entry takes 2 bytes or more). */
static bool read_strings(pp_reader *r)
{
    pk_rd rd = r->rd;
    pk_pb_field f;
    size_t n = 0, bytes;
    size_t first_at = 0;

    while (pk_pb__next(&rd, &f)) {
        if (f.number != F_STRING_TABLE)
            continue;
        if (f.wire != PK_PB_LEN)
            return pk_rd_fail(&r->rd, PK_EFORMAT, f.at, "string_table entry has wire type %u",
                              f.wire);
        if (n++ == 0)
            first_at = f.at;
    }
    if (rd.failed) {
        r->rd.failed = true;
        return false;
    }
    if (n == 0)
        return pk_rd_fail(&r->rd, PK_EFORMAT, 0, "no string table (string_table[0] must be \"\")");
    if (!pk_size_mul(&bytes, n, sizeof *r->strings) || !(r->strings = pk_malloc(bytes)))
        return oom(r, 0);
    rd = r->rd;
    while (pk_pb__next(&rd, &f)) {
        if (f.number == F_STRING_TABLE)
            r->strings[r->nstrings++] = (pp_str){f.start, f.len};
    }
    if (r->strings[0].len != 0)
        return pk_rd_fail(&r->rd, PK_EFORMAT, first_at, "string_table[0] must be \"\"");
    return true;
}

/* ---- pass 2: value types, mappings, functions, locations ---- */

/* A string-index or int64 field of a small message. */
static bool int_field(pk_rd *sub, const pk_pb_field *f, const char *what, int64_t *out)
{
    uint64_t v;
    if (!pk_pb__want_varint(sub, f, what, &v))
        return false;
    *out = pk_pb__i64(v);
    return true;
}

static bool want_message(pk_rd *rd, const pk_pb_field *f, const char *what)
{
    if (f->wire == PK_PB_LEN)
        return true;
    return pk_rd_fail(rd, PK_EFORMAT, f->at, "%s has wire type %u, not a message", what, f->wire);
}

/* ValueType {type = 1, unit = 2}: both string indices. */
static bool read_value_type(pp_reader *r, const pk_pb_field *f, pp_type *out)
{
    pk_rd sub;
    pk_pb_field g;

    out->type = out->unit = 0;
    if (!want_message(&r->rd, f, "value type") || !pk_pb__enter(&sub, &r->rd, f))
        return false;
    while (pk_pb__next(&sub, &g)) {
        if (g.number == 1 && int_field(&sub, &g, "value type", &out->type))
            check_str(&sub, r, out->type, g.at, "value type");
        else if (g.number == 2 && int_field(&sub, &g, "value unit", &out->unit))
            check_str(&sub, r, out->unit, g.at, "value unit");
    }
    pk_pb__leave(&r->rd, &sub);
    return !r->rd.failed;
}

/* Mapping: only its id and string indices matter here (pprof itself
 * ignores a location's mapping id that names no mapping). */
static bool read_mapping(pp_reader *r, const pk_pb_field *f)
{
    pk_rd sub;
    pk_pb_field g;
    pp_id m = {0, f->at};
    int64_t idx;

    if (!want_message(&r->rd, f, "mapping") || !pk_pb__enter(&sub, &r->rd, f))
        return false;
    while (pk_pb__next(&sub, &g)) {
        if (g.number == 1)
            pk_pb__want_varint(&sub, &g, "mapping id", &m.id);
        else if ((g.number == 5 || g.number == 6) && int_field(&sub, &g, "mapping", &idx))
            check_str(&sub, r, idx, g.at, g.number == 5 ? "mapping filename" : "mapping build_id");
    }
    pk_pb__leave(&r->rd, &sub);
    if (r->rd.failed)
        return false;
    if (!pk_grow((void **)&r->mappings, &r->mappings_cap, r->nmappings + 1, sizeof *r->mappings))
        return oom(r, f->at);
    r->mappings[r->nmappings++] = m;
    return true;
}

/* Function {id = 1, name = 2, system_name = 3, filename = 4, start_line = 5}. */
static bool read_function(pp_reader *r, const pk_pb_field *f)
{
    pk_rd sub;
    pk_pb_field g;
    pp_func fn;
    int64_t sys;

    memset(&fn, 0, sizeof fn);
    fn.at = f->at;
    if (!want_message(&r->rd, f, "function") || !pk_pb__enter(&sub, &r->rd, f))
        return false;
    while (pk_pb__next(&sub, &g)) {
        if (g.number == 1)
            pk_pb__want_varint(&sub, &g, "function id", &fn.id);
        else if (g.number == 2 && int_field(&sub, &g, "function name", &fn.name))
            check_str(&sub, r, fn.name, g.at, "function name");
        else if (g.number == 3 && int_field(&sub, &g, "function system_name", &sys))
            check_str(&sub, r, sys, g.at, "function system_name");
        else if (g.number == 4 && int_field(&sub, &g, "function filename", &fn.filename))
            check_str(&sub, r, fn.filename, g.at, "function filename");
        else if (g.number == 5)
            int_field(&sub, &g, "function start_line", &fn.start_line);
    }
    pk_pb__leave(&r->rd, &sub);
    if (r->rd.failed)
        return false;
    if (!pk_grow((void **)&r->funcs, &r->funcs_cap, r->nfuncs + 1, sizeof *r->funcs))
        return oom(r, f->at);
    r->funcs[r->nfuncs++] = fn;
    return true;
}

/* Line {function_id = 1, line = 2, column = 3}: only the function counts,
 * as a frame is a function. */
static bool read_line(pp_reader *r, pk_rd *loc, const pk_pb_field *f)
{
    pk_rd sub;
    pk_pb_field g;
    pp_line ln = {0, f->at, 0};

    if (!want_message(loc, f, "line") || !pk_pb__enter(&sub, loc, f))
        return false;
    while (pk_pb__next(&sub, &g)) {
        if (g.number == 1)
            pk_pb__want_varint(&sub, &g, "line function_id", &ln.function_id);
    }
    pk_pb__leave(loc, &sub);
    if (loc->failed)
        return false;
    if (!pk_grow((void **)&r->lines, &r->lines_cap, r->nlines + 1, sizeof *r->lines))
        return pk_rd_fail(loc, PK_ENOMEM, f->at, "out of memory");
    r->lines[r->nlines++] = ln;
    return true;
}

/* Location {id = 1, mapping_id = 2, address = 3, line = 4*, is_folded = 5}. */
static bool read_location(pp_reader *r, const pk_pb_field *f)
{
    pk_rd sub;
    pk_pb_field g;
    pp_loc loc;

    memset(&loc, 0, sizeof loc);
    loc.at = f->at;
    loc.first_line = r->nlines;
    if (!want_message(&r->rd, f, "location") || !pk_pb__enter(&sub, &r->rd, f))
        return false;
    while (pk_pb__next(&sub, &g)) {
        if (g.number == 1)
            pk_pb__want_varint(&sub, &g, "location id", &loc.id);
        else if (g.number == 3)
            pk_pb__want_varint(&sub, &g, "location address", &loc.address);
        else if (g.number == 4)
            read_line(r, &sub, &g);
    }
    pk_pb__leave(&r->rd, &sub);
    if (r->rd.failed)
        return false;
    loc.nlines = r->nlines - loc.first_line;
    if (!pk_grow((void **)&r->locs, &r->locs_cap, r->nlocs + 1, sizeof *r->locs))
        return oom(r, f->at);
    r->locs[r->nlocs++] = loc;
    return true;
}

static bool read_str_scalar(pp_reader *r, const pk_pb_field *f, const char *what, int64_t *out)
{
    return int_field(&r->rd, f, what, out) && check_str(&r->rd, r, *out, f->at, what);
}

static bool check_comment(void *ctx, uint64_t v, size_t at)
{
    pp_reader *r = ctx;
    return check_str(&r->rd, r, pk_pb__i64(v), at, "comment");
}

static bool read_scalar(pp_reader *r, const pk_pb_field *f)
{
    int64_t v;

    switch (f->number) {
    case F_DROP_FRAMES:
        return read_str_scalar(r, f, "drop_frames", &v);
    case F_KEEP_FRAMES:
        return read_str_scalar(r, f, "keep_frames", &v);
    case F_DOC_URL:
        return read_str_scalar(r, f, "doc_url", &v);
    case F_DEFAULT_SAMPLE_TYPE:
        return read_str_scalar(r, f, "default_sample_type", &r->default_type);
    case F_COMMENT:
        return pk_pb__scalars(&r->rd, f, "comment", check_comment, r);
    case F_TIME_NANOS:
        /* pprof's decoder: a second time_nanos means two profiles were
         * concatenated, which it refuses. */
        if (r->time_nanos != 0)
            return pk_rd_fail(&r->rd, PK_EFORMAT, f->at,
                              "concatenated profiles (a second time_nanos)");
        return pk_pb__want_varint(&r->rd, f, "time_nanos", &r->time_nanos);
    case F_DURATION_NANOS:
        return int_field(&r->rd, f, "duration_nanos", &v);
    case F_PERIOD:
        return int_field(&r->rd, f, "period", &v);
    default:
        return true; /* unknown fields are skipped */
    }
}

static bool read_tables(pp_reader *r)
{
    pk_rd rd = r->rd;
    pk_pb_field f;
    pp_type vt;

    /* rd walks the fields; r->rd holds the error and the nesting. */
    while (!r->rd.failed && pk_pb__next(&rd, &f)) {
        switch (f.number) {
        case F_SAMPLE_TYPE:
            if (read_value_type(r, &f, &vt)) {
                if (!pk_grow((void **)&r->types, &r->types_cap, r->ntypes + 1, sizeof *r->types))
                    return oom(r, f.at);
                r->types[r->ntypes++] = vt;
            }
            break;
        case F_PERIOD_TYPE:
            read_value_type(r, &f, &vt);
            break;
        case F_MAPPING:
            read_mapping(r, &f);
            break;
        case F_LOCATION:
            read_location(r, &f);
            break;
        case F_FUNCTION:
            read_function(r, &f);
            break;
        case F_SAMPLE:
        case F_STRING_TABLE:
            if (f.wire != PK_PB_LEN)
                want_message(&r->rd, &f, f.number == F_SAMPLE ? "sample" : "string_table entry");
            break;
        default:
            read_scalar(r, &f);
            break;
        }
    }
    return !r->rd.failed && !rd.failed;
}

/* ---- ids ---- */

static int cmp_u64(uint64_t a, uint64_t b)
{
    return (a > b) - (a < b);
}

static int cmp_func(const void *a, const void *b)
{
    const pp_func *x = a, *y = b;
    return cmp_u64(x->id, y->id) ? cmp_u64(x->id, y->id) : cmp_u64(x->at, y->at);
}

static int cmp_loc(const void *a, const void *b)
{
    const pp_loc *x = a, *y = b;
    return cmp_u64(x->id, y->id) ? cmp_u64(x->id, y->id) : cmp_u64(x->at, y->at);
}

static int cmp_id(const void *a, const void *b)
{
    const pp_id *x = a, *y = b;
    return cmp_u64(x->id, y->id) ? cmp_u64(x->id, y->id) : cmp_u64(x->at, y->at);
}

/* Ids sorted, so lookups are binary searches: no id 0 (pprof reserves
 * it), no id twice. The element's id is its first member and its offset
 * the second, in every table. */
static bool check_ids(pp_reader *r, const char *kind, const void *items, size_t n, size_t size,
                      uint64_t (*id_of)(const void *), size_t (*at_of)(const void *))
{
    size_t i;

    for (i = 0; i < n; i++) {
        const void *it = (const char *)items + i * size;
        if (id_of(it) == 0)
            return pk_rd_fail(&r->rd, PK_EFORMAT, at_of(it), "%s with the reserved id 0", kind);
        if (i > 0 && id_of((const char *)it - size) == id_of(it))
            return pk_rd_fail(&r->rd, PK_EFORMAT, at_of(it), "two %ss with id %llu", kind,
                              (unsigned long long)id_of(it));
    }
    return true;
}

static uint64_t func_id(const void *x) { return ((const pp_func *)x)->id; }
static size_t func_at(const void *x) { return ((const pp_func *)x)->at; }
static uint64_t loc_id(const void *x) { return ((const pp_loc *)x)->id; }
static size_t loc_at(const void *x) { return ((const pp_loc *)x)->at; }
static uint64_t map_id(const void *x) { return ((const pp_id *)x)->id; }
static size_t map_at(const void *x) { return ((const pp_id *)x)->at; }

static bool find_func(const pp_reader *r, uint64_t id, uint32_t *out)
{
    size_t lo = 0, hi = r->nfuncs;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->funcs[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == r->nfuncs || r->funcs[lo].id != id)
        return false;
    *out = (uint32_t)lo;
    return true;
}

static pp_loc *find_loc(pp_reader *r, uint64_t id)
{
    size_t lo = 0, hi = r->nlocs;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->locs[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < r->nlocs && r->locs[lo].id == id ? &r->locs[lo] : NULL;
}

static bool link_tables(pp_reader *r)
{
    size_t i;

    if (r->nfuncs > UINT32_MAX)
        return pk_rd_fail(&r->rd, PK_EFORMAT, 0, "more than %u functions", UINT32_MAX);
    /* qsort wants a pointer even for no items. */
    if (r->nfuncs)
        qsort(r->funcs, r->nfuncs, sizeof *r->funcs, cmp_func);
    if (r->nlocs)
        qsort(r->locs, r->nlocs, sizeof *r->locs, cmp_loc);
    if (r->nmappings)
        qsort(r->mappings, r->nmappings, sizeof *r->mappings, cmp_id);
    if (!check_ids(r, "function", r->funcs, r->nfuncs, sizeof *r->funcs, func_id, func_at) ||
        !check_ids(r, "location", r->locs, r->nlocs, sizeof *r->locs, loc_id, loc_at) ||
        !check_ids(r, "mapping", r->mappings, r->nmappings, sizeof *r->mappings, map_id, map_at))
        return false;
    for (i = 0; i < r->nlines; i++) {
        pp_line *ln = &r->lines[i];
        if (!find_func(r, ln->function_id, &ln->func))
            return pk_rd_fail(&r->rd, PK_EFORMAT, ln->at,
                              "location line names function id %llu, which does not exist",
                              (unsigned long long)ln->function_id);
    }
    return true;
}

/* ---- which value ---- */

static double time_divisor(const pp_reader *r, int64_t unit)
{
    if (str_is(r, unit, "nanoseconds"))
        return 1e9;
    if (str_is(r, unit, "microseconds"))
        return 1e6;
    if (str_is(r, unit, "milliseconds"))
        return 1e3;
    if (str_is(r, unit, "seconds"))
        return 1.0;
    return 0.0;
}

/* Counts are named after their type ("samples", "alloc_objects"), up to
 * a NUL; a name the writer would read as a unit of its own (a time unit,
 * "bytes") or an empty one becomes "samples", so a written file reads
 * back with the same unit. */
static int set_count_unit(pp_reader *r, int64_t type)
{
    static const char *const reserved[] = {"nanoseconds", "microseconds", "milliseconds",
                                           "seconds", "bytes", ""};
    size_t len, i;
    const char *name = str_data(r, type, &len);
    const char *nul = memchr(name, 0, len);
    int rc;

    if (nul)
        len = (size_t)(nul - name);
    pk_buf_append(&r->scratch, name, len);
    pk_buf_byte(&r->scratch, 0);
    if (r->scratch.failed)
        return PK_ENOMEM;
    for (i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
        if (strcmp((const char *)r->scratch.data, reserved[i]) == 0)
            break;
    }
    rc = pk_stacks_set_unit(r->p, i < sizeof reserved / sizeof reserved[0]
                                      ? "samples" : (const char *)r->scratch.data);
    r->scratch.len = 0;
    return rc;
}

/* pprof's rule: the type default_sample_type names, else the last. The
 * stacks' unit says what the counts are: microseconds for any time unit
 * (whole numbers for flame graphs, as for pstats' approximate stacks),
 * bytes, or the type's name ("samples", "alloc_objects"). */
static bool choose_value(pp_reader *r)
{
    const pp_type *t;
    size_t i;
    int rc;

    if (r->ntypes == 0)
        return true;
    r->value_index = r->ntypes - 1;
    for (i = 0; r->default_type != 0 && i < r->ntypes; i++) {
        if (str_eq(r, r->types[i].type, r->default_type)) {
            r->value_index = i;
            break;
        }
    }
    t = &r->types[r->value_index];
    r->per_second = time_divisor(r, t->unit);
    if (r->per_second > 0) {
        rc = pk_stacks_set_unit(r->p, "microseconds");
    } else if (str_is(r, t->unit, "bytes")) {
        rc = pk_stacks_set_unit(r->p, "bytes");
    } else {
        rc = set_count_unit(r, t->type);
    }
    return rc == PK_OK || oom(r, 0);
}

/* ---- pass 3: samples ---- */

/* "name (file:line)", or the bare name without a file: the frame names
 * the stacks model parses into (file, line, name). */
static bool func_frame(pp_reader *r, pp_func *fn, size_t at)
{
    char num[32];
    size_t len;
    const char *s;
    int n;

    if (fn->has_frame)
        return true;
    r->scratch.len = 0;
    s = str_data(r, fn->name, &len);
    pk_buf_append(&r->scratch, s, len);
    s = str_data(r, fn->filename, &len);
    if (len > 0) {
        pk_buf_append(&r->scratch, " (", 2);
        pk_buf_append(&r->scratch, s, len);
        n = snprintf(num, sizeof num, ":%lld)", (long long)fn->start_line);
        pk_buf_append(&r->scratch, num, (size_t)n);
    }
    /* A nameless function without a file is the empty frame "". */
    if (r->scratch.failed ||
        pk_profile_intern(&fn->frame, r->p, r->scratch.len ? (const char *)r->scratch.data : "",
                          r->scratch.len) != PK_OK)
        return oom(r, at);
    fn->has_frame = true;
    return true;
}

/* A location without line information (not symbolized): its address. */
static bool address_frame(pp_reader *r, pp_loc *loc, size_t at)
{
    char text[32];
    int n;

    if (loc->frame != PK_STR_EMPTY)
        return true;
    n = snprintf(text, sizeof text, "0x%llx", (unsigned long long)loc->address);
    if (pk_profile_intern(&loc->frame, r->p, text, (size_t)n) != PK_OK)
        return oom(r, at);
    return true;
}

static bool push_frame(pp_reader *r, pk_str frame, size_t at)
{
    if (!pk_grow((void **)&r->frames, &r->frames_cap, r->nframes + 1, sizeof *r->frames))
        return oom(r, at);
    r->frames[r->nframes++] = frame;
    return true;
}

/* The frames of one sample, leaf first (inlined callees before callers). */
static bool sample_frames(pp_reader *r, size_t at)
{
    size_t i, j;

    r->nframes = 0;
    for (i = 0; i < r->nloc_ids; i++) {
        pp_loc *loc = find_loc(r, r->loc_ids[i]);
        if (!loc)
            return pk_rd_fail(&r->rd, PK_EFORMAT, at,
                              "sample names location id %llu, which does not exist",
                              (unsigned long long)r->loc_ids[i]);
        if (loc->nlines == 0 && !(address_frame(r, loc, at) && push_frame(r, loc->frame, at)))
            return false;
        for (j = 0; j < loc->nlines; j++) {
            pp_func *fn = &r->funcs[r->lines[loc->first_line + j].func];
            if (!func_frame(r, fn, at) || !push_frame(r, fn->frame, at))
                return false;
        }
    }
    return true;
}

static bool push_u64(uint64_t **arr, size_t *n, size_t *cap, uint64_t v)
{
    if (!pk_grow((void **)arr, cap, *n + 1, sizeof **arr))
        return false;
    (*arr)[(*n)++] = v;
    return true;
}

static bool add_loc_id(void *ctx, uint64_t v, size_t at)
{
    pp_reader *r = ctx;
    return push_u64(&r->loc_ids, &r->nloc_ids, &r->loc_ids_cap, v) || oom(r, at);
}

static bool add_value(void *ctx, uint64_t v, size_t at)
{
    pp_reader *r = ctx;
    return push_u64(&r->values, &r->nvalues, &r->values_cap, v) || oom(r, at);
}

/* Label {key = 1, str = 2, num = 3, num_unit = 4}: indices checked only. */
static bool check_label(pp_reader *r, pk_rd *sample, const pk_pb_field *f)
{
    pk_rd sub;
    pk_pb_field g;
    int64_t idx;

    if (!want_message(sample, f, "label") || !pk_pb__enter(&sub, sample, f))
        return false;
    while (pk_pb__next(&sub, &g)) {
        if ((g.number == 1 || g.number == 2 || g.number == 4) && int_field(&sub, &g, "label", &idx))
            check_str(&sub, r, idx, g.at, "label");
    }
    pk_pb__leave(sample, &sub);
    return !sample->failed;
}

static bool parse_sample(pp_reader *r, const pk_pb_field *f)
{
    pk_rd sub;
    pk_pb_field g;

    r->nloc_ids = r->nvalues = 0;
    if (r->ntypes == 0)
        return pk_rd_fail(&r->rd, PK_EFORMAT, f->at, "sample without sample types");
    if (!pk_pb__enter(&sub, &r->rd, f))
        return false;
    while (pk_pb__next(&sub, &g)) {
        if (g.number == 1)
            pk_pb__scalars(&sub, &g, "sample location_id", add_loc_id, r);
        else if (g.number == 2)
            pk_pb__scalars(&sub, &g, "sample value", add_value, r);
        else if (g.number == 3)
            check_label(r, &sub, &g);
    }
    pk_pb__leave(&r->rd, &sub);
    if (r->rd.failed)
        return false;
    if (r->nvalues != r->ntypes)
        return pk_rd_fail(&r->rd, PK_EFORMAT, f->at, "sample has %zu values for %zu sample types",
                          r->nvalues, r->ntypes);
    return true;
}

static bool add_sample(pp_reader *r, const pk_pb_field *f)
{
    uint32_t node = PK_STACK_ROOT;
    size_t i;

    if (!parse_sample(r, f) || !sample_frames(r, f->at))
        return false;
    for (i = r->nframes; i-- > 0;) {
        if (pk_stacks_child(&node, r->p, node, r->frames[i]) != PK_OK)
            return oom(r, f->at);
    }
    if (!pk_grow_zeroed((void **)&r->node_sum, &r->node_sum_cap, node, sizeof *r->node_sum) ||
        !pk_grow_zeroed((void **)&r->node_samples, &r->node_samples_cap, node,
                     sizeof *r->node_samples))
        return oom(r, f->at);
    r->node_sum[node] += (double)pk_pb__i64(r->values[r->value_index]);
    if (r->node_samples[node] < UINT32_MAX)
        r->node_samples[node]++;
    return true;
}

/* One leaf per stack, its value in the stacks' unit. */
static bool add_leaves(pp_reader *r)
{
    size_t node, n = r->node_samples_cap < r->node_sum_cap ? r->node_samples_cap : r->node_sum_cap;

    for (node = 0; node < n; node++) {
        double v = r->node_sum[node];
        if (r->node_samples[node] == 0)
            continue;
        /* To microseconds, dividing where that is exact for whole values. */
        if (r->per_second >= 1e6)
            v /= r->per_second / 1e6;
        else if (r->per_second > 0)
            v *= 1e6 / r->per_second;
        if (pk_stacks_add(r->p, (uint32_t)node, PK_STR_EMPTY, r->node_samples[node], v, 0.0,
                          false) != PK_OK)
            return oom(r, 0);
    }
    return true;
}

static bool read_samples(pp_reader *r)
{
    pk_rd rd = r->rd;
    pk_pb_field f;

    while (!r->rd.failed && pk_pb__next(&rd, &f)) {
        if (f.number == F_SAMPLE)
            add_sample(r, &f);
    }
    return !r->rd.failed && !rd.failed && add_leaves(r);
}

static void reader_dispose(pp_reader *r)
{
    pk_free(r->strings);
    pk_free(r->types);
    pk_free(r->funcs);
    pk_free(r->locs);
    pk_free(r->lines);
    pk_free(r->mappings);
    pk_free(r->loc_ids);
    pk_free(r->values);
    pk_free(r->frames);
    pk_free(r->node_sum);
    pk_free(r->node_samples);
    pk_buf_dispose(&r->scratch);
}

/*
 * Functions and edges derived from microsecond stacks get cProfile's
 * seconds. pprof records no calls, so call counts are 0 (pstat-view
 * leaves percall empty) rather than the samples' microseconds.
 */
static void scale_stats(pk_stats *s)
{
    s->tottime /= 1e6;
    s->cumtime /= 1e6;
    s->ncalls = s->pcalls = 0;
}

static void times_in_seconds(pk_profile *p)
{
    size_t i, n = pk_profile_func_count(p);
    double total = 0.0;

    for (i = 0; i < n; i++) {
        pk_stats *s = &pk_profile_func(p, (uint32_t)i)->stats;
        scale_stats(s);
        total += s->tottime;
    }
    for (i = 0; i < pk_profile_edge_count(p); i++)
        scale_stats(&pk_profile_edge(p, (uint32_t)i)->stats);
    pk_profile_set_total_time(p, total);
}

int pk_pprof__read_with(pk_profile *p, const uint8_t *buf, size_t len,
                        const pk_read_opts *opts, pk_error *err)
{
    pp_reader r;
    bool ok;
    int rc;

    memset(&r, 0, sizeof r);
    pk_rd_init(&r.rd, buf, len, FORMAT, err);
    r.p = p;
    r.err = err;
    if (pk_stacks_init(p, 0) != PK_OK)
        return pk_error_set(err, PK_ENOMEM, FORMAT, -1, "out of memory");
    ok = read_strings(&r) && read_tables(&r) && link_tables(&r) && choose_value(&r) &&
         read_samples(&r);
    rc = ok ? PK_OK : err && err->code != PK_OK ? err->code : PK_EFORMAT;
    reader_dispose(&r);
    if (rc != PK_OK)
        return rc;
    pk_profile_set_source(p, PK_SOURCE_PPROF);
    if (opts && opts->stacks_only)
        return PK_OK;
    rc = pk_stacks_derive_functions(p, err);
    if (rc == PK_OK && strcmp(pk_stacks_unit(p), "microseconds") == 0)
        times_in_seconds(p);
    return rc;
}

int pk_pprof__read(pk_profile *p, const uint8_t *buf, size_t len, pk_error *err)
{
    return pk_pprof__read_with(p, buf, len, NULL, err);
}

/* ---- sniffing ---- */

/* The wire type each Profile field has (13, comment, may also be packed). */
static bool plausible_field(uint32_t number, unsigned wire)
{
    switch (number) {
    case F_SAMPLE_TYPE: case F_SAMPLE: case F_MAPPING: case F_LOCATION: case F_FUNCTION:
    case F_STRING_TABLE: case F_PERIOD_TYPE:
        return wire == PK_PB_LEN;
    case F_COMMENT:
        return wire == PK_PB_LEN || wire == PK_PB_VARINT;
    case F_DROP_FRAMES: case F_KEEP_FRAMES: case F_TIME_NANOS: case F_DURATION_NANOS:
    case F_PERIOD: case F_DEFAULT_SAMPLE_TYPE: case F_DOC_URL:
        return wire == PK_PB_VARINT;
    default:
        return false;
    }
}

/*
 * Raw protobuf has no magic, so the top-level fields are walked as far as
 * the buffer goes: the first must be a Profile field (1..15) with its wire
 * type, the others any well-formed field (later versions of profile.proto
 * may add some). A field running past the end is accepted, as a short
 * read window may cut it (the reader reports real truncation); a
 * malformed key is not. Text rarely passes for long.
 */
bool pk_pprof__sniff(const uint8_t *buf, size_t len)
{
    pk_rd rd;
    pk_pb_field f;
    size_t fields = 0;

    pk_rd_init(&rd, buf, len, FORMAT, NULL);
    while (pk_rd_left(&rd) > 0) {
        size_t at = rd.pos;
        uint64_t key = pk_pb__varint(&rd, at, "key");
        unsigned wire = (unsigned)(key & 7);
        if (rd.failed)
            return fields > 0;
        if (fields == 0 && !plausible_field((uint32_t)(key >> 3 > 15 ? 0 : key >> 3), wire))
            return false;
        if (key >> 3 == 0 || (wire != PK_PB_VARINT && wire != PK_PB_FIXED64 &&
                              wire != PK_PB_LEN && wire != PK_PB_FIXED32))
            return false;
        rd.pos = at;
        if (!pk_pb__next(&rd, &f))
            return fields > 0;
        fields++;
    }
    return fields > 0;
}
