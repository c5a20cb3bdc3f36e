// SPDX-License-Identifier: GPL-2.0-only
/* col_memory.c - memory and swap use from /proc/meminfo. */
#include "col_memory.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "util.h"
#include "totals.h"

int memory_parse(const char *text, struct meminfo *m)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "MemTotal:", offsetof(struct meminfo, total) },
		{ "MemFree:", offsetof(struct meminfo, free) },
		{ "MemAvailable:", offsetof(struct meminfo, available) },
		{ "Buffers:", offsetof(struct meminfo, buffers) },
		{ "Cached:", offsetof(struct meminfo, cached) },
		{ "Shmem:", offsetof(struct meminfo, shared) },
		{ "Slab:", offsetof(struct meminfo, slab) },
		{ "Dirty:", offsetof(struct meminfo, dirty) },
		{ "SwapTotal:", offsetof(struct meminfo, swap_total) },
		{ "SwapFree:", offsetof(struct meminfo, swap_free) },
	};
	const char *line = text;
	bool have_total = false;

	memset(m, 0, sizeof(*m));
	while (line && *line) {
		const char *nl = strchr(line, '\n');

		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			size_t kl = strlen(keys[i].key);
			const char *p = line + kl;
			uint64_t kib;

			if (strncmp(line, keys[i].key, kl) != 0 || scan_u64(&p, &kib) < 0)
				continue;
			*(uint64_t *)((char *)m + keys[i].off) = kib * 1024;
			if (i == 0)
				have_total = true;
			if (i == 2)
				m->have_available = true;
			break;
		}
		line = nl ? nl + 1 : NULL;
	}
	if (!m->have_available) /* pre-3.14 estimate, as free(1) did */
		m->available = m->free + m->buffers + m->cached;
	return have_total ? 0 : -EINVAL;
}

struct memory_state {
	struct col_base base;
	struct meminfo m;
};

static int memory_init(const struct collector_env *env, void **state)
{
	return col_base_new(env, sizeof(struct memory_state), state);
}

static int memory_sample(void *state)
{
	struct memory_state *s = state;
	int err = col_read_proc(&s->base, "meminfo");

	return err ? err : memory_parse(s->base.buf.data, &s->m);
}

static void memory_emit(void *state, cJSON *record, double dt)
{
	struct memory_state *s = state;
	const struct meminfo *m = &s->m;
	uint64_t used = m->total > m->available ? m->total - m->available : 0;
	uint64_t swap_used = m->swap_total > m->swap_free ? m->swap_total - m->swap_free : 0;
	cJSON *o = jobj(record, "memory");

	(void)dt;
	jint(o, "total_bytes", m->total);
	jint(o, "free_bytes", m->free);
	jint(o, "available_bytes", m->available);
	jint(o, "used_bytes", used);
	jint(o, "buffers_bytes", m->buffers);
	jint(o, "cached_bytes", m->cached);
	jint(o, "shared_bytes", m->shared);
	jint(o, "slab_bytes", m->slab);
	jint(o, "dirty_bytes", m->dirty);
	jnum(o, "used_pct", pct((double)used, (double)m->total));
	jint(o, "swap_total_bytes", m->swap_total);
	jint(o, "swap_used_bytes", swap_used);
	jnum(o, "swap_used_pct", pct((double)swap_used, (double)m->swap_total));
}

/* /proc/meminfo's fields in bytes, under node_exporter's meminfo names. */
static void memory_totals(void *state, cJSON *t)
{
	const struct meminfo *m = &((struct memory_state *)state)->m;
	const struct { const char *name; uint64_t v; bool have; } f[] = {
		{ "memory_MemTotal_bytes", m->total, true },
		{ "memory_MemFree_bytes", m->free, true },
		{ "memory_MemAvailable_bytes", m->available, m->have_available },
		{ "memory_Buffers_bytes", m->buffers, true },
		{ "memory_Cached_bytes", m->cached, true },
		{ "memory_Shmem_bytes", m->shared, true },
		{ "memory_Slab_bytes", m->slab, true },
		{ "memory_Dirty_bytes", m->dirty, true },
		{ "memory_SwapTotal_bytes", m->swap_total, true },
		{ "memory_SwapFree_bytes", m->swap_free, true },
	};

	for (size_t i = 0; i < ARRAY_SIZE(f); i++)
		if (f[i].have)
			totals_add(t, f[i].name, "gauge", "Memory information field of /proc/meminfo, in bytes",
				   NULL, (double)f[i].v);
}

const struct collector_ops memory_collector = {
	.name = "memory", .init = memory_init, .sample = memory_sample, .emit = memory_emit,
	.free = col_base_free,
	.totals = memory_totals,
};
