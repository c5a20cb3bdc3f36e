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
#define MAX_SERIES 8192 /* series rendered from the totals per scrape; beyond: counted as dropped */

/* The record is walked for levels only (gauges): counters and histograms come whole from the
 * collectors' totals (totals.h), so every per-interval figure of the record stays out. */
/* Sections the totals replace entirely (their levels are there too, under node_exporter's names). */
static const char *const replaced[] = { "load", "cpu", "memory", "filesystems", "disks", "network",
					"pressure", "agent", "cgroups", "cgroups_info", NULL };
/* Left out of the walk: arrays whose instances are processes and peers, whose labels would churn,
 * counts of one interval, and the counters the totals give whole (objects too: bpf.run_time). */
static const char *const skipped[] = { "sched.top_cpu", "sched.short_lived", "tcp.top_net",
				       "sched.oom_kills", "sched.oom_kills_total", "sched.runqueue_clock_corrected",
				       "tcp.top_retransmit_peers", "bpf.events", "bpf.ringbuf_drops", "bpf.map_full",
				       "bpf.failed_inserts", "bpf.run_time", NULL };

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

struct family {
	char *name;
	const char *type;
	char *help;
	struct sbuf samples;
};

struct prom {
	/* per render */
	struct family *f;
	size_t nf, fcap;
	size_t series;  /* rendered from the totals */
	uint64_t dropped; /* series over MAX_SERIES, in this render */
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
		{ "_pct", "_ratio", 0.01 }, { "_us", "_seconds", 1e-6 },
		{ "_ms", "_seconds", 1e-3 }, { "_s", "_seconds", 1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (ends_with(key, units[i].suffix)) {
			snprintf(out, len, "%.*s%s", (int)(strlen(key) - strlen(units[i].suffix)), key,
				 units[i].to);
			return units[i].scale;
		}
	snprintf(out, len, "%s", key);
	return 1;
}

/* help with backslashes and newlines escaped, malloc'd (NULL when out of memory). */
static char *escape_help(const char *help)
{
	size_t n = 0;
	char *out = malloc(2 * strlen(help) + 1);

	if (!out)
		return NULL;
	for (const char *c = help; *c; c++) {
		if (*c == '\\' || *c == '\n')
			out[n++] = '\\';
		out[n++] = *c == '\n' ? 'n' : *c;
	}
	out[n] = '\0';
	return out;
}

/* The family name of type, created with help text (or "corewatch record field PATH" when path is
 * given); NULL when it exists with another type (a sample of it would make the exposition invalid)
 * or memory runs out. */
static struct family *family_help(struct prom *p, const char *name, const char *type, const char *path,
				  const char *help)
{
	struct family *nf;

	for (size_t i = 0; i < p->nf; i++)
		if (strcmp(p->f[i].name, name) == 0)
			return strcmp(p->f[i].type, type) == 0 ? &p->f[i] : NULL;
	if (array_reserve(&p->f, &p->fcap, p->nf + 1, sizeof(*p->f), 64) < 0) {
		p->oom = true;
		return NULL;
	}
	nf = &p->f[p->nf];
	memset(nf, 0, sizeof(*nf));
	nf->name = strdup(name);
	nf->type = type;
	if (path ? asprintf(&nf->help, "corewatch record field %s, in base units", path) < 0
		 : !(nf->help = escape_help(help)))
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

static struct family *family(struct prom *p, const char *name, const char *type, const char *path)
{
	return family_help(p, name, type, path, NULL);
}

static void emit(struct prom *p, const char *name, const char *type, const char *path, const char *labels,
		 double v)
{
	struct family *f;

	if (!(f = family(p, name, type, path)))
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
		/* histograms come whole from the totals; their summaries (quantiles of one interval) stay
		 * in the record */
		if (in_list(skipped, cpath) || cJSON_GetObjectItemCaseSensitive(it, "buckets") || cJSON_GetObjectItemCaseSensitive(it, "p50"))
			return;
		snprintf(cname, sizeof(cname), "%s_%s", name, it->string);
		walk(p, it, cname, cpath, labels);
		return;
	}
	/* an instance's numeric identity (cores' cpu) is already its label */
	if (labels[0] && in_list(schema_label_keys, it->string))
		return;
	/* rates and counts of one interval: Prometheus takes rate() of the totals' counters instead */
	if (ends_with(it->string, "_per_s") || strcmp(it->string, "count") == 0)
		return;
	if ((cJSON_IsNumber(it) || cJSON_IsBool(it)) && !in_list(skipped, cpath)) {
		double v = cJSON_IsBool(it) ? (cJSON_IsTrue(it) ? 1 : 0) : it->valuedouble;

		scale = convert_name(it->string, conv, sizeof(conv));
		if (strcmp(it->string, "total") == 0) /* processes.total: corewatch_processes */
			snprintf(cname, sizeof(cname), "%s", name);
		else
			snprintf(cname, sizeof(cname), "%s_%s", name, conv);
		emit(p, cname, "gauge", cpath, labels, v * scale);
	}
}

static void walk(struct prom *p, const cJSON *obj, const char *name, const char *path, const char *labels)
{
	const cJSON *it;

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
		if (it->string && !in_list(header, it->string) && !in_list(replaced, it->string))
			walk_child(p, it, PREFIX, "", "");
	}
}

/* Metric and label names Prometheus accepts ([a-zA-Z_:][a-zA-Z0-9_:]*, labels without ':' and not
 * the reserved __ prefix); the totals are the agent's own, but the renderer trusts no input. */
static bool valid_name(const char *s, bool label)
{
	if (!s || !*s || strlen(s) > 200 || (label && s[0] == '_' && s[1] == '_'))
		return false;
	for (const char *c = s; *c; c++) {
		bool alpha = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_' ||
			     (!label && *c == ':');

		if (!alpha && (c == s || *c < '0' || *c > '9'))
			return false;
	}
	return true;
}

/* A bucket bound as Go's strconv.FormatFloat(v, 'g', -1, 64) writes it (client_golang, so
 * ebpf_exporter): the shortest digits that read back as v, exponent form below 1e-4 and from 1e6.
 * Equal strings matter: PromQL's sum by (le) groups by the label text. */
static void format_le(double v, char *out, size_t len)
{
	char e[64];
	int prec = 1, exp;

	for (; prec < 17; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec - 1, v);
		if (strtod(e, NULL) == v)
			break;
	}
	snprintf(e, sizeof(e), "%.*e", prec - 1, v);
	exp = (int)strtol(strchr(e, 'e') + 1, NULL, 10);
	if (exp < -4 || exp >= 6)
		snprintf(out, len, "%s", e);
	else
		snprintf(out, len, "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 0, v);
}

/* A sample value: 15 significant digits when they read back exactly (360.51, not
 * 360.50999999999999), else 17, which always do. */
static const char *format_value(double v, char *out, size_t len)
{
	snprintf(out, len, "%.15g", v);
	if (strtod(out, NULL) != v)
		snprintf(out, len, "%.17g", v);
	return out;
}

/* The label text of a totals sample's "labels" object; false when a name is invalid. */
static bool sample_labels(const cJSON *labels, char *out, size_t len)
{
	const cJSON *l;

	out[0] = '\0';
	cJSON_ArrayForEach(l, labels) {
		if (!valid_name(l->string, true) || strcmp(l->string, "le") == 0 || !cJSON_IsString(l))
			return false;
		add_label(out, len, l->string, l->valuestring);
	}
	return true;
}

static void totals_histogram(struct prom *p, struct family *f, const char *labels, const cJSON *s,
			     double unit)
{
	const cJSON *slots = cJSON_GetObjectItemCaseSensitive(s, "slots");
	const cJSON *count = cJSON_GetObjectItemCaseSensitive(s, "count");
	const cJSON *sum = cJSON_GetObjectItemCaseSensitive(s, "sum");
	const char *sep = labels[0] ? "," : "";
	double cum = 0;
	int i = 0;
	const cJSON *v;
	char num[40];

	if (cJSON_GetArraySize(slots) != HIST_SLOTS || !cJSON_IsNumber(count) || !cJSON_IsNumber(sum))
		return;
	cJSON_ArrayForEach(v, slots) {
		char le[64];

		cum += cJSON_IsNumber(v) && v->valuedouble > 0 ? v->valuedouble : 0;
		if (i == HIST_SLOTS - 1)
			snprintf(le, sizeof(le), "+Inf");
		else
			format_le(ldexp(1.0, i) * unit, le, sizeof(le));
		sb_printf(&f->samples, "%s_bucket{%s%sle=\"%s\"} %s\n", f->name, labels, sep, le,
			  format_value(cum, num, sizeof(num)));
		i++;
	}
	/* _count is the +Inf bucket by definition: the slots are read in one go, count beside them may
	 * have moved on by an event */
	sb_printf(&f->samples, "%s_sum%s%s%s %s\n", f->name, labels[0] ? "{" : "", labels,
		  labels[0] ? "}" : "", format_value(sum->valuedouble, num, sizeof(num)));
	sb_printf(&f->samples, "%s_count%s%s%s %s\n", f->name, labels[0] ? "{" : "", labels,
		  labels[0] ? "}" : "", format_value(cum, num, sizeof(num)));
	(void)p;
}

/* Every family of the collectors' totals (totals.h), at most MAX_SERIES series per render. */
static void render_totals(struct prom *p, const cJSON *totals)
{
	static const char *const types[] = { "counter", "gauge", "histogram", NULL };
	const cJSON *fam;

	cJSON_ArrayForEach(fam, totals) {
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(fam, "type");
		const cJSON *help = cJSON_GetObjectItemCaseSensitive(fam, "help");
		const cJSON *unit = cJSON_GetObjectItemCaseSensitive(fam, "unit");
		const cJSON *s;
		char name[256];
		struct family *f;
		bool hist;

		if (!valid_name(fam->string, false) || !cJSON_IsString(type) || !in_list(types, type->valuestring))
			continue;
		hist = strcmp(type->valuestring, "histogram") == 0;
		if (hist && !(cJSON_IsNumber(unit) && unit->valuedouble > 0))
			continue;
		snprintf(name, sizeof(name), PREFIX "_%s", fam->string);
		if (!(f = family_help(p, name, type->valuestring, NULL,
				      cJSON_IsString(help) ? help->valuestring : "")))
			continue;
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(fam, "samples")) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, "value");
			char labels[1024], num[40];

			if (!sample_labels(cJSON_GetObjectItemCaseSensitive(s, "labels"), labels, sizeof(labels)))
				continue;
			if (p->series >= MAX_SERIES) {
				p->dropped++;
				continue;
			}
			p->series++;
			if (hist)
				totals_histogram(p, f, labels, s, unit->valuedouble);
			else if (cJSON_IsNumber(v))
				sb_printf(&f->samples, "%s%s%s%s %s\n", name, labels[0] ? "{" : "", labels,
					  labels[0] ? "}" : "", format_value(v->valuedouble, num, sizeof(num)));
		}
	}
}

char *prom_render(struct prom *p, const cJSON *record, const cJSON *totals, size_t *len)
{
	struct sbuf out = { 0 };
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(record, "timestamp");

	p->oom = false;
	p->series = 0;
	p->dropped = 0;
	sb_printf(&out, "# HELP " PREFIX "_build_info corewatch's version\n# TYPE " PREFIX
		  "_build_info gauge\n" PREFIX "_build_info{version=\"%s\"} 1\n", COREWATCH_VERSION);
	if (cJSON_IsNumber(ts))
		sb_printf(&out, "# HELP " PREFIX "_last_record_timestamp_seconds when the latest record was "
			  "taken\n# TYPE " PREFIX "_last_record_timestamp_seconds gauge\n" PREFIX
			  "_last_record_timestamp_seconds %.0f\n", ts->valuedouble);
	render_totals(p, totals);
	walk_record(p, record);
	sb_printf(&out, "# HELP " PREFIX "_exposition_series_dropped series of this scrape left out: "
		  "more than %d\n# TYPE " PREFIX "_exposition_series_dropped gauge\n" PREFIX
		  "_exposition_series_dropped %llu\n", MAX_SERIES, (unsigned long long)p->dropped);
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
	free(p);
}
