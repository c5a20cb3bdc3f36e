// SPDX-License-Identifier: GPL-2.0-only
/* sched_procs.c - per-process CPU time and run-queue wait for the sched collector: the tasks read
 * once per sample (bpf/taskwalk.bpf.c's walk, one program run, or the sched object's task
 * iterator, one run per task), folded into processes sorted by (tgid, start). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_load.h"
#include "cgroup.h"
#include "collector.h"
#include "corewatch/sched.h"
#include "sched.skel.h" /* after the structs it names */
#include "taskwalk.skel.h"
#include "log.h"
#include "sched_procs.h"
#include "util.h"

/* One process: its threads summed. */
struct proc_cpu {
	__u32 tgid;
	__u64 start_ns;
	__u64 cpu_ns, delay_ns;
	__u64 cgroup_id;
	char comm[TASK_COMM_LEN];
};

bool sched_procs_walk_wanted(void)
{
	return !getenv("COREWATCH_BPF_FORCE_TASK_ITER") && kernel_btf_has_func("bpf_iter_task_new");
}

/* The task-list walk (bpf/taskwalk.bpf.c) where sched_procs_walk_wanted(), or NULL: the iter/task
 * program then. It shares the sched object's ran_procs, which the switch program marks. */
static struct taskwalk_bpf *open_walk(const struct sched_bpf *k)
{
	struct taskwalk_bpf *tw;
	int ncpu = libbpf_num_possible_cpus();

	if (!sched_procs_walk_wanted())
		return NULL;
	tw = taskwalk_bpf__open_opts(bpf_open_opts());
	if (tw && k->rodata->mark_ran && ncpu > 0 &&
	    bpf_map__reuse_fd(tw->maps.ran_procs, bpf_map__fd(k->maps.ran_procs)) == 0 &&
	    bpf_map__reuse_fd(tw->maps.pcpu, bpf_map__fd(k->maps.pcpu)) == 0) {
		tw->rodata->use_ran = true;
		tw->rodata->nr_cpus = (__u32)ncpu;
	}
	kernel_btf_release(); /* libbpf parses its own copy to load: never two at once */
	if (!tw || taskwalk_bpf__load(tw)) {
		log_info("eBPF sched: the task-list walk did not load (%s): per-process CPU from the task iterator",
			 strerror(errno));
		taskwalk_bpf__destroy(tw);
		return NULL;
	}
	return tw;
}

int sched_procs_open(struct sched_procs *p, const struct sched_bpf *k)
{
	p->walk_lost = true; /* the first walk reads every process */
	if ((p->tw = open_walk(k))) {
		p->walk_keys = calloc(WALK_PROCS, sizeof(*p->walk_keys));
		return p->walk_keys ? 0 : -ENOMEM;
	}
	if (!(p->iter = bpf_program__attach_iter(k->progs.dump_task, NULL)))
		return errno ? -errno : -EINVAL; /* never 0: the caller would read through a NULL link */
	return 0;
}

__u64 sched_procs_left_out(const struct sched_procs *p)
{
	return p->tw ? p->tw->bss->walk_left_out : 0;
}

void sched_procs_free(struct sched_procs *p)
{
	bpf_link__destroy(p->iter);
	free(p->walk_keys);
	taskwalk_bpf__destroy(p->tw);
	free(p->procs[0]);
	free(p->procs[1]);
	free(p->tasks);
}

static int cmp_task(const void *a, const void *b)
{
	const struct task_sample *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x->leader_start_ns != y->leader_start_ns)
		return x->leader_start_ns < y->leader_start_ns ? -1 : 1;
	return 0;
}

/* Reads the task iterator's per-thread records into s->tasks. Returns 0 or -errno. */
static int iter_tasks(struct sched_procs *s)
{
	int fd = bpf_iter_create(bpf_link__fd(s->iter));
	size_t bytes = 0;

	if (fd < 0)
		return -errno;
	s->ntasks = 0;
	for (;;) {
		ssize_t n;

		if (array_reserve(&s->tasks, &s->tasks_cap, s->ntasks + 64, sizeof(*s->tasks), 1024) < 0) {
			close(fd);
			return -ENOMEM;
		}
		n = read(fd, (char *)s->tasks + bytes, (s->tasks_cap * sizeof(*s->tasks)) - bytes);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			close(fd);
			return -errno;
		}
		if (n == 0)
			break;
		bytes += (size_t)n;
		s->ntasks = bytes / sizeof(*s->tasks);
	}
	close(fd);
	s->ntasks = bytes / sizeof(*s->tasks);
	return 0;
}

/* Runs the task-list walk and reads its per-process records into s->tasks (one batch lookup).
 * Returns 0 or -errno. */
static int walk_tasks(struct sched_procs *s)
{
	LIBBPF_OPTS(bpf_test_run_opts, run);
	LIBBPF_OPTS(bpf_map_batch_opts, batch);
	__u32 n, count, out;
	int err;

	s->walked = false;
	/* a run whose output was lost took its marks: this one reads every process again */
	if (s->walk_lost)
		s->tw->bss->walk_all = 1;
	s->walk_lost = true;
	if (bpf_prog_test_run_opts(bpf_program__fd(s->tw->progs.walk_procs), &run) < 0)
		return -errno;
	n = s->tw->bss->walk_n;
	s->walk_procs_n = n + s->tw->bss->walk_left_out_now;
	s->walked = true;
	if (n > WALK_PROCS)
		return -EIO;
	if (array_reserve(&s->tasks, &s->tasks_cap, n, sizeof(*s->tasks), 1024) < 0)
		return -ENOMEM;
	count = n;
	s->ntasks = 0;
	if (n == 0)
		return 0;
	err = bpf_map_lookup_batch(bpf_map__fd(s->tw->maps.walk_out), NULL, &out, s->walk_keys, s->tasks,
				   &count, &batch);
	if (err < 0 && errno != ENOENT) /* ENOENT: the batch reached the map's end */
		return -errno;
	s->ntasks = count < n ? count : n;
	return 0;
}

/* The newest entry of tgid in a list sorted by (tgid, start), or NULL. */
static const struct proc_cpu *find_proc(const struct proc_cpu *v, size_t n, __u32 tgid, __u64 start_ns,
					bool any_start)
{
	size_t lo = 0, hi = n;

	while (lo < hi) { /* the first entry past (tgid, start) */
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].tgid < tgid || (v[mid].tgid == tgid && (any_start || v[mid].start_ns <= start_ns)))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || v[lo - 1].tgid != tgid || (!any_start && v[lo - 1].start_ns != start_ns))
		return NULL;
	return &v[lo - 1];
}

int sched_procs_read(struct sched_procs *s)
{
	int slot = !s->cur;
	int err = s->tw ? walk_tasks(s) : iter_tasks(s);

	if (err)
		return err;
	qsort(s->tasks, s->ntasks, sizeof(*s->tasks), cmp_task);
	s->nprocs[slot] = 0;
	for (size_t i = 0; i < s->ntasks; i++) {
		const struct task_sample *t = &s->tasks[i];
		const struct proc_cpu *was = NULL;
		struct proc_cpu *p;

		/* The walk left its threads unread: nothing ran, its time is the last sample's. One not in
		 * that sample (beyond the walk's bound then) is left out until it runs, as one never seen. */
		if (t->idle && !(was = find_proc(s->procs[!slot], s->nprocs[!slot], t->tgid, t->leader_start_ns,
						 false)))
			continue;
		if (s->nprocs[slot] == 0 || s->procs[slot][s->nprocs[slot] - 1].tgid != t->tgid ||
		    s->procs[slot][s->nprocs[slot] - 1].start_ns != t->leader_start_ns) {
			if (array_reserve(&s->procs[slot], &s->cap[slot], s->nprocs[slot] + 1,
					  sizeof(*s->procs[slot]), 512) < 0)
				return -ENOMEM;
			p = &s->procs[slot][s->nprocs[slot]++];
			memset(p, 0, sizeof(*p));
			p->tgid = t->tgid;
			p->start_ns = t->leader_start_ns;
			p->cgroup_id = t->cgroup_id;
			memcpy(p->comm, t->comm, sizeof(p->comm));
			p->comm[TASK_COMM_LEN - 1] = '\0';
		}
		p = &s->procs[slot][s->nprocs[slot] - 1];
		if (was) {
			p->cpu_ns = was->cpu_ns;
			p->delay_ns = was->delay_ns;
			continue;
		}
		p->cpu_ns += t->runtime_ns + t->dead_runtime_ns;
		p->delay_ns += t->run_delay_ns;
	}
	s->walk_lost = false;
	s->t_mono[slot] = clock_s(CLOCK_MONOTONIC);
	s->cur = slot;
	return 0;
}

int sched_procs_interval(const struct sched_procs *s, __u32 tgid, double *cpu_pct, double *runqueue_wait_pct)
{
	const struct proc_cpu *a, *b;
	__u64 cpu, wait;
	double dt;

	if (s->t_mono[0] <= 0 || s->t_mono[1] <= 0)
		return -ENOENT;
	dt = s->t_mono[s->cur] - s->t_mono[!s->cur];
	b = find_proc(s->procs[s->cur], s->nprocs[s->cur], tgid, 0, true);
	if (!b || dt <= 0)
		return -ENOENT;
	a = find_proc(s->procs[!s->cur], s->nprocs[!s->cur], tgid, b->start_ns, false);
	if (!a && b->start_ns < (__u64)(s->t_mono[!s->cur] * 1e9))
		return -ENOENT; /* not seen at the earlier sample, yet older than it */
	/* born between the samples (no a): all of it is new */
	cpu = a ? (b->cpu_ns > a->cpu_ns ? b->cpu_ns - a->cpu_ns : 0) : b->cpu_ns;
	wait = a ? (b->delay_ns > a->delay_ns ? b->delay_ns - a->delay_ns : 0) : b->delay_ns;
	*cpu_pct = 100.0 * safe_div((double)cpu / 1e9, dt);
	*runqueue_wait_pct = 100.0 * safe_div((double)wait / 1e9, dt);
	return 0;
}

struct top_entry {
	const struct proc_cpu *p;
	double cpu_ns, delay_ns;
};

static int cmp_top(const void *a, const void *b)
{
	const struct top_entry *x = a, *y = b;

	return x->cpu_ns < y->cpu_ns ? 1 : x->cpu_ns > y->cpu_ns ? -1 : 0;
}

void sched_procs_emit_top(const struct sched_procs *s, cJSON *o, double dt, unsigned top_n)
{
	const struct proc_cpu *a = s->procs[!s->cur], *b = s->procs[s->cur];
	size_t na = s->nprocs[!s->cur], nb = s->nprocs[s->cur], j = 0, n = 0;
	__u64 prev_ns = (__u64)(s->t_mono[!s->cur] * 1e9);
	struct top_entry *top = calloc(nb ? nb : 1, sizeof(*top));
	cJSON *arr = jarr(o, "top_cpu");

	if (!top)
		return;
	for (size_t i = 0; i < nb; i++) {
		/* both lists are sorted by (tgid, start): walk them together */
		while (j < na && (a[j].tgid < b[i].tgid ||
				  (a[j].tgid == b[i].tgid && a[j].start_ns < b[i].start_ns)))
			j++;
		if (j < na && a[j].tgid == b[i].tgid && a[j].start_ns == b[i].start_ns) {
			top[n].cpu_ns = b[i].cpu_ns > a[j].cpu_ns ? (double)(b[i].cpu_ns - a[j].cpu_ns) : 0;
			top[n].delay_ns = b[i].delay_ns > a[j].delay_ns ? (double)(b[i].delay_ns - a[j].delay_ns) : 0;
		} else if (b[i].start_ns >= prev_ns) {
			top[n].cpu_ns = (double)b[i].cpu_ns; /* born in this interval: all of it is new */
			top[n].delay_ns = (double)b[i].delay_ns;
		} else {
			continue;
		}
		top[n++].p = &b[i];
	}
	qsort(top, n, sizeof(*top), cmp_top);
	for (size_t i = 0; i < n && i < top_n; i++) {
		cJSON *e;

		/* sorted by CPU: the rest would print 0.0 % (under 0.05 % of the interval), a list of
		 * names that did nothing */
		if (100.0 * safe_div(top[i].cpu_ns / 1e9, dt) < 0.05)
			break;
		e = cJSON_CreateObject();
		jint(e, "pid", top[i].p->tgid);
		jstr(e, "comm", top[i].p->comm);
		jstr(e, "cgroup", cgroup_name_of_id(top[i].p->cgroup_id));
		jnum1(e, "cpu_pct", 100.0 * safe_div(top[i].cpu_ns / 1e9, dt));
		jnum1(e, "runqueue_wait_pct", 100.0 * safe_div(top[i].delay_ns / 1e9, dt));
		cJSON_AddItemToArray(arr, e);
	}
	free(top);
}
