// SPDX-License-Identifier: GPL-2.0-only
/* cgroup v2 interface file parsers (cgroup_stat.c), on files as the kernel writes them
 * (tests/fixtures/cgroup/) and on broken ones. */
#include "testlib.h"

#include <errno.h>

#include "cgroup_stat.h"

static const char *fixture(struct fbuf *b, const char *name)
{
	assert_int_equal(fbuf_read(b, FIXTURES "/cgroup", name), 0);
	return b->data;
}

static void test_cpu_stat(void **st)
{
	struct fbuf b = { 0 };
	struct cg_cpu_stat c;

	(void)st;
	assert_int_equal(cg_parse_cpu_stat(fixture(&b, "cpu.stat"), &c), 0);
	assert_int_equal(c.usage_us, 8123456);
	assert_true(c.has_throttled);
	assert_int_equal(c.throttled_us, 345678);
	/* a hybrid host's v2 root: no cpu controller, so no throttled_usec */
	assert_int_equal(cg_parse_cpu_stat(fixture(&b, "cpu.stat.hybrid-root"), &c), 0);
	assert_int_equal(c.usage_us, 2210180000ull);
	assert_false(c.has_throttled);
	assert_int_equal(cg_parse_cpu_stat("user_usec 5\n", &c), -EINVAL);
	assert_int_equal(cg_parse_cpu_stat("usage_usec 12x\n", &c), -EINVAL);
	assert_int_equal(cg_parse_cpu_stat("usage_usec 1\nthrottled_usec -3\n", &c), -EINVAL);
	/* a key that only starts like usage_usec is another key */
	assert_int_equal(cg_parse_cpu_stat("usage_usec_local 9\nusage_usec 4\n", &c), 0);
	assert_int_equal(c.usage_us, 4);
	fbuf_free(&b);
}

static void test_memory_events(void **st)
{
	struct fbuf b = { 0 };
	struct cg_mem_events m;

	(void)st;
	assert_int_equal(cg_parse_memory_events(fixture(&b, "memory.events"), &m), 0);
	assert_int_equal(m.high, 42);
	/* oom_kill, not oom (the times the limit was hit) nor oom_group_kill */
	assert_int_equal(m.oom_kill, 1);
	assert_int_equal(cg_parse_memory_events("low 0\nhigh 1\n", &m), -EINVAL);
	assert_int_equal(cg_parse_memory_events("high 99999999999999999999\noom_kill 0\n", &m), -EINVAL);
	fbuf_free(&b);
}

static void test_io_stat(void **st)
{
	struct fbuf b = { 0 };
	struct cg_io_stat io;

	(void)st;
	assert_int_equal(cg_parse_io_stat(fixture(&b, "io.stat"), &io), 0);
	assert_int_equal(io.rbytes, 1048576 + 4096);
	assert_int_equal(io.wbytes, 52428800 + 8192);
	assert_int_equal(cg_parse_io_stat("", &io), 0); /* no I/O yet */
	assert_int_equal(io.rbytes + io.wbytes, 0);
	assert_int_equal(cg_parse_io_stat("rbytes=1 wbytes=2\n", &io), -EINVAL);
	assert_int_equal(cg_parse_io_stat("8:0 rbytes=1x wbytes=2\n", &io), -EINVAL);
	assert_int_equal(cg_parse_io_stat("8:0 rbytes\n", &io), -EINVAL);
	fbuf_free(&b);
}

static void test_u64_file(void **st)
{
	struct fbuf b = { 0 };
	uint64_t v;

	(void)st;
	assert_int_equal(cg_parse_u64_file(fixture(&b, "memory.current"), &v), 0);
	assert_int_equal(v, 52428800);
	assert_int_equal(cg_parse_u64_file("max\n", &v), -EINVAL);
	assert_int_equal(cg_parse_u64_file("", &v), -EINVAL);
	assert_int_equal(cg_parse_u64_file("12\n13\n", &v), -EINVAL);
	assert_int_equal(cg_parse_u64_file("12 \n", &v), -EINVAL);
	fbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_stat), cmocka_unit_test(test_memory_events),
		cmocka_unit_test(test_io_stat), cmocka_unit_test(test_u64_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
