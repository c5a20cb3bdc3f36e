// SPDX-License-Identifier: GPL-2.0-only
/* listening.c - see listening.h.
 *
 * One dump request per (protocol, family): TCP asks for state LISTEN only, UDP for state CLOSE (7):
 * the kernel reports an unconnected UDP socket as CLOSE and a connect()ed one as ESTABLISHED, so
 * CLOSE with a local port and no remote port is "bound, receiving from anyone". The kernel filters
 * by state, so a host with 100k established connections costs no more than one without.
 */
#include "listening.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

#define TCP_STATE_LISTEN 10
#define TCP_STATE_CLOSE 7

static int push(struct listen_list *l, const struct inet_diag_msg *m, uint8_t proto)
{
	struct listener *e;

	if (l->n >= LISTEN_MAX) {
		l->left_out++;
		return 0;
	}
	if (array_reserve(&l->v, &l->cap, l->n + 1, sizeof(*l->v), 64) < 0)
		return -ENOMEM;
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	e->proto = proto;
	e->family = m->idiag_family;
	e->port = ntohs(m->id.idiag_sport);
	memcpy(e->addr, m->id.idiag_src, m->idiag_family == AF_INET ? 4 : 16);
	e->uid = m->idiag_uid;
	e->inode = m->idiag_inode;
	return 0;
}

/* Whether a whole message h fits in the left bytes (NLMSG_OK, in unsigned arithmetic). */
static bool msg_ok(const struct nlmsghdr *h, size_t left)
{
	return left >= sizeof(*h) && h->nlmsg_len >= sizeof(*h) && h->nlmsg_len <= left;
}

/* The message after h, with *left reduced (to 0 when the padding runs past the end). */
static const struct nlmsghdr *msg_next(const struct nlmsghdr *h, size_t *left)
{
	size_t step = NLMSG_ALIGN(h->nlmsg_len);

	*left = step < *left ? *left - step : 0;
	return (const struct nlmsghdr *)((const char *)h + step);
}

int listening_parse(const void *buf, size_t len, uint8_t proto, struct listen_list *l, bool *done)
{
	const struct nlmsghdr *h = buf;
	size_t n = len;

	for (; msg_ok(h, n); h = msg_next(h, &n)) {
		const struct inet_diag_msg *m = NLMSG_DATA(h);
		size_t plen = h->nlmsg_len - NLMSG_HDRLEN;
		int err;

		if (h->nlmsg_type == NLMSG_DONE) {
			*done = true;
			/* a dump's final error rides in NLMSG_DONE's payload */
			if (plen >= sizeof(int) && *(const int *)NLMSG_DATA(h) < 0)
				return *(const int *)NLMSG_DATA(h);
			return 0;
		}
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (plen < sizeof(*e))
				return -EBADMSG;
			*done = true;
			return e->error < 0 ? e->error : -EPROTO;
		}
		if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
			continue;
		if (plen < sizeof(*m) || (m->idiag_family != AF_INET && m->idiag_family != AF_INET6))
			return -EBADMSG;
		if (proto == IPPROTO_TCP && m->idiag_state != TCP_STATE_LISTEN)
			continue;
		if (proto == IPPROTO_UDP && (m->idiag_state != TCP_STATE_CLOSE || m->id.idiag_dport ||
					     !m->id.idiag_sport))
			continue;
		err = push(l, m, proto);
		if (err)
			return err;
	}
	/* bytes left over that do not make a whole message */
	return n == 0 ? 0 : -EBADMSG;
}

int listening_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	return fd < 0 ? -errno : fd;
}

static int dump(int fd, uint8_t family, uint8_t proto, struct listen_list *l)
{
	static uint32_t seq;
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req = { 0 };
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	/* 32 KiB: about 300 sockets a read; the kernel fills what it is given */
	static _Alignas(struct nlmsghdr) char buf[32768];
	bool done = false;

	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = ++seq;
	req.r.sdiag_family = family;
	req.r.sdiag_protocol = proto;
	req.r.idiag_states = proto == IPPROTO_TCP ? 1u << TCP_STATE_LISTEN : 1u << TCP_STATE_CLOSE;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	while (!done) {
		ssize_t got = recv(fd, buf, sizeof(buf), 0);
		int err;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (got == 0)
			return -EPROTO;
		err = listening_parse(buf, (size_t)got, proto, l, &done);
		if (err)
			return err;
	}
	return 0;
}

const char *const listen_q_name[LISTEN_NQ] = { "TCP/IPv4", "TCP/IPv6", "UDP/IPv4", "UDP/IPv6" };

int listening_read(int fd, unsigned mask, struct listen_list *l, int err[LISTEN_NQ])
{
	static const struct { uint8_t family, proto; } q[LISTEN_NQ] = {
		{ AF_INET, IPPROTO_TCP }, { AF_INET6, IPPROTO_TCP },
		{ AF_INET, IPPROTO_UDP }, { AF_INET6, IPPROTO_UDP },
	};
	int first = 0;

	l->n = 0;
	l->left_out = 0;
	for (size_t i = 0; i < LISTEN_NQ; i++) {
		err[i] = mask & (1u << i) ? dump(fd, q[i].family, q[i].proto, l) : 0;
		if (err[i] == -ENOMEM)
			return err[i];
		if (err[i] && !first)
			first = err[i];
	}
	listen_list_sort(l);
	return first;
}

int listener_cmp(const struct listener *a, const struct listener *b)
{
	int c;

	if (a->proto != b->proto)
		return a->proto == IPPROTO_TCP ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->addr, b->addr, sizeof(a->addr));
	if (c)
		return c;
	return a->inode < b->inode ? -1 : a->inode > b->inode;
}

static int cmp_qsort(const void *a, const void *b)
{
	return listener_cmp(a, b);
}

void listen_list_sort(struct listen_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_qsort);
}

const char *listener_proto(const struct listener *e)
{
	return e->proto == IPPROTO_TCP ? "tcp" : "udp";
}

void listener_addr(const struct listener *e, char *buf, size_t len)
{
	if (!inet_ntop(e->family, e->addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

void listen_list_free(struct listen_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}
