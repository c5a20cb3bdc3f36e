/* SPDX-License-Identifier: GPL-2.0-only */
/* counters.h - what the agent counts about itself (records, write errors, alert deliveries), kept by
 * the monitor, bumped by output and delivery, reported by the agent collector (col_agent.c). */
#ifndef COREWATCH_COUNTERS_H
#define COREWATCH_COUNTERS_H

#include <stdint.h>

struct agent_counters {
	uint64_t records_written;
	uint64_t records_dropped;
	uint64_t write_errors;
	uint64_t collector_errors;
	uint64_t missed_intervals;
	uint64_t alerts_firing;         /* gauge: alerts firing now */
	uint64_t alerts_sent;           /* deliveries that succeeded (per target) */
	uint64_t alert_delivery_errors; /* failed attempts (each retry counts) */
	uint64_t alerts_dropped;        /* deliveries given up: queue full or out of retries */
	uint64_t http_requests;         /* requests the --listen endpoint answered */
	uint64_t http_clients_refused;  /* connections not accepted: per-address limit, or full */
	uint64_t http_clients_closed;   /* closed before a whole request arrived (http_clients.h) */
	uint64_t http_wrong_tokens;     /* a token offered that was not it: POST /login, or a bearer header */
};

#endif
