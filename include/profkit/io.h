/*
 * Reading and writing profile files.
 *
 * pk_read() loads any supported file into a new profile: it reads the path
 * ("-" is standard input), undoes gzip compression, finds the format from
 * the content (unless opts->format says), and runs that format's reader.
 * Every failure fills err with the path, the format, what was wrong and the
 * byte offset or line where the bad item starts.
 *
 * Ownership: profiles returned through **out belong to the caller
 * (pk_profile_free). Writers never take ownership of the profile.
 */
#ifndef PROFKIT_IO_H
#define PROFKIT_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "profile.h"

typedef enum pk_format {
    PK_FORMAT_AUTO = 0,
    PK_FORMAT_PSTATS, /* cProfile / profile.py / pstats.dump_stats (marshal) */
    PK_FORMAT_FOLDED, /* Brendan Gregg's folded stacks (text) */
    PK_FORMAT_LPROF,  /* line_profiler .lprof (pickle) */
    PK_FORMAT_MPROF,  /* memory_profiler mprof .dat (text) */
    PK_FORMAT_CALLGRIND, /* valgrind's callgrind format (KCachegrind) */
    PK_FORMAT_PPROF,     /* pprof profile.proto, usually gzip'd */
    PK_FORMAT_SPEEDSCOPE /* speedscope's JSON file format (written only) */
} pk_format;

/* Largest input accepted after decompression: a gzip bomb stops here, and
 * a hostile file cannot make profkit hold more than this (plus the model
 * built from it). 1 GiB is far above real profiles; the tools let
 * PROFKIT_MAX_INPUT raise or lower it. */
#define PK_DEFAULT_MAX_INPUT ((size_t)1 << 30)

typedef struct pk_read_opts {
    pk_format format;  /* PK_FORMAT_AUTO: decide from the content */
    size_t max_input;  /* bytes, after decompression */
    /* Folded stacks: also keep the order of the input lines, which flame
     * charts need; memory then grows with the lines, not only the stacks. */
    bool keep_order;
    /* Folded stacks: skip deriving functions and call edges from them; a
     * flame graph needs only the stacks. */
    bool stacks_only;
} pk_read_opts;

#define PK_READ_OPTS_INIT {PK_FORMAT_AUTO, PK_DEFAULT_MAX_INPUT, false, false}

/*
 * Reads path ("-" for stdin) into a new profile stored in *out.
 * opts may be NULL for the defaults. Returns PK_OK, PK_EINVAL (the path
 * cannot be opened, or is a directory), PK_EIO (reading failed),
 * PK_EFORMAT, PK_EUNSUPPORTED or PK_ENOMEM; on failure *out is NULL.
 */
int pk_read(pk_profile **out, const char *path, const pk_read_opts *opts,
            pk_error *err);

/*
 * pk_read(), except that a pstats file is added to acc when acc (may be
 * NULL) holds pstats: acc then gets what pk_profile_merge() would make of
 * acc and the file's profile (pstats.Stats.add), *out stays NULL, and no
 * profile is built for the file alone, which makes merging many files
 * much faster. Other files, or any file when acc is NULL or holds another
 * format, are read into a new *out as pk_read() does. After a failure to
 * add, acc is only fit to be freed.
 */
int pk_read_adding(pk_profile **out, pk_profile *acc, const char *path,
                   const pk_read_opts *opts, pk_error *err);

/* pk_read_adding() on bytes in memory, as pk_read_buffer(). */
int pk_read_buffer_adding(pk_profile **out, pk_profile *acc, const void *buf, size_t len,
                          const char *name, const pk_read_opts *opts, pk_error *err);

/*
 * Like pk_read() on bytes already in memory; name is used in messages.
 * The bytes may be gzip-compressed.
 */
int pk_read_buffer(pk_profile **out, const void *buf, size_t len,
                   const char *name, const pk_read_opts *opts, pk_error *err);

/* The format a buffer's content looks like, or PK_FORMAT_AUTO if unknown. */
pk_format pk_detect_format(const void *buf, size_t len);

/* "pstats", ...: the lowercase name used in messages and options. */
const char *pk_format_name(pk_format f);

/* Parses a format name; returns PK_FORMAT_AUTO for an unknown name. */
pk_format pk_format_from_name(const char *name);

typedef struct pk_write_opts {
    pk_format format;
    /* pstats: marshal version to write. 2 (the default) loads in Python
     * 2.7 and every 3.x; 4 is what Python 3.4+ writes itself. */
    int marshal_version;
} pk_write_opts;

#define PK_WRITE_OPTS_INIT {PK_FORMAT_PSTATS, 2}

/*
 * Writes the profile to f in opts->format. Returns PK_OK, PK_EIO (f failed),
 * PK_ENODATA (the profile lacks what the format needs), PK_EINVAL or
 * PK_ENOMEM. The caller owns f and closes it.
 */
int pk_write(FILE *f, pk_profile *p, const pk_write_opts *opts, pk_error *err);

#endif
