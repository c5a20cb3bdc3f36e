// SPDX-License-Identifier: GPL-2.0-only
/* col_sched.c - the scheduler section ("sched") from bpf/sched.bpf.c.
 *
 * Per interval: one read of the per-CPU counters (switches, run-queue histogram, churn), one pass
 * over the tasks (per-process CPU and run-queue wait, sched_procs.c: one run of the task-list walk
 * on 6.7+, else the task iterator), one drain of the short-lived comm map.
 * OOM kills arrive through the ring buffer, polled by the main loop, as "event" records.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_load.h"
#include "cgroup.h"
#include "col_sched.h"
#include "collector.h"
#include "corewatch/sched.h"
#include "sched.skel.h" /* after the structs it names */
#include "histogram.h"
#include "log.h"
#include "sched_procs.h"
#include "util.h"
#include "totals.h"

#define NFIELDS (sizeof(struct sched_pcpu) / sizeof(__u64))

struct comm_count {
	char comm[TASK_COMM_LEN];
	__u64 count;
};

struct sched_state {
	struct bpf_base base;
	struct sched_bpf *skel;
	struct bpf_link *sock_iter;     /* NULL: the kernel would not attach it (sockets named from /proc) */
	struct ring_buffer *rb;
	bool task_storage;      /* the kernel has task-local storage (5.11+) */
	bool fast;              /* run-queue latency from sched_info.last_queued */
	struct sched_procs procs; /* per-process CPU and run-queue wait (sched_procs.c) */
	int ncpu;
	/* two samples of the per-CPU counters, each ncpu x NFIELDS, their sums over the CPUs, and the
	 * per-interval maxima */
	__u64 *pcpu[2], total[2][NFIELDS], *max_us, *zeros;
	int cur;
	struct comm_count *short_comms;
	size_t nshort;
};

static struct bpf_status status = { .name = "sched" };
/* The running collector's state, for sched_proc_interval() (one sched collector at most). */
static struct sched_state *live;

static int on_ring_event(void *ctx, void *data, size_t len)
{
	struct sched_state *s = ctx;
	const struct oom_event *e = data;
	char cg[1024];
	cJSON *body;

	if (len < sizeof(*e) || e->type != EVENT_OOM_KILL || !s->base.env->emit_event)
		return 0;
	body = cJSON_CreateObject();
	jint(body, "pid", e->pid);
	jstr(body, "comm", e->comm);
	jint(body, "uid", e->uid);
	cJSON_AddNumberToObject(body, "oom_score_adj", e->oom_score_adj);
	jint(body, "total_vm_bytes", e->total_vm_kb * 1024);
	jint(body, "anon_rss_bytes", e->anon_rss_kb * 1024);
	jint(body, "file_rss_bytes", e->file_rss_kb * 1024);
	jint(body, "shmem_rss_bytes", e->shmem_rss_kb * 1024);
	/* the cgroup outlives its killed process: found by its id after the event */
	if (e->cgroup_id && cgroup_path_of_id(e->cgroup_id, cg, sizeof(cg)) == 0) {
		char name[256];

		jstr(body, "cgroup", cg);
		cgroup_name(cg, name, sizeof(name));
		jstr(body, "cgroup_name", name);
	} else {
		jstr(body, "cgroup", NULL);
		jstr(body, "cgroup_name", NULL);
	}
	s->base.env->emit_event(s->base.env->emit_ctx, "oom_kill", body);
	return 0;
}

static void sched_free(void *state)
{
	struct sched_state *s = state;

	if (!s)
		return;
	if (live == s)
		live = NULL;
	ring_buffer__free(s->rb);
	bpf_link__destroy(s->sock_iter);
	bpf_base_stop(&s->base);
	sched_procs_free(&s->procs);
	sched_bpf__destroy(s->skel);
	free(s->pcpu[0]);
	free(s->pcpu[1]);
	free(s->max_us);
	free(s->zeros);
	free(s->short_comms);
	free(s);
}

/* Opens the program and describes its hooks for one load attempt (bpf_open_fn). */
static struct bpf_object *sched_open(struct bpf_base *b)
{
	struct sched_state *s = (struct sched_state *)b;
	bool task_storage = s->task_storage;
	struct sched_bpf *k;

	sched_bpf__destroy(s->skel);
	s->skel = k = sched_bpf__open_opts(bpf_open_opts());
	if (!k)
		return NULL;
	b->skeleton = k->skeleton;
	k->rodata->page_kb = (__u32)(sysconf(_SC_PAGESIZE) / 1024);
	k->rodata->mark_ran = sched_procs_walk_wanted();
	struct bpf_hook hooks[] = {
		{ .tp = "sched_switch", .btf = k->progs.switch_btf, .raw = k->progs.switch_raw },
		{ .tp = "sched_process_fork", .btf = k->progs.fork_btf, .raw = k->progs.fork_raw },
		{ .tp = "sched_process_exec", .btf = k->progs.exec_btf, .raw = k->progs.exec_raw },
		{ .tp = "sched_process_exit", .btf = k->progs.exit_btf, .raw = k->progs.exit_raw },
		/* OOM kills as events; optional: feature-probed */
		{ .tp = "mark_victim", .btf = k->progs.oom_btf, .raw = k->progs.oom_raw, .optional = true },
		/* only where the kernel's sched_info cannot be read: the wakeup stamps (keep last) */
		{ .tp = "sched_wakeup", .btf = k->progs.wakeup_btf, .raw = k->progs.wakeup_raw },
		{ .tp = "sched_wakeup_new", .btf = k->progs.wakeup_new_btf, .raw = k->progs.wakeup_new_raw },
	};
	static const size_t stamp_hooks[] = { 0, 5, 6 };

	memcpy(b->hooks, hooks, sizeof(hooks));
	b->nhooks = ARRAY_SIZE(hooks);
	/* the fast switch program: with the migration correction where task storage exists */
	struct bpf_program *fast = task_storage && !bpf_program_refused(&status, "switch_si") ? k->progs.switch_si
											 : k->progs.switch_si_nomig;

	s->fast = !getenv("COREWATCH_BPF_FORCE_RAW_TP") && !bpf_program_refused(&status, bpf_program__name(fast)) &&
		  kernel_btf_has_tracepoint("sched_switch", NULL) &&
		  kernel_btf_has_member("sched_info", "last_queued") && kernel_btf_has_member("cfs_rq", "rq");
	if (s->fast) {
		/* the kernel's own enqueue stamp: one program per switch, none per wakeup */
		b->hooks[0].btf = fast;
		bpf_program__set_autoload(fast == k->progs.switch_si ? k->progs.switch_si_nomig : k->progs.switch_si,
					  false);
		bpf_program__set_autoload(k->progs.switch_btf, false);
		bpf_program__set_autoload(k->progs.wakeup_btf, false);
		bpf_program__set_autoload(k->progs.wakeup_raw, false);
		bpf_program__set_autoload(k->progs.wakeup_new_btf, false);
		bpf_program__set_autoload(k->progs.wakeup_new_raw, false);
		b->nhooks -= 2; /* the wakeup hooks are last */
	} else {
		bpf_program__set_autoload(k->progs.switch_si, false);
		bpf_program__set_autoload(k->progs.switch_si_nomig, false);
		/* The stamps live in task storage (tp_btf) or a pid-keyed map (raw_tp): the switch and
		 * wakeup programs must agree, so they leave tp_btf together. */
		if (!task_storage || bpf_program_refused(&status, "switch_btf") ||
		    bpf_program_refused(&status, "wakeup_btf") || bpf_program_refused(&status, "wakeup_new_btf"))
			for (size_t i = 0; i < ARRAY_SIZE(stamp_hooks); i++) {
				bpf_program__set_autoload(b->hooks[stamp_hooks[i]].btf, false);
				b->hooks[stamp_hooks[i]].btf = NULL;
			}
	}
	/* 5.11, 4cf1bc1f1045 "bpf: Implement task local storage": before it the map type does not
	 * exist and creating it would fail the whole object. */
	if (!task_storage) {
		bpf_map__set_autocreate(k->maps.queued_at, false);
		bpf_map__set_autocreate(k->maps.at_out, false);
	}
	return k->obj;
}

static int sched_init(const struct collector_env *env, void **state)
{
	struct sched_state *s;
	int err;

	if ((err = bpf_base_new(env, sizeof(*s), &status, state)) < 0)
		return err;
	s = *state;
	s->ncpu = bpf_ncpus();
	s->pcpu[0] = calloc((size_t)s->ncpu * NFIELDS, sizeof(__u64));
	s->pcpu[1] = calloc((size_t)s->ncpu * NFIELDS, sizeof(__u64));
	s->max_us = calloc((size_t)s->ncpu, sizeof(__u64));
	s->zeros = calloc((size_t)s->ncpu, sizeof(__u64));
	s->short_comms = calloc(SHORT_LIVED_COMMS, sizeof(*s->short_comms));
	if (!s->pcpu[0] || !s->pcpu[1] || !s->max_us || !s->zeros || !s->short_comms)
		return bpf_program_failed(&status, "out of memory", ENOMEM, sched_free, s);
	s->task_storage = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL) == 1;
	if ((err = bpf_base_load(&s->base, sched_open)) < 0) {
		sched_free(s);
		return err;
	}
	if ((err = sched_procs_open(&s->procs, s->skel)) < 0)
		return bpf_program_failed(&status, err == -ENOMEM ? "out of memory" : "cannot create the task iterator",
					  -err, sched_free, s);
	if (!(s->sock_iter = bpf_program__attach_iter(s->skel->progs.dump_sockets, NULL)))
		log_debug("sched: no task_file iterator (%s): listeners' processes come from /proc", strerror(errno));
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.events), on_ring_event, s, NULL);
	if (!s->rb)
		return bpf_program_failed(&status, "cannot map the event ring buffer", errno, sched_free, s);
	live = s;
	return 0;
}

/* Takes and deletes every short-lived comm counted since the last sample. */
static void drain_short_comms(struct sched_state *s)
{
	char keys[SHORT_LIVED_COMMS][TASK_COMM_LEN];
	__u64 vals[SHORT_LIVED_COMMS];

	s->nshort = bpf_map_drain(bpf_map__fd(s->skel->maps.short_comms), TASK_COMM_LEN, sizeof(__u64),
				  keys, vals, SHORT_LIVED_COMMS);
	for (size_t i = 0; i < s->nshort; i++) {
		memcpy(s->short_comms[i].comm, keys[i], TASK_COMM_LEN);
		s->short_comms[i].comm[TASK_COMM_LEN - 1] = '\0';
		s->short_comms[i].count = vals[i];
	}
}

/* The per-CPU counters (switches, run-queue histograms, churn): compared with /proc/stat. */
static int sched_snapshot(void *state)
{
	struct sched_state *s = state;
	__u32 zero = 0;

	/* Processes starting from now on and gone by the next sample are short-lived. */
	s->skel->bss->interval_start_ns = (__u64)(clock_s(CLOCK_MONOTONIC) * 1e9);
	if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.pcpu), &zero, s->pcpu[!s->cur]) != 0)
		return -errno;
	return percpu_take(bpf_map__fd(s->skel->maps.rq_max), s->max_us, s->zeros);
}

static const __u64 *cpu_fields(const __u64 *all, int cpu) { return all + (size_t)cpu * NFIELDS; }
#define FIELD(p, name) ((p)[offsetof(struct sched_pcpu, name) / sizeof(__u64)])

/* The task iterator and the short-lived names; then the snapshot becomes current. */
static int sched_sample(void *state)
{
	struct sched_state *s = state;
	__u64 left_out = sched_procs_left_out(&s->procs);
	int next = !s->cur, err;
	const __u64 *sum;

	err = sched_procs_read(&s->procs);
	if (err)
		return err;
	drain_short_comms(s);
	s->cur = next;
	percpu_sum(s->pcpu[next], s->ncpu, NFIELDS, s->total[next]);
	sum = s->total[next];
	bpf_status_counters(&status, FIELD(sum, switches) + FIELD(sum, wakeups) + FIELD(sum, forks) +
			    FIELD(sum, execs) + FIELD(sum, exits) + FIELD(sum, oom_kills),
			    FIELD(sum, ringbuf_drops), FIELD(sum, short_comms_full) + FIELD(sum, queued_at_pid_full) +
			    left_out);
	bpf_status_map(&status, 0, "short_comms", s->nshort, SHORT_LIVED_COMMS, FIELD(sum, short_comms_full));
	if (s->procs.tw)
		bpf_status_map(&status, 1, "walk_out", s->procs.ntasks, WALK_PROCS, left_out);
	return 0;
}

bool sched_counts_processes(void)
{
	return live && live->procs.tw;
}

int sched_proc_interval(uint32_t tgid, double *cpu_pct, double *runqueue_wait_pct)
{
	return live ? sched_procs_interval(&live->procs, tgid, cpu_pct, runqueue_wait_pct) : -ENOENT;
}

int sched_process_count(uint64_t *n)
{
	if (!live || !live->procs.walked)
		return -ENOENT;
	*n = live->procs.walk_procs_n;
	return 0;
}

static int cmp_comm(const void *a, const void *b)
{
	const struct comm_count *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : strcmp(x->comm, y->comm);
}

static void sched_emit(void *state, cJSON *record, double dt)
{
	struct sched_state *s = state;
	const __u64 *a = s->pcpu[!s->cur], *b = s->pcpu[s->cur];
	cJSON *o = jobj(record, "sched"), *cpus, *sl, *top;
	struct hist total = { 0 }, d;
	const __u64 *sum_a = s->total[!s->cur], *sum_b = s->total[s->cur];
	__u64 sum[NFIELDS], max_all = 0;
	double q;

	/* all CPUs at each sample (summed when sampled); counters only grow, so the interval is the
	 * difference of the sums */
	for (size_t f = 0; f < NFIELDS; f++)
		sum[f] = sum_b[f] - sum_a[f];
	jrate(o, "context_switches_per_s", safe_div((double)FIELD(sum, switches), dt));
	jrate(o, "forks_per_s", safe_div((double)FIELD(sum, forks), dt));
	jrate(o, "execs_per_s", safe_div((double)FIELD(sum, execs), dt));
	jrate(o, "exits_per_s", safe_div((double)FIELD(sum, exits), dt));
	jint(o, "oom_kills", FIELD(sum, oom_kills));
	jint(o, "oom_kills_total", FIELD(sum_b, oom_kills));
	memcpy(&total, &FIELD(sum, rq), sizeof(total));
	total.sum = (FIELD(sum, rq_wait_ns) + 500) / 1000; /* exact, where the slots' sum truncates */
	for (int c = 0; c < s->ncpu; c++)
		max_all = s->max_us[c] > max_all ? s->max_us[c] : max_all;
	hist_emit(jobj(o, "runqueue_latency_us"), &total, max_all);
	if (s->fast) {
		jint(o, "runqueue_clock_corrected", FIELD(sum, rq_clock_stale));
		/* a difference of wrapping sums: signed */
		jnum1(o, "runqueue_clock_lag_us", (double)(int64_t)FIELD(sum, rq_lag_ns) / 1000);
	}
	cpus = s->base.env->per_cpu ? jarr(o, "cpus") : NULL;
	for (int c = 0; cpus && c < s->ncpu; c++) {
		const struct hist *ha = (const struct hist *)&FIELD(cpu_fields(a, c), rq);
		const struct hist *hb = (const struct hist *)&FIELD(cpu_fields(b, c), rq);
		cJSON *e = cJSON_CreateObject(), *h;

		jint(e, "cpu", (uint64_t)c);
		hist_delta(ha, hb, &d);
		/* per CPU: what finds the one slow CPU (its p99, its worst wait, how many waits), whole
		 * microseconds; the rest is in the host's histogram */
		h = jobj(e, "runqueue_latency_us");
		jint(h, "count", d.count);
		q = hist_quantile(&d, 0.99);
		jint(h, "p99", (uint64_t)llround(q > (double)s->max_us[c] ? (double)s->max_us[c] : q));
		jint(h, "max", s->max_us[c]);
		cJSON_AddItemToArray(cpus, e);
	}
	sl = jobj(o, "short_lived");
	jint(sl, "count", FIELD(sum, short_lived));
	qsort(s->short_comms, s->nshort, sizeof(*s->short_comms), cmp_comm);
	top = jarr(sl, "top_comms");
	for (size_t i = 0; i < s->nshort && i < s->base.env->top_n; i++) {
		cJSON *e = cJSON_CreateObject();

		jstr(e, "comm", s->short_comms[i].comm);
		jint(e, "count", s->short_comms[i].count);
		cJSON_AddItemToArray(top, e);
	}
	sched_procs_emit_top(&s->procs, o, dt, s->base.env->top_n);
}

static int sched_event_fd(void *state)
{
	return ring_buffer__epoll_fd(((struct sched_state *)state)->rb);
}

static void sched_on_event(void *state)
{
	ring_buffer__consume(((struct sched_state *)state)->rb);
}

/* The eBPF scheduler counters summed over the CPUs, cumulative since the programs were loaded, and
 * the run-queue latency histogram (exact sum from rq_wait_ns). */
static void sched_totals(void *state, cJSON *t)
{
	const struct sched_state *s = state;
	const __u64 *b = s->total[s->cur];
	struct hist rq;

	memcpy(&rq, &FIELD(b, rq), sizeof(rq));
	totals_hist(t, "runqueue_latency_seconds", "Time runnable tasks waited for a CPU (eBPF, log2 buckets)",
		    1e-6, NULL, &rq, (double)FIELD(b, rq_wait_ns) / 1e9);
	totals_add(t, "oom_kills_total", "counter", "Processes the OOM killer chose (eBPF)", NULL,
		   (double)FIELD(b, oom_kills));
	totals_add(t, "sched_execs_total", "counter", "Successful execve calls (eBPF)", NULL, (double)FIELD(b, execs));
	totals_add(t, "sched_exits_total", "counter", "Processes that exited (eBPF, leader exits)", NULL,
		   (double)FIELD(b, exits));
	totals_add(t, "sched_short_lived_total", "counter",
		   "Processes that started and exited within one interval (eBPF)", NULL, (double)FIELD(b, short_lived));
	if (s->fast)
		totals_add(t, "sched_runqueue_clock_corrected_total", "counter",
			   "Switches whose run-queue clock lagged and was corrected (eBPF)", NULL,
			   (double)FIELD(b, rq_clock_stale));
}

/* How the run-queue wait is measured: fixed at load, so said once (not in every record). */
static void sched_inventory(void *state, cJSON *inv)
{
	const struct sched_state *s = state;

	jstr(jobj(inv, "sched"), "runqueue_latency_method", s->fast ? "sched_info" : "wakeup_stamp");
}

const struct collector_ops sched_collector = {
	.name = "sched", .init = sched_init, .snapshot = sched_snapshot, .sample = sched_sample, .emit = sched_emit,
	.free = sched_free, .event_fd = sched_event_fd, .on_event = sched_on_event,
	.totals = sched_totals, .inventory = sched_inventory,
};

int sched_socket_owners(void (*fn)(void *ctx, const struct socket_sample *ss), void *ctx)
{
	struct socket_sample buf[256];
	size_t have = 0;
	int fd;

	if (!live || !live->sock_iter)
		return -ENOTSUP;
	if ((fd = bpf_iter_create(bpf_link__fd(live->sock_iter))) < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, (char *)buf + have, sizeof(buf) - have);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		for (size_t i = 0; i < have / sizeof(buf[0]); i++)
			fn(ctx, &buf[i]);
		/* a record split across reads waits for its rest */
		memmove(buf, (char *)buf + have / sizeof(buf[0]) * sizeof(buf[0]), have % sizeof(buf[0]));
		have %= sizeof(buf[0]);
	}
	close(fd);
	return 0;
}
