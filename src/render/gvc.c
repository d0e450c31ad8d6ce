/*
 * Rendering a call graph through Graphviz in this process: the DOT text
 * of dot.c goes to cgraph's agmemread(), is laid out by the dot engine and
 * rendered by whatever plugin offers the format, exactly as `dot -T` would
 * do with the same text.
 *
 * Graphviz reports problems through agerr(), which prints to stderr unless
 * an error function is installed; one is, for the duration of a call, and
 * collects the text so the first error becomes the one line of pk_error.
 * Graphviz keeps that hook (and much else) in globals, so neither it nor
 * this file is safe to use from two threads at once.
 */
#include "dot.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#include <stdlib.h>
#include <string.h>

/* What Graphviz said during the current call (fragments concatenated). */
static char gv_said[1024];
static size_t gv_said_len;

static int collect(char *text)
{
    size_t n = strlen(text);
    if (n > sizeof gv_said - 1 - gv_said_len)
        n = sizeof gv_said - 1 - gv_said_len;
    memcpy(gv_said + gv_said_len, text, n);
    gv_said_len += n;
    gv_said[gv_said_len] = '\0';
    return 0;
}

/* The first "Error: ..." line Graphviz produced, without the prefix, or
 * its first line of any kind. */
static const char *first_error(char *buf, size_t n)
{
    const char *at = strstr(gv_said, "Error: ");
    size_t len;

    at = at ? at + 7 : gv_said;
    len = strcspn(at, "\n");
    if (len >= n)
        len = n - 1;
    memcpy(buf, at, len);
    buf[len] = '\0';
    return len ? buf : "no reason given";
}

static int gv_fail(pk_error *err, const char *what)
{
    char said[200];
    return pk_error_set(err, PK_EIO, "graphviz", -1, "%s: %s", what,
                        first_error(said, sizeof said));
}

/* Whether a plugin of this kind ("layout", "device") offers name. */
static bool has_plugin(GVC_t *gvc, const char *kind, const char *name)
{
    int n = 0, i;
    char **list = gvPluginList(gvc, kind, &n, NULL);
    bool found = false;

    for (i = 0; i < n; i++) {
        found |= strcmp(list[i], name) == 0;
        free(list[i]);
    }
    free(list);
    return found;
}

static int lay_out_and_render(GVC_t *gvc, FILE *out, const char *dot, const char *format,
                              pk_error *err)
{
    Agraph_t *graph;
    int rc = PK_OK;

    if (!has_plugin(gvc, "layout", "dot"))
        return pk_error_set(err, PK_EIO, "graphviz", -1,
                            "no plugin for the dot layout (are Graphviz's plugins installed?)");
    if (!has_plugin(gvc, "device", format))
        return pk_error_set(err, PK_EIO, "graphviz", -1,
                            "no plugin renders format '%s' (are Graphviz's plugins installed?)",
                            format);
    graph = agmemread(dot);
    if (!graph)
        return gv_fail(err, "cannot read the DOT text");
    if (gvLayout(gvc, graph, "dot") != 0) {
        rc = gv_fail(err, "layout failed");
    } else {
        if (gvRender(gvc, graph, format, out) != 0)
            rc = gv_fail(err, "rendering failed");
        gvFreeLayout(gvc, graph);
    }
    agclose(graph);
    return rc;
}

int pk_callgraph_render(FILE *out, pk_callgraph *g, const pk_dot_opts *o,
                        const char *format, pk_error *err)
{
    pk_buf dot = PK_BUF_INIT;
    agusererrf old_handler;
    agerrlevel_t old_level;
    GVC_t *gvc;
    int rc = pk_dot__build(&dot, g, o, err);

    if (rc == PK_OK) {
        pk_buf_byte(&dot, 0);
        if (dot.failed)
            rc = pk_error_set(err, PK_ENOMEM, NULL, -1, "out of memory writing DOT");
    }
    if (rc != PK_OK) {
        pk_buf_dispose(&dot);
        return rc;
    }
    gv_said_len = 0;
    gv_said[0] = '\0';
    old_handler = agseterrf(collect);
    old_level = agseterr(AGWARN);
    gvc = gvContext();
    if (!gvc)
        rc = pk_error_set(err, PK_EIO, "graphviz", -1, "cannot start Graphviz");
    else
        rc = lay_out_and_render(gvc, out, (const char *)dot.data, format, err);
    if (gvc)
        gvFreeContext(gvc);
    agreseterrors();
    agseterr(old_level);
    agseterrf(old_handler);
    pk_buf_dispose(&dot);
    return rc;
}
