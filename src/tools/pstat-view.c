/*
 * pstat-view: the tables Python's pstats prints, from any profile file.
 *
 *   pstat-view --sort tottime --limit 10 run.pstats
 *
 * is what `pstats.Stats("run.pstats").sort_stats("tottime").print_stats(10)`
 * prints, byte for byte.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <profkit/profkit.h>

#include "cli.h"

static const pk_opt options[] = {
    {"sort", 's', required_argument, "KEY[,KEY]",
     "sort by pstats keys: calls ncalls pcalls time tottime cumulative cumtime "
     "filename module line name nfl stdname, or unique prefixes; repeatable"},
    {"limit", 'l', required_argument, "N|FRACTION",
     "keep the first N rows, or a fraction in [0,1) of them; a restriction"},
    {"filter", 'f', required_argument, "REGEX",
     "keep rows whose name matches the regex (Python syntax); a restriction"},
    {"strip-dirs", 'S', no_argument, NULL, "remove directories from file names"},
    {"reverse", 'r', no_argument, NULL, "reverse the sorted order"},
    {"callers", 0, optional_argument, "REGEX", "print who called each function"},
    {"callees", 0, optional_argument, "REGEX", "print what each function called"},
    {"format", 'F', required_argument, "FMT", "output as text (default), csv or json"},
    {"output", 'o', required_argument, "FILE", "write to FILE instead of stdout"},
    {"from", 0, required_argument, "FORMAT", "read inputs as FORMAT (default: detect)"},
    {"unit", 'u', required_argument, "SECONDS",
     "line tables (.lprof): unit of the Time columns (default 1e-6)"},
    {"skip-zero", 'z', no_argument, NULL,
     "line tables: leave out functions whose total time is zero"},
    {"summarize", 'm', no_argument, NULL,
     "line tables: end with a total-time line per function"},
    {NULL, 0, 0, NULL, NULL},
};

static const pk_cli cli = {
    "pstat-view", "[OPTION]... FILE...",
    "Print the tables of Python's pstats for profile FILEs ('-' for stdin).\n"
    "Several files are merged as pstats.Stats(FILE...) merges them.",
    options,
    "Restrictions (--limit, --filter) apply in the order given, as the arguments\n"
    "of pstats' print_stats() do; a --callers/--callees REGEX comes last.\n"
    "A .lprof file (line_profiler) prints what `python3 -m line_profiler FILE`\n"
    "prints; --sort time orders its functions by total time (line_profiler -t).\n",
};

typedef enum out_format { OUT_TEXT, OUT_CSV, OUT_JSON } out_format;

typedef struct view_args {
    pk_sort_key keys[32];
    size_t nkeys;
    pk_restriction restr[64];
    size_t nrestr;
    bool strip, reverse;
    pk_report_kind kind;
    const char *report_regex; /* --callers=REGEX / --callees=REGEX */
    out_format format;
    const char *output;
    pk_read_opts read;
    char **inputs;
    size_t ninputs;
    pk_lines_report_opts lines; /* -u, -z, -m */
    bool lines_given;
} view_args;

static int add_sort_keys(view_args *a, const char *list)
{
    char *copy = strdup(list), *save = NULL, *word;
    int rc = PK_EXIT_OK;

    if (!copy)
        return PK_EXIT_IO;
    for (word = strtok_r(copy, ",", &save); word && rc == PK_EXIT_OK;
         word = strtok_r(NULL, ",", &save)) {
        if (a->nkeys == sizeof a->keys / sizeof a->keys[0])
            rc = pk_cli_usage_error(&cli, "too many sort keys");
        else if (pk_sort_key_parse(&a->keys[a->nkeys++], word) != PK_OK)
            rc = pk_cli_usage_error(&cli, "unknown sort key '%s'", word);
    }
    free(copy);
    return rc;
}

static int add_restriction(view_args *a, pk_restriction_kind kind, const char *value)
{
    pk_restriction *r;
    long long n;

    if (a->nrestr == sizeof a->restr / sizeof a->restr[0])
        return pk_cli_usage_error(&cli, "too many restrictions");
    r = &a->restr[a->nrestr++];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->regex = value;
    if (kind != PK_RESTRICT_REGEX) {
        /* A whole number is pstats' int restriction, anything else a float. */
        if (pk_cli_parse_long(value, &n))
            r->count = n;
        else if (pk_cli_parse_double(value, &r->fraction))
            r->kind = PK_RESTRICT_FRACTION;
        else
            return pk_cli_usage_error(&cli, "--limit wants a number, not '%s'", value);
    }
    return PK_EXIT_OK;
}

static int set_format(view_args *a, const char *v)
{
    if (strcmp(v, "text") == 0)
        a->format = OUT_TEXT;
    else if (strcmp(v, "csv") == 0)
        a->format = OUT_CSV;
    else if (strcmp(v, "json") == 0)
        a->format = OUT_JSON;
    else
        return pk_cli_usage_error(&cli, "unknown output format '%s' (text, csv, json)", v);
    return PK_EXIT_OK;
}

static int set_report(view_args *a, pk_report_kind kind, const char *regex)
{
    if (a->kind != PK_REPORT_STATS && a->kind != kind)
        return pk_cli_usage_error(&cli, "--callers and --callees exclude each other");
    a->kind = kind;
    a->report_regex = regex; /* the last one given counts, see parse_args */
    return PK_EXIT_OK;
}

static int handle_option(view_args *a, int id, const char *arg)
{
    switch (id) {
    case 's': return add_sort_keys(a, arg);
    case 'l': return add_restriction(a, PK_RESTRICT_COUNT, arg);
    case 'f': return add_restriction(a, PK_RESTRICT_REGEX, arg);
    case 'S': a->strip = true; return PK_EXIT_OK;
    case 'r': a->reverse = true; return PK_EXIT_OK;
    case 'F': return set_format(a, arg);
    case 'o': a->output = arg; return PK_EXIT_OK;
    case 'u':
        a->lines_given = true;
        if (!pk_cli_parse_double(arg, &a->lines.output_unit) || !(a->lines.output_unit > 0))
            return pk_cli_usage_error(&cli, "--unit wants a positive number, not '%s'", arg);
        return PK_EXIT_OK;
    case 'z': a->lines.skip_zero = a->lines_given = true; return PK_EXIT_OK;
    case 'm': a->lines.summarize = a->lines_given = true; return PK_EXIT_OK;
    default: break;
    }
    if (id == pk_cli_id(&cli, "callers"))
        return set_report(a, PK_REPORT_CALLERS, arg);
    if (id == pk_cli_id(&cli, "callees"))
        return set_report(a, PK_REPORT_CALLEES, arg);
    if (id == pk_cli_id(&cli, "from")) {
        a->read.format = pk_format_from_name(arg);
        if (a->read.format == PK_FORMAT_AUTO)
            return pk_cli_usage_error(&cli, "unknown input format '%s'", arg);
        return PK_EXIT_OK;
    }
    return PK_EXIT_USAGE;
}

static int parse_args(view_args *a, int argc, char **argv)
{
    pk_read_opts defaults = PK_READ_OPTS_INIT;
    const char *arg;
    int id;

    pk_lines_report_opts ldefaults = PK_LINES_REPORT_OPTS_INIT;

    memset(a, 0, sizeof *a);
    a->read = defaults;
    a->lines = ldefaults;
    while ((id = pk_cli_next(&cli, argc, argv, &arg)) != -1) {
        int rc = id == '?' ? PK_EXIT_USAGE : handle_option(a, id, arg);
        if (rc != PK_EXIT_OK)
            return rc;
    }
    /* The REGEX of --callers=/--callees= is the last restriction wherever it
     * stands on the command line (pstats_ref.py and the man page say so):
     * `--callers=f --limit 5` is print_callers(5, 'f'). */
    if (a->report_regex) {
        int rc = add_restriction(a, PK_RESTRICT_REGEX, a->report_regex);
        if (rc != PK_EXIT_OK)
            return rc;
    }
    a->inputs = argv + optind;
    a->ninputs = (size_t)(argc - optind);
    if (a->ninputs == 0)
        return pk_cli_usage_error(&cli, "no input file given");
    return PK_EXIT_OK;
}

/* pstats' header line: time.ctime(mtime) + "    " + path (just the path
 * when the file cannot be stat'ed). */
static char *file_line(const char *path)
{
    struct stat st;
    struct tm tm;
    char when[64] = "";
    char *line;
    size_t n;

    if (stat(path, &st) == 0 && localtime_r(&st.st_mtime, &tm))
        strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y    ", &tm);
    n = strlen(when) + strlen(path) + 1;
    line = malloc(n);
    if (line)
        snprintf(line, n, "%s%s", when, path);
    return line;
}

typedef struct view_state {
    pk_profile **loaded;
    pk_profile *profile; /* the merged (and stripped) profile */
    char **file_lines;   /* one per input read from a file, not stdin */
    size_t nfile_lines;
    const char **paths;
    size_t n;
} view_state;

static int load_inputs(view_state *s, const view_args *a, pk_error *err)
{
    size_t i;
    int rc = PK_OK;

    s->n = a->ninputs;
    s->loaded = calloc(s->n, sizeof *s->loaded);
    s->file_lines = calloc(s->n, sizeof *s->file_lines);
    s->paths = calloc(s->n, sizeof *s->paths);
    if (!s->loaded || !s->file_lines || !s->paths)
        return pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory");
    for (i = 0; rc == PK_OK && i < s->n; i++) {
        const char *path = a->inputs[pk_cli_merge_index(i, s->n)];
        rc = pk_cli_read(&s->loaded[i], path, &a->read, err);
        s->paths[i] = path;
        if (rc != PK_OK || strcmp(path, "-") == 0)
            continue; /* stdin has no name or time to show */
        s->file_lines[s->nfile_lines] = file_line(path);
        if (!s->file_lines[s->nfile_lines++])
            rc = pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory");
    }
    if (rc == PK_OK && s->n == 1) {
        s->profile = s->loaded[0]; /* nothing to merge */
        s->loaded[0] = NULL;
    } else if (rc == PK_OK) {
        rc = pk_profile_merge(&s->profile, s->loaded, s->n, err);
    }
    if (rc == PK_OK && a->strip) {
        pk_profile *stripped;
        rc = pk_profile_strip_dirs(&stripped, s->profile, err);
        if (rc == PK_OK) {
            pk_profile_free(s->profile);
            s->profile = stripped;
        }
    }
    return rc;
}

static void free_state(view_state *s)
{
    size_t i;
    for (i = 0; s->loaded && i < s->n; i++)
        pk_profile_free(s->loaded[i]);
    for (i = 0; i < s->nfile_lines; i++)
        free(s->file_lines[i]);
    free(s->loaded);
    free(s->file_lines);
    free(s->paths);
    pk_profile_free(s->profile);
}

static int render(FILE *f, view_state *s, const view_args *a, pk_stdnames *names,
                  const pk_selection *sel, const pk_select_opts *so, pk_error *err)
{
    pk_report_opts ro = {a->kind, (const char *const *)s->file_lines, s->nfile_lines,
                         s->paths, s->n, so, false};
    switch (a->format) {
    case OUT_CSV: return pk_render_pstats_csv(f, s->profile, names, sel, &ro, err);
    case OUT_JSON: return pk_render_pstats_json(f, s->profile, names, sel, &ro, err);
    case OUT_TEXT: break;
    }
    return pk_render_pstats_text(f, s->profile, names, sel, &ro, err);
}

/* mprof .dat inputs get the memory summary instead of the pstats tables,
 * in command-line order (pk_cli_merge_index is its own inverse). */
static int render_memory(view_state *s, const view_args *a, pk_error *err)
{
    const pk_profile **runs = calloc(s->n, sizeof *runs);
    const char *const *paths = (const char *const *)a->inputs;
    pk_out out;
    size_t i;
    int rc;

    if (!runs)
        return pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory");
    for (i = 0; i < s->n; i++)
        runs[i] = s->n == 1 ? s->profile : s->loaded[pk_cli_merge_index(i, s->n)];
    rc = pk_out_open(&out, a->output, false, err);
    if (rc == PK_OK) {
        if (a->format == OUT_CSV)
            rc = pk_render_memory_csv(out.f, runs, paths, s->n, err);
        else if (a->format == OUT_JSON)
            rc = pk_render_memory_json(out.f, runs, paths, s->n, err);
        else
            rc = pk_render_memory_text(out.f, runs, paths, s->n, err);
        if (rc == PK_OK)
            rc = pk_out_commit(&out, err);
        else
            pk_out_abort(&out);
    }
    free(runs);
    return rc;
}

/* Python's tempfile.gettempdir() looks at these first (line_profiler uses
 * it to recognise notebook cells); NULL leaves the default, /tmp. */
static const char *python_tmpdir(void)
{
    static const char *const vars[] = {"TMPDIR", "TEMP", "TMP"};
    size_t i;

    for (i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return v;
    }
    return NULL;
}

/* .lprof inputs get line_profiler's tables. The pstats options that
 * select or reshape rows have no meaning there, except --sort by time. */
static int render_lines(view_state *s, const view_args *a, pk_error *err)
{
    pk_lines_report_opts lo = a->lines;
    pk_out out;
    size_t i;
    int rc;

    if (!pk_lines_present(s->profile))
        return pk_error_set(err, PK_EINVAL, NULL, -1, "line tables show one .lprof "
                            "file at a time, without --strip-dirs");
    if (a->nrestr || a->kind != PK_REPORT_STATS)
        return pk_error_set(err, PK_EINVAL, NULL, -1, "--limit, --filter, --callers "
                            "and --callees do not apply to line tables");
    for (i = 0; i < a->nkeys; i++) {
        if (a->keys[i] != PK_SORT_TIME && a->keys[i] != PK_SORT_CUMULATIVE)
            return pk_error_set(err, PK_EINVAL, NULL, -1, "line tables sort only by "
                                "total time (--sort time)");
        lo.sort_by_time = true;
    }
    lo.reverse = a->reverse;
    lo.tmpdir = python_tmpdir();
    lo.paths = (const char *const *)a->inputs;
    lo.npaths = a->ninputs;
    rc = pk_out_open(&out, a->output, false, err);
    if (rc != PK_OK)
        return rc;
    if (a->format == OUT_CSV)
        rc = pk_render_lines_csv(out.f, s->profile, &lo, err);
    else if (a->format == OUT_JSON)
        rc = pk_render_lines_json(out.f, s->profile, &lo, err);
    else
        rc = pk_render_lines_text(out.f, s->profile, &lo, err);
    if (rc == PK_OK)
        return pk_out_commit(&out, err);
    pk_out_abort(&out);
    return rc;
}

static int run(view_state *s, const view_args *a, pk_error *err)
{
    pk_select_opts so = {a->keys, a->nkeys, a->reverse, a->restr, a->nrestr};
    pk_stdnames *names = NULL;
    pk_selection sel;
    pk_out out;
    int rc;

    memset(&sel, 0, sizeof sel);
    rc = load_inputs(s, a, err);
    if (rc == PK_OK && pk_memory_run_count(s->n == 1 ? s->profile : s->loaded[0]) > 0)
        return render_memory(s, a, err);
    if (rc == PK_OK && pk_profile_source(s->profile) == PK_SOURCE_LPROF)
        return render_lines(s, a, err);
    if (rc == PK_OK && a->lines_given)
        return pk_error_set(err, PK_EINVAL, NULL, -1,
                            "--unit, --skip-zero and --summarize apply to line tables only");
    if (rc == PK_OK)
        rc = pk_stdnames_build(&names, s->profile);
    if (rc == PK_OK)
        rc = pk_select(&sel, s->profile, names, &so, err);
    if (rc == PK_OK)
        rc = pk_out_open(&out, a->output, false, err);
    if (rc == PK_OK) {
        rc = render(out.f, s, a, names, &sel, &so, err);
        if (rc == PK_OK)
            rc = pk_out_commit(&out, err);
        else
            pk_out_abort(&out);
    }
    if (rc == PK_ENOMEM)
        pk_error_set(err, rc, NULL, -1, "out of memory");
    pk_selection_dispose(&sel);
    pk_stdnames_free(names);
    return rc;
}

int main(int argc, char **argv)
{
    view_args args;
    view_state state;
    pk_error err = PK_ERROR_INIT;
    int rc;

    pk_cli_init();
    rc = parse_args(&args, argc, argv);
    if (rc != PK_EXIT_OK)
        return rc;
    memset(&state, 0, sizeof state);
    rc = run(&state, &args, &err);
    free_state(&state);
    if (rc != PK_OK)
        return pk_cli_report(&cli, &err);
    return PK_EXIT_OK;
}
