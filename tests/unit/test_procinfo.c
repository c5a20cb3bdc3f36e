// SPDX-License-Identifier: GPL-2.0-only
/* procinfo.c: one process's JSON from a fixture /proc (tests/fixtures/procinfo, hand-written), the
 * strict pid parser, and cpu_pct from the tracked pids' ticks. */
#include <errno.h>
#include <unistd.h>

#include "testlib.h"
#include "procinfo.h"

static char root[256];

static void use(const char *t)
{
	snprintf(root, sizeof(root), FIXTURES "/procinfo/%s/proc", t);
}

static cJSON *get(struct procinfo *p, uint32_t pid, const struct procinfo_sched *s, double now)
{
	cJSON *o = NULL;

	assert_int_equal(procinfo_json(p, pid, s, now, &o), 0);
	assert_non_null(o);
	return o;
}

static void assert_null_at(cJSON *o, const char *name)
{
	cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);

	assert_non_null(it);
	assert_true(cJSON_IsNull(it));
}

static void test_fields(void **st)
{
	struct procinfo *p;
	cJSON *o, *cmd;

	(void)st;
	use("t0");
	assert_non_null(p = procinfo_new(root));
	o = get(p, 4242, NULL, 1.0);
	assert_num(o, "pid", 4242);
	assert_str(o, "name", "my) (odd proc"); /* comm, with the ")" stat's parser must not stop at */
	assert_str(o, "exe", "/usr/sbin/nginx");
	cmd = cJSON_GetObjectItemCaseSensitive(o, "cmdline");
	assert_int_equal(cJSON_GetArraySize(cmd), 3);
	assert_str(o, "cmdline.0", "nginx: worker");
	assert_str(o, "cmdline.1", "-c");
	assert_str(o, "cmdline.2", "/etc/nginx/my conf");
	assert_str(o, "state", "S");
	assert_num(o, "ppid", 4000);
	assert_num(o, "uid", 33); /* the real uid, not the effective 34 */
	assert_str(o, "cgroup", "/system.slice/nginx.service");
	assert_str(o, "cgroup_name", "nginx.service");
	assert_num(o, "rss_bytes", 2560.0 * (double)sysconf(_SC_PAGESIZE)); /* statm's resident pages */
	assert_num(o, "threads", 3);
	assert_num(o, "fds", 5);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "fds_truncated")));
	/* btime 1790000000 + starttime 123456 ticks / 100 Hz */
	assert_str(o, "start_time", "2026-09-21T14:33:54.560Z");
	assert_null_at(o, "cpu_pct"); /* first request, no eBPF: not known yet */
	assert_null_at(o, "runqueue_wait_pct");
	cJSON_Delete(o);
	procinfo_free(p);
}

static void test_kernel_thread(void **st)
{
	struct procinfo *p;
	cJSON *o;

	(void)st;
	use("t0");
	assert_non_null(p = procinfo_new(root));
	o = get(p, 77, NULL, 1.0);
	assert_str(o, "name", "kworker/0:1");
	assert_null_at(o, "exe");
	assert_int_equal(jsize(o, "cmdline"), 0);
	assert_str(o, "state", "I");
	assert_num(o, "ppid", 2);
	assert_null_at(o, "cgroup"); /* v1 only: no "0::" line */
	assert_null_at(o, "cgroup_name");
	assert_num(o, "rss_bytes", 0);
	assert_null_at(o, "fds");
	assert_str(o, "start_time", "2026-09-21T14:13:22.500Z"); /* 250 ticks */
	cJSON_Delete(o);
	procinfo_free(p);
}

static void test_absent(void **st)
{
	struct procinfo *p;
	cJSON *o = (cJSON *)1;

	(void)st;
	use("t0");
	assert_non_null(p = procinfo_new(root));
	assert_int_equal(procinfo_json(p, 5, NULL, 1.0, &o), -ENOENT);
	assert_null(o);
	procinfo_free(p);
}

/* Tracked from the first request; the two records' ticks then give the interval's share. */
static void test_cpu_from_ticks(void **st)
{
	struct procinfo *p;
	cJSON *o;

	(void)st;
	use("t0");
	assert_non_null(p = procinfo_new(root));
	cJSON_Delete(get(p, 4242, NULL, 1.0));
	cJSON_Delete(get(p, 77, NULL, 1.0));
	procinfo_tick(p, 10.0); /* reads t0: 1500 ticks */
	o = get(p, 4242, NULL, 11.0);
	assert_null_at(o, "cpu_pct"); /* one record seen: still no interval */
	cJSON_Delete(o);
	use("t1");
	procinfo_tick(p, 15.0); /* 1750 ticks: 2.5 s of CPU in 5 s */
	o = get(p, 4242, NULL, 16.0);
	assert_num(o, "cpu_pct", 50.0);
	assert_str(o, "cpu_source", "proc");
	cJSON_Delete(o);
	/* pid 77 is another process at t1 (new starttime): tracking starts again */
	o = get(p, 77, NULL, 16.0);
	assert_null_at(o, "cpu_pct");
	cJSON_Delete(o);
	procinfo_free(p);
}

static void test_cpu_from_sched(void **st)
{
	struct procinfo_sched s = { .cpu_pct = 12.5, .runqueue_wait_pct = 3.25 };
	struct procinfo *p;
	cJSON *o;

	(void)st;
	use("t0");
	assert_non_null(p = procinfo_new(root));
	o = get(p, 4242, &s, 1.0);
	assert_num(o, "cpu_pct", 12.5);
	assert_num(o, "runqueue_wait_pct", 3.3); /* to 0.1 */
	assert_str(o, "cpu_source", "ebpf");
	cJSON_Delete(o);
	procinfo_free(p);
}

static void test_parse_pid(void **st)
{
	static const char *bad[] = { "", "12x", "-1", "+1", " 1", "1 ", "01", "0x10", "1.0", "%31" };
	static const char *range[] = { "0", "4194305", "99999999999999999999", "18446744073709551617" };
	uint32_t pid = 7;

	(void)st;
	assert_int_equal(procinfo_parse_pid("1", &pid), 0);
	assert_int_equal(pid, 1);
	assert_int_equal(procinfo_parse_pid("4194304", &pid), 0);
	assert_int_equal(pid, 4194304);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(procinfo_parse_pid(bad[i], &pid), -1);
		assert_int_equal(errno, EINVAL);
	}
	for (size_t i = 0; i < sizeof(range) / sizeof(range[0]); i++) {
		assert_int_equal(procinfo_parse_pid(range[i], &pid), -1);
		assert_int_equal(errno, ERANGE);
	}
	assert_int_equal(pid, 4194304);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),         cmocka_unit_test(test_kernel_thread),
		cmocka_unit_test(test_absent),         cmocka_unit_test(test_cpu_from_ticks),
		cmocka_unit_test(test_cpu_from_sched), cmocka_unit_test(test_parse_pid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
