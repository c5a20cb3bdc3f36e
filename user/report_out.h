/* SPDX-License-Identifier: GPL-2.0-only */
/* report_out.h - what `corewatch report` writes: the table (a section per record section), json and
 * csv (report_out.c), and the charts: an SVG file per metric and histogram, or one HTML page with
 * the tables and the charts inline (report_chart.c). */
#ifndef COREWATCH_REPORT_OUT_H
#define COREWATCH_REPORT_OUT_H

#include <stdio.h>

#include "report_agg.h"
#include "util.h"

struct report_meta {
	const char *dir, *host;      /* host: --host, or the one host seen (NULL: none) */
	int64_t from_ms, to_ms;      /* INT64_MIN / INT64_MAX: not given */
	size_t nfiles;
};

/* Write the report to f. Return 0, or -1 when f reports a write error. */
int report_write_table(FILE *f, const struct report_agg *a, const struct report_meta *m);
int report_write_json(FILE *f, const struct report_agg *a, const struct report_meta *m);
int report_write_csv(FILE *f, const struct report_agg *a, const struct report_meta *m);

/* The line above the tables: host, window, records, files, lines skipped. */
void report_describe_window(char *buf, size_t len, const struct report_agg *a, const struct report_meta *m);
/* The tables as HTML (<table> elements), appended to out. Returns 0 or -ENOMEM. */
int report_html_tables(struct fbuf *out, const struct report_agg *a, const struct report_meta *m);

/* A value as the table shows it: sizes (a last segment bytes, bytes_per_s, *_bytes or *_bytes_per_s)
 * in K/M/G/T (1024), else up to 3 decimals. metric names the series (its unit is in its name). */
void report_format_value(double v, const char *metric, char *buf, size_t len);
/* The mean of a series' samples (its compensated sum / n). */
double report_series_avg(const struct series *s);
/* A double as JSON, the shortest of %.15g/%.17g that reads back exactly. */
void report_format_exact(double v, char *buf, size_t len);

/* Charts (report_chart.c): one SVG file per metric (instances as lines) and per histogram
 * (heatmap) into dir, created if needed; or one self-contained HTML page at path. Return 0, or -1
 * with "--svg: reason" / "--html: reason" in err. */
int report_write_svgs(const struct report_agg *a, const struct report_meta *m, const char *dir, char *err,
		      size_t errlen);
int report_write_html(const struct report_agg *a, const struct report_meta *m, const char *path, char *err,
		      size_t errlen);

#endif
