// SPDX-License-Identifier: GPL-2.0-only
/* deliver_exec.c - the --alert-exec transport: the program, the record on its stdin and in
 * COREWATCH_ALERT_* variables, its output kept for the log, killed after --alert-timeout.
 *
 * A hook runs unprivileged: as --alert-exec-user (nobody when the agent is root; never root), no
 * supplementary groups, no capabilities in any set, no_new_privs (a set-uid program it runs gains
 * nothing), in /, with an environment of the alert's variables and a fixed PATH only, and stdin the
 * record's pipe (closed after the record: never the agent's own). */
#include "deliver_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "privs.h"
#include "util.h"

#define HOOK_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

#define HOOK_OUTPUT_MAX 1024   /* bytes of a hook's stderr kept for the log */

/* A hook running. */
struct exec_run {
	pid_t pid;
	int out_fd;                /* its stdout+stderr; -1 once at end of file */
	char out[HOOK_OUTPUT_MAX];
	size_t out_len;
};

static void exec_child_exited(void *ctx, pid_t pid, int status);

struct exec_conf {
	char *path;
	uid_t uid;     /* whom the hook runs as */
	gid_t gid;
	bool switch_to; /* uid differs from the agent's: set at each start (needs CAP_SETUID/SETGID) */
};

static void exec_conf_free(void *conf)
{
	struct exec_conf *c = conf;

	if (c)
		free(c->path);
	free(c);
}

/* --alert-exec-user: a name or a uid (its primary group from the passwd entry, else the same
 * number); unset, nobody for a root agent and the agent's own user otherwise. Returns 0, or -1 with
 * the reason. */
static int hook_user(const struct options *o, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
	const char *name = o->alert_exec_user;
	struct passwd *pw;
	uint64_t n;

	if (!name) {
		if (getuid() != 0) {
			*uid = getuid();
			*gid = getgid();
			return 0;
		}
		name = "nobody";
	}
	errno = 0;
	if ((pw = getpwnam(name))) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	} else if (parse_u64(name, 0, UINT32_MAX - 1, &n) == 0) {
		*uid = (uid_t)n;
		*gid = (pw = getpwuid(*uid)) ? pw->pw_gid : (gid_t)n;
	} else {
		snprintf(err, errlen, "--alert-exec-user: '%s' is not a user of this host", name);
		return -1;
	}
	if (*uid == 0) {
		snprintf(err, errlen, "--alert-exec-user: '%s' is root: hooks run without privileges", name);
		return -1;
	}
	return 0;
}

static int exec_setup(const struct options *o, void **conf, char *err, size_t errlen)
{
	struct exec_conf *c;
	uid_t uid;
	gid_t gid;

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
	if (hook_user(o, &uid, &gid, err, errlen) < 0)
		return -1;
	if (uid != getuid() && !(privs_have(CAP_SETUID) && privs_have(CAP_SETGID))) {
		snprintf(err, errlen, "--alert-exec-user: running hooks as uid %u needs CAP_SETUID and "
			 "CAP_SETGID (run as root, or name this agent's own user)", (unsigned)uid);
		return -1;
	}
	if (!(c = calloc(1, sizeof(*c))) || !(c->path = strdup(o->alert_exec))) {
		exec_conf_free(c);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->uid = uid;
	c->gid = gid;
	c->switch_to = uid != getuid();
	*conf = c;
	return 0;
}

uint64_t deliver_caps_to_keep(const struct options *o)
{
	char err[256];
	uid_t uid;
	gid_t gid;

	if (!o->alert_exec || hook_user(o, &uid, &gid, err, sizeof(err)) < 0 || uid == getuid())
		return 0;
	/* CAP_KILL: the hook's group, no longer the agent's uid, is killed at its timeout */
	return (1ull << CAP_SETUID) | (1ull << CAP_SETGID) | (1ull << CAP_KILL);
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

/* r's fields as COREWATCH_ALERT_* and a fixed PATH: nothing of the agent's own environment. Returns
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
	size_t n = 0;
	char **env, *labels;

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
	env = calloc(*nowned + 2, sizeof(*env));
	if (!env)
		return NULL;
	env[n++] = (char *)HOOK_PATH;
	for (size_t i = 0; i < *nowned; i++)
		env[n++] = (*owned)[i];
	return env;
}

/* In the forked child: becomes the hook (see the top of this file) or reports on fail_fd why not. */
static void hook_exec(const struct exec_conf *c, int in, int out, int fail_fd, char **env)
{
	char *argv[2] = { c->path, NULL };
	sigset_t none;
	int e;

	/* its own group: a timeout kills its children too */
	if (setpgid(0, 0) < 0)
		goto fail;
	/* the agent blocks its signals for signalfd and ignores SIGPIPE: the hook must not inherit it */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0 || chdir("/") < 0)
		goto fail;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		goto fail;
	/* groups, then the gid, then the uid: leaving uid 0 empties every capability set */
	if (c->switch_to && (setgroups(0, NULL) < 0 || setresgid(c->gid, c->gid, c->gid) < 0 ||
			     setresuid(c->uid, c->uid, c->uid) < 0))
		goto fail;
	if (privs_drop_all() < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		goto fail;
	execve(c->path, argv, env);
fail:
	e = errno;
	if (write(fail_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
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
	const struct exec_conf *c = j->t->conf;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, fail[2] = { -1, -1 };
	char **owned = NULL, **env;
	size_t nowned = 0;
	char *text = cJSON_PrintUnformatted(j->rec);
	struct exec_run *x = calloc(1, sizeof(*x));
	const char *why = NULL;
	int e = 0;

	if (x)
		*x = (struct exec_run){ .pid = -1, .out_fd = -1 };
	env = hook_env(j->rec, &owned, &nowned);
	if (!x || !text || !env || pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pipe2(fail, O_CLOEXEC) < 0) {
		why = "out of memory or descriptors";
		goto out;
	}
	x->pid = fork();
	if (x->pid == 0)
		hook_exec(c, in[0], out[1], fail[1], env);
	if (x->pid < 0) {
		why = strerror(errno);
		goto out;
	}
	close(fail[1]);
	fail[1] = -1;
	/* the child's end closes at its execve: nothing to read then */
	if (read(fail[0], &e, sizeof(e)) == (ssize_t)sizeof(e)) {
		waitpid(x->pid, NULL, 0);
		x->pid = -1;
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
		if (fail[i] >= 0)
			close(fail[i]);
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
	log_warnx("alert-exec: %s still running after %llu ms: killing it", ((const struct exec_conf *)j->t->conf)->path,
		  (unsigned long long)j->t->n->timeout_ms);
	if (kill(-x->pid, SIGKILL) < 0)
		log_warn("alert-exec: cannot kill the hook's process group %d", (int)x->pid);
	j->deadline = 0; /* its exit arrives through SIGCHLD */
}

/* The hook exited (child_exit_fn, from the loop's child table): its output on one line, then its
 * exit status judged. */
static void exec_child_exited(void *ctx, pid_t pid, int status)
{
	struct job *j = ctx;
	struct exec_run *x = j->priv;
	const char *path = ((const struct exec_conf *)j->t->conf)->path;
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
	.conf_free = exec_conf_free,
	.start = exec_start,
	.on_fd = exec_on_fd,
	.overdue = exec_overdue,
	.reap = exec_reap,
	.abort = exec_abort,
};
