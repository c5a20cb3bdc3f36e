/* pingpong - context-switch workload for the eBPF tests: a parent and a child pass one byte back
 * and forth over two pipes for the given seconds (every pass is two context switches when both are
 * pinned to one CPU). Prints "parent_pid child_pid round_trips". */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	double secs = argc > 1 ? strtod(argv[1], NULL) : 1.0;
	int ab[2], ba[2];
	unsigned long trips = 0;
	struct timespec t0, t;
	char c = 'x';
	pid_t child;

	if (pipe(ab) || pipe(ba))
		return 1;
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		close(ab[1]); /* else the child's own copy keeps its read from ever seeing EOF */
		close(ba[0]);
		while (read(ab[0], &c, 1) == 1)
			if (write(ba[1], &c, 1) != 1)
				break;
		_exit(0);
	}
	close(ab[0]);
	close(ba[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			break;
		trips++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 < secs);
	close(ab[1]);
	waitpid(child, NULL, 0);
	printf("%d %d %lu\n", (int)getpid(), (int)child, trips);
	return 0;
}
