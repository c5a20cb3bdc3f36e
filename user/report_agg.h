/* SPDX-License-Identifier: GPL-2.0-only */
/* report_agg.h - what `corewatch report` keeps over a window: per series (a metric of one instance)
 * its exact stats (report_stats.h);
 * per eBPF histogram its buckets, count, sum and max merged over the records; the alerts' firing and
 * resolved pairs; the lines that were not records. Records are fed one line at a time and only a
 * line that parsed whole counts. With charts on, each series also keeps <= REPORT_COLS time buckets
 * (min/avg/max) and each histogram a heatmap of as many columns: the bucket width starts at the
 * records' interval and doubles, merging neighbours, whenever the window would need more.
 */
#ifndef COREWATCH_REPORT_AGG_H
#define COREWATCH_REPORT_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

#include "chart.h"
#include "report_path.h"
#include "report_stats.h"
#include "corewatch/hist.h"

#define REPORT_MAX_FILTERS 64
#define REPORT_MAX_HOSTS 8

struct hseries {
	char *path;         /* "sched.runqueue_latency_us" */
	uint32_t plen;
	bool selected, has_buckets;
	uint64_t records;
	double count, sum, max;
	uint64_t slots[HIST_SLOTS];
	uint64_t (*heat)[CHART_SLOTS]; /* REPORT_COLS rows, with charts */
};

struct alert_span {
	char *name, *instance, *severity, *metric, *reason;
	int64_t fired_ms, resolved_ms;  /* -1: before the window / not yet */
	double value, duration_s;
	bool still_firing;
};

struct pend {
	uint32_t id;
	uint8_t kind;
	uint8_t slot;
	double v;
};

struct rec_state; /* report_agg.c */

struct report_agg {
	/* settings */
	int64_t from_ms, to_ms;     /* [from, to) */
	const char *host;           /* NULL: any, but only one */
	struct rfilter filters[REPORT_MAX_FILTERS];
	size_t nfilters;
	bool charts;
	int64_t origin_ms, width_ms; /* the chart grid */
	bool grid_from_first;       /* origin_ms unset: the first record's time (no --from) */
	bool grid_can_shift;        /* a record before origin_ms moves the grid (no --from) */
	uint64_t bound;             /* most records a series may have in the window, as estimated */
	bool pass2;
	/* results */
	struct series *s;
	size_t ns, scap;
	struct hseries *h;
	size_t nh, hcap;
	struct alert_span *alerts;
	size_t nalerts, acap;
	struct alert_span *open;    /* firing, not yet resolved */
	size_t nopen, ocap;
	uint64_t lines, records, torn, foreign, other;
	bool oom;                   /* an allocation failed: the results are not exact */
	int64_t first_ms, last_ms;  /* of the records in the window */
	double min_interval_s;
	char *hosts[REPORT_MAX_HOSTS];
	size_t nhosts;
	bool more_hosts;
	/* working state */
	uint32_t *stab, *htab;      /* hash tables of ids + 1 */
	size_t stabcap, htabcap;
	struct pend *pend;
	size_t npend, pendcap;
	uint32_t *pred;             /* per event of a record: the series id the last record had there */
	uint32_t last_bucket_h;     /* the histogram the last bucket event went to */
	size_t grid_used;           /* chart columns up to the last one holding data */
	size_t predcap, nev;
	struct rec_state *rec;
};

/* Prepares a with its settings already filled in. Returns 0 or -ENOMEM. */
int report_agg_init(struct report_agg *a);
/* Feeds one line of a log file (json or stamped). */
void report_agg_line(struct report_agg *a, const char *line, size_t len);
/* Computes the p95s after the first pass. Returns how many series need a second pass (feed every
 * line again with a->pass2 set, then call report_agg_finish again). */
size_t report_agg_finish(struct report_agg *a);
/* Frees everything a holds. */
void report_agg_free(struct report_agg *a);

/* The quantile q of a merged histogram, as the agent computes it (histogram.c), capped at its max. */
double report_hist_quantile(const struct hseries *h, double q);

#endif
