/*
 * Writes a profile as a callgrind file (FORMATS.md 5c) that
 * callgrind_annotate, KCachegrind and our reader load:
 *
 *   # callgrind format / version: 1 / creator: profkit / cmd: (when known)
 *   positions: line / events: EVENT / summary: TOTAL
 *   fl=(id) file, fn=(id) name, "LINE SELF", and per callee edge
 *   [cfl=(id) file] cfn=(id) name, calls=NCALLS CALLEE_LINE, "LINE INCLUSIVE"
 *
 * The event: the profile's own cost unit when it has one (a callgrind
 * input: its first event, so callgrind -> callgrind keeps its numbers),
 * the stacks' unit for folded input (sample counts), else "ns" with times
 * in integer nanoseconds, rounded half to even (Python's round()). Costs
 * are unsigned integers: negative times (pure-Python `profile` can write
 * them) and NaNs are written as 0. Edges with no calls are left out
 * (callgrind_annotate would take "calls=0" as no call and count the cost
 * as self cost).
 *
 * callgrind_annotate and KCachegrind know a function by file and name, so
 * two functions of one file with the same name (methods of different
 * classes, on different lines) would merge: each of them is written as
 * "name:LINE" (and "name:LINE'2", ... in the unlikely case that this too
 * is already a name in the file).
 */
#include "formats.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <profkit/stacks.h>

#include "alloc.h"
#include "hashidx.h"

#define FORMAT "callgrind"
#define MAX_COST 9223372036854775808.0 /* 2^63, what the reader accepts */

typedef struct writer {
    pk_profile *p;
    pk_buf *out;
    pk_error *err;
    double mult;      /* costs per model unit */
    size_t nfuncs;
    char **renamed;   /* per function: the written name, or NULL: its own */
    bool *fn_defined; /* per function: its name id was written */
    struct file_slot {
        pk_str file;
        bool defined; /* its name id was written */
    } *files;         /* distinct files, in order of first use */
    size_t nfiles, files_cap;
    pk_hashidx file_index;
    pk_hashidx name_index; /* functions by (file, name text) */
} writer;

static void put(writer *w, const char *s)
{
    pk_buf_append(w->out, s, strlen(s));
}

static void put_u64(writer *w, uint64_t v)
{
    char text[32];
    snprintf(text, sizeof text, "%" PRIu64, v);
    put(w, text);
}

/* A model time or count as a callgrind cost. false: too large. */
static bool to_cost(uint64_t *out, const writer *w, double v)
{
    double x = v * w->mult;

    *out = 0;
    if (!(x > 0)) /* negative, zero or NaN */
        return true;
    x = nearbyint(x);
    if (x > MAX_COST)
        return false;
    *out = (uint64_t)x;
    return true;
}

static int put_cost(writer *w, double v)
{
    uint64_t c;

    if (!to_cost(&c, w, v))
        return pk_error_set(w->err, PK_EINVAL, FORMAT, -1,
                            "a cost of %g is too large for callgrind's 64-bit counters", v);
    put_u64(w, c);
    return PK_OK;
}

/* A callgrind line cannot hold a line break or a NUL, and the reader drops
 * a "\r" at the end of a line. */
/* Whether a callgrind line can hold s: no line break or NUL, and no CR
 * at its end (readers drop one as part of a CRLF). */
static bool fits_a_line(const char *s, size_t n)
{
    return !memchr(s, '\n', n) && !memchr(s, '\0', n) && !(n > 0 && s[n - 1] == '\r');
}

static int check_text(writer *w, const char *s, size_t n)
{
    if (!fits_a_line(s, n))
        return pk_error_set(w->err, PK_EINVAL, FORMAT, -1,
                            "the name '%.40s' has a line break or NUL, which callgrind cannot hold", s);
    return PK_OK;
}

/* ---- the event ---- */

static int choose_event(writer *w, const char **name)
{
    const char *unit = pk_profile_cost_name(w->p);
    double per = pk_profile_cost_per_second(w->p);
    size_t i;

    w->mult = 1.0;
    if (unit) {
        *name = unit;
        w->mult = per > 0 ? per : 1.0;
    } else if (pk_profile_source(w->p) == PK_SOURCE_FOLDED) {
        *name = pk_stacks_present(w->p) ? pk_stacks_unit(w->p) : "samples";
    } else {
        *name = "ns";
        w->mult = 1e9;
    }
    for (i = 0; (*name)[i]; i++) {
        if ((*name)[i] == ' ' || (*name)[i] == '\t' || (*name)[i] == '\n' || (*name)[i] == '\r')
            return pk_error_set(w->err, PK_EINVAL, FORMAT, -1,
                                "the cost unit '%.40s' is not one word", *name);
    }
    return **name ? PK_OK : pk_error_set(w->err, PK_EINVAL, FORMAT, -1, "empty cost unit");
}

/* ---- names ---- */

typedef struct name_key {
    const writer *w;
    pk_str file;
    const char *text;
    size_t len;
} name_key;

static uint64_t name_hash(pk_str file, const char *text, size_t len)
{
    return pk_hash_mix(pk_hash_bytes(text, len), file);
}

static bool name_eq(const void *ctx, uint32_t pos)
{
    const name_key *k = ctx;
    const pk_func *f = pk_profile_func_c(k->w->p, pos);
    return f->file == k->file && pk_profile_str_len(k->w->p, f->name) == k->len &&
           memcmp(pk_profile_str(k->w->p, f->name), k->text, k->len) == 0;
}

/* The first function of the file with this name, if any. */
static bool name_find(uint32_t *out, const writer *w, pk_str file, const char *text, size_t len)
{
    name_key k = {w, file, text, len};
    return pk_hashidx_find(out, &w->name_index, name_hash(file, text, len), name_eq, &k);
}

static int index_names(writer *w)
{
    size_t i;

    if (!pk_hashidx_reserve(&w->name_index, w->nfuncs))
        return PK_ENOMEM;
    for (i = 0; i < w->nfuncs; i++) {
        const pk_func *f = pk_profile_func_c(w->p, (uint32_t)i);
        const char *text = pk_profile_str(w->p, f->name);
        size_t len = pk_profile_str_len(w->p, f->name);
        uint32_t first;
        int rc = check_text(w, text, len);
        if (rc != PK_OK)
            return rc;
        if (!name_find(&first, w, f->file, text, len) &&
            !pk_hashidx_insert(&w->name_index, name_hash(f->file, text, len), (uint32_t)i))
            return PK_ENOMEM;
    }
    return PK_OK;
}

/* "name:LINE", or "name:LINE'k" when a function of the file is already
 * called that. */
static int rename_func(writer *w, uint32_t i)
{
    const pk_func *f = pk_profile_func_c(w->p, i);
    const char *name = pk_profile_str(w->p, f->name);
    size_t len = pk_profile_str_len(w->p, f->name), extra = 48, n;
    char *text = pk_malloc(len + extra);
    unsigned k = 1;
    uint32_t other;

    if (!text)
        return PK_ENOMEM;
    memcpy(text, name, len);
    n = len + (size_t)snprintf(text + len, extra, ":%" PRId64, f->line);
    while (name_find(&other, w, f->file, text, n))
        n = len + (size_t)snprintf(text + len, extra, ":%" PRId64 "'%u", f->line, ++k);
    w->renamed[i] = text;
    return PK_OK;
}

/* The first function of the file with f's name. */
static uint32_t first_of_name(const writer *w, const pk_func *f)
{
    uint32_t first = 0;
    name_find(&first, w, f->file, pk_profile_str(w->p, f->name),
              pk_profile_str_len(w->p, f->name));
    return first;
}

static int rename_duplicates(writer *w)
{
    uint32_t *count = pk_calloc(w->nfuncs ? w->nfuncs : 1, sizeof *count);
    size_t i;
    int rc = count ? index_names(w) : PK_ENOMEM;

    for (i = 0; rc == PK_OK && i < w->nfuncs; i++)
        count[first_of_name(w, pk_profile_func_c(w->p, (uint32_t)i))]++;
    for (i = 0; rc == PK_OK && i < w->nfuncs; i++) {
        if (count[first_of_name(w, pk_profile_func_c(w->p, (uint32_t)i))] > 1)
            rc = rename_func(w, (uint32_t)i);
    }
    pk_free(count);
    return rc;
}

/*
 * key=(id) text the first time, key=(id) after. Empty names and names
 * starting with a blank are written as they are: the reader (like
 * callgrind_annotate) would take "(id) " for a reuse and drop the blanks.
 * A name byte Python 3 could not decode is written as that byte again (the
 * file name as the file system has it), not as its surrogate's UTF-8.
 */
static void put_name(writer *w, const char *key, uint64_t id, bool *defined,
                     const char *text, size_t len)
{
    char head[48];

    if (len == 0 || text[0] == ' ' || text[0] == '\t') {
        snprintf(head, sizeof head, "%s=", key);
        put(w, head);
        pk_buf_append_py_text(w->out, text, len);
    } else {
        snprintf(head, sizeof head, "%s=(%" PRIu64 ")", key, id);
        put(w, head);
        if (!*defined) {
            pk_buf_byte(w->out, ' ');
            pk_buf_append_py_text(w->out, text, len);
            *defined = true;
        }
    }
    pk_buf_byte(w->out, '\n');
}

static bool file_eq(const void *ctx, uint32_t pos)
{
    const writer *w = ((const name_key *)ctx)->w;
    return w->files[pos].file == ((const name_key *)ctx)->file;
}

/* The file's id (1-based position in w->files). */
static int file_id(uint32_t *out, writer *w, pk_str file)
{
    name_key k = {w, file, NULL, 0};
    uint64_t h = pk_hash_mix(3, file);
    int rc;

    if (pk_hashidx_find(out, &w->file_index, h, file_eq, &k)) {
        (*out)++;
        return PK_OK;
    }
    rc = check_text(w, pk_profile_str(w->p, file), pk_profile_str_len(w->p, file));
    if (rc != PK_OK)
        return rc;
    if (!pk_grow((void **)&w->files, &w->files_cap, w->nfiles + 1, sizeof *w->files) ||
        !pk_hashidx_insert(&w->file_index, h, (uint32_t)w->nfiles))
        return PK_ENOMEM;
    w->files[w->nfiles].file = file;
    w->files[w->nfiles].defined = false;
    *out = (uint32_t)++w->nfiles;
    return PK_OK;
}

static int put_file(writer *w, const char *key, pk_str file)
{
    uint32_t id;
    int rc = file_id(&id, w, file);

    if (rc == PK_OK)
        put_name(w, key, id, &w->files[id - 1].defined, pk_profile_str(w->p, file),
                 pk_profile_str_len(w->p, file));
    return rc;
}

static void put_func(writer *w, const char *key, uint32_t i)
{
    const pk_func *f = pk_profile_func_c(w->p, i);
    const char *text = w->renamed[i] ? w->renamed[i] : pk_profile_str(w->p, f->name);
    size_t len = w->renamed[i] ? strlen(text) : pk_profile_str_len(w->p, f->name);

    put_name(w, key, (uint64_t)i + 1, &w->fn_defined[i], text, len);
}

/* ---- the body ---- */

/* Lines below 0 (no file has them) are written as 0. */
static uint64_t line_of(const pk_func *f)
{
    return f->line > 0 ? (uint64_t)f->line : 0;
}

static int put_call(writer *w, const pk_func *caller, const pk_edge *e)
{
    const pk_func *callee = pk_profile_func_c(w->p, e->callee);
    int rc = PK_OK;

    if (e->stats.ncalls <= 0)
        return PK_OK;
    if (callee->file != caller->file)
        rc = put_file(w, "cfl", callee->file);
    if (rc != PK_OK)
        return rc;
    put_func(w, "cfn", e->callee);
    put(w, "calls=");
    put_u64(w, (uint64_t)e->stats.ncalls);
    pk_buf_byte(w->out, ' ');
    put_u64(w, line_of(callee));
    pk_buf_byte(w->out, '\n');
    put_u64(w, line_of(caller));
    pk_buf_byte(w->out, ' ');
    rc = put_cost(w, e->stats.cumtime);
    pk_buf_byte(w->out, '\n');
    return rc;
}

static int put_function(writer *w, uint32_t i, pk_str *last_file)
{
    const pk_func *f = pk_profile_func_c(w->p, i);
    const uint32_t *edges;
    size_t n, k;
    int rc = PK_OK;

    if (i == 0 || f->file != *last_file)
        rc = put_file(w, "fl", f->file);
    *last_file = f->file;
    if (rc != PK_OK)
        return rc;
    put_func(w, "fn", i);
    put_u64(w, line_of(f));
    pk_buf_byte(w->out, ' ');
    rc = put_cost(w, f->stats.tottime);
    pk_buf_byte(w->out, '\n');
    if (rc == PK_OK)
        rc = pk_profile_callees(&edges, &n, w->p, i);
    for (k = 0; rc == PK_OK && k < n; k++)
        rc = put_call(w, f, pk_profile_edge_c(w->p, edges[k]));
    pk_buf_byte(w->out, '\n');
    return rc;
}

static int put_header(writer *w, const char *event)
{
    const char *cmd = pk_profile_command(w->p);

    put(w, "# callgrind format\nversion: 1\ncreator: profkit\n");
    if (cmd && fits_a_line(cmd, strlen(cmd))) { /* else left out: it is optional */
        put(w, "cmd: ");
        put(w, cmd);
        pk_buf_byte(w->out, '\n');
    }
    put(w, "positions: line\nevents: ");
    put(w, event);
    /* After events:, where callgrind_annotate reads it. */
    put(w, "\nsummary: ");
    return put_cost(w, pk_profile_total_time(w->p));
}

static int write_all(writer *w)
{
    const char *event = NULL;
    pk_str last_file = PK_STR_EMPTY;
    size_t i;
    int rc = choose_event(w, &event);

    w->renamed = pk_calloc(w->nfuncs ? w->nfuncs : 1, sizeof *w->renamed);
    w->fn_defined = pk_calloc(w->nfuncs ? w->nfuncs : 1, sizeof *w->fn_defined);
    if (rc == PK_OK && (!w->renamed || !w->fn_defined))
        rc = PK_ENOMEM;
    if (rc == PK_OK)
        rc = rename_duplicates(w);
    if (rc == PK_OK)
        rc = put_header(w, event);
    put(w, "\n\n");
    for (i = 0; rc == PK_OK && i < w->nfuncs; i++)
        rc = put_function(w, (uint32_t)i, &last_file);
    if (rc == PK_OK && w->out->failed)
        rc = PK_ENOMEM;
    return rc;
}

int pk_callgrind__write(pk_buf *out, pk_profile *p, pk_error *err)
{
    writer w;
    size_t i;
    int rc;

    /* A memory series without function brackets has no costs to attribute:
     * refuse rather than write a file with no functions. */
    if (!pk_profile_has_function_data(p))
        return pk_error_set(err, PK_ENODATA, FORMAT, -1,
                            "the profile has no function stats to write as callgrind");
    memset(&w, 0, sizeof w);
    w.p = p;
    w.out = out;
    w.err = err;
    w.nfuncs = pk_profile_func_count(p);
    rc = write_all(&w);
    if (rc == PK_ENOMEM)
        pk_error_set(err, PK_ENOMEM, FORMAT, -1, "out of memory writing callgrind");
    for (i = 0; w.renamed && i < w.nfuncs; i++)
        pk_free(w.renamed[i]);
    pk_free(w.renamed);
    pk_free(w.fn_defined);
    pk_free(w.files);
    pk_hashidx_dispose(&w.file_index);
    pk_hashidx_dispose(&w.name_index);
    return rc;
}
