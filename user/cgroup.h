/* SPDX-License-Identifier: GPL-2.0-only */
/* cgroup.h - cgroup v2 paths from the ids the kernel gives eBPF programs (kernfs node ids), and the
 * names people know them by (units, containers, pods). */
#ifndef COREWATCH_CGROUP_H
#define COREWATCH_CGROUP_H

#include <stddef.h>
#include <stdint.h>

/* Where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid
 * host), from /proc/self/mountinfo, into buf. Returns 0, or -ENOENT (none mounted) or -errno. */
int cgroup_v2_root(char *buf, size_t len);
/* The path (from the cgroup v2 root: "/system.slice/nginx.service", "/" for the root) of the cgroup
 * whose id is id, into buf. The v2 hierarchy is found in /proc/self/mountinfo (/sys/fs/cgroup, or
 * /sys/fs/cgroup/unified on a hybrid host) and searched for a directory of that inode number.
 * Returns 0, or -ENOENT (no such cgroup: it is gone) or another -errno (no v2 hierarchy mounted). */
int cgroup_path_of_id(uint64_t id, char *buf, size_t len);
/* The cgroup v2 path in text, the contents of a /proc/PID/cgroup (its "0::" line), into buf.
 * Returns 0, -ENOENT (no v2 line) or -ENAMETOOLONG (buf unchanged then). */
int cgroup_path_of_proc(const char *text, char *buf, size_t len);
/* A name for people of the cgroup at path (from the v2 root), into buf: the container or pod the
 * path says it belongs to ("docker:3f2a9c1b0d4e", "containerd:...", "crio:...", "podman:...",
 * "lxc:NAME", "k8s:POD-UID" for anything in a pod), else its systemd unit ("nginx.service",
 * "session-3.scope", "user@1000.service"'s innermost unit), else the last component ("/" for the
 * root). Container ids are cut to 12 characters, as docker ps shows them. Returns 0, or
 * -ENAMETOOLONG when buf is too small (it then holds as much as fits). */
int cgroup_name(const char *path, char *buf, size_t len);

/* The cgroup_name() of the cgroup whose id is id, or NULL (id 0, cgroup gone, no v2 hierarchy).
 * Answers come from a small cache of ids seen before (ids are never reused), so the tree is walked
 * only for an id not seen yet: call it for a few processes per interval, not for every one. The
 * string lives until the next call. Not thread-safe. */
const char *cgroup_name_of_id(uint64_t id);

#endif
