// SPDX-License-Identifier: GPL-2.0-only
/* empty.bpf.c - the calibration point of `make bench`: a tp_btf program on sched_switch that does
 * nothing, so the table can say what attaching anything at all costs on this machine. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sched_switch")
int BPF_PROG(empty_switch) { return 0; }
