/* SPDX-License-Identifier: GPL-2.0-only */
/* col_filesystems.h - mount table parsing and filtering, exposed for the unit tests. */
#ifndef COREWATCH_COL_FILESYSTEMS_H
#define COREWATCH_COL_FILESYSTEMS_H

#include <stdbool.h>

struct mount_entry {
	char device[256];
	char mount[1024];
	char fstype[64];
};

/* Parses one /proc/self/mounts line, decoding the octal escapes (\040 space, \011 tab, \012 newline,
 * \134 backslash). Returns 0 or -EINVAL. */
int mount_parse_line(const char *line, struct mount_entry *m);
/* True for file systems that hold data on this host: not pseudo (proc, cgroup, tmpfs, overlay...),
 * not read-only images (squashfs, iso9660), not remote (nfs, cifs, fuse...), whose statvfs could hang
 * the loop. */
bool fstype_is_local_storage(const char *fstype);

#endif
