// SPDX-License-Identifier: GPL-2.0-only
/* threads.c - holds N idle threads until killed: the "big host" process table for make bench.
 * Usage: threads N   (prints "ready" once all N exist) */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_attr_t a;
	char *end;
	long n;

	errno = 0;
	n = argc == 2 ? strtol(argv[1], &end, 10) : -1;
	if (argc != 2 || errno || *end || n < 1 || n > 100000) {
		fprintf(stderr, "usage: threads N (1..100000)\n");
		return 2;
	}
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, PTHREAD_STACK_MIN > 65536 ? PTHREAD_STACK_MIN : 65536);
	for (long i = 0; i < n; i++) {
		pthread_t t;
		int rc = pthread_create(&t, &a, idle, NULL);

		if (rc) {
			fprintf(stderr, "threads: thread %ld: %s\n", i, strerror(rc));
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
