/* SPDX-License-Identifier: GPL-2.0-only */
/* record.h - the records corewatch writes, as JSON objects: the header every type shares (schema,
 * type, time, timestamp, host, interval_s; docs/schema.md) and the metrics record assembled from the
 * collectors' sections. Data flows collectors -> record -> outputs (log, /metrics) and record ->
 * alert engine -> delivery; this module knows none of the consumers.
 */
#ifndef COREWATCH_RECORD_H
#define COREWATCH_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "collector.h"

/* The header of a record of type ("metrics", "inventory", "alert", "event") written at now_ms.
 * Returns a new object (the caller owns it), or NULL when out of memory. */
cJSON *record_new(const char *type, int64_t now_ms, const char *host, uint64_t interval_ms);
/* Moves every field of body (consumed, may be NULL) to the end of r (may be NULL: body is freed). */
void record_append(cJSON *r, cJSON *body);
/* The metrics record for the interval ending at now_ms: the header, then the section of every active
 * collector with two good samples, its rates over its own last two samples. Returns a new object, or
 * NULL when out of memory. */
cJSON *record_metrics(const struct col_slot *slots, size_t n, int64_t now_ms, const char *host,
		      uint64_t interval_ms);
/* The totals (totals.h) of every active collector with a good latest sample: what /metrics exports
 * as counters. Returns a new object (the caller owns it), or NULL when out of memory. */
cJSON *record_totals(const struct col_slot *slots, size_t n);

#endif
