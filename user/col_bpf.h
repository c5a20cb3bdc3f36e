/* SPDX-License-Identifier: GPL-2.0-only */
/* col_bpf.h - the "bpf" section: the status of each eBPF program (attached, hooks and the variant
 * each got, events, maps and their fill), kept by its collector through this API and reported by the
 * bpf collector. Collectors update their status when they sample; every sample of an interval runs
 * before any emit, so the section always reports the interval's own figures, whatever the order of
 * collectors in the record. */
#ifndef COREWATCH_COL_BPF_H
#define COREWATCH_COL_BPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

struct bpf_hook;

#define BPF_STATUS_MAPS 4

/* The status of one eBPF program, owned (static) by its collector. */
struct bpf_status {
	const char *name;          /* "sched", "block", "tcp" */
	bool loaded;
	const char *error;         /* why it is not loaded (static), or NULL */
	struct bpf_hook *hooks;
	size_t nhooks;
	uint64_t events;           /* cumulative events seen by its programs */
	uint64_t events_reported;  /* events when the section last reported */
	uint64_t ringbuf_drops, map_full;
	/* its attached hooks' kernel run time and runs as the kernel counts them (bpf_prog_info's
	 * run_time_ns and run_cnt, while run-time stats are on), and their values when last reported */
	uint64_t run_ns, runs, run_ns_reported, runs_reported;
	/* map fill levels: name, entries in use, capacity, inserts that failed because it was full
	 * (cumulative; and its value when the section last reported) */
	struct { const char *map; uint64_t used, max, failed, failed_reported; bool overflowing; } fill[BPF_STATUS_MAPS];
	size_t nfill;
	/* programs the kernel refused (to load or to attach): never selected again */
	char refused[16][32];
	size_t nrefused;
};

/* Updates lost to full maps since start, over every program (the record's bpf.map_full). */
uint64_t bpf_status_map_full(void);
/* Whether a record section ("sched") comes from an eBPF program of that name. */
bool bpf_section(const char *name);
/* Makes st part of the bpf section (once; loaded or not, so errors are reported too). */
void bpf_status_register(struct bpf_status *st);
/* Sets st's cumulative counters, at each sample. */
void bpf_status_counters(struct bpf_status *st, uint64_t events, uint64_t ringbuf_drops, uint64_t map_full);
/* Sets the fill level of st's map number i (i < BPF_STATUS_MAPS; name static) and its failed
 * inserts since load (failed), at each sample. */
void bpf_status_map(struct bpf_status *st, size_t i, const char *name, uint64_t used, uint64_t max,
		    uint64_t failed);
/* Adds the full status to o (the inventory's "bpf" object): enabled, or the reason it is not;
 * programs.<name>.{attached, error, hooks, left_out, events, maps.<map>.{entries, max_entries,
 * fill_pct}}. why: eBPF's reason to be off (bpf_unavailable()), or NULL. Later changes of attach state
 * or hooks are reported against what this wrote, as "bpf_status" event records. */
void bpf_status_json(cJSON *o, const char *why);
/* The reason the eBPF program named section is not attached ("sched"), or NULL when it is. */
const char *bpf_program_error(const char *section);
/* True when any registered program is loaded. */
bool bpf_status_any_loaded(void);
/* eBPF programs attached now, over every collector (for the service status line). */
size_t bpf_attached_count(void);

#endif
