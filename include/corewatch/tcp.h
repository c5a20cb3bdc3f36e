/* SPDX-License-Identifier: GPL-2.0-only */
/* tcp.h - shared between bpf/tcp.bpf.c and the agent: fixed-width structs and constants only. */
#ifndef COREWATCH_TCP_H
#define COREWATCH_TCP_H

#include "corewatch/hist.h"

#define NET_SOCKS_MAX 65536 /* established connections whose start time is kept */
#define NET_PEERS_MAX 4096  /* remote endpoints with retransmits, per interval */
#define NET_PROCS_MAX 4096  /* processes with send/receive bytes, per interval */
#define NET_COMM_LEN 16

/* Per-CPU counters (element 0), cumulative. */
struct net_pcpu {
	__u64 active_opens;     /* CLOSE -> SYN_SENT: connect() */
	__u64 passive_opens;    /* LISTEN -> SYN_RECV: a new child of a listener */
	__u64 failed_connects;  /* SYN_SENT -> CLOSE */
	__u64 closes;           /* established connections that closed */
	__u64 retransmits;
	__u64 resets_sent;
	__u64 resets_received;
	__u64 events;
	__u64 socks_full;       /* failed inserts, per map: the map was full */
	__u64 peers_full;
	__u64 procs_full;
	__s64 socks;            /* +1 per entry added to socks, -1 per entry removed */
	struct hist duration_ms; /* established -> closed */
};

/* Retransmits are counted by peer: the remote address and the service's port. */
struct peer_key {
	__u8 addr[16];   /* the remote address; IPv4 in the first 4 bytes */
	__u16 port;      /* the service's port, host order: local when server, remote when not */
	__u16 family;    /* AF_INET, AF_INET6 */
	__u8 server;     /* 1: this host is the server (accepted the connection) */
	__u8 pad[3];
};

struct proc_bytes {
	__u64 tx, rx;
	char comm[NET_COMM_LEN];
};

#endif
