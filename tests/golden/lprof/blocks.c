/*
 * Test helper for check_getblock.py: for each FILE, prints "FILE N" (its
 * line count as linecache reads it) and then, for every line i, how many
 * lines pk_pysource_block() gives for a function starting there: what
 * inspect.getblock(lines[i:]) returns in Python.
 */
#include <stdio.h>

#include <profkit/error.h>

#include "pysource.h"

int main(int argc, char **argv)
{
    int a;

    for (a = 1; a < argc; a++) {
        pk_pysource s;
        size_t i, n;

        if (pk_pysource_load(&s, argv[a]) != PK_OK) {
            fprintf(stderr, "blocks: out of memory reading %s\n", argv[a]);
            return 3;
        }
        printf("%s %zu\n", argv[a], s.nlines);
        for (i = 0; i < s.nlines; i++) {
            if (pk_pysource_block(&n, &s, i) != PK_OK) {
                fprintf(stderr, "blocks: out of memory\n");
                return 3;
            }
            printf("%zu\n", n);
        }
        pk_pysource_dispose(&s);
    }
    return ferror(stdout) ? 3 : 0;
}
