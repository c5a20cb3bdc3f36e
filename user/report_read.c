// SPDX-License-Identifier: GPL-2.0-only
/* report_read.c - see report_read.h. zlib's gzread reads plain files as they are and gzip files
 * member after member; lines are cut out of one buffer that grows only for a longer line. */
#include "report_read.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "report_time.h"
#include "util.h"

static int cmp_file(const void *a, const void *b)
{
	const struct logfile *x = a, *y = b;
	int c = strcmp(x->day, y->day);

	return c ? c : strcmp(x->path, y->path);
}

long logfiles_list(const char *dir, const char *prefix, struct logfile **out, char *err, size_t errlen)
{
	size_t plen = strlen(prefix), n = 0, cap = 0;
	struct logfile *v = NULL;
	struct dirent *de;
	DIR *d = opendir(dir);

	*out = NULL;
	if (!d) {
		snprintf(err, errlen, "--log-dir: %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		size_t len = strlen(name);
		struct logfile f = { 0 };
		char path[4096];

		if (strncmp(name, prefix, plen) != 0 || len < plen + 14)
			continue;
		if (!(len > 4 && strcmp(name + len - 4, ".log") == 0) &&
		    !(len > 7 && strcmp(name + len - 7, ".log.gz") == 0))
			continue;
		memcpy(f.day, name + plen, 10);
		f.day[10] = '\0';
		if (report_day_span(f.day, &f.start_ms, &f.end_ms) < 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
			continue;
		if (array_reserve(&v, &cap, n + 1, sizeof(*v), 16) < 0 || !(f.path = strdup(path))) {
			closedir(d);
			logfiles_free(v, n);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		v[n++] = f;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_file);
	*out = v;
	return (long)n;
}

void logfiles_free(struct logfile *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

#define READ_CHUNK (256u << 10)

int lines_open(struct line_reader *r, const char *path, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->path = path;
	r->gz = gzopen(path, "rb");
	if (!r->gz) {
		snprintf(err, errlen, "%s: %s", path, errno ? strerror(errno) : "cannot open");
		return -1;
	}
	gzbuffer(r->gz, READ_CHUNK);
	r->cap = 2 * READ_CHUNK;
	r->buf = malloc(r->cap);
	if (!r->buf) {
		gzclose(r->gz);
		r->gz = NULL;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Reads more after what the buffer holds (moved to its start first). Returns bytes read, 0 at the
 * end, -1 on an error. */
static int fill(struct line_reader *r)
{
	int n, zerr;

	if (r->start) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->cap - r->end < READ_CHUNK) {
		size_t ncap = r->cap * 2;
		char *nb;

		if (ncap > LINE_MAX_BYTES + 2 * READ_CHUNK)
			return -2; /* a line past the limit */
		if (!(nb = realloc(r->buf, ncap)))
			return -1;
		r->buf = nb;
		r->cap = ncap;
	}
	n = gzread(r->gz, r->buf + r->end, (unsigned)(r->cap - r->end));
	if (n < 0 || (n == 0 && !gzeof(r->gz))) {
		const char *msg = gzerror(r->gz, &zerr);

		log_warnx("%s: %s (read up to line %llu)", r->path, zerr == Z_ERRNO ? strerror(errno) : msg,
			  (unsigned long long)r->lineno);
		return -1;
	}
	if (n == 0) {
		/* a gzip stream cut short reads as an end, with Z_BUF_ERROR set */
		gzerror(r->gz, &zerr);
		if (zerr == Z_BUF_ERROR) {
			log_warnx("%s: truncated gzip stream (read up to line %llu)", r->path,
				  (unsigned long long)r->lineno);
			r->failed = true;
		}
	}
	r->end += (size_t)n;
	return n;
}

int lines_next(struct line_reader *r, const char **line, size_t *len)
{
	size_t scan = r->start;

	for (;;) {
		char *nl = memchr(r->buf + scan, '\n', r->end - scan);
		int n;

		if (nl) {
			*line = r->buf + r->start;
			*len = (size_t)(nl - *line);
			r->start = (size_t)(nl - r->buf) + 1;
			r->lineno++;
			return 1;
		}
		if (r->eof || r->failed) {
			if (r->end > r->start) { /* a last line without its newline */
				*line = r->buf + r->start;
				*len = r->end - r->start;
				r->start = r->end;
				r->lineno++;
				return 1;
			}
			return r->failed ? -1 : 0;
		}
		scan = r->end - r->start;
		n = fill(r);
		if (n == -2) {
			/* drop this line's bytes up to its newline */
			r->too_long++;
			r->start = r->end = 0;
			for (;;) {
				int m = gzread(r->gz, r->buf, (unsigned)r->cap);
				char *e;

				if (m <= 0) {
					r->eof = true;
					break;
				}
				if ((e = memchr(r->buf, '\n', (size_t)m))) {
					r->start = (size_t)(e - r->buf) + 1;
					r->end = (size_t)m;
					break;
				}
			}
			r->lineno++;
			scan = r->start;
			continue;
		}
		if (n < 0) {
			r->failed = true;
			continue;
		}
		scan = r->start + scan;
		if (n == 0)
			r->eof = true;
	}
}

void lines_close(struct line_reader *r)
{
	if (r->gz)
		gzclose(r->gz);
	free(r->buf);
	memset(r, 0, sizeof(*r));
}
