/* SPDX-License-Identifier: GPL-2.0-only */
/* http.h - the --listen endpoint (libmicrohttpd, driven from the agent's loop, never a thread):
 *   /metrics          the latest record in Prometheus' text format (prom.h)
 *   /api/v1/snapshot  the latest record as JSON
 *   /api/v1/process/PID  one process, read from its own /proc files at the request (procinfo.h):
 *                     400 for a malformed pid, 404 (JSON error) for an absent one
 *   /healthz          200 "ok" while records are fresh, 503 otherwise
 * The rest is served from the latest snapshot: a scrape never samples and never blocks the loop.
 * With --listen-token-file, /metrics and /api/... require "Authorization: Bearer TOKEN".
 */
#ifndef COREWATCH_HTTP_H
#define COREWATCH_HTTP_H

#include <stdint.h>

#include <cJSON.h>

#include "counters.h"
#include "options.h"

struct http;

/* Checks --listen and --listen-token-file without binding. Returns 0, or -1 with a reason. */
int http_check(const struct options *o, char *err, size_t errlen);
/* Binds and starts serving (*out NULL when --listen is not given), counting requests and refused or
 * closed clients into ctr (borrowed). Returns 0, or -1 with a reason naming the address (port in
 * use, bad token file). */
int http_open(struct http **out, const struct options *o, struct agent_counters *ctr, char *err,
	      size_t errlen);
/* The latest metrics record and the collectors' totals of the same samples (record_totals(); either
 * may be NULL), and the wall-clock time they were taken. Ownership of both passes to the server; the
 * previous ones are freed. */
void http_set_record(struct http *h, cJSON *record, cJSON *totals, int64_t now_ms, uint64_t interval_ms);
/* The descriptor the loop polls, and what to call when it is readable. */
int http_fd(const struct http *h);
void http_on_event(struct http *h);
void http_close(struct http *h);

#endif
