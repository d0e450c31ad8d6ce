/*
 * Callgrind profiles (valgrind --tool=callgrind; KCachegrind's format),
 * read the way callgrind_annotate 3.19 reads them (FORMATS.md 5c).
 *
 * Header lines are "key: value" (version, creator, cmd, positions, events,
 * summary, totals, desc, ...); body lines name the current object, file
 * and function (ob= fl= fi= fe= fn=), the target of the next call (cob=
 * cfi= cfl= cfn=), announce a call (calls=COUNT TARGET, followed by the
 * cost line of the call site, whose costs are the call's inclusive cost),
 * or give costs: positions (one per "positions:" column: "line", or
 * "instr line") and then up to one number per event. Names may be
 * compressed: "(id) name" defines an id, "(id)" reuses it; files,
 * functions and objects have separate id spaces.
 *
 * What profkit keeps: the first event (a time unit such as ns becomes
 * seconds; a count such as Ir stays a count, and the profile's cost unit
 * says so). A function is (file of its fl=, name of its fn=), as
 * callgrind_annotate's "file:function" rows, except that fi=/fe= (inlined
 * code from another file) switch only the file of the following cost
 * lines, not the function (callgrind_annotate makes an "inlinedfile:fn"
 * row of them; KCachegrind keeps them in the function, and so do we).
 * Its line is the lowest positive line of its cost lines in its own file,
 * 0 when there is none. Self cost is the sum of its cost lines; each
 * (caller, callee) pair is one edge with the summed call counts and
 * inclusive costs. Objects (ob=) and jumps (jump=, jcnd=, jfi=, jfn=) are
 * read and ignored.
 *
 * Recursion: callgrind gives the inclusive cost of every call, recursive
 * ones too, so a function's inclusive cost as the sum over its callers
 * counts recursive work twice (callgrind_annotate --inclusive=yes does).
 * We take cumtime = self + the inclusive cost of its calls to other
 * functions: a direct self-call's cost is already in the self cost of the
 * function, so it is left out. Mutual recursion (a -> b -> a) is still
 * counted twice, as in cProfile's derived numbers for such cycles.
 */
#include "formats.h"

#include <inttypes.h>
#include <string.h>

#include "alloc.h"
#include "hashidx.h"
#include "lines.h"
#include "utf8.h"

#define FORMAT "callgrind"
/* Costs and their sums stay at or below 2^63, so every one of them is a
 * double that converts back to the same integer when written again. */
#define MAX_COST ((uint64_t)1 << 63)
#define MAX_POSITIONS 2

/* ---- name compression: one id space ---- */

typedef struct id_entry {
    uint64_t id;
    pk_str name;
} id_entry;

typedef struct id_space {
    id_entry *items;
    size_t n, cap;
    pk_hashidx index;
    const char *what; /* "file", "function", "object" */
} id_space;

typedef struct id_key {
    const id_space *space;
    uint64_t id;
} id_key;

static bool id_eq(const void *ctx, uint32_t pos)
{
    const id_key *k = ctx;
    return k->space->items[pos].id == k->id;
}

/* Binds id to name; a later definition of the same id replaces the name,
 * as callgrind_annotate lets it. false: out of memory. */
static bool id_define(id_space *s, uint64_t id, pk_str name)
{
    id_key k = {s, id};
    uint64_t h = pk_hash_mix(0, id);
    uint32_t pos;

    if (pk_hashidx_find(&pos, &s->index, h, id_eq, &k)) {
        s->items[pos].name = name;
        return true;
    }
    if (s->n >= UINT32_MAX - 1 || !pk_grow((void **)&s->items, &s->cap, s->n + 1, sizeof *s->items))
        return false;
    s->items[s->n] = (id_entry){id, name};
    if (!pk_hashidx_insert(&s->index, h, (uint32_t)s->n))
        return false;
    s->n++;
    return true;
}

static bool id_lookup(pk_str *out, const id_space *s, uint64_t id)
{
    id_key k = {s, id};
    uint32_t pos;

    if (!pk_hashidx_find(&pos, &s->index, pk_hash_mix(0, id), id_eq, &k))
        return false;
    *out = s->items[pos].name;
    return true;
}

static void id_dispose(id_space *s)
{
    pk_free(s->items);
    pk_hashidx_dispose(&s->index);
}

/* ---- what is collected ---- */

typedef struct cg_func {
    pk_str file, name;
    uint64_t self;
    int64_t line;      /* lowest positive line in its own file, 0: none */
    uint32_t def_rank; /* order of its first fn= line; UINT32_MAX: none */
} cg_func;

typedef struct cg_edge {
    uint32_t caller, callee;
    uint64_t count, incl;
} cg_edge;

typedef struct reader {
    pk_profile *p;
    pk_lc c;
    id_space files, fns, objs;
    cg_func *funcs;
    size_t nfuncs, funcs_cap, ndefined;
    pk_hashidx func_index;
    cg_edge *edges;
    size_t nedges, edges_cap;
    pk_hashidx edge_index;
    /* header */
    pk_buf events;      /* the first events: line, to compare later ones */
    pk_buf text;        /* a name with bytes that are not UTF-8, escaped */
    size_t nevents;     /* 0 until an events: line */
    size_t npos;        /* position columns */
    int line_col;       /* which column is the line, -1: none */
    uint64_t summary, totals;
    bool has_summary, has_totals;
    /* body state */
    pk_str fl, cur_file, cfile;
    bool has_fl, has_cfile, has_fn, has_callee, call_pending;
    uint32_t fn, callee;
    uint64_t call_count;
    uint64_t prev[MAX_POSITIONS];
} reader;

/* ---- small parsers: NULL on success, else a static message ---- */

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

static int hex_digit(char ch)
{
    if (is_digit(ch))
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* All of s as a decimal (or, with hex, "0x" hexadecimal) number <= max. */
static const char *parse_u64(uint64_t *out, pk_span s, bool hex, uint64_t max)
{
    unsigned base = 10;
    uint64_t v = 0;
    size_t i = 0;

    if (hex && s.len > 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X')) {
        base = 16;
        i = 2;
    }
    if (i == s.len)
        return "empty number";
    for (; i < s.len; i++) {
        int d = base == 16 ? hex_digit(s.p[i]) : is_digit(s.p[i]) ? s.p[i] - '0' : -1;
        if (d < 0)
            return "not a number";
        if (v > (max - (uint64_t)d) / base)
            return "number out of range";
        v = v * base + (uint64_t)d;
    }
    *out = v;
    return NULL;
}

/* The next blank-separated token of *s (empty at the end). */
static pk_span next_token(pk_span *s)
{
    pk_span t;
    size_t i = 0, j;

    while (i < s->len && is_blank(s->p[i]))
        i++;
    j = i;
    while (j < s->len && !is_blank(s->p[j]))
        j++;
    t = (pk_span){s->p + i, j - i, s->col + i};
    *s = (pk_span){s->p + j, s->len - j, s->col + j};
    return t;
}

static int fail_token(reader *r, const char *what, pk_span t, const char *why)
{
    char text[32];
    return pk_lc_fail(&r->c, PK_EFORMAT, 0, "bad %s '%s': %s", what,
                      pk_span_excerpt(text, sizeof text, t), why);
}

/* ---- functions and edges ---- */

typedef struct func_key {
    const reader *r;
    pk_str file, name;
} func_key;

static bool func_eq(const void *ctx, uint32_t pos)
{
    const func_key *k = ctx;
    const cg_func *f = &k->r->funcs[pos];
    return f->file == k->file && f->name == k->name;
}

static int func_get(uint32_t *out, reader *r, pk_str file, pk_str name)
{
    func_key k = {r, file, name};
    uint64_t h = pk_hash_mix(pk_hash_mix(1, file), name);

    if (pk_hashidx_find(out, &r->func_index, h, func_eq, &k))
        return PK_OK;
    if (r->nfuncs >= UINT32_MAX - 1 ||
        !pk_grow((void **)&r->funcs, &r->funcs_cap, r->nfuncs + 1, sizeof *r->funcs) ||
        !pk_hashidx_insert(&r->func_index, h, (uint32_t)r->nfuncs))
        return PK_ENOMEM;
    r->funcs[r->nfuncs] = (cg_func){file, name, 0, 0, UINT32_MAX};
    *out = (uint32_t)r->nfuncs++;
    return PK_OK;
}

typedef struct edge_key {
    const reader *r;
    uint32_t caller, callee;
} edge_key;

static bool edge_eq(const void *ctx, uint32_t pos)
{
    const edge_key *k = ctx;
    const cg_edge *e = &k->r->edges[pos];
    return e->caller == k->caller && e->callee == k->callee;
}

static int add_call(reader *r, uint64_t count, uint64_t incl)
{
    edge_key k = {r, r->fn, r->callee};
    uint64_t h = pk_hash_mix(pk_hash_mix(2, r->fn), r->callee);
    uint32_t pos;
    cg_edge *e;

    if (!pk_hashidx_find(&pos, &r->edge_index, h, edge_eq, &k)) {
        if (r->nedges >= UINT32_MAX - 1 ||
            !pk_grow((void **)&r->edges, &r->edges_cap, r->nedges + 1, sizeof *r->edges) ||
            !pk_hashidx_insert(&r->edge_index, h, (uint32_t)r->nedges))
            return PK_ENOMEM;
        pos = (uint32_t)r->nedges++;
        r->edges[pos] = (cg_edge){r->fn, r->callee, 0, 0};
    }
    e = &r->edges[pos];
    if (count > MAX_COST - e->count || incl > MAX_COST - e->incl)
        return pk_lc_fail(&r->c, PK_EFORMAT, 0, "call counts or costs add up to more than 2^63");
    e->count += count;
    e->incl += incl;
    return PK_OK;
}

/* ---- name lines ---- */

/* Interns a name; bytes that are not UTF-8 become U+DC80 + byte, as the
 * pstats reader keeps them, so that what the callgrind writer wrote for
 * such a name (the byte itself) reads back as the same name (see
 * pk_utf8_append_file_text). */
static int intern_name(pk_str *out, reader *r, pk_span s)
{
    const uint8_t *u = (const uint8_t *)s.p;

    if (pk_utf8_file_text_ok(u, s.len))
        return pk_profile_intern(out, r->p, s.p, s.len) == PK_OK ? PK_OK : PK_ENOMEM;
    r->text.len = 0;
    pk_utf8_append_file_text(&r->text, u, s.len);
    if (r->text.failed)
        return PK_ENOMEM;
    return pk_profile_intern(out, r->p, (const char *)r->text.data, r->text.len) == PK_OK
               ? PK_OK
               : PK_ENOMEM;
}

/*
 * The name in s: "(id) name" defines id, "(id)" reuses it, anything else is
 * the name itself. Like callgrind_annotate, blanks after "(id)" are
 * skipped, and text that is not "(digits)" is a plain name.
 */
static int read_name(pk_str *out, reader *r, id_space *space, pk_span s)
{
    size_t close = 1;
    uint64_t id;
    pk_span digits, rest;

    while (close < s.len && is_digit(s.p[close]))
        close++;
    if (s.len < 3 || s.p[0] != '(' || close == 1 || close >= s.len || s.p[close] != ')')
        return intern_name(out, r, s);
    digits = (pk_span){s.p + 1, close - 1, s.col + 1};
    if (parse_u64(&id, digits, false, UINT64_MAX) != NULL)
        return fail_token(r, "name id", digits, "number out of range");
    rest = (pk_span){s.p + close + 1, s.len - close - 1, s.col + close + 1};
    while (rest.len > 0 && is_blank(rest.p[0]))
        rest = (pk_span){rest.p + 1, rest.len - 1, rest.col + 1};
    if (rest.len == 0) {
        if (!id_lookup(out, space, id))
            return pk_lc_fail(&r->c, PK_EFORMAT, 0, "%s id (%" PRIu64 ") used before it is defined",
                              space->what, id);
        return PK_OK;
    }
    if (intern_name(out, r, rest) != PK_OK || !id_define(space, id, *out))
        return PK_ENOMEM;
    return PK_OK;
}

static int need_fl(reader *r, const char *key)
{
    return r->has_fl ? PK_OK
                     : pk_lc_fail(&r->c, PK_EFORMAT, 0, "%s= before any fl= line", key);
}

static int on_fn(reader *r, pk_str name)
{
    int rc = need_fl(r, "fn");
    cg_func *f;

    if (rc == PK_OK)
        rc = func_get(&r->fn, r, r->fl, name);
    if (rc != PK_OK)
        return rc;
    r->has_fn = true;
    r->cur_file = r->fl; /* a new function starts in its own file */
    f = &r->funcs[r->fn];
    if (f->def_rank == UINT32_MAX)
        f->def_rank = (uint32_t)r->ndefined++;
    return PK_OK;
}

static int on_cfn(reader *r, pk_str name)
{
    int rc = need_fl(r, "cfn");

    /* cfi=/cfl= names the callee's file for this cfn= only; without it
     * the callee is in the current file (after fi=/fe=), as valgrind
     * writes it and callgrind_annotate reads it. */
    if (rc == PK_OK)
        rc = func_get(&r->callee, r, r->has_cfile ? r->cfile : r->cur_file, name);
    r->has_cfile = false;
    r->has_callee = rc == PK_OK;
    return rc;
}

static int on_calls(reader *r, pk_span rest)
{
    pk_span t = next_token(&rest);
    const char *why;

    if (!r->has_fn)
        return pk_lc_fail(&r->c, PK_EFORMAT, 0, "calls= before any fn= line");
    if (!r->has_callee)
        return pk_lc_fail(&r->c, PK_EFORMAT, 0, "calls= without a cfn= line before it");
    why = parse_u64(&r->call_count, t, false, MAX_COST);
    if (why)
        return fail_token(r, "calls= count", t, why);
    /* The target position that follows is not needed (callgrind_annotate
     * ignores it too). */
    r->call_pending = true;
    return PK_OK;
}

typedef enum name_key {
    KEY_OB, KEY_FL, KEY_FI, KEY_FE, KEY_FN, KEY_COB, KEY_CFI, KEY_CFL, KEY_CFN,
    KEY_JFI, KEY_JFN, KEY_CALLS, KEY_JUMP, KEY_JCND, KEY_UNKNOWN
} name_key;

static name_key key_of(pk_span k)
{
    static const char *const names[] = {"ob", "fl", "fi", "fe", "fn", "cob", "cfi",
                                        "cfl", "cfn", "jfi", "jfn", "calls", "jump", "jcnd"};
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (pk_span_eq(k, names[i]))
            return (name_key)i;
    }
    return KEY_UNKNOWN;
}

static id_space *space_of(reader *r, name_key k)
{
    switch (k) {
    case KEY_OB:
    case KEY_COB:
        return &r->objs;
    case KEY_FN:
    case KEY_CFN:
    case KEY_JFN:
        return &r->fns;
    default:
        return &r->files;
    }
}

static int use_name(reader *r, name_key k, pk_str name)
{
    switch (k) {
    case KEY_FL:
        r->fl = r->cur_file = name;
        r->has_fl = true;
        return PK_OK;
    case KEY_FI:
    case KEY_FE:
        if (!r->has_fn)
            return pk_lc_fail(&r->c, PK_EFORMAT, 0, "fi= or fe= before any fn= line");
        r->cur_file = name;
        return PK_OK;
    case KEY_FN:
        return on_fn(r, name);
    case KEY_CFI:
    case KEY_CFL:
        r->cfile = name;
        r->has_cfile = true;
        return PK_OK;
    case KEY_CFN:
        return on_cfn(r, name);
    default:
        return PK_OK; /* objects and jump targets: only their ids matter */
    }
}

static int name_line(reader *r, pk_span key, pk_span value)
{
    name_key k = key_of(key);
    pk_str name;
    int rc;

    if (k == KEY_UNKNOWN) {
        char text[32];
        return pk_lc_fail(&r->c, PK_EFORMAT, 0, "unknown line '%s='",
                          pk_span_excerpt(text, sizeof text, key));
    }
    if (r->call_pending)
        return pk_lc_fail(&r->c, PK_EFORMAT, 0, "calls= line not followed by a cost line");
    if (k == KEY_CALLS)
        return on_calls(r, value);
    if (k == KEY_JUMP || k == KEY_JCND)
        return PK_OK;
    rc = read_name(&name, r, space_of(r, k), value);
    return rc == PK_OK ? use_name(r, k, name) : rc;
}

/* ---- cost lines ---- */

/* One position column: absolute (decimal, or 0x hex), "+n"/"-n" relative
 * to the column's previous value, or "*" for the same value. */
static const char *parse_position(uint64_t *v, pk_span t, uint64_t prev)
{
    uint64_t n;
    const char *why;

    if (pk_span_eq(t, "*")) {
        *v = prev;
        return NULL;
    }
    if (t.len > 0 && (t.p[0] == '+' || t.p[0] == '-')) {
        why = parse_u64(&n, (pk_span){t.p + 1, t.len - 1, t.col + 1}, false, UINT64_MAX);
        if (why)
            return why;
        if (t.p[0] == '+' ? n > UINT64_MAX - prev : n > prev)
            return "position out of range";
        *v = t.p[0] == '+' ? prev + n : prev - n;
        return NULL;
    }
    return parse_u64(v, t, true, UINT64_MAX);
}

static int read_positions(int64_t *line, reader *r, pk_span *rest)
{
    size_t i;

    *line = 0;
    for (i = 0; i < r->npos; i++) {
        pk_span t = next_token(rest);
        uint64_t v;
        const char *why;
        if (t.len == 0)
            return pk_lc_fail(&r->c, PK_EFORMAT, 0,
                              "cost line with %zu of %zu positions", i, r->npos);
        why = parse_position(&v, t, r->prev[i]);
        if (!why && (int)i == r->line_col && v > INT64_MAX)
            why = "line out of range";
        if (why)
            return fail_token(r, "position", t, why);
        r->prev[i] = v;
        if ((int)i == r->line_col)
            *line = (int64_t)v;
    }
    return PK_OK;
}

/* The first event's cost of the line (0 when absent); the others are only
 * checked. More costs than events is an error, as in callgrind_annotate. */
static int read_costs(uint64_t *first, reader *r, pk_span rest)
{
    size_t n = 0;
    pk_span t;

    *first = 0;
    while ((t = next_token(&rest)).len > 0) {
        uint64_t v;
        const char *why = parse_u64(&v, t, false, MAX_COST);
        if (why)
            return fail_token(r, "cost", t, why);
        if (++n > r->nevents)
            return pk_lc_fail(&r->c, PK_EFORMAT, 0, "too many event counts (%zu for %zu events)",
                              n, r->nevents);
        if (n == 1)
            *first = v;
    }
    return PK_OK;
}

static int cost_line(reader *r, pk_span s)
{
    int64_t line;
    uint64_t cost;
    cg_func *f;
    int rc;

    if (r->nevents == 0)
        return pk_lc_fail(&r->c, PK_EFORMAT, 0, "cost line before the events: line");
    if (!r->has_fn)
        return pk_lc_fail(&r->c, PK_EFORMAT, 0, "cost line before any fn= line");
    rc = read_positions(&line, r, &s);
    if (rc == PK_OK)
        rc = read_costs(&cost, r, s);
    if (rc != PK_OK)
        return rc;
    f = &r->funcs[r->fn];
    if (line > 0 && r->cur_file == f->file && (f->line == 0 || line < f->line))
        f->line = line;
    /* callgrind_annotate takes "calls=0" as no call: the line after it
     * is a self cost line. So do we. */
    if (r->call_pending && r->call_count > 0) {
        r->call_pending = false;
        return add_call(r, r->call_count, cost);
    }
    r->call_pending = false;
    if (cost > MAX_COST - f->self)
        return pk_lc_fail(&r->c, PK_EFORMAT, 0, "costs of one function add up to more than 2^63");
    f->self += cost;
    return PK_OK;
}

/* ---- header lines ---- */

static int on_positions(reader *r, pk_span value)
{
    pk_span t;
    size_t n = 0;
    int line_col = -1;

    while ((t = next_token(&value)).len > 0) {
        if (n == MAX_POSITIONS || !(pk_span_eq(t, "line") || pk_span_eq(t, "instr") ||
                                    pk_span_eq(t, "addr")))
            return fail_token(r, "positions:", t, "expected 'line', 'instr' or both");
        if (pk_span_eq(t, "line")) {
            if (line_col >= 0)
                return fail_token(r, "positions:", t, "'line' twice");
            line_col = (int)n;
        }
        n++;
    }
    if (n == 0)
        return pk_lc_fail(&r->c, PK_EFORMAT, 0, "positions: names no position");
    r->npos = n;
    r->line_col = line_col;
    memset(r->prev, 0, sizeof r->prev);
    return PK_OK;
}

/* Time units become seconds; other events are counts kept as they are. */
static double per_second(pk_span event)
{
    static const struct {
        const char *name;
        double per_second;
    } units[] = {{"s", 1.0}, {"ms", 1e3}, {"us", 1e6}, {"\xc2\xb5s", 1e6}, {"ns", 1e9}};
    size_t i;

    for (i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (pk_span_eq(event, units[i].name))
            return units[i].per_second;
    }
    return 0.0;
}

static int on_events(reader *r, pk_span value)
{
    pk_span rest = value, first = next_token(&rest), t;
    size_t n = 1;

    if (first.len == 0)
        return pk_lc_fail(&r->c, PK_EFORMAT, 0, "events: names no event");
    if (r->nevents > 0) {
        /* Parts appended to one file repeat the header. */
        if (value.len != r->events.len || memcmp(value.p, r->events.data, value.len) != 0)
            return pk_lc_fail(&r->c, PK_EFORMAT, 0, "events: line differs from the first one");
        return PK_OK;
    }
    while ((t = next_token(&rest)).len > 0)
        n++;
    pk_buf_append(&r->events, value.p, value.len);
    if (r->events.failed ||
        pk_profile_set_cost_unit(r->p, first.p, first.len, per_second(first)) != PK_OK)
        return PK_ENOMEM;
    r->nevents = n;
    return PK_OK;
}

static int on_total(reader *r, uint64_t *out, bool *has, pk_span value)
{
    /* callgrind_annotate stops its header at events: and ignores a
     * summary: or totals: before it; so do we. */
    if (r->nevents == 0)
        return PK_OK;
    *has = true;
    return read_costs(out, r, value);
}

static int on_version(reader *r, pk_span value)
{
    pk_span rest = value, t = next_token(&rest), major = t;
    uint64_t v;

    pk_span_cut(&major, &rest, t, '.');
    if (parse_u64(&v, major, false, UINT64_MAX) != NULL)
        return fail_token(r, "version:", t, "not a number");
    if (v >= 2)
        return pk_lc_fail(&r->c, PK_EUNSUPPORTED, 0,
                          "format version %" PRIu64 " is not supported (only version 1)", v);
    return PK_OK;
}

static int header_line(reader *r, pk_span key, pk_span value)
{
    while (value.len > 0 && is_blank(value.p[0]))
        value = (pk_span){value.p + 1, value.len - 1, value.col + 1};
    if (r->call_pending)
        return pk_lc_fail(&r->c, PK_EFORMAT, 0, "calls= line not followed by a cost line");
    if (pk_span_eq(key, "version"))
        return on_version(r, value);
    if (pk_span_eq(key, "positions"))
        return on_positions(r, value);
    if (pk_span_eq(key, "events"))
        return on_events(r, value);
    if (pk_span_eq(key, "summary"))
        return on_total(r, &r->summary, &r->has_summary, value);
    if (pk_span_eq(key, "totals"))
        return on_total(r, &r->totals, &r->has_totals, value);
    if (pk_span_eq(key, "cmd") && !pk_profile_command(r->p)) {
        /* Trailing blanks and carriage returns say nothing, and a file
         * cannot keep a value ending in CR (line ends drop it). */
        while (value.len > 0 && (is_blank(value.p[value.len - 1]) || value.p[value.len - 1] == '\r'))
            value.len--;
        return pk_profile_set_command(r->p, value.p, value.len);
    }
    return PK_OK; /* creator, pid, part, desc, event, ...: not needed */
}

/* ---- lines ---- */

static bool is_key_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || is_digit(ch) || ch == '_' ||
           ch == ' ' || ch == '(' || ch == ')' || ch == '-';
}

static bool is_blank_line(pk_span s)
{
    size_t i;
    for (i = 0; i < s.len; i++) {
        if (!is_blank(s.p[i]) && s.p[i] != '\r' && s.p[i] != '\f' && s.p[i] != '\v')
            return false;
    }
    return true;
}

static int read_line(reader *r)
{
    pk_span s = pk_lc_span(&r->c), key, value;
    size_t i = 0;
    char text[32];

    if (is_blank_line(s) || s.p[0] == '#')
        return PK_OK;
    if (is_digit(s.p[0]) || s.p[0] == '+' || s.p[0] == '-' || s.p[0] == '*')
        return cost_line(r, s);
    while (i < s.len && s.p[i] >= 'a' && s.p[i] <= 'z')
        i++;
    if (i > 0 && i < s.len && s.p[i] == '=') {
        pk_span_cut(&key, &value, s, '=');
        return name_line(r, key, value);
    }
    while (i < s.len && is_key_char(s.p[i]))
        i++;
    if (i > 0 && i < s.len && s.p[i] == ':' && (s.p[0] < '0' || s.p[0] > '9')) {
        pk_span_cut(&key, &value, s, ':');
        return header_line(r, key, value);
    }
    return pk_lc_fail(&r->c, PK_EFORMAT, 0, "unrecognised line '%s'",
                      pk_span_excerpt(text, sizeof text, s));
}

/* ---- the model ---- */

static double to_model(const reader *r, uint64_t v)
{
    double per = pk_profile_cost_per_second(r->p);
    return per > 0 ? (double)v / per : (double)v;
}

/* Functions with an fn= block in the order of their first one, then the
 * ones only ever called, in the order they were named: what the writer
 * writes back in the same order. */
static int add_functions(uint32_t *model_ix, reader *r)
{
    uint32_t *order = pk_malloc((r->nfuncs ? r->nfuncs : 1) * sizeof *order);
    size_t i, next = r->ndefined;
    int rc = order ? PK_OK : PK_ENOMEM;

    for (i = 0; rc == PK_OK && i < r->nfuncs; i++) {
        uint32_t rank = r->funcs[i].def_rank;
        order[rank != UINT32_MAX ? rank : next++] = (uint32_t)i;
    }
    for (i = 0; rc == PK_OK && i < r->nfuncs; i++) {
        const cg_func *f = &r->funcs[order[i]];
        pk_func *pf;
        rc = pk_profile_func_get(&model_ix[order[i]], NULL, r->p, f->file, f->line, f->name);
        if (rc != PK_OK)
            break;
        pf = pk_profile_func(r->p, model_ix[order[i]]);
        pf->stats.tottime = to_model(r, f->self);
        pf->stats.cumtime = (double)f->self; /* in costs; edges add, then scaled */
    }
    pk_free(order);
    return rc;
}

/* Edges grouped by caller in function order, each caller's in the order
 * of their first call (a counting sort), so that a written file reads
 * back to the same edge order. */
static int add_edges(reader *r, const uint32_t *model_ix)
{
    size_t nf = r->nfuncs, i;
    size_t *start = pk_calloc(nf + 1, sizeof *start);
    uint32_t *sorted = pk_malloc((r->nedges ? r->nedges : 1) * sizeof *sorted);
    int rc = start && sorted ? pk_profile_edge_reserve(r->p, r->nedges) : PK_ENOMEM;

    for (i = 0; rc == PK_OK && i < r->nedges; i++)
        start[model_ix[r->edges[i].caller] + 1]++;
    for (i = 0; rc == PK_OK && i < nf; i++)
        start[i + 1] += start[i];
    for (i = 0; rc == PK_OK && i < r->nedges; i++)
        sorted[start[model_ix[r->edges[i].caller]]++] = (uint32_t)i;
    for (i = 0; rc == PK_OK && i < r->nedges; i++) {
        const cg_edge *e = &r->edges[sorted[i]];
        uint32_t caller = model_ix[e->caller], callee = model_ix[e->callee], ix;
        pk_edge *pe;
        pk_func *f;
        bool self = caller == callee;
        rc = pk_profile_edge_get(&ix, NULL, r->p, caller, callee);
        if (rc != PK_OK)
            break;
        pe = pk_profile_edge(r->p, ix);
        pe->stats.ncalls = (int64_t)e->count;
        pe->stats.pcalls = self ? 0 : (int64_t)e->count; /* as cProfile's recursive edges */
        pe->stats.cumtime = to_model(r, e->incl);
        /* tottime stays 0: callgrind has no self cost per call edge */
        f = pk_profile_func(r->p, callee);
        f->stats.ncalls += (int64_t)e->count;
        f->stats.pcalls += self ? 0 : (int64_t)e->count;
        if (!self)
            pk_profile_func(r->p, caller)->stats.cumtime += (double)e->incl;
    }
    pk_free(start);
    pk_free(sorted);
    return rc;
}

static int build_model(reader *r)
{
    uint32_t *model_ix = pk_malloc((r->nfuncs ? r->nfuncs : 1) * sizeof *model_ix);
    double total = 0.0, per = pk_profile_cost_per_second(r->p);
    size_t i, n;
    int rc = model_ix ? add_functions(model_ix, r) : PK_ENOMEM;

    if (rc == PK_OK)
        rc = add_edges(r, model_ix);
    pk_free(model_ix);
    n = pk_profile_func_count(r->p);
    for (i = 0; rc == PK_OK && per > 0 && i < n; i++)
        pk_profile_func(r->p, (uint32_t)i)->stats.cumtime /= per;
    /* The program total as callgrind_annotate takes it: summary:, else
     * totals:, else the sum of the functions (summed as costs, then
     * scaled, so that a written summary: reads back the same). */
    for (i = 0; i < r->nfuncs; i++)
        total += (double)r->funcs[i].self;
    if (r->has_summary && r->summary > 0)
        total = (double)r->summary;
    else if (r->has_totals && r->totals > 0)
        total = (double)r->totals;
    pk_profile_set_total_time(r->p, per > 0 ? total / per : total);
    pk_profile_set_source(r->p, PK_SOURCE_CALLGRIND);
    return rc;
}

static void reader_dispose(reader *r)
{
    id_dispose(&r->files);
    id_dispose(&r->fns);
    id_dispose(&r->objs);
    pk_free(r->funcs);
    pk_hashidx_dispose(&r->func_index);
    pk_free(r->edges);
    pk_hashidx_dispose(&r->edge_index);
    pk_buf_dispose(&r->events);
    pk_buf_dispose(&r->text);
}

static int finish(reader *r)
{
    if (r->c.failed)
        return r->c.err ? r->c.err->code : PK_EFORMAT;
    if (r->call_pending)
        return pk_lc_fail(&r->c, PK_EFORMAT, 0, "calls= line not followed by a cost line");
    if (r->nevents == 0)
        return pk_lc_fail(&r->c, PK_EFORMAT, 0, "no events: line (callgrind_annotate needs one)");
    return build_model(r);
}

int pk_callgrind__read(pk_profile *p, const uint8_t *buf, size_t len, pk_error *err)
{
    reader r;
    int rc = PK_OK;

    memset(&r, 0, sizeof r);
    r.p = p;
    r.files.what = "file";
    r.fns.what = "function";
    r.objs.what = "object";
    r.npos = 1; /* "positions: line" is the default */
    r.line_col = 0;
    pk_lc_init(&r.c, buf, len, FORMAT, err);
    while (rc == PK_OK && pk_lc_next(&r.c))
        rc = read_line(&r);
    if (rc == PK_OK)
        rc = finish(&r);
    if (rc == PK_ENOMEM)
        pk_error_set(err, PK_ENOMEM, FORMAT, -1, "out of memory at line %" PRIu64, r.c.lineno);
    reader_dispose(&r);
    return rc;
}

/* ---- sniffing ---- */

#define SNIFF_LINES 64

static bool starts_with(const uint8_t *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0;
}

/* A line a folded file may hold: it ends in blank + digits. */
static bool ends_in_count(const uint8_t *s, size_t n)
{
    size_t i = n;
    while (i > 0 && is_digit((char)s[i - 1]))
        i--;
    return i < n && i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t');
}

/*
 * "# callgrind format" on the first line, or an events: line that no
 * folded file would have (it does not end in a count) after nothing but
 * header lines, comments and blank lines. Folded text is tried after us,
 * so this must never claim a folded file.
 */
bool pk_callgrind__sniff(const uint8_t *buf, size_t len)
{
    static const char *const header[] = {"version:", "creator:", "pid:", "cmd:", "part:",
                                         "thread:", "desc:", "positions:", "event:",
                                         "summary:", "totals:"};
    size_t pos = 0, lines = 0, i;

    if (starts_with(buf, len, "# callgrind format"))
        return true;
    while (pos < len && lines++ < SNIFF_LINES) {
        const uint8_t *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - buf) : len, n = end - pos;
        const uint8_t *s = buf + pos;
        bool known = n == 0 || s[0] == '#' || (n == 1 && s[0] == '\r');
        if (starts_with(s, n, "events:"))
            return !ends_in_count(s, n > 0 && s[n - 1] == '\r' ? n - 1 : n);
        for (i = 0; !known && i < sizeof header / sizeof header[0]; i++)
            known = starts_with(s, n, header[i]);
        if (!known)
            return false;
        pos = end + 1;
    }
    return false;
}
