// SPDX-License-Identifier: GPL-2.0-only
/* col_cgroups_out.c - the cgroups collector's life cycle and output: the "cgroups" list and
 * "cgroups_info" of the record, and the per-cgroup Prometheus series of the same cgroups. */
#include "col_cgroups.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "totals.h"
#include "util.h"

static int cgroups_init(const struct collector_env *env, void **state)
{
	struct cg_state *s;
	int err = col_base_new(env, sizeof(*s), state);

	if (err)
		return err;
	s = *state;
	if (cgroup_v2_root(s->root, sizeof(s->root)) < 0 || access(s->root, R_OK | X_OK) < 0) {
		col_base_free(s);
		*state = NULL;
		return -ENOTSUP;
	}
	s->ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (s->ncpu < 1)
		s->ncpu = 1;
	return 0;
}

static void cgroups_free(void *state)
{
	struct cg_state *s = state;

	if (!s)
		return;
	free(s->n);
	free(s->arena);
	free(s->prev);
	free(s->order);
	col_base_free(s);
}

static const char *path_of(const struct cg_state *s, const struct cg_node *nd)
{
	return s->arena + nd->path;
}

/* A field of a part (bit) of the cgroup's sample: its number written by put (jnum1 for percentages,
 * jrate for rates, put_int for levels and counts), null when this cgroup lacks the file, left out
 * when no scanned cgroup has it (the part is then in cgroups_info.unavailable, the inventory says why). */
static void jopt(cJSON *o, const char *k, const struct cg_state *s, const struct cg_sample *c, unsigned bit,
		 void (*put)(cJSON *, const char *, double), double v)
{
	if (!(s->seen & bit))
		return;
	if (c->have & bit)
		put(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

static void put_int(cJSON *o, const char *k, double v)
{
	jint(o, k, (uint64_t)v);
}

/* Percent of one CPU (or of the interval): us microseconds over dt seconds, not capped at 100. */
static double per_dt(uint64_t us, double dt)
{
	return 100.0 * safe_div((double)us / 1e6, dt);
}

static uint64_t delta(const struct cg_node *nd, unsigned bit, uint64_t cur, uint64_t prev)
{
	return nd->has_prev && (nd->p.have & bit) ? counter_delta(prev, cur) : 0;
}

static void emit_node(const struct cg_state *s, cJSON *arr, const struct cg_node *nd, double dt)
{
	const struct cg_sample *c = &nd->c, *p = &nd->p;
	cJSON *o = cJSON_CreateObject();
	char name[256];

	if (!o || !cJSON_AddItemToArray(arr, o)) {
		cJSON_Delete(o);
		return;
	}
	cgroup_name(path_of(s, nd), name, sizeof(name));
	jstr(o, "path", path_of(s, nd));
	jstr(o, "name", name);
	jint(o, "depth", (uint64_t)nd->depth);
	jnum1(o, "cpu_pct", per_dt(nd->own_delta_us, dt));
	jopt(o, "runqueue_wait_pct", s, c, H_CPSI, jnum1,
	     per_dt(delta(nd, H_CPSI, c->cpu_some, p->cpu_some), dt));
	jopt(o, "throttled_pct", s, c, H_THR, jnum1,
	     per_dt(delta(nd, H_THR, c->throttled, p->throttled), dt));
	jopt(o, "memory_bytes", s, c, H_MEMCUR, put_int, (double)c->mem_cur);
	jopt(o, "memory_pressure_pct", s, c, H_MPSI, jnum1,
	     per_dt(delta(nd, H_MPSI, c->mem_some, p->mem_some), dt));
	jopt(o, "memory_high_events", s, c, H_MEMEV, put_int, (double)delta(nd, H_MEMEV, c->high, p->high));
	jopt(o, "oom_kills", s, c, H_MEMEV, put_int, (double)delta(nd, H_MEMEV, c->oom, p->oom));
	jopt(o, "io_read_bytes_per_s", s, c, H_IO, jrate,
	     safe_div((double)delta(nd, H_IO, c->rbytes, p->rbytes), dt));
	jopt(o, "io_write_bytes_per_s", s, c, H_IO, jrate,
	     safe_div((double)delta(nd, H_IO, c->wbytes, p->wbytes), dt));
	jopt(o, "pids", s, c, H_PIDS, put_int, (double)c->pids);
}

/* Whether the space-separated list has word. */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

/* The parts no cgroup had: their names (a list, in each record), or with why their names and the
 * reason (an object, in the inventory: said once, not in every record). */
static void emit_unavailable(const struct cg_state *s, cJSON *obj, bool why_too)
{
	static const struct { const char *ctl; unsigned bits; const char *fields; } parts[] = {
		{ "cpu", H_THR, "throttled_pct" },
		{ "memory", H_MEMCUR | H_MEMEV, "memory_bytes, memory_high_events, oom_kills" },
		{ "io", H_IO, "io_read_bytes_per_s, io_write_bytes_per_s" },
		{ "pids", H_PIDS, "pids" },
	};
	cJSON *u = why_too ? jobj(obj, "unavailable") : jarr(obj, "unavailable");
	char why[PATH_MAX + 256];

	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		if ((s->seen & parts[i].bits) == parts[i].bits)
			continue;
		if (!why_too) {
			cJSON_AddItemToArray(u, cJSON_CreateString(parts[i].ctl));
			continue;
		}
		if (!has_word(s->controllers, parts[i].ctl))
			snprintf(why, sizeof(why), "controller not enabled in the v2 hierarchy at %s (%s left out)",
				 s->root, parts[i].fields);
		else if (!has_word(s->subtree, parts[i].ctl))
			snprintf(why, sizeof(why), "controller not in %s/cgroup.subtree_control (%s left out)",
				 s->root, parts[i].fields);
		else
			snprintf(why, sizeof(why), "no cgroup has the controller's files (%s left out)", parts[i].fields);
		jstr(u, parts[i].ctl, why);
	}
	if (!(s->seen & H_CPSI) && !why_too)
		cJSON_AddItemToArray(u, cJSON_CreateString("psi"));
	else if (!(s->seen & H_CPSI))
		jstr(u, "psi", "no pressure files: kernel without PSI or booted with psi=0 "
		     "(runqueue_wait_pct, memory_pressure_pct left out)");
}

/* The root's children and the root's own processes: their CPU adds up to the root's usage_usec,
 * which the kernel keeps from the same counters as /proc/stat's busy time. */
static void emit_top_level(const struct cg_state *s, cJSON *info, double dt)
{
	cJSON *arr = jarr(info, "top_level");
	double sum = 0;
	size_t listed = 0, left = 0;

	for (size_t i = 0; i < s->nn; i++) {
		const struct cg_node *nd = &s->n[i];
		double v;
		cJSON *o;

		if (nd->depth > 1)
			continue;
		/* depth 1: the whole subtree (usage_usec); the root: what its own processes used */
		v = per_dt(nd->depth == 0 ? nd->own_delta_us : nd->own_delta_us + nd->kids_delta_us, dt);
		sum += v;
		if (listed >= CG_TOP_LEVEL_MAX) {
			left++;
			continue;
		}
		o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			continue;
		}
		jstr(o, "path", path_of(s, nd));
		jnum(o, "cpu_pct", v);
		listed++;
	}
	jint(info, "top_level_left_out", left);
	/* the sum over the online CPUs, listed or not (in percent of one CPU it is ncpu times this) */
	jnum(info, "top_level_busy_pct", sum / s->ncpu);
}

static void cgroups_emit(void *state, cJSON *record, double dt)
{
	struct cg_state *s = state;
	cJSON *arr = jarr(record, "cgroups"), *info = jobj(record, "cgroups_info");

	for (size_t k = 0; k < s->reported; k++)
		emit_node(s, arr, &s->n[s->order[k]], dt);
	jint(info, "scanned", s->nn);
	jint(info, "not_scanned", s->not_scanned + s->too_deep);
	jint(info, "candidates", s->candidates);
	jint(info, "reported", s->reported);
	jint(info, "left_out", s->candidates - s->reported);
	jint(info, "flagged_left_out", s->flagged_left_out);
	emit_top_level(s, info, dt);
	emit_unavailable(s, info, false);
}

/* The hierarchy read and why the unavailable parts are (as of the last sample). */
static void cgroups_inventory(void *state, cJSON *inv)
{
	const struct cg_state *s = state;
	cJSON *c = jobj(inv, "cgroups");

	jstr(c, "root", s->root);
	emit_unavailable(s, c, true);
}

/* The kernel's counters of the reported cgroups (the same top N: never one series per process). */
static void cgroups_totals(void *state, cJSON *t)
{
	const struct cg_state *s = state;

	totals_add(t, "cgroups", "gauge", "cgroup v2 directories read at the last sample", NULL, (double)s->nn);
	for (size_t i = 0; i < s->nn; i++) {
		const struct cg_node *nd = &s->n[i];
		const struct cg_sample *c = &nd->c;
		char name[256];
		totals_labels l;

		if (!nd->selected)
			continue;
		cgroup_name(path_of(s, nd), name, sizeof(name));
		l = TL("cgroup", name, "path", path_of(s, nd));
		totals_add(t, "cgroup_cpu_seconds_total", "counter",
			   "CPU time of the cgroup and its descendants (cpu.stat usage_usec)", l, (double)c->usage / 1e6);
		if (c->have & H_THR)
			totals_add(t, "cgroup_cpu_throttled_seconds_total", "counter",
				   "Time the cgroup was throttled by its CPU limit (cpu.stat throttled_usec)", l,
				   (double)c->throttled / 1e6);
		if (c->have & H_CPSI)
			totals_add(t, "cgroup_cpu_waiting_seconds_total", "counter",
				   "Time some of the cgroup's tasks waited for a CPU (cpu.pressure some total)", l,
				   (double)c->cpu_some / 1e6);
		if (c->have & H_MPSI)
			totals_add(t, "cgroup_memory_waiting_seconds_total", "counter",
				   "Time some of the cgroup's tasks stalled on memory (memory.pressure some total)", l,
				   (double)c->mem_some / 1e6);
		if (c->have & H_MEMCUR)
			totals_add(t, "cgroup_memory_bytes", "gauge", "Memory charged to the cgroup (memory.current)",
				   l, (double)c->mem_cur);
		if (c->have & H_MEMEV) {
			totals_add(t, "cgroup_memory_high_events_total", "counter",
				   "Times the cgroup went over memory.high (memory.events high)", l, (double)c->high);
			totals_add(t, "cgroup_oom_kills_total", "counter",
				   "Processes the OOM killer killed in the cgroup (memory.events oom_kill)", l,
				   (double)c->oom);
		}
		if (c->have & H_IO) {
			totals_add(t, "cgroup_io_read_bytes_total", "counter", "Bytes the cgroup read (io.stat rbytes)",
				   l, (double)c->rbytes);
			totals_add(t, "cgroup_io_written_bytes_total", "counter",
				   "Bytes the cgroup wrote (io.stat wbytes)", l, (double)c->wbytes);
		}
		if (c->have & H_PIDS)
			totals_add(t, "cgroup_pids", "gauge", "Tasks in the cgroup (pids.current)", l, (double)c->pids);
	}
}

const struct collector_ops cgroups_collector = {
	.name = "cgroups", .init = cgroups_init, .sample = cgroups_sample,
	.emit = cgroups_emit, .free = cgroups_free, .totals = cgroups_totals, .inventory = cgroups_inventory,
};
