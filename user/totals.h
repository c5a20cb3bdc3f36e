/* SPDX-License-Identifier: GPL-2.0-only */
/* totals.h - what the collectors report to /metrics beside the record: the kernel's cumulative
 * counters as the kernel keeps them (absolute: since boot, or since the eBPF programs were loaded),
 * like node_exporter, and the levels read at the same sample, in base units and under their
 * Prometheus family names (without the corewatch_ prefix). Never written to the log: a per-interval
 * rate belongs to the record, a counter to Prometheus' rate().
 *
 * Shape (a cJSON object, one member per family):
 *   { "<family>": { "type": "counter" | "gauge" | "histogram", "help": "...",
 *                   "samples": [ { "labels": { "k": "v", ... }, "value": V }, ... ] }, ... }
 * A histogram family also has "unit" (base units per slot unit: 1e-6 for microseconds) and its
 * samples, instead of "value", "slots" (HIST_SLOTS counts, slot i holding values below 2^i units,
 * the last everything above), "count" and "sum" (in base units).
 */
#ifndef COREWATCH_TOTALS_H
#define COREWATCH_TOTALS_H

#include <linux/types.h>

#include <cJSON.h>

#include "corewatch/hist.h"

/* labels: NULL, or { "key", "value", ..., NULL } (borrowed, copied). */
typedef const char *const *totals_labels;
#define TL(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Adds one sample of family name (created with type and help on first use; a later call with
 * another type is dropped). Silently does nothing when t is NULL or memory runs out: /metrics then
 * lacks the sample, the record is unaffected. */
void totals_add(cJSON *t, const char *name, const char *type, const char *help, totals_labels labels,
		double v);
/* Adds one histogram sample (cumulative slots of h, sum_base already in base units) to family name,
 * a histogram whose slot unit is unit base units. Same failure behaviour as totals_add. */
void totals_hist(cJSON *t, const char *name, const char *help, double unit, totals_labels labels,
		 const struct hist *h, double sum_base);

#endif
