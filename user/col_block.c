// SPDX-License-Identifier: GPL-2.0-only
/* col_block.c - the block I/O section ("block") from bpf/block.bpf.c: per device and operation,
 * ops, bytes, service-time and queue-time histograms for the interval. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "corewatch/block.h"
#include "block.skel.h" /* after the structs it names */
#include "bpf_load.h"
#include "collector.h"
#include "histogram.h"
#include "log.h"
#include "util.h"
#include "totals.h"

static const char *const op_names[BIO_NOPS] = { "read", "write", "flush", "discard", "other" };

/* One (device, op): the per-CPU values summed at the last two samples. */
struct bio_entry {
	struct bio_key key;
	char device[32];
	struct bio_val prev, cur;
	struct bio_max max;
	bool seen;
};

struct block_state {
	struct bpf_base base;
	struct block_bpf *skel;
	int ncpu;
	struct bio_entry *v;
	size_t n, cap;
	void *buf;          /* ncpu values of the largest per-CPU struct */
	struct bio_max *zero_max;
	__s64 inflight;
	__u64 start_full, by_dev_full; /* failed inserts since load, over the CPUs */
};

static struct bpf_status status = { .name = "block" };

static void block_free(void *state)
{
	struct block_state *s = state;

	if (!s)
		return;
	bpf_base_stop(&s->base);
	block_bpf__destroy(s->skel);
	free(s->v);
	free(s->buf);
	free(s->zero_max);
	free(s);
}

/* Opens the program and describes its hooks for one load attempt (bpf_open_fn). */
static struct bpf_object *block_open(struct bpf_base *b)
{
	struct block_state *s = (struct block_state *)b;
	struct block_bpf *k;
	int nparams = 1;

	block_bpf__destroy(s->skel);
	s->skel = k = block_bpf__open_opts(bpf_open_opts());
	if (!k)
		return NULL;
	b->skeleton = k->skeleton;
	/* 5.11 dropped the request_queue argument of block_rq_insert/issue: ask the kernel's BTF. */
	if (kernel_btf_has_tracepoint("block_rq_issue", &nparams))
		k->rodata->block_rq_single_arg = nparams == 1;
	struct bpf_hook hooks[] = {
		{ .tp = "block_rq_issue", .btf = k->progs.issue_btf, .raw = k->progs.issue_raw,
		  .plain = k->progs.issue_tp },
		{ .tp = "block_rq_complete", .btf = k->progs.complete_btf, .raw = k->progs.complete_raw,
		  .plain = k->progs.complete_tp },
		/* devices without an I/O scheduler never insert: queue times are then absent */
		{ .tp = "block_rq_insert", .btf = k->progs.insert_btf, .raw = k->progs.insert_raw,
		  .plain = k->progs.insert_tp, .optional = true },
	};
	memcpy(b->hooks, hooks, sizeof(hooks));
	b->nhooks = ARRAY_SIZE(hooks);
	return k->obj;
}

static int block_init(const struct collector_env *env, void **state)
{
	struct block_state *s;
	int err;

	if ((err = bpf_base_new(env, sizeof(*s), &status, state)) < 0)
		return err;
	s = *state;
	s->ncpu = bpf_ncpus();
	s->buf = calloc((size_t)s->ncpu, sizeof(struct bio_val));
	s->zero_max = calloc((size_t)s->ncpu, sizeof(struct bio_max));
	if (!s->buf || !s->zero_max)
		return bpf_program_failed(&status, "out of memory", ENOMEM, block_free, s);
	if ((err = bpf_base_load(&s->base, block_open)) < 0) {
		block_free(s);
		return err;
	}
	return 0;
}

/* The device's kernel name from sysfs (/sys/dev/block/M:m is a link ending in it). */
static void device_name(const struct block_state *s, __u32 dev, char *out, size_t len)
{
	char rel[64], path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(rel, sizeof(rel), "dev/block/%u:%u", dev >> 20, dev & 0xfffff);
	snprintf(out, len, "%u:%u", dev >> 20, dev & 0xfffff);
	if (!path_join(path, sizeof(path), s->base.env->sys_root, rel))
		return;
	n = readlink(path, target, sizeof(target) - 1);
	if (n > 0) {
		const char *base;
		size_t l;

		target[n] = '\0';
		base = strrchr(target, '/');
		base = base ? base + 1 : target;
		l = strlen(base) < len ? strlen(base) : len - 1;
		memcpy(out, base, l);
		out[l] = '\0';
	}
}

static struct bio_entry *entry_for(struct block_state *s, const struct bio_key *k)
{
	struct bio_entry *e;

	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].key.dev == k->dev && s->v[i].key.op == k->op)
			return &s->v[i];
	if (array_reserve(&s->v, &s->cap, s->n + 1, sizeof(*s->v), 16) < 0)
		return NULL;
	e = &s->v[s->n++];
	memset(e, 0, sizeof(*e));
	e->key = *k;
	device_name(s, k->dev, e->device, sizeof(e->device));
	return e;
}

static int block_sample(void *state)
{
	struct block_state *s = state;
	int fd = bpf_map__fd(s->skel->maps.by_dev), mfd = bpf_map__fd(s->skel->maps.maxima);
	struct bio_key key, next, *prev = NULL;
	struct bio_pcpu *pc;
	__u32 zero = 0;

	for (size_t i = 0; i < s->n; i++)
		s->v[i].seen = false;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct bio_entry *e;
		struct bio_val sum;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, s->buf) != 0)
			continue;
		percpu_sum(s->buf, s->ncpu, sizeof(sum) / sizeof(__u64), (__u64 *)&sum);
		e = entry_for(s, &key);
		if (!e)
			return -ENOMEM;
		/* A new key's previous value is zero: it had no count at the last sample. */
		e->prev = e->cur;
		e->cur = sum;
		e->seen = true;
		memset(&e->max, 0, sizeof(e->max));
		if (bpf_map_lookup_elem(mfd, &key, s->buf) == 0) {
			const struct bio_max *m = s->buf;

			for (int c = 0; c < s->ncpu; c++) {
				if (m[c].latency_us > e->max.latency_us)
					e->max.latency_us = m[c].latency_us;
				if (m[c].queue_us > e->max.queue_us)
					e->max.queue_us = m[c].queue_us;
			}
			bpf_map_update_elem(mfd, &key, s->zero_max, BPF_EXIST);
		}
	}
	/* The walk ends with ENOENT; anything else (EPERM where reading maps needs CAP_BPF) is a
	 * failed sample, not an idle disk. */
	if (errno != ENOENT)
		return -errno;
	pc = s->buf;
	if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.pcpu), &zero, pc) == 0) {
		__u64 events = 0;
		__s64 inflight = 0;

		s->start_full = s->by_dev_full = 0;
		for (int c = 0; c < s->ncpu; c++) {
			events += pc[c].inserts + pc[c].issues + pc[c].completes;
			s->start_full += pc[c].start_full;
			s->by_dev_full += pc[c].by_dev_full;
			inflight += pc[c].inflight;
		}
		bpf_status_counters(&status, events, 0, s->start_full + s->by_dev_full);
		s->inflight = inflight < 0 ? 0 : inflight;
	}
	bpf_status_map(&status, 0, "start", (uint64_t)s->inflight, BIO_INFLIGHT_MAX, s->start_full);
	bpf_status_map(&status, 1, "by_dev", s->n, BIO_KEYS_MAX, s->by_dev_full);
	return 0;
}

static void block_emit(void *state, cJSON *record, double dt)
{
	struct block_state *s = state;
	cJSON *arr = jarr(jobj(record, "block"), "devices");

	for (size_t i = 0; i < s->n; i++) {
		const struct bio_entry *e = &s->v[i];
		struct hist d;
		cJSON *o;

		/* an op with no request in the interval has no latency to report (disks[] has the zeros) */
		if (!e->seen || (e->cur.ops == e->prev.ops && e->cur.latency.count == e->prev.latency.count &&
				 e->cur.queue.count == e->prev.queue.count))
			continue;
		o = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, o);
		jstr(o, "device", e->device);
		jstr(o, "op", e->key.op < BIO_NOPS ? op_names[e->key.op] : "other");
		jrate(o, "ops_per_s", safe_div((double)(e->cur.ops - e->prev.ops), dt));
		jrate(o, "bytes_per_s", safe_div((double)(e->cur.bytes - e->prev.bytes), dt));
		hist_delta(&e->prev.latency, &e->cur.latency, &d);
		hist_emit(jobj(o, "latency_us"), &d, e->max.latency_us);
		hist_delta(&e->prev.queue, &e->cur.queue, &d);
		hist_emit(jobj(o, "queue_us"), &d, e->max.queue_us);
	}
}

/* Per (device, op), cumulative since load: operations, bytes and the latency histograms (eBPF). */
static void block_totals(void *state, cJSON *t)
{
	const struct block_state *s = state;

	for (size_t i = 0; i < s->n; i++) {
		const struct bio_entry *e = &s->v[i];
		totals_labels l = TL("device", e->device, "op", e->key.op < BIO_NOPS ? op_names[e->key.op] : "other");

		if (!e->seen)
			continue;
		totals_add(t, "block_io_ops_total", "counter", "Block requests completed (eBPF)", l, (double)e->cur.ops);
		totals_add(t, "block_io_bytes_total", "counter", "Bytes of completed block requests (eBPF)", l,
			   (double)e->cur.bytes);
		totals_hist(t, "block_io_latency_seconds", "Block request service time, issue to completion (eBPF, log2 buckets)",
			    1e-6, l, &e->cur.latency, (double)e->cur.latency.sum * 1e-6);
		totals_hist(t, "block_io_queue_seconds", "Block request time in the I/O scheduler, insert to issue (eBPF, log2 buckets)",
			    1e-6, l, &e->cur.queue, (double)e->cur.queue.sum * 1e-6);
	}
}

const struct collector_ops block_collector = {
	.name = "block", .init = block_init, .snapshot = block_sample, .emit = block_emit,
	.free = block_free,
	.totals = block_totals,
};
