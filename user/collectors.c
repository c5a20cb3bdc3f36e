// SPDX-License-Identifier: GPL-2.0-only
/* collectors.c - the registry: the order here is the order of sections in every record. */
#include "collector.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

const struct collector_ops *const collector_table[] = {
	&load_collector,        /* uptime_s, load */
	&cpu_collector,
	&memory_collector,
	&filesystems_collector,
	&disks_collector,
	&network_collector,
	&listening_collector,   /* network.listening: after network, whose section it adds to */
	&pressure_collector,
	&users_collector,
	&processes_collector,
	&cgroups_collector,
	&sched_collector,       /* eBPF */
	&block_collector,       /* eBPF */
	&tcp_collector,         /* eBPF */
	&bpf_collector,         /* status of the three above */
	&agent_collector,       /* last: reports the cost of everything above */
	NULL,
};

int col_base_new(const struct collector_env *env, size_t size, void **state)
{
	struct col_base *b = calloc(1, size);

	if (!b)
		return -ENOMEM;
	b->env = env;
	*state = b;
	return 0;
}

void col_base_free(void *state)
{
	struct col_base *b = state;

	if (!b)
		return;
	fbuf_free(&b->buf);
	free(b);
}

int col_read_proc(struct col_base *b, const char *rel)
{
	return fbuf_read(&b->buf, b->env->proc_root, rel);
}
