#include "cli.h"

#include <stdlib.h>

#include <profkit/analysis.h>

size_t pk_cli_merge_index(size_t i, size_t n)
{
    return i == 0 ? 0 : n - i;
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
        rc = pk_read(&loaded[i], paths[pk_cli_merge_index(i, n)], opts, err);
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
