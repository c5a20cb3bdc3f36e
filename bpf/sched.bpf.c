// SPDX-License-Identifier: GPL-2.0-only
/* sched.bpf.c - scheduler collectors: context switches and run-queue latency per CPU (the only work
 * done on every switch), process churn and short-lived processes, OOM kills as ring-buffer events,
 * and a task iterator the agent reads once per interval for per-process CPU and run-queue wait.
 *
 * Each hook has a tp_btf program and a raw_tp twin; the agent autoloads one of them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "bits.bpf.h"
#include "maps.bpf.h"
#include "compat.bpf.h"
#include "corewatch/sched.h"
#include "ran.bpf.h"

#define TASK_RUNNING 0

char LICENSE[] SEC("license") = "GPL";

/* Set by the agent before load. */
const volatile __u32 page_kb = 4;
/* The task-list walk (taskwalk.bpf.c) reads only the processes that ran: mark them (ran.bpf.h). */
const volatile bool mark_ran = false;
/* Written by the agent at every sample: processes that start after it and exit before the next
 * sample are short-lived. CLOCK_MONOTONIC ns, like task->start_time. */
volatile __u64 interval_start_ns = 0;

/* Largest run-queue latency per CPU since the agent last zeroed it (every interval): apart from the
 * cumulative counters, so that zeroing it never loses a count. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} rq_max SEC(".maps");

/* When each runnable task was queued (woken, or preempted while runnable). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} queued_at SEC(".maps");

/* What the fast path remembers of each task when it last left a CPU (see switch_si). */
struct task_out {
	__u64 run_delay;  /* its sched_info.run_delay then */
	__u64 stale_ns;   /* how far behind the run queue's clock was, when it was preempted */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_out);
} at_out SEC(".maps");

/* Per CPU: the lowest offset between ktime and this run queue's clock seen lately (see
 * rq_clock_now). */
struct rq_cal {
	__s64 off;
	__u64 at;  /* ktime when it was seen */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rq_cal);
} rq_cal SEC(".maps");

/* The same for the raw_tp fallback, which has no task storage: bounded by pid. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WAKEUP_PIDS);
	__type(key, __u32);
	__type(value, __u64);
} queued_at_pid SEC(".maps");

/* comm -> short-lived processes with that name; the agent reads and clears it every interval. A
 * plain hash: a name that finds it full is counted (short_comms_full), not evicting another. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SHORT_LIVED_COMMS);
	__type(key, char[TASK_COMM_LEN]);
	__type(value, __u64);
} short_comms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

static __always_inline struct sched_pcpu *stats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&pcpu, &zero);
}

/* One run-queue wait of wait_ns, seen on this CPU. */
static __always_inline void rq_record(struct sched_pcpu *s, __u64 wait_ns)
{
	__u64 us = wait_ns / 1000, *max;
	__u32 zero = 0;

	s->rq_wait_ns += wait_ns;
	hist_add(&s->rq, us);
	max = bpf_map_lookup_elem(&rq_max, &zero);
	if (max && us > *max)
		*max = us;
}

static __always_inline void mark_queued(struct task_struct *t, __u64 now, bool btf)
{
	if (btf) {
		__u64 *ts = bpf_task_storage_get(&queued_at, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

		if (ts)
			*ts = now;
	} else {
		__u32 pid = BPF_CORE_READ(t, pid);

		if (bpf_map_update_elem(&queued_at_pid, &pid, &now, BPF_ANY)) {
			struct sched_pcpu *s = stats();

			if (s)
				s->queued_at_pid_full++;
		}
	}
}

static __always_inline int on_wakeup(struct task_struct *t, bool btf)
{
	struct sched_pcpu *s = stats();

	if (s)
		s->wakeups++;
	mark_queued(t, bpf_ktime_get_ns(), btf);
	return 0;
}

static __always_inline int on_switch(struct task_struct *prev, struct task_struct *next, bool btf)
{
	struct sched_pcpu *s = stats();
	__u64 now = bpf_ktime_get_ns(), *ts;
	__u32 pid = BPF_CORE_READ(next, pid);

	if (!s)
		return 0;
	s->switches++;
	if (mark_ran) {
		ran_mark(BPF_CORE_READ(prev, tgid));
		s->on_cpu = ON_CPU_SEEN | BPF_CORE_READ(next, tgid);
	}
	/* Preempted while runnable: it waits on the run queue from now. The idle task (pid 0, one per
	 * CPU, all sharing that pid) never waits on a run queue: stamping it would histogram the time
	 * its CPU was busy, keyed across CPUs in the pid map. */
	if (task_state(prev) == TASK_RUNNING && BPF_CORE_READ(prev, pid))
		mark_queued(prev, now, btf);
	if (!pid)
		return 0;
	if (btf)
		ts = bpf_task_storage_get(&queued_at, next, 0, 0);
	else
		ts = bpf_map_lookup_elem(&queued_at_pid, &pid);
	if (!ts || !*ts || *ts > now)
		return 0;
	rq_record(s, now - *ts);
	if (btf)
		*ts = 0;
	else
		bpf_map_delete_elem(&queued_at_pid, &pid);
	return 0;
}

/* A stale run-queue clock smaller than this is left alone: it is the time __schedule() takes from
 * its clock update to this tracepoint, which the offset's minimum does not see the same on every
 * switch. */
#define RQ_STALE_MIN_NS 1000

/* The run queue's clock now, and how far behind it was (*stale, 0 if fresh). __schedule() updates
 * rq->clock before picking next, except when a wakeup that preempts the running task asked it to skip
 * that update (rq_clock_skip_update(), RQCF_ACT_SKIP; since 6.x the flag is cleared again before this
 * tracepoint, so it cannot be read here): the clock then still says when the wakee was queued, and
 * the kernel's run_delay counts its wait as zero however long the preemption took. ktime and the rq
 * clock both run from sched_clock's source, so their offset is constant but for NTP's slew (at most
 * 500 ppm): the lowest offset seen on this CPU, allowed to rise by 1/1024 of the time since it was
 * seen, says what the clock would read had it been updated. A switch seen after a long quiet spell
 * may be taken for fresh (its lag is then not added, as the kernel does); none is made later. */
static __always_inline __u64 rq_clock_now(const struct task_struct *next, __u64 *stale)
{
	__u64 clock = next->se.cfs_rq->rq->clock, kt = bpf_ktime_get_ns();
	__s64 off = (__s64)(kt - clock), floor;
	struct rq_cal *cal;
	__u32 zero = 0;

	*stale = 0;
	cal = bpf_map_lookup_elem(&rq_cal, &zero);
	if (!cal)
		return clock;
	floor = cal->off + (__s64)((kt - cal->at) >> 10);
	if (!cal->at || off <= floor) {
		cal->off = off;
		cal->at = kt;
		return clock;
	}
	if (off - floor < RQ_STALE_MIN_NS)
		return clock;
	*stale = off - floor;
	return clock + *stale;
}

/* The fast path, one program per switch and nothing per wakeup. With CONFIG_SCHED_INFO the kernel
 * stamps sched_info.last_queued with its run queue's clock whenever a task is queued (woken, or
 * preempted while runnable), and sched_info_arrive(), just after this tracepoint, adds
 * rq->clock - last_queued to the task's run_delay. This program histograms that same wait, reading
 * the same rq->clock (next's scheduling entity points at a cfs_rq of this CPU whose rq is this run
 * queue: CONFIG_FAIR_GROUP_SCHED, which the agent checks in the kernel's BTF; set for every task's
 * class by set_task_rq()), corrected where the kernel skipped its update (rq_clock_now). */
static __always_inline int on_switch_si(struct task_struct *prev, struct task_struct *next, bool per_task)
{
	struct sched_pcpu *s = stats();
	__u64 queued, rq_now, stale, wait, taken;
	struct task_out *out;

	if (!s)
		return 0;
	s->switches++;
	if (mark_ran) {
		ran_mark(prev->tgid);
		s->on_cpu = ON_CPU_SEEN | next->tgid;
	}
	rq_now = rq_clock_now(next, &stale);
	/* Per task (task storage: 5.11+), what the next wait of prev needs:
	 * - A wait that a migration cut in two: sched_info_dequeue() adds the part spent on the old run
	 *   queue to run_delay and clears last_queued, which then restarts on the new one. run_delay
	 *   does not move while a task runs, so its growth since the task last left a CPU is exactly
	 *   those parts.
	 * - Preempted by a skipped clock update, prev is stamped queued at the stale clock: its wait
	 *   would count the lag the wakee's lacks. */
	if (per_task && prev->pid) {
		out = bpf_task_storage_get(&at_out, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (out) {
			out->run_delay = prev->sched_info.run_delay;
			out->stale_ns = task_state(prev) == TASK_RUNNING ? stale : 0;
		}
	}
	queued = next->sched_info.last_queued;
	if (!queued || !next->pid)
		return 0;
	if (rq_now < queued)
		return 0;
	wait = rq_now - queued;
	if (stale) {
		s->rq_clock_stale++;
		s->rq_lag_ns += stale;
	}
	if (per_task) {
		out = bpf_task_storage_get(&at_out, next, 0, 0);
		if (out) {
			if (next->sched_info.run_delay > out->run_delay)
				wait += next->sched_info.run_delay - out->run_delay;
			taken = wait > out->stale_ns ? out->stale_ns : wait;
			wait -= taken;
			s->rq_lag_ns -= taken;
		}
	}
	rq_record(s, wait);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_si, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch_si(prev, next, true);
}

/* The same where the kernel has no task storage (5.10): waits cut by a migration count only from
 * their last run queue, and a task preempted by a skipped clock update keeps the kernel's lag. */
SEC("tp_btf/sched_switch")
int BPF_PROG(switch_si_nomig, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch_si(prev, next, false);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(wakeup_btf, struct task_struct *p) { return on_wakeup(p, true); }
SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(wakeup_new_btf, struct task_struct *p) { return on_wakeup(p, true); }
SEC("tp_btf/sched_switch")
int BPF_PROG(switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(prev, next, true);
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(wakeup_raw, struct task_struct *p) { return on_wakeup(p, false); }
SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(wakeup_new_raw, struct task_struct *p) { return on_wakeup(p, false); }
SEC("raw_tp/sched_switch")
int BPF_PROG(switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(prev, next, false);
}

/* ---- churn: rare events, not per switch ---- */

static __always_inline int on_fork(struct task_struct *child)
{
	struct sched_pcpu *s = stats();

	if (s && BPF_CORE_READ(child, pid) == BPF_CORE_READ(child, tgid))
		s->forks++;
	return 0;
}

static __always_inline int on_exec(void)
{
	struct sched_pcpu *s = stats();

	if (s)
		s->execs++;
	return 0;
}

static __always_inline int on_exit(struct task_struct *t)
{
	struct sched_pcpu *s = stats();
	char comm[TASK_COMM_LEN] = {}; /* zeroed: the bytes after the NUL are part of the map key */
	__u64 zero = 0, *cnt;
	__u32 tid = BPF_CORE_READ(t, pid);

	/* A thread that exits while stamped (woken, never run again) must not leave its stamp to the
	 * next thread given its pid (the wakeup-stamp fallback keys by pid; task storage dies with the
	 * task). */
	bpf_map_delete_elem(&queued_at_pid, &tid);
	if (!s || tid != BPF_CORE_READ(t, tgid))
		return 0;
	s->exits++;
	if (BPF_CORE_READ(t, start_time) < interval_start_ns)
		return 0;
	s->short_lived++;
	BPF_CORE_READ_STR_INTO(&comm, t, comm);
	cnt = map_lookup_or_init(&short_comms, &comm, &zero);
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	else
		s->short_comms_full++;
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(fork_btf, struct task_struct *parent, struct task_struct *child) { return on_fork(child); }
SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_btf) { return on_exec(); }
SEC("tp_btf/sched_process_exit")
int BPF_PROG(exit_btf, struct task_struct *t) { return on_exit(t); }

SEC("raw_tp/sched_process_fork")
int BPF_PROG(fork_raw, struct task_struct *parent, struct task_struct *child) { return on_fork(child); }
SEC("raw_tp/sched_process_exec")
int BPF_PROG(exec_raw) { return on_exec(); }
SEC("raw_tp/sched_process_exit")
int BPF_PROG(exit_raw, struct task_struct *t) { return on_exit(t); }

/* ---- OOM kills: one ring-buffer event each ---- */

static __always_inline int on_oom_victim(struct task_struct *t, __u32 uid)
{
	struct sched_pcpu *s = stats();
	struct oom_event *e;
	struct mm_struct *mm;

	if (!s)
		return 0;
	s->oom_kills++;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		s->ringbuf_drops++;
		return 0;
	}
	e->type = EVENT_OOM_KILL;
	e->pid = BPF_CORE_READ(t, tgid);
	e->uid = uid;
	e->oom_score_adj = BPF_CORE_READ(t, signal, oom_score_adj);
	BPF_CORE_READ_STR_INTO(&e->comm, t, comm);
	mm = BPF_CORE_READ(t, mm);
	e->total_vm_kb = mm ? BPF_CORE_READ(mm, total_vm) * page_kb : 0;
	e->anon_rss_kb = mm ? mm_counter(mm, MM_ANONPAGES) * page_kb : 0;
	e->file_rss_kb = mm ? mm_counter(mm, MM_FILEPAGES) * page_kb : 0;
	e->shmem_rss_kb = mm ? mm_counter(mm, MM_SHMEMPAGES) * page_kb : 0;
	e->cgroup_id = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/mark_victim")
int BPF_PROG(oom_btf, struct task_struct *t, __u32 uid) { return on_oom_victim(t, uid); }
SEC("raw_tp/mark_victim")
int BPF_PROG(oom_raw, struct task_struct *t, __u32 uid) { return on_oom_victim(t, uid); }

/* ---- per-process CPU: read once per interval, nothing per switch ---- */

SEC("iter/task")
int dump_task(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task, *leader;
	struct task_sample r = {};

	if (!t)
		return 0;
	leader = BPF_CORE_READ(t, group_leader);
	r.pid = BPF_CORE_READ(t, pid);
	r.tgid = BPF_CORE_READ(t, tgid);
	r.leader_start_ns = BPF_CORE_READ(leader, start_time);
	r.runtime_ns = BPF_CORE_READ(t, se.sum_exec_runtime);
	if (bpf_core_field_exists(t->sched_info.run_delay))
		r.run_delay_ns = BPF_CORE_READ(t, sched_info.run_delay);
	if (r.pid == r.tgid)
		r.dead_runtime_ns = BPF_CORE_READ(t, signal, sum_sched_runtime);
	BPF_CORE_READ_STR_INTO(&r.comm, leader, comm);
	r.cgroup_id = BPF_CORE_READ(leader, cgroups, dfl_cgrp, kn, id);
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}

/* ---- which process holds which socket: read when a listener appears, nothing per event ---- */

#define S_IFMT_ 00170000
#define S_IFSOCK_ 0140000

/* Every socket file of every process, once per process (its main thread: threads share the table).
 * The agent reads it without ptrace rights over the processes, which /proc/PID/fd would need. */
SEC("iter/task_file")
int dump_sockets(struct bpf_iter__task_file *ctx)
{
	struct task_struct *t = ctx->task;
	struct file *f = ctx->file;
	struct socket_sample r = {};
	struct inode *ino;

	if (!t || !f || BPF_CORE_READ(t, pid) != BPF_CORE_READ(t, tgid))
		return 0;
	ino = BPF_CORE_READ(f, f_inode);
	if (!ino || (BPF_CORE_READ(ino, i_mode) & S_IFMT_) != S_IFSOCK_)
		return 0;
	r.inode = BPF_CORE_READ(ino, i_ino);
	r.tgid = BPF_CORE_READ(t, tgid);
	BPF_CORE_READ_STR_INTO(&r.comm, t, comm);
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}
