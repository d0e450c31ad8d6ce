#include "zalloc.h"

#include "alloc.h"

static voidpf zlib_alloc(voidpf opaque, uInt items, uInt size)
{
    size_t n;
    (void)opaque;
    return pk_size_mul(&n, items, size) ? pk_malloc(n) : Z_NULL;
}

static void zlib_free(voidpf opaque, voidpf p)
{
    (void)opaque;
    pk_free(p);
}

void pk_zlib_use_pk_alloc(z_stream *z)
{
    z->zalloc = zlib_alloc;
    z->zfree = zlib_free;
    z->opaque = Z_NULL;
}
