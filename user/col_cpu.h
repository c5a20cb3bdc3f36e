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

/* Percent of the interval per state from two samples (fields that went backwards count as 0). */
struct cpu_pct {
	double busy, v[CPU_NFIELDS];
};
void cpu_times_pct(const struct cpu_times *prev, const struct cpu_times *cur, struct cpu_pct *out);

#endif
