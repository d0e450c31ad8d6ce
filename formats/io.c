/*
 * pk_read(): get the bytes (file or stdin), undo gzip, pick the format,
 * run its reader. Everything a tool needs to load a profile in one call.
 */
#include <profkit/io.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "alloc.h"
#include "buf.h"
#include "formats.h"
#include "zalloc.h"

#define READ_CHUNK ((size_t)1 << 16)

static const struct {
    pk_format format;
    const char *name;
} format_names[] = {
    {PK_FORMAT_PSTATS, "pstats"},
    {PK_FORMAT_FOLDED, "folded"},
    {PK_FORMAT_LPROF, "lprof"},
    {PK_FORMAT_MPROF, "mprof"},
    {PK_FORMAT_CALLGRIND, "callgrind"},
    {PK_FORMAT_PPROF, "pprof"},
    {PK_FORMAT_SPEEDSCOPE, "speedscope"},
};

const char *pk_format_name(pk_format f)
{
    size_t i;
    for (i = 0; i < sizeof format_names / sizeof format_names[0]; i++) {
        if (format_names[i].format == f)
            return format_names[i].name;
    }
    return "unknown";
}

pk_format pk_format_from_name(const char *name)
{
    size_t i;
    for (i = 0; i < sizeof format_names / sizeof format_names[0]; i++) {
        if (strcmp(format_names[i].name, name) == 0)
            return format_names[i].format;
    }
    return PK_FORMAT_AUTO;
}

pk_format pk_detect_format(const void *buf, size_t len)
{
    /* Binary formats first: their first bytes are unambiguous. Folded
     * text is the most permissive, so it is tried last. */
    if (pk_pstats__sniff(buf, len))
        return PK_FORMAT_PSTATS;
    if (pk_lprof__sniff(buf, len))
        return PK_FORMAT_LPROF;
    if (pk_mprof__sniff(buf, len))
        return PK_FORMAT_MPROF;
    if (pk_callgrind__sniff(buf, len))
        return PK_FORMAT_CALLGRIND;
    if (pk_pprof__sniff(buf, len))
        return PK_FORMAT_PPROF;
    if (pk_folded__sniff(buf, len))
        return PK_FORMAT_FOLDED;
    return PK_FORMAT_AUTO;
}

/* The error for an input past the size cap: the first byte too many. */
static int too_large(pk_error *err, size_t max)
{
    return pk_error_set(err, PK_EFORMAT, NULL, (int64_t)max,
                        "input larger than the %zu-byte limit at byte %zu", max, max);
}

/* Room to read f into an empty buffer: a regular file's whole size (up to
 * max), so that its buffer is allocated once, else one piece. */
static size_t first_reserve(FILE *f, size_t max)
{
    struct stat st;

    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uint64_t)st.st_size < max)
        return (size_t)st.st_size + READ_CHUNK;
    return READ_CHUNK;
}

/* Reads the rest of f into b, refusing more than max bytes in all. */
static int slurp(pk_buf *b, FILE *f, size_t max, pk_error *err)
{
    for (;;) {
        size_t n;
        if (!pk_buf_reserve(b, READ_CHUNK))
            return pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory reading input");
        n = fread(b->data + b->len, 1, READ_CHUNK, f);
        b->len += n;
        if (b->len > max)
            return too_large(err, max);
        if (n < READ_CHUNK) {
            if (ferror(f))
                return pk_error_set(err, PK_EIO, NULL, -1, "read failed: %s",
                                    strerror(errno));
            return PK_OK;
        }
    }
}

static bool is_gzip(const uint8_t *buf, size_t len)
{
    return len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b;
}

/* Inflates one or more concatenated gzip members into out, at most max
 * bytes: a small file cannot expand into gigabytes (a zip bomb). */
static int gunzip(pk_buf *out, const uint8_t *in, size_t len, size_t max,
                  pk_error *err)
{
    z_stream z;
    int zrc = Z_OK;
    int rc = PK_OK;

    memset(&z, 0, sizeof z);
    pk_zlib_use_pk_alloc(&z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return pk_error_set(err, PK_ENOMEM, "gzip", -1, "out of memory starting zlib");
    z.next_in = (Bytef *)(uintptr_t)in;
    while (rc == PK_OK) {
        size_t room;
        if (!pk_buf_reserve(out, READ_CHUNK)) {
            rc = pk_error_set(err, PK_ENOMEM, "gzip", -1, "out of memory decompressing");
            break;
        }
        room = out->cap - out->len;
        if (room > UINT32_MAX)
            room = UINT32_MAX;
        z.next_out = out->data + out->len;
        z.avail_out = (uInt)room;
        if (z.avail_in == 0) {
            size_t used = (size_t)(z.next_in - in);
            size_t chunk = len - used > UINT32_MAX ? UINT32_MAX : len - used;
            z.avail_in = (uInt)chunk;
        }
        zrc = inflate(&z, Z_NO_FLUSH);
        out->len = (size_t)(z.next_out - out->data);
        if (out->len > max)
            rc = pk_error_set(err, PK_EFORMAT, "gzip", (int64_t)(z.next_in - in),
                              "decompressed size exceeds the %zu-byte limit at byte %zu",
                              max, (size_t)(z.next_in - in));
        else if (zrc == Z_STREAM_END) {
            size_t used = (size_t)(z.next_in - in);
            if (used == len || !is_gzip(in + used, len - used))
                break;  /* trailing garbage after a member is ignored, as gzip does */
            inflateReset(&z);
        } else if (zrc == Z_BUF_ERROR && z.avail_in == 0 && (size_t)(z.next_in - in) == len)
            rc = pk_error_set(err, PK_EFORMAT, "gzip", (int64_t)len,
                              "truncated gzip stream at byte %zu", len);
        else if (zrc != Z_OK && zrc != Z_BUF_ERROR)
            rc = pk_error_set(err, zrc == Z_MEM_ERROR ? PK_ENOMEM : PK_EFORMAT, "gzip",
                              (int64_t)(z.next_in - in), "corrupt gzip stream (%s) at byte %zu",
                              z.msg ? z.msg : "bad data", (size_t)(z.next_in - in));
    }
    inflateEnd(&z);
    return rc;
}

static int read_as(pk_profile *p, pk_format f, const uint8_t *buf, size_t len,
                   pk_error *err)
{
    switch (f) {
    case PK_FORMAT_PSTATS:
        return pk_pstats__read(p, buf, len, err);
    case PK_FORMAT_FOLDED:
        return pk_folded__read(p, buf, len, err);
    case PK_FORMAT_LPROF:
        return pk_lprof__read(p, buf, len, err);
    case PK_FORMAT_MPROF:
        return pk_mprof__read(p, buf, len, err);
    case PK_FORMAT_CALLGRIND:
        return pk_callgrind__read(p, buf, len, err);
    case PK_FORMAT_PPROF:
        return pk_pprof__read(p, buf, len, err);
    default:
        break;
    }
    return pk_error_set(err, PK_EINVAL, NULL, -1, "no reader for this format");
}

/* A short description of the first bytes, for "unknown format" errors. */
static void describe_start(char *out, size_t n, const uint8_t *buf, size_t len)
{
    size_t i, used = 0;
    out[0] = '\0';
    for (i = 0; i < len && i < 4 && used + 4 < n; i++)
        used += (size_t)snprintf(out + used, n - used, "%s%02x", i ? " " : "", buf[i]);
}

/* Parses buf into a new profile *out; or, when acc is given and buf
 * holds pstats, adds it to acc and leaves *out NULL. */
static int parse_bytes(pk_profile **out, pk_profile *acc, const uint8_t *buf,
                       size_t len, const pk_read_opts *opts, pk_error *err)
{
    pk_format f = opts->format;
    pk_profile *p = NULL;
    int rc;

    if (len == 0)
        return pk_error_set(err, PK_EFORMAT, NULL, 0, "empty file");
    if (f == PK_FORMAT_AUTO)
        f = pk_detect_format(buf, len);
    if (f == PK_FORMAT_AUTO) {
        char start[32];
        describe_start(start, sizeof start, buf, len);
        return pk_error_set(err, PK_EFORMAT, NULL, 0,
                            "not a profile format profkit reads (starts with %s)", start);
    }
    if (acc && f == PK_FORMAT_PSTATS)
        return pk_pstats__add(acc, buf, len, err);
    rc = pk_profile_new(&p);
    if (rc != PK_OK)
        return pk_error_set(err, rc, NULL, -1, "out of memory");
    if (f == PK_FORMAT_FOLDED)
        rc = pk_folded__read_with(p, buf, len, opts, err); /* it takes options */
    else if (f == PK_FORMAT_PPROF)
        rc = pk_pprof__read_with(p, buf, len, opts, err);
    else
        rc = read_as(p, f, buf, len, err);
    if (rc != PK_OK) {
        pk_profile_free(p);
        return rc;
    }
    *out = p;
    return PK_OK;
}

/* pk_read_buffer(), adding pstats to acc as parse_bytes() does. */
static int read_buffer(pk_profile **out, pk_profile *acc, const void *buf, size_t len,
                       const char *name, const pk_read_opts *opts, pk_error *err)
{
    pk_buf plain = PK_BUF_INIT;
    int rc;

    if (is_gzip(buf, len)) {
        rc = gunzip(&plain, buf, len, opts->max_input, err);
        if (rc == PK_OK)
            rc = parse_bytes(out, acc, plain.data, plain.len, opts, err);
        pk_buf_dispose(&plain);
    } else if (len > opts->max_input) {
        rc = too_large(err, opts->max_input);
    } else {
        rc = parse_bytes(out, acc, buf, len, opts, err);
    }
    if (rc != PK_OK)
        pk_error_set_path(err, name);
    return rc;
}

int pk_read_buffer(pk_profile **out, const void *buf, size_t len,
                   const char *name, const pk_read_opts *opts, pk_error *err)
{
    pk_read_opts defaults = PK_READ_OPTS_INIT;

    *out = NULL;
    return read_buffer(out, NULL, buf, len, name, opts ? opts : &defaults, err);
}

/* Feeds the rest of f to the folded reader piece by piece, after the
 * first piece already read: only the current line and the stacks stay in
 * memory, so a folded file need not fit in memory to be read. */
static int stream_folded(pk_profile **out, FILE *f, const pk_buf *first,
                         const pk_read_opts *opts, pk_error *err)
{
    pk_profile *p = NULL;
    pk_folded__reader *r = NULL;
    uint8_t *chunk = pk_malloc(READ_CHUNK);
    size_t total = first->len, n = READ_CHUNK;
    int rc = chunk ? pk_profile_new(&p) : PK_ENOMEM;

    if (rc != PK_OK)
        rc = pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory");
    if (rc == PK_OK && total > opts->max_input)
        rc = too_large(err, opts->max_input);
    if (rc == PK_OK)
        rc = pk_folded__begin(&r, p, opts, err);
    if (rc == PK_OK)
        rc = pk_folded__feed(r, first->data, first->len);
    while (rc == PK_OK && first->len == READ_CHUNK && n == READ_CHUNK) {
        n = fread(chunk, 1, READ_CHUNK, f);
        total += n;
        if (total > opts->max_input)
            rc = too_large(err, opts->max_input);
        else if (n < READ_CHUNK && ferror(f))
            rc = pk_error_set(err, PK_EIO, NULL, -1, "read failed: %s", strerror(errno));
        else
            rc = pk_folded__feed(r, chunk, n);
    }
    if (rc == PK_OK)
        rc = pk_folded__end(r);
    pk_folded__reader_free(r);
    pk_free(chunk);
    if (rc != PK_OK)
        pk_profile_free(p);
    else
        *out = p;
    return rc;
}

/* True when the first piece of a file says: stream it as folded text. */
static bool streams_as_folded(const pk_buf *first, const pk_read_opts *opts)
{
    if (first->len == 0 || is_gzip(first->data, first->len))
        return false;
    if (opts->format == PK_FORMAT_AUTO)
        return pk_detect_format(first->data, first->len) == PK_FORMAT_FOLDED;
    return opts->format == PK_FORMAT_FOLDED;
}

/* A path that cannot be opened or is a directory is the caller's mistake
 * (exit 2 in the tools), not an I/O failure. */
static FILE *open_input(const char *path, pk_error *err)
{
    struct stat st;
    FILE *f;

    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        pk_error_set(err, PK_EINVAL, NULL, -1, "is a directory");
        return NULL;
    }
    f = fopen(path, "rb");
    if (!f)
        pk_error_set(err, errno == ENOMEM ? PK_ENOMEM : PK_EINVAL, NULL, -1,
                     "cannot open: %s", strerror(errno));
    return f;
}

/* pk_read(), adding pstats to acc as parse_bytes() does. */
static int read_path(pk_profile **out, pk_profile *acc, const char *path,
                     const pk_read_opts *opts, pk_error *err)
{
    bool is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    pk_buf raw = PK_BUF_INIT;
    FILE *f;
    int rc;

    *out = NULL;
    f = is_stdin ? stdin : open_input(path, err);
    if (!f) {
        pk_error_set_path(err, name);
        return err ? err->code : PK_EINVAL;
    }
    /* One piece first: folded text streams from there. */
    rc = pk_buf_reserve(&raw, first_reserve(f, opts->max_input))
             ? PK_OK
             : pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory");
    if (rc == PK_OK) {
        raw.len = fread(raw.data, 1, READ_CHUNK, f);
        if (raw.len < READ_CHUNK && ferror(f))
            rc = pk_error_set(err, PK_EIO, NULL, -1, "read failed: %s", strerror(errno));
    }
    if (rc == PK_OK && streams_as_folded(&raw, opts)) {
        rc = stream_folded(out, f, &raw, opts, err);
        if (!is_stdin)
            fclose(f);
        if (rc != PK_OK)
            pk_error_set_path(err, name);
        pk_buf_dispose(&raw);
        return rc;
    }
    /* Compressed input may be up to max_input too; the gunzip cap then
     * bounds what it expands to. */
    if (rc == PK_OK && raw.len == READ_CHUNK)
        rc = slurp(&raw, f, opts->max_input, err);
    if (!is_stdin)
        fclose(f);
    if (rc == PK_OK)
        rc = read_buffer(out, acc, raw.data, raw.len, name, opts, err);
    if (rc != PK_OK)
        pk_error_set_path(err, name);
    pk_buf_dispose(&raw);
    return rc;
}

int pk_read(pk_profile **out, const char *path, const pk_read_opts *opts,
            pk_error *err)
{
    pk_read_opts defaults = PK_READ_OPTS_INIT;

    return read_path(out, NULL, path, opts ? opts : &defaults, err);
}

/* The profile pstats may be added to: acc when it holds pstats. */
static pk_profile *pstats_acc(pk_profile *acc)
{
    return acc && pk_profile_source(acc) == PK_SOURCE_PSTATS ? acc : NULL;
}

int pk_read_adding(pk_profile **out, pk_profile *acc, const char *path,
                   const pk_read_opts *opts, pk_error *err)
{
    pk_read_opts defaults = PK_READ_OPTS_INIT;

    return read_path(out, pstats_acc(acc), path, opts ? opts : &defaults, err);
}

int pk_read_buffer_adding(pk_profile **out, pk_profile *acc, const void *buf, size_t len,
                          const char *name, const pk_read_opts *opts, pk_error *err)
{
    pk_read_opts defaults = PK_READ_OPTS_INIT;

    *out = NULL;
    return read_buffer(out, pstats_acc(acc), buf, len, name, opts ? opts : &defaults, err);
}

int pk_write(FILE *f, pk_profile *p, const pk_write_opts *opts, pk_error *err)
{
    pk_write_opts defaults = PK_WRITE_OPTS_INIT;
    pk_buf out = PK_BUF_INIT;
    int rc;

    if (!opts)
        opts = &defaults;
    if (opts->format == PK_FORMAT_FOLDED)
        return pk_folded__write(f, p, err); /* streams its lines to f */
    if (opts->format == PK_FORMAT_SPEEDSCOPE)
        return pk_speedscope__write(f, p, err); /* streams too */
    if (opts->format == PK_FORMAT_LPROF)
        rc = pk_lprof__write(&out, p, err);
    else if (opts->format == PK_FORMAT_MPROF)
        rc = pk_mprof__write(&out, p, err);
    else if (opts->format == PK_FORMAT_CALLGRIND)
        rc = pk_callgrind__write(&out, p, err);
    else if (opts->format == PK_FORMAT_PPROF)
        rc = pk_pprof__write(&out, p, err);
    else if (opts->format != PK_FORMAT_PSTATS)
        return pk_error_set(err, PK_EINVAL, NULL, -1, "no writer for format %s",
                            pk_format_name(opts->format));
    else
        rc = pk_pstats__write(&out, p, opts->marshal_version, err);
    if (rc == PK_OK && out.len && fwrite(out.data, 1, out.len, f) != out.len)
        rc = pk_error_set(err, PK_EIO, NULL, -1, "write failed: %s", strerror(errno));
    pk_buf_dispose(&out);
    return rc;
}
