// SPDX-License-Identifier: GPL-2.0-only
/* test_prom.c - /metrics from a synthetic record and totals: the totals' counters and histograms
 * (log2 bounds le = 2^i units, cumulative buckets, _count = +Inf), the record's levels under base
 * units with instance labels, per-interval rates and counts left out, label and help escaping,
 * invalid names refused, a type clash dropped, and the MAX_SERIES bound counted. */
#include "testlib.h"

#include <linux/types.h>

#include "prom.h"
#include "totals.h"
#include "version.h"

static const char *rec1 =
	"{\"schema\":1,\"type\":\"metrics\",\"time\":\"x\",\"timestamp\":1700000000,\"host\":\"h\","
	"\"interval_s\":1,\"uptime_s\":12.5,"
	"\"cpu\":{\"busy_pct\":25,\"context_switches_per_s\":100,\"cores\":[{\"cpu\":0,\"busy_pct\":50}]},"
	"\"memory\":{\"total_bytes\":1000},"
	"\"users\":{\"logged_in\":2},"
	"\"processes\":{\"total\":73},"
	"\"sched\":{\"context_switches_per_s\":5,\"oom_kills\":1,\"oom_kills_total\":3,"
	"\"runqueue_latency_us\":{\"count\":3,\"p50\":2,\"p90\":3,\"p99\":3,\"max\":3,\"sum\":6,"
	"\"buckets\":[{\"le\":1,\"count\":1},{\"le\":3,\"count\":2}]},\"runqueue_clock_lag_us\":-250,"
	"\"short_lived\":{\"count\":4,\"top_comms\":[{\"comm\":\"true\",\"count\":4}]},"
	"\"top_cpu\":[{\"pid\":1,\"comm\":\"init\",\"cpu_pct\":1}]},"
	"\"bpf\":{\"enabled\":true,\"attached\":[\"sched\"],\"events\":42,\"ringbuf_drops\":0,\"map_full\":0,"
	"\"failed_inserts\":1},"
	"\"agent\":{\"records_written\":7,\"rss_bytes\":1000,\"cpu_pct\":3}}";

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

static cJSON *totals1(void)
{
	cJSON *t = cJSON_CreateObject();
	struct hist h = { 0 };

	totals_add(t, "cpu_seconds_total", "counter", "CPU \\ seconds\nby mode", TL("cpu", "0", "mode", "user"), 360.51);
	totals_add(t, "cpu_seconds_total", "counter", "ignored", TL("cpu", "0", "mode", "idle"), 1e3);
	totals_add(t, "network_receive_bytes_total", "counter", "rx", TL("device", "we\"ird\\"), 1234567890123.0);
	totals_add(t, "load1", "gauge", "load", NULL, 0.5);
	totals_add(t, "load1", "counter", "a clash: dropped", NULL, 9);
	totals_add(t, "bad name", "gauge", "refused", NULL, 1);
	totals_add(t, "x_total", "counter", "bad label", TL("__x", "1"), 1);
	h.slots[0] = 2;  /* values of 0 us: below 1 us */
	h.slots[1] = 1;  /* 1 us */
	h.slots[5] = 4;  /* 16..31 us */
	h.slots[HIST_SLOTS - 1] = 1;
	h.count = 8;
	totals_hist(t, "runqueue_latency_seconds", "rq", 1e-6, NULL, &h, 0.5);
	totals_hist(t, "block_io_latency_seconds", "bio", 1e-6, TL("device", "vda", "op", "read"), &h, 2);
	return t;
}

static void test_render(void **st)
{
	struct prom *p = prom_new();
	cJSON *r = cJSON_Parse(rec1), *tot = totals1();
	size_t len;
	char *t;

	(void)st;
	assert_non_null(r);
	t = prom_render(p, r, tot, &len);
	assert_non_null(t);
	assert_int_equal(strlen(t), len);
	assert_line(t, "corewatch_build_info{version=\"" COREWATCH_VERSION "\"} 1");
	/* totals: counters as the kernel keeps them, shortest exact text */
	assert_line(t, "# HELP corewatch_cpu_seconds_total CPU \\\\ seconds\\nby mode");
	assert_line(t, "# TYPE corewatch_cpu_seconds_total counter");
	assert_line(t, "corewatch_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 360.51");
	assert_line(t, "corewatch_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 1000");
	assert_line(t, "corewatch_network_receive_bytes_total{device=\"we\\\"ird\\\\\"} 1234567890123");
	assert_line(t, "# TYPE corewatch_load1 gauge");
	assert_line(t, "corewatch_load1 0.5");
	assert_null(strstr(t, "corewatch_load1 9"));
	assert_null(strstr(t, "bad name"));
	assert_null(strstr(t, "corewatch_x_total{"));
	/* histograms: le = 2^i us in seconds, Go's float text; cumulative; _count is +Inf */
	assert_line(t, "# TYPE corewatch_runqueue_latency_seconds histogram");
	assert_line(t, "corewatch_runqueue_latency_seconds_bucket{le=\"1e-06\"} 2");
	assert_line(t, "corewatch_runqueue_latency_seconds_bucket{le=\"2e-06\"} 3");
	assert_line(t, "corewatch_runqueue_latency_seconds_bucket{le=\"1.6e-05\"} 3");
	assert_line(t, "corewatch_runqueue_latency_seconds_bucket{le=\"3.2e-05\"} 7");
	assert_line(t, "corewatch_runqueue_latency_seconds_bucket{le=\"0.000128\"} 7");
	assert_line(t, "corewatch_runqueue_latency_seconds_bucket{le=\"1.048576\"} 7");
	assert_line(t, "corewatch_runqueue_latency_seconds_bucket{le=\"1073.741824\"} 7");
	assert_line(t, "corewatch_runqueue_latency_seconds_bucket{le=\"+Inf\"} 8");
	assert_line(t, "corewatch_runqueue_latency_seconds_sum 0.5");
	assert_line(t, "corewatch_runqueue_latency_seconds_count 8");
	assert_line(t, "corewatch_block_io_latency_seconds_bucket{device=\"vda\",op=\"read\",le=\"4e-06\"} 3");
	assert_line(t, "corewatch_block_io_latency_seconds_sum{device=\"vda\",op=\"read\"} 2");
	/* the record: levels only; the sections the totals replace, rates and interval counts stay out */
	assert_null(strstr(t, "corewatch_cpu_busy"));
	assert_null(strstr(t, "corewatch_memory_total_bytes"));
	assert_null(strstr(t, "per_second"));
	assert_null(strstr(t, "per_interval"));
	assert_null(strstr(t, "corewatch_sched_runqueue_latency"));
	assert_null(strstr(t, "oom_kills"));
	assert_null(strstr(t, "failed_inserts"));
	assert_null(strstr(t, "corewatch_bpf_program_events"));
	assert_null(strstr(t, "corewatch_bpf_events "));
	assert_null(strstr(t, "corewatch_bpf_attached"));
	assert_null(strstr(t, "corewatch_agent_cpu_ratio"));
	assert_null(strstr(t, "top_cpu"));
	assert_null(strstr(t, "top_comms"));
	assert_line(t, "corewatch_uptime_seconds 12.5");
	assert_line(t, "corewatch_interval_seconds 1");
	assert_line(t, "corewatch_users_logged_in 2");
	assert_line(t, "corewatch_processes 73");
	assert_line(t, "corewatch_sched_runqueue_clock_lag_seconds -0.00025");
	assert_line(t, "corewatch_bpf_enabled 1");
	assert_line(t, "corewatch_last_record_timestamp_seconds 1700000000");
	assert_line(t, "corewatch_exposition_series_dropped 0");
	/* every family has HELP and TYPE once */
	assert_null(strstr(strstr(t, "# TYPE corewatch_cpu_seconds_total") + 1, "# TYPE corewatch_cpu_seconds_total"));
	free(t);

	/* no totals, no record: still a valid exposition */
	t = prom_render(p, NULL, NULL, &len);
	assert_non_null(t);
	assert_line(t, "corewatch_exposition_series_dropped 0");
	free(t);
	cJSON_Delete(tot);
	cJSON_Delete(r);
	prom_free(p);
}

/* More series than MAX_SERIES (8192): the rest are counted, never rendered. */
static void test_bounded(void **st)
{
	struct prom *p = prom_new();
	cJSON *tot = cJSON_CreateObject();
	size_t len;
	char *t, id[16];

	(void)st;
	for (int i = 0; i < 8200; i++) {
		snprintf(id, sizeof(id), "%d", i);
		totals_add(tot, "x_total", "counter", "x", TL("i", id), i);
	}
	t = prom_render(p, NULL, tot, &len);
	assert_non_null(t);
	assert_line(t, "corewatch_x_total{i=\"8191\"} 8191");
	assert_null(strstr(t, "corewatch_x_total{i=\"8192\"}"));
	assert_line(t, "corewatch_exposition_series_dropped 8");
	free(t);
	cJSON_Delete(tot);
	prom_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_render), cmocka_unit_test(test_bounded) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
