// SPDX-License-Identifier: GPL-2.0-only
/* loop.c - see loop.h. */
#include "loop.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

int loop_open(struct loop *l)
{
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd < 0 ? -errno : 0;
}

int loop_add(struct loop *l, struct loop_handler *h)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = h };

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, h->fd, &ev) < 0 ? -errno : 0;
}

int loop_once(struct loop *l, int timeout_ms)
{
	struct epoll_event ev[16];
	int n = epoll_wait(l->epfd, ev, (int)ARRAY_SIZE(ev), timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct loop_handler *h = ev[i].data.ptr;

		h->fn(h->ctx);
	}
	return n;
}

void loop_close(struct loop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
}

static struct {
	pid_t pid;
	child_exit_fn fn;
	void *ctx;
} children[LOOP_CHILDREN_MAX];

int child_watch(pid_t pid, child_exit_fn fn, void *ctx)
{
	for (size_t i = 0; i < ARRAY_SIZE(children); i++)
		if (children[i].pid <= 0) {
			children[i].pid = pid;
			children[i].fn = fn;
			children[i].ctx = ctx;
			return 0;
		}
	return -ENOSPC;
}

void child_forget(pid_t pid)
{
	for (size_t i = 0; i < ARRAY_SIZE(children); i++)
		if (children[i].pid == pid)
			children[i].pid = 0;
}

/* Sends pid's exit to its owner, if it has one (the entry is freed first: the owner may start and
 * watch another child from its handler). */
static void dispatch(pid_t pid, int status)
{
	for (size_t i = 0; i < ARRAY_SIZE(children); i++)
		if (children[i].pid == pid) {
			child_exit_fn fn = children[i].fn;
			void *ctx = children[i].ctx;

			children[i].pid = 0;
			fn(ctx, pid, status);
			return;
		}
}

size_t children_reap(void)
{
	size_t n = 0;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		dispatch(pid, status);
		n++;
	}
	return n;
}

bool child_reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, WNOHANG) != pid)
		return false;
	dispatch(pid, status);
	return true;
}
