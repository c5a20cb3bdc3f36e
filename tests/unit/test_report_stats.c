// SPDX-License-Identifier: GPL-2.0-only
/* corewatch report's series: min/max/avg and the nearest-rank p95 against a sort of the same
 * samples (the oracle), for orders that stress the kept-largest buffer (ascending like a counter,
 * descending, constant, random with ties and without, a spike at the end), sizes around the
 * buffer's cut, and a bound too small that asks for the second pass. */
#include "testlib.h"

#include <math.h>

#include "report_stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The nearest rank: the value at rank ceil(0.95 n) (1-based) of the sorted samples. */
static double oracle_p95(const double *v, size_t n)
{
	double *c = malloc(n * sizeof(*c)), r;
	size_t rank = (95 * n + 99) / 100;

	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_double);
	r = c[rank - 1];
	free(c);
	return r;
}

enum order { ASCENDING, DESCENDING, CONSTANT, RANDOM_TIES, RANDOM_REAL, SPIKE_AT_END, SAWTOOTH, NORDERS };

static double sample(enum order o, size_t i, size_t n, unsigned *seed)
{
	switch (o) {
	case ASCENDING:
		return (double)i * 1.5;
	case DESCENDING:
		return (double)(n - i);
	case CONSTANT:
		return 42.0;
	case RANDOM_TIES:
		return (double)(rand_r(seed) % 50); /* many equal values */
	case RANDOM_REAL:
		return (double)rand_r(seed) / RAND_MAX * 100;
	case SPIKE_AT_END:
		return i + 10 >= n ? 1e9 + (double)i : (double)(i % 7);
	default:
		return (double)(i % 97) + (i % 3 ? 0.25 : 0);
	}
}

static void run_case(enum order o, size_t n, uint64_t bound)
{
	struct series s = { .klimit = report_top_k(bound) };
	double *v = malloc((n ? n : 1) * sizeof(*v)), sum = 0;
	unsigned seed = (unsigned)(n * 31 + o);

	for (size_t i = 0; i < n; i++) {
		v[i] = sample(o, i, n, &seed);
		sum += v[i];
		assert_int_equal(report_series_add(&s, v[i], (int64_t)i * 1000, -1), 0);
	}
	assert_int_equal(s.n, n);
	if (n) {
		double lo = v[0], hi = v[0];

		for (size_t i = 1; i < n; i++)
			lo = fmin(lo, v[i]), hi = fmax(hi, v[i]);
		assert_true(s.min == lo && s.max == hi);
		assert_true(fabs((s.sum + s.comp) - sum) <= 1e-9 * fabs(sum) + 1e-9);
	}
	if (n > bound) { /* the bound was short: the p95 is refused, then exact on a second pass */
		if (report_series_p95(&s) == 0) { /* possible only when nothing was dropped */
			assert_false(s.compacted);
		} else {
			report_series_restart_top(&s, report_top_k(s.n));
			for (size_t i = 0; i < n; i++)
				assert_int_equal(report_series_push(&s, v[i]), 0);
			assert_int_equal(report_series_p95(&s), 0);
		}
	} else {
		assert_int_equal(report_series_p95(&s), 0);
	}
	if (n) {
		double want = oracle_p95(v, n);

		if (s.p95 != want)
			fail_msg("order %d n %zu bound %llu: p95 %.17g, sorted says %.17g", o, n,
				 (unsigned long long)bound, s.p95, want);
	}
	assert_null(s.top); /* freed once the p95 is known */
	free(v);
}

static void test_p95_matches_sort(void **st)
{
	static const size_t sizes[] = { 1, 2, 3, 19, 20, 21, 100, 101, 339, 340, 341, 1000, 4096, 60480 };

	(void)st;
	for (int o = 0; o < NORDERS; o++)
		for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
			run_case((enum order)o, sizes[i], sizes[i]);          /* bound exact */
			run_case((enum order)o, sizes[i], sizes[i] * 3 + 7);   /* bound generous */
			if (sizes[i] > 40)
				run_case((enum order)o, sizes[i], sizes[i] / 4); /* bound short: second pass */
		}
}

static void test_empty_and_non_finite(void **st)
{
	struct series s = { .klimit = report_top_k(10) };

	(void)st;
	assert_int_equal(report_series_p95(&s), 0); /* no samples: nothing to say, no error */
	assert_int_equal(report_series_add(&s, NAN, 0, -1), 0);
	assert_int_equal(report_series_add(&s, INFINITY, 0, -1), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(report_series_add(&s, 3, 5000, -1), 0);
	assert_int_equal(report_series_add(&s, 3, 6000, -1), 0); /* the first time of the max stays */
	assert_int_equal(s.max_ms, 5000);
	assert_int_equal(report_series_p95(&s), 0);
	assert_true(s.p95 == 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p95_matches_sort),
		cmocka_unit_test(test_empty_and_non_finite),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
