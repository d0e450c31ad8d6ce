/*
 * Python source lines as line_profiler shows them: the file read the way
 * linecache.getlines() reads it, and the extent of a function found the
 * way inspect.getblock() finds it (Python 3.11's tokenize and BlockFinder).
 */
#ifndef PK_RENDER_PYSOURCE_H
#define PK_RENDER_PYSOURCE_H

#include <stdbool.h>
#include <stddef.h>

/* A file's lines, decoded to UTF-8 with universal newlines: every line
 * ends with one '\n', as linecache returns them. */
typedef struct pk_pysource {
    char *text;
    size_t *starts; /* nlines + 1 offsets into text */
    size_t nlines;
} pk_pysource;

/* True where Python's os.path.exists(path) is: the name has no NUL byte
 * and stat() succeeds. */
bool pk_pysource_exists(const char *path, size_t len);

/*
 * Reads path as linecache.getlines() does: a UTF-8 BOM or a coding cookie
 * (utf-8, latin-1 or ascii and their aliases) picks the decoding, "\r\n"
 * and "\r" become "\n", a last line without a newline gets one. A file
 * Python could not read or decode gives no lines (PK_OK, nlines 0); so do
 * files that are not regular files and files over 256 MiB, which Python
 * would try to read. Returns PK_OK or PK_ENOMEM; dispose in both cases.
 */
int pk_pysource_load(pk_pysource *out, const char *path);

void pk_pysource_dispose(pk_pysource *s);

/* Line i (0-based) without its '\n'; *len gets its length in bytes. */
const char *pk_pysource_line(const pk_pysource *s, size_t i, size_t *len);

/*
 * How many lines inspect.getblock(lines[first:]) returns: the decorators,
 * header and body of the def or class starting there, with trailing
 * comments indented at least as deep as the body. A tokenizer error at the
 * end of the file (an unterminated string or bracket), where Python would
 * raise, ends the block at the last complete line. Returns PK_OK or
 * PK_ENOMEM.
 */
int pk_pysource_block(size_t *out, const pk_pysource *s, size_t first);

#endif
