// SPDX-License-Identifier: GPL-2.0-only
/* Names for people of cgroup v2 paths: units, containers, pods. */
#include "testlib.h"

#include <errno.h>

#include "cgroup.h"

static void test_names(void **st)
{
	static const struct { const char *path, *name; } cases[] = {
		{ "/", "/" },
		{ "", "/" },
		{ "/init.scope", "init.scope" },
		{ "/system.slice/nginx.service", "nginx.service" },
		{ "/system.slice/", "system.slice" },
		{ "/system.slice/system-getty.slice/getty@tty1.service", "getty@tty1.service" },
		{ "/user.slice/user-1000.slice/session-3.scope", "session-3.scope" },
		{ "/user.slice/user-1000.slice/user@1000.service/app.slice/dbus.service", "dbus.service" },
		{ "/user.slice/user-1000.slice/user@1000.service", "user@1000.service" },
		/* a unit's own sub-cgroups belong to the unit */
		{ "/system.slice/mysql.service/worker", "mysql.service" },
		{ "/system.slice/docker-3f2a9c1b0d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789abcd.scope",
		  "docker:3f2a9c1b0d4e" },
		{ "/docker/3f2a9c1b0d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789abcd", "docker:3f2a9c1b0d4e" },
		{ "/system.slice/cri-containerd-aa11bb22cc33dd44ee55ff6677889900aabbccddeeff00112233445566778899.scope",
		  "containerd:aa11bb22cc33" },
		{ "/machine.slice/libpod-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope/container",
		  "podman:0123456789ab" },
		{ "/system.slice/crio-fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210.scope",
		  "crio:fedcba987654" },
		{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c3d4e_5f60_7182_93a4_b5c6d7e8f901.slice/"
		  "cri-containerd-aa11bb22cc33dd44ee55ff6677889900aabbccddeeff00112233445566778899.scope",
		  "k8s:1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901" },
		{ "/kubepods/besteffort/pod1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901/"
		  "aa11bb22cc33dd44ee55ff6677889900aabbccddeeff00112233445566778899",
		  "k8s:1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901" },
		{ "/lxc.payload.web1/init.scope", "lxc:web1" },
		/* look-alikes stay what they are */
		{ "/system.slice/docker-notanid.scope", "docker-notanid.scope" },
		{ "/podcast.slice/x", "x" },
		{ "/kubepods.slice", "kubepods.slice" },
		{ "/corewatch-test", "corewatch-test" },
	};
	char buf[128];

	(void)st;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(cgroup_name(cases[i].path, buf, sizeof(buf)), 0);
		assert_string_equal(buf, cases[i].name);
	}
	assert_int_equal(cgroup_name("/system.slice/nginx.service", buf, 6), -ENAMETOOLONG);
	assert_string_equal(buf, "nginx");
}

static void test_proc_line(void **st)
{
	char buf[32] = "untouched";

	(void)st;
	/* a hybrid host: v1 lines first, the v2 one last */
	assert_int_equal(cgroup_path_of_proc("12:pids:/\n1:name=systemd:/user.slice\n0::/user.slice/x.scope\n", buf,
					     sizeof(buf)), 0);
	assert_string_equal(buf, "/user.slice/x.scope");
	assert_int_equal(cgroup_path_of_proc("0::/\n", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/");
	assert_int_equal(cgroup_path_of_proc("0::/a", buf, sizeof(buf)), 0); /* no newline at the end */
	assert_string_equal(buf, "/a");
	assert_int_equal(cgroup_path_of_proc("3:cpu:/\n", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(cgroup_path_of_proc("", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(cgroup_path_of_proc("0::/a-path-longer-than-thirty-two-bytes\n", buf, sizeof(buf)),
			 -ENAMETOOLONG);
	assert_string_equal(buf, "/a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_proc_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
