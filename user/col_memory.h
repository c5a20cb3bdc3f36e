/* SPDX-License-Identifier: GPL-2.0-only */
/* col_memory.h - /proc/meminfo parsing, exposed for the unit tests. */
#ifndef COREWATCH_COL_MEMORY_H
#define COREWATCH_COL_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

/* Values in bytes. */
struct meminfo {
	uint64_t total, free, available, buffers, cached, shared, slab, dirty, swap_total, swap_free;
	bool have_available; /* MemAvailable appeared in 3.14 */
};

/* Returns 0, or -EINVAL when MemTotal is missing. */
int memory_parse(const char *text, struct meminfo *m);

#endif
