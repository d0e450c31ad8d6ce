/*
 * profkit error reporting.
 *
 * Library functions return an int: PK_OK (0) or a negative pk_status. Context
 * goes into a caller-supplied pk_error; nothing is global or thread-local, so
 * the library is safe to use from several threads (the collector runs inside
 * Python threads). The first error recorded wins: later failures never
 * overwrite the root cause. pk_error holds fixed buffers, so recording an
 * out-of-memory error never allocates.
 */
#ifndef PROFKIT_ERROR_H
#define PROFKIT_ERROR_H

#include <stddef.h>
#include <stdint.h>

typedef enum pk_status {
    PK_OK = 0,
    PK_ENOMEM = -1,       /* an allocation failed */
    PK_EIO = -2,          /* reading or writing a file failed */
    PK_EFORMAT = -3,      /* the input is corrupt or truncated */
    PK_EUNSUPPORTED = -4, /* valid input, but a version or feature we do not handle */
    PK_ENODATA = -5,      /* the profile lacks the part an operation needs */
    PK_EINVAL = -6        /* the caller passed something invalid */
} pk_status;

typedef struct pk_error {
    int code;           /* a pk_status; PK_OK while nothing is recorded */
    const char *format; /* static format name ("pstats", "gzip"), or NULL */
    char path[512];     /* the input's name as given, possibly truncated */
    int64_t offset;     /* byte offset where the bad item starts, or -1 */
    int64_t line;       /* 1-based line for text formats, or 0 */
    char msg[256];      /* one lowercase line without a trailing period */
} pk_error;

#define PK_ERROR_INIT {PK_OK, NULL, {0}, -1, 0, {0}}

/* Resets err to the empty state. */
void pk_error_clear(pk_error *err);

/*
 * Records an error unless one is recorded already, and returns code so that
 * callers can write `return pk_error_set(...)`. fmt is printf-style and forms
 * the message; format is a static string naming the file format (or NULL).
 * err may be NULL.
 */
int pk_error_set(pk_error *err, int code, const char *format, int64_t offset,
                 const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Sets the path shown in front of the message (kept if one is set already). */
void pk_error_set_path(pk_error *err, const char *path);

/*
 * Writes "path: format: message" (the parts that are set) into buf, always
 * NUL-terminated when n > 0. Returns the length the full text would have.
 */
size_t pk_error_format(char *buf, size_t n, const pk_error *err);

/* A short static description of a pk_status ("out of memory"). */
const char *pk_status_str(int code);

#endif
