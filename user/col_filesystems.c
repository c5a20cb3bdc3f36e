// SPDX-License-Identifier: GPL-2.0-only
/* col_filesystems.c - space and inode use of local file systems (section "filesystems"). */
#include "col_filesystems.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "collector.h"
#include "util.h"
#include "totals.h"

/* Copies one mounts field into dst, decoding \ooo escapes; returns the end of the field. */
static const char *copy_field(const char *p, char *dst, size_t len, int *err)
{
	size_t n = 0;

	while (*p == ' ')
		p++;
	for (; *p && *p != ' ' && *p != '\n'; p++) {
		char c = *p;

		if (c == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			c = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
		}
		if (n + 1 >= len) {
			*err = -EINVAL;
			return p;
		}
		dst[n++] = c;
	}
	dst[n] = '\0';
	if (n == 0)
		*err = -EINVAL;
	return p;
}

int mount_parse_line(const char *line, struct mount_entry *m)
{
	int err = 0;
	const char *p = line;

	p = copy_field(p, m->device, sizeof(m->device), &err);
	p = copy_field(p, m->mount, sizeof(m->mount), &err);
	copy_field(p, m->fstype, sizeof(m->fstype), &err);
	return err;
}

bool fstype_is_local_storage(const char *fstype)
{
	static const char *const skip[] = {
		/* pseudo and memory-backed */
		"proc", "sysfs", "devtmpfs", "devpts", "tmpfs", "ramfs", "securityfs", "cgroup",
		"cgroup2", "pstore", "bpf", "debugfs", "tracefs", "configfs", "fusectl", "mqueue",
		"hugetlbfs", "autofs", "binfmt_misc", "rpc_pipefs", "nsfs", "overlay", "aufs",
		"efivarfs", "selinuxfs", "nfsd", "devfs", "usbfs", "sockfs", "pipefs",
		/* read-only images: always 100% full */
		"squashfs", "iso9660", "udf", "erofs",
		/* remote: statvfs can block for minutes when the server is gone */
		"nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "ceph", "glusterfs", "9p",
		"lustre", "gpfs", "beegfs", "fuse", "davfs",
	};

	if (strncmp(fstype, "fuse.", 5) == 0 || strncmp(fstype, "fuseblk", 7) == 0)
		return strcmp(fstype, "fuseblk") == 0; /* ntfs-3g/exfat on a local block device */
	for (size_t i = 0; i < ARRAY_SIZE(skip); i++)
		if (strcmp(fstype, skip[i]) == 0)
			return false;
	return true;
}

struct fs_entry {
	struct mount_entry m;
	struct statvfs st;
};

struct filesystems_state {
	struct col_base base;
	struct fs_entry *v;
	size_t n, cap;
};

static int filesystems_init(const struct collector_env *env, void **state)
{
	return col_base_new(env, sizeof(struct filesystems_state), state);
}

static bool device_seen(const struct filesystems_state *s, const char *device)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].m.device, device) == 0)
			return true;
	return false;
}

static int filesystems_sample(void *state)
{
	struct filesystems_state *s = state;
	int (*do_statvfs)(const char *, struct statvfs *) =
		s->base.env->statvfs_fn ? s->base.env->statvfs_fn : statvfs;
	int err = col_read_proc(&s->base, "self/mounts");

	if (err)
		return err;
	s->n = 0;
	for (const char *line = s->base.buf.data; line && *line;) {
		const char *nl = strchr(line, '\n');
		struct fs_entry *e;

		if (array_reserve(&s->v, &s->cap, s->n + 1, sizeof(*s->v), 16) < 0)
			return -ENOMEM;
		e = &s->v[s->n];
		/* A bind mount repeats its device: the first mount of a device stands for all. */
		if (mount_parse_line(line, &e->m) == 0 && fstype_is_local_storage(e->m.fstype) &&
		    !device_seen(s, e->m.device) && do_statvfs(e->m.mount, &e->st) == 0 &&
		    e->st.f_blocks > 0)
			s->n++;
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}

static void filesystems_emit(void *state, cJSON *record, double dt)
{
	struct filesystems_state *s = state;
	cJSON *arr = jarr(record, "filesystems");

	(void)dt;
	for (size_t i = 0; i < s->n; i++) {
		const struct statvfs *st = &s->v[i].st;
		double frsize = (double)st->f_frsize;
		double used = st->f_bfree < st->f_blocks ? (double)(st->f_blocks - st->f_bfree) * frsize : 0;
		double avail = (double)st->f_bavail * frsize;
		cJSON *o = cJSON_CreateObject();

		cJSON_AddItemToArray(arr, o);
		jstr(o, "mount", s->v[i].m.mount);
		jstr(o, "device", s->v[i].m.device);
		jstr(o, "fstype", s->v[i].m.fstype);
		jnum(o, "total_bytes", (double)st->f_blocks * frsize);
		jnum(o, "used_bytes", used);
		jnum(o, "avail_bytes", avail);
		/* df's figure: what users can still use, so root's reserve counts as used. */
		jnum(o, "used_pct", pct(used, used + avail));
		if (st->f_files > 0)
			jnum(o, "inodes_used_pct",
			     pct((double)st->f_files - (double)st->f_ffree, (double)st->f_files));
		else
			cJSON_AddNullToObject(o, "inodes_used_pct"); /* btrfs and others have no inode limit */
	}
}

static void filesystems_free(void *state)
{
	struct filesystems_state *s = state;

	free(s->v);
	col_base_free(s);
}

/* statvfs(3) of each local file system, in bytes and inodes: node_exporter's filesystem family. */
static void filesystems_totals(void *state, cJSON *t)
{
	const struct filesystems_state *s = state;

	for (size_t i = 0; i < s->n; i++) {
		const struct statvfs *st = &s->v[i].st;
		double frsize = (double)st->f_frsize;
		totals_labels l = TL("device", s->v[i].m.device, "fstype", s->v[i].m.fstype, "mountpoint",
				     s->v[i].m.mount);

		totals_add(t, "filesystem_size_bytes", "gauge", "File system size in bytes", l,
			   (double)st->f_blocks * frsize);
		totals_add(t, "filesystem_free_bytes", "gauge", "File system free space in bytes (root's reserve included)",
			   l, (double)st->f_bfree * frsize);
		totals_add(t, "filesystem_avail_bytes", "gauge", "File system space available to non-root users in bytes",
			   l, (double)st->f_bavail * frsize);
		totals_add(t, "filesystem_files", "gauge", "File system inodes in total", l, (double)st->f_files);
		totals_add(t, "filesystem_files_free", "gauge", "File system inodes free", l, (double)st->f_ffree);
	}
}

const struct collector_ops filesystems_collector = {
	.name = "filesystems", .init = filesystems_init, .sample = filesystems_sample,
	.emit = filesystems_emit, .free = filesystems_free,
	.totals = filesystems_totals,
};
