/*
 * Unit tests of the folded reader and writer, the stacks model, its
 * derivations and the flame graph renderer's failure paths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <profkit/profkit.h>

#include "formats.h"
#include "stacks_walk.h"
#include "test_files.h"

#ifndef PK_SOURCE_ROOT
#define PK_SOURCE_ROOT "."
#endif

static const char *const samples[] = {
    "flame_work_after.folded", "flame_work_before.folded", "flame_work_lines.folded",
    "recursion.folded",        "shapes.folded",            "stdlib_mix.folded",
    "wordfreq.folded",         "\xc3\xbc" "n\xc3\xaf" "code_prog.folded",
};
#define NSAMPLES (sizeof samples / sizeof samples[0])

static char *slurp(const char *rel, size_t *len)
{
    return (char *)pk_test_load(rel, len);
}

static char *sample(size_t i, size_t *len)
{
    char rel[256];
    snprintf(rel, sizeof rel, "samples/folded/%s", samples[i]);
    return slurp(rel, len);
}

static int read_text(pk_profile **out, const char *text, size_t len, pk_error *err)
{
    pk_read_opts ro = PK_READ_OPTS_INIT;
    ro.format = PK_FORMAT_FOLDED;
    return pk_read_buffer(out, text, len, "test.folded", &ro, err);
}

static pk_profile *read_ok(const char *text)
{
    pk_profile *p = NULL;
    pk_error err = PK_ERROR_INIT;
    int rc = read_text(&p, text, strlen(text), &err);
    if (rc != PK_OK)
        fail_msg("reading %s failed: %s", text, err.msg);
    return p;
}

/* The folded text of p, as the writer makes it (malloc'd). */
static char *write_folded(pk_profile *p, size_t *len)
{
    pk_write_opts wo = PK_WRITE_OPTS_INIT;
    pk_error err = PK_ERROR_INIT;
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);

    assert_non_null(f);
    wo.format = PK_FORMAT_FOLDED;
    assert_int_equal(pk_write(f, p, &wo, &err), PK_OK);
    assert_int_equal(fclose(f), 0);
    return buf;
}

/* Frames of a node joined by '|' (names may hold ';' never, '|' rarely). */
static void path_text(char *out, size_t n, pk_profile *p, uint32_t node)
{
    uint32_t chain[64];
    size_t d = 0, used = 0, depth;

    out[0] = '\0';
    while (node != PK_STACK_ROOT && d < 64) {
        chain[d++] = node;
        node = pk_stacks_parent(p, node);
    }
    depth = d;
    while (d-- > 0)
        used += (size_t)snprintf(out + used, n - used, "%s%s", d + 1 < depth ? "|" : "",
                                 pk_profile_str(p, pk_stacks_name(p, chain[d])));
}

/* ---- flamegraph.pl's acceptance rules (FORMATS.md 4) ---- */

typedef struct line_case {
    const char *line;
    bool valid;
    const char *frames; /* '|'-joined */
    double count, before;
    bool two;
    const char *tail;
} line_case;

static const line_case line_cases[] = {
    {"a;b 12", true, "a|b", 12, 0, false, " 12"},
    {"a;b 12.", true, "a|b", 12, 0, false, " 12."},
    {"a;b 2.5", true, "a|b", 2.5, 0, false, " 2.5"},
    {"a;b\t40", true, "a|b", 40, 0, false, "\t40"},
    {"a;bar  7", true, "a|bar ", 7, 0, false, " 7"},
    {"a;;e 4", true, "a||e", 4, 0, false, " 4"},
    {";lead 3", true, "|lead", 3, 0, false, " 3"},
    {"a;b;; 2", true, "a|b", 2, 0, false, ";; 2"},
    {"a;b 3 5", true, "a|b", 5, 3, true, " 3 5"},
    {"a;b\t3\t5", true, "a|b", 5, 3, true, "\t3\t5"},
    {"x 1 2 3", true, "x 1", 3, 2, true, " 2 3"},
    {"a;b  5  7", true, "a|b  5 ", 7, 0, false, " 7"},
    {"a;b 5\r", true, "a|b", 5, 0, false, " 5"}, /* CRLF: accepted on purpose */
    {" 8", true, "", 8, 0, false, " 8"},
    {";; 1", true, "", 1, 0, false, ";; 1"},
    {"main;space in name;x 5", true, "main|space in name|x", 5, 0, false, " 5"},
    {"a;b 007", true, "a|b", 7, 0, false, " 007"},
    {"a;b -3", false, NULL, 0, 0, false, NULL},
    {"a;b 1e3", false, NULL, 0, 0, false, NULL},
    {"a;b .5", false, NULL, 0, 0, false, NULL},
    {"a;b 5 ", false, NULL, 0, 0, false, NULL},
    {"a;b 5\r\r", false, NULL, 0, 0, false, NULL},
    {"a;b 0x10", false, NULL, 0, 0, false, NULL},
    {"nocount", false, NULL, 0, 0, false, NULL},
    {"5", false, NULL, 0, 0, false, NULL},
    {"# comment 1x", false, NULL, 0, 0, false, NULL},
    {"", false, NULL, 0, 0, false, NULL},
};

static void test_folded__lines_follow_flamegraph_pl(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof line_cases / sizeof line_cases[0]; i++) {
        const line_case *c = &line_cases[i];
        char text[128], frames[512];
        pk_profile *p = NULL;
        pk_error err = PK_ERROR_INIT;
        const pk_stack_leaf *l;
        uint64_t ignored;
        int64_t first;
        /* A valid line first, so that an ignored one still leaves a file. */
        int n = snprintf(text, sizeof text, "ok 1\n%s\n", c->line);
        assert_int_equal(read_text(&p, text, (size_t)n, &err), PK_OK);
        pk_stacks_ignored(&ignored, &first, p);
        if (!c->valid) {
            assert_int_equal(ignored, 1);
            assert_int_equal(first, 2);
            assert_int_equal(pk_stacks_leaf_count(p), 1);
            pk_profile_free(p);
            continue;
        }
        assert_int_equal(ignored, 0);
        assert_int_equal(pk_stacks_leaf_count(p), 2);
        l = pk_stacks_leaf(p, 1);
        path_text(frames, sizeof frames, p, l->node);
        assert_string_equal(frames, c->frames);
        assert_true(l->after == c->count);
        assert_true(l->before == c->before);
        assert_int_equal((pk_stacks_flags(p) & PK_STACKS_DIFFERENTIAL) != 0, c->two);
        assert_string_equal(pk_profile_str(p, l->tail), c->tail);
        pk_profile_free(p);
    }
}

static void test_folded__ignored_lines_are_counted_once_with_the_first(void **state)
{
    pk_profile *p = read_ok("a 1\nb 2\nbad\nc 3\n\nworse -1\nd 4");
    uint64_t n;
    int64_t first;
    (void)state;
    pk_stacks_ignored(&n, &first, p);
    assert_int_equal(n, 3);
    assert_int_equal(first, 3);
    assert_int_equal(pk_stacks_leaf_count(p), 4);
    pk_profile_free(p);
}

static void test_folded__repeated_stacks_add_up(void **state)
{
    pk_profile *p = read_ok("a;b 1\na;c 2\na;b 3\na;b 1\n");
    uint32_t a, b;
    pk_str na, nb;
    (void)state;
    assert_int_equal(pk_profile_intern(&na, p, "a", 1), PK_OK);
    assert_int_equal(pk_profile_intern(&nb, p, "b", 1), PK_OK);
    assert_true(pk_stacks_find_child(&a, p, PK_STACK_ROOT, na));
    assert_true(pk_stacks_find_child(&b, p, a, nb));
    assert_true(pk_stacks_self(p, b) == 5);
    /* " 1" twice is one record of two lines; " 3" is another. */
    assert_int_equal(pk_stacks_leaf_count(p), 3);
    pk_profile_free(p);
}

static void test_folded__nul_byte_is_an_error_with_line_and_column(void **state)
{
    static const char text[] = "a 1\nb;c\0d 2\n";
    pk_profile *p = NULL;
    pk_error err = PK_ERROR_INIT;
    char msg[512];
    (void)state;
    assert_int_equal(read_text(&p, text, sizeof text - 1, &err), PK_EFORMAT);
    assert_null(p);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.offset, 7);
    pk_error_format(msg, sizeof msg, &err);
    assert_string_equal(msg, "test.folded: folded: NUL byte at line 2, column 4");
}

static void test_folded__no_stack_line_is_an_error(void **state)
{
    static const char text[] = "# nothing\n\nhere\n";
    pk_profile *p = NULL;
    pk_error err = PK_ERROR_INIT;
    (void)state;
    assert_int_equal(read_text(&p, text, sizeof text - 1, &err), PK_EFORMAT);
    assert_string_equal(err.msg, "no \"stack count\" lines (3 lines ignored, the first at line 1)");
    assert_int_equal(err.line, 1);
}

static void test_folded__sniff_is_conservative(void **state)
{
    static const uint8_t pstats_start[] = {0xfb, 0x29, 0x00, 0x00};
    static const char words[] = "hello world\nthis is prose\nnot a 1 profile\n";
    static const char binary[] = "a 1\n\x01\x02 3\n";
    size_t len, i;
    (void)state;
    for (i = 0; i < NSAMPLES; i++) {
        char *buf = sample(i, &len);
        assert_true(pk_folded__sniff((const uint8_t *)buf, len));
        assert_int_equal(pk_detect_format(buf, len), PK_FORMAT_FOLDED);
        free(buf);
    }
    assert_false(pk_folded__sniff(pstats_start, sizeof pstats_start));
    assert_false(pk_folded__sniff((const uint8_t *)words, sizeof words - 1));
    assert_false(pk_folded__sniff((const uint8_t *)binary, sizeof binary - 1));
    assert_true(pk_folded__sniff((const uint8_t *)"# header\nx;y 3\n", 15));
}

/* A first line longer than the sniffing window (a deep recursion's stack)
 * is still found to be folded text, read from a file or a pipe. */
static void test_folded__first_stack_longer_than_the_window(void **state)
{
    const size_t frames = 40000; /* "frame_NNNNN;" is 12 bytes: ~480 KB */
    size_t len = 0, i;
    char *text = malloc(frames * 12 + 64);
    pk_profile *p = NULL;
    pk_error err = PK_ERROR_INIT;
    char path[] = "/tmp/pk_test_long_stackXXXXXX";
    int fd;
    FILE *f;

    (void)state;
    assert_non_null(text);
    for (i = 0; i < frames; i++)
        len += (size_t)sprintf(text + len, "%sframe_%05zu", i ? ";" : "", i % 100000);
    len += (size_t)sprintf(text + len, " 7\nmain;x 3\n");
    assert_int_equal(pk_detect_format(text, len), PK_FORMAT_FOLDED);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    if (pk_read(&p, path, NULL, &err) != PK_OK)
        fail_msg("reading a long first stack failed: %s", err.msg);
    assert_true(pk_profile_total_time(p) == 10.0);
    pk_profile_free(p);
    unlink(path);
    free(text);
}

/* ---- real samples ---- */

static void test_folded__samples_round_trip_byte_for_byte(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < NSAMPLES; i++) {
        size_t len, out_len;
        char *buf = sample(i, &len), *out;
        pk_profile *p = NULL;
        pk_error err = PK_ERROR_INIT;
        assert_int_equal(read_text(&p, buf, len, &err), PK_OK);
        /* The samples are sorted, one line per stack: written back as read. */
        out = write_folded(p, &out_len);
        assert_int_equal(out_len, len);
        assert_memory_equal(out, buf, len);
        pk_profile_free(p);
        free(out);
        free(buf);
    }
}

static void test_folded__edge_cases_round_trip(void **state)
{
    size_t len, l1, l2;
    char *buf = slurp("tests/data/folded/edge_cases.folded", &len), *w1, *w2;
    pk_profile *p = NULL, *q = NULL;
    pk_error err = PK_ERROR_INIT;
    (void)state;
    assert_int_equal(read_text(&p, buf, len, &err), PK_OK);
    w1 = write_folded(p, &l1);
    assert_int_equal(read_text(&q, w1, l1, &err), PK_OK);
    w2 = write_folded(q, &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(w1, w2, l1);
    assert_int_equal(pk_stacks_node_count(p), pk_stacks_node_count(q));
    assert_true(pk_profile_total_time(p) == pk_profile_total_time(q));
    pk_profile_free(p);
    pk_profile_free(q);
    free(w1);
    free(w2);
    free(buf);
}

/* Which prefixes of a sample to read: all of them, except in the middle
 * of the one large sample (recursion.folded, 80 KB, deep stacks), where
 * every 97th is enough to stay quick under sanitizers; its first and last
 * 4 KB are read at every length. */
static size_t next_cut(size_t cut, size_t len)
{
    if (len < 16384 || cut < 4096 || cut + 4096 >= len)
        return cut + 1;
    return cut + 97;
}

/* Every proper prefix reads (the cut line is the last one, valid or
 * ignored) or fails cleanly with "no stack lines"; never a crash. */
static void test_folded__every_prefix_of_the_samples(void **state)
{
    size_t i, cut;
    (void)state;
    for (i = 0; i < NSAMPLES; i++) {
        size_t len;
        char *buf = sample(i, &len);
        double full;
        pk_profile *p = NULL;
        pk_error err = PK_ERROR_INIT;
        assert_int_equal(read_text(&p, buf, len, &err), PK_OK);
        full = pk_profile_total_time(p);
        pk_profile_free(p);
        for (cut = 1; cut < len; cut = next_cut(cut, len)) {
            pk_error e2 = PK_ERROR_INIT;
            int rc = read_text(&p, buf, cut, &e2);
            if (rc == PK_OK) {
                assert_true(pk_profile_total_time(p) <= full);
                pk_profile_free(p);
            } else {
                assert_int_equal(rc, PK_EFORMAT);
                assert_true(e2.msg[0] != '\0');
            }
        }
        free(buf);
    }
}

/* Pieces cut anywhere give the model one piece gives. */
static void test_folded__streaming_pieces_equal_one_piece(void **state)
{
    size_t len, cut, wlen;
    char *buf = sample(5, &len), *whole;
    pk_profile *p = NULL;
    pk_error err = PK_ERROR_INIT;
    (void)state;
    assert_int_equal(read_text(&p, buf, len, &err), PK_OK);
    whole = write_folded(p, &wlen);
    pk_profile_free(p);
    for (cut = 0; cut <= len; cut++) {
        pk_folded__reader *r = NULL;
        char *again;
        size_t alen;
        assert_int_equal(pk_profile_new(&p), PK_OK);
        assert_int_equal(pk_folded__begin(&r, p, NULL, &err), PK_OK);
        assert_int_equal(pk_folded__feed(r, (const uint8_t *)buf, cut), PK_OK);
        assert_int_equal(pk_folded__feed(r, (const uint8_t *)buf + cut, len - cut), PK_OK);
        assert_int_equal(pk_folded__end(r), PK_OK);
        pk_folded__reader_free(r);
        again = write_folded(p, &alen);
        assert_int_equal(alen, wlen);
        assert_memory_equal(again, whole, wlen);
        free(again);
        pk_profile_free(p);
    }
    free(whole);
    free(buf);
}

/* ---- the order of the lines ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Rebuilds each visited leaf's line: its frames, ';'-joined, and its tail. */
typedef struct line_collector {
    pk_profile *p;
    char *text;
    size_t len;
    FILE *f;
} line_collector;

static int collect_line(void *arg, uint32_t leaf)
{
    line_collector *c = arg;
    const pk_stack_leaf *l = pk_stacks_leaf(c->p, leaf);
    uint32_t chain[64];
    size_t d = 0;
    uint32_t node = l->node;
    char buf[PK_STACKS__TAIL_MAX];
    const char *t;
    size_t n;

    while (node != PK_STACK_ROOT && d < 64) {
        chain[d++] = node;
        node = pk_stacks_parent(c->p, node);
    }
    for (n = d; n-- > 0;)
        fprintf(c->f, "%s%s", n + 1 < d ? ";" : "", pk_profile_str(c->p, pk_stacks_name(c->p, chain[n])));
    n = pk_stacks__tail_text(&t, buf, c->p, l);
    fwrite(t, 1, n, c->f);
    fputc('\n', c->f);
    return PK_OK;
}

/*
 * The layout walks the leaves in flamegraph.pl's order: its lines sorted
 * as strings. Names chosen to sort around ';' and the separators (prefixes
 * of each other, '!', '.', empty frames, tabs, trailing ';'), checked
 * against qsort of the very lines.
 */
static void test_folded__walk_is_the_sorted_line_order(void **state)
{
    static const char *const names[] = {"a", "a!", "a.b", "a b", "", "b", "a\tx", "ab", "a:"};
    static const char *const tails[] = {" 1", " 2", "\t3", "; 4", ";; 5", " 6 7"};
    enum { LINES = 400 };
    char *lines[LINES], text[LINES * 64];
    size_t n = 0, used = 0, i, j;
    uint32_t seed = 12345;
    line_collector c;
    pk_profile *p;
    (void)state;
    while (n < LINES) {
        char line[64];
        size_t depth = 1 + (seed >> 7) % 4, w = 0;
        for (j = 0; j < depth; j++) {
            seed = seed * 1103515245u + 12345u;
            w += (size_t)snprintf(line + w, sizeof line - w, "%s%s", j ? ";" : "",
                                  names[(seed >> 16) % (sizeof names / sizeof names[0])]);
        }
        seed = seed * 1103515245u + 12345u;
        snprintf(line + w, sizeof line - w, "%s", tails[(seed >> 16) % (sizeof tails / sizeof tails[0])]);
        /* A line written twice would be summed into one: keep lines unique. */
        for (i = 0; i < n && strcmp(lines[i], line) != 0; i++)
            ;
        if (i < n)
            continue;
        lines[n] = strdup(line);
        used += (size_t)snprintf(text + used, sizeof text - used, "%s\n", line);
        n++;
    }
    p = read_ok(text);
    memset(&c, 0, sizeof c);
    c.p = p;
    c.f = open_memstream(&c.text, &c.len);
    assert_non_null(c.f);
    assert_int_equal(pk_stacks__walk_sorted(p, false, collect_line, &c), PK_OK);
    fclose(c.f);
    qsort(lines, n, sizeof *lines, cmp_str);
    used = 0;
    for (i = 0; i < n; i++) {
        size_t l = strlen(lines[i]);
        assert_true(used + l < c.len);
        if (memcmp(c.text + used, lines[i], l) != 0 || c.text[used + l] != '\n')
            fail_msg("line %zu: expected \"%s\", got \"%.*s\"", i, lines[i], (int)l, c.text + used);
        used += l + 1;
        free(lines[i]);
    }
    assert_int_equal(used, c.len);
    free(c.text);
    pk_profile_free(p);
}

/* The writer makes one line per stack and reads back to itself. */
static void test_folded__writer_is_idempotent(void **state)
{
    pk_profile *p = read_ok("a;b 3\na;b\t2\na;b; 1\nx 1 2\na;b 3\nq;r 5\n");
    pk_profile *q;
    char *w1, *w2;
    size_t l1, l2;
    (void)state;
    w1 = write_folded(p, &l1);
    /* Four lines of a;b are one, with one count as each had one. */
    assert_string_equal(w1, "a;b 9\nq;r 5\nx 1 2\n");
    q = read_ok(w1);
    w2 = write_folded(q, &l2);
    assert_string_equal(w1, w2);
    pk_profile_free(p);
    pk_profile_free(q);
    free(w1);
    free(w2);
}

/* ---- derivations ---- */

static const pk_func *find_func(pk_profile *p, const char *file, int64_t line, const char *name)
{
    pk_str f, n;
    uint32_t id;
    assert_int_equal(pk_profile_intern(&f, p, file, strlen(file)), PK_OK);
    assert_int_equal(pk_profile_intern(&n, p, name, strlen(name)), PK_OK);
    if (!pk_profile_func_find(&id, p, f, line, n))
        fail_msg("no function %s:%lld(%s)", file, (long long)line, name);
    return pk_profile_func_c(p, id);
}

static const pk_edge *find_edge(pk_profile *p, const pk_func *a, const pk_func *b)
{
    size_t i;
    for (i = 0; i < pk_profile_edge_count(p); i++) {
        const pk_edge *e = pk_profile_edge_c(p, (uint32_t)i);
        if (pk_profile_func_c(p, e->caller) == a && pk_profile_func_c(p, e->callee) == b)
            return e;
    }
    fail_msg("no such edge");
    return NULL;
}

static void test_folded__derived_functions_count_recursion_once(void **state)
{
    pk_profile *p = read_ok("main (m.py:1);f (m.py:5);f (m.py:5);g (m.py:9) 3\n"
                            "main (m.py:1);f (m.py:5) 2\n"
                            "main (m.py:1);g (m.py:9) 1\n"
                            "main (m.py:1);f (m.py:5);f (m.py:5);f (m.py:5) 4\n"
                            "native_thing 2\n");
    const pk_func *m, *f, *g, *nat;
    const pk_edge *e;
    (void)state;
    m = find_func(p, "m.py", 1, "main");
    f = find_func(p, "m.py", 5, "f");
    g = find_func(p, "m.py", 9, "g");
    nat = find_func(p, "~", 0, "native_thing");
    assert_true(m->stats.cumtime == 10 && m->stats.tottime == 0);
    assert_true(f->stats.cumtime == 9 && f->stats.tottime == 6);
    assert_int_equal(f->stats.ncalls, 9);
    assert_int_equal(f->stats.pcalls, 9);
    assert_true(g->stats.cumtime == 4 && g->stats.tottime == 4);
    assert_true(nat->stats.tottime == 2);
    e = find_edge(p, m, f);
    assert_true(e->stats.cumtime == 9 && e->stats.tottime == 2);
    e = find_edge(p, f, f); /* f -> f appears in 7 samples, counted once each */
    assert_true(e->stats.cumtime == 7 && e->stats.tottime == 4);
    e = find_edge(p, f, g);
    assert_true(e->stats.cumtime == 3 && e->stats.tottime == 3);
    assert_true(pk_profile_total_time(p) == 12);
    pk_profile_free(p);
}

static void test_folded__frame_names_parse_like_py_spy(void **state)
{
    size_t fl, fs, flen;
    int64_t line;
    const char *a = "f (a (1).py:12)";
    (void)state;
    assert_true(pk_stacks_parse_frame(a, strlen(a), &fl, &fs, &flen, &line));
    assert_int_equal(fl, 1);
    assert_int_equal(flen, strlen("a (1).py"));
    assert_memory_equal(a + fs, "a (1).py", flen);
    assert_int_equal(line, 12);
    assert_false(pk_stacks_parse_frame("f (a.py)", 8, &fl, &fs, &flen, &line));
    assert_false(pk_stacks_parse_frame("f (a.py:)", 9, &fl, &fs, &flen, &line));
    assert_false(pk_stacks_parse_frame("f(a.py:1)", 9, &fl, &fs, &flen, &line));
    assert_false(pk_stacks_parse_frame("f (a.py:1x)", 11, &fl, &fs, &flen, &line));
}

static void test_folded__diff_is_difffolded(void **state)
{
    pk_profile *a = read_ok("x;y 10\nx;z 5\nx 2\n");
    pk_profile *b = read_ok("x;y 4\nx;w 6\nx;z 5\n");
    pk_profile *d = NULL, *n = NULL;
    pk_error err = PK_ERROR_INIT;
    char *out;
    size_t len;
    (void)state;
    assert_int_equal(pk_stacks_diff(&d, a, b, false, &err), PK_OK);
    out = write_folded(d, &len);
    assert_string_equal(out, "x 2 0\nx;w 0 6\nx;y 10 4\nx;z 5 5\n");
    free(out);
    /* -n: before counts scaled by 15/17 and truncated. */
    assert_int_equal(pk_stacks_diff(&n, a, b, true, &err), PK_OK);
    out = write_folded(n, &len);
    assert_string_equal(out, "x 1 0\nx;w 0 6\nx;y 8 4\nx;z 4 5\n");
    free(out);
    pk_profile_free(a);
    pk_profile_free(b);
    pk_profile_free(d);
    pk_profile_free(n);
}

static void test_folded__reverse_is_flamegraph_reverse(void **state)
{
    pk_profile *a = read_ok("a;b;c 1\n;lead;x 2\nq;r 3 4\n");
    pk_profile *r = NULL;
    pk_error err = PK_ERROR_INIT;
    char *out;
    size_t len;
    (void)state;
    assert_int_equal(pk_stacks_reversed(&r, a, &err), PK_OK);
    out = write_folded(r, &len);
    /* The leading empty frame ends last and leaves its ';' before the count. */
    assert_string_equal(out, "c;b;a 1\nr;q 3 4\nx;lead; 2\n");
    free(out);
    pk_profile_free(a);
    pk_profile_free(r);
}

static void test_folded__pstats_give_approximate_stacks(void **state)
{
    size_t len;
    char *buf = slurp("samples/pstats/wordfreq_cprofile_py3.11.7.pstats", &len);
    pk_profile *p = NULL;
    pk_error err = PK_ERROR_INIT;
    const double *totals;
    double top = 0;
    size_t i;
    (void)state;
    assert_int_equal(pk_read_buffer(&p, buf, len, "w.pstats", NULL, &err), PK_OK);
    assert_int_equal(pk_stacks_from_calls(p, 1e-5, &err), PK_OK);
    assert_true(pk_stacks_flags(p) & PK_STACKS_APPROXIMATE);
    assert_string_equal(pk_stacks_unit(p), "microseconds");
    assert_int_equal(pk_stacks_totals(&totals, p), PK_OK);
    /* The roots hold the program's top-level time: about the largest
     * cumulative time, and never more than all of them together. */
    for (i = 0; i < pk_profile_func_count(p); i++) {
        double ct = pk_profile_func_c(p, (uint32_t)i)->stats.cumtime * 1e6;
        top = ct > top ? ct : top;
    }
    assert_true(totals[PK_STACK_ROOT] >= 0.9 * top);
    assert_true(pk_stacks_node_count(p) > 10);
    pk_profile_free(p);
    free(buf);
}

/* ---- allocation failures ---- */

static int render_svg(pk_profile *p, pk_error *err)
{
    pk_flame_opts fo = PK_FLAME_OPTS_INIT;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int rc;
    assert_non_null(f);
    rc = pk_render_flame_svg(f, p, &fo, NULL, err);
    fclose(f);
    free(buf);
    if (rc != PK_OK)
        assert_true(err->msg[0] != '\0');
    return rc;
}

typedef struct folded_text {
    const char *buf;
    size_t len;
} folded_text;

/* Read, reverse and render the text. */
static int read_reverse_render(void *ctx, pk_error *err)
{
    const folded_text *t = ctx;
    pk_profile *p = NULL, *r = NULL;
    int rc = read_text(&p, t->buf, t->len, err);

    if (rc == PK_OK)
        rc = pk_stacks_reversed(&r, p, err);
    if (rc == PK_OK)
        rc = render_svg(r, err);
    pk_profile_free(p);
    pk_profile_free(r);
    return rc;
}

static void test_folded__allocation_failures_are_reported(void **state)
{
    size_t len;
    char *buf = sample(5, &len);
    folded_text t;
    (void)state;
    t.buf = buf;
    t.len = len;
    assert_true(pk_test_alloc_failures(read_reverse_render, &t) > 10);
    free(buf);
}

static void test_folded__ordered_read_keeps_runs(void **state)
{
    static const char text[] = "a;b 1\na;b 1\na;c 2\na;b 1\n";
    pk_read_opts ro = PK_READ_OPTS_INIT;
    pk_profile *p = NULL;
    pk_error err = PK_ERROR_INIT;
    const pk_stack_run *runs;
    size_t n;
    (void)state;
    ro.format = PK_FORMAT_FOLDED;
    ro.keep_order = true;
    assert_int_equal(pk_read_buffer(&p, text, sizeof text - 1, "o", &ro, &err), PK_OK);
    runs = pk_stacks_runs(p, &n);
    assert_int_equal(n, 3);
    assert_int_equal(runs[0].reps, 2);
    assert_int_equal(runs[0].leaf, runs[2].leaf);
    assert_int_equal(runs[2].reps, 1);
    pk_profile_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_folded__lines_follow_flamegraph_pl),
        cmocka_unit_test(test_folded__ignored_lines_are_counted_once_with_the_first),
        cmocka_unit_test(test_folded__repeated_stacks_add_up),
        cmocka_unit_test(test_folded__nul_byte_is_an_error_with_line_and_column),
        cmocka_unit_test(test_folded__no_stack_line_is_an_error),
        cmocka_unit_test(test_folded__sniff_is_conservative),
        cmocka_unit_test(test_folded__first_stack_longer_than_the_window),
        cmocka_unit_test(test_folded__samples_round_trip_byte_for_byte),
        cmocka_unit_test(test_folded__edge_cases_round_trip),
        cmocka_unit_test(test_folded__every_prefix_of_the_samples),
        cmocka_unit_test(test_folded__streaming_pieces_equal_one_piece),
        cmocka_unit_test(test_folded__walk_is_the_sorted_line_order),
        cmocka_unit_test(test_folded__writer_is_idempotent),
        cmocka_unit_test(test_folded__derived_functions_count_recursion_once),
        cmocka_unit_test(test_folded__frame_names_parse_like_py_spy),
        cmocka_unit_test(test_folded__diff_is_difffolded),
        cmocka_unit_test(test_folded__reverse_is_flamegraph_reverse),
        cmocka_unit_test(test_folded__pstats_give_approximate_stacks),
        cmocka_unit_test(test_folded__allocation_failures_are_reported),
        cmocka_unit_test(test_folded__ordered_read_keeps_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
