/* SPDX-License-Identifier: GPL-2.0-only */
/* http.h - the --listen endpoint (libmicrohttpd, driven from the agent's loop, never a thread):
 *   /metrics          the latest record in Prometheus' text format (prom.h)
 *   /api/v1/snapshot  the latest record as JSON
 *   /api/v1/process/PID  one process, read from its own /proc files at the request (procinfo.h):
 *                     400 for a malformed pid, 404 (JSON error) for an absent one
 *   /healthz          200 "ok" while records are fresh, 503 otherwise
 *   /                 the live page for a person (page.h): the latest record's values, the alerts
 *                     firing, charts of the last hour (recent.h); 503 with a waiting page before
 *                     the first record. Rendered once per record, on its first request, and the one
 *                     rendering shared by every request until the next record.
 * The rest is served from the latest snapshot: a scrape never samples and never blocks the loop.
 * With --listen-token-file, / and /metrics and /api/... require "Authorization: Bearer TOKEN" or
 * the session cookie (http_auth.h): "/" without either answers 401 with a login form, which POSTs
 * the token to /login (a form body of at most 4 KiB; 413 past it): 303 to / with the cookie
 * (HttpOnly; SameSite=Strict; Path=/) for the right token, 401 and the form again for a wrong one.
 * POST is allowed for /login only (405 elsewhere), and only with a token file (405 without).
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
 * previous ones are freed. The record's numbers also go into the page's ring of recent values. */
void http_set_record(struct http *h, cJSON *record, cJSON *totals, int64_t now_ms, uint64_t interval_ms);
/* The alerts firing now (alert_engine_firing()), for the page; ownership passes to the server (NULL:
 * none known). Call before http_set_record() of the same record. */
void http_set_alerts(struct http *h, cJSON *firing);
/* The descriptor the loop polls, and what to call when it is readable. */
int http_fd(const struct http *h);
void http_on_event(struct http *h);
void http_close(struct http *h);

#endif
