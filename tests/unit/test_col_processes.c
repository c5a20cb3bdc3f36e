// SPDX-License-Identifier: GPL-2.0-only
/* processes collector (col_processes.c): process and thread counts. */
#include "testlib.h"



static void test_processes(void **st)
{
	struct collector_env env = { 0 };
	cJSON *r = run_fixture(&processes_collector, &env, "big64", 1.0);

	(void)st;
	/* big64's proc has pid entries 1, 42 and 4242 beside self, net, pressure...; threads from
	 * loadavg's 17/2048 */
	assert_num(r, "processes.total", 3);
	assert_num(r, "processes.threads", 2048);
	cJSON_Delete(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_processes) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
