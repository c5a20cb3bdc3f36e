// SPDX-License-Identifier: GPL-2.0-only
/* col_tcp.c - the TCP section ("tcp") from bpf/tcp.bpf.c: connection lifecycle rates and durations,
 * retransmits with the peers that cause them, resets, and per-process send/receive bytes. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_load.h"
#include "collector.h"
#include "corewatch/tcp.h"
#include "tcp.skel.h" /* after the structs it names */
#include "histogram.h"
#include "log.h"
#include "util.h"
#include "totals.h"

#define NFIELDS (sizeof(struct net_pcpu) / sizeof(__u64))
#define FIELD(p, name) ((p)[offsetof(struct net_pcpu, name) / sizeof(__u64)])

struct tcp_state {
	struct bpf_base base;
	struct tcp_bpf *skel;
	__u64 *buf;                 /* ncpu x NFIELDS */
	__u64 sum[2][NFIELDS];
	__u64 *max_ms, *zeros;      /* ncpu: duration_max as read, and to zero it */
	__u64 dur_max[2];           /* the longest connection that closed in each snapshot's interval */
	int cur;
	struct peer_key peer_keys[NET_PEERS_MAX];
	__u64 peer_counts[NET_PEERS_MAX];
	size_t npeers;
	__u32 proc_keys[NET_PROCS_MAX];
	struct proc_bytes proc_vals[NET_PROCS_MAX];
	size_t nprocs;
};

static struct bpf_status status = { .name = "tcp" };

static void tcp_free(void *state)
{
	struct tcp_state *s = state;

	if (!s)
		return;
	bpf_base_stop(&s->base);
	tcp_bpf__destroy(s->skel);
	free(s->buf);
	free(s->max_ms);
	free(s->zeros);
	free(s);
}

/* net.ipv4.ip_local_port_range, where this host's client ports come from; Linux's default when it
 * cannot be read. */
static void ephemeral_range(const struct collector_env *env, __u16 *lo, __u16 *hi)
{
	struct fbuf f = { 0 };
	uint64_t a, b;
	const char *p;

	if (fbuf_read(&f, env->proc_root, "sys/net/ipv4/ip_local_port_range") == 0 && (p = f.data) &&
	    scan_u64(&p, &a) == 0 && scan_u64(&p, &b) == 0 && a >= 1 && a <= b && b <= 65535) {
		*lo = (__u16)a;
		*hi = (__u16)b;
	}
	fbuf_free(&f);
}

/* Opens the program and describes its hooks for one load attempt (bpf_open_fn). */
static struct bpf_object *tcp_open(struct bpf_base *b)
{
	struct tcp_state *s = (struct tcp_state *)b;
	struct tcp_bpf *k;
	int nparams = 0;

	tcp_bpf__destroy(s->skel);
	s->skel = k = tcp_bpf__open_opts(bpf_open_opts());
	if (!k)
		return NULL;
	b->skeleton = k->skeleton;
	ephemeral_range(b->env, &k->rodata->ephemeral_lo, &k->rodata->ephemeral_hi);
	k->rodata->retransmit_has_err = kernel_btf_has_tracepoint("tcp_retransmit_skb", &nparams) && nparams >= 3;
	struct bpf_hook hooks[] = {
		{ .tp = "inet_sock_set_state", .btf = k->progs.state_btf, .raw = k->progs.state_raw },
		{ .tp = "tcp_retransmit_skb", .btf = k->progs.retransmit_btf, .raw = k->progs.retransmit_raw },
		{ .tp = "tcp_send_reset", .btf = k->progs.send_reset_btf, .raw = k->progs.send_reset_raw },
		{ .tp = "tcp_receive_reset", .btf = k->progs.receive_reset_btf,
		  .raw = k->progs.receive_reset_raw },
		/* 6.3+ only: per-process bytes are feature-probed */
		{ .tp = "sock_send_length", .btf = k->progs.send_length_btf, .raw = k->progs.send_length_raw,
		  .optional = true },
		{ .tp = "sock_recv_length", .btf = k->progs.recv_length_btf, .raw = k->progs.recv_length_raw,
		  .optional = true },
	};
	memcpy(b->hooks, hooks, sizeof(hooks));
	b->nhooks = ARRAY_SIZE(hooks);
	return k->obj;
}

static int tcp_init(const struct collector_env *env, void **state)
{
	struct tcp_state *s;
	int err;

	if ((err = bpf_base_new(env, sizeof(*s), &status, state)) < 0)
		return err;
	s = *state;
	s->buf = calloc((size_t)bpf_ncpus() * NFIELDS, sizeof(__u64));
	s->max_ms = calloc((size_t)bpf_ncpus(), sizeof(__u64));
	s->zeros = calloc((size_t)bpf_ncpus(), sizeof(__u64));
	if (!s->buf || !s->max_ms || !s->zeros)
		return bpf_program_failed(&status, "out of memory", ENOMEM, tcp_free, s);
	if ((err = bpf_base_load(&s->base, tcp_open)) < 0) {
		tcp_free(s);
		return err;
	}
	return 0;
}

/* The per-CPU counters: compared with /proc/net/snmp. */
static int tcp_snapshot(void *state)
{
	struct tcp_state *s = state;
	__u64 max = 0;
	__u32 zero = 0;
	int err;

	if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.pcpu), &zero, s->buf) != 0)
		return -errno;
	percpu_sum(s->buf, bpf_ncpus(), NFIELDS, s->sum[!s->cur]);
	if ((err = percpu_take(bpf_map__fd(s->skel->maps.duration_max), s->max_ms, s->zeros)) < 0)
		return err;
	for (int c = 0; c < bpf_ncpus(); c++)
		max = s->max_ms[c] > max ? s->max_ms[c] : max;
	s->dur_max[!s->cur] = max;
	return 0;
}

/* The per-interval peer and process maps; then the snapshot becomes current. */
static int tcp_sample(void *state)
{
	struct tcp_state *s = state;
	int next = !s->cur;
	const __u64 *b;

	s->npeers = bpf_map_drain(bpf_map__fd(s->skel->maps.peers), sizeof(struct peer_key),
				  sizeof(__u64), s->peer_keys, s->peer_counts, NET_PEERS_MAX);
	s->nprocs = bpf_map_drain(bpf_map__fd(s->skel->maps.procs), sizeof(__u32),
				  sizeof(struct proc_bytes), s->proc_keys, s->proc_vals, NET_PROCS_MAX);
	s->cur = next;
	b = s->sum[next];
	bpf_status_counters(&status, FIELD(b, events), 0,
			    FIELD(b, socks_full) + FIELD(b, peers_full) + FIELD(b, procs_full));
	bpf_status_map(&status, 0, "socks", (__s64)FIELD(b, socks) > 0 ? FIELD(b, socks) : 0,
		       bpf_map__max_entries(s->skel->maps.socks), FIELD(b, socks_full));
	bpf_status_map(&status, 1, "peers", s->npeers, bpf_map__max_entries(s->skel->maps.peers),
		       FIELD(b, peers_full));
	bpf_status_map(&status, 2, "procs", s->nprocs, bpf_map__max_entries(s->skel->maps.procs),
		       FIELD(b, procs_full));
	return 0;
}

static int by_score_desc(const void *a, const void *b, void *score)
{
	double x = ((const double *)score)[*(const size_t *)a], y = ((const double *)score)[*(const size_t *)b];

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Fills idx with the indexes of the (at most want) largest positive scores, largest first. */
static size_t top_indexes(double *score, size_t n, size_t *idx, size_t want)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (score[i] > 0)
			idx[k++] = i;
	qsort_r(idx, k, sizeof(*idx), by_score_desc, score);
	return k < want ? k : want;
}

static void emit_peers(struct tcp_state *s, cJSON *o)
{
	double score[NET_PEERS_MAX];
	size_t idx[NET_PEERS_MAX], k;
	cJSON *arr = jarr(o, "top_retransmit_peers");

	for (size_t i = 0; i < s->npeers; i++)
		score[i] = (double)s->peer_counts[i];
	k = top_indexes(score, s->npeers, idx, s->base.env->top_n);
	for (size_t i = 0; i < k; i++) {
		const struct peer_key *p = &s->peer_keys[idx[i]];
		char addr[INET6_ADDRSTRLEN] = "?";
		cJSON *e = cJSON_CreateObject();

		inet_ntop(p->family == 10 ? AF_INET6 : AF_INET, p->addr, addr, sizeof(addr));
		jstr(e, "address", addr);
		jint(e, "port", p->port);
		jstr(e, "role", p->server ? "server" : "client");
		jint(e, "count", s->peer_counts[idx[i]]);
		cJSON_AddItemToArray(arr, e);
	}
}

static void emit_procs(struct tcp_state *s, cJSON *o, double dt)
{
	double score[NET_PROCS_MAX];
	size_t idx[NET_PROCS_MAX], k;
	cJSON *arr;

	if (!s->base.hooks[4].kind && !s->base.hooks[5].kind)
		return; /* this kernel cannot tell bytes per process */
	arr = jarr(o, "top_net");
	for (size_t i = 0; i < s->nprocs; i++)
		score[i] = (double)(s->proc_vals[i].tx + s->proc_vals[i].rx);
	k = top_indexes(score, s->nprocs, idx, s->base.env->top_n);
	for (size_t i = 0; i < k; i++) {
		const struct proc_bytes *p = &s->proc_vals[idx[i]];
		char comm[NET_COMM_LEN + 1];
		cJSON *e = cJSON_CreateObject();

		memcpy(comm, p->comm, NET_COMM_LEN);
		comm[NET_COMM_LEN] = '\0';
		jint(e, "pid", s->proc_keys[idx[i]]);
		jstr(e, "comm", comm);
		jrate(e, "tx_bytes_per_s", safe_div((double)p->tx, dt));
		jrate(e, "rx_bytes_per_s", safe_div((double)p->rx, dt));
		cJSON_AddItemToArray(arr, e);
	}
}

static void tcp_emit(void *state, cJSON *record, double dt)
{
	struct tcp_state *s = state;
	const __u64 *a = s->sum[!s->cur], *b = s->sum[s->cur];
	cJSON *o = jobj(record, "tcp");
	struct hist d;
	static const struct { const char *name; size_t off; } rates[] = {
		{ "active_opens_per_s", offsetof(struct net_pcpu, active_opens) },
		{ "passive_opens_per_s", offsetof(struct net_pcpu, passive_opens) },
		{ "failed_connects_per_s", offsetof(struct net_pcpu, failed_connects) },
		{ "closes_per_s", offsetof(struct net_pcpu, closes) },
		{ "retransmits_per_s", offsetof(struct net_pcpu, retransmits) },
		{ "resets_sent_per_s", offsetof(struct net_pcpu, resets_sent) },
		{ "resets_received_per_s", offsetof(struct net_pcpu, resets_received) },
	};

	for (size_t i = 0; i < ARRAY_SIZE(rates); i++) {
		size_t f = rates[i].off / sizeof(__u64);

		jrate(o, rates[i].name, safe_div((double)(b[f] - a[f]), dt));
	}
	hist_delta((const struct hist *)&FIELD(a, duration_ms), (const struct hist *)&FIELD(b, duration_ms), &d);
	hist_emit(jobj(o, "connection_duration_ms"), &d, s->dur_max[s->cur]);
	emit_peers(s, o);
	emit_procs(s, o, dt);
}

/* The TCP state-change counters summed over the CPUs, cumulative since load, and the connection
 * duration histogram (milliseconds in the kernel, seconds here). */
static void tcp_totals(void *state, cJSON *t)
{
	static const struct { const char *name, *help; size_t off; } c[] = {
		{ "tcp_active_opens_total", "connect() calls that sent a SYN (eBPF)", offsetof(struct net_pcpu, active_opens) },
		{ "tcp_passive_opens_total", "Connections a listener accepted a SYN for (eBPF)",
		  offsetof(struct net_pcpu, passive_opens) },
		{ "tcp_failed_connects_total", "Connections that went from SYN_SENT to CLOSE (eBPF)",
		  offsetof(struct net_pcpu, failed_connects) },
		{ "tcp_closes_total", "Established connections that closed (eBPF)", offsetof(struct net_pcpu, closes) },
		{ "tcp_retransmits_total", "Retransmitted segments (eBPF)", offsetof(struct net_pcpu, retransmits) },
		{ "tcp_resets_sent_total", "Resets sent (eBPF)", offsetof(struct net_pcpu, resets_sent) },
		{ "tcp_resets_received_total", "Resets received (eBPF)", offsetof(struct net_pcpu, resets_received) },
	};
	const struct tcp_state *s = state;
	const __u64 *b = s->sum[s->cur];
	const struct hist *h = (const struct hist *)&FIELD(b, duration_ms);

	for (size_t i = 0; i < ARRAY_SIZE(c); i++)
		totals_add(t, c[i].name, "counter", c[i].help, NULL, (double)b[c[i].off / sizeof(__u64)]);
	totals_hist(t, "tcp_connection_duration_seconds", "Lifetime of closed TCP connections, established to close (eBPF, log2 buckets)",
		    1e-3, NULL, h, (double)h->sum * 1e-3);
}

const struct collector_ops tcp_collector = {
	.name = "tcp", .init = tcp_init, .snapshot = tcp_snapshot, .sample = tcp_sample, .emit = tcp_emit, .free = tcp_free,
	.totals = tcp_totals,
};
