/*
 * The speedscope writer and the JSON string escaper it shares with the
 * csv/json renderers. What speedscope itself makes of our files is checked
 * in tests/browser/speedscope_consumer.mjs; here: the exact bytes, the
 * refusals, and allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <profkit/profkit.h>

#include "test_files.h"
#include "formats.h"
#include "json.h"

static char *escaped(const char *s, size_t len)
{
    pk_buf b = PK_BUF_INIT;
    char *out;

    pk_json__buf_str(&b, s, len);
    pk_buf_byte(&b, 0);
    assert_false(b.failed);
    out = strdup((const char *)b.data);
    pk_buf_dispose(&b);
    return out;
}

static void expect_escape(const char *in, size_t len, const char *want)
{
    char *got = escaped(in, len);
    assert_string_equal(got, want);
    free(got);
}

static void test_speedscope__json_strings_take_any_bytes(void **state)
{
    (void)state;
    expect_escape("plain", 5, "\"plain\"");
    expect_escape("q\"b\\", 4, "\"q\\\"b\\\\\"");
    expect_escape("a\nb\x01\x7f", 5, "\"a\\u000ab\\u0001\x7f\"");
    expect_escape("n\0ul", 4, "\"n\\u0000ul\"");
    /* UTF-8 stays as it is */
    expect_escape("gr\xc3\xb6\xc3\x9f" "e \xf0\x9f\x94\xa5", 12, "\"gr\xc3\xb6\xc3\x9f" "e \xf0\x9f\x94\xa5\"");
    /* a byte that starts no sequence: read as Latin-1 */
    expect_escape("bad\xffname", 8, "\"bad\\u00ffname\"");
    /* an encoded lone surrogate (pstats' undecodable file names) */
    expect_escape("x\xed\xb3\xbfy", 5, "\"x\\udcffy\"");
    /* overlong and truncated sequences are bytes, not characters */
    expect_escape("\xc0\xaf", 2, "\"\\u00c0\\u00af\"");
    expect_escape("\xe2\x82", 2, "\"\\u00e2\\u0082\"");
    expect_escape("\xf4\x90\x80\x80", 4, "\"\\u00f4\\u0090\\u0080\\u0080\"");
}

/* A profile with stacks main;leaf 3 and main 2 (main in py-spy form). */
static pk_profile *two_stacks(void)
{
    pk_profile *p = NULL;
    pk_str main_name, leaf_name;
    uint32_t main_node, leaf_node;

    if (pk_profile_new(&p) != PK_OK)
        return NULL;
    if (pk_stacks_init(p, 0) != PK_OK ||
        pk_profile_intern(&main_name, p, "main (a.py:1)", 13) != PK_OK ||
        pk_profile_intern(&leaf_name, p, "le\"af", 5) != PK_OK ||
        pk_stacks_child(&main_node, p, PK_STACK_ROOT, main_name) != PK_OK ||
        pk_stacks_child(&leaf_node, p, main_node, leaf_name) != PK_OK ||
        pk_stacks_add(p, main_node, PK_STR_EMPTY, 1, 2, 0, false) != PK_OK ||
        pk_stacks_add(p, leaf_node, PK_STR_EMPTY, 1, 3, 0, false) != PK_OK) {
        pk_profile_free(p);
        return NULL;
    }
    return p;
}

/* Runs the writer into a temporary file; returns its bytes (or NULL and
 * the status in *rc). */
static char *write_speedscope(int *rc, pk_profile *p, pk_error *err)
{
    FILE *f = tmpfile();
    char *text = NULL;
    long n;

    assert_non_null(f);
    *rc = pk_speedscope__write(f, p, err);
    if (*rc == PK_OK) {
        n = ftell(f);
        text = calloc(1, (size_t)n + 1);
        rewind(f);
        assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    }
    fclose(f);
    return text;
}

static void test_speedscope__sampled_profile_from_stacks(void **state)
{
    pk_profile *p = two_stacks();
    pk_error err = PK_ERROR_INIT;
    char *text;
    int rc;

    (void)state;
    assert_non_null(p);
    text = write_speedscope(&rc, p, &err);
    assert_int_equal(rc, PK_OK);
    assert_string_equal(text,
        "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\n"
        "\"shared\":{\"frames\":[\n"
        "{\"name\":\"main\",\"file\":\"a.py\",\"line\":1},\n"
        "{\"name\":\"le\\\"af\"}]},\n"
        "\"name\":\"sampled stacks\",\"activeProfileIndex\":0,\"exporter\":\"profkit\",\n"
        "\"profiles\":[{\"type\":\"sampled\",\"name\":\"sampled stacks\",\"unit\":\"none\","
        "\"startValue\":0,\"endValue\":5,\n"
        "\"samples\":[\n[0],\n[0,1]],\n"
        "\"weights\":[\n2,\n3]}]}\n");
    free(text);
    pk_profile_free(p);
}

static void test_speedscope__pstats_gets_named_approximate_stacks(void **state)
{
    pk_profile *p = NULL;
    pk_error err = PK_ERROR_INIT;
    pk_str file, a, b;
    uint32_t fa, fb, e;
    char *text;
    int rc;

    (void)state;
    assert_int_equal(pk_profile_new(&p), PK_OK);
    pk_profile_set_source(p, PK_SOURCE_PSTATS);
    assert_int_equal(pk_profile_intern(&file, p, "m.py", 4), PK_OK);
    assert_int_equal(pk_profile_intern(&a, p, "outer", 5), PK_OK);
    assert_int_equal(pk_profile_intern(&b, p, "inner", 5), PK_OK);
    assert_int_equal(pk_profile_func_get(&fa, NULL, p, file, 1, a), PK_OK);
    assert_int_equal(pk_profile_func_get(&fb, NULL, p, file, 5, b), PK_OK);
    pk_profile_func(p, fa)->stats = (pk_stats){1, 1, 0.25, 1.0};
    pk_profile_func(p, fb)->stats = (pk_stats){2, 2, 0.75, 0.75};
    assert_int_equal(pk_profile_edge_get(&e, NULL, p, fa, fb), PK_OK);
    pk_profile_edge(p, e)->stats = (pk_stats){2, 2, 0.75, 0.75};
    text = write_speedscope(&rc, p, &err);
    assert_int_equal(rc, PK_OK);
    assert_non_null(strstr(text, "\"name\":\"approximate stacks from call ratios (not sampled)\""));
    assert_non_null(strstr(text, "\"unit\":\"microseconds\""));
    assert_non_null(strstr(text, "\"samples\":[\n[0],\n[0,1]]"));
    assert_non_null(strstr(text, "\"weights\":[\n250000,\n750000]"));
    free(text);
    pk_profile_free(p);
}

static void test_speedscope__refuses_what_it_cannot_write(void **state)
{
    pk_profile *p = NULL;
    pk_error err = PK_ERROR_INIT;
    pk_str name;
    uint32_t node;
    int rc;

    (void)state;
    /* nothing at all: a memory series without function brackets */
    assert_int_equal(pk_profile_new(&p), PK_OK);
    pk_profile_set_source(p, PK_SOURCE_MPROF);
    assert_null(write_speedscope(&rc, p, &err));
    assert_int_equal(rc, PK_ENODATA);
    assert_string_equal(err.msg, "the profile has neither stacks nor function times to write as speedscope");
    pk_profile_free(p);

    /* differential stacks */
    pk_error_clear(&err);
    assert_int_equal(pk_profile_new(&p), PK_OK);
    assert_int_equal(pk_stacks_init(p, 0), PK_OK);
    assert_int_equal(pk_profile_intern(&name, p, "f", 1), PK_OK);
    assert_int_equal(pk_stacks_child(&node, p, PK_STACK_ROOT, name), PK_OK);
    assert_int_equal(pk_stacks_add(p, node, PK_STR_EMPTY, 1, 3, 1, true), PK_OK);
    assert_null(write_speedscope(&rc, p, &err));
    assert_int_equal(rc, PK_ENODATA);
    assert_non_null(strstr(err.msg, "differential"));
    pk_profile_free(p);
}

/* Writes a fresh two_stacks() profile. Its making is under the injected
 * failures too, as the helper gives no window outside them: a failure
 * there is reported as PK_ENOMEM, and only the writer's own failures must
 * carry the writer's message. */
static int write_two_stacks(void *ctx, pk_error *err)
{
    pk_profile *p = two_stacks();
    char *text;
    int rc;

    (void)ctx;
    if (!p)
        return pk_error_set(err, PK_ENOMEM, "speedscope", -1, "out of memory making the profile");
    text = write_speedscope(&rc, p, err);
    assert_true(rc == PK_OK || rc == PK_ENOMEM);
    if (rc == PK_ENOMEM)
        assert_string_equal(err->msg, "out of memory writing");
    free(text);
    pk_profile_free(p);
    return rc;
}

static void test_speedscope__survives_allocation_failures(void **state)
{
    (void)state;
    pk_test_alloc_failures(write_two_stacks, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_speedscope__json_strings_take_any_bytes),
        cmocka_unit_test(test_speedscope__sampled_profile_from_stacks),
        cmocka_unit_test(test_speedscope__pstats_gets_named_approximate_stacks),
        cmocka_unit_test(test_speedscope__refuses_what_it_cannot_write),
        cmocka_unit_test(test_speedscope__survives_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
