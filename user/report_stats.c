// SPDX-License-Identifier: GPL-2.0-only
/* report_stats.c - see report_stats.h. */
#include "report_stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

size_t report_top_k(uint64_t n)
{
	uint64_t rank = (95 * n + 99) / 100;

	return n ? (size_t)(n - rank + 1) : 1;
}

/* Sifts v down from the root of the heap of hn values (the root's slot is free). */
static void sift_down(double *heap, size_t hn, double v)
{
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= hn)
			break;
		if (c + 1 < hn && heap[c + 1] < heap[c])
			c++;
		if (heap[c] >= v)
			break;
		heap[i] = heap[c];
		i = c;
	}
	heap[i] = v;
}

int report_series_push(struct series *s, double v)
{
	size_t i;

	if (s->hn < s->klimit) {
		if (s->hn == s->hcap) {
			size_t ncap = s->hcap ? s->hcap * 2 : 16;
			double *nh;

			if (ncap > s->klimit)
				ncap = s->klimit;
			if (!(nh = realloc(s->heap, ncap * sizeof(*nh))))
				return -ENOMEM;
			s->heap = nh;
			s->hcap = ncap;
		}
		i = s->hn++;
		while (i && s->heap[(i - 1) / 2] > v) {
			s->heap[i] = s->heap[(i - 1) / 2];
			i = (i - 1) / 2;
		}
		s->heap[i] = v;
		return 0;
	}
	if (v > s->heap[0])
		sift_down(s->heap, s->hn, v);
	return 0;
}

int report_series_p95(struct series *s)
{
	size_t need = report_top_k(s->n);

	if (!s->n)
		return 0;
	if (need > s->hn)
		return -1;
	while (s->hn > need) { /* pop the smallest */
		double last = s->heap[--s->hn];

		sift_down(s->heap, s->hn, last);
	}
	s->p95 = s->heap[0];
	free(s->heap);
	s->heap = NULL;
	s->hn = s->hcap = 0;
	return 0;
}

int report_series_add(struct series *s, double v, int64_t t, long col)
{
	struct chart_point *p;
	double x;

	if (!isfinite(v))
		return 0;
	if (!s->n || v < s->min)
		s->min = v;
	if (!s->n || v > s->max) {
		s->max = v;
		s->max_ms = t;
	}
	x = s->sum + v; /* Neumaier */
	s->comp += fabs(s->sum) >= fabs(v) ? (s->sum - x) + v : (v - x) + s->sum;
	s->sum = x;
	s->n++;
	if (report_series_push(s, v) < 0)
		return -ENOMEM;
	if (col < 0)
		return 0;
	if (!s->pts && !(s->pts = calloc(REPORT_COLS, sizeof(*s->pts))))
		return -ENOMEM;
	p = &s->pts[col];
	if (!p->n) {
		p->min = p->max = v;
		p->avg = 0;
	}
	p->min = fmin(p->min, v);
	p->max = fmax(p->max, v);
	p->avg += v;
	p->n++;
	return 0;
}
