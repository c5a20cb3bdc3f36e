// SPDX-License-Identifier: GPL-2.0-only
/* cgroup.c - see cgroup.h. */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WALK_DEPTH 16 /* cgroup trees are shallow: systemd's deepest is about 6 */

int cgroup_v2_root(char *buf, size_t len)
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
	if ((rc = cgroup_v2_root(root, sizeof(root))) < 0)
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

int cgroup_path_of_proc(const char *text, char *buf, size_t len)
{
	for (const char *l = text; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		size_t n;

		if (strncmp(l, "0::", 3) != 0)
			continue;
		n = strcspn(l + 3, "\n");
		if (n >= len)
			return -ENAMETOOLONG;
		memcpy(buf, l + 3, n);
		buf[n] = '\0';
		return 0;
	}
	return -ENOENT;
}

/* ---- names ---- */

#define NAME_CACHE 256 /* ids remembered; direct-mapped: a collision only costs a walk */

static struct {
	uint64_t id;
	bool found;
	char name[128];
} name_cache[NAME_CACHE];

const char *cgroup_name_of_id(uint64_t id)
{
	typeof(name_cache[0]) *e = &name_cache[id % NAME_CACHE];
	char path[PATH_MAX];

	if (id == 0)
		return NULL;
	if (e->id != id) {
		e->id = id;
		e->found = cgroup_path_of_id(id, path, sizeof(path)) == 0;
		if (e->found)
			cgroup_name(path, e->name, sizeof(e->name));
	}
	return e->found ? e->name : NULL;
}

#define ID_SHOWN 12 /* characters of a container id, as docker ps shows them */

/* Whether c[0..n) is a container id: at least 32 hex digits. */
static bool is_id(const char *c, size_t n)
{
	if (n < 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)c[i]))
			return false;
	return true;
}

/* The runtime whose scope name comp[0..n) is ("docker-ID.scope", "cri-containerd-ID.scope",
 * "crio-ID.scope", "libpod-ID.scope"), with *id and *idlen set, or NULL. A bare id (cgroupfs drivers:
 * "/docker/ID", ".../podUID/ID") is named by parent ("docker", else "container"). */
static const char *runtime_of(const char *comp, size_t n, const char *parent, size_t pn, const char **id,
			      size_t *idlen)
{
	static const struct { const char *prefix, *name; } scopes[] = {
		{ "docker-", "docker" }, { "cri-containerd-", "containerd" }, { "crio-", "crio" },
		{ "libpod-", "podman" },
	};
	static const char scope[] = ".scope";

	if (n > sizeof(scope) - 1 && memcmp(comp + n - (sizeof(scope) - 1), scope, sizeof(scope) - 1) == 0)
		for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
			size_t pl = strlen(scopes[i].prefix), il = n - pl - (sizeof(scope) - 1);

			if (n > pl + sizeof(scope) - 1 && memcmp(comp, scopes[i].prefix, pl) == 0 &&
			    is_id(comp + pl, il)) {
				*id = comp + pl;
				*idlen = il;
				return scopes[i].name;
			}
		}
	if (is_id(comp, n)) {
		*id = comp;
		*idlen = n;
		return pn == 6 && memcmp(parent, "docker", 6) == 0 ? "docker" : "container";
	}
	return NULL;
}

/* The pod uid in comp[0..n) ("kubepods-burstable-pod<uid>.slice" under systemd, "pod<uid>" under
 * cgroupfs), with *uidlen set, or NULL. */
static const char *pod_of(const char *comp, size_t n, size_t *uidlen)
{
	const char *p;
	size_t end = n;

	if (n > 6 && memcmp(comp + n - 6, ".slice", 6) == 0)
		end = n - 6;
	if (end > 3 && memcmp(comp, "pod", 3) == 0)
		p = comp + 3;
	else if (end > 8 && memcmp(comp, "kubepods", 8) == 0 && (p = memmem(comp, end, "-pod", 4)))
		p += 4;
	else
		return NULL;
	if (comp + end - p < 32)
		return NULL;
	*uidlen = (size_t)(comp + end - p);
	return p;
}

/* Whether comp[0..n) names a systemd unit other than a slice. */
static bool is_unit(const char *comp, size_t n)
{
	static const char *const types[] = { ".service", ".scope", ".socket", ".mount", ".swap" };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t tl = strlen(types[i]);

		if (n > tl && memcmp(comp + n - tl, types[i], tl) == 0)
			return true;
	}
	return false;
}

int cgroup_name(const char *path, char *buf, size_t len)
{
	static const char lxc[] = "lxc.payload.";
	const char *comp[WALK_DEPTH * 2], *runtime = NULL, *id = NULL, *pod = NULL, *unit = NULL, *box = NULL;
	size_t clen[WALK_DEPTH * 2], nc = 0, idlen = 0, podlen = 0, unitlen = 0, boxlen = 0;
	int n;

	if (!len)
		return -ENAMETOOLONG;
	for (const char *c = path; *c && nc < WALK_DEPTH * 2;) {
		size_t l;

		while (*c == '/')
			c++;
		if (!*c)
			break;
		l = strcspn(c, "/");
		comp[nc] = c;
		clen[nc++] = l;
		c += l;
	}
	if (!nc) {
		n = snprintf(buf, len, "/");
		return n >= (int)len ? -ENAMETOOLONG : 0;
	}
	/* from the innermost: a container's own unit names the container, not the unit it runs */
	for (size_t i = nc; i-- > 0;) {
		if (!runtime)
			runtime = runtime_of(comp[i], clen[i], i ? comp[i - 1] : "", i ? clen[i - 1] : 0, &id, &idlen);
		if (!pod)
			pod = pod_of(comp[i], clen[i], &podlen);
		if (!box && clen[i] > sizeof(lxc) - 1 && memcmp(comp[i], lxc, sizeof(lxc) - 1) == 0) {
			box = comp[i] + sizeof(lxc) - 1;
			boxlen = clen[i] - (sizeof(lxc) - 1);
		}
		if (!unit && is_unit(comp[i], clen[i])) {
			unit = comp[i];
			unitlen = clen[i];
		}
	}
	if (pod) {
		/* systemd escapes the uid's dashes as underscores */
		n = snprintf(buf, len, "k8s:%.*s", (int)podlen, pod);
		for (char *c = buf + 4; *c; c++)
			if (*c == '_')
				*c = '-';
	} else if (runtime)
		n = snprintf(buf, len, "%s:%.*s", runtime, (int)(idlen < ID_SHOWN ? idlen : ID_SHOWN), id);
	else if (box)
		n = snprintf(buf, len, "lxc:%.*s", (int)boxlen, box);
	else if (unit)
		n = snprintf(buf, len, "%.*s", (int)unitlen, unit);
	else
		n = snprintf(buf, len, "%.*s", (int)clen[nc - 1], comp[nc - 1]);
	return n < 0 || n >= (int)len ? -ENAMETOOLONG : 0;
}
