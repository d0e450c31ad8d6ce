/*
 * The callgrind reader and writer (formats/callgrind.c, callgrind_write.c):
 * grammar cases built in code, the real samples in samples/callgrind/
 * (valgrind's own files), truncated prefixes, allocation failures and
 * round trips callgrind -> model -> callgrind -> model.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <profkit/analysis.h>
#include <profkit/io.h>
#include <profkit/profile.h>

#include "alloc.h"
#include "buf.h"
#include "formats.h"
#include "../support/profile_eq.h"
#include "../support/test_files.h"

#define SAMPLE_DIR PK_SOURCE_ROOT "/samples/callgrind"
#define FOLDED_DIR PK_SOURCE_ROOT "/samples/folded"
#define SCRATCH "/tmp/profkit-callgrind/"
#define PSTATS_SAMPLE PK_SOURCE_ROOT "/samples/pstats/shapes_cprofile_py3.11.7.pstats"

/* ---- helpers ---- */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted paths of the files in dir whose name contains part, NULL-terminated. */
static char **paths_in(const char *dir, const char *part)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL, path[1024];
    size_t n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (!strstr(e->d_name, part))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        names = realloc(names, (n + 2) * sizeof *names);
        assert_non_null(names);
        names[n++] = strdup(path);
    }
    closedir(d);
    assert_true(n > 0);
    names[n] = NULL;
    qsort(names, n, sizeof *names, cmp_names);
    return names;
}

static void free_names(char **names)
{
    size_t i;
    for (i = 0; names[i]; i++)
        free(names[i]);
    free(names);
}

static int read_text(pk_profile **out, const char *text, size_t len, pk_error *err)
{
    int rc;
    assert_int_equal(pk_profile_new(out), PK_OK);
    rc = pk_callgrind__read(*out, (const uint8_t *)text, len, err);
    if (rc != PK_OK) {
        pk_profile_free(*out);
        *out = NULL;
    }
    return rc;
}

static pk_profile *read_ok(const char *text)
{
    pk_profile *p;
    pk_error err = PK_ERROR_INIT;
    int rc = read_text(&p, text, strlen(text), &err);
    if (rc != PK_OK)
        fail_msg("read failed: %s", err.msg);
    return p;
}

/* The whole sample, gunzipped when it is .gz (pk_read does that). */
static pk_profile *read_sample(const char *path)
{
    pk_profile *p;
    pk_error err = PK_ERROR_INIT;
    if (pk_read(&p, path, NULL, &err) != PK_OK)
        fail_msg("%s: %s", path, err.msg);
    assert_int_equal(pk_profile_source(p), PK_SOURCE_CALLGRIND);
    return p;
}

static const pk_func *find(pk_profile *p, const char *file, const char *name)
{
    size_t i, n = pk_profile_func_count(p);
    for (i = 0; i < n; i++) {
        const pk_func *f = pk_profile_func_c(p, (uint32_t)i);
        if (strcmp(pk_profile_str(p, f->file), file) == 0 &&
            strcmp(pk_profile_str(p, f->name), name) == 0)
            return f;
    }
    fail_msg("no function %s:%s", file, name);
    return NULL;
}

static uint32_t index_of(pk_profile *p, const char *file, const char *name)
{
    const pk_func *f = find(p, file, name);
    size_t i;
    for (i = 0; pk_profile_func_c(p, (uint32_t)i) != f; i++)
        ;
    return (uint32_t)i;
}

static const pk_edge *edge(pk_profile *p, const char *caller, const char *callee, const char *file)
{
    uint32_t e;
    if (!pk_profile_edge_find(&e, p, index_of(p, file, caller), index_of(p, file, callee)))
        fail_msg("no edge %s -> %s", caller, callee);
    return pk_profile_edge_c(p, e);
}

static char *write_text(pk_profile *p)
{
    pk_buf out = PK_BUF_INIT;
    pk_error err = PK_ERROR_INIT;
    if (pk_callgrind__write(&out, p, &err) != PK_OK)
        fail_msg("write failed: %s", err.msg);
    pk_buf_byte(&out, 0);
    assert_false(out.failed);
    return (char *)out.data; /* pk_buf uses pk_malloc, which is malloc */
}

#define HEAD "# callgrind format\nversion: 1\n"

/* ---- the grammar ---- */

static void test_callgrind__format_sample(void **state)
{
    pk_profile *p = read_sample(PK_SOURCE_ROOT "/samples/callgrind/tiny.callgrind");
    const pk_func *fib = find(p, "tiny.py", "fib"), *mod = find(p, "tiny.py", "<module>");
    const pk_edge *rec = edge(p, "fib", "fib", "tiny.py");

    (void)state;
    assert_string_equal(pk_profile_cost_name(p), "ns");
    assert_true(pk_profile_cost_per_second(p) == 1e9);
    assert_string_equal(pk_profile_command(p), "python3 tiny.py");
    assert_int_equal(pk_profile_func_count(p), 5);
    assert_int_equal(pk_profile_edge_count(p), 5);
    assert_true(pk_profile_total_time(p) == 21152 / 1e9);
    /* fib: 1 call from main, 14 from itself; its recursion is in its self
     * cost already, so cumtime = self */
    assert_int_equal(fib->stats.ncalls, 15);
    assert_int_equal(fib->stats.pcalls, 1);
    assert_true(fib->stats.tottime == 7401 / 1e9);
    assert_true(fib->stats.cumtime == 7401 / 1e9);
    assert_int_equal(rec->stats.ncalls, 14);
    assert_int_equal(rec->stats.pcalls, 0);
    assert_true(rec->stats.cumtime == 6279 / 1e9);
    assert_true(rec->stats.tottime == 0.0);
    assert_int_equal(fib->line, 1);
    assert_int_equal(find(p, "tiny.py", "main")->line, 4);
    assert_int_equal(find(p, "~", "<built-in method builtins.len>")->line, 0);
    assert_true(mod->stats.cumtime == (2383.0 + 14041.0) / 1e9);
    assert_int_equal(mod->stats.ncalls, 0);
    pk_profile_free(p);
}

/* Files, functions and objects have separate id spaces; "(id)" reuses,
 * a new "(id) name" redefines, text that is not "(digits)" is a name. */
static void test_callgrind__name_compression(void **state)
{
    pk_profile *p = read_ok(HEAD "events: Ir\n"
                                 "ob=(1) obj\nfl=(1) a.c\nfn=(1) main\n1 5\n"
                                 "cob=(1)\ncfn=(2) (anonymous)\ncalls=1 3\n2 7\n"
                                 "fn=(2)\n3 7\n"
                                 "fl=(2) b.c\nfn=(1)\n4 1\n"
                                 "fn=(1) other\n5 2\n"
                                 "fl=(1)\nfn=(3)  spaced\n6 3\n");

    (void)state;
    assert_true(find(p, "a.c", "main")->stats.tottime == 5);
    assert_true(find(p, "a.c", "(anonymous)")->stats.tottime == 7);
    assert_true(find(p, "b.c", "main")->stats.tottime == 1);
    assert_true(find(p, "b.c", "other")->stats.tottime == 2);
    assert_true(find(p, "a.c", "spaced")->stats.tottime == 3);
    assert_null(pk_profile_command(p));
    assert_string_equal(pk_profile_cost_name(p), "Ir");
    assert_true(pk_profile_cost_per_second(p) == 0.0);
    pk_profile_free(p);
}

/* Relative positions per column, hex addresses, "instr line", and the
 * lowest positive line of the function's own file. */
/* A name byte that is not UTF-8 reads as U+DC80 + byte, as the pstats
 * reader keeps it; the writer writes that byte again, so a surrogate read
 * from a pstats file and the raw byte are one name, and round trips keep
 * it. Bytes that look like such a surrogate (ED B2|B3 xx) are three stray
 * bytes, as Python's strict decoder has them: kept as one, they came back
 * as one byte that could join its neighbours into another character (ED,
 * then ED B2 9E and 9E, wrote ED 9E 9E: U+D79E; found by fuzz_callgrind). */
static void test_callgrind__names_not_utf8(void **state)
{
    pk_profile *p, *back;
    char *text, why[256];

    (void)state;
    p = read_ok(HEAD "events: Ir\nfl=lat\xe9n.py\nfn=f\xe9\n1 3\nfn=g\xed\xb3\xa9\x80\n2 4\n"
                     "fn=h\xed\xed\xb2\x9e\x9e\n3 5\n");
    find(p, "lat\xed\xb3\xa9n.py", "f\xed\xb3\xa9");
    find(p, "lat\xed\xb3\xa9n.py", "g\xed\xb3\xad\xed\xb2\xb3\xed\xb2\xa9\xed\xb2\x80");
    find(p, "lat\xed\xb3\xa9n.py", "h\xed\xb3\xad\xed\xb3\xad\xed\xb2\xb2\xed\xb2\x9e\xed\xb2\x9e");
    text = write_text(p);
    assert_non_null(strstr(text, "fl=(1) lat\xe9n.py\n"));
    assert_non_null(strstr(text, " g\xed\xb3\xa9\x80\n"));
    assert_non_null(strstr(text, " h\xed\xed\xb2\x9e\x9e\n"));
    back = read_ok(text);
    if (!pk_test_profiles_equal(p, back, why, sizeof why))
        fail_msg("round trip: %s", why);
    free(text);
    pk_profile_free(back);
    pk_profile_free(p);
}

static void test_callgrind__positions(void **state)
{
    pk_profile *p = read_ok(HEAD "positions: instr line\nevents: Ir Dr\n"
                                 "fl=(1) a.c\nfn=(1) f\n"
                                 "0x1000 20 1 9\n+4 * 2\n+2 -5 3\n* +1 4\n"
                                 "fi=(2) a.h\n0x10 3 100\nfe=(1)\n-1 +30 1000\n"
                                 "fn=(2) g\n0 0 1\n");
    const pk_func *f = find(p, "a.c", "f"), *g = find(p, "a.c", "g");

    (void)state;
    /* lines 20, 20, 15, 16; 3 is in a.h; 33 */
    assert_int_equal(f->line, 15);
    assert_true(f->stats.tottime == 1 + 2 + 3 + 4 + 100 + 1000);
    assert_int_equal(g->line, 0);
    pk_profile_free(p);
}

/* fi=/fe= keep costs in the function; a cfn= without cfi= is in the
 * current (fi) file; cfi= applies to one cfn= only. */
static void test_callgrind__inlined_files(void **state)
{
    pk_profile *p = read_ok(HEAD "events: Ir\n"
                                 "fl=(1) a.c\nfn=(1) f\n10 1\nfi=(2) a.h\n"
                                 "cfn=(2) h\ncalls=2 1\n5 40\n"
                                 "cfi=(1)\ncfn=(3) k\ncalls=1 1\n6 8\n"
                                 "cfn=(3)\ncalls=1 1\n7 9\n"
                                 "fe=(1)\n11 2\n");

    (void)state;
    assert_int_equal(pk_profile_func_count(p), 4);
    assert_true(find(p, "a.c", "f")->stats.tottime == 3);
    assert_true(find(p, "a.c", "f")->stats.cumtime == 3 + 40 + 8 + 9);
    assert_int_equal(find(p, "a.h", "h")->stats.ncalls, 2);
    assert_int_equal(find(p, "a.c", "k")->stats.ncalls, 1);
    assert_int_equal(find(p, "a.h", "k")->stats.ncalls, 1);
    assert_int_equal(find(p, "a.c", "f")->line, 10);
    pk_profile_free(p);
}

static void test_callgrind__time_units(void **state)
{
    static const struct {
        const char *event;
        double per_second;
    } cases[] = {{"ns", 1e9}, {"us", 1e6}, {"ms", 1e3}, {"s", 1.0}, {"Ir", 0.0}, {"samples", 0.0}};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[256];
        pk_profile *p;
        double want;
        snprintf(text, sizeof text, HEAD "events: %s Other\nfl=(1) a\nfn=(1) f\n1 1500 7\n",
                 cases[i].event);
        p = read_ok(text);
        want = cases[i].per_second > 0 ? 1500 / cases[i].per_second : 1500;
        assert_string_equal(pk_profile_cost_name(p), cases[i].event);
        assert_true(pk_profile_cost_per_second(p) == cases[i].per_second);
        assert_true(find(p, "a", "f")->stats.tottime == want);
        assert_true(pk_profile_total_time(p) == want);
        pk_profile_free(p);
    }
}

/* summary:, else totals:, else the sum; a summary: before events: is
 * ignored, as callgrind_annotate ignores it. */
static void test_callgrind__totals(void **state)
{
    pk_profile *a = read_ok(HEAD "events: Ir\nsummary: 50\nfl=a\nfn=f\n1 5\ntotals: 60\n");
    pk_profile *b = read_ok(HEAD "events: Ir\nfl=a\nfn=f\n1 5\ntotals: 60\n");
    pk_profile *c = read_ok(HEAD "summary: 70\nevents: Ir\nfl=a\nfn=f\n1 5\n2 6\n");

    (void)state;
    assert_true(pk_profile_total_time(a) == 50);
    assert_true(pk_profile_total_time(b) == 60);
    assert_true(pk_profile_total_time(c) == 11);
    pk_profile_free(a);
    pk_profile_free(b);
    pk_profile_free(c);
}

/* Jumps are skipped; blank, whitespace-only and # lines are ignored
 * anywhere; CRLF works; "calls=0" makes the next line a self cost line
 * (callgrind_annotate does so); costs may be missing. */
static void test_callgrind__other_lines(void **state)
{
    pk_profile *p = read_ok(HEAD "# comment\r\n\r\n  \t\nevents: Ir Dr\r\n"
                                 "fl=(1) a\nfn=(1) f\n1 1\njump=3 5\n* \n"
                                 "jcnd=1/2 7\n2\njfi=(2) b\njfn=(9) z\n"
                                 "cfn=(2) g\ncalls=0 1\n3 10\n"
                                 "# between\ncfn=(2)\ncalls=2 1\n\n4 20 3\n"
                                 "fn=(2)\n9 20\n");
    const pk_func *f = find(p, "a", "f");

    (void)state;
    assert_true(f->stats.tottime == 11);
    assert_true(f->stats.cumtime == 31);
    assert_int_equal(find(p, "a", "g")->stats.ncalls, 2);
    assert_int_equal(pk_profile_edge_count(p), 1);
    pk_profile_free(p);
}

/* An edge is the sum of all calls from one function to another, whatever
 * the call site. */
static void test_callgrind__edges_sum(void **state)
{
    pk_profile *p = read_ok(HEAD "events: Ir\nfl=a\nfn=f\n1 1\ncfn=g\ncalls=2 5\n2 10\n"
                                 "cfn=g\ncalls=3 5\n3 20\nfn=g\n5 30\nfn=f\n4 1\n");
    const pk_edge *e = edge(p, "f", "g", "a");

    (void)state;
    assert_int_equal(e->stats.ncalls, 5);
    assert_true(e->stats.cumtime == 30);
    assert_true(find(p, "a", "f")->stats.tottime == 2);
    assert_true(find(p, "a", "f")->stats.cumtime == 32);
    pk_profile_free(p);
}

static void test_callgrind__errors(void **state)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {HEAD "fl=a\n", "no events: line (callgrind_annotate needs one) at line 3"},
        {HEAD "events: Ir\nfl=a\nfn=f\n1 2 3\n", "too many event counts (2 for 1 events) at line 6"},
        {HEAD "events: Ir\nfl=a\nfn=(3)\n", "function id (3) used before it is defined at line 5"},
        {HEAD "events: Ir\nob=(3)\n", "object id (3) used before it is defined at line 4"},
        {HEAD "events: Ir\nfl=a\nfn=f\ncfn=g\ncalls=1 2\n", "calls= line not followed by a cost line at line 7"},
        {HEAD "events: Ir\nfl=a\nfn=f\n1 -2\n", "bad cost '-2': not a number at line 6"},
        {HEAD "events: Ir\nfl=a\nfn=f\n1 0x10\n", "bad cost '0x10': not a number at line 6"},
        {HEAD "events: Ir\nfl=a\nfn=f\n+ 1\n", "bad position '+': empty number at line 6"},
        {HEAD "positions: line\nevents: Ir\nfl=a\nfn=f\n99999999999999999999 1\n",
         "bad position '99999999999999999999': number out of range at line 7"},
        {HEAD "positions: instr line\nevents: Ir\nfl=a\nfn=f\n0x1 0x8000000000000000 1\n",
         "bad position '0x8000000000000000': line out of range at line 7"},
        {HEAD "positions: bytes\n", "bad positions: 'bytes': expected 'line', 'instr' or both at line 3"},
        {HEAD "events: Ir\nfl=a\nfn=f\ncalls=1\n", "calls= without a cfn= line before it at line 6"},
        {HEAD "events: Ir\nhello world\n", "unrecognised line 'hello world' at line 4"},
        {HEAD "events: Ir\nfl=a\nfn=f\n1 1\nevents: Dr\n", "events: line differs from the first one at line 7"},
        {"version: 3.0\nevents: Ir\n", "format version 3 is not supported (only version 1) at line 1"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pk_profile *p;
        pk_error err = PK_ERROR_INIT;
        int rc = read_text(&p, cases[i].text, strlen(cases[i].text), &err);
        assert_true(rc == PK_EFORMAT || rc == PK_EUNSUPPORTED);
        assert_string_equal(err.msg, cases[i].msg);
        assert_string_equal(err.format, "callgrind");
        assert_true(err.line >= 1);
    }
}

/* ---- sniffing ---- */

static bool sniff(const char *text)
{
    return pk_callgrind__sniff((const uint8_t *)text, strlen(text));
}

static void test_callgrind__sniff(void **state)
{
    char **folded = paths_in(FOLDED_DIR, ".folded"), **cg = paths_in(SAMPLE_DIR, ".callgrind");
    size_t i;

    (void)state;
    assert_true(sniff("# callgrind format\n"));
    assert_true(sniff("version: 1\ncreator: x\n\n# c\nevents: Ir\n"));
    assert_true(sniff("events: ns\r\nfl=a\n"));
    assert_false(sniff("events: a;b 5\n"));      /* a folded line */
    assert_false(sniff("version: 1 3\nmain;f 2\n"));
    assert_false(sniff("main;events: x 3\n"));
    assert_false(sniff("fl=(1) a\nevents: Ir\n"));
    assert_false(sniff(""));
    for (i = 0; folded[i]; i++) {
        size_t len;
        uint8_t *data = pk_test_load(folded[i], &len);
        assert_false(pk_callgrind__sniff(data, len));
        free(data);
    }
    for (i = 0; cg[i]; i++) {
        pk_profile *p = read_sample(cg[i]); /* detected, not told */
        pk_profile_free(p);
    }
    free_names(folded);
    free_names(cg);
}

/* ---- the samples ---- */

static void test_callgrind__real_samples(void **state)
{
    char **paths = paths_in(SAMPLE_DIR, ".callgrind");
    size_t i;

    (void)state;
    for (i = 0; paths[i]; i++) {
        pk_profile *p = read_sample(paths[i]);
        bool has_cmd = pk_profile_command(p) != NULL;
        assert_true(pk_profile_func_count(p) >= 5);
        assert_true(pk_profile_edge_count(p) >= 5);
        assert_true(has_cmd);
        if (strstr(paths[i], "cgwork_O0") || strstr(paths[i], "cgwork_cache")) {
            /* the program's own functions (make_samples.sh builds them in
             * SCRATCH): scale() in two files, main, and fib, which
             * callgrind splits into fib and fib'2 (--separate-recs=2) */
            const pk_func *m = find(p, SCRATCH "cgwork.c", "main");
            assert_string_equal(pk_profile_cost_name(p), "Ir");
            assert_true(find(p, SCRATCH "cgwork.c", "scale")->stats.tottime > 0);
            assert_true(find(p, SCRATCH "helper.c", "scale")->stats.tottime > 0);
            assert_true(m->line > 0 && m->stats.cumtime > m->stats.tottime);
            assert_int_equal(find(p, SCRATCH "cgwork.c", "fib")->stats.ncalls, 1);
            assert_true(find(p, SCRATCH "cgwork.c", "fib'2")->stats.ncalls >
                        find(p, SCRATCH "cgwork.c", "fib'2")->stats.pcalls);
        }
        pk_profile_free(p);
    }
    free_names(paths);
}

/*
 * Truncated input either reads (a cut at a line end is a shorter valid
 * file) or fails with a line number; nothing crashes. Every byte prefix of
 * the small sample and of the first 6 KB of each sample, and the prefixes
 * at (and one byte either side of) the ends of about 400 evenly spread
 * lines of each whole sample: all of them would take minutes.
 */
static size_t check_prefix(const uint8_t *data, size_t n)
{
    pk_profile *p;
    pk_error err = PK_ERROR_INIT;
    int rc = read_text(&p, (const char *)data, n, &err);

    if (rc == PK_OK) {
        pk_profile_free(p);
        return 0;
    }
    assert_true(rc == PK_EFORMAT);
    assert_non_null(strstr(err.msg, " at line "));
    assert_true(err.line >= 1);
    return 1;
}

static void test_callgrind__truncated_prefixes(void **state)
{
    char **paths = paths_in(SAMPLE_DIR, ".callgrind");
    size_t i, failures = 0, tried = 0;

    (void)state;
    for (i = 0; paths[i]; i++) {
        pk_buf text = PK_BUF_INIT;
        size_t n, lines = 0, step, seen = 0;
        if (strstr(paths[i], ".gz"))
            continue; /* its text is the python sample; the plain ones suffice */
        {
            size_t len;
            uint8_t *data = pk_test_load(paths[i], &len);
            pk_buf_append(&text, data, len);
            free(data);
        }
        for (n = 1; n < text.len && n < 6144; n++, tried++)
            failures += check_prefix(text.data, n);
        for (n = 0; n < text.len; n++)
            lines += text.data[n] == '\n';
        step = lines / 400 + 1;
        for (n = 0; n < text.len; n++) {
            if (text.data[n] != '\n' || seen++ % step != 0 || n == 0)
                continue;
            failures += check_prefix(text.data, n - 1) + check_prefix(text.data, n) +
                        check_prefix(text.data, n + 1);
            tried += 3;
        }
        pk_buf_dispose(&text);
    }
    assert_true(tried > 1000);
    assert_true(failures > 0);
    free_names(paths);
}

/* Writes the profile ctx. */
static int write_case(void *ctx, pk_error *err)
{
    pk_buf out = PK_BUF_INIT;
    int rc = pk_callgrind__write(&out, ctx, err);
    pk_buf_dispose(&out);
    return rc;
}

static void test_callgrind__alloc_failures(void **state)
{
    const char *names[] = {SAMPLE_DIR "/tiny.callgrind", SAMPLE_DIR "/cgwork_O0.callgrind"};
    size_t i;

    (void)state;
    for (i = 0; i < 2; i++) {
        size_t len;
        uint8_t *data = pk_test_load(names[i], &len);
        pk_profile *full = read_sample(names[i]);
        assert_true(pk_test_read_alloc_failures(pk_callgrind__read, "callgrind", data, len) > 0);
        assert_true(pk_test_alloc_failures(write_case, full) > 0);
        pk_profile_free(full);
        free(data);
    }
}

/* ---- the writer ---- */

/* callgrind -> model -> callgrind -> model: the same model (entries,
 * stats, edges in order, total, unit, command), and writing it again gives
 * the same bytes. */
static void test_callgrind__round_trip(void **state)
{
    char **paths = paths_in(SAMPLE_DIR, ".callgrind");
    size_t i;

    (void)state;
    for (i = 0; paths[i]; i++) {
        pk_profile *a = read_sample(paths[i]), *b;
        char *w1 = write_text(a), *w2, why[200];
        b = read_ok(w1);
        if (!pk_test_profiles_equal(a, b, why, sizeof why))
            fail_msg("%s: %s", paths[i], why);
        assert_int_equal(pk_profile_func_count(a), pk_profile_func_count(b));
        assert_true(pk_profile_total_time(a) == pk_profile_total_time(b));
        assert_string_equal(pk_profile_cost_name(a), pk_profile_cost_name(b));
        assert_true(pk_profile_cost_per_second(a) == pk_profile_cost_per_second(b));
        assert_string_equal(pk_profile_command(a), pk_profile_command(b));
        w2 = write_text(b);
        assert_string_equal(w1, w2);
        free(w1);
        free(w2);
        pk_profile_free(a);
        pk_profile_free(b);
    }
    free_names(paths);
}

/* pstats -> callgrind: times in integer ns, methods of one name in one
 * file written as name:LINE, and read back with the same self times. */
static void test_callgrind__from_pstats(void **state)
{
    pk_profile *p, *back;
    pk_error err = PK_ERROR_INIT;
    char *text;
    size_t i, n;

    (void)state;
    assert_int_equal(pk_read(&p, PSTATS_SAMPLE, NULL, &err), PK_OK);
    text = write_text(p);
    assert_non_null(strstr(text, "\nevents: ns\nsummary: "));
    assert_non_null(strstr(text, " __init__:14\n"));
    back = read_ok(text);
    n = pk_profile_func_count(p);
    assert_int_equal(pk_profile_func_count(back), n);
    for (i = 0; i < n; i++) {
        const pk_func *f = pk_profile_func_c(p, (uint32_t)i);
        const pk_func *g = pk_profile_func_c(back, (uint32_t)i);
        double ns = f->stats.tottime > 0 ? nearbyint(f->stats.tottime * 1e9) : 0;
        assert_true(g->stats.tottime == ns / 1e9);
        assert_int_equal(g->line, f->line > 0 ? f->line : 0);
    }
    free(text);
    pk_profile_free(back);
    pk_profile_free(p);
}

static uint32_t add_func(pk_profile *p, const char *file, int64_t line, const char *name, double tt)
{
    pk_str fs, ns;
    uint32_t ix;
    assert_int_equal(pk_profile_intern(&fs, p, file, strlen(file)), PK_OK);
    assert_int_equal(pk_profile_intern(&ns, p, name, strlen(name)), PK_OK);
    assert_int_equal(pk_profile_func_get(&ix, NULL, p, fs, line, ns), PK_OK);
    pk_profile_func(p, ix)->stats.tottime = tt;
    return ix;
}

/* Same-named functions of one file get ":LINE", and "'2" when that name
 * exists already; negative times and NaN are written as 0; empty names and
 * names with leading blanks are written uncompressed and read back. */
static void test_callgrind__writer_names_and_costs(void **state)
{
    pk_profile *p, *back;
    uint32_t a, b, e;
    char *text;

    (void)state;
    assert_int_equal(pk_profile_new(&p), PK_OK);
    a = add_func(p, "m.py", 3, "f", 1e-9);
    b = add_func(p, "m.py", 9, "f", -2e-9);
    add_func(p, "m.py", 5, "f:3", NAN);
    add_func(p, "", 0, "", 2.5e-9);
    add_func(p, "m.py", 7, "  lead", 0.4e-9);
    assert_int_equal(pk_profile_edge_get(&e, NULL, p, a, b), PK_OK);
    pk_profile_edge(p, e)->stats.ncalls = 2;
    pk_profile_edge(p, e)->stats.cumtime = 3e-9;
    assert_int_equal(pk_profile_edge_get(&e, NULL, p, b, a), PK_OK); /* no calls: left out */
    text = write_text(p);
    assert_non_null(strstr(text, "fn=(1) f:3'2\n3 1\ncfn=(2) f:9\ncalls=2 9\n3 3\n"));
    assert_non_null(strstr(text, "fn=(2)\n9 0\n\n"));
    assert_non_null(strstr(text, "fn=(3) f:3\n5 0\n"));
    assert_non_null(strstr(text, "fl=\nfn=\n0 2\n"));
    assert_non_null(strstr(text, "fn=  lead\n7 0\n"));
    back = read_ok(text);
    assert_true(find(back, "", "")->stats.tottime == 2e-9);
    assert_int_equal(find(back, "m.py", "  lead")->line, 7);
    assert_int_equal(find(back, "m.py", "f:9")->stats.ncalls, 2);
    assert_int_equal(pk_profile_edge_count(back), 1);
    free(text);
    pk_profile_free(back);
    pk_profile_free(p);
}

static void test_callgrind__writer_refuses(void **state)
{
    pk_profile *p;
    pk_buf out = PK_BUF_INIT;
    pk_error err = PK_ERROR_INIT;

    (void)state;
    assert_int_equal(pk_profile_new(&p), PK_OK);
    add_func(p, "a.py", 1, "two\nlines", 1.0);
    assert_int_equal(pk_callgrind__write(&out, p, &err), PK_EINVAL);
    assert_non_null(strstr(err.msg, "line break"));
    pk_profile_free(p);
    pk_buf_dispose(&out);

    assert_int_equal(pk_profile_new(&p), PK_OK);
    add_func(p, "a.py", 1, "huge", 1e20); /* 1e29 ns */
    pk_error_clear(&err);
    assert_int_equal(pk_callgrind__write(&out, p, &err), PK_EINVAL);
    assert_non_null(strstr(err.msg, "too large"));
    pk_profile_free(p);
    pk_buf_dispose(&out);
}

/* Folded input: the event is the stacks' unit and costs are counts. */
static void test_callgrind__from_folded(void **state)
{
    pk_profile *p, *back;
    pk_error err = PK_ERROR_INIT;
    char *text;

    (void)state;
    assert_int_equal(pk_read(&p, FOLDED_DIR "/recursion.folded", NULL, &err), PK_OK);
    text = write_text(p);
    assert_non_null(strstr(text, "\nevents: samples\n"));
    back = read_ok(text);
    assert_true(pk_profile_total_time(back) == nearbyint(pk_profile_total_time(p)));
    free(text);
    pk_profile_free(back);
    pk_profile_free(p);
}

/* A merge keeps the first input's cost unit (the command only when there
 * is one input, as for strip_dirs). */
static void test_callgrind__merge_keeps_unit(void **state)
{
    pk_profile *in[2], *merged, *stripped;
    pk_error err = PK_ERROR_INIT;

    (void)state;
    in[0] = read_ok(HEAD "cmd: ./a\nevents: Ir\nfl=/x/a.c\nfn=f\n1 5\n");
    in[1] = read_ok(HEAD "cmd: ./b\nevents: Ir\nfl=/x/a.c\nfn=f\n1 7\n");
    assert_int_equal(pk_profile_merge(&merged, in, 2, &err), PK_OK);
    assert_string_equal(pk_profile_cost_name(merged), "Ir");
    assert_true(pk_profile_cost_per_second(merged) == 0.0);
    assert_null(pk_profile_command(merged));
    assert_true(find(merged, "/x/a.c", "f")->stats.tottime == 12);
    assert_int_equal(pk_profile_strip_dirs(&stripped, in[0], &err), PK_OK);
    assert_string_equal(pk_profile_command(stripped), "./a");
    assert_string_equal(pk_profile_cost_name(stripped), "Ir");
    assert_true(find(stripped, "a.c", "f")->stats.tottime == 5);
    pk_profile_free(stripped);
    pk_profile_free(merged);
    pk_profile_free(in[0]);
    pk_profile_free(in[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_callgrind__format_sample),
        cmocka_unit_test(test_callgrind__name_compression),
        cmocka_unit_test(test_callgrind__positions),
        cmocka_unit_test(test_callgrind__names_not_utf8),
        cmocka_unit_test(test_callgrind__inlined_files),
        cmocka_unit_test(test_callgrind__time_units),
        cmocka_unit_test(test_callgrind__totals),
        cmocka_unit_test(test_callgrind__other_lines),
        cmocka_unit_test(test_callgrind__edges_sum),
        cmocka_unit_test(test_callgrind__errors),
        cmocka_unit_test(test_callgrind__sniff),
        cmocka_unit_test(test_callgrind__real_samples),
        cmocka_unit_test(test_callgrind__truncated_prefixes),
        cmocka_unit_test(test_callgrind__alloc_failures),
        cmocka_unit_test(test_callgrind__round_trip),
        cmocka_unit_test(test_callgrind__from_pstats),
        cmocka_unit_test(test_callgrind__writer_names_and_costs),
        cmocka_unit_test(test_callgrind__writer_refuses),
        cmocka_unit_test(test_callgrind__from_folded),
        cmocka_unit_test(test_callgrind__merge_keeps_unit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
