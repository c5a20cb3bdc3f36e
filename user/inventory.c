// SPDX-License-Identifier: GPL-2.0-only
/* inventory.c - see inventory.h. */
#include "inventory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "col_cpu.h"
#include "col_memory.h"
#include "util.h"
#include "version.h"

/* The value after "key<blanks>: " on line, copied into buf. */
static int line_value(const char *line, const char *key, char *buf, size_t len)
{
	size_t kl = strlen(key), n;
	const char *v;

	if (strncmp(line, key, kl) != 0 || (line[kl] != ' ' && line[kl] != '\t' && line[kl] != ':'))
		return -1;
	v = strchr(line, ':');
	if (!v)
		return -1;
	v++;
	while (*v == ' ' || *v == '\t')
		v++;
	n = strcspn(v, "\n");
	if (n >= len)
		n = len - 1;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return 0;
}

void cpuinfo_parse(const char *text, struct cpu_counts *c)
{
	/* Up to 4096 distinct cores are told apart; bigger hosts saturate there. */
	static unsigned long long seen[4096];
	size_t nseen = 0;
	char val[128];
	uint64_t pkg = 0, core;
	const char *line;

	memset(c, 0, sizeof(*c));
	for (line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (line_value(line, "processor", val, sizeof(val)) == 0) {
			c->logical++;
			pkg = 0;
		} else if (line_value(line, "physical id", val, sizeof(val)) == 0) {
			if (parse_u64(val, 0, UINT32_MAX, &pkg) < 0)
				pkg = 0;
		} else if (line_value(line, "core id", val, sizeof(val)) == 0 &&
			   parse_u64(val, 0, UINT32_MAX, &core) == 0) {
			unsigned long long key = pkg << 32 | core;
			size_t i;

			for (i = 0; i < nseen && seen[i] != key; i++)
				;
			if (i == nseen && nseen < ARRAY_SIZE(seen))
				seen[nseen++] = key;
		} else if (!c->model[0] && (line_value(line, "model name", val, sizeof(val)) == 0 ||
					    line_value(line, "cpu model", val, sizeof(val)) == 0 ||
					    line_value(line, "Processor", val, sizeof(val)) == 0)) {
			snprintf(c->model, sizeof(c->model), "%s", val);
		}
	}
	c->physical = nseen ? (unsigned)nseen : c->logical;
}

void inventory_fill(cJSON *rec, const struct collector_env *env, const char *const *names,
		    const bool *active, size_t n)
{
	struct fbuf b = { 0 };
	struct utsname u;
	struct cpu_counts cc = { 0 };
	struct meminfo mi = { 0 };
	struct cpu_stat st = { 0 };
	char boot[40];
	cJSON *cols;

	jstr(rec, "version", COREWATCH_VERSION);
	if (uname(&u) == 0) {
		jstr(rec, "kernel_release", u.release);
		jstr(rec, "arch", u.machine);
	}
	if (fbuf_read(&b, env->proc_root, "cpuinfo") == 0)
		cpuinfo_parse(b.data, &cc);
	jstr(rec, "cpu_model", cc.model[0] ? cc.model : NULL);
	jint(rec, "logical_cores", cc.logical ? cc.logical : (unsigned)sysconf(_SC_NPROCESSORS_ONLN));
	jint(rec, "physical_cores", cc.physical ? cc.physical : (unsigned)sysconf(_SC_NPROCESSORS_ONLN));
	if (fbuf_read(&b, env->proc_root, "meminfo") == 0)
		memory_parse(b.data, &mi);
	jint(rec, "memory_total_bytes", mi.total);
	if (fbuf_read(&b, env->proc_root, "stat") == 0 && cpu_parse_stat(b.data, &st) == 0 && st.btime) {
		format_rfc3339_ms((int64_t)st.btime * 1000, boot, sizeof(boot));
		jstr(rec, "boot_time", boot);
	} else {
		jstr(rec, "boot_time", NULL);
	}
	cols = jobj(rec, "collectors");
	for (size_t i = 0; i < n; i++)
		jbool(cols, names[i], active[i]);
	free(st.cores);
	fbuf_free(&b);
}
