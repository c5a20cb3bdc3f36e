// SPDX-License-Identifier: GPL-2.0-only
/* sockowner.c - see sockowner.h. */
#include "sockowner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/types.h>

#include "cgroup.h"
#include "col_sched.h"
#include "corewatch/sched.h"
#include "util.h"

int sockowner_parse_link(const char *target, uint64_t *inode)
{
	char num[24];
	size_t n;

	if (strncmp(target, "socket:[", 8) != 0)
		return -EINVAL;
	target += 8;
	n = strcspn(target, "]");
	if (n == 0 || n >= sizeof(num) || strcmp(target + n, "]") != 0)
		return -EINVAL;
	memcpy(num, target, n);
	num[n] = '\0';
	return parse_u64(num, 1, UINT64_MAX, inode) < 0 ? -EINVAL : 0;
}

static void describe_cgroup(int dirfd, struct listener *e);

/* comm and the cgroup v2 path ("0::" line) of the process whose /proc directory is dirfd. */
static void describe(int dirfd, struct listener *e)
{
	char buf[4096];
	ssize_t got;
	int fd;

	e->comm[0] = e->cgroup[0] = '\0';
	fd = openat(dirfd, "comm", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		got = read(fd, buf, 64);
		close(fd);
		if (got > 0) {
			buf[got] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			buf[sizeof(e->comm) - 1] = '\0';
			memcpy(e->comm, buf, sizeof(e->comm));
		}
	}
	describe_cgroup(dirfd, e);
}

/* The cgroup v2 path ("0::" line of cgroup, readable without ptrace rights) of the process whose
 * /proc directory is dirfd, into e->cgroup ("" when unknown). */
static void describe_cgroup(int dirfd, struct listener *e)
{
	char buf[4096];
	ssize_t got;
	int fd;

	e->cgroup[0] = '\0';
	fd = openat(dirfd, "cgroup", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		got = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (got > 0) {
			buf[got] = '\0';
			cgroup_path_of_proc(buf, e->cgroup, sizeof(e->cgroup));
		}
	}
}

struct want {
	uint64_t inode;
	size_t i;
};

static int want_cmp(const void *a, const void *b)
{
	const struct want *x = a, *y = b;

	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

/* The eBPF iterator's side: its samples against the wanted inodes. */
struct from_bpf {
	const struct want *w;
	size_t nw;
	struct listener *v;
	struct sockowner_stats *st;
	const char *proc_root;
};

static void on_socket(void *ctx, const struct socket_sample *ss)
{
	struct from_bpf *b = ctx;
	struct want key = { ss->inode, 0 }, *hit;
	struct listener *e;
	char dir[4096];
	int fd;

	b->st->fds++;
	if (!(hit = bsearch(&key, b->w, b->nw, sizeof(*b->w), want_cmp)))
		return;
	e = &b->v[hit->i];
	if (e->pid && (uint32_t)e->pid <= ss->tgid) /* the lowest pid wins, as in the /proc walk */
		return;
	if (!e->pid)
		b->st->found++;
	e->pid = (int)ss->tgid;
	snprintf(e->comm, sizeof(e->comm), "%.*s", (int)sizeof(ss->comm), ss->comm);
	/* the path as /proc shows it in this mount namespace (an id lookup needs the v2 mount here) */
	snprintf(dir, sizeof(dir), "%s/%u", b->proc_root, ss->tgid);
	e->cgroup[0] = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		describe_cgroup(fd, e);
		close(fd);
	}
}

void sockowner_fill(const char *proc_root, struct listener *v, size_t n, const bool *need,
		    struct sockowner_stats *st)
{
	unsigned left = 0;
	struct want *w;
	struct dirent *pde;
	DIR *proc;

	memset(st, 0, sizeof(*st));
	w = malloc((n ? n : 1) * sizeof(*w));
	if (!w)
		return;
	for (size_t i = 0; i < n; i++)
		if (need[i])
			w[left++] = (struct want){ v[i].inode, i };
	qsort(w, left, sizeof(*w), want_cmp);
	/* The sched program's task_file iterator sees every process's sockets without the ptrace
	 * right /proc/PID/fd wants once the agent has dropped its capabilities. */
	if (left && sched_socket_owners(on_socket, &(struct from_bpf){ w, left, v, st, proc_root }) == 0) {
		st->ebpf = true;
		free(w);
		return;
	}
	st->fds = st->found = 0;
	proc = left ? opendir(proc_root) : NULL;
	if (!proc) {
		free(w);
		return;
	}
	const unsigned nw = left;
	while (left && (pde = readdir(proc)) != NULL) {
		uint64_t pid;
		int pdir, fddir;
		DIR *fds;
		struct dirent *fde;

		if (parse_u64(pde->d_name, 1, INT32_MAX, &pid) < 0)
			continue;
		pdir = openat(dirfd(proc), pde->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pdir < 0)
			continue;
		fddir = openat(pdir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		fds = fddir >= 0 ? fdopendir(fddir) : NULL;
		if (!fds) {
			if (fddir >= 0)
				close(fddir);
			close(pdir);
			continue;
		}
		st->processes++;
		while (left && (fde = readdir(fds)) != NULL) {
			char target[64];
			uint64_t ino;
			ssize_t got;

			if (fde->d_name[0] == '.')
				continue;
			if (st->fds >= SOCKOWNER_MAX_FDS) {
				st->truncated = true;
				break;
			}
			st->fds++;
			got = readlinkat(dirfd(fds), fde->d_name, target, sizeof(target) - 1);
			if (got <= 0)
				continue;
			target[got] = '\0';
			if (sockowner_parse_link(target, &ino) < 0)
				continue;
			struct want key = { ino, 0 }, *hit = bsearch(&key, w, nw, sizeof(*w), want_cmp);

			if (!hit || v[hit->i].pid)
				continue;
			v[hit->i].pid = (int)pid;
			describe(pdir, &v[hit->i]);
			st->found++;
			left--;
		}
		closedir(fds);
		close(pdir);
		if (st->truncated)
			break;
	}
	closedir(proc);
	free(w);
}
