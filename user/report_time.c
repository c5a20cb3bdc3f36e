// SPDX-License-Identifier: GPL-2.0-only
/* report_time.c - see report_time.h. Civil dates are converted to days with the usual era
 * arithmetic (proleptic Gregorian), so record times need neither timegm() nor the C library's
 * locale-dependent parsers; local times go through mktime() with tm_isdst = -1. */
#include "report_time.h"

#include <stdbool.h>
#include <string.h>
#include <time.h>

/* Days from 1970-01-01 to y-m-d (m 1..12). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dm[m - 1];
}

/* n digits at s as a number, or -1. */
static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int64_t report_record_time(const char *s, size_t n)
{
	int y, mo, d, h, mi, se, ms = 0;

	if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    s[n - 1] != 'Z')
		return INT64_MIN;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	se = digits(s + 17, 2);
	if (n == 24 && s[19] == '.')
		ms = digits(s + 20, 3);
	else if (n != 20)
		return INT64_MIN;
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 ||
	    se > 60 || ms < 0)
		return INT64_MIN;
	return ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + (int64_t)se * 1000 + ms;
}

/* Local time of a civil date and time; mktime normalises a time in a DST gap. */
static int64_t local_ms(int y, int mo, int d, int h, int mi, int se)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi,
			 .tm_sec = se, .tm_isdst = -1 };
	time_t t = mktime(&tm);

	return (int64_t)t * 1000;
}

int report_day_span(const char *day, int64_t *start_ms, int64_t *end_ms)
{
	int y = digits(day, 4), mo = digits(day + 5, 2), d = digits(day + 8, 2);

	if (y < 1970 || day[4] != '-' || day[7] != '-' || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -1;
	*start_ms = local_ms(y, mo, d, 0, 0, 0);
	*end_ms = local_ms(y, mo, d + 1, 0, 0, 0);
	return 0;
}

/* "HH:MM[:SS]" exactly. */
static int parse_hms(const char *s, int *h, int *mi, int *se, const char **end)
{
	*h = digits(s, 2);
	if (*h < 0 || s[2] != ':' || (*mi = digits(s + 3, 2)) < 0)
		return -1;
	*se = 0;
	*end = s + 5;
	if (s[5] == ':') {
		if ((*se = digits(s + 6, 2)) < 0)
			return -1;
		*end = s + 8;
	}
	return *h <= 23 && *mi <= 59 && *se <= 60 ? 0 : -1;
}

static int parse_relative(const char *s, int64_t now_ms, int64_t *out)
{
	int64_t n = 0, unit;
	const char *p = s + 1;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (*p - '0');
		if (n > 100000000)
			return -1;
	}
	switch (*p) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'w': unit = 7 * 86400; break;
	default: return -1;
	}
	if (p[1])
		return -1;
	*out = now_ms - n * unit * 1000;
	return 0;
}

static int parse_day_word(const char *s, int64_t now_ms, int64_t *out)
{
	time_t now = (time_t)(now_ms / 1000);
	int back, h = 0, mi = 0, se = 0;
	const char *rest, *end;
	struct tm tm;

	if (strncmp(s, "today", 5) == 0) {
		back = 0;
		rest = s + 5;
	} else if (strncmp(s, "yesterday", 9) == 0) {
		back = 1;
		rest = s + 9;
	} else {
		return -1;
	}
	if (*rest == ' ') {
		if (parse_hms(rest + 1, &h, &mi, &se, &end) < 0 || *end)
			return -1;
	} else if (*rest) {
		return -1;
	}
	localtime_r(&now, &tm);
	*out = local_ms(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday - back, h, mi, se);
	return 0;
}

int report_parse_time(const char *s, int64_t now_ms, int64_t *out_ms)
{
	int y, mo, d, h = 0, mi = 0, se = 0, ms = 0;
	const char *p;

	if (strcmp(s, "now") == 0) {
		*out_ms = now_ms;
		return 0;
	}
	if (s[0] == '-')
		return parse_relative(s, now_ms, out_ms);
	if (s[0] == 't' || s[0] == 'y')
		return parse_day_word(s, now_ms, out_ms);
	if (strlen(s) < 10 || (y = digits(s, 4)) < 1970 || s[4] != '-' || (mo = digits(s + 5, 2)) < 1 || mo > 12 ||
	    s[7] != '-' || (d = digits(s + 8, 2)) < 1 || d > days_in_month(y, mo))
		return -1;
	p = s + 10;
	if (!*p) {
		*out_ms = local_ms(y, mo, d, 0, 0, 0);
		return 0;
	}
	if ((*p != 'T' && *p != ' ') || parse_hms(p + 1, &h, &mi, &se, &p) < 0)
		return -1;
	if (*p == '.') {
		int scale = 100;

		if (p[1] < '0' || p[1] > '9')
			return -1;
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			ms += (*p - '0') * scale;
	}
	if (!*p) {
		*out_ms = local_ms(y, mo, d, h, mi, se) + ms;
		return 0;
	}
	{
		int64_t utc = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + (int64_t)se * 1000 + ms;
		int oh, om, sign;

		if ((*p == 'Z' || *p == 'z') && !p[1]) {
			*out_ms = utc;
			return 0;
		}
		if ((*p != '+' && *p != '-') || (oh = digits(p + 1, 2)) < 0 || oh > 23 || p[3] != ':' ||
		    (om = digits(p + 4, 2)) < 0 || om > 59 || p[6])
			return -1;
		sign = *p == '+' ? 1 : -1;
		*out_ms = utc - sign * ((int64_t)oh * 60 + om) * 60000;
		return 0;
	}
}

void report_format_local(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}
