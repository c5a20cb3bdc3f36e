// SPDX-License-Identifier: GPL-2.0-only
/* filesystems collector (col_filesystems.c): mount filtering, escapes and df arithmetic. */
#include "testlib.h"

#include <errno.h>

#include "col_filesystems.h"

/* A fake statvfs: 4 KiB blocks, 1000 blocks, 300 free of which 250 available to users (50 reserved);
 * 100 inodes with 25 free. Records which paths were asked for. */
static char asked[16][256];
static int nasked;
static int fake_statvfs(const char *path, struct statvfs *st)
{
	if (nasked < 16)
		snprintf(asked[nasked++], sizeof(asked[0]), "%s", path);
	memset(st, 0, sizeof(*st));
	st->f_frsize = 4096;
	st->f_blocks = 1000;
	st->f_bfree = 300;
	st->f_bavail = 250;
	st->f_files = strcmp(path, "/") == 0 ? 0 : 100; /* "/" has no inode limit (btrfs-like) */
	st->f_ffree = 25;
	return 0;
}

static void test_filesystems_big64(void **st)
{
	struct collector_env env = { .statvfs_fn = fake_statvfs };
	cJSON *r;

	(void)st;
	nasked = 0;
	r = run_fixture(&filesystems_collector, &env, "big64", 1.0);
	/* /, /boot/efi and "/srv/data store" (md0 bound again at docker/volumes: counted once);
	 * proc, sysfs, tmpfs, cgroup2, overlay, squashfs, nfs4 and fuse.sshfs left out */
	assert_int_equal(jsize(r, "filesystems"), 3);
	assert_str(r, "filesystems.0.mount", "/");
	assert_str(r, "filesystems.0.device", "/dev/mapper/vg0-root");
	assert_str(r, "filesystems.0.fstype", "ext4");
	assert_str(r, "filesystems.1.mount", "/boot/efi");
	assert_str(r, "filesystems.2.mount", "/srv/data store");
	assert_num(r, "filesystems.1.total_bytes", 1000.0 * 4096);
	assert_num(r, "filesystems.1.used_bytes", 700.0 * 4096);
	assert_num(r, "filesystems.1.avail_bytes", 250.0 * 4096);
	/* df: used / (used + avail), the reserve counts as used */
	assert_num(r, "filesystems.1.used_pct", 100.0 * 700 / 950);
	assert_num(r, "filesystems.1.inodes_used_pct", 75);
	assert_true(cJSON_IsNull(jpath(r, "filesystems.0.inodes_used_pct")));
	/* the remote mounts were never stat'ed: a dead server cannot hang the loop */
	for (int i = 0; i < nasked; i++) {
		assert_string_not_equal(asked[i], "/home");
		assert_string_not_equal(asked[i], "/mnt/remote");
	}
	cJSON_Delete(r);
}

static void test_mount_escapes(void **st)
{
	struct mount_entry m;

	(void)st;
	assert_int_equal(mount_parse_line("/dev/sda2 /mnt/with\\040space\\011tab ext4 rw 0 0\n", &m), 0);
	assert_string_equal(m.mount, "/mnt/with space\ttab");
	assert_int_equal(mount_parse_line("/dev/sdb1 /data\\134back xfs rw 0 0\n", &m), 0);
	assert_string_equal(m.mount, "/data\\back");
	assert_int_equal(mount_parse_line("/dev/sdb1\n", &m), -EINVAL);
	assert_true(fstype_is_local_storage("xfs"));
	assert_true(fstype_is_local_storage("fuseblk"));
	assert_false(fstype_is_local_storage("fuse.rclone"));
	assert_false(fstype_is_local_storage("nfs"));
	assert_false(fstype_is_local_storage("tmpfs"));
}

static void test_filesystems_hotplug(void **st)
{
	struct collector_env env = { .statvfs_fn = fake_statvfs };
	cJSON *r;

	(void)st;
	r = run_fixture(&filesystems_collector, &env, "hotplug", 1.0);
	assert_int_equal(jsize(r, "filesystems"), 3);
	assert_str(r, "filesystems.1.mount", "/mnt/with space\ttab");
	assert_str(r, "filesystems.2.mount", "/data\\back");
	cJSON_Delete(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filesystems_big64), cmocka_unit_test(test_mount_escapes),
		cmocka_unit_test(test_filesystems_hotplug),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
