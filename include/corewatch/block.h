/* SPDX-License-Identifier: GPL-2.0-only */
/* block.h - shared between bpf/block.bpf.c and the agent: fixed-width structs and constants. */
#ifndef COREWATCH_BLOCK_H
#define COREWATCH_BLOCK_H

#include "corewatch/hist.h"

#define BIO_INFLIGHT_MAX 16384 /* requests tracked between insert/issue and completion */
#define BIO_KEYS_MAX 1024      /* (device, op) pairs */

enum bio_op { BIO_OP_READ, BIO_OP_WRITE, BIO_OP_FLUSH, BIO_OP_DISCARD, BIO_OP_OTHER, BIO_NOPS };

struct bio_key {
	__u32 dev; /* major << 20 | minor, as the kernel's dev_t */
	__u32 op;  /* enum bio_op */
};

/* Per (device, op), per CPU, cumulative. */
struct bio_val {
	__u64 ops;
	__u64 bytes;
	struct hist latency; /* issue -> complete: service time, microseconds */
	struct hist queue;   /* insert -> issue: time in the I/O scheduler, microseconds */
};

/* Per (device, op), per CPU, reset by the agent every interval. */
struct bio_max {
	__u64 latency_us;
	__u64 queue_us;
};

/* A request in flight: its struct request pointer (tp_btf, raw_tp: lo = pointer, hi = 0), or, on
 * plain tracepoints that carry no pointer, its device and first sector (lo = dev, hi = sector). */
struct bio_rq_key {
	__u64 lo, hi;
};

struct bio_start {
	__u64 insert_ns;
	__u64 issue_ns;
};

/* Per-CPU counters (element 0). */
struct bio_pcpu {
	__u64 inserts, issues, completes;
	__u64 start_full;  /* failed inserts, per map: a request could not be tracked */
	__u64 by_dev_full; /* a device and op could not be tracked (by_dev or maxima full) */
	__s64 inflight;   /* +1 per start entry created, -1 per entry deleted: summed, the fill level */
};

#endif
