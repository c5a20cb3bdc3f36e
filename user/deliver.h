/* SPDX-License-Identifier: GPL-2.0-only */
/* deliver.h - delivery of alert records to hooks: a program (exec), a webhook, Alertmanager, email.
 *
 * Never blocks the caller: deliver_send() only queues. Work happens when the loop sees deliver_fd()
 * readable and calls deliver_on_event() (HTTP and SMTP through libcurl's multi interface on a private
 * epoll set; programs through posix_spawn, reaped via the loop's SIGCHLD). Each target has a bounded
 * queue; a failed delivery is logged once per failing spell, counted in the agent section and retried
 * with exponential backoff, then dropped (counted) after MAX_ATTEMPTS.
 */
#ifndef COREWATCH_NOTIFY_H
#define COREWATCH_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cJSON.h>

#include "counters.h"
#include "options.h"

struct deliverer;

/* Checks the delivery settings (URLs, program, secret files) without starting anything. Returns 0,
 * or -1 with a one-line reason naming the flag in err (exit 2). */
int deliver_check(const struct options *o, char *err, size_t errlen);

/* The capabilities (a mask of 1 << CAP_x) the agent must keep to run the --alert-exec hook as its
 * user: CAP_SETUID, CAP_SETGID and CAP_KILL (its timeout) when that user is not the agent's own,
 * else 0. */
uint64_t deliver_caps_to_keep(const struct options *o);

/* Checks, then prepares the targets. *out is NULL when no target is configured. Returns 0, or -1
 * with a reason in err. host names the instance in Alertmanager labels and emails; it is copied. */
int deliver_open(struct deliverer **out, const struct options *o, const char *host,
		struct agent_counters *ctr, char *err, size_t errlen);
/* Queues one alert record (type "alert") for every target; r stays the caller's. */
void deliver_send(struct deliverer *n, const cJSON *r);
/* The descriptor the loop polls, and what to call when it is readable. */
int deliver_fd(const struct deliverer *n);
void deliver_on_event(struct deliverer *n);
/* Gives queued deliveries up to grace_ms to finish, then stops the rest and frees everything. */
void deliver_close(struct deliverer *n, unsigned grace_ms);

#endif
