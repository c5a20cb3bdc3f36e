// SPDX-License-Identifier: GPL-2.0-only
/* col_processes.c - how many processes and threads exist (section "processes").
 *
 * Processes are the numeric entries of /proc (one readdir, no per-process reads), or, where the
 * sched collector walks the task lists (6.7+), its count: the readdir looks up every pid, threads
 * too (a third of the agent's cost on a host of 20,000 threads). Threads come from the kernel's
 * own count in /proc/loadavg.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "col_load.h"
#include "col_sched.h"
#include "collector.h"
#include "util.h"

struct processes_state {
	struct col_base base;
	uint64_t processes, threads;
	bool from_walk; /* this sample left the count to the sched collector's walk */
};

/* The numeric entries of /proc. Returns 0 or -errno. */
static int count_proc_entries(struct processes_state *s)
{
	struct dirent *de;
	DIR *d = opendir(s->base.env->proc_root);

	if (!d)
		return -errno;
	s->processes = 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9')
			s->processes++;
	closedir(d);
	return 0;
}

static int processes_init(const struct collector_env *env, void **state)
{
	return col_base_new(env, sizeof(struct processes_state), state);
}

static int processes_sample(void *state)
{
	struct processes_state *s = state;
	struct loadavg l;
	int err;

	/* the walk sees the host's tasks: only when /proc is the host's too */
	s->from_walk = strcmp(s->base.env->proc_root, "/proc") == 0 && sched_counts_processes();
	if (!s->from_walk && (err = count_proc_entries(s)) < 0)
		return err;
	err = col_read_proc(&s->base, "loadavg");
	if (!err)
		err = loadavg_parse(s->base.buf.data, &l);
	if (!err)
		s->threads = l.threads;
	return err;
}

static void processes_emit(void *state, cJSON *record, double dt)
{
	struct processes_state *s = state;
	cJSON *o = jobj(record, "processes");

	(void)dt;
	/* the walk runs after this collector's sample; a sample whose walk failed reads /proc now */
	if (s->from_walk && sched_process_count(&s->processes) < 0 && count_proc_entries(s) < 0)
		s->processes = 0;
	jint(o, "total", s->processes);
	jint(o, "threads", s->threads);
}

const struct collector_ops processes_collector = {
	.name = "processes", .init = processes_init, .sample = processes_sample,
	.emit = processes_emit, .free = col_base_free,
};
