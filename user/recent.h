/* SPDX-License-Identifier: GPL-2.0-only */
/* recent.h - the last hour of a few numbers of the metrics records, in memory, for the live page's
 * charts (page.h): a ring of fixed-size slots, one slot per max(interval, 1 s) of wall clock (records
 * that fall into the same slot, at intervals under a second, are merged into it: min, max, sum,
 * count), at most RECENT_MAX_SLOTS of them, so its memory is bounded whatever the interval:
 * recent_bytes() is at most RECENT_MAX_SLOTS * sizeof(struct recent_slot) plus the ring's header.
 * Read back as chart.h points and heatmap columns over a time span. Free of HTTP and of HTML.
 */
#ifndef COREWATCH_RECENT_H
#define COREWATCH_RECENT_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "chart.h"

#define RECENT_SPAN_MS 3600000 /* what the ring is sized to hold: one hour */
#define RECENT_MAX_SLOTS 3600  /* at one slot per second, the least a slot may cover */

/* The lines kept. A record that lacks one (no eBPF: no block section) leaves a gap in it. */
enum recent_series {
	RS_CPU_BUSY,	   /* cpu.busy_pct */
	RS_CPU_USER,	   /* cpu.user_pct */
	RS_CPU_SYSTEM,	   /* cpu.system_pct */
	RS_MEM_USED,	   /* memory.used_bytes */
	RS_MEM_AVAIL,	   /* memory.available_bytes */
	RS_LOAD1,	   /* load.load1 */
	RS_LOAD5,	   /* load.load5 */
	RS_LOAD15,	   /* load.load15 */
	RS_DISK_READ,	   /* the sum of disks[].read_bytes_per_s */
	RS_DISK_WRITE,	   /* the sum of disks[].write_bytes_per_s */
	RS_NET_RX,	   /* the sum of network.interfaces[].rx_bytes_per_s but lo's */
	RS_NET_TX,	   /* the same of tx_bytes_per_s */
	RS_BLOCK_READ_P99, /* the largest block.devices[op=read].latency_us.p99 */
	RS_BLOCK_WRITE_P99, /* the same for op=write */
	RS_RUNQ_P99,	   /* sched.runqueue_latency_us.p99 */
	RS_N
};

/* One series in one slot. n == 0: no value. Floats: a chart's pixel needs no more. */
struct recent_val {
	float min, max, sum;
	uint32_t n;
};

struct recent_slot {
	int64_t t_ms;	       /* start of the slot (a multiple of the slot width), epoch ms */
	uint32_t records;      /* records merged into it */
	uint32_t runq[CHART_SLOTS]; /* sched.runqueue_latency_us buckets, by log2 slot (saturating) */
	struct recent_val v[RS_N];
};

struct recent;

/* A ring for records every interval_ms: slots of max(interval_ms, 1000) ms, as many as RECENT_SPAN_MS
 * needs (rounded up), at most RECENT_MAX_SLOTS. NULL when out of memory. Caller frees. */
struct recent *recent_new(uint64_t interval_ms);
void recent_free(struct recent *r);
/* Adds the numbers of one metrics record taken at t_ms (epoch ms): merged into the newest slot when
 * t_ms falls into it, else in a new slot, the oldest dropped when the ring is full. A record from
 * before the newest slot (the wall clock was set back) empties the ring first. */
void recent_add(struct recent *r, const cJSON *record, int64_t t_ms);

/* Slots held now, the most it holds, the width of one slot, and the bytes it takes (all of it is
 * allocated up front). */
size_t recent_len(const struct recent *r);
size_t recent_capacity(const struct recent *r);
int64_t recent_slot_ms(const struct recent *r);
size_t recent_bytes(const struct recent *r);
/* The i-th slot held, 0 the oldest; NULL past recent_len(). Borrowed, valid until the next add. */
const struct recent_slot *recent_slot(const struct recent *r, size_t i);

/* Summarises series s over [from_ms, from_ms + npts * step_ms) into npts points, point i covering
 * [from_ms + i * step_ms, + step_ms): min of the mins, max of the maxes, the mean, n the values (0: a
 * gap). Returns how many points had a value. */
size_t recent_points(const struct recent *r, enum recent_series s, int64_t from_ms, int64_t step_ms,
		     struct chart_point *pts, size_t npts);
/* The same for the run-queue latency histogram: col_t_ms[i] = from_ms + i * step_ms and counts[i] the
 * buckets of the slots in that column added up. Returns the columns with a count. */
size_t recent_heat(const struct recent *r, int64_t from_ms, int64_t step_ms, int64_t *col_t_ms,
		   uint64_t (*counts)[CHART_SLOTS], size_t ncols);

#endif
