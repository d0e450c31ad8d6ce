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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *write_folded(pk_profile *p, size_t *len)
{
    pk_write_opts wo = PK_WRITE_OPTS_INIT;
    pk_error err = PK_ERROR_INIT;
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);

    if (!f)
        abort();
    wo.format = PK_FORMAT_FOLDED;
    if (pk_write(f, p, &wo, &err) != PK_OK || fclose(f) != 0) {
        fprintf(stderr, "writing folded failed: %s\n", err.msg);
        abort();
    }
    return buf;
}

static pk_profile *read_back(const char *buf, size_t len)
{
    pk_read_opts ro = PK_READ_OPTS_INIT;
    pk_error err = PK_ERROR_INIT;
    pk_profile *p = NULL;

    ro.format = PK_FORMAT_FOLDED;
    if (pk_read_buffer(&p, buf, len, "round-trip", &ro, &err) != PK_OK) {
        fprintf(stderr, "reading back failed: %s\n", err.msg);
        abort();
    }
    return p;
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
    pk_read_opts ro = PK_READ_OPTS_INIT;
    pk_error err = PK_ERROR_INIT;
    pk_profile *p = NULL, *back, *rev = NULL;
    char *w1, *w2;
    size_t l1, l2;

    ro.format = PK_FORMAT_FOLDED;
    ro.max_input = (size_t)64 << 20;
    if (pk_read_buffer(&p, data, size, "fuzz", &ro, &err) != PK_OK) {
        if (err.code == PK_OK || err.msg[0] == '\0')
            abort(); /* a failure must explain itself */
        return 0;
    }
    w1 = write_folded(p, &l1);
    back = read_back(w1, l1);
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
