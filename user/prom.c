// SPDX-License-Identifier: GPL-2.0-only
/* prom.c - the Prometheus text exposition of a record (see prom.h). */
#include "prom.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>

#include "corewatch/hist.h"
#include "schema.h"
#include "util.h"
#include "version.h"

#define PREFIX "corewatch"
#define MAX_SERIES 4096 /* histogram series kept (devices x ops, ...): bounded whatever the record */

/* Left out: arrays whose instances are processes and peers, whose labels would churn, and counts of
 * one interval that a counter beside them gives whole. */
static const char *const skipped[] = { "sched.top_cpu", "sched.short_lived.top_comms", "tcp.top_net",
				       "sched.oom_kills", /* of the interval: oom_kills_total is the counter */
				       "tcp.top_retransmit_peers", NULL };
/* Objects keyed by name rather than arrays: their keys become a label. */
static const struct { const char *path, *label; } keyed[] = {
	{ "bpf.programs", "program" }, { "bpf.programs.maps", "map" },
};
/* Cumulative counts since start (everything else is a gauge). */
static const char *const counters[] = {
	"agent.records_written", "agent.records_dropped", "agent.write_errors", "agent.collector_errors",
	"agent.missed_intervals", "agent.alerts_sent", "agent.alert_delivery_errors", "agent.alerts_dropped",
	"agent.http_requests", "agent.http_clients_refused", "agent.http_clients_closed", "bpf.ringbuf_drops",
	"bpf.map_full", "bpf.programs.events", "sched.oom_kills_total", NULL,
};

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		if (array_reserve(&b->p, &b->cap, b->len + (size_t)n + 1, 1, 4096) < 0) {
			b->oom = true;
			return;
		}
	}
}

struct series {
	char *key;                  /* family name + label text */
	uint64_t slots[HIST_SLOTS];
	uint64_t count;
	double sum;                 /* in the record's unit */
};

struct family {
	char *name;
	const char *type;
	char *help;
	struct sbuf samples;
};

struct prom {
	struct series *s;
	size_t ns, scap;
	/* per render */
	struct family *f;
	size_t nf, fcap;
	bool observing;
	bool oom;
};

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* Converts a field name to its Prometheus form and scale: used_pct -> used_ratio x0.01. */
static double convert_name(const char *key, char *out, size_t len)
{
	static const struct { const char *suffix, *to; double scale; } units[] = {
		{ "_pct", "_ratio", 0.01 }, { "_per_s", "_per_second", 1 }, { "_us", "_seconds", 1e-6 },
		{ "_ms", "_seconds", 1e-3 }, { "_s", "_seconds", 1 },
	};

	/* a bare "count" (of the interval) reads as a histogram's _count to Prometheus tools */
	if (strcmp(key, "count") == 0) {
		snprintf(out, len, "per_interval");
		return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (ends_with(key, units[i].suffix)) {
			snprintf(out, len, "%.*s%s", (int)(strlen(key) - strlen(units[i].suffix)), key,
				 units[i].to);
			return units[i].scale;
		}
	snprintf(out, len, "%s", key);
	return 1;
}

static struct family *family(struct prom *p, const char *name, const char *type, const char *path)
{
	struct family *nf;

	for (size_t i = 0; i < p->nf; i++)
		if (strcmp(p->f[i].name, name) == 0)
			return &p->f[i];
	if (array_reserve(&p->f, &p->fcap, p->nf + 1, sizeof(*p->f), 64) < 0) {
		p->oom = true;
		return NULL;
	}
	nf = &p->f[p->nf];
	memset(nf, 0, sizeof(*nf));
	nf->name = strdup(name);
	nf->type = type;
	if (asprintf(&nf->help, "corewatch record field %s, in base units", path) < 0)
		nf->help = NULL;
	if (!nf->name || !nf->help) {
		free(nf->name);
		free(nf->help);
		p->oom = true;
		return NULL;
	}
	p->nf++;
	return nf;
}

static void emit(struct prom *p, const char *name, const char *type, const char *path, const char *labels,
		 double v)
{
	struct family *f;

	if (p->observing || !(f = family(p, name, type, path)))
		return;
	sb_printf(&f->samples, "%s%s%s%s %.15g\n", name, labels[0] ? "{" : "", labels, labels[0] ? "}" : "",
		  v);
}

/* Appends key="value" (escaped) to a label text. */
static void add_label(char *labels, size_t len, const char *key, const char *value)
{
	size_t n = strlen(labels);

	n += (size_t)snprintf(labels + n, len > n ? len - n : 0, "%s%s=\"", n ? "," : "", key);
	for (const char *c = value; *c && n + 3 < len; c++) {
		if (*c == '\\' || *c == '"' || *c == '\n') {
			labels[n++] = '\\';
			labels[n++] = *c == '\n' ? 'n' : *c;
		} else {
			labels[n++] = *c;
		}
	}
	if (n + 1 < len)
		labels[n++] = '"';
	labels[n < len ? n : len - 1] = '\0';
}

static int slot_of(const cJSON *le)
{
	if (cJSON_IsString(le))
		return HIST_SLOTS - 1; /* "+Inf" */
	if (!cJSON_IsNumber(le) || le->valuedouble < 1)
		return 0;
	{
		int s = (int)lround(log2(le->valuedouble + 1));

		return s < HIST_SLOTS ? s : HIST_SLOTS - 1;
	}
}

static struct series *series(struct prom *p, const char *key, bool create)
{
	struct series *ns;

	for (size_t i = 0; i < p->ns; i++)
		if (strcmp(p->s[i].key, key) == 0)
			return &p->s[i];
	if (!create || p->ns == MAX_SERIES || array_reserve(&p->s, &p->scap, p->ns + 1, sizeof(*p->s), 64) < 0)
		return NULL;
	ns = &p->s[p->ns];
	memset(ns, 0, sizeof(*ns));
	if (!(ns->key = strdup(key)))
		return NULL;
	p->ns++;
	return ns;
}

/* A histogram object: observing adds its buckets to the running totals; rendering prints them. */
static void histogram(struct prom *p, const cJSON *h, const char *name, const char *path,
		      const char *labels, double scale)
{
	char key[1024];
	struct series *s;
	struct family *f;
	const cJSON *b;
	uint64_t cum = 0;

	snprintf(key, sizeof(key), "%s{%s}", name, labels);
	s = series(p, key, p->observing);
	if (p->observing) {
		if (!s)
			return;
		cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(h, "buckets")) {
			const cJSON *c = cJSON_GetObjectItemCaseSensitive(b, "count");

			if (cJSON_IsNumber(c) && c->valuedouble > 0)
				s->slots[slot_of(cJSON_GetObjectItemCaseSensitive(b, "le"))] +=
					(uint64_t)c->valuedouble;
		}
		b = cJSON_GetObjectItemCaseSensitive(h, "count");
		s->count += cJSON_IsNumber(b) ? (uint64_t)b->valuedouble : 0;
		b = cJSON_GetObjectItemCaseSensitive(h, "sum");
		s->sum += cJSON_IsNumber(b) ? b->valuedouble : 0;
		return;
	}
	if (!(f = family(p, name, "histogram", path)))
		return;
	for (int i = 0; i < HIST_SLOTS; i++) {
		cum += s ? s->slots[i] : 0;
		if (i == HIST_SLOTS - 1)
			sb_printf(&f->samples, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels,
				  labels[0] ? "," : "", (unsigned long long)cum);
		else
			sb_printf(&f->samples, "%s_bucket{%s%sle=\"%.9g\"} %llu\n", name, labels,
				  labels[0] ? "," : "", (i == 0 ? 0.0 : ldexp(1.0, i) - 1.0) * scale,
				  (unsigned long long)cum);
	}
	sb_printf(&f->samples, "%s_sum%s%s%s %.15g\n", name, labels[0] ? "{" : "", labels,
		  labels[0] ? "}" : "", s ? s->sum * scale : 0.0);
	sb_printf(&f->samples, "%s_count%s%s%s %llu\n", name, labels[0] ? "{" : "", labels,
		  labels[0] ? "}" : "", s ? (unsigned long long)s->count : 0ull);
}

static void walk(struct prom *p, const cJSON *obj, const char *name, const char *path, const char *labels);

static void walk_child(struct prom *p, const cJSON *it, const char *name, const char *path,
		       const char *labels)
{
	char cname[256], cpath[256], conv[128], lb[1024];
	double scale;

	snprintf(cpath, sizeof(cpath), "%s%s%s", path, path[0] ? "." : "", it->string);
	if (cJSON_IsArray(it)) {
		const cJSON *item;

		if (in_list(skipped, cpath) || strcmp(it->string, "buckets") == 0)
			return;
		snprintf(cname, sizeof(cname), "%s_%s", name, it->string);
		cJSON_ArrayForEach(item, it) {
			if (!cJSON_IsObject(item))
				continue;
			snprintf(lb, sizeof(lb), "%s", labels);
			for (int k = 0; schema_label_keys[k]; k++) {
				char num[32];
				const char *v = schema_label(item, schema_label_keys[k], num);

				if (v)
					add_label(lb, sizeof(lb), schema_label_keys[k], v);
			}
			walk(p, item, cname, cpath, lb);
		}
		return;
	}
	if (cJSON_IsObject(it)) {
		const cJSON *sub;

		for (size_t k = 0; k < ARRAY_SIZE(keyed); k++) {
			if (strcmp(keyed[k].path, cpath) != 0)
				continue;
			snprintf(cname, sizeof(cname), "%s_%s", name, keyed[k].label);
			cJSON_ArrayForEach(sub, it) {
				snprintf(lb, sizeof(lb), "%s", labels);
				add_label(lb, sizeof(lb), keyed[k].label, sub->string);
				if (cJSON_IsObject(sub))
					walk(p, sub, cname, cpath, lb);
			}
			return;
		}
		scale = convert_name(it->string, conv, sizeof(conv));
		if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(it, "buckets"))) {
			snprintf(cname, sizeof(cname), "%s_%s", name, conv);
			histogram(p, it, cname, cpath, labels, scale);
			return;
		}
		if (cJSON_GetObjectItemCaseSensitive(it, "p50")) {
			/* a histogram summary without buckets (per CPU): its quantiles as gauges */
			static const char *const qs[] = { "p50", "p90", "p99", "max" };
			char stem[128];

			snprintf(stem, sizeof(stem), "%.*s",
				 (int)(strlen(conv) - (ends_with(conv, "_seconds") ? 8 : 0)), conv);
			for (size_t q = 0; q < ARRAY_SIZE(qs); q++) {
				const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, qs[q]);

				snprintf(cname, sizeof(cname), "%s_%s_%s%s", name, stem, qs[q],
					 ends_with(conv, "_seconds") ? "_seconds" : "");
				if (cJSON_IsNumber(v))
					emit(p, cname, "gauge", cpath, labels, v->valuedouble * scale);
			}
			return;
		}
		snprintf(cname, sizeof(cname), "%s_%s", name, it->string);
		walk(p, it, cname, cpath, labels);
		return;
	}
	/* an instance's numeric identity (cores' cpu) is already its label */
	if (labels[0] && in_list(schema_label_keys, it->string))
		return;
	if ((cJSON_IsNumber(it) || cJSON_IsBool(it)) && !in_list(skipped, cpath)) {
		double v = cJSON_IsBool(it) ? (cJSON_IsTrue(it) ? 1 : 0) : it->valuedouble;
		bool counter = in_list(counters, cpath);

		scale = convert_name(it->string, conv, sizeof(conv));
		if (strcmp(it->string, "total") == 0 && !counter) /* processes.total: corewatch_processes */
			snprintf(cname, sizeof(cname), "%s", name);
		else
			snprintf(cname, sizeof(cname), "%s_%s%s", name, conv,
				 counter && !ends_with(conv, "_total") ? "_total" : "");
		emit(p, cname, counter ? "counter" : "gauge", cpath, labels, v * scale);
	}
}

static void walk(struct prom *p, const cJSON *obj, const char *name, const char *path, const char *labels)
{
	const cJSON *it;

	/* (under a keyed object the key is a label, not a path step: bpf.programs.sched.maps has the path
	 * bpf.programs.maps) */
	cJSON_ArrayForEach(it, obj)
		walk_child(p, it, name, path, labels);
}

struct prom *prom_new(void)
{
	return calloc(1, sizeof(struct prom));
}

/* The record's sections (header fields other than interval_s and uptime_s are not metrics). */
static void walk_record(struct prom *p, const cJSON *record)
{
	static const char *const header[] = { "schema", "type", "time", "timestamp", "host", NULL };
	const cJSON *it;

	cJSON_ArrayForEach(it, record) {
		if (!in_list(header, it->string))
			walk_child(p, it, PREFIX, "", "");
	}
}

void prom_observe(struct prom *p, const cJSON *record)
{
	p->observing = true;
	walk_record(p, record);
	p->observing = false;
}

char *prom_render(struct prom *p, const cJSON *record, size_t *len)
{
	struct sbuf out = { 0 };
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(record, "timestamp");

	p->oom = false;
	sb_printf(&out, "# HELP " PREFIX "_build_info corewatch's version\n# TYPE " PREFIX
		  "_build_info gauge\n" PREFIX "_build_info{version=\"%s\"} 1\n", COREWATCH_VERSION);
	if (cJSON_IsNumber(ts))
		sb_printf(&out, "# HELP " PREFIX "_last_record_timestamp_seconds when the latest record was "
			  "taken\n# TYPE " PREFIX "_last_record_timestamp_seconds gauge\n" PREFIX
			  "_last_record_timestamp_seconds %.0f\n", ts->valuedouble);
	walk_record(p, record);
	for (size_t i = 0; i < p->nf; i++) {
		struct family *f = &p->f[i];

		sb_printf(&out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name, f->type);
		if (f->samples.p)
			sb_printf(&out, "%.*s", (int)f->samples.len, f->samples.p);
		p->oom |= f->samples.oom;
		free(f->name);
		free(f->help);
		free(f->samples.p);
	}
	free(p->f);
	p->f = NULL;
	p->nf = p->fcap = 0;
	if (out.oom || p->oom) {
		free(out.p);
		return NULL;
	}
	*len = out.len;
	return out.p;
}

void prom_free(struct prom *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->ns; i++)
		free(p->s[i].key);
	free(p->s);
	free(p);
}
