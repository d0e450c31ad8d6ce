#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PK_VERSION
#define PK_VERSION "unknown"
#endif

#define ID_HELP 1000
#define ID_VERSION 1001
#define MAX_OPTS 64

int pk_cli_exit_code(int status)
{
    switch (status) {
    case PK_OK: return PK_EXIT_OK;
    case PK_EFORMAT:
    case PK_EUNSUPPORTED:
    case PK_ENODATA:
    case PK_EINVAL: return PK_EXIT_USAGE;
    default: return PK_EXIT_IO;
    }
}

static int opt_id(const pk_opt *o, size_t index)
{
    return o->short_name ? o->short_name : (int)index + 256;
}

int pk_cli_id(const pk_cli *cli, const char *long_name)
{
    size_t i;
    for (i = 0; cli->opts[i].long_name; i++) {
        if (strcmp(cli->opts[i].long_name, long_name) == 0)
            return opt_id(&cli->opts[i], i);
    }
    return -1;
}

static void print_help(const pk_cli *cli)
{
    size_t i;

    printf("Usage: %s %s\n%s\n\nOptions:\n", cli->tool, cli->usage, cli->summary);
    for (i = 0; cli->opts[i].long_name; i++) {
        const pk_opt *o = &cli->opts[i];
        char left[64];
        const char *arg = o->arg_name ? o->arg_name : "";
        const char *sep = o->has_arg == optional_argument ? "[=" : (o->has_arg ? " " : "");
        snprintf(left, sizeof left, "%s%c%s--%s%s%s%s", o->short_name ? "-" : "  ",
                 o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ",
                 o->long_name, o->has_arg ? sep : "", o->has_arg ? arg : "",
                 o->has_arg == optional_argument ? "]" : "");
        printf("  %-28s %s\n", left, o->help);
    }
    printf("  %-28s %s\n  %-28s %s\n", "    --help", "show this help and exit",
           "    --version", "show the version and exit");
    if (cli->epilogue)
        printf("\n%s", cli->epilogue);
    /* Only prof-diff exits 1 (a --fail-on rule): its epilogue says so. */
    if (!cli->epilogue || !strstr(cli->epilogue, "Exit status:"))
        printf("\nExit status: 0 ok, 2 usage or input error, 3 I/O or internal error.\n");
}

/* Builds the getopt tables from the option table (once per process). */
static void build_tables(const pk_cli *cli, struct option *longs, char *shorts)
{
    size_t i, ns = 0;

    shorts[ns++] = ':';
    for (i = 0; cli->opts[i].long_name && i < MAX_OPTS - 3; i++) {
        const pk_opt *o = &cli->opts[i];
        longs[i].name = o->long_name;
        longs[i].has_arg = o->has_arg;
        longs[i].flag = NULL;
        longs[i].val = opt_id(o, i);
        if (o->short_name) {
            shorts[ns++] = (char)o->short_name;
            if (o->has_arg == required_argument)
                shorts[ns++] = ':';
        }
    }
    longs[i++] = (struct option){"help", no_argument, NULL, ID_HELP};
    longs[i++] = (struct option){"version", no_argument, NULL, ID_VERSION};
    longs[i] = (struct option){NULL, 0, NULL, 0};
    shorts[ns] = '\0';
}

int pk_cli_next(const pk_cli *cli, int argc, char **argv, const char **arg)
{
    static struct option longs[MAX_OPTS];
    static char shorts[2 * MAX_OPTS + 2];
    static const pk_cli *built;
    int c;

    if (built != cli) {
        build_tables(cli, longs, shorts);
        built = cli;
    }
    opterr = 0;
    c = getopt_long(argc, argv, shorts, longs, NULL);
    *arg = optarg;
    if (c == ID_HELP) {
        print_help(cli);
        exit(fflush(stdout) == 0 ? PK_EXIT_OK : PK_EXIT_IO);
    }
    if (c == ID_VERSION) {
        printf("%s (profkit) %s\n", cli->tool, PK_VERSION);
        exit(PK_EXIT_OK);
    }
    if (c == '?' || c == ':') {
        const char *bad = argv[optind - 1];
        if (c == ':')
            pk_cli_usage_error(cli, "option '%s' needs a value", bad);
        else if (optopt)
            pk_cli_usage_error(cli, "unknown option '-%c'", optopt);
        else
            pk_cli_usage_error(cli, "unknown option '%s'", bad);
        return '?';
    }
    return c;
}

int pk_cli_usage_error(const pk_cli *cli, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", cli->tool);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (try '%s --help')\n", cli->tool);
    return PK_EXIT_USAGE;
}

int pk_cli_report(const pk_cli *cli, const pk_error *err)
{
    char msg[1024];
    pk_error_format(msg, sizeof msg, err);
    fprintf(stderr, "%s: %s\n", cli->tool, msg);
    return pk_cli_exit_code(err->code);
}

bool pk_cli_parse_long(const char *s, long long *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE)
        return false;
    *out = v;
    return true;
}

bool pk_cli_parse_double(const char *s, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || isnan(v))
        return false;
    *out = v;
    return true;
}

/* ---- outputs ---- */

int pk_out_open(pk_out *o, const char *path, bool binary, pk_error *err)
{
    struct stat st;
    int fd;

    memset(o, 0, sizeof *o);
    (void)binary;
    if (!path || strcmp(path, "-") == 0) {
        o->f = stdout;
        return PK_OK;
    }
    o->path = strdup(path);
    if (!o->path)
        return pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory");
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        o->f = fopen(path, "wb");
    } else {
        size_t n = strlen(path) + sizeof ".tmpXXXXXX";
        o->tmp_path = malloc(n);
        if (!o->tmp_path)
            return pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory");
        snprintf(o->tmp_path, n, "%s.tmpXXXXXX", path);
        fd = mkstemp(o->tmp_path);
        if (fd >= 0) {
            fchmod(fd, 0644);
            o->f = fdopen(fd, "wb");
            if (!o->f)
                close(fd);
        }
    }
    if (!o->f) {
        int code = pk_error_set(err, PK_EIO, NULL, -1, "cannot write: %s", strerror(errno));
        pk_error_set_path(err, path);
        pk_out_abort(o);
        return code;
    }
    return PK_OK;
}

int pk_out_commit(pk_out *o, pk_error *err)
{
    int rc = PK_OK;
    bool failed = fflush(o->f) != 0 || ferror(o->f);
    int saved = errno;

    if (o->f != stdout) {
        failed |= fclose(o->f) != 0;
        o->f = NULL;
    }
    if (!failed && o->tmp_path && rename(o->tmp_path, o->path) != 0) {
        failed = true;
        saved = errno;
    }
    if (failed) {
        if (saved == EPIPE)
            exit(PK_EXIT_OK); /* the reader went away: end quietly */
        rc = pk_error_set(err, PK_EIO, NULL, -1, "write failed: %s", strerror(saved));
        pk_error_set_path(err, o->path ? o->path : "<stdout>");
        pk_out_abort(o);
        return rc;
    }
    free(o->tmp_path);
    free(o->path);
    o->tmp_path = o->path = NULL;
    return PK_OK;
}

void pk_out_abort(pk_out *o)
{
    if (o->f && o->f != stdout)
        fclose(o->f);
    o->f = NULL;
    if (o->tmp_path)
        unlink(o->tmp_path);
    free(o->tmp_path);
    free(o->path);
    o->tmp_path = o->path = NULL;
}

int pk_out_fail(pk_out *o, pk_error *err)
{
    if (err->code == PK_EIO)
        pk_error_set_path(err, o->path ? o->path : "<stdout>");
    pk_out_abort(o);
    return err->code;
}

void pk_cli_init(void)
{
    signal(SIGPIPE, SIG_DFL);
}

int pk_cli_inputs(const pk_cli *cli, char ***inputs, size_t *n, int argc, char **argv)
{
    static char dash[] = "-";
    static char *stdin_only[] = {dash};

    *inputs = argv + optind;
    *n = (size_t)(argc - optind);
    if (*n > 0)
        return PK_EXIT_OK;
    if (isatty(STDIN_FILENO))
        return pk_cli_usage_error(cli, "no input file given (and standard input is a terminal)");
    *inputs = stdin_only;
    *n = 1;
    return PK_EXIT_OK;
}
