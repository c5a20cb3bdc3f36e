// SPDX-License-Identifier: GPL-2.0-only
/* disks collector (col_disks.c): rates, device filtering, wraps and resets. */
#include "testlib.h"

#include <errno.h>

#include "col_disks.h"

static void test_disks_vm2(void **st)
{
	struct collector_env env = { 0 };
	cJSON *r = run_fixture(&disks_collector, &env, "vm2", 1.0);
	cJSON *vda;

	(void)st;
	/* loop0-7 and zram0 are left out by default: vda only */
	assert_int_equal(jsize(r, "disks"), 1);
	vda = find_named(jpath(r, "disks"), "device", "vda");
	assert_non_null(vda);
	assert_num(vda, "reads_per_s", 28797 - 28544);
	assert_num(vda, "writes_per_s", 4744 - 4704);
	assert_num(vda, "read_bytes_per_s", (2129538.0 - 2098098) * 512);
	assert_num(vda, "write_bytes_per_s", (291576.0 - 250616) * 512);
	assert_num(vda, "util_pct", (3572.0 - 3540) / 10);
	assert_num(vda, "await_ms", (235.0 + 26) / (253 + 40));
	assert_num(vda, "avg_queue_depth", (6652.0 - 6390) / 1000);
	assert_num(vda, "in_flight", 0);
	cJSON_Delete(r);
}

static void test_disks_big64(void **st)
{
	struct collector_env env = { 0 };
	cJSON *r = run_fixture(&disks_collector, &env, "big64", 1.0), *nv;

	(void)st;
	/* whole devices per /sys/block: nvme0n1, md0, dm-0 (loop0 left out, partitions left out) */
	assert_int_equal(jsize(r, "disks"), 3);
	assert_null(find_named(jpath(r, "disks"), "device", "nvme0n1p1"));
	assert_null(find_named(jpath(r, "disks"), "device", "loop0"));
	assert_non_null(find_named(jpath(r, "disks"), "device", "md0"));
	nv = find_named(jpath(r, "disks"), "device", "nvme0n1");
	assert_non_null(nv);
	assert_num(nv, "reads_per_s", 500);
	assert_num(nv, "writes_per_s", 500);
	assert_num(nv, "read_bytes_per_s", 4000.0 * 512);
	assert_num(nv, "write_bytes_per_s", 8000.0 * 512);
	assert_num(nv, "util_pct", 40);
	assert_num(nv, "await_ms", 1.5);
	assert_num(nv, "avg_queue_depth", 1.5);
	assert_num(nv, "in_flight", 3);
	cJSON_Delete(r);

	env.all_disks = true;
	r = run_fixture(&disks_collector, &env, "big64", 1.0);
	assert_int_equal(jsize(r, "disks"), 6);
	cJSON_Delete(r);
}

/* sda's read counter wrapped at 32 bits; sdb's was reset; sdc went away, sdd is new. */
static void test_disks_hotplug(void **st)
{
	struct collector_env env = { 0 };
	cJSON *r = run_fixture(&disks_collector, &env, "hotplug", 1.0), *d;

	(void)st;
	assert_int_equal(jsize(r, "disks"), 2);
	d = find_named(jpath(r, "disks"), "device", "sda");
	assert_non_null(d);
	assert_num(d, "reads_per_s", 496);
	assert_num(d, "util_pct", 10);
	d = find_named(jpath(r, "disks"), "device", "sdb");
	assert_non_null(d);
	assert_num(d, "reads_per_s", 0);
	assert_null(find_named(jpath(r, "disks"), "device", "sdc"));
	assert_null(find_named(jpath(r, "disks"), "device", "sdd")); /* no previous sample yet */
	cJSON_Delete(r);
}

static void test_diskstats_line(void **st)
{
	struct diskstat_line l;

	(void)st;
	assert_int_equal(diskstats_parse_line("8 1 sda1 1 2 3 4 5 6 7 8 9 10 11 12 13\n", &l), 0);
	assert_int_equal(l.f[DS_RD_IOS], 1);
	assert_int_equal(l.f[DS_WEIGHTED_MS], 11);
	/* pre-2.6.25 partition lines have 4 fields with other meanings */
	assert_int_equal(diskstats_parse_line("   8       1 sda1 5 6 7 8\n", &l), -EINVAL);
	assert_int_equal(diskstats_parse_line("8 0\n", &l), -EINVAL);
	assert_int_equal(diskstats_parse_line("x 0 sda 1 2 3 4\n", &l), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disks_vm2), cmocka_unit_test(test_disks_big64),
		cmocka_unit_test(test_disks_hotplug), cmocka_unit_test(test_diskstats_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
