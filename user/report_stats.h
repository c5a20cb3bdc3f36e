/* SPDX-License-Identifier: GPL-2.0-only */
/* report_stats.h - one series of `corewatch report` (a metric of one instance over the window): the
 * exact samples, min, max, time of max and a compensated sum, its p95 as the nearest rank (the value
 * at rank ceil(0.95 n) of the sorted samples) from a min-heap of the largest n - ceil(0.95 n) + 1
 * values, and with charts its REPORT_COLS time buckets (min/avg/max of the samples in each).
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
	double *heap;               /* min-heap of the largest values, at most klimit */
	size_t hn, hcap, klimit;
	struct chart_point *pts;    /* REPORT_COLS, with charts; avg is a sum until the end */
};

/* Returns K for n samples: how many of the largest values hold the nearest-rank p95 (1 for n == 0). */
size_t report_top_k(uint64_t n);

/* Adds the sample v taken at t (epoch ms) to s, and to chart column col unless col < 0. A value that
 * is not finite is ignored. Returns 0, or -ENOMEM (s no longer exact: the caller must not report it);
 * s owns what it allocates (heap, pts), freed by its owner. */
int report_series_add(struct series *s, double v, int64_t t, long col);

/* Keeps v in the heap of the largest s->klimit values only (the second pass). Returns 0 or -ENOMEM. */
int report_series_push(struct series *s, double v);

/* Sets s->p95 from the heap, which must hold at least report_top_k(s->n) values and is freed.
 * Returns 0, or -1 when it holds fewer (the bound was too small: a second pass is needed). */
int report_series_p95(struct series *s);

#endif
