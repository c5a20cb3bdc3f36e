/* SPDX-License-Identifier: GPL-2.0-only */
/* procinfo.h - one process as JSON, for GET /api/v1/process/PID: read at the request from that pid's
 * own /proc files only (stat, status, comm, cmdline, exe, cgroup, statm, fd), never a walk of /proc.
 *
 * cpu_pct and runqueue_wait_pct are "over the last interval" (between the last two records):
 *  - from the sched eBPF collector's task data when it runs (it sees every process at every record);
 *  - else cpu_pct from a small cache (PROCINFO_TRACKED pids, the ones asked about most recently):
 *    a pid's first request starts tracking it and answers null; at each record the tracked pids'
 *    utime+stime are read again, so once two records have passed, cpu_pct is the share of one CPU
 *    between the last two. runqueue_wait_pct is null without eBPF.
 */
#ifndef COREWATCH_PROCINFO_H
#define COREWATCH_PROCINFO_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>

#define PROCINFO_TRACKED 32   /* pids whose CPU time the agent re-reads at each record */
#define PROCINFO_MAX_FDS 65536 /* /proc/PID/fd entries counted at most ("fds_truncated": true) */
#define PROCINFO_PID_MAX 4194304 /* the kernel's PID_MAX_LIMIT */

struct procinfo;

/* The eBPF view of one process over the last interval (either may be < 0: not known). */
struct procinfo_sched {
	double cpu_pct, runqueue_wait_pct;
};

/* A tracker reading from proc_root (borrowed, outlives it). NULL when out of memory. */
struct procinfo *procinfo_new(const char *proc_root);
void procinfo_free(struct procinfo *p);

/* Strict pid parsing: decimal digits only (no sign, blank or leading zero), 1..PROCINFO_PID_MAX.
 * Returns 0 with *pid, or -1 (EINVAL: not a number, ERANGE: out of range). */
int procinfo_parse_pid(const char *s, uint32_t *pid);

/* A record was taken at monotonic time now_s: re-reads utime+stime of the tracked pids (forgetting
 * those gone or reused). */
void procinfo_tick(struct procinfo *p, double now_s);

/* The JSON object for pid into *out (caller deletes), with sched (NULL: no eBPF data) giving the
 * interval's CPU and run-queue wait. now_s is the monotonic time of the request. Returns 0, -ENOENT
 * when there is no such process, -ENOMEM, or another -errno reading its stat. */
int procinfo_json(struct procinfo *p, uint32_t pid, const struct procinfo_sched *sched, double now_s,
		  cJSON **out);

#endif
