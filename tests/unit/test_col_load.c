// SPDX-License-Identifier: GPL-2.0-only
/* load and uptime collector (col_load.c). */
#include "testlib.h"

#include <errno.h>

#include "col_load.h"

static void test_load(void **st)
{
	struct collector_env env = { 0 };
	cJSON *r = run_fixture(&load_collector, &env, "big64", 1.0);
	struct loadavg l;

	(void)st;
	assert_num(r, "uptime_s", 8640000.55);
	assert_num(r, "load.load1", 12.5);
	assert_num(r, "load.load5", 10.25);
	assert_num(r, "load.load15", 8);
	/* cpu.procs_running and processes.threads: not said twice */
	assert_null(jpath(r, "load.runnable"));
	assert_null(jpath(r, "load.threads"));
	cJSON_Delete(r);
	assert_int_equal(loadavg_parse("0.1 0.2 x 1/2 3", &l), -EINVAL);
	assert_int_equal(loadavg_parse("0.1 0.2 0.3 12 3", &l), -EINVAL);
	assert_int_equal(loadavg_parse("0.1 0.2 -0.3 1/2 3", &l), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_load) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
