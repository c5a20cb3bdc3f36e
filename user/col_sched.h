/* SPDX-License-Identifier: GPL-2.0-only */
/* col_sched.h - what the sched eBPF collector (col_sched.c) tells others between records. */
#ifndef COREWATCH_COL_SCHED_H
#define COREWATCH_COL_SCHED_H

#include <stdint.h>

/* Process tgid's CPU time and run-queue wait between the collector's last two samples, each as a
 * percentage of the time between them (of one CPU: 200 is two CPUs busy). Returns 0, or -ENOENT when
 * the collector is not running, has fewer than two samples, or did not see that process in both
 * (and it was not born between them). */
int sched_proc_interval(uint32_t tgid, double *cpu_pct, double *runqueue_wait_pct);

#endif
