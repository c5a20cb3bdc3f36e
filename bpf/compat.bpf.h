/* SPDX-License-Identifier: GPL-2.0-only */
/* compat.bpf.h - every kernel-version shim of corewatch's eBPF programs, each naming the kernel change
 * it covers. CO-RE (bpf_core_field_exists and ___suffix flavours) picks the right one at load time. */
#ifndef COREWATCH_COMPAT_BPF_H
#define COREWATCH_COMPAT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>

/* 5.14, 2f064a59a11f "sched: Change task_struct::state": state became __state. */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline unsigned int task_state(const struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return (unsigned int)BPF_CORE_READ((const struct task_struct___pre514 *)t, state);
}

/* 5.17, f3fa33acca9f "block: remove the ->rq_disk field in struct request": use rq->q->disk. */
struct request___pre517 {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

static __always_inline __u32 request_dev(const struct request *rq)
{
	struct gendisk *disk;

	if (bpf_core_field_exists(((const struct request___pre517 *)rq)->rq_disk))
		disk = BPF_CORE_READ((const struct request___pre517 *)rq, rq_disk);
	else
		disk = BPF_CORE_READ(rq, q, disk);
	if (!disk)
		return 0;
	/* the same encoding as the kernel's MKDEV: major << 20 | minor */
	return ((__u32)BPF_CORE_READ(disk, major) << 20) | (__u32)BPF_CORE_READ(disk, first_minor);
}

/* 5.11, a54895fa057c "block: remove the request_queue to argument request based tracepoints":
 * block_rq_insert/issue/complete took (q, rq) before, (rq) since. The agent reads the tracepoint's
 * prototype from the kernel BTF and sets this before load. */
const volatile bool block_rq_single_arg = true;

/* 6.2, f1a7941243c1 "mm: convert mm's rss stats into percpu_counter": rss_stat was a struct of
 * atomic_long_t counters before, an array of percpu_counter (whose .count is the approximate sum)
 * since. */
struct mm_rss_stat___pre62 {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));
struct mm_struct___pre62 {
	struct mm_rss_stat___pre62 rss_stat;
} __attribute__((preserve_access_index));

static __always_inline long mm_counter(const struct mm_struct *mm, int member)
{
	long v;

	if (bpf_core_type_exists(struct mm_rss_stat___pre62) &&
	    bpf_core_field_exists(((struct mm_struct___pre62 *)mm)->rss_stat.count)) {
		v = BPF_CORE_READ((struct mm_struct___pre62 *)mm, rss_stat.count[member].counter);
	} else {
		v = BPF_CORE_READ(mm, rss_stat[member].count);
	}
	return v < 0 ? 0 : v;
}

/* 7.x (int through 6.18; u8 in the 7.3 BTF): task_struct::on_cpu became a u8. A plain read of the
 * int is a CO-RE relocation libbpf cannot resolve there, so the walk would not load: read it at
 * the running kernel's size (the bitfield read takes any integer field). Whether t runs on a CPU
 * now; false where the field does not exist (!CONFIG_SMP). */
static __always_inline bool task_on_cpu(const struct task_struct *t)
{
	if (!bpf_core_field_exists(t->on_cpu))
		return false;
	return BPF_CORE_READ_BITFIELD(t, on_cpu) != 0;
}


#endif
