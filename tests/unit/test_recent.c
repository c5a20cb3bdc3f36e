// SPDX-License-Identifier: GPL-2.0-only
/* The live page's ring of recent values: its size for each interval, wrapping at its capacity,
 * merging records into one slot, the numbers it takes from a record, and reading it back as chart
 * points and heatmap columns. */
#include "testlib.h"

#include <math.h>

#include "recent.h"

#define T0 INT64_C(1796197900000) /* a whole minute of wall clock, epoch ms */

static cJSON *rec_busy(double busy)
{
	cJSON *r = cJSON_CreateObject(), *cpu = cJSON_AddObjectToObject(r, "cpu");

	cJSON_AddNumberToObject(cpu, "busy_pct", busy);
	return r;
}

static void add_busy(struct recent *r, double busy, int64_t t)
{
	cJSON *rec = rec_busy(busy);

	recent_add(r, rec, t);
	cJSON_Delete(rec);
}

static void test_capacity(void **st)
{
	static const struct { uint64_t interval_ms; size_t cap; int64_t slot_ms; } cases[] = {
		{ 100, 3600, 1000 },	{ 500, 3600, 1000 }, { 1000, 3600, 1000 }, { 10000, 360, 10000 },
		{ 7000, 515, 7000 },	{ 3600000, 1, 3600000 }, { 7200000, 1, 7200000 },
	};

	(void)st;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct recent *r = recent_new(cases[i].interval_ms);

		assert_non_null(r);
		assert_int_equal(recent_capacity(r), cases[i].cap);
		assert_int_equal(recent_slot_ms(r), cases[i].slot_ms);
		assert_int_equal(recent_len(r), 0);
		/* the bound docs/operations.md states: 3600 slots of this size, whatever the interval */
		assert_true(recent_bytes(r) <= RECENT_MAX_SLOTS * sizeof(struct recent_slot) + 64);
		recent_free(r);
	}
	assert_int_equal(sizeof(struct recent_slot), 512); /* docs/operations.md: 1,843,200 bytes at most */
}

static void test_wraps_at_capacity(void **st)
{
	struct recent *r = recent_new(1000);

	(void)st;
	for (int i = 0; i < 3600 + 25; i++)
		add_busy(r, i % 100, T0 + i * 1000 + 3); /* records land 3 ms into their second */
	assert_int_equal(recent_len(r), 3600);
	/* the oldest 25 were dropped; the rest in order, one record each, on whole seconds */
	assert_int_equal(recent_slot(r, 0)->t_ms, T0 + 25 * 1000);
	assert_true(recent_slot(r, 0)->v[RS_CPU_BUSY].min == 25);
	assert_int_equal(recent_slot(r, 3599)->t_ms, T0 + 3624 * 1000);
	assert_true(recent_slot(r, 3599)->v[RS_CPU_BUSY].max == 3624 % 100);
	for (size_t i = 1; i < 3600; i++)
		assert_int_equal(recent_slot(r, i)->t_ms - recent_slot(r, i - 1)->t_ms, 1000);
	assert_null(recent_slot(r, 3600));
	recent_free(r);
}

static void test_merges_within_a_slot(void **st)
{
	struct recent *r = recent_new(250);
	const struct recent_slot *s;

	(void)st;
	/* four records a second at -i 250ms: one slot per second */
	for (int i = 0; i < 12; i++)
		add_busy(r, 10 + i, T0 + i * 250);
	assert_int_equal(recent_len(r), 3);
	s = recent_slot(r, 1);
	assert_int_equal(s->t_ms, T0 + 1000);
	assert_int_equal(s->records, 4);
	assert_int_equal(s->v[RS_CPU_BUSY].n, 4);
	assert_true(s->v[RS_CPU_BUSY].min == 14 && s->v[RS_CPU_BUSY].max == 17);
	assert_true(s->v[RS_CPU_BUSY].sum == 14 + 15 + 16 + 17);
	/* an hour and more of them: still 3600 slots */
	for (int i = 12; i < 4 * 3700; i++)
		add_busy(r, 1, T0 + i * 250);
	assert_int_equal(recent_len(r), 3600);
	assert_int_equal(recent_slot(r, 0)->records, 4);
	recent_free(r);
}

static void test_clock_set_back(void **st)
{
	struct recent *r = recent_new(1000);

	(void)st;
	for (int i = 0; i < 10; i++)
		add_busy(r, 1, T0 + i * 1000);
	add_busy(r, 2, T0 + 4000);
	assert_int_equal(recent_len(r), 1);
	assert_int_equal(recent_slot(r, 0)->t_ms, T0 + 4000);
	recent_free(r);
}

static void test_record_fields(void **st)
{
	const char *json =
		"{\"cpu\":{\"busy_pct\":50,\"user_pct\":30,\"system_pct\":20},"
		"\"memory\":{\"used_bytes\":1000,\"available_bytes\":3000},"
		"\"load\":{\"load1\":1.5,\"load5\":1,\"load15\":0.5},"
		"\"disks\":[{\"device\":\"a\",\"read_bytes_per_s\":100,\"write_bytes_per_s\":1},"
		"{\"device\":\"b\",\"read_bytes_per_s\":200,\"write_bytes_per_s\":2}],"
		"\"network\":{\"interfaces\":[{\"name\":\"lo\",\"rx_bytes_per_s\":1e6,\"tx_bytes_per_s\":1e6},"
		"{\"name\":\"eth0\",\"rx_bytes_per_s\":10,\"tx_bytes_per_s\":20},"
		"{\"name\":\"eth1\",\"rx_bytes_per_s\":1,\"tx_bytes_per_s\":2}]},"
		"\"sched\":{\"runqueue_latency_us\":{\"p99\":77,\"buckets\":[[0,5],[1,2],[3,1],[4095,6],[\"+Inf\",1]]}},"
		"\"block\":{\"devices\":[{\"device\":\"a\",\"op\":\"read\",\"latency_us\":{\"p99\":300}},"
		"{\"device\":\"b\",\"op\":\"read\",\"latency_us\":{\"p99\":900}},"
		"{\"device\":\"a\",\"op\":\"write\",\"latency_us\":{\"p99\":40}}]}}";
	static const double want[RS_N] = {
		[RS_CPU_BUSY] = 50,	  [RS_CPU_USER] = 30,	   [RS_CPU_SYSTEM] = 20, [RS_MEM_USED] = 1000,
		[RS_MEM_AVAIL] = 3000,	  [RS_LOAD1] = 1.5,	   [RS_LOAD5] = 1,	 [RS_LOAD15] = 0.5,
		[RS_DISK_READ] = 300,	  [RS_DISK_WRITE] = 3,	   [RS_NET_RX] = 11,	 [RS_NET_TX] = 22,
		[RS_BLOCK_READ_P99] = 900, [RS_BLOCK_WRITE_P99] = 40, [RS_RUNQ_P99] = 77,
	};
	cJSON *rec = cJSON_Parse(json);
	struct recent *r = recent_new(1000);
	const struct recent_slot *s;

	(void)st;
	assert_non_null(rec);
	recent_add(r, rec, T0);
	s = recent_slot(r, 0);
	for (int k = 0; k < RS_N; k++) {
		assert_int_equal(s->v[k].n, 1);
		assert_true(fabs(s->v[k].sum - want[k]) < 1e-3);
	}
	assert_int_equal(s->runq[0], 5);
	assert_int_equal(s->runq[1], 2);
	assert_int_equal(s->runq[2], 1);
	assert_int_equal(s->runq[12], 6);
	assert_int_equal(s->runq[CHART_SLOTS - 1], 1);
	/* a record without the eBPF sections: gaps there, the rest kept */
	cJSON_DeleteItemFromObject(rec, "block");
	cJSON_DeleteItemFromObject(rec, "sched");
	recent_add(r, rec, T0 + 1000);
	s = recent_slot(r, 1);
	assert_int_equal(s->v[RS_BLOCK_READ_P99].n, 0);
	assert_int_equal(s->v[RS_RUNQ_P99].n, 0);
	assert_int_equal(s->v[RS_CPU_BUSY].n, 1);
	cJSON_Delete(rec);
	recent_free(r);
}

static void test_points_and_heat(void **st)
{
	struct recent *r = recent_new(1000);
	struct chart_point p[4];
	int64_t cols[3];
	uint64_t counts[3][CHART_SLOTS];
	cJSON *rec;

	(void)st;
	for (int i = 0; i < 10; i++)
		add_busy(r, i, T0 + i * 1000);
	/* [T0, T0+5s) [T0+5s, T0+10s) [T0+10s, ..) [..): two full points, two gaps */
	assert_int_equal(recent_points(r, RS_CPU_BUSY, T0, 5000, p, 4), 2);
	assert_true(p[0].t_ms == T0 && p[0].n == 5 && p[0].min == 0 && p[0].max == 4 && p[0].avg == 2);
	assert_true(p[1].t_ms == T0 + 5000 && p[1].n == 5 && p[1].min == 5 && p[1].max == 9 && p[1].avg == 7);
	assert_true(p[2].n == 0 && p[3].n == 0 && p[3].t_ms == T0 + 15000);
	/* a series no record had: all gaps */
	assert_int_equal(recent_points(r, RS_LOAD1, T0, 5000, p, 4), 0);
	/* slots before from_ms are left out */
	assert_int_equal(recent_points(r, RS_CPU_BUSY, T0 + 8000, 1000, p, 4), 2);
	assert_true(p[0].avg == 8 && p[1].avg == 9);

	rec = cJSON_Parse("{\"sched\":{\"runqueue_latency_us\":{\"buckets\":[[0,1],[7,2]]}}}");
	recent_add(r, rec, T0 + 10000);
	recent_add(r, rec, T0 + 11000);
	cJSON_Delete(rec);
	assert_int_equal(recent_heat(r, T0, 6000, cols, counts, 3), 1);
	assert_int_equal(cols[2], T0 + 12000);
	assert_int_equal(counts[1][0], 2);
	assert_int_equal(counts[1][3], 4);
	assert_int_equal(counts[0][0], 0);
	assert_int_equal(counts[2][3], 0);
	recent_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capacity),	  cmocka_unit_test(test_wraps_at_capacity),
		cmocka_unit_test(test_merges_within_a_slot), cmocka_unit_test(test_clock_set_back),
		cmocka_unit_test(test_record_fields),	  cmocka_unit_test(test_points_and_heat),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
