/*
 * zlib's allocations routed through pk_malloc, so that allocation-failure
 * tests reach zlib's failures too. For every z_stream the library makes.
 */
#ifndef PK_FORMATS_ZALLOC_H
#define PK_FORMATS_ZALLOC_H

#include <zlib.h>

/* Sets z's zalloc, zfree and opaque (before inflateInit/deflateInit). */
void pk_zlib_use_pk_alloc(z_stream *z);

#endif
