// SPDX-License-Identifier: GPL-2.0-only
/* test_output_text.c - --format text on synthetic records: the exact columns (sums over disks and
 * non-loopback interfaces, vmstat's usr/sys), '-' for what a record lacks, the header every 20
 * lines, alert, event and inventory lines, the size formatter. */
#include "testlib.h"

#include <time.h>

#include "output_text.h"

/* 1795315998 is 2026-11-22T02:53:18Z: in UTC the line starts 02:53:18 */
static const char full[] =
	"{\"type\":\"metrics\",\"timestamp\":1795315998,"
	"\"cpu\":{\"busy_pct\":42.26,\"user_pct\":30,\"nice_pct\":2.5,\"system_pct\":6,\"irq_pct\":0.5,"
	"\"softirq_pct\":1,\"iowait_pct\":2.25},"
	"\"memory\":{\"used_pct\":61.04,\"available_bytes\":9663676416},"
	"\"load\":{\"load1\":1.5},"
	"\"disks\":[{\"device\":\"vda\",\"read_bytes_per_s\":1048576,\"write_bytes_per_s\":100},"
	"{\"device\":\"vdb\",\"read_bytes_per_s\":209715,\"write_bytes_per_s\":924}],"
	"\"network\":{\"interfaces\":[{\"name\":\"lo\",\"rx_bytes_per_s\":9e9,\"tx_bytes_per_s\":9e9},"
	"{\"name\":\"eth0\",\"rx_bytes_per_s\":3000,\"tx_bytes_per_s\":512},"
	"{\"name\":\"eth1\",\"rx_bytes_per_s\":2120,\"tx_bytes_per_s\":0}]},"
	"\"sched\":{\"runqueue_latency_us\":{\"p99\":1521}}}";

static char *render(struct text_out *t, const char *json, size_t firing)
{
	cJSON *r = cJSON_Parse(json);
	char *s;

	assert_non_null(r);
	s = text_render(t, r, firing);
	cJSON_Delete(r);
	assert_non_null(s);
	return s;
}

static void test_metrics_line(void **st)
{
	struct text_out t = { 0 };
	char *s, *nl;

	(void)st;
	s = render(&t, full, 2);
	nl = strchr(s, '\n');
	assert_non_null(nl);
	*nl = '\0';
	assert_string_equal(s, "    time  cpu%  usr%  sys%  iow%  mem%  avail  load1  dsk_rd  dsk_wr  net_rx"
			       "  net_tx  rq_p99 alerts");
	/* usr 30+2.5, sys 6+0.5+1; reads 1M+0.2M, writes 1024 = 1.0K; rx 5120 = 5.0K without lo */
	assert_string_equal(nl + 1, "02:53:18  42.3  32.5   7.5   2.2  61.0   9.0G   1.50    1.2M    1.0K"
				    "    5.0K     512   1.5ms      2");
	free(s);
	/* the next 19 lines have no header, the 21st has one again */
	for (int i = 2; i <= 20; i++) {
		s = render(&t, full, 0);
		assert_null(strchr(s, '\n'));
		free(s);
	}
	s = render(&t, full, 0);
	assert_non_null(strchr(s, '\n'));
	assert_memory_equal(s, "    time", 8);
	free(s);
}

/* A record without sections (the first after a collector failed, --no-bpf): '-' in their columns;
 * an empty list of disks is 0. */
static void test_missing(void **st)
{
	struct text_out t = { 1 }; /* no header due */
	char *s;

	(void)st;
	s = render(&t, "{\"type\":\"metrics\",\"timestamp\":1795315998,\"disks\":[],"
		       "\"cpu\":{\"busy_pct\":5,\"user_pct\":1}}", 0);
	assert_string_equal(s, "02:53:18   5.0     -     -     -     -      -      -       0       0"
			       "       -       -       -      0");
	free(s);
}

static void test_other_records(void **st)
{
	struct text_out t = { 0 };
	char *s;

	(void)st;
	s = render(&t, "{\"type\":\"alert\",\"timestamp\":1795315998,\"name\":\"cpu_high\",\"state\":\"firing\","
		       "\"severity\":\"critical\",\"message\":\"CPU busy is 96.5% (threshold 70%)\"}", 1);
	assert_string_equal(s, "02:53:18  ** cpu_high FIRING (critical): CPU busy is 96.5% (threshold 70%)");
	free(s);
	s = render(&t, "{\"type\":\"alert\",\"timestamp\":1795315999,\"name\":\"cpu_high\",\"state\":\"resolved\","
		       "\"message\":\"resolved: CPU busy is 12% (clears at 70%)\"}", 0);
	assert_string_equal(s, "02:53:19  ** cpu_high resolved: CPU busy is 12% (clears at 70%)");
	free(s);
	s = render(&t, "{\"schema\":1,\"type\":\"event\",\"timestamp\":1795315998,\"host\":\"vm\",\"event\":\"oom_kill\","
		       "\"pid\":4242,\"comm\":\"hog\",\"cgroup\":null,\"anon_rss_bytes\":1073741824}", 0);
	assert_string_equal(s, "02:53:18  ** event oom_kill: pid=4242 comm=hog anon_rss_bytes=1073741824");
	free(s);
	s = render(&t, "{\"type\":\"inventory\",\"host\":\"vm\",\"interval_s\":0.5,\"version\":\"1.2\","
		       "\"kernel_release\":\"6.1.0\",\"arch\":\"x86_64\",\"logical_cores\":4,"
		       "\"memory_total_bytes\":25276063744}", 0);
	assert_string_equal(s, "corewatch 1.2 on vm: Linux 6.1.0 x86_64, 4 CPUs, 24G memory, every 0.5s");
	free(s);
	assert_int_equal(t.since_header, 0); /* none of those was a metrics line */
}

static void test_bytes(void **st)
{
	static const struct { double v; const char *want; } cases[] = {
		{ 0, "0" }, { 512, "512" }, { 1023, "1023" }, { 1023.6, "1.0K" }, { 1024, "1.0K" },
		{ 1536, "1.5K" }, { 10188, "9.9K" }, { 10240, "10K" }, { 1048063, "1023K" }, { 1048100, "1.0M" },
		{ 1258291, "1.2M" }, { 524288000, "500M" }, { 1649267441664.0, "1.5T" }, { -5, "0" },
	};
	char b[16];

	(void)st;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		text_bytes(cases[i].v, b, sizeof(b));
		if (strcmp(b, cases[i].want) != 0)
			fail_msg("%.17g: got '%s', want '%s'", cases[i].v, b, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_line), cmocka_unit_test(test_missing),
		cmocka_unit_test(test_other_records), cmocka_unit_test(test_bytes),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
