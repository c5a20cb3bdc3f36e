/* SPDX-License-Identifier: GPL-2.0-only */
/* output.h - where records go: stdout, or dated files in a log directory.
 *
 * Each record is written with one write() of whole lines. A write that fails (ENOSPC, EIO, directory
 * gone) keeps the record in a bounded backlog that is retried every interval; a short write to a file
 * is truncated back so no half line is ever left. Each kind of error is reported once on stderr until
 * writes succeed again; every failure is counted in the agent counters.
 */
#ifndef COREWATCH_OUTPUT_H
#define COREWATCH_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "counters.h"
#include "options.h"

#define OUTPUT_BACKLOG_MAX (4u << 20) /* bytes of unwritten records kept before the oldest drop */

struct output {
	char *dir, *prefix, *suffix;      /* dir NULL: stdout */
	uint64_t retention_days;
	int format;
	int fd;
	char day[11];                     /* YYYY-MM-DD of the open file */
	char closed[11];                  /* the day before it was this one, or "" */
	char path[4096];
	struct agent_counters *ctr;
	char *backlog;                    /* complete lines not yet written */
	size_t blen, bcap;
	int reported[16];                 /* errnos already reported since the last good write */
	size_t nreported;
	pid_t maint_pid;                  /* compression/retention child, 0 if none */
	bool maint_again;
	/* what starts every file created after the first (output_on_new_file) */
	char *(*inventory_fn)(void *ctx, int64_t epoch_ms);
	void *inventory_ctx;
	bool fresh_file;                  /* a file was created by this write: it needs one */
	bool writing_inventory;           /* this write is one already */
};

/* Prepares the sink from o (creating the log directory if needed). Returns 0, or -1 with a reason in
 * err: the caller treats that as bad configuration (exit 2). */
int output_open(struct output *out, const struct options *o, struct agent_counters *ctr, char *err,
		size_t errlen);
/* Checks that o's log directory is usable, without keeping anything open (--check-config). */
int output_check(const struct options *o, char *err, size_t errlen);
/* Applies new settings (SIGHUP) and reopens the file. Returns 0, or -1 with err (old settings kept). */
int output_reconfigure(struct output *out, const struct options *o, char *err, size_t errlen);
/* Appends one record (json, len bytes, no newline) stamped with its time, and writes. */
void output_record(struct output *out, const char *json, size_t len, int64_t epoch_ms);
/* Writes an inventory record like output_record. */
void output_inventory(struct output *out, const char *json, size_t len, int64_t epoch_ms);
/* From now on every file the output creates (the next day's, one made again after the directory
 * vanished) starts with an inventory record, so each file describes its host: fn returns it as
 * malloc'd JSON taken at epoch_ms (the output frees it), or NULL. */
void output_on_new_file(struct output *out, char *(*fn)(void *ctx, int64_t epoch_ms), void *ctx);
/* Reopens the file on the next write (SIGHUP, logrotate). */
void output_reopen(struct output *out);
/* Flushes what it can and releases everything. */
void output_close(struct output *out);

/* Gives fd (a log file or directory corewatch created) mode and the log group: adm when it exists,
 * else its group stays. what names it in a warning; a failed chown is reported once per process.
 * Returns 0, or -1 when either could not be set. */
int output_set_perms(int fd, mode_t mode, const char *what);

/* Deletes this prefix/suffix's files dated today - retention_days or earlier (retention 0: none)
 * and last modified at least retention_days - 1 days before now, except the day just closed
 * (closed, may be NULL or ""), which a clock jumping forward would otherwise make look old; gzips
 * every other day's .log but today's to .log.gz (appended to one already there, with the .log's
 * mtime). today and closed are YYYY-MM-DD (local). Runs in the calling process; output.c runs it
 * in a child. Returns the number of failures. */
int logdir_maintain(const char *dir, const char *prefix, const char *suffix, uint64_t retention_days,
		    const char *today, const char *closed, time_t now);

#endif
