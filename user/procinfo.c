// SPDX-License-Identifier: GPL-2.0-only
/* procinfo.c - see procinfo.h. */
#include "procinfo.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "util.h"

struct tracked {
	uint32_t pid;        /* 0: free slot */
	uint64_t starttime;  /* clock ticks after boot: tells a reused pid */
	uint64_t ticks[2];   /* utime+stime at the last two records ([1] the latest) */
	double t[2];
	unsigned n;          /* records seen since tracking began (2 or more: ticks[0] is valid) */
	double asked_s;      /* last request: the oldest is evicted */
};

struct procinfo {
	const char *root;
	uint64_t btime;      /* boot time, epoch seconds (0: not read yet) */
	struct fbuf buf;
	struct tracked t[PROCINFO_TRACKED];
};

/* What is read from /proc/PID/stat. */
struct pstat {
	char state;
	uint64_t ppid, ticks, threads, starttime;
};

struct procinfo *procinfo_new(const char *proc_root)
{
	struct procinfo *p = calloc(1, sizeof(*p));

	if (p)
		p->root = proc_root;
	return p;
}

void procinfo_free(struct procinfo *p)
{
	if (!p)
		return;
	fbuf_free(&p->buf);
	free(p);
}

int procinfo_parse_pid(const char *s, uint32_t *pid)
{
	size_t len = s ? strlen(s) : 0;
	uint64_t v;

	/* digits only: no sign, no blank; "012" is not how a pid is written */
	if (!len || strspn(s, "0123456789") != len || (s[0] == '0' && len > 1)) {
		errno = EINVAL;
		return -1;
	}
	if (len > 10 || parse_u64(s, 1, PROCINFO_PID_MAX, &v) < 0) {
		errno = ERANGE;
		return -1;
	}
	*pid = (uint32_t)v;
	return 0;
}

/* rel = "PID/name" into buf. */
static const char *pid_rel(char *buf, size_t len, uint32_t pid, const char *name)
{
	snprintf(buf, len, "%u/%s", pid, name);
	return buf;
}

/* /proc/PID/stat: fields after the comm's last ')' (the comm may hold ')' and blanks). */
static int read_stat(struct procinfo *p, uint32_t pid, struct pstat *st)
{
	char rel[64];
	const char *c;
	uint64_t v[19];
	int err = fbuf_read(&p->buf, p->root, pid_rel(rel, sizeof(rel), pid, "stat"));

	if (err)
		return err == -ESRCH ? -ENOENT : err;
	if (!(c = strrchr(p->buf.data, ')')) || c[1] != ' ' || !c[2])
		return -EINVAL;
	st->state = c[2];
	c += 3;
	/* fields 4 (ppid) .. 22 (starttime) */
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		int64_t sv;

		/* tty_nr, priority, nice and itrealvalue may be negative; none of them is kept */
		if (scan_i64(&c, &sv) < 0)
			return -EINVAL;
		v[i] = (uint64_t)sv;
	}
	st->ppid = v[0];
	st->ticks = v[10] + v[11];  /* utime 14, stime 15 */
	st->threads = v[16];        /* num_threads 20 */
	st->starttime = v[18];      /* starttime 22 */
	return 0;
}

/* Boot time (epoch seconds) from proc_root/stat's btime line, read once. */
static uint64_t boot_time(struct procinfo *p)
{
	const char *l;

	if (p->btime || fbuf_read(&p->buf, p->root, "stat") < 0)
		return p->btime;
	for (l = p->buf.data; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, "btime ", 6) == 0) {
			const char *q = l + 6;
			uint64_t v;

			if (scan_u64(&q, &v) == 0)
				p->btime = v;
			break;
		}
	return p->btime;
}

static long clk_tck(void)
{
	long hz = sysconf(_SC_CLK_TCK);

	return hz > 0 ? hz : 100;
}

void procinfo_tick(struct procinfo *p, double now_s)
{
	struct pstat st;

	for (size_t i = 0; i < PROCINFO_TRACKED; i++) {
		struct tracked *t = &p->t[i];

		if (!t->pid)
			continue;
		if (read_stat(p, t->pid, &st) < 0 || st.starttime != t->starttime) {
			memset(t, 0, sizeof(*t)); /* gone, or its pid taken by another */
			continue;
		}
		t->ticks[0] = t->ticks[1];
		t->t[0] = t->t[1];
		t->ticks[1] = st.ticks;
		t->t[1] = now_s;
		t->n++;
	}
}

/* The pid's slot, or a new one (a free slot, else the one asked about longest ago). */
static struct tracked *track(struct procinfo *p, uint32_t pid, uint64_t starttime, double now_s)
{
	struct tracked *old = &p->t[0];

	for (size_t i = 0; i < PROCINFO_TRACKED; i++) {
		struct tracked *t = &p->t[i];

		if (t->pid == pid && t->starttime == starttime) {
			t->asked_s = now_s;
			return t;
		}
		if (!old->pid)
			continue;
		if (!t->pid || t->asked_s < old->asked_s)
			old = t;
	}
	memset(old, 0, sizeof(*old));
	old->pid = pid;
	old->starttime = starttime;
	old->asked_s = now_s;
	return old;
}

/* cmdline's NUL-separated arguments as an array of strings. */
static void add_cmdline(struct procinfo *p, uint32_t pid, cJSON *o)
{
	char rel[64];
	cJSON *a = jarr(o, "cmdline");

	if (!a || fbuf_read(&p->buf, p->root, pid_rel(rel, sizeof(rel), pid, "cmdline")) < 0)
		return;
	for (size_t off = 0; off < p->buf.len;) {
		const char *arg = p->buf.data + off;
		size_t l = strnlen(arg, p->buf.len - off);

		cJSON_AddItemToArray(a, cJSON_CreateString(arg)); /* fbuf NUL-terminates the last */
		off += l + 1;
	}
}

/* The "0::PATH" line of /proc/PID/cgroup (cgroup v2), and its name. null on a v1-only host. */
static void add_cgroup(struct procinfo *p, uint32_t pid, cJSON *o)
{
	char rel[64], path[4096], name[256];

	if (fbuf_read(&p->buf, p->root, pid_rel(rel, sizeof(rel), pid, "cgroup")) < 0 ||
	    cgroup_path_of_proc(p->buf.data, path, sizeof(path)) < 0 || !path[0]) {
		cJSON_AddNullToObject(o, "cgroup");
		cJSON_AddNullToObject(o, "cgroup_name");
		return;
	}
	jstr(o, "cgroup", path);
	cgroup_name(path, name, sizeof(name));
	jstr(o, "cgroup_name", name);
}

/* Uid: (the real one) from status. */
static int read_uid(struct procinfo *p, uint32_t pid, uint64_t *uid)
{
	char rel[64];
	const char *l;
	int err = fbuf_read(&p->buf, p->root, pid_rel(rel, sizeof(rel), pid, "status"));

	if (err)
		return err;
	if (!(l = strstr(p->buf.data, "\nUid:")))
		return -EINVAL;
	l += 5;
	return scan_u64(&l, uid) < 0 ? -EINVAL : 0;
}

/* Entries of /proc/PID/fd, at most PROCINFO_MAX_FDS. */
static int count_fds(struct procinfo *p, uint32_t pid, uint64_t *n, bool *truncated)
{
	char rel[64], path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	*n = 0;
	*truncated = false;
	if (!path_join(path, sizeof(path), p->root, pid_rel(rel, sizeof(rel), pid, "fd")) ||
	    !(d = opendir(path)))
		return -errno;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (*n == PROCINFO_MAX_FDS) {
			*truncated = true;
			break;
		}
		(*n)++;
	}
	closedir(d);
	return 0;
}

static void add_cpu(struct procinfo *p, uint32_t pid, const struct pstat *st,
		    const struct procinfo_sched *sched, double now_s, cJSON *o)
{
	struct tracked *t = track(p, pid, st->starttime, now_s);

	if (sched && sched->cpu_pct >= 0) {
		jnum1(o, "cpu_pct", sched->cpu_pct);
		jstr(o, "cpu_source", "ebpf");
	} else if (t->n >= 2 && t->t[1] > t->t[0]) {
		double s = (double)(t->ticks[1] - t->ticks[0]) / (double)clk_tck();

		jnum1(o, "cpu_pct", 100.0 * s / (t->t[1] - t->t[0]));
		jstr(o, "cpu_source", "proc");
	} else {
		cJSON_AddNullToObject(o, "cpu_pct"); /* tracked from now on: known after two records */
		cJSON_AddNullToObject(o, "cpu_source");
	}
	if (sched && sched->runqueue_wait_pct >= 0)
		jnum1(o, "runqueue_wait_pct", sched->runqueue_wait_pct);
	else
		cJSON_AddNullToObject(o, "runqueue_wait_pct");
}

int procinfo_json(struct procinfo *p, uint32_t pid, const struct procinfo_sched *sched, double now_s,
		  cJSON **out)
{
	char rel[64], path[PATH_MAX], exe[PATH_MAX], start[40];
	struct pstat st;
	uint64_t uid = 0, pages = 0, nfds = 0, btime;
	bool trunc = false;
	ssize_t n;
	const char *q;
	cJSON *o;
	int err;

	*out = NULL;
	if ((err = read_stat(p, pid, &st)) < 0)
		return err;
	if (!(o = cJSON_CreateObject()))
		return -ENOMEM;
	jint(o, "pid", pid);
	if (fbuf_read(&p->buf, p->root, pid_rel(rel, sizeof(rel), pid, "comm")) == 0) {
		p->buf.data[strcspn(p->buf.data, "\n")] = '\0';
		jstr(o, "name", p->buf.data);
	} else {
		cJSON_AddNullToObject(o, "name");
	}
	n = path_join(path, sizeof(path), p->root, pid_rel(rel, sizeof(rel), pid, "exe"))
		    ? readlink(path, exe, sizeof(exe) - 1) : -1;
	if (n >= 0) {
		exe[n] = '\0';
		jstr(o, "exe", exe);
	} else {
		cJSON_AddNullToObject(o, "exe"); /* a kernel thread, or not ours to read */
	}
	add_cmdline(p, pid, o);
	cJSON_AddItemToObject(o, "state", cJSON_CreateString((char[]){ st.state, '\0' }));
	jint(o, "ppid", st.ppid);
	if (read_uid(p, pid, &uid) == 0)
		jint(o, "uid", uid);
	else
		cJSON_AddNullToObject(o, "uid");
	add_cgroup(p, pid, o);
	/* statm's second field: resident pages, the count stat's rss has too */
	if (fbuf_read(&p->buf, p->root, pid_rel(rel, sizeof(rel), pid, "statm")) == 0 &&
	    (q = p->buf.data, scan_u64(&q, &pages) == 0 && scan_u64(&q, &pages) == 0))
		jint(o, "rss_bytes", pages * (uint64_t)sysconf(_SC_PAGESIZE));
	else
		cJSON_AddNullToObject(o, "rss_bytes");
	add_cpu(p, pid, &st, sched, now_s, o);
	jint(o, "threads", st.threads);
	if (count_fds(p, pid, &nfds, &trunc) == 0) {
		jint(o, "fds", nfds);
		jbool(o, "fds_truncated", trunc);
	} else {
		cJSON_AddNullToObject(o, "fds"); /* another user's process without CAP_SYS_PTRACE */
		jbool(o, "fds_truncated", false);
	}
	btime = boot_time(p);
	if (btime) {
		long hz = clk_tck();

		format_rfc3339_ms((int64_t)btime * 1000 + (int64_t)(st.starttime / (uint64_t)hz) * 1000 +
					  (int64_t)(st.starttime % (uint64_t)hz) * 1000 / hz,
				  start, sizeof(start));
		jstr(o, "start_time", start);
	} else {
		cJSON_AddNullToObject(o, "start_time");
	}
	*out = o;
	return 0;
}
