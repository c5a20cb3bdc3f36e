/* SPDX-License-Identifier: GPL-2.0-only */
/* bpf_load.h - loading the eBPF collectors' programs: one availability check (BTF, privileges,
 * --no-bpf) with one warning, libbpf's messages through our logger, queries of the kernel's BTF,
 * each hook's variant chosen and fallen back program by program, the state every eBPF collector
 * starts from (struct bpf_base), and the per-CPU map helpers their samples use.
 */
#ifndef COREWATCH_BPF_LOAD_H
#define COREWATCH_BPF_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bpf/libbpf.h>
#include <linux/types.h>

#include "col_bpf.h"
#include "collector.h"

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

/* The program attached to h (the variant h->kind names), or NULL when none is. */
struct bpf_program *bpf_hook_program(const struct bpf_hook *h);

/* True when the running kernel's BTF has typedef name (e.g. "btf_trace_sched_switch"); fills
 * *nparams with its function prototype's parameter count when asked. */
bool kernel_btf_has_tracepoint(const char *tp, int *nparams);

/* True when the running kernel's BTF has struct type with a member named member (e.g. "sched_info",
 * "last_queued"). */
bool kernel_btf_has_member(const char *type, const char *member);
/* Whether the running kernel's BTF has a function (a kfunc) of that name. */
bool kernel_btf_has_func(const char *name);
/* Drops the parsed kernel BTF (several MiB); the next query parses it again. Call before a
 * skeleton's load, which parses its own copy: the two never need to coexist. */
void kernel_btf_release(void);

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
/* Reads the per-CPU values of element 0 of a per-CPU array of per-interval maxima into vals, then
 * writes zeros (ncpu values) back: each interval starts from 0. Returns 0 or -errno of the read. */
int percpu_take(int fd, void *vals, const void *zeros);
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

/* The first member of every eBPF collector's state, as struct col_base is of the /proc ones. */
#define BPF_HOOKS_MAX 8
struct bpf_base {
	const struct collector_env *env;
	struct bpf_status *st;
	struct bpf_object_skeleton *skeleton; /* set by the open function: its global data is mapped after load */
	struct bpf_hook hooks[BPF_HOOKS_MAX];
	size_t nhooks;
};
/* Opens the collector's skeleton afresh (destroying the one of an earlier attempt), sets b->skeleton
 * and describes its hooks in b->hooks[0..b->nhooks). Returns its object, or NULL with errno set. */
typedef struct bpf_object *(*bpf_open_fn)(struct bpf_base *b);

/* Allocates a zeroed state of size bytes (first member: struct bpf_base) into *state, for status st.
 * Returns 0; -ENOTSUP (nothing allocated) when eBPF collectors cannot load here; -ENOMEM. */
int bpf_base_new(const struct collector_env *env, size_t size, struct bpf_status *st, void **state);
/* Opens with open, loads and attaches, opening again while the kernel refuses one hook's variant
 * and another is left. Returns 0, or -ENOTSUP after logging why (recorded in the status). */
int bpf_base_load(struct bpf_base *b, bpf_open_fn open);
/* Detaches the hooks; the program is no longer loaded. The caller destroys its skeleton, then frees
 * the state. */
void bpf_base_stop(struct bpf_base *b);

/* Number of possible CPUs (libbpf's view), cached. */
int bpf_ncpus(void);

#endif
