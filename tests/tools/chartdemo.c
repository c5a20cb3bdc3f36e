// SPDX-License-Identifier: GPL-2.0-only
/* chartdemo - writes the charts tests/e2e/82_charts.sh checks into DIR: line.svg (three series, one
 * with a gap), band.svg (points of several records, bytes/s), bytes.svg, heat.svg (synthetic log2
 * counts), empty.svg, and charts.html with all of them inline. Also truth.json: the numbers the test
 * checks the drawings against (the known maximum, the number of non-empty heatmap cells).
 *   chartdemo DIR
 * Times are fixed (2026-12-01 10:00 UTC on), so the output is the same on every run in one zone.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"

#define T0 1796119200000LL /* 2026-12-01T10:00:00Z */
#define NPTS 60
#define STEP 10000

static struct fbuf page;

static void emit(const char *dir, const char *name, const struct fbuf *b)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fwrite(b->data, 1, b->len, f) != b->len || fclose(f)) {
		perror(path);
		exit(1);
	}
	/* inline in the page: without the XML declaration */
	const char *svg = strstr(b->data, "<svg");
	fbuf_printf(&page, "<div class=\"chart\" id=\"%.*s\">\n%s</div>\n", (int)(strchr(name, '.') - name), name,
		    svg);
}

int main(int argc, char **argv)
{
	static struct chart_point a[NPTS], b[NPTS], c[NPTS], band[NPTS], by[NPTS];
	static uint64_t counts[30][CHART_SLOTS];
	static int64_t cols[30];
	struct fbuf out = { 0 };
	FILE *truth;
	char path[4096];
	size_t cells = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: chartdemo DIR\n");
		return 2;
	}
	fbuf_printf(&page, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>chartdemo</title></head>"
			   "<body>\n<h1>chartdemo</h1>\n");
	for (int i = 0; i < NPTS; i++) {
		int64_t t = T0 + (int64_t)i * STEP;
		double va = 40 + 30 * sin(i / 6.0), vb = 20 + i * 0.5, vc = 75 - i * 0.3;

		a[i] = (struct chart_point){ t, va, va, va, 1 };
		b[i] = (struct chart_point){ t, vb, vb, vb, i >= 20 && i < 30 ? 0 : 1 }; /* a gap */
		c[i] = (struct chart_point){ t, vc, vc, vc, 1 };
		band[i] = (struct chart_point){ t, 1e6 + i * 1e4, 1.5e6 + i * 1e4, 2e6 + i * 2e4, 6 };
		by[i] = (struct chart_point){ t, 0, 3.0 * 1024 * 1024 * 1024 * (1 + (i % 7)), 0, 1 };
		by[i].min = by[i].max = by[i].avg;
	}
	a[17].avg = a[17].min = a[17].max = 93.25; /* the known maximum of series "cpu0" */
	struct chart_series ls[] = { { "cpu0", a, NPTS }, { "cpu1 <&>", b, NPTS }, { "cpu2", c, NPTS } };
	struct chart_line line = { "cpu.busy_pct", CHART_PCT, T0, T0 + NPTS * STEP, ls, 3 };
	struct chart_series bs[] = { { "eth0", band, NPTS } };
	struct chart_line bl = { "network.rx_bytes_per_s", CHART_BYTES_PER_S, T0, T0 + NPTS * STEP, bs, 1 };
	struct chart_series ys[] = { { "", by, NPTS } };
	struct chart_line yl = { "memory.used_bytes", CHART_BYTES, T0, T0 + NPTS * STEP, ys, 1 };
	struct chart_line el = { "empty", CHART_NONE, T0, T0 + NPTS * STEP, NULL, 0 };

	for (int i = 0; i < 30; i++) {
		cols[i] = T0 + (int64_t)i * 2 * STEP;
		for (int s = 3; s < 14; s++) {
			/* a bell around slot 6..9 that wanders, with holes */
			double m = 7 + 2 * sin(i / 5.0), v = 1000 * exp(-(s - m) * (s - m) / 2);

			counts[i][s] = (i + s) % 9 == 0 ? 0 : (uint64_t)v;
			cells += counts[i][s] != 0;
		}
	}
	struct chart_heat heat = { "sched.runqueue_latency_us", CHART_US, T0, T0 + NPTS * STEP, cols,
				   (const uint64_t(*)[CHART_SLOTS])counts, 30 };

	if (chart_line_svg(&out, &line, 720, 260))
		return 1;
	emit(argv[1], "line.svg", &out);
	out.len = 0;
	if (chart_line_svg(&out, &bl, 720, 260))
		return 1;
	emit(argv[1], "band.svg", &out);
	out.len = 0;
	if (chart_line_svg(&out, &yl, 720, 260))
		return 1;
	emit(argv[1], "bytes.svg", &out);
	out.len = 0;
	if (chart_heat_svg(&out, &heat, 720, 300))
		return 1;
	emit(argv[1], "heat.svg", &out);
	out.len = 0;
	if (chart_line_svg(&out, &el, 720, 200))
		return 1;
	emit(argv[1], "empty.svg", &out);
	fbuf_printf(&page, "</body></html>\n");
	snprintf(path, sizeof(path), "%s/charts.html", argv[1]);
	truth = fopen(path, "w");
	if (!truth || fwrite(page.data, 1, page.len, truth) != page.len || fclose(truth))
		return 1;
	snprintf(path, sizeof(path), "%s/truth.json", argv[1]);
	truth = fopen(path, "w");
	if (!truth)
		return 1;
	fprintf(truth, "{\"line_max\": 93.25, \"line_max_t_ms\": %lld, \"from_ms\": %lld, \"to_ms\": %lld, "
		       "\"heat_cells\": %zu, \"gap_series\": 1, \"band_max\": %.17g}\n",
		(long long)a[17].t_ms, (long long)T0, (long long)(T0 + NPTS * STEP), cells, band[NPTS - 1].max);
	fbuf_free(&out);
	fbuf_free(&page);
	return fclose(truth) ? 1 : 0;
}
