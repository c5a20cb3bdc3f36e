// SPDX-License-Identifier: GPL-2.0-only
/* The inventory record (inventory.c): core counts from cpuinfo, memory, boot time, collectors. */
#include "testlib.h"

#include "inventory.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpuinfo), cmocka_unit_test(test_inventory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
