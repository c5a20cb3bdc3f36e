/* SPDX-License-Identifier: GPL-2.0-only */
/* col_sched.h - what the sched eBPF collector (col_sched.c) tells others between records. */
#ifndef COREWATCH_COL_SCHED_H
#define COREWATCH_COL_SCHED_H

#include <stdbool.h>
#include <stdint.h>

/* Process tgid's CPU time and run-queue wait between the collector's last two samples, each as a
 * percentage of the time between them (of one CPU: 200 is two CPUs busy). Returns 0, or -ENOENT when
 * the collector is not running, has fewer than two samples, or did not see that process in both
 * (and it was not born between them). */
int sched_proc_interval(uint32_t tgid, double *cpu_pct, double *runqueue_wait_pct);

/* Whether the running collector walks the task lists (6.7+), so it counts the processes of each
 * sample (sched_process_count) and /proc need not be read for them. */
bool sched_counts_processes(void);
/* The processes (thread groups, kernel threads included) the task-list walk of the collector's
 * last sample counted into *n. Returns 0, or -ENOENT when that sample had no walk. */
int sched_process_count(uint64_t *n);

struct socket_sample;
/* Calls fn(ctx, sample) for every socket every process holds (the eBPF task_file iterator: no
 * ptrace rights over the processes needed, unlike /proc/PID/fd). Returns 0, -ENOTSUP when the sched
 * collector or its iterator is not running, or -errno of the read. */
int sched_socket_owners(void (*fn)(void *ctx, const struct socket_sample *ss), void *ctx);

#endif
