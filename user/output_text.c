// SPDX-License-Identifier: GPL-2.0-only
/* output_text.c - see output_text.h. */
#include "output_text.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LINE_MAX_LEN 2048 /* a longer event line is cut: the JSON formats have it whole */

/* A line being built; it truncates rather than overflows. */
struct line {
	char *s;
	size_t n;
};

static void put(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (l->n >= LINE_MAX_LEN - 1)
		return;
	va_start(ap, fmt);
	w = vsnprintf(l->s + l->n, LINE_MAX_LEN - l->n, fmt, ap);
	va_end(ap);
	if (w > 0)
		l->n = l->n + (size_t)w < LINE_MAX_LEN ? l->n + (size_t)w : LINE_MAX_LEN - 1;
}

void text_bytes(double v, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	int u = -1;

	if (!(v >= 0) || !isfinite(v))
		v = 0;
	if (v < 1023.5) {
		snprintf(buf, len, "%.0f", v);
		return;
	}
	/* 1023.7K would print as "1024K": that is 1.0M */
	while (u < 5 && (u < 0 || v >= 1023.5)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, v < 9.95 ? "%.1f%c" : "%.0f%c", v, units[u]);
}

/* r.section.name as a number; false when the record lacks it. */
static bool num(const cJSON *r, const char *section, const char *name, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, section),
							   name);

	if (!cJSON_IsNumber(v))
		return false;
	*out = v->valuedouble;
	return true;
}

/* The sum of field over the instances of array (NULL-named instances skip_name excluded); false when
 * the record has no such array (an empty one sums to 0). */
static bool sum(const cJSON *arr, const char *field, const char *skip_name, double *out)
{
	const cJSON *it;

	if (!cJSON_IsArray(arr))
		return false;
	*out = 0;
	cJSON_ArrayForEach(it, arr) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, field);

		if (skip_name && cJSON_IsString(name) && strcmp(name->valuestring, skip_name) == 0)
			continue;
		if (cJSON_IsNumber(v))
			*out += v->valuedouble;
	}
	return true;
}

/* The record's time as local HH:MM:SS. */
static void clock_of(const cJSON *r, char buf[16])
{
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(r, "timestamp");
	time_t t = cJSON_IsNumber(ts) ? (time_t)ts->valuedouble : time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, 16, "%H:%M:%S", &tm);
}

static void col_pct(struct line *l, bool have, double v)
{
	if (have)
		put(l, " %5.1f", v);
	else
		put(l, " %5s", "-");
}

static void col_bytes(struct line *l, int width, bool have, double v)
{
	char b[16] = "-";

	if (have)
		text_bytes(v, b, sizeof(b));
	put(l, " %*s", width, b);
}

/* A latency in microseconds: "850us", "1.5ms", "23ms", "1.2s". */
static void col_latency(struct line *l, bool have, double us)
{
	char b[16] = "-";

	if (have && us < 999.5)
		snprintf(b, sizeof(b), "%.0fus", us);
	else if (have && us < 9950)
		snprintf(b, sizeof(b), "%.1fms", us / 1000);
	else if (have && us < 999500)
		snprintf(b, sizeof(b), "%.0fms", us / 1000);
	else if (have)
		snprintf(b, sizeof(b), "%.1fs", us / 1e6);
	put(l, " %7s", b);
}

static const char header[] =
	"    time  cpu%  usr%  sys%  iow%  mem%  avail  load1  dsk_rd  dsk_wr  net_rx  net_tx  rq_p99 alerts";

static void metrics_line(struct text_out *t, const cJSON *r, size_t firing, struct line *l)
{
	const cJSON *rq = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "sched"),
							    "runqueue_latency_us");
	const cJSON *ifaces = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "network"),
							       "interfaces");
	const cJSON *disks = cJSON_GetObjectItemCaseSensitive(r, "disks");
	double busy = 0, us = 0, ni = 0, sy = 0, irq = 0, sirq = 0, io = 0, mem = 0, avail = 0, load = 0, v = 0;
	bool have;
	char when[16];

	if (t->since_header % TEXT_HEADER_EVERY == 0) {
		put(l, "%s\n", header);
		t->since_header = 0;
	}
	t->since_header++;
	clock_of(r, when);
	put(l, "%8s", when);
	/* (each value read before it is printed: argument evaluation order is unspecified) */
	have = num(r, "cpu", "busy_pct", &busy);
	col_pct(l, have, busy);
	/* as vmstat: user time counts nice, system time counts interrupts */
	have = num(r, "cpu", "user_pct", &us) && num(r, "cpu", "nice_pct", &ni);
	col_pct(l, have, us + ni);
	have = num(r, "cpu", "system_pct", &sy) && num(r, "cpu", "irq_pct", &irq) &&
	       num(r, "cpu", "softirq_pct", &sirq);
	col_pct(l, have, sy + irq + sirq);
	have = num(r, "cpu", "iowait_pct", &io);
	col_pct(l, have, io);
	have = num(r, "memory", "used_pct", &mem);
	col_pct(l, have, mem);
	have = num(r, "memory", "available_bytes", &avail);
	col_bytes(l, 6, have, avail);
	if (num(r, "load", "load1", &load))
		put(l, " %6.2f", load);
	else
		put(l, " %6s", "-");
	have = sum(disks, "read_bytes_per_s", NULL, &v);
	col_bytes(l, 7, have, v);
	have = sum(disks, "write_bytes_per_s", NULL, &v);
	col_bytes(l, 7, have, v);
	have = sum(ifaces, "rx_bytes_per_s", "lo", &v);
	col_bytes(l, 7, have, v);
	have = sum(ifaces, "tx_bytes_per_s", "lo", &v);
	col_bytes(l, 7, have, v);
	v = cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(rq, "p99"))
		    ? cJSON_GetObjectItemCaseSensitive(rq, "p99")->valuedouble : NAN;
	col_latency(l, !isnan(v), v);
	put(l, " %6zu", firing);
}

static const char *str(const cJSON *r, const char *name, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, name);

	return cJSON_IsString(v) ? v->valuestring : dflt;
}

/* "12:00:03  ** cpu_high FIRING (warning): CPU busy is 96.5% (threshold 70%)", or "... resolved: ..." */
static void alert_line(const cJSON *r, struct line *l)
{
	const char *state = str(r, "state", "?"), *msg = str(r, "message", "");
	char when[16];

	clock_of(r, when);
	if (strncmp(msg, "resolved: ", 10) == 0)
		msg += 10;
	if (strcmp(state, "firing") == 0)
		put(l, "%8s  ** %s FIRING (%s): %s", when, str(r, "name", "?"), str(r, "severity", "?"), msg);
	else
		put(l, "%8s  ** %s %s: %s", when, str(r, "name", "?"), state, msg);
}

/* "12:00:04  ** event oom_kill: pid=4242 comm=hog ...": the event's own fields, header left out. */
static void event_line(const cJSON *r, struct line *l)
{
	static const char *const hdr[] = { "schema", "type", "time", "timestamp", "host", "interval_s",
					   "event", NULL };
	const cJSON *it;
	char when[16];

	clock_of(r, when);
	put(l, "%8s  ** event %s:", when, str(r, "event", "?"));
	cJSON_ArrayForEach(it, r) {
		bool skip = false;

		for (int i = 0; hdr[i]; i++)
			skip = skip || strcmp(it->string, hdr[i]) == 0;
		if (skip)
			continue;
		if (cJSON_IsString(it))
			put(l, " %s=%s", it->string, it->valuestring);
		else if (cJSON_IsNumber(it))
			put(l, " %s=%.15g", it->string, it->valuedouble);
	}
}

/* "corewatch 0.9 on vm: Linux 6.18.0 x86_64, 2 CPUs, 24G memory, every 1s" */
static void inventory_line(const cJSON *r, struct line *l)
{
	double cpus = 0, mem = 0, iv = 0;
	const cJSON *v;
	char m[16];

	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(r, "logical_cores")))
		cpus = v->valuedouble;
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(r, "memory_total_bytes")))
		mem = v->valuedouble;
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(r, "interval_s")))
		iv = v->valuedouble;
	text_bytes(mem, m, sizeof(m));
	put(l, "corewatch %s on %s: Linux %s %s, %.0f CPUs, %s memory, every %gs", str(r, "version", "?"),
	    str(r, "host", "?"), str(r, "kernel_release", "?"), str(r, "arch", "?"), cpus, m, iv);
}

char *text_render(struct text_out *t, const cJSON *r, size_t firing)
{
	struct line l = { malloc(LINE_MAX_LEN), 0 };
	const char *type = str(r, "type", "");

	if (!l.s)
		return NULL;
	l.s[0] = '\0';
	if (strcmp(type, "metrics") == 0)
		metrics_line(t, r, firing, &l);
	else if (strcmp(type, "alert") == 0)
		alert_line(r, &l);
	else if (strcmp(type, "event") == 0)
		event_line(r, &l);
	else if (strcmp(type, "inventory") == 0)
		inventory_line(r, &l);
	else
		put(&l, "(%s record)", type);
	return l.s;
}
