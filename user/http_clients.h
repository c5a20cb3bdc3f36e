/* SPDX-License-Identifier: GPL-2.0-only */
/* http_clients.h - who may hold a connection to the --listen endpoint, and for how long.
 *
 * A client that sends its request slowly (slowloris) must not hold a slot: every request must arrive
 * whole within a deadline (HC_REQUEST_MS from the connection or from its request line; a kept-alive
 * connection gets HC_IDLE_MS more to start its next one), one address holds at most
 * HC_PER_ADDRESS connections, and when all HC_MAX are taken a newcomer is let in by closing the
 * client that has waited longest without a complete request, so a scraper always finds room.
 * Closing is shutdown(2) of the client's socket: the server sees the end of the connection and
 * tells hc_end(). Counted in the agent's counters (http_clients_refused, http_clients_closed).
 * Free of libmicrohttpd: http.c calls these from its callbacks.
 */
#ifndef COREWATCH_HTTP_CLIENTS_H
#define COREWATCH_HTTP_CLIENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "counters.h"

#define HC_MAX 64
#define HC_PER_ADDRESS 8
#define HC_REQUEST_MS 5000
#define HC_IDLE_MS 10000

struct hc_client;
struct http_clients;

/* A table that counts into ctr (borrowed, must outlive it). NULL when out of memory. */
struct http_clients *hc_new(struct agent_counters *ctr);
void hc_free(struct http_clients *h);
/* Whether a connection from sa may be accepted now (closing the longest-waiting client to make room
 * if all slots are taken); a refusal is counted. */
bool hc_admit(struct http_clients *h, const struct sockaddr *sa, int64_t now_ms);
/* An accepted connection on fd: its handle, NULL if the table is full (then it is not policed). */
struct hc_client *hc_start(struct http_clients *h, int fd, const struct sockaddr *sa, int64_t now_ms);
/* The connection ended (c may be NULL). */
void hc_end(struct http_clients *h, struct hc_client *c);
/* Its request line arrived: on a kept-alive connection, the request's own deadline starts. */
void hc_request_line(struct hc_client *c, int64_t now_ms);
/* Its request arrived whole and is being answered: no deadline while it is. */
void hc_answering(struct hc_client *c);
/* Its answer went out: the connection may idle until its next request. */
void hc_answered(struct hc_client *c, int64_t now_ms);
/* Closes every client past its deadline. Returns the ms until the next deadline, -1 for none. */
int64_t hc_enforce(struct http_clients *h, int64_t now_ms);

#endif
