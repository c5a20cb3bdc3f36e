/* SPDX-License-Identifier: GPL-2.0-only */
/* report_stats.h - one series of `corewatch report` (a metric of one instance over the window): the
 * exact samples, min, max, time of max and a compensated sum, its p95 as the nearest rank (the value
 * at rank ceil(0.95 n) of the sorted samples) from the largest K = n - ceil(0.95 n) + 1 values
 * (a buffer of up to 1.5 K + 16 that is cut back to the K largest when full, after which values
 * not above the K-th largest are dropped on arrival: O(1) amortised per sample), and with charts its REPORT_COLS time buckets (min/avg/max of the samples in each).
 */
#ifndef COREWATCH_REPORT_STATS_H
#define COREWATCH_REPORT_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chart.h"

#define REPORT_COLS 600

struct series {
	char *path;         /* "filesystems{mount=/,device=/dev/vda}.used_pct" */
	uint32_t plen;
	bool selected, again;
	uint64_t n;
	double min, max, sum, comp; /* sum + comp: Neumaier's compensated sum */
	int64_t max_ms;             /* first time of max */
	double p95;
	double *top;                /* holds the klimit largest values, and more */
	size_t tn, tcap, klimit;
	double floor;               /* once compacted: the klimit-th largest, nothing at or below is kept */
	bool compacted;
	struct chart_point *pts;    /* REPORT_COLS, with charts; avg is a sum until the end */
};

/* Returns K for n samples: how many of the largest values hold the nearest-rank p95 (1 for n == 0). */
size_t report_top_k(uint64_t n);

/* Adds the sample v taken at t (epoch ms) to s, and to chart column col unless col < 0. A value that
 * is not finite is ignored. Returns 0, or -ENOMEM (s no longer exact: the caller must not report it);
 * s owns what it allocates (top, pts), freed by its owner. */
int report_series_add(struct series *s, double v, int64_t t, long col);

/* Keeps v if it may be among the largest s->klimit values (the second pass calls it alone).
 * Returns 0 or -ENOMEM. */
int report_series_push(struct series *s, double v);

/* Empties the kept values for a second pass that keeps the klimit largest. */
void report_series_restart_top(struct series *s, size_t klimit);

/* Sets s->p95 from the kept values, which must include the report_top_k(s->n) largest, and frees them.
 * Returns 0, or -1 when it holds fewer (the bound was too small: a second pass is needed). */
int report_series_p95(struct series *s);

#endif
