// SPDX-License-Identifier: GPL-2.0-only
/* tcp.bpf.c - TCP connection lifecycle (opens, failed connects, closes and durations), retransmits
 * by peer and service, resets, and per-process send/receive bytes where the kernel has the
 * sock_send_length/sock_recv_length tracepoints. Each hook has a tp_btf program and a raw_tp twin.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "bits.bpf.h"
#include "maps.bpf.h"
#include "compat.bpf.h"
#include "corewatch/tcp.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6

char LICENSE[] SEC("license") = "GPL";

/* Set by the agent before load: net.ipv4.ip_local_port_range, where clients' ports come from; and
 * whether tcp_retransmit_skb passes the attempt's result (err, a third argument on newer kernels),
 * read from the kernel's BTF. */
const volatile __u16 ephemeral_lo = 32768, ephemeral_hi = 60999;
const volatile bool retransmit_has_err = false;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct net_pcpu);
} pcpu SEC(".maps");

/* Largest connection duration (ms) per CPU since the agent last zeroed it (every interval): apart
 * from the cumulative counters, so that zeroing it never loses a count. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} duration_max SEC(".maps");

/* Plain hashes, not LRU: a full map fails the insert, which is counted (x_full), where an LRU map
 * would evict a live entry without a word (a close then goes unmatched). */

/* established connection -> when it became established (ktime ns), its lowest bit set when this
 * host accepted it (SYN_RECV -> ESTABLISHED: the local port is the service's) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NET_SOCKS_MAX);
	__type(key, __u64);
	__type(value, __u64);
} socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NET_PEERS_MAX);
	__type(key, struct peer_key);
	__type(value, __u64);
} peers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NET_PROCS_MAX);
	__type(key, __u32);
	__type(value, struct proc_bytes);
} procs SEC(".maps");

static __always_inline struct net_pcpu *stats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&pcpu, &zero);
}

static __always_inline int on_state(const struct sock *sk, int oldstate, int newstate)
{
	struct net_pcpu *s = stats();
	__u64 key = (__u64)sk, now, ms, *ts, *max;
	__u32 zero = 0;
	long err;

	if (!s || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	s->events++;
	if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT)
		s->active_opens++;
	else if (oldstate == TCP_LISTEN && newstate == TCP_SYN_RECV)
		s->passive_opens++;
	else if (oldstate == TCP_SYN_SENT && newstate == TCP_CLOSE)
		s->failed_connects++;
	if (newstate == TCP_ESTABLISHED) {
		now = (bpf_ktime_get_ns() & ~1ull) | (oldstate == TCP_SYN_RECV);
		err = bpf_map_update_elem(&socks, &key, &now, BPF_NOEXIST);
		if (err == 0)
			s->socks++;
		else if (err == -EEXIST) /* a socket at this address whose close was missed */
			bpf_map_update_elem(&socks, &key, &now, BPF_EXIST);
		else
			s->socks_full++;
	} else if (newstate == TCP_CLOSE) {
		ts = bpf_map_lookup_elem(&socks, &key);
		if (!ts)
			return 0;
		now = bpf_ktime_get_ns();
		if (now > (*ts & ~1ull)) {
			ms = (now - (*ts & ~1ull)) / 1000000;
			hist_add(&s->duration_ms, ms);
			max = bpf_map_lookup_elem(&duration_max, &zero);
			if (max && ms > *max)
				*max = ms;
		}
		s->closes++;
		if (bpf_map_delete_elem(&socks, &key) == 0)
			s->socks--;
	}
	return 0;
}

static __always_inline bool is_ephemeral(__u16 port)
{
	return port >= ephemeral_lo && port <= ephemeral_hi;
}

static __always_inline int on_retransmit(const struct sock *sk)
{
	struct net_pcpu *s = stats();
	struct peer_key k = {};
	__u64 zero = 0, *cnt, *est, skey = (__u64)sk;
	__u16 lport, rport;

	if (!s)
		return 0;
	s->events++;
	s->retransmits++;
	if (!sk)
		return 0;
	k.family = BPF_CORE_READ(sk, __sk_common.skc_family);
	/* A peer is the remote address and the service's port: ours when this host is the server
	 * (else each client's ephemeral port would make a peer of every connection), theirs when it
	 * is the client. */
	lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	est = bpf_map_lookup_elem(&socks, &skey);
	if (est)
		k.server = *est & 1;
	else /* opened before the agent started: the port from the ephemeral range is the client's */
		k.server = is_ephemeral(rport) && !is_ephemeral(lport) ? 1
			   : is_ephemeral(lport) && !is_ephemeral(rport) ? 0
									 : lport < rport;
	k.port = k.server ? lport : rport;
	if (k.family == AF_INET)
		BPF_CORE_READ_INTO(&k.addr, sk, __sk_common.skc_daddr);
	else if (k.family == AF_INET6)
		BPF_CORE_READ_INTO(&k.addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	cnt = map_lookup_or_init(&peers, &k, &zero);
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	else
		s->peers_full++;
	return 0;
}

/* A retransmit that failed (the segment still queued below, -EBUSY; no memory) sent nothing: the
 * kernel's RetransSegs leaves it out, and so does this where the tracepoint says (its third
 * argument; the load of it is dead code, pruned, where it has none). */
static __always_inline int retransmit_args(__u64 *ctx)
{
	if (retransmit_has_err && (int)ctx[2] != 0)
		return 0;
	return on_retransmit((const struct sock *)ctx[0]);
}

static __always_inline int on_reset(bool sent)
{
	struct net_pcpu *s = stats();

	if (!s)
		return 0;
	s->events++;
	if (sent)
		s->resets_sent++;
	else
		s->resets_received++;
	return 0;
}

static __always_inline int on_length(const struct sock *sk, int ret, bool tx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct proc_bytes *p, fresh = {};

	if (ret <= 0 || !sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	p = bpf_map_lookup_elem(&procs, &tgid);
	if (!p) {
		bpf_get_current_comm(&fresh.comm, sizeof(fresh.comm));
		p = map_lookup_or_init(&procs, &tgid, &fresh);
		if (!p) {
			struct net_pcpu *s = stats();

			if (s)
				s->procs_full++;
			return 0;
		}
	}
	if (tx)
		__sync_fetch_and_add(&p->tx, (__u64)ret);
	else
		__sync_fetch_and_add(&p->rx, (__u64)ret);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(state_btf, const struct sock *sk, int oldstate, int newstate)
{
	return on_state(sk, oldstate, newstate);
}
SEC("tp_btf/tcp_retransmit_skb")
int retransmit_btf(__u64 *ctx) { return retransmit_args(ctx); }
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(send_reset_btf) { return on_reset(true); }
SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(receive_reset_btf) { return on_reset(false); }
SEC("tp_btf/sock_send_length")
int BPF_PROG(send_length_btf, struct sock *sk, int ret) { return on_length(sk, ret, true); }
SEC("tp_btf/sock_recv_length")
int BPF_PROG(recv_length_btf, struct sock *sk, int ret) { return on_length(sk, ret, false); }

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(state_raw, const struct sock *sk, int oldstate, int newstate)
{
	return on_state(sk, oldstate, newstate);
}
SEC("raw_tp/tcp_retransmit_skb")
int retransmit_raw(struct bpf_raw_tracepoint_args *ctx) { return retransmit_args(ctx->args); }
SEC("raw_tp/tcp_send_reset")
int BPF_PROG(send_reset_raw) { return on_reset(true); }
SEC("raw_tp/tcp_receive_reset")
int BPF_PROG(receive_reset_raw) { return on_reset(false); }
SEC("raw_tp/sock_send_length")
int BPF_PROG(send_length_raw, struct sock *sk, int ret) { return on_length(sk, ret, true); }
SEC("raw_tp/sock_recv_length")
int BPF_PROG(recv_length_raw, struct sock *sk, int ret) { return on_length(sk, ret, false); }
