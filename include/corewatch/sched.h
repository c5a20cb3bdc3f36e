/* SPDX-License-Identifier: GPL-2.0-only */
/* sched.h - shared between bpf/sched.bpf.c and the agent: fixed-width structs and constants only. */
#ifndef COREWATCH_SCHED_H
#define COREWATCH_SCHED_H

#include "corewatch/hist.h"

#define TASK_COMM_LEN 16
#define SHORT_LIVED_COMMS 1024 /* distinct comms of short-lived processes tracked per interval */
#define WAKEUP_PIDS 32768      /* wakeup timestamps kept by the fallback (no task storage) */
#define WALK_PROCS 32768       /* processes the task-list walk reports per interval (6.7+) */
#define RAN_SLOTS 32768        /* "a thread of this process ran" flags, by tgid modulo (a power of 2) */

/* The flags: a word per slot, so that the switch program sets one with a plain store (no atomic
 * on the switch path, no neighbour's flag rewritten) and the walk takes it with an exchange. */
struct ran_flags {
	__u32 slot[RAN_SLOTS];
};

/* Set in sched_pcpu.on_cpu once its process is known: tgid 0 (the idle task) is a value too */
#define ON_CPU_SEEN (1ULL << 32)

/* Per-CPU counters (a per-CPU array of one element). All cumulative since load. */
struct sched_pcpu {
	__u64 switches;
	__u64 wakeups;
	__u64 forks;          /* new processes (not threads) */
	__u64 execs;
	__u64 exits;          /* processes whose leader exited */
	__u64 short_lived;    /* exited processes started after interval_start_ns */
	__u64 oom_kills;
	__u64 ringbuf_drops;
	__u64 short_comms_full;   /* failed inserts, per map: the map was full */
	__u64 queued_at_pid_full;
	__u64 rq_wait_ns;     /* the run-queue waits of rq, exact: the histogram's sum is truncated */
	__u64 rq_clock_stale; /* sched_info path: switches whose run-queue clock lagged and was corrected */
	__u64 rq_lag_ns;      /* what those corrections added to rq_wait_ns, net of what they took back
	                       * (modulo 2^64: a difference of two readings is signed) */
	__u64 on_cpu;         /* not a counter: ON_CPU_SEEN | the process (tgid) of the task this CPU
	                       * switched to last (with mark_ran; the task-list walk reads it); 0 until
	                       * the CPU's first switch since load or the first walk's
	                       * look (taskwalk.bpf.c note_on_cpu) */
	struct hist rq;       /* run-queue latency, microseconds */
};

/* One record per task, written by the task iterator once per interval; or, from the task-list walk
 * (6.7+), one per process with pid == tgid and its live threads' runtime and run_delay summed. */
struct task_sample {
	__u32 pid;
	__u32 tgid;
	__u64 leader_start_ns;  /* with tgid, names the process across pid reuse */
	__u64 runtime_ns;       /* se.sum_exec_runtime of this thread */
	__u64 run_delay_ns;     /* sched_info.run_delay: time spent runnable, waiting for a CPU */
	__u64 dead_runtime_ns;  /* signal->sum_sched_runtime: CPU of the process's exited threads */
	char comm[TASK_COMM_LEN]; /* the group leader's */
	__u64 cgroup_id;        /* the group leader's cgroup v2 (kernfs node id; 0 if unknown) */
	__u32 idle;             /* walk only: no thread ran since the last walk, so its threads were not
	                         * read (runtime_ns and run_delay_ns are 0): they are the last walk's */
	__u32 pad;
};

/* One socket a process holds, from the task_file iterator (what names a listener's process). */
struct socket_sample {
	__u64 inode;            /* the socket inode, as sock_diag's idiag_inode */
	__u32 tgid;
	char comm[TASK_COMM_LEN]; /* the process's (its main thread's) */
	__u32 pad;
};

enum event_type { EVENT_OOM_KILL = 1 };

/* Rare notable events, through the ring buffer. */
struct oom_event {
	__u32 type; /* EVENT_OOM_KILL */
	__u32 pid;
	__u32 uid;
	__s32 oom_score_adj;
	__u64 total_vm_kb;
	__u64 anon_rss_kb;
	__u64 file_rss_kb;
	__u64 shmem_rss_kb;
	__u64 cgroup_id;   /* its cgroup v2 (kernfs node id; 0 if unknown) */
	char comm[TASK_COMM_LEN];
};

#endif
