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

/* Moves the k-th largest of v[0..n) to v[k - 1], the larger ones before it, the rest after
 * (k in 1..n). Hoare partitions around a median of three: linear on average, also for sorted or
 * constant input. */
static void select_largest(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1, want = k - 1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, i = lo, j = hi;
		double a = v[lo], b = v[mid], c = v[hi], pivot, t;

		pivot = a > b ? (b > c ? b : (a > c ? c : a)) : (a > c ? a : (b > c ? c : b));
		for (;;) {
			while (v[i] > pivot)
				i++;
			while (v[j] < pivot)
				j--;
			if (i >= j)
				break;
			t = v[i];
			v[i] = v[j];
			v[j] = t;
			i++;
			j--;
		}
		/* now v[lo..j] >= pivot >= v[j+1..hi] */
		if (want <= j)
			hi = j;
		else
			lo = j + 1;
	}
}

/* Keeps the klimit largest of the buffer, their smallest as the floor below which values are dropped. */
static void compact(struct series *s)
{
	select_largest(s->top, s->tn, s->klimit);
	s->tn = s->klimit;
	s->floor = s->top[0];
	for (size_t i = 1; i < s->tn; i++)
		if (s->top[i] < s->floor)
			s->floor = s->top[i];
	s->compacted = true;
}

int report_series_push(struct series *s, double v)
{
	if (s->compacted && v <= s->floor) /* klimit values >= v are kept: v cannot be among them */
		return 0;
	if (s->tn == s->tcap) {
		size_t most = s->klimit + s->klimit / 2 + 16, ncap = s->tcap ? s->tcap * 2 : 16;
		double *nt;

		if (s->tcap >= most) {
			compact(s);
		} else {
			if (ncap > most)
				ncap = most;
			if (!(nt = realloc(s->top, ncap * sizeof(*nt))))
				return -ENOMEM;
			s->top = nt;
			s->tcap = ncap;
		}
		if (s->compacted && v <= s->floor)
			return 0;
	}
	s->top[s->tn++] = v;
	return 0;
}

void report_series_restart_top(struct series *s, size_t klimit)
{
	s->tn = 0;
	s->compacted = false;
	s->klimit = klimit;
}

int report_series_p95(struct series *s)
{
	size_t need = report_top_k(s->n);

	if (!s->n)
		return 0;
	if (need > s->tn || (s->compacted && need > s->klimit))
		return -1;
	select_largest(s->top, s->tn, need);
	s->p95 = s->top[need - 1];
	free(s->top);
	s->top = NULL;
	s->tn = s->tcap = 0;
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
