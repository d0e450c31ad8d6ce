/* Unit tests of the model and the analyses over it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <profkit/profkit.h>

#include "test_build.h"
#include "test_files.h"

static uint32_t func(pk_profile *p, const char *file, int64_t line, const char *name)
{
    uint32_t f;
    assert_int_equal(pk_profile_func_get(&f, NULL, p, pk_test_intern(p, file), line, pk_test_intern(p, name)),
                     PK_OK);
    return f;
}

static void set_stats(pk_stats *s, int64_t nc, int64_t cc, double tt, double ct)
{
    s->ncalls = nc;
    s->pcalls = cc;
    s->tottime = tt;
    s->cumtime = ct;
}

static uint32_t edge(pk_profile *p, uint32_t caller, uint32_t callee, int64_t nc, double ct)
{
    uint32_t e;
    assert_int_equal(pk_profile_edge_get(&e, NULL, p, caller, callee), PK_OK);
    set_stats(&pk_profile_edge(p, e)->stats, nc, nc, ct / 2, ct);
    return e;
}

static void test_model__interning_returns_one_id_per_text(void **state)
{
    pk_profile *p;
    (void)state;
    assert_int_equal(pk_profile_new(&p), PK_OK);
    assert_int_equal(pk_test_intern(p, ""), PK_STR_EMPTY);
    assert_int_equal(pk_test_intern(p, "a.py"), pk_test_intern(p, "a.py"));
    assert_int_not_equal(pk_test_intern(p, "a.py"), pk_test_intern(p, "b.py"));
    assert_string_equal(pk_profile_str(p, pk_test_intern(p, "b.py")), "b.py");
    pk_profile_free(p);
}

static void test_model__functions_keep_insertion_order(void **state)
{
    pk_profile *p;
    bool added;
    uint32_t f;
    (void)state;
    assert_int_equal(pk_profile_new(&p), PK_OK);
    assert_int_equal(func(p, "a.py", 1, "f"), 0);
    assert_int_equal(func(p, "a.py", 2, "f"), 1);
    assert_int_equal(pk_profile_func_get(&f, &added, p, pk_test_intern(p, "a.py"), 1, pk_test_intern(p, "f")),
                     PK_OK);
    assert_int_equal(f, 0);
    assert_false(added);
    assert_int_equal(pk_profile_func_count(p), 2);
    pk_profile_free(p);
}

static void test_model__edges_are_indexed_both_ways(void **state)
{
    pk_profile *p;
    const uint32_t *ids;
    size_t n;
    uint32_t a, b, c;
    (void)state;
    assert_int_equal(pk_profile_new(&p), PK_OK);
    a = func(p, "m.py", 1, "a");
    b = func(p, "m.py", 2, "b");
    c = func(p, "m.py", 3, "c");
    edge(p, a, c, 1, 1.0);
    edge(p, b, c, 2, 2.0);
    edge(p, a, b, 3, 3.0);
    assert_int_equal(pk_profile_callers(&ids, &n, p, c), PK_OK);
    assert_int_equal(n, 2);
    assert_int_equal(pk_profile_edge(p, ids[0])->caller, a);
    assert_int_equal(pk_profile_edge(p, ids[1])->caller, b);
    assert_int_equal(pk_profile_callees(&ids, &n, p, a), PK_OK);
    assert_int_equal(n, 2);
    assert_int_equal(pk_profile_edge(p, ids[1])->callee, b);
    /* Adding an edge makes the index stale; it is rebuilt. */
    edge(p, c, a, 1, 1.0);
    assert_int_equal(pk_profile_callers(&ids, &n, p, a), PK_OK);
    assert_int_equal(n, 1);
    pk_profile_free(p);
}

/* Two tiny profiles: x has f and g (g called by f); y has g and h. */
static void make_pair(pk_profile **x, pk_profile **y)
{
    uint32_t f, g, h;
    assert_int_equal(pk_profile_new(x), PK_OK);
    f = func(*x, "dir/a.py", 1, "f");
    g = func(*x, "dir/a.py", 5, "g");
    set_stats(&pk_profile_func(*x, f)->stats, 1, 1, 0.5, 2.0);
    set_stats(&pk_profile_func(*x, g)->stats, 3, 3, 1.0, 1.5);
    edge(*x, f, g, 3, 1.5);
    pk_profile_set_total_time(*x, 1.5);
    assert_int_equal(pk_profile_new(y), PK_OK);
    h = func(*y, "other/a.py", 9, "h");
    g = func(*y, "dir/a.py", 5, "g");
    set_stats(&pk_profile_func(*y, h)->stats, 2, 2, 0.25, 0.25);
    set_stats(&pk_profile_func(*y, g)->stats, 1, 1, 0.5, 0.75);
    edge(*y, h, g, 1, 0.75);
    pk_profile_set_total_time(*y, 0.75);
}

static void test_model__merge_sums_like_stats_add(void **state)
{
    pk_profile *x, *y, *m;
    pk_profile *in[2];
    pk_error err = PK_ERROR_INIT;
    const uint32_t *ids;
    size_t n;
    (void)state;
    make_pair(&x, &y);
    in[0] = x;
    in[1] = y;
    assert_int_equal(pk_profile_merge(&m, in, 2, &err), PK_OK);
    assert_int_equal(pk_profile_func_count(m), 3);
    /* x's entries first, then the key first seen in y. */
    assert_string_equal(pk_profile_str(m, pk_profile_func(m, 0)->name), "f");
    assert_string_equal(pk_profile_str(m, pk_profile_func(m, 1)->name), "g");
    assert_string_equal(pk_profile_str(m, pk_profile_func(m, 2)->name), "h");
    assert_int_equal(pk_profile_func(m, 1)->stats.ncalls, 4);
    assert_true(pk_profile_func(m, 1)->stats.cumtime == 2.25);
    assert_true(pk_profile_total_time(m) == 2.25);
    assert_int_equal(pk_profile_callers(&ids, &n, m, 1), PK_OK);
    assert_int_equal(n, 2);
    pk_profile_free(m);
    pk_profile_free(x);
    pk_profile_free(y);
}

/* Python's ints do not overflow; merged counts beyond int64 stop at its
 * ends (C would leave wrapping undefined), times add as usual. */
static void test_model__merge_holds_counts_at_int64(void **state)
{
    pk_profile *in[2], *m;
    pk_error err = PK_ERROR_INIT;
    const pk_stats *st;
    int k;

    (void)state;
    for (k = 0; k < 2; k++) {
        assert_int_equal(pk_profile_new(&in[k]), PK_OK);
        set_stats(&pk_profile_func(in[k], func(in[k], "a.py", 1, "f"))->stats,
                  INT64_MAX - 1, INT64_MIN + 1, 0.5, 1.0);
    }
    pk_profile_func(in[1], 0)->stats.ncalls = 5;
    pk_profile_func(in[1], 0)->stats.pcalls = -5;
    assert_int_equal(pk_profile_merge(&m, in, 2, &err), PK_OK);
    st = &pk_profile_func(m, 0)->stats;
    assert_true(st->ncalls == INT64_MAX && st->pcalls == INT64_MIN);
    assert_true(st->tottime == 1.0 && st->cumtime == 2.0);
    pk_profile_free(m);
    /* Back from the end by an addend of the other sign. */
    pk_profile_func(in[1], 0)->stats.ncalls = -(INT64_MAX - 1);
    pk_profile_func(in[1], 0)->stats.pcalls = INT64_MAX;
    assert_int_equal(pk_profile_merge(&m, in, 2, &err), PK_OK);
    st = &pk_profile_func(m, 0)->stats;
    assert_true(st->ncalls == 0 && st->pcalls == 0);
    pk_profile_free(m);
    pk_profile_free(in[0]);
    pk_profile_free(in[1]);
}

static void test_model__strip_dirs_merges_collisions(void **state)
{
    pk_profile *x, *y, *m, *s;
    pk_profile *in[2];
    pk_error err = PK_ERROR_INIT;
    (void)state;
    make_pair(&x, &y);
    in[0] = x;
    in[1] = y;
    assert_int_equal(pk_profile_merge(&m, in, 2, &err), PK_OK);
    assert_int_equal(pk_profile_strip_dirs(&s, m, &err), PK_OK);
    assert_int_equal(pk_profile_func_count(s), 3);
    assert_string_equal(pk_profile_str(s, pk_profile_func(s, 0)->file), "a.py");
    assert_string_equal(pk_profile_str(s, pk_profile_func(s, 2)->file), "a.py");
    pk_profile_free(s);
    pk_profile_free(m);
    pk_profile_free(x);
    pk_profile_free(y);
}

/* pstats quirk: two callers of one function that strip to the same key
 * replace each other (last wins) instead of adding up. */
static void test_model__strip_dirs_keeps_the_last_colliding_caller(void **state)
{
    pk_profile *p, *s;
    pk_error err = PK_ERROR_INIT;
    const uint32_t *ids;
    size_t n;
    uint32_t c1, c2, callee;
    (void)state;
    assert_int_equal(pk_profile_new(&p), PK_OK);
    callee = func(p, "x/z.py", 1, "z");
    c1 = func(p, "one/m.py", 1, "caller");
    c2 = func(p, "two/m.py", 1, "caller");
    edge(p, c1, callee, 5, 1.0);
    edge(p, c2, callee, 7, 2.0);
    assert_int_equal(pk_profile_strip_dirs(&s, p, &err), PK_OK);
    assert_int_equal(pk_profile_callers(&ids, &n, s, 0), PK_OK);
    assert_int_equal(n, 1);
    assert_int_equal(pk_profile_edge(s, ids[0])->stats.ncalls, 7);
    pk_profile_free(s);
    pk_profile_free(p);
}

static void test_model__sort_keys_follow_pstats_prefix_rules(void **state)
{
    pk_sort_key k;
    (void)state;
    assert_int_equal(pk_sort_key_parse(&k, "tottime"), PK_OK);
    assert_int_equal(k, PK_SORT_TIME);
    assert_int_equal(pk_sort_key_parse(&k, "cu"), PK_OK);
    assert_int_equal(k, PK_SORT_CUMULATIVE);
    assert_int_equal(pk_sort_key_parse(&k, "tot"), PK_OK);
    assert_int_equal(k, PK_SORT_TIME);
    assert_int_equal(pk_sort_key_parse(&k, "nc"), PK_OK);
    assert_int_equal(k, PK_SORT_CALLS);
    assert_int_equal(pk_sort_key_parse(&k, "na"), PK_OK);
    assert_int_equal(k, PK_SORT_NAME);
    assert_int_equal(pk_sort_key_parse(&k, "f"), PK_OK);
    assert_int_equal(k, PK_SORT_FILE);
    assert_int_equal(pk_sort_key_parse(&k, "cum"), PK_OK);
    assert_int_equal(k, PK_SORT_CUMULATIVE);
    /* Dropped by pstats because two keys share them. */
    assert_int_equal(pk_sort_key_parse(&k, "c"), PK_EINVAL);
    assert_int_equal(pk_sort_key_parse(&k, "t"), PK_EINVAL);
    assert_int_equal(pk_sort_key_parse(&k, "n"), PK_EINVAL);
    assert_int_equal(pk_sort_key_parse(&k, "bogus"), PK_EINVAL);
    assert_int_equal(pk_sort_key_parse(&k, ""), PK_EINVAL);
}

static void test_model__select_sorts_stably_and_restricts(void **state)
{
    pk_profile *p;
    pk_stdnames *names;
    pk_selection sel;
    pk_sort_key key = PK_SORT_CALLS;
    pk_restriction r[2] = {{PK_RESTRICT_REGEX, 0, 0, "b|c|d"},
                           {PK_RESTRICT_FRACTION, 0, 0.5, NULL}};
    pk_select_opts opts = {&key, 1, false, r, 2};
    pk_error err = PK_ERROR_INIT;
    const char *fn[] = {"a", "b", "c", "d"};
    int64_t calls[] = {1, 2, 2, 3};
    size_t i;
    (void)state;
    assert_int_equal(pk_profile_new(&p), PK_OK);
    for (i = 0; i < 4; i++)
        pk_profile_func(p, func(p, "m.py", (int64_t)i, fn[i]))->stats.ncalls = calls[i];
    assert_int_equal(pk_stdnames_build(&names, p), PK_OK);
    assert_int_equal(pk_select(&sel, p, names, &opts, &err), PK_OK);
    /* d(3), then b and c tied at 2 in file order; the regex drops a; half of 3 rounds to 2. */
    assert_int_equal(sel.n, 2);
    assert_int_equal(sel.funcs[0], 3);
    assert_int_equal(sel.funcs[1], 1);
    assert_int_equal(sel.steps[0].before, 4);
    assert_int_equal(sel.steps[0].after, 3);
    assert_int_equal(sel.steps[1].after, 2);
    pk_selection_dispose(&sel);
    pk_stdnames_free(names);
    pk_profile_free(p);
}

static void test_model__stdnames_match_pstats(void **state)
{
    pk_profile *p;
    pk_stdnames *names;
    (void)state;
    assert_int_equal(pk_profile_new(&p), PK_OK);
    func(p, "~", 0, "<built-in method builtins.len>");
    func(p, "~", 0, "len");
    func(p, "r\xc3\xa9.py", 12, "f");
    assert_int_equal(pk_stdnames_build(&names, p), PK_OK);
    assert_string_equal(pk_stdnames_get(names, 0), "{built-in method builtins.len}");
    assert_string_equal(pk_stdnames_get(names, 1), "len");
    assert_string_equal(pk_stdnames_get(names, 2), "r\xc3\xa9.py:12(f)");
    assert_int_equal(pk_stdnames_width(names, 2), 11);
    pk_stdnames_free(names);
    pk_profile_free(p);
}

static bool search(const char *pattern, const char *text)
{
    pk_regex *re;
    pk_error err = PK_ERROR_INIT;
    bool hit;
    assert_int_equal(pk_regex_compile(&re, pattern, &err), PK_OK);
    hit = pk_regex_search(re, text);
    pk_regex_free(re);
    return hit;
}

static void test_model__regex_accepts_python_syntax(void **state)
{
    pk_regex *re;
    pk_error err = PK_ERROR_INIT;
    (void)state;
    assert_true(search("\\d+\\(", "a.py:12(f)"));
    assert_false(search("^\\d", "a.py:12(f)"));
    assert_true(search("(?:fib|fact)", "m.py:1(fib)"));
    assert_true(search("(?i)FIB", "m.py:1(fib)"));
    assert_true(search("[\\w.]+:1\\(", "m.py:1(fib)"));
    assert_true(search("x{,2}y", "y"));
    assert_true(search("a{", "a{b"));
    assert_true(search(".*?fib", "m.py:1(fib)"));
    assert_true(search("\\{built-in", "{built-in method x}"));
    assert_true(search("[]x]", "]"));
    /* '[' in a set is a literal, never a POSIX class as in ERE. */
    assert_false(search("[[:alpha:]]", "fib"));
    assert_true(search("[[:alpha:]]", "a]"));
    assert_true(search("[[x]", "["));
    assert_true(search("[[^]", "^"));
    /* \w takes non-ASCII letters, as Python's str patterns do. */
    assert_true(search("^\\w+\\.py", "m\xc3\xb6" "d\xc3\xbc" "l\xc3\xa9.py"));
    assert_true(search("^[\\w]+$", "\xe5\x87\xbd\xe6\x95\xb0"));
    assert_false(search("\\W", "gr\xc3\xb6\xc3\x9f" "e"));
    assert_int_equal(pk_regex_compile(&re, "(?=x)", &err), PK_EINVAL);
    pk_error_clear(&err);
    assert_int_equal(pk_regex_compile(&re, "(unclosed", &err), PK_EINVAL);
    pk_error_clear(&err);
    assert_int_equal(pk_regex_compile(&re, "[abc", &err), PK_EINVAL);
}

/* Every allocation in merge and strip may fail: the result is PK_ENOMEM
 * and nothing leaks (ASan's leak check sees the rest). */
typedef struct merge_case {
    pk_profile *in[2];
    pk_profile *merged;
} merge_case;

/* A failed merge leaves no half-made profile behind. */
static int merge_pair(void *ctx, pk_error *err)
{
    merge_case *c = ctx;
    int rc = pk_profile_merge(&c->merged, c->in, 2, err);

    if (rc != PK_OK)
        assert_null(c->merged);
    return rc;
}

static void test_model__merge_survives_allocation_failures(void **state)
{
    merge_case c = {{NULL, NULL}, NULL};
    (void)state;
    make_pair(&c.in[0], &c.in[1]);
    assert_true(pk_test_alloc_failures(merge_pair, &c) > 0);
    pk_profile_free(c.merged);
    pk_profile_free(c.in[0]);
    pk_profile_free(c.in[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model__interning_returns_one_id_per_text),
        cmocka_unit_test(test_model__functions_keep_insertion_order),
        cmocka_unit_test(test_model__edges_are_indexed_both_ways),
        cmocka_unit_test(test_model__merge_sums_like_stats_add),
        cmocka_unit_test(test_model__merge_holds_counts_at_int64),
        cmocka_unit_test(test_model__strip_dirs_merges_collisions),
        cmocka_unit_test(test_model__strip_dirs_keeps_the_last_colliding_caller),
        cmocka_unit_test(test_model__sort_keys_follow_pstats_prefix_rules),
        cmocka_unit_test(test_model__select_sorts_stably_and_restricts),
        cmocka_unit_test(test_model__stdnames_match_pstats),
        cmocka_unit_test(test_model__regex_accepts_python_syntax),
        cmocka_unit_test(test_model__merge_survives_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
