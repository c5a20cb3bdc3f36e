/* SPDX-License-Identifier: GPL-2.0-only */
/* col_cpu.h - /proc/stat parsing, exposed for the unit tests. */
#ifndef COREWATCH_COL_CPU_H
#define COREWATCH_COL_CPU_H

#include <stddef.h>
#include <stdint.h>

enum cpu_field { CPU_USER, CPU_NICE, CPU_SYSTEM, CPU_IDLE, CPU_IOWAIT, CPU_IRQ, CPU_SOFTIRQ,
		 CPU_STEAL, CPU_NFIELDS };

/* Jiffies per state. guest and guest_nice are left out: the kernel already counts them in user/nice. */
struct cpu_times {
	uint64_t v[CPU_NFIELDS];
};

struct cpu_core {
	unsigned id;
	struct cpu_times t;
};

struct cpu_stat {
	struct cpu_times total;
	struct cpu_core *cores; /* sorted by id as the kernel lists them; owned */
	size_t ncores, cap;
	uint64_t ctxt, forks, intr, running, blocked, btime;
};

/* Parses /proc/stat text into st (reusing st->cores). Returns 0, or -EINVAL without a "cpu" line. */
int cpu_parse_stat(const char *text, struct cpu_stat *st);

/* The run-queue totals of /proc/schedstat (CONFIG_SCHEDSTATS), summed over its cpuN lines: the
 * 8th and 9th numbers, the time tasks waited to run (ns; the sum of every task's run_delay) and the
 * times a task started running (timeslices, pcount). */
struct cpu_schedstat {
	uint64_t run_delay_ns, timeslices;
};

/* Parses /proc/schedstat text. Returns 0, or -EINVAL when its version is not 15 to 17 (the cpuN line
 * those share) or a cpuN line has fewer than 9 numbers or none is there. */
int cpu_parse_schedstat(const char *text, struct cpu_schedstat *out);

/* Percent of the interval per state from two samples (fields that went backwards count as 0). */
struct cpu_pct {
	double busy, v[CPU_NFIELDS];
};
void cpu_times_pct(const struct cpu_times *prev, const struct cpu_times *cur, struct cpu_pct *out);

#endif
