// SPDX-License-Identifier: GPL-2.0-only
/* col_load.c - load averages (section "load") and the host's uptime (top-level "uptime_s"). */
#include "col_load.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "util.h"
#include "totals.h"

/* Copies the next blank-separated word of *p into buf and advances; 0, or -1 if there is none. */
static int next_word(const char **p, char *buf, size_t len, char stop)
{
	const char *s = *p, *e;

	while (*s == ' ')
		s++;
	for (e = s; *e && *e != ' ' && *e != '\n' && *e != stop; e++)
		;
	if (e == s || (size_t)(e - s) >= len)
		return -1;
	memcpy(buf, s, (size_t)(e - s));
	buf[e - s] = '\0';
	*p = e;
	return 0;
}

int loadavg_parse(const char *text, struct loadavg *l)
{
	const char *p = text;
	double *avg[] = { &l->load1, &l->load5, &l->load15 };
	char w[32];

	for (size_t i = 0; i < ARRAY_SIZE(avg); i++)
		if (next_word(&p, w, sizeof(w), 0) < 0 || parse_double(w, avg[i]) < 0 || *avg[i] < 0)
			return -EINVAL;
	if (scan_u64(&p, &l->runnable) < 0 || *p++ != '/' || scan_u64(&p, &l->threads) < 0)
		return -EINVAL;
	return 0;
}

int uptime_parse(const char *text, double *uptime_s)
{
	const char *p = text;
	char w[32];

	if (next_word(&p, w, sizeof(w), 0) < 0 || parse_double(w, uptime_s) < 0 || *uptime_s < 0)
		return -EINVAL;
	return 0;
}

struct load_state {
	struct col_base base;
	struct loadavg l;
	double uptime_s;
};

static int load_init(const struct collector_env *env, void **state)
{
	return col_base_new(env, sizeof(struct load_state), state);
}

static int load_sample(void *state)
{
	struct load_state *s = state;
	int err = col_read_proc(&s->base, "loadavg");

	if (!err)
		err = loadavg_parse(s->base.buf.data, &s->l);
	if (!err)
		err = col_read_proc(&s->base, "uptime");
	if (!err)
		err = uptime_parse(s->base.buf.data, &s->uptime_s);
	return err;
}

static void load_emit(void *state, cJSON *record, double dt)
{
	struct load_state *s = state;
	cJSON *o;

	(void)dt;
	jnum(record, "uptime_s", s->uptime_s);
	o = jobj(record, "load");
	jnum(o, "load1", s->l.load1);
	jnum(o, "load5", s->l.load5);
	jnum(o, "load15", s->l.load15);
	/* loadavg's runnable and threads are cpu.procs_running and processes.threads: one field each */
}

/* /proc/loadavg: node_exporter's load1, load5, load15. */
static void load_totals(void *state, cJSON *t)
{
	const struct load_state *s = state;

	totals_add(t, "load1", "gauge", "1 minute load average (/proc/loadavg)", NULL, s->l.load1);
	totals_add(t, "load5", "gauge", "5 minute load average (/proc/loadavg)", NULL, s->l.load5);
	totals_add(t, "load15", "gauge", "15 minute load average (/proc/loadavg)", NULL, s->l.load15);
}

const struct collector_ops load_collector = {
	.name = "load", .init = load_init, .sample = load_sample, .emit = load_emit,
	.free = col_base_free,
	.totals = load_totals,
};
