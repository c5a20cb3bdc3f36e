/* SPDX-License-Identifier: GPL-2.0-only */
/* bits.bpf.h - log2 histogram helpers for the eBPF programs. */
#ifndef COREWATCH_BITS_BPF_H
#define COREWATCH_BITS_BPF_H

#include "corewatch/hist.h"

_Static_assert((HIST_SLOTS & (HIST_SLOTS - 1)) == 0, "HIST_SLOTS must be a power of two");

/* Index of the highest set bit + 1 (0 for 0): the histogram slot of v. Branch-light, no loops. */
static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xffffffffULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xffff) << 4; v >>= shift; r |= shift;
	shift = (v > 0xff) << 3; v >>= shift; r |= shift;
	shift = (v > 0xf) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return v ? r + 1 : 0;
}

/* Adds v to h (non-atomic: h must be per-CPU). */
static __always_inline void hist_add(struct hist *h, __u64 v)
{
	__u64 s = log2_slot(v);

	if (s >= HIST_SLOTS)
		s = HIST_SLOTS - 1;
#ifdef __bpf__
	/* clang knows s < HIST_SLOTS and would drop a plain mask; the verifier needs to see it. */
	asm volatile("%[s] &= %[m]" : [s] "+r"(s) : [m] "i"(HIST_SLOTS - 1));
#endif
	h->slots[s]++;
	h->count++;
	h->sum += v;
}

#endif
