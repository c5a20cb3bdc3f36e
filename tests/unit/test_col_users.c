// SPDX-License-Identifier: GPL-2.0-only
/* users collector (col_users.c): login sessions from a utmp file. */
#include "testlib.h"

#include <sys/wait.h>
#include <unistd.h>
#include <utmpx.h>

/* A pid that no process holds: a child's, once reaped. */
static pid_t dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return pid;
}

/* A utmp file with a boot record, four live sessions of two users (this process and pid 1, alive
 * though not ours to signal), a logged-out entry and a session whose process died without its
 * logout record: 4 sessions, 2 users (tests/e2e/10_record.sh holds the count to who(1)'s). */
static void test_users(void **st)
{
	char path[] = "/tmp/corewatch-utmp-XXXXXX";
	struct utmpx u;
	int fd = mkstemp(path);
	pid_t me = getpid(), gone = dead_pid();
	const struct { short type; const char *user; const char *line; pid_t pid; } rows[] = {
		{ BOOT_TIME, "reboot", "~", 0 },	 { USER_PROCESS, "alice", "pts/0", me },
		{ USER_PROCESS, "bob", "pts/1", 1 },	 { USER_PROCESS, "alice", "pts/2", me },
		{ DEAD_PROCESS, "carol", "pts/3", me },	 { USER_PROCESS, "dave", "pts/4", gone },
		{ USER_PROCESS, "bob", "pts/5", me },
	};
	struct collector_env env = { .utmp_path = path };
	cJSON *r;

	(void)st;
	assert_true(fd >= 0);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		memset(&u, 0, sizeof(u));
		u.ut_type = rows[i].type;
		u.ut_pid = rows[i].pid;
		u.ut_tv.tv_sec = 1700000000;
		strncpy(u.ut_user, rows[i].user, sizeof(u.ut_user));
		strncpy(u.ut_line, rows[i].line, sizeof(u.ut_line));
		assert_int_equal(write(fd, &u, sizeof(u)), sizeof(u));
	}
	close(fd);
	r = run_fixture(&users_collector, &env, "vm2", 1.0);
	assert_num(r, "users.logged_in", 4);
	assert_num(r, "users.distinct", 2);
	cJSON_Delete(r);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_users) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
