// SPDX-License-Identifier: GPL-2.0-only
/* The option table (options.c): flags, config file, errors. */
#include "testlib.h"

#include "options.h"

static const char *write_conf(const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/test.conf", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* Loads argv (NULL-terminated) and returns options_load's result; err gets the message. */
static int load(struct options *o, char *err, const char *const *args)
{
	char *argv[32];
	int argc = 0;

	argv[argc++] = (char *)"corewatch";
	for (; *args; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	err[0] = '\0';
	return options_load(o, argc, argv, err, 512);
}

static void expect_error(const char *const *args, const char *want)
{
	struct options o;
	char err[512];

	assert_int_equal(load(&o, err, args), -1);
	if (!strstr(err, want))
		fail_msg("error '%s' does not contain '%s'", err, want);
}

static void test_defaults(void **st)
{
	struct options o;
	char err[512];
	const char *args[] = { "--config", write_conf("# nothing\n"), NULL };

	(void)st;
	assert_int_equal(load(&o, err, args), 0);
	assert_int_equal(o.interval_ms, 10000);
	assert_int_equal(o.count, 0);
	assert_int_equal(o.retention_days, 7);
	assert_int_equal(o.format, FORMAT_JSON);
	assert_string_equal(o.proc_root, "/proc");
	assert_string_equal(o.log_prefix, "corewatch-");
	assert_string_equal(o.log_suffix, "");
	assert_null(o.log_dir);
	assert_false(o.no_bpf);
	options_free(&o);
}

static void test_file_then_flags(void **st)
{
	struct options o;
	char err[512];
	const char *conf = write_conf("; comment\ninterval = 2s\nformat = stamped\n"
				      "[corewatch]\nretention-days = 30\nno-bpf = yes\n");
	const char *args[] = { "-c", conf, "-i", "500ms", NULL };

	(void)st;
	assert_int_equal(load(&o, err, args), 0);
	assert_int_equal(o.interval_ms, 500); /* the flag wins over the file */
	assert_int_equal(o.format, FORMAT_STAMPED);
	assert_int_equal(o.retention_days, 30);
	assert_true(o.no_bpf);
	assert_string_equal(o.config, conf);
	options_free(&o);
}

static void test_flag_errors(void **st)
{
	const char *conf = write_conf("");
	const char *a1[] = { "-c", conf, "--interval", "abc", NULL };
	const char *a2[] = { "-c", conf, "--interval", "0", NULL };
	const char *a3[] = { "-c", conf, "--count", "-1", NULL };
	const char *a4[] = { "-c", conf, "--frobnicate", NULL };
	const char *a5[] = { "-c", conf, "-x", NULL };
	const char *a6[] = { "-c", conf, "--format", "xml", NULL };
	const char *a7[] = { "-c", conf, "--proc-root", "/nonexistent", NULL };
	const char *a8[] = { "-c", conf, "--log-prefix", "a/b", NULL };
	const char *a9[] = { "-c", conf, "--interval", "2h", NULL };
	const char *a10[] = { "-c", conf, "stray", NULL };
	const char *a11[] = { "-c", conf, "--interval", NULL };
	const char *a12[] = { "-c", "/nonexistent.conf", NULL };
	const char *a13[] = { "-c", conf, "--format", "text", "--log-dir", "/tmp", NULL };
	const char *ok[] = { "-c", conf, "--format", "text", NULL };
	struct options o;
	char err[512];

	(void)st;
	expect_error(a1, "--interval: 'abc' is not a duration");
	expect_error(a2, "--interval: '0' is out of range (100ms..1h)");
	expect_error(a3, "--count: '-1' is not a whole number");
	expect_error(a4, "unknown option '--frobnicate'");
	expect_error(a5, "unknown option '-x'");
	expect_error(a6, "--format: 'xml' is not one of json|stamped");
	expect_error(a7, "--proc-root: '/nonexistent' is not a directory");
	expect_error(a8, "--log-prefix: 'a/b' must not contain '/'");
	expect_error(a9, "out of range");
	expect_error(a10, "unexpected argument 'stray'");
	expect_error(a11, "--interval: missing value");
	expect_error(a12, "/nonexistent.conf: No such file or directory");
	/* text is for a terminal: log files stay JSON */
	expect_error(a13, "--format text: is for a terminal; log files (--log-dir) stay machine-readable");
	assert_int_equal(load(&o, err, ok), 0);
	assert_int_equal(o.format, FORMAT_TEXT);
	options_free(&o);
}

static void test_file_errors(void **st)
{
	char want[256];
	const char *conf;
	const char *args[] = { "-c", NULL, NULL };

	(void)st;
	conf = write_conf("interval = 1s\n\nbogus-key = 1\n");
	args[1] = conf;
	snprintf(want, sizeof(want), "%s:3: unknown key 'bogus-key'", conf);
	expect_error(args, want);

	conf = write_conf("# ok\nretention-days = 99999\n");
	snprintf(want, sizeof(want), "%s:2: retention-days: '99999' is not a whole number in 0..36500",
		 conf);
	expect_error(args, want);

	conf = write_conf("[other]\ninterval = 1s\n");
	snprintf(want, sizeof(want), "%s:2: unknown section [other]", conf);
	expect_error(args, want);

	conf = write_conf("interval = 1s\nthis line has no equals sign\n");
	snprintf(want, sizeof(want), "%s:2: not a 'key = value' line", conf);
	expect_error(args, want);

	/* Two errors: the first in the file is reported, with its own line, whichever kind each is. */
	conf = write_conf("interval = 1s\nformat = json\nthis line is bad\nintreval = 2s\n");
	snprintf(want, sizeof(want), "%s:3: not a 'key = value' line", conf);
	expect_error(args, want);

	conf = write_conf("interval = 1s\nintreval = 2s\n\nthis line is bad\n");
	snprintf(want, sizeof(want), "%s:2: unknown key 'intreval'", conf);
	expect_error(args, want);

	conf = write_conf("# a\nbad one\nbad two\n; c\nintreval = 2s\ninterval = x\n");
	snprintf(want, sizeof(want), "%s:2: not a 'key = value' line", conf);
	expect_error(args, want);

	conf = write_conf("count = -3\nintreval = 2s\nbad\n");
	snprintf(want, sizeof(want), "%s:1: count: '-3' is not a whole number", conf);
	expect_error(args, want);

	conf = write_conf("interval = 1s\n[other]\nformat = json\nbad\n");
	snprintf(want, sizeof(want), "%s:3: unknown section [other]", conf);
	expect_error(args, want);

	conf = write_conf("interval = 1s\nbad\n[corewatch]\nformat = xml\n");
	snprintf(want, sizeof(want), "%s:2: not a 'key = value' line", conf);
	expect_error(args, want);

	/* A line too long for inih is an error of its own line, not a misnumbering of the next ones. */
	{
		char text[512];

		snprintf(text, sizeof(text), "interval = 1s\n#%0199d\nintreval = 2s\n", 0);
		conf = write_conf(text);
		snprintf(want, sizeof(want), "%s:2: line longer than 199 characters", conf);
		expect_error(args, want);
		snprintf(text, sizeof(text), "interval = 1s\n#%0198d\nintreval = 2s\n", 0);
		conf = write_conf(text); /* 199 characters: fits */
		snprintf(want, sizeof(want), "%s:3: unknown key 'intreval'", conf);
		expect_error(args, want);
	}

	/* command-line-only keys are not config keys */
	conf = write_conf("check-config = true\n");
	snprintf(want, sizeof(want), "%s:1: unknown key 'check-config'", conf);
	expect_error(args, want);
}

/* Rules from the file and flags, shorthand flags, and their errors (file:line, flag, column). */
static void test_alert_rules(void **st)
{
	struct options o;
	char err[512], want[512];
	const char *conf = write_conf("alert = fs: filesystems{mount=/var}.used_pct > 95 for 1m\n"
				      "cpu-threshold = 90\n"
				      "alert = rq: sched.runqueue_latency_us.p99 > 10000 severity info\n");
	const char *args[] = { "-c", conf, "--alert", "mem: memory.used_pct >= 97 clear 90",
			       "--disk-threshold", "85.5", "--load-threshold", "8", NULL };

	(void)st;
	assert_int_equal(load(&o, err, args), 0);
	assert_int_equal(o.rules.n, 6);
	/* file lines, then flags, then the shorthands in a fixed order */
	assert_string_equal(o.rules.v[0].name, "fs");
	assert_string_equal(o.rules.v[1].name, "rq");
	assert_string_equal(o.rules.v[2].name, "mem");
	assert_string_equal(o.rules.v[3].name, "cpu_high");
	assert_string_equal(o.rules.v[3].text, "cpu_high: cpu.busy_pct > 90");
	assert_string_equal(o.rules.v[4].name, "disk_full");
	assert_string_equal(o.rules.v[4].metric, "filesystems.used_pct");
	assert_true(o.rules.v[4].threshold == 85.5);
	assert_string_equal(o.rules.v[5].name, "load_high");
	options_free(&o);

	conf = write_conf("interval = 1s\nalert = x: cpu.idle > 5\n");
	args[1] = conf;
	args[2] = NULL;
	snprintf(want, sizeof(want), "%s:2: alert: 'x: cpu.idle > 5': column 8: 'cpu' has no field "
		 "'idle'", conf);
	expect_error(args, want);

	conf = write_conf("alert = cpu_high: cpu.busy_pct > 50\n");
	args[1] = conf;
	args[2] = "--cpu-threshold";
	args[3] = "80";
	args[4] = NULL;
	expect_error(args, "--cpu-threshold: a rule named 'cpu_high' is already defined");
	args[3] = "101";
	expect_error(args, "--cpu-threshold: '101' is not a number in 0..100");
	args[2] = "--alert";
	args[3] = "cpu_high: memory.used_pct > 1";
	expect_error(args, "--alert: 'cpu_high: memory.used_pct > 1': a rule named 'cpu_high' is "
			   "already defined");
	args[2] = "--alert-email";
	args[3] = "ops@example.com";
	expect_error(args, "--alert-email: needs --smtp-url and --smtp-from");
}

/* Rules on per-CPU detail need --per-cpu: refused at load, from a flag or from the file. */
static void test_per_cpu_rules(void **st)
{
	struct options o;
	char err[512];
	const char *ok[] = { "--config", NULL, "--alert", "c: cpu.cores.busy_pct > 90",
			     "--alert", "r: sched.cpus{cpu=1}.runqueue_latency_us.p99 > 1000", NULL };

	(void)st;
	expect_error((const char *const[]){ "--config", write_conf("#\n"), "--alert", "hot: cpu.cores.busy_pct > 90",
					    NULL }, "alert rule 'hot': cpu.cores is per-CPU detail: add --per-cpu");
	expect_error((const char *const[]){ "--config", write_conf("alert = rq: sched.cpus.runqueue_latency_us.max > 9\n"),
					    NULL }, "alert rule 'rq': sched.cpus is per-CPU detail: add --per-cpu");
	/* the host's totals need nothing */
	assert_int_equal(load(&o, err, (const char *const[]){ "--config", write_conf("#\n"), "--alert",
							       "b: cpu.busy_pct > 90", NULL }), 0);
	assert_false(o.per_cpu);
	options_free(&o);
	ok[1] = write_conf("per-cpu = true\n"); /* (one file, rewritten by each write_conf) */
	assert_int_equal(load(&o, err, ok), 0);
	assert_true(o.per_cpu);
	assert_int_equal(o.rules.n, 2);
	options_free(&o);
}

static void test_restart_needed(void **st)
{
	struct options a, b;
	char err[512];
	const char *conf = write_conf("");
	const char *a1[] = { "-c", conf, NULL };
	const char *a2[] = { "-c", conf, "--no-bpf", "-i", "2s", NULL };

	(void)st;
	assert_int_equal(load(&a, err, a1), 0);
	assert_int_equal(load(&b, err, a2), 0);
	assert_string_equal(options_restart_needed(&a, &b), "no-bpf");
	assert_null(options_restart_needed(&a, &a));
	options_free(&a);
	options_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults), cmocka_unit_test(test_file_then_flags),
		cmocka_unit_test(test_flag_errors), cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_alert_rules), cmocka_unit_test(test_restart_needed),
		cmocka_unit_test(test_per_cpu_rules),
	};
	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
