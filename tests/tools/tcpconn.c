// SPDX-License-Identifier: GPL-2.0-only
/* tcpconn - TCP connection workload for the kernel-matrix guests (which have no python): listens on
 * 127.0.0.1, then for the given seconds (and at least MIN times) connects, accepts and closes both
 * ends. Every round is one active and one passive open; it stops at 20000 rounds, before the client's
 * TIME_WAIT sockets can use up the ephemeral ports. Prints "connects". */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? strtod(argv[1], NULL) : 1.0, t0;
	unsigned long min = argc > 2 ? strtoul(argv[2], NULL, 10) : 0, n = 0;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int srv = socket(AF_INET, SOCK_STREAM, 0);

	if (srv < 0 || bind(srv, (struct sockaddr *)&a, sizeof(a)) || listen(srv, 512) ||
	    getsockname(srv, (struct sockaddr *)&a, &len)) {
		perror("tcpconn: listen");
		return 1;
	}
	t0 = now();
	while ((now() - t0 < secs || n < min) && n < 20000) {
		int c = socket(AF_INET, SOCK_STREAM, 0), s;

		if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a))) {
			perror("tcpconn: connect");
			return 1;
		}
		s = accept(srv, NULL, NULL);
		if (s < 0) {
			perror("tcpconn: accept");
			return 1;
		}
		close(c);
		close(s);
		n++;
	}
	printf("%lu\n", n);
	return 0;
}
