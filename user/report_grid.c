// SPDX-License-Identifier: GPL-2.0-only
/* report_grid.c - see report_grid.h. */
#include "report_grid.h"

#include <math.h>
#include <string.h>

/* Halves the resolution: column i takes what columns 2i and 2i + 1 held, the width doubles. */
static void grid_double(struct report_agg *a)
{
	for (size_t k = 0; k < a->ns; k++) {
		struct chart_point *p = a->s[k].pts;

		if (!p)
			continue;
		for (size_t i = 0; i < REPORT_COLS; i++) {
			struct chart_point m = p[2 * i < REPORT_COLS ? 2 * i : 0];

			if (2 * i >= REPORT_COLS) {
				memset(&p[i], 0, sizeof(p[i]));
				continue;
			}
			if (2 * i + 1 < REPORT_COLS && p[2 * i + 1].n) {
				const struct chart_point *q = &p[2 * i + 1];

				if (!m.n) {
					m = *q;
				} else {
					m.min = fmin(m.min, q->min);
					m.max = fmax(m.max, q->max);
					m.avg += q->avg; /* a sum until the end */
					m.n += q->n;
				}
			}
			p[i] = m;
		}
	}
	for (size_t k = 0; k < a->nh; k++) {
		uint64_t (*c)[CHART_SLOTS] = a->h[k].heat;

		if (!c)
			continue;
		for (size_t i = 0; i < REPORT_COLS; i++)
			for (int b = 0; b < CHART_SLOTS; b++)
				c[i][b] = 2 * i < REPORT_COLS ? c[2 * i][b] + (2 * i + 1 < REPORT_COLS ? c[2 * i + 1][b] : 0)
							      : 0;
	}
	a->width_ms *= 2;
	a->grid_used = (a->grid_used + 1) / 2;
}

/* Moves every column k to the right (the last k are empty), the origin k columns earlier. */
static void grid_shift(struct report_agg *a, size_t k)
{
	for (size_t i = 0; i < a->ns; i++)
		if (a->s[i].pts) {
			memmove(a->s[i].pts + k, a->s[i].pts, (REPORT_COLS - k) * sizeof(*a->s[i].pts));
			memset(a->s[i].pts, 0, k * sizeof(*a->s[i].pts));
		}
	for (size_t i = 0; i < a->nh; i++)
		if (a->h[i].heat) {
			memmove(a->h[i].heat + k, a->h[i].heat, (REPORT_COLS - k) * sizeof(*a->h[i].heat));
			memset(a->h[i].heat, 0, k * sizeof(*a->h[i].heat));
		}
	a->origin_ms -= (int64_t)k * a->width_ms;
	a->grid_used += k;
}

long report_grid_col(struct report_agg *a, int64_t t)
{
	long col;

	if (!a->charts || a->width_ms <= 0)
		return -1;
	if (a->grid_from_first) { /* no --from: the grid starts at the first record */
		a->grid_from_first = false;
		a->origin_ms = t;
	}
	while (t < a->origin_ms) { /* an earlier record (a clock set back, files out of order) */
		size_t k = (size_t)((a->origin_ms - t + a->width_ms - 1) / a->width_ms);

		if (!a->grid_can_shift)
			return -1; /* before --from: not in the window anyway */
		if (a->grid_used + k <= REPORT_COLS)
			grid_shift(a, k);
		else
			grid_double(a);
	}
	while ((t - a->origin_ms) / a->width_ms >= REPORT_COLS)
		grid_double(a);
	col = (long)((t - a->origin_ms) / a->width_ms);
	if ((size_t)col + 1 > a->grid_used)
		a->grid_used = (size_t)col + 1;
	return col;
}
