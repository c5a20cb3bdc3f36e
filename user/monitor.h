/* SPDX-License-Identifier: GPL-2.0-only */
/* monitor.h - the agent: collectors, output and one event loop (loop.h: the sampling timerfd, the
 * signalfd, the watchdog timer, the endpoint, alert delivery and the collectors' event descriptors,
 * each with its handler).
 *
 * monitor_start() validates and prepares everything (nothing is written yet); monitor_run() writes the
 * inventory record, then one metrics record per interval until a signal or --count ends it.
 */
#ifndef COREWATCH_MONITOR_H
#define COREWATCH_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include "alert.h"
#include "collector.h"
#include "http.h"
#include "deliver.h"
#include "loop.h"
#include "options.h"
#include "output.h"
#include "output_text.h"


struct monitor {
	struct options opt;
	char *const *argv;       /* kept for SIGHUP re-reads */
	int argc;
	struct collector_env env;
	struct agent_counters ctr;
	struct col_slot *slots;
	size_t nslots;
	struct output out;
	struct text_out text;    /* --format text: when the next header is due */
	cJSON *held_alerts;      /* --format text, during a tick: alert records to follow its line */
	struct alert_engine *alerts;
	struct deliverer *deliver;
	struct http *http;
	char host[256];
	struct loop loop;
	/* what the loop watches, fd -1 when not open: signals, the sampling timer, systemd's watchdog
	 * timer, the --listen endpoint, alert delivery */
	struct loop_handler sig, timer, watchdog, http_ev, deliver_ev;
	char status[200];        /* the last STATUS= sent to systemd */
	uint64_t records;        /* metrics records written */
	int64_t last_tick_ms;    /* CLOCK_MONOTONIC of the last tick that sampled, 0 before any */
	bool stop;
};

/* Takes ownership of opt. Returns 0, or -1 with a reason in err (configuration problem: exit 2). */
int monitor_start(struct monitor *m, struct options *opt, int argc, char *const argv[], char *err,
		  size_t errlen);
/* Runs until SIGTERM/SIGINT or --count. Returns 0, or 1 on a fatal runtime error. */
int monitor_run(struct monitor *m);
/* For --check-config: warns of each rule whose metric eBPF would give when eBPF cannot run here
 * (--no-bpf, no BTF, no privileges). The running agent says the same of any missing metric at its
 * first record. */
void monitor_check_rules(const struct options *o);
void monitor_stop(struct monitor *m);

#endif
