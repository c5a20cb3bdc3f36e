// SPDX-License-Identifier: GPL-2.0-only
/* col_disks.c - per-device I/O rates, utilisation and latency from /proc/diskstats ("disks"). */
#include "col_disks.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collector.h"
#include "devstats.h"
#include "util.h"
#include "totals.h"

#define SECTOR_BYTES 512 /* diskstats always counts 512-byte sectors, whatever the device's size */

int diskstats_parse_line(const char *line, struct diskstat_line *out)
{
	const char *p = line;
	uint64_t maj, min;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (scan_u64(&p, &maj) < 0 || scan_u64(&p, &min) < 0 || maj > UINT32_MAX || min > UINT32_MAX)
		return -EINVAL;
	while (*p == ' ')
		p++;
	n = strcspn(p, " \n");
	if (n == 0 || n >= sizeof(out->name))
		return -EINVAL;
	memcpy(out->name, p, n);
	p += n;
	out->major = (unsigned)maj;
	out->minor = (unsigned)min;
	for (int i = 0; i < DS_NFIELDS; i++)
		if (scan_u64(&p, &out->f[i]) < 0)
			return -EINVAL; /* pre-2.6.25 4-field partition lines mean other things: skip */
	return 0;
}

struct disks_state {
	struct col_base base;
	struct devstats t;
	bool have_sys_block;
};

static bool is_ram_or_loop(const char *name)
{
	return strncmp(name, "loop", 4) == 0 || strncmp(name, "ram", 3) == 0 ||
	       strncmp(name, "zram", 4) == 0;
}

/* Whole devices are the ones /sys/block lists; partitions live below them. Names with '/' (cciss/c0d0)
 * appear there with '!'. */
static bool is_whole_device(const struct disks_state *s, const char *name)
{
	char rel[128], path[4096];
	struct stat st;

	if (!s->have_sys_block)
		return true;
	snprintf(rel, sizeof(rel), "block/%s", name);
	for (char *c = rel + 6; *c; c++)
		if (*c == '/')
			*c = '!';
	return path_join(path, sizeof(path), s->base.env->sys_root, rel) && stat(path, &st) == 0;
}

static int disks_init(const struct collector_env *env, void **state)
{
	char path[4096];
	struct stat st;
	struct disks_state *s;
	int err = col_base_new(env, sizeof(*s), state);

	if (err)
		return err;
	s = *state;
	s->have_sys_block = path_join(path, sizeof(path), env->sys_root, "block") &&
			    stat(path, &st) == 0 && S_ISDIR(st.st_mode);
	return 0;
}

/* Returns the device named in l (hint: its index last time), adding it with *created set when new. */
static int disks_sample(void *state)
{
	struct disks_state *s = state;
	const char *line;
	size_t idx = 0;
	int err = col_read_proc(&s->base, "diskstats");

	if (err)
		return err;
	devstats_begin(&s->t);
	for (line = s->base.buf.data; line && *line; idx++) {
		const char *nl = strchr(line, '\n');
		struct diskstat_line l;

		if (diskstats_parse_line(line, &l) == 0) {
			uint64_t ident = (uint64_t)l.major << 32 | l.minor;
			bool created;
			struct devstat *in = devstats_update(&s->t, l.name, ident, l.f, DS_NFIELDS, idx, &created);

			if (!in)
				return -ENOMEM;
			if (created)
				in->include = s->base.env->all_disks ||
					      (!is_ram_or_loop(l.name) && is_whole_device(s, l.name));
		}
		line = nl ? nl + 1 : NULL;
	}
	devstats_end(&s->t);
	return 0;
}

static void disks_emit(void *state, cJSON *record, double dt)
{
	struct disks_state *s = state;
	cJSON *arr = jarr(record, "disks");

	for (size_t i = 0; i < s->t.n; i++) {
		const struct devstat *d = &s->t.v[i];
		double ios;
		cJSON *o;

		if (!d->include || !d->have_prev)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, o);
		ios = devstats_delta(d, DS_RD_IOS) + devstats_delta(d, DS_WR_IOS);
		jstr(o, "device", d->name);
		jrate(o, "reads_per_s", safe_div(devstats_delta(d, DS_RD_IOS), dt));
		jrate(o, "writes_per_s", safe_div(devstats_delta(d, DS_WR_IOS), dt));
		jrate(o, "read_bytes_per_s", safe_div(devstats_delta(d, DS_RD_SECTORS) * SECTOR_BYTES, dt));
		jrate(o, "write_bytes_per_s", safe_div(devstats_delta(d, DS_WR_SECTORS) * SECTOR_BYTES, dt));
		jnum(o, "util_pct", pct(devstats_delta(d, DS_IO_MS), dt * 1000.0));
		jnum(o, "await_ms", safe_div(devstats_delta(d, DS_RD_MS) + devstats_delta(d, DS_WR_MS), ios));
		jnum(o, "avg_queue_depth", safe_div(devstats_delta(d, DS_WEIGHTED_MS), dt * 1000.0));
		jint(o, "in_flight", d->cur[DS_IN_FLIGHT]);
	}
}

static void disks_free(void *state)
{
	struct disks_state *s = state;

	devstats_free(&s->t);
	col_base_free(s);
}

/* /proc/diskstats as it stands, in operations, bytes and seconds: node_exporter's disk family. */
static void disks_totals(void *state, cJSON *t)
{
	static const struct { const char *name, *help; enum ds_field f; double scale; } c[] = {
		{ "disk_reads_completed_total", "Reads completed", DS_RD_IOS, 1 },
		{ "disk_reads_merged_total", "Reads merged", DS_RD_MERGES, 1 },
		{ "disk_read_bytes_total", "Bytes read", DS_RD_SECTORS, SECTOR_BYTES },
		{ "disk_read_time_seconds_total", "Seconds spent by all reads", DS_RD_MS, 1e-3 },
		{ "disk_writes_completed_total", "Writes completed", DS_WR_IOS, 1 },
		{ "disk_writes_merged_total", "Writes merged", DS_WR_MERGES, 1 },
		{ "disk_written_bytes_total", "Bytes written", DS_WR_SECTORS, SECTOR_BYTES },
		{ "disk_write_time_seconds_total", "Seconds spent by all writes", DS_WR_MS, 1e-3 },
		{ "disk_io_time_seconds_total", "Seconds the device had I/O in flight", DS_IO_MS, 1e-3 },
		{ "disk_io_time_weighted_seconds_total", "Seconds of I/O in flight, weighted by the number in flight",
		  DS_WEIGHTED_MS, 1e-3 },
	};
	const struct disks_state *s = state;

	for (size_t i = 0; i < s->t.n; i++) {
		const struct devstat *d = &s->t.v[i];

		if (!d->include)
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(c); k++)
			totals_add(t, c[k].name, "counter", c[k].help, TL("device", d->name),
				   (double)d->cur[c[k].f] * c[k].scale);
		totals_add(t, "disk_io_now", "gauge", "I/Os in flight now", TL("device", d->name),
			   (double)d->cur[DS_IN_FLIGHT]);
	}
}

const struct collector_ops disks_collector = {
	.name = "disks", .init = disks_init, .snapshot = disks_sample, .emit = disks_emit,
	.free = disks_free,
	.totals = disks_totals,
};
