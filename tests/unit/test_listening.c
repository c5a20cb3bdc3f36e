// SPDX-License-Identifier: GPL-2.0-only
/* sock_diag message parsing (constructed messages), the sort, the fd link parser, and one live read
 * checked against a socket this test opens itself. */
#include "testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "listening.h"
#include "sockowner.h"

struct msgbuf {
	_Alignas(struct nlmsghdr) char data[65536];
	size_t len;
};

static struct nlmsghdr *add_hdr(struct msgbuf *b, uint16_t type, size_t payload)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(b->data + b->len);

	memset(h, 0, NLMSG_SPACE(payload));
	h->nlmsg_len = (uint32_t)NLMSG_LENGTH(payload);
	h->nlmsg_type = type;
	b->len += NLMSG_SPACE(payload);
	return h;
}

static void add_sock(struct msgbuf *b, int family, const char *addr, uint16_t sport, uint16_t dport,
		     uint8_t state, uint32_t uid, uint32_t inode)
{
	struct inet_diag_msg *m = NLMSG_DATA(add_hdr(b, SOCK_DIAG_BY_FAMILY, sizeof(*m)));

	m->idiag_family = (uint8_t)family;
	m->idiag_state = state;
	m->id.idiag_sport = htons(sport);
	m->id.idiag_dport = htons(dport);
	assert_int_equal(inet_pton(family, addr, m->id.idiag_src), 1);
	m->idiag_uid = uid;
	m->idiag_inode = inode;
}

static void add_done(struct msgbuf *b, int err)
{
	*(int *)NLMSG_DATA(add_hdr(b, NLMSG_DONE, sizeof(int))) = err;
}

static void test_tcp(void **st)
{
	static struct msgbuf b;
	struct listen_list l = { 0 };
	bool done = false;
	char a[64];

	(void)st;
	b.len = 0;
	add_sock(&b, AF_INET, "127.0.0.1", 8080, 0, 10, 1000, 111);
	add_sock(&b, AF_INET, "10.0.0.1", 22, 51000, 1, 0, 112);   /* ESTABLISHED: not a listener */
	add_sock(&b, AF_INET6, "::1", 443, 0, 10, 0, 113);
	assert_int_equal(listening_parse(b.data, b.len, IPPROTO_TCP, &l, &done), 0);
	assert_false(done);
	b.len = 0;
	add_done(&b, 0);
	assert_int_equal(listening_parse(b.data, b.len, IPPROTO_TCP, &l, &done), 0);
	assert_true(done);
	assert_int_equal(l.n, 2);
	listen_list_sort(&l);
	/* by port: 443 before 8080 */
	assert_int_equal(l.v[0].port, 443);
	assert_int_equal(l.v[0].family, AF_INET6);
	assert_int_equal(l.v[0].inode, 113);
	listener_addr(&l.v[0], a, sizeof(a));
	assert_string_equal(a, "::1");
	assert_int_equal(l.v[1].port, 8080);
	assert_int_equal(l.v[1].uid, 1000);
	assert_int_equal(l.v[1].inode, 111);
	assert_int_equal(l.v[1].pid, 0);
	listener_addr(&l.v[1], a, sizeof(a));
	assert_string_equal(a, "127.0.0.1");
	assert_string_equal(listener_proto(&l.v[1]), "tcp");
	listen_list_free(&l);
}

static void test_udp(void **st)
{
	static struct msgbuf b;
	struct listen_list l = { 0 };
	bool done = false;

	(void)st;
	b.len = 0;
	add_sock(&b, AF_INET, "0.0.0.0", 53, 0, 7, 0, 201);        /* bound, unconnected */
	add_sock(&b, AF_INET, "10.0.0.2", 40000, 53, 7, 0, 202);   /* a remote port: connected */
	add_sock(&b, AF_INET, "0.0.0.0", 0, 0, 7, 0, 203);         /* no local port yet */
	add_sock(&b, AF_INET6, "::", 5353, 0, 1, 0, 204);          /* ESTABLISHED */
	add_done(&b, 0);
	assert_int_equal(listening_parse(b.data, b.len, IPPROTO_UDP, &l, &done), 0);
	assert_true(done);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].port, 53);
	assert_int_equal(l.v[0].inode, 201);
	assert_string_equal(listener_proto(&l.v[0]), "udp");
	listen_list_free(&l);
}

static void test_errors(void **st)
{
	static struct msgbuf b;
	struct listen_list l = { 0 };
	struct nlmsgerr *e;
	bool done = false;

	(void)st;
	/* no diag module: the kernel answers the request with NLMSG_ERROR -ENOENT */
	b.len = 0;
	e = NLMSG_DATA(add_hdr(&b, NLMSG_ERROR, sizeof(*e)));
	e->error = -ENOENT;
	assert_int_equal(listening_parse(b.data, b.len, IPPROTO_TCP, &l, &done), -ENOENT);
	assert_true(done);
	/* an error at the end of a dump, in NLMSG_DONE's payload */
	b.len = 0;
	done = false;
	add_done(&b, -EPERM);
	assert_int_equal(listening_parse(b.data, b.len, IPPROTO_TCP, &l, &done), -EPERM);
	/* a message cut short: its length says more than the buffer holds */
	b.len = 0;
	add_sock(&b, AF_INET, "127.0.0.1", 1, 0, 10, 0, 1);
	assert_int_equal(listening_parse(b.data, b.len - 8, IPPROTO_TCP, &l, &done), -EBADMSG);
	/* a sock_diag message too short for an inet_diag_msg */
	b.len = 0;
	add_hdr(&b, SOCK_DIAG_BY_FAMILY, 8);
	assert_int_equal(listening_parse(b.data, b.len, IPPROTO_TCP, &l, &done), -EBADMSG);
	/* a family that is not IP */
	b.len = 0;
	add_sock(&b, AF_INET, "127.0.0.1", 1, 0, 10, 0, 1);
	((struct inet_diag_msg *)NLMSG_DATA((struct nlmsghdr *)b.data))->idiag_family = AF_UNIX;
	assert_int_equal(listening_parse(b.data, b.len, IPPROTO_TCP, &l, &done), -EBADMSG);
	assert_int_equal(l.n, 0);
	listen_list_free(&l);
}

static void test_overflow(void **st)
{
	static struct msgbuf b;
	struct listen_list l = { 0 };
	bool done = false;
	unsigned sent = 0;

	(void)st;
	while (sent < LISTEN_MAX + 3) {
		b.len = 0;
		for (int i = 0; i < 100 && sent < LISTEN_MAX + 3; i++, sent++)
			add_sock(&b, AF_INET, "127.0.0.1", (uint16_t)(1 + sent % 60000), 0, 10, 0, sent + 1);
		assert_int_equal(listening_parse(b.data, b.len, IPPROTO_TCP, &l, &done), 0);
	}
	assert_int_equal(l.n, LISTEN_MAX);
	assert_int_equal(l.left_out, 3);
	listen_list_free(&l);
}

static void test_cmp(void **st)
{
	struct listener a = { .proto = IPPROTO_UDP, .family = AF_INET, .port = 53, .inode = 5 };
	struct listener b = { .proto = IPPROTO_TCP, .family = AF_INET, .port = 60000, .inode = 6 };
	struct listener c = a;

	(void)st;
	assert_true(listener_cmp(&b, &a) < 0); /* TCP first, whatever the port */
	assert_int_equal(listener_cmp(&a, &c), 0);
	c.inode = 9; /* the same port bound again (a restart): another socket */
	assert_true(listener_cmp(&a, &c) < 0);
	c.pid = 42; /* the owner is not the identity */
	c.inode = 5;
	assert_int_equal(listener_cmp(&a, &c), 0);
}

static void test_link(void **st)
{
	uint64_t ino = 0;

	(void)st;
	assert_int_equal(sockowner_parse_link("socket:[12345]", &ino), 0);
	assert_int_equal(ino, 12345);
	assert_int_equal(sockowner_parse_link("socket:[]", &ino), -EINVAL);
	assert_int_equal(sockowner_parse_link("socket:[12x]", &ino), -EINVAL);
	assert_int_equal(sockowner_parse_link("socket:[12]x", &ino), -EINVAL);
	assert_int_equal(sockowner_parse_link("socket:[-1]", &ino), -EINVAL);
	assert_int_equal(sockowner_parse_link("socket:[0]", &ino), -EINVAL);
	assert_int_equal(sockowner_parse_link("pipe:[12345]", &ino), -EINVAL);
	assert_int_equal(sockowner_parse_link("/dev/null", &ino), -EINVAL);
	assert_int_equal(sockowner_parse_link("socket:[99999999999999999999999]", &ino), -EINVAL);
}

/* The kernel's own answer for a socket this test listens on: its port from getsockname(), its
 * inode from fstat(), its holder this process. */
static void test_live(void **st)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	struct listen_list l = { 0 };
	struct sockowner_stats ss;
	int err[LISTEN_NQ], s, fd, hits = 0;
	struct stat sb;
	bool *need;

	(void)st;
	fd = listening_open();
	if (fd < 0)
		skip();
	s = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s, 4), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
	assert_int_equal(fstat(s, &sb), 0);
	assert_int_equal(listening_read(fd, 1u << LISTEN_Q_TCP4, &l, err), 0);
	need = calloc(l.n, sizeof(*need));
	assert_non_null(need);
	for (size_t i = 0; i < l.n; i++)
		need[i] = l.v[i].inode == sb.st_ino;
	sockowner_fill("/proc", l.v, l.n, need, &ss);
	for (size_t i = 0; i < l.n; i++) {
		if (l.v[i].inode != sb.st_ino)
			continue;
		hits++;
		assert_int_equal(l.v[i].port, ntohs(sa.sin_port));
		assert_int_equal(l.v[i].uid, getuid());
		assert_int_equal(l.v[i].pid, getpid());
		assert_string_equal(l.v[i].comm, "test_listening");
		assert_true(l.v[i].cgroup[0] == '/');
	}
	assert_int_equal(hits, 1);
	assert_int_equal(ss.found, 1);
	for (size_t i = 1; i < l.n; i++)
		assert_true(listener_cmp(&l.v[i - 1], &l.v[i]) < 0);
	close(s);
	assert_int_equal(listening_read(fd, 1u << LISTEN_Q_TCP4, &l, err), 0);
	for (size_t i = 0; i < l.n; i++)
		assert_true(l.v[i].inode != sb.st_ino);
	free(need);
	listen_list_free(&l);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_cmp),
		cmocka_unit_test(test_link),
		cmocka_unit_test(test_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
