/*
 * Fuzz target for merging pstats files by adding them one by one
 * (pk_read_buffer_adding): the merged profile must be identical to
 * pk_profile_merge() of the files read alone (profile_eq.h's strict
 * comparison: every function in order, flags, stats, callers, callees,
 * total time, source).
 *
 * Input: one or more pstats files joined by the 8-byte marker
 *   "\n--PK--\n"   (0a 2d 2d 50 4b 2d 2d 0a)
 * which marshal data practically never holds. Up to MAX_PARTS parts; the
 * last one takes the rest of the input, markers included. A single part
 * is merged with itself. tests/fuzz/make_merge_seeds.py writes the seeds.
 *
 * When a part does not read alone, adding it must fail the same way (same
 * code, message and offset) once the chain reaches it, and every part
 * before it must add cleanly. Any crash, leak, UB or difference is a
 * finding.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <profkit/profkit.h>

#include "fuzz_support.h"
#include "profile_eq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char MARKER[] = "\n--PK--\n";
#define MARKER_LEN (sizeof MARKER - 1)
#define MAX_PARTS 8

typedef struct part {
    const uint8_t *data;
    size_t len;
} part;

/* Where the marker next starts at or after from, or size if nowhere. */
static size_t find_marker(const uint8_t *data, size_t size, size_t from)
{
    size_t i;

    for (i = from; i + MARKER_LEN <= size; i++) {
        if (memcmp(data + i, MARKER, MARKER_LEN) == 0)
            return i;
    }
    return size;
}

/* Splits the input at the markers into parts (a single one is doubled);
 * returns how many, at least 2. */
static size_t split(part *parts, const uint8_t *data, size_t size)
{
    size_t n = 0, start = 0;

    while (n + 1 < MAX_PARTS) {
        size_t end = find_marker(data, size, start);
        if (end == size)
            break;
        parts[n].data = data + start;
        parts[n++].len = end - start;
        start = end + MARKER_LEN;
    }
    parts[n].data = data + start;
    parts[n++].len = size - start;
    if (n == 1)
        parts[n++] = parts[0];
    return n;
}

static void part_name(char *name, size_t n, size_t i)
{
    snprintf(name, n, "part %zu", i + 1);
}

static pk_read_opts pstats_opts(void)
{
    pk_read_opts ro = PK_READ_OPTS_INIT;

    ro.format = PK_FORMAT_PSTATS;
    ro.max_input = PK_FUZZ_MAX_INPUT;
    return ro;
}

/* Part i read alone; a failure must explain itself. */
static int read_alone(pk_profile **out, const part *parts, size_t i, pk_error *err)
{
    pk_read_opts ro = pstats_opts();
    char name[32];
    int rc;

    part_name(name, sizeof name, i);
    rc = pk_read_buffer(out, parts[i].data, parts[i].len, name, &ro, err);
    if (rc != PK_OK && (err->code != rc || err->msg[0] == '\0'))
        pk_fuzz_fail("a failed read without its message", NULL);
    return rc;
}

/* Part i added to acc; *out must stay NULL either way. */
static int add_part(pk_profile *acc, const part *parts, size_t i, pk_error *err)
{
    pk_read_opts ro = pstats_opts();
    pk_profile *out = NULL;
    char name[32];
    int rc;

    part_name(name, sizeof name, i);
    rc = pk_read_buffer_adding(&out, acc, parts[i].data, parts[i].len, name, &ro, err);
    if (out)
        pk_fuzz_fail("adding pstats to pstats made a profile of its own", name);
    return rc;
}

/* The failure of adding a part must be the one of reading it alone. */
static void assert_same_failure(int rc_alone, const pk_error *alone, int rc_added,
                                const pk_error *added)
{
    char a[1024], b[1024], both[2100];

    pk_error_format(a, sizeof a, alone);
    if (rc_added == PK_OK)
        pk_fuzz_fail("a part that fails alone was added", a);
    pk_error_format(b, sizeof b, added);
    snprintf(both, sizeof both, "alone \"%s\" (offset %lld), added \"%s\" (offset %lld)", a,
             (long long)alone->offset, b, (long long)added->offset);
    if (rc_added != rc_alone || added->code != alone->code || strcmp(a, b) != 0 ||
        added->offset != alone->offset || added->line != alone->line)
        pk_fuzz_fail("adding failed unlike reading alone", both);
}

/* Adds parts 1..upto-1 to acc, which must work, and then part upto
 * (when upto < n), which must fail as it did alone (err_alone). */
static void add_chain(pk_profile *acc, const part *parts, size_t n, size_t upto,
                      int rc_alone, const pk_error *err_alone)
{
    size_t i;

    for (i = 1; i < n && i <= upto; i++) {
        pk_error err = PK_ERROR_INIT;
        int rc = add_part(acc, parts, i, &err);
        if (i == upto) {
            assert_same_failure(rc_alone, err_alone, rc, &err);
            return;
        }
        if (rc != PK_OK)
            pk_fuzz_fail("adding a part that reads alone failed", err.msg);
    }
}

static void assert_add_is_merge(pk_profile *acc, pk_profile *const *alone, size_t n)
{
    pk_profile *merged = NULL;
    pk_error err = PK_ERROR_INIT;
    char why[160];

    if (pk_profile_merge(&merged, alone, n, &err) != PK_OK)
        pk_fuzz_fail("merging failed", err.msg);
    if (!pk_test_profiles_identical(acc, merged, why, sizeof why))
        pk_fuzz_fail("adding differs from pk_profile_merge", why);
    pk_profile_free(merged);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    part parts[MAX_PARTS];
    pk_profile *alone[MAX_PARTS] = {NULL}, *acc = NULL;
    pk_error err_alone = PK_ERROR_INIT, err_first = PK_ERROR_INIT;
    size_t n = split(parts, data, size), bad = n, i;
    int rc_alone = PK_OK;

    /* Each part alone, up to the first that fails. */
    for (i = 0; i < n && bad == n; i++) {
        rc_alone = read_alone(&alone[i], parts, i, &err_alone);
        if (rc_alone != PK_OK)
            bad = i;
    }
    /* The chain starts from a fresh read of the first part: the merge
     * needs alone[0] as it was. */
    if (bad > 0) {
        if (read_alone(&acc, parts, 0, &err_first) != PK_OK)
            pk_fuzz_fail("the first part read once but not twice", err_first.msg);
        add_chain(acc, parts, n, bad, rc_alone, &err_alone);
        if (bad == n)
            assert_add_is_merge(acc, alone, n);
    }
    pk_profile_free(acc);
    for (i = 0; i < n; i++)
        pk_profile_free(alone[i]);
    return 0;
}
