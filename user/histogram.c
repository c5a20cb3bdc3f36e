// SPDX-License-Identifier: GPL-2.0-only
/* histogram.c - see histogram.h. */
#include "histogram.h"

#include <math.h>

#include "util.h"

void hist_delta(const struct hist *a, const struct hist *b, struct hist *out)
{
	for (int i = 0; i < HIST_SLOTS; i++)
		out->slots[i] = b->slots[i] >= a->slots[i] ? b->slots[i] - a->slots[i] : 0;
	out->count = b->count >= a->count ? b->count - a->count : 0;
	out->sum = b->sum >= a->sum ? b->sum - a->sum : 0;
}

static double slot_low(int s) { return s == 0 ? 0.0 : ldexp(1.0, s - 1); }
static double slot_high(int s) { return s == 0 ? 0.0 : ldexp(1.0, s) - 1.0; }

double hist_quantile(const struct hist *h, double q)
{
	uint64_t total = 0, cum = 0;
	double rank;

	for (int i = 0; i < HIST_SLOTS; i++)
		total += h->slots[i];
	if (!total)
		return 0.0;
	rank = q * (double)total;
	for (int i = 0; i < HIST_SLOTS; i++) {
		if (!h->slots[i])
			continue;
		if ((double)(cum + h->slots[i]) >= rank) {
			double frac = (rank - (double)cum) / (double)h->slots[i];

			return slot_low(i) + frac * (slot_high(i) - slot_low(i));
		}
		cum += h->slots[i];
	}
	return slot_high(HIST_SLOTS - 1);
}

void hist_emit(cJSON *o, const struct hist *d, uint64_t max)
{
	static const struct { const char *name; double q; } qs[] = {
		{ "p50", 0.50 }, { "p90", 0.90 }, { "p99", 0.99 },
	};
	cJSON *b;

	jint(o, "count", d->count);
	for (size_t i = 0; i < ARRAY_SIZE(qs); i++) {
		double v = hist_quantile(d, qs[i].q);

		/* a bucket's upper part may lie above the largest value actually seen */
		jnum1(o, qs[i].name, v > (double)max ? (double)max : v);
	}
	jint(o, "max", max);
	jint(o, "sum", d->sum);
	/* [le, count] pairs: a third of {"le":..,"count":..} objects' size, as self-describing */
	b = jarr(o, "buckets");
	for (int i = 0; i < HIST_SLOTS; i++) {
		cJSON *e;

		if (!d->slots[i])
			continue;
		e = cJSON_CreateArray();
		cJSON_AddItemToArray(e, i == HIST_SLOTS - 1 ? cJSON_CreateString("+Inf")
							     : cJSON_CreateNumber(slot_high(i)));
		cJSON_AddItemToArray(e, cJSON_CreateNumber((double)d->slots[i]));
		cJSON_AddItemToArray(b, e);
	}
}
