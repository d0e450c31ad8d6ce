/*
 * prof-convert: read profiles, merge them, write one in another format.
 *
 *   prof-convert a.pstats b.pstats -o merged.pstats
 *
 * Several inputs merge as pstats.Stats(a, b, ...) merges them, so the
 * result prints in pstat-view exactly as the inputs do together.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <profkit/profkit.h>

#include "cli.h"

static const pk_opt options[] = {
    {"output", 'o', required_argument, "FILE", "write to FILE ('-' for stdout)"},
    {"to", 't', required_argument, "FORMAT", "output format (default: from the -o extension, else pstats)"},
    {"from", 0, required_argument, "FORMAT", "read inputs as FORMAT (default: detect)"},
    {"marshal-version", 0, required_argument, "N",
     "pstats output: 2 loads in Python 2.7 and 3.x (default), 4 is what Python 3 writes"},
    {NULL, 0, 0, NULL, NULL},
};

static const pk_cli cli = {
    "prof-convert", "[OPTION]... FILE... -o OUT",
    "Convert and merge profiles. Formats: pstats, lprof (line data from one .lprof),\n"
    "folded (the stacks of every input, summed), pprof (gzip'd profile.proto; from\n"
    "pstats, stacks approximated from call ratios).",
    options, NULL,
};

typedef struct convert_args {
    const char *output;
    pk_read_opts read;
    pk_write_opts write;
    bool format_given;
    char **inputs;
    size_t ninputs;
} convert_args;

static int handle_option(convert_args *a, int id, const char *arg)
{
    long long v;

    if (id == 'o') {
        a->output = arg;
    } else if (id == 't') {
        a->write.format = pk_format_from_name(arg);
        a->format_given = true;
        if (a->write.format == PK_FORMAT_AUTO)
            return pk_cli_usage_error(&cli, "unknown output format '%s'", arg);
    } else if (id == pk_cli_id(&cli, "from")) {
        a->read.format = pk_format_from_name(arg);
        if (a->read.format == PK_FORMAT_AUTO)
            return pk_cli_usage_error(&cli, "unknown input format '%s'", arg);
    } else if (id == pk_cli_id(&cli, "marshal-version")) {
        if (!pk_cli_parse_long(arg, &v) || (v != 2 && v != 4))
            return pk_cli_usage_error(&cli, "--marshal-version is 2 or 4, not '%s'", arg);
        a->write.marshal_version = (int)v;
    } else {
        return PK_EXIT_USAGE;
    }
    return PK_EXIT_OK;
}

/* The format an output file name asks for: NAME.EXT writes the format
 * named EXT (run.lprof: lprof), and pprof's usual names (.pb.gz, .pb,
 * .pprof, any of them gzip'd) write pprof. */
static pk_format format_of_name(const char *path)
{
    static const char *const pprof_ends[] = {".pb.gz", ".pb", ".pprof", ".pprof.gz"};
    const char *dot = strrchr(path, '.');
    size_t i, len = strlen(path);

    for (i = 0; i < sizeof pprof_ends / sizeof pprof_ends[0]; i++) {
        size_t n = strlen(pprof_ends[i]);
        if (len > n && strcmp(path + len - n, pprof_ends[i]) == 0)
            return PK_FORMAT_PPROF;
    }
    return dot && !strchr(dot, '/') ? pk_format_from_name(dot + 1) : PK_FORMAT_AUTO;
}

/* Unless --to names one, the -o name picks the format; other names keep
 * the default. */
static void format_from_extension(convert_args *a)
{
    pk_format f = format_of_name(a->output);

    if (!a->format_given && f != PK_FORMAT_AUTO)
        a->write.format = f;
}

static int parse_args(convert_args *a, int argc, char **argv)
{
    pk_read_opts rdefaults = PK_READ_OPTS_INIT;
    pk_write_opts wdefaults = PK_WRITE_OPTS_INIT;
    const char *arg;
    int id;

    memset(a, 0, sizeof *a);
    a->read = rdefaults;
    a->write = wdefaults;
    while ((id = pk_cli_next(&cli, argc, argv, &arg)) != -1) {
        int rc = id == '?' ? PK_EXIT_USAGE : handle_option(a, id, arg);
        if (rc != PK_EXIT_OK)
            return rc;
    }
    a->inputs = argv + optind;
    a->ninputs = (size_t)(argc - optind);
    if (a->ninputs == 0)
        return pk_cli_usage_error(&cli, "no input file given");
    if (!a->output)
        return pk_cli_usage_error(&cli, "no output given: use -o FILE (or -o - for stdout)");
    format_from_extension(a);
    if (strcmp(a->output, "-") == 0 && isatty(STDOUT_FILENO))
        return pk_cli_usage_error(&cli, "refusing to write binary output to a terminal");
    return PK_EXIT_OK;
}

int main(int argc, char **argv)
{
    convert_args args;
    pk_profile *merged = NULL;
    pk_error err = PK_ERROR_INIT;
    pk_out out;
    int rc;

    pk_cli_init();
    rc = parse_args(&args, argc, argv);
    if (rc != PK_EXIT_OK)
        return rc;
    rc = pk_cli_load_merged(&merged, args.inputs, args.ninputs, &args.read, &err);
    if (rc == PK_OK)
        rc = pk_out_open(&out, args.output, true, &err);
    if (rc == PK_OK) {
        rc = pk_write(out.f, merged, &args.write, &err);
        if (rc == PK_OK)
            rc = pk_out_commit(&out, &err);
        else
            pk_out_abort(&out);
    }
    pk_profile_free(merged);
    return rc == PK_OK ? PK_EXIT_OK : pk_cli_report(&cli, &err);
}
