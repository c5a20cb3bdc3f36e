// SPDX-License-Identifier: GPL-2.0-only
/* empty - loads one path's programs of bench/empty.bpf.c (sched, the default; block; tcp), prints
 * "attached", and holds them until SIGTERM/SIGINT. Exit 2 on a bad argument, 1 if loading fails. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "empty.skel.h"

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "sched";
	struct empty_bpf *skel;
	struct bpf_program *p;

	if (strcmp(path, "sched") && strcmp(path, "block") && strcmp(path, "tcp")) {
		fprintf(stderr, "empty: unknown path '%s' (sched, block or tcp)\n", path);
		return 2;
	}
	skel = empty_bpf__open();
	if (!skel) {
		fprintf(stderr, "empty: cannot open\n");
		return 1;
	}
	/* a program belongs to the path its hook's subsystem names */
	bpf_object__for_each_program(p, skel->obj) {
		const char *sec = bpf_program__section_name(p);
		int on = !strcmp(path, "sched") ? strstr(sec, "sched_") != NULL :
			 !strcmp(path, "block") ? strstr(sec, "block_") != NULL :
			 strstr(sec, "sched_") == NULL && strstr(sec, "block_") == NULL;
		bpf_program__set_autoload(p, on);
	}
	if (empty_bpf__load(skel) || empty_bpf__attach(skel)) {
		fprintf(stderr, "empty: cannot load or attach the %s programs\n", path);
		empty_bpf__destroy(skel);
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("attached %s\n", path);
	fflush(stdout);
	while (!stop)
		pause();
	empty_bpf__destroy(skel);
	return 0;
}
