/*
 * prof2dot: the call graph of a profile, as gprof2dot draws it.
 *
 *   prof2dot run.pstats | dot -Tpng -o graph.png
 *   prof2dot -o graph.svg run.pstats          (laid out here, through libgvc)
 *
 * The DOT text equals `gprof2dot -f pstats run.pstats` for the same options.
 *
 *   prof2dot --diff before.pstats after.pstats | dot -Tsvg -o change.svg
 *
 * draws AFTER's graph coloured by how each node and edge changed.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <profkit/callgraph.h>
#include <profkit/profkit.h>

#include "cli.h"

/* Beyond this many nodes, laying out takes Graphviz a long time. */
#define MAX_LAYOUT_NODES 600
#define MAX_REPEATS 32

static const pk_opt options[] = {
    {"output", 'o', required_argument, "FILE", "write to FILE instead of stdout"},
    {"output-format", 'T', required_argument, "FMT",
     "dot, png, svg or pdf (default: from -o's extension, else dot)"},
    {"node-thres", 'n', required_argument, "PERCENT",
     "drop nodes under PERCENT of the total time (default 0.5)"},
    {"edge-thres", 'e', required_argument, "PERCENT",
     "drop edges under PERCENT of the total time (default 0.1)"},
    {"colormap", 'c', required_argument, "MAP", "color (default), pink, gray, bw or print"},
    {"skew", 0, required_argument, "F", "skew the colour curve: < 1 spreads low percentages"},
    {"node-label", 0, required_argument, "MEASURE",
     "a line under node names, repeatable: self-time, total-time, self-time-percentage, "
     "total-time-percentage (default: the percentages)"},
    {"color-nodes-by-selftime", 0, no_argument, NULL, "colour nodes by self time"},
    {"show-samples", 0, no_argument, NULL, "show sample counts (none in pstats input)"},
    {"strip", 's', no_argument, NULL, "strip (...) and <...> groups and const from names"},
    {"wrap", 'w', no_argument, NULL, "wrap function names"},
    {"root", 'z', required_argument, "GLOB", "keep only what GLOB's function calls"},
    {"leaf", 'l', required_argument, "GLOB", "keep only what calls GLOB's function"},
    {"depth", 0, required_argument, "N", "with -z/-l, at most N calls away"},
    {"path", 'p', required_argument, "PREFIX", "keep only files under PREFIX; repeatable"},
    {"focus", 0, required_argument, "REGEX",
     "keep functions matching REGEX and their callers and callees"},
    {"hide", 0, required_argument, "REGEX",
     "drop functions matching REGEX; link their callers to their callees"},
    {"max-nodes", 0, required_argument, "N", "keep at most the N heaviest nodes"},
    {"force", 0, no_argument, NULL, "lay out graphs of more than 600 nodes too"},
    {"format", 'f', required_argument, "FORMAT", "read inputs as FORMAT (pstats); as --from"},
    {"from", 0, required_argument, "FORMAT", "read inputs as FORMAT (default: detect)"},
    {"quiet", 'q', no_argument, NULL, "no summary line on stderr"},
    {"diff", 0, no_argument, NULL,
     "compare two FILEs, BEFORE then AFTER: AFTER's graph coloured by change "
     "(red slower, blue faster, grey about equal, purple new)"},
    {"diff-band", 0, required_argument, "PERCENT",
     "with --diff, changes within PERCENT are grey (default 5)"},
    {"normalize", 0, no_argument, NULL,
     "with --diff, scale BEFORE's times to AFTER's total first"},
    {NULL, 0, 0, NULL, NULL},
};

static const pk_cli cli = {
    "prof2dot", "[OPTION]... [FILE]...",
    "Draw the call graph of profile FILEs ('-' for stdin) as gprof2dot does,\n"
    "as DOT text or laid out by Graphviz into PNG, SVG or PDF.\n"
    "Several files are merged as pstats.Stats(FILE...) merges them.",
    options,
    "Names for GLOB are module:line:function, as in the graph's labels.\n"
    "A line on stderr tells how many nodes and edges were pruned.\n",
};

typedef enum out_type { OUT_DOT, OUT_PNG, OUT_SVG, OUT_PDF } out_type;
static const char *const TYPE_NAMES[] = {"dot", "png", "svg", "pdf"};

typedef struct args {
    pk_cg_prune_opts prune;
    pk_dot_opts dot;
    pk_dot_label labels[MAX_REPEATS];
    const char *paths[MAX_REPEATS], *focus[MAX_REPEATS], *hide[MAX_REPEATS];
    size_t nfocus, nhide;
    const char *output;
    bool type_given, force, quiet, diff, normalize;
    double band;
    out_type type;
    pk_read_opts read;
    char **inputs;
    size_t ninputs;
} args;

/* ---- options ---- */

static int parse_percent(double *out, const char *opt, const char *v)
{
    if (!pk_cli_parse_double(v, out))
        return pk_cli_usage_error(&cli, "%s wants a number, not '%s'", opt, v);
    *out /= 100.0;
    return PK_EXIT_OK;
}

static int add_repeat(const char **list, size_t *n, const char *opt, const char *v)
{
    if (*n == MAX_REPEATS)
        return pk_cli_usage_error(&cli, "too many %s options", opt);
    list[(*n)++] = v;
    return PK_EXIT_OK;
}

static bool type_from_name(out_type *out, const char *name)
{
    size_t i;
    for (i = 0; i < sizeof TYPE_NAMES / sizeof TYPE_NAMES[0]; i++) {
        if (strcasecmp(name, TYPE_NAMES[i]) == 0) {
            *out = (out_type)i;
            return true;
        }
    }
    return false;
}

static int set_input_format(args *a, const char *v)
{
    a->read.format = pk_format_from_name(v);
    if (a->read.format == PK_FORMAT_AUTO)
        return pk_cli_usage_error(&cli, "unknown input format '%s'", v);
    return PK_EXIT_OK;
}

static int handle_short(args *a, int id, const char *v)
{
    switch (id) {
    case 'o': a->output = v; return PK_EXIT_OK;
    case 'T':
        a->type_given = true;
        if (!type_from_name(&a->type, v))
            return pk_cli_usage_error(&cli, "unknown output format '%s' (dot, png, svg, pdf)", v);
        return PK_EXIT_OK;
    case 'n': return parse_percent(&a->prune.node_thres, "--node-thres", v);
    case 'e': return parse_percent(&a->prune.edge_thres, "--edge-thres", v);
    case 'c':
        if (pk_dot_theme_parse(&a->dot.theme, v) != PK_OK)
            return pk_cli_usage_error(&cli, "unknown colormap '%s' (color, pink, gray, bw, "
                                      "print)", v);
        return PK_EXIT_OK;
    case 's': a->dot.strip = true; return PK_EXIT_OK;
    case 'w': a->dot.wrap = true; return PK_EXIT_OK;
    case 'z': a->prune.root = v; return PK_EXIT_OK;
    case 'l': a->prune.leaf = v; return PK_EXIT_OK;
    case 'p': return add_repeat(a->paths, &a->prune.npaths, "--path", v);
    case 'f': return set_input_format(a, v);
    case 'q': a->quiet = true; return PK_EXIT_OK;
    default: return -1;
    }
}

static int handle_long(args *a, int id, const char *v)
{
    long long n;

    if (id == pk_cli_id(&cli, "skew")) {
        if (!pk_cli_parse_double(v, &a->dot.skew) || a->dot.skew < 0.0)
            return pk_cli_usage_error(&cli, "--skew wants a number of 0 or more, not '%s'", v);
    } else if (id == pk_cli_id(&cli, "node-label")) {
        if (a->dot.nlabels == MAX_REPEATS)
            return pk_cli_usage_error(&cli, "too many --node-label options");
        if (pk_dot_label_parse(&a->labels[a->dot.nlabels++], v) != PK_OK)
            return pk_cli_usage_error(&cli, "unknown --node-label '%s' (self-time, self-time-"
                                      "percentage, total-time, total-time-percentage)", v);
        a->dot.labels = a->labels;
    } else if (id == pk_cli_id(&cli, "color-nodes-by-selftime")) {
        a->prune.color_by_self = true;
    } else if (id == pk_cli_id(&cli, "depth")) {
        if (!pk_cli_parse_long(v, &n))
            return pk_cli_usage_error(&cli, "--depth wants a whole number, not '%s'", v);
        a->prune.depth = n;
    } else if (id == pk_cli_id(&cli, "max-nodes")) {
        if (!pk_cli_parse_long(v, &n) || n < 1)
            return pk_cli_usage_error(&cli, "--max-nodes wants a whole number of at least 1, "
                                      "not '%s'", v);
        a->prune.max_nodes = (size_t)n;
    } else if (id == pk_cli_id(&cli, "focus")) {
        return add_repeat(a->focus, &a->nfocus, "--focus", v);
    } else if (id == pk_cli_id(&cli, "hide")) {
        return add_repeat(a->hide, &a->nhide, "--hide", v);
    } else if (id == pk_cli_id(&cli, "force")) {
        a->force = true;
    } else if (id == pk_cli_id(&cli, "from")) {
        return set_input_format(a, v);
    } else if (id == pk_cli_id(&cli, "diff")) {
        a->diff = true;
    } else if (id == pk_cli_id(&cli, "normalize")) {
        a->normalize = true;
    } else if (id == pk_cli_id(&cli, "diff-band")) {
        if (parse_percent(&a->band, "--diff-band", v) != PK_EXIT_OK)
            return PK_EXIT_USAGE;
        if (a->band < 0.0)
            return pk_cli_usage_error(&cli, "--diff-band wants a percentage of 0 or more");
    }
    /* --show-samples: pstats has no samples, so gprof2dot shows nothing more. */
    return PK_EXIT_OK;
}

/* -T wins; else the extension of -o; else DOT. */
static void infer_type(args *a)
{
    const char *dot;

    if (a->type_given || !a->output)
        return;
    dot = strrchr(a->output, '.');
    if (!dot || strchr(dot, '/'))
        return;
    if (strcasecmp(dot + 1, "gv") == 0)
        a->type = OUT_DOT;
    else
        type_from_name(&a->type, dot + 1); /* unknown: DOT */
}

static int check_args(args *a, int argc, char **argv)
{
    int rc = pk_cli_inputs(&cli, &a->inputs, &a->ninputs, argc, argv);

    if (rc != PK_EXIT_OK)
        return rc;
    if (a->diff && a->ninputs != 2)
        return pk_cli_usage_error(&cli, "--diff wants two files, BEFORE and AFTER");
    if (a->normalize && !a->diff)
        return pk_cli_usage_error(&cli, "--normalize goes with --diff");
    infer_type(a);
    if ((a->type == OUT_PNG || a->type == OUT_PDF) &&
        (!a->output || strcmp(a->output, "-") == 0) && isatty(STDOUT_FILENO))
        return pk_cli_usage_error(&cli, "will not write %s to a terminal: use -o FILE or redirect",
                                  TYPE_NAMES[a->type]);
    return PK_EXIT_OK;
}

static int parse_args(args *a, int argc, char **argv)
{
    pk_cg_prune_opts prune = PK_CG_PRUNE_OPTS_INIT;
    pk_dot_opts dot = PK_DOT_OPTS_INIT;
    pk_read_opts read = PK_READ_OPTS_INIT;
    const char *v;
    int id;

    memset(a, 0, sizeof *a);
    a->prune = prune;
    a->prune.paths = a->paths;
    a->dot = dot;
    a->read = read;
    a->band = 0.05;
    while ((id = pk_cli_next(&cli, argc, argv, &v)) != -1) {
        int rc = id == '?' ? PK_EXIT_USAGE : handle_short(a, id, v);
        if (rc == -1)
            rc = handle_long(a, id, v);
        if (rc != PK_EXIT_OK)
            return rc;
    }
    return check_args(a, argc, argv);
}

/* ---- reading ---- */

/* ---- selecting ---- */

static int apply_regexes(pk_callgraph *g, const char *const *list, size_t n, bool hide,
                         pk_error *err)
{
    size_t i;
    int rc = PK_OK;

    for (i = 0; rc == PK_OK && i < n; i++) {
        pk_regex *re = NULL;
        rc = pk_regex_compile(&re, list[i], err);
        if (rc == PK_OK)
            rc = hide ? pk_callgraph_hide(g, re, NULL, err) : pk_callgraph_focus(g, re, NULL, err);
        if (rc == PK_ENODATA) {
            pk_error_clear(err);
            rc = pk_error_set(err, PK_ENODATA, NULL, -1, "no function matches --focus '%s'",
                              list[i]);
        }
        pk_regex_free(re);
    }
    return rc;
}

static void summary(const args *a, const pk_callgraph *g)
{
    size_t nodes, edges, all_nodes = pk_callgraph_node_count(g);
    size_t all_edges = pk_callgraph_edge_count(g);

    if (a->quiet)
        return;
    pk_callgraph_alive(g, &nodes, &edges);
    fprintf(stderr, "%s: %zu nodes and %zu edges drawn; "
            "pruned %zu of %zu nodes and %zu of %zu edges\n",
            cli.tool, nodes, edges, all_nodes - nodes, all_nodes, all_edges - edges, all_edges);
}

static int select_nodes(pk_callgraph *g, const args *a, pk_error *err)
{
    int rc = apply_regexes(g, a->focus, a->nfocus, false, err);

    if (rc == PK_OK)
        rc = apply_regexes(g, a->hide, a->nhide, true, err);
    if (rc == PK_OK)
        rc = pk_callgraph_prune(g, &a->prune, err);
    return rc;
}

/* ---- writing ---- */

static int check_size(const args *a, const pk_callgraph *g, pk_error *err)
{
    size_t nodes;

    pk_callgraph_alive(g, &nodes, NULL);
    if (a->type == OUT_DOT || a->force || nodes <= MAX_LAYOUT_NODES)
        return PK_OK;
    return pk_error_set(err, PK_EINVAL, NULL, -1,
                        "%zu nodes are too many to lay out (limit %d, which Graphviz takes "
                        "minutes beyond): raise -n/-e, use --max-nodes, or pass --force",
                        nodes, MAX_LAYOUT_NODES);
}

static int write_graph(pk_callgraph *g, const args *a, pk_error *err)
{
    pk_out out;
    int rc = check_size(a, g, err);

    if (rc == PK_OK)
        rc = pk_out_open(&out, a->output, a->type != OUT_DOT, err);
    if (rc != PK_OK)
        return rc;
    if (a->type == OUT_DOT)
        rc = pk_callgraph_write_dot(out.f, g, &a->dot, err);
    else
        rc = pk_callgraph_render(out.f, g, &a->dot, TYPE_NAMES[a->type], err);
    if (rc == PK_OK)
        return pk_out_commit(&out, err);
    pk_out_abort(&out);
    return rc;
}

/* --diff: AFTER's graph, pruned as usual, with BEFORE's times beside it. */
static int compare_with(pk_cg_diff **out, pk_callgraph *g, pk_profile *after,
                        const args *a, pk_error *err)
{
    pk_profile *before = NULL;
    pk_callgraph *gb = NULL;
    uint32_t *b_of_a = malloc((pk_profile_func_count(after) + 1) * sizeof *b_of_a);
    int rc = b_of_a ? pk_cli_read(&before, a->inputs[0], &a->read, err)
                    : pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory");

    if (rc == PK_OK) {
        pk_error_clear(err);
        rc = pk_callgraph_build(&gb, before, err);
    }
    if (rc == PK_OK)
        rc = pk_diff_match_functions(b_of_a, before, after, false, err);
    if (rc == PK_OK && a->normalize && !(pk_profile_total_time(before) > 0.0))
        rc = pk_error_set(err, PK_ENODATA, NULL, -1, "cannot normalize: BEFORE's total time is 0");
    if (rc == PK_OK)
        rc = pk_callgraph_diff(out, g, gb, b_of_a, a->band,
                               a->normalize ? pk_profile_total_time(after) /
                                              pk_profile_total_time(before) : 1.0,
                               err);
    pk_callgraph_free(gb);
    pk_profile_free(before);
    free(b_of_a);
    return rc;
}

static int run(const args *a, pk_error *err)
{
    pk_profile *p = NULL;
    pk_callgraph *g = NULL;
    pk_cg_diff *d = NULL;
    args with_diff = *a;
    int rc = a->diff ? pk_cli_read(&p, a->inputs[1], &a->read, err)
                     : pk_cli_load_merged(&p, a->inputs, a->ninputs, &a->read, err);

    if (rc == PK_OK) {
        pk_error_clear(err); /* later messages name no input file */
        rc = pk_callgraph_build(&g, p, err);
    }
    if (rc == PK_OK)
        rc = select_nodes(g, a, err);
    if (rc == PK_OK && a->diff)
        rc = compare_with(&d, g, p, a, err);
    with_diff.dot.diff = d;
    if (rc == PK_OK)
        rc = write_graph(g, &with_diff, err);
    if (rc == PK_OK)
        summary(a, g);
    pk_cg_diff_free(d);
    pk_callgraph_free(g);
    pk_profile_free(p);
    return rc;
}

int main(int argc, char **argv)
{
    args a;
    pk_error err = PK_ERROR_INIT;
    int rc;

    pk_cli_init();
    rc = parse_args(&a, argc, argv);
    if (rc != PK_EXIT_OK)
        return rc;
    if (run(&a, &err) != PK_OK)
        return pk_cli_report(&cli, &err);
    return PK_EXIT_OK;
}
