// SPDX-License-Identifier: GPL-2.0-only
/* cgroup_stat.c - see cgroup_stat.h. Flat "key value" files and io.stat's "key=value" lines. */
#include "cgroup_stat.h"

#include <errno.h>
#include <string.h>

#include "util.h"

/* The value of "key N" lines in text (key at a line start, then one blank): 1 found, 0 absent,
 * -EINVAL malformed. */
static int flat_key(const char *text, const char *key, uint64_t *out)
{
	size_t kl = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *p = l + kl;

		if (strncmp(l, key, kl) != 0 || *p != ' ')
			continue;
		if (scan_u64(&p, out) < 0 || (*p != '\n' && *p != '\0'))
			return -EINVAL;
		return 1;
	}
	return 0;
}

int cg_parse_cpu_stat(const char *text, struct cg_cpu_stat *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (flat_key(text, "usage_usec", &out->usage_us) != 1)
		return -EINVAL;
	rc = flat_key(text, "throttled_usec", &out->throttled_us);
	if (rc < 0)
		return -EINVAL;
	out->has_throttled = rc == 1;
	return 0;
}

int cg_parse_memory_events(const char *text, struct cg_mem_events *out)
{
	memset(out, 0, sizeof(*out));
	if (flat_key(text, "high", &out->high) != 1 || flat_key(text, "oom_kill", &out->oom_kill) != 1)
		return -EINVAL;
	return 0;
}

int cg_parse_io_stat(const char *text, struct cg_io_stat *out)
{
	const char *p = text;

	memset(out, 0, sizeof(*out));
	while (*p) {
		const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p);
		uint64_t maj, min;

		if (p == end) {
			p = nl ? nl + 1 : end;
			continue;
		}
		if (scan_u64(&p, &maj) < 0 || *p++ != ':' || scan_u64(&p, &min) < 0)
			return -EINVAL;
		while (p < end) {
			const char *eq, *sp;
			uint64_t v;

			while (p < end && *p == ' ')
				p++;
			if (p >= end)
				break;
			eq = memchr(p, '=', (size_t)(end - p));
			if (!eq)
				return -EINVAL;
			sp = eq + 1;
			if (scan_u64(&sp, &v) < 0 || (sp < end && *sp != ' '))
				return -EINVAL;
			if (eq - p == 6 && strncmp(p, "rbytes", 6) == 0)
				out->rbytes += v;
			else if (eq - p == 6 && strncmp(p, "wbytes", 6) == 0)
				out->wbytes += v;
			p = sp;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int cg_parse_u64_file(const char *text, uint64_t *out)
{
	const char *p = text;

	if (scan_u64(&p, out) < 0 || p == text || (*p != '\n' && *p != '\0') || (*p && p[1]))
		return -EINVAL;
	return 0;
}
