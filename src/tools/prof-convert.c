/*
 * prof-convert: read profiles, merge them, write one in another format.
 *
 *   prof-convert a.pstats b.pstats -o merged.pstats
 *   prof-convert run.folded -o run.speedscope.json
 *
 * Several inputs merge as pstats.Stats(a, b, ...) merges them, so the
 * result prints in pstat-view exactly as the inputs do together. Besides
 * the file formats the library writes, --to csv|json prints the merged
 * function table (pstat-view's machine-readable forms, all functions in
 * file order, json with every function's callers and callees).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <profkit/profkit.h>

#include "cli.h"

static const pk_opt options[] = {
    {"output", 'o', required_argument, "FILE", "write to FILE ('-' for stdout)"},
    {"to", 't', required_argument, "FORMAT",
     "pstats, folded, lprof, mprof, callgrind, pprof, speedscope, csv or json (default: from the -o extension, else pstats)"},
    {"from", 0, required_argument, "FORMAT", "read inputs as FORMAT (default: detect)"},
    {"marshal-version", 0, required_argument, "N",
     "pstats output: 2 loads in Python 2.7 and 3.x (default), 4 is what Python 3 writes"},
    {NULL, 0, 0, NULL, NULL},
};

static const pk_cli cli = {
    "prof-convert", "[OPTION]... FILE... -o OUT",
    "Convert and merge profiles. Formats: pstats, lprof (line data from one .lprof),\n"
    "folded (the stacks of every input, summed), mprof, callgrind (callgrind_annotate,\n"
    "KCachegrind; also picked by -o callgrind.out.*), pprof (gzip'd profile.proto),\n"
    "speedscope, csv and json (the function table). pprof and speedscope from pstats\n"
    "input carry stacks approximated from call ratios.",
    options, NULL,
};

/* What -o receives: a profile file, or the function table as text. */
typedef enum output_kind { OUT_PROFILE, OUT_CSV, OUT_JSON } output_kind;

typedef struct convert_args {
    const char *output;
    output_kind kind;
    pk_read_opts read;
    pk_write_opts write;
    bool format_given;
    char **inputs;
    size_t ninputs;
} convert_args;

/* Sets the output from a format name; false if it names none. */
static bool set_output_format(convert_args *a, const char *name)
{
    pk_format f = pk_format_from_name(name);

    a->kind = strcmp(name, "csv") == 0    ? OUT_CSV
              : strcmp(name, "json") == 0 ? OUT_JSON
                                          : OUT_PROFILE;
    if (a->kind == OUT_PROFILE && f == PK_FORMAT_AUTO)
        return false;
    if (a->kind == OUT_PROFILE)
        a->write.format = f;
    return true;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int handle_option(convert_args *a, int id, const char *arg)
{
    long long v;

    if (id == 'o') {
        a->output = arg;
    } else if (id == 't') {
        a->format_given = true;
        if (!set_output_format(a, arg))
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

/* Output names that say their format by more than an extension:
 * speedscope's own naming, pprof's usual names (gzip'd or not). */
static const struct {
    const char *suffix;
    const char *format;
} name_endings[] = {
    {".speedscope.json", "speedscope"},
    {".pb.gz", "pprof"}, {".pb", "pprof"}, {".pprof", "pprof"}, {".pprof.gz", "pprof"},
};

/* Unless --to names one, the -o name picks the format: the endings above,
 * callgrind.out.* (as valgrind and KCachegrind name such files), or
 * NAME.EXT for the format named EXT (run.lprof: lprof, run.csv: csv).
 * Other names keep the default. */
static void format_from_extension(convert_args *a)
{
    const char *dot = strrchr(a->output, '.');
    const char *base = strrchr(a->output, '/');
    size_t i;

    base = base ? base + 1 : a->output;
    if (a->format_given)
        return;
    for (i = 0; i < sizeof name_endings / sizeof name_endings[0]; i++) {
        if (ends_with(a->output, name_endings[i].suffix)) {
            set_output_format(a, name_endings[i].format);
            return;
        }
    }
    if (strncmp(base, "callgrind.out", strlen("callgrind.out")) == 0)
        set_output_format(a, "callgrind");
    else if (dot && !strchr(dot, '/'))
        set_output_format(a, dot + 1);
}

/* Formats a terminal would show as garbage. */
static bool is_binary(const convert_args *a)
{
    return a->kind == OUT_PROFILE &&
           (a->write.format == PK_FORMAT_PSTATS || a->write.format == PK_FORMAT_LPROF ||
            a->write.format == PK_FORMAT_PPROF);
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
    if (strcmp(a->output, "-") == 0 && is_binary(a) && isatty(STDOUT_FILENO))
        return pk_cli_usage_error(&cli, "refusing to write binary output to a terminal");
    return PK_EXIT_OK;
}

/* The function table of the merged profile, as pstat-view --format
 * csv|json prints it: every function in file order. */
static int write_table(FILE *f, pk_profile *p, const convert_args *a, pk_error *err)
{
    pk_select_opts so = {NULL, 0, false, NULL, 0};
    pk_report_opts ro = {PK_REPORT_STATS, NULL, 0, (const char *const *)a->inputs,
                         a->ninputs, &so, true};
    pk_stdnames *names = NULL;
    pk_selection sel;
    int rc;

    memset(&sel, 0, sizeof sel);
    if (!pk_profile_has_function_data(p))
        return pk_error_set(err, PK_ENODATA, a->kind == OUT_CSV ? "csv" : "json", -1,
                            "the profile has no function stats to tabulate");
    rc = pk_stdnames_build(&names, p);
    if (rc == PK_OK)
        rc = pk_select(&sel, p, names, &so, err);
    else
        pk_error_set(err, rc, NULL, -1, "out of memory");
    if (rc == PK_OK && a->kind == OUT_CSV)
        rc = pk_render_pstats_csv(f, p, names, &sel, &ro, err);
    else if (rc == PK_OK)
        rc = pk_render_pstats_json(f, p, names, &sel, &ro, err);
    pk_selection_dispose(&sel);
    pk_stdnames_free(names);
    return rc;
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
        rc = pk_out_open(&out, args.output, is_binary(&args), &err);
    if (rc == PK_OK) {
        if (args.kind == OUT_PROFILE)
            rc = pk_write(out.f, merged, &args.write, &err);
        else
            rc = write_table(out.f, merged, &args, &err);
        if (rc == PK_OK)
            rc = pk_out_commit(&out, &err);
        else
            pk_out_fail(&out, &err);
    }
    pk_profile_free(merged);
    return rc == PK_OK ? PK_EXIT_OK : pk_cli_report(&cli, &err);
}
