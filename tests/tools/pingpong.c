// SPDX-License-Identifier: GPL-2.0-only
/* pingpong - context-switch workload for the eBPF tests: a parent and a child pass one byte back
 * and forth over two pipes for the given seconds (every pass is two context switches when both are
 * pinned to one CPU), optionally beside SPINNERS busy loops that keep the CPUs from going idle.
 * Prints "parent_pid child_pid round_trips run_delay_ns": the last is the time all of these
 * processes spent runnable waiting for a CPU (field 2 of /proc/PID/schedstat, the kernel's own
 * count), read after they stopped and before they are reaped, so it covers their whole lives. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SPINNERS 64

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* run_delay of pid (0: this process) in ns, or 0 when unreadable. */
static unsigned long long run_delay(pid_t pid)
{
	char path[64];
	unsigned long long run = 0, delay = 0;
	FILE *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/schedstat");
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu", &run, &delay) != 2)
		delay = 0;
	fclose(f);
	return delay;
}

/* Waits until pid has exited without reaping it, so its schedstat is still there. */
static void wait_exited(pid_t pid)
{
	siginfo_t si;

	waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? strtod(argv[1], NULL) : 1.0;
	int nspin = argc > 2 ? atoi(argv[2]) : 0, ab[2], ba[2];
	pid_t spin[MAX_SPINNERS], child;
	unsigned long trips = 0;
	unsigned long long delay = 0;
	struct timespec t0;
	char c = 'x';

	if (nspin < 0 || nspin > MAX_SPINNERS || pipe(ab) || pipe(ba))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < nspin; i++) {
		spin[i] = fork();
		if (spin[i] < 0)
			return 1;
		if (spin[i] == 0) {
			while (since(&t0) < secs)
				;
			_exit(0);
		}
	}
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
	do {
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			break;
		trips++;
	} while (since(&t0) < secs);
	close(ab[1]);
	wait_exited(child);
	delay += run_delay(child);
	for (int i = 0; i < nspin; i++) {
		wait_exited(spin[i]);
		delay += run_delay(spin[i]);
	}
	delay += run_delay(0);
	for (int i = 0; i < nspin; i++)
		waitpid(spin[i], NULL, 0);
	waitpid(child, NULL, 0);
	printf("%d %d %lu %llu\n", (int)getpid(), (int)child, trips, delay);
	return 0;
}
