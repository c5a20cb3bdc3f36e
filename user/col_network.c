// SPDX-License-Identifier: GPL-2.0-only
/* col_network.c - interface traffic, TCP and UDP counters (section "network"). */
#include "col_network.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "util.h"
#include "totals.h"

int netdev_parse_line(const char *line, char name[DEVSTAT_NAME_MAX], uint64_t vals[ND_NFIELDS])
{
	const char *p = line, *colon;
	size_t n;

	while (*p == ' ')
		p++;
	colon = strchr(p, ':');
	if (!colon || (strchr(p, '\n') && strchr(p, '\n') < colon) || colon == p)
		return -EINVAL;
	n = (size_t)(colon - p);
	if (n >= DEVSTAT_NAME_MAX || memchr(p, '|', n))
		return -EINVAL;
	memcpy(name, p, n);
	name[n] = '\0';
	p = colon + 1;
	for (int i = 0; i < ND_NFIELDS; i++)
		if (scan_u64(&p, &vals[i]) < 0)
			return -EINVAL;
	return 0;
}

/* Whether name matches one of list's comma-separated globs. */
static bool match_list(const char *name, const char *list)
{
	char pat[64];

	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, ",");

		if (n < sizeof(pat)) {
			memcpy(pat, p, n);
			pat[n] = '\0';
			if (n && fnmatch(pat, name, 0) == 0)
				return true;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

bool netdev_reported(const char *name, const char *include, const char *exclude)
{
	if (exclude && match_list(name, exclude))
		return false;
	if (include)
		return match_list(name, include);
	return exclude || !match_list(name, NET_DEFAULT_EXCLUDE);
}

int netdev_patterns_check(const char *list)
{
	for (const char *p = list;;) {
		size_t n = strcspn(p, ",");

		if (n == 0 || n >= 64)
			return -1;
		p += n;
		if (!*p)
			return 0;
		p++;
	}
}

/* Returns the start of the next line after p, or NULL. */
static const char *next_line(const char *p)
{
	p = strchr(p, '\n');
	return p ? p + 1 : NULL;
}

size_t snmp_lookup(const char *text, const char *proto, const char *const *keys, size_t nkeys,
		   int64_t *vals)
{
	size_t plen = strlen(proto), found = 0;
	const char *hdr, *val;

	memset(vals, 0, nkeys * sizeof(*vals));
	for (hdr = text; hdr && *hdr; hdr = next_line(hdr)) {
		if (strncmp(hdr, proto, plen) == 0 && hdr[plen] == ':')
			break;
	}
	if (!hdr || !*hdr || !(val = next_line(hdr)) || strncmp(val, proto, plen) != 0 || val[plen] != ':')
		return 0;
	hdr += plen + 1;
	val += plen + 1;
	/* Walk the names and the values in step. */
	while (*hdr && *hdr != '\n') {
		size_t klen;
		int64_t v;

		while (*hdr == ' ')
			hdr++;
		klen = strcspn(hdr, " \n");
		if (klen == 0 || scan_i64(&val, &v) < 0)
			break;
		for (size_t i = 0; i < nkeys; i++) {
			if (strlen(keys[i]) == klen && strncmp(hdr, keys[i], klen) == 0) {
				vals[i] = v;
				found++;
			}
		}
		hdr += klen;
	}
	return found;
}

/* Protocol counters kept per sample; the gauge (CurrEstab) is reported as is, the rest as rates. */
enum { T_ACTIVE, T_PASSIVE, T_FAILS, T_RETRANS, T_OUTRSTS, T_ESTAB, T_NKEYS };
static const char *const tcp_keys[T_NKEYS] = {
	"ActiveOpens", "PassiveOpens", "AttemptFails", "RetransSegs", "OutRsts", "CurrEstab",
};
enum { X_OVERFLOWS, X_DROPS, X_NKEYS };
static const char *const tcpext_keys[X_NKEYS] = { "ListenOverflows", "ListenDrops" };
enum { U_IN, U_OUT, U_ERRS, U_RCVBUF, U_NKEYS };
static const char *const udp_keys[U_NKEYS] = { "InDatagrams", "OutDatagrams", "InErrors",
					       "RcvbufErrors" };

struct proto_snap {
	int64_t tcp[T_NKEYS], tcpext[X_NKEYS], udp[U_NKEYS];
	bool have_tcp, have_tcpext, have_udp;
};

struct network_state {
	struct col_base base;
	struct devstats ifaces;
	struct proto_snap snap[2];
	int cur;
};

static int network_init(const struct collector_env *env, void **state)
{
	return col_base_new(env, sizeof(struct network_state), state);
}

static int read_ifaces(struct network_state *s)
{
	const char *line;
	size_t idx = 0;
	int err = col_read_proc(&s->base, "net/dev");

	if (err)
		return err;
	devstats_begin(&s->ifaces);
	for (line = s->base.buf.data; line && *line; line = next_line(line)) {
		char name[DEVSTAT_NAME_MAX];
		uint64_t v[ND_NFIELDS];
		bool created;

		if (netdev_parse_line(line, name, v) < 0)
			continue;
		if (!devstats_update(&s->ifaces, name, 0, v, ND_NFIELDS, idx++, &created))
			return -ENOMEM;
	}
	devstats_end(&s->ifaces);
	return 0;
}

static int network_sample(void *state)
{
	struct network_state *s = state;
	struct proto_snap *p = &s->snap[!s->cur];
	int err = read_ifaces(s);

	if (err)
		return err;
	/* snmp and netstat are optional (a netns without them still has interfaces). */
	p->have_tcp = p->have_udp = p->have_tcpext = false;
	if (col_read_proc(&s->base, "net/snmp") == 0) {
		p->have_tcp = snmp_lookup(s->base.buf.data, "Tcp", tcp_keys, T_NKEYS, p->tcp) > 0;
		p->have_udp = snmp_lookup(s->base.buf.data, "Udp", udp_keys, U_NKEYS, p->udp) > 0;
	}
	if (col_read_proc(&s->base, "net/netstat") == 0)
		p->have_tcpext =
			snmp_lookup(s->base.buf.data, "TcpExt", tcpext_keys, X_NKEYS, p->tcpext) > 0;
	s->cur = !s->cur;
	return 0;
}

static double rate64(int64_t a, int64_t b, double dt)
{
	return a >= 0 && b >= 0 ? safe_div((double)counter_delta((uint64_t)a, (uint64_t)b), dt) : 0.0;
}

static void emit_ifaces(struct network_state *s, cJSON *net, double dt)
{
	static const struct {
		const char *name;
		enum netdev_field f;
	} rates[] = {
		{ "rx_bytes_per_s", ND_RX_BYTES },   { "tx_bytes_per_s", ND_TX_BYTES },
		{ "rx_packets_per_s", ND_RX_PACKETS }, { "tx_packets_per_s", ND_TX_PACKETS },
		{ "rx_errors_per_s", ND_RX_ERRS },   { "tx_errors_per_s", ND_TX_ERRS },
		{ "rx_drops_per_s", ND_RX_DROP },    { "tx_drops_per_s", ND_TX_DROP },
	};
	cJSON *arr = jarr(net, "interfaces");
	uint64_t excluded = 0;

	for (size_t i = 0; i < s->ifaces.n; i++) {
		const struct devstat *in = &s->ifaces.v[i];
		cJSON *o;

		if (!netdev_reported(in->name, s->base.env->ifaces_include, s->base.env->ifaces_exclude)) {
			excluded++;
			continue;
		}
		if (!in->have_prev)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, o);
		jstr(o, "name", in->name);
		for (size_t r = 0; r < ARRAY_SIZE(rates); r++)
			jrate(o, rates[r].name, safe_div(devstats_delta(in, rates[r].f), dt));
	}
	/* never silently hidden: how many the filters left out */
	jint(net, "interfaces_excluded", excluded);
}

static void network_emit(void *state, cJSON *record, double dt)
{
	struct network_state *s = state;
	const struct proto_snap *a = &s->snap[!s->cur], *b = &s->snap[s->cur];
	cJSON *net = jobj(record, "network"), *o;

	emit_ifaces(s, net, dt);
	if (a->have_tcp && b->have_tcp) {
		o = jobj(net, "tcp");
		jrate(o, "active_opens_per_s", rate64(a->tcp[T_ACTIVE], b->tcp[T_ACTIVE], dt));
		jrate(o, "passive_opens_per_s", rate64(a->tcp[T_PASSIVE], b->tcp[T_PASSIVE], dt));
		jrate(o, "failed_connects_per_s", rate64(a->tcp[T_FAILS], b->tcp[T_FAILS], dt));
		jrate(o, "retransmits_per_s", rate64(a->tcp[T_RETRANS], b->tcp[T_RETRANS], dt));
		jrate(o, "resets_sent_per_s", rate64(a->tcp[T_OUTRSTS], b->tcp[T_OUTRSTS], dt));
		jint(o, "established", b->tcp[T_ESTAB] > 0 ? (uint64_t)b->tcp[T_ESTAB] : 0);
		if (a->have_tcpext && b->have_tcpext) {
			jrate(o, "listen_overflows_per_s",
			     rate64(a->tcpext[X_OVERFLOWS], b->tcpext[X_OVERFLOWS], dt));
			jrate(o, "listen_drops_per_s", rate64(a->tcpext[X_DROPS], b->tcpext[X_DROPS], dt));
		}
	}
	if (a->have_udp && b->have_udp) {
		o = jobj(net, "udp");
		jrate(o, "in_datagrams_per_s", rate64(a->udp[U_IN], b->udp[U_IN], dt));
		jrate(o, "out_datagrams_per_s", rate64(a->udp[U_OUT], b->udp[U_OUT], dt));
		jrate(o, "in_errors_per_s", rate64(a->udp[U_ERRS], b->udp[U_ERRS], dt));
		jrate(o, "rcvbuf_errors_per_s", rate64(a->udp[U_RCVBUF], b->udp[U_RCVBUF], dt));
	}
}

static void network_free(void *state)
{
	struct network_state *s = state;

	devstats_free(&s->ifaces);
	col_base_free(s);
}

/* /proc/net/dev per interface and the Tcp, TcpExt and Udp counters of /proc/net/{snmp,netstat} as
 * they stand: node_exporter's network and netstat families (counters with _total). */
static void network_totals(void *state, cJSON *t)
{
	static const struct { const char *name; enum netdev_field f; } dev[] = {
		{ "network_receive_bytes_total", ND_RX_BYTES },     { "network_receive_packets_total", ND_RX_PACKETS },
		{ "network_receive_errs_total", ND_RX_ERRS },       { "network_receive_drop_total", ND_RX_DROP },
		{ "network_transmit_bytes_total", ND_TX_BYTES },    { "network_transmit_packets_total", ND_TX_PACKETS },
		{ "network_transmit_errs_total", ND_TX_ERRS },      { "network_transmit_drop_total", ND_TX_DROP },
	};
	const struct network_state *s = state;
	const struct proto_snap *b = &s->snap[s->cur];
	char name[96];

	/* the record's interfaces: 200 veths are no more series than they are record entries */
	for (size_t i = 0; i < s->ifaces.n; i++) {
		if (!netdev_reported(s->ifaces.v[i].name, s->base.env->ifaces_include, s->base.env->ifaces_exclude))
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(dev); k++)
			totals_add(t, dev[k].name, "counter", "Network device statistic of /proc/net/dev",
				   TL("device", s->ifaces.v[i].name), (double)s->ifaces.v[i].cur[dev[k].f]);
	}
	for (size_t k = 0; b->have_tcp && k < T_NKEYS; k++) {
		if (b->tcp[k] < 0)
			continue;
		snprintf(name, sizeof(name), "netstat_Tcp_%s%s", tcp_keys[k], k == T_ESTAB ? "" : "_total");
		totals_add(t, name, k == T_ESTAB ? "gauge" : "counter", "Tcp statistic of /proc/net/snmp", NULL,
			   (double)b->tcp[k]);
	}
	for (size_t k = 0; b->have_tcpext && k < X_NKEYS; k++) {
		snprintf(name, sizeof(name), "netstat_TcpExt_%s_total", tcpext_keys[k]);
		totals_add(t, name, "counter", "TcpExt statistic of /proc/net/netstat", NULL,
			   b->tcpext[k] > 0 ? (double)b->tcpext[k] : 0);
	}
	for (size_t k = 0; b->have_udp && k < U_NKEYS; k++) {
		snprintf(name, sizeof(name), "netstat_Udp_%s_total", udp_keys[k]);
		totals_add(t, name, "counter", "Udp statistic of /proc/net/snmp", NULL,
			   b->udp[k] > 0 ? (double)b->udp[k] : 0);
	}
}

const struct collector_ops network_collector = {
	.name = "network", .init = network_init, .snapshot = network_sample, .emit = network_emit,
	.free = network_free,
	.totals = network_totals,
};
