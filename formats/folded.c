/*
 * Folded stacks (Brendan Gregg's "collapsed" format), read the way
 * flamegraph.pl reads it (FORMATS.md section 4) and written back.
 *
 * A line is `frame;frame;...;frame<ws>count`, where the count is
 * \d+(\.\d*)? at the very end and <ws> is the last whitespace of the line:
 * flamegraph.pl's /^(.*)\s+?(\d+(?:\.\d*)?)$/, whose greedy stack leaves
 * exactly one whitespace character before the count. If the stack itself
 * ends in whitespace + count, that is the "before" count of a differential
 * line. Frames are split on ';' as Perl's split does: empty frames stay,
 * except trailing ones. Any other line is ignored and only counted.
 *
 * On purpose we differ from flamegraph.pl in two ways: a "\r" before the
 * "\n" is dropped (flamegraph.pl ignores CRLF lines; issue 4 asks that they
 * be accepted), and a NUL byte is an error rather than part of a name.
 * Whitespace and digits are ASCII only (Perl's \s and \d also take some
 * Unicode characters).
 *
 * The reader streams: it takes the input in pieces and keeps only a
 * partial line between them, so memory grows with unique stacks, not with
 * input lines. Consecutive lines usually share their leading frames, so
 * the frames the previous line already resolved are reused without a
 * lookup.
 */
#include "formats.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <profkit/stacks.h>

#include "alloc.h"
#include "stacks_walk.h"

#define FORMAT "folded"
#define SNIFF_BYTES ((size_t)64 * 1024)
#define SNIFF_LINES 200

static bool is_space(uint8_t c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* ---- one line ---- */

/* Where the parts of a line are; returns false for an ignored line. */
typedef struct line_parts {
    size_t stack_len; /* frames are in [0, stack_len), trailing ';' removed */
    double count, before;
    bool two;
} line_parts;

static size_t last_space(const uint8_t *s, size_t end)
{
    while (end > 0 && !is_space(s[end - 1]))
        end--;
    return end; /* index after the whitespace, or 0 for none */
}

static bool split_line(line_parts *out, const uint8_t *s, size_t len)
{
    size_t p = last_space(s, len), q, end;

    memset(out, 0, sizeof *out);
    if (p == 0 || !pk_stacks__parse_count((const char *)s + p, len - p, &out->count))
        return false;
    end = p - 1;
    q = last_space(s, end);
    if (q > 0 && pk_stacks__parse_count((const char *)s + q, end - q, &out->before)) {
        out->two = true;
        end = q - 1;
    }
    while (end > 0 && s[end - 1] == ';')
        end--;
    out->stack_len = end;
    return true;
}

/* ---- the streaming reader ---- */

typedef struct prev_frame {
    size_t end;    /* the frame ends at this offset of the previous stack */
    uint32_t node;
} prev_frame;

/* A small direct-mapped cache of frame names (and tails) in front of the
 * profile's string table: a file has a few thousand names used millions of
 * times. */
#define NAME_CACHE 16384

typedef struct name_slot {
    pk_str id;
    uint32_t len_plus_1; /* 0: empty */
} name_slot;

static size_t name_slot_of(const uint8_t *s, size_t n)
{
    uint64_t a = 0, b = 0, h;

    memcpy(&a, s, n < 8 ? n : 8);
    if (n > 8)
        memcpy(&b, s + n - 8, 8);
    h = (a ^ (b * 0x9E3779B97F4A7C15ull) ^ n) * 0xFF51AFD7ED558CCDull;
    return (size_t)(h >> 40) & (NAME_CACHE - 1);
}

/*
 * Lines are resolved in batches: the child lookups of a batch's lines at
 * one depth are independent, so their table slots are fetched from
 * memory together instead of one cache miss after another. Nodes are then
 * created depth by depth within the batch rather than line by line, which
 * changes only their ids; leaves are still added in line order.
 */
#define BATCH 16

typedef struct batch_line {
    size_t first;   /* its frames: names[first ..], nodes[first ..] */
    size_t nframes;
    size_t shared;  /* leading frames shared with the line before */
    pk_str tail;
    line_parts lp;
    bool added;     /* the deepest frame resolved so far is new */
} batch_line;

struct pk_folded__reader {
    pk_profile *p;
    pk_error *err;
    pk_buf carry;       /* the start of a line the last piece cut */
    uint64_t consumed;  /* bytes before the current piece / carry */
    int64_t line;       /* number of the line being read */
    uint64_t ignored, valid;
    int64_t first_ignored;
    bool derive;        /* functions and edges from the stacks at the end */
    /* The previous line's stack and the nodes of its frames. */
    pk_buf prev;
    prev_frame *frames;
    size_t prev_n, frames_cap;
    name_slot names[NAME_CACHE];
    batch_line batch[BATCH];
    size_t nbatch;
    pk_str *bnames;     /* the batch's frame names, line after line */
    uint32_t *bnodes;   /* and their nodes, once resolved */
    size_t bframes, bnames_cap, bnodes_cap;
    bool failed;
};

int pk_folded__begin(pk_folded__reader **out, pk_profile *p, const pk_read_opts *opts,
                     pk_error *err)
{
    pk_folded__reader *r;

    *out = NULL;
    if (pk_stacks_init(p, opts && opts->keep_order ? PK_STACKS_ORDERED : 0) != PK_OK)
        return pk_error_set(err, PK_ENOMEM, FORMAT, -1, "out of memory");
    r = pk_calloc(1, sizeof *r);
    if (!r)
        return pk_error_set(err, PK_ENOMEM, FORMAT, -1, "out of memory");
    r->p = p;
    r->err = err;
    r->derive = !(opts && opts->stacks_only);
    *out = r;
    return PK_OK;
}

void pk_folded__reader_free(pk_folded__reader *r)
{
    if (!r)
        return;
    pk_buf_dispose(&r->carry);
    pk_buf_dispose(&r->prev);
    pk_free(r->frames);
    pk_free(r->bnames);
    pk_free(r->bnodes);
    pk_free(r);
}

/* Records an error on the current line; the first error wins. */
static void mark_line(pk_folded__reader *r)
{
    r->failed = true;
    if (r->err && r->err->code == PK_OK)
        r->err->line = r->line;
}

static int oom(pk_folded__reader *r)
{
    r->failed = true;
    return pk_error_set(r->err, PK_ENOMEM, FORMAT, -1, "out of memory at line %lld",
                        (long long)r->line);
}

/* How many of the previous line's frames this stack shares. */
static size_t shared_frames(const pk_folded__reader *r, const uint8_t *s, size_t len)
{
    const uint8_t *prev = r->prev.data;
    size_t plen = r->prev.len, lim = len < plen ? len : plen, common = 0, k = 0;

    while (common < lim && s[common] == prev[common])
        common++;
    while (k < r->prev_n) {
        size_t e = r->frames[k].end;
        bool shared = e < common ||
                      (e == common && (e == plen || prev[e] == ';') && (e == len || s[e] == ';'));
        if (!shared)
            break;
        k++;
    }
    return k;
}

static bool remember_frame(pk_folded__reader *r, size_t end, uint32_t node)
{
    if (!pk_grow((void **)&r->frames, &r->frames_cap, r->prev_n + 1, sizeof *r->frames))
        return false;
    r->frames[r->prev_n++] = (prev_frame){end, node};
    return true;
}

static int intern_name(pk_str *out, pk_folded__reader *r, const uint8_t *s, size_t n)
{
    name_slot *slot = &r->names[name_slot_of(s, n)];

    if (n < UINT32_MAX && slot->len_plus_1 == n + 1 &&
        memcmp(pk_profile_str(r->p, slot->id), s, n) == 0) {
        *out = slot->id;
        return PK_OK;
    }
    if (pk_profile_intern(out, r->p, (const char *)s, n) != PK_OK)
        return PK_ENOMEM;
    if (n < UINT32_MAX) {
        slot->id = *out;
        slot->len_plus_1 = (uint32_t)n + 1;
    }
    return PK_OK;
}

/*
 * Queues the frames of s[0, len): their names, and how many lead frames
 * the previous line has too (those take its nodes, with no lookup). The
 * previous line's text and frame ends move on to this line's.
 */
static int queue_stack(pk_folded__reader *r, batch_line *bl, const uint8_t *s, size_t len)
{
    size_t pos = 0;

    bl->shared = shared_frames(r, s, len);
    bl->first = r->bframes;
    bl->nframes = 0;
    bl->added = false;
    r->prev_n = 0;
    while (len > 0 && pos <= len) {
        const uint8_t *semi = memchr(s + pos, ';', len - pos);
        size_t end = semi ? (size_t)(semi - s) : len;
        pk_str name;
        if (intern_name(&name, r, s + pos, end - pos) != PK_OK ||
            !pk_grow((void **)&r->bnames, &r->bnames_cap, r->bframes + 1, sizeof *r->bnames) ||
            !pk_grow((void **)&r->bnodes, &r->bnodes_cap, r->bframes + 1, sizeof *r->bnodes) ||
            !remember_frame(r, end, PK_STACK_NONE))
            return oom(r);
        r->bnames[r->bframes++] = name;
        bl->nframes++;
        pos = end + 1;
    }
    r->prev.len = 0;
    pk_buf_append(&r->prev, s, len);
    return r->prev.failed ? oom(r) : PK_OK;
}

/* The node of line i's frame d, before its lookup: the previous line's
 * node at that depth when shared, else NONE (to be looked up). */
static uint32_t shared_node(const pk_folded__reader *r, size_t i, size_t d)
{
    if (d >= r->batch[i].shared)
        return PK_STACK_NONE;
    return i ? r->bnodes[r->batch[i - 1].first + d] : r->frames[d].node;
}

static uint32_t parent_of(const pk_folded__reader *r, const batch_line *bl, size_t d)
{
    return d ? r->bnodes[bl->first + d - 1] : PK_STACK_ROOT;
}

/* Resolves depth d of every queued line: fetch, then look up in order. */
static int resolve_depth(pk_folded__reader *r, size_t d)
{
    size_t i;

    for (i = 0; i < r->nbatch; i++) {
        batch_line *bl = &r->batch[i];
        if (d < bl->nframes && d >= bl->shared && !bl->added)
            pk_stacks__prefetch_child(r->p, parent_of(r, bl, d), r->bnames[bl->first + d]);
    }
    for (i = 0; i < r->nbatch; i++) {
        batch_line *bl = &r->batch[i];
        uint32_t node;
        if (d >= bl->nframes)
            continue;
        node = shared_node(r, i, d);
        if (node == PK_STACK_NONE &&
            pk_stacks__child(&node, &bl->added, r->p, parent_of(r, bl, d),
                             r->bnames[bl->first + d], bl->added) != PK_OK)
            return oom(r);
        r->bnodes[bl->first + d] = node;
    }
    return PK_OK;
}

/* Resolves the queued lines and adds their counts, in line order. */
static int flush_batch(pk_folded__reader *r)
{
    size_t i, d, depth = 0;
    int rc = PK_OK;

    for (i = 0; i < r->nbatch; i++)
        depth = r->batch[i].nframes > depth ? r->batch[i].nframes : depth;
    for (d = 0; rc == PK_OK && d < depth; d++)
        rc = resolve_depth(r, d);
    for (i = 0; rc == PK_OK && i < r->nbatch; i++) {
        const batch_line *bl = &r->batch[i];
        uint32_t node = bl->nframes ? r->bnodes[bl->first + bl->nframes - 1] : PK_STACK_ROOT;
        if (pk_stacks_add(r->p, node, bl->tail, 1, bl->lp.count, bl->lp.before, bl->lp.two) != PK_OK)
            rc = oom(r);
    }
    /* The last line's nodes, for the next batch's shared frames. */
    if (rc == PK_OK && r->nbatch > 0) {
        const batch_line *last = &r->batch[r->nbatch - 1];
        for (d = 0; d < last->nframes; d++)
            r->frames[d].node = r->bnodes[last->first + d];
    }
    r->nbatch = 0;
    r->bframes = 0;
    return rc;
}

static void ignore_line(pk_folded__reader *r)
{
    if (r->ignored++ == 0)
        r->first_ignored = r->line;
}

static int read_line(pk_folded__reader *r, const uint8_t *s, size_t len, uint64_t offset)
{
    const uint8_t *nul;
    batch_line *bl;
    int rc;

    r->line++;
    if (len > 0 && s[len - 1] == '\r')
        len--; /* CRLF accepted on purpose; flamegraph.pl would ignore the line */
    nul = memchr(s, '\0', len);
    if (nul) {
        mark_line(r);
        return pk_error_set(r->err, PK_EFORMAT, FORMAT, (int64_t)(offset + (uint64_t)(nul - s)),
                            "NUL byte at line %lld, column %zu", (long long)r->line,
                            (size_t)(nul - s) + 1);
    }
    bl = &r->batch[r->nbatch];
    if (!split_line(&bl->lp, s, len)) {
        ignore_line(r);
        return PK_OK;
    }
    rc = queue_stack(r, bl, s, bl->lp.stack_len);
    if (rc == PK_OK && intern_name(&bl->tail, r, s + bl->lp.stack_len, len - bl->lp.stack_len) != PK_OK)
        rc = oom(r);
    if (rc != PK_OK)
        return rc;
    r->valid++;
    return ++r->nbatch == BATCH ? flush_batch(r) : PK_OK;
}

/* Completes the carried partial line with the start of buf. */
static int finish_carry(pk_folded__reader *r, const uint8_t *buf, size_t len, size_t *used)
{
    const uint8_t *nl = memchr(buf, '\n', len);
    size_t n = nl ? (size_t)(nl - buf) : len;
    int rc;

    pk_buf_append(&r->carry, buf, n);
    if (r->carry.failed)
        return oom(r);
    *used = nl ? n + 1 : n;
    if (!nl)
        return PK_OK;
    rc = read_line(r, r->carry.data, r->carry.len, r->consumed);
    if (rc == PK_OK)
        rc = flush_batch(r); /* the batch points into the carry buffer */
    r->consumed += r->carry.len + 1;
    r->carry.len = 0;
    return rc;
}

int pk_folded__feed(pk_folded__reader *r, const uint8_t *buf, size_t len)
{
    size_t pos = 0;
    int rc = PK_OK;

    if (r->failed)
        return r->err ? r->err->code : PK_EFORMAT;
    if (r->carry.len > 0) {
        rc = finish_carry(r, buf, len, &pos);
        if (rc != PK_OK || r->carry.len > 0)
            return rc;
    }
    while (pos < len) {
        const uint8_t *nl = memchr(buf + pos, '\n', len - pos);
        size_t n;
        if (!nl) {
            /* Keep the cut line for the next piece. */
            rc = flush_batch(r); /* the batch points into buf */
            pk_buf_append(&r->carry, buf + pos, len - pos);
            return rc != PK_OK ? rc : r->carry.failed ? oom(r) : PK_OK;
        }
        n = (size_t)(nl - (buf + pos));
        rc = read_line(r, buf + pos, n, r->consumed);
        if (rc != PK_OK)
            return rc;
        r->consumed += n + 1;
        pos += n + 1;
    }
    return flush_batch(r);
}

int pk_folded__end(pk_folded__reader *r)
{
    int rc;

    if (r->failed)
        return r->err ? r->err->code : PK_EFORMAT;
    if (r->carry.len > 0) {
        /* The last line has no newline. */
        rc = read_line(r, r->carry.data, r->carry.len, r->consumed);
        if (rc == PK_OK)
            rc = flush_batch(r);
        r->carry.len = 0;
        if (rc != PK_OK)
            return rc;
    }
    pk_stacks_set_ignored(r->p, r->ignored, r->first_ignored);
    if (r->valid == 0) {
        r->line = r->first_ignored;
        mark_line(r);
        return pk_error_set(r->err, PK_EFORMAT, FORMAT, 0,
                            "no \"stack count\" lines (%llu lines ignored, the first at line %lld)",
                            (unsigned long long)r->ignored, (long long)r->first_ignored);
    }
    pk_profile_set_source(r->p, PK_SOURCE_FOLDED);
    return r->derive ? pk_stacks_derive_functions(r->p, r->err) : PK_OK;
}

int pk_folded__read(pk_profile *p, const uint8_t *buf, size_t len, pk_error *err)
{
    return pk_folded__read_with(p, buf, len, NULL, err);
}

int pk_folded__read_with(pk_profile *p, const uint8_t *buf, size_t len,
                         const pk_read_opts *opts, pk_error *err)
{
    pk_folded__reader *r = NULL;
    int rc = pk_folded__begin(&r, p, opts, err);

    if (rc == PK_OK)
        rc = pk_folded__feed(r, buf, len);
    if (rc == PK_OK)
        rc = pk_folded__end(r);
    pk_folded__reader_free(r);
    return rc;
}

/* ---- sniffing ---- */

/*
 * Folded text is tried last, so it may be generous, but not blind: the
 * start must be text (no NUL, no control bytes but tabs and line ends)
 * and most of its first lines that are neither blank nor '#' comments
 * must be "stack count" lines; a first stack longer than the window
 * must at least have frames separated by ';'.
 */
bool pk_folded__sniff(const uint8_t *buf, size_t len)
{
    size_t pos = 0, lines = 0, good = 0, i;

    if (len > SNIFF_BYTES)
        len = SNIFF_BYTES;
    for (i = 0; i < len; i++) {
        if (buf[i] < 0x20 && buf[i] != '\t' && buf[i] != '\n' && buf[i] != '\r')
            return false;
    }
    while (pos < len && lines < SNIFF_LINES) {
        const uint8_t *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - buf) : len, n = end - pos;
        line_parts lp;
        if (!nl && len == SNIFF_BYTES && lines == 0)
            /* The first stack is longer than the window (deep recursion):
             * its frames must do, the count is out of sight. */
            return buf[pos] != '#' && memchr(buf + pos, ';', n) != NULL;
        if (!nl && pos > 0)
            break; /* maybe a line cut short by the window or a read */
        if (n > 0 && buf[end - 1] == '\r')
            n--;
        if (n > 0 && buf[pos] != '#') {
            lines++;
            good += split_line(&lp, buf + pos, n);
        }
        pos = end + 1;
    }
    return good > 0 && good * 2 > lines;
}

/* ---- writing ---- */

typedef struct writer {
    pk_profile *p;
    FILE *f;
    pk_buf out;
    uint32_t *path;
    size_t path_cap;
    pk_error *err;
} writer;

static int flush_out(writer *w)
{
    if (w->out.failed)
        return pk_error_set(w->err, PK_ENOMEM, FORMAT, -1, "out of memory writing");
    if (w->out.len && fwrite(w->out.data, 1, w->out.len, w->f) != w->out.len)
        return pk_error_set(w->err, PK_EIO, FORMAT, -1, "write failed: %s", strerror(errno));
    w->out.len = 0;
    return PK_OK;
}

static int write_leaf(void *arg, uint32_t leaf)
{
    writer *w = arg;
    const pk_stack_leaf *l = pk_stacks_leaf(w->p, leaf);
    size_t n, i;

    if (pk_stacks__path(&w->path, &w->path_cap, &n, w->p, l->node) != PK_OK)
        return pk_error_set(w->err, PK_ENOMEM, FORMAT, -1, "out of memory writing");
    for (i = 0; i < n; i++) {
        pk_str name = pk_stacks_name(w->p, w->path[i]);
        if (i)
            pk_buf_byte(&w->out, ';');
        pk_buf_append(&w->out, pk_profile_str(w->p, name), pk_profile_str_len(w->p, name));
    }
    pk_stacks__written_tail(&w->out, w->p, l->node);
    pk_buf_byte(&w->out, '\n');
    return w->out.len >= SNIFF_BYTES ? flush_out(w) : PK_OK;
}

int pk_folded__write(FILE *f, pk_profile *p, pk_error *err)
{
    writer w;
    int rc;

    if (!pk_stacks_present(p))
        return pk_error_set(err, PK_ENODATA, FORMAT, -1,
                            "the profile has no sampled stacks to write as folded");
    memset(&w, 0, sizeof w);
    w.p = p;
    w.f = f;
    w.err = err;
    rc = pk_stacks__walk_sorted(p, true, write_leaf, &w);
    if (rc == PK_ENOMEM)
        pk_error_set(err, PK_ENOMEM, FORMAT, -1, "out of memory writing");
    if (rc == PK_OK)
        rc = flush_out(&w);
    pk_buf_dispose(&w.out);
    pk_free(w.path);
    return rc;
}
