/* SPDX-License-Identifier: GPL-2.0-only */
/* histogram.h - the agent's side of the log2 histograms the eBPF programs fill (struct hist,
 * include/corewatch/hist.h): differences between two samples, quantiles, the record's JSON form. */
#ifndef COREWATCH_HISTOGRAM_H
#define COREWATCH_HISTOGRAM_H

#include <stdint.h>

#include <linux/types.h>
#include <cJSON.h>

#include "corewatch/hist.h"

/* out = b - a, slot by slot (cumulative histograms sampled at two times). */
void hist_delta(const struct hist *a, const struct hist *b, struct hist *out);
/* Value below which fraction q of the samples fall, interpolated inside its log2 bucket. */
double hist_quantile(const struct hist *h, double q);
/* Adds count, p50, p90, p99, max, sum and the non-empty buckets ([le, count] pairs, le "+Inf" for
 * the last) of delta to obj (the unit is in obj's name, e.g. "latency_us"); max is the largest value
 * of the interval, which caps the quantiles (a bucket's upper part may lie above it). */
void hist_emit(cJSON *obj, const struct hist *delta, uint64_t max);

#endif
