// SPDX-License-Identifier: GPL-2.0-only
/* col_cgroups.c - per-cgroup CPU, memory, I/O and pids from the cgroup v2 hierarchy (section
 * "cgroups", and "cgroups_info" beside it; inactive where no v2 hierarchy is mounted).
 *
 * Every sample walks the tree from the v2 root once, depth first, opening each directory relative to
 * its parent's descriptor and each interface file relative to its directory's (no path is resolved
 * from / again), at most CG_SCAN_MAX cgroups and CG_DEPTH_MAX levels: what lies beyond is counted.
 * Reported: the cgroups with processes of their own or without children, the top N by CPU plus up to
 * N more that had memory pressure, OOM kills, memory.high events or CPU throttling in the interval.
 * cpu_pct is a cgroup's own CPU: its usage_usec growth less its children's (equal for a leaf), so that
 * the reported cgroups never count one CPU second twice. */
#include "col_cgroups.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup_stat.h"
#include "col_pressure.h"
#include "collector.h"
#include "totals.h"
#include "util.h"

/* Reads at most max bytes of dfd/name into s->buf, NUL-terminated: the length, or -errno. */
static int read_at(struct cg_state *s, int dfd, const char *name, size_t max)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	if (max > sizeof(s->buf) - 1)
		max = sizeof(s->buf) - 1;
	r = pread(fd, s->buf, max, 0);
	close(fd);
	if (r < 0)
		return -errno;
	s->buf[r] = '\0';
	return (int)r;
}

static void read_psi(struct cg_state *s, int dfd, const char *name, unsigned bit, uint64_t *out,
		     struct cg_sample *c)
{
	struct psi p;

	if (read_at(s, dfd, name, sizeof(s->buf)) >= 0 && psi_parse(s->buf, &p) == 0 && p.some.present) {
		*out = p.some.total_us;
		c->have |= bit;
	}
}

static void read_u64_file(struct cg_state *s, int dfd, const char *name, unsigned bit, uint64_t *out,
			  struct cg_sample *c)
{
	if (read_at(s, dfd, name, 64) >= 0 && cg_parse_u64_file(s->buf, out) == 0)
		c->have |= bit;
}

/* Reads one cgroup's files. Returns 0, or -1 when cpu.stat (always there) is not: not a cgroup. */
static int read_node(struct cg_state *s, int dfd, struct cg_node *nd)
{
	struct cg_sample *c = &nd->c;
	struct cg_cpu_stat cs;
	struct cg_mem_events me;
	struct cg_io_stat io;

	memset(c, 0, sizeof(*c));
	if (read_at(s, dfd, "cpu.stat", sizeof(s->buf)) < 0 || cg_parse_cpu_stat(s->buf, &cs) < 0)
		return -1;
	c->usage = cs.usage_us;
	if (cs.has_throttled) {
		c->throttled = cs.throttled_us;
		c->have |= H_THR;
	}
	nd->own_procs = read_at(s, dfd, "cgroup.procs", 16) > 0;
	if (read_at(s, dfd, "memory.events", sizeof(s->buf)) >= 0 && cg_parse_memory_events(s->buf, &me) == 0) {
		c->high = me.high;
		c->oom = me.oom_kill;
		c->have |= H_MEMEV;
	}
	if (read_at(s, dfd, "io.stat", sizeof(s->buf)) >= 0 && cg_parse_io_stat(s->buf, &io) == 0) {
		c->rbytes = io.rbytes;
		c->wbytes = io.wbytes;
		c->have |= H_IO;
	}
	read_u64_file(s, dfd, "memory.current", H_MEMCUR, &c->mem_cur, c);
	read_u64_file(s, dfd, "pids.current", H_PIDS, &c->pids, c);
	read_psi(s, dfd, "cpu.pressure", H_CPSI, &c->cpu_some, c);
	read_psi(s, dfd, "memory.pressure", H_MPSI, &c->mem_some, c);
	s->seen |= c->have;
	return 0;
}

/* Appends rel to the arena; returns its offset or (size_t)-1. */
static size_t arena_add(struct cg_state *s, const char *parent, const char *name)
{
	size_t need = strlen(parent) + 1 + strlen(name) + 1, off = s->alen;

	if (array_reserve(&s->arena, &s->acap, s->alen + need, 1, 4096) < 0)
		return (size_t)-1;
	snprintf(s->arena + off, need, "%s/%s", strcmp(parent, "/") == 0 ? "" : parent, name);
	s->alen += strlen(s->arena + off) + 1;
	return off;
}

/* The cgroup at dfd (consumed), path at arena offset path, then its children. */
static void walk(struct cg_state *s, int dfd, size_t path, int depth, int parent)
{
	struct stat st;
	struct dirent *de;
	struct cg_node *nd;
	DIR *d;
	int self;

	if (s->nn >= CG_SCAN_MAX) {
		s->not_scanned++;
		close(dfd);
		return;
	}
	if (fstat(dfd, &st) < 0 || array_reserve(&s->n, &s->ncap, s->nn + 1, sizeof(*s->n), 64) < 0) {
		close(dfd);
		return;
	}
	nd = &s->n[s->nn];
	memset(nd, 0, sizeof(*nd));
	nd->ino = (uint64_t)st.st_ino;
	nd->path = path;
	nd->depth = depth;
	nd->parent = parent;
	nd->leaf = true;
	if (read_node(s, dfd, nd) < 0 || !(d = fdopendir(dfd))) {
		close(dfd);
		return;
	}
	self = (int)s->nn++;
	while ((de = readdir(d))) {
		size_t off;
		int sub;

		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		s->n[self].leaf = false;
		if (depth + 1 >= CG_DEPTH_MAX) {
			s->too_deep++;
			continue;
		}
		if (s->nn >= CG_SCAN_MAX) {
			s->not_scanned++;
			continue;
		}
		sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		/* the arena may move: the parent's path is re-read from its offset */
		if (sub < 0)
			continue;
		{
			char parent_path[PATH_MAX];

			snprintf(parent_path, sizeof(parent_path), "%s", s->arena + s->n[self].path);
			off = arena_add(s, parent_path, de->d_name);
		}
		if (off == (size_t)-1) {
			close(sub);
			continue;
		}
		walk(s, sub, off, depth + 1, self);
	}
	closedir(d);
}

static int cmp_prev(const void *a, const void *b)
{
	uint64_t x = ((const struct cg_prev *)a)->ino, y = ((const struct cg_prev *)b)->ino;

	return x < y ? -1 : x > y;
}

static void link_prev(struct cg_state *s)
{
	for (size_t i = 0; i < s->nn; i++) {
		struct cg_prev key = { .ino = s->n[i].ino }, *p;

		p = s->nprev ? bsearch(&key, s->prev, s->nprev, sizeof(*s->prev), cmp_prev) : NULL;
		if (p) {
			s->n[i].p = p->s;
			s->n[i].has_prev = true;
		} else if (s->had_sample && s->prev_complete) {
			/* created since the last walk: everything it counted is from this interval */
			s->n[i].has_prev = true;
			memset(&s->n[i].p, 0, sizeof(s->n[i].p));
			s->n[i].p.have = s->n[i].c.have;
		}
	}
}

static uint64_t dlt(const struct cg_node *nd, uint64_t cur, uint64_t prev)
{
	return nd->has_prev ? counter_delta(prev, cur) : 0;
}

static const struct cg_node *sort_base;
static int cmp_cpu(const void *a, const void *b)
{
	uint64_t x = sort_base[*(const int *)a].own_delta_us, y = sort_base[*(const int *)b].own_delta_us;

	return x > y ? -1 : x < y;
}

/* own CPU, the flags and the selection of the reported cgroups */
static void select_nodes(struct cg_state *s)
{
	unsigned top = s->base.env->top_cgroups ? s->base.env->top_cgroups : 5;
	int *idx = calloc(s->nn ? s->nn : 1, sizeof(*idx));
	size_t nc = 0, extra = 0;

	for (size_t i = 0; i < s->nn; i++) {
		struct cg_node *nd = &s->n[i];
		uint64_t u = s->had_sample ? dlt(nd, nd->c.usage, nd->p.usage) : nd->c.usage;

		nd->own_delta_us = u;
		if (nd->parent >= 0)
			s->n[nd->parent].kids_delta_us += u;
	}
	for (size_t i = 0; i < s->nn; i++) {
		struct cg_node *nd = &s->n[i];

		nd->own_delta_us = nd->own_delta_us > nd->kids_delta_us ? nd->own_delta_us - nd->kids_delta_us : 0;
		nd->candidate = nd->leaf || nd->own_procs;
		nd->flagged = nd->has_prev &&
			      (dlt(nd, nd->c.mem_some, nd->p.mem_some) || dlt(nd, nd->c.oom, nd->p.oom) ||
			       dlt(nd, nd->c.high, nd->p.high) || dlt(nd, nd->c.throttled, nd->p.throttled));
		if (nd->candidate && idx)
			idx[nc++] = (int)i;
	}
	s->candidates = nc;
	s->reported = 0;
	s->flagged_left_out = 0;
	if (!idx)
		return;
	sort_base = s->n;
	qsort(idx, nc, sizeof(*idx), cmp_cpu);
	if (array_reserve(&s->order, &s->ordercap, nc ? nc : 1, sizeof(*s->order), 16) < 0) {
		free(idx);
		return; /* nothing selected: the record lists none this interval */
	}
	for (size_t k = 0; k < nc; k++) {
		struct cg_node *nd = &s->n[idx[k]];

		if (k < top) {
			nd->selected = true;
		} else if (nd->flagged && extra < top) {
			nd->selected = true;
			extra++;
		} else if (nd->flagged) {
			s->flagged_left_out++;
		}
		if (nd->selected)
			s->order[s->reported++] = idx[k];
	}
	free(idx);
}

static void keep_prev(struct cg_state *s)
{
	if (array_reserve(&s->prev, &s->prevcap, s->nn, sizeof(*s->prev), 64) < 0) {
		s->nprev = 0;
		return;
	}
	for (size_t i = 0; i < s->nn; i++) {
		s->prev[i].ino = s->n[i].ino;
		s->prev[i].s = s->n[i].c;
	}
	s->nprev = s->nn;
	qsort(s->prev, s->nprev, sizeof(*s->prev), cmp_prev);
}

void cg_read_root_line(struct cg_state *s, const char *name, char *out, size_t len)
{
	int dfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	out[0] = '\0';
	if (dfd < 0)
		return;
	if (read_at(s, dfd, name, len - 1) >= 0) {
		snprintf(out, len, "%s", s->buf);
		out[strcspn(out, "\n")] = '\0';
	}
	close(dfd);
}

int cgroups_sample(void *state)
{
	struct cg_state *s = state;
	int dfd;
	size_t off;

	if (s->had_sample)
		keep_prev(s);
	s->prev_complete = s->had_sample && !s->not_scanned && !s->too_deep;
	s->nn = 0;
	s->alen = 0;
	s->not_scanned = s->too_deep = 0;
	s->seen = 0;
	cg_read_root_line(s, "cgroup.controllers", s->controllers, sizeof(s->controllers));
	cg_read_root_line(s, "cgroup.subtree_control", s->subtree, sizeof(s->subtree));
	dfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	off = arena_add(s, "/", "");
	if (off == (size_t)-1) {
		close(dfd);
		return -ENOMEM;
	}
	s->arena[off] = '/'; /* "/" for the root */
	s->arena[off + 1] = '\0';
	walk(s, dfd, off, 0, -1);
	if (s->nn == 0)
		return -EIO;
	link_prev(s);
	select_nodes(s);
	s->had_sample = true;
	return 0;
}

