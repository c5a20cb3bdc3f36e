// SPDX-License-Identifier: GPL-2.0-only
/* cpu collector on three machine shapes. */
#include "testlib.h"

#include <errno.h>

#include "col_cpu.h"

/* vm2: captured on a 2-vCPU VM, ~1 s apart with a CPU burner, dd and TCP connects in between. */
static void test_vm2(void **st)
{
	struct collector_env env = { .per_cpu = true };
	cJSON *r = run_fixture(&cpu_collector, &env, "vm2", 1.0);

	(void)st;
	/* totals: user +61, system +7, idle +132, iowait +3 of 203 jiffies */
	assert_num(r, "cpu.user_pct", 100.0 * 61 / 203);
	assert_num(r, "cpu.system_pct", 100.0 * 7 / 203);
	assert_num(r, "cpu.idle_pct", 100.0 * 132 / 203);
	assert_num(r, "cpu.iowait_pct", 100.0 * 3 / 203);
	assert_num(r, "cpu.busy_pct", 100.0 * 68 / 203);
	assert_num(r, "cpu.steal_pct", 0);
	assert_num(r, "cpu.context_switches_per_s", 239882 - 238865);
	assert_num(r, "cpu.forks_per_s", 2443 - 2340);
	assert_num(r, "cpu.interrupts_per_s", 113546 - 112899);
	assert_int_equal(jsize(r, "cpu.cores"), 2);
	assert_num(r, "cpu.cores.1.cpu", 1);
	/* cpu1: user +58, system +5, idle +35, iowait +3 of 101 */
	assert_num(r, "cpu.cores.1.user_pct", 57.4);  /* 100 * 58 / 101, to one decimal */
	assert_num(r, "cpu.cores.1.busy_pct", 62.4);  /* 100 * 63 / 101 */
	/* /proc/schedstat: run_delay cpu0 +300 ms, cpu1 +50 ms; timeslices +600, +100 */
	assert_num(r, "cpu.schedstat.run_delay_ms_per_s", 350);
	assert_num(r, "cpu.schedstat.timeslices_per_s", 700);
	cJSON_Delete(r);
}

/* big64: 64 cores; every core user 30% system 10% idle 50% iowait 5% softirq 5%, but core 63 100% user. */
static void test_big64(void **st)
{
	struct collector_env env = { .per_cpu = true };
	cJSON *r = run_fixture(&cpu_collector, &env, "big64", 2.0);

	(void)st;
	assert_int_equal(jsize(r, "cpu.cores"), 64);
	assert_num(r, "cpu.cores.0.user_pct", 30);
	assert_num(r, "cpu.cores.0.system_pct", 10);
	/* per core: no idle, iowait, nice, irq or steal (the totals have them) */
	assert_null(jpath(r, "cpu.cores.0.idle_pct"));
	assert_null(jpath(r, "cpu.cores.0.iowait_pct"));
	assert_num(r, "cpu.cores.0.softirq_pct", 5);
	assert_num(r, "cpu.cores.0.busy_pct", 45);
	assert_num(r, "cpu.cores.63.cpu", 63);
	assert_num(r, "cpu.cores.63.user_pct", 100);
	assert_num(r, "cpu.cores.63.busy_pct", 100);
	/* total: user 63*60+200 = 3980 of 12800; idle 6300, iowait 630 */
	assert_num(r, "cpu.user_pct", 100.0 * 3980 / 12800);
	assert_num(r, "cpu.busy_pct", 100.0 * (12800 - 6300 - 630) / 12800);
	/* dt = 2 s halves every rate */
	assert_num(r, "cpu.context_switches_per_s", 25000);
	assert_num(r, "cpu.forks_per_s", 50);
	assert_num(r, "cpu.interrupts_per_s", 100000);
	assert_num(r, "cpu.procs_running", 17);
	assert_num(r, "cpu.procs_blocked", 2);
	/* no /proc/schedstat in this fixture (a kernel without CONFIG_SCHEDSTATS): left out */
	assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "cpu"), "schedstat"));
	cJSON_Delete(r);
}

/* hotplug: cpu2 went offline between samples and the total's iowait went backwards (NO_HZ quirk). */
static void test_hotplug(void **st)
{
	struct collector_env env = { .per_cpu = true };
	cJSON *r = run_fixture(&cpu_collector, &env, "hotplug", 1.0);

	(void)st;
	assert_int_equal(jsize(r, "cpu.cores"), 3);
	assert_num(r, "cpu.cores.0.cpu", 0);
	assert_num(r, "cpu.cores.1.cpu", 1);
	assert_num(r, "cpu.cores.2.cpu", 3);
	assert_num(r, "cpu.cores.2.user_pct", 10);
	assert_num(r, "cpu.cores.2.busy_pct", 10);
	/* iowait 200 -> 190 counts as 0, never negative: user 30 + idle 270 = 300 */
	assert_num(r, "cpu.iowait_pct", 0);
	assert_num(r, "cpu.user_pct", 10);
	assert_num(r, "cpu.idle_pct", 90);
	assert_num(r, "cpu.busy_pct", 10);
	assert_num(r, "cpu.context_switches_per_s", 300);
	cJSON_Delete(r);
}

/* without --per-cpu the record has the totals and no cores */
static void test_no_per_cpu(void **st)
{
	struct collector_env env = { 0 };
	cJSON *r = run_fixture(&cpu_collector, &env, "vm2", 1.0);

	(void)st;
	assert_num(r, "cpu.busy_pct", 100.0 * 68 / 203);
	assert_null(jpath(r, "cpu.cores"));
	cJSON_Delete(r);
}

static void test_parse_errors(void **st)
{
	struct cpu_stat s = { 0 };

	(void)st;
	assert_int_equal(cpu_parse_stat("ctxt 5\n", &s), -EINVAL);
	/* an old kernel with only 4 fields: the rest read 0 */
	assert_int_equal(cpu_parse_stat("cpu  1 2 3 4\ncpu0 1 2 3 4\n", &s), 0);
	assert_int_equal(s.ncores, 1);
	assert_int_equal(s.total.v[CPU_IDLE], 4);
	assert_int_equal(s.total.v[CPU_IOWAIT], 0);
	free(s.cores);
}

static void test_schedstat_formats(void **st)
{
	struct cpu_schedstat ss;

	(void)st;
	assert_int_equal(cpu_parse_schedstat("version 17\ntimestamp 1\ncpu0 0 0 1 2 3 4 5 600 7\n"
					     "domain0 MC 3 0 0\ncpu1 0 0 1 2 3 4 5 40 3\n", &ss), 0);
	assert_int_equal(ss.run_delay_ns, 640);
	assert_int_equal(ss.timeslices, 10);
	/* an older layout than version 15, a short cpu line, no cpu line, no version line */
	assert_int_equal(cpu_parse_schedstat("version 14\ncpu0 0 0 1 2 3 4 5 6 7\n", &ss), -EINVAL);
	assert_int_equal(cpu_parse_schedstat("version 15\ncpu0 0 0 1 2 3 4 5\n", &ss), -EINVAL);
	assert_int_equal(cpu_parse_schedstat("version 15\ntimestamp 1\n", &ss), -EINVAL);
	assert_int_equal(cpu_parse_schedstat("cpu0 0 0 1 2 3 4 5 6 7\n", &ss), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vm2), cmocka_unit_test(test_big64),
		cmocka_unit_test(test_hotplug), cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_no_per_cpu),
		cmocka_unit_test(test_schedstat_formats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
