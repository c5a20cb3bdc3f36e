/* SPDX-License-Identifier: GPL-2.0-only */
/* listening.h - the host's listening sockets from the kernel's sock_diag netlink interface: TCP
 * sockets in LISTEN and unconnected bound UDP sockets, IPv4 and IPv6, of the agent's network
 * namespace. Parsing is separate from the socket so tests can feed constructed messages. */
#ifndef COREWATCH_LISTENING_H
#define COREWATCH_LISTENING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* At most this many sockets are kept per read; the rest are counted in left_out. */
#define LISTEN_MAX 4096

struct listener {
	uint8_t proto;      /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t family;     /* AF_INET or AF_INET6 */
	uint16_t port;      /* host order */
	uint8_t addr[16];   /* network order; the first 4 bytes for AF_INET */
	uint32_t uid;
	uint64_t inode;
	/* Filled by sockowner.c, not here: pid 0 when no process was found. */
	int pid;
	char comm[16];
	char cgroup[256];   /* the cgroup v2 path, "" when unknown */
};

struct listen_list {
	struct listener *v;  /* owned; sorted by listen_list_sort() */
	size_t n, cap;
	uint64_t left_out;   /* sockets beyond LISTEN_MAX in the last read */
};

/* Parses buf (len bytes: one recv() of a sock_diag dump, any number of netlink messages) for
 * protocol proto, appending to l. UDP sockets with a remote port (connected) or without a local one
 * are skipped. Sets *done on NLMSG_DONE. Returns 0, the kernel's -errno of an NLMSG_ERROR (or of
 * NLMSG_DONE's payload), -EBADMSG for a truncated or malformed message, -ENOMEM. */
int listening_parse(const void *buf, size_t len, uint8_t proto, struct listen_list *l, bool *done);

/* Opens a NETLINK_SOCK_DIAG socket: a descriptor, or -errno. */
int listening_open(void);
/* The four dumps listening_read() makes, as bits of its mask. */
enum { LISTEN_Q_TCP4, LISTEN_Q_TCP6, LISTEN_Q_UDP4, LISTEN_Q_UDP6, LISTEN_NQ };
/* Names of the dumps for log lines: "TCP/IPv4", ... */
extern const char *const listen_q_name[LISTEN_NQ];
/* Reads the listeners of the dumps whose bit (1 << LISTEN_Q_*) is in mask through fd into l
 * (emptied first; left_out reset), sorted. err[q] gets each dump's result (0 or -errno; -ENOENT:
 * the kernel has no diag module for it). Returns 0 when every dump asked for succeeded, else the
 * first error (-ENOMEM stops at once). */
int listening_read(int fd, unsigned mask, struct listen_list *l, int err[LISTEN_NQ]);
/* Sorts by protocol (TCP first), port, family, address, inode. */
void listen_list_sort(struct listen_list *l);
/* Compares two entries as the sort does, identity included (inode): <0, 0, >0. */
int listener_cmp(const struct listener *a, const struct listener *b);
/* "tcp"/"udp"; the address as text into buf (at least 46 bytes). */
const char *listener_proto(const struct listener *e);
void listener_addr(const struct listener *e, char *buf, size_t len);
void listen_list_free(struct listen_list *l);

#endif
