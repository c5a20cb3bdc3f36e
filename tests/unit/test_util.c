// SPDX-License-Identifier: GPL-2.0-only
/* Strict parsing and counter arithmetic. */
#include "testlib.h"

#include <errno.h>
#include <math.h>

#include "util.h"

static void test_parse_u64(void **st)
{
	uint64_t v;

	(void)st;
	assert_int_equal(parse_u64("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -1);
	assert_int_equal(parse_u64("-1", 0, 100, &v), -1);
	assert_int_equal(parse_u64("+1", 0, 100, &v), -1);
	assert_int_equal(parse_u64(" 1", 0, 100, &v), -1);
	assert_int_equal(parse_u64("1x", 0, 100, &v), -1);
	assert_int_equal(parse_u64("", 0, 100, &v), -1);
	assert_int_equal(parse_u64("101", 0, 100, &v), -1);
	assert_int_equal(errno, ERANGE);
}

static void test_parse_duration(void **st)
{
	uint64_t ms;

	(void)st;
	assert_int_equal(parse_duration_ms("500ms", &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(parse_duration_ms("2s", &ms), 0);
	assert_int_equal(ms, 2000);
	assert_int_equal(parse_duration_ms("1m", &ms), 0);
	assert_int_equal(ms, 60000);
	assert_int_equal(parse_duration_ms("1h", &ms), 0);
	assert_int_equal(ms, 3600000);
	assert_int_equal(parse_duration_ms("3", &ms), 0);
	assert_int_equal(ms, 3000);
	assert_int_equal(parse_duration_ms("abc", &ms), -1);
	assert_int_equal(parse_duration_ms("1.5s", &ms), -1);
	assert_int_equal(parse_duration_ms("-1s", &ms), -1);
	assert_int_equal(parse_duration_ms("5 s", &ms), -1);
	assert_int_equal(parse_duration_ms("5d", &ms), -1);
	assert_int_equal(parse_duration_ms("99999999999999999999h", &ms), -1);
}

static void test_parse_size(void **st)
{
	static const struct { const char *s; double want; bool unit; } ok[] = {
		{ "0", 0, false }, { "-3", -3, false }, { "1e3", 1000, false }, { "0x10", 16, false },
		{ "64K", 65536, true }, { "500M", 524288000, true }, { "2G", 2147483648.0, true },
		{ "1.5T", 1649267441664.0, true }, { "1KiB", 1024, true }, { "3MiB", 3145728, true },
		{ "1GiB", 1073741824, true }, { "2TiB", 2199023255552.0, true }, { "0K", 0, true },
	};
	static const char *const bad[] = { "", "K", "2GB", "2kb", "2k", "2 G", "1.5.5G", "-1G", "2P",
					   "1Gi", "1iB", "G2", "1e999K", "nanK", "inf" };
	double v;
	bool unit;

	(void)st;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		if (parse_size_bytes(ok[i].s, &v, &unit) != 0)
			fail_msg("'%s' refused", ok[i].s);
		if (v != ok[i].want || unit != ok[i].unit)
			fail_msg("'%s': %.17g (unit %d), want %.17g", ok[i].s, v, unit, ok[i].want);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (parse_size_bytes(bad[i], &v, &unit) == 0)
			fail_msg("'%s' accepted as %.17g", bad[i], v);
}

static void test_format_duration(void **st)
{
	char b[32];

	(void)st;
	format_duration_ms(1000, b, sizeof(b));
	assert_string_equal(b, "1s");
	format_duration_ms(1500, b, sizeof(b));
	assert_string_equal(b, "1500ms");
	format_duration_ms(120000, b, sizeof(b));
	assert_string_equal(b, "2m");
	format_duration_ms(7200000, b, sizeof(b));
	assert_string_equal(b, "2h");
}

static void test_parse_bool(void **st)
{
	bool b;

	(void)st;
	assert_int_equal(parse_bool("Yes", &b), 0);
	assert_true(b);
	assert_int_equal(parse_bool("off", &b), 0);
	assert_false(b);
	assert_int_equal(parse_bool("2", &b), -1);
}

static void test_counter_delta(void **st)
{
	(void)st;
	assert_int_equal(counter_delta(10, 25), 15);
	/* a 32-bit counter wrapped: 296 to the top, then 200 */
	assert_int_equal(counter_delta(4294967000u, 200), 496);
	/* a reset (device re-created, core offline): 0, never a huge rate */
	assert_int_equal(counter_delta(5000000, 10), 0);
	assert_int_equal(counter_delta(UINT64_C(1) << 40, 5), 0);
}

static void test_math(void **st)
{
	(void)st;
	assert_true(safe_div(1, 0) == 0.0);
	assert_true(pct(5, 0) == 0.0);
	assert_true(pct(150, 100) == 100.0);
	assert_true(pct(-5, 100) == 0.0);
	assert_true(fabs(pct(1, 3) - 33.3333333) < 1e-6);
}

static void test_scan(void **st)
{
	const char *p = "  12 -7 x";
	uint64_t u;
	int64_t i;

	(void)st;
	assert_int_equal(scan_u64(&p, &u), 0);
	assert_int_equal(u, 12);
	assert_int_equal(scan_u64(&p, &u), -1); /* "-7" is not unsigned */
	assert_int_equal(scan_i64(&p, &i), 0);
	assert_int_equal(i, -7);
	assert_int_equal(scan_i64(&p, &i), -1);
}

static void test_json_numbers(void **st)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	(void)st;
	jnum(o, "a", NAN);
	jnum(o, "b", INFINITY);
	jnum(o, "c", 1.23456);
	jnum(o, "d", -0.0001);
	s = cJSON_PrintUnformatted(o);
	assert_string_equal(s, "{\"a\":0,\"b\":0,\"c\":1.235,\"d\":0}");
	free(s);
	cJSON_Delete(o);
}

static void test_rfc3339(void **st)
{
	char b[40];

	(void)st;
	format_rfc3339_ms(1795311068996LL, b, sizeof(b));
	assert_string_equal(b, "2026-11-22T01:31:08.996Z");
}

/* Secrets as they may be shown: passwords in a URL's userinfo, secret header values. */
static void test_redact(void **st)
{
	static const char *const urls[][2] = {
		{ "https://u:pw@h/p", "https://u:***@h/p" },
		{ "smtp://bob:a:b@c@mail:587", "smtp://bob:***@mail:587" },
		{ "http://user@h/x", "http://user@h/x" },
		{ "http://h/p?u=a:b@c", "http://h/p?u=a:b@c" },
		{ "not a url", "not a url" },
		{ "http://:pw@h", "http://:***@h" },
	};
	static const char *const headers[][2] = {
		{ "Authorization: Bearer x", "Authorization: ***" }, { "x-api-KEY: k", "x-api-KEY: ***" },
		{ "Cookie: a=b", "Cookie: ***" },		      { "X-Team: ops", "X-Team: ops" },
		{ "X-Auth-Token:t", "X-Auth-Token: ***" },	      { "no colon token", "no colon token" },
	};
	char *got;

	(void)st;
	for (size_t i = 0; i < ARRAY_SIZE(urls); i++) {
		got = redact_url(urls[i][0]);
		assert_string_equal(got, urls[i][1]);
		free(got);
	}
	for (size_t i = 0; i < ARRAY_SIZE(headers); i++) {
		got = redact_header(headers[i][0]);
		assert_string_equal(got, headers[i][1]);
		free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64),      cmocka_unit_test(test_parse_duration), cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_format_duration), cmocka_unit_test(test_parse_bool),
		cmocka_unit_test(test_counter_delta),  cmocka_unit_test(test_math),
		cmocka_unit_test(test_scan),           cmocka_unit_test(test_json_numbers),
		cmocka_unit_test(test_rfc3339),         cmocka_unit_test(test_redact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
