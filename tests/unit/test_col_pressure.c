// SPDX-License-Identifier: GPL-2.0-only
/* pressure collector (col_pressure.c): the share of the interval stalled (from total= growth),
 * partial and absent files. */
#include "testlib.h"

#include <errno.h>
#include <math.h>

#include "col_pressure.h"

static void test_pressure_vm2(void **st)
{
	struct collector_env env = { 0 };
	cJSON *r = run_fixture(&pressure_collector, &env, "vm2", 1.0);

	(void)st;
	/* 1 s between the samples: microseconds stalled / 1e6 * 100 */
	assert_num(r, "pressure.io.some_pct", round((2511779 - 2478794) / 1e4 * 1000) / 1000);
	assert_num(r, "pressure.io.full_pct", round((2415253 - 2382731) / 1e4 * 1000) / 1000);
	assert_non_null(jpath(r, "pressure.cpu.some_pct"));
	assert_null(jpath(r, "pressure.cpu.full_pct")); /* the file has it: zero by definition, left out */
	assert_null(jpath(r, "pressure.io.some")); /* no kernel averages: they are of other windows */
	assert_null(jpath(r, "pressure.irq")); /* this kernel has no irq pressure file */
	cJSON_Delete(r);
}

/* hotplug: a pre-5.13 kernel (cpu has only "some") with no io file. */
static void test_pressure_partial(void **st)
{
	struct collector_env env = { 0 };
	cJSON *r = run_fixture(&pressure_collector, &env, "hotplug", 1.0);

	(void)st;
	assert_num(r, "pressure.cpu.some_pct", 25);
	assert_null(jpath(r, "pressure.cpu.full_pct"));
	assert_num(r, "pressure.memory.full_pct", 0.01);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pressure_vm2), cmocka_unit_test(test_pressure_partial),
		cmocka_unit_test(test_pressure_absent), cmocka_unit_test(test_psi_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
