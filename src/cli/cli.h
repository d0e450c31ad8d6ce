/*
 * What every tool shares: option tables that drive both getopt_long and
 * --help, error reporting with the tool's name, exit codes, and output
 * files written through a temporary file and renamed only on success.
 */
#ifndef PK_CLI_H
#define PK_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <profkit/error.h>
#include <profkit/io.h>
#include <profkit/profile.h>

/* Exit codes, documented in README.md and every man page. */
enum {
    PK_EXIT_OK = 0,
    PK_EXIT_CHECK = 1, /* a check failed (prof-diff --fail-on) */
    PK_EXIT_USAGE = 2, /* bad options or bad input */
    PK_EXIT_IO = 3     /* I/O, internal error, out of memory */
};

/* The exit code for a pk_status. */
int pk_cli_exit_code(int status);

typedef struct pk_opt {
    const char *long_name;
    int short_name;       /* 0 for none; also the id returned by pk_cli_next */
    int has_arg;          /* no_argument, required_argument, optional_argument */
    const char *arg_name; /* shown in --help */
    const char *help;
} pk_opt;

typedef struct pk_cli {
    const char *tool;      /* name used in messages */
    const char *usage;     /* "[OPTION]... FILE..." */
    const char *summary;   /* one line under the usage */
    const pk_opt *opts;    /* ends with a zeroed entry */
    const char *epilogue;  /* after the options in --help, or NULL; a line
                            * "Exit status: ..." in it replaces the usual one */
} pk_cli;

/*
 * Returns the next option's short_name (or its index + 256 when it has no
 * short name), -1 at the end of the options, or '?' after reporting a
 * usage error. --help and --version are handled here: they print and exit 0.
 */
int pk_cli_next(const pk_cli *cli, int argc, char **argv, const char **arg);

/* The id pk_cli_next returns for the option named long_name. */
int pk_cli_id(const pk_cli *cli, const char *long_name);

/* "TOOL: message (try 'TOOL --help')", one line on stderr; returns
 * PK_EXIT_USAGE. */
int pk_cli_usage_error(const pk_cli *cli, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/*
 * The operands left after the options (argv[optind...]) as input paths in
 * *inputs / *n. None means standard input ("-"), as flamegraph.pl and
 * gprof2dot read it, unless standard input is a terminal: then a usage
 * error. Returns PK_EXIT_OK or the usage error's exit code.
 */
int pk_cli_inputs(const pk_cli *cli, char ***inputs, size_t *n, int argc, char **argv);

/* "TOOL: <formatted pk_error>" on stderr; returns the exit code. */
int pk_cli_report(const pk_cli *cli, const pk_error *err);

/* Parses a whole decimal number or a float; false if anything is left. */
bool pk_cli_parse_long(const char *s, long long *out);
bool pk_cli_parse_double(const char *s, double *out);

/*
 * An output destination: stdout, or FILE written as FILE.tmpXXXXXX in the
 * same directory and renamed over FILE by pk_out_commit(). A path that
 * exists and is not a regular file (/dev/null, a FIFO) is written directly.
 */
typedef struct pk_out {
    FILE *f;
    char *path;     /* final path, or NULL for stdout */
    char *tmp_path; /* temporary file, or NULL */
} pk_out;

/* Opens path ("-" or NULL: stdout). Returns PK_OK or PK_EIO (err set). */
int pk_out_open(pk_out *o, const char *path, bool binary, pk_error *err);

/* Flushes, checks for write errors, closes and renames into place. */
int pk_out_commit(pk_out *o, pk_error *err);

/* Drops the output: the temporary file is removed. Safe after commit. */
void pk_out_abort(pk_out *o);

/* After writing into o failed: an I/O error names the output (the
 * message then reads "OUT: write failed: ..."), and the output is dropped.
 * Returns err->code. */
int pk_out_fail(pk_out *o, pk_error *err);

/*
 * pk_read() with the tools' environment: PROFKIT_MAX_INPUT, when set
 * ("512M", "4G", a number of bytes; K, M, G are powers of 1024), replaces
 * opts->max_input, the cap on an input's size after decompression. A bad
 * value is an input error naming the variable.
 */
int pk_cli_read(pk_profile **out, const char *path, const pk_read_opts *opts,
                pk_error *err);

/* Parses "123", "64K", "512M", "4G" (powers of 1024) into bytes. */
bool pk_cli_parse_size(const char *s, size_t *out);

/* pstats.Stats(a, b, c) loads a, then adds c, then b: the input merged
 * i-th of n. The mapping is its own inverse. */
size_t pk_cli_merge_index(size_t i, size_t n);

/* Reads paths and merges them in pstats' order into *out (one input is
 * returned as read). Returns a pk_status; err names the failing input. */
int pk_cli_load_merged(pk_profile **out, char *const *paths, size_t n,
                       const pk_read_opts *opts, pk_error *err);

/* Quiet exit on a closed pipe: SIGPIPE ends the process without a message,
 * as for other Unix filters. Call at the start of main. */
void pk_cli_init(void);

#endif
