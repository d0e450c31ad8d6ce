/*
 * Fuzz target for the folded reader: read; if that works, write folded,
 * read that back and write again: the two writes must be the same bytes and
 * describe the same stacks. Then lay out and draw the flame graph (forward
 * and reversed), which walks the tree in flamegraph.pl's order. A failed
 * read must say why. Any crash, leak or UB is a finding.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <profkit/profkit.h>

#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *write_folded(pk_profile *p, size_t *len)
{
    pk_write_opts wo = PK_WRITE_OPTS_INIT;
    wo.format = PK_FORMAT_FOLDED;
    return pk_fuzz_write(p, &wo, len);
}

/* Drawing may refuse (no counts), but must say why. */
static void draw(pk_profile *p)
{
    pk_flame_opts fo = PK_FLAME_OPTS_INIT;
    pk_error err = PK_ERROR_INIT;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (!f)
        abort();
    fo.min_width = 0; /* every frame, zero-width ones too */
    if (pk_render_flame_svg(f, p, &fo, NULL, &err) != PK_OK && err.msg[0] == '\0')
        abort();
    fclose(f);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pk_error err = PK_ERROR_INIT;
    pk_profile *p = pk_fuzz_read(data, size, PK_FORMAT_FOLDED), *back, *rev = NULL;
    char *w1, *w2;
    size_t l1, l2;

    if (!p)
        return 0;
    w1 = write_folded(p, &l1);
    back = pk_fuzz_read_back(w1, l1, PK_FORMAT_FOLDED);
    w2 = write_folded(back, &l2);
    if (l1 != l2 || memcmp(w1, w2, l1) != 0 ||
        pk_stacks_node_count(p) != pk_stacks_node_count(back) ||
        pk_profile_func_count(p) != pk_profile_func_count(back)) {
        fprintf(stderr, "round trip changed the stacks\n");
        abort();
    }
    draw(p);
    if (pk_stacks_reversed(&rev, p, &err) != PK_OK)
        abort();
    draw(rev);
    pk_profile_free(rev);
    pk_profile_free(back);
    pk_profile_free(p);
    free(w1);
    free(w2);
    return 0;
}
