// SPDX-License-Identifier: GPL-2.0-only
/* memory collector (col_memory.c). */
#include "testlib.h"

#include <errno.h>

#include "col_memory.h"

static void test_memory_vm2(void **st)
{
	struct collector_env env = { 0 };
	cJSON *r = run_fixture(&memory_collector, &env, "vm2", 1.0);

	(void)st;
	assert_num(r, "memory.total_bytes", 24683656.0 * 1024);
	assert_num(r, "memory.available_bytes", 24444660.0 * 1024);
	assert_num(r, "memory.used_bytes", (24683656.0 - 24444660.0) * 1024);
	assert_num(r, "memory.used_pct", 100.0 * (24683656.0 - 24444660.0) / 24683656.0);
	assert_num(r, "memory.swap_used_pct", 0);
	cJSON_Delete(r);
}

static void test_memory_big64(void **st)
{
	struct collector_env env = { 0 };
	cJSON *r = run_fixture(&memory_collector, &env, "big64", 1.0);

	(void)st;
	assert_num(r, "memory.total_bytes", 536870912.0 * 1024);
	assert_num(r, "memory.used_pct", 50);
	assert_num(r, "memory.buffers_bytes", 1000000.0 * 1024);
	assert_num(r, "memory.cached_bytes", 150000000.0 * 1024);
	assert_num(r, "memory.shared_bytes", 2000000.0 * 1024);
	assert_num(r, "memory.slab_bytes", 8000000.0 * 1024);
	assert_num(r, "memory.dirty_bytes", 4096.0 * 1024);
	assert_num(r, "memory.swap_total_bytes", 8388608.0 * 1024);
	assert_num(r, "memory.swap_used_bytes", 2097152.0 * 1024);
	assert_num(r, "memory.swap_used_pct", 25);
	cJSON_Delete(r);
}

/* hotplug's meminfo predates MemAvailable (3.14): free + buffers + cached stands in. */
static void test_memory_no_available(void **st)
{
	struct collector_env env = { 0 };
	cJSON *r = run_fixture(&memory_collector, &env, "hotplug", 1.0);

	(void)st;
	assert_num(r, "memory.available_bytes", 2000000.0 * 1024);
	assert_num(r, "memory.used_pct", 50);
	cJSON_Delete(r);
}

static void test_memory_missing_total(void **st)
{
	struct meminfo m;

	(void)st;
	assert_int_equal(memory_parse("MemFree: 5 kB\n", &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_vm2), cmocka_unit_test(test_memory_big64),
		cmocka_unit_test(test_memory_no_available), cmocka_unit_test(test_memory_missing_total),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
