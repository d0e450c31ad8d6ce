/*
 * Legend labels for memory_profiler function names, as mprof's
 * function_labels() makes them: each name gets the shortest dotted suffix
 * that no other name's label shares. The algorithm is mprof's, step for
 * step, because its result depends on the order of its steps:
 *
 *   - every name starts as its last dotted part (level 1), grouped by label;
 *   - each pass takes the labels that more than one name has (in the order
 *     the labels were made), drops each one and re-labels its names one
 *     level longer; a re-labelled name whose new label already exists joins
 *     that label at the level that label has (dict.setdefault);
 *   - passes repeat until every label names one function.
 *
 * A name with fewer parts than its level keeps the whole name. Names are
 * distinct, so passes end; the pass cap only guards against inputs that
 * would make mprof itself loop.
 */
#include "memgroup.h"

#include <stdbool.h>
#include <string.h>

#include "alloc.h"

/* A label and the names that have it (a linked list through `next`). */
typedef struct label {
    const char *text;   /* a suffix of its first name */
    size_t len, level;
    size_t head, tail, count;
    bool alive;
} label;

typedef struct labeller {
    const char *const *names;
    size_t n;
    label *labels;      /* the live ones, in the order they were made */
    size_t nlabels, cap;
    size_t *next;       /* per name: the next name of its label, or n */
    size_t *of;         /* per name: its label */
} labeller;

/* The last `level` dotted parts of name, as ".".join(name.split(".")[-level:]). */
static const char *suffix(const char *name, size_t level)
{
    const char *p = name + strlen(name);

    while (p > name) {
        if (p[-1] == '.' && --level == 0)
            return p;
        p--;
    }
    return name;
}

/* state.setdefault(label, {level}).append(name i) */
static bool add_name(labeller *lb, size_t i, size_t level)
{
    const char *text = suffix(lb->names[i], level);
    size_t len = strlen(text), k;
    label *l = NULL;

    for (k = 0; k < lb->nlabels && !l; k++) {
        label *c = &lb->labels[k];
        if (c->alive && c->len == len && memcmp(c->text, text, len) == 0)
            l = c;
    }
    if (!l) {
        if (!pk_grow((void **)&lb->labels, &lb->cap, lb->nlabels + 1, sizeof *lb->labels))
            return false;
        l = &lb->labels[lb->nlabels++];
        memset(l, 0, sizeof *l);
        l->text = text;
        l->len = len;
        l->level = level;
        l->head = lb->n;
        l->alive = true;
    }
    lb->next[i] = lb->n;
    if (l->count++ == 0)
        l->head = i;
    else
        lb->next[l->tail] = i;
    l->tail = i;
    lb->of[i] = (size_t)(l - lb->labels);
    return true;
}

/* Drops the dropped labels, keeping the order of the others. */
static void compact(labeller *lb)
{
    size_t k, kept = 0, i;

    for (k = 0; k < lb->nlabels; k++) {
        if (!lb->labels[k].alive)
            continue;
        for (i = lb->labels[k].head; i < lb->n; i = lb->next[i])
            lb->of[i] = kept;
        lb->labels[kept++] = lb->labels[k];
    }
    lb->nlabels = kept;
}

/* One pass over the labels that were ambiguous when it started; false on
 * allocation failure, *changed whether there was any. */
static bool relabel_pass(labeller *lb, bool *changed)
{
    size_t nambiguous = 0, k, *ambiguous = pk_calloc(lb->nlabels ? lb->nlabels : 1,
                                                      sizeof *ambiguous);

    if (!ambiguous)
        return false;
    for (k = 0; k < lb->nlabels; k++)
        if (lb->labels[k].alive && lb->labels[k].count > 1)
            ambiguous[nambiguous++] = k;
    *changed = nambiguous > 0;
    for (k = 0; k < nambiguous; k++) {
        /* read it now: earlier re-labellings in this pass may have joined it */
        size_t i = lb->labels[ambiguous[k]].head, level = lb->labels[ambiguous[k]].level + 1;
        lb->labels[ambiguous[k]].alive = false;
        while (i < lb->n) {
            size_t following = lb->next[i];
            if (!add_name(lb, i, level)) {
                pk_free(ambiguous);
                return false;
            }
            i = following;
        }
    }
    pk_free(ambiguous);
    compact(lb);
    return true;
}

int pk_mem__labels(const char **out, const char *const *names, size_t n)
{
    labeller lb;
    size_t i, pass;
    bool changed = true, ok = true;

    memset(&lb, 0, sizeof lb);
    lb.names = names;
    lb.n = n;
    lb.next = pk_calloc(n ? n : 1, sizeof *lb.next);
    lb.of = pk_calloc(n ? n : 1, sizeof *lb.of);
    ok = lb.next && lb.of;
    for (i = 0; ok && i < n; i++)
        ok = add_name(&lb, i, 1);
    for (pass = 0; ok && changed && pass < PK_MEM_LABEL_MAX_PASSES; pass++)
        ok = relabel_pass(&lb, &changed);
    for (i = 0; ok && i < n; i++)
        out[i] = names[i] + strlen(names[i]) - lb.labels[lb.of[i]].len;
    pk_free(lb.labels);
    pk_free(lb.next);
    pk_free(lb.of);
    return ok ? PK_OK : PK_ENOMEM;
}
