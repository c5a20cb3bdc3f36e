/* SPDX-License-Identifier: GPL-2.0-only */
/* cgroup_stat.h - parsers of the cgroup v2 interface files the cgroups collector reads (cpu.stat,
 * memory.events, io.stat, single-number files), exposed for the unit tests. Each takes the file's
 * whole text, NUL-terminated. */
#ifndef COREWATCH_CGROUP_STAT_H
#define COREWATCH_CGROUP_STAT_H

#include <stdbool.h>
#include <stdint.h>

struct cg_cpu_stat {
	uint64_t usage_us;     /* usage_usec: always there, controller or not */
	uint64_t throttled_us; /* throttled_usec: only with the cpu controller enabled */
	bool has_throttled;
};

struct cg_mem_events {
	uint64_t high, oom_kill;
};

struct cg_io_stat {
	uint64_t rbytes, wbytes; /* summed over every device line */
};

/* "usage_usec N\nuser_usec N\n...": usage_usec is required, throttled_usec optional.
 * Returns 0, or -EINVAL (usage_usec missing or a value that is not a number). */
int cg_parse_cpu_stat(const char *text, struct cg_cpu_stat *out);
/* "low N\nhigh N\nmax N\noom N\noom_kill N\n...": high and oom_kill are required.
 * Returns 0 or -EINVAL. */
int cg_parse_memory_events(const char *text, struct cg_mem_events *out);
/* "MAJ:MIN rbytes=N wbytes=N rios=N ...\n" per device (an empty file: no I/O yet, zeros).
 * Returns 0, or -EINVAL (a line without a device, or a field value that is not a number). */
int cg_parse_io_stat(const char *text, struct cg_io_stat *out);
/* One unsigned number and a newline (memory.current, pids.current). "max" is refused.
 * Returns 0 or -EINVAL. */
int cg_parse_u64_file(const char *text, uint64_t *out);

#endif
