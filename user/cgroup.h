/* SPDX-License-Identifier: GPL-2.0-only */
/* cgroup.h - cgroup v2 paths from the ids the kernel gives eBPF programs (kernfs node ids). */
#ifndef COREWATCH_CGROUP_H
#define COREWATCH_CGROUP_H

#include <stddef.h>
#include <stdint.h>

/* The path (from the cgroup v2 root: "/system.slice/nginx.service", "/" for the root) of the cgroup
 * whose id is id, into buf. The v2 hierarchy is found in /proc/self/mountinfo (/sys/fs/cgroup, or
 * /sys/fs/cgroup/unified on a hybrid host) and searched for a directory of that inode number.
 * Returns 0, or -ENOENT (no such cgroup: it is gone) or another -errno (no v2 hierarchy mounted). */
int cgroup_path_of_id(uint64_t id, char *buf, size_t len);

#endif
