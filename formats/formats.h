/*
 * What each format module offers the loader (io.c) and the writers.
 * Not public: tools reach formats only through <profkit/io.h>.
 */
#ifndef PK_FORMATS_FORMATS_H
#define PK_FORMATS_FORMATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <profkit/error.h>
#include <profkit/io.h>
#include <profkit/profile.h>

#include "buf.h"

/* True when buf plausibly starts a marshalled pstats dict. */
bool pk_pstats__sniff(const uint8_t *buf, size_t len);

/*
 * Reads a marshalled pstats dict (any producer, Python 2.7 - 3.13) into the
 * empty profile p. The whole buffer must be consumed. Sets the profile's
 * total time. Returns PK_OK, PK_EFORMAT, PK_EUNSUPPORTED or PK_ENOMEM; err
 * gets the format "pstats" and the offset of the bad item.
 */
int pk_pstats__read(pk_profile *p, const uint8_t *buf, size_t len, pk_error *err);

/*
 * Adds a marshalled pstats dict to p, which may hold other files read or
 * added before, as pstats.Stats.add does: p then equals what
 * pk_profile_merge() makes of those files' profiles and this one's. Same
 * returns as pk_pstats__read(); on failure p is only fit to be freed.
 */
int pk_pstats__add(pk_profile *p, const uint8_t *buf, size_t len, pk_error *err);

/*
 * Appends the pstats dict for p to out, in marshal version 2 (loads in
 * Python 2.7 and 3.x) or 4 (what Python 3.4+ writes). Returns PK_OK,
 * PK_EINVAL (bad version) or PK_ENOMEM.
 */
int pk_pstats__write(pk_buf *out, pk_profile *p, int marshal_version,
                     pk_error *err);

/*
 * The other formats follow the same pattern: _sniff says whether the bytes
 * look like the format, _read fills an empty profile from the whole buffer
 * (err gets the format name and the byte offset or line), _write appends
 * the profile in that format.
 */
bool pk_folded__sniff(const uint8_t *buf, size_t len);
int pk_folded__read(pk_profile *p, const uint8_t *buf, size_t len, pk_error *err);

/* pk_folded__read() with pk_read_opts' keep_order and stacks_only. */
int pk_folded__read_with(pk_profile *p, const uint8_t *buf, size_t len,
                         const pk_read_opts *opts, pk_error *err);

/*
 * The folded reader in pieces, for streaming: begin, feed any number of
 * pieces (lines may be cut anywhere), end, then free (always, also after
 * a failure). Only a partial line is kept between pieces. end() derives
 * the functions and edges unless opts->stacks_only; opts may be NULL. Each returns PK_OK, PK_EFORMAT or PK_ENOMEM;
 * err is the one given to begin().
 */
typedef struct pk_folded__reader pk_folded__reader;
int pk_folded__begin(pk_folded__reader **out, pk_profile *p, const pk_read_opts *opts,
                     pk_error *err);
int pk_folded__feed(pk_folded__reader *r, const uint8_t *buf, size_t len);
int pk_folded__end(pk_folded__reader *r);
void pk_folded__reader_free(pk_folded__reader *r);

/* Writes p's stacks as folded lines to f, in flamegraph.pl's sort order.
 * PK_OK, PK_ENODATA (no stacks), PK_EIO or PK_ENOMEM. */
int pk_folded__write(FILE *f, pk_profile *p, pk_error *err);

bool pk_lprof__sniff(const uint8_t *buf, size_t len);
int pk_lprof__read(pk_profile *p, const uint8_t *buf, size_t len, pk_error *err);
/* Appends p's line data as a pickled LineStats (protocol 4) that
 * line_profiler's load_stats() reads. PK_OK, PK_ENODATA (no line data),
 * PK_EINVAL or PK_ENOMEM. */
int pk_lprof__write(pk_buf *out, pk_profile *p, pk_error *err);

bool pk_mprof__sniff(const uint8_t *buf, size_t len);
int pk_mprof__read(pk_profile *p, const uint8_t *buf, size_t len, pk_error *err);
/* Appends p's memory runs as an mprof .dat (numbers exact, in mprof's
 * layout when that is exact). PK_OK, PK_ENODATA (no memory part) or PK_ENOMEM. */
int pk_mprof__write(pk_buf *out, const pk_profile *p, pk_error *err);

/* Writes p's stacks to f as one speedscope "sampled" profile. A profile
 * without stacks first gets approximate ones from its call ratios
 * (pk_stacks_from_calls, so p gains a stacks part). PK_OK, PK_ENODATA (no
 * stacks and no functions, or differential stacks), PK_EIO or PK_ENOMEM. */
int pk_speedscope__write(FILE *f, pk_profile *p, pk_error *err);

/* Callgrind (callgrind.c reads, callgrind_write.c writes). The writer
 * appends p as a callgrind file: PK_OK, PK_EINVAL (a name callgrind cannot
 * hold, a cost beyond 64 bits) or PK_ENOMEM. */
bool pk_callgrind__sniff(const uint8_t *buf, size_t len);
int pk_callgrind__read(pk_profile *p, const uint8_t *buf, size_t len, pk_error *err);
int pk_callgrind__write(pk_buf *out, pk_profile *p, pk_error *err);
/*
 * pprof's profile.proto, not compressed (pk_read undoes gzip first). The
 * reader keeps the sample value pprof shows by default (seconds for time
 * units) as stacks, and derives functions and edges from them unless
 * opts->stacks_only; opts may be NULL.
 */
bool pk_pprof__sniff(const uint8_t *buf, size_t len);
int pk_pprof__read(pk_profile *p, const uint8_t *buf, size_t len, pk_error *err);
int pk_pprof__read_with(pk_profile *p, const uint8_t *buf, size_t len,
                        const pk_read_opts *opts, pk_error *err);

/*
 * Appends p as a gzip-compressed profile.proto: one Sample per stack.
 * A profile without stacks (pstats) first gets approximate ones from its
 * call ratios (pk_stacks_from_calls), so p gains a stacks part. PK_OK,
 * PK_ENODATA (nothing to write) or PK_ENOMEM.
 */
int pk_pprof__write(pk_buf *out, pk_profile *p, pk_error *err);

#endif
