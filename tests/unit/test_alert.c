// SPDX-License-Identifier: GPL-2.0-only
/* test_alert.c - the rule parser (every error, with its column) and the engine on synthetic records:
 * for-durations, hysteresis, flapping, per-instance labels and selectors, absent instances, repeats,
 * rule changes. */
#include "testlib.h"

#include "alert.h"

/* ---- parser ---- */

static void parse_ok(const char *text, struct alert_rule *r)
{
	char why[512] = "";

	if (alert_rule_parse(text, r, why, sizeof(why)) < 0)
		fail_msg("'%s' refused: %s", text, why);
}

static void test_parse_full(void **st)
{
	struct alert_rule r;

	(void)st;
	parse_ok("cpu_hot: cpu.busy_pct > 90 for 30s clear 80 severity critical", &r);
	assert_string_equal(r.name, "cpu_hot");
	assert_string_equal(r.metric, "cpu.busy_pct");
	assert_int_equal(r.nseg, 2);
	assert_false(r.seg[0].array);
	assert_int_equal(r.op, OP_GT);
	assert_true(r.threshold == 90 && r.clear == 80);
	assert_int_equal(r.for_ms, 30000);
	assert_int_equal(r.severity, SEV_CRITICAL);
	alert_rule_free(&r);

	/* clauses in any order; defaults: clear = threshold, warning, for 0 */
	parse_ok("  slow_disk :block.devices.latency_us.p99>=20000 severity info for 1m", &r);
	assert_string_equal(r.metric, "block.devices.latency_us.p99");
	assert_true(r.seg[1].array);
	assert_int_equal(r.op, OP_GE);
	assert_true(r.clear == 20000);
	assert_int_equal(r.for_ms, 60000);
	assert_int_equal(r.severity, SEV_INFO);
	alert_rule_free(&r);

	parse_ok("var: filesystems{mount=/var}.used_pct > 95", &r);
	assert_true(r.seg[0].array);
	assert_int_equal(r.seg[0].nsel, 1);
	assert_string_equal(r.seg[0].sel[0].key, "mount");
	assert_string_equal(r.seg[0].sel[0].value, "/var");
	alert_rule_free(&r);

	parse_ok("q: block.devices{device=\"sda\",op=read}.queue_us.max < 5 clear 7", &r);
	assert_int_equal(r.seg[1].nsel, 2);
	assert_string_equal(r.seg[1].sel[0].value, "sda");
	assert_string_equal(r.seg[1].sel[1].value, "read");
	assert_int_equal(r.op, OP_LT);
	alert_rule_free(&r);

	/* nullable numbers and eBPF percentiles are alertable */
	parse_ok("inodes: filesystems.inodes_used_pct != 0", &r);
	alert_rule_free(&r);
	parse_ok("rq: sched.cpus{cpu=1}.runqueue_latency_us.p99 > 1000", &r);
	alert_rule_free(&r);
}

static void test_parse_errors(void **st)
{
	static const struct { const char *rule; const char *want; } cases[] = {
		{ "", "column 1: expected the rule's name" },
		{ "9x: cpu.busy_pct > 1", "column 1: expected the rule's name" },
		{ "x cpu.busy_pct > 1", "column 3: expected ':' after the name 'x'" },
		{ "x: > 1", "column 4: expected a metric" },
		{ "x: cpu. > 1", "column 8: expected a field name after '.'" },
		{ "x: cpu.busy_pct 90", "column 17: expected an operator" },
		{ "x: cpu.busy_pct =< 90", "column 17: expected an operator" },
		{ "x: cpu.busy_pct >", "column 18: expected the threshold" },
		{ "x: cpu.busy_pct > ninety", "column 19: 'ninety' is not a number" },
		{ "x: cpu.busy_pct > 90 for", "column 25: expected a duration after 'for'" },
		{ "x: cpu.busy_pct > 90 for soon", "column 26: 'soon' is not a duration" },
		{ "x: cpu.busy_pct > 90 for 8d", "column 26: '8d' is not a duration" },
		{ "x: cpu.busy_pct > 90 clear", "column 27: expected the clear value" },
		{ "x: cpu.busy_pct > 90 clear 95", "column 21: clear 95 is above the threshold 90" },
		{ "x: cpu.busy_pct < 10 clear 5", "column 21: clear 5 is below the threshold 10" },
		{ "x: cpu.busy_pct == 10 clear 5", "column 22: 'clear' applies only to" },
		{ "x: cpu.busy_pct > 90 severity page", "column 31: severity 'page' is not info" },
		{ "x: cpu.busy_pct > 90 for 1m for 2m", "column 29: 'for' given twice" },
		{ "x: cpu.busy_pct > 90 when idle", "column 22: unexpected 'when'" },
		{ "x: cpux.busy_pct > 1", "column 4: the record has no section 'cpux'" },
		{ "x: cpu.bussy_pct > 1", "column 8: 'cpu' has no field 'bussy_pct'" },
		{ "x: cpu.busy_pct.max > 1", "column 17: 'cpu.busy_pct' is a value" },
		{ "x: cpu > 1", "column 4: 'cpu' is not a number" },
		{ "x: block.devices.latency_us > 1", "column 18: 'block.devices.latency_us' is not a number "
						      "(pick one of its fields: count, p50" },
		{ "x: sched.runqueue_latency_us.buckets.count > 1", "column 30: histogram buckets" },
		{ "x: cpu{cpu=1}.busy_pct > 1", "column 4: 'cpu' is not a list of instances" },
		{ "x: filesystems{fstype=ext4}.used_pct > 1", "column 4: 'filesystems' instances have no label 'fstype'" },
		{ "x: filesystems{mount}.used_pct > 1", "column 21: expected '='" },
		{ "x: filesystems{mount=}.used_pct > 1", "column 22: empty selector value" },
		{ "x: filesystems{mount=\"/a}.used_pct > 1", "column 22: unterminated quoted value" },
		{ "x: filesystems{mount=/ a}.used_pct > 1", "column 23: expected ',' or '}'" },
		{ "a234567890123456789012345678901234567890123456789012345678901234: cpu.busy_pct > 1",
		  "column 1: name longer than 63" },
	};
	(void)st;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct alert_rule r;
		char why[512] = "";

		if (alert_rule_parse(cases[i].rule, &r, why, sizeof(why)) == 0)
			fail_msg("'%s' accepted", cases[i].rule);
		if (strncmp(why, cases[i].want, strlen(cases[i].want)) != 0)
			fail_msg("'%s': got \"%s\", want \"%s...\"", cases[i].rule, why, cases[i].want);
	}
}

/* Sizes on metrics in bytes: K M G T and KiB MiB GiB TiB are all powers of 1024, exactly. */
static void test_parse_sizes(void **st)
{
	static const struct { const char *rule; double threshold, clear; } ok[] = {
		{ "m: memory.available_bytes < 64K", 65536, 65536 },
		{ "m: memory.available_bytes < 500M", 500.0 * 1048576, 500.0 * 1048576 },
		{ "m: memory.available_bytes < 2G clear 3G", 2147483648.0, 3221225472.0 },
		{ "m: memory.available_bytes < 1.5T", 1649267441664.0, 1649267441664.0 },
		{ "m: memory.used_bytes > 512MiB clear 256MiB", 536870912.0, 268435456.0 },
		{ "m: memory.used_bytes > 1KiB", 1024, 1024 },
		{ "m: memory.used_bytes > 2GiB", 2147483648.0, 2147483648.0 },
		{ "m: memory.used_bytes > 1TiB", 1099511627776.0, 1099511627776.0 },
		{ "m: memory.used_bytes > 1000 clear 0.5K", 1000, 512 },     /* a bare number is bytes */
		{ "m: filesystems{mount=/}.avail_bytes < 10G", 10737418240.0, 10737418240.0 },
		{ "m: disks.read_bytes_per_s > 100M", 104857600.0, 104857600.0 },
		{ "m: cpu.busy_pct > 1e1", 10, 10 },                          /* plain numbers unchanged */
	};
	static const struct { const char *rule; const char *want; } bad[] = {
		/* a unit on a metric that is not in bytes: refused, with the column of the value */
		{ "x: cpu.busy_pct > 2G", "column 19: '2G': a size unit applies only to a metric in bytes" },
		{ "x: cpu.busy_pct > 90 clear 80K", "column 28: '80K': a size unit applies only" },
		{ "x: load.load1 > 1KiB", "column 17: '1KiB': a size unit applies only to a metric in bytes "
					"(*_bytes, *_bytes_per_s), not to 'load.load1'" },
		/* decimal, lower-case and unknown units, a negative size, a unit alone */
		{ "x: memory.available_bytes < 2GB", "column 29: '2GB' is not a number or a size" },
		{ "x: memory.available_bytes < 2g", "column 29: '2g' is not a number or a size" },
		{ "x: memory.available_bytes < 2P", "column 29: '2P' is not a number or a size" },
		{ "x: memory.available_bytes < -1G", "column 29: '-1G' is not a number or a size" },
		{ "x: memory.available_bytes < G", "column 29: 'G' is not a number or a size" },
		{ "x: memory.available_bytes < 1G clear 2X", "column 38: '2X' is not a number or a size" },
		{ "x: memory.available_bytes < 2G clear 1G", "column 31: clear 1073741824 is below the threshold 2147483648" },
	};
	(void)st;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct alert_rule r;

		parse_ok(ok[i].rule, &r);
		if (r.threshold != ok[i].threshold || r.clear != ok[i].clear)
			fail_msg("'%s': threshold %.17g clear %.17g, want %.17g and %.17g", ok[i].rule,
				 r.threshold, r.clear, ok[i].threshold, ok[i].clear);
		alert_rule_free(&r);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct alert_rule r;
		char why[512] = "";

		if (alert_rule_parse(bad[i].rule, &r, why, sizeof(why)) == 0)
			fail_msg("'%s' accepted", bad[i].rule);
		if (strncmp(why, bad[i].want, strlen(bad[i].want)) != 0)
			fail_msg("'%s': got \"%s\", want \"%s...\"", bad[i].rule, why, bad[i].want);
	}
}

static void test_rules_unique(void **st)
{
	struct alert_rules l = { 0 };
	struct alert_rule r;
	char why[256];

	(void)st;
	parse_ok("a: cpu.busy_pct > 1", &r);
	assert_int_equal(alert_rules_add(&l, &r, why, sizeof(why)), 0);
	parse_ok("a: memory.used_pct > 1", &r);
	assert_int_equal(alert_rules_add(&l, &r, why, sizeof(why)), -1);
	assert_string_equal(why, "a rule named 'a' is already defined");
	alert_rule_free(&r);
	assert_int_equal(l.n, 1);
	alert_rules_free(&l);
}

/* ---- engine ---- */

struct sink {
	cJSON *got; /* array of alert bodies */
};

static void collect(void *ctx, cJSON *a, int64_t now_ms)
{
	(void)now_ms;
	cJSON_AddItemToArray(((struct sink *)ctx)->got, a);
}

static struct alert_engine *engine(const char *const *rules, size_t n, uint64_t repeat_ms,
				   struct sink *s)
{
	struct alert_rules l = { 0 };
	struct alert_engine *e;
	char why[256];

	for (size_t i = 0; i < n; i++) {
		struct alert_rule r;

		parse_ok(rules[i], &r);
		assert_int_equal(alert_rules_add(&l, &r, why, sizeof(why)), 0);
	}
	s->got = cJSON_CreateArray();
	e = alert_engine_new(&l, repeat_ms, collect, s);
	assert_non_null(e);
	alert_rules_free(&l);
	return e;
}

static void feed_json(struct alert_engine *e, const char *json, int64_t t_ms)
{
	cJSON *r = cJSON_Parse(json);

	assert_non_null(r);
	alert_engine_feed(e, r, t_ms);
	cJSON_Delete(r);
}

static void feed_cpu(struct alert_engine *e, double busy, int64_t t_ms)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "{\"cpu\":{\"busy_pct\":%.3f}}", busy);
	feed_json(e, buf, t_ms);
}

#define T0 1700000000000ll /* 2023-11-14T22:13:20Z */

static void test_for_duration(void **st)
{
	const char *rules[] = { "hot: cpu.busy_pct > 90 for 30s" };
	struct sink s;
	struct alert_engine *e = engine(rules, 1, 0, &s);
	size_t firing;
	cJSON *firing_list;

	(void)st;
	firing_list = alert_engine_firing(e);
	assert_int_equal(cJSON_GetArraySize(firing_list), 0);
	cJSON_Delete(firing_list);
	for (int i = 0; i < 3; i++)
		feed_cpu(e, 95, T0 + i * 10000);
	assert_int_equal(cJSON_GetArraySize(s.got), 0); /* pending for 20 s */
	assert_int_equal(alert_engine_active(e, &firing), 1);
	assert_int_equal(firing, 0);
	feed_cpu(e, 96.25, T0 + 30000);
	assert_int_equal(cJSON_GetArraySize(s.got), 1);
	assert_str(s.got, "0.state", "firing");
	assert_str(s.got, "0.name", "hot");
	assert_str(s.got, "0.started_at", "2023-11-14T22:13:20.000Z");
	assert_num(s.got, "0.value", 96.25);
	assert_num(s.got, "0.threshold", 90);
	assert_num(s.got, "0.for_s", 30);
	assert_str(s.got, "0.message", "CPU busy is 96.2% (threshold 90% for 30s)");
	/* the live page's list: the one firing, as sent */
	firing_list = alert_engine_firing(e);
	assert_int_equal(cJSON_GetArraySize(firing_list), 1);
	assert_str(firing_list, "0.name", "hot");
	assert_str(firing_list, "0.severity", "warning");
	assert_str(firing_list, "0.started_at", "2023-11-14T22:13:20.000Z");
	assert_str(firing_list, "0.message", "CPU busy is 96.2% (threshold 90% for 30s)");
	cJSON_Delete(firing_list);
	/* still above: no second record without --alert-repeat */
	feed_cpu(e, 99, T0 + 40000);
	assert_int_equal(cJSON_GetArraySize(s.got), 1);
	feed_cpu(e, 50, T0 + 50000);
	assert_int_equal(cJSON_GetArraySize(s.got), 2);
	assert_str(s.got, "1.state", "resolved");
	assert_str(s.got, "1.reason", "cleared");
	assert_num(s.got, "1.duration_s", 50);
	assert_int_equal(alert_engine_active(e, NULL), 0);
	firing_list = alert_engine_firing(e);
	assert_int_equal(cJSON_GetArraySize(firing_list), 0);
	cJSON_Delete(firing_list);

	/* a dip below the threshold restarts the for-clock */
	feed_cpu(e, 95, T0 + 60000);
	feed_cpu(e, 85, T0 + 70000);
	feed_cpu(e, 95, T0 + 80000);
	feed_cpu(e, 95, T0 + 100000);
	assert_int_equal(cJSON_GetArraySize(s.got), 2);
	feed_cpu(e, 95, T0 + 110000);
	assert_int_equal(cJSON_GetArraySize(s.got), 3);
	alert_engine_free(e);
	cJSON_Delete(s.got);
}

static void test_hysteresis_flapping(void **st)
{
	const char *rules[] = { "hot: cpu.busy_pct > 90 clear 80", "edge: cpu.busy_pct > 90" };
	static const double vals[] = { 91, 85, 92, 89, 95, 81, 79, 85, 79 };
	struct sink s;
	struct alert_engine *e = engine(rules, 2, 0, &s);
	int hot_fire = 0, hot_res = 0, edge = 0;
	cJSON *a;

	(void)st;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		feed_cpu(e, vals[i], T0 + (int64_t)i * 1000);
	cJSON_ArrayForEach(a, s.got) {
		const char *name = cJSON_GetObjectItem(a, "name")->valuestring;
		const char *state = cJSON_GetObjectItem(a, "state")->valuestring;

		if (strcmp(name, "hot") == 0) {
			hot_fire += strcmp(state, "firing") == 0;
			hot_res += strcmp(state, "resolved") == 0;
		} else {
			edge++;
		}
	}
	/* With clear 80: one firing (91), one resolved (79). Without: every crossing is a change. */
	assert_int_equal(hot_fire, 1);
	assert_int_equal(hot_res, 1);
	assert_int_equal(edge, 6); /* 91 fire, 85 res, 92 fire, 89 res, 95 fire, 81 res */
	alert_engine_free(e);
	cJSON_Delete(s.got);
}

static const char *fs_record(double root, double var)
{
	static char buf[512];

	if (var < 0)
		snprintf(buf, sizeof(buf),
			 "{\"filesystems\":[{\"mount\":\"/\",\"device\":\"/dev/vda\",\"fstype\":\"ext4\","
			 "\"used_pct\":%.3f}]}", root);
	else
		snprintf(buf, sizeof(buf),
			 "{\"filesystems\":[{\"mount\":\"/\",\"device\":\"/dev/vda\",\"fstype\":\"ext4\","
			 "\"used_pct\":%.3f},{\"mount\":\"/var\",\"device\":\"/dev/vdb\",\"fstype\":\"xfs\","
			 "\"used_pct\":%.3f,\"inodes_used_pct\":null}]}", root, var);
	return buf;
}

static void test_instances_and_selectors(void **st)
{
	const char *rules[] = { "disk_full: filesystems.used_pct > 90",
				"var_full: filesystems{mount=/var}.used_pct > 95 for 1m",
				"inodes: filesystems.inodes_used_pct > 1" };
	struct sink s;
	struct alert_engine *e = engine(rules, 3, 0, &s);

	(void)st;
	feed_json(e, fs_record(50, 96.2), T0);
	/* disk_full fires for /var only; var_full is pending; inodes (null) never fires */
	assert_int_equal(cJSON_GetArraySize(s.got), 1);
	assert_str(s.got, "0.name", "disk_full");
	assert_str(s.got, "0.labels.mount", "/var");
	assert_str(s.got, "0.labels.device", "/dev/vdb");
	assert_null(jpath(s.got, "0.labels.fstype"));
	feed_json(e, fs_record(95, 96.2), T0 + 60000);
	assert_int_equal(cJSON_GetArraySize(s.got), 3);
	assert_str(s.got, "1.name", "disk_full");
	assert_str(s.got, "1.labels.mount", "/");
	assert_str(s.got, "2.name", "var_full");
	assert_str(s.got, "2.metric", "filesystems{mount=/var}.used_pct");
	assert_str(s.got, "2.message", "filesystem /var is 96.2% full (threshold 95% for 1m)");
	alert_engine_free(e);
	cJSON_Delete(s.got);
}

static void test_absent(void **st)
{
	const char *rules[] = { "disk_full: filesystems.used_pct > 90 for 1m",
				"cpu: cpu.busy_pct > 10" };
	struct sink s;
	struct alert_engine *e = engine(rules, 2, 0, &s);

	(void)st;
	feed_json(e, fs_record(95, 96), T0);            /* both pending */
	feed_json(e, fs_record(95, -1), T0 + 30000);    /* /var gone while pending: dropped, silent */
	feed_json(e, fs_record(95, 96), T0 + 60000);    /* / fires (held 60 s); /var pending again */
	assert_int_equal(cJSON_GetArraySize(s.got), 1);
	assert_str(s.got, "0.labels.mount", "/");
	feed_json(e, fs_record(95, 96), T0 + 120000);   /* /var fires */
	assert_int_equal(cJSON_GetArraySize(s.got), 2);
	feed_json(e, fs_record(95, -1), T0 + 130000);   /* /var unplugged: resolved, absent */
	assert_int_equal(cJSON_GetArraySize(s.got), 3);
	assert_str(s.got, "2.state", "resolved");
	assert_str(s.got, "2.reason", "absent");
	assert_str(s.got, "2.labels.mount", "/var");
	assert_num(s.got, "2.value", 96);
	/* the whole section missing (collector failed): / resolves as absent too */
	feed_json(e, "{\"cpu\":{}}", T0 + 140000);
	assert_int_equal(cJSON_GetArraySize(s.got), 4);
	assert_str(s.got, "3.reason", "absent");
	/* missing data never fires: cpu had no busy_pct at any point */
	feed_json(e, "{}", T0 + 150000);
	assert_int_equal(cJSON_GetArraySize(s.got), 4);
	alert_engine_free(e);
	cJSON_Delete(s.got);
}

static void test_repeat_and_labels(void **st)
{
	const char *rules[] = { "slow: block.devices{op=read}.latency_us.p99 > 20000 severity critical" };
	struct sink s;
	struct alert_engine *e = engine(rules, 1, 60000, &s);
	const char *rec = "{\"block\":{\"devices\":["
			  "{\"device\":\"sda\",\"op\":\"read\",\"latency_us\":{\"p99\":25000}},"
			  "{\"device\":\"sda\",\"op\":\"write\",\"latency_us\":{\"p99\":90000}}]}}";

	(void)st;
	feed_json(e, rec, T0);
	assert_int_equal(cJSON_GetArraySize(s.got), 1);
	assert_str(s.got, "0.labels.device", "sda");
	assert_str(s.got, "0.labels.op", "read");
	assert_str(s.got, "0.severity", "critical");
	feed_json(e, rec, T0 + 30000);
	assert_int_equal(cJSON_GetArraySize(s.got), 1);
	feed_json(e, rec, T0 + 60000); /* --alert-repeat 1m */
	assert_int_equal(cJSON_GetArraySize(s.got), 2);
	assert_str(s.got, "1.state", "firing");
	assert_str(s.got, "1.started_at", "2023-11-14T22:13:20.000Z");
	/* ticks jitter: a record 59.5 s after a late one is the next repeat (5% slack), 56 s is not */
	feed_json(e, rec, T0 + 60000 + 56000);
	assert_int_equal(cJSON_GetArraySize(s.got), 2);
	feed_json(e, rec, T0 + 60000 + 59500);
	assert_int_equal(cJSON_GetArraySize(s.got), 3);
	alert_engine_free(e);
	cJSON_Delete(s.got);
}

static void test_rule_changes(void **st)
{
	const char *rules[] = { "a: cpu.busy_pct > 50", "b: cpu.busy_pct > 60" };
	struct sink s;
	struct alert_engine *e = engine(rules, 2, 0, &s);
	struct alert_rules l = { 0 };
	struct alert_rule r;
	char why[256];

	(void)st;
	feed_cpu(e, 70, T0);
	assert_int_equal(cJSON_GetArraySize(s.got), 2);
	/* keep a as it is, change b's threshold */
	parse_ok("a: cpu.busy_pct > 50", &r);
	alert_rules_add(&l, &r, why, sizeof(why));
	parse_ok("b: cpu.busy_pct > 65", &r);
	alert_rules_add(&l, &r, why, sizeof(why));
	assert_int_equal(alert_engine_set_rules(e, &l, 0, T0 + 1000), 0);
	assert_int_equal(cJSON_GetArraySize(s.got), 3);
	assert_str(s.got, "2.name", "b");
	assert_str(s.got, "2.reason", "rule_changed");
	feed_cpu(e, 70, T0 + 2000); /* a stays firing (no record); the new b fires */
	assert_int_equal(cJSON_GetArraySize(s.got), 4);
	assert_str(s.got, "3.name", "b");
	assert_num(s.got, "3.threshold", 65);
	alert_rules_free(&l);
	alert_engine_free(e);
	cJSON_Delete(s.got);
}

/* Messages (and so email subjects) name the instance: the disk, the interface. Sizes are in the
 * binary units rules take. */
static void test_instance_messages(void **st)
{
	const char *rules[] = { "u: disks.util_pct > 90", "rx: network.interfaces{name=eth0}.rx_bytes_per_s > 1000",
				"m: memory.available_bytes < 1T clear 1.5T", "s: memory.used_bytes > 1000" };
	struct sink s;
	struct alert_engine *e = engine(rules, 4, 0, &s);

	(void)st;
	feed_json(e, "{\"disks\":[{\"device\":\"sda\",\"util_pct\":97.5}],"
		     "\"network\":{\"interfaces\":[{\"name\":\"eth0\",\"rx_bytes_per_s\":25000}]},"
		     "\"memory\":{\"available_bytes\":24853688320,\"used_bytes\":1023}}", T0);
	assert_int_equal(cJSON_GetArraySize(s.got), 4);
	assert_str(s.got, "0.message", "disk sda util_pct is 97.5% (threshold 90%)");
	assert_str(s.got, "1.message", "interface eth0 rx_bytes_per_s is 25000/s (threshold 1000/s)");
	assert_num(s.got, "2.threshold", 1099511627776.0);
	assert_str(s.got, "2.message", "memory.available_bytes is 23.1 GiB (threshold < 1 TiB)");
	assert_str(s.got, "3.message", "memory.used_bytes is 1023 bytes (threshold 1000 bytes)");
	feed_json(e, "{\"disks\":[{\"device\":\"sda\",\"util_pct\":97.5}],"
		     "\"network\":{\"interfaces\":[{\"name\":\"eth0\",\"rx_bytes_per_s\":25000}]},"
		     "\"memory\":{\"available_bytes\":1.7e12,\"used_bytes\":1023}}", T0 + 1000);
	assert_int_equal(cJSON_GetArraySize(s.got), 5);
	assert_str(s.got, "4.message", "resolved: memory.available_bytes is 1.55 TiB (clears at 1.5 TiB)");
	alert_engine_free(e);
	cJSON_Delete(s.got);
}

/* What the unfed callback was told, in order: "rule:missing" or "rule:back". */
static char told[8][128];
static size_t ntold;

static void unfed(void *ctx, const struct alert_rule *r, const char *missing, const cJSON *record)
{
	(void)ctx;
	(void)record;
	if (ntold < ARRAY_SIZE(told))
		snprintf(told[ntold++], sizeof(told[0]), "%s:%s", r->name, missing ? missing : "back");
}

/* A rule whose metric is not in the record is told once (the deepest part missing), again after a
 * rule change, and when it is back; an empty array of instances is not missing. */
static void test_unfed(void **st)
{
	const char *rules[] = { "rq: sched.runqueue_latency_us.p99 > 100", "var: filesystems{mount=/var}.used_pct > 90",
				"cpu: cpu.busy_pct > 50", "ino: filesystems{mount=/var}.inodes_used_pct > 90" };
	struct sink s;
	struct alert_engine *e = engine(rules, 4, 0, &s);
	struct alert_rules l = { 0 };
	struct alert_rule r;
	char why[256];

	(void)st;
	ntold = 0;
	alert_engine_on_unfed(e, unfed);
	feed_json(e, fs_record(10, -1), T0);
	assert_int_equal(ntold, 4);
	assert_string_equal(told[0], "rq:sched");
	assert_string_equal(told[1], "var:filesystems{mount=/var}");
	assert_string_equal(told[2], "cpu:cpu");
	assert_string_equal(told[3], "ino:filesystems{mount=/var}");
	feed_json(e, fs_record(10, -1), T0 + 1000); /* told once per spell */
	assert_int_equal(ntold, 4);
	/* /var appears; its inodes_used_pct is null: still missing, not told twice */
	feed_json(e, fs_record(10, 20), T0 + 2000);
	assert_int_equal(ntold, 5);
	assert_string_equal(told[4], "var:back");
	/* an empty array is not missing */
	feed_json(e, "{\"filesystems\":[],\"cpu\":{\"busy_pct\":1},\"sched\":{\"runqueue_latency_us\":{}}}", T0 + 3000);
	assert_int_equal(ntold, 7);
	assert_string_equal(told[5], "cpu:back");
	assert_string_equal(told[6], "ino:back");
	/* SIGHUP: the rules still missing are told again, with the deepest part missing now */
	ntold = 0;
	parse_ok(rules[0], &r);
	assert_int_equal(alert_rules_add(&l, &r, why, sizeof(why)), 0);
	assert_int_equal(alert_engine_set_rules(e, &l, 0, T0 + 4000), 0);
	feed_json(e, "{\"sched\":{\"runqueue_latency_us\":{}}}", T0 + 5000);
	assert_int_equal(ntold, 1);
	assert_string_equal(told[0], "rq:sched.runqueue_latency_us.p99");
	alert_rules_free(&l);
	alert_engine_free(e);
	cJSON_Delete(s.got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_full),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_sizes), cmocka_unit_test(test_rules_unique),
		cmocka_unit_test(test_for_duration),
		cmocka_unit_test(test_hysteresis_flapping),
		cmocka_unit_test(test_instances_and_selectors),
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_repeat_and_labels),
		cmocka_unit_test(test_rule_changes),
		cmocka_unit_test(test_unfed),
		cmocka_unit_test(test_instance_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
