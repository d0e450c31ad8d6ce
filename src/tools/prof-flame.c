/*
 * prof-flame: flame graphs as flamegraph.pl draws them, from folded stacks
 * (or, approximately, from pstats), as an interactive SVG or a PNG.
 *
 *   prof-flame stacks.folded -o flame.svg
 *   prof-flame --diff before.folded after.folded -o diff.svg
 *
 * Options keep flamegraph.pl's names. Several inputs are drawn together,
 * as flamegraph.pl reads several files.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <profkit/profkit.h>

#include "cli.h"

/* Below this share of the total, pstats-derived frames are not built. */
#define APPROX_MIN_FRACTION 1e-5

static const pk_opt options[] = {
    {"output", 'o', required_argument, "FILE", "write to FILE; a .png name draws a PNG"},
    {"format", 'F', required_argument, "FMT", "svg (default) or png"},
    {"title", 0, required_argument, "TEXT", "title (default \"Flame Graph\")"},
    {"subtitle", 0, required_argument, "TEXT", "second title line"},
    {"width", 0, required_argument, "PX", "image width (default 1200)"},
    {"height", 0, required_argument, "PX", "frame height (default 16)"},
    {"minwidth", 0, required_argument, "PX|N%", "leave out frames narrower than this (default 0.1)"},
    {"fonttype", 0, required_argument, "FONT", "font family (default Verdana)"},
    {"fontsize", 0, required_argument, "N", "font size (default 12)"},
    {"fontwidth", 0, required_argument, "F", "average character width / font size (default 0.59)"},
    {"countname", 0, required_argument, "TEXT", "what the counts are (default samples)"},
    {"nametype", 0, required_argument, "TEXT", "label of a name in the details line (default Function:)"},
    {"colors", 0, required_argument, "PALETTE",
     "hot (default) mem io red green blue aqua yellow purple orange python"},
    {"bgcolors", 0, required_argument, "COLOR", "background: yellow blue green grey or #rrggbb"},
    {"hash", 0, no_argument, NULL, "colours from a hash of the name"},
    {"cp", 0, no_argument, NULL, "consistent palette: read and update palette.map"},
    {"reverse", 0, no_argument, NULL, "merge stacks from the leaf end"},
    {"inverted", 0, no_argument, NULL, "icicle graph: root at the top"},
    {"flamechart", 0, no_argument, NULL, "flame chart: input order, no merging"},
    {"negate", 0, no_argument, NULL, "differential: swap red and blue"},
    {"notes", 0, required_argument, "TEXT", "notes for the SVG comment"},
    {"total", 0, required_argument, "N", "draw as if the counts summed to N (if larger)"},
    {"diff", 0, no_argument, NULL, "differential graph of two inputs: BEFORE AFTER"},
    {"normalize", 0, no_argument, NULL, "--diff: scale BEFORE to AFTER's total"},
    {"strict", 0, no_argument, NULL, "lines that are not \"stack count\" are an error"},
    {"from", 0, required_argument, "FORMAT", "read inputs as FORMAT (default: detect)"},
    {NULL, 0, 0, NULL, NULL},
};

static const pk_cli cli = {
    "prof-flame", "[OPTION]... [FILE]...",
    "Draw a flame graph of folded stacks (or, approximately, of pstats FILEs).\n"
    "With no FILE, or '-', read standard input.",
    options,
    "Differential graphs: --diff BEFORE AFTER, or folded lines with two counts:\n"
    "red frames grew, blue ones shrank (as difffolded.pl + flamegraph.pl).\n",
};

typedef struct flame_args {
    pk_flame_opts flame;
    const char *output;
    bool png, format_given, cp, reverse, diff, normalize, strict;
    pk_read_opts read;
    char **inputs;
    size_t ninputs;
} flame_args;

static int parse_number(const char *name, const char *arg, double *out)
{
    if (!pk_cli_parse_double(arg, out) || !(*out >= 0))
        return pk_cli_usage_error(&cli, "--%s wants a number, not '%s'", name, arg);
    return PK_EXIT_OK;
}

static int parse_pixels(const char *name, const char *arg, int *out)
{
    long long v;
    if (!pk_cli_parse_long(arg, &v) || v <= 0 || v > 1000000)
        return pk_cli_usage_error(&cli, "--%s wants a whole number of pixels, not '%s'", name,
                                  arg);
    *out = (int)v;
    return PK_EXIT_OK;
}

/* "0.5" or "1%", like flamegraph.pl's /^([0-9.]+)%?$/. */
static int parse_minwidth(flame_args *a, const char *arg)
{
    char buf[64];
    size_t n = strlen(arg);

    if (n == 0 || n >= sizeof buf)
        return pk_cli_usage_error(&cli, "bad --minwidth '%s'", arg);
    memcpy(buf, arg, n + 1);
    a->flame.min_width_percent = buf[n - 1] == '%';
    if (a->flame.min_width_percent)
        buf[n - 1] = '\0';
    if (strspn(buf, "0123456789.") != strlen(buf) || !pk_cli_parse_double(buf, &a->flame.min_width))
        return pk_cli_usage_error(&cli, "bad --minwidth '%s': a number, or a number and %%", arg);
    return PK_EXIT_OK;
}

static int set_format(flame_args *a, const char *arg)
{
    if (strcmp(arg, "svg") != 0 && strcmp(arg, "png") != 0)
        return pk_cli_usage_error(&cli, "unknown output format '%s' (svg, png)", arg);
    a->png = strcmp(arg, "png") == 0;
    a->format_given = true;
    return PK_EXIT_OK;
}

static int handle_flag(flame_args *a, const char *name)
{
    bool *flags[] = {&a->flame.hash, &a->cp, &a->reverse, &a->flame.inverted,
                     &a->flame.flamechart, &a->flame.negate, &a->diff, &a->normalize,
                     &a->strict};
    const char *names[] = {"hash", "cp", "reverse", "inverted", "flamechart",
                           "negate", "diff", "normalize", "strict"};
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i]) == 0) {
            *flags[i] = true;
            return PK_EXIT_OK;
        }
    }
    return -1;
}

static int handle_text(flame_args *a, const char *name, const char *arg)
{
    const char **texts[] = {&a->flame.title, &a->flame.subtitle, &a->flame.font_type,
                            &a->flame.count_name, &a->flame.name_type, &a->flame.notes,
                            &a->flame.bgcolors};
    const char *names[] = {"title", "subtitle", "fonttype", "countname", "nametype", "notes",
                           "bgcolors"};
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i]) == 0) {
            *texts[i] = arg;
            return PK_EXIT_OK;
        }
    }
    return -1;
}

static int handle_long(flame_args *a, const char *name, const char *arg)
{
    int rc = handle_flag(a, name);

    if (rc < 0)
        rc = handle_text(a, name, arg);
    if (rc >= 0)
        return rc;
    if (strcmp(name, "width") == 0)
        return parse_pixels(name, arg, &a->flame.width);
    if (strcmp(name, "height") == 0)
        return parse_pixels(name, arg, &a->flame.frame_height);
    if (strcmp(name, "minwidth") == 0)
        return parse_minwidth(a, arg);
    if (strcmp(name, "fontsize") == 0)
        return parse_number(name, arg, &a->flame.font_size);
    if (strcmp(name, "fontwidth") == 0)
        return parse_number(name, arg, &a->flame.font_width);
    if (strcmp(name, "total") == 0)
        return parse_number(name, arg, &a->flame.total);
    if (strcmp(name, "colors") == 0) {
        if (pk_flame_palette_parse(&a->flame.palette, arg) != PK_OK)
            return pk_cli_usage_error(&cli, "unknown palette '%s'", arg);
        return PK_EXIT_OK;
    }
    if (strcmp(name, "from") == 0) {
        a->read.format = pk_format_from_name(arg);
        if (a->read.format == PK_FORMAT_AUTO)
            return pk_cli_usage_error(&cli, "unknown input format '%s'", arg);
        return PK_EXIT_OK;
    }
    return PK_EXIT_USAGE;
}

static int handle_option(flame_args *a, int id, const char *arg)
{
    size_t i;

    if (id == 'o') {
        a->output = arg;
        return PK_EXIT_OK;
    }
    if (id == 'F')
        return set_format(a, arg);
    for (i = 0; options[i].long_name; i++) {
        if (pk_cli_id(&cli, options[i].long_name) == id)
            return handle_long(a, options[i].long_name, arg);
    }
    return PK_EXIT_USAGE;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int check_args(flame_args *a, int argc, char **argv)
{
    int rc = pk_cli_inputs(&cli, &a->inputs, &a->ninputs, argc, argv);

    if (rc != PK_EXIT_OK)
        return rc;
    if (a->diff && a->ninputs != 2)
        return pk_cli_usage_error(&cli, "--diff takes two inputs, BEFORE and AFTER");
    if (a->normalize && !a->diff)
        return pk_cli_usage_error(&cli, "--normalize goes with --diff");
    if (a->diff && a->flame.flamechart)
        return pk_cli_usage_error(&cli, "--diff and --flamechart exclude each other");
    if (!a->format_given && a->output && (ends_with(a->output, ".png") || ends_with(a->output, ".PNG")))
        a->png = true;
    if (a->png && (!a->output || strcmp(a->output, "-") == 0) && isatty(STDOUT_FILENO))
        return pk_cli_usage_error(&cli, "refusing to write a PNG to a terminal; use -o FILE");
    a->read.keep_order = a->flame.flamechart;
    a->read.stacks_only = true; /* functions and call edges are not drawn */
    return PK_EXIT_OK;
}

static int parse_args(flame_args *a, int argc, char **argv)
{
    pk_flame_opts fdefaults = PK_FLAME_OPTS_INIT;
    pk_read_opts rdefaults = PK_READ_OPTS_INIT;
    const char *arg;
    int id;

    memset(a, 0, sizeof *a);
    a->flame = fdefaults;
    a->read = rdefaults;
    while ((id = pk_cli_next(&cli, argc, argv, &arg)) != -1) {
        int rc = id == '?' ? PK_EXIT_USAGE : handle_option(a, id, arg);
        if (rc != PK_EXIT_OK)
            return rc;
    }
    return check_args(a, argc, argv);
}

/* ---- loading ---- */

static const char *display_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

/* The ignored-lines warning (or, with --strict, the error). */
static int check_ignored(const flame_args *a, pk_profile *p, const char *path, pk_error *err)
{
    uint64_t n;
    int64_t first;

    pk_stacks_ignored(&n, &first, p);
    if (n == 0)
        return PK_OK;
    if (a->strict) {
        pk_error_set(err, PK_EFORMAT, "folded", -1,
                     "%llu line%s with invalid format, the first at line %lld",
                     (unsigned long long)n, n == 1 ? "" : "s", (long long)first);
        err->line = first;
        pk_error_set_path(err, display_name(path));
        return PK_EFORMAT;
    }
    fprintf(stderr, "%s: warning: %s: ignored %llu line%s with invalid format (the first at line %lld)\n",
            cli.tool, display_name(path), (unsigned long long)n, n == 1 ? "" : "s",
            (long long)first);
    return PK_OK;
}

/* Reads one input and makes sure it has stacks: pstats gets approximate
 * ones from its call ratios. *approx is set when that happened. */
static int load_one(pk_profile **out, const flame_args *a, const char *path, bool *approx,
                    pk_error *err)
{
    int rc = pk_cli_read(out, path, &a->read, err);

    if (rc != PK_OK)
        return rc;
    if (pk_stacks_present(*out))
        return check_ignored(a, *out, path, err);
    if (a->flame.flamechart) {
        pk_error_set(err, PK_ENODATA, NULL, -1, "a flame chart needs sampled stacks in input order");
        pk_error_set_path(err, display_name(path));
        return PK_ENODATA;
    }
    rc = pk_stacks_from_calls(*out, APPROX_MIN_FRACTION, err);
    if (rc != PK_OK)
        pk_error_set_path(err, display_name(path));
    *approx = true;
    return rc;
}

/* All inputs as one profile, stacks concatenated, or their difference. */
static int load_all(pk_profile **out, const flame_args *a, bool *approx, pk_error *err)
{
    pk_profile **loaded = calloc(a->ninputs, sizeof *loaded);
    size_t i;
    int rc = loaded ? PK_OK : pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory");

    *out = NULL;
    for (i = 0; rc == PK_OK && i < a->ninputs; i++)
        rc = load_one(&loaded[i], a, a->inputs[i], approx, err);
    if (rc == PK_OK && a->diff) {
        rc = pk_stacks_diff(out, loaded[0], loaded[1], a->normalize, err);
    } else if (rc == PK_OK && a->ninputs == 1) {
        *out = loaded[0];
        loaded[0] = NULL;
    } else if (rc == PK_OK) {
        rc = pk_profile_new(out);
        for (i = 0; rc == PK_OK && i < a->ninputs; i++)
            rc = pk_stacks_merge_into(*out, loaded[i], err);
    }
    for (i = 0; loaded && i < a->ninputs; i++)
        pk_profile_free(loaded[i]);
    free(loaded);
    return rc;
}

/* ---- the consistent palette (--cp) ---- */

#define PALETTE_FILE "palette.map"

static int read_palette(pk_flame_colormap **out, pk_error *err)
{
    FILE *f = fopen(PALETTE_FILE, "rb");
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    int rc = pk_flame_colormap_new(out);

    if (rc != PK_OK || !f) /* no file yet: start an empty map */
        return rc == PK_OK ? PK_OK : pk_error_set(err, rc, NULL, -1, "out of memory");
    do {
        if (len == cap) {
            char *grown = realloc(text, cap = cap ? cap * 2 : 65536);
            if (!grown) {
                rc = PK_ENOMEM;
                break;
            }
            text = grown;
        }
        n = fread(text + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    if (rc == PK_OK && ferror(f))
        rc = pk_error_set(err, PK_EIO, NULL, -1, "%s: cannot read", PALETTE_FILE);
    fclose(f);
    if (rc == PK_OK)
        rc = pk_flame_colormap_parse(*out, text, len);
    free(text);
    return rc == PK_ENOMEM ? pk_error_set(err, rc, NULL, -1, "out of memory") : rc;
}

static int write_palette(const pk_flame_colormap *m, pk_error *err)
{
    pk_out out;
    int rc = pk_out_open(&out, PALETTE_FILE, false, err);

    if (rc != PK_OK)
        return rc;
    rc = pk_flame_colormap_write(out.f, m);
    if (rc == PK_OK)
        return pk_out_commit(&out, err);
    pk_out_abort(&out);
    return pk_error_set(err, rc, NULL, -1, "%s: cannot write", PALETTE_FILE);
}

/* ---- drawing ---- */

static void warn_after(const flame_args *a, const pk_flame_opts *fo, const pk_flame_info *info)
{
    const char *unit = fo->count_name;

    if (info->total_ignored)
        fprintf(stderr, "%s: warning: --total %g is less than the actual total %g, so it is ignored\n",
                cli.tool, a->flame.total, info->total);
    if ((!unit || strcmp(unit, "samples") == 0) && info->total < 100)
        fprintf(stderr, "%s: warning: the stack count is low (%g); did something go wrong?\n",
                cli.tool, info->total);
}

static int draw(const flame_args *a, pk_profile *p, bool approx, pk_error *err)
{
    pk_flame_opts fo = a->flame;
    pk_flame_info info;
    char subtitle[1024];
    pk_out out;
    int rc;

    if (approx) {
        snprintf(subtitle, sizeof subtitle, "%s%sapproximate, from call ratios",
                 fo.subtitle ? fo.subtitle : "", fo.subtitle && fo.subtitle[0] ? " (" : "");
        if (fo.subtitle && fo.subtitle[0])
            strncat(subtitle, ")", sizeof subtitle - strlen(subtitle) - 1);
        fo.subtitle = subtitle;
    }
    if (fo.count_name == NULL && strcmp(pk_stacks_unit(p), "samples") != 0)
        fo.count_name = pk_stacks_unit(p);
    rc = pk_out_open(&out, a->output, a->png, err);
    if (rc != PK_OK)
        return rc;
    rc = a->png ? pk_render_flame_png(out.f, p, &fo, &info, err)
                : pk_render_flame_svg(out.f, p, &fo, &info, err);
    if (rc != PK_OK) {
        pk_out_abort(&out);
        return rc;
    }
    rc = pk_out_commit(&out, err);
    if (rc == PK_OK)
        warn_after(a, &fo, &info);
    return rc;
}

static int run(flame_args *a, pk_error *err)
{
    pk_profile *p = NULL, *reversed = NULL;
    pk_flame_colormap *map = NULL;
    bool approx = false;
    int rc = load_all(&p, a, &approx, err);

    if (rc == PK_OK && a->reverse) {
        rc = pk_stacks_reversed(&reversed, p, err);
        pk_profile_free(p);
        p = reversed;
    }
    if (rc == PK_OK && a->cp)
        rc = read_palette(&map, err);
    a->flame.colormap = map;
    if (rc == PK_OK)
        rc = draw(a, p, approx, err);
    if (rc == PK_OK && map)
        rc = write_palette(map, err);
    if (rc == PK_ENOMEM && err->code == PK_OK)
        pk_error_set(err, rc, NULL, -1, "out of memory");
    pk_flame_colormap_free(map);
    pk_profile_free(p);
    return rc;
}

int main(int argc, char **argv)
{
    flame_args args;
    pk_error err = PK_ERROR_INIT;
    int rc;

    pk_cli_init();
    rc = parse_args(&args, argc, argv);
    if (rc != PK_EXIT_OK)
        return rc;
    rc = run(&args, &err);
    return rc == PK_OK ? PK_EXIT_OK : pk_cli_report(&cli, &err);
}
