/* SPDX-License-Identifier: GPL-2.0-only */
/* prom.h - the metrics record in Prometheus' text exposition format (version 0.0.4).
 *
 * Names: corewatch_ + the record's path, in base units: *_pct becomes *_ratio (divided by 100), *_us
 * and *_ms become *_seconds, *_per_s becomes *_per_second. Arrays of instances become labels (mount,
 * device, name, cpu, op); bpf.programs.X and its maps become program= and map= labels. Histograms
 * with buckets become real Prometheus histograms, cumulative since the agent started (the record's
 * are per interval, so prom_observe() adds each record's buckets up). Top-N lists (pids, peers) stay
 * out: their labels would churn without bound.
 */
#ifndef COREWATCH_PROM_H
#define COREWATCH_PROM_H

#include <stddef.h>

#include <cJSON.h>

struct prom;

struct prom *prom_new(void);
/* Adds one metrics record's histogram buckets to the running totals. Call once per record. */
void prom_observe(struct prom *p, const cJSON *record);
/* Renders record (the latest) and the cumulative histograms. Returns a malloc'd text (caller frees)
 * and its length in *len, or NULL when out of memory. */
char *prom_render(struct prom *p, const cJSON *record, size_t *len);
void prom_free(struct prom *p);

#endif
