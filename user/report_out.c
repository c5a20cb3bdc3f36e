// SPDX-License-Identifier: GPL-2.0-only
/* report_out.c - see report_out.h: the table, json and csv forms of a report. */
#include "report_out.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "report_scan.h"
#include "report_time.h"

#define SCAN_PATH_MAX_OUT (SCAN_PATH_MAX + 64)

void report_format_exact(double v, char *buf, size_t len)
{
	if (!isfinite(v)) {
		snprintf(buf, len, "null");
		return;
	}
	snprintf(buf, len, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, len, "%.17g", v);
}

static bool ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcmp(s + n - m, suf) == 0;
}

void report_format_value(double v, const char *metric, char *buf, size_t len)
{
	static const char units[] = "KMGTP";
	const char *leaf = strrchr(metric, '.');
	size_t n;

	leaf = leaf ? leaf + 1 : metric;
	if ((ends_with(leaf, "_bytes") || ends_with(leaf, "_bytes_per_s") || !strcmp(leaf, "bytes") ||
	     !strcmp(leaf, "bytes_per_s")) && fabs(v) >= 1024) {
		int u = -1;

		while (fabs(v) >= 1024 && u < 4) {
			v /= 1024;
			u++;
		}
		snprintf(buf, len, "%.1f%c", v, units[u]);
		return;
	}
	snprintf(buf, len, "%.3f", v);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	if (strcmp(buf, "-0") == 0)
		snprintf(buf, len, "0");
}

static void fmt_time_utc(int64_t ms, char *buf, size_t len)
{
	format_rfc3339_ms(ms, buf, len);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_num(FILE *f, double v)
{
	char b[40];

	report_format_exact(v, b, sizeof(b));
	fputs(b, f);
}

static void json_time(FILE *f, int64_t ms, bool valid)
{
	char b[40];

	if (!valid) {
		fputs("null", f);
		return;
	}
	fmt_time_utc(ms, b, sizeof(b));
	json_str(f, b);
}

double report_series_avg(const struct series *s) { return s->n ? (s->sum + s->comp) / (double)s->n : 0; }

/* le of slot i as the agent writes it: 0, 1, 3, 7 ... ("+Inf" for the last). */
static double slot_le(int i) { return i == 0 ? 0 : ldexp(1.0, i) - 1; }

int report_write_json(FILE *f, const struct report_agg *a, const struct report_meta *m)
{
	char metric[SCAN_PATH_MAX_OUT], inst[SCAN_PATH_MAX_OUT];
	bool first = true;

	fprintf(f, "{\"log_dir\":");
	json_str(f, m->dir);
	fprintf(f, ",\"host\":");
	if (m->host)
		json_str(f, m->host);
	else
		fputs("null", f);
	fprintf(f, ",\"from\":");
	json_time(f, m->from_ms, m->from_ms != INT64_MIN);
	fprintf(f, ",\"to\":");
	json_time(f, m->to_ms, m->to_ms != INT64_MAX);
	fprintf(f, ",\"first_record\":");
	json_time(f, a->first_ms, a->records > 0);
	fprintf(f, ",\"last_record\":");
	json_time(f, a->last_ms, a->records > 0);
	fprintf(f, ",\"files\":%zu,\"lines\":%llu,\"records\":%llu,\"lines_torn\":%llu,\"lines_foreign\":%llu,"
		"\"p95\":\"nearest rank: the value at rank ceil(0.95 n) of the sorted samples\",\"series\":[",
		m->nfiles, (unsigned long long)a->lines, (unsigned long long)a->records,
		(unsigned long long)a->torn, (unsigned long long)a->foreign);
	for (size_t i = 0; i < a->ns; i++) {
		const struct series *s = &a->s[i];
		size_t sect;

		if (!s->selected || !s->n)
			continue;
		sect = report_path_split(s->path, metric, sizeof(metric), inst, sizeof(inst));
		fprintf(f, "%s\n{\"section\":\"%.*s\",\"metric\":", first ? "" : ",", (int)sect, s->path);
		first = false;
		json_str(f, metric);
		fputs(",\"instance\":", f);
		if (inst[0])
			json_str(f, inst);
		else
			fputs("null", f);
		fputs(",\"path\":", f);
		json_str(f, s->path);
		fprintf(f, ",\"samples\":%llu,\"min\":", (unsigned long long)s->n);
		json_num(f, s->min);
		fputs(",\"avg\":", f);
		json_num(f, report_series_avg(s));
		fputs(",\"p95\":", f);
		json_num(f, s->p95);
		fputs(",\"max\":", f);
		json_num(f, s->max);
		fputs(",\"max_at\":", f);
		json_time(f, s->max_ms, true);
		fputc('}', f);
	}
	fputs("],\"histograms\":[", f);
	first = true;
	for (size_t i = 0; i < a->nh; i++) {
		const struct hseries *h = &a->h[i];
		size_t sect;
		bool fb = true;

		if (!h->selected || !h->records)
			continue;
		sect = report_path_split(h->path, metric, sizeof(metric), inst, sizeof(inst));
		fprintf(f, "%s\n{\"section\":\"%.*s\",\"metric\":", first ? "" : ",", (int)sect, h->path);
		first = false;
		json_str(f, metric);
		fputs(",\"instance\":", f);
		if (inst[0])
			json_str(f, inst);
		else
			fputs("null", f);
		fputs(",\"path\":", f);
		json_str(f, h->path);
		fprintf(f, ",\"records\":%llu,\"count\":", (unsigned long long)h->records);
		json_num(f, h->count);
		fputs(",\"sum\":", f);
		json_num(f, h->sum);
		fputs(",\"max\":", f);
		json_num(f, h->max);
		if (h->has_buckets) {
			fputs(",\"p50\":", f);
			json_num(f, report_hist_quantile(h, 0.50));
			fputs(",\"p90\":", f);
			json_num(f, report_hist_quantile(h, 0.90));
			fputs(",\"p99\":", f);
			json_num(f, report_hist_quantile(h, 0.99));
		} else {
			fputs(",\"p50\":null,\"p90\":null,\"p99\":null", f);
		}
		fputs(",\"buckets\":[", f);
		for (int b = 0; b < HIST_SLOTS; b++) {
			if (!h->slots[b])
				continue;
			fprintf(f, "%s[", fb ? "" : ",");
			if (b == HIST_SLOTS - 1)
				fputs("\"+Inf\"", f);
			else
				json_num(f, slot_le(b));
			fprintf(f, ",%llu]", (unsigned long long)h->slots[b]);
			fb = false;
		}
		fputs("]}", f);
	}
	fputs("],\"alerts\":[", f);
	for (size_t i = 0; i < a->nalerts; i++) {
		const struct alert_span *s = &a->alerts[i];

		fprintf(f, "%s\n{\"name\":", i ? "," : "");
		json_str(f, s->name);
		fputs(",\"instance\":", f);
		json_str(f, s->instance);
		fputs(",\"severity\":", f);
		json_str(f, s->severity);
		fputs(",\"metric\":", f);
		json_str(f, s->metric);
		fputs(",\"fired_at\":", f);
		json_time(f, s->fired_ms, s->fired_ms >= 0);
		fputs(",\"resolved_at\":", f);
		json_time(f, s->resolved_ms, s->resolved_ms >= 0);
		fputs(",\"duration_s\":", f);
		json_num(f, s->duration_s);
		fprintf(f, ",\"still_firing\":%s,\"value\":", s->still_firing ? "true" : "false");
		json_num(f, s->value);
		fputs(",\"reason\":", f);
		json_str(f, s->reason ? s->reason : "");
		fputc('}', f);
	}
	fputs("]}\n", f);
	return ferror(f) ? -1 : 0;
}

static void csv_field(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

int report_write_csv(FILE *f, const struct report_agg *a, const struct report_meta *m)
{
	char metric[SCAN_PATH_MAX_OUT], inst[SCAN_PATH_MAX_OUT], t[40];

	(void)m;
	fputs("kind,section,metric,instance,samples,min,avg,p95,max,max_at,p50,p90,p99,sum\n", f);
	for (size_t i = 0; i < a->ns; i++) {
		const struct series *s = &a->s[i];
		size_t sect;

		if (!s->selected || !s->n)
			continue;
		sect = report_path_split(s->path, metric, sizeof(metric), inst, sizeof(inst));
		fprintf(f, "series,%.*s,", (int)sect, s->path);
		csv_field(f, metric);
		fputc(',', f);
		csv_field(f, inst);
		fprintf(f, ",%llu,", (unsigned long long)s->n);
		json_num(f, s->min);
		fputc(',', f);
		json_num(f, report_series_avg(s));
		fputc(',', f);
		json_num(f, s->p95);
		fputc(',', f);
		json_num(f, s->max);
		fmt_time_utc(s->max_ms, t, sizeof(t));
		fprintf(f, ",%s,,,,\n", t);
	}
	for (size_t i = 0; i < a->nh; i++) {
		const struct hseries *h = &a->h[i];
		size_t sect;

		if (!h->selected || !h->records)
			continue;
		sect = report_path_split(h->path, metric, sizeof(metric), inst, sizeof(inst));
		fprintf(f, "histogram,%.*s,", (int)sect, h->path);
		csv_field(f, metric);
		fputc(',', f);
		csv_field(f, inst);
		fputc(',', f);
		json_num(f, h->count);
		fputs(",,,,", f);
		json_num(f, h->max);
		fputs(",,", f);
		if (h->has_buckets) {
			json_num(f, report_hist_quantile(h, 0.50));
			fputc(',', f);
			json_num(f, report_hist_quantile(h, 0.90));
			fputc(',', f);
			json_num(f, report_hist_quantile(h, 0.99));
		} else {
			fputs(",,", f);
		}
		fputc(',', f);
		json_num(f, h->sum);
		fputc('\n', f);
	}
	return ferror(f) ? -1 : 0;
}

void report_describe_window(char *buf, size_t len, const struct report_agg *a, const struct report_meta *m)
{
	char f[32] = "-", t[32] = "-";

	/* an open end of the window: the first or last record's time says where the data start or end */
	if (m->from_ms != INT64_MIN || a->records)
		report_format_local(m->from_ms != INT64_MIN ? m->from_ms : a->first_ms, f, sizeof(f));
	if (m->to_ms != INT64_MAX || a->records)
		report_format_local(m->to_ms != INT64_MAX ? m->to_ms : a->last_ms, t, sizeof(t));
	snprintf(buf, len, "host %s, %s .. %s (local time), %llu records from %zu file%s; %llu torn and %llu "
		 "foreign lines skipped", m->host ? m->host : "-", f, t, (unsigned long long)a->records, m->nfiles,
		 m->nfiles == 1 ? "" : "s", (unsigned long long)a->torn, (unsigned long long)a->foreign);
}

int report_write_table(FILE *f, const struct report_agg *a, const struct report_meta *m)
{
	char metric[SCAN_PATH_MAX_OUT], inst[SCAN_PATH_MAX_OUT], head[512];
	char v[5][32], t[32];
	const char *last = NULL;
	size_t lastlen = 0, wname = 24, winst = 8;

	report_describe_window(head, sizeof(head), a, m);
	fprintf(f, "%s\n", head);
	for (size_t i = 0; i < a->ns; i++) {
		const struct series *s = &a->s[i];
		size_t sect;

		if (!s->selected || !s->n)
			continue;
		sect = report_path_split(s->path, metric, sizeof(metric), inst, sizeof(inst));
		if (strlen(metric) - sect > wname)
			wname = strlen(metric) - sect;
		if (strlen(inst) > winst)
			winst = strlen(inst);
	}
	if (wname > 48)
		wname = 48;
	if (winst > 40)
		winst = 40;
	for (size_t i = 0; i < a->ns; i++) {
		const struct series *s = &a->s[i];
		size_t sect;

		if (!s->selected || !s->n)
			continue;
		sect = report_path_split(s->path, metric, sizeof(metric), inst, sizeof(inst));
		if (!last || lastlen != sect || memcmp(last, s->path, sect) != 0) {
			fprintf(f, "\n%-*.*s  %-*s %8s %10s %10s %10s %10s  %s\n", (int)wname + 2, (int)sect, s->path,
				(int)winst, "instance", "samples", "min", "avg", "p95", "max", "time of max");
			last = s->path;
			lastlen = sect;
		}
		report_format_value(s->min, metric, v[0], sizeof(v[0]));
		report_format_value(report_series_avg(s), metric, v[1], sizeof(v[1]));
		report_format_value(s->p95, metric, v[2], sizeof(v[2]));
		report_format_value(s->max, metric, v[3], sizeof(v[3]));
		report_format_local(s->max_ms, t, sizeof(t));
		fprintf(f, "  %-*s  %-*s %8llu %10s %10s %10s %10s  %s\n", (int)wname,
			metric + sect + (metric[sect] == '.'), (int)winst, inst[0] ? inst : "-",
			(unsigned long long)s->n, v[0], v[1], v[2], v[3], t);
	}
	{
		bool any = false;

		for (size_t i = 0; i < a->nh; i++) {
			const struct hseries *h = &a->h[i];

			if (!h->selected || !h->records)
				continue;
			report_path_split(h->path, metric, sizeof(metric), inst, sizeof(inst));
			if (!any)
				fprintf(f, "\n%-34s %-*s %12s %10s %10s %10s %10s\n", "histograms (merged buckets)",
					(int)winst, "instance", "count", "p50", "p90", "p99", "max");
			any = true;
			if (h->has_buckets) {
				report_format_value(report_hist_quantile(h, 0.5), "", v[0], sizeof(v[0]));
				report_format_value(report_hist_quantile(h, 0.9), "", v[1], sizeof(v[1]));
				report_format_value(report_hist_quantile(h, 0.99), "", v[2], sizeof(v[2]));
			} else {
				snprintf(v[0], sizeof(v[0]), "-");
				snprintf(v[1], sizeof(v[1]), "-");
				snprintf(v[2], sizeof(v[2]), "-");
			}
			report_format_value(h->max, "", v[3], sizeof(v[3]));
			report_format_value(h->count, "", v[4], sizeof(v[4]));
			fprintf(f, "  %-32s %-*s %12s %10s %10s %10s %10s\n", metric, (int)winst, inst[0] ? inst : "-",
				v[4], v[0], v[1], v[2], v[3]);
		}
	}
	if (a->nalerts) {
		fprintf(f, "\n%-24s %-24s %-9s %-19s  %-19s  %s\n", "alerts", "instance", "severity", "fired",
			"resolved", "duration");
		for (size_t i = 0; i < a->nalerts; i++) {
			const struct alert_span *s = &a->alerts[i];
			char fa[32] = "(before)", ra[32] = "still firing", d[32];

			if (s->fired_ms >= 0)
				report_format_local(s->fired_ms, fa, sizeof(fa));
			if (s->resolved_ms >= 0)
				report_format_local(s->resolved_ms, ra, sizeof(ra));
			format_duration_ms((uint64_t)(s->duration_s * 1000), d, sizeof(d));
			fprintf(f, "  %-22s %-24s %-9s %-19s  %-19s  %s%s\n", s->name, s->instance[0] ? s->instance : "-",
				s->severity, fa, ra, d, s->still_firing ? " so far" : "");
		}
	}
	return ferror(f) ? -1 : 0;
}

