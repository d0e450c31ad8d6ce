/*
 * mprof-plot: memory over time from memory_profiler's .dat files, as SVG
 * or PNG, without Python or matplotlib.
 *
 *   mprof-plot -o run.png mprofile_20240101120000.dat
 *
 * draws what `mprof plot -o run.png mprofile_...dat` draws.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <profkit/profkit.h>

#include "cli.h"

static const pk_opt options[] = {
    {"output", 'o', required_argument, "FILE",
     "write to FILE; .svg or .png picks the format (default: SVG on stdout)"},
    {"format", 'F', required_argument, "FMT", "svg or png, whatever the file name says"},
    {"title", 't', required_argument, "TEXT", "chart title (default: the command line)"},
    {"no-function-ts", 'n', no_argument, NULL, "do not draw function brackets or bars"},
    {"flame", 'f', no_argument, NULL, "draw function calls as a flame chart under the curve"},
    {"slope", 's', no_argument, NULL, "draw a least-squares line; its MiB/s goes in the legend"},
    {"window", 'w', required_argument, "T0,T1", "plot only seconds T0 to T1 from the start"},
    {"width", 0, required_argument, "PX", "image width in pixels (default 1260)"},
    {"height", 0, required_argument, "PX", "image height in pixels (default 540)"},
    {NULL, 0, 0, NULL, NULL},
};

static const pk_cli cli = {
    "mprof-plot", "[OPTION]... FILE.dat...",
    "Plot memory over time from `mprof run` files ('-' for stdin), as SVG or PNG.\n"
    "Several files (or runs appended to one file) are overlaid, each from 0 s.",
    options,
    "The peak is marked with red dashed lines. With a single run each call of a\n"
    "profiled function is drawn as a pair of brackets, as `mprof plot` draws them.\n",
};

typedef struct plot_args {
    pk_chart_opts chart;
    bool format_given;
    const char *output;
    char **inputs;
    size_t ninputs;
} plot_args;

static int set_format(plot_args *a, const char *v)
{
    if (strcasecmp(v, "svg") == 0)
        a->chart.format = PK_CHART_SVG;
    else if (strcasecmp(v, "png") == 0)
        a->chart.format = PK_CHART_PNG;
    else
        return pk_cli_usage_error(&cli, "unknown output format '%s' (svg, png)", v);
    a->format_given = true;
    return PK_EXIT_OK;
}

static int set_window(plot_args *a, const char *v)
{
    char *copy = strdup(v), *comma;
    int rc = PK_EXIT_OK;

    if (!copy)
        return PK_EXIT_IO;
    comma = strchr(copy, ',');
    if (comma)
        *comma = '\0';
    if (!comma || !pk_cli_parse_double(copy, &a->chart.window_t0) ||
        !pk_cli_parse_double(comma + 1, &a->chart.window_t1))
        rc = pk_cli_usage_error(&cli, "--window wants two numbers T0,T1, not '%s'", v);
    else if (!(a->chart.window_t0 < a->chart.window_t1))
        rc = pk_cli_usage_error(&cli, "--window wants T0 < T1, not '%s'", v);
    a->chart.window = true;
    free(copy);
    return rc;
}

static int set_size(int *out, const char *name, const char *v)
{
    long long n;
    if (!pk_cli_parse_long(v, &n) || n < PK_CHART_MIN_SIZE || n > PK_CHART_MAX_SIZE)
        return pk_cli_usage_error(&cli, "--%s wants a whole number of pixels in %d..%d, not '%s'",
                                  name, PK_CHART_MIN_SIZE, PK_CHART_MAX_SIZE, v);
    *out = (int)n;
    return PK_EXIT_OK;
}

static int handle_option(plot_args *a, int id, const char *arg)
{
    switch (id) {
    case 'o': a->output = arg; return PK_EXIT_OK;
    case 'F': return set_format(a, arg);
    case 't': a->chart.title = arg; return PK_EXIT_OK;
    case 'n': a->chart.functions = false; return PK_EXIT_OK;
    case 'f': a->chart.flame = true; return PK_EXIT_OK;
    case 's': a->chart.slope = true; return PK_EXIT_OK;
    case 'w': return set_window(a, arg);
    default: break;
    }
    if (id == pk_cli_id(&cli, "width"))
        return set_size(&a->chart.width, "width", arg);
    if (id == pk_cli_id(&cli, "height"))
        return set_size(&a->chart.height, "height", arg);
    return PK_EXIT_USAGE;
}

/* The format from -o's extension, unless --format said. */
static int format_from_name(plot_args *a)
{
    const char *dot = a->output ? strrchr(a->output, '.') : NULL;

    if (a->format_given || !a->output || strcmp(a->output, "-") == 0)
        return PK_EXIT_OK;
    if (dot && strcasecmp(dot, ".svg") == 0)
        a->chart.format = PK_CHART_SVG;
    else if (dot && strcasecmp(dot, ".png") == 0)
        a->chart.format = PK_CHART_PNG;
    else
        return pk_cli_usage_error(&cli, "cannot tell the format of '%s': name it .svg or .png, "
                                  "or give --format", a->output);
    return PK_EXIT_OK;
}

static int parse_args(plot_args *a, int argc, char **argv)
{
    pk_chart_opts defaults = PK_CHART_OPTS_INIT;
    const char *arg;
    int id, rc;

    memset(a, 0, sizeof *a);
    a->chart = defaults;
    while ((id = pk_cli_next(&cli, argc, argv, &arg)) != -1) {
        rc = id == '?' ? PK_EXIT_USAGE : handle_option(a, id, arg);
        if (rc != PK_EXIT_OK)
            return rc;
    }
    a->inputs = argv + optind;
    a->ninputs = (size_t)(argc - optind);
    if (a->ninputs == 0)
        return pk_cli_usage_error(&cli, "no input file given");
    rc = format_from_name(a);
    if (rc == PK_EXIT_OK && a->chart.format == PK_CHART_PNG &&
        (!a->output || strcmp(a->output, "-") == 0) && isatty(STDOUT_FILENO))
        rc = pk_cli_usage_error(&cli, "not writing a PNG to a terminal: give -o FILE.png");
    return rc;
}

static int load(pk_profile **profiles, const plot_args *a, pk_error *err)
{
    pk_read_opts ro = PK_READ_OPTS_INIT;
    size_t i;
    int rc = PK_OK;

    ro.format = PK_FORMAT_MPROF;
    for (i = 0; rc == PK_OK && i < a->ninputs; i++)
        rc = pk_cli_read(&profiles[i], a->inputs[i], &ro, err);
    return rc;
}

static int plot(pk_profile **profiles, const plot_args *a, pk_error *err)
{
    pk_out out;
    int rc = pk_out_open(&out, a->output, a->chart.format == PK_CHART_PNG, err);

    if (rc != PK_OK)
        return rc;
    rc = pk_render_memory_chart(out.f, (const pk_profile *const *)profiles,
                                (const char *const *)a->inputs, a->ninputs, &a->chart, err);
    if (rc == PK_OK)
        return pk_out_commit(&out, err);
    pk_out_abort(&out);
    return rc;
}

int main(int argc, char **argv)
{
    plot_args args;
    pk_profile **profiles;
    pk_error err = PK_ERROR_INIT;
    size_t i;
    int rc;

    pk_cli_init();
    rc = parse_args(&args, argc, argv);
    if (rc != PK_EXIT_OK)
        return rc;
    profiles = calloc(args.ninputs, sizeof *profiles);
    if (!profiles)
        return PK_EXIT_IO;
    rc = load(profiles, &args, &err);
    if (rc == PK_OK)
        rc = plot(profiles, &args, &err);
    for (i = 0; i < args.ninputs; i++)
        pk_profile_free(profiles[i]);
    free(profiles);
    if (rc != PK_OK)
        return pk_cli_report(&cli, &err);
    return PK_EXIT_OK;
}
