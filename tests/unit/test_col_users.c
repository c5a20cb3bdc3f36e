// SPDX-License-Identifier: GPL-2.0-only
/* users collector (col_users.c): login sessions from a utmp file. */
#include "testlib.h"

#include <unistd.h>
#include <utmpx.h>

/* Writes a utmp file with 3 sessions of 2 users plus a dead entry and a boot record. */
static void test_users(void **st)
{
	char path[] = "/tmp/corewatch-utmp-XXXXXX";
	struct utmpx u;
	int fd = mkstemp(path);
	const struct { short type; const char *user; const char *line; } rows[] = {
		{ BOOT_TIME, "reboot", "~" },   { USER_PROCESS, "alice", "pts/0" },
		{ USER_PROCESS, "bob", "pts/1" }, { USER_PROCESS, "alice", "pts/2" },
		{ DEAD_PROCESS, "carol", "pts/3" },
	};
	struct collector_env env = { .utmp_path = path };
	cJSON *r;

	(void)st;
	assert_true(fd >= 0);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		memset(&u, 0, sizeof(u));
		u.ut_type = rows[i].type;
		u.ut_pid = 100 + (pid_t)i;
		strncpy(u.ut_user, rows[i].user, sizeof(u.ut_user));
		strncpy(u.ut_line, rows[i].line, sizeof(u.ut_line));
		assert_int_equal(write(fd, &u, sizeof(u)), sizeof(u));
	}
	close(fd);
	r = run_fixture(&users_collector, &env, "vm2", 1.0);
	assert_num(r, "users.logged_in", 3);
	assert_num(r, "users.distinct", 2);
	cJSON_Delete(r);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_users) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
