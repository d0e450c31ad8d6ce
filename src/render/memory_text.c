/*
 * pstat-view's memory summary of mprof runs: text (starting with exactly
 * what `mprof peak` prints), CSV and JSON. See <profkit/memory.h>.
 */
#include <profkit/memory.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "memgroup.h"
#include "pyfmt.h"

/* One function's calls in a run. */
typedef struct func_sum {
    pk_str name;
    uint64_t calls;
    double total;      /* summed durations, seconds */
    double delta;      /* summed mem1 - mem0, MiB */
    double max_mib;    /* largest mem0 / mem1 */
} func_sum;

/* A series' peak relative to the run start. */
typedef struct peak {
    bool found;
    double mib, at;
} peak;

typedef struct run_sum {
    const pk_mem_run *run;
    double start, duration;
    bool timed;
    peak main;
    func_sum *funcs;
    size_t nfuncs;
} run_sum;

static peak series_peak(const pk_mem_series *s, double start)
{
    peak pk = {false, 0.0, 0.0};
    size_t i;
    if (pk_mem_series_peak(&i, s)) {
        pk.found = true;
        pk.mib = s->samples[i].mib;
        pk.at = s->samples[i].t - start;
    }
    return pk;
}

static int by_name_then_index(uint32_t a, uint32_t b, const pk_mem_call *calls)
{
    if (calls[a].name != calls[b].name)
        return calls[a].name < calls[b].name ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* qsort has no context argument: a small merge sort of call indices. */
static void sort_calls(uint32_t *idx, uint32_t *tmp, size_t n, const pk_mem_call *calls)
{
    size_t mid = n / 2, i = 0, j = mid, k = 0;
    if (n < 2)
        return;
    sort_calls(idx, tmp, mid, calls);
    sort_calls(idx + mid, tmp, n - mid, calls);
    while (i < mid && j < n)
        tmp[k++] = by_name_then_index(idx[j], idx[i], calls) < 0 ? idx[j++] : idx[i++];
    while (i < mid)
        tmp[k++] = idx[i++];
    while (j < n)
        tmp[k++] = idx[j++];
    memcpy(idx, tmp, n * sizeof *idx);
}

static int by_value(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return a < b ? -1 : a > b;
}

/* Index of v in the sorted array a[0..n) (v is there). */
static uint32_t rank_of(const uint32_t *a, size_t n, uint32_t v)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] <= v)
            lo = mid;
        else
            hi = mid;
    }
    return (uint32_t)lo;
}

int pk_mem__group_calls(uint32_t *group, uint32_t *first, size_t *ngroups_out,
                        const pk_mem_run *r)
{
    uint32_t *idx, *tmp, cur = 0;
    size_t i, bytes, ng = 0;

    *ngroups_out = 0;
    if (r->ncalls == 0)
        return PK_OK;
    if (r->ncalls > UINT32_MAX || !pk_size_mul(&bytes, r->ncalls, sizeof *idx))
        return PK_ENOMEM;
    idx = pk_malloc(bytes);
    tmp = pk_malloc(bytes);
    if (!idx || !tmp) {
        pk_free(idx);
        pk_free(tmp);
        return PK_ENOMEM;
    }
    for (i = 0; i < r->ncalls; i++)
        idx[i] = (uint32_t)i;
    sort_calls(idx, tmp, r->ncalls, r->calls);
    /* the first call of each name, then the names ranked by it */
    for (i = 0; i < r->ncalls; i++) {
        if (i == 0 || r->calls[idx[i]].name != r->calls[idx[i - 1]].name)
            first[ng++] = idx[i];
    }
    qsort(first, ng, sizeof *first, by_value);
    for (i = 0; i < r->ncalls; i++) {
        if (i == 0 || r->calls[idx[i]].name != r->calls[idx[i - 1]].name)
            cur = rank_of(first, ng, idx[i]);
        group[idx[i]] = cur;
    }
    pk_free(idx);
    pk_free(tmp);
    *ngroups_out = ng;
    return PK_OK;
}

static void add_call(func_sum *f, const pk_mem_call *c)
{
    f->calls++;
    f->total += c->t1 - c->t0;
    f->delta += c->mem1 - c->mem0;
    if (c->mem0 > f->max_mib)
        f->max_mib = c->mem0;
    if (c->mem1 > f->max_mib)
        f->max_mib = c->mem1;
}

/* Groups the run's calls by name, in order of each name's first call. */
static int group_calls(run_sum *s)
{
    const pk_mem_run *r = s->run;
    uint32_t *group, *first;
    size_t i, g;
    int rc;

    if (r->ncalls == 0)
        return PK_OK;
    group = pk_calloc(r->ncalls, sizeof *group);
    first = pk_calloc(r->ncalls, sizeof *first);
    s->funcs = pk_calloc(r->ncalls, sizeof *s->funcs);
    rc = group && first && s->funcs ? pk_mem__group_calls(group, first, &s->nfuncs, r)
                                    : PK_ENOMEM;
    for (g = 0; rc == PK_OK && g < s->nfuncs; g++) {
        s->funcs[g].name = r->calls[first[g]].name;
        s->funcs[g].max_mib = r->calls[first[g]].mem0;
    }
    for (i = 0; rc == PK_OK && i < r->ncalls; i++)
        add_call(&s->funcs[group[i]], &r->calls[i]);
    pk_free(group);
    pk_free(first);
    return rc;
}

static int summarize(run_sum *s, const pk_mem_run *r)
{
    double t1 = 0.0;
    memset(s, 0, sizeof *s);
    s->run = r;
    s->timed = pk_mem_run_span(&s->start, &t1, r);
    s->duration = s->timed ? t1 - s->start : 0.0;
    s->main = series_peak(&r->main, s->start);
    return group_calls(s);
}

/* Every file's runs summarized; freed by free_sums. */
typedef struct file_sums {
    run_sum *runs;
    size_t n;
} file_sums;

static void free_sums(file_sums *f, size_t n)
{
    size_t i, r;
    for (i = 0; f && i < n; i++) {
        for (r = 0; r < f[i].n; r++)
            pk_free(f[i].runs[r].funcs);
        pk_free(f[i].runs);
    }
    pk_free(f);
}

static int summarize_all(file_sums **out, const pk_profile *const *profiles,
                         const char *const *paths, size_t n, pk_error *err)
{
    file_sums *f = pk_calloc(n ? n : 1, sizeof *f);
    size_t i, r;
    int rc = f ? PK_OK : PK_ENOMEM;

    for (i = 0; rc == PK_OK && i < n; i++) {
        size_t nruns = pk_memory_run_count(profiles[i]);
        if (nruns == 0) {
            rc = pk_error_set(err, PK_ENODATA, NULL, -1, "no memory data (not an mprof .dat file)");
            pk_error_set_path(err, paths[i]);
            break;
        }
        f[i].runs = pk_calloc(nruns, sizeof *f[i].runs);
        if (!f[i].runs)
            rc = PK_ENOMEM;
        for (r = 0; rc == PK_OK && r < nruns; r++) {
            rc = summarize(&f[i].runs[r], pk_memory_run(profiles[i], r));
            f[i].n++;
        }
    }
    if (rc == PK_ENOMEM)
        pk_error_set(err, rc, NULL, -1, "out of memory");
    if (rc != PK_OK) {
        free_sums(f, n);
        return rc;
    }
    *out = f;
    return PK_OK;
}

/* ---- text ---- */

typedef struct child_peak {
    int64_t pid;
    size_t order;  /* first appearance over the whole file */
    double mib;
} child_peak;

static int by_pid_then_order(const void *pa, const void *pb)
{
    const child_peak *a = pa, *b = pb;
    if (a->pid != b->pid)
        return a->pid < b->pid ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

static int by_order(const void *pa, const void *pb)
{
    const child_peak *a = pa, *b = pb;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* Every child series of the file with its peak; a pid that comes back in
 * a later run is merged into its first entry. *n_out = entries kept. */
static int child_peaks(child_peak **out, size_t *n_out, const pk_profile *p)
{
    size_t nruns = pk_memory_run_count(p), r, k, n = 0, kept = 0, total = 0;
    child_peak *c;

    for (r = 0; r < nruns; r++)
        total += pk_memory_run(p, r)->nchildren;
    c = pk_calloc(total ? total : 1, sizeof *c);
    if (!c)
        return PK_ENOMEM;
    for (r = 0; r < nruns; r++) {
        const pk_mem_run *run = pk_memory_run(p, r);
        for (k = 0; k < run->nchildren; k++) {
            size_t i;
            if (!pk_mem_series_peak(&i, &run->children[k]))
                continue;
            c[n].pid = run->children[k].pid;
            c[n].order = n;
            c[n].mib = run->children[k].samples[i].mib;
            n++;
        }
    }
    qsort(c, n, sizeof *c, by_pid_then_order);
    for (k = 0; k < n; k++) {
        if (kept && c[kept - 1].pid == c[k].pid) {
            if (c[k].mib > c[kept - 1].mib)
                c[kept - 1].mib = c[k].mib;
        } else {
            c[kept++] = c[k];
        }
    }
    qsort(c, kept, sizeof *c, by_order);
    *out = c;
    *n_out = kept;
    return PK_OK;
}

/* What `mprof peak FILE` prints: the largest MEM value of the whole file,
 * then each child's largest value, children in order of first appearance. */
static int print_mprof_peak(FILE *out, const pk_profile *p, const char *path)
{
    size_t nruns = pk_memory_run_count(p), r, k, nkids;
    child_peak *kids = NULL;
    bool any = false;
    double best = 0.0;

    for (r = 0; r < nruns; r++) {
        const pk_mem_series *s = &pk_memory_run(p, r)->main;
        size_t i;
        if (pk_mem_series_peak(&i, s) && (!any || s->samples[i].mib > best)) {
            best = s->samples[i].mib;
            any = true;
        }
    }
    if (child_peaks(&kids, &nkids, p) != PK_OK)
        return PK_ENOMEM;
    if (any)
        fprintf(out, "%s\t%.3f MiB\n", path, best);
    else
        fprintf(out, "%s\tNaN MiB\n", path);
    for (k = 0; k < nkids; k++)
        fprintf(out, "  Child %" PRId64 "\t\t\t%.3f MiB\n", kids[k].pid, kids[k].mib);
    pk_free(kids);
    return PK_OK;
}

static size_t name_width(const pk_profile *p, const run_sum *s)
{
    size_t i, w = strlen("function");
    for (i = 0; i < s->nfuncs; i++) {
        size_t n = pk_profile_str_len(p, s->funcs[i].name);
        if (n > w)
            w = n;
    }
    return w;
}

static void print_functions(FILE *out, const pk_profile *p, const run_sum *s)
{
    int w = (int)name_width(p, s);
    size_t i;

    if (s->nfuncs == 0)
        return;
    fprintf(out, "\n  %-*s %7s %12s %12s %16s %12s\n", w, "function", "calls", "total (s)",
            "per call (s)", "mem delta (MiB)", "max (MiB)");
    for (i = 0; i < s->nfuncs; i++) {
        const func_sum *f = &s->funcs[i];
        fprintf(out, "  %-*s %7" PRIu64 " %12.3f %12.3f %+16.3f %12.3f\n", w,
                pk_profile_str(p, f->name), f->calls, f->total,
                f->total / (double)f->calls, f->delta, f->max_mib);
    }
}

static void print_run(FILE *out, const pk_profile *p, const run_sum *s, size_t r,
                      size_t nruns)
{
    const pk_mem_run *run = s->run;
    size_t k;

    fprintf(out, "\nrun %zu of %zu: %s\n", r + 1, nruns,
            run->has_cmdline ? pk_profile_str(p, run->cmdline) : "(no CMDLINE line)");
    if (s->timed)
        fprintf(out, "  start      %.4f (epoch seconds)\n  duration   %.3f s\n",
                s->start, s->duration);
    fprintf(out, "  samples    %zu\n", run->main.n);
    if (s->main.found)
        fprintf(out, "  peak       %.3f MiB at %.3f s\n", s->main.mib, s->main.at);
    for (k = 0; k < run->nchildren; k++) {
        peak c = series_peak(&run->children[k], s->start);
        fprintf(out, "  child %" PRId64 "  peak %.3f MiB at %.3f s, %zu samples\n",
                run->children[k].pid, c.mib, c.at, run->children[k].n);
    }
    print_functions(out, p, s);
}

int pk_render_memory_text(FILE *out, const pk_profile *const *profiles,
                          const char *const *paths, size_t n, pk_error *err)
{
    file_sums *sums = NULL;
    size_t i, r;
    int rc = summarize_all(&sums, profiles, paths, n, err);

    if (rc != PK_OK)
        return rc;
    for (i = 0; rc == PK_OK && i < n; i++)
        rc = print_mprof_peak(out, profiles[i], paths[i]);
    for (i = 0; rc == PK_OK && i < n; i++) {
        uint64_t unknown = pk_memory_unknown_lines(profiles[i]);
        fprintf(out, "\n%s\n", paths[i]);
        for (r = 0; r < sums[i].n; r++)
            print_run(out, profiles[i], &sums[i].runs[r], r, sums[i].n);
        if (unknown)
            fprintf(out, "\n  ignored %" PRIu64 " line%s of unknown kinds, as mprof does\n",
                    unknown, unknown == 1 ? "" : "s");
    }
    free_sums(sums, n);
    if (rc != PK_OK)
        return pk_error_set(err, rc, NULL, -1, "out of memory");
    return PK_OK;
}

/* ---- CSV ---- */

static void csv_num(FILE *out, double v)
{
    char buf[40];
    pk_fmt_shortest(buf, sizeof buf, v);
    fputc(',', out);
    fputs(buf, out);
}

static void csv_peak(FILE *out, peak pk)
{
    if (pk.found) {
        csv_num(out, pk.mib);
        csv_num(out, pk.at);
    } else {
        fputs(",,", out);
    }
}

/* file,run,kind,name,pid,calls,start,duration_s,samples,peak_mib,peak_at_s,
 * total_s,per_call_s,mem_delta_mib,max_mib */
static void csv_run(FILE *out, const pk_profile *p, const char *path, const run_sum *s,
                    size_t r)
{
    const pk_mem_run *run = s->run;
    size_t k;

    pk_print_csv_str(out, path);
    fprintf(out, ",%zu,run,", r + 1);
    pk_print_csv_str(out, run->has_cmdline ? pk_profile_str(p, run->cmdline) : "");
    fputs(",,", out);
    if (s->timed) {
        csv_num(out, s->start);
        csv_num(out, s->duration);
    } else {
        fputs(",,", out);
    }
    fprintf(out, ",%zu", run->main.n);
    csv_peak(out, s->main);
    fputs(",,,,\n", out);
    for (k = 0; k < run->nchildren; k++) {
        pk_print_csv_str(out, path);
        fprintf(out, ",%zu,child,,%" PRId64 ",,,,%zu", r + 1, run->children[k].pid,
                run->children[k].n);
        csv_peak(out, series_peak(&run->children[k], s->start));
        fputs(",,,,\n", out);
    }
    for (k = 0; k < s->nfuncs; k++) {
        const func_sum *f = &s->funcs[k];
        pk_print_csv_str(out, path);
        fprintf(out, ",%zu,function,", r + 1);
        pk_print_csv_str(out, pk_profile_str(p, f->name));
        fprintf(out, ",,%" PRIu64 ",,,,,", f->calls);
        csv_num(out, f->total);
        csv_num(out, f->total / (double)f->calls);
        csv_num(out, f->delta);
        csv_num(out, f->max_mib);
        fputc('\n', out);
    }
}

int pk_render_memory_csv(FILE *out, const pk_profile *const *profiles,
                         const char *const *paths, size_t n, pk_error *err)
{
    file_sums *sums = NULL;
    size_t i, r;
    int rc = summarize_all(&sums, profiles, paths, n, err);

    if (rc != PK_OK)
        return rc;
    fputs("file,run,kind,name,pid,calls,start,duration_s,samples,peak_mib,peak_at_s,"
          "total_s,per_call_s,mem_delta_mib,max_mib\n", out);
    for (i = 0; i < n; i++) {
        for (r = 0; r < sums[i].n; r++)
            csv_run(out, profiles[i], paths[i], &sums[i].runs[r], r);
    }
    free_sums(sums, n);
    return PK_OK;
}

/* ---- JSON ---- */

static void json_field(FILE *out, const char *name, double v)
{
    fprintf(out, ", \"%s\": ", name);
    pk_print_json_double(out, v);
}

static void json_peak(FILE *out, peak pk)
{
    if (pk.found) {
        json_field(out, "peak_mib", pk.mib);
        json_field(out, "peak_at_s", pk.at);
    } else {
        fputs(", \"peak_mib\": null, \"peak_at_s\": null", out);
    }
}

static void json_run(FILE *out, const pk_profile *p, const run_sum *s)
{
    const pk_mem_run *run = s->run;
    size_t k;

    fputs("{\"cmdline\": ", out);
    if (run->has_cmdline)
        pk_print_json_str(out, pk_profile_str(p, run->cmdline));
    else
        fputs("null", out);
    if (s->timed) {
        json_field(out, "start", s->start);
        json_field(out, "duration_s", s->duration);
    }
    fprintf(out, ", \"samples\": %zu", run->main.n);
    json_peak(out, s->main);
    fputs(", \"children\": [", out);
    for (k = 0; k < run->nchildren; k++) {
        fprintf(out, "%s{\"pid\": %" PRId64 ", \"samples\": %zu", k ? ", " : "",
                run->children[k].pid, run->children[k].n);
        json_peak(out, series_peak(&run->children[k], s->start));
        fputc('}', out);
    }
    fputs("], \"functions\": [", out);
    for (k = 0; k < s->nfuncs; k++) {
        const func_sum *f = &s->funcs[k];
        fputs(k ? ", {\"name\": " : "{\"name\": ", out);
        pk_print_json_str(out, pk_profile_str(p, f->name));
        fprintf(out, ", \"calls\": %" PRIu64, f->calls);
        json_field(out, "total_s", f->total);
        json_field(out, "mem_delta_mib", f->delta);
        json_field(out, "max_mib", f->max_mib);
        fputc('}', out);
    }
    fputs("]}", out);
}

int pk_render_memory_json(FILE *out, const pk_profile *const *profiles,
                          const char *const *paths, size_t n, pk_error *err)
{
    file_sums *sums = NULL;
    size_t i, r;
    int rc = summarize_all(&sums, profiles, paths, n, err);

    if (rc != PK_OK)
        return rc;
    fputs("{\"files\": [", out);
    for (i = 0; i < n; i++) {
        fputs(i ? ",\n  {\"path\": " : "\n  {\"path\": ", out);
        pk_print_json_str(out, paths[i]);
        fprintf(out, ", \"unknown_lines\": %" PRIu64 ", \"runs\": [",
                pk_memory_unknown_lines(profiles[i]));
        for (r = 0; r < sums[i].n; r++) {
            fputs(r ? ",\n    " : "\n    ", out);
            json_run(out, profiles[i], &sums[i].runs[r]);
        }
        fputs("]}", out);
    }
    fputs("\n]}\n", out);
    free_sums(sums, n);
    return PK_OK;
}
