// SPDX-License-Identifier: GPL-2.0-only
/* http_clients.c - see http_clients.h. */
#include "http_clients.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

struct hc_client {
	bool used, closing;
	bool idle;	      /* between an answer and the next request line */
	int fd;
	int family;
	unsigned char addr[16];
	int64_t deadline_ms;  /* when its request must have arrived whole; 0 while it is answered */
};

struct http_clients {
	/* room past HC_MAX for clients being closed, which the server has not seen end yet */
	struct hc_client c[HC_MAX * 2];
	unsigned open, closing;
	struct agent_counters *ctr;
};

struct http_clients *hc_new(struct agent_counters *ctr)
{
	struct http_clients *h = calloc(1, sizeof(*h));

	if (h)
		h->ctr = ctr;
	return h;
}

void hc_free(struct http_clients *h)
{
	free(h);
}

/* The address without the port; family 0 for one that is neither IPv4 nor IPv6. */
static void addr_key(const struct sockaddr *sa, int *family, unsigned char key[16])
{
	memset(key, 0, 16);
	*family = sa ? sa->sa_family : 0;
	if (*family == AF_INET)
		memcpy(key, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	else if (*family == AF_INET6)
		memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	else
		*family = 0;
}

static void close_client(struct http_clients *h, struct hc_client *c)
{
	shutdown(c->fd, SHUT_RDWR);
	c->closing = true;
	h->closing++;
	h->ctr->http_clients_closed++;
}

bool hc_admit(struct http_clients *h, const struct sockaddr *sa, int64_t now_ms)
{
	struct hc_client *victim = NULL;
	unsigned char key[16];
	unsigned same = 0;
	int family;

	(void)now_ms;
	addr_key(sa, &family, key);
	for (size_t i = 0; i < HC_MAX * 2; i++) {
		struct hc_client *c = &h->c[i];

		if (!c->used || c->closing)
			continue;
		if (family && c->family == family && memcmp(c->addr, key, 16) == 0)
			same++;
		/* the one to close for room: idle first, then the longest wait for a request */
		if (c->deadline_ms && (!victim || (c->idle && !victim->idle) ||
				       (c->idle == victim->idle && c->deadline_ms < victim->deadline_ms)))
			victim = c;
	}
	if (same >= HC_PER_ADDRESS || h->open >= HC_MAX * 2) {
		h->ctr->http_clients_refused++;
		return false;
	}
	if (h->open - h->closing >= HC_MAX) {
		if (!victim) { /* every slot answering a request: they finish in milliseconds */
			h->ctr->http_clients_refused++;
			return false;
		}
		close_client(h, victim);
	}
	return true;
}

struct hc_client *hc_start(struct http_clients *h, int fd, const struct sockaddr *sa, int64_t now_ms)
{
	for (size_t i = 0; i < HC_MAX * 2; i++) {
		struct hc_client *c = &h->c[i];

		if (c->used)
			continue;
		memset(c, 0, sizeof(*c));
		c->used = true;
		c->fd = fd;
		addr_key(sa, &c->family, c->addr);
		c->deadline_ms = now_ms + HC_REQUEST_MS;
		h->open++;
		return c;
	}
	return NULL;
}

void hc_end(struct http_clients *h, struct hc_client *c)
{
	if (!c || !c->used)
		return;
	if (c->closing)
		h->closing--;
	h->open--;
	c->used = false;
}

void hc_request_line(struct hc_client *c, int64_t now_ms)
{
	if (c && c->idle) {
		c->idle = false;
		c->deadline_ms = now_ms + HC_REQUEST_MS;
	}
}

void hc_answering(struct hc_client *c)
{
	if (c)
		c->deadline_ms = 0;
}

void hc_answered(struct hc_client *c, int64_t now_ms)
{
	if (c) {
		c->idle = true;
		/* libmicrohttpd closes a silent connection after HC_IDLE_MS itself; one still open at
		 * this deadline has been sending something, too slowly */
		c->deadline_ms = now_ms + HC_IDLE_MS + HC_REQUEST_MS;
	}
}

int64_t hc_enforce(struct http_clients *h, int64_t now_ms)
{
	int64_t next = -1;

	for (size_t i = 0; i < HC_MAX * 2; i++) {
		struct hc_client *c = &h->c[i];

		if (!c->used || c->closing || !c->deadline_ms)
			continue;
		if (c->deadline_ms <= now_ms)
			close_client(h, c);
		else if (next < 0 || c->deadline_ms - now_ms < next)
			next = c->deadline_ms - now_ms;
	}
	return next;
}
