/* What the line-table renderers (lines_text.c, lines_data.c) share. */
#ifndef PK_RENDER_LINES_REPORT_H
#define PK_RENDER_LINES_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <profkit/lines.h>

/*
 * The functions with line data in report order: sorted by (file, first
 * line, name) as Python sorts the keys, or by total ticks when
 * o->sort_by_time. *out is pk_malloc'd (pk_free it); functions -z drops
 * are left in (see pk_lines__skipped). Returns PK_OK or PK_ENOMEM.
 */
int pk_lines__order(uint32_t **out, size_t *n_out, const pk_profile *p,
                    const pk_lines_report_opts *o);

/* The total line_profiler's show_func() computes: 0.0 plus each row's
 * ticks in turn, in floating point. */
double pk_lines__float_ticks(const pk_profile *p, uint32_t func);

/* True when -z (o->skip_zero) leaves function func out of the tables. */
bool pk_lines__skipped(const pk_profile *p, uint32_t func, const pk_lines_report_opts *o);

/* The output unit of the options (1e-6 when not positive). */
double pk_lines__output_unit(const pk_lines_report_opts *o);

#endif
