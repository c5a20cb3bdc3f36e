// SPDX-License-Identifier: GPL-2.0-only
/* tcpload.c - TCP load over loopback (127.0.0.1) for bench/tcp: what the eBPF programs on the TCP
 * path cost is measured against how fast this goes with them and without.
 *
 *   tcpload connect SECONDS        a listener thread accepting and closing, and a client loop
 *                                  opening connections to it as fast as it can, for SECONDS;
 *                                  prints "connections N per_s X"
 *   tcpload bulk SECONDS [CHUNK]   one connection, a sender thread writing CHUNK-byte buffers
 *                                  (default 16384, 1..16777216) and a receiver reading them into a
 *                                  CHUNK-byte buffer, for SECONDS; prints
 *                                  "bytes N calls_send S calls_recv R per_s X" (X: bytes/s)
 *
 * SECONDS is 1..3600. Exit 2 on bad arguments, 1 if the sockets fail.
 *
 * The connect loop closes each client socket with SO_LINGER {1, 0}: an RST, not a FIN. Neither end
 * then holds the connection in TIME_WAIT, so the ephemeral ports (28,000 at the default
 * ip_local_port_range) are free again at once and a run of any length neither runs out of them
 * nor fills the TIME_WAIT table (tcp_max_tw_buckets), whose overflow would change the path half
 * way. The other ways out have their own costs: many source addresses only delay the exhaustion
 * and leave the TIME_WAIT table filling; the server closing first makes every connection a round
 * trip between the two threads, its wake-ups and context switches dominating what is measured.
 * The RST is part of the path measured: it fires tcp_send_reset on the client and
 * tcp_receive_reset on the accepted socket, beside inet_sock_set_state's transitions (client
 * CLOSE -> SYN_SENT -> ESTABLISHED -> CLOSE; accepted LISTEN -> SYN_RECV -> ESTABLISHED -> CLOSE).
 * A FIN close would add FIN_WAIT/CLOSE_WAIT/LAST_ACK/TIME_WAIT transitions instead of the resets.
 * The client stays at most WINDOW connections ahead of the accepting thread, so the accept queue
 * (somaxconn) never fills: a full one drops the SYN and the connect waits a second to retry.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WINDOW 256
#define CHUNK_DEFAULT 16384
#define CHUNK_MAX (16ul << 20)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long arg(const char *s, unsigned long lo, unsigned long hi, const char *what)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	/* strtoul takes a sign and leading blanks ("-1" is ULONG_MAX): digits only */
	if (*s < '0' || *s > '9' || errno || *end || v < lo || v > hi) {
		fprintf(stderr, "tcpload: %s: '%s' is not a number in %lu..%lu\n", what, s, lo, hi);
		exit(2);
	}
	return v;
}

static void die(const char *what)
{
	fprintf(stderr, "tcpload: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* a listening socket on 127.0.0.1 at a port the kernel picks; its address in *a */
static int listener(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)a, sizeof(*a)) < 0 || listen(fd, SOMAXCONN) < 0 ||
	    getsockname(fd, (struct sockaddr *)a, &len) < 0)
		die("listen");
	return fd;
}

static int lfd;
static unsigned long accepted; /* __atomic: the accepting thread's count, the client's window */

static void *acceptor(void *unused)
{
	(void)unused;
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL; /* EINVAL: the client shut the listener down, done */
		}
		close(fd);
		__atomic_add_fetch(&accepted, 1, __ATOMIC_RELEASE);
	}
}

static int run_connect(double secs)
{
	struct linger rst = { .l_onoff = 1, .l_linger = 0 };
	unsigned long n = 0, failed = 0;
	struct sockaddr_in a;
	double t0, t1;
	pthread_t t;
	int err = 0;

	lfd = listener(&a);
	if (pthread_create(&t, NULL, acceptor, NULL))
		die("thread");
	t0 = now_s();
	while ((t1 = now_s()) - t0 < secs) {
		int fd;

		while (n - __atomic_load_n(&accepted, __ATOMIC_ACQUIRE) >= WINDOW)
			sched_yield();
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			die("socket");
		if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst)) < 0)
			die("SO_LINGER");
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
			err = errno;
			failed++;
		} else {
			n++;
		}
		close(fd);
	}
	/* the count is the client's; wait for the acceptor to drain the queue, then stop it */
	while (__atomic_load_n(&accepted, __ATOMIC_ACQUIRE) < n && now_s() - t1 < 5)
		sched_yield();
	shutdown(lfd, SHUT_RDWR);
	pthread_join(t, NULL);
	close(lfd);
	if (failed)
		fprintf(stderr, "tcpload: %lu connects failed (last: %s)\n", failed, strerror(err));
	printf("connections %lu per_s %.0f\n", n, (double)n / (t1 - t0));
	return 0;
}

struct sender {
	int fd;
	size_t chunk;
	double end;
	unsigned long calls;
};

static void *send_loop(void *p)
{
	struct sender *s = p;
	char *buf = calloc(1, s->chunk);

	if (!buf)
		die("calloc");
	while (now_s() < s->end) {
		size_t off = 0;

		/* one CHUNK-byte buffer per call as a blocking socket takes it; a short write (rare:
		 * a signal) finishes with more calls, each counted */
		while (off < s->chunk) {
			ssize_t w = write(s->fd, buf + off, s->chunk - off);

			if (w < 0) {
				if (errno == EINTR)
					continue;
				die("write");
			}
			off += (size_t)w;
			s->calls++;
		}
	}
	shutdown(s->fd, SHUT_WR);
	free(buf);
	return NULL;
}

static int run_bulk(double secs, size_t chunk)
{
	unsigned long long bytes = 0;
	unsigned long recvs = 0;
	struct sockaddr_in a;
	struct sender s = { .chunk = chunk };
	int l = listener(&a), fd;
	double t0, t1;
	char *buf = malloc(chunk);
	pthread_t t;

	if (!buf)
		die("malloc");
	s.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s.fd < 0 || connect(s.fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("connect");
	fd = accept(l, NULL, NULL);
	if (fd < 0)
		die("accept");
	close(l);
	t0 = now_s();
	s.end = t0 + secs;
	if (pthread_create(&t, NULL, send_loop, &s))
		die("thread");
	for (;;) {
		ssize_t r = read(fd, buf, chunk);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("read");
		}
		recvs++; /* the final read of 0 (EOF) is a call too: the tracepoint fires for it */
		if (r == 0)
			break;
		bytes += (unsigned long long)r;
	}
	t1 = now_s();
	pthread_join(t, NULL);
	close(fd);
	close(s.fd);
	free(buf);
	printf("bytes %llu calls_send %lu calls_recv %lu per_s %.0f\n", bytes, s.calls, recvs,
	       (double)bytes / (t1 - t0));
	return 0;
}

int main(int argc, char **argv)
{
	double secs;

	if (argc == 3 && !strcmp(argv[1], "connect")) {
		secs = (double)arg(argv[2], 1, 3600, "SECONDS");
		return run_connect(secs);
	}
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "bulk")) {
		secs = (double)arg(argv[2], 1, 3600, "SECONDS");
		return run_bulk(secs, argc == 4 ? arg(argv[3], 1, CHUNK_MAX, "CHUNK") : CHUNK_DEFAULT);
	}
	fprintf(stderr, "usage: tcpload connect SECONDS | tcpload bulk SECONDS [CHUNK]\n");
	return 2;
}
