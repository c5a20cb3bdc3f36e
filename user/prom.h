/* SPDX-License-Identifier: GPL-2.0-only */
/* prom.h - /metrics in Prometheus' text exposition format (version 0.0.4); every series is listed
 * in docs/metrics.md.
 *
 * Two sources, rendered together:
 *   - the collectors' totals (totals.h): every counter (cumulative, as the kernel keeps it: CPU
 *     seconds, bytes, packets, stall seconds, eBPF events...), the levels of the /proc sections under
 *     node_exporter's names, and the eBPF histograms, cumulative since the programs were loaded, with
 *     log2 bounds le = 2^i microseconds (ebpf_exporter's exp2 buckets);
 *   - the record's remaining levels (users, processes, bpf program and map state...), walked
 *     generically: corewatch_ + the record's path in base units (*_pct becomes *_ratio divided by
 *     100, *_us and *_ms become *_seconds); arrays of instances become labels, bpf.programs.X and its
 *     maps program= and map= labels. Per-interval rates and counts stay out: rate() of a counter
 *     replaces them. Top-N lists (pids, peers) stay out: their labels would churn without bound.
 */
#ifndef COREWATCH_PROM_H
#define COREWATCH_PROM_H

#include <stddef.h>

#include <cJSON.h>

struct prom;

/* A renderer (calloc'd; prom_free() releases it), or NULL when out of memory. */
struct prom *prom_new(void);
/* Renders record (the latest metrics record) and totals (the collectors' totals of the same samples);
 * either may be NULL. At most MAX_SERIES (prom.c) totals series are rendered; the rest are counted in
 * corewatch_exposition_series_dropped. Returns a malloc'd text (caller frees) and its length in *len,
 * or NULL when out of memory. */
char *prom_render(struct prom *p, const cJSON *record, const cJSON *totals, size_t *len);
void prom_free(struct prom *p);

#endif
