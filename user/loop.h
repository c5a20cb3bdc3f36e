/* SPDX-License-Identifier: GPL-2.0-only */
/* loop.h - the agent's event loop: each descriptor it watches is registered with its own handler
 * (Redis ae.c's file events, chrony's SCH_AddFileHandler), so the loop dispatches without knowing who
 * owns what; and the table of child processes (alert hooks, the log maintenance worker) whose exits
 * the loop's SIGCHLD dispatches to their owners.
 */
#ifndef COREWATCH_LOOP_H
#define COREWATCH_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A watched descriptor: fn(ctx) runs when fd is readable. Owned by the registrant, which keeps it
 * alive (and unchanged) while registered. */
struct loop_handler {
	int fd;
	void (*fn)(void *ctx);
	void *ctx;
};

struct loop {
	int epfd;
};

/* Returns 0, or -errno. */
int loop_open(struct loop *l);
/* Watches h->fd for input. Returns 0, or -errno. */
int loop_add(struct loop *l, struct loop_handler *h);
/* Waits up to timeout_ms (-1: forever) and runs the handler of every ready descriptor. Returns the
 * number run, or -errno (never -EINTR: a signal is 0). */
int loop_once(struct loop *l, int timeout_ms);
void loop_close(struct loop *l);

/* What runs when a watched child exits; status as waitpid() gives it. */
typedef void (*child_exit_fn)(void *ctx, pid_t pid, int status);
/* Sends pid's exit to fn(ctx). Returns 0, or -ENOSPC when the table (LOOP_CHILDREN_MAX) is full. */
#define LOOP_CHILDREN_MAX 32
int child_watch(pid_t pid, child_exit_fn fn, void *ctx);
/* Stops watching pid (its owner reaped it, or gave it up). */
void child_forget(pid_t pid);
/* Reaps every child that has exited and dispatches each to its owner (SIGCHLD). Children nobody
 * watches are reaped too, so none stays a zombie. Returns how many were reaped. */
size_t children_reap(void);
/* Reaps pid if it has exited (without waiting), dispatching it. Returns true when it had. */
bool child_reap(pid_t pid);

#endif
