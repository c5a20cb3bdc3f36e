// SPDX-License-Identifier: GPL-2.0-only
/* taskwalk.bpf.c - per-process CPU and run-queue wait on 6.7+: one run of a syscall program (from
 * the sched collector, bpf_prog_test_run once per interval) walks the process and thread lists
 * and writes one record per process. Its own object: it names kfuncs older kernels lack. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "compat.bpf.h"
#include "corewatch/sched.h"
#include "ran.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* 6.7, "bpf: Introduce task open coded iterator kfuncs": bpf_iter_task_{new,next,destroy} walk
 * the process and thread lists under RCU, where an iter/task program runs once per pid looked up
 * (10.5 ms for 20,000 threads against 6.8 ms, cold). The agent loads this object only where the
 * kernel's BTF has them, and iter/task (sched.bpf.c) stays the way everywhere else: an extern kfunc
 * the kernel lacks makes libbpf search the modules' BTF, which needs CAP_SYS_ADMIN, and without it
 * the whole object fails (the sched object did, under the unit on 6.1). bpf_rcu_read_lock and
 * bpf_task_acquire on an RCU pointer (6.2) are older than they are. */
extern int bpf_iter_task_new(struct bpf_iter_task *it, struct task_struct *task, unsigned int flags) __ksym __weak;
extern struct task_struct *bpf_iter_task_next(struct bpf_iter_task *it) __ksym __weak;
extern void bpf_iter_task_destroy(struct bpf_iter_task *it) __ksym __weak;
extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;
extern void bpf_rcu_read_lock(void) __ksym __weak;
extern void bpf_rcu_read_unlock(void) __ksym __weak;
#define TASK_ITER_ALL_PROCS 0     /* BPF_TASK_ITER_ALL_PROCS of kernel/bpf/task_iter.c */
#define TASK_ITER_PROC_THREADS 2  /* BPF_TASK_ITER_PROC_THREADS */

/* The walk's output, one process per element from 0; walk_n of them this run, walk_left_out_now
 * the processes past WALK_PROCS in this run, walk_left_out in all runs. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WALK_PROCS);
	__type(key, __u32);
	__type(value, struct task_sample);
} walk_out SEC(".maps");

/* Set before load: ran_procs is the sched object's, which marks the processes that ran; and the
 * CPUs possible, for the ones running now. */
const volatile bool use_ran = false;
const volatile __u32 nr_cpus = 1;
/* Set by the agent before a run: read every process's threads this time (the first run, and after
 * a run whose output it could not read); cleared by the run. */
volatile __u32 walk_all = 0;

volatile __u32 walk_n = 0;
volatile __u32 walk_left_out_now = 0; /* this run's */
volatile __u64 walk_left_out = 0;

/* The tasks on a CPU now ran too, though their switch is to come: a thread that has the CPU to
 * itself is switched to once and then runs for as long as it likes, its runtime growing at ticks.
 * (The kernel's runqueues would say it, but its address is not in kallsyms without
 * CONFIG_KALLSYMS_ALL.) */
static long mark_current(__u64 cpu, void *ctx)
{
	__u32 zero = 0;
	struct sched_pcpu *s = bpf_map_lookup_percpu_elem(&pcpu, &zero, (__u32)cpu);

	if (s && (s->on_cpu & ON_CPU_SEEN) && (__u32)s->on_cpu)
		ran_mark((__u32)s->on_cpu);
	return 0;
}

/* A CPU that has not switched since load runs a task no switch named: one that had it before the
 * agent started, alone there since. The full walk (the first) names it from the thread: only if
 * no switch did meanwhile (which knows better), hence the compare-and-swap from 0. */
static __always_inline void note_on_cpu(struct task_struct *t)
{
	__u32 zero = 0, cpu;
	struct sched_pcpu *s;

	if (!bpf_core_field_exists(t->thread_info.cpu) || !task_on_cpu(t))
		return;
	cpu = t->thread_info.cpu;
	if (cpu < nr_cpus && (s = bpf_map_lookup_percpu_elem(&pcpu, &zero, cpu)) && !s->on_cpu)
		__sync_val_compare_and_swap(&s->on_cpu, 0, ON_CPU_SEEN | t->tgid);
}

/* Every process (every thread group, kernel threads too), its live threads summed; with use_ran,
 * only those that ran since the last run have their threads read (ran.bpf.h), the rest are
 * written idle with the leader's fields. Globals hold the position (walk_n), so the verifier sees
 * no counter grow in registers across iterations. */
SEC("syscall")
int walk_procs(void *ctx)
{
	struct bpf_iter_task procs, threads;
	struct task_struct *p, *t, *ref;

	walk_n = 0;
	walk_left_out_now = 0;
	if (use_ran && !walk_all)
		bpf_loop(nr_cpus, mark_current, NULL, 0);
	bpf_rcu_read_lock();
	bpf_iter_task_new(&procs, NULL, TASK_ITER_ALL_PROCS);
	while ((p = bpf_iter_task_next(&procs))) {
		__u32 i = walk_n;
		struct task_sample *r;
		__u64 run = 0, delay = 0;

		if (p->tgid == 0) /* the idle task: iter/task never shows it either */
			continue;
		if (i >= WALK_PROCS) {
			walk_left_out_now++;
			walk_left_out++;
			continue;
		}
		r = bpf_map_lookup_elem(&walk_out, &i);
		if (!r)
			continue;
		/* taken even on a full walk: the marks start from this one */
		r->idle = use_ran && !ran_take(p->tgid) && !walk_all;
		if (!r->idle) {
			/* the thread walk wants a referenced task: the process walk's is RCU-protected only */
			if (!(ref = bpf_task_acquire(p)))
				continue;
			bpf_iter_task_new(&threads, ref, TASK_ITER_PROC_THREADS);
			while ((t = bpf_iter_task_next(&threads))) {
				run += t->se.sum_exec_runtime;
				if (use_ran && walk_all)
					note_on_cpu(t);
				if (bpf_core_field_exists(t->sched_info.run_delay))
					delay += t->sched_info.run_delay;
			}
			bpf_iter_task_destroy(&threads);
			bpf_task_release(ref);
		}
		r->pid = r->tgid = p->tgid;
		r->leader_start_ns = p->start_time;
		r->runtime_ns = run;
		r->run_delay_ns = delay;
		r->dead_runtime_ns = BPF_CORE_READ(p, signal, sum_sched_runtime);
		BPF_CORE_READ_STR_INTO(&r->comm, p, comm);
		r->cgroup_id = BPF_CORE_READ(p, cgroups, dfl_cgrp, kn, id);
		walk_n = i + 1;
	}
	bpf_iter_task_destroy(&procs);
	bpf_rcu_read_unlock();
	walk_all = 0;
	return 0;
}
