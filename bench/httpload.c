// SPDX-License-Identifier: GPL-2.0-only
/* httpload.c - a small HTTP load generator for make bench: N clients at once, each a new connection
 * per request (GET PATH, Connection: close) from one of A loopback source addresses (127.0.0.2...,
 * so the endpoint's per-address limit sees A addresses), for S seconds, one thread and epoll.
 *
 *   httpload PORT PATH CLIENTS ADDRESSES SECONDS
 *
 * Prints "requests N failed N p50_ms X p99_ms X max_ms X". Exit 2 on bad arguments.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 1024
#define MAX_SAMPLES (1 << 22)

struct client {
	int fd;
	double t0;
	size_t got;
	char buf[256];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long arg(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "httpload: %s: '%s' is not a number in %ld..%ld\n", what, s, lo, hi);
		exit(2);
	}
	return v;
}

static int start(int ep, struct client *c, int port, int addr_i)
{
	struct sockaddr_in src = { .sin_family = AF_INET }, dst = { .sin_family = AF_INET };
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLIN, .data.ptr = c };

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	src.sin_addr.s_addr = htonl(0x7f000002u + (unsigned)addr_i);
	dst.sin_addr.s_addr = htonl(0x7f000001u);
	dst.sin_port = htons((unsigned short)port);
	c->t0 = now_s();
	c->got = 0;
	if (bind(c->fd, (struct sockaddr *)&src, sizeof(src)) < 0 ||
	    (connect(c->fd, (struct sockaddr *)&dst, sizeof(dst)) < 0 && errno != EINPROGRESS) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static struct client cl[MAX_CLIENTS];
	static double lat[MAX_SAMPLES];
	struct epoll_event evs[64];
	char req[256];
	int port, n, naddr, ep;
	long secs, nlat = 0, failed = 0;
	double end;

	if (argc != 6) {
		fprintf(stderr, "usage: httpload PORT PATH CLIENTS ADDRESSES SECONDS\n");
		return 2;
	}
	port = (int)arg(argv[1], 1, 65535, "PORT");
	n = (int)arg(argv[3], 1, MAX_CLIENTS, "CLIENTS");
	naddr = (int)arg(argv[4], 1, 250, "ADDRESSES");
	secs = arg(argv[5], 1, 3600, "SECONDS");
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", argv[2]);
	ep = epoll_create1(EPOLL_CLOEXEC);
	for (int i = 0; i < n; i++)
		if (start(ep, &cl[i], port, i % naddr) < 0)
			failed++;
	end = now_s() + (double)secs;
	while (now_s() < end) {
		int k = epoll_wait(ep, evs, 64, 100);

		for (int i = 0; i < k; i++) {
			struct client *c = evs[i].data.ptr;
			bool done = false, bad = false;

			if (evs[i].events & EPOLLOUT) {
				struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

				if (write(c->fd, req, strlen(req)) != (ssize_t)strlen(req))
					bad = true;
				epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
			}
			if (!bad && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
				ssize_t r;

				while ((r = read(c->fd, c->buf + (c->got < 12 ? c->got : 12),
						 sizeof(c->buf) - 13)) > 0)
					c->got += (size_t)r;
				if (r == 0) {
					done = true;
					bad = c->got < 12 || strncmp(c->buf, "HTTP/1.1 200", 12) != 0;
				} else if (errno != EAGAIN) {
					bad = true;
				}
			}
			if (!done && !bad)
				continue;
			if (bad)
				failed++;
			else if (nlat < MAX_SAMPLES)
				lat[nlat++] = now_s() - c->t0;
			close(c->fd);
			if (start(ep, c, port, (int)((c - cl) % naddr)) < 0)
				failed++;
		}
	}
	qsort(lat, (size_t)nlat, sizeof(*lat), cmp);
	printf("requests %ld failed %ld p50_ms %.2f p99_ms %.2f max_ms %.2f\n", nlat, failed,
	       nlat ? lat[nlat / 2] * 1e3 : 0, nlat ? lat[(long)(nlat * 0.99)] * 1e3 : 0,
	       nlat ? lat[nlat - 1] * 1e3 : 0);
	return 0;
}
