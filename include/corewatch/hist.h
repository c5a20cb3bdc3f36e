/* SPDX-License-Identifier: GPL-2.0-only */
/* hist.h - the log2 histogram shared by the eBPF programs and the agent. Fixed-width types only. */
#ifndef COREWATCH_HIST_H
#define COREWATCH_HIST_H

/* Slot 0 counts values of 0; slot i (i >= 1) counts values in [2^(i-1), 2^i). With microseconds the
 * last slot starts at 2^30 us (18 min) and takes everything above. A power of two, so that the eBPF
 * side can mask the index, which the verifier always accepts as in bounds. */
#define HIST_SLOTS 32

struct hist {
	__u64 slots[HIST_SLOTS];
	__u64 count;
	__u64 sum;
};

#endif
