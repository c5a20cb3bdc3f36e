// SPDX-License-Identifier: GPL-2.0-only
/* block.bpf.c - block I/O per device and operation: service time (issue -> complete), queue time
 * (insert -> issue), ops and bytes, aggregated per CPU in the kernel. Requests are keyed by their
 * struct request pointer with tp_btf and raw_tp; plain tracepoints carry no pointer, so there they are
 * keyed by (device, first sector). The agent picks one variant per hook.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "bits.bpf.h"
#include "maps.bpf.h"
#include "corewatch/block.h"
#include "compat.bpf.h"

#define REQ_OP_BITS 8
#define REQ_OP_MASK ((1 << REQ_OP_BITS) - 1)

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BIO_INFLIGHT_MAX);
	__type(key, struct bio_rq_key);
	__type(value, struct bio_start);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, BIO_KEYS_MAX);
	__type(key, struct bio_key);
	__type(value, struct bio_val);
} by_dev SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, BIO_KEYS_MAX);
	__type(key, struct bio_key);
	__type(value, struct bio_max);
} maxima SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bio_pcpu);
} pcpu SEC(".maps");

/* Zeroed values to create per-CPU entries from (bio_val is too large for the BPF stack). */
const struct bio_val zero_val = {};
const struct bio_max zero_max = {};

static __always_inline struct bio_pcpu *stats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&pcpu, &zero);
}

/* The request argument of insert/issue: first since 5.11, after the request_queue before. */
static __always_inline struct request *rq_arg(__u64 *ctx)
{
	return (struct request *)(block_rq_single_arg ? ctx[0] : ctx[1]);
}

static __always_inline struct bio_rq_key rq_key(struct request *rq)
{
	struct bio_rq_key k = { .lo = (__u64)rq };

	return k;
}

static __always_inline struct bio_rq_key dev_sector_key(__u32 dev, __u64 sector)
{
	struct bio_rq_key k = { .lo = dev, .hi = sector };

	return k;
}

static __always_inline int on_start(struct bio_rq_key key, bool issue)
{
	struct bio_pcpu *s = stats();
	__u64 now = bpf_ktime_get_ns();
	struct bio_start *st, fresh = {};

	if (!s)
		return 0;
	if (issue)
		s->issues++;
	else
		s->inserts++;
	st = bpf_map_lookup_elem(&start, &key);
	if (st) {
		if (issue)
			st->issue_ns = now;
		else
			st->insert_ns = now;
		return 0;
	}
	if (issue)
		fresh.issue_ns = now;
	else
		fresh.insert_ns = now;
	if (bpf_map_update_elem(&start, &key, &fresh, BPF_NOEXIST) == 0)
		s->inflight++;
	else
		s->start_full++;
	return 0;
}

static __always_inline __u32 op_of(struct request *rq)
{
	__u32 op = BPF_CORE_READ(rq, cmd_flags) & REQ_OP_MASK;

	switch (op) {
	case 0: return BIO_OP_READ;   /* REQ_OP_READ */
	case 1: return BIO_OP_WRITE;  /* REQ_OP_WRITE */
	case 2: return BIO_OP_FLUSH;  /* REQ_OP_FLUSH */
	case 3: return BIO_OP_DISCARD; /* REQ_OP_DISCARD */
	default: return BIO_OP_OTHER;
	}
}

/* The operation from the first two letters of a tracepoint's rwbs text (blk_fill_rwbs): an optional
 * leading 'F' marks a preflush, then comes the op letter. Passed as values: the verifier allows only
 * constant-offset loads from a tracepoint's context. */
static __always_inline __u32 op_of_rwbs(char c, char next)
{
	if (c == 'F' && (next == 'W' || next == 'R' || next == 'D' || next == 'F' || next == 'N'))
		c = next;
	switch (c) {
	case 'R': return BIO_OP_READ;
	case 'W': return BIO_OP_WRITE;
	case 'F': return BIO_OP_FLUSH;
	case 'D': return BIO_OP_DISCARD;
	default: return BIO_OP_OTHER;
	}
}

/* Every completion counts, as /proc/diskstats counts it: also one whose issue was not seen (issued
 * before attach, or the start map full), and the second completion of a write that went through the
 * flush machinery (REQ_PREFLUSH/REQ_FUA on a device that needs a separate flush: blk-flush ends the
 * data request again once its post-flush is done, and diskstats counts that end too; an O_DSYNC
 * direct write is two writes there). Only a completion whose issue was seen is timed. */
static __always_inline int on_complete(struct bio_rq_key key, __u32 dev, __u32 op, __u64 nr_bytes)
{
	struct bio_pcpu *s = stats();
	__u64 now = bpf_ktime_get_ns(), lat_us = 0, queue_us = 0;
	bool timed = false, queued = false;
	struct bio_start *st;
	struct bio_key k;
	struct bio_val *v;
	struct bio_max *m;

	if (!s)
		return 0;
	s->completes++;
	st = bpf_map_lookup_elem(&start, &key);
	if (st) {
		if (st->issue_ns && st->issue_ns <= now) {
			timed = true;
			lat_us = (now - st->issue_ns) / 1000;
			queued = st->insert_ns && st->insert_ns <= st->issue_ns;
			if (queued)
				queue_us = (st->issue_ns - st->insert_ns) / 1000;
		}
		bpf_map_delete_elem(&start, &key);
		s->inflight--;
	}

	k.dev = dev;
	k.op = op;
	v = map_lookup_or_init(&by_dev, &k, &zero_val);
	if (!v) {
		s->by_dev_full++;
		return 0;
	}
	v->ops++;
	v->bytes += nr_bytes;
	if (!timed)
		return 0;
	hist_add(&v->latency, lat_us);
	if (queued)
		hist_add(&v->queue, queue_us);
	m = map_lookup_or_init(&maxima, &k, &zero_max);
	if (m) {
		if (lat_us > m->latency_us)
			m->latency_us = lat_us;
		if (queued && queue_us > m->queue_us)
			m->queue_us = queue_us;
	} else {
		s->by_dev_full++;
	}
	return 0;
}

static __always_inline int complete_rq(struct request *rq, unsigned int nr_bytes)
{
	return on_complete(rq_key(rq), request_dev(rq), op_of(rq), nr_bytes);
}

SEC("tp_btf/block_rq_insert")
int insert_btf(__u64 *ctx) { return on_start(rq_key(rq_arg(ctx)), false); }
SEC("tp_btf/block_rq_issue")
int issue_btf(__u64 *ctx) { return on_start(rq_key(rq_arg(ctx)), true); }
SEC("tp_btf/block_rq_complete")
int BPF_PROG(complete_btf, struct request *rq, int error, unsigned int nr_bytes)
{
	return complete_rq(rq, nr_bytes);
}

SEC("raw_tp/block_rq_insert")
int insert_raw(struct bpf_raw_tracepoint_args *ctx) { return on_start(rq_key(rq_arg(ctx->args)), false); }
SEC("raw_tp/block_rq_issue")
int issue_raw(struct bpf_raw_tracepoint_args *ctx) { return on_start(rq_key(rq_arg(ctx->args)), true); }
SEC("raw_tp/block_rq_complete")
int BPF_PROG(complete_raw, struct request *rq, int error, unsigned int nr_bytes)
{
	return complete_rq(rq, nr_bytes);
}

/* Plain tracepoints: the formatted event, no request pointer. Their dev is the kernel's dev_t,
 * encoded like request_dev(). */
SEC("tracepoint/block/block_rq_insert")
int insert_tp(struct trace_event_raw_block_rq *ctx)
{
	return on_start(dev_sector_key(ctx->dev, ctx->sector), false);
}
SEC("tracepoint/block/block_rq_issue")
int issue_tp(struct trace_event_raw_block_rq *ctx)
{
	return on_start(dev_sector_key(ctx->dev, ctx->sector), true);
}
SEC("tracepoint/block/block_rq_complete")
int complete_tp(struct trace_event_raw_block_rq_completion *ctx)
{
	return on_complete(dev_sector_key(ctx->dev, ctx->sector), ctx->dev,
			   op_of_rwbs(ctx->rwbs[0], ctx->rwbs[1]), (__u64)ctx->nr_sector * 512);
}
