/* SPDX-License-Identifier: GPL-2.0-only */
/* report_read.h - the agent's dated log files for `corewatch report`: which ones a directory holds,
 * and their lines, plain or gzip (several members, as logdir_maintain appends them), streamed
 * through one bounded buffer: never a whole day in memory. */
#ifndef COREWATCH_REPORT_READ_H
#define COREWATCH_REPORT_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <isa-l/igzip_lib.h>

struct logfile {
	char *path;                  /* malloc'd */
	char day[11];                /* YYYY-MM-DD of its name */
	int64_t start_ms, end_ms;    /* the local day it covers */
};

/* The files named PREFIX YYYY-MM-DD [anything] .log or .log.gz in dir, by day then name, into *out
 * (free with logfiles_free). Returns their number, or -1 with "DIR: reason" in err. */
long logfiles_list(const char *dir, const char *prefix, struct logfile **out, char *err, size_t errlen);
void logfiles_free(struct logfile *v, size_t n);

#define LINE_MAX_BYTES (64u << 20) /* a longer line is not a record: skipped and counted foreign */

struct line_reader {
	int fd;
	struct inflate_state *zs;    /* a gzip file's inflater (NULL: a plain file) */
	uint8_t *in;                 /* its compressed input, READ_CHUNK */
	bool in_eof, zdone;          /* the file read to its end; the last member inflated */
	int zerr;                    /* an inflate error, returned after the text before it */
	const char *path;
	char *buf;
	size_t cap, start, end;
	bool eof, failed;
	uint64_t lineno;
	uint64_t too_long;           /* lines skipped for LINE_MAX_BYTES */
};

/* Opens path for reading (a plain or gzip file). Returns 0, or -1 with "PATH: reason" in err. */
int lines_open(struct line_reader *r, const char *path, char *err, size_t errlen);
/* The next line, without its newline (the last one may lack it). Returns 1 and sets *line and *len
 * (valid until the next call), 0 at the end, -1 on a read error or a truncated gzip stream (said
 * on stderr once; the lines before it were returned). */
int lines_next(struct line_reader *r, const char **line, size_t *len);
void lines_close(struct line_reader *r);

#endif
