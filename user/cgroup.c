// SPDX-License-Identifier: GPL-2.0-only
/* cgroup.c - see cgroup.h. */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WALK_DEPTH 16 /* cgroup trees are shallow: systemd's deepest is about 6 */

/* Where the cgroup v2 hierarchy is mounted, into buf. Returns 0 or -ENOENT. */
static int v2_root(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024];
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (rc && fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], *dash = strstr(line, " - ");

		/* "36 25 0:31 / /sys/fs/cgroup/unified rw,... - cgroup2 cgroup2 rw" */
		if (dash && strncmp(dash + 3, "cgroup2 ", 8) == 0 &&
		    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 && strlen(mnt) < len) {
			strcpy(buf, mnt);
			rc = 0;
		}
	}
	fclose(f);
	return rc;
}

/* Depth-first under the open directory fd (path rel, from the root) for the inode id. */
static int find(int fd, uint64_t id, char *rel, size_t len, int depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	size_t n = strlen(rel);
	int rc = -ENOENT;

	if (!d) {
		close(fd);
		return -ENOENT;
	}
	while (rc == -ENOENT && (de = readdir(d))) {
		int sub;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (de->d_ino == id) {
			if (snprintf(rel + n, len - n, "/%s", de->d_name) >= (int)(len - n))
				rc = -ENAMETOOLONG;
			else
				rc = 0;
			break;
		}
		if (depth + 1 >= WALK_DEPTH || snprintf(rel + n, len - n, "/%s", de->d_name) >= (int)(len - n))
			continue;
		sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub >= 0)
			rc = find(sub, id, rel, len, depth + 1);
		if (rc == -ENOENT)
			rel[n] = '\0';
	}
	closedir(d);
	return rc;
}

int cgroup_path_of_id(uint64_t id, char *buf, size_t len)
{
	char root[PATH_MAX];
	struct stat st;
	int fd, rc;

	if (len < 2)
		return -ENAMETOOLONG;
	if ((rc = v2_root(root, sizeof(root))) < 0)
		return rc;
	if (stat(root, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_ino == id) {
		strcpy(buf, "/");
		return 0;
	}
	if ((fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	buf[0] = '\0';
	return find(fd, id, buf, len, 0);
}
