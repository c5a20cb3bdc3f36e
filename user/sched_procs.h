/* SPDX-License-Identifier: GPL-2.0-only */
/* sched_procs.h - per-process CPU time and run-queue wait for the sched collector (col_sched.c):
 * one pass over the tasks per sample (the task-list walk, bpf/taskwalk.bpf.c, on 6.7+; else the
 * sched object's task iterator), folded into processes, the last two samples kept. */
#ifndef COREWATCH_SCHED_PROCS_H
#define COREWATCH_SCHED_PROCS_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/types.h>

#include <cJSON.h>

struct sched_bpf;
struct taskwalk_bpf;
struct bpf_link;
struct task_sample;
struct proc_cpu;

struct sched_procs {
	struct taskwalk_bpf *tw; /* per-process CPU from walk_procs (6.7+), or NULL: the task iterator */
	struct bpf_link *iter;
	__u32 *walk_keys;        /* walk_out's keys for a batch lookup, WALK_PROCS of them */
	bool walked;             /* the last read's walk ran: walk_procs_n is its count */
	bool walk_lost;          /* the last walk's output was not folded into procs[] */
	__u64 walk_procs_n;
	int cur;
	/* processes at the last two samples, sorted by (tgid, start) */
	struct proc_cpu *procs[2];
	size_t nprocs[2], cap[2];
	double t_mono[2];
	struct task_sample *tasks;
	size_t ntasks, tasks_cap;
};

/* Whether the task-list walk is to be used: the kernel has the task iterator kfuncs (6.7) and
 * COREWATCH_BPF_FORCE_TASK_ITER does not ask for iter/task. (The sched object marks the processes
 * that ran only then.) */
bool sched_procs_walk_wanted(void);

/* Sets up *p (zeroed by the caller) over the loaded sched object k: the walk, which shares k's
 * maps, or k's task iterator. Returns 0, or -errno when neither can run. */
int sched_procs_open(struct sched_procs *p, const struct sched_bpf *k);

/* Reads every task and folds them into processes: the newest sample, stamped now (CLOCK_MONOTONIC).
 * Returns 0, or -errno: the newest sample stays the current one (the older may be partly
 * overwritten; with the walk, the next run reads every process). */
int sched_procs_read(struct sched_procs *p);

/* Processes the walk's output could not hold (WALK_PROCS), counted since load; 0 without the walk. */
__u64 sched_procs_left_out(const struct sched_procs *p);

/* Process tgid's CPU and run-queue wait between the last two samples, as percentages of the time
 * between them (see sched_proc_interval). Returns 0 or -ENOENT. */
int sched_procs_interval(const struct sched_procs *p, __u32 tgid, double *cpu_pct, double *runqueue_wait_pct);

/* Adds "top_cpu" to o: the top_n processes by CPU in the last interval of dt seconds. */
void sched_procs_emit_top(const struct sched_procs *p, cJSON *o, double dt, unsigned top_n);

/* Frees what *p holds (not p). */
void sched_procs_free(struct sched_procs *p);

#endif
