// SPDX-License-Identifier: GPL-2.0-only
/* report.c - see report.h: the command's option table, then the driver: pick the files that overlap
 * the window, read the interval at the start of each to bound the records a series can have (which
 * sizes the p95 buffers), read every line, a second time for any series the bound was too small for,
 * and write the report. */
#include "report.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "report_agg.h"
#include "report_out.h"
#include "report_read.h"
#include "report_scan.h"
#include "report_time.h"
#include "util.h"

#define EXIT_BAD 2
#define DEFAULT_LOG_DIR "/var/log/corewatch" /* configs/corewatch.service's --log-dir */

enum { O_LOG_DIR = 256, O_PREFIX, O_FROM, O_TO, O_HOST, O_METRIC, O_FORMAT, O_SVG, O_HTML, O_HELP };

static const struct {
	const char *name, *arg, *help;
	int id;
} specs[] = {
	{ "log-dir", "DIR", "the agent's --log-dir [" DEFAULT_LOG_DIR "]", O_LOG_DIR },
	{ "log-prefix", "TEXT", "the agent's --log-prefix: files are TEXT<YYYY-MM-DD>*.log[.gz] [corewatch-]",
	  O_PREFIX },
	{ "from", "TIME", "window start, included [the first file's day]", O_FROM },
	{ "to", "TIME", "window end, excluded [the last file's day's end]", O_TO },
	{ "host", "NAME", "only records of this host (needed when the files hold several)", O_HOST },
	{ "metric", "PATH", "only this metric or prefix, in alert rule syntax (repeatable, 64 at most): cpu, "
	  "memory.used_pct, disks{device=vda}.write_bytes_per_s, sched.runqueue_latency_us", O_METRIC },
	{ "format", "table|json|csv", "output [table]", O_FORMAT },
	{ "svg", "DIR", "also write an SVG chart per metric and per histogram into DIR", O_SVG },
	{ "html", "FILE", "also write one self-contained HTML page with the tables and charts", O_HTML },
	{ "help", NULL, "print this help and exit", O_HELP },
};

struct ropts {
	const char *dir, *prefix, *from, *to, *host, *svg, *html;
	const char *metrics[REPORT_MAX_FILTERS];
	size_t nmetrics;
	int format; /* 0 table, 1 json, 2 csv */
};

static void usage(void)
{
	printf("Usage: corewatch report [OPTION]...\n"
	       "Summarises the agent's log files over a time window: for every metric and instance the\n"
	       "samples, min, avg, p95, max and time of max; eBPF latency histograms merged bucket by\n"
	       "bucket (p50/p90/p99 as the agent computes them); alerts that fired, with durations.\n\n");
	for (size_t i = 0; i < ARRAY_SIZE(specs); i++) {
		char left[64];

		snprintf(left, sizeof(left), "--%s%s%s", specs[i].name, specs[i].arg ? " " : "",
			 specs[i].arg ? specs[i].arg : "");
		printf("  %-26s %s\n", left, specs[i].help);
	}
	printf("\nTIME: RFC 3339 (2026-12-01T14:00:00Z, ...+01:00, no zone: local), 'YYYY-MM-DD[ HH:MM[:SS]]'\n"
	       "(local), now, today, yesterday, 'today 09:30', 'yesterday 14:00', or relative -30m, -2h, -1d,\n"
	       "-1w (exact seconds back from now). The window is [from, to). Files are picked by the local\n"
	       "date in their name.\n\n"
	       "p95 is the nearest rank: the value at rank ceil(0.95 n) of the n samples sorted, exact.\n"
	       "avg is the mean of the records' values (each record one sample, whatever its interval).\n"
	       "Lines that are not records (torn, foreign) are skipped and counted. Records of several hosts\n"
	       "are refused without --host. Exit status: 0, 1 unreadable file or write error, 2 bad flag.\n");
}

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_errorx("%s", msg);
	return EXIT_BAD;
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char *argv[], struct ropts *o)
{
	struct option lo[ARRAY_SIZE(specs) + 1];
	int c;

	memset(o, 0, sizeof(*o));
	o->dir = DEFAULT_LOG_DIR;
	o->prefix = "corewatch-";
	for (size_t i = 0; i < ARRAY_SIZE(specs); i++)
		lo[i] = (struct option){ specs[i].name, specs[i].arg ? required_argument : no_argument, NULL,
					 specs[i].id };
	lo[ARRAY_SIZE(specs)] = (struct option){ 0 };
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case O_LOG_DIR: o->dir = optarg; break;
		case O_PREFIX:
			if (strchr(optarg, '/'))
				return bad("--log-prefix: '%s' must not contain '/'", optarg);
			o->prefix = optarg;
			break;
		case O_FROM: o->from = optarg; break;
		case O_TO: o->to = optarg; break;
		case O_HOST:
			if (!*optarg)
				return bad("--host: empty value");
			o->host = optarg;
			break;
		case O_METRIC:
			if (o->nmetrics == REPORT_MAX_FILTERS)
				return bad("--metric: at most %d", REPORT_MAX_FILTERS);
			o->metrics[o->nmetrics++] = optarg;
			break;
		case O_FORMAT:
			if (!strcmp(optarg, "table"))
				o->format = 0;
			else if (!strcmp(optarg, "json"))
				o->format = 1;
			else if (!strcmp(optarg, "csv"))
				o->format = 2;
			else
				return bad("--format: '%s' is not one of table, json, csv", optarg);
			break;
		case O_SVG:
			if (!*optarg)
				return bad("--svg: empty value");
			o->svg = optarg;
			break;
		case O_HTML:
			if (!*optarg)
				return bad("--html: empty value");
			o->html = optarg;
			break;
		case 'h':
		case O_HELP:
			usage();
			return 0;
		case ':':
			return bad("%s: missing value", argv[optind - 1]);
		default:
			if (optopt)
				return bad("unknown option '-%c' (see corewatch report --help)", optopt);
			return bad("unknown option '%s' (see corewatch report --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad("unexpected argument '%s' (see corewatch report --help)", argv[optind]);
	return -1;
}

/* The smallest interval_s among the first lines of f, or 0. */
static int first_interval(void *ctx, const struct scan_event *ev, double v)
{
	double *iv = ctx;

	if (ev->leaf == 0 && ev->plen == 10 && !memcmp(ev->path, "interval_s", 10)) {
		if (v > 0)
			*iv = v;
		return 1;
	}
	return ev->leaf != 0; /* past the header */
}

static double file_interval(const char *path)
{
	struct scan_handler h = { first_interval, NULL, NULL, NULL, HIST_SLOTS - 1 };
	struct line_reader r;
	const char *line;
	size_t len;
	double iv = 0;
	char err[256];

	if (lines_open(&r, path, err, sizeof(err)) < 0)
		return 0;
	h.ctx = &iv;
	for (int i = 0; i < 5 && iv == 0 && lines_next(&r, &line, &len) == 1; i++) {
		const char *j = memchr(line, '{', len);

		if (j)
			scan_record(j, len - (size_t)(j - line), &h);
	}
	lines_close(&r);
	return iv;
}

/* Reads every file into a. Returns 0, or -1 when one could not be opened (said on stderr). */
static int read_all(struct report_agg *a, const struct logfile *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct line_reader r;
		const char *line;
		size_t len;
		char err[4200];

		if (lines_open(&r, f[i].path, err, sizeof(err)) < 0) {
			log_errorx("%s", err);
			return -1;
		}
		while (lines_next(&r, &line, &len) == 1)
			report_agg_line(a, line, len);
		if (!a->pass2)
			a->foreign += r.too_long;
		lines_close(&r);
	}
	return 0;
}

int report_main(int argc, char *argv[])
{
	struct report_agg a = { 0 };
	struct report_meta m = { 0 };
	struct logfile *files = NULL, *sel;
	struct ropts o;
	int64_t now = clock_ms(CLOCK_REALTIME), span = 0;
	size_t nsel = 0;
	long nfiles;
	double min_iv = 0;
	char err[1024];
	int rc = parse_args(argc, argv, &o);

	if (rc >= 0)
		return rc;
	a.from_ms = INT64_MIN;
	a.to_ms = INT64_MAX;
	if (o.from && report_parse_time(o.from, now, &a.from_ms) < 0)
		return bad("--from: '%s' is not a time (2026-12-01T14:00:00Z, 'yesterday 14:00', -2h; see --help)",
			   o.from);
	if (o.to && report_parse_time(o.to, now, &a.to_ms) < 0)
		return bad("--to: '%s' is not a time (2026-12-01T15:00:00Z, 'yesterday 15:00', now; see --help)",
			   o.to);
	if (a.from_ms >= a.to_ms)
		return bad("--from: '%s' is not before --to '%s'", o.from, o.to);
	for (size_t i = 0; i < o.nmetrics; i++) {
		char why[512];

		if (report_filter_parse(o.metrics[i], &a.filters[i], why, sizeof(why)) < 0) {
			report_agg_free(&a);
			return bad("--metric: %s", why);
		}
		a.nfilters++;
	}
	a.host = o.host;
	nfiles = logfiles_list(o.dir, o.prefix, &files, err, sizeof(err));
	if (nfiles < 0) {
		report_agg_free(&a);
		return bad("%s", err);
	}
	/* the files whose day overlaps the window, in day order */
	sel = files;
	for (long i = 0; i < nfiles; i++)
		if (files[i].start_ms < a.to_ms && files[i].end_ms > a.from_ms)
			sel[nsel++] = files[i];
		else
			free(files[i].path);
	for (size_t i = 0; i < nsel; i++) {
		double iv = file_interval(sel[i].path);
		int64_t lo = sel[i].start_ms > a.from_ms ? sel[i].start_ms : a.from_ms;
		int64_t hi = sel[i].end_ms < a.to_ms ? sel[i].end_ms : a.to_ms;

		if (iv > 0 && (min_iv == 0 || iv < min_iv))
			min_iv = iv;
		span += hi - lo;
	}
	/* at most one record per smallest interval, plus slack at each file's edges */
	a.bound = min_iv > 0 ? (uint64_t)((double)span / (min_iv * 1000.0)) + 2 * nsel : 1;
	a.charts = o.svg || o.html;
	/* the grid starts at --from, else at the first record: a file's day start would make the first
	 * minutes of a day one column */
	a.origin_ms = a.from_ms;
	a.grid_from_first = a.grid_can_shift = a.from_ms == INT64_MIN;
	a.width_ms = min_iv > 0 ? (int64_t)(min_iv * 1000) : 10000;
	if (report_agg_init(&a) < 0) {
		rc = 1;
		log_errorx("out of memory");
		goto out;
	}
	if (read_all(&a, sel, nsel) < 0) {
		rc = 1;
		goto out;
	}
	if (!o.host && (a.nhosts > 1 || a.more_hosts)) {
		char list[512];
		size_t n = 0;

		list[0] = '\0';
		for (size_t i = 0; i < a.nhosts; i++)
			n += (size_t)snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0, "%s%s", i ? ", " : "",
					      a.hosts[i]);
		rc = bad("--host: %s holds records of %s%zu hosts (%s%s): pick one with --host", o.dir,
			 a.more_hosts ? "more than " : "", a.nhosts, list, a.more_hosts ? ", ..." : "");
		goto out;
	}
	if (report_agg_finish(&a)) {
		a.pass2 = true;
		if (read_all(&a, sel, nsel) < 0) {
			rc = 1;
			goto out;
		}
		report_agg_finish(&a);
	}
	if (a.oom) { /* a number that misses samples is worse than no report */
		rc = 1;
		log_errorx("out of memory: no report");
		goto out;
	}
	for (size_t i = 0; i < a.nfilters; i++)
		if (!a.filters[i].used)
			log_warnx("--metric %s: no such series in the window", a.filters[i].text);
	m.dir = o.dir;
	m.host = o.host ? o.host : a.nhosts ? a.hosts[0] : NULL;
	m.from_ms = a.from_ms;
	m.to_ms = a.to_ms;
	m.nfiles = nsel;
	if (a.torn || a.foreign)
		log_warnx("%llu torn and %llu foreign lines skipped", (unsigned long long)a.torn,
			  (unsigned long long)a.foreign);
	if (o.svg && report_write_svgs(&a, &m, o.svg, err, sizeof(err)) < 0) {
		rc = bad("%s", err);
		goto out;
	}
	if (o.html && report_write_html(&a, &m, o.html, err, sizeof(err)) < 0) {
		rc = bad("%s", err);
		goto out;
	}
	rc = o.format == 1 ? report_write_json(stdout, &a, &m)
	     : o.format == 2 ? report_write_csv(stdout, &a, &m)
			     : report_write_table(stdout, &a, &m);
	if (rc < 0 || fflush(stdout) != 0) {
		log_warn("writing the report");
		rc = 1;
	}
out:
	logfiles_free(sel, nsel);
	report_agg_free(&a);
	return rc;
}
