// SPDX-License-Identifier: GPL-2.0-only
/* col_processes.c - how many processes and threads exist (section "processes").
 *
 * Processes are the numeric entries of /proc (one readdir, no per-process reads); threads come from
 * the kernel's own count in /proc/loadavg, so neither needs a walk of every task.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>

#include "col_load.h"
#include "collector.h"
#include "util.h"

struct processes_state {
	struct col_base base;
	uint64_t processes, threads;
};

static int processes_init(const struct collector_env *env, void **state)
{
	return col_base_new(env, sizeof(struct processes_state), state);
}

static int processes_sample(void *state)
{
	struct processes_state *s = state;
	struct loadavg l;
	struct dirent *de;
	DIR *d;
	int err;

	d = opendir(s->base.env->proc_root);
	if (!d)
		return -errno;
	s->processes = 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9')
			s->processes++;
	closedir(d);
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
	jint(o, "total", s->processes);
	jint(o, "threads", s->threads);
}

const struct collector_ops processes_collector = {
	.name = "processes", .init = processes_init, .sample = processes_sample,
	.emit = processes_emit, .free = col_base_free,
};
