// SPDX-License-Identifier: GPL-2.0-only
/* The output sink (output.c): stamped lines, backlog on failure, day files, compression and
 * retention. */
#include "testlib.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "options.h"
#include "output.h"

static void open_dir_output(struct output *out, struct agent_counters *c, const char *dir, int format)
{
	struct options o = { .log_dir = (char *)dir, .log_prefix = (char *)"cw-",
			     .log_suffix = (char *)"-x", .retention_days = 7, .format = format };
	char err[256];

	assert_int_equal(output_open(out, &o, c, err, sizeof(err)), 0);
}

static size_t slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

/* noon local time on 2026-11-<day>, in ms */
static int64_t noon_ms(int day)
{
	struct tm tm = { .tm_year = 126, .tm_mon = 10, .tm_mday = day, .tm_hour = 12, .tm_isdst = -1 };

	return (int64_t)mktime(&tm) * 1000;
}

static void touch(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static bool exists(const char *dir, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* Sets the modification time of dir/name to t. */
static void set_mtime(const char *dir, const char *name, time_t t)
{
	char path[256];
	struct timespec ts[2] = { { .tv_sec = t }, { .tv_sec = t } };

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* A file dated day, written at noon that day. */
static void touch_dated(const char *dir, const char *name, int mon, int day, const char *text)
{
	struct tm tm = { .tm_year = 126, .tm_mon = mon - 1, .tm_mday = day, .tm_hour = 12,
			 .tm_isdst = -1 };

	touch(dir, name, text);
	set_mtime(dir, name, mktime(&tm));
}

static void gz_equal(const char *dir, const char *name, const char *want)
{
	char path[256], buf[256];
	gzFile gz;
	int n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	gz = gzopen(path, "rb");
	assert_non_null(gz);
	n = gzread(gz, buf, sizeof(buf) - 1);
	gzclose(gz);
	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void test_output_stamped_and_day_switch(void **st)
{
	struct agent_counters c = { 0 };
	struct output out;
	char dir[128], path[256], buf[4096];

	(void)st;
	snprintf(dir, sizeof(dir), "%s/logs", tmpdir);
	open_dir_output(&out, &c, dir, FORMAT_STAMPED);
	output_record(&out, "{\"a\":1}", 7, noon_ms(21));
	output_record(&out, "{\"a\":2}", 7, noon_ms(22)); /* next day: new file */
	assert_int_equal(c.records_written, 2);
	assert_int_equal(c.write_errors, 0);
	snprintf(path, sizeof(path), "%s/cw-2026-11-22-x.log", dir);
	slurp(path, buf, sizeof(buf));
	snprintf(path, sizeof(path), "%lld - {\"a\":2}\n", (long long)(noon_ms(22) / 1000));
	assert_string_equal(buf, path);
	output_close(&out);
}

/* The directory vanishes: it is made again at the next record. A file takes its name: records are
 * kept, counted as errors, and all land once the directory can be made again. */
static void test_output_backlog(void **st)
{
	struct agent_counters c = { 0 };
	struct output out;
	char dir[128], cmd[256], path[256], buf[4096];
	struct stat sb;
	int fd;

	(void)st;
	snprintf(dir, sizeof(dir), "%s/gone", tmpdir);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	snprintf(path, sizeof(path), "%s/cw-2026-11-22-x.log", dir);
	open_dir_output(&out, &c, dir, FORMAT_JSON);
	output_record(&out, "{\"n\":1}", 7, noon_ms(22));
	assert_int_equal(system(cmd), 0);
	output_record(&out, "{\"n\":2}", 7, noon_ms(22));
	assert_int_equal(c.records_written, 2);
	assert_int_equal(c.write_errors, 0);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 02750);
	slurp(path, buf, sizeof(buf));
	assert_string_equal(buf, "{\"n\":2}\n");

	assert_int_equal(system(cmd), 0);
	fd = open(dir, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	close(fd);
	output_record(&out, "{\"n\":3}", 7, noon_ms(22));
	output_record(&out, "{\"n\":4}", 7, noon_ms(22));
	assert_int_equal(c.records_written, 2);
	assert_int_equal(c.write_errors, 2);
	assert_int_equal(unlink(dir), 0);
	output_record(&out, "{\"n\":5}", 7, noon_ms(22));
	assert_int_equal(c.records_written, 5);
	slurp(path, buf, sizeof(buf));
	assert_string_equal(buf, "{\"n\":3}\n{\"n\":4}\n{\"n\":5}\n");
	output_close(&out);
}

static void test_maintenance(void **st)
{
	char dir[128];
	time_t now = (time_t)(noon_ms(22) / 1000);

	(void)st;
	snprintf(dir, sizeof(dir), "%s/maint", tmpdir);
	assert_int_equal(mkdir(dir, 0755), 0);
	touch_dated(dir, "cw-2026-11-22-x.log", 11, 22, "today\n");
	touch_dated(dir, "cw-2026-11-21-x.log", 11, 21, "yesterday\n");
	touch_dated(dir, "cw-2026-11-16-x.log.gz", 11, 16, "");   /* 6 days ago: kept */
	touch_dated(dir, "cw-2026-11-15-x.log", 11, 15, "old\n"); /* 7 days ago: deleted */
	touch_dated(dir, "cw-2026-10-01-x.log.gz", 10, 1, "");
	touch_dated(dir, "other-2026-10-01-x.log", 10, 1, "not ours\n");
	touch_dated(dir, "cw-2026-10-01-y.log", 10, 1, "other suffix\n");
	touch(dir, "cw-2026-10-02-x.log", "written an hour ago\n"); /* old name, fresh: kept */
	set_mtime(dir, "cw-2026-10-02-x.log", now - 3600);
	assert_int_equal(logdir_maintain(dir, "cw-", "-x", 7, "2026-11-22", "2026-11-21", now), 0);
	assert_true(exists(dir, "cw-2026-11-22-x.log"));
	assert_false(exists(dir, "cw-2026-11-21-x.log"));
	assert_true(exists(dir, "cw-2026-11-21-x.log.gz"));
	assert_true(exists(dir, "cw-2026-11-16-x.log.gz"));
	assert_false(exists(dir, "cw-2026-11-15-x.log"));
	assert_false(exists(dir, "cw-2026-11-15-x.log.gz"));
	assert_false(exists(dir, "cw-2026-10-01-x.log.gz"));
	assert_true(exists(dir, "other-2026-10-01-x.log"));
	assert_true(exists(dir, "cw-2026-10-01-y.log"));
	assert_false(exists(dir, "cw-2026-10-02-x.log"));
	gz_equal(dir, "cw-2026-10-02-x.log.gz", "written an hour ago\n");
	gz_equal(dir, "cw-2026-11-21-x.log.gz", "yesterday\n");
}

/* The clock jumps 30 days forward: the day just closed is not old, only closed; older days are. */
static void test_maintenance_clock_jump(void **st)
{
	char dir[128];
	struct stat sb;
	time_t jumped = (time_t)(noon_ms(22) / 1000) + 30 * 86400;

	(void)st;
	snprintf(dir, sizeof(dir), "%s/jump", tmpdir);
	assert_int_equal(mkdir(dir, 0755), 0);
	touch_dated(dir, "cw-2026-11-22-x.log", 11, 22, "closed\n");
	touch_dated(dir, "cw-2026-11-21-x.log.gz", 11, 21, "");
	assert_int_equal(logdir_maintain(dir, "cw-", "-x", 7, "2026-12-22", "2026-11-22", jumped), 0);
	assert_false(exists(dir, "cw-2026-11-22-x.log"));
	gz_equal(dir, "cw-2026-11-22-x.log.gz", "closed\n");
	assert_false(exists(dir, "cw-2026-11-21-x.log.gz")); /* 31 days old by name and by mtime */
	/* the .gz keeps the day's mtime, so it ages from the day's last write, not from compression */
	{
		char path[256];

		snprintf(path, sizeof(path), "%s/cw-2026-11-22-x.log.gz", dir);
		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal(sb.st_mtime, noon_ms(22) / 1000);
	}
	/* Back in that day after the jump (clock stepped back): its new lines join the .gz, never
	 * replace it, when it closes again. */
	touch_dated(dir, "cw-2026-11-22-x.log", 11, 22, "again\n");
	assert_int_equal(logdir_maintain(dir, "cw-", "-x", 7, "2026-11-23", "2026-11-22",
					 jumped - 29 * 86400), 0);
	gz_equal(dir, "cw-2026-11-22-x.log.gz", "closed\nagain\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_stamped_and_day_switch), cmocka_unit_test(test_output_backlog),
		cmocka_unit_test(test_maintenance), cmocka_unit_test(test_maintenance_clock_jump),
	};
	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
