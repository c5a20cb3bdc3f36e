// SPDX-License-Identifier: GPL-2.0-only
/* col_cpu.c - CPU time split, per core, the scheduler counters of /proc/stat and the run-queue totals
 * of /proc/schedstat. */
#include "col_cpu.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "log.h"
#include "util.h"
#include "totals.h"

static const char *const field_name[CPU_NFIELDS] = {
	"user_pct", "nice_pct", "system_pct", "idle_pct", "iowait_pct", "irq_pct", "softirq_pct",
	"steal_pct",
};

static void parse_times(const char *p, struct cpu_times *t)
{
	memset(t, 0, sizeof(*t));
	/* Old kernels list fewer fields; the missing ones stay 0. */
	for (int i = 0; i < CPU_NFIELDS; i++)
		if (scan_u64(&p, &t->v[i]) < 0)
			break;
}

static int push_core(struct cpu_stat *st, unsigned id, const char *p)
{
	if (array_reserve(&st->cores, &st->cap, st->ncores + 1, sizeof(*st->cores), 16) < 0)
		return -ENOMEM;
	st->cores[st->ncores].id = id;
	parse_times(p, &st->cores[st->ncores].t);
	st->ncores++;
	return 0;
}

static void scalar(const char *p, uint64_t *out)
{
	if (scan_u64(&p, out) < 0)
		*out = 0;
}

int cpu_parse_stat(const char *text, struct cpu_stat *st)
{
	const char *line = text;
	int seen_total = 0;

	st->ncores = 0;
	st->ctxt = st->forks = st->intr = st->running = st->blocked = st->btime = 0;
	while (line && *line) {
		const char *nl = strchr(line, '\n');

		if (strncmp(line, "cpu ", 4) == 0) {
			parse_times(line + 4, &st->total);
			seen_total = 1;
		} else if (strncmp(line, "cpu", 3) == 0) {
			const char *p = line + 3;
			uint64_t id;

			if (scan_u64(&p, &id) == 0 && id <= UINT32_MAX && push_core(st, (unsigned)id, p) < 0)
				return -ENOMEM;
		} else if (strncmp(line, "ctxt ", 5) == 0) {
			scalar(line + 5, &st->ctxt);
		} else if (strncmp(line, "processes ", 10) == 0) {
			scalar(line + 10, &st->forks);
		} else if (strncmp(line, "intr ", 5) == 0) {
			scalar(line + 5, &st->intr);
		} else if (strncmp(line, "procs_running ", 14) == 0) {
			scalar(line + 14, &st->running);
		} else if (strncmp(line, "procs_blocked ", 14) == 0) {
			scalar(line + 14, &st->blocked);
		} else if (strncmp(line, "btime ", 6) == 0) {
			scalar(line + 6, &st->btime);
		}
		line = nl ? nl + 1 : NULL;
	}
	return seen_total ? 0 : -EINVAL;
}

int cpu_parse_schedstat(const char *text, struct cpu_schedstat *out)
{
	const char *line = text;
	uint64_t version = 0, v[9];
	int cpus = 0;

	out->run_delay_ns = out->timeslices = 0;
	while (line && *line) {
		const char *nl = strchr(line, '\n'), *p;

		if (strncmp(line, "version ", 8) == 0) {
			p = line + 8;
			if (scan_u64(&p, &version) < 0)
				return -EINVAL;
		} else if (strncmp(line, "cpu", 3) == 0 && line[3] >= '0' && line[3] <= '9') {
			p = line + 3;
			if (scan_u64(&p, &v[0]) < 0) /* the cpu number */
				return -EINVAL;
			for (int i = 0; i < 9; i++)
				if (scan_u64(&p, &v[i]) < 0)
					return -EINVAL;
			out->run_delay_ns += v[7];
			out->timeslices += v[8];
			cpus++;
		}
		line = nl ? nl + 1 : NULL;
	}
	return version >= 15 && version <= 17 && cpus ? 0 : -EINVAL;
}

void cpu_times_pct(const struct cpu_times *prev, const struct cpu_times *cur, struct cpu_pct *out)
{
	uint64_t d[CPU_NFIELDS], total = 0;

	for (int i = 0; i < CPU_NFIELDS; i++) {
		/* Jiffy counters are 64-bit: backwards means hotplug or the iowait quirk, not a wrap. */
		d[i] = cur->v[i] >= prev->v[i] ? cur->v[i] - prev->v[i] : 0;
		total += d[i];
	}
	for (int i = 0; i < CPU_NFIELDS; i++)
		out->v[i] = pct((double)d[i], (double)total);
	out->busy = total ? pct((double)(total - d[CPU_IDLE] - d[CPU_IOWAIT]), (double)total) : 0.0;
}

struct cpu_state {
	struct col_base base;
	struct cpu_stat snap[2];
	struct cpu_schedstat sched[2];
	bool have_sched[2];
	bool sched_warned;
	int cur;
};

static int cpu_init(const struct collector_env *env, void **state)
{
	return col_base_new(env, sizeof(struct cpu_state), state);
}

static int cpu_sample(void *state)
{
	struct cpu_state *s = state;
	int next = !s->cur, err;

	err = col_read_proc(&s->base, "stat");
	if (err)
		return err;
	err = cpu_parse_stat(s->base.buf.data, &s->snap[next]);
	if (err)
		return err;
	/* Optional: kernels without CONFIG_SCHEDSTATS have no /proc/schedstat; the record then leaves
	 * cpu.schedstat out, and says why once in the log. */
	err = col_read_proc(&s->base, "schedstat");
	if (!err)
		err = cpu_parse_schedstat(s->base.buf.data, &s->sched[next]);
	s->have_sched[next] = !err;
	if (err == -ENOENT && !s->sched_warned)
		log_info("cpu: no /proc/schedstat (a kernel without CONFIG_SCHEDSTATS): cpu.schedstat left out");
	else if (err && !s->sched_warned)
		log_warnx("cpu: /proc/schedstat %s: cpu.schedstat left out of the records",
			  err == -EINVAL ? "has a format other than versions 15-17" : strerror(-err));
	s->sched_warned |= err != 0;
	s->cur = next;
	return 0;
}

static void add_pct(cJSON *o, const struct cpu_pct *p)
{
	jnum(o, "busy_pct", p->busy);
	for (int i = 0; i < CPU_NFIELDS; i++)
		jnum(o, field_name[i], p->v[i]);
}

/* The kernel lists cores in the same order each time, so the same index almost always matches. */
static const struct cpu_core *find_core(const struct cpu_stat *st, unsigned id, size_t hint)
{
	if (hint < st->ncores && st->cores[hint].id == id)
		return &st->cores[hint];
	for (size_t i = 0; i < st->ncores; i++)
		if (st->cores[i].id == id)
			return &st->cores[i];
	return NULL;
}

static void cpu_emit(void *state, cJSON *record, double dt)
{
	struct cpu_state *s = state;
	const struct cpu_stat *a = &s->snap[!s->cur], *b = &s->snap[s->cur];
	cJSON *o = jobj(record, "cpu"), *cores;
	struct cpu_pct p;

	cpu_times_pct(&a->total, &b->total, &p);
	add_pct(o, &p);
	jrate(o, "context_switches_per_s", safe_div((double)counter_delta(a->ctxt, b->ctxt), dt));
	jrate(o, "forks_per_s", safe_div((double)counter_delta(a->forks, b->forks), dt));
	jrate(o, "interrupts_per_s", safe_div((double)counter_delta(a->intr, b->intr), dt));
	jint(o, "procs_running", b->running);
	jint(o, "procs_blocked", b->blocked);
	if (s->have_sched[0] && s->have_sched[1]) {
		const struct cpu_schedstat *sa = &s->sched[!s->cur], *sb = &s->sched[s->cur];
		cJSON *ss = jobj(o, "schedstat");

		jrate(ss, "run_delay_ms_per_s",
		     safe_div((double)counter_delta(sa->run_delay_ns, sb->run_delay_ns) / 1e6, dt));
		jrate(ss, "timeslices_per_s", safe_div((double)counter_delta(sa->timeslices, sb->timeslices), dt));
	}
	if (!s->base.env->per_cpu)
		return;
	cores = jarr(o, "cores");
	for (size_t i = 0; i < b->ncores; i++) {
		/* A core that just came online has no previous sample: it joins from the next record. */
		const struct cpu_core *prev = find_core(a, b->cores[i].id, i);
		cJSON *c;

		if (!prev)
			continue;
		c = cJSON_CreateObject();
		jint(c, "cpu", b->cores[i].id);
		cpu_times_pct(&prev->t, &b->cores[i].t, &p);
		/* A core's entry is kept small (hosts have hundreds): one decimal, and not nice, irq,
		 * steal, idle or iowait (iowait is not meaningful per CPU: a task waiting on I/O is not
		 * bound to the CPU that idles; the others stay in the host's totals). */
		jnum1(c, "busy_pct", p.busy);
		jnum1(c, "user_pct", p.v[CPU_USER]);
		jnum1(c, "system_pct", p.v[CPU_SYSTEM]);
		jnum1(c, "softirq_pct", p.v[CPU_SOFTIRQ]);
		cJSON_AddItemToArray(cores, c);
	}
}

static void cpu_free(void *state)
{
	struct cpu_state *s = state;

	free(s->snap[0].cores);
	free(s->snap[1].cores);
	col_base_free(s);
}

/* /proc/stat as it stands, in seconds of USER_HZ jiffies: node_exporter's cpu and stat families. */
static void cpu_totals(void *state, cJSON *t)
{
	static const char *const mode[CPU_NFIELDS] = { "user", "nice", "system", "idle", "iowait", "irq",
							"softirq", "steal" };
	struct cpu_state *s = state;
	const struct cpu_stat *b = &s->snap[s->cur];
	long hz = sysconf(_SC_CLK_TCK);
	double per_s = hz > 0 ? (double)hz : 100.0; /* divided, not multiplied by 1/hz: 42471 jiffies read 424.71 */

	for (size_t i = 0; i < b->ncores; i++) {
		char id[16];

		snprintf(id, sizeof(id), "%u", b->cores[i].id);
		for (int f = 0; f < CPU_NFIELDS; f++)
			totals_add(t, "cpu_seconds_total", "counter",
				   "Seconds the CPU spent in each mode (/proc/stat)", TL("cpu", id, "mode", mode[f]),
				   (double)b->cores[i].t.v[f] / per_s);
	}
	totals_add(t, "context_switches_total", "counter", "Context switches (/proc/stat ctxt)", NULL,
		   (double)b->ctxt);
	totals_add(t, "forks_total", "counter", "Processes and threads created (/proc/stat processes)", NULL,
		   (double)b->forks);
	totals_add(t, "intr_total", "counter", "Interrupts serviced (/proc/stat intr)", NULL, (double)b->intr);
	totals_add(t, "procs_running", "gauge", "Tasks runnable now (/proc/stat procs_running)", NULL,
		   (double)b->running);
	totals_add(t, "procs_blocked", "gauge", "Tasks blocked on I/O now (/proc/stat procs_blocked)", NULL,
		   (double)b->blocked);
	totals_add(t, "boot_time_seconds", "gauge", "When the host booted, Unix time (/proc/stat btime)", NULL,
		   (double)b->btime);
	if (s->have_sched[s->cur]) {
		totals_add(t, "schedstat_waiting_seconds_total", "counter",
			   "Seconds tasks waited for a CPU, over all CPUs (/proc/schedstat)", NULL,
			   (double)s->sched[s->cur].run_delay_ns / 1e9);
		totals_add(t, "schedstat_timeslices_total", "counter",
			   "Timeslices executed, over all CPUs (/proc/schedstat)", NULL,
			   (double)s->sched[s->cur].timeslices);
	}
}

const struct collector_ops cpu_collector = {
	.name = "cpu", .init = cpu_init, .snapshot = cpu_sample, .emit = cpu_emit, .free = cpu_free,
	.totals = cpu_totals,
};
