// SPDX-License-Identifier: GPL-2.0-only
/* empty - loads bench/empty.bpf.c, prints "attached", and holds it until SIGTERM/SIGINT. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "empty.skel.h"

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

int main(void)
{
	struct empty_bpf *skel = empty_bpf__open_and_load();

	if (!skel || empty_bpf__attach(skel)) {
		fprintf(stderr, "empty: cannot load or attach\n");
		empty_bpf__destroy(skel);
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("attached\n");
	fflush(stdout);
	while (!stop)
		pause();
	empty_bpf__destroy(skel);
	return 0;
}
