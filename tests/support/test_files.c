/* Shared helpers of the reader unit tests (see test_files.h). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <profkit/profkit.h>

#include "alloc.h"
#include "test_files.h"

#ifndef PK_SOURCE_ROOT
#define PK_SOURCE_ROOT "."
#endif

static void full_path(char *out, size_t n, const char *path)
{
    int w = path[0] == '/' ? snprintf(out, n, "%s", path)
                           : snprintf(out, n, "%s/%s", PK_SOURCE_ROOT, path);
    if (w < 0 || (size_t)w >= n)
        fail_msg("path too long: %s", path);
}

uint8_t *pk_test_load(const char *path, size_t *len)
{
    char full[8192];
    FILE *f;
    uint8_t *buf;
    long n;

    full_path(full, sizeof full, path);
    f = fopen(full, "rb");
    if (!f)
        fail_msg("cannot open %s", full);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

char **pk_test_list(const char *dir, const char *suffix, bool with_dir, size_t min_count)
{
    char full[8192], path[4096];
    DIR *d;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0;

    full_path(full, sizeof full, dir);
    d = opendir(full);
    if (!d)
        fail_msg("cannot list %s", full);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !ends_with(e->d_name, suffix))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        names = realloc(names, (n + 2) * sizeof *names);
        assert_non_null(names);
        names[n] = strdup(with_dir ? path : e->d_name);
        assert_non_null(names[n]);
        n++;
    }
    closedir(d);
    if (n < min_count)
        fail_msg("%s: %zu files ending in '%s', expected at least %zu", full, n, suffix, min_count);
    qsort(names, n, sizeof *names, cmp_names);
    names[n] = NULL;
    return names;
}

void pk_test_free_names(char **names)
{
    size_t i;
    for (i = 0; names[i]; i++)
        free(names[i]);
    free(names);
}

void pk_test_each_bad_file(const char *dir, size_t min_count,
                           void (*check)(const uint8_t *data, size_t len, const char *name,
                                         const char *message))
{
    char line[1024], path[4096], full[8192];
    FILE *list;
    size_t count = 0;

    snprintf(path, sizeof path, "%s/expected.txt", dir);
    full_path(full, sizeof full, path);
    list = fopen(full, "r");
    if (!list)
        fail_msg("cannot open %s", full);
    while (fgets(line, sizeof line, list)) {
        char *tab = strchr(line, '\t');
        uint8_t *data;
        size_t len;

        assert_non_null(tab);
        *tab = '\0';
        tab[1 + strcspn(tab + 1, "\n")] = '\0';
        snprintf(path, sizeof path, "%s/%s", dir, line);
        data = pk_test_load(path, &len);
        check(data, len, line, tab + 1);
        free(data);
        count++;
    }
    fclose(list);
    assert_true(count >= min_count);
}

void pk_test_every_prefix_fails(pk_test_read_fn read, const char *format, const uint8_t *data,
                                size_t len, const char *name)
{
    pk_profile *p = NULL;
    pk_error err = PK_ERROR_INIT;
    size_t n;

    for (n = 0; n < len; n++) {
        uint8_t *prefix = malloc(n ? n : 1);
        assert_non_null(prefix);
        memcpy(prefix, data, n);
        pk_error_clear(&err);
        if (read(&p, prefix, n, &err) != PK_EFORMAT)
            fail_msg("%s: prefix of %zu bytes did not fail", name, n);
        assert_int_equal(err.code, PK_EFORMAT);
        assert_string_equal(err.format, format);
        assert_true(err.msg[0] != '\0');
        /* It says where: a byte offset inside the prefix, or a line. */
        assert_true(err.offset >= 0 || err.line > 0);
        assert_true(err.offset <= (int64_t)n);
        pk_profile_free(p);
        p = NULL;
        free(prefix);
    }
    pk_error_clear(&err);
    if (read(&p, data, len, &err) != PK_OK)
        fail_msg("%s: the whole file did not read: %s", name, err.msg);
    pk_profile_free(p);
}

long pk_test_alloc_failures(int (*op)(void *ctx, pk_error *err), void *ctx)
{
    long k;

    for (k = 0;; k++) {
        pk_error err = PK_ERROR_INIT;
        int rc;

        pk_alloc_fail_after(k);
        rc = op(ctx, &err);
        pk_alloc_fail_after(-1);
        if (rc == PK_OK)
            return k;
        if (rc != PK_ENOMEM || err.code != PK_ENOMEM)
            fail_msg("allocation %ld failing gave status %d (%s)", k, rc, err.msg);
        assert_true(k < 1000000);
    }
}

typedef struct read_case {
    pk_test_read_into_fn read;
    const char *format;
    const uint8_t *data;
    size_t len;
} read_case;

static int read_fresh(void *ctx, pk_error *err)
{
    const read_case *c = ctx;
    pk_profile *p;
    int rc = pk_profile_new(&p);

    if (rc != PK_OK)
        return pk_error_set(err, rc, c->format, -1, "out of memory");
    rc = c->read(p, c->data, c->len, err);
    pk_profile_free(p);
    return rc;
}

long pk_test_read_alloc_failures(pk_test_read_into_fn read, const char *format,
                                 const uint8_t *data, size_t len)
{
    read_case c;

    c.read = read;
    c.format = format;
    c.data = data;
    c.len = len;
    return pk_test_alloc_failures(read_fresh, &c);
}
