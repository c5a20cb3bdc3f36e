// SPDX-License-Identifier: GPL-2.0-only
/* chart.c - see chart.h. Layout: a title on top (and a legend row under it with several series), the
 * value axis on the left, the time axis below. The plotted elements (lines, bands, heatmap cells)
 * carry class="data" so that a test can tell a plotted chart from an empty frame.
 */
#include "chart.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart_axis.h"

#define MARGIN_L 64
#define MARGIN_R 16
#define MARGIN_T 30
#define LEGEND_H 16
#define MARGIN_B 36
#define GAP_FACTOR 2.5 /* a time step this many times the median one breaks the line */

/* Okabe-Ito: told apart with the common colour-vision deficiencies; the yellow last (weak on white). */
static const char *const palette[] = { "#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9",
				       "#000000", "#f0e442" };
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

/* Output with a sticky error: every append after a failure is a no-op, and the caller rolls back. */
struct svg {
	struct fbuf *out;
	size_t start;
	int err;
};

static void put(struct svg *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct svg *s, const char *fmt, ...)
{
	va_list ap;
	char small[512];
	int n;

	if (s->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(small)) { /* only the callers' fixed strings: never this long */
		s->err = -ENOMEM;
		return;
	}
	s->err = fbuf_append(s->out, small, (size_t)n);
}

static void esc(struct svg *s, const char *str)
{
	if (!s->err)
		s->err = chart_escape(s->out, str);
}

static int finish(struct svg *s)
{
	if (s->err && s->out->data) {
		s->out->len = s->start;
		s->out->data[s->start] = 0;
	}
	return s->err;
}

/* A coordinate: finite, bounded, and printed with at most one decimal ("12", "12.5"). */
static void coord(char *buf, size_t len, double v)
{
	long t;

	if (!isfinite(v))
		v = 0;
	v = v > 1e6 ? 1e6 : v < -1e6 ? -1e6 : v;
	t = lround(v * 10);
	if (t % 10 == 0)
		snprintf(buf, len, "%ld", t / 10);
	else
		snprintf(buf, len, "%s%ld.%ld", t < 0 ? "-" : "", labs(t) / 10, labs(t) % 10);
}

/* Appends the path command c with the point: "M12 34.5". */
static void pt(struct svg *s, char c, double x, double y)
{
	char bx[24], by[24];

	coord(bx, sizeof(bx), x);
	coord(by, sizeof(by), y);
	put(s, "%c%s %s", c, bx, by);
}

int chart_escape(struct fbuf *out, const char *s)
{
	const char *run = s;
	size_t start = out->len;

	if (!s)
		return 0;
	for (;; s++) {
		const char *rep = NULL;
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			if (c && c < 0x20 && c != '\t' && c != '\n')
				rep = " "; /* not allowed in XML 1.0 at all */
		}
		if (!rep && c)
			continue;
		if (fbuf_append(out, run, (size_t)(s - run)) || (rep && fbuf_append(out, rep, strlen(rep)))) {
			if (out->data) {
				out->len = start;
				out->data[start] = 0;
			}
			return -ENOMEM;
		}
		if (!c)
			return 0;
		run = s + 1;
	}
}

/* The plot area and the time mapping shared by both kinds of chart. */
struct frame {
	int w, h;
	double x0, y0, pw, ph; /* plot area: left, top, width, height */
	int64_t from_ms, to_ms;
};

static double xof(const struct frame *f, int64_t t_ms)
{
	return f->x0 + (double)(t_ms - f->from_ms) / (double)(f->to_ms - f->from_ms) * f->pw;
}

static void frame_init(struct frame *f, int w, int h, int64_t from_ms, int64_t to_ms, bool legend)
{
	f->w = w < 160 ? 160 : w > 10000 ? 10000 : w;
	f->h = h < 100 ? 100 : h > 10000 ? 10000 : h;
	f->x0 = MARGIN_L;
	f->y0 = MARGIN_T + (legend ? LEGEND_H : 0);
	f->pw = f->w - MARGIN_L - MARGIN_R;
	f->ph = f->h - f->y0 - MARGIN_B;
	f->from_ms = from_ms;
	f->to_ms = to_ms > from_ms ? to_ms : from_ms + 60000;
}

static void head(struct svg *s, const struct frame *f, const char *title)
{
	put(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
	       "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n",
	    f->w, f->h, f->w, f->h);
	put(s, "<title>");
	esc(s, title);
	put(s, "</title>\n<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", f->w, f->h);
	put(s, "<text class=\"title\" x=\"%d\" y=\"18\" font-size=\"13\" font-weight=\"bold\">", MARGIN_L);
	esc(s, title);
	put(s, "</text>\n");
}

/* The time axis under the plot: a tick, a grid line and a label (two lines with a date) per tick. */
static void time_axis(struct svg *s, const struct frame *f)
{
	int64_t ticks[AXIS_MAX_TIME_TICKS], step;
	size_t n = axis_time(f->from_ms, f->to_ms, ticks, &step);
	double yb = f->y0 + f->ph;

	put(s, "<g class=\"xaxis\" stroke=\"#dddddd\">\n");
	for (size_t i = 0; i < n; i++) {
		char hm[16], date[16], bx[24];

		coord(bx, sizeof(bx), xof(f, ticks[i]));
		axis_time_label(ticks[i], step, f->to_ms - f->from_ms, hm, sizeof(hm), date, sizeof(date));
		put(s, "<line x1=\"%s\" y1=\"%.1f\" x2=\"%s\" y2=\"%.1f\"/>", bx, f->y0, bx, yb + 4);
		put(s, "<text x=\"%s\" y=\"%.1f\" text-anchor=\"middle\" stroke=\"none\" fill=\"#333333\">%s", bx,
		    yb + 15, hm);
		if (date[0])
			put(s, "<tspan x=\"%s\" dy=\"12\">%s</tspan>", bx, date);
		put(s, "</text>\n");
	}
	put(s, "</g>\n");
}

/* The value axis: per tick a grid line (its y is the tick's value) and a label. */
static void value_axis(struct svg *s, const struct frame *f, const struct axis *a)
{
	put(s, "<g class=\"yaxis\">\n");
	for (int i = 0; i < a->nticks; i++) {
		double v = a->lo + a->step * i, y = f->y0 + f->ph - (v - a->lo) / (a->hi - a->lo) * f->ph;
		char label[48], by[24];

		coord(by, sizeof(by), y);
		axis_value_label(a, v, label, sizeof(label));
		put(s, "<g class=\"ytick\"><line x1=\"%.1f\" y1=\"%s\" x2=\"%.1f\" y2=\"%s\" stroke=\"#dddddd\"/>",
		    f->x0 - 4, by, f->x0 + f->pw, by);
		put(s, "<text x=\"%.1f\" y=\"%s\" dy=\"4\" text-anchor=\"end\" fill=\"#333333\">%s</text></g>\n",
		    f->x0 - 6, by, label);
	}
	put(s, "</g>\n");
}

static void plot_border(struct svg *s, const struct frame *f)
{
	put(s, "<rect class=\"plot\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
	       "stroke=\"#888888\"/>\n", f->x0, f->y0, f->pw, f->ph);
}

static void no_data(struct svg *s, const struct frame *f)
{
	put(s, "<text class=\"nodata\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#888888\" "
	       "font-size=\"14\">no data</text>\n", f->x0 + f->pw / 2, f->y0 + f->ph / 2);
}

/* A point that can be drawn: recorded, in the time range, with finite numbers. */
static bool usable(const struct chart_line *c, const struct chart_point *p)
{
	return p->n > 0 && p->t_ms >= c->from_ms && p->t_ms <= c->to_ms && isfinite(p->avg) &&
	       (p->n == 1 || (isfinite(p->min) && isfinite(p->max)));
}

static bool has_band(const struct chart_point *p)
{
	return p->n > 1 && p->min < p->max;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The median step between the series' points (0 with fewer than two): a longer jump is a gap. */
static int64_t median_step(const struct chart_series *se)
{
	int64_t *d, med;
	size_t n = 0;

	if (se->npts < 2 || !(d = malloc((se->npts - 1) * sizeof(*d))))
		return 0;
	for (size_t i = 1; i < se->npts; i++)
		if (se->pts[i].t_ms > se->pts[i - 1].t_ms)
			d[n++] = se->pts[i].t_ms - se->pts[i - 1].t_ms;
	qsort(d, n, sizeof(*d), cmp_i64);
	med = n ? d[n / 2] : 0;
	free(d);
	return med;
}

/* The runs of a series: [*b, *e) the next run of usable points from *b on, false when none is left. */
static bool next_run(const struct chart_line *c, const struct chart_series *se, int64_t med, size_t *b,
		     size_t *e)
{
	size_t i = *b;

	while (i < se->npts && !usable(c, &se->pts[i]))
		i++;
	if (i >= se->npts)
		return false;
	*b = i;
	for (i++; i < se->npts && usable(c, &se->pts[i]); i++)
		if (med > 0 && (double)(se->pts[i].t_ms - se->pts[i - 1].t_ms) > GAP_FACTOR * (double)med)
			break;
	*e = i;
	return true;
}

static double yof(const struct frame *f, const struct axis *a, double v)
{
	return f->y0 + f->ph - (v - a->lo) / (a->hi - a->lo) * f->ph;
}

static void draw_series(struct svg *s, const struct chart_line *c, const struct frame *f, const struct axis *a,
			size_t k)
{
	const struct chart_series *se = &c->series[k];
	const char *col = palette[k % NPALETTE];
	int64_t med = median_step(se);
	size_t b, e;
	bool band = false;

	for (size_t i = 0; i < se->npts; i++)
		band = band || (usable(c, &se->pts[i]) && has_band(&se->pts[i]));
	if (band) {
		put(s, "<path class=\"data band\" fill=\"%s\" fill-opacity=\"0.2\" stroke=\"none\" d=\"", col);
		for (b = 0; next_run(c, se, med, &b, &e); b = e) {
			for (size_t i = b; i < e; i++)
				pt(s, i == b ? 'M' : 'L', xof(f, se->pts[i].t_ms),
				   yof(f, a, se->pts[i].n > 1 ? se->pts[i].max : se->pts[i].avg));
			for (size_t i = e; i-- > b;)
				pt(s, 'L', xof(f, se->pts[i].t_ms),
				   yof(f, a, se->pts[i].n > 1 ? se->pts[i].min : se->pts[i].avg));
			put(s, "Z");
		}
		put(s, "\"/>\n");
	}
	put(s, "<path class=\"data line\" data-series=\"%zu\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
	       "stroke-linejoin=\"round\" stroke-linecap=\"round\" d=\"", k, col);
	for (b = 0; next_run(c, se, med, &b, &e); b = e) {
		for (size_t i = b; i < e; i++)
			pt(s, i == b ? 'M' : 'L', xof(f, se->pts[i].t_ms), yof(f, a, se->pts[i].avg));
		if (e - b == 1)
			put(s, "h0"); /* a lone point: a dot (round cap) */
	}
	put(s, "\"><title>");
	esc(s, se->label && se->label[0] ? se->label : c->title);
	put(s, "</title></path>\n");
}

static void legend(struct svg *s, const struct chart_line *c, const struct frame *f)
{
	double x = f->x0;

	put(s, "<g class=\"legend\">\n");
	for (size_t k = 0; k < c->nseries && x < f->w - 40; k++) {
		const char *l = c->series[k].label;
		char def[32];
		size_t len;

		if (!l || !l[0]) {
			snprintf(def, sizeof(def), "series %zu", k + 1);
			l = def;
		}
		put(s, "<rect x=\"%.1f\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%.1f\" y=\"%d\">",
		    x, MARGIN_T - 6, palette[k % NPALETTE], x + 14, MARGIN_T + 3);
		esc(s, l);
		put(s, "</text>\n");
		len = strlen(l);
		x += 14 + 6.5 * (double)(len > 40 ? 40 : len) + 14;
	}
	put(s, "</g>\n");
}

int chart_line_svg(struct fbuf *out, const struct chart_line *c, int width, int height)
{
	struct svg s = { .out = out, .start = out->len };
	double dmin = INFINITY, dmax = -INFINITY;
	struct frame f;
	struct axis a;

	for (size_t k = 0; k < c->nseries; k++)
		for (size_t i = 0; i < c->series[k].npts; i++) {
			const struct chart_point *p = &c->series[k].pts[i];

			if (!usable(c, p))
				continue;
			dmin = fmin(dmin, has_band(p) ? fmin(p->min, p->avg) : p->avg);
			dmax = fmax(dmax, has_band(p) ? fmax(p->max, p->avg) : p->avg);
		}
	frame_init(&f, width, height, c->from_ms, c->to_ms, c->nseries > 1);
	axis_value(&a, dmin, dmax, c->unit);
	head(&s, &f, c->title);
	value_axis(&s, &f, &a);
	time_axis(&s, &f);
	plot_border(&s, &f);
	if (c->nseries > 1)
		legend(&s, c, &f);
	if (dmin > dmax)
		no_data(&s, &f);
	else
		for (size_t k = 0; k < c->nseries; k++)
			draw_series(&s, c, &f, &a, k);
	put(&s, "</svg>\n");
	return finish(&s);
}

/* Sequential scale for a heatmap cell, t in 0..1: light yellow, orange, red, dark purple. */
static void heat_colour(double t, char *buf, size_t len)
{
	static const unsigned char stops[][3] = { { 0xff, 0xf5, 0xb0 }, { 0xfd, 0xae, 0x4a }, { 0xe3, 0x2f, 0x27 },
						  { 0x8c, 0x0a, 0x4e }, { 0x3b, 0x0a, 0x45 } };
	const int last = sizeof(stops) / sizeof(stops[0]) - 1;
	int i;
	double u;

	t = isfinite(t) ? (t < 0 ? 0 : t > 1 ? 1 : t) : 1;
	i = (int)(t * last);
	i = i >= last ? last - 1 : i;
	u = t * last - i;
	snprintf(buf, len, "#%02x%02x%02x", (int)lround(stops[i][0] + (stops[i + 1][0] - stops[i][0]) * u),
		 (int)lround(stops[i][1] + (stops[i + 1][1] - stops[i][1]) * u),
		 (int)lround(stops[i][2] + (stops[i + 1][2] - stops[i][2]) * u));
}

/* Where column i ends: the next one's start, the last at to_ms. */
static int64_t col_end(const struct chart_heat *h, size_t i)
{
	return i + 1 < h->ncols ? h->col_t_ms[i + 1] : h->to_ms;
}

/* The upper bound of log2 slot b: 2^b - 1. */
static double slot_le(int b)
{
	return b == 0 ? 0 : ldexp(1, b) - 1;
}

static void heat_scale(struct svg *s, const struct frame *f, uint64_t cmin, uint64_t cmax)
{
	double x = f->w - MARGIN_R - 120;
	char col[8];

	put(s, "<g class=\"scale\"><text x=\"%.1f\" y=\"18\" text-anchor=\"end\">%llu</text>", x - 3,
	    (unsigned long long)cmin);
	for (int i = 0; i < 8; i++) {
		heat_colour(i / 7.0, col, sizeof(col));
		put(s, "<rect x=\"%.1f\" y=\"9\" width=\"10\" height=\"10\" fill=\"%s\"/>", x + i * 10, col);
	}
	put(s, "<text x=\"%.1f\" y=\"18\">%llu</text><text x=\"%.1f\" y=\"%d\" font-size=\"9\" "
	       "fill=\"#666666\">count</text></g>\n", x + 83, (unsigned long long)cmax, x, MARGIN_T);
}

int chart_heat_svg(struct fbuf *out, const struct chart_heat *h, int width, int height)
{
	struct svg s = { .out = out, .start = out->len };
	uint64_t cmin = UINT64_MAX, cmax = 0;
	int smin = CHART_SLOTS, smax = -1, nrows, every;
	double rh, lmin, lspan;
	struct frame f;

	frame_init(&f, width, height, h->from_ms, h->to_ms, false);
	for (size_t i = 0; i < h->ncols; i++) {
		if (col_end(h, i) <= f.from_ms || h->col_t_ms[i] >= f.to_ms)
			continue;
		for (int b = 0; b < CHART_SLOTS; b++)
			if (h->counts[i][b]) {
				smin = b < smin ? b : smin;
				smax = b > smax ? b : smax;
				cmin = h->counts[i][b] < cmin ? h->counts[i][b] : cmin;
				cmax = h->counts[i][b] > cmax ? h->counts[i][b] : cmax;
			}
	}
	head(&s, &f, h->title);
	time_axis(&s, &f);
	if (smax < 0) {
		struct axis a;

		axis_value(&a, 0, 1, h->unit);
		value_axis(&s, &f, &a);
		plot_border(&s, &f);
		no_data(&s, &f);
		put(&s, "</svg>\n");
		return finish(&s);
	}
	nrows = smax - smin + 1;
	rh = f.ph / nrows;
	every = (nrows + 7) / 8;
	put(&s, "<g class=\"yaxis\">\n");
	for (int r = 0; r <= nrows; r += every) { /* the top edge of row r - 1: its slot's upper bound */
		double y = f.y0 + f.ph - r * rh;
		char label[32], by[24];

		if (r == 0)
			continue;
		coord(by, sizeof(by), y);
		axis_format(slot_le(smin + r - 1), h->unit, label, sizeof(label));
		put(&s, "<g class=\"ytick\"><line x1=\"%.1f\" y1=\"%s\" x2=\"%.1f\" y2=\"%s\" stroke=\"#dddddd\"/>"
			"<text x=\"%.1f\" y=\"%s\" dy=\"4\" text-anchor=\"end\" fill=\"#333333\">%s</text></g>\n",
		    f.x0 - 4, by, f.x0, by, f.x0 - 6, by, label);
	}
	put(&s, "</g>\n");
	lmin = log((double)cmin);
	lspan = log((double)cmax) - lmin;
	put(&s, "<g class=\"cells\" stroke=\"none\">\n");
	for (size_t i = 0; i < h->ncols; i++) {
		int64_t t0 = h->col_t_ms[i] > f.from_ms ? h->col_t_ms[i] : f.from_ms;
		int64_t t1 = col_end(h, i) < f.to_ms ? col_end(h, i) : f.to_ms;
		char bx[24], bw[24], by[24], bh[24], col[8], le[32];

		if (t1 <= t0)
			continue;
		coord(bx, sizeof(bx), xof(&f, t0));
		coord(bw, sizeof(bw), xof(&f, t1) - xof(&f, t0) < 0.1 ? 0.1 : xof(&f, t1) - xof(&f, t0));
		coord(bh, sizeof(bh), rh);
		for (int b = smin; b <= smax; b++) {
			uint64_t n = h->counts[i][b];

			if (!n)
				continue;
			heat_colour(lspan > 0 ? (log((double)n) - lmin) / lspan : 1, col, sizeof(col));
			coord(by, sizeof(by), f.y0 + f.ph - (b - smin + 1) * rh);
			axis_format(slot_le(b), h->unit, le, sizeof(le));
			put(&s, "<rect class=\"data\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"%s\">"
				"<title>le %s: %llu</title></rect>\n", bx, by, bw, bh, col, le, (unsigned long long)n);
		}
	}
	put(&s, "</g>\n");
	plot_border(&s, &f);
	heat_scale(&s, &f, cmin, cmax);
	put(&s, "</svg>\n");
	return finish(&s);
}
