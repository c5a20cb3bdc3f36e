// SPDX-License-Identifier: GPL-2.0-only
/* fuzz_report.c - `corewatch report`'s record scanner and aggregation fed arbitrary lines (the input
 * cut at newlines; its first byte picks charts on or off, the grid's origin fixed or from the first
 * record, and a bound too small for the p95, which forces the second pass): it never crashes,
 * counts every line once as a record or as skipped, and what it reports holds min <= p95 <= max
 * and a histogram's quantiles within its max. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report_agg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void feed(struct report_agg *a, const char *s, size_t n)
{
	while (n) {
		const char *nl = memchr(s, '\n', n);
		size_t len = nl ? (size_t)(nl - s) : n;

		report_agg_line(a, s, len);
		s += len + (nl ? 1 : 0);
		n -= len + (nl ? 1 : 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report_agg a = { 0 };
	const char *s = (const char *)data + 1;
	uint64_t lines;

	if (size < 1)
		return 0;
	a.from_ms = INT64_MIN;
	a.to_ms = INT64_MAX;
	a.charts = data[0] & 1;
	a.bound = data[0] & 2 ? 1 : 1000;
	a.origin_ms = 1796169600000; /* 2026-12-01 */
	a.grid_from_first = a.grid_can_shift = data[0] & 4; /* as without --from */
	a.width_ms = 1000;
	if (report_agg_init(&a) < 0)
		abort();
	feed(&a, s, size - 1);
	lines = a.lines;
	if (a.records > a.lines || a.torn + a.foreign > a.lines)
		abort();
	if (report_agg_finish(&a)) {
		a.pass2 = true;
		feed(&a, s, size - 1);
		report_agg_finish(&a);
		if (a.lines != lines) /* the second pass counts nothing again */
			abort();
	}
	for (size_t i = 0; i < a.ns && !a.oom; i++) {
		const struct series *x = &a.s[i];

		if (x->selected && x->n && !(x->min <= x->p95 && x->p95 <= x->max))
			abort();
	}
	for (size_t i = 0; i < a.nh; i++) {
		double q = report_hist_quantile(&a.h[i], 0.99);

		if (a.h[i].has_buckets && a.h[i].max > 0 && !(q <= a.h[i].max))
			abort();
	}
	report_agg_free(&a);
	return 0;
}
