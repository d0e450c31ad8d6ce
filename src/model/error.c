#include <profkit/error.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void pk_error_clear(pk_error *err)
{
    pk_error empty = PK_ERROR_INIT;
    if (err)
        *err = empty;
}

int pk_error_set(pk_error *err, int code, const char *format, int64_t offset,
                 const char *fmt, ...)
{
    va_list ap;

    if (!err || err->code != PK_OK)
        return code;
    err->code = code;
    err->format = format;
    err->offset = offset;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

void pk_error_set_path(pk_error *err, const char *path)
{
    if (!err || !path || err->path[0] != '\0')
        return;
    snprintf(err->path, sizeof err->path, "%s", path);
}

size_t pk_error_format(char *buf, size_t n, const pk_error *err)
{
    const char *msg = err->msg[0] ? err->msg : pk_status_str(err->code);
    int len;

    if (err->path[0] && err->format)
        len = snprintf(buf, n, "%s: %s: %s", err->path, err->format, msg);
    else if (err->path[0])
        len = snprintf(buf, n, "%s: %s", err->path, msg);
    else if (err->format)
        len = snprintf(buf, n, "%s: %s", err->format, msg);
    else
        len = snprintf(buf, n, "%s", msg);
    return len < 0 ? 0 : (size_t)len;
}

const char *pk_status_str(int code)
{
    switch (code) {
    case PK_OK: return "success";
    case PK_ENOMEM: return "out of memory";
    case PK_EIO: return "input/output error";
    case PK_EFORMAT: return "corrupt or truncated input";
    case PK_EUNSUPPORTED: return "unsupported input";
    case PK_ENODATA: return "the profile lacks the data needed";
    case PK_EINVAL: return "invalid argument";
    default: return "unknown error";
    }
}
