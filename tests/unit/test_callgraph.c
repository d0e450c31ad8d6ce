/* Unit tests of the call graph: building, cycles, pruning, hide/focus,
 * and the DOT writer and Graphviz renderer on hand-made profiles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <profkit/callgraph.h>
#include <profkit/profkit.h>

#include "test_build.h"
#include "test_files.h"

/* ---- building profiles ---- */

/* cProfile's caller tuple (nc, cc, tt, ct). */
static void edge(pk_profile *p, uint32_t caller, uint32_t callee, int64_t nc, int64_t cc,
                 double ct)
{
    uint32_t e;
    pk_edge *ed;
    assert_int_equal(pk_profile_edge_get(&e, NULL, p, caller, callee), PK_OK);
    ed = pk_profile_edge(p, e);
    ed->stats.ncalls = nc;
    ed->stats.pcalls = cc;
    ed->stats.tottime = ct / 2;
    ed->stats.cumtime = ct;
}

static pk_profile *new_profile(void)
{
    pk_profile *p;
    assert_int_equal(pk_profile_new(&p), PK_OK);
    pk_profile_set_source(p, PK_SOURCE_PSTATS);
    return p;
}

static pk_callgraph *build(pk_profile *p)
{
    pk_callgraph *g;
    pk_error err = PK_ERROR_INIT;
    assert_int_equal(pk_callgraph_build(&g, p, &err), PK_OK);
    return g;
}

static uint32_t node_named(const pk_callgraph *g, const char *name)
{
    uint32_t i;
    for (i = 0; i < pk_callgraph_node_count(g); i++) {
        if (strcmp(pk_callgraph_node_name(g, i), name) == 0)
            return i;
    }
    fail_msg("no node %s", name);
    return PK_CG_NONE;
}

static bool alive(const pk_callgraph *g, const char *name)
{
    return pk_callgraph_node(g, node_named(g, name))->alive;
}

static const pk_cg_edge *edge_between(pk_callgraph *g, uint32_t caller, uint32_t callee)
{
    const uint32_t *edges;
    size_t n, i;
    assert_int_equal(pk_callgraph_out_edges(&edges, &n, g, caller, NULL), PK_OK);
    for (i = 0; i < n; i++) {
        if (pk_callgraph_edge(g, edges[i])->callee == callee)
            return pk_callgraph_edge(g, edges[i]);
    }
    return NULL;
}

static size_t alive_nodes(const pk_callgraph *g)
{
    size_t n;
    pk_callgraph_alive(g, &n, NULL);
    return n;
}

static char *dot_text(pk_callgraph *g, const pk_dot_opts *o)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(pk_callgraph_write_dot(f, g, o, NULL), PK_OK);
    assert_int_equal(fclose(f), 0);
    return text;
}

static pk_regex *regex(const char *pattern)
{
    pk_regex *re;
    assert_int_equal(pk_regex_compile(&re, pattern, NULL), PK_OK);
    return re;
}

/* ---- building ---- */

/* gprof2dot numbers each stats entry, then the entry's callers, as met. */
static void test_callgraph__ids_follow_the_stats_walk(void **state)
{
    pk_profile *p = new_profile();
    uint32_t a = pk_test_func(p, "a.py", 1, "a", 1, 0.1, 0.3);
    uint32_t b = pk_test_func(p, "b.py", 1, "b", 1, 0.1, 0.2);
    uint32_t c = pk_test_func(p, "c.py", 1, "c", 1, 0.1, 0.5);
    pk_callgraph *g;
    (void)state;
    edge(p, c, a, 1, 1, 0.3);
    edge(p, b, a, 1, 1, 0.1);
    edge(p, a, b, 1, 1, 0.2);
    g = build(p);
    assert_int_equal(pk_callgraph_node_count(g), 3);
    assert_int_equal(pk_callgraph_node(g, 0)->func, a);
    assert_int_equal(pk_callgraph_node(g, 1)->func, c);
    assert_int_equal(pk_callgraph_node(g, 2)->func, b);
    assert_string_equal(pk_callgraph_node_name(g, 1), "c:1:c");
    assert_string_equal(pk_callgraph_node_file(g, 1), "c.py");
    pk_callgraph_free(g);
    pk_profile_free(p);
}

static void test_callgraph__names_drop_directories_and_extensions(void **state)
{
    pk_profile *p = new_profile();
    pk_callgraph *g;
    (void)state;
    pk_test_func(p, "/usr/lib/python3.11/json/decoder.py", 332, "decode", 1, 0.1, 0.1);
    pk_test_func(p, "~", 0, "<built-in method builtins.len>", 1, 0.1, 0.1);
    pk_test_func(p, "dir.d/.hidden", 7, "f", 1, 0.1, 0.1);
    pk_test_func(p, "a.tar.gz", 8, "g", 1, 0.1, 0.1);
    g = build(p);
    assert_string_equal(pk_callgraph_node_name(g, 0), "decoder:332:decode");
    assert_string_equal(pk_callgraph_node_name(g, 1), "~:0:<built-in method builtins.len>");
    assert_string_equal(pk_callgraph_node_name(g, 2), ".hidden:7:f");
    assert_string_equal(pk_callgraph_node_name(g, 3), "a.tar:8:g");
    pk_callgraph_free(g);
    pk_profile_free(p);
}

/* total ratio = ct / max(sum of tt, largest ct); edges count cc. */
static void test_callgraph__ratios_and_edge_counts(void **state)
{
    pk_profile *p = new_profile();
    uint32_t a = pk_test_func(p, "m.py", 1, "a", 10, 1.0, 4.0);
    uint32_t b = pk_test_func(p, "m.py", 2, "b", 5, 2.0, 3.0);
    pk_callgraph *g;
    const pk_cg_edge *e;
    (void)state;
    pk_profile_set_total_time(p, 3.0);
    edge(p, a, b, 5, 2, 3.0);
    g = build(p);
    assert_true(pk_callgraph_node(g, 0)->has_stats);
    assert_int_equal(pk_callgraph_node(g, 0)->calls, 10);
    assert_true(pk_callgraph_node(g, 0)->total_ratio == 1.0);
    assert_true(pk_callgraph_node(g, 1)->total_ratio == 0.75);
    assert_true(pk_callgraph_node(g, 0)->self_ratio == 1.0 / 3.0);
    assert_true(pk_callgraph_node(g, 1)->self_ratio == 2.0 / 3.0);
    e = edge_between(g, 0, 1);
    assert_non_null(e);
    assert_int_equal(e->calls, 2); /* the tuple's second number, as gprof2dot shows */
    assert_true(e->ratio == 0.75 && e->weight == 0.75);
    pk_callgraph_free(g);
    pk_profile_free(p);
}

/* A pure-profile count takes its share of the callee's calls times its ct;
 * after a cProfile tuple in the same callers dict gprof2dot uses that
 * tuple's nc and ct instead. */
static void test_callgraph__count_only_edges(void **state)
{
    pk_profile *p = new_profile();
    uint32_t x = pk_test_func(p, "m.py", 1, "x", 1, 1.0, 10.0);
    uint32_t y = pk_test_func(p, "m.py", 2, "y", 8, 1.0, 4.0);
    uint32_t z = pk_test_func(p, "m.py", 3, "z", 1, 1.0, 1.0);
    uint32_t e;
    pk_callgraph *g;
    (void)state;
    assert_int_equal(pk_profile_edge_get(&e, NULL, p, x, y), PK_OK);
    pk_profile_edge(p, e)->flags = PK_EDGE_COUNT_ONLY;
    pk_profile_edge(p, e)->stats.ncalls = pk_profile_edge(p, e)->stats.pcalls = 2;
    edge(p, z, y, 5, 5, 3.0);
    assert_int_equal(pk_profile_edge_get(&e, NULL, p, x, z), PK_OK);
    pk_profile_edge(p, e)->flags = PK_EDGE_COUNT_ONLY;
    pk_profile_edge(p, e)->stats.ncalls = 1;
    g = build(p);
    /* x -> y: 2 of y's 8 calls of 4 s. */
    assert_true(edge_between(g, node_named(g, "m:1:x"), node_named(g, "m:2:y"))->total_time ==
                1.0);
    assert_int_equal(edge_between(g, node_named(g, "m:1:x"), node_named(g, "m:2:y"))->calls, 2);
    pk_callgraph_free(g);
    pk_profile_free(p);

    p = new_profile();
    x = pk_test_func(p, "m.py", 1, "x", 1, 1.0, 10.0);
    y = pk_test_func(p, "m.py", 2, "y", 8, 1.0, 4.0);
    z = pk_test_func(p, "m.py", 3, "z", 1, 1.0, 1.0);
    edge(p, z, y, 5, 5, 3.0);
    assert_int_equal(pk_profile_edge_get(&e, NULL, p, x, y), PK_OK);
    pk_profile_edge(p, e)->flags = PK_EDGE_COUNT_ONLY;
    pk_profile_edge(p, e)->stats.ncalls = 2;
    g = build(p);
    /* After the tuple (nc 5, ct 3): 2 / 5 * 3. */
    assert_true(edge_between(g, node_named(g, "m:1:x"), node_named(g, "m:2:y"))->total_time ==
                2.0 / 5.0 * 3.0);
    pk_callgraph_free(g);
    pk_profile_free(p);
}

static void test_callgraph__caller_only_functions_have_no_stats(void **state)
{
    pk_profile *p = new_profile();
    uint32_t a = pk_test_func(p, "m.py", 1, "a", 1, 1.0, 1.0);
    uint32_t ghost = pk_test_func(p, "m.py", 9, "ghost", 0, 0.0, 0.0);
    pk_cg_prune_opts o = PK_CG_PRUNE_OPTS_INIT;
    pk_callgraph *g;
    char *text;
    (void)state;
    pk_profile_func(p, ghost)->flags |= PK_FUNC_NO_ENTRY;
    edge(p, ghost, a, 1, 1, 1.0);
    g = build(p);
    assert_false(pk_callgraph_node(g, 1)->has_stats);
    assert_false(pk_callgraph_node(g, 1)->has_weight);
    o.node_thres = 0.5;
    assert_int_equal(pk_callgraph_prune(g, &o, NULL), PK_OK);
    assert_true(alive(g, "m:9:ghost")); /* no weight: never under a threshold */
    text = dot_text(g, NULL);
    assert_non_null(strstr(text, "label=\"m:9:ghost\", tooltip=\"m.py\"];"));
    free(text);
    pk_callgraph_free(g);
    pk_profile_free(p);
}

/* ---- cycles ---- */

static void chain_name(char *buf, size_t n, const char *prefix, size_t i)
{
    snprintf(buf, n, "%s%zu", prefix, i);
}

/* A 200,000-call chain, a 50,000-function cycle, a mutual recursion and a
 * self-recursive function: an iterative Tarjan takes them all. */
static void test_callgraph__cycles_on_deep_graphs(void **state)
{
    enum { CHAIN = 200000, RING = 50000 };
    pk_profile *p = new_profile();
    uint32_t *chain = malloc(CHAIN * sizeof *chain), *ring = malloc(RING * sizeof *ring);
    uint32_t self, even, odd;
    pk_cg_prune_opts o = PK_CG_PRUNE_OPTS_INIT;
    pk_callgraph *g;
    char name[32];
    size_t i;
    (void)state;
    assert_non_null(chain);
    assert_non_null(ring);
    for (i = 0; i < CHAIN; i++) {
        chain_name(name, sizeof name, "f", i);
        chain[i] = pk_test_func(p, "chain.py", (int64_t)i, name, 1, 1e-6, 1.0);
    }
    for (i = 0; i < RING; i++) {
        chain_name(name, sizeof name, "r", i);
        ring[i] = pk_test_func(p, "ring.py", (int64_t)i, name, 1, 1e-6, 1.0);
    }
    self = pk_test_func(p, "m.py", 1, "self", 3, 1.0, 1.0);
    even = pk_test_func(p, "m.py", 2, "even", 3, 1.0, 1.0);
    odd = pk_test_func(p, "m.py", 3, "odd", 3, 1.0, 1.0);
    for (i = 0; i + 1 < CHAIN; i++)
        edge(p, chain[i], chain[i + 1], 1, 1, 1.0);
    for (i = 0; i < RING; i++)
        edge(p, ring[i], ring[(i + 1) % RING], 1, 1, 1.0);
    edge(p, self, self, 2, 0, 0.5);
    edge(p, even, odd, 1, 1, 1.0);
    edge(p, odd, even, 1, 1, 1.0);
    edge(p, chain[CHAIN - 1], ring[0], 1, 1, 1.0);

    g = build(p);
    assert_int_equal(pk_callgraph_cycle_count(g), 0); /* not looked for yet */
    assert_int_equal(pk_callgraph_find_cycles(g, NULL), PK_OK);
    assert_int_equal(pk_callgraph_cycle_count(g), 2);
    for (i = 0; i < pk_callgraph_node_count(g); i++) {
        const pk_cg_node *n = pk_callgraph_node(g, (uint32_t)i);
        const char *nm = pk_callgraph_node_name(g, (uint32_t)i);
        if (n->func >= ring[0] && n->func <= ring[RING - 1])
            assert_int_not_equal(n->cycle, PK_CG_NONE);
        else if (n->func == even || n->func == odd)
            assert_int_not_equal(n->cycle, PK_CG_NONE);
        else if (n->cycle != PK_CG_NONE)
            fail_msg("%s is in no cycle", nm);
    }
    /* Numbered by lowest node id: the ring comes after the chain. */
    assert_int_equal(pk_callgraph_node(g, node_named(g, "ring:0:r0"))->cycle, 0);
    assert_int_equal(pk_callgraph_node(g, node_named(g, "m:2:even"))->cycle, 1);

    /* Walks from a root are iterative too. */
    o.node_thres = o.edge_thres = 0.0;
    o.root = "chain:0:f0";
    o.depth = 10;
    assert_int_equal(pk_callgraph_prune(g, &o, NULL), PK_OK);
    assert_int_equal(alive_nodes(g), 11);
    pk_callgraph_free(g);

    g = build(p);
    o.depth = -1;
    assert_int_equal(pk_callgraph_prune(g, &o, NULL), PK_OK);
    assert_int_equal(alive_nodes(g), CHAIN + RING);
    o.root = NULL;
    o.leaf = "ring:0:r0";
    assert_int_equal(pk_callgraph_prune(g, &o, NULL), PK_OK);
    assert_int_equal(alive_nodes(g), CHAIN + RING);
    pk_callgraph_free(g);
    pk_profile_free(p);
    free(chain);
    free(ring);
}

/* ---- pruning ---- */

/* main -> {big, small}; big -> tiny. Total 1 s. */
static pk_profile *small_tree(void)
{
    pk_profile *p = new_profile();
    uint32_t main_ = pk_test_func(p, "t.py", 1, "main", 1, 0.1, 1.0);
    uint32_t big = pk_test_func(p, "t.py", 2, "big", 2, 0.6, 0.8);
    uint32_t small = pk_test_func(p, "t.py", 3, "small", 3, 0.1, 0.1);
    uint32_t tiny = pk_test_func(p, "t.py", 4, "tiny", 4, 0.004, 0.004);
    pk_profile_set_total_time(p, 0.804);
    edge(p, main_, big, 2, 2, 0.8);
    edge(p, main_, small, 3, 3, 0.1);
    edge(p, big, tiny, 4, 4, 0.004);
    edge(p, small, tiny, 1, 1, 0.0009);
    return p;
}

static void test_callgraph__thresholds(void **state)
{
    pk_profile *p = small_tree();
    pk_callgraph *g = build(p);
    pk_cg_prune_opts o = PK_CG_PRUNE_OPTS_INIT;
    size_t nodes, edges;
    (void)state;
    /* Defaults 0.5 % and 0.1 %: tiny (0.4 %) goes, and the edges into it. */
    assert_int_equal(pk_callgraph_prune(g, &o, NULL), PK_OK);
    assert_false(alive(g, "t:4:tiny"));
    pk_callgraph_alive(g, &nodes, &edges);
    assert_int_equal(nodes, 3);
    assert_int_equal(edges, 2);
    pk_callgraph_free(g);

    /* Nodes kept: only the 0.09 % edge small -> tiny goes. */
    g = build(p);
    o.node_thres = 0.0;
    assert_int_equal(pk_callgraph_prune(g, &o, NULL), PK_OK);
    pk_callgraph_alive(g, &nodes, &edges);
    assert_int_equal(nodes, 4);
    assert_int_equal(edges, 3);
    assert_null(edge_between(g, node_named(g, "t:3:small"), node_named(g, "t:4:tiny")));
    pk_callgraph_free(g);

    /* gprof2dot's -p: files under a prefix (an empty file name stays). */
    g = build(p);
    o.paths = (const char *const[]){"u/", "t."};
    o.npaths = 2;
    assert_int_equal(pk_callgraph_prune(g, &o, NULL), PK_OK);
    assert_int_equal(alive_nodes(g), 4);
    o.paths = (const char *const[]){"u/"};
    o.npaths = 1;
    assert_int_equal(pk_callgraph_prune(g, &o, NULL), PK_OK);
    assert_int_equal(alive_nodes(g), 0);
    pk_callgraph_free(g);
    pk_profile_free(p);
}

static void test_callgraph__color_by_self_time(void **state)
{
    pk_profile *p = small_tree();
    pk_callgraph *g = build(p);
    pk_cg_prune_opts o = PK_CG_PRUNE_OPTS_INIT;
    (void)state;
    o.color_by_self = true;
    assert_int_equal(pk_callgraph_prune(g, &o, NULL), PK_OK);
    assert_true(pk_callgraph_node(g, node_named(g, "t:2:big"))->weight == 1.0);
    assert_true(pk_callgraph_node(g, node_named(g, "t:1:main"))->weight ==
                pk_callgraph_node(g, node_named(g, "t:1:main"))->self_ratio /
                    pk_callgraph_node(g, node_named(g, "t:2:big"))->self_ratio);
    pk_callgraph_free(g);
    pk_profile_free(p);
}

static void test_callgraph__roots_leaves_and_globs(void **state)
{
    pk_profile *p = small_tree();
    pk_cg_prune_opts o = PK_CG_PRUNE_OPTS_INIT;
    pk_error err = PK_ERROR_INIT;
    pk_callgraph *g;
    (void)state;
    o.node_thres = o.edge_thres = 0.0;

    g = build(p);
    o.root = "t:?:b[a-i]g";
    assert_int_equal(pk_callgraph_prune(g, &o, NULL), PK_OK);
    assert_int_equal(alive_nodes(g), 2);
    assert_true(alive(g, "t:2:big") && alive(g, "t:4:tiny"));
    pk_callgraph_free(g);

    g = build(p);
    o.root = NULL;
    o.leaf = "*[!a-z]tiny";
    assert_int_equal(pk_callgraph_prune(g, &o, NULL), PK_OK);
    assert_int_equal(alive_nodes(g), 4);
    pk_callgraph_free(g);

    g = build(p);
    o.leaf = "*tiny";
    o.depth = 1;
    assert_int_equal(pk_callgraph_prune(g, &o, NULL), PK_OK);
    assert_int_equal(alive_nodes(g), 3);
    assert_false(alive(g, "t:1:main"));
    pk_callgraph_free(g);

    g = build(p);
    o.leaf = NULL;
    o.root = "nothing*";
    assert_int_equal(pk_callgraph_prune(g, &o, &err), PK_ENODATA);
    assert_string_equal(err.msg, "root node 'nothing*' not found (might already be pruned: "
                                 "try -n 0 -e 0)");
    pk_callgraph_free(g);
    pk_profile_free(p);
}

/* Two functions of one name: gprof2dot's {name: id} keeps the last id. */
static void test_callgraph__glob_picks_the_last_of_one_name(void **state)
{
    pk_profile *p = new_profile();
    uint32_t a1 = pk_test_func(p, "a/x.py", 1, "f", 1, 0.1, 0.5);
    uint32_t a2 = pk_test_func(p, "b/x.py", 1, "f", 1, 0.1, 0.5);
    uint32_t c1 = pk_test_func(p, "c.py", 1, "c1", 1, 0.1, 0.1);
    uint32_t c2 = pk_test_func(p, "c.py", 2, "c2", 1, 0.1, 0.1);
    pk_cg_prune_opts o = PK_CG_PRUNE_OPTS_INIT;
    pk_callgraph *g;
    (void)state;
    edge(p, a1, c1, 1, 1, 0.1);
    edge(p, a2, c2, 1, 1, 0.1);
    g = build(p);
    o.node_thres = o.edge_thres = 0.0;
    o.root = "x:1:f";
    assert_int_equal(pk_callgraph_prune(g, &o, NULL), PK_OK);
    assert_int_equal(alive_nodes(g), 2);
    assert_true(alive(g, "c:2:c2"));
    pk_callgraph_free(g);
    pk_profile_free(p);
}

static void test_callgraph__max_nodes_keeps_the_heaviest(void **state)
{
    pk_profile *p = small_tree();
    pk_callgraph *g = build(p);
    pk_cg_prune_opts o = PK_CG_PRUNE_OPTS_INIT;
    (void)state;
    o.node_thres = o.edge_thres = 0.0;
    o.max_nodes = 2;
    assert_int_equal(pk_callgraph_prune(g, &o, NULL), PK_OK);
    assert_int_equal(alive_nodes(g), 2);
    assert_true(alive(g, "t:1:main") && alive(g, "t:2:big"));
    assert_non_null(edge_between(g, node_named(g, "t:1:main"), node_named(g, "t:2:big")));
    pk_callgraph_free(g);
    pk_profile_free(p);
}

/* ---- hide and focus ---- */

/* a -> h (3 s), b -> h (1 s); h -> c (2 s, 4 calls), h -> d (2 s); a -> c (1 s). */
static void test_callgraph__hide_links_callers_to_callees(void **state)
{
    pk_profile *p = new_profile();
    uint32_t a = pk_test_func(p, "m.py", 1, "a", 1, 1.0, 5.0);
    uint32_t b = pk_test_func(p, "m.py", 2, "b", 1, 1.0, 2.0);
    uint32_t h = pk_test_func(p, "m.py", 3, "hidden", 2, 0.0, 4.0);
    uint32_t c = pk_test_func(p, "m.py", 4, "c", 5, 3.0, 3.0);
    uint32_t d = pk_test_func(p, "m.py", 5, "d", 1, 2.0, 2.0);
    pk_regex *re = regex("hid+en$");
    pk_callgraph *g;
    const pk_cg_edge *e;
    size_t hidden;
    (void)state;
    edge(p, a, h, 1, 1, 3.0);
    edge(p, b, h, 1, 1, 1.0);
    edge(p, h, c, 4, 4, 2.0);
    edge(p, h, d, 1, 1, 2.0);
    edge(p, a, c, 1, 1, 1.0);
    g = build(p);
    assert_int_equal(pk_callgraph_hide(g, re, &hidden, NULL), PK_OK);
    assert_int_equal(hidden, 1);
    assert_false(alive(g, "m:3:hidden"));
    e = edge_between(g, node_named(g, "m:1:a"), node_named(g, "m:4:c"));
    assert_non_null(e);
    assert_true(e->total_time == 1.0 + 0.75 * 2.0);
    assert_int_equal(e->calls, 1 + 3);
    e = edge_between(g, node_named(g, "m:1:a"), node_named(g, "m:5:d"));
    assert_true(e->total_time == 1.5);
    e = edge_between(g, node_named(g, "m:2:b"), node_named(g, "m:4:c"));
    assert_true(e->total_time == 0.5);
    assert_int_equal(e->calls, 1);
    e = edge_between(g, node_named(g, "m:2:b"), node_named(g, "m:5:d"));
    assert_true(e->total_time == 0.5);
    assert_int_equal(e->calls, 1); /* 0.25 of a call is still a call */
    assert_true(e->ratio == 0.5 / 5.0);
    pk_regex_free(re);
    pk_callgraph_free(g);
    pk_profile_free(p);
}

static void test_callgraph__hide_collapses_chains(void **state)
{
    pk_profile *p = new_profile();
    uint32_t a = pk_test_func(p, "m.py", 1, "a", 1, 1.0, 3.0);
    uint32_t w1 = pk_test_func(p, "w.py", 1, "wrap1", 1, 0.0, 2.0);
    uint32_t w2 = pk_test_func(p, "w.py", 2, "wrap2", 1, 0.0, 2.0);
    uint32_t z = pk_test_func(p, "m.py", 2, "z", 1, 2.0, 2.0);
    pk_regex *re = regex("^w:");
    pk_callgraph *g;
    size_t nodes, edges;
    (void)state;
    edge(p, a, w1, 1, 1, 2.0);
    edge(p, w1, w2, 1, 1, 2.0);
    edge(p, w2, z, 1, 1, 2.0);
    edge(p, w2, w2, 1, 0, 1.0); /* recursion inside what is hidden goes too */
    g = build(p);
    assert_int_equal(pk_callgraph_hide(g, re, NULL, NULL), PK_OK);
    pk_callgraph_alive(g, &nodes, &edges);
    assert_int_equal(nodes, 2);
    assert_int_equal(edges, 1);
    assert_true(edge_between(g, node_named(g, "m:1:a"), node_named(g, "m:2:z"))->total_time ==
                2.0);
    pk_regex_free(re);
    pk_callgraph_free(g);
    pk_profile_free(p);
}

static void test_callgraph__focus_keeps_ancestors_and_descendants(void **state)
{
    pk_profile *p = small_tree();
    pk_callgraph *g = build(p);
    pk_regex *re = regex("small"), *none = regex("nothing");
    pk_error err = PK_ERROR_INIT;
    size_t matched;
    (void)state;
    assert_int_equal(pk_callgraph_focus(g, none, &matched, &err), PK_ENODATA);
    assert_int_equal(matched, 0);
    assert_int_equal(alive_nodes(g), 4);
    assert_int_equal(pk_callgraph_focus(g, re, &matched, NULL), PK_OK);
    assert_int_equal(matched, 1);
    assert_int_equal(alive_nodes(g), 3);
    assert_false(alive(g, "t:2:big"));
    assert_true(alive(g, "t:1:main") && alive(g, "t:4:tiny"));
    pk_regex_free(re);
    pk_regex_free(none);
    pk_callgraph_free(g);
    pk_profile_free(p);
}

/* ---- DOT ---- */

/* The profile behind the expected text below; that text is what gprof2dot
 * printed (-n 0 -e 0) for this profile written as a pstats file. */
static pk_profile *odd_names(void)
{
    pk_profile *p = new_profile();
    uint32_t f0 = pk_test_func(p, "dir/we\"ird\\file.py", 3, "na\tme", 3, 0.25, 0.5);
    uint32_t f1 = pk_test_func(p, "graph", 1, "main", 1, 0.125, 1.0);
    uint32_t f2 = pk_test_func(p, "abc", 2, "f", 4, 0.5, 0.5);
    uint32_t f3 = pk_test_func(p, "0x1", 5, "<lambda>", 1, 0.0625, 0.0625);
    pk_profile_func(p, f2)->stats.pcalls = 2;
    edge(p, f1, f0, 3, 3, 0.5);
    edge(p, f1, f2, 1, 1, 0.4375);
    edge(p, f2, f2, 3, 0, 0.25);
    edge(p, f0, f3, 1, 1, 0.0625);
    pk_profile_set_total_time(p, 0.9375);
    return p;
}

static const char ODD_DOT[] =
    "digraph {\n"
    "\ttooltip=\" \"\n"
    "\tgraph [fontname=Arial, nodesep=0.125, ranksep=0.25];\n"
    "\tnode [fontcolor=white, fontname=Arial, height=0, shape=box, style=filled, width=0];\n"
    "\tedge [fontname=Arial];\n"
    "\t0 [color=\"#0ab60a\", fontcolor=\"#ffffff\", fontsize=\"10.00\", "
    "label=\"we\\\"ird\\\\file:3:na\\tme\\n50.00%\\n(26.67%)\\n3\xc3\x97\", "
    "tooltip=\"dir/we\\\"ird\\\\file.py\"];\n"
    "\t0 -> 3 [arrowsize=\"0.35\", color=\"#0d287b\", fontcolor=\"#0d287b\", fontsize=\"10.00\", "
    "label=\"6.25%\\n1\xc3\x97\", labeldistance=\"0.50\", penwidth=\"0.50\"];\n"
    "\t1 [color=\"#ff0000\", fontcolor=\"#ffffff\", fontsize=\"10.00\", "
    "label=\"graph:1:main\\n100.00%\\n(13.33%)\\n1\xc3\x97\", tooltip=\"graph\"];\n"
    "\t1 -> 0 [arrowsize=\"0.71\", color=\"#0ab60a\", fontcolor=\"#0ab60a\", fontsize=\"10.00\", "
    "label=\"50.00%\\n3\xc3\x97\", labeldistance=\"2.00\", penwidth=\"2.00\"];\n"
    "\t1 -> 2 [arrowsize=\"0.66\", color=\"#0aad33\", fontcolor=\"#0aad33\", fontsize=\"10.00\", "
    "label=\"43.75%\\n1\xc3\x97\", labeldistance=\"1.75\", penwidth=\"1.75\"];\n"
    "\t2 [color=\"#0ab60a\", fontcolor=\"#ffffff\", fontsize=\"10.00\", "
    "label=\"abc:2:f\\n50.00%\\n(53.33%)\\n4\xc3\x97\", tooltip=abc];\n"
    "\t2 -> 2 [arrowsize=\"0.50\", color=\"#0c9393\", fontcolor=\"#0c9393\", fontsize=\"10.00\", "
    "label=\"25.00%\\n0\xc3\x97\", labeldistance=\"1.00\", penwidth=\"1.00\"];\n"
    "\t3 [color=\"#0d287b\", fontcolor=\"#ffffff\", fontsize=\"10.00\", "
    "label=\"0x1:5:<lambda>\\n6.25%\\n(6.67%)\\n1\xc3\x97\", tooltip=\"0x1\"];\n"
    "}\n";

static void test_callgraph__dot_is_what_gprof2dot_writes(void **state)
{
    pk_profile *p = odd_names();
    pk_callgraph *g = build(p);
    pk_cg_prune_opts o = PK_CG_PRUNE_OPTS_INIT;
    char *text;
    (void)state;
    o.node_thres = o.edge_thres = 0.0;
    assert_int_equal(pk_callgraph_prune(g, &o, NULL), PK_OK);
    text = dot_text(g, NULL);
    assert_string_equal(text, ODD_DOT);
    free(text);
    pk_callgraph_free(g);
    pk_profile_free(p);
}

/* Expected labels: gprof2dot's Function.stripped_name() and
 * DotWriter.wrap_function_name() on the same names. */
static void test_callgraph__dot_strips_wraps_and_cuts_names(void **state)
{
    pk_profile *p = new_profile();
    pk_dot_opts o = PK_DOT_OPTS_INIT;
    char *long_name = malloc(5001), *text;
    pk_callgraph *g;
    (void)state;
    memset(long_name, 'x', 5000);
    long_name[5000] = '\0';
    pk_test_func(p, "mod.py", 12, "std::vector<std::pair<int, int> > make(int, char) const", 1, 1, 1);
    pk_test_func(p, "~", 0, "<method 'disable' of '_lsprof.Profiler' objects>", 1, 1, 1);
    pk_test_func(p, "x.py", 1, "well-known-hyphenated-words and more-words here, ok", 1, 1, 1);
    pk_test_func(p, "m.py", 2, "tabs\there\tand there and some more text", 1, 1, 1);
    pk_test_func(p, "l.py", 3, long_name, 1, 1, 1);
    g = build(p);

    o.strip = true;
    text = dot_text(g, &o);
    assert_non_null(strstr(text, "label=\"mod:12:std::vector make\\n"));
    assert_non_null(strstr(text, "label=\"~:0:\\n"));
    free(text);

    o.strip = false;
    o.wrap = true;
    text = dot_text(g, &o);
    assert_non_null(strstr(text, "label=\"mod:12:std::vector<std::pair<int,\\nint>> "
                                 "make(int,char) const\\n"));
    assert_non_null(strstr(text, "label=\"~:0:<method 'disable' of\\n'_lsprof.Profiler' "
                                 "objects>\\n"));
    assert_non_null(strstr(text, "label=\"x:1:well-known-hyphenated-words\\nand "
                                 "more-words here,ok\\n"));
    assert_non_null(strstr(text, "label=\"m:2:tabs        here    and\\nthere and some more "
                                 "text\\n"));
    free(text);

    /* 4096 characters or more: 4095 and an ellipsis. */
    o.wrap = false;
    text = dot_text(g, &o);
    assert_non_null(strstr(text, "xxxxx\xe2\x80\xa6\\n"));
    assert_null(strstr(text, "xxxxxxxxxx\\n"));
    free(text);
    free(long_name);
    pk_callgraph_free(g);
    pk_profile_free(p);
}

static void test_callgraph__dot_options(void **state)
{
    pk_profile *p = odd_names();
    pk_callgraph *g = build(p);
    pk_dot_label labels[] = {PK_DOT_LABEL_SELF_TIME, PK_DOT_LABEL_TOTAL_TIME};
    pk_dot_opts o = PK_DOT_OPTS_INIT;
    pk_dot_theme theme;
    pk_dot_label label;
    char *text;
    (void)state;
    assert_int_equal(pk_dot_theme_parse(&theme, "print"), PK_OK);
    assert_int_equal(theme, PK_DOT_THEME_PRINT);
    assert_int_equal(pk_dot_theme_parse(&theme, "purple"), PK_EINVAL);
    assert_int_equal(pk_dot_label_parse(&label, "total-time"), PK_OK);
    assert_int_equal(label, PK_DOT_LABEL_TOTAL_TIME);
    assert_int_equal(pk_dot_label_parse(&label, "calls"), PK_EINVAL);

    o.labels = labels;
    o.nlabels = 2;
    o.theme = PK_DOT_THEME_PRINT;
    text = dot_text(g, &o);
    assert_non_null(strstr(text, "style=solid"));
    assert_non_null(strstr(text, "fontcolor=black"));
    assert_non_null(strstr(text, "label=\"graph:1:main\\n(0.125)\\n1\\n1\xc3\x97\""));
    free(text);

    o.skew = -1;
    assert_int_equal(pk_callgraph_write_dot(stdout, g, &o, NULL), PK_EINVAL);
    pk_callgraph_free(g);
    pk_profile_free(p);
}

/* ---- Graphviz ---- */

static void test_callgraph__render_through_gvc(void **state)
{
    pk_profile *p = odd_names();
    pk_callgraph *g = build(p);
    pk_error err = PK_ERROR_INIT;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    (void)state;
    assert_int_equal(pk_callgraph_render(f, g, NULL, "svg", NULL), PK_OK);
    assert_int_equal(fclose(f), 0);
    assert_non_null(strstr(text, "<svg"));
    assert_non_null(strstr(text, ">graph:1:main</text>"));
    free(text);
    assert_int_equal(pk_callgraph_render(stdout, g, NULL, "no-such-format", &err), PK_EIO);
    assert_string_equal(err.format, "graphviz");
    assert_non_null(strstr(err.msg, "'no-such-format'"));
    pk_callgraph_free(g);
    pk_profile_free(p);
}

/* ---- memory ---- */

typedef struct whole_run_ctx {
    pk_profile *p;
    FILE *out;
} whole_run_ctx;

static int whole_run(void *ctx, pk_error *err)
{
    whole_run_ctx *c = ctx;
    pk_cg_prune_opts o = PK_CG_PRUNE_OPTS_INIT;
    pk_callgraph *g = NULL;
    pk_regex *re = NULL;
    int rc = pk_callgraph_build(&g, c->p, err);

    o.node_thres = o.edge_thres = 0.0;
    o.root = "*main";
    o.max_nodes = 3;
    if (rc == PK_OK)
        rc = pk_regex_compile(&re, "f$", err);
    if (rc == PK_OK)
        rc = pk_callgraph_hide(g, re, NULL, err);
    if (rc == PK_OK)
        rc = pk_callgraph_find_cycles(g, err);
    if (rc == PK_OK)
        rc = pk_callgraph_prune(g, &o, err);
    if (rc == PK_OK) {
        pk_dot_opts d = PK_DOT_OPTS_INIT;
        d.wrap = d.strip = true;
        rc = pk_callgraph_write_dot(c->out, g, &d, err);
    }
    if (rc != PK_OK)
        assert_int_equal(err->code, rc);
    pk_regex_free(re);
    pk_callgraph_free(g);
    return rc;
}

static void test_callgraph__allocation_failures(void **state)
{
    pk_profile *p = odd_names();
    whole_run_ctx c;
    pk_error err = PK_ERROR_INIT;
    (void)state;
    c.p = p;
    c.out = fopen("/dev/null", "w");
    assert_non_null(c.out);
    /* Build the profile's caller index first: it is not under test. */
    assert_int_equal(whole_run(&c, &err), PK_OK);
    pk_test_alloc_failures(whole_run, &c);
    fclose(c.out);
    pk_profile_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_callgraph__ids_follow_the_stats_walk),
        cmocka_unit_test(test_callgraph__names_drop_directories_and_extensions),
        cmocka_unit_test(test_callgraph__ratios_and_edge_counts),
        cmocka_unit_test(test_callgraph__count_only_edges),
        cmocka_unit_test(test_callgraph__caller_only_functions_have_no_stats),
        cmocka_unit_test(test_callgraph__cycles_on_deep_graphs),
        cmocka_unit_test(test_callgraph__thresholds),
        cmocka_unit_test(test_callgraph__color_by_self_time),
        cmocka_unit_test(test_callgraph__roots_leaves_and_globs),
        cmocka_unit_test(test_callgraph__glob_picks_the_last_of_one_name),
        cmocka_unit_test(test_callgraph__max_nodes_keeps_the_heaviest),
        cmocka_unit_test(test_callgraph__hide_links_callers_to_callees),
        cmocka_unit_test(test_callgraph__hide_collapses_chains),
        cmocka_unit_test(test_callgraph__focus_keeps_ancestors_and_descendants),
        cmocka_unit_test(test_callgraph__dot_is_what_gprof2dot_writes),
        cmocka_unit_test(test_callgraph__dot_strips_wraps_and_cuts_names),
        cmocka_unit_test(test_callgraph__dot_options),
        cmocka_unit_test(test_callgraph__render_through_gvc),
        cmocka_unit_test(test_callgraph__allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
