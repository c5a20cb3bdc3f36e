// SPDX-License-Identifier: GPL-2.0-only
/* chart_axis.c - see chart_axis.h. */
#include "chart_axis.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define VALUE_LIMIT 1e300 /* past this the arithmetic of ranges overflows: clamped */

static double clampv(double v)
{
	return v > VALUE_LIMIT ? VALUE_LIMIT : v < -VALUE_LIMIT ? -VALUE_LIMIT : v;
}

/* The divisor and suffix the unit is printed with for values of magnitude m. */
static void unit_scale(enum chart_unit unit, double m, double *scale, char *suffix, size_t len)
{
	static const char bin[] = "BKMGT", si[] = " kMGT";
	int k = 0;

	*scale = 1;
	switch (unit) {
	case CHART_BYTES:
	case CHART_BYTES_PER_S:
		while (k < 4 && m / *scale >= 1024) {
			*scale *= 1024;
			k++;
		}
		snprintf(suffix, len, "%c%s", bin[k], unit == CHART_BYTES_PER_S ? "/s" : "");
		return;
	case CHART_US:
		*scale = m >= 1e6 ? 1e6 : m >= 1e3 ? 1e3 : 1;
		snprintf(suffix, len, "%s", m >= 1e6 ? "s" : m >= 1e3 ? "ms" : "us");
		return;
	case CHART_S:
		*scale = m >= 1 || m == 0 ? 1 : m >= 1e-3 ? 1e-3 : 1e-6;
		snprintf(suffix, len, "%s", *scale == 1 ? "s" : *scale == 1e-3 ? "ms" : "us");
		return;
	case CHART_PCT:
		snprintf(suffix, len, "%%");
		return;
	case CHART_PER_S:
	case CHART_NONE:
		while (k < 4 && m / *scale >= 1000) {
			*scale *= 1000;
			k++;
		}
		snprintf(suffix, len, "%.*s%s", k ? 1 : 0, si + k, unit == CHART_PER_S ? "/s" : "");
		return;
	}
	suffix[0] = 0;
}

/* Ticks of step over lo..hi, the axis widened to whole steps. */
static int nticks_of(double lo, double hi, double step, double *alo, double *ahi)
{
	*alo = floor(lo / step + 1e-9) * step;
	*ahi = ceil(hi / step - 1e-9) * step;
	return (int)lround((*ahi - *alo) / step) + 1;
}

void axis_value(struct axis *a, double dmin, double dmax, enum chart_unit unit)
{
	static const double mant[] = { 1, 2, 5 };
	double lo, hi, m, slo, shi, e0;
	int best = 0;

	if (!isfinite(dmin) || !isfinite(dmax) || dmin > dmax)
		dmin = dmax = 0;
	lo = clampv(dmin);
	hi = clampv(dmax);
	if (unit == CHART_PCT) {
		lo = fmin(lo, 0);
		hi = fmax(hi, 100);
	}
	if (lo >= 0 && lo <= hi / 3)
		lo = 0; /* near zero anyway: the axis starts there */
	if (hi - lo <= fmax(fabs(hi), fabs(lo)) * 1e-12 || !(hi - lo > 1e-290)) {
		double c = (lo + hi) / 2, d = fabs(c) / 2;

		if (!(d > 1e-290)) {
			lo = 0;
			hi = 1;
		} else {
			lo = c > 0 && c - d < 0 ? 0 : c - d;
			hi = c + d;
		}
	}
	m = fmax(fabs(lo), fabs(hi));
	unit_scale(unit, m, &a->scale, a->suffix, sizeof(a->suffix));
	slo = lo / a->scale;
	shi = hi / a->scale;
	e0 = floor(log10((shi - slo) / 5));
	a->step = 0;
	for (int e = -1; e <= 2 && !a->step; e++)
		for (int i = 0; i < 3 && !a->step; i++) {
			double s = mant[i] * pow(10, e0 + e), alo, ahi;
			int n = nticks_of(slo, shi, s, &alo, &ahi);

			if (n <= 7) {
				a->step = s;
				a->lo = alo;
				a->hi = ahi;
				best = n;
			}
		}
	if (!a->step) { /* not reached: 5x of range/5 leaves at most 3 ticks */
		a->step = shi - slo;
		a->lo = slo;
		a->hi = shi;
		best = 2;
	}
	for (; best < 4; best++) /* widen to 4 ticks: up, or down when the data are negative */
		if (a->hi > 0 || a->lo >= 0)
			a->hi += a->step;
		else
			a->lo -= a->step;
	a->nticks = best;
	a->decimals = a->step >= 1 ? 0 : (int)ceil(-log10(a->step) - 1e-9);
	a->lo *= a->scale;
	a->hi *= a->scale;
	a->step *= a->scale;
}

void axis_value_label(const struct axis *a, double v, char *buf, size_t len)
{
	double s = v / a->scale;

	if (!isfinite(s) || fabs(v) < a->step * 1e-6)
		s = 0;
	if (s == 0)
		snprintf(buf, len, "0%s", a->suffix[0] == '%' ? "%" : "");
	else if (a->decimals > 6)
		snprintf(buf, len, "%.3g%s", s, a->suffix);
	else
		snprintf(buf, len, "%.*f%s", a->decimals, s, a->suffix);
}

void axis_format(double v, enum chart_unit unit, char *buf, size_t len)
{
	double scale;
	char suffix[8];

	if (!isfinite(v))
		v = 0;
	unit_scale(unit, fabs(v), &scale, suffix, sizeof(suffix));
	snprintf(buf, len, "%.3g%s", v / scale, suffix);
}

static const int64_t time_steps[] = { 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
				      43200, 86400, 2 * 86400, 7 * 86400 };

static long gmtoff_at(int64_t t_s)
{
	time_t t = (time_t)t_s;
	struct tm tm;

	return localtime_r(&t, &tm) ? tm.tm_gmtoff : 0;
}

/* The first t >= from_s on a local boundary of step (whole days for the 7-day step). */
static int64_t next_round(int64_t from_s, int64_t step)
{
	long off = gmtoff_at(from_s);
	int64_t l = from_s + off, a;

	a = (l % step == 0 ? l : (l / step + (l >= 0)) * step) - off;
	return a < from_s ? a + step : a;
}

static size_t ticks_for(int64_t from_ms, int64_t to_ms, int64_t step, int64_t *out, size_t max)
{
	int64_t t = (from_ms + 999) / 1000;
	size_t n = 0;

	while (n < max) {
		int64_t a = next_round(t, step);

		if (a * 1000 > to_ms)
			break;
		if (out)
			out[n] = a * 1000;
		n++;
		t = a + 1;
	}
	return n;
}

size_t axis_time(int64_t from_ms, int64_t to_ms, int64_t *ticks, int64_t *step_s)
{
	size_t nsteps = sizeof(time_steps) / sizeof(time_steps[0]), i;

	if (to_ms <= from_ms)
		to_ms = from_ms + 1;
	for (i = 0; i + 1 < nsteps; i++)
		if ((to_ms - from_ms) / 1000 / time_steps[i] <= 8 &&
		    ticks_for(from_ms, to_ms, time_steps[i], NULL, 9) <= 8)
			break;
	*step_s = time_steps[i];
	return ticks_for(from_ms, to_ms, time_steps[i], ticks, AXIS_MAX_TIME_TICKS);
}

void axis_time_label(int64_t t_ms, int64_t step_s, int64_t span_ms, char *hm, size_t hmlen, char *date,
		     size_t datelen)
{
	time_t t = (time_t)(t_ms / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	if (step_s < 60)
		snprintf(hm, hmlen, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	else
		snprintf(hm, hmlen, "%02d:%02d", tm.tm_hour, tm.tm_min);
	date[0] = 0;
	if (span_ms > 86400 * 1000LL || (tm.tm_hour == 0 && tm.tm_min == 0 && tm.tm_sec == 0))
		snprintf(date, datelen, "%02d-%02d", tm.tm_mon + 1, tm.tm_mday);
}
