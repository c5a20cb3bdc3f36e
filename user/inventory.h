/* SPDX-License-Identifier: GPL-2.0-only */
/* inventory.h - the record written once at start: what this host and this agent are. */
#ifndef COREWATCH_INVENTORY_H
#define COREWATCH_INVENTORY_H

#include <cJSON.h>

#include "collector.h"

struct cpu_counts {
	unsigned logical, physical;
	char model[128];
};

/* Counts logical CPUs and distinct (package, core) pairs in /proc/cpuinfo text, and takes the first
 * "model name" (or "Processor"/"cpu model" on other arches). physical falls back to logical when the
 * file has no topology. */
void cpuinfo_parse(const char *text, struct cpu_counts *c);

/* Adds the inventory fields to rec (the caller adds the common header). names/active list the
 * collectors and whether each is running. */
void inventory_fill(cJSON *rec, const struct collector_env *env, const char *const *names,
		    const bool *active, size_t n);

#endif
