// SPDX-License-Identifier: GPL-2.0-only
/* col_pressure.c - pressure stall information (section "pressure"; absent without PSI). */
#include "col_pressure.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "util.h"
#include "totals.h"

static int parse_line(const char *p, struct psi_line *l)
{
	static const char *const keys[] = { "avg10=", "avg60=", "avg300=" };
	double *dst[] = { &l->avg10, &l->avg60, &l->avg300 };
	char num[32];

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *v = strstr(p, keys[i]);
		size_t n;

		if (!v)
			return -EINVAL;
		v += strlen(keys[i]);
		n = strcspn(v, " \n");
		if (n == 0 || n >= sizeof(num))
			return -EINVAL;
		memcpy(num, v, n);
		num[n] = '\0';
		if (parse_double(num, dst[i]) < 0)
			return -EINVAL;
	}
	p = strstr(p, "total=");
	if (!p)
		return -EINVAL;
	p += 6;
	if (scan_u64(&p, &l->total_us) < 0)
		return -EINVAL;
	l->present = true;
	return 0;
}

int psi_parse(const char *text, struct psi *out)
{
	const char *line = text;

	memset(out, 0, sizeof(*out));
	while (line && *line) {
		const char *nl = strchr(line, '\n');

		if (strncmp(line, "some ", 5) == 0 && parse_line(line + 5, &out->some) < 0)
			return -EINVAL;
		if (strncmp(line, "full ", 5) == 0 && parse_line(line + 5, &out->full) < 0)
			return -EINVAL;
		line = nl ? nl + 1 : NULL;
	}
	return (out->some.present || out->full.present) ? 0 : -EINVAL;
}

static const char *const resources[] = { "cpu", "memory", "io", "irq" };
#define NRES ARRAY_SIZE(resources)

struct pressure_state {
	struct col_base base;
	bool have[NRES];       /* fixed at init: which files this kernel has */
	struct psi snap[2][NRES];
	int cur;
};

static int read_resource(struct pressure_state *s, size_t i, struct psi *out)
{
	char rel[64];
	int err;

	snprintf(rel, sizeof(rel), "pressure/%s", resources[i]);
	err = col_read_proc(&s->base, rel);
	return err ? err : psi_parse(s->base.buf.data, out);
}

static int pressure_init(const struct collector_env *env, void **state)
{
	struct pressure_state *s;
	bool any = false;
	int err = col_base_new(env, sizeof(*s), state);

	if (err)
		return err;
	s = *state;
	/* No PSI (CONFIG_PSI=n, or psi=0 on the command line, where reads fail with EOPNOTSUPP). */
	for (size_t i = 0; i < NRES; i++) {
		s->have[i] = read_resource(s, i, &s->snap[0][i]) == 0;
		any |= s->have[i];
	}
	if (!any) {
		col_base_free(s);
		*state = NULL;
		return -ENOTSUP;
	}
	return 0;
}

static int pressure_sample(void *state)
{
	struct pressure_state *s = state;
	int next = !s->cur;

	for (size_t i = 0; i < NRES; i++) {
		int err = s->have[i] ? read_resource(s, i, &s->snap[next][i]) : 0;

		if (err)
			return err;
	}
	s->cur = next;
	return 0;
}

/* The share of the interval some (or all) tasks stalled, from the growth of total= (microseconds):
 * exact over the interval like every other value of the record, where the kernel's avg10/avg60/
 * avg300 are running averages over windows of their own (a series of records gives any window). */
static void add_line(cJSON *o, const char *name, const struct psi_line *a, const struct psi_line *b, double dt)
{
	if (!b->present)
		return;
	jnum(o, name, a->present ? pct((double)counter_delta(a->total_us, b->total_us), dt * 1e6) : 0);
}

static void pressure_emit(void *state, cJSON *record, double dt)
{
	struct pressure_state *s = state;
	cJSON *o = jobj(record, "pressure");

	for (size_t i = 0; i < NRES; i++) {
		const struct psi *a = &s->snap[!s->cur][i], *b = &s->snap[s->cur][i];
		cJSON *r;

		if (!s->have[i])
			continue;
		r = jobj(o, resources[i]);
		add_line(r, "some_pct", &a->some, &b->some, dt);
		/* /proc/pressure/cpu's full line (5.13+) is zero by definition at the system level
		 * (Documentation/accounting/psi.rst: undefined there, kept for compatibility): a field
		 * that can never move would only weigh on every record (/metrics keeps its total) */
		if (strcmp(resources[i], "cpu") != 0)
			add_line(r, "full_pct", &a->full, &b->full, dt);
	}
}

/* The total= stall times of the /proc/pressure files, in seconds: node_exporter's pressure family. */
static void pressure_totals(void *state, cJSON *t)
{
	static const struct { const char *some, *full; } names[] = {
		{ "pressure_cpu_waiting_seconds_total", "pressure_cpu_stalled_seconds_total" },
		{ "pressure_memory_waiting_seconds_total", "pressure_memory_stalled_seconds_total" },
		{ "pressure_io_waiting_seconds_total", "pressure_io_stalled_seconds_total" },
		{ "pressure_irq_stalled_seconds_total", "pressure_irq_stalled_seconds_total" },
	};
	const struct pressure_state *s = state;

	for (size_t i = 0; i < NRES && i < ARRAY_SIZE(names); i++) {
		const struct psi *p = &s->snap[s->cur][i];

		if (!s->have[i])
			continue;
		/* irq has only a full line */
		if (p->some.present && i != 3)
			totals_add(t, names[i].some, "counter",
				   "Seconds some tasks were stalled waiting for this resource (PSI some total)", NULL,
				   (double)p->some.total_us / 1e6);
		if (p->full.present)
			totals_add(t, names[i].full, "counter",
				   "Seconds all non-idle tasks were stalled on this resource (PSI full total)", NULL,
				   (double)p->full.total_us / 1e6);
	}
}

const struct collector_ops pressure_collector = {
	.name = "pressure", .init = pressure_init, .sample = pressure_sample,
	.emit = pressure_emit, .free = col_base_free,
	.totals = pressure_totals,
};
