// SPDX-License-Identifier: GPL-2.0-only
/* empty.bpf.c - the calibration points of `make bench`: tp_btf programs that do nothing, on the
 * same hooks corewatch attaches for each path, so each table can say what attaching anything at
 * all costs on this machine. bench/empty.c picks one path's set (autoload off for the others). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* sched: the switch (corewatch's sched_info path attaches sched_switch alone for run-queue time) */
SEC("tp_btf/sched_switch")
int BPF_PROG(empty_switch) { return 0; }

/* block: insert, issue, complete */
SEC("tp_btf/block_rq_insert")
int BPF_PROG(empty_rq_insert) { return 0; }
SEC("tp_btf/block_rq_issue")
int BPF_PROG(empty_rq_issue) { return 0; }
SEC("tp_btf/block_rq_complete")
int BPF_PROG(empty_rq_complete) { return 0; }

/* tcp: state changes, retransmits, resets, and the per-call send/recv lengths */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(empty_set_state) { return 0; }
SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(empty_retransmit) { return 0; }
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(empty_send_reset) { return 0; }
SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(empty_receive_reset) { return 0; }
SEC("tp_btf/sock_send_length")
int BPF_PROG(empty_send_length) { return 0; }
SEC("tp_btf/sock_recv_length")
int BPF_PROG(empty_recv_length) { return 0; }
