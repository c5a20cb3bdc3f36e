// SPDX-License-Identifier: GPL-2.0-only
/* The SVG chart renderer: value ticks (1-2-5 steps, 4..7 of them), unit labels, time ticks on round
 * boundaries, line breaks at gaps, the min/max band, no NaN/Inf in any output, escaping. */
#include "testlib.h"

#include <math.h>
#include <time.h>

#include "chart.h"
#include "chart_axis.h"

#define T0 1796119200000LL /* 2026-12-01T10:00:00Z */

static int utc(void **st)
{
	(void)st;
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

/* The step is m * 10^e (of the scaled unit) with m in 1, 2, 5. */
static int is_125(double step)
{
	double e = floor(log10(step)), m = step / pow(10, e);

	return fabs(m - 1) < 1e-6 || fabs(m - 2) < 1e-6 || fabs(m - 5) < 1e-6 || fabs(m - 10) < 1e-6;
}

static void check_axis(double lo, double hi, enum chart_unit unit)
{
	struct axis a;

	axis_value(&a, lo, hi, unit);
	if (a.nticks < 4 || a.nticks > 7 || !is_125(a.step / a.scale) || a.lo > lo + 1e-9 * fabs(lo) ||
	    a.hi < hi - 1e-9 * fabs(hi) || fabs(a.lo + a.step * (a.nticks - 1) - a.hi) > a.step * 1e-6)
		fail_msg("axis of %g..%g: %d ticks %g..%g step %g (scale %g)", lo, hi, a.nticks, a.lo, a.hi, a.step,
			 a.scale);
}

static void test_value_ticks(void **st)
{
	static const double ranges[][2] = { { 0, 1 },	   { 0, 7 },	{ 0, 10 },    { 3, 97 },     { 0, 1e-9 },
					    { 1e-7, 3e-7 }, { 0, 1e15 }, { 1e12, 7e13 }, { -5, 5 },	{ -120, -3 },
					    { -1e6, 2 },    { 0.1, 0.11 }, { 99.5, 100.5 }, { 12345, 12346 } };
	struct axis a;

	(void)st;
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		for (int u = CHART_NONE; u <= CHART_S; u++)
			if (u != CHART_PCT)
				check_axis(ranges[i][0], ranges[i][1], u);
	for (double hi = 0.013; hi < 1e12; hi *= 1.37)
		check_axis(0, hi, CHART_NONE), check_axis(hi / 2, hi, CHART_BYTES), check_axis(-hi, hi / 3, CHART_US);
	/* 0..10: 0, 2, ... 10 */
	axis_value(&a, 0, 10, CHART_NONE);
	assert_true(a.lo == 0 && a.hi == 10 && a.step == 2 && a.nticks == 6);
	/* a constant: an axis around it; all zero: 0..1; nothing: 0..1 */
	axis_value(&a, 42, 42, CHART_NONE);
	assert_true(a.lo < 42 && a.hi > 42 && a.nticks >= 4);
	axis_value(&a, -3, -3, CHART_NONE);
	assert_true(a.lo < -3 && a.hi > -3);
	axis_value(&a, 0, 0, CHART_NONE);
	assert_true(a.lo == 0 && a.hi == 1);
	axis_value(&a, NAN, INFINITY, CHART_NONE);
	assert_true(a.lo == 0 && a.hi == 1);
	/* percent: 0..100 unless the data go past it */
	axis_value(&a, 3, 40, CHART_PCT);
	assert_true(a.lo == 0 && a.hi == 100);
	axis_value(&a, 3, 180, CHART_PCT);
	assert_true(a.lo == 0 && a.hi >= 180 && a.nticks <= 7);
}

static void label(double lo, double hi, enum chart_unit u, double v, const char *want)
{
	struct axis a;
	char buf[48];

	axis_value(&a, lo, hi, u);
	axis_value_label(&a, v, buf, sizeof(buf));
	if (strcmp(buf, want))
		fail_msg("label of %g on %g..%g: \"%s\", want \"%s\"", v, lo, hi, buf, want);
}

static void test_unit_labels(void **st)
{
	char buf[32];

	(void)st;
	label(0, 2.6 * 1048576, CHART_BYTES_PER_S, 1.5 * 1048576, "1.5M/s");
	label(0, 3 * 1048576, CHART_BYTES_PER_S, 1048576, "1.0M/s");
	label(0, 5e12, CHART_BYTES, 2.0 * 1099511627776, "2T");
	label(0, 900, CHART_BYTES, 400, "400B");
	label(0, 900, CHART_US, 500, "500us");
	label(0, 4500, CHART_US, 2000, "2ms");
	label(0, 4.5e6, CHART_US, 3e6, "3s");
	label(0, 50, CHART_PCT, 20, "20%");
	label(0, 50, CHART_PCT, 0, "0%");
	label(0, 35, CHART_PER_S, 10, "10/s");
	label(0, 35000, CHART_PER_S, 10000, "10k/s");
	label(-2, 2, CHART_NONE, -1, "-1");
	label(0, 1, CHART_NONE, 0.4, "0.4");
	axis_format(1023, CHART_US, buf, sizeof(buf));
	assert_string_equal(buf, "1.02ms");
	axis_format(7, CHART_US, buf, sizeof(buf));
	assert_string_equal(buf, "7us");
}

static void test_time_ticks(void **st)
{
	int64_t ticks[AXIS_MAX_TIME_TICKS], step;
	static const int64_t spans_s[] = { 300, 600, 1800, 3600, 3 * 3600, 6 * 3600, 86400, 3 * 86400, 7 * 86400 };
	char hm[16], date[16];
	size_t n;

	(void)st;
	for (size_t i = 0; i < sizeof(spans_s) / sizeof(spans_s[0]); i++) {
		int64_t from = T0 + 7777, to = from + spans_s[i] * 1000;

		n = axis_time(from, to, ticks, &step);
		if (n < 4 || n > 8)
			fail_msg("span %llds: %zu ticks (step %llds)", (long long)spans_s[i], n, (long long)step);
		for (size_t k = 0; k < n; k++) {
			assert_true(ticks[k] >= from && ticks[k] <= to);
			assert_int_equal(ticks[k] % (step * 1000), 0); /* round in UTC */
			if (k)
				assert_int_equal(ticks[k] - ticks[k - 1], step * 1000);
		}
	}
	n = axis_time(T0, T0 + 600000, ticks, &step);
	assert_int_equal(step, 120);
	assert_int_equal(n, 6);
	assert_int_equal(ticks[0], T0);
	axis_time_label(ticks[1], step, 600000, hm, sizeof(hm), date, sizeof(date));
	assert_string_equal(hm, "10:02");
	assert_string_equal(date, "");
	axis_time_label(T0 + 14 * 3600000LL, 3600, 600000, hm, sizeof(hm), date, sizeof(date)); /* midnight */
	assert_string_equal(hm, "00:00");
	assert_string_equal(date, "12-02");
	axis_time_label(T0, 21600, 2 * 86400000LL, hm, sizeof(hm), date, sizeof(date)); /* a span of days */
	assert_string_equal(date, "12-01");
	/* the ticks follow the local zone: at UTC+5:30 an hour's ticks fall on :30 UTC */
	setenv("TZ", "IST-5:30", 1);
	tzset();
	n = axis_time(T0, T0 + 5 * 3600000LL, ticks, &step);
	assert_int_equal(step, 3600);
	assert_int_equal((ticks[0] / 1000) % 3600, 1800);
	utc(NULL);
}

static size_t count(const char *s, const char *sub)
{
	size_t n = 0;

	for (; (s = strstr(s, sub)); s++)
		n++;
	return n;
}

/* The d attribute of the first path with class cls, copied into buf. */
static const char *path_d(const char *svg, const char *cls, char *buf, size_t len)
{
	char key[64];
	const char *p, *d, *e;

	snprintf(key, sizeof(key), "class=\"%s\"", cls);
	p = strstr(svg, key);
	if (!p)
		return NULL;
	d = strstr(p, " d=\"") + 4;
	e = strchr(d, '"');
	snprintf(buf, len, "%.*s", (int)(e - d), d);
	return buf;
}

static void render(struct fbuf *out, const struct chart_point *pts, size_t n, enum chart_unit u)
{
	struct chart_series s = { "x", pts, n };
	struct chart_line c = { "t", u, T0, T0 + 600000, &s, 1 };

	out->len = 0;
	assert_int_equal(chart_line_svg(out, &c, 600, 200), 0);
}

static void test_gaps_and_band(void **st)
{
	struct chart_point p[40];
	struct fbuf out = { 0 };
	char d[8192];

	(void)st;
	for (int i = 0; i < 40; i++)
		p[i] = (struct chart_point){ T0 + i * 10000LL, i, i, i, 1 };
	render(&out, p, 40, CHART_NONE);
	assert_non_null(path_d(out.data, "data line", d, sizeof(d)));
	assert_int_equal(count(d, "M"), 1);
	assert_null(strstr(out.data, "band"));
	p[10].n = 0; /* a missing record */
	p[20].avg = NAN; /* a NaN value: a gap too */
	render(&out, p, 40, CHART_NONE);
	path_d(out.data, "data line", d, sizeof(d));
	assert_int_equal(count(d, "M"), 3);
	/* a time jump of 3 median steps breaks the line; 2 does not */
	p[10].n = 1;
	p[20].avg = 20;
	for (int i = 30; i < 40; i++)
		p[i].t_ms += 20000;
	render(&out, p, 40, CHART_NONE);
	path_d(out.data, "data line", d, sizeof(d));
	assert_int_equal(count(d, "M"), 2);
	for (int i = 30; i < 40; i++)
		p[i].t_ms -= 10000;
	render(&out, p, 40, CHART_NONE);
	path_d(out.data, "data line", d, sizeof(d));
	assert_int_equal(count(d, "M"), 1);
	/* several records per point with min < max: a band, a closed polygon per run */
	p[5] = (struct chart_point){ p[5].t_ms, 1, 5, 9, 3 };
	render(&out, p, 40, CHART_NONE);
	assert_non_null(path_d(out.data, "data band", d, sizeof(d)));
	assert_int_equal(count(d, "Z"), 1);
	/* n > 1 but min == max: nothing to show */
	p[5] = (struct chart_point){ p[5].t_ms, 5, 5, 5, 3 };
	render(&out, p, 40, CHART_NONE);
	assert_null(strstr(out.data, "band"));
	fbuf_free(&out);
}

static void no_nan(const struct fbuf *out)
{
	for (const char *s = out->data; *s; s++)
		if (!strncasecmp(s, "nan", 3) || !strncasecmp(s, "inf", 3))
			fail_msg("\"%.20s\" in the output", s);
	assert_non_null(strstr(out->data, "</svg>"));
}

static void test_pathological(void **st)
{
	struct chart_point p[6];
	struct fbuf out = { 0 };
	static uint64_t counts[3][CHART_SLOTS];
	int64_t cols[3] = { T0, T0, T0 + 1000 };

	(void)st;
	for (int u = CHART_NONE; u <= CHART_S; u++) {
		for (int i = 0; i < 6; i++)
			p[i] = (struct chart_point){ T0 + i * 1000LL, NAN, NAN, NAN, 1 };
		render(&out, p, 6, u);
		no_nan(&out);
		assert_non_null(strstr(out.data, "no data"));
		p[1].avg = p[1].min = p[1].max = INFINITY;
		p[2].avg = 1e308;
		p[2].min = -1e308;
		p[2].max = 1e308;
		p[2].n = 5;
		p[3].avg = p[3].min = p[3].max = -1e308;
		p[4].avg = p[4].min = p[4].max = 5e-324;
		render(&out, p, 6, u);
		no_nan(&out);
		for (int i = 0; i < 6; i++)
			p[i] = (struct chart_point){ T0, 0, 0, 0, 1 }; /* all at one time, all zero */
		render(&out, p, 6, u);
		no_nan(&out);
	}
	/* empty and degenerate time ranges */
	struct chart_line c = { NULL, CHART_US, T0, T0, NULL, 0 };
	out.len = 0;
	assert_int_equal(chart_line_svg(&out, &c, 0, -5), 0);
	no_nan(&out);
	struct chart_heat h = { "h", CHART_US, T0, T0 - 5, cols, (const uint64_t(*)[CHART_SLOTS])counts, 3 };
	out.len = 0;
	assert_int_equal(chart_heat_svg(&out, &h, 300, 100), 0);
	no_nan(&out);
	assert_non_null(strstr(out.data, "no data"));
	counts[0][0] = 1;
	counts[1][63] = UINT64_MAX;
	counts[2][63] = 1;
	h.to_ms = T0 + 2000;
	out.len = 0;
	assert_int_equal(chart_heat_svg(&out, &h, 300, 100), 0);
	no_nan(&out);
	fbuf_free(&out);
}

static void test_heat_cells(void **st)
{
	static uint64_t counts[4][CHART_SLOTS];
	int64_t cols[4] = { T0, T0 + 60000, T0 + 120000, T0 + 180000 };
	struct chart_heat h = { "lat", CHART_US, T0, T0 + 240000, cols, (const uint64_t(*)[CHART_SLOTS])counts, 4 };
	struct fbuf out = { 0 };

	(void)st;
	counts[0][5] = 3;
	counts[1][5] = 300;
	counts[1][9] = 1;
	counts[3][12] = 40;
	assert_int_equal(chart_heat_svg(&out, &h, 400, 200), 0);
	assert_int_equal(count(out.data, "<rect class=\"data\""), 4);
	assert_non_null(strstr(out.data, "le 31us: 3"));
	assert_non_null(strstr(out.data, "le 4.09ms: 40"));
	fbuf_free(&out);
}

static void test_escape(void **st)
{
	struct fbuf out = { 0 };
	struct chart_series s = { "<b>&\"'", NULL, 0 };
	struct chart_line c = { "a<b & \"c\" 'd'>", CHART_NONE, T0, T0 + 60000, &s, 1 };

	(void)st;
	assert_int_equal(chart_escape(&out, "a<b & \"c\" 'd'>\x01"), 0);
	assert_string_equal(out.data, "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt; ");
	assert_int_equal(chart_escape(&out, NULL), 0);
	assert_int_equal(chart_escape(&out, ""), 0);
	out.len = 0;
	assert_int_equal(chart_line_svg(&out, &c, 300, 150), 0);
	assert_non_null(strstr(out.data, "<title>a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;</title>"));
	assert_null(strstr(out.data, "<b>"));
	fbuf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_ticks),   cmocka_unit_test(test_unit_labels),
		cmocka_unit_test(test_time_ticks),    cmocka_unit_test(test_gaps_and_band),
		cmocka_unit_test(test_pathological), cmocka_unit_test(test_heat_cells),
		cmocka_unit_test(test_escape),
	};

	return cmocka_run_group_tests(tests, utc, NULL);
}
