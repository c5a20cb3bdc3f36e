// SPDX-License-Identifier: GPL-2.0-only
/* col_listening.c - the listening sockets (collector "listening"): a count in every record
 * (network.listening), the list in the inventory, and an event for each socket that opened or
 * closed between two intervals.
 *
 * Each interval costs the four sock_diag dumps (the kernel filters by state) and a merge of two
 * sorted lists; the walk of /proc/PID/fd that names a socket's process runs only for sockets not
 * seen in the previous interval. A socket is its (protocol, address, port, inode): a server that
 * restarts closes one and opens another.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "collector.h"
#include "listening.h"
#include "log.h"
#include "sockowner.h"
#include "util.h"

struct listening_state {
	struct col_base base;
	int fd;
	unsigned mask;            /* the dumps that work here (LISTEN_Q_* bits) */
	struct listen_list cur;   /* the last good read, with owners */
	struct listen_list next;  /* the read in progress */
	bool *need;               /* scratch for sockowner_fill(), next.cap of them */
	size_t need_cap;
	bool have;                /* cur holds a read: later changes are events */
	int last_err;             /* reported once until it changes */
	uint64_t walks;           /* /proc walks made */
};

static void add_entry(cJSON *o, const struct listener *e)
{
	char addr[64], name[256];

	jstr(o, "proto", listener_proto(e));
	listener_addr(e, addr, sizeof(addr));
	jstr(o, "address", addr);
	jint(o, "port", e->port);
	jint(o, "uid", e->uid);
	if (e->pid)
		jint(o, "pid", (uint64_t)e->pid);
	else
		jstr(o, "pid", NULL);
	jstr(o, "comm", e->pid ? e->comm : NULL);
	jstr(o, "cgroup", e->pid && e->cgroup[0] ? e->cgroup : NULL);
	if (e->pid && e->cgroup[0]) {
		cgroup_name(e->cgroup, name, sizeof(name));
		jstr(o, "cgroup_name", name);
	} else {
		jstr(o, "cgroup_name", NULL);
	}
}

static void event(struct listening_state *s, const char *what, const struct listener *e)
{
	const struct collector_env *env = s->base.env;
	cJSON *body;

	if (!env->emit_event)
		return;
	body = cJSON_CreateObject();
	if (body)
		add_entry(body, e);
	env->emit_event(env->emit_ctx, what, body);
}

/* Carries the owners of sockets already known from cur over to next, names the others' processes,
 * and (after the first read) reports what opened and closed. */
static void reconcile(struct listening_state *s)
{
	struct listen_list *a = &s->cur, *b = &s->next;
	size_t i = 0, j = 0, fresh = 0;

	if (array_reserve(&s->need, &s->need_cap, b->n ? b->n : 1, sizeof(*s->need), 64) < 0) {
		log_warnx("listening: out of memory: processes of new listeners not looked up");
		return;
	}
	while (j < b->n) {
		int c = i < a->n ? listener_cmp(&a->v[i], &b->v[j]) : 1;

		if (c < 0) {
			i++;
		} else if (c == 0) {
			b->v[j].pid = a->v[i].pid;
			memcpy(b->v[j].comm, a->v[i].comm, sizeof(b->v[j].comm));
			memcpy(b->v[j].cgroup, a->v[i].cgroup, sizeof(b->v[j].cgroup));
			s->need[j++] = false;
			i++;
		} else {
			s->need[j++] = true;
			fresh++;
		}
	}
	if (fresh) {
		struct sockowner_stats st;
		double t0 = clock_s(CLOCK_MONOTONIC);

		sockowner_fill(s->base.env->proc_root, b->v, b->n, s->need, &st);
		s->walks++;
		log_debug("listening: %zu new sockets, %u named from %llu %s in %.1f ms", fresh, st.found,
			  (unsigned long long)st.fds, st.ebpf ? "sockets (eBPF task_file iterator)" : "descriptors in /proc",
			  (clock_s(CLOCK_MONOTONIC) - t0) * 1e3);
		if (st.truncated)
			log_warnx("listening: stopped looking for the processes of new listeners after %d "
				  "descriptors: some are reported without a process", SOCKOWNER_MAX_FDS);
	}
	if (!s->have)
		return;
	for (i = j = 0; i < a->n || j < b->n;) {
		int c = i >= a->n ? 1 : j >= b->n ? -1 : listener_cmp(&a->v[i], &b->v[j]);

		if (c < 0)
			event(s, "listener_closed", &a->v[i++]);
		else if (c > 0)
			event(s, "listener_opened", &b->v[j++]);
		else
			i++, j++;
	}
}

static int listening_sample(void *state)
{
	struct listening_state *s = state;
	int err[LISTEN_NQ], e;
	struct listen_list t;

	e = listening_read(s->fd, s->mask, &s->next, err);
	if (e) {
		if (e != s->last_err)
			log_warnx("listening: sock_diag read failed: %s (listeners kept as last read)",
				  strerror(-e));
		s->last_err = e;
		return e;
	}
	s->last_err = 0;
	if (s->next.left_out && !s->cur.left_out)
		log_warnx("listening: more than %d listening sockets: %llu left out", LISTEN_MAX,
			  (unsigned long long)s->next.left_out);
	reconcile(s);
	t = s->cur;
	s->cur = s->next;
	s->next = t;
	s->have = true;
	return 0;
}

static void listening_free(void *state)
{
	struct listening_state *s = state;

	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	listen_list_free(&s->cur);
	listen_list_free(&s->next);
	free(s->need);
	col_base_free(s);
}

static int listening_init(const struct collector_env *env, void **state)
{
	struct listening_state *s;
	int err[LISTEN_NQ], e;

	e = col_base_new(env, sizeof(*s), state);
	if (e)
		return e;
	s = *state;
	s->fd = listening_open();
	if (s->fd < 0) {
		log_warnx("listening: no sock_diag netlink socket (%s): listening sockets not reported",
			  strerror(-s->fd));
		goto off;
	}
	e = listening_read(s->fd, (1u << LISTEN_NQ) - 1, &s->next, err);
	if (e == -ENOMEM)
		goto off;
	for (int q = 0; q < LISTEN_NQ; q++) {
		if (!err[q]) {
			s->mask |= 1u << q;
			continue;
		}
		log_warnx("listening: sock_diag cannot dump %s sockets (%s%s): those listeners not reported",
			  listen_q_name[q], strerror(-err[q]),
			  err[q] == -ENOENT ? ": is the tcp_diag/udp_diag module missing?" : "");
	}
	if (!s->mask)
		goto off;
	return 0;
off:
	listening_free(s);
	*state = NULL;
	/* (said above, once: the agent's own "not available" line is debug) */
	return -ENOTSUP;
}

static void listening_emit(void *state, cJSON *record, double dt)
{
	struct listening_state *s = state;
	cJSON *net = cJSON_GetObjectItemCaseSensitive(record, "network"), *o;
	uint64_t tcp = 0, udp = 0, orphan = 0;

	(void)dt;
	if (!net)
		net = jobj(record, "network");
	o = jobj(net, "listening");
	for (size_t i = 0; i < s->cur.n; i++) {
		*(s->cur.v[i].proto == IPPROTO_TCP ? &tcp : &udp) += 1;
		orphan += !s->cur.v[i].pid;
	}
	jint(o, "tcp", tcp);
	jint(o, "udp", udp);
	jint(o, "without_process", orphan);
	jint(o, "left_out", s->cur.left_out);
}

static void listening_inventory(void *state, cJSON *inv)
{
	struct listening_state *s = state;
	cJSON *arr = jarr(inv, "listening");

	for (size_t i = 0; arr && i < s->cur.n; i++) {
		cJSON *o = cJSON_CreateObject();

		if (!o)
			break;
		add_entry(o, &s->cur.v[i]);
		cJSON_AddItemToArray(arr, o);
	}
	if (s->cur.left_out)
		jint(inv, "listening_left_out", s->cur.left_out);
}

const struct collector_ops listening_collector = {
	.name = "listening", .init = listening_init, .sample = listening_sample,
	.emit = listening_emit, .free = listening_free, .inventory = listening_inventory,
};
