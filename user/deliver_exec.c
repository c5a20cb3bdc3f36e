// SPDX-License-Identifier: GPL-2.0-only
/* deliver_exec.c - the --alert-exec transport: the program, the record on its stdin and in
 * COREWATCH_ALERT_* variables, its output kept for the log, killed after --alert-timeout. */
#include "deliver_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "util.h"

extern char **environ;

#define HOOK_OUTPUT_MAX 1024   /* bytes of a hook's stderr kept for the log */

/* A hook running. */
struct exec_run {
	pid_t pid;
	int out_fd;                /* its stdout+stderr; -1 once at end of file */
	char out[HOOK_OUTPUT_MAX];
	size_t out_len;
};

static void exec_child_exited(void *ctx, pid_t pid, int status);

static int exec_setup(const struct options *o, void **conf, char *err, size_t errlen)
{
	*conf = NULL;
	if (!o->alert_exec)
		return 0;
	if (o->alert_exec[0] != '/') {
		snprintf(err, errlen, "--alert-exec: '%s' must be an absolute path (no shell runs it)",
			 o->alert_exec);
		return -1;
	}
	if (access(o->alert_exec, X_OK) < 0) {
		snprintf(err, errlen, "--alert-exec: %s: %s", o->alert_exec, strerror(errno));
		return -1;
	}
	if (!(*conf = strdup(o->alert_exec))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static void add_env(char ***env, size_t *n, const char *name, const char *value)
{
	char **nv = realloc(*env, (*n + 2) * sizeof(*nv));

	if (!nv)
		return;
	*env = nv;
	if (asprintf(&nv[*n], "COREWATCH_ALERT_%s=%s", name, value) >= 0)
		(*n)++;
	nv[*n] = NULL;
}

/* The agent's environment without COREWATCH_ALERT_*, then r's fields as COREWATCH_ALERT_*. Returns
 * the array (caller frees it, and each of the *nowned strings of *owned it points into), or NULL. */
static char **hook_env(const cJSON *r, char ***owned, size_t *nowned)
{
	static const char *const fields[][2] = {
		{ "NAME", "name" }, { "STATE", "state" }, { "SEVERITY", "severity" },
		{ "METRIC", "metric" }, { "OP", "op" }, { "MESSAGE", "message" },
		{ "STARTED_AT", "started_at" }, { "HOST", "host" }, { "REASON", "reason" },
		{ "TIME", "time" },
	};
	static const char *const nums[][2] = { { "VALUE", "value" }, { "THRESHOLD", "threshold" } };
	size_t nenv = 0, n = 0;
	char **env, *labels;

	for (const char *const *e = (const char *const *)environ; e && *e; e++)
		if (strncmp(*e, "COREWATCH_ALERT_", 16) != 0)
			nenv++;
	*owned = NULL;
	*nowned = 0;
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		add_env(owned, nowned, fields[i][0], deliver_str(r, fields[i][1]));
	for (size_t i = 0; i < ARRAY_SIZE(nums); i++) {
		char buf[40];

		snprintf(buf, sizeof(buf), "%.15g", deliver_num(r, nums[i][1]));
		add_env(owned, nowned, nums[i][0], buf);
	}
	labels = deliver_labels(r);
	add_env(owned, nowned, "LABELS", labels ? labels : "{}");
	free(labels);
	env = calloc(nenv + *nowned + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (const char *const *e = (const char *const *)environ; e && *e; e++)
		if (strncmp(*e, "COREWATCH_ALERT_", 16) != 0)
			env[n++] = (char *)*e;
	for (size_t i = 0; i < *nowned; i++)
		env[n++] = (*owned)[i];
	return env;
}

static void run_free(struct exec_run *x)
{
	if (x->out_fd >= 0)
		close(x->out_fd);
	free(x);
}

/* Starts the hook program. Returns NULL on success, or why it could not start. */
static const char *exec_start(struct job *j)
{
	struct deliverer *n = j->t->n;
	const char *path = j->t->conf;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	char **owned = NULL, **env, *argv[2] = { (char *)path, NULL };
	size_t nowned = 0;
	char *text = cJSON_PrintUnformatted(j->rec);
	struct exec_run *x = calloc(1, sizeof(*x));
	const char *why = NULL;
	int e;

	if (x)
		*x = (struct exec_run){ .pid = -1, .out_fd = -1 };
	env = hook_env(j->rec, &owned, &nowned);
	if (!x || !text || !env || pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC | O_NONBLOCK) < 0) {
		why = "out of memory or descriptors";
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, out[1], 2);
	posix_spawnattr_init(&at);
	/* The agent blocks its signals for signalfd and ignores SIGPIPE: the hook must not inherit that. */
	sigemptyset(&none);
	sigfillset(&dfl);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setpgroup(&at, 0); /* its own group: a timeout kills its children too */
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
					      POSIX_SPAWN_SETPGROUP);
	e = posix_spawn(&x->pid, path, &fa, &at, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (e) {
		why = strerror(e);
		goto out;
	}
	if (child_watch(x->pid, exec_child_exited, j) < 0) {
		/* cannot happen with LOOP_CHILDREN_MAX above every hook that may run at once */
		kill(-x->pid, SIGKILL);
		waitpid(x->pid, NULL, 0);
		why = "too many child processes";
		goto out;
	}
	/* The record is far below the pipe's capacity: this write does not block. */
	if (write(in[1], text, strlen(text)) < 0 || write(in[1], "\n", 1) < 0)
		log_debug("alert-exec: writing the hook's stdin: %s", strerror(errno));
	x->out_fd = out[0];
	out[0] = -1;
	if (epoll_watch(n->epfd, x->out_fd) < 0)
		log_debug("alert-exec: cannot poll the hook's output: %s", strerror(errno));
	j->deadline = clock_ms(CLOCK_MONOTONIC) + (int64_t)n->timeout_ms;
	j->priv = x;
	x = NULL;
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	if (x)
		run_free(x);
	free(text);
	free(env);
	for (size_t i = 0; i < nowned; i++)
		free(owned[i]);
	free(owned);
	return why;
}

/* Reads what the hook wrote so far; at end of file stops polling it (a hook that closes its output and
 * keeps running must not keep the loop busy). */
static void drain_output(struct exec_run *x)
{
	char buf[512];
	ssize_t r = -1;

	while (x->out_fd >= 0 && (r = read(x->out_fd, buf, sizeof(buf))) > 0) {
		size_t room = sizeof(x->out) - 1 - x->out_len, take = (size_t)r < room ? (size_t)r : room;

		memcpy(x->out + x->out_len, buf, take);
		x->out_len += take;
	}
	if (r == 0) {
		close(x->out_fd); /* also leaves the epoll set: nobody else holds this end */
		x->out_fd = -1;
	}
	x->out[x->out_len] = '\0';
}

static bool exec_on_fd(struct job *j, int fd)
{
	struct exec_run *x = j->priv;

	if (x->out_fd != fd)
		return false;
	drain_output(x);
	return true;
}

static void exec_overdue(struct job *j)
{
	struct exec_run *x = j->priv;

	if (x->pid <= 0)
		return;
	log_warnx("alert-exec: %s still running after %llu ms: killing it", (const char *)j->t->conf,
		  (unsigned long long)j->t->n->timeout_ms);
	kill(-x->pid, SIGKILL);
	j->deadline = 0; /* its exit arrives through SIGCHLD */
}

/* The hook exited (child_exit_fn, from the loop's child table): its output on one line, then its
 * exit status judged. */
static void exec_child_exited(void *ctx, pid_t pid, int status)
{
	struct job *j = ctx;
	struct exec_run *x = j->priv;
	const char *path = j->t->conf;
	char why[HOOK_OUTPUT_MAX + 64], *nl;

	(void)pid;
	drain_output(x);
	while ((nl = strrchr(x->out, '\n')) && nl[1] == '\0')
		*nl = '\0';
	for (char *c = x->out; *c; c++)
		if (*c == '\n')
			*c = '|';
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		why[0] = '\0';
		if (x->out[0])
			log_info("alert-exec: %s exited 0: %s", path, x->out);
	} else if (WIFEXITED(status))
		snprintf(why, sizeof(why), "%s exited %d%s%s", path, WEXITSTATUS(status),
			 x->out[0] ? ": " : "", x->out);
	else
		snprintf(why, sizeof(why), "%s killed by signal %d%s%s", path, WTERMSIG(status),
			 x->out[0] ? ": " : "", x->out);
	run_free(x);
	j->priv = NULL;
	deliver_job_done(j, why[0] ? why : NULL);
}

/* SIGCHLD is the loop's; at close the hooks are reaped directly. */
static void exec_reap(struct job *j)
{
	struct exec_run *x = j->priv;

	if (x->pid > 0)
		child_reap(x->pid);
}

static void exec_abort(struct job *j)
{
	struct exec_run *x = j->priv;

	if (x->pid > 0) {
		kill(-x->pid, SIGKILL);
		waitpid(x->pid, NULL, 0);
		child_forget(x->pid);
	}
	run_free(x);
	j->priv = NULL;
}

const struct deliver_ops deliver_exec_ops = {
	.name = "alert-exec",
	.max_running = DELIVER_RUNNING_MAX, /* hook programs running at once */
	.setup = exec_setup,
	.conf_free = free,
	.start = exec_start,
	.on_fd = exec_on_fd,
	.overdue = exec_overdue,
	.reap = exec_reap,
	.abort = exec_abort,
};
