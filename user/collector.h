/* SPDX-License-Identifier: GPL-2.0-only */
/* collector.h - the one interface every metrics source implements, /proc and eBPF alike.
 *
 * Life cycle, driven by monitor.c once per interval:
 *   init()    once; may refuse with -ENOTSUP (source absent on this host: collector inactive).
 *   sample()  reads the source into the collector's own "current" snapshot, keeping the previous one.
 *   emit()    adds the collector's section(s) to the record for the interval between the previous and
 *             the current snapshot (dt_s seconds apart, > 0). Called only after two good samples.
 *   totals()  optional: adds the kernel's cumulative counters and the levels of the current snapshot,
 *             under Prometheus names, to a totals object (totals.h) that only /metrics reads. Called
 *             after every good sample, also the first.
 *   free()    releases everything init() and sample() allocated.
 * A collector never prints records and never blocks for long: the loop is shared.
 */
#ifndef COREWATCH_COLLECTOR_H
#define COREWATCH_COLLECTOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/statvfs.h>

#include <cJSON.h>

#include "counters.h"
#include "loop.h"
#include "util.h"


/* What every collector may read. Owned by the caller; outlives the collectors. The roots are read at
 * every sample, so tests may point them at another fixture tree between samples. */
struct collector_env {
	const char *proc_root;      /* "/proc" in production */
	const char *sys_root;       /* "/sys" */
	const char *utmp_path;      /* NULL: the system's utmp */
	bool all_disks;             /* include partitions, loop and ram devices */
	bool no_bpf;                /* --no-bpf: eBPF collectors stay inactive */
	bool per_cpu;               /* --per-cpu: per-CPU lists (cpu.cores, sched.cpus) */
	bool listen;                /* --listen: the endpoint's counters are in agent */
	bool deliver;               /* an alert delivery target: its counters are in agent */
	const char *ifaces_include; /* --interfaces globs, or NULL */
	const char *ifaces_exclude; /* --interfaces-exclude globs, or NULL: the default list */
	unsigned top_n;             /* length of top-N lists (--top) */
	unsigned top_cgroups;       /* cgroups reported by CPU (--top-cgroups) */
	/* Writes a "type": "event" record named event whose fields are body's (consumed). */
	void (*emit_event)(void *ctx, const char *event, cJSON *body);
	void *emit_ctx;
	/* statvfs(3) unless set (tests give fixture mount tables fake file systems). */
	int (*statvfs_fn)(const char *path, struct statvfs *st);
	struct agent_counters *agent;
};

struct collector_ops {
	const char *name;
	/* Returns 0 and a state in *state, -ENOTSUP when the source does not exist here, or -errno. */
	int (*init)(const struct collector_env *env, void **state);
	/* Optional: reads the counters another collector's are compared with (the eBPF counts beside
	 * /proc's). Every collector's snapshot runs in a first pass, back to back, before any sample:
	 * slow work (a task iterator, statvfs) never falls between two sides of one comparison. Its
	 * time is the collector's sample time. Returns 0, or -errno like sample. */
	int (*snapshot)(void *state);
	/* Reads the rest (optional where snapshot reads everything). Returns 0, or -errno (the section
	 * is left out of this interval's record). */
	int (*sample)(void *state);
	void (*emit)(void *state, cJSON *record, double dt_s);
	void (*free)(void *state);
	/* Optional: see the life cycle above. */
	void (*totals)(void *state, cJSON *totals);
	/* Optional: a descriptor the loop polls (a ring buffer's epoll fd), or -1; and what to do when
	 * it is readable. */
	int (*event_fd)(void *state);
	void (*on_event)(void *state);
	/* Optional: adds what the collector knows of the host to the inventory record (written at
	 * start after the first sample, on each new day's file, after SIGHUP). */
	void (*inventory)(void *state, cJSON *inventory);
};

/* The first member of every /proc collector's state: its environment and a read buffer that is
 * reused every interval. */
struct col_base {
	const struct collector_env *env;
	struct fbuf buf;
};

/* Allocates a zeroed state of size bytes (first member: struct col_base) into *state.
 * Returns 0 or -ENOMEM. Free it with col_base_free() after freeing what the collector added. */
int col_base_new(const struct collector_env *env, size_t size, void **state);
void col_base_free(void *state);
/* Reads proc_root/rel into the base buffer; returns 0 or -errno. */
int col_read_proc(struct col_base *b, const char *rel);

/* A collector as the running agent holds it: its state and the times of its last good samples. */
struct col_slot {
	const struct collector_ops *ops;
	void *state;
	bool active;       /* init() succeeded */
	int samples;       /* good samples in a row (emit needs 2) */
	double t_prev, t_cur; /* CLOCK_MONOTONIC of the last two good samples */
	int last_err;      /* last error reported, to report each new one once */
	struct loop_handler event; /* its event descriptor (fd -1: none), watched by the loop */
};

/* All collectors in record order, NULL-terminated (collectors.c). */
extern const struct collector_ops *const collector_table[];

extern const struct collector_ops load_collector, cpu_collector, memory_collector,
	filesystems_collector, disks_collector, network_collector, pressure_collector,
	users_collector, processes_collector, sched_collector, block_collector, tcp_collector,
	bpf_collector, agent_collector, cgroups_collector, listening_collector;

#endif
