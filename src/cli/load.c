#include "cli.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <profkit/analysis.h>

size_t pk_cli_merge_index(size_t i, size_t n)
{
    return i == 0 ? 0 : n - i;
}

bool pk_cli_parse_size(const char *s, size_t *out)
{
    static const char units[] = "KMG";
    size_t len = strlen(s), shift = 0;
    const char *unit = len ? strchr(units, s[len - 1]) : NULL;
    char digits[32];
    long long v;

    if (unit && *unit) {
        shift = 10 * (size_t)(unit - units + 1);
        len--;
    }
    if (len == 0 || len >= sizeof digits)
        return false;
    memcpy(digits, s, len);
    digits[len] = '\0';
    if (!pk_cli_parse_long(digits, &v) || v <= 0 || (uint64_t)v > (SIZE_MAX >> shift))
        return false;
    *out = (size_t)v << shift;
    return true;
}

/* opts with PROFKIT_MAX_INPUT applied, when set. */
static int with_env_limit(pk_read_opts *o, const pk_read_opts *opts, pk_error *err)
{
    const char *limit = getenv("PROFKIT_MAX_INPUT");

    *o = *opts;
    if (limit && *limit && !pk_cli_parse_size(limit, &o->max_input))
        return pk_error_set(err, PK_EINVAL, NULL, -1,
                            "PROFKIT_MAX_INPUT='%s' is not a size (bytes, or a number with K, M or G)",
                            limit);
    return PK_OK;
}

int pk_cli_read(pk_profile **out, const char *path, const pk_read_opts *opts,
                pk_error *err)
{
    pk_read_opts o;
    int rc = with_env_limit(&o, opts, err);

    *out = NULL;
    return rc == PK_OK ? pk_read(out, path, &o, err) : rc;
}

/* Successive pstats files are added to one profile as they are read
 * (pk_read_adding); anything else is read on its own, and the pieces are
 * merged at the end. */
int pk_cli_load_merged(pk_profile **out, char *const *paths, size_t n,
                       const pk_read_opts *opts, pk_error *err)
{
    pk_profile **parts = calloc(n ? n : 1, sizeof *parts), *acc = NULL;
    pk_read_opts o;
    size_t nparts = 0, i;
    int rc = parts ? with_env_limit(&o, opts, err)
                   : pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory");

    *out = NULL;
    for (i = 0; rc == PK_OK && i < n; i++) {
        pk_profile *p = NULL;
        rc = pk_read_adding(&p, acc, paths[pk_cli_merge_index(i, n)], &o, err);
        if (rc == PK_OK && p)
            parts[nparts++] = acc = p;
    }
    if (rc == PK_OK && nparts == 1) {
        *out = parts[0]; /* nothing (more) to merge */
        parts[0] = NULL;
    } else if (rc == PK_OK) {
        rc = pk_profile_merge(out, parts, nparts, err);
    }
    for (i = 0; parts && i < nparts; i++)
        pk_profile_free(parts[i]);
    free(parts);
    return rc;
}
