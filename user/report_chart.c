// SPDX-License-Identifier: GPL-2.0-only
/* report_chart.c - see report_out.h: the report's charts through chart.h, as SVG files or inline
 * in one HTML page, with the tables as HTML. A line chart per metric (its instances as lines), a
 * heatmap per histogram with buckets. */
#include "report_out.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chart.h"
#include "report_scan.h"
#include "report_time.h"

#define CHART_W 900
#define CHART_H 280
#define NAME_MAX_OUT (SCAN_PATH_MAX + 64)

static bool ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcmp(s + n - m, suf) == 0;
}

static enum chart_unit unit_of(const char *metric)
{
	if (ends_with(metric, "_pct"))
		return CHART_PCT;
	if (ends_with(metric, "_bytes_per_s"))
		return CHART_BYTES_PER_S;
	if (ends_with(metric, "_bytes"))
		return CHART_BYTES;
	if (ends_with(metric, "_per_s"))
		return CHART_PER_S;
	if (ends_with(metric, "_us"))
		return CHART_US;
	if (ends_with(metric, "_s"))
		return CHART_S;
	return CHART_NONE;
}

/* The time axis: the window, or what the records cover. */
static void axis(const struct report_agg *a, const struct report_meta *m, int64_t *from, int64_t *to)
{
	*from = m->from_ms != INT64_MIN ? m->from_ms : a->first_ms;
	*to = m->to_ms != INT64_MAX ? m->to_ms : a->last_ms + a->width_ms;
	if (*to <= *from)
		*to = *from + a->width_ms;
}

/* Columns of the grid up to the axis' end. */
static size_t ncols(const struct report_agg *a, int64_t to)
{
	int64_t n = a->width_ms > 0 ? (to - a->origin_ms + a->width_ms - 1) / a->width_ms : 0;

	return n < 1 ? 1 : n > REPORT_COLS ? REPORT_COLS : (size_t)n;
}

/* Calls fn once per chart: a line chart for each metric, then a heatmap for each histogram. */
typedef int (*chart_fn)(void *ctx, const char *name, struct fbuf *svg);

static int each_chart(const struct report_agg *a, const struct report_meta *m, chart_fn fn, void *ctx)
{
	char metric[NAME_MAX_OUT], inst[NAME_MAX_OUT], other[NAME_MAX_OUT], oinst[NAME_MAX_OUT];
	struct chart_series *ser = calloc(a->ns ? a->ns : 1, sizeof(*ser));
	char (*labels)[NAME_MAX_OUT] = calloc(a->ns ? a->ns : 1, sizeof(*labels));
	bool *done = calloc(a->ns ? a->ns : 1, sizeof(*done));
	int64_t from, to, *cols = calloc(REPORT_COLS, sizeof(*cols));
	struct fbuf svg = { 0 };
	int rc = -ENOMEM;
	size_t nc;

	if (!ser || !labels || !done || !cols)
		goto out;
	axis(a, m, &from, &to);
	nc = ncols(a, to);
	for (size_t i = 0; i < a->ns; i++) {
		const struct series *s = &a->s[i];
		struct chart_line c = { .from_ms = from, .to_ms = to, .series = ser };

		if (done[i] || !s->selected || !s->n || !s->pts)
			continue;
		report_path_split(s->path, metric, sizeof(metric), inst, sizeof(inst));
		for (size_t k = i; k < a->ns; k++) { /* its instances */
			const struct series *t = &a->s[k];

			if (done[k] || !t->selected || !t->n || !t->pts)
				continue;
			report_path_split(t->path, other, sizeof(other), oinst, sizeof(oinst));
			if (strcmp(other, metric) != 0)
				continue;
			done[k] = true;
			snprintf(labels[c.nseries], NAME_MAX_OUT, "%s", oinst);
			ser[c.nseries++] = (struct chart_series){ labels[c.nseries], t->pts, nc };
		}
		c.title = metric;
		c.unit = unit_of(metric);
		svg.len = 0;
		if (chart_line_svg(&svg, &c, CHART_W, CHART_H) < 0 || (rc = fn(ctx, metric, &svg)) < 0)
			goto out;
	}
	for (size_t c = 0; c < REPORT_COLS; c++)
		cols[c] = a->origin_ms + (int64_t)c * a->width_ms;
	for (size_t i = 0; i < a->nh; i++) {
		const struct hseries *h = &a->h[i];
		struct chart_heat hc = { .title = h->path, .unit = CHART_US, .from_ms = from, .to_ms = to,
					 .col_t_ms = cols, .counts = (const uint64_t (*)[CHART_SLOTS])h->heat,
					 .ncols = nc };
		char name[NAME_MAX_OUT];

		if (!h->selected || !h->has_buckets || !h->heat)
			continue;
		if (ends_with(h->path, "_ms"))
			hc.unit = CHART_NONE; /* connection_duration_ms: the axis has no ms unit */
		snprintf(name, sizeof(name), "%s.heat", h->path);
		svg.len = 0;
		if (chart_heat_svg(&svg, &hc, CHART_W, CHART_H) < 0 || (rc = fn(ctx, name, &svg)) < 0)
			goto out;
	}
	rc = 0;
out:
	free(svg.data);
	free(ser);
	free(labels);
	free(done);
	free(cols);
	return rc;
}

struct svg_ctx {
	const char *dir;
	char *err;
	size_t errlen;
};

static int write_file(const char *path, const struct fbuf *b)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t off = 0;

	if (fd < 0)
		return -errno;
	while (off < b->len) {
		ssize_t w = write(fd, b->data + off, b->len - off);

		if (w <= 0) {
			int e = errno ? errno : EIO;

			close(fd);
			return -e;
		}
		off += (size_t)w;
	}
	return close(fd) < 0 ? -errno : 0;
}

static int svg_one(void *ctx, const char *name, struct fbuf *svg)
{
	struct svg_ctx *c = ctx;
	char path[4096], file[NAME_MAX_OUT];
	size_t n = 0;
	int e;

	for (const char *p = name; *p && n + 5 < sizeof(file); p++) /* a file name of the metric */
		file[n++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
				    *p == '.' || *p == '-' ? *p : '_';
	file[n] = '\0';
	if (snprintf(path, sizeof(path), "%s/%s.svg", c->dir, file) >= (int)sizeof(path)) {
		snprintf(c->err, c->errlen, "--svg: %s: path too long", c->dir);
		return -1;
	}
	if ((e = write_file(path, svg)) < 0) {
		snprintf(c->err, c->errlen, "--svg: %s: %s", path, strerror(-e));
		return -1;
	}
	return 0;
}

int report_write_svgs(const struct report_agg *a, const struct report_meta *m, const char *dir, char *err,
		      size_t errlen)
{
	struct svg_ctx c = { dir, err, errlen };
	struct stat st;
	int rc;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "--svg: cannot create '%s': %s", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "--svg: '%s' is not a directory", dir);
		return -1;
	}
	rc = each_chart(a, m, svg_one, &c);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "--svg: out of memory");
	return rc < 0 ? -1 : 0;
}

static int html_one(void *ctx, const char *name, struct fbuf *svg)
{
	struct fbuf *page = ctx;
	const char *body = svg->data;
	const char *decl = strstr(body, "<svg");

	if (decl)
		body = decl; /* the XML declaration has no place inside HTML */
	return fbuf_append(page, "<div class=\"chart\" id=\"", 23) || chart_escape(page, name) ||
			       fbuf_append(page, "\">\n", 3) || fbuf_append(page, body, strlen(body)) ||
			       fbuf_append(page, "</div>\n", 7)
		       ? -ENOMEM
		       : 0;
}

int report_write_html(const struct report_agg *a, const struct report_meta *m, const char *path, char *err,
		      size_t errlen)
{
	struct fbuf page = { 0 };
	int rc;

	rc = fbuf_printf(&page, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			 "<title>corewatch report</title>\n<style>body{font-family:sans-serif;margin:1em 2em}"
			 "table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #ccc;"
			 "padding:2px 6px;text-align:right}td:first-child,td:nth-child(2){text-align:left}"
			 ".chart{margin:1em 0}</style></head>\n<body>\n<h1>corewatch report</h1>\n");
	rc = rc || report_html_tables(&page, a, m) || fbuf_printf(&page, "<h2>charts</h2>\n") ||
	     each_chart(a, m, html_one, &page) || fbuf_printf(&page, "</body></html>\n");
	if (rc) {
		free(page.data);
		snprintf(err, errlen, "--html: out of memory");
		return -1;
	}
	rc = write_file(path, &page);
	free(page.data);
	if (rc < 0) {
		snprintf(err, errlen, "--html: %s: %s", path, strerror(-rc));
		return -1;
	}
	return 0;
}
static int html_td(struct fbuf *o, const char *s) { return fbuf_append(o, "<td>", 4) || chart_escape(o, s) ||
							   fbuf_append(o, "</td>", 5) ? -1 : 0; }

int report_html_tables(struct fbuf *o, const struct report_agg *a, const struct report_meta *m)
{
	char metric[NAME_MAX_OUT], inst[NAME_MAX_OUT], head[512], v[32], t[32];
	const char *last = NULL;
	size_t lastlen = 0;
	int rc = 0;

	report_describe_window(head, sizeof(head), a, m);
	rc |= fbuf_append(o, "<p>", 3) | chart_escape(o, head) | fbuf_append(o, "</p>\n", 5);
	for (size_t i = 0; i < a->ns; i++) {
		const struct series *s = &a->s[i];
		size_t sect;

		if (!s->selected || !s->n)
			continue;
		sect = report_path_split(s->path, metric, sizeof(metric), inst, sizeof(inst));
		if (!last || lastlen != sect || memcmp(last, s->path, sect) != 0) {
			rc |= fbuf_printf(o, "%s<h2>%.*s</h2>\n<table><tr><th>metric</th><th>instance</th><th>samples</th>"
					  "<th>min</th><th>avg</th><th>p95</th><th>max</th><th>time of max</th></tr>\n",
					  last ? "</table>\n" : "", (int)sect, s->path);
			last = s->path;
			lastlen = sect;
		}
		rc |= fbuf_append(o, "<tr>", 4);
		rc |= html_td(o, metric + sect + (metric[sect] == '.'));
		rc |= html_td(o, inst[0] ? inst : "-");
		rc |= fbuf_printf(o, "<td>%llu</td>", (unsigned long long)s->n);
		report_format_value(s->min, metric, v, sizeof(v));
		rc |= html_td(o, v);
		report_format_value(report_series_avg(s), metric, v, sizeof(v));
		rc |= html_td(o, v);
		report_format_value(s->p95, metric, v, sizeof(v));
		rc |= html_td(o, v);
		report_format_value(s->max, metric, v, sizeof(v));
		rc |= html_td(o, v);
		report_format_local(s->max_ms, t, sizeof(t));
		rc |= html_td(o, t);
		rc |= fbuf_append(o, "</tr>\n", 6);
	}
	if (last)
		rc |= fbuf_append(o, "</table>\n", 9);
	if (a->nalerts) {
		rc |= fbuf_printf(o, "<h2>alerts</h2>\n<table><tr><th>name</th><th>instance</th><th>severity</th>"
				  "<th>fired</th><th>resolved</th><th>duration (s)</th></tr>\n");
		for (size_t i = 0; i < a->nalerts; i++) {
			const struct alert_span *s = &a->alerts[i];
			char fa[32] = "(before)", ra[32] = "still firing";

			if (s->fired_ms >= 0)
				report_format_local(s->fired_ms, fa, sizeof(fa));
			if (s->resolved_ms >= 0)
				report_format_local(s->resolved_ms, ra, sizeof(ra));
			rc |= fbuf_append(o, "<tr>", 4) | html_td(o, s->name) | html_td(o, s->instance) |
			      html_td(o, s->severity) | html_td(o, fa) | html_td(o, ra);
			rc |= fbuf_printf(o, "<td>%.0f</td></tr>\n", s->duration_s);
		}
		rc |= fbuf_append(o, "</table>\n", 9);
	}
	return rc ? -ENOMEM : 0;
}
