/* SPDX-License-Identifier: GPL-2.0-only */
/* sockowner.h - which process holds a socket: the sched eBPF program's task_file iterator, or a walk
 * of /proc/PID/fd for "socket:[INODE]" links. */
#ifndef COREWATCH_SOCKOWNER_H
#define COREWATCH_SOCKOWNER_H

#include <stddef.h>
#include <stdint.h>

#include "listening.h"

/* At most this many descriptors are looked at in one walk; the walk stops there (truncated). */
#define SOCKOWNER_MAX_FDS 262144

struct sockowner_stats {
	uint64_t fds;        /* descriptors looked at */
	uint64_t processes;  /* processes whose fd directory was read */
	unsigned found;      /* entries given a pid */
	bool truncated;      /* stopped at SOCKOWNER_MAX_FDS */
	bool ebpf;           /* named by the eBPF task_file iterator (fds: the sockets it saw) */
};

/* Fills pid, comm and cgroup of the entries of v (n of them) whose need[i] is set (the lowest pid
 * holding a socket wins: a forking server's parent): from the sched eBPF program's task_file
 * iterator when it runs (every process, no ptrace rights needed), else from the processes under
 * proc_root, stopping once every needed entry has one; there unreadable processes (gone, or holding
 * capabilities the agent dropped) are skipped. Entries with no holder found keep pid 0. Returns the
 * figures in *st. */
void sockowner_fill(const char *proc_root, struct listener *v, size_t n, const bool *need,
		    struct sockowner_stats *st);
/* Parses a /proc/PID/fd link target "socket:[12345]": 0 and the inode, or -EINVAL. */
int sockowner_parse_link(const char *target, uint64_t *inode);

#endif
