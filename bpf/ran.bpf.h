/* SPDX-License-Identifier: GPL-2.0-only */
/* ran.bpf.h - which processes ran: set by the switch program (sched.bpf.c) for the task leaving a
 * CPU, taken by the task-list walk (taskwalk.bpf.c), which reads the threads of those processes
 * only. A process none of whose threads ran since the last walk has the CPU time it had then, so
 * 20,000 sleeping threads cost the walk nothing. The agent gives both objects the same maps. */
#ifndef COREWATCH_RAN_BPF_H
#define COREWATCH_RAN_BPF_H

#include "corewatch/sched.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ran_flags);
} ran_procs SEC(".maps");

/* The sched object's per-CPU counters (one element): the switch program writes on_cpu there,
 * the walk reads it (the agent gives the walk this map too). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sched_pcpu);
} pcpu SEC(".maps");

static __always_inline __u32 *ran_slot(__u32 tgid)
{
	__u32 zero = 0;
	struct ran_flags *f = bpf_map_lookup_elem(&ran_procs, &zero);

	return f ? &f->slot[tgid & (RAN_SLOTS - 1)] : NULL;
}

/* A thread of tgid ran. Written only when not yet set: the line stays shared between CPUs. */
static __always_inline void ran_mark(__u32 tgid)
{
	__u32 *s = ran_slot(tgid);

	if (s && !*s)
		*s = 1;
}

/* Whether a thread of tgid may have run since the last call for it (true when unknown), clearing
 * the mark before its threads are read: the exchange is a full barrier, so a switch after it marks
 * the process again for the next walk. (A switch racing it on another CPU, whose runtime store is
 * not yet visible when its mark is seen still set, leaves that slice to the process's next run: an
 * interval late, never lost while the process lives; its exit is a switch too.) Two processes
 * sharing a slot are both read when either ran. Needs BPF_XCHG (-mcpu=v3, 5.12+): the walk only. */
static __always_inline bool ran_take(__u32 tgid)
{
	__u32 *s = ran_slot(tgid);

	if (!s)
		return true;
	if (!*s)
		return false;
	__sync_lock_test_and_set(s, 0);
	return true;
}

#endif
