// SPDX-License-Identifier: GPL-2.0-only
/* col_bpf.c - see col_bpf.h. */
#include "col_bpf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bpf_load.h"
#include "collector.h"
#include "log.h"
#include "util.h"
#include "totals.h"

static struct bpf_status *registry[8];
static size_t nregistry;

void bpf_status_register(struct bpf_status *st)
{
	for (size_t i = 0; i < nregistry; i++)
		if (registry[i] == st)
			return;
	if (nregistry < ARRAY_SIZE(registry))
		registry[nregistry++] = st;
}

void bpf_status_counters(struct bpf_status *st, uint64_t events, uint64_t ringbuf_drops, uint64_t map_full)
{
	st->events = events;
	st->ringbuf_drops = ringbuf_drops;
	st->map_full = map_full;
}

void bpf_status_map(struct bpf_status *st, size_t i, const char *name, uint64_t used, uint64_t max,
		    uint64_t failed)
{
	if (i >= BPF_STATUS_MAPS)
		return;
	st->fill[i].map = name;
	st->fill[i].used = used;
	st->fill[i].max = max;
	st->fill[i].failed = failed;
	if (st->nfill <= i)
		st->nfill = i + 1;
}

bool bpf_status_any_loaded(void)
{
	for (size_t i = 0; i < nregistry; i++)
		if (registry[i]->loaded)
			return true;
	return false;
}

size_t bpf_attached_count(void)
{
	size_t n = 0;

	for (size_t i = 0; i < nregistry; i++)
		for (size_t k = 0; registry[i]->loaded && k < registry[i]->nhooks; k++)
			n += registry[i]->hooks[k].link != NULL;
	return n;
}


struct bpf_section_state {
	const struct collector_env *env;
	int stats_fd;           /* BPF_ENABLE_STATS: the kernel times every program while it is open */
	const char *stats_off;  /* why the programs' run time is not known, or NULL */
};

/* Whether the kernel times eBPF programs for everyone (sysctl kernel.bpf_stats_enabled=1). */
static bool stats_sysctl_on(const struct collector_env *env)
{
	struct fbuf f = { 0 };
	bool on = fbuf_read(&f, env->proc_root, "sys/kernel/bpf_stats_enabled") == 0 && f.data[0] == '1';

	fbuf_free(&f);
	return on;
}

/* Turns the kernel's run-time statistics on for the agent's lifetime (they cost two clock reads per
 * program run, the agent's own included in what it reports). Without CAP_SYS_ADMIN (the unit does
 * not grant it) they are on only if an administrator set the sysctl. */
static void stats_start(struct bpf_section_state *s)
{
	s->stats_fd = -1;
	if (!bpf_status_any_loaded()) { /* a program that loads later is not timed: say so, not 0 */
		s->stats_off = "no eBPF program was loaded at start, when run-time statistics are turned on";
		return;
	}
	s->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (s->stats_fd >= 0 || stats_sysctl_on(s->env))
		return;
	s->stats_off = errno == EPERM
		? "the kernel times eBPF programs only for CAP_SYS_ADMIN (BPF_ENABLE_STATS), which the agent "
		  "lacks, or with sysctl kernel.bpf_stats_enabled=1"
		: "BPF_ENABLE_STATS failed (a kernel before 5.8?) and sysctl kernel.bpf_stats_enabled is 0";
	log_info("eBPF run time not measured: %s", s->stats_off);
}

static int bpf_section_init(const struct collector_env *env, void **state)
{
	struct bpf_section_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->env = env;
	*state = s;
	kernel_btf_release(); /* every eBPF collector before this one has loaded */
	stats_start(s);
	return 0;
}

/* Reads each loaded program's run time and runs, summed over its attached hooks. */
static int bpf_section_sample(void *state)
{
	struct bpf_section_state *s = state;

	if (s->stats_off)
		return 0;
	for (size_t i = 0; i < nregistry; i++) {
		struct bpf_status *st = registry[i];
		uint64_t ns = 0, runs = 0;

		if (!st->loaded)
			continue;
		for (size_t h = 0; h < st->nhooks; h++) {
			struct bpf_program *p = bpf_hook_program(&st->hooks[h]);
			struct bpf_prog_info info;
			__u32 len = sizeof(info);

			memset(&info, 0, sizeof(info));
			if (p && bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) == 0) {
				ns += info.run_time_ns;
				runs += info.run_cnt;
			}
		}
		if (ns < st->run_ns || runs < st->runs) /* programs loaded again: counting starts over */
			st->run_ns_reported = st->runs_reported = 0;
		st->run_ns = ns;
		st->runs = runs;
	}
	return 0;
}

static void bpf_section_free(void *state)
{
	struct bpf_section_state *s = state;

	if (s && s->stats_fd >= 0)
		close(s->stats_fd);
	free(s);
}

/* What the inventory or the last "bpf_status" event said: attach state, errors and hooks. */
static char reported_sig[1024];

/* The status that matters for a change event, as text: each program's attach state, error and hooks. */
static void status_sig(char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < nregistry && n < len; i++) {
		const struct bpf_status *st = registry[i];

		n += (size_t)snprintf(buf + n, len - n, "%s:%d:%s", st->name, st->loaded,
				      st->error ? st->error : "");
		for (size_t h = 0; st->loaded && h < st->nhooks && n < len; h++)
			n += (size_t)snprintf(buf + n, len - n, ",%s=%s", st->hooks[h].tp,
					      st->hooks[h].kind ? st->hooks[h].kind : "-");
		if (n < len)
			n += (size_t)snprintf(buf + n, len - n, ";");
	}
}

static const char *off_reason(const char *why)
{
	return why ? why : nregistry && registry[0]->error ? registry[0]->error : "no eBPF program could be loaded";
}

/* programs.<name>: attached, error, hooks, left_out, events, maps */
static void programs_json(cJSON *o)
{
	cJSON *progs = jobj(o, "programs");

	for (size_t i = 0; i < nregistry; i++) {
		const struct bpf_status *st = registry[i];
		cJSON *p = jobj(progs, st->name), *hooks, *fill, *left;

		jbool(p, "attached", st->loaded);
		if (!st->loaded) {
			jstr(p, "error", st->error);
			continue;
		}
		hooks = jobj(p, "hooks");
		for (size_t h = 0; h < st->nhooks; h++)
			jstr(hooks, st->hooks[h].tp, st->hooks[h].kind);
		left = NULL;
		for (size_t h = 0; h < st->nhooks; h++) {
			if (st->hooks[h].kind)
				continue;
			if (!left)
				left = jobj(p, "left_out");
			jstr(left, st->hooks[h].tp, st->hooks[h].why ? st->hooks[h].why : "not attached");
		}
		jint(p, "events", st->events);
		fill = jobj(p, "maps");
		for (size_t m = 0; m < st->nfill; m++) {
			cJSON *f = jobj(fill, st->fill[m].map);

			jint(f, "entries", st->fill[m].used);
			jint(f, "max_entries", st->fill[m].max);
			jnum(f, "fill_pct", pct((double)st->fill[m].used, (double)st->fill[m].max));
			jint(f, "failed_inserts_total", st->fill[m].failed);
		}
	}
}

void bpf_status_json(cJSON *o, const char *why)
{
	bool any = bpf_status_any_loaded();

	jbool(o, "enabled", any);
	if (!any)
		jstr(o, "reason", off_reason(why));
	if (nregistry)
		programs_json(o);
	status_sig(reported_sig, sizeof(reported_sig));
}

const char *bpf_program_error(const char *section)
{
	for (size_t i = 0; i < nregistry; i++)
		if (strcmp(registry[i]->name, section) == 0)
			return registry[i]->loaded ? NULL : registry[i]->error ? registry[i]->error : "not attached";
	return NULL;
}

/* A map that lost inserts in this interval after an interval without, or the reverse: an event. */
static void map_event(const struct collector_env *env, const struct bpf_status *st, size_t m, uint64_t failed)
{
	cJSON *body;

	if (!env->emit_event || !(body = cJSON_CreateObject()))
		return;
	jstr(body, "program", st->name);
	jstr(body, "map", st->fill[m].map);
	jbool(body, "overflowing", failed > 0);
	jint(body, "failed_inserts", failed);
	jint(body, "entries", st->fill[m].used);
	jint(body, "max_entries", st->fill[m].max);
	env->emit_event(env->emit_ctx, "bpf_map_overflow", body);
}

/* run_time.<program>: the interval's runs, kernel time per run and share of one CPU; or why it is
 * not known. */
static void run_time_json(struct bpf_section_state *s, cJSON *o, double dt)
{
	cJSON *rt;

	if (s->stats_off) {
		jstr(o, "run_time_off", s->stats_off);
		return;
	}
	rt = jobj(o, "run_time");
	for (size_t i = 0; i < nregistry; i++) {
		struct bpf_status *st = registry[i];
		uint64_t ns = st->run_ns - st->run_ns_reported, runs = st->runs - st->runs_reported;
		cJSON *p;

		if (!st->loaded)
			continue;
		p = jobj(rt, st->name);
		jint(p, "runs", runs);
		if (runs)
			jnum(p, "ns_per_run", (double)ns / (double)runs);
		else
			cJSON_AddNullToObject(p, "ns_per_run");
		jnum(p, "cpu_pct", dt > 0 ? (double)ns / (dt * 1e9) * 100.0 : 0);
		st->run_ns_reported = st->run_ns;
		st->runs_reported = st->runs;
	}
}

/* The record's compact summary; the full status is the inventory's, and changes are events. */
static void bpf_section_emit(void *state, cJSON *record, double dt)
{
	struct bpf_section_state *s = state;
	cJSON *o = jobj(record, "bpf"), *att;
	uint64_t drops = 0, full = 0, failed = 0, events = 0;
	bool any = bpf_status_any_loaded();
	char sig[sizeof(reported_sig)];

	status_sig(sig, sizeof(sig));
	if (strcmp(sig, reported_sig) != 0 && s->env->emit_event) {
		cJSON *body = cJSON_CreateObject();

		if (body) {
			bpf_status_json(body, bpf_unavailable(s->env));
			s->env->emit_event(s->env->emit_ctx, "bpf_status", body);
		}
	}
	jbool(o, "enabled", any);
	if (!any) {
		jstr(o, "reason", off_reason(bpf_unavailable(s->env)));
		return;
	}
	att = jarr(o, "attached");
	for (size_t i = 0; i < nregistry; i++) {
		struct bpf_status *st = registry[i];

		if (!st->loaded)
			continue;
		cJSON_AddItemToArray(att, cJSON_CreateString(st->name));
		events += st->events - st->events_reported;
		st->events_reported = st->events;
		for (size_t m = 0; m < st->nfill; m++) {
			/* in this interval: what the map could not hold was lost to the figures */
			uint64_t f = st->fill[m].failed - st->fill[m].failed_reported;

			if ((f > 0) != st->fill[m].overflowing) {
				st->fill[m].overflowing = f > 0;
				map_event(s->env, st, m, f);
			}
			failed += f;
			st->fill[m].failed_reported = st->fill[m].failed;
		}
		drops += st->ringbuf_drops;
		full += st->map_full;
	}
	jint(o, "events", events);
	jint(o, "ringbuf_drops", drops);
	jint(o, "map_full", full);
	/* of the interval, over every map: what a rule watches (bpf.failed_inserts > 0) */
	jint(o, "failed_inserts", failed);
	run_time_json(s, o, dt);
}

uint64_t bpf_status_map_full(void)
{
	uint64_t full = 0;

	for (size_t i = 0; i < nregistry; i++)
		full += registry[i]->map_full;
	return full;
}

/* Each program's state (attached or not: a rule can watch it), and each loaded one's counters since
 * load: events, ring-buffer drops, failed map inserts, and its maps' fill levels. */
static void bpf_section_totals(void *state, cJSON *t)
{
	const struct bpf_section_state *sec = state;

	for (size_t i = 0; i < nregistry; i++) {
		const struct bpf_status *st = registry[i];

		totals_add(t, "bpf_program_attached", "gauge", "1 while the eBPF program is attached, else 0",
			   TL("program", st->name), st->loaded);
		if (!st->loaded)
			continue;
		for (size_t m = 0; m < st->nfill; m++) {
			totals_add(t, "bpf_map_entries", "gauge", "Entries in use in a bounded eBPF map",
				   TL("program", st->name, "map", st->fill[m].map), (double)st->fill[m].used);
			totals_add(t, "bpf_map_max_entries", "gauge", "Capacity of a bounded eBPF map",
				   TL("program", st->name, "map", st->fill[m].map), (double)st->fill[m].max);
		}
		totals_add(t, "bpf_events_total", "counter", "Events the eBPF programs handled", TL("program", st->name),
			   (double)st->events);
		totals_add(t, "bpf_ringbuf_drops_total", "counter", "Ring-buffer records lost: the buffer was full",
			   TL("program", st->name), (double)st->ringbuf_drops);
		if (!sec->stats_off) {
			totals_add(t, "bpf_program_run_seconds_total", "counter",
				   "Kernel time the program's attached hooks ran (BPF_ENABLE_STATS; since the agent started)",
				   TL("program", st->name), (double)st->run_ns / 1e9);
			totals_add(t, "bpf_program_runs_total", "counter",
				   "Runs of the program's attached hooks (since the agent started)", TL("program", st->name),
				   (double)st->runs);
		}
		for (size_t m = 0; m < st->nfill; m++)
			totals_add(t, "bpf_map_failed_inserts_total", "counter",
				   "Inserts that found a bounded eBPF map full (what the figures then lack)",
				   TL("program", st->name, "map", st->fill[m].map), (double)st->fill[m].failed);
	}
}

const struct collector_ops bpf_collector = {
	.name = "bpf", .init = bpf_section_init, .sample = bpf_section_sample,
	.emit = bpf_section_emit, .free = bpf_section_free,
	.totals = bpf_section_totals,
};

bool bpf_section(const char *name)
{
	static const char *const sections[] = { "sched", "block", "tcp", NULL };

	for (size_t i = 0; sections[i]; i++)
		if (strcmp(name, sections[i]) == 0)
			return true;
	return false;
}
