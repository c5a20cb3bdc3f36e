/* SPDX-License-Identifier: GPL-2.0-only */
/* col_cgroups.h - the cgroups collector's state, shared by its walk (col_cgroups.c) and its record
 * and /metrics output (col_cgroups_out.c). */
#ifndef COREWATCH_COL_CGROUPS_H
#define COREWATCH_COL_CGROUPS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "collector.h"

#define CG_SCAN_MAX 4096   /* cgroups read per sample; more are counted in not_scanned */
#define CG_DEPTH_MAX 16    /* levels below the root; deeper ones are counted in too_deep */
#define CG_TOP_LEVEL_MAX 64 /* children of the root listed in cgroups_info.top_level */

enum { H_THR = 1, H_MEMEV = 2, H_MEMCUR = 4, H_IO = 8, H_PIDS = 16, H_CPSI = 32, H_MPSI = 64 };

struct cg_sample {
	uint64_t usage, throttled, high, oom, rbytes, wbytes, cpu_some, mem_some, mem_cur, pids;
	unsigned have; /* H_* */
};

struct cg_node {
	uint64_t ino;
	size_t path;      /* offset in the path arena */
	int depth, parent;
	bool own_procs, leaf;
	struct cg_sample c;
	bool has_prev;
	struct cg_sample p;
	uint64_t own_delta_us; /* own CPU in the interval (or since creation, for a cgroup seen first) */
	uint64_t kids_delta_us;
	bool candidate, flagged, selected;
};

struct cg_prev {
	uint64_t ino;
	struct cg_sample s;
};

struct cg_state {
	struct col_base base;
	char root[PATH_MAX];
	char controllers[256], subtree[256]; /* the root's, read at every sample */
	struct cg_node *n;
	size_t nn, ncap;
	char *arena;
	size_t alen, acap;
	struct cg_prev *prev;
	size_t nprev, prevcap;
	bool prev_complete; /* the previous walk saw every cgroup: a new one was created since */
	bool had_sample;
	uint64_t not_scanned, too_deep;
	size_t candidates, reported, flagged_left_out;
	int *order;         /* the selected nodes, by CPU (the top N), then the flagged ones */
	size_t ordercap;
	unsigned seen;      /* H_* some scanned cgroup had */
	int ncpu;
	char buf[16384];
};

/* Walks the tree from s->root: the current sample, the previous one linked in by inode, the
 * reported cgroups selected. Returns 0, or -errno when the root cannot be read. */
int cgroups_sample(void *state);
/* The first line of s->root/name into out ("" when it cannot be read). */
void cg_read_root_line(struct cg_state *s, const char *name, char *out, size_t len);

#endif
