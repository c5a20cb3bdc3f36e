// SPDX-License-Identifier: GPL-2.0-only
/* page.c - see page.h. Numbers are shown in the units people read (binary prefixes for bytes, us/ms
 * for latencies, one decimal for percentages); an absent or null field shows as "-". Every string from
 * the record goes through chart_escape(). */
#include "page.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"

#define CHART_W 560
#define CHART_H 220
#define MAX_POINTS 240 /* per line chart: 15 s a point over an hour */
#define MAX_COLS 120   /* per heatmap: 30 s a column over an hour */
#define TOP_CGROUPS 10

/* A page being written: the first failure sticks, later writes are skipped. */
struct w {
	struct fbuf *b;
	int err;
};

static void out(struct w *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(struct w *w, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	if (w->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		w->err = -EINVAL; /* the page's own markup: never that long */
	else
		w->err = fbuf_append(w->b, buf, (size_t)n);
}

static void raw(struct w *w, const char *s)
{
	if (!w->err)
		w->err = fbuf_append(w->b, s, strlen(s));
}

static void esc(struct w *w, const char *s)
{
	if (!w->err)
		w->err = chart_escape(w->b, s ? s : "-");
}

static const cJSON *get(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name);
}

static double num(const cJSON *o, const char *name)
{
	const cJSON *v = get(o, name);

	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *str(const cJSON *o, const char *name)
{
	const cJSON *v = get(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* 3 significant digits past the unit's prefix: 812 B, 23.5 GiB, 1.02 TiB. */
static const char *fmt_bytes(double v, const char *suffix, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	size_t u = 0;

	if (!isfinite(v))
		return "-";
	while (fabs(v) >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u == 0 ? "%.0f %s%s" : fabs(v) < 10 ? "%.2f %s%s" : fabs(v) < 100 ? "%.1f %s%s" : "%.0f %s%s",
		 v, units[u], suffix);
	return buf;
}

static const char *fmt_pct(double v, char *buf, size_t len)
{
	if (!isfinite(v))
		return "-";
	snprintf(buf, len, "%.1f %%", v);
	return buf;
}

static const char *fmt_num(double v, const char *f, char *buf, size_t len)
{
	if (!isfinite(v))
		return "-";
	snprintf(buf, len, f, v);
	return buf;
}

/* Microseconds as people read them: 85 us, 1.9 ms, 2.35 s. */
static const char *fmt_us(double v, char *buf, size_t len)
{
	if (!isfinite(v))
		return "-";
	if (v < 1000)
		snprintf(buf, len, "%.0f us", v);
	else if (v < 1e6)
		snprintf(buf, len, "%.3g ms", v / 1000);
	else
		snprintf(buf, len, "%.3g s", v / 1e6);
	return buf;
}

static const char *fmt_uptime(double s, char *buf, size_t len)
{
	uint64_t t;

	if (!isfinite(s) || s < 0)
		return "-";
	t = (uint64_t)s;
	if (t >= 86400)
		snprintf(buf, len, "%llu d %llu h %llu min", (unsigned long long)(t / 86400),
			 (unsigned long long)(t % 86400 / 3600), (unsigned long long)(t % 3600 / 60));
	else
		snprintf(buf, len, "%llu h %llu min %llu s", (unsigned long long)(t / 3600),
			 (unsigned long long)(t % 3600 / 60), (unsigned long long)(t % 60));
	return buf;
}

static const char style[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222;background:#fafafa}"
	"h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.1em;margin:1.2em 0 .3em}"
	"table{border-collapse:collapse;margin:.2em 0}td,th{padding:.15em .7em;text-align:right;"
	"border-bottom:1px solid #ddd}th{background:#eee}td:first-child,th:first-child{text-align:left}"
	".kv td:first-child{color:#555}.grid{display:flex;flex-wrap:wrap;gap:1.5em}"
	".charts{display:flex;flex-wrap:wrap;gap:1em}.charts figure{margin:0;background:#fff;border:1px solid #ddd}"
	".crit{color:#b00}.warn{color:#a60}.meta{color:#666}";

/* Re-fetches the page every interval and swaps its body in; a 401 (logged out, the agent restarted
 * with a new session key) reloads, which shows the login form. */
static const char script[] =
	"document.addEventListener('DOMContentLoaded',function(){"
	"function next(){setTimeout(load,Math.max(1000,+document.body.dataset.intervalMs||10000))}"
	"function load(){fetch(location.pathname,{credentials:'same-origin',cache:'no-store'})"
	".then(function(r){if(r.status==401){location.reload();return}if(!r.ok)return;"
	"return r.text().then(function(t){var d=new DOMParser().parseFromString(t,'text/html');"
	"if(d.body&&d.body.dataset.intervalMs){document.title=d.title;"
	"document.body.replaceWith(document.adoptNode(d.body))}})})"
	".catch(function(){}).then(next)}"
	"next()});";

static void head(struct w *w, const char *title, unsigned refresh_s, bool with_script)
{
	out(w, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
	esc(w, title);
	out(w, "</title><style>");
	raw(w, style);
	out(w, "</style>");
	if (refresh_s && with_script) {
		out(w, "<noscript><meta http-equiv=\"refresh\" content=\"%u\"></noscript><script>", refresh_s);
		raw(w, script);
		out(w, "</script>");
	} else if (refresh_s)
		out(w, "<meta http-equiv=\"refresh\" content=\"%u\">", refresh_s);
	out(w, "</head>\n");
}

/* A row of a key/value table; id names the cell for tests and user styles. */
static void kv(struct w *w, const char *id, const char *key, const char *value)
{
	out(w, "<tr><td>%s</td><td id=\"%s\">", key, id);
	esc(w, value);
	out(w, "</td></tr>");
}

static void now_tables(struct w *w, const cJSON *r, unsigned ncpus)
{
	const cJSON *cpu = get(r, "cpu"), *mem = get(r, "memory"), *load = get(r, "load"),
		    *runq = get(get(r, "sched"), "runqueue_latency_us");
	char b[64];

	out(w, "<div class=\"grid\"><table class=\"kv\"><tr><th colspan=\"2\">CPU</th></tr>");
	snprintf(b, sizeof(b), "%u", ncpus);
	kv(w, "cpu-count", "CPUs", b);
	kv(w, "cpu-busy", "busy", fmt_pct(num(cpu, "busy_pct"), b, sizeof(b)));
	kv(w, "cpu-user", "user", fmt_pct(num(cpu, "user_pct"), b, sizeof(b)));
	kv(w, "cpu-system", "system", fmt_pct(num(cpu, "system_pct"), b, sizeof(b)));
	kv(w, "cpu-iowait", "iowait", fmt_pct(num(cpu, "iowait_pct"), b, sizeof(b)));
	out(w, "</table><table class=\"kv\"><tr><th colspan=\"2\">Memory</th></tr>");
	kv(w, "mem-total", "total", fmt_bytes(num(mem, "total_bytes"), "", b, sizeof(b)));
	kv(w, "mem-used", "used", fmt_bytes(num(mem, "used_bytes"), "", b, sizeof(b)));
	kv(w, "mem-available", "available", fmt_bytes(num(mem, "available_bytes"), "", b, sizeof(b)));
	kv(w, "mem-used-pct", "used %", fmt_pct(num(mem, "used_pct"), b, sizeof(b)));
	kv(w, "swap-used", "swap used", fmt_bytes(num(mem, "swap_used_bytes"), "", b, sizeof(b)));
	out(w, "</table><table class=\"kv\"><tr><th colspan=\"2\">Load</th></tr>");
	kv(w, "load1", "1 min", fmt_num(num(load, "load1"), "%.2f", b, sizeof(b)));
	kv(w, "load5", "5 min", fmt_num(num(load, "load5"), "%.2f", b, sizeof(b)));
	kv(w, "load15", "15 min", fmt_num(num(load, "load15"), "%.2f", b, sizeof(b)));
	kv(w, "runnable", "runnable", fmt_num(num(cpu, "procs_running"), "%.0f", b, sizeof(b)));
	kv(w, "runq-p99", "run-queue p99", fmt_us(num(runq, "p99"), b, sizeof(b)));
	out(w, "</table></div>\n");
}

/* The header row of a table, then one row per element of arr with the given columns: a field name
 * and how to show it ('s' string, 'b' bytes, 'r' bytes/s, 'p' percent, 'u' us, 'i' integer, 'n' number). */
struct col {
	const char *title, *field;
	char kind;
};

static void cell(struct w *w, const cJSON *o, const struct col *c)
{
	char b[64];
	double v;

	if (c->kind == 's') {
		esc(w, str(o, c->field));
		return;
	}
	if (c->kind == 'u' && strchr(c->field, '.')) { /* "latency_us.p99" */
		char part[64];
		size_t n = (size_t)(strchr(c->field, '.') - c->field);

		snprintf(part, sizeof(part), "%.*s", (int)n, c->field);
		v = num(get(o, part), c->field + n + 1);
	} else {
		v = num(o, c->field);
	}
	switch (c->kind) {
	case 'b': esc(w, fmt_bytes(v, "", b, sizeof(b))); break;
	case 'r': esc(w, fmt_bytes(v, "/s", b, sizeof(b))); break;
	case 'p': esc(w, fmt_pct(v, b, sizeof(b))); break;
	case 'u': esc(w, fmt_us(v, b, sizeof(b))); break;
	case 'i': esc(w, fmt_num(v, "%.0f", b, sizeof(b))); break;
	default: esc(w, fmt_num(v, fabs(v) >= 1e4 ? "%.0f" : "%.4g", b, sizeof(b))); break;
	}
}

static void table(struct w *w, const char *id, const char *title, const cJSON *const *rows, size_t n,
		  const struct col *cols, size_t ncols)
{
	out(w, "<h2>%s</h2>", title);
	if (!n) {
		out(w, "<p id=\"%s\" class=\"meta\">none</p>\n", id);
		return;
	}
	out(w, "<table id=\"%s\"><tr>", id);
	for (size_t c = 0; c < ncols; c++)
		out(w, "<th>%s</th>", cols[c].title);
	out(w, "</tr>");
	for (size_t i = 0; i < n; i++) {
		out(w, "<tr>");
		for (size_t c = 0; c < ncols; c++) {
			out(w, "<td>");
			cell(w, rows[i], &cols[c]);
			out(w, "</td>");
		}
		out(w, "</tr>");
	}
	out(w, "</table>\n");
}

/* The elements of an array (at most max), for table(); skip drops those whose "name" is it. */
static size_t elems(const cJSON *arr, const cJSON **v, size_t max)
{
	const cJSON *it;
	size_t n = 0;

	cJSON_ArrayForEach(it, arr) {
		if (n == max)
			break;
		if (cJSON_IsObject(it))
			v[n++] = it;
	}
	return n;
}

static int by_cpu_desc(const void *a, const void *b)
{
	double x = num(*(const cJSON *const *)a, "cpu_pct"), y = num(*(const cJSON *const *)b, "cpu_pct");

	x = isfinite(x) ? x : -1;
	y = isfinite(y) ? y : -1;
	return x < y ? 1 : x > y ? -1 : 0;
}

static void instance_tables(struct w *w, const cJSON *r)
{
	static const struct col fs[] = { { "mount", "mount", 's' }, { "device", "device", 's' },
					 { "type", "fstype", 's' }, { "size", "total_bytes", 'b' },
					 { "used", "used_bytes", 'b' }, { "available", "avail_bytes", 'b' },
					 { "used %", "used_pct", 'p' }, { "inodes used %", "inodes_used_pct", 'p' } };
	static const struct col disks[] = { { "disk", "device", 's' }, { "read", "read_bytes_per_s", 'r' },
					    { "write", "write_bytes_per_s", 'r' }, { "reads/s", "reads_per_s", 'n' },
					    { "writes/s", "writes_per_s", 'n' }, { "util", "util_pct", 'p' },
					    { "await ms", "await_ms", 'n' } };
	static const struct col net[] = { { "interface", "name", 's' }, { "received", "rx_bytes_per_s", 'r' },
					  { "sent", "tx_bytes_per_s", 'r' }, { "rx errors/s", "rx_errors_per_s", 'n' },
					  { "tx errors/s", "tx_errors_per_s", 'n' }, { "rx drops/s", "rx_drops_per_s", 'n' } };
	static const struct col blk[] = { { "device", "device", 's' }, { "op", "op", 's' },
					  { "ops/s", "ops_per_s", 'n' }, { "throughput", "bytes_per_s", 'r' },
					  { "p50", "latency_us.p50", 'u' }, { "p99", "latency_us.p99", 'u' },
					  { "max", "latency_us.max", 'u' } };
	static const struct col procs[] = { { "pid", "pid", 'i' }, { "command", "comm", 's' },
					    { "cgroup", "cgroup", 's' }, { "CPU % of one", "cpu_pct", 'n' },
					    { "run-queue wait %", "runqueue_wait_pct", 'n' } };
	static const struct col cgs[] = { { "cgroup", "path", 's' }, { "CPU % of one", "cpu_pct", 'n' },
					  { "run-queue wait %", "runqueue_wait_pct", 'n' },
					  { "memory", "memory_bytes", 'b' }, { "io read", "io_read_bytes_per_s", 'r' },
					  { "io write", "io_write_bytes_per_s", 'r' }, { "pids", "pids", 'i' } };
	const cJSON *v[256];
	size_t n;

	n = elems(get(r, "filesystems"), v, ARRAY_SIZE(v));
	table(w, "filesystems", "Filesystems", v, n, fs, ARRAY_SIZE(fs));
	n = elems(get(r, "disks"), v, ARRAY_SIZE(v));
	table(w, "disks", "Disks", v, n, disks, ARRAY_SIZE(disks));
	n = elems(get(get(r, "network"), "interfaces"), v, ARRAY_SIZE(v));
	table(w, "network", "Network", v, n, net, ARRAY_SIZE(net));
	n = elems(get(get(r, "block"), "devices"), v, ARRAY_SIZE(v));
	table(w, "block", "Block latency", v, n, blk, ARRAY_SIZE(blk));
	n = elems(get(get(r, "sched"), "top_cpu"), v, ARRAY_SIZE(v));
	table(w, "top-processes", "Top processes", v, n, procs, ARRAY_SIZE(procs));
	n = elems(get(r, "cgroups"), v, ARRAY_SIZE(v));
	qsort(v, n, sizeof(v[0]), by_cpu_desc);
	table(w, "top-cgroups", "Top cgroups by CPU", v, n < TOP_CGROUPS ? n : TOP_CGROUPS, cgs, ARRAY_SIZE(cgs));
}

static void alerts(struct w *w, const cJSON *firing)
{
	const cJSON *a;
	int n = cJSON_GetArraySize(firing);

	out(w, "<h2>Alerts firing: <span id=\"alerts-firing\">%d</span></h2>", n);
	if (!n)
		return;
	out(w, "<ul id=\"alerts\">");
	cJSON_ArrayForEach(a, firing) {
		const char *sev = str(a, "severity");

		out(w, "<li class=\"%s\"><b>", sev && strcmp(sev, "critical") == 0 ? "crit" : "warn");
		esc(w, str(a, "name"));
		out(w, "</b> (");
		esc(w, sev);
		out(w, ", since ");
		esc(w, str(a, "started_at"));
		out(w, "): ");
		esc(w, str(a, "message"));
		out(w, "</li>");
	}
	out(w, "</ul>\n");
}

/* The charts' time axis: from the oldest slot (at most an hour back) to the end of the newest, in
 * steps of whole slots, at most max of them. */
static size_t span(const struct recent *ring, size_t max, int64_t *from, int64_t *to, int64_t *step)
{
	int64_t w = recent_slot_ms(ring), len;

	*to = recent_slot(ring, recent_len(ring) - 1)->t_ms + w;
	*from = recent_slot(ring, 0)->t_ms;
	if (*to - *from > RECENT_SPAN_MS)
		*from = *to - RECENT_SPAN_MS;
	len = *to - *from;
	*step = (len / (int64_t)max + w - 1) / w * w;
	if (*step < w)
		*step = w;
	return (size_t)((len + *step - 1) / *step);
}

static int line(struct w *w, const char *title, enum chart_unit unit, const struct recent *ring,
		const enum recent_series *ks, const char *const *labels, size_t nk)
{
	struct chart_point pts[4][MAX_POINTS];
	struct chart_series series[4];
	struct chart_line c = { .title = title, .unit = unit, .series = series, .nseries = nk };
	int64_t step;
	size_t n = span(ring, MAX_POINTS, &c.from_ms, &c.to_ms, &step);

	for (size_t i = 0; i < nk; i++) {
		recent_points(ring, ks[i], c.from_ms, step, pts[i], n);
		series[i] = (struct chart_series){ labels[i], pts[i], n };
	}
	out(w, "<figure>");
	if (!w->err)
		w->err = chart_line_svg(w->b, &c, CHART_W, CHART_H);
	out(w, "</figure>\n");
	return w->err;
}

static void charts(struct w *w, const struct recent *ring)
{
	static const enum recent_series cpu[] = { RS_CPU_BUSY, RS_CPU_USER, RS_CPU_SYSTEM },
					mem[] = { RS_MEM_USED, RS_MEM_AVAIL }, load[] = { RS_LOAD1, RS_LOAD5, RS_LOAD15 },
					disk[] = { RS_DISK_READ, RS_DISK_WRITE }, net[] = { RS_NET_RX, RS_NET_TX },
					blk[] = { RS_BLOCK_READ_P99, RS_BLOCK_WRITE_P99 };
	static const char *const cpu_l[] = { "busy", "user", "system" }, *const mem_l[] = { "used", "available" },
			  *const load_l[] = { "1 min", "5 min", "15 min" }, *const rw_l[] = { "read", "write" },
			  *const net_l[] = { "received", "sent" };
	static int64_t cols[MAX_COLS];
	static uint64_t counts[MAX_COLS][CHART_SLOTS];
	struct chart_heat h = { .title = "run-queue latency", .unit = CHART_US, .col_t_ms = cols, .counts = counts };
	int64_t step;

	out(w, "<h2>The last hour</h2><div class=\"charts\" id=\"charts\">\n");
	if (!ring || !recent_len(ring)) {
		out(w, "<p class=\"meta\">no data yet</p></div>\n");
		return;
	}
	line(w, "CPU", CHART_PCT, ring, cpu, cpu_l, ARRAY_SIZE(cpu));
	line(w, "memory", CHART_BYTES, ring, mem, mem_l, ARRAY_SIZE(mem));
	line(w, "load average", CHART_NONE, ring, load, load_l, ARRAY_SIZE(load));
	line(w, "disk throughput", CHART_BYTES_PER_S, ring, disk, rw_l, ARRAY_SIZE(disk));
	line(w, "network throughput (all but lo)", CHART_BYTES_PER_S, ring, net, net_l, ARRAY_SIZE(net));
	h.ncols = span(ring, MAX_COLS, &h.from_ms, &h.to_ms, &step);
	recent_heat(ring, h.from_ms, step, cols, counts, h.ncols);
	out(w, "<figure>");
	if (!w->err)
		w->err = chart_heat_svg(w->b, &h, CHART_W, CHART_H);
	out(w, "</figure>\n");
	line(w, "block latency p99 (slowest device)", CHART_US, ring, blk, rw_l, ARRAY_SIZE(blk));
	out(w, "</div>\n");
}

int page_render(struct fbuf *b, const cJSON *r, const cJSON *firing, const struct recent *ring, unsigned ncpus,
		uint64_t interval_ms)
{
	struct w w = { b, 0 };
	const char *host = str(r, "host");
	char title[300], up[64];
	uint64_t refresh_s = (interval_ms + 999) / 1000;

	snprintf(title, sizeof(title), "%s - corewatch", host ? host : "?");
	head(&w, title, (unsigned)(refresh_s ? refresh_s : 1), true);
	out(&w, "<body data-interval-ms=\"%llu\"><h1 id=\"host\">", (unsigned long long)interval_ms);
	esc(&w, host);
	out(&w, "</h1><p class=\"meta\">up <span id=\"uptime\">");
	esc(&w, fmt_uptime(num(r, "uptime_s"), up, sizeof(up)));
	out(&w, "</span>, record of <span id=\"time\">");
	esc(&w, str(r, "time"));
	out(&w, "</span> (every %.3g s), corewatch</p>\n", (double)interval_ms / 1000);
	now_tables(&w, r, ncpus);
	alerts(&w, firing);
	charts(&w, ring);
	instance_tables(&w, r);
	out(&w, "</body></html>\n");
	return w.err;
}

int page_login(struct fbuf *b, bool refused)
{
	struct w w = { b, 0 };

	head(&w, "corewatch - log in", 0, false);
	out(&w, "<body><h1>corewatch</h1><form method=\"post\" action=\"/login\">"
		"<p><label>Token (the first line of the --listen-token-file)<br>"
		"<input type=\"password\" name=\"token\" autocomplete=\"current-password\" required autofocus>"
		"</label></p>%s<p><button type=\"submit\">Log in</button></p></form></body></html>\n",
	    refused ? "<p class=\"crit\" id=\"refused\">wrong token</p>" : "");
	return w.err;
}

int page_waiting(struct fbuf *b)
{
	struct w w = { b, 0 };

	head(&w, "corewatch - waiting", 1, false);
	out(&w, "<body><h1>corewatch</h1><p>Waiting for the first record.</p></body></html>\n");
	return w.err;
}
