/*
 * memory_profiler's `mprof run` files (.dat): a reader and a writer.
 *
 * One record per line, "KIND fields" with single spaces (FORMATS.md 3):
 *   CMDLINE <command>                          once per run, by mprof
 *   MEM <mib> <t>                              every sample, by mprof
 *   CHLD <pid> <mib> <t>                       per child after MEM (-M)
 *   FUNC <name> <mem0> <t0> <mem1> <t1> [<level>]  per call, by the child
 * Lines come in any order: the child's FUNC lines usually land before the
 * parent's buffered CMDLINE and MEM lines. Runs appended to one file are
 * split as memory_build.h describes. Kinds mprof does not know are skipped,
 * as mprof skips them, and counted; a blank line or a line without a space
 * is an error, as it is for mprof. Beyond mprof: a FUNC name may contain
 * spaces (mprof writes `FUNC .two words ...` for such a timestamp label
 * and then cannot read it): the numbers are taken from the end of the line.
 */
#include "formats.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "memory_build.h"

#define FORMAT "mprof"

/* Ranges a sane file stays in: memory up to an exbibyte, times up to the
 * year 5000 in epoch seconds, pids and levels that fit an int32. */
#define MAX_MIB 1e12
#define MAX_TIME 1e11
#define MAX_FIELDS 5

static const char *const kinds[] = {"CMDLINE ", "MEM ", "FUNC ", "CHLD "};

bool pk_mprof__sniff(const uint8_t *buf, size_t len)
{
    size_t i;
    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t n = strlen(kinds[i]);
        if (len >= n && memcmp(buf, kinds[i], n) == 0)
            return true;
    }
    return false;
}

static int bad_number(pk_lc *c, const char *kind, const char *what, pk_span s,
                      const char *why)
{
    char text[32];
    return pk_lc_fail(c, PK_EFORMAT, s.col, "bad %s %s '%s': %s", kind, what,
                      pk_span_excerpt(text, sizeof text, s), why);
}

static bool num(double *out, pk_lc *c, const char *kind, const char *what,
                pk_span s, double max)
{
    const char *why = pk_span_double(out, s, 0.0, max);
    if (why)
        bad_number(c, kind, what, s, why);
    return why == NULL;
}

static bool whole(int64_t *out, pk_lc *c, const char *kind, const char *what,
                  pk_span s)
{
    const char *why = pk_span_i64(out, s, 0, INT32_MAX);
    if (why)
        bad_number(c, kind, what, s, why);
    return why == NULL;
}

/* Splits s at single spaces into exactly n fields; an empty field (two
 * spaces, or a space at the end) is an error, as it is for mprof. */
static bool fields(pk_span *f, size_t n, pk_lc *c, const char *kind,
                   const char *names, pk_span s)
{
    size_t i, found = pk_span_count(s, ' ') + 1;
    pk_span rest = s;

    if (found != n) {
        pk_lc_fail(c, PK_EFORMAT, s.col, "%s needs %zu fields (%s), found %zu", kind, n,
                   names, found);
        return false;
    }
    for (i = 0; i < n; i++) {
        pk_span_cut(&f[i], &rest, rest, ' ');
        if (f[i].len == 0) {
            pk_lc_fail(c, PK_EFORMAT, f[i].col, "empty %s field", kind);
            return false;
        }
    }
    return true;
}

static int read_mem(pk_profile *p, pk_lc *c, pk_span rest)
{
    pk_span f[2];
    double mib, t;

    if (!fields(f, 2, c, "MEM", "mib, time", rest) ||
        !num(&mib, c, "MEM", "mib", f[0], MAX_MIB) ||
        !num(&t, c, "MEM", "time", f[1], MAX_TIME))
        return PK_EFORMAT;
    return pk_memory__add_sample(p, t, mib);
}

static int read_chld(pk_profile *p, pk_lc *c, pk_span rest)
{
    pk_span f[3];
    int64_t pid;
    double mib, t;

    if (!fields(f, 3, c, "CHLD", "pid, mib, time", rest) ||
        !whole(&pid, c, "CHLD", "pid", f[0]) ||
        !num(&mib, c, "CHLD", "mib", f[1], MAX_MIB) ||
        !num(&t, c, "CHLD", "time", f[2], MAX_TIME))
        return PK_EFORMAT;
    return pk_memory__add_child_sample(p, pid, t, mib);
}

/* Whether a FUNC line's last field is the level: a whole number. The
 * other numbers are written with a fraction (%.4f). */
static bool is_level(pk_span s)
{
    int64_t v;
    return pk_span_i64(&v, s, INT64_MIN, INT64_MAX) == NULL;
}

/*
 * FUNC <name> <mem0> <t0> <mem1> <t1> [<level>]. With 5 fields there is no
 * level; with 6 or more the last is the level when it is a whole number,
 * and the name is whatever is left in front of the numbers.
 */
static int read_func(pk_profile *p, pk_lc *c, pk_span rest)
{
    pk_span name, f[MAX_FIELDS], last;
    size_t i, nf = pk_span_count(rest, ' ') + 1, nnum;
    double v[4];
    int64_t level = -1;
    pk_mem_call call;

    if (nf < 5)
        return pk_lc_fail(c, PK_EFORMAT, rest.col,
                          "FUNC needs 5 or 6 fields (name, mem0, t0, mem1, t1[, level]), found %zu",
                          nf);
    pk_span_cut_last(&name, &last, rest, ' ');
    nnum = nf >= 6 && is_level(last) ? 5 : 4;
    name = rest;
    for (i = nnum; i-- > 0;) {
        pk_span_cut_last(&name, &f[i], name, ' ');
        if (f[i].len == 0)
            return pk_lc_fail(c, PK_EFORMAT, f[i].col, "empty FUNC field");
    }
    if (name.len == 0)
        return pk_lc_fail(c, PK_EFORMAT, name.col, "empty FUNC name");
    if (!num(&v[0], c, "FUNC", "mem0", f[0], MAX_MIB) ||
        !num(&v[1], c, "FUNC", "t0", f[1], MAX_TIME) ||
        !num(&v[2], c, "FUNC", "mem1", f[2], MAX_MIB) ||
        !num(&v[3], c, "FUNC", "t1", f[3], MAX_TIME) ||
        (nnum == 5 && !whole(&level, c, "FUNC", "level", f[4])))
        return PK_EFORMAT;
    memset(&call, 0, sizeof call);
    if (pk_profile_intern(&call.name, p, name.p, name.len) != PK_OK)
        return PK_ENOMEM;
    call.mem0 = v[0];
    call.t0 = v[1];
    call.mem1 = v[2];
    call.t1 = v[3];
    call.level = (int32_t)level;
    call.line = c->lineno;
    return pk_memory__add_call(p, &call);
}

/* One line; *known is set when its kind is one mprof reads. */
static int read_line(pk_profile *p, pk_lc *c, bool *known)
{
    pk_span kind, rest, line = pk_lc_span(c);

    *known = true;
    if (line.len == 0)
        return pk_lc_fail(c, PK_EFORMAT, 0, "blank line (mprof refuses the file too)");
    /* Python reads a lone CR as a line end; rather than guess, refuse. */
    if (pk_span_has(line, '\r'))
        return pk_lc_fail(c, PK_EFORMAT, 0, "carriage return inside a line (only CRLF or LF line ends)");
    if (!pk_span_cut(&kind, &rest, line, ' '))
        return pk_lc_fail(c, PK_EFORMAT, 1, "expected a kind and a space (CMDLINE, MEM, FUNC, CHLD)");
    if (pk_span_eq(kind, "MEM"))
        return read_mem(p, c, rest);
    if (pk_span_eq(kind, "FUNC"))
        return read_func(p, c, rest);
    if (pk_span_eq(kind, "CHLD"))
        return read_chld(p, c, rest);
    if (pk_span_eq(kind, "CMDLINE"))
        return pk_memory__begin_run(p, rest.p, rest.len);
    *known = false;
    return pk_memory__count_unknown(p);
}

int pk_mprof__read(pk_profile *p, const uint8_t *buf, size_t len, pk_error *err)
{
    pk_lc c;
    uint64_t known = 0;
    int rc = PK_OK;

    pk_lc_init(&c, buf, len, FORMAT, err);
    pk_profile_set_source(p, PK_SOURCE_MPROF);
    while (rc == PK_OK && pk_lc_next(&c)) {
        bool is_known;
        rc = read_line(p, &c, &is_known);
        known += is_known;
    }
    if (rc == PK_OK && c.failed)
        rc = PK_EFORMAT; /* a NUL byte stopped the cursor */
    if (rc == PK_OK && known == 0)
        rc = pk_error_set(err, PK_EFORMAT, FORMAT, 0, /* the first line is not one either */
                          "no CMDLINE, MEM, FUNC or CHLD line in %" PRIu64 " lines, at line 1",
                          c.lineno);
    if (rc == PK_OK)
        rc = pk_memory__finish(p);
    if (rc == PK_ENOMEM)
        pk_error_set(err, PK_ENOMEM, FORMAT, -1, "out of memory at line %" PRIu64, c.lineno);
    return rc;
}

/* ---- writer ---- */

/*
 * A number as mprof writes it (decimals places) when that text reads back
 * as the same double, else its shortest exact form; always with a '.' or
 * an exponent, so that it never looks like a FUNC level.
 */
static void put_num(pk_buf *out, double v, int decimals)
{
    char text[64];
    int prec;

    snprintf(text, sizeof text, "%.*f", decimals, v);
    for (prec = 15; strtod(text, NULL) != v && prec <= 17; prec++)
        snprintf(text, sizeof text, "%.*g", prec, v);
    if (!strpbrk(text, ".e"))
        strcat(text, ".0");
    pk_buf_append(out, text, strlen(text));
}

static void put_text(pk_buf *out, const char *s)
{
    pk_buf_append(out, s, strlen(s));
}

static void put_series(pk_buf *out, const pk_mem_series *s, bool child)
{
    size_t i;
    char pid[32];

    snprintf(pid, sizeof pid, "CHLD %" PRId64 " ", s->pid);
    for (i = 0; i < s->n; i++) {
        put_text(out, child ? pid : "MEM ");
        put_num(out, s->samples[i].mib, 6);
        pk_buf_byte(out, ' ');
        put_num(out, s->samples[i].t, 4);
        pk_buf_byte(out, '\n');
    }
}

static void put_call(pk_buf *out, const pk_profile *p, const pk_mem_call *c)
{
    char level[32];

    put_text(out, "FUNC ");
    pk_buf_append(out, pk_profile_str(p, c->name), pk_profile_str_len(p, c->name));
    pk_buf_byte(out, ' ');
    put_num(out, c->mem0, 4);
    pk_buf_byte(out, ' ');
    put_num(out, c->t0, 4);
    pk_buf_byte(out, ' ');
    put_num(out, c->mem1, 4);
    pk_buf_byte(out, ' ');
    put_num(out, c->t1, 4);
    if (c->level >= 0) {
        snprintf(level, sizeof level, " %" PRId32, c->level);
        put_text(out, level);
    }
    pk_buf_byte(out, '\n');
}

int pk_mprof__write(pk_buf *out, const pk_profile *p, pk_error *err)
{
    size_t r, i, n = pk_memory_run_count(p);

    if (n == 0)
        return pk_error_set(err, PK_ENODATA, FORMAT, -1,
                            "the profile has no memory samples to write (read an mprof .dat file)");
    for (r = 0; r < n; r++) {
        const pk_mem_run *run = pk_memory_run(p, r);
        /* mprof's own order: the child's FUNC lines, then the parent's. */
        for (i = 0; i < run->ncalls; i++)
            put_call(out, p, &run->calls[i]);
        if (run->has_cmdline) {
            put_text(out, "CMDLINE ");
            pk_buf_append(out, pk_profile_str(p, run->cmdline),
                          pk_profile_str_len(p, run->cmdline));
            pk_buf_byte(out, '\n');
        }
        put_series(out, &run->main, false);
        for (i = 0; i < run->nchildren; i++)
            put_series(out, &run->children[i], true);
    }
    if (out->failed)
        return pk_error_set(err, PK_ENOMEM, FORMAT, -1, "out of memory writing mprof");
    return PK_OK;
}
