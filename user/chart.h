/* SPDX-License-Identifier: GPL-2.0-only */
/* chart.h - SVG charts of corewatch's numbers, one renderer for `corewatch report` (--svg, --html)
 * and the live page: a line chart per metric over time (one line per instance, a min/max band where
 * a point stands for several records), and a heatmap per log2 latency histogram (time across, the
 * histogram's buckets up, a bucket's count as colour). Output is a standalone SVG 1.1 document
 * (xmlns set, no script, no external reference), so it can be written to a file or put inline in an
 * HTML page as is. Axes carry units, ticks fall on round values (1-2-5 steps; time on round minutes,
 * hours or days, labelled in local time), and every chart has a title and, with more than one
 * series, a legend.
 */
#ifndef COREWATCH_CHART_H
#define COREWATCH_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* One point of a line: the records of [t_ms, t_ms + width) summarised. n == 0 is a gap (no record):
 * the line breaks there. min == max == avg when the point is one record. */
struct chart_point {
	int64_t t_ms; /* wall clock, epoch ms */
	double min, avg, max;
	uint32_t n;
};

/* One line: an instance of the metric (a disk, an interface; "" or NULL when the metric has one). */
struct chart_series {
	const char *label;
	const struct chart_point *pts; /* in time order */
	size_t npts;
};

/* Units the value axis knows how to label: CHART_BYTES and CHART_BYTES_PER_S in powers of 1024
 * (K, M, G, T), CHART_US as us/ms/s, CHART_PCT on 0..100 unless the data go past it. */
enum chart_unit { CHART_NONE, CHART_PCT, CHART_BYTES, CHART_BYTES_PER_S, CHART_PER_S, CHART_US, CHART_S };

struct chart_line {
	const char *title; /* e.g. "cpu.busy_pct" */
	enum chart_unit unit;
	int64_t from_ms, to_ms; /* the time axis; points outside are clipped */
	const struct chart_series *series;
	size_t nseries;
};

/* A heatmap: ncols columns of time, col_t_ms[i] the start of column i (ascending; the last column ends
 * at to_ms), and for each column the counts of the histogram's log2 buckets 0..CHART_SLOTS-1, bucket
 * b holding values up to 2^b - 1 (the record's "le": 0 -> slot 0, 1 -> 1, 3 -> 2, 7 -> 3, ...). */
#define CHART_SLOTS 64
struct chart_heat {
	const char *title; /* e.g. "sched.runqueue_latency_us" */
	enum chart_unit unit; /* of the bucket bounds: CHART_US */
	int64_t from_ms, to_ms;
	const int64_t *col_t_ms;
	const uint64_t (*counts)[CHART_SLOTS]; /* ncols rows */
	size_t ncols;
};

/* Appends the chart as one standalone SVG document of width x height pixels to out. An empty chart
 * (no point, or no count) is still drawn, with its axes and "no data" in place of the plot. Returns 0,
 * or -ENOMEM (out keeps what it had). */
int chart_line_svg(struct fbuf *out, const struct chart_line *c, int width, int height);
int chart_heat_svg(struct fbuf *out, const struct chart_heat *h, int width, int height);

/* Appends s to out with & < > " ' escaped for XML/HTML text and attributes. Returns 0 or -ENOMEM. */
int chart_escape(struct fbuf *out, const char *s);

#endif
