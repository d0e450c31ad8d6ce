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

int pk_cli_read(pk_profile **out, const char *path, const pk_read_opts *opts,
                pk_error *err)
{
    const char *limit = getenv("PROFKIT_MAX_INPUT");
    pk_read_opts o = *opts;

    *out = NULL;
    if (limit && *limit && !pk_cli_parse_size(limit, &o.max_input))
        return pk_error_set(err, PK_EINVAL, NULL, -1,
                            "PROFKIT_MAX_INPUT='%s' is not a size (bytes, or a number with K, M or G)",
                            limit);
    return pk_read(out, path, &o, err);
}

int pk_cli_load_merged(pk_profile **out, char *const *paths, size_t n,
                       const pk_read_opts *opts, pk_error *err)
{
    pk_profile **loaded = calloc(n ? n : 1, sizeof *loaded);
    size_t i;
    int rc = PK_OK;

    *out = NULL;
    if (!loaded)
        return pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory");
    for (i = 0; rc == PK_OK && i < n; i++)
        rc = pk_cli_read(&loaded[i], paths[pk_cli_merge_index(i, n)], opts, err);
    if (rc == PK_OK && n == 1) {
        *out = loaded[0]; /* nothing to merge */
        loaded[0] = NULL;
    } else if (rc == PK_OK) {
        rc = pk_profile_merge(out, loaded, n, err);
    }
    for (i = 0; i < n; i++)
        pk_profile_free(loaded[i]);
    free(loaded);
    return rc;
}
