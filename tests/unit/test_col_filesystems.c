/* filesystems (mount filtering and df arithmetic), pressure, inventory and users. */
#include "testlib.h"

#include <errno.h>
#include <unistd.h>
#include <utmpx.h>

#include "col_filesystems.h"
#include "col_pressure.h"
#include "inventory.h"

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

static void test_pressure_vm2(void **st)
{
	struct collector_env env = { 0 };
	cJSON *r = run_fixture(&pressure_collector, &env, "vm2", 1.0);

	(void)st;
	assert_num(r, "pressure.io.some.avg60_pct", 0.42);
	assert_num(r, "pressure.io.some.avg300_pct", 0.39);
	assert_num(r, "pressure.io.some.stall_us", 2511779 - 2478794);
	assert_num(r, "pressure.io.full.stall_us", 2415253 - 2382731);
	assert_non_null(jpath(r, "pressure.cpu.some"));
	assert_null(jpath(r, "pressure.irq")); /* this kernel has no irq pressure file */
	cJSON_Delete(r);
}

/* hotplug: a pre-5.13 kernel (cpu has only "some") with no io file. */
static void test_pressure_partial(void **st)
{
	struct collector_env env = { 0 };
	cJSON *r = run_fixture(&pressure_collector, &env, "hotplug", 1.0);

	(void)st;
	assert_num(r, "pressure.cpu.some.avg10_pct", 1.5);
	assert_num(r, "pressure.cpu.some.stall_us", 250000);
	assert_null(jpath(r, "pressure.cpu.full"));
	assert_num(r, "pressure.memory.full.avg10_pct", 0.25);
	assert_num(r, "pressure.memory.full.stall_us", 100);
	assert_null(jpath(r, "pressure.io"));
	cJSON_Delete(r);
}

/* big64 has no /proc/pressure: the collector reports itself unavailable (no section at all). */
static void test_pressure_absent(void **st)
{
	struct collector_env env = { .proc_root = FIXTURES "/big64/t0/proc" };
	void *state = NULL;

	(void)st;
	assert_int_equal(pressure_collector.init(&env, &state), -ENOTSUP);
	assert_null(state);
}

static void test_psi_parse(void **st)
{
	struct psi p;

	(void)st;
	assert_int_equal(psi_parse("some avg10=x avg60=0 avg300=0 total=1\n", &p), -EINVAL);
	assert_int_equal(psi_parse("", &p), -EINVAL);
}

static void test_cpuinfo(void **st)
{
	struct fbuf b = { 0 };
	struct cpu_counts c;

	(void)st;
	assert_int_equal(fbuf_read(&b, FIXTURES "/big64/t0/proc", "cpuinfo"), 0);
	cpuinfo_parse(b.data, &c);
	assert_int_equal(c.logical, 64);
	assert_int_equal(c.physical, 32); /* 2 packages x 16 cores, 2 threads each */
	assert_string_equal(c.model, "AMD EPYC 7302 16-Core Processor");
	assert_int_equal(fbuf_read(&b, FIXTURES "/hotplug/t0/proc", "cpuinfo"), 0);
	cpuinfo_parse(b.data, &c);
	assert_int_equal(c.logical, 4);
	assert_int_equal(c.physical, 4); /* no topology lines: physical = logical */
	fbuf_free(&b);
}

static void test_inventory(void **st)
{
	struct collector_env env = { .proc_root = FIXTURES "/big64/t0/proc" };
	const char *names[] = { "cpu", "pressure" };
	bool active[] = { true, false };
	cJSON *r = cJSON_CreateObject();

	(void)st;
	inventory_fill(r, &env, names, active, 2);
	assert_num(r, "logical_cores", 64);
	assert_num(r, "physical_cores", 32);
	assert_num(r, "memory_total_bytes", 536870912.0 * 1024);
	assert_str(r, "boot_time", "2026-09-21T14:13:20.000Z"); /* btime 1790000000 */
	assert_true(cJSON_IsTrue(jpath(r, "collectors.cpu")));
	assert_true(cJSON_IsFalse(jpath(r, "collectors.pressure")));
	cJSON_Delete(r);
}

/* Writes a utmp file with 3 sessions of 2 users plus a dead entry and a boot record. */
static void test_users(void **st)
{
	char path[] = "/tmp/corewatch-utmp-XXXXXX";
	struct utmpx u;
	int fd = mkstemp(path);
	const struct { short type; const char *user; const char *line; } rows[] = {
		{ BOOT_TIME, "reboot", "~" },   { USER_PROCESS, "alice", "pts/0" },
		{ USER_PROCESS, "bob", "pts/1" }, { USER_PROCESS, "alice", "pts/2" },
		{ DEAD_PROCESS, "carol", "pts/3" },
	};
	struct collector_env env = { .utmp_path = path };
	cJSON *r;

	(void)st;
	assert_true(fd >= 0);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		memset(&u, 0, sizeof(u));
		u.ut_type = rows[i].type;
		u.ut_pid = 100 + (pid_t)i;
		strncpy(u.ut_user, rows[i].user, sizeof(u.ut_user));
		strncpy(u.ut_line, rows[i].line, sizeof(u.ut_line));
		assert_int_equal(write(fd, &u, sizeof(u)), sizeof(u));
	}
	close(fd);
	r = run_fixture(&users_collector, &env, "vm2", 1.0);
	assert_num(r, "users.logged_in", 3);
	assert_num(r, "users.distinct", 2);
	cJSON_Delete(r);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filesystems_big64), cmocka_unit_test(test_mount_escapes),
		cmocka_unit_test(test_filesystems_hotplug), cmocka_unit_test(test_pressure_vm2),
		cmocka_unit_test(test_pressure_partial),  cmocka_unit_test(test_pressure_absent),
		cmocka_unit_test(test_psi_parse),         cmocka_unit_test(test_cpuinfo),
		cmocka_unit_test(test_inventory),         cmocka_unit_test(test_users),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
