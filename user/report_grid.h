/* SPDX-License-Identifier: GPL-2.0-only */
/* report_grid.h - the time grid of `corewatch report`'s charts: REPORT_COLS columns from origin_ms,
 * width_ms each, shared by every series' points and every histogram's heatmap. Without --from it
 * starts at the first record and moves left for an earlier one; a record past the last column
 * doubles the width, merging neighbouring columns.
 */
#ifndef COREWATCH_REPORT_GRID_H
#define COREWATCH_REPORT_GRID_H

#include <stdint.h>

#include "report_agg.h"

/* The column of time t (epoch ms) in a's grid, moving or widening the grid (and every column a's
 * series and histograms hold) as needed; -1 without charts, or for t before --from. */
long report_grid_col(struct report_agg *a, int64_t t);

#endif
