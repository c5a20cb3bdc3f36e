// SPDX-License-Identifier: GPL-2.0-only
/* The log2 histogram: the eBPF side's slot function (compiled here for the host) and the agent's
 * quantiles and deltas. */
#include "testlib.h"

#include <linux/types.h>

#include "../../bpf/bits.bpf.h"
#include "histogram.h"

static void test_log2_slot(void **st)
{
	(void)st;
	assert_int_equal(log2_slot(0), 0);
	assert_int_equal(log2_slot(1), 1);
	assert_int_equal(log2_slot(2), 2);
	assert_int_equal(log2_slot(3), 2);
	assert_int_equal(log2_slot(4), 3);
	assert_int_equal(log2_slot(7), 3);
	assert_int_equal(log2_slot(8), 4);
	assert_int_equal(log2_slot(1023), 10);
	assert_int_equal(log2_slot(1024), 11);
	assert_int_equal(log2_slot(UINT64_C(1) << 40), 41);
	assert_int_equal(log2_slot(UINT64_MAX), 64);
	/* every value lands in the slot whose bounds hold it */
	for (__u64 v = 1; v < 100000; v += 7) {
		__u32 s = log2_slot(v);

		assert_true(v >= (UINT64_C(1) << (s - 1)) && v < (UINT64_C(1) << s));
	}
}

static void test_hist_add_clamps(void **st)
{
	struct hist h = { 0 };

	(void)st;
	hist_add(&h, 0);
	hist_add(&h, 5);
	hist_add(&h, UINT64_C(1) << 50); /* past the last slot: counted there */
	assert_int_equal(h.count, 3);
	assert_int_equal(h.slots[0], 1);
	assert_int_equal(h.slots[3], 1);
	assert_int_equal(h.slots[HIST_SLOTS - 1], 1);
}

static void test_quantiles(void **st)
{
	struct hist h = { 0 }, a = { 0 }, d;

	(void)st;
	/* 100 samples: 50 in [8,16), 40 in [16,32), 10 in [64,128) */
	h.slots[4] = 50;
	h.slots[5] = 40;
	h.slots[7] = 10;
	h.count = 100;
	assert_true(hist_quantile(&h, 0.50) >= 8 && hist_quantile(&h, 0.50) <= 15);
	assert_true(hist_quantile(&h, 0.90) >= 16 && hist_quantile(&h, 0.90) <= 31);
	assert_true(hist_quantile(&h, 0.99) >= 64 && hist_quantile(&h, 0.99) <= 127);
	assert_true(hist_quantile(&a, 0.5) == 0.0); /* empty */
	/* delta of cumulative histograms */
	a.slots[4] = 20;
	a.count = 20;
	hist_delta(&a, &h, &d);
	assert_int_equal(d.slots[4], 30);
	assert_int_equal(d.count, 80);
}

static void test_emit_caps_at_max(void **st)
{
	struct hist h = { 0 };
	cJSON *o = cJSON_CreateObject();

	(void)st;
	h.slots[11] = 1; /* one value in [1024, 2048) */
	h.count = 1;
	hist_emit(o, &h, 1100);
	assert_num(o, "count", 1);
	assert_true(jpath(o, "p99")->valuedouble <= 1100);
	assert_num(o, "max", 1100);
	/* one [le, count] pair */
	assert_int_equal(cJSON_GetArraySize(jpath(o, "buckets")), 1);
	assert_int_equal(cJSON_GetArrayItem(cJSON_GetArrayItem(jpath(o, "buckets"), 0), 0)->valuedouble, 2047);
	assert_int_equal(cJSON_GetArrayItem(cJSON_GetArrayItem(jpath(o, "buckets"), 0), 1)->valuedouble, 1);
	cJSON_Delete(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log2_slot), cmocka_unit_test(test_hist_add_clamps),
		cmocka_unit_test(test_quantiles), cmocka_unit_test(test_emit_caps_at_max),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
