// SPDX-License-Identifier: GPL-2.0-only
/* test_prom.c - the Prometheus rendering of a synthetic record: names in base units, instance labels,
 * counters, histograms cumulative over records, label escaping, top-N lists left out. */
#include "testlib.h"

#include "prom.h"
#include "version.h"

#define COREWATCH_VERSION_FOR_TEST COREWATCH_VERSION

static const char *rec1 =
	"{\"schema\":1,\"type\":\"metrics\",\"time\":\"x\",\"timestamp\":1700000000,\"host\":\"h\","
	"\"interval_s\":1,\"uptime_s\":12.5,"
	"\"cpu\":{\"busy_pct\":25,\"cores\":[{\"cpu\":0,\"busy_pct\":50},{\"cpu\":1,\"busy_pct\":0}]},"
	"\"filesystems\":[{\"mount\":\"/mnt/a \\\"b\\\"\",\"device\":\"/dev/x\",\"fstype\":\"ext4\","
	"\"used_pct\":96.5,\"inodes_used_pct\":null}],"
	"\"processes\":{\"total\":73},"
	"\"sched\":{\"oom_kills\":1,\"oom_kills_total\":3,\"runqueue_latency_us\":{\"count\":3,\"p50\":2,\"p90\":3,\"p99\":3,\"max\":3,\"sum\":6,"
	"\"buckets\":[{\"le\":1,\"count\":1},{\"le\":3,\"count\":2}]},"
	"\"cpus\":[{\"cpu\":0,\"runqueue_latency_us\":{\"count\":3,\"p50\":2,\"p90\":3,\"p99\":3,\"max\":3,\"sum\":6}}],"
	"\"short_lived\":{\"count\":4,\"top_comms\":[{\"comm\":\"true\",\"count\":4}]},"
	"\"top_cpu\":[{\"pid\":1,\"comm\":\"init\",\"cpu_pct\":1}]},"
	"\"block\":{\"devices\":[{\"device\":\"vda\",\"op\":\"read\",\"ops_per_s\":10,"
	"\"latency_us\":{\"count\":1,\"p50\":1,\"p90\":1,\"p99\":1,\"max\":1,\"sum\":2000000,"
	"\"buckets\":[{\"le\":\"+Inf\",\"count\":1}]}}]},"
	"\"bpf\":{\"enabled\":true,\"programs\":{\"sched\":{\"attached\":true,\"hooks\":{\"a\":\"tp_btf\"},"
	"\"events\":42,\"maps\":{\"m1\":{\"entries\":1,\"max_entries\":8,\"fill_pct\":12.5}}}},"
	"\"ringbuf_drops\":0,\"map_full\":0},"
	"\"agent\":{\"records_written\":7,\"rss_bytes\":1000}}";

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p += n)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

#define assert_line(text, line)                                                              \
	do {                                                                                 \
		if (!has_line((text), (line)))                                               \
			fail_msg("missing line: %s\n--- output ---\n%s", (line), (text));    \
	} while (0)

static void test_render(void **st)
{
	struct prom *p = prom_new();
	cJSON *r = cJSON_Parse(rec1);
	size_t len;
	char *t;

	(void)st;
	assert_non_null(r);
	prom_observe(p, r);
	t = prom_render(p, r, &len);
	assert_non_null(t);
	assert_int_equal(strlen(t), len);
	assert_line(t, "corewatch_build_info{version=\"" COREWATCH_VERSION_FOR_TEST "\"} 1");
	assert_line(t, "# TYPE corewatch_cpu_busy_ratio gauge");
	assert_line(t, "corewatch_cpu_busy_ratio 0.25");
	assert_line(t, "corewatch_cpu_cores_busy_ratio{cpu=\"0\"} 0.5");
	assert_line(t, "corewatch_cpu_cores_busy_ratio{cpu=\"1\"} 0");
	assert_null(strstr(t, "corewatch_cpu_cores_cpu"));
	assert_line(t, "corewatch_filesystems_used_ratio{mount=\"/mnt/a \\\"b\\\"\",device=\"/dev/x\"} 0.965");
	assert_null(strstr(t, "inodes_used_ratio{")); /* null: no sample */
	assert_line(t, "corewatch_uptime_seconds 12.5");
	assert_line(t, "corewatch_processes 73");
	assert_line(t, "corewatch_sched_short_lived_per_interval 4");
	assert_null(strstr(t, "top_cpu"));
	assert_null(strstr(t, "top_comms"));
	assert_line(t, "# TYPE corewatch_sched_runqueue_latency_seconds histogram");
	assert_line(t, "corewatch_sched_runqueue_latency_seconds_bucket{le=\"0\"} 0");
	assert_line(t, "corewatch_sched_runqueue_latency_seconds_bucket{le=\"1e-06\"} 1");
	assert_line(t, "corewatch_sched_runqueue_latency_seconds_bucket{le=\"3e-06\"} 3");
	assert_line(t, "corewatch_sched_runqueue_latency_seconds_bucket{le=\"+Inf\"} 3");
	assert_line(t, "corewatch_sched_runqueue_latency_seconds_sum 6e-06");
	assert_line(t, "corewatch_sched_runqueue_latency_seconds_count 3");
	assert_line(t, "corewatch_sched_cpus_runqueue_latency_p99_seconds{cpu=\"0\"} 3e-06");
	assert_line(t, "corewatch_block_devices_ops_per_second{device=\"vda\",op=\"read\"} 10");
	assert_line(t, "corewatch_block_devices_latency_seconds_bucket{device=\"vda\",op=\"read\",le=\"+Inf\"} 1");
	assert_line(t, "corewatch_block_devices_latency_seconds_sum{device=\"vda\",op=\"read\"} 2");
	assert_line(t, "corewatch_bpf_enabled 1");
	assert_line(t, "corewatch_bpf_program_attached{program=\"sched\"} 1");
	assert_line(t, "# TYPE corewatch_bpf_program_events_total counter");
	assert_line(t, "corewatch_bpf_program_events_total{program=\"sched\"} 42");
	assert_line(t, "corewatch_bpf_program_map_fill_ratio{program=\"sched\",map=\"m1\"} 0.125");
	assert_line(t, "corewatch_agent_records_written_total 7");
	/* a counter already named _total keeps one; the interval's count is left to it */
	assert_line(t, "# TYPE corewatch_sched_oom_kills_total counter");
	assert_line(t, "corewatch_sched_oom_kills_total 3");
	assert_null(strstr(t, "oom_kills_total_total"));
	assert_null(strstr(t, "corewatch_sched_oom_kills "));
	assert_line(t, "corewatch_agent_rss_bytes 1000");
	assert_line(t, "corewatch_last_record_timestamp_seconds 1700000000");
	/* every family has HELP and TYPE once */
	assert_int_equal(strstr(strstr(t, "# TYPE corewatch_cpu_busy_ratio") + 1, "# TYPE corewatch_cpu_busy_ratio") == NULL, 1);
	free(t);

	/* a second record: histograms add up, gauges show the latest */
	prom_observe(p, r);
	t = prom_render(p, r, &len);
	assert_line(t, "corewatch_sched_runqueue_latency_seconds_bucket{le=\"3e-06\"} 6");
	assert_line(t, "corewatch_sched_runqueue_latency_seconds_count 6");
	assert_line(t, "corewatch_sched_runqueue_latency_seconds_sum 1.2e-05");
	assert_line(t, "corewatch_cpu_busy_ratio 0.25");
	free(t);
	cJSON_Delete(r);
	prom_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_render) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
