/* bpf_common.h - what every eBPF collector shares: one availability check (BTF, privileges,
 * --no-bpf) with one warning, libbpf's messages through our logger, tp_btf-or-raw_tp hook selection,
 * histogram summaries, and the status registry the "bpf" section reports.
 */
#ifndef COREWATCH_BPF_COMMON_H
#define COREWATCH_BPF_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bpf/libbpf.h>
#include <linux/types.h>
#include <cJSON.h>

#include "collector.h"
#include "corewatch/hist.h"

/* Returns NULL when eBPF collectors can load here, else the reason (static string). The first call
 * that finds a reason logs it once as a warning. */
const char *bpf_unavailable(const struct collector_env *env);

/* A tracepoint served by one of up to three programs, tried in this order: tp_btf, its raw_tp twin,
 * its plain tracepoint twin (when the hook has one). A variant the kernel refuses to load or attach
 * is skipped from then on (program by program: the others keep their best). kind is "tp_btf",
 * "raw_tp", "tracepoint", or NULL when not attached, and then why says why (static).
 * COREWATCH_BPF_FORCE_RAW_TP / COREWATCH_BPF_FORCE_TRACEPOINT start further down the list on kernels
 * that do not need it (tests). */
struct bpf_hook {
	const char *tp;
	struct bpf_program *btf, *raw, *plain;
	const char *kind, *why;
	struct bpf_link *link;
	bool optional;     /* a missing tracepoint is not an error (feature-probed) */
};

/* True when the running kernel's BTF has typedef name (e.g. "btf_trace_sched_switch"); fills
 * *nparams with its function prototype's parameter count when asked. */
bool kernel_btf_has_tracepoint(const char *tp, int *nparams);

/* True when the running kernel's BTF has struct type with a member named member (e.g. "sched_info",
 * "last_queued"). */
bool kernel_btf_has_member(const char *type, const char *member);
/* Drops the parsed kernel BTF (several MiB); the next query parses it again. Call before a
 * skeleton's load, which parses its own copy: the two never need to coexist. */
void kernel_btf_release(void);

/* Adds count, p50, p90, p99, max and the non-empty buckets ({le, count}) of delta (the unit is in the
 * name of obj, e.g. "latency_us"). */
void hist_emit(cJSON *obj, const struct hist *delta, uint64_t max);
/* out = b - a, slot by slot (cumulative histograms sampled at two times). */
void hist_delta(const struct hist *a, const struct hist *b, struct hist *out);
/* Value below which fraction q of the samples fall, interpolated inside its log2 bucket. */
double hist_quantile(const struct hist *h, double q);

/* The status of one eBPF program, kept by its collector and reported in the "bpf" section. */
struct bpf_status {
	const char *name;          /* "sched", "block", "tcp" */
	bool loaded;
	const char *error;         /* why it is not loaded (static), or NULL */
	struct bpf_hook *hooks;
	size_t nhooks;
	uint64_t events;           /* cumulative events seen by its programs */
	uint64_t ringbuf_drops, map_full;
	/* map fill levels: name, entries in use, capacity */
	struct { const char *map; uint64_t used, max; } fill[4];
	size_t nfill;
	/* programs the kernel refused (to load or to attach): never selected again */
	char refused[16][32];
	size_t nrefused;
};
/* True when the kernel refused the program named prog in an earlier attempt. */
bool bpf_program_refused(const struct bpf_status *st, const char *prog);
/* Selects each hook's variant, drops the parsed kernel BTF, loads obj, attaches the hooks and marks st
 * loaded (registered for the bpf section). Returns 0; -EAGAIN when the kernel refused one hook's
 * variant and another is left (recorded in st): the caller destroys obj, opens it again and calls
 * this again; or -ENOTSUP after logging why and recording it in st: the caller frees its state. */
int bpf_program_start(struct bpf_status *st, struct bpf_object *obj, struct bpf_hook *hooks, size_t n);
/* A collector's init failed: logs "eBPF <name>: what: strerror(err)", records what in st for the bpf
 * section, frees state with destroy (when given), returns -ENOTSUP (the collector is inactive). err is
 * an errno value, positive or negative, taken before anything is freed. */
int bpf_program_failed(struct bpf_status *st, const char *what, int err, void (*destroy)(void *),
		       void *state);
/* The collector is being freed: detaches its hooks; the program is no longer loaded. */
void bpf_program_stop(struct bpf_status *st, struct bpf_hook *hooks, size_t n);

/* Sums the ncpu copies of a per-CPU value (as read from a per-CPU map: ncpu rows of n __u64 each)
 * into sum[n]. */
void percpu_sum(const __u64 *percpu, int ncpu, size_t n, __u64 *sum);
/* Reads up to max entries of a (non-per-CPU) hash map into keys/values (arrays of key_size and
 * value_size), then deletes what it read: per-interval maps. Returns how many were read. */
size_t bpf_map_drain(int fd, size_t key_size, size_t value_size, void *keys, void *values, size_t max);

/* Options for a skeleton's __open_opts(): without CAP_SYS_ADMIN, CO-RE searches vmlinux's BTF only. */
const struct bpf_object_open_opts *bpf_open_opts(void);

/* The capabilities (a mask of 1 << CAP_x) the agent must keep to go on reading its maps once loaded:
 * 0 where the kernel lets a process without CAP_BPF use map fds it holds (5.19+, or
 * kernel.unprivileged_bpf_disabled=0); before that every bpf() command needs CAP_BPF (or
 * CAP_SYS_ADMIN). Probed once, with a map of its own, by lowering the effective set for one lookup.
 * 0 as well when no eBPF collector is loaded. */
uint64_t bpf_caps_to_keep(void);

/* eBPF programs attached now, over every collector (for the service status line). */
size_t bpf_attached_count(void);

/* Number of possible CPUs (libbpf's view), cached. */
int bpf_ncpus(void);

#endif
