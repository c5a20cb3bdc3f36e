/* SPDX-License-Identifier: GPL-2.0-only */
/* chart_axis.h - internal to the chart renderer (chart.c): where the ticks of a value axis and of a
 * time axis fall, and how they are labelled. Apart so the unit tests can check the numbers without
 * parsing SVG. Nothing here allocates.
 */
#ifndef COREWATCH_CHART_AXIS_H
#define COREWATCH_CHART_AXIS_H

#include <stddef.h>
#include <stdint.h>

#include "chart.h"

/* A value axis lo..hi (lo < hi, finite) with nticks (4..7) ticks lo, lo + step, ..., hi; step is a
 * 1-2-5 number times scale, and a label shows v / scale followed by suffix ("M/s", "ms", "%"). */
struct axis {
	double lo, hi, step, scale;
	int nticks, decimals;
	char suffix[8];
};

/* Fills a for data in dmin..dmax. NaN, Inf or dmin > dmax give 0..1 (0..100 for CHART_PCT, which is
 * widened past 100 or below 0 only by the data); a constant gives an axis around its value, all zero
 * 0..1; data starting near zero (dmin <= dmax / 3) an axis from 0. */
void axis_value(struct axis *a, double dmin, double dmax, enum chart_unit unit);

/* The label of value v on a ("1.5M/s", "500us", "2ms", "50%", "0"), NUL-terminated in buf. */
void axis_value_label(const struct axis *a, double v, char *buf, size_t len);

/* v in unit with 3 significant digits ("1.02ms", "127us", "4K"), for the heatmap's bucket bounds. */
void axis_format(double v, enum chart_unit unit, char *buf, size_t len);

/* Ticks of a time axis over from_ms..to_ms on round local-time boundaries: the smallest step of 10,
 * 15, 30 s; 1, 2, 5, 10, 15, 30 min; 1, 2, 3, 6, 12 h; 1, 2, 7 days giving at most 8 ticks. Writes
 * them to ticks (room for AXIS_MAX_TIME_TICKS) and the step to *step_s; returns how many. */
#define AXIS_MAX_TIME_TICKS 16
size_t axis_time(int64_t from_ms, int64_t to_ms, int64_t *ticks, int64_t *step_s);

/* A time tick's labels in local time: hm "HH:MM" ("HH:MM:SS" for steps under a minute), and date
 * "MM-DD" when the span exceeds a day or the tick is at midnight, else "". */
void axis_time_label(int64_t t_ms, int64_t step_s, int64_t span_ms, char *hm, size_t hmlen, char *date,
		     size_t datelen);

#endif
